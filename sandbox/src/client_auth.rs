//! Client authentication at the token, PAR and revocation endpoints, with exactly
//! the methods the spec allows.

use std::collections::HashMap;

use axum::http::{HeaderMap, StatusCode};
use base64::Engine as _;
use idspec_codegen::model::ClientAuthMethod;
use subtle::ConstantTimeEq as _;

use crate::errors::SandboxError;
use crate::state::{SandboxClient, State};

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

fn refused(message: impl Into<String>) -> SandboxError {
    SandboxError::oauth(StatusCode::UNAUTHORIZED, "invalid_client", message)
}

fn equal(a: &str, b: &str) -> bool {
    bool::from(a.as_bytes().ct_eq(b.as_bytes()))
}

/// The authenticated client, or `invalid_client`.
pub(crate) fn authenticate<'a>(
    state: &'a State,
    headers: &HeaderMap,
    form: &HashMap<String, String>,
    audience: &str,
) -> Result<&'a SandboxClient, SandboxError> {
    let basic = headers
        .get(axum::http::header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "));
    let (method, client_id, secret) = if let Some(encoded) = basic {
        let decoded = base64::engine::general_purpose::STANDARD
            .decode(encoded.trim())
            .ok()
            .and_then(|bytes| String::from_utf8(bytes).ok())
            .ok_or_else(|| refused("the Basic credentials are not base64"))?;
        let (id, secret) = decoded
            .split_once(':')
            .ok_or_else(|| refused("the Basic credentials have no colon"))?;
        (
            ClientAuthMethod::ClientSecretBasic,
            form_decode(id),
            Some(form_decode(secret)),
        )
    } else if form.get("client_assertion_type").map(String::as_str) == Some(JWT_BEARER) {
        let assertion = form
            .get("client_assertion")
            .ok_or_else(|| refused("client_assertion is missing"))?;
        let (method, id) = assertion_method(assertion)?;
        (method, id, None)
    } else if let Some(secret) = form.get("client_secret") {
        (
            ClientAuthMethod::ClientSecretPost,
            form.get("client_id").cloned().unwrap_or_default(),
            Some(secret.clone()),
        )
    } else {
        (
            ClientAuthMethod::None,
            form.get("client_id").cloned().unwrap_or_default(),
            None,
        )
    };

    let allowed = state
        .spec
        .client_auth
        .as_ref()
        .is_some_and(|auth| auth.methods.contains(&method));
    if !allowed {
        return Err(refused(format!(
            "client authentication {} is not accepted by this provider",
            method.as_str()
        )));
    }
    let client = state
        .client(&client_id)
        .ok_or_else(|| refused(format!("unknown client `{client_id}`")))?;
    if !client.auth_methods.is_empty() && !client.auth_methods.contains(&method) {
        return Err(refused(format!(
            "client `{client_id}` is registered for another authentication method"
        )));
    }
    if form.get("client_id").is_some_and(|id| id != &client_id) {
        return Err(refused(
            "client_id in the body differs from the authenticated client",
        ));
    }
    match method {
        ClientAuthMethod::ClientSecretBasic | ClientAuthMethod::ClientSecretPost => {
            let expected = client.client_secret.as_deref().unwrap_or_default();
            if expected.is_empty() || !equal(expected, secret.as_deref().unwrap_or_default()) {
                return Err(refused("wrong client secret"));
            }
        }
        ClientAuthMethod::ClientSecretJwt | ClientAuthMethod::PrivateKeyJwt => {
            let assertion = form
                .get("client_assertion")
                .map(String::as_str)
                .unwrap_or_default();
            verify_assertion(state, client, method, assertion, audience)?;
        }
        ClientAuthMethod::None => {}
    }
    Ok(client)
}

fn form_decode(value: &str) -> String {
    url::form_urlencoded::parse(format!("x={value}").as_bytes())
        .next()
        .map(|(_, v)| v.into_owned())
        .unwrap_or_default()
}

/// The method (by the assertion's `alg`) and client id (its `iss`), before verifying.
fn assertion_method(assertion: &str) -> Result<(ClientAuthMethod, String), SandboxError> {
    let mut parts = assertion.split('.');
    let (Some(header), Some(payload)) = (parts.next(), parts.next()) else {
        return Err(refused("client_assertion is not a JWT"));
    };
    let decode = |part: &str| {
        base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(part)
            .ok()
            .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
            .ok_or_else(|| refused("client_assertion is not a JWT"))
    };
    let alg = decode(header)?
        .get("alg")
        .and_then(|a| a.as_str())
        .unwrap_or_default()
        .to_owned();
    let issuer = decode(payload)?
        .get("iss")
        .and_then(|i| i.as_str())
        .unwrap_or_default()
        .to_owned();
    let method = if alg.starts_with("HS") {
        ClientAuthMethod::ClientSecretJwt
    } else {
        ClientAuthMethod::PrivateKeyJwt
    };
    Ok((method, issuer))
}

fn verify_assertion(
    state: &State,
    client: &SandboxClient,
    method: ClientAuthMethod,
    assertion: &str,
    audience: &str,
) -> Result<(), SandboxError> {
    // The method decides the keys: the secret for client_secret_jwt, the registered
    // keys for private_key_jwt, never one for the other.
    let allowed: &[&str] = match method {
        ClientAuthMethod::ClientSecretJwt => &crate::jws::HMAC,
        _ => &crate::jws::ASYMMETRIC,
    };
    let claims = crate::jws::verify(client, assertion, allowed)
        .map_err(|why| refused(format!("the client assertion is refused: {why}")))?;
    let text = |name: &str| {
        claims
            .get(name)
            .and_then(|v| v.as_str())
            .unwrap_or_default()
            .to_owned()
    };
    if text("iss") != client.client_id || text("sub") != client.client_id {
        return Err(refused(
            "the client assertion's iss and sub must both be the client id",
        ));
    }
    if !crate::jws::audiences(&claims)
        .iter()
        .any(|a| *a == audience || *a == state.issuer)
    {
        return Err(refused(
            "the client assertion's aud must name this endpoint or the issuer",
        ));
    }
    let exp = claims.get("exp").and_then(|v| v.as_u64()).unwrap_or(0);
    if exp <= crate::state::now() {
        return Err(refused("the client assertion has expired"));
    }
    let jti = text("jti");
    if jti.is_empty() {
        return Err(refused("the client assertion has no jti"));
    }
    if !state
        .store()
        .seen_jti
        .insert(format!("{}:{jti}", client.client_id))
    {
        return Err(refused(
            "the client assertion was already used (jti replay)",
        ));
    }
    Ok(())
}
