//! The authorization endpoint, its login page and the page's decision.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, RawForm, RawQuery, State as Axum};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use idspec_codegen::model::{ErrorEndpoint, Outcome};

use super::{map, pairs, INTERACTION};
use crate::errors::{error_page, SandboxError};
use crate::request::{validate, Channel, Refusal};
use crate::state::{handle, now, AuthRequest, Code, Grant, State};

pub(crate) async fn authorize_get(
    Axum(state): Axum<Arc<State>>,
    RawQuery(query): RawQuery,
) -> Response {
    authorize(&state, &pairs(&query.unwrap_or_default()))
}

pub(crate) async fn authorize_post(
    Axum(state): Axum<Arc<State>>,
    RawForm(form): RawForm,
) -> Response {
    authorize(&state, &pairs(&String::from_utf8_lossy(&form)))
}

fn authorize(state: &State, pairs: &[(String, String)]) -> Response {
    let params = map(pairs);
    let request = match params.get("request_uri") {
        Some(_) if params.contains_key("request") => {
            return error_page(
                StatusCode::BAD_REQUEST,
                "request and request_uri cannot both be sent (RFC 9101 5)",
            )
        }
        Some(request_uri) => match pushed_request(state, request_uri, params.get("client_id")) {
            Ok(request) => request,
            Err(message) => return error_page(StatusCode::BAD_REQUEST, &message),
        },
        None => match validate(state, pairs, Channel::Front) {
            Ok(request) => request,
            Err(refusal) => return refuse(state, refusal),
        },
    };
    let suggested = suggested_login(state, &request);
    page(state, request, suggested.as_deref(), None)
}

/// Shows the login page for `request`, which waits under a fresh interaction id.
fn page(
    state: &State,
    request: AuthRequest,
    login: Option<&str>,
    problem: Option<&str>,
) -> Response {
    let id = handle();
    let action = INTERACTION.replace("{id}", &id);
    let page = crate::page::login_page(&state.spec, &action, &request.client_id, login, problem);
    state.store().interactions.insert(id, request);
    crate::page::for_a_person(page)
}

/// A pushed request (RFC 9126): single use, before its lifetime ends, for its client.
fn pushed_request(
    state: &State,
    request_uri: &str,
    client_id: Option<&String>,
) -> Result<AuthRequest, String> {
    let pushed = state
        .store()
        .pushed
        .remove(request_uri)
        .ok_or_else(|| "the request_uri is unknown or was already used".to_owned())?;
    if pushed.expires < Instant::now() {
        return Err("the request_uri has expired".to_owned());
    }
    if client_id != Some(&pushed.value.client_id) {
        return Err("the request_uri belongs to another client".to_owned());
    }
    Ok(pushed.value)
}

/// The login the request suggests (Mobile ID: `login_hint` → `/hints/0/msisdn`).
fn suggested_login(state: &State, request: &AuthRequest) -> Option<String> {
    let login = state.spec.sandbox.as_ref()?.login.as_ref()?;
    let value = request.params.get(&login.param)?;
    match &login.pointer {
        None => Some(value.clone()),
        Some(pointer) => serde_json::from_str::<serde_json::Value>(value)
            .ok()?
            .pointer(pointer)?
            .as_str()
            .map(str::to_owned),
    }
}

pub(crate) fn refuse(state: &State, refusal: Refusal) -> Response {
    match refusal {
        Refusal::Page(status, message) => error_page(status, &message),
        Refusal::Body(error) => error.into_body(&state.spec),
        Refusal::Redirect {
            redirect_uri,
            state: client_state,
            error,
        } => {
            let mut members = error.members(&state.spec, &state.spec.errors.redirect);
            if state.spec.sandbox.as_ref().is_some_and(|s| s.error_uri) {
                let page = super::error_uri(&state.issuer, &members[0].1);
                members.push((state.spec.errors.redirect.uri.clone(), page));
            }
            if let Some(client_state) = client_state {
                members.push(("state".to_owned(), client_state));
            }
            redirect(state, &redirect_uri, members)
        }
    }
}

/// A 303 to the client's redirect URI with `members`, and `iss` (RFC 9207) where the
/// provider has an issuer: plain OAuth 2 providers (ID.me) have none and send none.
fn redirect(state: &State, redirect_uri: &str, mut members: Vec<(String, String)>) -> Response {
    let spec = &state.spec;
    if spec.is_openid() || spec.authorize.as_ref().is_some_and(|a| a.response_iss) {
        members.push(("iss".to_owned(), state.issuer.clone()));
    }
    let mut url = match url::Url::parse(redirect_uri) {
        Ok(url) => url,
        Err(_) => return error_page(StatusCode::BAD_REQUEST, "the redirect URI is not a URL"),
    };
    url.query_pairs_mut().extend_pairs(members);
    (StatusCode::SEE_OTHER, [(header::LOCATION, url.to_string())]).into_response()
}

/// `POST /sandbox/interaction/{id}`: the person's decision.
pub(crate) async fn interaction(
    Axum(state): Axum<Arc<State>>,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let form = map(&pairs(&String::from_utf8_lossy(&form)));
    let Some(request) = state.store().interactions.remove(&id) else {
        return error_page(
            StatusCode::BAD_REQUEST,
            "this sign-in page has expired or was already used; start again",
        );
    };
    let spec = &state.spec;
    let redirect_error = |error: SandboxError| {
        refuse(
            &state,
            Refusal::Redirect {
                redirect_uri: request.redirect_uri.clone(),
                state: request.state.clone(),
                error: Box::new(error),
            },
        )
    };
    let login = form
        .get("login_as")
        .or_else(|| form.get("login"))
        .map(|l| l.trim().to_owned())
        .unwrap_or_default();
    if !form.contains_key("login_as") && form.get("decision").map(String::as_str) == Some("cancel")
    {
        let error = match spec.sandbox.as_ref().and_then(|s| s.cancel.as_ref()) {
            Some(code) => SandboxError::documented(spec, code, StatusCode::BAD_REQUEST),
            None => SandboxError::oauth(
                StatusCode::BAD_REQUEST,
                "access_denied",
                "the user cancelled",
            ),
        };
        return redirect_error(error);
    }
    if login.is_empty() {
        // The sign-in stays alive: the person gets the page again, told what to do.
        return page(
            &state,
            request.clone(),
            None,
            Some("Enter a login or pick a scripted user."),
        );
    }
    // Phone numbers are typed with spaces; the login is the number.
    let login = if login.starts_with('+') || login.starts_with(|c: char| c.is_ascii_digit()) {
        login.split_whitespace().collect::<String>()
    } else {
        login
    };
    // `error:<code>` reaches any documented error from the page or a test; with an
    // endpoint (`error:token:<code>`) the sign-in succeeds and that endpoint fails.
    let failure = match crate::trigger::parse(spec, &login) {
        Some(Ok(failure)) if failure.endpoint == ErrorEndpoint::Authorization => {
            return redirect_error(SandboxError::documented(
                spec,
                &failure.code,
                StatusCode::BAD_REQUEST,
            ));
        }
        Some(Ok(failure)) => Some(failure),
        Some(Err(problem)) => return page(&state, request.clone(), Some(&login), Some(&problem)),
        None => None,
    };
    let scripted = spec
        .sandbox
        .as_ref()
        .and_then(|s| s.users.iter().find(|u| u.login == login));
    if let Some(Outcome::Error(code)) = scripted.map(|u| &u.outcome) {
        return redirect_error(SandboxError::documented(
            spec,
            code,
            StatusCode::BAD_REQUEST,
        ));
    }

    let code = handle();
    let grant = Grant {
        client_id: request.client_id.clone(),
        redirect_uri: request.redirect_uri.clone(),
        scopes: request.scopes.clone(),
        nonce: request.nonce.clone(),
        code_challenge: request.code_challenge.clone(),
        acr: request.params.get("acr_values").cloned(),
        claims_request: request.params.get("claims").cloned(),
        login,
        auth_time: now(),
        failure,
        userinfo_params: Default::default(),
    };
    state.store().codes.insert(
        code.clone(),
        Code {
            grant,
            issued: Instant::now(),
            used: false,
            tokens: Vec::new(),
        },
    );
    let mut members = vec![("code".to_owned(), code)];
    if let Some(client_state) = &request.state {
        members.push(("state".to_owned(), client_state.clone()));
    }
    redirect(&state, &request.redirect_uri, members)
}
