//! What a pending login costs while the user is away at the provider: memory per
//! pending flow in the in-memory store with 100,000 of them pending, and the time
//! to store and take one at that size.
//!
//! - `idspec`: `MemoryFlowStore` holding what `Client::start` stores (redirect
//!   URI, nonce, PKCE verifier, scope, start time, expiry), keyed by the state.
//! - `openidconnect-rs`: what a service using openidconnect-rs keeps itself, the
//!   least it can (the nonce and PKCE verifier in a `HashMap` keyed by the CSRF
//!   state), behind a mutex as a server shares it.
//! - `limit`: the bytes of the secrets alone (state, nonce and verifier, 43
//!   characters each), with no map, no expiry and no redirect URI.
//!
//! Memory is counted twice: the bytes requested from the allocator (a counting
//! global allocator; exact, but blind to the allocator's own rounding and
//! headers) and the growth of the resident set (what the machine pays).

use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::HashMap;
use std::hint::black_box;
use std::sync::atomic::{AtomicIsize, Ordering};
use std::sync::Mutex;
use std::time::Duration;

use criterion::{BatchSize, Criterion};
use idspec_bench::{record, Figure, IDSPEC};
use idspec_runtime::secret::{Nonce, PkceVerifier, State};
use idspec_runtime::store::{FlowStore, MemoryFlowStore, PendingFlow};
use openidconnect::{CsrfToken, PkceCodeChallenge};

/// The pending flows held while measuring.
const PENDING: usize = 100_000;

/// How long a pending flow lives (the runtime's default).
const TTL: Duration = Duration::from_secs(600);

/// Counts the bytes live on the heap: every allocation of every thread, which is
/// why the measurements run on one thread with nothing else going on.
struct Counting;

static LIVE: AtomicIsize = AtomicIsize::new(0);

// SAFETY: every call is forwarded unchanged to `System`; only a counter is added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        System.alloc(layout)
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size() as isize, Ordering::Relaxed);
        System.dealloc(ptr, layout)
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        LIVE.fetch_add(layout.size() as isize, Ordering::Relaxed);
        System.alloc_zeroed(layout)
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        LIVE.fetch_add(
            new_size as isize - layout.size() as isize,
            Ordering::Relaxed,
        );
        System.realloc(ptr, layout, new_size)
    }
}

#[global_allocator]
static ALLOCATOR: Counting = Counting;

/// What `Client::start` stores for a front-channel login.
fn pending_flow() -> PendingFlow {
    PendingFlow {
        redirect_uri: "https://rp.example.test/callback".to_owned(),
        nonce: Some(Nonce::generate()),
        pkce_verifier: Some(PkceVerifier::generate()),
        scope: "openid profile email".to_owned(),
        started_at: 1_790_000_000,
        correlation: HashMap::new(),
    }
}

/// What a service using openidconnect-rs keeps per login, keyed by the state.
type PeerStore = Mutex<HashMap<String, (openidconnect::Nonce, openidconnect::PkceCodeVerifier)>>;

fn peer_flow() -> (
    String,
    (openidconnect::Nonce, openidconnect::PkceCodeVerifier),
) {
    let (_, verifier) = PkceCodeChallenge::new_random_sha256();
    (
        CsrfToken::new_random().secret().clone(),
        (openidconnect::Nonce::new_random(), verifier),
    )
}

/// The store's futures never wait (no I/O), so one poll finishes them.
fn ready<T>(future: impl std::future::Future<Output = T>) -> T {
    let mut future = std::pin::pin!(future);
    let mut context = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut context) {
        std::task::Poll::Ready(value) => value,
        std::task::Poll::Pending => unreachable!("the in-memory store never waits"),
    }
}

fn fill_idspec(store: &MemoryFlowStore, count: usize) {
    for _ in 0..count {
        let state = State::generate();
        ready(store.put(state.secret(), pending_flow(), TTL)).expect("a fresh state is free");
    }
}

fn fill_peer(store: &PeerStore, count: usize) {
    let mut map = store.lock().expect("not poisoned");
    for _ in 0..count {
        let (state, secrets) = peer_flow();
        map.insert(state, secrets);
    }
}

/// The resident set, in bytes.
fn resident() -> usize {
    let statm = std::fs::read_to_string("/proc/self/statm").unwrap_or_default();
    let pages: usize = statm
        .split_whitespace()
        .nth(1)
        .and_then(|p| p.parse().ok())
        .unwrap_or(0);
    pages * 4096
}

/// Bytes requested and resident-set growth per flow while `fill` runs; what `fill`
/// returns is kept alive until both are read.
fn per_flow<T>(fill: impl FnOnce() -> T) -> (f64, f64, T) {
    let (live, rss) = (LIVE.load(Ordering::Relaxed), resident());
    let kept = fill();
    let requested = (LIVE.load(Ordering::Relaxed) - live) as f64 / PENDING as f64;
    let grown = resident().saturating_sub(rss) as f64 / PENDING as f64;
    (requested, grown, kept)
}

fn memory() {
    // The peer first: the allocator reuses what an earlier measurement freed,
    // which would hide idspec's growth of the resident set if it ran second.
    let (peer_requested, peer_rss, peer) = per_flow(|| {
        let store = PeerStore::default();
        fill_peer(&store, PENDING);
        store
    });
    let (requested, rss, store) = per_flow(|| {
        let store = MemoryFlowStore::new();
        fill_idspec(&store, PENDING);
        store
    });
    assert_eq!(store.len(), PENDING, "every flow is pending");
    assert_eq!(peer.lock().expect("not poisoned").len(), PENDING);
    let limit = (State::generate().secret().len()
        + Nonce::generate().secret().len()
        + PkceVerifier::generate().secret().len()) as f64;
    let note = format!(
        "{PENDING} flows pending at once. Requested: the bytes asked of the allocator per \
         flow (exact; the table's spare capacity included). Resident: growth of the \
         process's resident set per flow (the allocator's rounding and headers \
         included). idspec also keeps what the callback checks and the peer leaves to \
         the service: the redirect URI, the scope, the start time and the expiry."
    );
    record(
        "pending flow memory",
        &[
            Figure::new(IDSPEC, requested, "bytes/flow requested"),
            Figure::new("idspec (resident)", rss, "bytes/flow resident"),
            Figure::new("openidconnect-rs", peer_requested, "bytes/flow requested"),
            Figure::new(
                "openidconnect-rs (resident)",
                peer_rss,
                "bytes/flow resident",
            ),
            Figure::new("limit: the three secrets", limit, "bytes/flow"),
        ],
        &note,
    )
    .expect("the results directory is writable");
}

/// Storing one flow and taking it back (a login's start and callback) while
/// 100,000 others are pending.
fn put_and_take(c: &mut Criterion) {
    let mut group = c.benchmark_group(format!("pending flow put and take ({PENDING} pending)"));
    let store = MemoryFlowStore::new();
    fill_idspec(&store, PENDING);
    group.bench_function(IDSPEC, |b| {
        b.iter_batched(
            || (State::generate(), pending_flow()),
            |(state, flow)| {
                ready(store.put(state.secret(), flow, TTL)).expect("a fresh state is free");
                black_box(ready(store.take(state.secret())).expect("in memory"))
            },
            BatchSize::SmallInput,
        )
    });
    let peer = PeerStore::default();
    fill_peer(&peer, PENDING);
    group.bench_function("openidconnect-rs", |b| {
        b.iter_batched(
            peer_flow,
            |(state, secrets)| {
                peer.lock()
                    .expect("not poisoned")
                    .insert(state.clone(), secrets);
                black_box(peer.lock().expect("not poisoned").remove(&state))
            },
            BatchSize::SmallInput,
        )
    });
    group.finish();
}

fn main() {
    memory();
    let mut criterion = Criterion::default()
        .sample_size(50)
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    put_and_take(&mut criterion);
    criterion.final_summary();
}
