//! The userinfo endpoint: the claims the granted scopes release, as JSON, a signed
//! JWT, or a signed JWT encrypted to the client's key; the access token only where
//! the spec says the provider takes it.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{RawForm, RawQuery, State as Axum};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use idspec_codegen::model::{ClaimTarget, UserinfoFormat, UserinfoToken};
use josekit::jwe::{JweHeader, RSA_OAEP};
use serde_json::Value;

use super::{map, pairs};
use crate::state::{State, UserinfoResponse};

pub(crate) async fn userinfo_get(
    Axum(state): Axum<Arc<State>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let query = map(&pairs(&query.unwrap_or_default()));
    respond(&state, &headers, query.get("access_token").cloned(), None)
}

pub(crate) async fn userinfo_post(
    Axum(state): Axum<Arc<State>>,
    headers: HeaderMap,
    RawForm(form): RawForm,
) -> Response {
    let form = map(&pairs(&String::from_utf8_lossy(&form)));
    respond(&state, &headers, None, form.get("access_token").cloned())
}

/// RFC 6750 3: the error in a `WWW-Authenticate` challenge.
fn challenge(status: StatusCode, error: &str, description: &str) -> Response {
    let value = format!("Bearer error=\"{error}\", error_description=\"{description}\"");
    let mut response = status.into_response();
    if let Ok(value) = HeaderValue::from_str(&value) {
        response
            .headers_mut()
            .insert(header::WWW_AUTHENTICATE, value);
    }
    response
}

fn respond(
    state: &State,
    headers: &HeaderMap,
    query_token: Option<String>,
    body_token: Option<String>,
) -> Response {
    let spec = &state.spec;
    let Some(profile) = &spec.userinfo else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let header_token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .map(str::to_owned);
    // Exactly where the provider's document says the token goes.
    let token = match profile.token {
        UserinfoToken::Header => header_token,
        UserinfoToken::Query => query_token,
        UserinfoToken::Body => body_token,
    };
    let Some(token) = token else {
        return challenge(
            StatusCode::UNAUTHORIZED,
            "invalid_request",
            "the access token is missing or in the wrong place",
        );
    };
    let grant = {
        let store = state.store();
        match store.access_tokens.get(&token) {
            Some(entry) if entry.expires > Instant::now() => entry.value.clone(),
            _ => {
                return challenge(
                    StatusCode::UNAUTHORIZED,
                    "invalid_token",
                    "the access token is unknown, revoked or expired",
                )
            }
        }
    };
    let mut claims =
        crate::claims::released(spec, &grant.login, &grant.scopes, ClaimTarget::Userinfo);
    claims.insert(
        "sub".into(),
        crate::claims::subject(spec, &grant.login).into(),
    );

    let client = state.client(&grant.client_id);
    let format = match client.map(|c| c.userinfo).unwrap_or_default() {
        UserinfoResponse::SpecDefault => profile
            .formats
            .first()
            .copied()
            .unwrap_or(UserinfoFormat::Json),
        UserinfoResponse::Json => UserinfoFormat::Json,
        UserinfoResponse::Signed => UserinfoFormat::Signed,
        UserinfoResponse::SignedEncrypted => UserinfoFormat::SignedEncrypted,
    };
    if format == UserinfoFormat::Json {
        return Json(Value::Object(claims)).into_response();
    }
    claims.insert("iss".into(), state.issuer.clone().into());
    claims.insert("aud".into(), grant.client_id.clone().into());
    let secret = client.and_then(|c| c.client_secret.as_deref());
    let signed = match state.keys.sign(&claims, Some("JWT"), secret) {
        Ok(signed) => signed,
        Err(error) => {
            return (StatusCode::INTERNAL_SERVER_ERROR, error.to_string()).into_response()
        }
    };
    let body = if format == UserinfoFormat::SignedEncrypted {
        match encrypt(
            client.map(|c| c.jwks.as_slice()).unwrap_or_default(),
            &signed,
        ) {
            Ok(encrypted) => encrypted,
            Err(message) => return (StatusCode::INTERNAL_SERVER_ERROR, message).into_response(),
        }
    } else {
        signed
    };
    ([(header::CONTENT_TYPE, "application/jwt")], body).into_response()
}

/// A nested JWT: the signed response encrypted to the client's RSA key
/// (RSA-OAEP, A128CBC-HS256), `cty: JWT` as RFC 7519 5.2 asks.
fn encrypt(keys: &[josekit::jwk::Jwk], signed: &str) -> Result<String, String> {
    let key = keys
        .iter()
        .find(|k| k.key_type() == "RSA" && k.key_use().is_none_or(|u| u == "enc"))
        .ok_or("the client registered no RSA encryption key")?;
    let encrypter = RSA_OAEP
        .encrypter_from_jwk(key)
        .map_err(|e| e.to_string())?;
    let mut header = JweHeader::new();
    header.set_content_encryption("A128CBC-HS256");
    header.set_content_type("JWT");
    if let Some(kid) = key.key_id() {
        header.set_key_id(kid);
    }
    josekit::jwe::serialize_compact(signed.as_bytes(), &header, &encrypter)
        .map_err(|e| e.to_string())
}
