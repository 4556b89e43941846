//! Where pending authorizations wait for their callback.
//!
//! A flow is started in one request and completed in another, possibly on another
//! instance; everything needed to complete it (nonce, PKCE verifier, redirect URI,
//! ...) goes through a [`FlowStore`]. Entries are single-use: [`FlowStore::take`]
//! removes what it returns, so a replayed callback finds nothing.
//!
//! * [`MemoryFlowStore`]: in the process; right for a single instance.
//! * `RedisFlowStore` (cargo feature `redis`): shared by every instance behind a
//!   load balancer, so a callback may land on any of them.
//! * [`codec`]: the versioned byte encoding of a [`PendingFlow`], for stores that
//!   keep bytes (the Redis store uses it).
//! * [`conformance`]: the behaviour every store must have, as one test suite that
//!   the stores of this crate pass and that a store of your own can run.

use std::collections::HashMap;
use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use serde::{Deserialize, Serialize};

use crate::secret::{Nonce, PkceVerifier};

pub mod codec;
pub mod conformance;
mod memory;
#[cfg(feature = "redis")]
mod redis;

pub use memory::MemoryFlowStore;
#[cfg(feature = "redis")]
pub use redis::{RedisFlowStore, RedisFlowStoreBuilder};

/// Everything the callback needs to complete one authorization.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingFlow {
    /// The redirect URI the authorization request used; the token request repeats it.
    pub redirect_uri: String,
    /// The nonce the ID token must carry.
    pub nonce: Option<Nonce>,
    /// The PKCE verifier, when PKCE was used.
    pub pkce_verifier: Option<PkceVerifier>,
    /// The scopes requested, space-separated as sent.
    pub scope: String,
    /// Seconds since the Unix epoch when the flow started (for `auth_time` checks and expiry).
    pub started_at: u64,
    /// Provider-specific correlation values (auth_req_id, correlation_id, session ids).
    #[serde(default)]
    pub correlation: HashMap<String, String>,
}

/// What kind of failure a [`StoreError`] is, and so whether retrying makes sense.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// The store cannot be reached or cannot serve right now (connection refused or
    /// dropped, server loading, failing over, out of memory). Retryable.
    Unavailable,
    /// The store did not answer within its time bound. Retryable.
    Timeout,
    /// The store refuses the operation because of how it is set up (a bad URL,
    /// authentication or permissions, a server too old for a command). Not retryable:
    /// fix the configuration.
    Misconfigured,
    /// A flow is already stored under the key. States are unpredictable 256-bit
    /// values, so this means a broken random source or two writers sharing keys; the
    /// stored flow is left as it was. Not retryable.
    Conflict,
    /// What the store holds under the key is not a pending flow (damaged, or written by
    /// something else). The entry is gone; the login must restart. Not retryable.
    Corrupt,
    /// The entry was written in a format version this release does not know (by a
    /// newer release). The entry is gone; the login must restart. Not retryable.
    UnsupportedVersion,
    /// Any other failure of a store of your own. Not retryable.
    Other,
}

impl StoreErrorKind {
    /// Whether the same call may succeed if made again later.
    pub fn retryable(self) -> bool {
        matches!(self, Self::Unavailable | Self::Timeout)
    }

    /// The stable code of [`ErrorMetadata::code`](crate::ErrorMetadata::code).
    pub fn code(self) -> &'static str {
        match self {
            Self::Unavailable => "flow_store_unavailable",
            Self::Timeout => "flow_store_timeout",
            Self::Misconfigured => "flow_store_misconfigured",
            Self::Conflict => "flow_store_conflict",
            Self::Corrupt => "flow_store_corrupt",
            Self::UnsupportedVersion => "flow_store_unsupported_version",
            Self::Other => "flow_store_failed",
        }
    }

    fn summary(self) -> &'static str {
        match self {
            Self::Unavailable => "the flow store is unavailable",
            Self::Timeout => "the flow store did not answer in time",
            Self::Misconfigured => "the flow store refused the operation",
            Self::Conflict => "a pending flow is already stored under this key",
            Self::Corrupt => "the flow store holds something that is not a pending flow",
            Self::UnsupportedVersion => "the pending flow was stored in an unknown format",
            Self::Other => "the flow store failed",
        }
    }
}

/// A flow-store failure: its [`kind`](StoreError::kind) says whether a retry makes
/// sense ([`retryable`](StoreError::retryable)).
///
/// The message never contains a key, a stored value or anything else a store
/// returned verbatim: keys are `state` values, and values hold the nonce and the PKCE
/// verifier.
#[derive(Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct StoreError {
    kind: StoreErrorKind,
    message: String,
}

impl StoreError {
    /// A failure of `kind`; `detail` says what happened and must not contain a key or
    /// a stored value.
    pub fn new(kind: StoreErrorKind, detail: impl fmt::Display) -> Self {
        Self {
            kind,
            message: format!("{}: {detail}", kind.summary()),
        }
    }

    /// The store did not answer within `bound`.
    pub fn timeout(bound: Duration) -> Self {
        Self::new(
            StoreErrorKind::Timeout,
            format_args!("no answer within {} ms; retry later", bound.as_millis()),
        )
    }

    /// What kind of failure this is.
    pub fn kind(&self) -> StoreErrorKind {
        self.kind
    }

    /// Whether the same call may succeed if made again later (the store was
    /// unavailable or slow). A retried [`take`](FlowStore::take) may still find
    /// nothing: a store that timed out may have removed the flow before its answer was
    /// lost, and a flow is never handed out twice.
    pub fn retryable(&self) -> bool {
        self.kind.retryable()
    }
}

impl fmt::Debug for StoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoreError")
            .field("kind", &self.kind)
            .field("message", &self.message)
            .finish()
    }
}

impl crate::ErrorMetadata for StoreError {
    fn code(&self) -> &str {
        self.kind.code()
    }
    fn message(&self) -> Option<&str> {
        Some(&self.message)
    }
}

/// A boxed future, so that [`FlowStore`] stays object safe.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Storage for pending flows, keyed by an unguessable key (the `state`).
///
/// Every implementation must behave as [`conformance::behaves_as_a_flow_store`]
/// checks:
/// * [`take`](FlowStore::take) is atomic: two concurrent callbacks with the same key
///   (on one instance or on two) must not both receive the flow;
/// * [`put`](FlowStore::put) never replaces an unexpired flow: it fails with
///   [`StoreErrorKind::Conflict`] and leaves the stored flow as it was;
/// * a flow is gone once its `ttl` has passed;
/// * failures are [`StoreError`]s, never panics, and a call never waits unboundedly.
pub trait FlowStore: Send + Sync {
    /// Stores `flow` under `key` for at most `ttl`.
    fn put<'a>(&'a self, key: &'a str, flow: PendingFlow, ttl: Duration) -> StoreFuture<'a, ()>;
    /// Removes and returns the flow under `key`, unless it expired.
    fn take<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<PendingFlow>>;
}

/// The SHA-256 of `text` in hex: store keys derived from values the keys should
/// not reveal (bearer tokens, provider-chosen ids).
pub(crate) fn hex_sha256(text: &str) -> String {
    use sha2::Digest as _;
    sha2::Sha256::digest(text.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Now, in milliseconds since the Unix epoch: how deadlines are kept in flows.
pub(crate) fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
        .unwrap_or_default()
}

/// Stores what is remembered about a flow once it is over (how it ended, under the
/// `member` correlation value), for `memory`, so that a repeated callback is told
/// from a forgery. Best effort: a store failure here only makes a repeat look
/// unknown. The nonce goes: nothing settled needs it.
pub(crate) async fn settle(
    store: &dyn FlowStore,
    key: &str,
    mut flow: PendingFlow,
    member: &str,
    how: &str,
    memory: Duration,
) {
    flow.nonce = None;
    flow.pkce_verifier = None;
    flow.correlation.insert(member.to_owned(), how.to_owned());
    if let Err(error) = store.put(key, flow, memory).await {
        tracing::debug!(%error, "could not remember a settled flow");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorMetadata;

    #[test]
    fn retryable_only_when_unavailable_or_slow() {
        for kind in [StoreErrorKind::Unavailable, StoreErrorKind::Timeout] {
            assert!(StoreError::new(kind, "x").retryable(), "{kind:?}");
        }
        for kind in [
            StoreErrorKind::Misconfigured,
            StoreErrorKind::Conflict,
            StoreErrorKind::Corrupt,
            StoreErrorKind::UnsupportedVersion,
            StoreErrorKind::Other,
        ] {
            assert!(!StoreError::new(kind, "x").retryable(), "{kind:?}");
        }
    }

    #[test]
    fn metadata_and_display() {
        let error = StoreError::timeout(Duration::from_secs(2));
        assert_eq!(error.code(), "flow_store_timeout");
        assert_eq!(
            error.to_string(),
            "the flow store did not answer in time: no answer within 2000 ms; retry later"
        );
        assert_eq!(error.message(), Some(error.to_string().as_str()));
        let client_error: crate::Error = error.clone().into();
        assert_eq!(client_error.code(), "flow_store_timeout");
        assert!(matches!(client_error, crate::Error::Store(e) if e.retryable()));
    }
}
