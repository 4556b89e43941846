//! The behaviour every [`FlowStore`] must have, as one suite: the in-memory store and
//! the Redis store both pass it, and a store of your own can run it in its tests:
//!
//! ```no_run
//! # async fn example(my_store: &dyn idspec_runtime::FlowStore) {
//! idspec_runtime::store::conformance::behaves_as_a_flow_store(my_store).await;
//! # }
//! ```
//!
//! It needs a Tokio runtime with the timer (`#[tokio::test]`), takes about half a
//! second (it waits for a flow to expire), uses fresh random keys (so suites may run
//! at once against one shared store) and removes every unexpired flow it stored.

use std::collections::HashMap;
use std::future::Future;
use std::task::Poll;
use std::time::Duration;

use super::{FlowStore, PendingFlow, StoreErrorKind, StoreFuture};
use crate::secret::{Nonce, PkceVerifier};

/// How long the suite's short-lived flows live.
const SHORT_TTL: Duration = Duration::from_millis(150);
/// How long the suite waits for them to expire.
const EXPIRY_WAIT: Duration = Duration::from_millis(400);
/// The suite's other flows.
const LONG_TTL: Duration = Duration::from_secs(60);
/// Takes racing for one flow.
const RACERS: usize = 8;

/// A flow with every member set, fresh secrets included.
pub fn sample_flow() -> PendingFlow {
    PendingFlow {
        redirect_uri: "https://rp.example.test/callback?tenant=a&x=%20".into(),
        nonce: Some(Nonce::generate()),
        pkce_verifier: Some(PkceVerifier::generate()),
        scope: "openid phone mid_location".into(),
        started_at: 1_700_000_000,
        correlation: HashMap::from([
            (
                "auth_req_id".to_owned(),
                "1c266114-a1be-4252-8ad1-04986c5b9ac1".to_owned(),
            ),
            (
                "correlation_id".to_owned(),
                "é ü \"quoted\" \\ /".to_owned(),
            ),
        ]),
    }
}

/// Runs every check against `store`.
///
/// # Panics
/// On the first behaviour the store gets wrong (or any error it returns), with a
/// message saying which rule was broken.
pub async fn behaves_as_a_flow_store(store: &dyn FlowStore) {
    let run = crate::random::token();
    let key = |name: &str| format!("idspec:conformance:{run}:{name}");

    // An unknown key holds nothing.
    assert_eq!(
        take(store, &key("never-stored")).await,
        None,
        "take of a key never stored must find nothing"
    );

    // Round trip, every member kept; then the flow is gone (single use).
    let full = sample_flow();
    put(store, &key("full"), full.clone(), LONG_TTL).await;
    assert_eq!(
        take(store, &key("full")).await.as_ref(),
        Some(&full),
        "take must return the flow as it was put"
    );
    assert_eq!(
        take(store, &key("full")).await,
        None,
        "take must remove the flow: a second take finds nothing"
    );
    let bare = PendingFlow {
        nonce: None,
        pkce_verifier: None,
        correlation: HashMap::new(),
        scope: String::new(),
        ..sample_flow()
    };
    put(store, &key("bare"), bare.clone(), LONG_TTL).await;
    assert_eq!(
        take(store, &key("bare")).await,
        Some(bare),
        "optional members left out must round-trip as left out"
    );

    // Keys are independent, whatever they look like.
    let odd_keys = [
        key("a"),
        key("a:b"),
        key(&"long".repeat(100)),
        key("spaces and ünïcode"),
    ];
    let flows: Vec<PendingFlow> = odd_keys.iter().map(|_| sample_flow()).collect();
    for (k, flow) in odd_keys.iter().zip(&flows) {
        put(store, k, flow.clone(), LONG_TTL).await;
    }
    for (k, flow) in odd_keys.iter().zip(&flows).rev() {
        assert_eq!(
            take(store, k).await.as_ref(),
            Some(flow),
            "each key must hold its own flow"
        );
    }

    // Never a silent overwrite.
    let first = sample_flow();
    put(store, &key("taken"), first.clone(), LONG_TTL).await;
    match store.put(&key("taken"), sample_flow(), LONG_TTL).await {
        Err(error) => {
            assert_eq!(
                error.kind(),
                StoreErrorKind::Conflict,
                "a put on a pending key must fail with Conflict, not {error}"
            );
            assert!(!error.retryable(), "a conflict is not retryable");
        }
        Ok(()) => panic!("a put on a pending key must fail, not replace the flow"),
    }
    assert_eq!(
        take(store, &key("taken")).await,
        Some(first),
        "a refused put must leave the stored flow as it was"
    );

    // Expiry: gone after its ttl, and the key may be used again; others stay.
    put(store, &key("short"), sample_flow(), SHORT_TTL).await;
    let long = sample_flow();
    put(store, &key("long"), long.clone(), LONG_TTL).await;
    tokio::time::sleep(EXPIRY_WAIT).await;
    assert_eq!(
        take(store, &key("short")).await,
        None,
        "a flow must be gone once its ttl has passed"
    );
    let again = sample_flow();
    put(store, &key("short"), again.clone(), LONG_TTL).await;
    assert_eq!(
        take(store, &key("short")).await,
        Some(again),
        "an expired key may be stored again"
    );
    assert_eq!(
        take(store, &key("long")).await,
        Some(long),
        "a flow must stay until its own ttl has passed"
    );

    // Concurrent takes of one flow: exactly one gets it.
    for round in 0..5 {
        let k = key(&format!("race-{round}"));
        let flow = sample_flow();
        put(store, &k, flow.clone(), LONG_TTL).await;
        let racers: Vec<StoreFuture<'_, Option<PendingFlow>>> =
            (0..RACERS).map(|_| store.take(&k)).collect();
        let mut winners = Vec::new();
        for outcome in join_all(racers).await {
            match outcome {
                Ok(Some(won)) => winners.push(won),
                Ok(None) => {}
                Err(error) => panic!("a concurrent take failed: {error}"),
            }
        }
        assert_eq!(
            winners,
            vec![flow],
            "exactly one of {RACERS} concurrent takes must get the flow"
        );
    }
}

async fn put(store: &dyn FlowStore, key: &str, flow: PendingFlow, ttl: Duration) {
    if let Err(error) = store.put(key, flow, ttl).await {
        panic!("put failed: {error}");
    }
}

async fn take(store: &dyn FlowStore, key: &str) -> Option<PendingFlow> {
    store
        .take(key)
        .await
        .unwrap_or_else(|error| panic!("take failed: {error}"))
}

/// Polls every future until all are done (futures::future::join_all, without the
/// dependency).
async fn join_all<F: Future + Unpin>(futures: Vec<F>) -> Vec<F::Output> {
    let mut slots: Vec<(F, Option<F::Output>)> = futures.into_iter().map(|f| (f, None)).collect();
    std::future::poll_fn(|cx| {
        let mut pending = false;
        for (future, output) in &mut slots {
            if output.is_none() {
                match std::pin::Pin::new(future).poll(cx) {
                    Poll::Ready(value) => *output = Some(value),
                    Poll::Pending => pending = true,
                }
            }
        }
        if pending {
            Poll::Pending
        } else {
            Poll::Ready(())
        }
    })
    .await;
    slots.into_iter().filter_map(|(_, output)| output).collect()
}
