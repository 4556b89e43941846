//! The generated IPA client end to end against the sandbox: every webhook status,
//! the identity and the proof fetched server-side, the provider's retries after a
//! relying party's 500s, duplicate deliveries, a forged call, a foreign proofUrl, an
//! expired session, and a large proof streamed with bounded memory.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use axum::response::IntoResponse as _;
use idspec::idemia_ipa::{
    test_users, Client, CreateSession, EndOfProcess, EndOfProcessStatus, GetIdentity, GetProof,
    SessionStart,
};
use idspec::runtime::rest::{
    RestError, RestTarget, WebhookOutcome, WebhookRejection, WebhookRequest,
};
use idspec::runtime::{Error, HttpClient, Uuid};
use idspec_sandbox::{Sandbox, SandboxOptions};
use tokio::sync::mpsc;

/// Long enough for a scripted user's 1 s delay and two retries 1 s apart on a
/// loaded machine; never waited in full by a passing test.
const PATIENCE: Duration = Duration::from_secs(15);

struct Setup {
    sandbox: Sandbox,
    client: Client,
    callback_url: String,
    outcomes: mpsc::UnboundedReceiver<WebhookOutcome<EndOfProcess>>,
    /// How many of the next deliveries the relying party answers 500.
    failures: Arc<AtomicU32>,
}

async fn sandbox() -> Sandbox {
    let text = include_str!("../../specs/idemia-ipa.yaml");
    let spec = idspec_codegen::load("idemia-ipa.yaml", text).unwrap_or_else(|d| panic!("{d}"));
    Sandbox::start(&spec, SandboxOptions::default())
        .await
        .unwrap()
}

fn client(sandbox: &Sandbox, lifetime: Option<Duration>) -> Client {
    let http = HttpClient::builder()
        .allow_loopback_http(true)
        .build()
        .unwrap();
    let mut builder = Client::builder(RestTarget::urls(sandbox.rest_urls()))
        .client_credentials("sandbox-client", "sandbox-secret")
        .api_key("sandbox-api-key")
        .http_client(http)
        .max_download_bytes(1024 * 1024 * 1024);
    if let Some(lifetime) = lifetime {
        builder = builder.flow_lifetime(lifetime);
    }
    builder.build().unwrap()
}

/// The sandbox, a client, and the relying party's webhook endpoint on loopback.
async fn setup(lifetime: Option<Duration>) -> Setup {
    let sandbox = sandbox().await;
    let client = client(&sandbox, lifetime);
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .unwrap();
    let callback_url = format!("http://{}/webhooks/ipa", listener.local_addr().unwrap());
    let (sender, outcomes) = mpsc::unbounded_channel();
    let failures = Arc::new(AtomicU32::new(0));
    let handler = {
        let (client, failures) = (client.clone(), Arc::clone(&failures));
        move |body: axum::body::Bytes| {
            let (client, sender, failures) =
                (client.clone(), sender.clone(), Arc::clone(&failures));
            async move {
                let failing = failures
                    .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
                    .is_ok();
                if failing {
                    return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
                }
                let handled = client
                    .handle_webhook::<EndOfProcess>(WebhookRequest::new("POST", &body))
                    .await;
                sender.send(handled.outcome).unwrap();
                handled.response.into_response()
            }
        }
    };
    let app = axum::Router::new().route("/webhooks/ipa", axum::routing::post(handler));
    tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    Setup {
        sandbox,
        client,
        callback_url,
        outcomes,
        failures,
    }
}

impl Setup {
    async fn create_session(&self) -> Uuid {
        self.client
            .send(&CreateSession::new().with_callback_url(self.callback_url.clone()))
            .await
            .unwrap()
            .session_id
    }

    /// A session, gone through by `user` on the sandbox's page.
    async fn prove(&self, user: &str) -> Uuid {
        let session = self.create_session().await;
        let start = self
            .client
            .link(&SessionStart::new(session.clone()))
            .unwrap();
        assert_eq!(
            start.query(),
            Some(format!("session-id={session}").as_str())
        );
        idspec_sandbox::user_agent::prove_identity(&start, user)
            .await
            .unwrap();
        session
    }

    async fn outcome(&mut self) -> WebhookOutcome<EndOfProcess> {
        tokio::time::timeout(PATIENCE, self.outcomes.recv())
            .await
            .expect("no webhook reached the relying party")
            .unwrap()
    }

    async fn post(&self, body: serde_json::Value) -> u16 {
        reqwest::Client::new()
            .post(&self.callback_url)
            .json(&body)
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}

fn completed(outcome: WebhookOutcome<EndOfProcess>, session: &Uuid) -> EndOfProcess {
    match outcome {
        WebhookOutcome::Completed(completed) => {
            assert_eq!(completed.flow_id, session.as_str());
            assert_eq!(&completed.payload.session_id, session);
            completed.payload
        }
        other => panic!("expected the session to complete, got {other:?}"),
    }
}

#[tokio::test]
async fn a_verified_identity_is_fetched_and_its_proof_saved() {
    let mut setup = setup(None).await;
    let session = setup.prove(test_users::VERIFIED).await;
    let payload = completed(setup.outcome().await, &session);
    assert_eq!(payload.status, None);
    assert_eq!(payload.application_id, "sandbox-client");
    assert!(payload.timestamp > 1.7e9, "{}", payload.timestamp);
    let identity_id = payload.identity_id.expect("an identity was created");
    let identity = setup
        .client
        .send(&GetIdentity::new(identity_id.clone()))
        .await
        .unwrap();
    assert_eq!(identity["id"], identity_id.as_str());
    assert_eq!(identity["status"], "VERIFIED");

    let dir = std::env::temp_dir().join(format!("idspec-ipa-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("proof.tar.gz");
    let mut file = tokio::fs::File::create(&path).await.unwrap();
    let downloaded = setup
        .client
        .download(&GetProof::new(payload.proof_url.unwrap()), &mut file)
        .await
        .unwrap();
    let saved = std::fs::read(&path).unwrap();
    assert_eq!(downloaded.bytes, saved.len() as u64);
    assert_eq!(&saved[..2], &[0x1f, 0x8b], "gzip");
    assert_eq!(downloaded.content_type.as_deref(), Some("application/gzip"));
    std::fs::remove_dir_all(&dir).unwrap();
    assert_eq!(setup.sandbox.token_requests(), 1);
}

#[tokio::test]
async fn sessions_that_end_badly_carry_their_status_and_no_identity() {
    let mut setup = setup(None).await;
    for (user, status) in [
        (test_users::ABORTS, EndOfProcessStatus::Error),
        (test_users::DROPS_OFF, EndOfProcessStatus::HeartbeatTimeout),
    ] {
        let session = setup.prove(user).await;
        let payload = completed(setup.outcome().await, &session);
        assert_eq!(payload.status, Some(status), "{user}");
        assert_eq!(payload.identity_id, None);
        assert_eq!(payload.proof_url, None);
    }
    assert_eq!(
        setup.sandbox.token_requests(),
        1,
        "one token for both sessions"
    );
}

#[tokio::test]
async fn the_providers_retries_after_500s_complete_the_session_once() {
    let mut setup = setup(None).await;
    setup.failures.store(2, Ordering::SeqCst);
    let session = setup.prove(test_users::VERIFIED).await;
    completed(setup.outcome().await, &session);
    let attempts = setup
        .sandbox
        .wait_for_webhook(session.as_str(), PATIENCE)
        .await
        .unwrap();
    let statuses: Vec<Option<u16>> = attempts.iter().map(|a| a.status).collect();
    assert_eq!(statuses, [Some(500), Some(500), Some(204)]);

    // A repeat of the delivery (a lost answer, or a replay) does nothing again.
    assert_eq!(
        setup
            .sandbox
            .replay_webhook(session.as_str())
            .await
            .unwrap(),
        204
    );
    match setup.outcome().await {
        WebhookOutcome::Duplicate { flow_id } => assert_eq!(flow_id, session.as_str()),
        other => panic!("expected a duplicate, got {other:?}"),
    }
}

#[tokio::test]
async fn forged_and_foreign_calls_complete_nothing() {
    let mut setup = setup(None).await;
    // A session never started here.
    let status = setup
        .post(serde_json::json!({
            "applicationId": "sandbox-client",
            "sessionId": idspec::runtime::random::uuid_v4(),
            "timestamp": 1733294237.9188666,
        }))
        .await;
    assert_eq!(status, 204);
    assert!(matches!(
        setup.outcome().await,
        WebhookOutcome::UnknownFlow { .. }
    ));

    // A pending session, named with a proof on another host: refused before the
    // flow is touched, so the genuine call still completes it.
    let session = setup.create_session().await;
    let status = setup
        .post(serde_json::json!({
            "applicationId": "sandbox-client",
            "identityId": "gips-2d4ac3d2-053c-4f9e-9ef0-c9a0f251c667",
            "sessionId": session.as_str(),
            "proofUrl": "https://proofing.attacker.example/gips/v1/identities/x/proof",
            "timestamp": 1733294237.9188666,
        }))
        .await;
    assert_eq!(status, 400);
    match setup.outcome().await {
        WebhookOutcome::Rejected(WebhookRejection::ForeignUrl { member, origin }) => {
            assert_eq!((member, origin), ("proofUrl", "idv_url"));
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    let start = setup
        .client
        .link(&SessionStart::new(session.clone()))
        .unwrap();
    idspec_sandbox::user_agent::prove_identity(&start, test_users::VERIFIED)
        .await
        .unwrap();
    completed(setup.outcome().await, &session);

    // And the client never sends its API key off the ID&V host.
    let error = setup
        .client
        .download(
            &GetProof::new("https://proofing.attacker.example/gips/v1/identities/x/proof"),
            &mut tokio::io::sink(),
        )
        .await
        .unwrap_err();
    assert!(
        matches!(
            error,
            Error::Rest(RestError::ForeignUrl {
                origin: "idv_url",
                ..
            })
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_webhook_after_the_sessions_lifetime_ends_it_as_expired() {
    // The relying party's own bound stands in for IPA's 30 minutes; the scripted
    // user takes a second.
    let mut setup = setup(Some(Duration::from_millis(200))).await;
    let session = setup.prove(test_users::VERIFIED).await;
    match setup.outcome().await {
        WebhookOutcome::Expired(expired) => assert_eq!(expired.flow_id, session.as_str()),
        other => panic!("expected an expiry, got {other:?}"),
    }
    // A retry of it is a duplicate, not a second expiry.
    setup
        .sandbox
        .replay_webhook(session.as_str())
        .await
        .unwrap();
    assert!(matches!(
        setup.outcome().await,
        WebhookOutcome::Duplicate { .. }
    ));

    // A session the provider expired cannot be started by the user.
    let session = setup.create_session().await;
    assert!(setup.sandbox.expire_session(session.as_str()));
    let start = setup.client.link(&SessionStart::new(session)).unwrap();
    assert!(
        idspec_sandbox::user_agent::prove_identity(&start, test_users::VERIFIED)
            .await
            .is_err()
    );
}

/// The process's peak resident memory, from /proc.
fn peak_rss_bytes() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    let kib: u64 = line.split_whitespace().nth(1).unwrap().parse().unwrap();
    kib * 1024
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_large_proof_is_streamed_with_bounded_memory() {
    const SIZE: u64 = 256 * 1024 * 1024;
    let mut setup = setup(None).await;
    let session = setup.prove(test_users::VERIFIED).await;
    let payload = completed(setup.outcome().await, &session);
    setup.sandbox.set_proof_padding(SIZE);
    let before = peak_rss_bytes();
    let downloaded = setup
        .client
        .download(
            &GetProof::new(payload.proof_url.unwrap()),
            &mut tokio::io::sink(),
        )
        .await
        .unwrap();
    let growth = peak_rss_bytes().saturating_sub(before);
    assert!(downloaded.bytes > SIZE, "{} bytes", downloaded.bytes);
    assert!(
        growth < 64 * 1024 * 1024,
        "peak memory grew by {} MiB for a {} MiB proof",
        growth / (1024 * 1024),
        downloaded.bytes / (1024 * 1024)
    );
}
