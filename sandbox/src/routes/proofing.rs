//! The HTTP endpoints of a rest sandbox (IDEMIA IPA): the client credentials token,
//! session creation, the person's start page, and the identity and its proof file
//! behind the API key. Paths are the provider's own ([`crate::proofing::Config`]).

use std::collections::HashMap;

use axum::body::Bytes;
use axum::extract::{Path, RawForm, RawQuery, State as Axum};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use base64::Engine as _;
use idspec_codegen::model::{ClientAuthMethod, ErrorEndpoint};
use serde_json::{Map, Value};
use subtle::ConstantTimeEq as _;
use url::Url;

use super::{map, pairs};
use crate::errors::{bearer_challenge, error_page, no_store, SandboxError};
use crate::proofing::{self, page, Rest, SessionProblem};
use crate::requests::{CountedRouter, Counter};

/// The grant type the token endpoint serves.
const CLIENT_CREDENTIALS: &str = "client_credentials";

pub(crate) fn router(rest: Rest, requests: &Counter) -> Router {
    let config = &rest.proofing.config;
    CountedRouter::new(requests)
        .route(&config.token.route(), post(token))
        .route(&config.sessions.route(), post(create_session))
        .route(&config.start.route(), get(start_page).post(start_choice))
        .route(&config.identity.route(), get(identity))
        .route(&config.proof.route(), get(proof))
        .with_state(rest)
}

fn equal(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// `POST {cognito_url}/oauth2/token`: the client credentials grant (RFC 6749 4.4),
/// the client authenticated exactly as the spec's scheme says.
async fn token(Axum(rest): Axum<Rest>, headers: HeaderMap, RawForm(form): RawForm) -> Response {
    rest.proofing.count_token_request();
    let spec = &rest.state.spec;
    let refuse = |code: &str, detail: &str| {
        let mut error = SandboxError::documented_or_oauth(spec, ErrorEndpoint::Token, code, detail);
        if code == "invalid_client" {
            error.status = StatusCode::UNAUTHORIZED;
        }
        error.into_body(spec)
    };
    let form_encoded = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/x-www-form-urlencoded"));
    if !form_encoded {
        return refuse(
            "invalid_request",
            "the token request is application/x-www-form-urlencoded",
        );
    }
    let pairs = pairs(&String::from_utf8_lossy(&form));
    let mut seen = std::collections::HashSet::new();
    if let Some((name, _)) = pairs.iter().find(|(name, _)| !seen.insert(name.as_str())) {
        return refuse("invalid_request", &format!("`{name}` is repeated"));
    }
    let form = map(&pairs);
    let Some(grant_type) = form.get("grant_type") else {
        return refuse("invalid_request", "grant_type is missing");
    };
    let client_id = match authenticate(&rest, &headers, &form) {
        Ok(client_id) => client_id,
        Err(detail) => return refuse("invalid_client", &detail),
    };
    if grant_type != CLIENT_CREDENTIALS {
        return refuse(
            "unsupported_grant_type",
            &format!("only {CLIENT_CREDENTIALS} is served here"),
        );
    }
    let token = rest.proofing.issue_token(&client_id);
    // The client id is no secret; the token stays out of the log.
    tracing::info!(client_id, "access token issued");
    let body = serde_json::json!({
        "access_token": token,
        "expires_in": rest.proofing.token_lifetime.as_secs(),
        "token_type": "Bearer",
    });
    no_store(Json(body).into_response())
}

/// The client the request authenticates as, with the spec's method only.
fn authenticate(
    rest: &Rest,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
) -> Result<String, String> {
    let method = rest.proofing.config.client_auth;
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "));
    let (client_id, secret) = match (method, basic) {
        (ClientAuthMethod::ClientSecretBasic, Some(encoded)) => {
            if form.contains_key("client_secret") {
                return Err("the secret comes in the Authorization header only".to_owned());
            }
            let decoded = base64::engine::general_purpose::STANDARD
                .decode(encoded.trim())
                .ok()
                .and_then(|bytes| String::from_utf8(bytes).ok())
                .ok_or("the Basic credentials are not base64")?;
            let (id, secret) = decoded
                .split_once(':')
                .ok_or("the Basic credentials have no colon")?;
            (form_decode(id), form_decode(secret))
        }
        (ClientAuthMethod::ClientSecretPost, None) => {
            match (form.get("client_id"), form.get("client_secret")) {
                (Some(id), Some(secret)) => (id.clone(), secret.clone()),
                _ => return Err("client_id and client_secret are required".to_owned()),
            }
        }
        (method, _) => {
            return Err(format!(
                "this provider takes the client's credentials with {}",
                method.as_str()
            ))
        }
    };
    let known = rest
        .state
        .client(&client_id)
        .and_then(|client| client.client_secret.as_deref())
        .is_some_and(|expected| equal(expected, &secret));
    if known {
        Ok(client_id)
    } else {
        Err("unknown client or wrong secret".to_owned())
    }
}

/// RFC 6749 2.3.1: the Basic credentials' parts are form-urlencoded.
fn form_decode(value: &str) -> String {
    url::form_urlencoded::parse(format!("x={value}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// A JSON error in the members the spec's errors use.
fn json_error(rest: &Rest, status: StatusCode, code: &str, message: &str) -> Response {
    let fields = &rest.state.spec.errors.body;
    let mut body = Map::new();
    body.insert(fields.code.clone(), code.into());
    body.insert(fields.description.clone(), message.into());
    (status, Json(Value::Object(body))).into_response()
}

/// `POST {create_session_url}`: a session for the bearer's client.
async fn create_session(Axum(rest): Axum<Rest>, headers: HeaderMap, body: Bytes) -> Response {
    let bearer = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let Some(bearer) = bearer else {
        let mut response = StatusCode::UNAUTHORIZED.into_response();
        response.headers_mut().insert(
            header::WWW_AUTHENTICATE,
            header::HeaderValue::from_static("Bearer"),
        );
        return response;
    };
    let Some(client_id) = rest.proofing.token_client(bearer.trim()) else {
        return bearer_challenge(
            StatusCode::UNAUTHORIZED,
            "invalid_token",
            "the access token is unknown or expired",
        );
    };
    let json = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("application/json"));
    if !json {
        return json_error(
            &rest,
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "invalid_request",
            "the body is application/json",
        );
    }
    let (callback, goto) = match session_request(&rest, &body) {
        Ok(urls) => urls,
        Err(message) => {
            return json_error(&rest, StatusCode::BAD_REQUEST, "invalid_request", &message)
        }
    };
    let session_id = rest.proofing.create_session(&client_id, callback, goto);
    tracing::info!(client_id, session_id, "proofing session created");
    let mut body = Map::new();
    body.insert(
        rest.proofing.config.session_member.clone(),
        session_id.into(),
    );
    Json(Value::Object(body)).into_response()
}

/// The `callbackUrl` and `gotoUrl` of a create-session body.
fn session_request(rest: &Rest, body: &[u8]) -> Result<(Option<Url>, Option<Url>), String> {
    let Ok(Value::Object(members)) = serde_json::from_slice::<Value>(body) else {
        return Err("the body is a JSON object".to_owned());
    };
    let listed = &rest.proofing.config.session_body;
    if let Some(unknown) = members.keys().find(|name| !listed.contains(name)) {
        // A misspelt member would silently mean no webhook, or no redirection.
        return Err(format!(
            "`{unknown}` is not a member of the request (expected {})",
            listed.join(", ")
        ));
    }
    let url = |name: &str| -> Result<Option<Url>, String> {
        match members.get(name) {
            None | Some(Value::Null) => Ok(None),
            Some(Value::String(text)) => {
                let url =
                    Url::parse(text).map_err(|e| format!("{name} is not an absolute URL: {e}"))?;
                if !matches!(url.scheme(), "http" | "https") {
                    return Err(format!("{name} is not an http(s) URL"));
                }
                Ok(Some(url))
            }
            Some(_) => Err(format!("{name} is a string")),
        }
    };
    let callback = url("callbackUrl")?;
    if let Some(callback) = &callback {
        if !loopback(callback) {
            // A sandbox calls its own machine only: it must not be a way to make
            // requests to anywhere else.
            return Err("callbackUrl must be on this machine (a loopback host)".to_owned());
        }
    }
    Ok((callback, url("gotoUrl")?))
}

fn loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The page for a session that cannot be shown or chosen on.
fn problem_page(problem: SessionProblem) -> Response {
    match problem {
        SessionProblem::Unknown => error_page(StatusCode::NOT_FOUND, "no such session"),
        SessionProblem::Expired => error_page(StatusCode::GONE, "this session has expired"),
        SessionProblem::Finished => {
            error_page(StatusCode::CONFLICT, "this session is already finished")
        }
    }
}

/// `GET {ipa_start_url}?session-id=…`: the person's start page.
async fn start_page(Axum(rest): Axum<Rest>, RawQuery(query): RawQuery) -> Response {
    let config = &rest.proofing.config;
    let query = map(&pairs(&query.unwrap_or_default()));
    let Some(session_id) = query.get(&config.start_param) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            &format!(
                "the start URL names the session in `{}`",
                config.start_param
            ),
        );
    };
    match rest.proofing.open(session_id) {
        Ok(session) => crate::page::for_a_person(page::start(
            &rest.state.spec,
            &config.start.route(),
            &config.start_param,
            session_id,
            &session,
        )),
        Err(problem) => problem_page(problem),
    }
}

/// `POST {ipa_start_url}`: the person's choice of a scripted user.
async fn start_choice(Axum(rest): Axum<Rest>, RawForm(form): RawForm) -> Response {
    let config = &rest.proofing.config;
    let form = map(&pairs(&String::from_utf8_lossy(&form)));
    let (Some(session_id), Some(login)) = (form.get(&config.start_param), form.get("user")) else {
        return error_page(StatusCode::BAD_REQUEST, "choose a user for a session");
    };
    let spec = &rest.state.spec;
    let Some(user) = spec
        .sandbox
        .iter()
        .flat_map(|s| s.users.iter())
        .find(|u| &u.login == login)
    else {
        return error_page(StatusCode::BAD_REQUEST, "no such scripted user");
    };
    match proofing::choose(&rest, session_id, user) {
        Ok(Some(goto)) => (
            StatusCode::SEE_OTHER,
            [(header::LOCATION, goto.to_string())],
        )
            .into_response(),
        Ok(None) => crate::page::for_a_person(page::finished(spec, session_id)),
        Err(problem) => problem_page(problem),
    }
}

/// Why an identity request is refused: the status, the code and the message.
type Refusal = (StatusCode, &'static str, String);

/// The identity `id` when the request carries the API key.
fn authorized_identity(rest: &Rest, headers: &HeaderMap, id: &str) -> Result<Value, Refusal> {
    let header = &rest.proofing.config.api_key_header;
    let presented = headers.get(header.as_str()).and_then(|v| v.to_str().ok());
    if !presented.is_some_and(|key| equal(key, &rest.proofing.api_key)) {
        return Err((
            StatusCode::UNAUTHORIZED,
            "unauthorized",
            format!("the `{header}` header is missing or wrong"),
        ));
    }
    rest.proofing.identity(id).ok_or_else(|| {
        (
            StatusCode::NOT_FOUND,
            "not_found",
            format!("no identity `{id}`"),
        )
    })
}

/// `GET {idv_url}/gips/v1/identities/{id}`: the identity payload.
async fn identity(Axum(rest): Axum<Rest>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    match authorized_identity(&rest, &headers, &id) {
        Ok(identity) => no_store(Json(identity).into_response()),
        Err((status, code, message)) => json_error(&rest, status, code, &message),
    }
}

/// `GET {idv_url}/gips/v1/identities/{id}/proof`: the proof file, streamed.
async fn proof(Axum(rest): Axum<Rest>, headers: HeaderMap, Path(id): Path<String>) -> Response {
    let identity = match authorized_identity(&rest, &headers, &id) {
        Ok(identity) => identity,
        Err((status, code, message)) => return json_error(&rest, status, code, &message),
    };
    let body = proofing::proof_body(&identity, rest.proofing.proof_padding());
    let disposition = format!("attachment; filename=\"{id}.tar.gz\"");
    let mut response = (
        [
            (header::CONTENT_TYPE, "application/gzip".to_owned()),
            (header::CONTENT_DISPOSITION, disposition),
        ],
        body,
    )
        .into_response();
    response.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}
