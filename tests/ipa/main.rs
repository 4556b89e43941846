//! The IDEMIA Identity Proofing App client (`idspec::idemia_ipa`, from
//! specs/idemia-ipa.yaml) against a fake IDEMIA on loopback: what goes on the wire
//! (the token request, the single-flight token cache and its renewals, the API key,
//! URLs kept on the configured hosts, a large proof streamed in bounded memory) in
//! `wire`, and the end-of-process webhook (completed once, repeated, unknown,
//! malformed, forged, late) in `webhooks` below; end to end against the sandbox
//! (every status, the provider's retries, a large proof) in `sandbox`.
//!
//! The fake has two origins, as IDEMIA does: the application's (Cognito's token
//! endpoint and the Create Session URL) and the ID&V platform's (identities and proof
//! files). Both are axum apps that record every request. A proof file is streamed
//! through the ID&V app from a small byte source of its own, so that no part of the
//! test process ever holds it whole.

#![cfg(feature = "idemia_ipa")]

mod sandbox;
mod wire;

use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use idspec::idemia_ipa::{BaseUrl, Client, ClientBuilder, CreateSession, Environment};
use idspec::runtime::HttpClient;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

pub const CLIENT_ID: &str = "3mnh1qsn5hmtogpes1gqo3lto0";
pub const SECRET: &str = "1thkkchj0lnvaj9ivtgv4ne501r0vi38gpe3pp2fl7u";
pub const API_KEY: &str = "gips-rs-api-key-5Jx8Qw2Lp";
pub const APPLICATION_ID: &str = "1l5lv91ugi401pieqpcd77bc1l";
pub const IDENTITY_ID: &str = "gips-2d4ac3d2-053c-4f9e-9ef0-c9a0f251c667";
pub const CALLBACK_URL: &str = "https://mycompany.myservice.com/webhooks/idemia/ipa";
pub const GOTO_URL: &str = "https://mycompany.myservice.com/signup/confirm";
/// The Cognito URL's path on the application's origin.
pub const COGNITO_PATH: &str = "/cognito";
pub const TOKEN_PATH: &str = "/cognito/oauth2/token";
pub const SESSIONS_PATH: &str = "/api/v1/sessions";

/// The `n`th session id the fake hands out (from 1).
pub fn session_id(n: usize) -> String {
    format!("ba7ce9dc-c182-4907-875c-{n:012x}")
}

/// One request the fake received.
#[derive(Clone, Debug)]
pub struct Received {
    /// `application` or `idv`: the origin that received it.
    pub origin: &'static str,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Received {
    /// Every value of header `name`.
    pub fn header_values(&self, name: &str) -> Vec<&str> {
        self.headers
            .iter()
            .filter(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }

    /// The single value of header `name`, if it was sent.
    pub fn header(&self, name: &str) -> Option<&str> {
        let values = self.header_values(name);
        assert!(values.len() <= 1, "{name} sent twice: {self:?}");
        values.first().copied()
    }

    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.body.as_bytes())
            .into_owned()
            .collect()
    }
}

/// What the fake does and has seen.
#[derive(Default)]
struct Script {
    received: Mutex<Vec<Received>>,
    tokens_issued: AtomicUsize,
    sessions_created: AtomicUsize,
    /// The `expires_in` of the tokens issued.
    expires_in: AtomicU64,
    /// How long the token endpoint takes to answer.
    token_delay_ms: AtomicU64,
    /// Tokens the fake no longer accepts.
    revoked: Mutex<HashSet<String>>,
    /// Whether Create Session refuses every token.
    refuse_every_token: AtomicBool,
    /// Whether the token endpoint refuses the client (`invalid_client`).
    refuse_client: AtomicBool,
    /// Where the bytes of proof files come from.
    byte_source: String,
}

/// A fake IDEMIA on two loopback origins.
pub struct FakeIdemia {
    /// The application's origin: `http://127.0.0.1:PORT`.
    pub application: String,
    /// The ID&V platform's origin.
    pub idv: String,
    script: Arc<Script>,
    servers: Vec<tokio::task::JoinHandle<()>>,
}

impl FakeIdemia {
    pub async fn start() -> Self {
        let (byte_source, source_server) = byte_source().await;
        let script = Arc::new(Script {
            // The document's lifetime.
            expires_in: AtomicU64::new(3600),
            byte_source,
            ..Script::default()
        });
        let (application, application_server) = serve(
            axum::Router::new()
                .fallback(application_endpoint)
                .with_state(Arc::clone(&script)),
            "127.0.0.1",
            0,
        )
        .await;
        let (idv, idv_server) = serve(
            axum::Router::new()
                .fallback(idv_endpoint)
                .with_state(Arc::clone(&script)),
            "127.0.0.1",
            0,
        )
        .await;
        Self {
            application,
            idv,
            script,
            servers: vec![source_server, application_server, idv_server],
        }
    }

    /// The client builder as a relying party configures it: every URL of the
    /// environment's endpoint details, both credentials, loopback http allowed.
    pub fn builder(&self) -> ClientBuilder {
        Client::builder(Environment::Production)
            .url(
                BaseUrl::CognitoUrl,
                format!("{}{COGNITO_PATH}", self.application),
            )
            .url(
                BaseUrl::CreateSessionUrl,
                format!("{}{SESSIONS_PATH}", self.application),
            )
            .url(BaseUrl::IdvUrl, &self.idv)
            .client_credentials(CLIENT_ID, SECRET)
            .api_key(API_KEY)
            .http_client(http())
    }

    pub fn client(&self) -> Client {
        self.builder().build().expect("the client builds")
    }

    /// Every request received, in order.
    pub fn received(&self) -> Vec<Received> {
        self.script.received.lock().expect("lock").clone()
    }

    /// The requests received at `path` (either origin), in order.
    pub fn received_at(&self, path: &str) -> Vec<Received> {
        self.received()
            .into_iter()
            .filter(|r| r.path == path)
            .collect()
    }

    pub fn token_requests(&self) -> usize {
        self.received_at(TOKEN_PATH).len()
    }

    /// The bearer tokens Create Session received, in order.
    pub fn session_bearers(&self) -> Vec<String> {
        self.received_at(SESSIONS_PATH)
            .iter()
            .map(|r| r.header("authorization").unwrap_or_default().to_owned())
            .collect()
    }

    pub fn set_expires_in(&self, seconds: u64) {
        self.script.expires_in.store(seconds, Ordering::SeqCst);
    }

    pub fn set_token_delay(&self, delay: Duration) {
        let ms = u64::try_from(delay.as_millis()).expect("a short delay");
        self.script.token_delay_ms.store(ms, Ordering::SeqCst);
    }

    /// Stops accepting `token` (revoked before its time).
    pub fn revoke(&self, token: &str) {
        self.script
            .revoked
            .lock()
            .expect("lock")
            .insert(token.to_owned());
    }

    pub fn refuse_every_token(&self) {
        self.script.refuse_every_token.store(true, Ordering::SeqCst);
    }

    pub fn refuse_client(&self) {
        self.script.refuse_client.store(true, Ordering::SeqCst);
    }

    /// The proof URL of identity `id` on the ID&V origin; its file is `bytes` long,
    /// with a `Content-Length` if `declared`.
    pub fn proof_url(&self, id: &str, bytes: u64, declared: bool) -> String {
        format!(
            "{}/gips/v1/identities/{id}/proof?bytes={bytes}&declared={declared}",
            self.idv
        )
    }

    /// Creates a session with the fake, as a relying party would; its id.
    pub async fn session(&self, client: &Client) -> String {
        let session = client
            .send(
                &CreateSession::new()
                    .with_callback_url(CALLBACK_URL)
                    .with_goto_url(GOTO_URL),
            )
            .await
            .expect("the fake creates a session");
        session.session_id.as_str().to_owned()
    }
}

impl Drop for FakeIdemia {
    fn drop(&mut self) {
        for server in &self.servers {
            server.abort();
        }
    }
}

pub fn http() -> HttpClient {
    HttpClient::builder()
        .allow_loopback_http(true)
        .build()
        .expect("http client")
}

/// Serves `app` on `ip:port`; its origin, and the server task.
pub async fn serve(
    app: axum::Router,
    ip: &str,
    port: u16,
) -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind((ip, port))
        .await
        .expect("bind");
    let origin = format!("http://{}", listener.local_addr().expect("address"));
    let server = tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (origin, server)
}

/// A server that records every request and answers each with a 200: what a host a
/// forged URL points to would see.
pub struct Recorder {
    pub origin: String,
    seen: Arc<Mutex<Vec<String>>>,
    server: tokio::task::JoinHandle<()>,
}

impl Recorder {
    pub async fn start(ip: &str, port: u16) -> Self {
        let seen = Arc::new(Mutex::new(Vec::new()));
        let app = axum::Router::new()
            .fallback(
                |State(seen): State<Arc<Mutex<Vec<String>>>>, method: Method, uri: Uri| async move {
                    seen.lock().expect("lock").push(format!("{method} {uri}"));
                    "{}"
                },
            )
            .with_state(Arc::clone(&seen));
        let (origin, server) = serve(app, ip, port).await;
        Self {
            origin,
            seen,
            server,
        }
    }

    /// Every request received, as `METHOD URI`.
    pub fn seen(&self) -> Vec<String> {
        self.seen.lock().expect("lock").clone()
    }
}

impl Drop for Recorder {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn record(
    script: &Script,
    origin: &'static str,
    method: &Method,
    uri: &Uri,
    headers: &HeaderMap,
    body: &[u8],
) {
    script.received.lock().expect("lock").push(Received {
        origin,
        method: method.to_string(),
        path: uri.path().to_owned(),
        query: uri.query().map(str::to_owned),
        headers: headers
            .iter()
            .map(|(n, v)| {
                (
                    n.as_str().to_owned(),
                    String::from_utf8_lossy(v.as_bytes()).into_owned(),
                )
            })
            .collect(),
        body: String::from_utf8_lossy(body).into_owned(),
    });
}

fn json_response(status: StatusCode, value: Value) -> Response {
    (
        status,
        [("content-type", "application/json")],
        value.to_string(),
    )
        .into_response()
}

/// Cognito's token endpoint and the Create Session URL.
async fn application_endpoint(
    State(script): State<Arc<Script>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    record(&script, "application", &method, &uri, &headers, &body);
    match (method.as_str(), uri.path()) {
        ("POST", TOKEN_PATH) => {
            let delay = script.token_delay_ms.load(Ordering::SeqCst);
            tokio::time::sleep(Duration::from_millis(delay)).await;
            if script.refuse_client.load(Ordering::SeqCst) {
                return json_response(
                    StatusCode::BAD_REQUEST,
                    json!({ "error": "invalid_client" }),
                );
            }
            let n = script.tokens_issued.fetch_add(1, Ordering::SeqCst) + 1;
            json_response(
                StatusCode::OK,
                json!({
                    "access_token": format!("token-{n}"),
                    "expires_in": script.expires_in.load(Ordering::SeqCst),
                    "token_type": "Bearer",
                }),
            )
        }
        ("POST", SESSIONS_PATH) => {
            let issued = script.tokens_issued.load(Ordering::SeqCst);
            let accepted = headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .is_some_and(|token| {
                    (1..=issued).any(|n| token == format!("token-{n}"))
                        && !script.revoked.lock().expect("lock").contains(token)
                        && !script.refuse_every_token.load(Ordering::SeqCst)
                });
            if !accepted {
                return json_response(
                    StatusCode::UNAUTHORIZED,
                    json!({ "message": "Unauthorized" }),
                );
            }
            let n = script.sessions_created.fetch_add(1, Ordering::SeqCst) + 1;
            json_response(StatusCode::OK, json!({ "sessionId": session_id(n) }))
        }
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

/// The ID&V platform: identities, and proof files streamed from the byte source.
async fn idv_endpoint(
    State(script): State<Arc<Script>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    record(&script, "idv", &method, &uri, &headers, &body);
    if method != Method::GET {
        return StatusCode::METHOD_NOT_ALLOWED.into_response();
    }
    if headers.get("apikey").and_then(|v| v.to_str().ok()) != Some(API_KEY) {
        return json_response(
            StatusCode::UNAUTHORIZED,
            json!({ "code": 401, "message": "invalid apikey" }),
        );
    }
    let Some(rest) = uri.path().strip_prefix("/gips/v1/identities/") else {
        return StatusCode::NOT_FOUND.into_response();
    };
    match rest.strip_suffix("/proof") {
        None => json_response(
            StatusCode::OK,
            json!({ "id": rest, "status": "VERIFIED", "levelOfAssurance": "LOA3" }),
        ),
        Some(_) => {
            let query = uri.query().unwrap_or_default();
            // Streamed through: the upstream response is the body, chunk by chunk.
            let upstream = match reqwest::get(format!("{}/?{query}", script.byte_source)).await {
                Ok(upstream) => upstream,
                Err(_) => return StatusCode::BAD_GATEWAY.into_response(),
            };
            let mut response = Response::builder()
                .status(StatusCode::OK)
                .header("content-type", "application/gzip");
            if let Some(length) = upstream.content_length() {
                response = response.header("content-length", length);
            }
            response
                .body(Body::new(reqwest::Body::from(upstream)))
                .unwrap_or_else(|_| StatusCode::INTERNAL_SERVER_ERROR.into_response())
        }
    }
}

/// A plain HTTP/1.1 server that answers `GET /?bytes=N&declared=B` with N bytes,
/// written 64 KiB at a time (with a `Content-Length` if B is `true`, delimited by
/// the end of the connection otherwise). Nothing in it holds more than a chunk.
async fn byte_source() -> (String, tokio::task::JoinHandle<()>) {
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .expect("bind");
    let origin = format!("http://{}", listener.local_addr().expect("address"));
    let server = tokio::spawn(async move {
        while let Ok((connection, _)) = listener.accept().await {
            tokio::spawn(send_bytes(connection));
        }
    });
    (origin, server)
}

async fn send_bytes(mut connection: tokio::net::TcpStream) {
    let mut head = Vec::new();
    let mut buffer = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match connection.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
        }
    }
    let head = String::from_utf8_lossy(&head).into_owned();
    let target = head.split(' ').nth(1).unwrap_or_default();
    let query = target.split_once('?').map_or("", |(_, q)| q);
    let (mut bytes, mut declared) = (0u64, false);
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "bytes" => bytes = value.parse().unwrap_or(0),
            "declared" => declared = value == "true",
            _ => {}
        }
    }
    let mut response_head =
        String::from("HTTP/1.1 200 OK\r\ncontent-type: application/gzip\r\nconnection: close\r\n");
    if declared {
        response_head.push_str(&format!("content-length: {bytes}\r\n"));
    }
    response_head.push_str("\r\n");
    if connection
        .write_all(response_head.as_bytes())
        .await
        .is_err()
    {
        return;
    }
    let chunk = [0x1fu8; 64 * 1024];
    let mut left = bytes;
    while left > 0 {
        let n = usize::try_from(left.min(chunk.len() as u64)).unwrap_or(chunk.len());
        if connection.write_all(&chunk[..n]).await.is_err() {
            return;
        }
        left -= n as u64;
    }
    let _ = connection.shutdown().await;
}

/// The end-of-process webhook: the flows `create_session` started, completed once by
/// the first well-formed call about them that names no foreign URL.
mod webhooks {
    use std::time::{Duration, SystemTime};

    use idspec::idemia_ipa::{
        Client, CreateSession, EndOfProcess, EndOfProcessStatus, GetIdentity, GetProof,
    };
    use idspec::runtime::rest::{
        Operation, WebhookHandled, WebhookOutcome, WebhookRejection, WebhookRequest,
        MAX_WEBHOOK_BODY,
    };
    use idspec::runtime::ErrorMetadata;
    use serde_json::{json, Value};

    use crate::{FakeIdemia, Recorder, APPLICATION_ID, IDENTITY_ID};

    /// A webhook call as IDEMIA posts it.
    async fn post(client: &Client, body: &Value) -> WebhookHandled<EndOfProcess> {
        let body = body.to_string();
        client
            .handle_webhook::<EndOfProcess>(WebhookRequest::new("POST", body.as_bytes()))
            .await
    }

    /// The document's example body for `session_id`, with an identity whose proof
    /// file is at `proof_url`.
    fn verified(session_id: &str, proof_url: &str) -> Value {
        json!({
            "applicationId": APPLICATION_ID,
            "identityId": IDENTITY_ID,
            "sessionId": session_id,
            "proofUrl": proof_url,
            "timestamp": 1733294237.9188666,
        })
    }

    /// A short name for an outcome: `completed:<id>`, `expired:<id>`,
    /// `duplicate:<id>`, `unknown:<id>`, `rejected:<code>`.
    fn summary(handled: &WebhookHandled<EndOfProcess>) -> String {
        match &handled.outcome {
            WebhookOutcome::Completed(completed) => format!("completed:{}", completed.flow_id),
            WebhookOutcome::Expired(completed) => format!("expired:{}", completed.flow_id),
            WebhookOutcome::Duplicate { flow_id } => format!("duplicate:{flow_id}"),
            WebhookOutcome::UnknownFlow { flow_id } => format!("unknown:{flow_id}"),
            WebhookOutcome::Rejected(rejection) => format!("rejected:{}", rejection.code()),
            _ => "other".to_owned(),
        }
    }

    /// The answer IDEMIA gets: a status and an empty body.
    fn answered(handled: &WebhookHandled<EndOfProcess>, status: u16) {
        assert_eq!(handled.response.status, status, "{:?}", handled.outcome);
        assert_eq!(handled.response.body, "");
    }

    #[tokio::test]
    async fn a_session_is_completed_once_then_calls_are_duplicates() {
        let fake = FakeIdemia::start().await;
        let client = fake.client();
        let session = fake.session(&client).await;
        let proof_url = fake.proof_url(IDENTITY_ID, 4096, true);
        let body = verified(&session, &proof_url);

        let started = SystemTime::now();
        let first = post(&client, &body).await;
        answered(&first, 204);
        let WebhookOutcome::Completed(completed) = first.outcome else {
            panic!("{:?}", first.outcome);
        };
        assert_eq!(completed.flow_id, session);
        assert_eq!(completed.payload.session_id.as_str(), session);
        assert_eq!(completed.payload.application_id, APPLICATION_ID);
        assert_eq!(completed.payload.identity_id.as_deref(), Some(IDENTITY_ID));
        assert_eq!(
            completed.payload.proof_url.as_deref(),
            Some(proof_url.as_str())
        );
        assert_eq!(completed.payload.status, None);
        assert_eq!(completed.payload.timestamp, 1733294237.9188666);
        // Seconds since the epoch, as the flow store keeps them.
        let age = started
            .duration_since(completed.started_at)
            .unwrap_or_default();
        assert!(age < Duration::from_secs(30), "{age:?}");

        // IDEMIA's retries, and replays, complete nothing again.
        for _ in 0..3 {
            let again = post(&client, &body).await;
            answered(&again, 204);
            assert_eq!(summary(&again), format!("duplicate:{session}"));
        }

        // The results come from IDEMIA, fetched with the client's own key, from
        // the URLs the (checked) call named.
        let payload = completed.payload;
        let identity = client
            .send(&GetIdentity::new(payload.identity_id.expect("an identity")))
            .await
            .expect("the identity");
        assert_eq!(identity["id"], IDENTITY_ID);
        let mut file = Vec::new();
        let downloaded = client
            .download(
                &GetProof::new(payload.proof_url.expect("a proof")),
                &mut file,
            )
            .await
            .expect("the proof");
        assert_eq!(downloaded.bytes, 4096);
        assert_eq!(file.len(), 4096);
    }

    #[tokio::test]
    async fn a_session_id_is_compared_without_case() {
        let fake = FakeIdemia::start().await;
        let client = fake.client();
        let session = fake.session(&client).await;
        let proof_url = fake.proof_url(IDENTITY_ID, 1, true);
        let first = post(&client, &verified(&session.to_uppercase(), &proof_url)).await;
        assert_eq!(summary(&first), format!("completed:{session}"));
        let second = post(&client, &verified(&session, &proof_url)).await;
        assert_eq!(summary(&second), format!("duplicate:{session}"));
    }

    #[tokio::test]
    async fn concurrent_calls_complete_a_session_once() {
        let fake = FakeIdemia::start().await;
        let client = fake.client();
        let session = fake.session(&client).await;
        let body = verified(&session, &fake.proof_url(IDENTITY_ID, 1, true));
        let mut calls = tokio::task::JoinSet::new();
        for _ in 0..8 {
            let (client, body) = (client.clone(), body.clone());
            calls.spawn(async move { summary(&post(&client, &body).await) });
        }
        let mut outcomes = calls.join_all().await;
        outcomes.sort();
        let mut expected = vec![format!("duplicate:{session}"); 7];
        expected.push(format!("completed:{session}"));
        expected.sort();
        assert_eq!(outcomes, expected);
    }

    #[tokio::test]
    async fn an_unsuccessful_session_completes_with_its_status() {
        let fake = FakeIdemia::start().await;
        let client = fake.client();
        for (status, expected) in [
            ("ERROR", EndOfProcessStatus::Error),
            ("HEARTBEAT_TIMEOUT", EndOfProcessStatus::HeartbeatTimeout),
            ("PAUSED", EndOfProcessStatus::from("PAUSED".to_owned())),
        ] {
            let session = fake.session(&client).await;
            // No identity was created: no identityId, no proofUrl.
            let handled = post(
                &client,
                &json!({
                    "applicationId": APPLICATION_ID,
                    "sessionId": session,
                    "status": status,
                    "timestamp": 1733294237.9188666,
                }),
            )
            .await;
            answered(&handled, 204);
            let WebhookOutcome::Completed(completed) = handled.outcome else {
                panic!("{status}: {:?}", handled.outcome);
            };
            assert_eq!(completed.payload.status.as_ref(), Some(&expected));
            assert_eq!(
                completed.payload.status.map(|s| s.to_string()).as_deref(),
                Some(status)
            );
            assert_eq!(completed.payload.identity_id, None);
            assert_eq!(completed.payload.proof_url, None);
        }
        assert!(matches!(
            EndOfProcessStatus::from("PAUSED".to_owned()),
            EndOfProcessStatus::Unknown(_)
        ));
    }

    #[tokio::test]
    async fn a_session_this_client_did_not_create_is_unknown() {
        let fake = FakeIdemia::start().await;
        let client = fake.client();
        // A session another client created, and one nobody did.
        let elsewhere = fake.session(&fake.client()).await;
        for session in [elsewhere.as_str(), "0b7e1f3a-5c2d-4e8f-9a6b-7c8d9e0f1a2b"] {
            let handled = post(
                &client,
                &verified(session, &fake.proof_url(IDENTITY_ID, 1, true)),
            )
            .await;
            // Answered as any other well-formed call: a forger learns nothing.
            answered(&handled, 204);
            assert_eq!(summary(&handled), format!("unknown:{session}"));
        }
    }

    #[tokio::test]
    async fn a_malformed_call_is_refused_and_completes_nothing() {
        let fake = FakeIdemia::start().await;
        let client = fake.client();
        let session = fake.session(&client).await;
        let proof_url = fake.proof_url(IDENTITY_ID, 1, true);
        let mut not_a_uuid = verified(&session, &proof_url);
        not_a_uuid["sessionId"] = json!("ba7ce9dc-c182-4907-875c");
        let mut without_session = verified(&session, &proof_url);
        without_session
            .as_object_mut()
            .expect("an object")
            .remove("sessionId");
        let mut without_application = verified(&session, &proof_url);
        without_application
            .as_object_mut()
            .expect("an object")
            .remove("applicationId");
        let mut session_as_number = verified(&session, &proof_url);
        session_as_number["sessionId"] = json!(42);
        let bodies: Vec<Vec<u8>> = vec![
            b"not json".to_vec(),
            b"".to_vec(),
            json!([verified(&session, &proof_url)])
                .to_string()
                .into_bytes(),
            not_a_uuid.to_string().into_bytes(),
            without_session.to_string().into_bytes(),
            without_application.to_string().into_bytes(),
            session_as_number.to_string().into_bytes(),
        ];
        for body in &bodies {
            let handled = client
                .handle_webhook::<EndOfProcess>(WebhookRequest::new("POST", body))
                .await;
            let text = String::from_utf8_lossy(body);
            assert_eq!(
                handled.response.status, 400,
                "{text}: {:?}",
                handled.outcome
            );
            assert!(
                matches!(
                    handled.outcome,
                    WebhookOutcome::Rejected(WebhookRejection::Malformed { .. })
                ),
                "{text}: {:?}",
                handled.outcome
            );
        }
        // The session is still waiting for its genuine call.
        let genuine = post(&client, &verified(&session, &proof_url)).await;
        assert_eq!(summary(&genuine), format!("completed:{session}"));
    }

    #[tokio::test]
    async fn a_proof_url_on_another_host_is_refused_and_the_session_kept() {
        let fake = FakeIdemia::start().await;
        let client = fake.client();
        let session = fake.session(&client).await;
        let idv = url::Url::parse(&fake.idv).expect("a URL");
        let port = idv.port().expect("a port");
        let forged = [
            // The application's origin: IDEMIA's, but not the ID&V platform.
            format!(
                "{}/gips/v1/identities/{IDENTITY_ID}/proof",
                fake.application
            ),
            // Another host, the ID&V platform's port.
            format!("http://127.0.0.2:{port}/gips/v1/identities/{IDENTITY_ID}/proof"),
            // The ID&V host over https: another origin too.
            format!("https://127.0.0.1:{port}/gips/v1/identities/{IDENTITY_ID}/proof"),
            "https://attacker.example/gips/v1/identities/x/proof".to_owned(),
            "not a url".to_owned(),
        ];
        for proof_url in &forged {
            let handled = post(&client, &verified(&session, proof_url)).await;
            answered(&handled, 400);
            match &handled.outcome {
                WebhookOutcome::Rejected(WebhookRejection::ForeignUrl { member, origin }) => {
                    assert_eq!((*member, *origin), ("proofUrl", "idv_url"));
                }
                other => panic!("{proof_url}: {other:?}"),
            }
        }
        // None of those consumed the session: the genuine call completes it.
        let genuine = post(
            &client,
            &verified(&session, &fake.proof_url(IDENTITY_ID, 1, true)),
        )
        .await;
        answered(&genuine, 204);
        assert_eq!(summary(&genuine), format!("completed:{session}"));
    }

    const SHORT_LIVED: Duration = Duration::from_millis(1);

    #[tokio::test]
    async fn a_call_after_the_session_expired_ends_it_as_expired() {
        // The generated session lives as long as IDEMIA keeps it.
        let generated = <CreateSession as Operation>::PROFILE;
        let generated_flow = generated.starts_flow.as_ref().expect("a flow");
        assert_eq!(generated_flow.id, "sessionId");
        assert_eq!(generated_flow.expires, Duration::from_secs(30 * 60));

        // The relying party's own, shorter bound stands in for 30 minutes.
        let fake = FakeIdemia::start().await;
        let client = fake
            .builder()
            .flow_lifetime(SHORT_LIVED)
            .build()
            .expect("the client builds");
        let session = fake.session(&client).await;
        tokio::time::sleep(SHORT_LIVED + Duration::from_millis(50)).await;

        let body = verified(&session, &fake.proof_url(IDENTITY_ID, 1, true));
        let late = post(&client, &body).await;
        answered(&late, 204);
        let WebhookOutcome::Expired(expired) = late.outcome else {
            panic!("{:?}", late.outcome);
        };
        assert_eq!(expired.flow_id, session);
        assert_eq!(expired.payload.session_id.as_str(), session);
        // Over as expired: a repeat is a duplicate, not a second ending.
        let again = post(&client, &body).await;
        answered(&again, 204);
        assert_eq!(summary(&again), format!("duplicate:{session}"));

        // A session of the generated lifetime, called at once, is not expired.
        let fresh = fake.session(&client).await;
        let handled = post(
            &client,
            &verified(&fresh, &fake.proof_url(IDENTITY_ID, 1, true)),
        )
        .await;
        assert_eq!(summary(&handled), format!("completed:{fresh}"));
    }

    #[tokio::test]
    async fn a_webhook_is_a_post_of_a_small_body() {
        let fake = FakeIdemia::start().await;
        let client = fake.client();
        let session = fake.session(&client).await;
        let body = verified(&session, &fake.proof_url(IDENTITY_ID, 1, true)).to_string();
        for method in ["GET", "PUT", "HEAD"] {
            let handled = client
                .handle_webhook::<EndOfProcess>(WebhookRequest::new(method, body.as_bytes()))
                .await;
            assert_eq!(handled.response.status, 405, "{method}");
            assert_eq!(
                handled.response.headers,
                [("allow", "POST".to_owned())],
                "{method}"
            );
            assert!(
                matches!(
                    handled.outcome,
                    WebhookOutcome::Rejected(WebhookRejection::MethodNotAllowed)
                ),
                "{method}: {:?}",
                handled.outcome
            );
        }
        let mut large = verified(&session, &fake.proof_url(IDENTITY_ID, 1, true));
        large["padding"] = json!("x".repeat(MAX_WEBHOOK_BODY));
        let handled = post(&client, &large).await;
        assert_eq!(handled.response.status, 413);
        assert_eq!(summary(&handled), "rejected:webhook_too_large");

        // The method is compared without case; the session was kept throughout.
        let handled = client
            .handle_webhook::<EndOfProcess>(WebhookRequest::new("post", body.as_bytes()))
            .await;
        assert_eq!(summary(&handled), format!("completed:{session}"));
    }

    #[tokio::test]
    async fn a_webhook_makes_no_request() {
        // Nothing in an unauthenticated call is fetched by the handler itself.
        let fake = FakeIdemia::start().await;
        let recorder = Recorder::start("127.0.0.1", 0).await;
        let client = fake.client();
        let session = fake.session(&client).await;
        let before = fake.received().len();
        let handled = post(
            &client,
            &verified(&session, &format!("{}/proof", recorder.origin)),
        )
        .await;
        assert_eq!(summary(&handled), "rejected:webhook_foreign_url");
        let handled = post(
            &client,
            &verified(&session, &fake.proof_url(IDENTITY_ID, 1, true)),
        )
        .await;
        assert_eq!(summary(&handled), format!("completed:{session}"));
        assert_eq!(fake.received().len(), before);
        assert_eq!(recorder.seen(), Vec::<String>::new());
    }
}
