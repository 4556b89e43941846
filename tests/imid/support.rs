//! What the imID tests share: the spec, the relying party's RSA key, a relying party
//! (a sandbox it is registered with, its client, and its notification endpoint on
//! loopback: the runtime's axum route behind a layer that records every raw request
//! and every typed outcome), and a small fake imID that records what it was sent.

use std::collections::BTreeSet;
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::{Request, State};
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use idspec::imid::{self, BackchannelRequest, ImId};
use idspec::runtime::jose::RelyingPartyKeys;
use idspec::runtime::{Endpoints, ErrorMetadata, FlowStore, HttpClient, NotificationOutcome};
use idspec_sandbox::{Sandbox, SandboxClient, SandboxOptions};
use josekit::jwk::Jwk;
use serde_json::{json, Map, Value};

pub const SPEC: &str = include_str!("../../specs/imid.yaml");
pub const CLIENT_ID: &str = "imid-rp";
pub const SECRET: &str = "imid-rp-secret-7Hq2Lm9Xv4";
/// What imID hands out with the credentials; deliberately unlike any issuer.
pub const AUDIENCE: &str = "imid-assigned-audience-4a7c";
pub const KID: &str = "imid-rp-key-2026";
/// The scope imID assigns the relying party (the spec's `{assigned}`).
pub const SCOPE: &str = "rp-assigned-scope";
/// The notification URL's path on the relying party.
pub const NOTIFICATION_PATH: &str = "/imid/notification";
/// Long enough for a scripted user's 1 s answer on a loaded machine; a passing test
/// never waits it out.
pub const PATIENCE: Duration = Duration::from_secs(10);

pub fn spec() -> idspec_codegen::ValidatedSpec {
    idspec_codegen::load("imid.yaml", SPEC).unwrap_or_else(|d| panic!("{d}"))
}

/// The relying party's private key, made once for the whole binary: RSA 2048 for
/// speed (imID asks for 4096), with its kid and, as `pem-to-jwk` makes it, no `alg`.
fn private_key() -> &'static Jwk {
    static KEY: OnceLock<Jwk> = OnceLock::new();
    KEY.get_or_init(|| {
        let mut key = Jwk::generate_rsa_key(2048).expect("an RSA key");
        key.set_key_id(KID);
        key
    })
}

/// The client's keys and the public JWK registered with the provider, both with
/// `alg` set to `alg`, or without `alg` when it is `None`.
pub fn keys(alg: Option<&str>) -> (RelyingPartyKeys, Jwk) {
    let mut private = private_key().clone();
    let mut public = private.to_public_key().expect("the public key");
    public.set_key_id(KID);
    if let Some(alg) = alg {
        private.set_algorithm(alg);
        public.set_algorithm(alg);
    }
    let json = serde_json::to_string(private.as_ref()).expect("JSON");
    let keys = RelyingPartyKeys::from_jwk_json(&json).expect("the client takes the JWK");
    (keys, public)
}

pub fn http() -> HttpClient {
    HttpClient::builder()
        .allow_loopback_http(true)
        .build()
        .expect("http client")
}

/// A request for `phone` with the assigned scope and the documented defaults.
pub fn request(phone: &str) -> BackchannelRequest {
    BackchannelRequest::new(SCOPE, phone)
}

/// Whether `value` is a UUID v4 in its canonical, lower-case text form.
pub fn is_uuid_v4(value: &str) -> bool {
    let groups: Vec<&str> = value.split('-').collect();
    groups.iter().map(|g| g.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && groups.iter().all(|g| {
            g.chars()
                .all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c))
        })
        && groups[2].starts_with('4')
        && groups[3].starts_with(['8', '9', 'a', 'b'])
}

/// One request as the relying party's notification endpoint received it.
#[derive(Clone, Debug)]
pub struct RawNotification {
    pub method: String,
    /// Every `Authorization` header, in order.
    pub authorization: Vec<String>,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
}

impl RawNotification {
    pub fn json(&self) -> Map<String, Value> {
        match serde_json::from_slice(&self.body) {
            Ok(Value::Object(members)) => members,
            _ => panic!("not a JSON object: {}", String::from_utf8_lossy(&self.body)),
        }
    }

    /// The bearer token of its single `Authorization: Bearer` header.
    pub fn bearer(&self) -> String {
        assert_eq!(self.authorization.len(), 1, "{self:?}");
        self.authorization[0]
            .strip_prefix("Bearer ")
            .unwrap_or_else(|| panic!("not a bearer token: {self:?}"))
            .to_owned()
    }
}

/// What the notification endpoint saw: raw requests, and the typed outcome of every
/// request that reached `Client::handle_notification`.
#[derive(Default)]
pub struct Seen {
    requests: Mutex<Vec<RawNotification>>,
    outcomes: Mutex<Vec<NotificationOutcome<ImId>>>,
    changed: tokio::sync::Notify,
}

/// A short, comparable name for an outcome: `handed_to_waiter`, `completed`,
/// `failed:<code>`, `rejected:<code>`.
pub fn summary(outcome: &NotificationOutcome<ImId>) -> String {
    match outcome {
        NotificationOutcome::Completed(_) => "completed".to_owned(),
        NotificationOutcome::HandedToWaiter { .. } => "handed_to_waiter".to_owned(),
        NotificationOutcome::Failed { error, .. } => format!("failed:{}", error.code()),
        NotificationOutcome::Rejected(rejection) => format!("rejected:{}", rejection.code()),
        _ => "other".to_owned(),
    }
}

/// A relying party registered with a sandbox: its client, and its notification
/// endpoint at the client's redirect URI.
pub struct Rp {
    pub sandbox: Sandbox,
    pub client: imid::Client,
    pub notification_url: String,
    pub keys: RelyingPartyKeys,
    seen: Arc<Seen>,
}

/// How a relying party is set up.
pub struct RpOptions {
    /// `ClientBuilder::backchannel_wait`.
    pub wait: Option<Duration>,
    /// `ClientBuilder::flow_store`.
    pub store: Option<Arc<dyn FlowStore>>,
    /// The `alg` of the key, client side and registered; `None` for none.
    pub alg: Option<&'static str>,
}

impl Default for RpOptions {
    fn default() -> Self {
        Self {
            wait: None,
            store: None,
            // Until the sandbox takes a registered key without `alg`.
            alg: Some("RS512"),
        }
    }
}

impl Rp {
    pub async fn start() -> Self {
        Self::start_with(RpOptions::default()).await
    }

    pub async fn start_with(options: RpOptions) -> Self {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind");
        let notification_url = format!(
            "http://{}{NOTIFICATION_PATH}",
            listener.local_addr().expect("address")
        );
        let (keys, public) = keys(options.alg);
        let registered = SandboxClient {
            client_id: CLIENT_ID.to_owned(),
            client_secret: Some(SECRET.to_owned()),
            redirect_uris: vec![notification_url.clone()],
            jwks: vec![public],
            audience: AUDIENCE.to_owned(),
            refresh_tokens: false,
            ..SandboxClient::default()
        };
        let sandbox = Sandbox::start(
            &spec(),
            SandboxOptions {
                clients: vec![registered],
                ..SandboxOptions::default()
            },
        )
        .await
        .expect("the sandbox starts");
        let mut builder = Self::builder(&sandbox.endpoints(), &keys, &notification_url);
        if let Some(wait) = options.wait {
            builder = builder.backchannel_wait(wait);
        }
        if let Some(store) = options.store {
            builder = builder.flow_store(store);
        }
        let client = builder.build().expect("the client builds");
        let seen = Arc::new(Seen::default());
        serve(listener, client.clone(), Arc::clone(&seen));
        Self {
            sandbox,
            client,
            notification_url,
            keys,
            seen,
        }
    }

    /// The client builder as a relying party configures it with imID's credentials.
    pub fn builder(
        endpoints: &Endpoints,
        keys: &RelyingPartyKeys,
        notification_url: &str,
    ) -> imid::ClientBuilder {
        imid::Client::builder(endpoints.clone())
            .http_client(http())
            .client_id(CLIENT_ID)
            .client_secret(SECRET)
            .audience(AUDIENCE)
            .keys(keys.clone())
            .redirect_uri(notification_url)
    }

    /// Every request the notification endpoint received, in order.
    pub fn requests(&self) -> Vec<RawNotification> {
        self.seen.requests.lock().expect("lock").clone()
    }

    /// The outcomes so far, summarised.
    pub fn summaries(&self) -> Vec<String> {
        self.seen
            .outcomes
            .lock()
            .expect("lock")
            .iter()
            .map(summary)
            .collect()
    }

    /// Runs `f` on the outcomes so far.
    pub fn with_outcomes<T>(&self, f: impl FnOnce(&[NotificationOutcome<ImId>]) -> T) -> T {
        f(&self.seen.outcomes.lock().expect("lock"))
    }

    /// Waits until `n` outcomes were recorded; their summaries.
    pub async fn outcomes(&self, n: usize) -> Vec<String> {
        let deadline = tokio::time::Instant::now() + PATIENCE;
        loop {
            let changed = self.seen.changed.notified();
            let mut changed = std::pin::pin!(changed);
            changed.as_mut().enable();
            let summaries = self.summaries();
            if summaries.len() >= n {
                return summaries;
            }
            if tokio::time::timeout_at(deadline, changed).await.is_err() {
                panic!("{n} outcomes expected; there are {summaries:?}");
            }
        }
    }

    /// The notification the sandbox sent about `request_id`, once the relying party
    /// answered it; panics if none came.
    pub async fn notification(&self, request_id: &str) -> idspec_sandbox::NotificationRecord {
        self.sandbox
            .wait_for_notification(request_id, PATIENCE)
            .await
            .unwrap_or_else(|| panic!("the sandbox notified nothing about {request_id}"))
    }

    /// Posts to the notification URL as anyone could.
    pub fn post(&self) -> reqwest::RequestBuilder {
        reqwest::Client::new().post(&self.notification_url)
    }
}

/// Serves the runtime's notification route, recording each raw request before it
/// and each outcome it hands out.
fn serve(listener: tokio::net::TcpListener, client: imid::Client, seen: Arc<Seen>) {
    let outcomes = Arc::clone(&seen);
    let route = idspec_runtime::axum::notification_route(client, move |outcome| {
        let seen = Arc::clone(&outcomes);
        async move {
            seen.outcomes.lock().expect("lock").push(outcome);
            seen.changed.notify_waiters();
        }
    });
    let app = route.layer(axum::middleware::from_fn_with_state(seen, record));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
}

async fn record(State(seen): State<Arc<Seen>>, request: Request, next: Next) -> Response {
    let (parts, body) = request.into_parts();
    let Ok(body) = axum::body::to_bytes(body, usize::MAX).await else {
        return StatusCode::BAD_REQUEST.into_response();
    };
    let header = |name: &str| -> Vec<String> {
        parts
            .headers
            .get_all(name)
            .iter()
            .map(|v| String::from_utf8_lossy(v.as_bytes()).into_owned())
            .collect()
    };
    seen.requests.lock().expect("lock").push(RawNotification {
        method: parts.method.to_string(),
        authorization: header("authorization"),
        content_type: header("content-type").into_iter().next(),
        body: body.to_vec(),
    });
    seen.changed.notify_waiters();
    next.run(Request::from_parts(parts, Body::from(body))).await
}

/// One request the fake imID received.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.body.as_bytes())
            .into_owned()
            .collect()
    }

    /// The form's parameter names.
    pub fn form_names(&self) -> BTreeSet<String> {
        self.form().into_iter().map(|(name, _)| name).collect()
    }

    /// The form parameter `name`, which must be there exactly once.
    pub fn form_value(&self, name: &str) -> String {
        let values: Vec<String> = self
            .form()
            .into_iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v)
            .collect();
        assert_eq!(values.len(), 1, "{name} in {}", self.body);
        values[0].clone()
    }
}

/// A fake imID on loopback: discovery, an empty JWKS, an authorize endpoint that
/// accepts every request (`auth_req_id` `fake-auth-req-N`), and a token endpoint that
/// refuses every code (`invalid_grant`). It records every request.
pub struct FakeImid {
    pub issuer: String,
    received: Arc<Mutex<Vec<Received>>>,
    server: tokio::task::JoinHandle<()>,
}

impl FakeImid {
    pub async fn start() -> Self {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
            .await
            .expect("bind");
        let issuer = format!("http://{}", listener.local_addr().expect("address"));
        let received = Arc::new(Mutex::new(Vec::new()));
        let app = axum::Router::new()
            .fallback(fake_endpoint)
            .with_state((issuer.clone(), Arc::clone(&received)));
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Self {
            issuer,
            received,
            server,
        }
    }

    pub fn endpoints(&self) -> Endpoints {
        Endpoints::discover(&self.issuer).expect("endpoints")
    }

    /// The requests received at `path`, in order.
    pub fn received_at(&self, path: &str) -> Vec<Received> {
        self.received
            .lock()
            .expect("lock")
            .iter()
            .filter(|r| r.path == path)
            .cloned()
            .collect()
    }
}

impl Drop for FakeImid {
    fn drop(&mut self) {
        self.server.abort();
    }
}

type FakeState = (String, Arc<Mutex<Vec<Received>>>);

async fn fake_endpoint(
    State((issuer, received)): State<FakeState>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let authorize_count = {
        let mut received = received.lock().expect("lock");
        received.push(Received {
            method: method.to_string(),
            path: path.clone(),
            headers: headers
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: String::from_utf8_lossy(&body).into_owned(),
        });
        received.iter().filter(|r| r.path == "/authorize").count()
    };
    let json = |status: StatusCode, value: Value| {
        (
            status,
            [("content-type", "application/json")],
            value.to_string(),
        )
            .into_response()
    };
    match path.as_str() {
        "/.well-known/openid-configuration" => json(
            StatusCode::OK,
            json!({
                "issuer": issuer,
                "authorization_endpoint": format!("{issuer}/authorize"),
                "token_endpoint": format!("{issuer}/token"),
                "userinfo_endpoint": format!("{issuer}/userinfo"),
                "jwks_uri": format!("{issuer}/jwks"),
                "response_types_supported": ["mc_si_async_code"],
                "subject_types_supported": ["public"],
                "id_token_signing_alg_values_supported": ["RS256"],
                "request_object_signing_alg_values_supported": ["RS512"],
            }),
        ),
        "/jwks" => json(StatusCode::OK, json!({ "keys": [] })),
        "/authorize" => json(
            StatusCode::OK,
            json!({ "auth_req_id": format!("fake-auth-req-{authorize_count}"), "expires_in": 300 }),
        ),
        "/token" => json(
            StatusCode::BAD_REQUEST,
            json!({ "error": "invalid_grant", "error_description": "the fake refuses every code" }),
        ),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}
