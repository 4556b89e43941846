//! Checking an authorization request the way the provider's document says it is
//! checked: registered client and redirect URI, request object, response type,
//! scopes, forbidden, PAR-only and request-object-only parameters, parameter values
//! against their types, PKCE.

use std::collections::HashMap;

use axum::http::StatusCode;
use idspec_codegen::model::{ParamEncoding, PkceMode, Spec, TypeSpec, Via};

use crate::errors::SandboxError;
use crate::state::{AuthRequest, State};

/// Where the request arrived.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Channel {
    /// The authorization URL, in a browser.
    Front,
    /// The PAR endpoint.
    Pushed,
}

/// Why a request is refused, and how the refusal reaches the client.
#[derive(Debug)]
pub(crate) enum Refusal {
    /// Shown to the user; never redirected (unknown client or redirect URI).
    Page(StatusCode, String),
    /// Redirected to the client's redirect URI.
    Redirect {
        redirect_uri: String,
        state: Option<String>,
        error: Box<SandboxError>,
    },
    /// Answered in the body (PAR).
    Body(SandboxError),
}

/// Validates the request's parameters and returns the request to act on.
pub(crate) fn validate(
    state: &State,
    pairs: &[(String, String)],
    channel: Channel,
) -> Result<AuthRequest, Refusal> {
    let spec = &state.spec;
    let mut outer: HashMap<String, String> = HashMap::new();
    let mut duplicate = None;
    for (name, value) in pairs {
        if outer.insert(name.clone(), value.clone()).is_some() {
            duplicate = Some(name.clone());
        }
    }

    // Until the client and its redirect URI are known good, nothing is redirected.
    let early = |status: StatusCode, oauth: &str, message: String| match channel {
        Channel::Front => Refusal::Page(status, message),
        Channel::Pushed => Refusal::Body(SandboxError::oauth(status, oauth, message)),
    };
    let client_id = outer.get("client_id").cloned().unwrap_or_default();
    let Some(client) = state.client(&client_id) else {
        return Err(early(
            StatusCode::BAD_REQUEST,
            "invalid_client",
            format!("unknown client_id `{client_id}`"),
        ));
    };
    let in_object = outer.contains_key("request");
    // With a request object, its members are the parameters (RFC 9101 5).
    let params = match outer.get("request").cloned() {
        Some(object) => crate::request_object::parameters(state, client, &outer, &object, channel)?,
        None => outer,
    };
    let redirect_uri = params.get("redirect_uri").cloned().unwrap_or_default();
    if !client.redirect_uris.contains(&redirect_uri) {
        return Err(early(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            format!("redirect_uri `{redirect_uri}` is not registered for client `{client_id}`"),
        ));
    }

    let refuse = |error: SandboxError| match channel {
        Channel::Front => Refusal::Redirect {
            redirect_uri: redirect_uri.clone(),
            state: params.get("state").cloned(),
            error: Box::new(error),
        },
        Channel::Pushed => Refusal::Body(error),
    };
    let rules = spec.sandbox.as_ref().map(|s| &s.rules);
    let invalid =
        |message: String| SandboxError::oauth(StatusCode::BAD_REQUEST, "invalid_request", message);

    if let Some(name) = duplicate {
        return Err(refuse(invalid(format!("parameter `{name}` is repeated"))));
    }
    if spec.request_object.as_ref().is_some_and(|r| r.required) && !in_object {
        return Err(refuse(invalid(
            "this provider takes only request objects: the `request` parameter is missing"
                .to_owned(),
        )));
    }
    match params.get("response_type").map(String::as_str) {
        Some("code") => {}
        Some(other) => {
            let why = spec
                .authorize
                .as_ref()
                .and_then(|a| a.refused_response_types.get(other))
                .cloned()
                .unwrap_or_else(|| "only the authorization code flow is offered".to_owned());
            return Err(refuse(SandboxError::oauth(
                StatusCode::BAD_REQUEST,
                "unsupported_response_type",
                format!("response_type `{other}`: {why}"),
            )));
        }
        None => return Err(refuse(invalid("response_type is missing".to_owned()))),
    }
    if params.get("state").is_none_or(|s| s.is_empty()) {
        return Err(refuse(invalid(
            "state is missing: it protects the callback against forgery".to_owned(),
        )));
    }

    let scopes: Vec<String> = params
        .get("scope")
        .map(|s| s.split_whitespace().map(str::to_owned).collect())
        .unwrap_or_default();
    if let Some(unknown) = scopes.iter().find(|scope| !scope_known(spec, scope)) {
        return Err(refuse(SandboxError::rule(
            spec,
            rules.and_then(|r| r.unknown_scope.as_ref()),
            "invalid_scope",
            format!("scope `{unknown}` is not offered"),
        )));
    }
    for (required, _) in spec.required_scopes() {
        if !required.contains('{') && !scopes.contains(required) {
            return Err(refuse(SandboxError::rule(
                spec,
                rules.and_then(|r| r.unknown_scope.as_ref()),
                "invalid_scope",
                format!("scope `{required}` is required"),
            )));
        }
    }

    if let Some(authorize) = &spec.authorize {
        if let Some(forbidden) = authorize
            .forbidden
            .iter()
            .find(|f| params.contains_key(&f.name))
        {
            return Err(refuse(SandboxError::rule(
                spec,
                rules.and_then(|r| r.forbidden_parameter.as_ref()),
                "invalid_request",
                format!(
                    "parameter `{}` must not be used ({})",
                    forbidden.name, forbidden.reason
                ),
            )));
        }
        for (name, param) in &authorize.params {
            let Some(value) = params.get(name) else {
                if param.required {
                    return Err(refuse(invalid(format!("parameter `{name}` is required"))));
                }
                continue;
            };
            let misplaced = match param.via {
                Via::Par => channel != Channel::Pushed,
                Via::RequestObject => !in_object,
                Via::Backchannel => true,
                Via::Any => false,
            };
            if misplaced {
                let (rule, only) = match param.via {
                    Via::Par => (
                        rules.and_then(|r| r.pushed_only_parameter.as_ref()),
                        "a pushed authorization request",
                    ),
                    Via::RequestObject => (None, "a request object"),
                    _ => (None, "the backchannel"),
                };
                return Err(refuse(SandboxError::rule(
                    spec,
                    rule,
                    "invalid_request",
                    format!("parameter `{name}` is only accepted through {only}"),
                )));
            }
            if let Err(problem) = check_value(spec, value, &param.ty, param.encoding) {
                let rule = match problem {
                    Problem::Multiple => rules.and_then(|r| r.multiple_values.get(name)),
                    Problem::Invalid => rules.and_then(|r| r.invalid_value.get(name)),
                };
                return Err(refuse(SandboxError::rule(
                    spec,
                    rule,
                    "invalid_request",
                    format!("parameter `{name}` has an invalid value"),
                )));
            }
        }
    }

    let challenge = params.get("code_challenge").cloned();
    match (
        challenge.is_some(),
        params.get("code_challenge_method").map(String::as_str),
    ) {
        (true, Some("S256")) => {}
        (true, _) => {
            return Err(refuse(invalid(
                "code_challenge_method must be S256".to_owned(),
            )))
        }
        (false, Some(_)) => {
            return Err(refuse(invalid(
                "code_challenge_method without code_challenge".to_owned(),
            )))
        }
        (false, None) if spec.pkce == PkceMode::Required => {
            return Err(refuse(invalid(
                "PKCE is required: code_challenge is missing".to_owned(),
            )))
        }
        (false, None) => {}
    }

    Ok(AuthRequest {
        client_id,
        redirect_uri,
        scopes,
        state: params.get("state").cloned(),
        nonce: params.get("nonce").cloned(),
        code_challenge: challenge,
        params,
    })
}

pub(crate) fn scope_known(spec: &Spec, scope: &str) -> bool {
    spec.scopes.keys().any(|wire| match wire.find('{') {
        Some(open) => scope.starts_with(&wire[..open]) && scope.len() > open,
        None => wire == scope,
    })
}

enum Problem {
    Multiple,
    Invalid,
}

/// Whether a parameter value has its declared type and encoding.
pub(crate) fn value_conforms(
    spec: &Spec,
    value: &str,
    ty: &TypeSpec,
    encoding: ParamEncoding,
) -> bool {
    check_value(spec, value, ty, encoding).is_ok()
}

/// A parameter value against its declared type and encoding.
fn check_value(
    spec: &Spec,
    value: &str,
    ty: &TypeSpec,
    encoding: ParamEncoding,
) -> Result<(), Problem> {
    match encoding {
        ParamEncoding::Json => {
            let json: serde_json::Value =
                serde_json::from_str(value).map_err(|_| Problem::Invalid)?;
            if conforms(spec, &json, ty, 0) {
                Ok(())
            } else {
                Err(Problem::Invalid)
            }
        }
        ParamEncoding::SpaceSeparated => {
            let item = match ty {
                TypeSpec::Array(item) => item.as_ref(),
                other => other,
            };
            value
                .split_whitespace()
                .try_for_each(|part| check_scalar(spec, part, item))
        }
        ParamEncoding::Plain => {
            if value.split_whitespace().count() > 1
                && !matches!(resolve(spec, ty), Some(TypeSpec::String))
            {
                return Err(Problem::Multiple);
            }
            check_scalar(spec, value, ty)
        }
    }
}

fn check_scalar(spec: &Spec, value: &str, ty: &TypeSpec) -> Result<(), Problem> {
    let ok = match resolve(spec, ty) {
        Some(TypeSpec::Enum(values)) => values.values.iter().any(|v| v.value == value),
        Some(TypeSpec::Bool) => matches!(value, "true" | "false"),
        Some(TypeSpec::Integer | TypeSpec::Duration) => value.parse::<i64>().is_ok(),
        Some(TypeSpec::Number | TypeSpec::Epoch) => value.parse::<f64>().is_ok(),
        Some(TypeSpec::Url) => url::Url::parse(value).is_ok(),
        Some(_) => true,
        None => false,
    };
    if ok {
        Ok(())
    } else {
        Err(Problem::Invalid)
    }
}

fn resolve<'a>(spec: &'a Spec, ty: &'a TypeSpec) -> Option<&'a TypeSpec> {
    match ty {
        TypeSpec::Ref(name) => spec.types.get(name).map(|def| &def.ty),
        other => Some(other),
    }
}

/// Whether a JSON value has the declared type (required members present, members
/// typed as declared, unknown members allowed).
fn conforms(spec: &Spec, value: &serde_json::Value, ty: &TypeSpec, depth: usize) -> bool {
    use serde_json::Value as J;
    if depth > 32 {
        return false;
    }
    let Some(ty) = resolve(spec, ty) else {
        return false;
    };
    match (ty, value) {
        (TypeSpec::Json, _) => true,
        (TypeSpec::Bool, J::Bool(_)) => true,
        (TypeSpec::Integer | TypeSpec::Duration, J::Number(n)) => n.is_i64() || n.is_u64(),
        (TypeSpec::Number | TypeSpec::Epoch, J::Number(_)) => true,
        (TypeSpec::Enum(values), J::String(s)) => values.values.iter().any(|v| &v.value == s),
        (TypeSpec::Enum(_), _) => false,
        (TypeSpec::Array(item), J::Array(items)) => {
            items.iter().all(|v| conforms(spec, v, item, depth + 1))
        }
        (TypeSpec::Nullable(_), J::Null) => true,
        (TypeSpec::Nullable(inner), value) => conforms(spec, value, inner, depth + 1),
        (TypeSpec::Map(item) | TypeSpec::ClaimMap(item), J::Object(map)) => {
            map.values().all(|v| conforms(spec, v, item, depth + 1))
        }
        (TypeSpec::Object(object), J::Object(map)) => {
            object
                .fields
                .iter()
                .all(|(name, field)| match map.get(name) {
                    Some(member) => conforms(spec, member, &field.ty, depth + 1),
                    None => !field.required,
                })
        }
        (t, J::String(_)) => t.is_textual(),
        _ => false,
    }
}
