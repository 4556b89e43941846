//! specs/idemia-ipa.yaml served by the sandbox, driven the way the document's
//! relying party does it, with plain HTTP: a client credentials token, a session
//! created with it, the person on the start page (the scripted user agent), the
//! end-of-process webhook posted to a small receiver on loopback (retried after
//! 500s, replayed on demand), then the identity and its proof file behind the API key.

use std::io::Read as _;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State as Axum;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::post;
use idspec_sandbox::user_agent::prove_identity;
use idspec_sandbox::{Sandbox, SandboxOptions};
use serde_json::{json, Value};
use url::Url;

const CLIENT_ID: &str = "sandbox-client";
const SECRET: &str = "sandbox-secret";
const API_KEY: &str = "sandbox-api-key";

/// Long enough for a scripted user's 1 s delay (and two retries 1 s apart) on a
/// loaded machine; never waited in full by a passing test.
const PATIENCE: Duration = Duration::from_secs(15);

async fn start(options: SandboxOptions) -> Sandbox {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/idemia-ipa.yaml");
    let text = std::fs::read_to_string(path).unwrap();
    let spec = idspec_codegen::load("idemia-ipa.yaml", &text).unwrap_or_else(|d| panic!("{d}"));
    Sandbox::start(&spec, options).await.unwrap()
}

thread_local! {
    // One client per test (each runs on its own thread and runtime): building one
    // loads the system's certificates, which takes a while in a debug build.
    static HTTP: reqwest::Client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .no_proxy()
        .build()
        .unwrap();
}

fn http() -> reqwest::Client {
    HTTP.with(Clone::clone)
}

fn url(sandbox: &Sandbox, name: &str) -> Url {
    sandbox
        .rest_urls()
        .into_iter()
        .find(|(n, _)| n == name)
        .map(|(_, url)| url)
        .unwrap_or_else(|| panic!("no {name}"))
}

fn token_url(sandbox: &Sandbox) -> Url {
    url(sandbox, "cognito_url").join("/oauth2/token").unwrap()
}

async fn token_request(sandbox: &Sandbox, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let response = http()
        .post(token_url(sandbox))
        .form(form)
        .send()
        .await
        .unwrap();
    let status = response.status();
    (status, response.json().await.unwrap_or(Value::Null))
}

async fn access_token(sandbox: &Sandbox) -> String {
    let (status, body) = token_request(
        sandbox,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

async fn create_session_with(sandbox: &Sandbox, token: &str, body: Value) -> reqwest::Response {
    http()
        .post(url(sandbox, "create_session_url"))
        .bearer_auth(token)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn create_session(sandbox: &Sandbox, body: Value) -> String {
    let token = access_token(sandbox).await;
    let response = create_session_with(sandbox, &token, body).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    body["sessionId"].as_str().unwrap().to_owned()
}

fn start_url(sandbox: &Sandbox, session_id: &str) -> Url {
    let mut url = url(sandbox, "ipa_start_url");
    url.query_pairs_mut().append_pair("session-id", session_id);
    url
}

fn is_uuid_v4(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.iter().map(|p| p.len()).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && text.chars().all(|c| c == '-' || c.is_ascii_hexdigit())
        && parts[2].starts_with('4')
}

/// What the relying party's webhook endpoint received.
#[derive(Clone, Debug)]
struct Call {
    body: Value,
    content_type: Option<String>,
    authorization: Option<String>,
    at: Instant,
}

/// A relying party's webhook endpoint on loopback: answers 500 to the first
/// `failures` calls, then 200 with an empty body, as the document expects.
struct Receiver {
    url: Url,
    calls: Arc<Mutex<Vec<Call>>>,
}

impl Receiver {
    async fn start(failures: usize) -> Self {
        let calls: Arc<Mutex<Vec<Call>>> = Arc::default();
        let app = axum::Router::new()
            .route(
                "/webhooks/idemia/ipa",
                post(
                    move |Axum(calls): Axum<Arc<Mutex<Vec<Call>>>>,
                          headers: HeaderMap,
                          body: Bytes| async move {
                        let header = |name| {
                            headers
                                .get(name)
                                .and_then(|v| v.to_str().ok())
                                .map(str::to_owned)
                        };
                        let mut calls = calls.lock().unwrap();
                        calls.push(Call {
                            body: serde_json::from_slice(&body).unwrap_or(Value::Null),
                            content_type: header("content-type"),
                            authorization: header("authorization"),
                            at: Instant::now(),
                        });
                        if calls.len() <= failures {
                            StatusCode::INTERNAL_SERVER_ERROR
                        } else {
                            StatusCode::OK
                        }
                    },
                ),
            )
            .with_state(Arc::clone(&calls));
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        Self {
            url: Url::parse(&format!("http://{address}/webhooks/idemia/ipa")).unwrap(),
            calls,
        }
    }

    fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }
}

fn now_seconds() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs_f64()
}

#[tokio::test]
async fn the_environment_urls_are_served_on_the_sandbox() {
    let sandbox = start(SandboxOptions::default()).await;
    let base = sandbox.issuer();
    let urls: Vec<(String, String)> = sandbox
        .rest_urls()
        .into_iter()
        .map(|(name, url)| (name, url.to_string()))
        .collect();
    let expected = [
        ("cognito_url", format!("{base}/")),
        ("create_session_url", format!("{base}/api/v1/sessions")),
        ("ipa_start_url", format!("{base}/api/v1/ipa/start")),
        ("idv_url", format!("{base}/")),
    ];
    assert_eq!(
        urls,
        expected.map(|(n, u)| (n.to_owned(), u)).to_vec(),
        "in the spec's order"
    );
}

#[tokio::test]
async fn the_token_endpoint_serves_client_credentials() {
    let sandbox = start(SandboxOptions::default()).await;
    let (status, body) = token_request(
        &sandbox,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::OK);
    assert!(body["access_token"].as_str().is_some_and(|t| t.len() >= 32));
    assert_eq!(body["expires_in"], 3600);
    assert_eq!(body["token_type"], "Bearer");

    let (status, body) = token_request(
        &sandbox,
        &[
            ("grant_type", "client_credentials"),
            ("client_id", CLIENT_ID),
            ("client_secret", "wrong"),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    assert_eq!(body["error"], "invalid_client");

    let (status, body) = token_request(
        &sandbox,
        &[
            ("grant_type", "authorization_code"),
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
        ],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "unsupported_grant_type");

    let (status, body) = token_request(
        &sandbox,
        &[("client_id", CLIENT_ID), ("client_secret", SECRET)],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(body["error"], "invalid_request");

    // The spec says client_secret_post: HTTP Basic is refused.
    let response = http()
        .post(token_url(&sandbox))
        .basic_auth(CLIENT_ID, Some(SECRET))
        .form(&[("grant_type", "client_credentials")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(sandbox.token_requests(), 5);
}

#[tokio::test]
async fn creating_a_session_needs_a_valid_token() {
    let sandbox = start(SandboxOptions {
        access_token_lifetime: Duration::from_secs(1),
        ..SandboxOptions::default()
    })
    .await;
    let sessions = url(&sandbox, "create_session_url");
    let response = http()
        .post(sessions.clone())
        .json(&json!({}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    let challenge = response.headers()["www-authenticate"].to_str().unwrap();
    assert!(challenge.starts_with("Bearer"), "{challenge}");
    let response = create_session_with(&sandbox, "not-a-token", json!({})).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);

    let token = access_token(&sandbox).await;
    let response = create_session_with(&sandbox, &token, json!({})).await;
    assert_eq!(response.status(), StatusCode::OK);
    let body: Value = response.json().await.unwrap();
    assert!(is_uuid_v4(body["sessionId"].as_str().unwrap()), "{body}");

    for refused in [
        json!({"callbackUrl": "https://rp.example.test/webhooks"}),
        json!({"callbackUrl": "/webhooks"}),
        json!({"gotoUrl": "ftp://rp.example.test/done"}),
        json!({"callback_url": "http://127.0.0.1:1/webhooks"}),
        json!(["not", "an", "object"]),
    ] {
        let response = create_session_with(&sandbox, &token, refused.clone()).await;
        assert_eq!(response.status(), StatusCode::BAD_REQUEST, "{refused}");
    }

    // The token lives 1 s (`expires_in` says so); then it is refused.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let response = create_session_with(&sandbox, &token, json!({})).await;
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
}

/// Creates a session calling `receiver` back, goes through the start page as `user`,
/// and returns the session id, where the browser was sent, and the delivery.
async fn prove(
    sandbox: &Sandbox,
    receiver: &Receiver,
    user: &str,
    goto: Option<&str>,
) -> (String, Option<Url>, Vec<idspec_sandbox::WebhookRecord>) {
    let mut body = json!({"callbackUrl": receiver.url.as_str()});
    if let Some(goto) = goto {
        body["gotoUrl"] = goto.into();
    }
    let session_id = create_session(sandbox, body).await;
    let sent_to = prove_identity(&start_url(sandbox, &session_id), user)
        .await
        .unwrap();
    let delivery = sandbox
        .wait_for_webhook(&session_id, PATIENCE)
        .await
        .expect("the delivery ends");
    (session_id, sent_to, delivery)
}

#[tokio::test]
async fn each_user_ends_the_session_with_its_webhook() {
    let sandbox = start(SandboxOptions::default()).await;
    let receiver = Receiver::start(0).await;
    let goto = "https://rp.example.test/signup/confirm";
    let (verified, aborts, drops_off) = tokio::join!(
        prove(&sandbox, &receiver, "VERIFIED", Some(goto)),
        prove(&sandbox, &receiver, "ABORTS", None),
        prove(&sandbox, &receiver, "DROPS_OFF", None),
    );

    let (session_id, sent_to, delivery) = verified;
    assert_eq!(sent_to.unwrap().as_str(), goto);
    assert_eq!(delivery.len(), 1);
    assert_eq!(delivery[0].attempt, 1);
    assert_eq!(delivery[0].status, Some(200));
    let body = &delivery[0].body;
    let identity_id = body["identityId"].as_str().unwrap();
    assert!(is_uuid_v4(identity_id.strip_prefix("gips-").unwrap()));
    assert_eq!(body["applicationId"], CLIENT_ID);
    assert_eq!(body["sessionId"], session_id.as_str());
    assert_eq!(
        body["proofUrl"],
        format!(
            "{}/gips/v1/identities/{identity_id}/proof",
            sandbox.issuer()
        )
    );
    assert!(body.get("status").is_none());
    let timestamp = body["timestamp"].as_f64().unwrap();
    assert!((now_seconds() - timestamp).abs() < 60.0);
    assert!(body["timestamp"].is_f64(), "seconds with a fraction");

    for ((session_id, sent_to, delivery), status) in
        [(aborts, "ERROR"), (drops_off, "HEARTBEAT_TIMEOUT")]
    {
        assert_eq!(sent_to, None, "no gotoUrl: the finished page");
        assert_eq!(delivery.len(), 1);
        let body = delivery[0].body.as_object().unwrap();
        let mut members: Vec<&str> = body.keys().map(String::as_str).collect();
        members.sort_unstable();
        assert_eq!(
            members,
            ["applicationId", "sessionId", "status", "timestamp"]
        );
        assert_eq!(body["status"], status);
        assert_eq!(body["sessionId"], session_id.as_str());
    }

    // What the receiver saw: JSON, no authentication, the recorded bodies.
    let calls = receiver.calls();
    assert_eq!(calls.len(), 3);
    for call in &calls {
        assert_eq!(call.content_type.as_deref(), Some("application/json"));
        assert_eq!(call.authorization, None);
    }
    assert!(calls.iter().any(|c| c.body == delivery[0].body));
}

#[tokio::test]
async fn a_failing_receiver_gets_two_more_attempts_a_second_apart() {
    let sandbox = start(SandboxOptions::default()).await;
    let receiver = Receiver::start(2).await;
    // Nobody listening at the other session's callback: no answer at all.
    let closed = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let nowhere = format!("http://{}/webhooks", closed.local_addr().unwrap());
    drop(closed);
    let unanswered = async {
        let session_id = create_session(&sandbox, json!({"callbackUrl": nowhere})).await;
        prove_identity(&start_url(&sandbox, &session_id), "DROPS_OFF")
            .await
            .unwrap();
        sandbox
            .wait_for_webhook(&session_id, PATIENCE)
            .await
            .unwrap()
    };
    let ((session_id, _, delivery), unanswered) =
        tokio::join!(prove(&sandbox, &receiver, "ABORTS", None), unanswered);

    let attempts: Vec<(u32, Option<u16>)> =
        delivery.iter().map(|r| (r.attempt, r.status)).collect();
    assert_eq!(attempts, [(1, Some(500)), (2, Some(500)), (3, Some(200))]);
    assert!(delivery.iter().all(|r| r.body == delivery[0].body));
    let calls = receiver.calls();
    assert_eq!(calls.len(), 3);
    for pair in calls.windows(2) {
        let gap = pair[1].at - pair[0].at;
        assert!(gap >= Duration::from_millis(900), "{gap:?}");
    }
    assert_eq!(
        sandbox
            .webhook_deliveries()
            .iter()
            .filter(|r| r.session_id == session_id)
            .count(),
        3
    );

    // Transport errors are retried too; then the delivery is over.
    let statuses: Vec<Option<u16>> = unanswered.iter().map(|r| r.status).collect();
    assert_eq!(statuses, [None, None, None]);
}

#[tokio::test]
async fn a_webhook_can_be_replayed_and_a_session_ends_once() {
    let sandbox = start(SandboxOptions::default()).await;
    let receiver = Receiver::start(0).await;
    let (session_id, _, delivery) = prove(&sandbox, &receiver, "VERIFIED", None).await;
    assert_eq!(sandbox.replay_webhook(&session_id).await, Ok(200));
    let calls = receiver.calls();
    assert_eq!(calls.len(), 2);
    assert_eq!(calls[0].body, calls[1].body, "the same body, byte for byte");
    let records = sandbox.webhook_deliveries();
    assert_eq!(records.len(), 2);
    assert_eq!(records[1].attempt, 2);
    assert_eq!(records[1].body, delivery[0].body);
    // The delivery itself was one attempt; the replay comes after it.
    assert_eq!(
        sandbox
            .wait_for_webhook(&session_id, PATIENCE)
            .await
            .unwrap(),
        delivery
    );
    assert!(sandbox.replay_webhook("no-such-session").await.is_err());

    // The person's choice is made once.
    let start = start_url(&sandbox, &session_id);
    let page = http().get(start.clone()).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::CONFLICT);
    let again = http()
        .post(start.clone())
        .form(&[("session-id", session_id.as_str()), ("user", "ABORTS")])
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), StatusCode::CONFLICT);
    let unknown = http()
        .get(start_url(&sandbox, "00000000-0000-4000-8000-000000000000"))
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn an_expired_session_does_nothing() {
    let sandbox = start(SandboxOptions::default()).await;
    let receiver = Receiver::start(0).await;
    let session_id = create_session(&sandbox, json!({"callbackUrl": receiver.url.as_str()})).await;
    let start = start_url(&sandbox, &session_id);
    let page = http().get(start.clone()).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let html = page.text().await.unwrap();
    for user in ["VERIFIED", "ABORTS", "DROPS_OFF"] {
        assert!(html.contains(&format!("value=\"{user}\"")), "{html}");
    }

    assert!(sandbox.expire_session(&session_id));
    assert!(!sandbox.expire_session("no-such-session"));
    let page = http().get(start.clone()).send().await.unwrap();
    assert_eq!(page.status(), StatusCode::GONE);
    let chosen = http()
        .post(start.clone())
        .form(&[("session-id", session_id.as_str()), ("user", "VERIFIED")])
        .send()
        .await
        .unwrap();
    assert_eq!(chosen.status(), StatusCode::GONE);
    let error = prove_identity(&start, "VERIFIED").await.unwrap_err();
    assert!(error.contains("410"), "{error}");
    assert_eq!(
        sandbox
            .wait_for_webhook(&session_id, Duration::from_millis(1500))
            .await,
        None
    );
    assert!(receiver.calls().is_empty());
}

/// The entries of a tar archive: name and content.
fn untar(mut archive: &[u8]) -> Vec<(String, Vec<u8>)> {
    let mut entries = Vec::new();
    loop {
        let (header, rest) = archive.split_at(512);
        if header.iter().all(|&b| b == 0) {
            assert!(rest.len() >= 512 && rest[..512].iter().all(|&b| b == 0));
            return entries;
        }
        let name_end = header.iter().position(|&b| b == 0).unwrap();
        let name = String::from_utf8(header[..name_end].to_vec()).unwrap();
        assert_eq!(&header[257..263], b"ustar\0");
        let size = std::str::from_utf8(&header[124..135]).unwrap();
        let size = usize::from_str_radix(size, 8).unwrap();
        entries.push((name, rest[..size].to_vec()));
        archive = &rest[size.div_ceil(512) * 512..];
    }
}

#[tokio::test]
async fn the_identity_and_its_proof_need_the_api_key() {
    let sandbox = start(SandboxOptions::default()).await;
    let receiver = Receiver::start(0).await;
    let (_, _, delivery) = prove(&sandbox, &receiver, "VERIFIED", None).await;
    let identity_id = delivery[0].body["identityId"].as_str().unwrap().to_owned();
    let proof_url = delivery[0].body["proofUrl"].as_str().unwrap().to_owned();
    let identity_url = url(&sandbox, "idv_url")
        .join(&format!("/gips/v1/identities/{identity_id}"))
        .unwrap();

    for key in [None, Some("wrong")] {
        for target in [identity_url.as_str(), proof_url.as_str()] {
            let mut request = http().get(target);
            if let Some(key) = key {
                request = request.header("apikey", key);
            }
            let response = request.send().await.unwrap();
            assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{target}");
        }
    }
    let unknown = http()
        .get(
            url(&sandbox, "idv_url")
                .join("/gips/v1/identities/gips-nobody")
                .unwrap(),
        )
        .header("apikey", API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(unknown.status(), StatusCode::NOT_FOUND);

    let identity: Value = http()
        .get(identity_url)
        .header("apikey", API_KEY)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(identity["id"], identity_id.as_str());
    assert_eq!(identity["status"], "VERIFIED");
    assert!(identity["levelOfAssurance"].is_string());
    assert!(identity["idDocumentData"]["personalAttributes"]["surname"].is_string());
    assert!(identity["evidences"]
        .as_array()
        .unwrap()
        .iter()
        .all(|e| e["status"] == "VERIFIED"));

    let padding = 3 * 1024 * 1024 + 7;
    sandbox.set_proof_padding(padding);
    let response = http()
        .get(&proof_url)
        .header("apikey", API_KEY)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), StatusCode::OK);
    assert_eq!(response.headers()["content-type"], "application/gzip");
    assert_eq!(response.content_length(), None, "streamed, not built whole");
    let gzipped = response.bytes().await.unwrap();
    assert!(
        gzipped.len() as u64 > padding,
        "no compression of the padding"
    );
    let mut archive = Vec::new();
    flate2::read::GzDecoder::new(&gzipped[..])
        .read_to_end(&mut archive)
        .unwrap();
    let entries = untar(&archive);
    let names: Vec<&str> = entries.iter().map(|(n, _)| n.as_str()).collect();
    assert_eq!(names, ["identity.json", "padding.txt"]);
    let inside: Value = serde_json::from_slice(&entries[0].1).unwrap();
    assert_eq!(inside, identity);
    assert_eq!(entries[1].1.len() as u64, padding);

    // A large one comes in small pieces, as it is made.
    let padding = 64 * 1024 * 1024;
    sandbox.set_proof_padding(padding);
    let mut response = http()
        .get(&proof_url)
        .header("apikey", API_KEY)
        .send()
        .await
        .unwrap();
    let (mut received, mut largest) = (0, 0);
    while let Some(chunk) = response.chunk().await.unwrap() {
        received += chunk.len() as u64;
        largest = largest.max(chunk.len());
    }
    assert!(received > padding);
    assert!(largest <= 1024 * 1024, "{largest}");
}
