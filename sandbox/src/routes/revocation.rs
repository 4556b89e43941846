//! Token revocation (RFC 7009).

use std::sync::Arc;

use axum::extract::{RawForm, State as Axum};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use idspec_codegen::model::ErrorEndpoint;

use super::{map, pairs, Paths};
use crate::client_auth::authenticate;
use crate::errors::SandboxError;
use crate::state::State;

pub(crate) async fn revoke(
    Axum(state): Axum<Arc<State>>,
    headers: HeaderMap,
    RawForm(form): RawForm,
) -> Response {
    let spec = &state.spec;
    let form = map(&pairs(&String::from_utf8_lossy(&form)));
    let audience = state.url(&Paths::of(spec).revocation);
    let client = match authenticate(&state, &headers, &form, &audience) {
        Ok(client) => client,
        Err(error) => return error.into_body(spec),
    };
    let Some(token) = form.get("token") else {
        return SandboxError::oauth(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "token is missing",
        )
        .into_body(spec);
    };
    let mut store = state.store();
    // `error:revocation:<code>`: revoking this login's tokens fails as documented.
    let failure = store
        .access_tokens
        .get(token)
        .map(|t| &t.value)
        .or_else(|| store.refresh_tokens.get(token))
        .filter(|grant| grant.client_id == client.client_id)
        .and_then(|grant| grant.failure_at(ErrorEndpoint::Revocation))
        .map(str::to_owned);
    if let Some(code) = failure {
        drop(store);
        return SandboxError::documented_at(
            spec,
            ErrorEndpoint::Revocation,
            &code,
            StatusCode::BAD_REQUEST,
        )
        .into_body(spec);
    }
    // A client may revoke only its own tokens; for anything else the answer is the
    // same 200, so that revocation reveals nothing (RFC 7009 2.2).
    if store
        .access_tokens
        .get(token)
        .is_some_and(|t| t.value.client_id == client.client_id)
    {
        store.access_tokens.remove(token);
    }
    if store
        .refresh_tokens
        .get(token)
        .is_some_and(|g| g.client_id == client.client_id)
    {
        store.refresh_tokens.remove(token);
    }
    StatusCode::OK.into_response()
}
