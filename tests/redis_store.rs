//! Several instances behind a load balancer, sharing pending flows in a real Redis
//! (Debian's redis-server, started on 127.0.0.1 by tests/support/src/redis.rs).
//!
//! * the shared behavioural suite, against the in-memory store and the Redis store;
//! * what the Redis store writes: key, prefix, ttl, versioned value; a value of the
//!   previous format is read, an unknown one refused; a wrong password or a Redis
//!   without GETDEL is a configuration error that names no secret;
//! * two Mobile ID clients ("instances") against one sandbox and one Redis: a login
//!   started on one completes on the other, the same callback sent to both at once
//!   succeeds exactly once, an expired flow is refused;
//! * Redis restarted mid-flow, stopped, and hung: typed, retryable errors, never a
//!   panic, never a login completed without its flow, and recovery without
//!   rebuilding anything; an answer lost with the connection (through a proxy that
//!   drops it) neither turns a stored flow into a conflict nor hands one out twice.

use std::sync::Arc;
use std::time::{Duration, Instant};

use idspec::mobileid::{test_users, Acr, AuthorizationRequest, Client, Hint, LoginHint, Scope};
use idspec::runtime::callback::CallbackError;
use idspec::runtime::store::{
    codec, conformance, FlowStore, MemoryFlowStore, RedisFlowStore, StoreErrorKind,
};
use idspec::runtime::{ClientAuthMethod, Error, ErrorMetadata, HttpClient};
use idspec_sandbox::user_agent::{sign_in, Decision};
use idspec_sandbox::{Sandbox, SandboxOptions};
use idspec_testkit::redis::{RedisServer, Reply};
use url::Url;

const SPEC: &str = include_str!("../specs/mobileid.yaml");
const REDIRECT_URI: &str = "https://rp.example.test/callback";
/// Every pending flow's ttl: the spec's `lifetimes.pending_flow` (10m).
const PENDING_FLOW_TTL: Duration = Duration::from_secs(600);

// ---- The shared behavioural suite ----

#[tokio::test]
async fn the_memory_store_behaves_as_a_flow_store() {
    conformance::behaves_as_a_flow_store(&MemoryFlowStore::new()).await;
}

#[tokio::test]
async fn the_redis_store_behaves_as_a_flow_store() {
    let redis = RedisServer::start().await;
    let store = RedisFlowStore::connect(redis.url()).await.expect("connect");
    conformance::behaves_as_a_flow_store(&store).await;
    assert_eq!(
        keys(&redis, "*").await,
        0,
        "the suite leaves nothing behind"
    );
}

#[tokio::test]
async fn two_redis_stores_on_one_redis_pass_the_suite_at_once() {
    let redis = RedisServer::start().await;
    let a = RedisFlowStore::connect(redis.url())
        .await
        .expect("connect a");
    let b = RedisFlowStore::connect(redis.url())
        .await
        .expect("connect b");
    tokio::join!(
        conformance::behaves_as_a_flow_store(&a),
        conformance::behaves_as_a_flow_store(&b)
    );
}

// ---- What lives in Redis ----

#[tokio::test]
async fn each_flow_is_one_key_with_its_ttl_and_a_versioned_value() {
    let redis = RedisServer::start().await;
    let store = RedisFlowStore::builder(redis.url())
        .key_prefix("shop-test:")
        .connect()
        .await
        .expect("connect");
    let flow = conformance::sample_flow();
    store
        .put("k1", flow.clone(), Duration::from_secs(30))
        .await
        .expect("put");

    let pttl = redis.command(&[b"PTTL", b"shop-test:k1"]).await.integer();
    assert!((29_000..=30_000).contains(&pttl), "PTTL {pttl}");
    let raw = redis
        .command(&[b"GET", b"shop-test:k1"])
        .await
        .bulk()
        .expect("the value");
    assert_eq!(raw[0], codec::CURRENT_VERSION);
    assert_eq!(codec::decode(&raw).expect("decodes"), flow);
    assert!(raw.len() < 400, "{} bytes", raw.len());
    assert_eq!(keys(&redis, "*").await, 1, "one key, under the prefix");

    assert_eq!(store.take("k1").await.expect("take"), Some(flow));
    assert_eq!(
        redis.command(&[b"EXISTS", b"shop-test:k1"]).await.integer(),
        0,
        "taken means deleted"
    );
}

#[tokio::test]
async fn a_value_of_the_previous_format_is_read_and_an_unknown_one_refused() {
    let redis = RedisServer::start().await;
    let store = RedisFlowStore::connect(redis.url()).await.expect("connect");

    // Written by a release of the previous format (version 1, as pinned in codec).
    let previous = b"\x01{\"r\":\"https://rp.example/cb\",\"n\":\"n-1\",\"v\":\"v-1\",\
\"s\":\"openid phone\",\"t\":1700000000,\"c\":{\"auth_req_id\":\"a-1\"}}";
    set_raw(&redis, "idspec:flow:old", previous).await;
    let flow = store.take("old").await.expect("take").expect("the flow");
    assert_eq!(flow.scope, "openid phone");
    assert_eq!(flow.nonce.as_ref().map(|n| n.secret()), Some("n-1"));
    assert_eq!(flow.correlation["auth_req_id"], "a-1");

    // Written by a newer release: refused with a typed error, and not retryable.
    set_raw(&redis, "idspec:flow:new", b"\x02\x00\x01whatever").await;
    let error = store.take("new").await.expect_err("unknown version");
    assert_eq!(error.kind(), StoreErrorKind::UnsupportedVersion);
    assert_eq!(error.code(), "flow_store_unsupported_version");
    assert!(!error.retryable());

    // Not a flow at all, or not even a string.
    set_raw(&redis, "idspec:flow:junk", b"\x01not json, SECRET-ish").await;
    let error = store.take("junk").await.expect_err("corrupt");
    assert_eq!(error.kind(), StoreErrorKind::Corrupt);
    assert!(!error.to_string().contains("SECRET"), "{error}");
    redis
        .command(&[b"HSET", b"idspec:flow:hash", b"f", b"v"])
        .await;
    let error = store.take("hash").await.expect_err("wrong type");
    assert_eq!(error.kind(), StoreErrorKind::Corrupt, "{error}");
}

#[tokio::test]
async fn a_wrong_password_or_an_old_redis_is_a_configuration_error() {
    let redis = RedisServer::start_with(&["--requirepass", "right-pass"]).await;
    let url = |auth: &str| format!("redis://{auth}127.0.0.1:{}", redis.port());
    for (auth, leaked) in [("", None), (":wrong-pass@", Some("wrong-pass"))] {
        let error = RedisFlowStore::connect(url(auth))
            .await
            .expect_err("refused");
        assert_eq!(error.kind(), StoreErrorKind::Misconfigured, "{error}");
        assert!(!error.retryable());
        if let Some(password) = leaked {
            assert!(!format!("{error} {error:?}").contains(password), "{error}");
        }
    }
    let store = RedisFlowStore::connect(url(":right-pass@"))
        .await
        .expect("connect");
    let flow = conformance::sample_flow();
    store
        .put("k", flow.clone(), Duration::from_secs(5))
        .await
        .expect("put");
    assert_eq!(store.take("k").await.expect("take"), Some(flow));
    assert!(!format!("{store:?}").contains("right-pass"));

    // A Redis without GETDEL (before 6.2) answers "unknown command 'GETDEL', with
    // args beginning with: '<key>'": the error says what to do, and not the key.
    let old = RedisServer::start_with(&["--rename-command", "GETDEL", ""]).await;
    let store = RedisFlowStore::connect(old.url()).await.expect("connect");
    let error = store.take("STATE-VALUE").await.expect_err("no GETDEL");
    assert_eq!(error.kind(), StoreErrorKind::Misconfigured, "{error}");
    assert!(error.to_string().contains("6.2"), "{error}");
    assert!(
        !format!("{error} {error:?}").contains("STATE-VALUE"),
        "{error}"
    );
}

// ---- Two instances, one Redis ----

#[tokio::test]
async fn a_login_started_on_one_instance_completes_on_the_other() {
    let redis = RedisServer::start().await;
    let sandbox = sandbox().await;
    let a = instance(&sandbox, &redis).await;
    let b = instance(&sandbox, &redis).await;

    // Pushed (PAR), started on A, completed on B.
    let start = a
        .start(pushed(test_users::ROBOT_EC))
        .await
        .expect("start on A");
    let pttl = redis
        .command(&[b"PTTL", flow_key(&start.state).as_bytes()])
        .await
        .integer();
    assert!(
        (PENDING_FLOW_TTL.as_millis() as i64 - 5_000..=PENDING_FLOW_TTL.as_millis() as i64)
            .contains(&pttl),
        "the flow lives for the spec's pending-flow lifetime: PTTL {pttl}"
    );
    let callback = sign_in(&start.url, test_users::ROBOT_EC, Decision::Approve)
        .await
        .expect("sign in");
    let login = b.complete(callback.as_str()).await.expect("complete on B");
    assert_eq!(login.claims().acr, Some(Acr::MidAl3Any));
    let userinfo = a.userinfo(&login).await.expect("userinfo on A");
    assert_eq!(userinfo.phone_number.as_deref(), Some(test_users::ROBOT_EC));
    assert_eq!(keys(&redis, "*").await, 0, "the flow was consumed");

    // Front channel, started on B, completed on A.
    let start = b
        .start(AuthorizationRequest::new().scope(Scope::Phone))
        .await
        .expect("start on B");
    let callback = sign_in(&start.url, test_users::ROBOT_RSA, Decision::Approve)
        .await
        .expect("sign in");
    let login = a.complete(callback.as_str()).await.expect("complete on A");
    assert!(login.subject().is_some());

    // The same with in-memory stores is what this feature is for: B knows nothing.
    let lonely_a = client(&sandbox, Arc::new(MemoryFlowStore::new()));
    let lonely_b = client(&sandbox, Arc::new(MemoryFlowStore::new()));
    let start = lonely_a
        .start(pushed(test_users::ROBOT_EC))
        .await
        .expect("start");
    let callback = sign_in(&start.url, test_users::ROBOT_EC, Decision::Approve)
        .await
        .expect("sign in");
    assert_unknown_state(lonely_b.complete(callback.as_str()).await);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_same_callback_on_two_instances_at_once_succeeds_exactly_once() {
    let redis = RedisServer::start().await;
    let sandbox = sandbox().await;
    let a = instance(&sandbox, &redis).await;
    let b = instance(&sandbox, &redis).await;
    for round in 0..5 {
        let start = a.start(pushed(test_users::ROBOT_EC)).await.expect("start");
        let callback = sign_in(&start.url, test_users::ROBOT_EC, Decision::Approve)
            .await
            .expect("sign in")
            .to_string();
        // Separate tasks on the multi-threaded runtime: a real race.
        let on_a = tokio::spawn({
            let (a, callback) = (a.clone(), callback.clone());
            async move { a.complete(&callback).await }
        });
        let on_b = tokio::spawn({
            let (b, callback) = (b.clone(), callback.clone());
            async move { b.complete(&callback).await }
        });
        let outcomes = [on_a.await.expect("task a"), on_b.await.expect("task b")];
        let successes = outcomes.iter().filter(|outcome| outcome.is_ok()).count();
        assert_eq!(
            successes, 1,
            "round {round}: exactly one instance completes"
        );
        for outcome in outcomes {
            if outcome.is_err() {
                assert_unknown_state(outcome);
            }
        }
    }
}

#[tokio::test]
async fn an_expired_flow_is_refused_on_the_other_instance() {
    let redis = RedisServer::start().await;
    let sandbox = sandbox().await;
    let a = instance(&sandbox, &redis).await;
    let b = instance(&sandbox, &redis).await;
    let start = a.start(pushed(test_users::ROBOT_EC)).await.expect("start");
    let callback = sign_in(&start.url, test_users::ROBOT_EC, Decision::Approve)
        .await
        .expect("sign in");
    // Ten minutes later, as far as Redis is concerned.
    let key = flow_key(&start.state);
    assert_eq!(
        redis
            .command(&[b"PEXPIRE", key.as_bytes(), b"1"])
            .await
            .integer(),
        1
    );
    tokio::time::sleep(Duration::from_millis(20)).await;
    assert_unknown_state(b.complete(callback.as_str()).await);
}

// ---- Redis restarted, stopped, hung ----

#[tokio::test]
async fn redis_restarted_mid_flow() {
    let sandbox = sandbox().await;

    // Without persistence the pending flow is lost: the callback is refused, never
    // completed, and the instances go on without being rebuilt.
    let mut redis = RedisServer::start().await;
    let a = instance(&sandbox, &redis).await;
    let b = instance(&sandbox, &redis).await;
    let start = a.start(pushed(test_users::ROBOT_EC)).await.expect("start");
    let callback = sign_in(&start.url, test_users::ROBOT_EC, Decision::Approve)
        .await
        .expect("sign in");
    redis.restart().await;
    assert_unknown_state(b.complete(callback.as_str()).await);
    login_across(&a, &b).await;
    login_across(&b, &a).await;

    // With an append-only file the flow survives the restart (even a SIGKILL) and
    // the login completes on the other instance.
    let mut redis = RedisServer::start_persistent().await;
    let a = instance(&sandbox, &redis).await;
    let b = instance(&sandbox, &redis).await;
    let start = a.start(pushed(test_users::ROBOT_EC)).await.expect("start");
    let callback = sign_in(&start.url, test_users::ROBOT_EC, Decision::Approve)
        .await
        .expect("sign in");
    redis.restart().await;
    b.complete(callback.as_str())
        .await
        .expect("the flow survived the restart");
    login_across(&a, &b).await;
}

#[tokio::test]
async fn redis_stopped_is_a_typed_retryable_error() {
    let sandbox = sandbox().await;
    let mut redis = RedisServer::start_persistent().await;
    let a = instance(&sandbox, &redis).await;
    let b = instance(&sandbox, &redis).await;
    let start = a.start(pushed(test_users::ROBOT_EC)).await.expect("start");
    let callback = sign_in(&start.url, test_users::ROBOT_EC, Decision::Approve)
        .await
        .expect("sign in");

    redis.stop();
    let started = Instant::now();
    assert_store_error(
        b.complete(callback.as_str()).await,
        StoreErrorKind::Unavailable,
    );
    assert_store_error(
        a.start(pushed(test_users::ROBOT_EC)).await,
        StoreErrorKind::Unavailable,
    );
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "a Redis that is down answers at once, not after the timeout: {:?}",
        started.elapsed()
    );

    // Retrying once Redis is back works: the same callback completes.
    redis.restart().await;
    b.complete(callback.as_str())
        .await
        .expect("the retried callback completes");
    login_across(&b, &a).await;
}

#[tokio::test]
async fn a_hung_redis_is_a_timeout_within_the_bound() {
    let sandbox = sandbox().await;
    let redis = RedisServer::start().await;
    let bound = Duration::from_millis(400);
    let store = |redis: &RedisServer| {
        RedisFlowStore::builder(redis.url())
            .timeout(bound)
            .connect()
    };
    let a = client(&sandbox, Arc::new(store(&redis).await.expect("connect")));
    let b = client(&sandbox, Arc::new(store(&redis).await.expect("connect")));
    let start = a.start(pushed(test_users::ROBOT_EC)).await.expect("start");
    let callback = sign_in(&start.url, test_users::ROBOT_EC, Decision::Approve)
        .await
        .expect("sign in");

    redis.pause();
    let started = Instant::now();
    let outcome = b.complete(callback.as_str()).await;
    let took = started.elapsed();
    redis.resume();
    assert_store_error(outcome, StoreErrorKind::Timeout);
    assert!(took >= bound && took < bound * 3, "took {took:?}");

    // The GETDEL that timed out ran once Redis woke up: the flow is gone, so the
    // retry is refused. A flow is handed out once, never twice.
    assert_unknown_state(b.complete(callback.as_str()).await);
    login_across(&a, &b).await;
}

#[tokio::test]
async fn a_lost_answer_neither_duplicates_nor_loses_a_put_and_never_hands_out_a_flow_twice() {
    let redis = RedisServer::start().await;
    let proxy = LossyProxy::start(redis.port()).await;
    let store = RedisFlowStore::connect(format!("redis://127.0.0.1:{}", proxy.port()))
        .await
        .expect("connect through the proxy");

    // SET reached Redis, its OK was lost with the connection: the store sends it
    // again, finds the key taken by these very bytes, and reports success.
    let flow = conformance::sample_flow();
    proxy.lose_the_answer_to(b"SET");
    store
        .put("k", flow.clone(), Duration::from_secs(30))
        .await
        .expect("the put succeeded, though its first answer was lost");
    assert!(proxy.lost_an_answer());

    // GETDEL reached Redis, the flow with it was lost with the connection: the retry
    // finds nothing. The login fails (the user starts again); it never completes twice.
    proxy.lose_the_answer_to(b"GETDEL");
    assert_eq!(store.take("k").await.expect("take"), None);
    assert!(proxy.lost_an_answer());
    assert_eq!(keys(&redis, "*").await, 0);
}

// ---- Helpers ----

async fn sandbox() -> Sandbox {
    let spec = idspec_codegen::load("mobileid.yaml", SPEC).unwrap_or_else(|d| panic!("{d}"));
    Sandbox::start(&spec, SandboxOptions::default())
        .await
        .expect("sandbox starts")
}

/// One instance of the relying party: its own client, its own connection to Redis.
async fn instance(sandbox: &Sandbox, redis: &RedisServer) -> Client {
    let store = RedisFlowStore::connect(redis.url()).await.expect("connect");
    client(sandbox, Arc::new(store))
}

fn client(sandbox: &Sandbox, store: Arc<dyn FlowStore>) -> Client {
    Client::builder(sandbox.endpoints())
        .client_id("sandbox-client")
        .client_secret("sandbox-secret")
        .client_auth(ClientAuthMethod::ClientSecretBasic)
        .redirect_uri(REDIRECT_URI)
        .http_client(
            HttpClient::builder()
                .allow_loopback_http(true)
                .build()
                .expect("http"),
        )
        .flow_store(store)
        .build()
        .expect("client")
}

fn pushed(msisdn: &str) -> AuthorizationRequest<idspec::runtime::Pushed> {
    AuthorizationRequest::new()
        .scope(Scope::Phone)
        .pushed()
        .acr_values(Acr::MidAl3Any)
        .login_hint(LoginHint::new(vec![Hint::new(msisdn)]))
}

/// A full login started on `from` and completed on `to`.
async fn login_across(from: &Client, to: &Client) {
    let start = from
        .start(pushed(test_users::ROBOT_EC))
        .await
        .expect("start");
    let callback: Url = sign_in(&start.url, test_users::ROBOT_EC, Decision::Approve)
        .await
        .expect("sign in");
    to.complete(callback.as_str()).await.expect("complete");
}

/// The Redis key of a client's pending flow (default prefix, Mobile ID's client key).
fn flow_key(state: &idspec::runtime::State) -> String {
    format!("idspec:flow:idspec:mobileid:{}", state.secret())
}

async fn keys(redis: &RedisServer, pattern: &str) -> usize {
    match redis.command(&[b"KEYS", pattern.as_bytes()]).await {
        Reply::Array(Some(keys)) => keys.len(),
        other => panic!("KEYS answered {other:?}"),
    }
}

async fn set_raw(redis: &RedisServer, key: &str, value: &[u8]) {
    assert_eq!(
        redis.command(&[b"SET", key.as_bytes(), value]).await,
        Reply::Simple("OK".into())
    );
}

fn assert_unknown_state<T, C: idspec::runtime::ProviderErrorCode>(outcome: Result<T, Error<C>>) {
    match outcome {
        Err(Error::Callback(CallbackError::UnknownState)) => {}
        Err(other) => panic!("expected UnknownState, got {other:?}"),
        Ok(_) => panic!("expected UnknownState, the login completed"),
    }
}

fn assert_store_error<T, C: idspec::runtime::ProviderErrorCode>(
    outcome: Result<T, Error<C>>,
    kind: StoreErrorKind,
) {
    match outcome {
        Err(Error::Store(error)) => {
            assert_eq!(error.kind(), kind, "{error}");
            assert!(error.retryable(), "{error}");
            let shown = Error::<C>::Store(error.clone());
            assert_eq!(shown.code(), kind.code());
        }
        Err(other) => panic!("expected a {kind:?} store error, got {other:?}"),
        Ok(_) => panic!("expected a {kind:?} store error, the call succeeded"),
    }
}

/// A TCP proxy in front of Redis that, when told to, forwards the next request of a
/// given command and then closes both connections without forwarding the answer:
/// the command ran, and the client never learns it.
struct LossyProxy {
    port: u16,
    state: Arc<std::sync::Mutex<ProxyState>>,
    task: tokio::task::JoinHandle<()>,
}

#[derive(Default)]
struct ProxyState {
    armed: Option<Vec<u8>>,
    lost: bool,
}

impl LossyProxy {
    async fn start(upstream: u16) -> LossyProxy {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let port = listener.local_addr().expect("address").port();
        let state = Arc::new(std::sync::Mutex::new(ProxyState::default()));
        let shared = state.clone();
        let task = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                tokio::spawn(Self::relay(client, upstream, shared.clone()));
            }
        });
        LossyProxy { port, state, task }
    }

    fn port(&self) -> u16 {
        self.port
    }

    fn lose_the_answer_to(&self, command: &[u8]) {
        // As RESP writes a command name: `$<len>\r\n<NAME>\r\n`.
        let mut needle = format!("${}\r\n", command.len()).into_bytes();
        needle.extend_from_slice(command);
        needle.extend_from_slice(b"\r\n");
        let mut state = self.state.lock().unwrap();
        state.armed = Some(needle);
        state.lost = false;
    }

    fn lost_an_answer(&self) -> bool {
        self.state.lock().unwrap().lost
    }

    async fn relay(
        mut client: tokio::net::TcpStream,
        upstream: u16,
        state: Arc<std::sync::Mutex<ProxyState>>,
    ) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let Ok(mut server) = tokio::net::TcpStream::connect(("127.0.0.1", upstream)).await else {
            return;
        };
        let (mut from_client, mut from_server) = (vec![0u8; 16 * 1024], vec![0u8; 16 * 1024]);
        loop {
            tokio::select! {
                read = client.read(&mut from_client) => {
                    let Ok(n @ 1..) = read else { return };
                    let request = &from_client[..n];
                    if server.write_all(request).await.is_err() {
                        return;
                    }
                    let lose = {
                        let mut state = state.lock().unwrap();
                        let hit = state.armed.as_ref().is_some_and(|needle| {
                            request.windows(needle.len()).any(|w| w == needle.as_slice())
                        });
                        if hit {
                            state.armed = None;
                            state.lost = true;
                        }
                        hit
                    };
                    if lose {
                        // Let Redis run it, then drop both sides unanswered.
                        tokio::time::sleep(Duration::from_millis(50)).await;
                        return;
                    }
                }
                read = server.read(&mut from_server) => {
                    let Ok(n @ 1..) = read else { return };
                    if client.write_all(&from_server[..n]).await.is_err() {
                        return;
                    }
                }
            }
        }
    }
}

impl Drop for LossyProxy {
    fn drop(&mut self) {
        self.task.abort();
    }
}
