//! Server-initiated backchannel authentication: the relying party posts a signed
//! request naming the user, the provider asks the user on their device, and calls
//! the relying party back (the notification) when the user has answered.
//!
//! * [`Client::initiate`](super::Client::initiate) sends the request and stores the
//!   pending flow, keyed by a hash of the notification's bearer token.
//! * [`Client::handle_notification`](super::Client::handle_notification) is the
//!   notification endpoint, independent of any web framework: it authenticates the
//!   call, completes the flow once and says what to answer.
//! * [`PendingIdentification::outcome`] waits in the process that started the flow.
//!
//! The flow is stored under the token's SHA-256, not under the correlation id: a
//! caller without the token finds nothing to take, so a forged notification can
//! neither complete nor cancel someone else's flow, and the lookup reveals nothing
//! about the token through its timing.

mod initiate;
mod notification;

use std::any::Any;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::Duration;

use url::Url;

use crate::config::ConfigError;
use crate::http::HttpClient;
use crate::params::AuthorizationParams;
use crate::profile::BackchannelProfile;

pub use initiate::PendingIdentification;
pub use notification::{
    Identification, NotificationOutcome, NotificationRejection, NotificationRequest,
    NotificationResponse, Notified, MAX_NOTIFICATION_BODY,
};

/// The parameters of a backchannel authentication request, as the generated
/// `BackchannelRequest` builders collect them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct BackchannelParams(AuthorizationParams);

impl BackchannelParams {
    /// No scopes and no parameters.
    pub fn new() -> Self {
        Self::default()
    }

    /// The scopes and parameters, mutably.
    pub fn params_mut(&mut self) -> &mut AuthorizationParams {
        &mut self.0
    }

    /// The scopes and parameters.
    pub fn params(&self) -> &AuthorizationParams {
        &self.0
    }
}

/// Why a backchannel authentication did not complete, beyond what the provider
/// reported.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BackchannelError {
    /// No notification arrived within the wait (the provider's timeout plus its
    /// grace period, unless configured otherwise). The pending flow is removed; a
    /// notification arriving later completes nothing.
    #[error("no notification arrived within {} s; the identification is abandoned", .after.as_secs())]
    TimedOut {
        /// How long it waited.
        after: Duration,
    },
    /// The notification for this flow was taken by another process (another
    /// instance behind the same load balancer and flow store): its outcome is there.
    #[error("the notification was handled by another process")]
    HandledElsewhere,
    /// An authenticated notification names another request than the pending flow's.
    #[error("the notification's {member} does not match the pending request's")]
    Mismatch {
        /// The member that differs.
        member: &'static str,
    },
    /// An authenticated notification that is not what the protocol says.
    #[error("the notification is malformed: {reason}")]
    MalformedNotification {
        /// What is wrong.
        reason: &'static str,
    },
    /// The provider's answer to the request has no request id.
    #[error("the provider accepted the request without a usable {member}")]
    MissingRequestId {
        /// The member expected.
        member: &'static str,
    },
}

impl crate::ErrorMetadata for BackchannelError {
    fn code(&self) -> &str {
        match self {
            Self::TimedOut { .. } => "backchannel_timeout",
            Self::HandledElsewhere => "backchannel_handled_elsewhere",
            Self::Mismatch { .. } => "notification_mismatch",
            Self::MalformedNotification { .. } => "notification_malformed",
            Self::MissingRequestId { .. } => "backchannel_missing_request_id",
        }
    }
    fn message(&self) -> Option<&str> {
        Some(match self {
            Self::TimedOut { .. } => {
                "the user did not answer in time, or the notification was lost; start again"
            }
            Self::HandledElsewhere => "take the outcome from the process that handled it",
            Self::Mismatch { .. } | Self::MalformedNotification { .. } => {
                "the provider's notification was refused; start again, and report it if it repeats"
            }
            Self::MissingRequestId { .. } => "the provider's answer was not usable; start again",
        })
    }
}

/// Checks the notification URL (the client's redirect URI) against what the
/// provider calls: `https`, and only the documented port where there is one.
pub(super) fn check_notification_url(
    http: &HttpClient,
    profile: &BackchannelProfile,
    url: &Url,
) -> Result<(), ConfigError> {
    // The sandbox calls a relying party on the same machine over plain http.
    if http.is_loopback_sandbox(url) {
        return Ok(());
    }
    let shown = || {
        let mut shown = url.clone();
        shown.set_query(None);
        shown.set_fragment(None);
        shown.to_string()
    };
    if url.scheme() != "https" {
        return Err(ConfigError::NotificationUrl {
            url: shown(),
            reason: "the provider only calls https URLs".to_owned(),
        });
    }
    if let Some(port) = profile.require_https_port {
        if url.port_or_known_default() != Some(port) {
            return Err(ConfigError::NotificationUrl {
                url: shown(),
                reason: format!("the provider only calls https on port {port}"),
            });
        }
    }
    Ok(())
}

/// The store key of the flow a notification bearing `token` completes.
fn flow_key(provider: &str, token: &str) -> String {
    format!("idspec:{provider}:notification:{}", token_digest(token))
}

/// The store key of what is remembered about a flow once it is over, so that a
/// repeated notification is recognised.
fn settled_key(provider: &str, token: &str) -> String {
    format!("idspec:{provider}:notified:{}", token_digest(token))
}

fn token_digest(token: &str) -> String {
    crate::store::hex_sha256(token)
}

/// Correlation members the runtime keeps in a pending flow besides the provider's.
mod member {
    /// The SHA-256 of the notification token, compared in constant time.
    pub const TOKEN_DIGEST: &str = "idspec:token_sha256";
    /// When the wait ends, in milliseconds since the Unix epoch.
    pub const DEADLINE_MS: &str = "idspec:deadline_ms";
    /// How a settled flow ended: `completed` or `expired`.
    pub const SETTLED: &str = "idspec:settled";
    /// The relying party's transaction id.
    pub const CORRELATION_ID: &str = "idspec:correlation_id";
    /// The provider's request id.
    pub const REQUEST_ID: &str = "idspec:request_id";
}

/// The processes's waiters, by flow key: the notification handler hands the outcome
/// of a flow to the [`PendingIdentification`] waiting for it here, if any. Each
/// entry is a `oneshot::Sender` of that provider's result, and a weak handle that
/// dies with the pending identification.
#[derive(Default)]
pub(super) struct Waiters(Mutex<HashMap<String, Waiter>>);

struct Waiter {
    sender: Box<dyn Any + Send>,
    alive: std::sync::Weak<()>,
}

type Delivered<P> = crate::client::Result<Identification<P>, P>;

impl Waiters {
    /// Registers the waiter for `key`; it is gone when the returned handle is dropped.
    fn register<P: crate::client::Provider>(
        &self,
        key: String,
    ) -> (
        tokio::sync::oneshot::Receiver<Delivered<P>>,
        std::sync::Arc<()>,
    ) {
        let (sender, receiver) = tokio::sync::oneshot::channel::<Delivered<P>>();
        let alive = std::sync::Arc::new(());
        let mut waiters = self.lock();
        // Waiters whose pending identification was dropped will never take anything.
        waiters.retain(|_, waiter| waiter.alive.strong_count() > 0);
        waiters.insert(
            key,
            Waiter {
                sender: Box::new(sender),
                alive: std::sync::Arc::downgrade(&alive),
            },
        );
        (receiver, alive)
    }

    /// Hands `result` to the waiter for `key`; gives it back when there is none.
    fn deliver<P: crate::client::Provider>(
        &self,
        key: &str,
        result: Delivered<P>,
    ) -> Option<Delivered<P>> {
        let waiter = self.lock().remove(key);
        match waiter.and_then(|w| {
            w.sender
                .downcast::<tokio::sync::oneshot::Sender<Delivered<P>>>()
                .ok()
        }) {
            Some(sender) => sender.send(result).err(),
            None => Some(result),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Waiter>> {
        self.0
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

use crate::store::now_ms;

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::NotificationDelivery;

    const IMID_LIKE: BackchannelProfile = BackchannelProfile {
        response_type: "mc_si_async_code",
        request_id: "auth_req_id",
        correlation_id: Some("correlation_id"),
        bearer: "client_notification_token",
        uri: "notification_uri",
        correlate: &["auth_req_id", "correlation_id"],
        require_https_port: Some(443),
        delivery: NotificationDelivery::Code,
        timeout: Duration::from_secs(300),
        device_timeout: Some(Duration::from_secs(120)),
        grace: Duration::from_secs(60),
    };

    fn check(url: &str, loopback: bool) -> Result<(), ConfigError> {
        let http = HttpClient::builder()
            .allow_loopback_http(loopback)
            .build()
            .unwrap();
        check_notification_url(&http, &IMID_LIKE, &Url::parse(url).unwrap())
    }

    #[test]
    fn the_notification_url_is_https_on_the_documented_port() {
        check("https://rp.example.am/imid/callback", false).unwrap();
        check("https://rp.example.am:443/imid/callback", false).unwrap();
        let error = check("https://rp.example.am:8443/imid/callback?x=secret", false).unwrap_err();
        assert_eq!(
            error.to_string(),
            "the notification URL https://rp.example.am:8443/imid/callback is refused: the provider only calls https on port 443"
        );
        let error = check("http://rp.example.am/imid/callback", false).unwrap_err();
        assert!(
            error.to_string().contains("only calls https URLs"),
            "{error}"
        );
        // Plain http only on loopback, and only with the sandbox opt-in.
        check("http://127.0.0.1:8080/callback", true).unwrap();
        assert!(check("http://127.0.0.1:8080/callback", false).is_err());
        assert!(check("http://rp.example.am:8080/callback", true).is_err());
    }

    #[test]
    fn flows_are_keyed_by_the_tokens_digest_only() {
        let key = flow_key("imid", "2f1c1a8e-7d0b-4c5e-9a43-7f1b2c3d4e5f");
        assert!(key.starts_with("idspec:imid:notification:"));
        assert!(!key.contains("2f1c1a8e"));
        assert_ne!(key, flow_key("imid", "another token"));
        assert_ne!(
            settled_key("imid", "t")["idspec:imid:".len()..],
            flow_key("imid", "t")["idspec:imid:".len()..]
        );
    }
}
