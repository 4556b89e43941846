//! Backchannel authentication (imID): what happens after the relying party's signed
//! request was accepted. The user answers on their phone (a scripted user by itself
//! after its delay, anyone else on the sandbox's phone page), and the provider calls
//! the relying party back at its notification URI with a code or an error. Every call
//! is recorded, so that tests see what the relying party answered, and can be sent
//! again, so that tests can prove a replay completes nothing.

use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::StatusCode;
use idspec_codegen::model::{ErrorEndpoint, NotificationDelivery, Outcome, Spec};
use serde_json::{Map, Value};

use crate::errors::SandboxError;
use crate::state::{handle, now, Code, Grant, State};
use crate::trigger::Failure;

/// How long a scripted user takes to answer when the spec gives no delay.
const DEFAULT_DELAY: Duration = Duration::from_secs(1);

/// The CIBA grant type (ping delivery: the tokens are fetched with the request id).
pub(crate) const CIBA_GRANT: &str = "urn:openid:params:grant-type:ciba";

/// One notification the sandbox sent to a relying party (backchannel providers).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct NotificationRecord {
    /// The request id (`auth_req_id`) it was about.
    pub auth_req_id: String,
    /// The relying party's correlation id it echoed, where the spec has one.
    pub correlation_id: Option<String>,
    /// Where it was posted.
    pub notification_uri: String,
    /// The HTTP status the relying party answered, or why no answer came (the
    /// transport error).
    pub status: Result<u16, String>,
    /// The error code it carried (`user_cancel`); `None` when it carried a code (or,
    /// with ping delivery, only the request id).
    pub error: Option<String>,
    /// Whether it was a replay ([`crate::Sandbox::replay_notification`]) of an
    /// earlier one.
    pub replay: bool,
}

/// Where a backchannel authentication stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Phase {
    /// A scripted user answers after a delay.
    Scripted,
    /// Waits for a person on the phone page, until the device gives up.
    OnPhone,
    /// Never answered (a scripted no-answer user).
    Silent,
    /// Answered: the notification is sent (or being sent).
    Done,
}

/// What the user answered.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) enum Answer {
    /// Approved; the grant's tokens may fail at another endpoint (`error:token:…`).
    Approve(Option<Failure>),
    /// Failed with a code documented for the notification (`user_cancel`).
    Error(String),
}

/// A backchannel authentication the sandbox accepted.
#[derive(Clone, Debug)]
pub(crate) struct Transaction {
    pub client_id: String,
    pub login: String,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    pub acr: Option<String>,
    pub correlation_id: Option<String>,
    pub notification_uri: String,
    /// The relying party's `client_notification_token`, sent back as the bearer.
    pub bearer: String,
    /// What the phone shows: the spec's parameters with their values, by wire name
    /// (`binding_message`, `context`).
    pub shown: Vec<(String, String)>,
    pub created: Instant,
    /// When the device (or the provider) gives up on a person who does not answer.
    pub device_deadline: Instant,
    pub phase: Phase,
    /// The notification body as first sent, byte for byte, for replays.
    pub sent: Option<Vec<u8>>,
    /// Ping delivery: the grant (or the error code) the token endpoint hands out
    /// once, for the request id.
    pub ready: Option<Result<Grant, String>>,
    /// Ping delivery: the tokens were fetched.
    pub redeemed: bool,
}

/// What the sandbox does with an accepted request, for the login it names.
#[derive(Debug)]
pub(crate) enum Plan {
    /// Refused on the request itself with this documented code (`ERR201`, `HTTP500`).
    Refuse(String),
    /// An `error:` login naming a code that is not documented: the message says so.
    Undocumented(String),
    /// Answered after a delay.
    Answer(Duration, Answer),
    /// Never answered.
    Silent,
    /// Waits for a person on the phone page.
    Phone,
}

/// What happens to a request naming `login`: a scripted user's outcome (a burst of
/// errors counted per login), an `error:` trigger, or the phone page.
pub(crate) fn plan(state: &State, login: &str) -> Plan {
    let spec = &state.spec;
    if let Some(parsed) = crate::trigger::parse(spec, login) {
        return match parsed {
            Ok(failure) => match failure.endpoint {
                ErrorEndpoint::Authorization => Plan::Refuse(failure.code),
                ErrorEndpoint::Notification => {
                    Plan::Answer(DEFAULT_DELAY, Answer::Error(failure.code))
                }
                _ => Plan::Answer(DEFAULT_DELAY, Answer::Approve(Some(failure))),
            },
            Err(problem) => Plan::Undocumented(problem),
        };
    }
    let Some(user) = spec
        .sandbox
        .as_ref()
        .and_then(|s| s.users.iter().find(|u| u.login == login))
    else {
        return Plan::Phone;
    };
    let delay = user
        .delay
        .map(|d| Duration::from_secs(d.seconds))
        .unwrap_or(DEFAULT_DELAY);
    match &user.outcome {
        Outcome::Approve => Plan::Answer(delay, Answer::Approve(None)),
        Outcome::NoAnswer => Plan::Silent,
        Outcome::Error(code) => {
            if let Some(times) = user.times {
                let mut store = state.store();
                let attempts = store.attempts.entry(login.to_owned()).or_default();
                *attempts = attempts.saturating_add(1);
                if *attempts > times {
                    return Plan::Answer(delay, Answer::Approve(None));
                }
            }
            if in_notification(spec, code) {
                Plan::Answer(delay, Answer::Error(code.clone()))
            } else {
                Plan::Refuse(code.clone())
            }
        }
    }
}

/// Whether the spec documents `code` for the notification (then the request is
/// accepted and the notification carries it); any other code refuses the request.
fn in_notification(spec: &Spec, code: &str) -> bool {
    spec.errors.per_endpoint()
        && spec
            .errors
            .for_endpoint(ErrorEndpoint::Notification)
            .any(|c| c.code == code)
}

/// The code a notification carries when the person cancels on the phone page or
/// does not answer in time: the spec's sandbox `cancel` code, else the first code
/// documented for the notification (imID's `user_cancel`, "User does not enter
/// PIN"), else OAuth's `access_denied`.
pub(crate) fn cancel_code(spec: &Spec) -> String {
    spec.sandbox
        .as_ref()
        .and_then(|s| s.cancel.clone())
        .or_else(|| {
            spec.errors
                .per_endpoint()
                .then(|| spec.errors.for_endpoint(ErrorEndpoint::Notification).next())
                .flatten()
                .map(|c| c.code.clone())
        })
        .unwrap_or_else(|| "access_denied".to_owned())
}

/// Answers `id` with `answer` once `after` has passed, unless it was answered
/// meanwhile (the person on the phone page) or the sandbox stopped.
pub(crate) fn schedule(state: &Arc<State>, id: String, after: Duration, answer: Answer) {
    let state = Arc::clone(state);
    tokio::spawn(async move {
        let mut closed = state.closed.subscribe();
        tokio::select! {
            () = tokio::time::sleep(after) => {}
            _ = closed.wait_for(|closed| *closed) => return,
        }
        respond(&state, &id, answer).await;
    });
}

/// Ends `id` with `answer` and notifies the relying party; nothing when it already
/// ended. Returns whether it was still pending.
pub(crate) async fn respond(state: &Arc<State>, id: &str, answer: Answer) -> bool {
    let Some(call) = conclude(state, id, answer) else {
        return false;
    };
    // The outcome is in the record; the relying party's answer changes nothing here.
    let _ = deliver(state, call, false).await;
    true
}

/// A notification ready to be posted.
struct Call {
    auth_req_id: String,
    correlation_id: Option<String>,
    uri: String,
    bearer: String,
    body: Vec<u8>,
    error: Option<String>,
}

/// Marks `id` answered and builds its notification: with a fresh code (code
/// delivery), or only the request id with the tokens kept for the CIBA grant (ping).
fn conclude(state: &State, id: &str, answer: Answer) -> Option<Call> {
    let spec = &state.spec;
    let backchannel = spec.backchannel.as_ref()?;
    let ping = backchannel.notification.delivery == NotificationDelivery::Ping;
    let mut store = state.store();
    let transaction = store.transactions.get_mut(id)?;
    if transaction.phase == Phase::Done {
        return None;
    }
    transaction.phase = Phase::Done;
    let transaction = transaction.clone();

    let mut body = Map::new();
    body.insert(backchannel.request_id.clone(), id.into());
    if !ping {
        if let (Some(member), Some(value)) =
            (&backchannel.correlation_id, &transaction.correlation_id)
        {
            body.insert(member.clone(), value.clone().into());
        }
    }
    let error = match answer {
        Answer::Approve(failure) => {
            let grant = grant(spec, &transaction, failure);
            if ping {
                store.transactions.get_mut(id)?.ready = Some(Ok(grant));
            } else {
                let code = handle();
                store.codes.insert(
                    code.clone(),
                    Code {
                        grant,
                        issued: Instant::now(),
                        used: false,
                        tokens: Vec::new(),
                    },
                );
                body.insert("code".to_owned(), code.into());
            }
            None
        }
        Answer::Error(code) => {
            if ping {
                store.transactions.get_mut(id)?.ready = Some(Err(code.clone()));
            } else {
                let error = SandboxError::documented_at(
                    spec,
                    ErrorEndpoint::Notification,
                    &code,
                    StatusCode::BAD_REQUEST,
                );
                for (name, value) in error.members(spec, &spec.errors.body) {
                    body.insert(name, value.into());
                }
            }
            Some(code)
        }
    };
    let body = serde_json::to_vec(&Value::Object(body)).ok()?;
    store.transactions.get_mut(id)?.sent = Some(body.clone());
    Some(Call {
        auth_req_id: id.to_owned(),
        correlation_id: transaction.correlation_id,
        uri: transaction.notification_uri,
        bearer: transaction.bearer,
        body,
        error,
    })
}

/// What the approval stands for at the token and userinfo endpoints.
fn grant(spec: &Spec, transaction: &Transaction, failure: Option<Failure>) -> Grant {
    let mut userinfo_params = std::collections::HashMap::new();
    if let (Some(member), Some(value)) = (
        spec.backchannel
            .as_ref()
            .and_then(|b| b.correlation_id.as_ref()),
        &transaction.correlation_id,
    ) {
        if spec
            .userinfo
            .as_ref()
            .is_some_and(|u| u.params.contains_key(member))
        {
            userinfo_params.insert(member.clone(), value.clone());
        }
    }
    Grant {
        client_id: transaction.client_id.clone(),
        // The code is exchanged with the notification URI as the redirect URI.
        redirect_uri: transaction.notification_uri.clone(),
        scopes: transaction.scopes.clone(),
        nonce: transaction.nonce.clone(),
        code_challenge: None,
        login: transaction.login.clone(),
        acr: transaction.acr.clone(),
        auth_time: now(),
        claims_request: None,
        failure,
        userinfo_params,
    }
}

/// Posts the notification and records what the relying party answered.
async fn deliver(state: &State, call: Call, replay: bool) -> Result<u16, String> {
    let status = post(state, &call.uri, &call.bearer, call.body).await;
    // The bearer and the code stay out of the log: they complete the flow.
    match &status {
        Ok(status) => tracing::info!(
            auth_req_id = %call.auth_req_id, status, replay, "notification sent"
        ),
        Err(error) => tracing::warn!(
            auth_req_id = %call.auth_req_id, %error, replay, "notification failed"
        ),
    }
    state.store().notifications.push(NotificationRecord {
        auth_req_id: call.auth_req_id,
        correlation_id: call.correlation_id,
        notification_uri: call.uri,
        status: status.clone(),
        error: call.error,
        replay,
    });
    state.delivered.notify_waiters();
    status
}

async fn post(state: &State, uri: &str, bearer: &str, body: Vec<u8>) -> Result<u16, String> {
    state.post_json(uri, Some(bearer), body).await
}

/// Sends `id`'s notification again, byte for byte, with the same bearer.
pub(crate) async fn replay(state: &State, id: &str) -> Result<u16, String> {
    let call = {
        let store = state.store();
        let transaction = store
            .transactions
            .get(id)
            .ok_or_else(|| format!("no backchannel request `{id}`"))?;
        let body = transaction
            .sent
            .clone()
            .ok_or_else(|| format!("request `{id}` has not been notified yet"))?;
        let error = store
            .notifications
            .iter()
            .find(|n| n.auth_req_id == id)
            .and_then(|n| n.error.clone());
        Call {
            auth_req_id: id.to_owned(),
            correlation_id: transaction.correlation_id.clone(),
            uri: transaction.notification_uri.clone(),
            bearer: transaction.bearer.clone(),
            body,
            error,
        }
    };
    deliver(state, call, true).await
}

/// The first notification about `id`, once it is recorded.
pub(crate) async fn wait_for(
    state: &State,
    id: &str,
    timeout: Duration,
) -> Option<NotificationRecord> {
    let deadline = tokio::time::Instant::now() + timeout;
    let find = || {
        state
            .store()
            .notifications
            .iter()
            .find(|n| n.auth_req_id == id && !n.replay)
            .cloned()
    };
    loop {
        // Registered before looking, so that a record made in between still wakes us.
        let mut notified = std::pin::pin!(state.delivered.notified());
        notified.as_mut().enable();
        if let Some(record) = find() {
            return Some(record);
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            return find();
        }
    }
}

/// The CIBA grant (ping delivery): the grant `auth_req_id` stands for, once.
pub(crate) fn redeem(
    state: &State,
    client_id: &str,
    form: &std::collections::HashMap<String, String>,
) -> Result<Grant, SandboxError> {
    let spec = &state.spec;
    let error = |oauth: &str, message: &str| {
        SandboxError::oauth(StatusCode::BAD_REQUEST, oauth, message.to_owned())
    };
    let ping = spec
        .backchannel
        .as_ref()
        .is_some_and(|b| b.notification.delivery == NotificationDelivery::Ping);
    if !ping {
        return Err(error(
            "unsupported_grant_type",
            "this provider delivers a code in the notification, not the CIBA grant",
        ));
    }
    let id = form
        .get("auth_req_id")
        .ok_or_else(|| error("invalid_request", "auth_req_id is missing"))?;
    let timeout = Duration::from_secs(spec.backchannel.as_ref().map_or(0, |b| b.timeout.seconds));
    let mut store = state.store();
    let transaction = store
        .transactions
        .get_mut(id)
        .filter(|t| t.client_id == client_id)
        .ok_or_else(|| error("invalid_grant", "the auth_req_id is unknown"))?;
    if transaction.redeemed {
        return Err(error("invalid_grant", "the auth_req_id was already used"));
    }
    match transaction.ready.take() {
        Some(Ok(grant)) => {
            transaction.redeemed = true;
            Ok(grant)
        }
        Some(Err(code)) => {
            transaction.redeemed = true;
            Err(SandboxError::documented_at(
                spec,
                ErrorEndpoint::Token,
                &code,
                StatusCode::BAD_REQUEST,
            ))
        }
        None if transaction.created.elapsed() > timeout => {
            Err(error("expired_token", "the authentication request expired"))
        }
        None => Err(error(
            "authorization_pending",
            "the user has not answered yet",
        )),
    }
}
