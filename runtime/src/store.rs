//! Where pending authorizations wait for their callback.
//!
//! A flow is started in one request and completed in another, possibly on another
//! instance; everything needed to complete it (nonce, PKCE verifier, redirect URI,
//! ...) goes through a [`FlowStore`]. Entries are single-use: [`FlowStore::take`]
//! removes what it returns, so a replayed callback finds nothing.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::secret::{Nonce, PkceVerifier};

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

/// A flow-store failure.
#[derive(Debug, thiserror::Error)]
#[error("the flow store failed: {0}")]
pub struct StoreError(pub String);

impl crate::ErrorMetadata for StoreError {
    fn code(&self) -> &str {
        "flow_store_failed"
    }
    fn message(&self) -> Option<&str> {
        Some(&self.0)
    }
}

/// A boxed future, so that [`FlowStore`] stays object safe.
pub type StoreFuture<'a, T> = Pin<Box<dyn Future<Output = Result<T, StoreError>> + Send + 'a>>;

/// Storage for pending flows, keyed by an unguessable key (the `state`).
///
/// Implementations must make [`take`](FlowStore::take) atomic: two concurrent
/// callbacks with the same key must not both receive the flow.
pub trait FlowStore: Send + Sync {
    /// Stores `flow` under `key` for at most `ttl`.
    fn put<'a>(&'a self, key: &'a str, flow: PendingFlow, ttl: Duration) -> StoreFuture<'a, ()>;
    /// Removes and returns the flow under `key`, unless it expired.
    fn take<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<PendingFlow>>;
}

/// An in-process [`FlowStore`] with expiry. Right for a single instance; use a shared
/// store when callbacks may land on another instance.
#[derive(Debug, Default)]
pub struct MemoryFlowStore {
    entries: Mutex<HashMap<String, (Instant, PendingFlow)>>,
}

impl MemoryFlowStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// How many unexpired flows are pending.
    pub fn len(&self) -> usize {
        let now = Instant::now();
        self.lock()
            .values()
            .filter(|(deadline, _)| *deadline > now)
            .count()
    }

    /// Whether no unexpired flow is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, (Instant, PendingFlow)>> {
        // A panic while holding the lock cannot leave a half-written entry behind
        // (inserts and removes are single calls), so a poisoned map is still sound.
        self.entries
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl FlowStore for MemoryFlowStore {
    fn put<'a>(&'a self, key: &'a str, flow: PendingFlow, ttl: Duration) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let now = Instant::now();
            let mut entries = self.lock();
            // Sweep on write, so abandoned flows cannot accumulate without bound.
            entries.retain(|_, (deadline, _)| *deadline > now);
            entries.insert(key.to_owned(), (now + ttl, flow));
            Ok(())
        })
    }

    fn take<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<PendingFlow>> {
        Box::pin(async move {
            let removed = self.lock().remove(key);
            Ok(removed
                .filter(|(deadline, _)| *deadline > Instant::now())
                .map(|(_, flow)| flow))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn flow() -> PendingFlow {
        PendingFlow {
            redirect_uri: "https://rp.example/cb".into(),
            nonce: Some(Nonce::generate()),
            pkce_verifier: Some(PkceVerifier::generate()),
            scope: "openid".into(),
            started_at: 0,
            correlation: HashMap::new(),
        }
    }

    #[tokio::test]
    async fn take_is_single_use() {
        let store = MemoryFlowStore::new();
        let pending = flow();
        store
            .put("k", pending.clone(), Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(store.take("k").await.unwrap(), Some(pending));
        assert_eq!(store.take("k").await.unwrap(), None);
    }

    #[tokio::test]
    async fn expired_flows_are_gone() {
        let store = MemoryFlowStore::new();
        store
            .put("k", flow(), Duration::from_millis(1))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert!(store.is_empty());
        assert_eq!(store.take("k").await.unwrap(), None);
    }
}
