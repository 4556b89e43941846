//! The backchannel authentication request (imID): a form post with the client id,
//! the response type, the scopes and a request object signed with the client's key.
//! No client secret: the signature authenticates the client. It is checked as
//! strictly as the provider's document says, then answered with the request id, or
//! with the documented code a scripted user gets on the request itself.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{RawForm, State as Axum};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use idspec_codegen::model::{BackchannelSpec, ErrorEndpoint, RequestObjectSpec, Spec};
use serde_json::{Map, Value};

use super::pairs;
use crate::backchannel::{plan, schedule, Answer, Phase, Plan, Transaction};
use crate::errors::{no_store, SandboxError};
use crate::request_object::text_of;
use crate::state::{handle, SandboxClient, State};

/// CIBA 7.1: the notification token is at most 1024 characters.
const MAX_BEARER_LEN: usize = 1024;

pub(crate) async fn authenticate(
    Axum(state): Axum<Arc<State>>,
    RawForm(form): RawForm,
) -> Response {
    let spec = &state.spec;
    let Some(backchannel) = &spec.backchannel else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let accepted = match accept(&state, backchannel, &pairs(&String::from_utf8_lossy(&form))) {
        Ok(accepted) => accepted,
        Err(error) => return error.into_body(spec),
    };
    let Accepted {
        transaction,
        plan: what,
    } = accepted;
    let phase = match &what {
        Plan::Refuse(code) => return refused(spec, code),
        Plan::Undocumented(problem) => {
            return SandboxError::oauth(StatusCode::BAD_REQUEST, "invalid_request", problem)
                .into_body(spec)
        }
        Plan::Answer(..) => Phase::Scripted,
        Plan::Silent => Phase::Silent,
        Plan::Phone => Phase::OnPhone,
    };
    let id = handle();
    // Whichever gives up first, the phone's applet or the provider.
    let device_timeout = Duration::from_secs(
        backchannel
            .device_timeout
            .map_or(backchannel.timeout.seconds, |d| {
                d.seconds.min(backchannel.timeout.seconds)
            }),
    );
    let transaction = Transaction {
        phase,
        device_deadline: Instant::now() + device_timeout,
        ..transaction
    };
    state.store().transactions.insert(id.clone(), transaction);
    tracing::info!(auth_req_id = %id, ?phase, "backchannel request accepted");
    match what {
        Plan::Answer(after, answer) => schedule(&state, id.clone(), after, answer),
        // The phone's applet gives up first: "User does not enter PIN".
        Plan::Phone => schedule(
            &state,
            id.clone(),
            device_timeout,
            Answer::Error(crate::backchannel::cancel_code(spec)),
        ),
        _ => {}
    }
    let mut body = Map::new();
    body.insert(backchannel.request_id.clone(), id.into());
    body.insert("expires_in".to_owned(), backchannel.timeout.seconds.into());
    no_store(Json(Value::Object(body)).into_response())
}

/// A documented code on the request itself: in the provider's error body, or, for a
/// code the provider sends as a bare status (imID's `HTTP500`), that status and a
/// body with no code in it.
fn refused(spec: &Spec, code: &str) -> Response {
    let entry = spec
        .errors
        .for_endpoint(ErrorEndpoint::Authorization)
        .find(|c| c.code == code)
        .or_else(|| spec.errors.codes.iter().find(|c| c.code == code));
    if let Some(entry) = entry.filter(|e| e.status_only) {
        let status = entry
            .http_status
            .and_then(|s| StatusCode::from_u16(s).ok())
            .unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
        return no_store(
            (
                status,
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                entry.message.clone(),
            )
                .into_response(),
        );
    }
    SandboxError::documented_at(
        spec,
        ErrorEndpoint::Authorization,
        code,
        StatusCode::BAD_REQUEST,
    )
    .into_body(spec)
}

/// A request that passed every check, and what becomes of it.
struct Accepted {
    transaction: Transaction,
    plan: Plan,
}

/// Checks the request; its transaction (phase and deadline still to be set) and
/// what the sandbox does with it.
fn accept(
    state: &State,
    backchannel: &BackchannelSpec,
    pairs: &[(String, String)],
) -> Result<Accepted, SandboxError> {
    let spec = &state.spec;
    let invalid = |code: &str, message: String| {
        SandboxError::documented_or_oauth(spec, ErrorEndpoint::Authorization, code, message)
    };
    let mut outer: HashMap<String, String> = HashMap::new();
    for (name, value) in pairs {
        if outer.insert(name.clone(), value.clone()).is_some() {
            return Err(invalid(
                "invalid_request",
                format!("parameter `{name}` is repeated"),
            ));
        }
    }
    let client_id = outer.get("client_id").cloned().unwrap_or_default();
    let client = state.client(&client_id).ok_or_else(|| {
        SandboxError::oauth(
            StatusCode::UNAUTHORIZED,
            "invalid_client",
            format!("unknown client_id `{client_id}`"),
        )
    })?;
    match outer.get("response_type") {
        None => {
            return Err(invalid(
                "invalid_request",
                "response_type is missing".to_owned(),
            ))
        }
        Some(response_type) if *response_type != backchannel.response_type => {
            return Err(invalid(
                "unsupported_response_type",
                format!(
                    "response_type `{response_type}`: this provider takes `{}`",
                    backchannel.response_type
                ),
            ))
        }
        Some(_) => {}
    }
    let outer_scope = outer
        .get("scope")
        .ok_or_else(|| invalid("invalid_request", "scope is missing".to_owned()))?;

    let params = match (&spec.request_object, outer.get("request")) {
        (Some(profile), Some(compact)) => {
            let claims = crate::request_object::open(state, client, profile, compact)
                .and_then(|claims| {
                    check_claims(state, client, profile, compact, &claims).map(|()| claims)
                })
                .map_err(|why| {
                    invalid(
                        "invalid_request_object",
                        format!("the request object is refused: {why}"),
                    )
                })?;
            let mut params: HashMap<String, String> = claims
                .iter()
                .filter(|(_, value)| !value.is_null())
                .map(|(name, value)| (name.clone(), text_of(value)))
                .collect();
            // The outer parameters are what OAuth 2 reads; the signed ones must agree.
            for name in ["client_id", "response_type", "scope"] {
                match params.get(name) {
                    Some(inside) if Some(inside) != outer.get(name) => {
                        return Err(invalid(
                            "invalid_request",
                            format!("`{name}` differs between the form and the request object"),
                        ))
                    }
                    Some(_) => {}
                    None => {
                        if let Some(outside) = outer.get(name) {
                            params.insert(name.to_owned(), outside.clone());
                        }
                    }
                }
            }
            params
        }
        (Some(profile), None) if profile.required => {
            return Err(invalid(
                "invalid_request",
                "the `request` parameter is missing: this provider takes only signed requests"
                    .to_owned(),
            ))
        }
        // Without request objects the form carries everything.
        _ => outer.clone(),
    };

    let scopes: Vec<String> = outer_scope.split_whitespace().map(str::to_owned).collect();
    if let Some(unknown) = scopes
        .iter()
        .find(|s| !crate::request::scope_known(spec, s))
    {
        return Err(invalid(
            "invalid_scope",
            format!("scope `{unknown}` is not offered"),
        ));
    }
    if let Some((required, _)) = spec
        .required_scopes()
        .find(|(wire, _)| !wire.contains('{') && !scopes.contains(wire))
    {
        return Err(invalid(
            "invalid_scope",
            format!("scope `{required}` is required"),
        ));
    }
    if !scopes.iter().any(|s| s == "openid") {
        return Err(invalid(
            "invalid_scope",
            "scope `openid` is required".to_owned(),
        ));
    }

    let text = |name: &str| params.get(name).filter(|v| !v.is_empty()).cloned();
    let notification = &backchannel.notification;
    let notification_uri = text(&notification.uri).ok_or_else(|| {
        invalid(
            "invalid_request",
            format!("`{}` is missing", notification.uri),
        )
    })?;
    // Exactly as registered: the provider calls back only where it agreed to.
    if !client.redirect_uris.contains(&notification_uri) {
        return Err(invalid(
            "invalid_request",
            format!(
                "`{}` `{notification_uri}` is not registered for client `{client_id}`",
                notification.uri
            ),
        ));
    }
    let bearer = text(&notification.auth.bearer).ok_or_else(|| {
        invalid(
            "invalid_request",
            format!("`{}` is missing", notification.auth.bearer),
        )
    })?;
    if bearer.len() > MAX_BEARER_LEN {
        return Err(invalid(
            "invalid_request",
            format!(
                "`{}` is longer than {MAX_BEARER_LEN} characters",
                notification.auth.bearer
            ),
        ));
    }
    let nonce =
        text("nonce").ok_or_else(|| invalid("invalid_request", "`nonce` is missing".to_owned()))?;
    let correlation_id = match &backchannel.correlation_id {
        Some(member) => Some(
            text(member)
                .ok_or_else(|| invalid("invalid_request", format!("`{member}` is missing")))?,
        ),
        None => None,
    };

    let mut shown = Vec::new();
    for (name, param) in &backchannel.params {
        let value = match params.get(name) {
            Some(value) => value.clone(),
            None if param.required => {
                return Err(invalid(
                    "invalid_request",
                    format!("parameter `{name}` is required"),
                ))
            }
            None => match &param.default {
                Some(default) => default.clone(),
                None => continue,
            },
        };
        if param.required && value.is_empty() {
            return Err(invalid(
                "invalid_request",
                format!("parameter `{name}` is empty"),
            ));
        }
        if !crate::request::value_conforms(spec, &value, &param.ty, param.encoding) {
            return Err(invalid(
                "invalid_request",
                format!("parameter `{name}` has an invalid value"),
            ));
        }
        shown.push((name.clone(), value));
    }
    let login_param = spec
        .sandbox
        .as_ref()
        .and_then(|s| s.login.as_ref())
        .map_or("login_hint", |l| l.param.as_str());
    let login = login(params.get(login_param).map(String::as_str).unwrap_or(""));
    if login.is_empty() {
        return Err(invalid(
            "invalid_request",
            format!("`{login_param}` is missing"),
        ));
    }
    let acr = params.get("acr_values").cloned().or_else(|| {
        backchannel
            .params
            .get("acr_values")
            .and_then(|p| p.default.clone())
    });

    let plan = plan(state, &login);
    Ok(Accepted {
        transaction: Transaction {
            client_id,
            login,
            scopes,
            nonce: Some(nonce),
            acr,
            correlation_id,
            notification_uri,
            bearer,
            shown: shown
                .into_iter()
                .filter(|(name, _)| name != login_param)
                .collect(),
            created: Instant::now(),
            device_deadline: Instant::now(),
            phase: Phase::Scripted,
            sent: None,
            ready: None,
            redeemed: false,
        },
        plan,
    })
}

/// Phone numbers are typed with spaces; the login is the number.
fn login(value: &str) -> String {
    let value = value.trim();
    if value.starts_with('+') || value.starts_with(|c: char| c.is_ascii_digit()) {
        value.split_whitespace().collect()
    } else {
        value.to_owned()
    }
}

/// The members the provider requires of a backchannel request object, beyond its
/// signature: the client's key named by `kid`, the audience, the times, the fixed
/// and required members, and the response type.
fn check_claims(
    state: &State,
    client: &SandboxClient,
    profile: &RequestObjectSpec,
    compact: &str,
    claims: &Map<String, Value>,
) -> Result<(), String> {
    // Signed only: the header the client wrote names its key. (A nested JWT was
    // opened with the key named inside.)
    if compact.split('.').count() == 3 && crate::jws::header_member(compact, "kid").is_none() {
        return Err(
            "its header names no `kid`: the provider registered the client's key by its id"
                .to_owned(),
        );
    }
    crate::request_object::check_jwt(
        state,
        client,
        profile,
        claims,
        crate::request_object::IssuerClaim::IfPresent,
    )?;
    for name in &profile.required_members {
        let present = match claims.get(name) {
            None | Some(Value::Null) => false,
            Some(Value::String(text)) => !text.is_empty(),
            Some(_) => true,
        };
        if !present {
            return Err(format!("it has no `{name}`, or it is empty"));
        }
    }
    if let Some(backchannel) = &state.spec.backchannel {
        if let Some(inside) = claims.get("response_type") {
            if inside.as_str() != Some(backchannel.response_type.as_str()) {
                return Err(format!(
                    "its response_type must be `{}`",
                    backchannel.response_type
                ));
            }
        }
    }
    for name in ["request", "request_uri"] {
        if claims.contains_key(name) {
            return Err(format!("it must not contain `{name}` (RFC 9101 4)"));
        }
    }
    Ok(())
}
