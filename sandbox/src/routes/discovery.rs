//! Discovery, the JWKS, and key rotation.

use std::sync::Arc;

use axum::extract::State as Axum;
use axum::response::{IntoResponse, Response};
use axum::Json;
use idspec_codegen::model::{BackchannelSpec, JweSpec, NotificationDelivery, ParMode};
use serde_json::{json, Value};

use super::Paths;
use crate::state::State;

pub(crate) async fn discovery(Axum(state): Axum<Arc<State>>) -> Response {
    let spec = &state.spec;
    if !spec.is_openid() {
        // OAuth 2 providers (ID.me) publish no discovery document; neither does their sandbox.
        return axum::http::StatusCode::NOT_FOUND.into_response();
    }
    let paths = Paths::of(spec);
    let url = |path: &str| state.url(path);
    let algs: Vec<String> = spec
        .id_token
        .iter()
        .flat_map(|t| t.signing.clone())
        .collect();
    let userinfo_algs: Vec<String> = spec
        .userinfo
        .iter()
        .flat_map(|u| u.signing.clone())
        .collect();
    let auth_methods: Vec<&str> = spec
        .client_auth
        .iter()
        .flat_map(|a| a.methods.iter().map(|m| m.as_str()))
        .collect();
    let acr: Vec<String> = spec
        .types
        .get("Acr")
        .and_then(|def| match &def.ty {
            idspec_codegen::model::TypeSpec::Enum(values) => {
                Some(values.values.iter().map(|v| v.value.clone()).collect())
            }
            _ => None,
        })
        .unwrap_or_default();
    let mut document = json!({
        "issuer": state.issuer,
        "authorization_endpoint": url(&paths.authorization),
        "token_endpoint": url(&paths.token),
        "userinfo_endpoint": url(&paths.userinfo),
        "jwks_uri": url(&paths.jwks),
        "revocation_endpoint": url(&paths.revocation),
        "scopes_supported": spec.scopes.keys().filter(|s| !s.contains('{')).collect::<Vec<_>>(),
        "claims_supported": spec.claims.keys().collect::<Vec<_>>(),
        "response_types_supported": ["code"],
        "response_modes_supported": ["query"],
        "grant_types_supported": ["authorization_code", "refresh_token"],
        "subject_types_supported": ["public"],
        "id_token_signing_alg_values_supported": algs,
        "userinfo_signing_alg_values_supported": userinfo_algs,
        "token_endpoint_auth_methods_supported": auth_methods,
        "code_challenge_methods_supported": ["S256"],
        "authorization_response_iss_parameter_supported": true,
        "acr_values_supported": acr,
    });
    encryption(
        &mut document,
        "id_token",
        spec.id_token.as_ref().and_then(|t| t.encryption.as_ref()),
    );
    encryption(
        &mut document,
        "userinfo",
        spec.userinfo.as_ref().and_then(|u| u.encryption.as_ref()),
    );
    // Request objects by value only: the sandbox fetches no request_uri of the client's.
    document["request_parameter_supported"] = Value::Bool(spec.request_object.is_some());
    document["request_uri_parameter_supported"] = Value::Bool(false);
    if let Some(request_object) = &spec.request_object {
        document["request_object_signing_alg_values_supported"] = json!(request_object.signing);
        document["require_signed_request_object"] = Value::Bool(request_object.required);
        encryption(
            &mut document,
            "request_object",
            request_object.encryption.as_ref(),
        );
    }
    if let Some(backchannel) = &spec.backchannel {
        backchannel_members(&mut document, spec, backchannel, &url(&paths.backchannel));
    }
    if spec.par != ParMode::None {
        document["pushed_authorization_request_endpoint"] = Value::String(url(&paths.par));
        document["require_pushed_authorization_requests"] =
            Value::Bool(spec.par == ParMode::Required);
    }
    Json(document).into_response()
}

/// A backchannel provider answers no redirect: its response type is its own
/// (`mc_si_async_code`), and the redirect's members (response modes, `iss` on the
/// response, PKCE) do not apply.
fn backchannel_members(
    document: &mut Value,
    spec: &idspec_codegen::model::Spec,
    backchannel: &BackchannelSpec,
    ciba_endpoint: &str,
) {
    document["response_types_supported"] = json!([backchannel.response_type]);
    if let Some(members) = document.as_object_mut() {
        for name in [
            "response_modes_supported",
            "authorization_response_iss_parameter_supported",
            "code_challenge_methods_supported",
        ] {
            members.remove(name);
        }
    }
    if backchannel.notification.delivery == NotificationDelivery::Ping {
        document["grant_types_supported"] =
            json!([crate::backchannel::CIBA_GRANT, "refresh_token"]);
        document["backchannel_token_delivery_modes_supported"] = json!(["ping"]);
    }
    if backchannel.endpoint == "backchannel_authentication" {
        document["backchannel_authentication_endpoint"] = Value::String(ciba_endpoint.to_owned());
        if let Some(request_object) = &spec.request_object {
            document["backchannel_authentication_request_signing_alg_values_supported"] =
                json!(request_object.signing);
        }
    }
}

/// `<what>_encryption_alg_values_supported` and `..._enc_values_supported`.
fn encryption(document: &mut Value, what: &str, jwe: Option<&JweSpec>) {
    if let Some(jwe) = jwe {
        document[format!("{what}_encryption_alg_values_supported")] = json!(jwe.alg);
        document[format!("{what}_encryption_enc_values_supported")] = json!(jwe.enc);
    }
}

pub(crate) async fn jwks(Axum(state): Axum<Arc<State>>) -> Response {
    Json(state.keys.jwks()).into_response()
}

/// `POST /sandbox/rotate-keys`: a new signing key, announced in the JWKS.
pub(crate) async fn rotate_keys(Axum(state): Axum<Arc<State>>) -> Response {
    match state.keys.rotate() {
        Ok(kid) => Json(json!({ "kid": kid })).into_response(),
        Err(error) => (axum::http::StatusCode::CONFLICT, error.to_string()).into_response(),
    }
}
