//! The webhook endpoint: the provider reporting the end of a flow an operation
//! started. Framework-neutral: method and body in; the outcome and the HTTP response
//! out, at once (the provider waits for the answer, and retries anything but 2xx).
//!
//! An unauthenticated webhook is a claim, not a fact: anyone who knows a flow's id
//! (the user does: it is in their link) can send one. So the handler only ever
//! *completes* a flow this client started and still remembers, once; URLs in the
//! body must be on the configured hosts before the flow is touched; and the results
//! are then fetched from the provider with the client's own credentials, never
//! taken from the call.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use super::client::{RestClient, LATE_MEMORY};
use super::{FlowStart, OperationProfile, RestProvider, Webhook};
use crate::store::{now_ms, FlowStore, PendingFlow, StoreError};
use crate::values::Uuid;

/// The largest webhook body read: a webhook is a handful of ids.
pub const MAX_WEBHOOK_BODY: usize = 64 * 1024;

/// Correlation members kept in a remembered flow.
mod member {
    /// The operation that started it.
    pub const OPERATION: &str = "idspec:operation";
    /// When it expires, in milliseconds since the Unix epoch.
    pub const EXPIRES_MS: &str = "idspec:expires_ms";
    /// How a settled flow ended: `completed` or `expired`.
    pub const SETTLED: &str = "idspec:settled";
}

/// A webhook call as the web framework received it.
#[derive(Clone, Copy, Debug)]
pub struct WebhookRequest<'a> {
    method: &'a str,
    body: &'a [u8],
}

impl<'a> WebhookRequest<'a> {
    /// A call with its HTTP method and body (read at most [`MAX_WEBHOOK_BODY`]
    /// bytes of it; a longer body is refused).
    pub fn new(method: &'a str, body: &'a [u8]) -> Self {
        Self { method, body }
    }
}

/// The HTTP response to send back to the provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct WebhookResponse {
    /// The status.
    pub status: u16,
    /// Headers to set.
    pub headers: Vec<(&'static str, String)>,
    /// The body: empty, as providers expect of a 2xx.
    pub body: String,
}

impl WebhookResponse {
    fn status(status: u16) -> Self {
        Self {
            status,
            headers: Vec::new(),
            body: String::new(),
        }
    }
}

/// A flow a webhook completed: the payload, and what the client remembered.
#[derive(Debug)]
#[non_exhaustive]
pub struct Completed<W> {
    /// The call's body, typed. It says what the provider claims; fetch the results
    /// with the client's operations before acting on them.
    pub payload: W,
    /// The flow's id (the session id).
    pub flow_id: String,
    /// When the operation that started the flow succeeded.
    pub started_at: SystemTime,
}

/// Why a webhook call completed nothing and was refused.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum WebhookRejection {
    /// Not a `POST`.
    #[error("a webhook is a POST")]
    MethodNotAllowed,
    /// The body is larger than [`MAX_WEBHOOK_BODY`].
    #[error("the webhook body is too large")]
    TooLarge,
    /// The body is not the webhook's JSON.
    #[error("the webhook body is malformed: {reason}")]
    Malformed {
        /// What is wrong (never a value from the body).
        reason: String,
    },
    /// A URL member is not on the configured host it must be on: forged, or the
    /// client is configured for another environment than the provider's.
    #[error("the webhook's `{member}` is not on the configured {origin}")]
    ForeignUrl {
        /// The member.
        member: &'static str,
        /// The environment URL it must share its origin with.
        origin: &'static str,
    },
    /// The flow store could not be read; the provider retries.
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl crate::ErrorMetadata for WebhookRejection {
    fn code(&self) -> &str {
        match self {
            Self::MethodNotAllowed => "webhook_method_not_allowed",
            Self::TooLarge => "webhook_too_large",
            Self::Malformed { .. } => "webhook_malformed",
            Self::ForeignUrl { .. } => "webhook_foreign_url",
            Self::Store(error) => error.code(),
        }
    }
    fn message(&self) -> Option<&str> {
        match self {
            Self::ForeignUrl { .. } => Some(
                "nothing was fetched; if the provider's genuine calls name this host, configure its URL",
            ),
            Self::Store(error) => error.message(),
            _ => None,
        }
    }
}

/// What a webhook call did.
#[derive(Debug)]
#[non_exhaustive]
pub enum WebhookOutcome<W> {
    /// The first call about a flow this client started, within its lifetime: the
    /// flow is over. Fetch the results now.
    Completed(Completed<W>),
    /// A call about a flow whose lifetime had passed: the flow is over, as expired.
    Expired(Completed<W>),
    /// A repeat of a call already handled (a provider retry after a lost answer,
    /// or a replay): nothing was done again.
    Duplicate {
        /// The flow's id.
        flow_id: String,
    },
    /// A call about a flow this client does not know: never started here, forgotten
    /// long ago, or forged. Nothing was done.
    UnknownFlow {
        /// The flow's id, as the call gave it.
        flow_id: String,
    },
    /// The call was refused before any flow was looked at.
    Rejected(WebhookRejection),
}

/// A handled webhook call: what it did, and the response to send.
#[derive(Debug)]
pub struct WebhookHandled<W> {
    /// What the call did.
    pub outcome: WebhookOutcome<W>,
    /// The HTTP response to answer with.
    pub response: WebhookResponse,
}

impl<W> WebhookHandled<W> {
    // 2xx for everything that was well-formed, whatever it meant to us: a non-2xx
    // makes the provider call again, which helps nothing, and a uniform answer tells
    // a forger nothing about which flows exist.
    fn accepted(outcome: WebhookOutcome<W>) -> Self {
        Self {
            outcome,
            response: WebhookResponse::status(204),
        }
    }

    fn rejected(rejection: WebhookRejection) -> Self {
        let response = match &rejection {
            WebhookRejection::MethodNotAllowed => WebhookResponse {
                headers: vec![("allow", "POST".to_owned())],
                ..WebhookResponse::status(405)
            },
            WebhookRejection::TooLarge => WebhookResponse::status(413),
            WebhookRejection::Malformed { .. } | WebhookRejection::ForeignUrl { .. } => {
                WebhookResponse::status(400)
            }
            // The provider's retry may find the store back.
            WebhookRejection::Store(_) => WebhookResponse::status(503),
        };
        Self {
            outcome: WebhookOutcome::Rejected(rejection),
            response,
        }
    }
}

impl<P: RestProvider> RestClient<P> {
    /// Handles a call of webhook `W`: checks it, completes its flow once, and says
    /// what to answer. Returns at once; do the work the outcome calls for (fetching
    /// the results) after answering, or the provider may time out and call again.
    pub async fn handle_webhook<W: Webhook<Provider = P>>(
        &self,
        request: WebhookRequest<'_>,
    ) -> WebhookHandled<W> {
        let handled = self.handle::<W>(request).await;
        match &handled.outcome {
            WebhookOutcome::Rejected(rejection) => {
                tracing::info!(webhook = W::PROFILE.name, code = %crate::ErrorMetadata::code(rejection), "webhook refused")
            }
            WebhookOutcome::UnknownFlow { .. } => {
                tracing::info!(webhook = W::PROFILE.name, "webhook for an unknown flow")
            }
            _ => tracing::debug!(webhook = W::PROFILE.name, "webhook handled"),
        }
        handled
    }

    async fn handle<W: Webhook<Provider = P>>(
        &self,
        request: WebhookRequest<'_>,
    ) -> WebhookHandled<W> {
        let profile = W::PROFILE;
        if !request.method.eq_ignore_ascii_case("POST") {
            return WebhookHandled::rejected(WebhookRejection::MethodNotAllowed);
        }
        if request.body.len() > MAX_WEBHOOK_BODY {
            return WebhookHandled::rejected(WebhookRejection::TooLarge);
        }
        let malformed = |reason: &str| {
            WebhookHandled::rejected(WebhookRejection::Malformed {
                reason: reason.to_owned(),
            })
        };
        let Ok(serde_json::Value::Object(members)) = serde_json::from_slice(request.body) else {
            return malformed("not a JSON object");
        };
        for (member, origin) in profile.same_origin {
            let Some(value) = members.get(*member).filter(|v| !v.is_null()) else {
                continue;
            };
            let Some(text) = value.as_str() else {
                return malformed("a URL member is not text");
            };
            let on_origin = url::Url::parse(text).is_ok_and(|url| self.same_origin(origin, &url));
            if !on_origin {
                return WebhookHandled::rejected(WebhookRejection::ForeignUrl { member, origin });
            }
        }
        let Some(flow_id) = members.get(profile.correlate).and_then(|v| v.as_str()) else {
            return malformed("the flow's id is missing");
        };
        let flow_id = normalized(flow_id);
        // The category of the problem only: serde's message can quote the body.
        let payload: W = match serde_json::from_value(serde_json::Value::Object(members)) {
            Ok(payload) => payload,
            Err(error) => {
                return malformed(&format!(
                    "not the webhook's payload ({:?} error)",
                    error.classify()
                ))
            }
        };
        let store = self.inner.store.as_ref();
        let key = flow_key(P::PROFILE.id, &flow_id);
        let settled = settled_key(P::PROFILE.id, &flow_id);
        let flow = match store.take(&key).await {
            Ok(Some(flow)) => flow,
            Ok(None) => return after_the_flow(store, &settled, flow_id).await,
            Err(error) => return WebhookHandled::rejected(WebhookRejection::Store(error)),
        };
        let expires_ms = flow
            .correlation
            .get(member::EXPIRES_MS)
            .and_then(|ms| ms.parse::<u64>().ok())
            .unwrap_or(0);
        let expired = now_ms() > expires_ms;
        let started_at = UNIX_EPOCH + Duration::from_secs(flow.started_at);
        let how = if expired { "expired" } else { "completed" };
        let memory = Duration::from_millis(expires_ms.saturating_sub(now_ms())) + LATE_MEMORY;
        crate::store::settle(store, &settled, flow, member::SETTLED, how, memory).await;
        let completed = Completed {
            payload,
            flow_id,
            started_at,
        };
        WebhookHandled::accepted(if expired {
            WebhookOutcome::Expired(completed)
        } else {
            WebhookOutcome::Completed(completed)
        })
    }
}

/// A call without a pending flow: a repeat, or about a flow never started here.
async fn after_the_flow<W>(
    store: &dyn FlowStore,
    settled: &str,
    flow_id: String,
) -> WebhookHandled<W> {
    match store.take(settled).await {
        Ok(Some(flow)) => {
            let how = flow.correlation.get(member::SETTLED).cloned();
            let memory = LATE_MEMORY;
            crate::store::settle(
                store,
                settled,
                flow,
                member::SETTLED,
                how.as_deref().unwrap_or("completed"),
                memory,
            )
            .await;
            WebhookHandled::accepted(WebhookOutcome::Duplicate { flow_id })
        }
        Ok(None) => WebhookHandled::accepted(WebhookOutcome::UnknownFlow { flow_id }),
        Err(error) => WebhookHandled::rejected(WebhookRejection::Store(error)),
    }
}

/// Remembers the flow `operation` started, until its webhook or its expiry (and a
/// while after, to tell a late call from a forged one).
pub(super) async fn remember_flow<P: RestProvider>(
    client: &RestClient<P>,
    operation: &'static OperationProfile,
    start: &'static FlowStart,
    id: &str,
) -> Result<(), StoreError> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default();
    let lifetime = client
        .inner
        .flow_lifetime
        .map_or(start.expires, |own| own.min(start.expires));
    let expires_ms = u64::try_from((now + lifetime).as_millis()).unwrap_or(u64::MAX);
    let flow = PendingFlow {
        redirect_uri: String::new(),
        nonce: None,
        pkce_verifier: None,
        scope: String::new(),
        started_at: now.as_secs(),
        correlation: [
            (member::OPERATION.to_owned(), operation.name.to_owned()),
            (member::EXPIRES_MS.to_owned(), expires_ms.to_string()),
        ]
        .into_iter()
        .collect(),
    };
    let id = normalized(id);
    client
        .inner
        .store
        .put(&flow_key(P::PROFILE.id, &id), flow, lifetime + LATE_MEMORY)
        .await
}

/// A flow id as keyed: UUIDs in lowercase, since their case carries no meaning.
fn normalized(id: &str) -> String {
    Uuid::parse(id).map_or_else(|_| id.to_owned(), |uuid| uuid.as_str().to_owned())
}

// Keyed by a digest: a flow id can be anything the provider chooses, and store keys
// should not carry it.
fn flow_key(provider: &str, id: &str) -> String {
    format!("idspec:{provider}:flow:{}", digest(id))
}

fn settled_key(provider: &str, id: &str) -> String {
    format!("idspec:{provider}:flow-settled:{}", digest(id))
}

fn digest(id: &str) -> String {
    crate::store::hex_sha256(id)
}
