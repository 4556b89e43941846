//! Pushed authorization requests (RFC 9126).

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{RawForm, State as Axum};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use idspec_codegen::model::ParMode;

use super::authorize::refuse;
use super::{map, pairs, Paths};
use crate::client_auth::authenticate;
use crate::errors::{no_store, SandboxError};
use crate::request::{validate, Channel};
use crate::state::{handle, Expiring, State};

pub(crate) async fn par(
    Axum(state): Axum<Arc<State>>,
    headers: HeaderMap,
    RawForm(form): RawForm,
) -> Response {
    let spec = &state.spec;
    if spec.par == ParMode::None {
        return StatusCode::NOT_FOUND.into_response();
    }
    let pairs = pairs(&String::from_utf8_lossy(&form));
    let form = map(&pairs);
    let audience = state.url(&Paths::of(spec).par);
    let client = match authenticate(&state, &headers, &form, &audience) {
        Ok(client) => client,
        Err(error) => return error.into_body(spec),
    };
    if form.contains_key("request_uri") {
        return SandboxError::oauth(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "request_uri cannot be pushed",
        )
        .into_body(spec);
    }
    // Client authentication parameters are not authorization parameters.
    let pairs: Vec<(String, String)> = pairs
        .into_iter()
        .filter(|(name, _)| {
            !matches!(
                name.as_str(),
                "client_secret" | "client_assertion" | "client_assertion_type"
            )
        })
        .chain(
            (!form.contains_key("client_id"))
                .then(|| ("client_id".to_owned(), client.client_id.clone())),
        )
        .collect();
    let request = match validate(&state, &pairs, Channel::Pushed) {
        Ok(request) => request,
        Err(refusal) => return refuse(&state, refusal),
    };
    let lifetime = state.lifetime(spec.lifetimes.request_uri, 60);
    let request_uri = format!("urn:ietf:params:oauth:request_uri:{}", handle());
    state.store().pushed.insert(
        request_uri.clone(),
        Expiring {
            value: request,
            expires: Instant::now() + lifetime,
        },
    );
    let body = serde_json::json!({ "request_uri": request_uri, "expires_in": lifetime.as_secs() });
    no_store((StatusCode::CREATED, Json(body)).into_response())
}
