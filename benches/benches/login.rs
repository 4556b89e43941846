//! A whole login against the sandbox, in process: the authorization request, the
//! person's sign-in on the sandbox's login page (scripted, `user_agent::sign_in`),
//! the code exchange, the ID token's validation and userinfo. Measured as logins
//! per second with 1 and with 64 logins in flight, for idspec's generic OpenID
//! Connect client (`specs/generic-oidc.yaml`, endpoints from discovery) on the
//! front channel (`idspec`, the same standard flow as the peer) and through PAR
//! (`idspec-par`, one round trip more), and for openidconnect-rs 4 doing the same
//! flow with the same checks (`openidconnect-rs`; see `login/relying_parties.rs`).
//!
//! Each relying party is set up once, as a service would be: discovery and the
//! JWKS are fetched once and kept, never per login. The round trips the relying
//! party makes per login are counted by the sandbox, per endpoint, over warm
//! logins, and recorded (`login round trips`) with the user agent's requests
//! beside them (`login round trips (user agent)`).
//!
//! What bounds the figures: the sandbox, the scripted user agent and the relying
//! party all run in this one process, on one tokio runtime, sharing the machine's
//! cores (2 where BENCHMARKS.md was made). Per login the sandbox signs an ID token
//! (RS256, the largest single cost) and serves the user agent's two pages;
//! profiled, most of the CPU is theirs, not the relying party's. So the
//! ratios between relying parties are much smaller than their differences in
//! isolation (the `id_token` bench isolates the validation), and at concurrency 1
//! every login also waits for four HTTP exchanges on loopback (five with PAR), the
//! user agent's two on new connections.

#[path = "login/relying_parties.rs"]
mod relying_parties;

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, SamplingMode, Throughput};
use idspec_bench::{record, Figure};
use idspec_sandbox::user_agent::{sign_in, Decision};
use idspec_sandbox::{RequestCounts, Sandbox, SandboxOptions};
use relying_parties::{RelyingParty, IDSPEC, IDSPEC_PAR, OPENIDCONNECT_RS};
use tokio::task::JoinSet;

/// Logins in flight: one at a time (latency-bound), and as many as a busy service
/// would have (bound by the cores).
const CONCURRENCY: [u64; 2] = [1, 64];

/// Warm logins the round trips are counted over.
const COUNTED_LOGINS: u64 = 20;

/// The sandbox's ordinary user (specs/generic-oidc.yaml, `sandbox.users`).
const USER: &str = "alice";

fn main() {
    // Multi-thread, one worker per core (tokio's default): the relying parties,
    // the user agents and the sandbox share them as they would share a server.
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    let spec = idspec_codegen::load_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../specs/generic-oidc.yaml"
    ))
    .unwrap_or_else(|d| panic!("{d}"));
    let sandbox = runtime
        .block_on(Sandbox::start(&spec, SandboxOptions::default()))
        .expect("the sandbox starts");

    let parties = runtime.block_on(set_up_and_count(&sandbox));

    let mut criterion = Criterion::default()
        .sample_size(10)
        .warm_up_time(Duration::from_secs(2))
        .measurement_time(Duration::from_secs(8))
        .configure_from_args();
    let mut group = criterion.benchmark_group("login");
    // An iteration takes milliseconds (one login) to a few tenths of a second (64):
    // flat sampling keeps the run's length predictable, and a regression over
    // iteration counts would add nothing at these lengths.
    group.sampling_mode(SamplingMode::Flat);
    for n in CONCURRENCY {
        group.throughput(Throughput::Elements(n));
        for (id, party) in &parties {
            group.bench_with_input(
                BenchmarkId::new(*id, format!("concurrency {n}")),
                &n,
                |b, &n| b.to_async(&runtime).iter(|| logins(party, n)),
            );
        }
    }
    group.finish();
    criterion.final_summary();
}

/// One login, as the person and the relying party do it.
async fn login(party: &RelyingParty) {
    let (url, pending) = party.start().await;
    let callback = sign_in(&url, USER, Decision::Approve)
        .await
        .unwrap_or_else(|e| panic!("the user agent: {e}"));
    party.finish(pending, &callback).await;
}

/// `n` logins at once, each a task of its own as a server's requests would be (so
/// that even one runs on the runtime's workers, not on criterion's thread); each
/// has its own user agent, since a sign-in is one person's.
async fn logins(party: &Arc<RelyingParty>, n: u64) {
    let mut tasks = JoinSet::new();
    for _ in 0..n {
        let party = Arc::clone(party);
        tasks.spawn(async move { login(&party).await });
    }
    while let Some(done) = tasks.join_next().await {
        done.expect("a login failed (its panic is printed above)");
    }
}

/// The endpoints the relying party may call, by the sandbox's route for them.
struct Routes(Vec<(&'static str, String)>);

impl Routes {
    fn of(sandbox: &Sandbox) -> Self {
        let endpoints = sandbox.endpoints();
        let path = |url: Option<url::Url>| url.expect("the sandbox serves it").path().to_owned();
        Self(vec![
            ("discovery", path(endpoints.discovery)),
            ("jwks", path(endpoints.jwks)),
            ("par", path(endpoints.par)),
            ("token", path(endpoints.token)),
            ("userinfo", path(endpoints.userinfo)),
        ])
    }

    /// Adds the requests in `counts` to `tally`, per endpoint; any other route
    /// under `other`, which a relying party has no reason to call.
    fn tally(&self, counts: &RequestCounts, tally: &mut Tally) {
        for (route, n) in counts.iter() {
            let name = self
                .0
                .iter()
                .find(|(_, path)| path == route)
                .map_or("other", |(name, _)| *name);
            *tally.entry(name).or_default() += n;
        }
    }
}

/// Requests per endpoint.
type Tally = BTreeMap<&'static str, u64>;

/// What the sandbox saw of one relying party.
struct Trips {
    /// Its requests while it was set up and logged in once.
    setup: Tally,
    /// Its requests over [`COUNTED_LOGINS`] logins after that.
    warm: Tally,
    /// The user agent's requests over the same logins.
    user_agent: u64,
}

impl Trips {
    fn per_login(&self, endpoint: &str) -> f64 {
        self.warm.get(endpoint).copied().unwrap_or(0) as f64 / COUNTED_LOGINS as f64
    }

    fn total_per_login(&self) -> f64 {
        self.warm.values().sum::<u64>() as f64 / COUNTED_LOGINS as f64
    }
}

/// One login, the relying party's requests added to `tally`; returns the user
/// agent's. Snapshots where the browser takes over tell the two apart: nothing
/// else talks to the sandbox meanwhile.
async fn counted_login(
    sandbox: &Sandbox,
    routes: &Routes,
    party: &RelyingParty,
    tally: &mut Tally,
) -> u64 {
    let at_start = sandbox.requests();
    let (url, pending) = party.start().await;
    let started = sandbox.requests();
    let callback = sign_in(&url, USER, Decision::Approve)
        .await
        .unwrap_or_else(|e| panic!("the user agent: {e}"));
    let signed_in = sandbox.requests();
    party.finish(pending, &callback).await;
    let finished = sandbox.requests();
    routes.tally(&started.since(&at_start), tally);
    routes.tally(&finished.since(&signed_in), tally);
    signed_in.since(&started).total()
}

/// Sets up each relying party, counts its round trips (one relying party and one
/// login at a time), records them, and returns the relying parties ready to be
/// measured.
async fn set_up_and_count(sandbox: &Sandbox) -> Vec<(&'static str, Arc<RelyingParty>)> {
    let routes = Routes::of(sandbox);
    let mut parties = Vec::new();
    let mut trips = Vec::new();
    for id in [IDSPEC, IDSPEC_PAR, OPENIDCONNECT_RS] {
        let mut setup = Tally::new();
        let before = sandbox.requests();
        let party = match id {
            IDSPEC => RelyingParty::idspec(sandbox.issuer(), false),
            IDSPEC_PAR => RelyingParty::idspec(sandbox.issuer(), true),
            _ => RelyingParty::peer(sandbox.issuer()).await,
        };
        routes.tally(&sandbox.requests().since(&before), &mut setup);
        // idspec fetches discovery and the JWKS on first use: setup ends after a
        // first login.
        counted_login(sandbox, &routes, &party, &mut setup).await;

        let mut warm = Tally::new();
        let mut user_agent = 0;
        for _ in 0..COUNTED_LOGINS {
            user_agent += counted_login(sandbox, &routes, &party, &mut warm).await;
        }
        let counted = Trips {
            setup,
            warm,
            user_agent,
        };
        // A client that fetched either per login would measure its cache, not a
        // login: a bug, not a figure.
        for endpoint in ["discovery", "jwks"] {
            assert_eq!(
                counted.per_login(endpoint),
                0.0,
                "{id} fetched {endpoint} during warm logins (setup: {:?}, warm: {:?})",
                counted.setup,
                counted.warm,
            );
        }
        assert_eq!(counted.per_login("other"), 0.0, "{id}: {:?}", counted.warm);
        let expected_par = if id == IDSPEC_PAR { 1.0 } else { 0.0 };
        assert_eq!(counted.per_login("par"), expected_par, "{id} and PAR");
        parties.push((id, Arc::new(party)));
        trips.push((id, counted));
    }
    record_trips(&trips);
    parties
}

fn record_trips(trips: &[(&'static str, Trips)]) {
    let describe = |counts: &Tally, per: f64| -> String {
        let parts: Vec<String> = counts
            .iter()
            .filter(|(_, n)| **n > 0)
            .map(|(endpoint, n)| format!("{endpoint} {}", *n as f64 / per))
            .collect();
        if parts.is_empty() {
            "none".to_owned()
        } else {
            parts.join(", ")
        }
    };
    let figures: Vec<Figure> = trips
        .iter()
        .map(|(id, t)| Figure::new(*id, t.total_per_login(), "round trips/login"))
        .collect();
    let per_login: Vec<String> = trips
        .iter()
        .map(|(id, t)| format!("{id}: {}", describe(&t.warm, COUNTED_LOGINS as f64)))
        .collect();
    let setup: Vec<String> = trips
        .iter()
        .map(|(id, t)| format!("{id}: {}", describe(&t.setup, 1.0)))
        .collect();
    let user_agent = trips[0].1.user_agent as f64 / COUNTED_LOGINS as f64;
    for (id, t) in trips {
        // The same person, the same pages: only PAR's shorter URL differs.
        assert_eq!(
            t.user_agent as f64 / COUNTED_LOGINS as f64,
            user_agent,
            "{id}'s user agent"
        );
    }
    let note = format!(
        "The HTTP requests the relying party makes per login, counted by the sandbox \
         per endpoint over {COUNTED_LOGINS} logins after setup. Per login: {}. \
         Discovery and the JWKS were fetched once, at setup, and by none of the logins \
         after it (asserted). At setup (the client built, then one login; idspec fetches \
         on first use, openidconnect-rs in `discover_async`): {}. Not counted here: the \
         user agent's {user_agent} requests per login (the authorization request and the \
         login form's post), which every login measured in `login` also makes.",
        per_login.join("; "),
        setup.join("; "),
    );
    record("login round trips", &figures, &note).expect("the round trips are recorded");
    record(
        "login round trips (user agent)",
        &[Figure::new("user agent", user_agent, "requests/login")],
        "The scripted person's requests per login, the same for every relying party: \
         the authorization endpoint's login page and the form's post, each on a new \
         connection (a person's own browser). Part of every login measured in \
         `login`, not of the relying party's round trips.",
    )
    .expect("the user agent's requests are recorded");
}
