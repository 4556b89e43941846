//! The in-process store.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use super::{FlowStore, PendingFlow, StoreError, StoreErrorKind, StoreFuture};

/// How long expired flows may linger at most before a write sweeps them out.
const SWEEP_INTERVAL: Duration = Duration::from_secs(60);

/// The smallest size at which growth alone triggers a sweep.
const MIN_SWEEP_LEN: usize = 1024;

/// An in-process [`FlowStore`] with expiry. Right for a single instance; use a shared
/// store (`RedisFlowStore`, cargo feature `redis`) when callbacks may land on another
/// instance.
///
/// Expired flows are never returned. They are swept out on a write once the map has
/// doubled since the last sweep or a minute has passed, so abandoned logins cannot
/// accumulate without bound, and a write costs O(1) amortized however many flows
/// are pending (a sweep on every write cost O(n) each: 100,000 pending logins made
/// every start scan 100,000 entries).
#[derive(Debug, Default)]
pub struct MemoryFlowStore {
    entries: Mutex<Entries>,
}

#[derive(Debug, Default)]
struct Entries {
    flows: HashMap<String, (Instant, PendingFlow)>,
    /// The size at which the next write sweeps.
    sweep_at_len: usize,
    /// The time after which the next write sweeps; `None` before the first write.
    sweep_after: Option<Instant>,
}

impl Entries {
    fn sweep_if_due(&mut self, now: Instant) {
        let due = self.flows.len() >= self.sweep_at_len
            || self.sweep_after.is_none_or(|after| now >= after);
        if !due {
            return;
        }
        self.flows.retain(|_, (deadline, _)| *deadline > now);
        self.sweep_at_len = (self.flows.len() * 2).max(MIN_SWEEP_LEN);
        self.sweep_after = Some(now + SWEEP_INTERVAL);
    }
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
            .flows
            .values()
            .filter(|(deadline, _)| *deadline > now)
            .count()
    }

    /// Whether no unexpired flow is pending.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Entries> {
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
            entries.sweep_if_due(now);
            // A ttl too large for an Instant keeps the flow until the process ends.
            let deadline = now
                .checked_add(ttl)
                .unwrap_or_else(|| now + Duration::from_secs(100 * 365 * 24 * 3600));
            // One lookup: the key is hashed once. An expired flow under the key may
            // not have been swept yet; it is replaced, as if it were gone.
            match entries.flows.entry(key.to_owned()) {
                Entry::Occupied(held) if held.get().0 > now => {
                    return Err(StoreError::new(
                        StoreErrorKind::Conflict,
                        "the stored flow was kept",
                    ));
                }
                Entry::Occupied(mut expired) => {
                    expired.insert((deadline, flow));
                }
                Entry::Vacant(free) => {
                    free.insert((deadline, flow));
                }
            }
            Ok(())
        })
    }

    fn take<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<PendingFlow>> {
        Box::pin(async move {
            let removed = self.lock().flows.remove(key);
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
    async fn expired_flows_are_swept_once_the_map_has_doubled() {
        let store = MemoryFlowStore::new();
        let flow = super::super::conformance::sample_flow();
        for i in 0..MIN_SWEEP_LEN {
            store
                .put(
                    &format!("short-{i}"),
                    flow.clone(),
                    Duration::from_millis(1),
                )
                .await
                .unwrap();
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
        // Kept until a sweep is due: expiry is checked on every read regardless.
        assert_eq!(store.lock().flows.len(), MIN_SWEEP_LEN);
        assert!(store.is_empty());
        store
            .put("live", flow.clone(), Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(
            store.lock().flows.len(),
            1,
            "the write that reached the bound swept"
        );
        assert_eq!(store.take("live").await.unwrap(), Some(flow));
    }

    #[tokio::test]
    async fn an_expired_flow_does_not_block_its_key() {
        let store = MemoryFlowStore::new();
        let flow = super::super::conformance::sample_flow();
        store
            .put("k", flow.clone(), Duration::from_millis(1))
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(5)).await;
        let mut renewed = flow;
        renewed.scope = "openid renewed".into();
        store
            .put("k", renewed.clone(), Duration::from_secs(60))
            .await
            .unwrap();
        assert_eq!(store.take("k").await.unwrap(), Some(renewed));
    }

    #[tokio::test]
    async fn a_huge_ttl_does_not_panic() {
        let store = MemoryFlowStore::new();
        let flow = super::super::conformance::sample_flow();
        store.put("k", flow.clone(), Duration::MAX).await.unwrap();
        assert_eq!(store.take("k").await.unwrap(), Some(flow));
    }
}
