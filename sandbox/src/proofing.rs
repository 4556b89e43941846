//! The `rest` family (IDEMIA's Identity Proofing App): a proofing-session
//! simulation. The relying party's backend gets a client credentials token and
//! creates a session; the person opens the session's start page and picks how it
//! ends (a scripted user); after the user's delay the sandbox finishes the session
//! once, creates an identity when the user is verified, and posts the
//! end-of-process webhook to the session's callback, retrying as the spec says. The
//! identity and its proof file are then served behind the API key.
//!
//! Everything lives in memory, as for the other families: it is a test double.

mod archive;
mod config;
mod identity;
pub(crate) mod page;
mod webhook;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use idspec_codegen::model::{Outcome, SandboxUser};
use serde_json::{Map, Value};
use url::Url;

use crate::state::{handle, State};
use crate::{SandboxOptions, StartError};

pub(crate) use archive::proof_body;
pub(crate) use config::Config;
pub use webhook::WebhookRecord;
pub(crate) use webhook::{replay, wait_for};

/// The proof file's padding until a test sets another size.
const DEFAULT_PADDING: u64 = 64 * 1024;

/// The prefix of the identities' ids, as in the document's `identityId`
/// (`gips-2d4ac3d2-…`).
const IDENTITY_PREFIX: &str = "gips-";

/// What handlers and background tasks of a rest sandbox hold.
#[derive(Clone)]
pub(crate) struct Rest {
    pub state: Arc<State>,
    pub proofing: Arc<Proofing>,
}

impl Rest {
    /// The rest simulation of `state`, when its spec is a rest one.
    pub(crate) fn of(state: &Arc<State>) -> Option<Self> {
        Some(Self {
            state: Arc::clone(state),
            proofing: Arc::clone(state.proofing.as_ref()?),
        })
    }
}

/// The simulation's settings and memory.
pub(crate) struct Proofing {
    pub config: Config,
    /// The identity API's key (`SandboxOptions::api_key`).
    pub api_key: String,
    /// How long issued access tokens live.
    pub token_lifetime: Duration,
    store: Mutex<Store>,
    token_requests: AtomicUsize,
    proof_padding: AtomicU64,
    /// Woken whenever a webhook attempt is recorded or a delivery ends.
    delivered: tokio::sync::Notify,
}

#[derive(Default)]
struct Store {
    /// Access tokens, by value: the client they were issued to, and their expiry.
    tokens: HashMap<String, (String, Instant)>,
    sessions: HashMap<String, Session>,
    /// Identity payloads, by identity id.
    identities: HashMap<String, Value>,
    /// Every webhook attempt, replays included, oldest first.
    webhooks: Vec<WebhookRecord>,
}

/// Where a session stands.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Stage {
    /// Created, waiting for the person.
    Open,
    /// The person chose how it ends; it finishes after the user's delay.
    Chosen,
    /// Finished: the webhook body is made (and being delivered, if there is a callback).
    Finished,
}

#[derive(Clone, Debug)]
struct Session {
    client_id: String,
    callback: Option<Url>,
    goto: Option<Url>,
    expires: Instant,
    stage: Stage,
    /// The webhook body, once finished, for replays.
    body: Option<Value>,
    /// How many attempts the delivery made, once it is over.
    delivery: Option<u32>,
}

/// Why a session cannot be shown or chosen on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum SessionProblem {
    Unknown,
    Expired,
    /// The person already chose how it ends.
    Finished,
}

/// What the start page shows of an open session.
#[derive(Clone, Debug)]
pub(crate) struct OpenSession {
    pub client_id: String,
    pub goto: Option<Url>,
    pub expires_in: Duration,
}

impl Proofing {
    pub(crate) fn new(
        spec: &idspec_codegen::model::Spec,
        options: &SandboxOptions,
    ) -> Result<Self, StartError> {
        Ok(Self {
            config: Config::of(spec)?,
            api_key: options.api_key.clone(),
            token_lifetime: options.access_token_lifetime,
            store: Mutex::new(Store::default()),
            token_requests: AtomicUsize::new(0),
            proof_padding: AtomicU64::new(DEFAULT_PADDING),
            delivered: tokio::sync::Notify::new(),
        })
    }

    fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        // Every update is a single insert or field change: a poisoned lock still
        // holds consistent data.
        self.store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn count_token_request(&self) {
        self.token_requests.fetch_add(1, Ordering::Relaxed);
    }

    pub(crate) fn token_requests(&self) -> usize {
        self.token_requests.load(Ordering::Relaxed)
    }

    /// A new access token for `client_id`.
    pub(crate) fn issue_token(&self, client_id: &str) -> String {
        let token = handle();
        let now = Instant::now();
        let mut store = self.store();
        // Expired tokens are forgotten here, so that a long-running sandbox does not grow.
        store.tokens.retain(|_, (_, expires)| *expires > now);
        store.tokens.insert(
            token.clone(),
            (client_id.to_owned(), now + self.token_lifetime),
        );
        token
    }

    /// The client an unexpired access token was issued to.
    pub(crate) fn token_client(&self, token: &str) -> Option<String> {
        let store = self.store();
        let (client_id, expires) = store.tokens.get(token)?;
        (Instant::now() < *expires).then(|| client_id.clone())
    }

    /// Creates a session; its id is a version 4 UUID, as the document's.
    pub(crate) fn create_session(
        &self,
        client_id: &str,
        callback: Option<Url>,
        goto: Option<Url>,
    ) -> String {
        let id = idspec_runtime::random::uuid_v4();
        let session = Session {
            client_id: client_id.to_owned(),
            callback,
            goto,
            expires: Instant::now() + self.config.session_lifetime,
            stage: Stage::Open,
            body: None,
            delivery: None,
        };
        self.store().sessions.insert(id.clone(), session);
        id
    }

    /// Makes `session_id` expire now; whether it exists.
    pub(crate) fn expire(&self, session_id: &str) -> bool {
        match self.store().sessions.get_mut(session_id) {
            Some(session) => {
                session.expires = Instant::now();
                true
            }
            None => false,
        }
    }

    /// An open session, for its start page.
    pub(crate) fn open(&self, session_id: &str) -> Result<OpenSession, SessionProblem> {
        let store = self.store();
        let session = store
            .sessions
            .get(session_id)
            .ok_or(SessionProblem::Unknown)?;
        check(session)?;
        Ok(OpenSession {
            client_id: session.client_id.clone(),
            goto: session.goto.clone(),
            expires_in: session.expires.saturating_duration_since(Instant::now()),
        })
    }

    /// Records the person's choice, once: the session's `gotoUrl`.
    fn choose(&self, session_id: &str) -> Result<Option<Url>, SessionProblem> {
        let mut store = self.store();
        let session = store
            .sessions
            .get_mut(session_id)
            .ok_or(SessionProblem::Unknown)?;
        check(session)?;
        session.stage = Stage::Chosen;
        Ok(session.goto.clone())
    }

    pub(crate) fn identity(&self, identity_id: &str) -> Option<Value> {
        self.store().identities.get(identity_id).cloned()
    }

    pub(crate) fn set_proof_padding(&self, bytes: u64) {
        self.proof_padding.store(bytes, Ordering::Relaxed);
    }

    pub(crate) fn proof_padding(&self) -> u64 {
        self.proof_padding.load(Ordering::Relaxed)
    }

    pub(crate) fn webhooks(&self) -> Vec<WebhookRecord> {
        self.store().webhooks.clone()
    }

    /// Ends `session_id` with `outcome`: the identity (when verified) and the webhook
    /// body; the callback and the body, when there is a callback to post to.
    fn finish(
        &self,
        issuer: &str,
        session_id: &str,
        outcome: &Outcome,
    ) -> Option<(Option<Url>, Value)> {
        let mut store = self.store();
        let client_id = store
            .sessions
            .get(session_id)
            .filter(|session| session.stage == Stage::Chosen)?
            .client_id
            .clone();
        let mut body = Map::new();
        body.insert("applicationId".to_owned(), client_id.into());
        body.insert(
            self.config.webhook.correlate.clone(),
            session_id.to_owned().into(),
        );
        match outcome {
            Outcome::Approve => {
                let identity_id = format!("{IDENTITY_PREFIX}{}", idspec_runtime::random::uuid_v4());
                let proof_url = format!("{issuer}{}", self.config.proof.with(&identity_id));
                body.insert("identityId".to_owned(), identity_id.clone().into());
                body.insert("proofUrl".to_owned(), proof_url.into());
                store
                    .identities
                    .insert(identity_id.clone(), identity::payload(&identity_id));
            }
            // The document's `status`: the session ended unexpectedly, and no
            // identity exists.
            Outcome::Error(status) => {
                body.insert("status".to_owned(), status.clone().into());
            }
            Outcome::NoAnswer => return None,
        }
        body.insert("timestamp".to_owned(), timestamp());
        let body = Value::Object(body);
        let session = store.sessions.get_mut(session_id)?;
        session.stage = Stage::Finished;
        session.body = Some(body.clone());
        Some((session.callback.clone(), body))
    }

    /// Marks the delivery of `session_id`'s webhook over after `attempts` attempts.
    fn delivery_over(&self, session_id: &str, attempts: u32) {
        if let Some(session) = self.store().sessions.get_mut(session_id) {
            session.delivery = Some(attempts);
        }
        self.delivered.notify_waiters();
    }
}

/// Whether `session` still waits for the person.
fn check(session: &Session) -> Result<(), SessionProblem> {
    if session.stage != Stage::Open {
        return Err(SessionProblem::Finished);
    }
    if Instant::now() >= session.expires {
        return Err(SessionProblem::Expired);
    }
    Ok(())
}

/// Seconds since the Unix epoch with a fraction, as the document's `timestamp`
/// (`1733294237.9188666`).
fn timestamp() -> Value {
    let seconds = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs_f64())
        .unwrap_or_default();
    serde_json::Number::from_f64(seconds).map_or(Value::Null, Value::Number)
}

/// The person chose `user` on `session_id`'s start page: records it once (the
/// session's `gotoUrl` is returned for the browser), and finishes the session in
/// the background after the user's delay.
pub(crate) fn choose(
    rest: &Rest,
    session_id: &str,
    user: &SandboxUser,
) -> Result<Option<Url>, SessionProblem> {
    let goto = rest.proofing.choose(session_id)?;
    tracing::info!(session_id, user = %user.login, "proofing session chosen");
    let delay = Duration::from_secs(user.delay.map_or(0, |d| d.seconds));
    let rest = rest.clone();
    let session_id = session_id.to_owned();
    let outcome = user.outcome.clone();
    tokio::spawn(async move {
        let mut closed = rest.state.closed.subscribe();
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            _ = closed.wait_for(|closed| *closed) => return,
        }
        let finished = rest
            .proofing
            .finish(&rest.state.issuer, &session_id, &outcome);
        let Some((callback, body)) = finished else {
            return;
        };
        tracing::info!(session_id, "proofing session finished");
        if let Some(callback) = callback {
            webhook::deliver(&rest, &session_id, &callback, &body).await;
        }
    });
    Ok(goto)
}
