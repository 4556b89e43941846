//! Errors answered in the provider's own dialect: its members, its description
//! format with a trace id, its documented codes.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use idspec_codegen::model::{ErrorCodeSpec, ErrorEndpoint, ErrorFields, Spec};
use serde_json::{Map, Value};

/// An error the sandbox answers with.
#[derive(Clone, Debug)]
pub(crate) struct SandboxError {
    pub status: StatusCode,
    /// The OAuth error (`invalid_request`).
    pub oauth: String,
    /// The provider's documented code, when the error is one.
    pub code: Option<String>,
    /// The human message.
    pub message: String,
}

impl SandboxError {
    /// A documented code of the spec as the authorization endpoint answers it (its
    /// OAuth error and message come from the spec).
    pub(crate) fn documented(spec: &Spec, code: &str, status: StatusCode) -> Self {
        Self::documented_at(spec, ErrorEndpoint::Authorization, code, status)
    }

    /// A documented code as `endpoint` answers it: where the spec documents codes per
    /// endpoint, the same code has that endpoint's message and status.
    pub(crate) fn documented_at(
        spec: &Spec,
        endpoint: ErrorEndpoint,
        code: &str,
        status: StatusCode,
    ) -> Self {
        let documented = entry(spec, endpoint, code);
        Self {
            status: documented
                .and_then(|c| c.http_status)
                .and_then(|s| StatusCode::from_u16(s).ok())
                .unwrap_or(status),
            oauth: documented
                .and_then(|c| c.oauth.clone())
                .unwrap_or_else(|| code.to_owned()),
            code: Some(code.to_owned()),
            message: documented.map(|c| c.message.clone()).unwrap_or_default(),
        }
    }

    /// The spec's entry for `code` at `endpoint` when it documents one (with `detail`
    /// added to its message), else the plain OAuth error `code` with `detail`.
    pub(crate) fn documented_or_oauth(
        spec: &Spec,
        endpoint: ErrorEndpoint,
        code: &str,
        detail: impl Into<String>,
    ) -> Self {
        let detail = detail.into();
        if spec.errors.for_endpoint(endpoint).any(|c| c.code == code) {
            let mut error = Self::documented_at(spec, endpoint, code, StatusCode::BAD_REQUEST);
            error.message = if error.message.is_empty() {
                detail
            } else {
                format!("{} ({detail})", error.message)
            };
            error
        } else {
            Self::oauth(StatusCode::BAD_REQUEST, code, detail)
        }
    }

    /// A documented code if the spec maps this mistake to one, else the OAuth error.
    pub(crate) fn rule(
        spec: &Spec,
        rule: Option<&String>,
        oauth: &str,
        message: impl Into<String>,
    ) -> Self {
        match rule {
            Some(code) => Self::documented(spec, code, StatusCode::BAD_REQUEST),
            None => Self::oauth(StatusCode::BAD_REQUEST, oauth, message),
        }
    }

    /// A standard OAuth error.
    pub(crate) fn oauth(status: StatusCode, oauth: &str, message: impl Into<String>) -> Self {
        Self {
            status,
            oauth: oauth.to_owned(),
            code: None,
            message: message.into(),
        }
    }

    /// The code and the description as the provider writes them.
    fn wire(&self, spec: &Spec) -> (String, String) {
        match (&self.code, &spec.errors.format) {
            (Some(code), Some(format)) => (
                self.oauth.clone(),
                format
                    .replace("{code}", code)
                    .replace("{trace}", &trace_id())
                    .replace("{message}", &self.message),
            ),
            (Some(code), None) => (code.clone(), self.message.clone()),
            (None, _) => (self.oauth.clone(), self.message.clone()),
        }
    }

    /// The members of the error as the provider writes them.
    pub(crate) fn members(&self, spec: &Spec, fields: &ErrorFields) -> Vec<(String, String)> {
        let (code_value, description) = self.wire(spec);
        vec![
            (fields.code.clone(), code_value),
            (fields.description.clone(), description),
        ]
    }

    /// A `WWW-Authenticate: Bearer` challenge carrying the error (RFC 6750 3), as a
    /// resource server such as userinfo answers.
    pub(crate) fn into_challenge(self, spec: &Spec) -> Response {
        let (code, description) = self.wire(spec);
        bearer_challenge(self.status, &code, &description)
    }

    /// The JSON body response.
    pub(crate) fn into_body(self, spec: &Spec) -> Response {
        let mut body = Map::new();
        for (name, value) in self.members(spec, &spec.errors.body) {
            body.insert(name, Value::String(value));
        }
        let mut response = (self.status, axum::Json(Value::Object(body))).into_response();
        if self.status == StatusCode::UNAUTHORIZED {
            response.headers_mut().insert(
                axum::http::header::WWW_AUTHENTICATE,
                axum::http::HeaderValue::from_static("Basic realm=\"sandbox\""),
            );
        }
        no_store(response)
    }
}

/// The spec's entry for `code` at `endpoint`; any entry for it when the endpoint has
/// none (a scripted user's code, which the spec need not document per endpoint).
fn entry<'a>(spec: &'a Spec, endpoint: ErrorEndpoint, code: &str) -> Option<&'a ErrorCodeSpec> {
    spec.errors
        .for_endpoint(endpoint)
        .find(|c| c.code == code)
        .or_else(|| spec.errors.codes.iter().find(|c| c.code == code))
}

/// RFC 6750 3: an error in a `WWW-Authenticate: Bearer` challenge, with no body.
pub(crate) fn bearer_challenge(status: StatusCode, error: &str, description: &str) -> Response {
    let value = format!(
        "Bearer error=\"{}\", error_description=\"{}\"",
        quoted(error),
        quoted(description)
    );
    let mut response = status.into_response();
    if let Ok(value) = axum::http::HeaderValue::from_str(&value) {
        response
            .headers_mut()
            .insert(axum::http::header::WWW_AUTHENTICATE, value);
    }
    response
}

/// Text fit for a quoted string in a header (RFC 7230 3.2.6): quotes and backslashes
/// escaped, anything but printable ASCII (itsme's "®") replaced, so that the
/// challenge is never dropped for an odd character.
fn quoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '"' | '\\' => {
                out.push('\\');
                out.push(c);
            }
            ' '..='~' => out.push(c),
            _ => out.push('?'),
        }
    }
    out
}

/// An 8-character trace id, as Mobile ID shows one to the user.
fn trace_id() -> String {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
    let token = idspec_runtime::random::token();
    token
        .bytes()
        .take(8)
        .map(|b| ALPHABET[usize::from(b) % ALPHABET.len()] as char)
        .collect()
}

/// Token-bearing responses must not be cached (RFC 6749 5.1).
pub(crate) fn no_store(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        axum::http::header::CACHE_CONTROL,
        axum::http::HeaderValue::from_static("no-store"),
    );
    headers.insert(
        axum::http::header::PRAGMA,
        axum::http::HeaderValue::from_static("no-cache"),
    );
    response
}

/// A plain error page, for mistakes that must not be redirected (an unknown client
/// or redirect URI: redirecting would make the sandbox an open redirector).
pub(crate) fn error_page(status: StatusCode, message: &str) -> Response {
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>Sandbox error</title></head>\
         <body><h1>The request was refused</h1><p id=\"error\">{}</p></body></html>",
        crate::page::escape(message)
    );
    (status, axum::response::Html(body)).into_response()
}
