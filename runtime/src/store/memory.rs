//! The in-process store.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{FlowStore, PendingFlow, StoreError, StoreErrorKind, StoreFuture};

/// An in-process [`FlowStore`] with expiry. Right for a single instance; use a shared
/// store (`RedisFlowStore`, cargo feature `redis`) when callbacks may land on another
/// instance.
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
            if entries.contains_key(key) {
                return Err(StoreError::new(
                    StoreErrorKind::Conflict,
                    "the stored flow was kept",
                ));
            }
            // A ttl too large for an Instant keeps the flow until the process ends.
            let deadline = now
                .checked_add(ttl)
                .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600));
            entries.insert(key.to_owned(), (deadline, flow));
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

    #[tokio::test]
    async fn behaves_as_a_flow_store() {
        let store = MemoryFlowStore::new();
        super::super::conformance::behaves_as_a_flow_store(&store).await;
        assert!(store.is_empty(), "the suite leaves nothing behind");
    }

    #[tokio::test]
    async fn len_counts_unexpired_flows() {
        let store = MemoryFlowStore::new();
        let flow = super::super::conformance::sample_flow();
        store
            .put("a", flow.clone(), Duration::from_secs(60))
            .await
            .unwrap();
        store
            .put("b", flow, Duration::from_millis(1))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        assert_eq!(store.len(), 1);
    }

    #[tokio::test]
    async fn a_huge_ttl_does_not_panic() {
        let store = MemoryFlowStore::new();
        let flow = super::super::conformance::sample_flow();
        store.put("k", flow.clone(), Duration::MAX).await.unwrap();
        assert_eq!(store.take("k").await.unwrap(), Some(flow));
    }
}
