//! The token endpoint: codes (single use, short-lived, PKCE-bound, redirect-bound)
//! and refresh tokens (rotated).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::extract::{RawForm, State as Axum};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine as _;
use idspec_codegen::model::{Accept, ClaimTarget, ErrorEndpoint};
use serde_json::{Map, Value};
use sha2::Digest as _;

use super::{map, pairs, Paths};
use crate::client_auth::authenticate;
use crate::errors::{no_store, SandboxError};
use crate::state::{handle, now, Expiring, Grant, SandboxClient, State};

fn grant_error(message: impl Into<String>) -> SandboxError {
    SandboxError::oauth(StatusCode::BAD_REQUEST, "invalid_grant", message)
}

pub(crate) async fn token(
    Axum(state): Axum<Arc<State>>,
    headers: HeaderMap,
    RawForm(form): RawForm,
) -> Response {
    let spec = &state.spec;
    let form = map(&pairs(&String::from_utf8_lossy(&form)));
    let audience = state.url(&Paths::of(spec).token);
    let result = authenticate(&state, &headers, &form, &audience).and_then(|client| {
        match form.get("grant_type").map(String::as_str) {
            Some("authorization_code") => exchange_code(&state, client, &form),
            Some("refresh_token") => refresh(&state, client, &form),
            Some(crate::backchannel::CIBA_GRANT) if spec.backchannel.is_some() => {
                crate::backchannel::redeem(&state, &client.client_id, &form)
                    .and_then(|grant| issue(&state, client, &grant))
            }
            Some(other) => Err(SandboxError::oauth(
                StatusCode::BAD_REQUEST,
                "unsupported_grant_type",
                format!("grant_type `{other}` is not offered"),
            )),
            None => Err(SandboxError::oauth(
                StatusCode::BAD_REQUEST,
                "invalid_request",
                "grant_type is missing",
            )),
        }
    });
    match result {
        Ok(body) => no_store(Json(Value::Object(body)).into_response()),
        Err(error) => error.into_body(spec),
    }
}

fn exchange_code(
    state: &State,
    client: &SandboxClient,
    form: &HashMap<String, String>,
) -> Result<Map<String, Value>, SandboxError> {
    let code = form.get("code").ok_or_else(|| {
        SandboxError::oauth(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "code is missing",
        )
    })?;
    let lifetime = state.lifetime(state.spec.lifetimes.authorization_code, 600);
    let grant = {
        let mut store = state.store();
        let entry = store
            .codes
            .get_mut(code)
            .ok_or_else(|| grant_error("the code is unknown"))?;
        if entry.used {
            // RFC 6749 4.1.2: a replayed code revokes what it was exchanged for.
            let tokens = std::mem::take(&mut entry.tokens);
            for token in tokens {
                store.access_tokens.remove(&token);
                store.refresh_tokens.remove(&token);
            }
            return Err(grant_error(
                "the code was already used; the tokens issued for it are revoked",
            ));
        }
        entry.used = true;
        if entry.issued.elapsed() > lifetime {
            return Err(grant_error(format!(
                "the code expired: it is valid for {} seconds",
                lifetime.as_secs()
            )));
        }
        entry.grant.clone()
    };
    if grant.client_id != client.client_id {
        return Err(grant_error("the code was issued to another client"));
    }
    if form.get("redirect_uri") != Some(&grant.redirect_uri) {
        return Err(grant_error(
            "redirect_uri differs from the authorization request's",
        ));
    }
    match (&grant.code_challenge, form.get("code_verifier")) {
        (Some(challenge), Some(verifier)) => {
            let computed = base64::engine::general_purpose::URL_SAFE_NO_PAD
                .encode(sha2::Sha256::digest(verifier.as_bytes()));
            if &computed != challenge {
                return Err(grant_error(
                    "the PKCE code_verifier does not match the code_challenge",
                ));
            }
        }
        (Some(_), None) => return Err(grant_error("the PKCE code_verifier is missing")),
        (None, Some(_)) => {
            return Err(grant_error(
                "a code_verifier was sent, but the request had no code_challenge",
            ))
        }
        (None, None) => {}
    }
    // `error:token:<code>`: the person signed in, and the exchange fails as documented.
    if let Some(code) = grant.failure_at(ErrorEndpoint::Token) {
        return Err(SandboxError::documented_at(
            &state.spec,
            ErrorEndpoint::Token,
            code,
            StatusCode::BAD_REQUEST,
        ));
    }
    let body = issue(state, client, &grant)?;
    let issued: Vec<String> = ["access_token", "refresh_token"]
        .iter()
        .filter_map(|name| body.get(*name).and_then(Value::as_str).map(str::to_owned))
        .collect();
    if let Some(entry) = state.store().codes.get_mut(code) {
        entry.tokens = issued;
    }
    Ok(body)
}

fn refresh(
    state: &State,
    client: &SandboxClient,
    form: &HashMap<String, String>,
) -> Result<Map<String, Value>, SandboxError> {
    let token = form.get("refresh_token").ok_or_else(|| {
        SandboxError::oauth(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "refresh_token is missing",
        )
    })?;
    let mut grant = state
        .store()
        .refresh_tokens
        .remove(token)
        .ok_or_else(|| grant_error("the refresh token is unknown or revoked"))?;
    if grant.client_id != client.client_id {
        return Err(grant_error(
            "the refresh token was issued to another client",
        ));
    }
    if let Some(scope) = form.get("scope") {
        let requested: Vec<String> = scope.split_whitespace().map(str::to_owned).collect();
        if let Some(extra) = requested.iter().find(|s| !grant.scopes.contains(s)) {
            return Err(SandboxError::oauth(
                StatusCode::BAD_REQUEST,
                "invalid_scope",
                format!("scope `{extra}` was not granted"),
            ));
        }
        grant.scopes = requested;
    }
    // A refreshed ID token carries no nonce (OpenID Connect Core 12.2).
    grant.nonce = None;
    issue(state, client, &grant)
}

/// Access token, refresh token and ID token for a grant.
fn issue(
    state: &State,
    client: &SandboxClient,
    grant: &Grant,
) -> Result<Map<String, Value>, SandboxError> {
    let spec = &state.spec;
    let access_token = handle();
    let access_lifetime = state.lifetime(spec.lifetimes.access_token, 3600);
    let mut body = Map::new();
    body.insert("access_token".into(), access_token.clone().into());
    body.insert("token_type".into(), "Bearer".into());
    body.insert(
        "expires_in".into(),
        seconds(spec, access_lifetime.as_secs()),
    );
    body.insert("scope".into(), grant.scopes.join(" ").into());
    if client.refresh_tokens {
        let refresh_token = handle();
        state
            .store()
            .refresh_tokens
            .insert(refresh_token.clone(), grant.clone());
        body.insert("refresh_token".into(), refresh_token.into());
        if let Some(lifetime) = spec.lifetimes.refresh_token {
            body.insert("refresh_expires_in".into(), seconds(spec, lifetime.seconds));
        }
    }
    if spec.is_openid() && grant.scopes.iter().any(|s| s == "openid") {
        let id_token = id_token(state, client, grant, &access_token)?;
        body.insert("id_token".into(), id_token.into());
    }
    state.store().access_tokens.insert(
        access_token,
        Expiring {
            value: grant.clone(),
            expires: Instant::now() + access_lifetime,
        },
    );
    Ok(body)
}

/// `expires_in` as the provider sends it: a number, or a string where the spec says so.
fn seconds(spec: &idspec_codegen::model::Spec, value: u64) -> Value {
    if spec.token.expires_in_accept.contains(&Accept::String) {
        Value::String(value.to_string())
    } else {
        Value::from(value)
    }
}

fn id_token(
    state: &State,
    client: &SandboxClient,
    grant: &Grant,
    access_token: &str,
) -> Result<String, SandboxError> {
    let spec = &state.spec;
    let issued_at = now();
    let lifetime = state.lifetime(spec.lifetimes.id_token, 3600).as_secs();
    let mut claims = crate::claims::id_token_only(spec, &grant.login);
    claims.extend(crate::claims::requested(
        spec,
        &grant.login,
        grant.claims_request.as_deref(),
        ClaimTarget::IdToken,
    ));
    claims.insert("iss".into(), state.issuer.clone().into());
    claims.insert(
        "sub".into(),
        crate::claims::subject(spec, &grant.login).into(),
    );
    claims.insert("aud".into(), client.client_id.clone().into());
    claims.insert("iat".into(), issued_at.into());
    claims.insert("exp".into(), (issued_at + lifetime).into());
    claims.insert("auth_time".into(), grant.auth_time.into());
    if let Some(nonce) = &grant.nonce {
        claims.insert("nonce".into(), nonce.clone().into());
    }
    if let Some(acr) = &grant.acr {
        claims.insert("acr".into(), acr.clone().into());
    }
    if let Some(alg) = state.keys.alg() {
        let curve = state.keys.curve();
        if let Ok(hash) = idspec_runtime::id_token::token_hash(access_token, alg, curve.as_deref())
        {
            claims.insert("at_hash".into(), hash.into());
        }
    }
    let server_error = |message: String| {
        SandboxError::oauth(StatusCode::INTERNAL_SERVER_ERROR, "server_error", message)
    };
    let signed = state
        .keys
        .sign(&claims, Some("JWT"), client.client_secret.as_deref())
        .map_err(|e| server_error(format!("cannot sign the ID token: {e}")))?;
    let Some(profile) = &spec.id_token else {
        return Ok(signed);
    };
    // Encrypted where the spec says the provider encrypts and the client can decrypt;
    // a client registered without encryption gets it signed only, unless the provider
    // always encrypts (itsme), where that would be a downgrade the client refuses.
    let recipient = profile
        .encryption
        .as_ref()
        .and_then(|allowed| crate::jwe::recipient(allowed, client));
    match recipient {
        Some(recipient) => recipient.encrypt(&signed).map_err(server_error),
        None if profile.encryption_required => Err(server_error(format!(
            "this provider always encrypts ID tokens, and client `{}` registered no RSA \
             encryption key (nor a secret, where the spec allows `dir`)",
            client.client_id
        ))),
        None => Ok(signed),
    }
}
