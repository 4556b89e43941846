//! Decoding a provider's errors with its dialect: where the code and description
//! sit, and how the description decodes into code, category, trace id and message.
//!
//! The client uses these on every response; they are public for relying parties
//! that call a provider endpoint themselves and want the same typed errors.

use std::collections::HashMap;

use crate::error::{EndpointKind, OAuthErrorCode, ProviderError, ProviderErrorCode, RawResponse};
use crate::profile::{ErrorDialect, ErrorFields};

/// The parts of an error as found in a body or a redirect.
struct Found<'a> {
    code: Option<&'a str>,
    description: Option<&'a str>,
    uri: Option<&'a str>,
}

impl<'a> Found<'a> {
    fn lookup(fields: &ErrorFields, get: impl Fn(&str) -> Option<&'a str>) -> Self {
        // The dialect's own members first, OAuth's as the fallback: providers are not
        // always consistent between endpoints.
        let pick = |own: &str, oauth: &str| get(own).or_else(|| get(oauth));
        Self {
            code: pick(fields.code, ErrorFields::OAUTH.code),
            description: pick(fields.description, ErrorFields::OAUTH.description),
            uri: pick(fields.uri, ErrorFields::OAUTH.uri),
        }
    }
}

/// The error on the redirect back from the authorization endpoint (its query
/// parameters), if it is one.
pub fn redirect_error<C: ProviderErrorCode>(
    dialect: &ErrorDialect,
    params: &HashMap<String, String>,
) -> Option<ProviderError<C>> {
    let found = Found::lookup(&dialect.redirect, |name| {
        params.get(name).map(String::as_str)
    });
    found.code?;
    Some(build(dialect, EndpointKind::Authorization, found, None))
}

/// The error for a non-success answer of an endpoint: the provider's error,
/// decoded with its dialect, when the body (or the status alone) holds one;
/// otherwise the bare status, with the response kept.
pub(crate) fn endpoint_error<C: ProviderErrorCode>(
    dialect: &ErrorDialect,
    endpoint: EndpointKind,
    raw: RawResponse,
) -> crate::Error<C> {
    match body_error(dialect, endpoint, &raw).or_else(|| status_error(dialect, endpoint, &raw)) {
        Some(error) => error.into(),
        None => crate::error::ResponseError::new(endpoint, format!("HTTP status {}", raw.status))
            .with_problem(crate::error::ResponseProblem::Status)
            .with_raw(raw)
            .into(),
    }
}

/// The provider error in a non-2xx JSON body, if the body holds one.
pub fn body_error<C: ProviderErrorCode>(
    dialect: &ErrorDialect,
    endpoint: EndpointKind,
    raw: &RawResponse,
) -> Option<ProviderError<C>> {
    let body: serde_json::Value = serde_json::from_slice(&raw.body).ok()?;
    let object = body.as_object()?;
    let found = Found::lookup(&dialect.body, |name| {
        object.get(name).and_then(|v| v.as_str())
    });
    found.code?;
    Some(build(dialect, endpoint, found, Some(Box::new(raw.clone()))))
}

/// The documented code a provider signals by the status of `raw` alone (imID's
/// `HTTP500`), when the body carries no code of its own.
pub fn status_error<C: ProviderErrorCode>(
    dialect: &ErrorDialect,
    endpoint: EndpointKind,
    raw: &RawResponse,
) -> Option<ProviderError<C>> {
    let documented = dialect.status_only.iter().find(|c| {
        c.status == raw.status && (c.endpoints.is_empty() || c.endpoints.contains(&endpoint))
    })?;
    let found = Found {
        code: Some(documented.code),
        description: None,
        uri: None,
    };
    Some(build(dialect, endpoint, found, Some(Box::new(raw.clone()))))
}

/// The error in a `WWW-Authenticate: Bearer error="..."` header (RFC 6750 3).
pub fn bearer_challenge_error<C: ProviderErrorCode>(
    dialect: &ErrorDialect,
    endpoint: EndpointKind,
    raw: &RawResponse,
) -> Option<ProviderError<C>> {
    let header = raw
        .headers
        .get(reqwest::header::WWW_AUTHENTICATE)?
        .to_str()
        .ok()?;
    let params = parse_challenge(header);
    let found = Found::lookup(&ErrorFields::OAUTH, |name| {
        params.get(name).map(String::as_str)
    });
    found.code?;
    Some(build(dialect, endpoint, found, Some(Box::new(raw.clone()))))
}

/// The parameters of the Bearer challenge in a `WWW-Authenticate` value (RFC 7235
/// 4.1): the scheme matched without regard to case, quoted strings unescaped, the
/// parameters of other challenges ignored.
fn parse_challenge(header: &str) -> HashMap<String, String> {
    let chars: Vec<char> = header.chars().collect();
    let mut params = HashMap::new();
    let mut i = 0;
    let mut in_bearer = false;
    let skip = |i: &mut usize, what: fn(char) -> bool| {
        while *i < chars.len() && what(chars[*i]) {
            *i += 1;
        }
    };
    loop {
        skip(&mut i, |c| c.is_whitespace() || c == ',');
        if i >= chars.len() {
            return params;
        }
        let start = i;
        skip(&mut i, |c| !(c.is_whitespace() || c == '=' || c == ','));
        let token: String = chars[start..i].iter().collect();
        skip(&mut i, char::is_whitespace);
        if i < chars.len() && chars[i] == '=' {
            i += 1;
            skip(&mut i, char::is_whitespace);
            let mut value = String::new();
            if i < chars.len() && chars[i] == '"' {
                i += 1;
                while i < chars.len() && chars[i] != '"' {
                    if chars[i] == '\\' && i + 1 < chars.len() {
                        i += 1;
                    }
                    value.push(chars[i]);
                    i += 1;
                }
                i += 1;
            } else {
                let start = i;
                skip(&mut i, |c| !(c.is_whitespace() || c == ','));
                value = chars[start..i].iter().collect();
            }
            if in_bearer {
                params.insert(token.to_ascii_lowercase(), value);
            }
        } else {
            in_bearer = token.eq_ignore_ascii_case("bearer");
        }
    }
}

/// Each provider's detail pattern, compiled once.
fn detail_regex(pattern: &'static str) -> Option<std::sync::Arc<regex_lite::Regex>> {
    use std::sync::{Arc, Mutex, OnceLock};
    static CACHE: OnceLock<Mutex<HashMap<&'static str, Arc<regex_lite::Regex>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let mut cache = cache
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    if let Some(regex) = cache.get(pattern) {
        return Some(Arc::clone(regex));
    }
    let regex = Arc::new(regex_lite::Regex::new(pattern).ok()?);
    cache.insert(pattern, Arc::clone(&regex));
    Some(regex)
}

fn build<C: ProviderErrorCode>(
    dialect: &ErrorDialect,
    endpoint: EndpointKind,
    found: Found<'_>,
    raw: Option<Box<RawResponse>>,
) -> ProviderError<C> {
    let wire_code = found.code.unwrap_or_default();
    let mut provider_code = wire_code.to_owned();
    let mut category = None;
    let mut trace_id = None;
    let mut message = found.description.map(str::to_owned);
    if let (Some(pattern), Some(description)) = (dialect.detail, found.description) {
        // The pattern was validated when the spec was; a pattern that still fails to
        // compile only loses the decoding, not the error.
        let regex = detail_regex(pattern);
        if let Some(captures) = regex.as_ref().and_then(|r| r.captures(description)) {
            let group = |name: &str| captures.name(name).map(|m| m.as_str().to_owned());
            if let Some(code) = group("code") {
                provider_code = code;
            }
            category = group("category");
            trace_id = group("trace");
            if let Some(text) = group("message") {
                message = Some(text);
            }
        }
    }
    let code = C::from_endpoint(endpoint, &provider_code);
    let oauth_error = if wire_code.is_empty() || wire_code == provider_code {
        code.documented_oauth_error()
            .or_else(|| (!wire_code.is_empty()).then(|| OAuthErrorCode::from_wire(wire_code)))
    } else {
        Some(OAuthErrorCode::from_wire(wire_code))
    };
    ProviderError {
        endpoint,
        code,
        oauth_error,
        category,
        trace_id,
        message,
        error_uri: found.uri.map(str::to_owned),
        raw,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{ErrorMetadata, GenericErrorCode};

    const MOBILE_ID: ErrorDialect = ErrorDialect {
        body: ErrorFields {
            code: "errorCode",
            description: "description",
            uri: "error_uri",
        },
        redirect: ErrorFields::OAUTH,
        detail: Some(
            r"^(?P<code>mid_(?P<category>req|sec|auth|sys)_\d{4})_(?P<trace>\S+) - (?P<message>.*)$",
        ),
        status_only: &[],
    };

    fn raw(body: &str) -> RawResponse {
        RawResponse {
            status: 400,
            headers: Default::default(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn decodes_the_documented_example() {
        let raw = raw(
            r#"{"errorCode":"unauthorized_client","description":"mid_sec_2010_A9W1GLUM - Unauthorized scopes used in request"}"#,
        );
        let error: ProviderError<GenericErrorCode> =
            body_error(&MOBILE_ID, EndpointKind::Token, &raw).unwrap();
        assert_eq!(error.code(), "mid_sec_2010");
        assert_eq!(
            error.oauth_error(),
            Some(&OAuthErrorCode::UnauthorizedClient)
        );
        assert_eq!(error.category(), Some("sec"));
        assert_eq!(error.trace_id(), Some("A9W1GLUM"));
        assert_eq!(
            ErrorMetadata::message(&error),
            Some("Unauthorized scopes used in request")
        );
        assert_eq!(error.raw().unwrap().status, 400);
    }

    #[test]
    fn falls_back_to_oauth_members_and_undecodable_descriptions() {
        let raw =
            raw(r#"{"error":"invalid_grant","error_description":"grant request is invalid"}"#);
        let error: ProviderError<GenericErrorCode> =
            body_error(&MOBILE_ID, EndpointKind::Token, &raw).unwrap();
        assert_eq!(error.code(), "invalid_grant");
        assert_eq!(error.oauth_error(), Some(&OAuthErrorCode::InvalidGrant));
        assert_eq!(error.trace_id(), None);
        assert_eq!(
            ErrorMetadata::message(&error),
            Some("grant request is invalid")
        );
    }

    #[test]
    fn non_error_bodies_are_not_provider_errors() {
        assert!(
            body_error::<GenericErrorCode>(&MOBILE_ID, EndpointKind::Token, &raw("<html>"))
                .is_none()
        );
        assert!(body_error::<GenericErrorCode>(
            &MOBILE_ID,
            EndpointKind::Token,
            &raw(r#"{"a":1}"#)
        )
        .is_none());
    }

    #[test]
    fn redirect_errors_and_bearer_challenges() {
        let params: HashMap<String, String> = [
            ("error", "access_denied"),
            ("error_description", "mid_auth_3010_QD5BEXAJ - Authentication rejected by resource owner or authorization server"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
        let error: ProviderError<GenericErrorCode> = redirect_error(&MOBILE_ID, &params).unwrap();
        assert_eq!(error.code(), "mid_auth_3010");
        assert_eq!(error.trace_id(), Some("QD5BEXAJ"));
        assert_eq!(error.oauth_error(), Some(&OAuthErrorCode::AccessDenied));

        let mut raw = raw("");
        raw.headers.insert(
            reqwest::header::WWW_AUTHENTICATE,
            r#"Bearer realm="x", error="invalid_token", error_description="expired""#
                .parse()
                .unwrap(),
        );
        let error: ProviderError<GenericErrorCode> =
            bearer_challenge_error(&MOBILE_ID, EndpointKind::Userinfo, &raw).unwrap();
        assert_eq!(error.code(), "invalid_token");

        // RFC 7235: any case for the scheme, quoted commas and escapes, other challenges.
        let mut raw = raw.clone();
        raw.headers.insert(
            reqwest::header::WWW_AUTHENTICATE,
            r#"Basic realm="a", bearer error="insufficient_scope", error_description="expired, sign \"in\" again""#
                .parse()
                .unwrap(),
        );
        let error: ProviderError<GenericErrorCode> =
            bearer_challenge_error(&MOBILE_ID, EndpointKind::Userinfo, &raw).unwrap();
        assert_eq!(error.code(), "insufficient_scope");
        assert_eq!(
            ErrorMetadata::message(&error),
            Some(r#"expired, sign "in" again"#)
        );
    }
}
