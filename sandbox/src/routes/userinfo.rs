//! The userinfo endpoint: the claims the granted scopes release, as JSON, a signed
//! JWT, or a signed JWT encrypted to the client; the access token only where the
//! spec says the provider takes it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{RawForm, RawQuery, State as Axum};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use idspec_codegen::model::{
    ClaimTarget, ErrorEndpoint, JweSpec, Spec, UserinfoFormat, UserinfoToken,
};
use serde_json::Value;

use super::{map, pairs};
use crate::errors::{bearer_challenge, SandboxError};
use crate::state::{SandboxClient, State, UserinfoResponse};

pub(crate) async fn userinfo_get(
    Axum(state): Axum<Arc<State>>,
    headers: HeaderMap,
    RawQuery(query): RawQuery,
) -> Response {
    let query = map(&pairs(&query.unwrap_or_default()));
    respond(
        &state,
        &headers,
        query.get("access_token").cloned(),
        None,
        &query,
    )
}

pub(crate) async fn userinfo_post(
    Axum(state): Axum<Arc<State>>,
    headers: HeaderMap,
    RawForm(form): RawForm,
) -> Response {
    let form = map(&pairs(&String::from_utf8_lossy(&form)));
    respond(
        &state,
        &headers,
        None,
        form.get("access_token").cloned(),
        &form,
    )
}

/// `error:userinfo:<code>`: the documented code as a resource server answers it
/// (RFC 6750 3.1): a token problem in a challenge, anything else in a JSON body.
fn failure(spec: &Spec, code: &str) -> Response {
    let documented =
        SandboxError::documented_at(spec, ErrorEndpoint::Userinfo, code, StatusCode::BAD_REQUEST);
    let challenge_status = match documented.oauth.as_str() {
        "invalid_token" => Some(StatusCode::UNAUTHORIZED),
        "insufficient_scope" => Some(StatusCode::FORBIDDEN),
        _ => None,
    };
    match challenge_status {
        Some(status) => SandboxError::documented_at(spec, ErrorEndpoint::Userinfo, code, status)
            .into_challenge(spec),
        None => documented.into_body(spec),
    }
}

fn respond(
    state: &State,
    headers: &HeaderMap,
    query_token: Option<String>,
    body_token: Option<String>,
    params: &HashMap<String, String>,
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
        return bearer_challenge(
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
                return bearer_challenge(
                    StatusCode::UNAUTHORIZED,
                    "invalid_token",
                    "the access token is unknown, revoked or expired",
                )
            }
        }
    };
    if let Some(code) = grant.failure_at(ErrorEndpoint::Userinfo) {
        return failure(spec, code);
    }
    if let Err(problem) = check_params(profile, &grant.userinfo_params, params) {
        return SandboxError::documented_or_oauth(
            spec,
            ErrorEndpoint::Userinfo,
            "invalid_request",
            problem,
        )
        .into_body(spec);
    }
    let mut claims =
        crate::claims::released(spec, &grant.login, &grant.scopes, ClaimTarget::Userinfo);
    claims.extend(crate::claims::requested(
        spec,
        &grant.login,
        grant.claims_request.as_deref(),
        ClaimTarget::Userinfo,
    ));
    // OpenID Connect's userinfo always names the subject; plain OAuth 2 providers
    // (ID.me) send only what they document.
    if spec.is_openid() {
        claims.insert(
            "sub".into(),
            crate::claims::subject(spec, &grant.login).into(),
        );
    }
    if let Some(list) = &profile.attributes {
        claims = crate::claims::as_attribute_list(spec, list, claims);
    }

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
        let Some(client) = client else {
            return (
                StatusCode::INTERNAL_SERVER_ERROR,
                "the access token's client is not registered",
            )
                .into_response();
        };
        match encrypt(profile.encryption.as_ref(), client, &signed) {
            Ok(encrypted) => encrypted,
            Err(message) => return (StatusCode::INTERNAL_SERVER_ERROR, message).into_response(),
        }
    } else {
        signed
    };
    ([(header::CONTENT_TYPE, "application/jwt")], body).into_response()
}

/// The spec's userinfo parameters (imID's `correlation_id`): each one sent, and
/// equal to the transaction's value where the grant has one.
fn check_params(
    profile: &idspec_codegen::model::UserinfoSpec,
    bound: &HashMap<String, String>,
    params: &HashMap<String, String>,
) -> Result<(), String> {
    for name in profile.params.keys() {
        let Some(value) = params.get(name).filter(|v| !v.is_empty()) else {
            return Err(format!("`{name}` is missing"));
        };
        if bound.get(name).is_some_and(|expected| expected != value) {
            return Err(format!(
                "`{name}` is not the one of the transaction the access token was issued for"
            ));
        }
    }
    Ok(())
}

/// The signed response encrypted to the client as ID tokens are; where the spec names
/// no userinfo encryption, RSA-OAEP with A128CBC-HS256 (the OpenID Connect default).
fn encrypt(
    allowed: Option<&JweSpec>,
    client: &SandboxClient,
    signed: &str,
) -> Result<String, String> {
    let default = JweSpec {
        alg: vec!["RSA-OAEP".to_owned()],
        enc: vec!["A128CBC-HS256".to_owned()],
    };
    let allowed = allowed.unwrap_or(&default);
    let recipient = crate::jwe::recipient(allowed, client).ok_or_else(|| {
        format!(
            "cannot encrypt to client `{}`: it registered no RSA encryption key{}",
            client.client_id,
            if allowed.alg.iter().any(|a| a == "dir") {
                ", and has no secret"
            } else {
                ", and the spec allows no `dir`"
            }
        )
    })?;
    recipient.encrypt(signed)
}
