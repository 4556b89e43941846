//! The demo of IDEMIA's Identity Proofing App (a `rest` provider): the relying
//! party serves its end-of-process webhook on 127.0.0.1, and for each scripted user
//! obtains a token, creates a session, has the user prove their identity on the
//! sandbox's page, receives the webhook and, for a verified identity, fetches the
//! identity payload and saves the proof file. Then: a relying party answering 500
//! twice (the provider's retries), a duplicate delivery, a forged call, a proofUrl
//! on another host, and an expired session.
//!
//! A rest provider's operations are types of its generated module, so its demo
//! names them; the flow itself is the runtime's.

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::response::IntoResponse as _;
use idspec::idemia_ipa::{
    test_users, Client, CreateSession, EndOfProcess, EndOfProcessStatus, GetIdentity, GetProof,
    SessionStart,
};
use idspec::runtime::rest::{RestTarget, WebhookOutcome, WebhookRequest};
use idspec::runtime::{ErrorMetadata, HttpClient, Uuid};
use idspec_codegen::ValidatedSpec;
use idspec_sandbox::{Sandbox, SandboxOptions};
use tokio::sync::mpsc;

use super::{ok, Steps, SECRET};

/// How long the demo waits for a webhook: the user's scripted delay plus the
/// provider's retries, with room.
const WEBHOOK_WAIT: Duration = Duration::from_secs(10);
const API_KEY: &str = "sandbox-api-key";

/// Sessions whose first two deliveries the relying party answers 500, each with
/// the number of deliveries it got.
type Flaky = Arc<Mutex<Vec<(Uuid, Arc<AtomicU32>)>>>;

/// What the relying party's webhook endpoint hands the demo.
type Outcomes = mpsc::UnboundedReceiver<WebhookOutcome<EndOfProcess>>;

/// The relying party: its client, and its webhook endpoint's state.
struct RelyingParty {
    client: Client,
    callback_url: String,
    outcomes: Outcomes,
    /// Sessions whose first two deliveries are answered 500.
    flaky: Flaky,
}

pub(super) async fn drive(spec: &ValidatedSpec, steps: &mut Steps) {
    let Some(sandbox) = ok(
        steps,
        "sandbox",
        Sandbox::start(spec, SandboxOptions::default())
            .await
            .map(|sandbox| {
                let shown = format!("simulated IDEMIA at {}", sandbox.base_url());
                (sandbox, shown)
            })
            .map_err(|e| e.to_string()),
    ) else {
        return;
    };
    let rp = relying_party(&sandbox, None).await.map(|rp| {
        let shown = format!("webhook endpoint {}", rp.callback_url);
        (rp, shown)
    });
    let Some(mut rp) = ok(steps, "relying party (client and webhook endpoint)", rp) else {
        return;
    };
    let dir = std::env::temp_dir().join("idspec-demo");
    let _ = tokio::fs::create_dir_all(&dir).await;

    for (login, status) in [
        (test_users::VERIFIED, None),
        (test_users::ABORTS, Some(EndOfProcessStatus::Error)),
        (
            test_users::DROPS_OFF,
            Some(EndOfProcessStatus::HeartbeatTimeout),
        ),
    ] {
        prove(&sandbox, &mut rp, login, status, &dir, steps).await;
    }
    steps.report(
        "one access token served every session (cached, renewed only near expiry)",
        match sandbox.token_requests() {
            1 => Ok("1 token request to the Cognito URL".to_owned()),
            n => Err(format!("{n} token requests")),
        },
    );

    retried_delivery(&sandbox, &mut rp, steps).await;
    duplicate_and_forgeries(&sandbox, &mut rp, steps).await;
    expired_session(&sandbox, steps).await;
}

/// The client and the webhook endpoint (a small axum server on 127.0.0.1).
async fn relying_party(
    sandbox: &Sandbox,
    lifetime: Option<Duration>,
) -> Result<RelyingParty, String> {
    let http = HttpClient::builder()
        .allow_loopback_http(true)
        .build()
        .map_err(|e| e.to_string())?;
    let mut builder = Client::builder(RestTarget::urls(sandbox.rest_urls()))
        .client_credentials("sandbox-client", SECRET)
        .api_key(API_KEY)
        .http_client(http);
    if let Some(lifetime) = lifetime {
        builder = builder.flow_lifetime(lifetime);
    }
    let client = builder.build().map_err(|e| e.to_string())?;
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", 0))
        .await
        .map_err(|e| e.to_string())?;
    let callback_url = format!(
        "http://{}/webhooks/idemia/ipa",
        listener.local_addr().map_err(|e| e.to_string())?
    );
    let (sender, outcomes) = mpsc::unbounded_channel();
    let flaky: Flaky = Arc::default();
    let handler = {
        let client = client.clone();
        let flaky = Arc::clone(&flaky);
        move |body: axum::body::Bytes| {
            let client = client.clone();
            let sender = sender.clone();
            let flaky = Arc::clone(&flaky);
            async move {
                // A relying party having a bad moment: the provider must try again.
                if let Some(count) = flaky_count(&flaky, &body) {
                    if count.fetch_add(1, Ordering::SeqCst) < 2 {
                        return axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response();
                    }
                }
                let handled = client
                    .handle_webhook::<EndOfProcess>(WebhookRequest::new("POST", &body))
                    .await;
                let _ = sender.send(handled.outcome);
                handled.response.into_response()
            }
        }
    };
    let app = axum::Router::new().route("/webhooks/idemia/ipa", axum::routing::post(handler));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok(RelyingParty {
        client,
        callback_url,
        outcomes,
        flaky,
    })
}

fn flaky_count(flaky: &Mutex<Vec<(Uuid, Arc<AtomicU32>)>>, body: &[u8]) -> Option<Arc<AtomicU32>> {
    let value: serde_json::Value = serde_json::from_slice(body).ok()?;
    let session = Uuid::parse(value.get("sessionId")?.as_str()?).ok()?;
    let flaky = flaky
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    flaky
        .iter()
        .find(|(id, _)| *id == session)
        .map(|(_, count)| Arc::clone(count))
}

/// Creates a session and has `login` go through it on the sandbox's page.
async fn start_session(sandbox: &Sandbox, rp: &RelyingParty, login: &str) -> Result<Uuid, String> {
    let session = rp
        .client
        .send(
            &CreateSession::new()
                .with_callback_url(rp.callback_url.clone())
                .with_goto_url("http://127.0.0.1/signup/confirm"),
        )
        .await
        .map_err(|e| format!("{} ({})", e, e.code()))?;
    let start = rp
        .client
        .link(&SessionStart::new(session.session_id.clone()))
        .map_err(|e| e.to_string())?;
    let _ = sandbox;
    idspec_sandbox::user_agent::prove_identity(&start, login).await?;
    Ok(session.session_id)
}

async fn next_outcome(rp: &mut RelyingParty) -> Result<WebhookOutcome<EndOfProcess>, String> {
    tokio::time::timeout(WEBHOOK_WAIT, rp.outcomes.recv())
        .await
        .map_err(|_| format!("no webhook within {} s", WEBHOOK_WAIT.as_secs()))?
        .ok_or_else(|| "the webhook endpoint stopped".to_owned())
}

async fn prove(
    sandbox: &Sandbox,
    rp: &mut RelyingParty,
    login: &str,
    status: Option<EndOfProcessStatus>,
    dir: &std::path::Path,
    steps: &mut Steps,
) {
    println!("-- {login} --");
    let Some(session) = ok(
        steps,
        "token, session and the user's proofing on the sandbox page",
        start_session(sandbox, rp, login).await.map(|s| {
            let shown = format!("session {s}");
            (s, shown)
        }),
    ) else {
        return;
    };
    let Some(completed) = ok(
        steps,
        "end-of-process webhook",
        next_outcome(rp).await.and_then(|outcome| match outcome {
            WebhookOutcome::Completed(completed) if completed.flow_id == session.as_str() => {
                let shown = format!(
                    "completed once: status {}, identityId {}",
                    completed
                        .payload
                        .status
                        .as_ref()
                        .map_or("(none: ended properly)".to_owned(), |s| s.to_string()),
                    completed.payload.identity_id.as_deref().unwrap_or("(none)")
                );
                Ok((completed, shown))
            }
            other => Err(format!("expected the session to complete, got {other:?}")),
        }),
    ) else {
        return;
    };
    steps.report(
        "typed status",
        if completed.payload.status == status {
            Ok(format!("{status:?}"))
        } else {
            Err(format!(
                "expected {status:?}, got {:?}",
                completed.payload.status
            ))
        },
    );
    if status.is_some() {
        return;
    }
    let (Some(identity_id), Some(proof_url)) = (
        completed.payload.identity_id.clone(),
        completed.payload.proof_url.clone(),
    ) else {
        steps.report(
            "identity and proof named",
            Err("the webhook names no identity or proof".to_owned()),
        );
        return;
    };
    let identity = rp.client.send(&GetIdentity::new(identity_id)).await;
    steps.report(
        "identity payload (apikey, fetched server-side)",
        identity
            .map(|identity| {
                format!(
                    "status {}, level of assurance {}",
                    identity.get("status").unwrap_or(&serde_json::Value::Null),
                    identity
                        .get("levelOfAssurance")
                        .unwrap_or(&serde_json::Value::Null)
                )
            })
            .map_err(|e| format!("{e} ({})", e.code())),
    );
    let path = dir.join(format!("proof-{session}.tar.gz"));
    let saved = async {
        let mut file = tokio::fs::File::create(&path)
            .await
            .map_err(|e| e.to_string())?;
        let downloaded = rp
            .client
            .download(&GetProof::new(proof_url), &mut file)
            .await
            .map_err(|e| format!("{e} ({})", e.code()))?;
        let head = tokio::fs::read(&path).await.map_err(|e| e.to_string())?;
        if !head.starts_with(&[0x1f, 0x8b]) {
            return Err("the proof file is not gzip".to_owned());
        }
        Ok(format!(
            "{} bytes streamed to {}",
            downloaded.bytes,
            path.display()
        ))
    }
    .await;
    steps.report("proof file saved (streamed)", saved);
}

async fn retried_delivery(sandbox: &Sandbox, rp: &mut RelyingParty, steps: &mut Steps) {
    println!("-- a relying party answering 500 twice --");
    let result = async {
        let session = rp
            .client
            .send(&CreateSession::new().with_callback_url(rp.callback_url.clone()))
            .await
            .map_err(|e| e.to_string())?
            .session_id;
        let count = Arc::new(AtomicU32::new(0));
        rp.flaky
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push((session.clone(), Arc::clone(&count)));
        let start = rp
            .client
            .link(&SessionStart::new(session.clone()))
            .map_err(|e| e.to_string())?;
        idspec_sandbox::user_agent::prove_identity(&start, test_users::VERIFIED).await?;
        let attempts = sandbox
            .wait_for_webhook(session.as_str(), WEBHOOK_WAIT)
            .await
            .ok_or("the sandbox delivered nothing")?;
        let statuses: Vec<String> = attempts
            .iter()
            .map(|a| a.status.map_or("no answer".to_owned(), |s| s.to_string()))
            .collect();
        match next_outcome(rp).await? {
            WebhookOutcome::Completed(c)
                if c.flow_id == session.as_str() && attempts.len() == 3 =>
            {
                Ok(format!(
                    "deliveries answered {}; the session completed on the third, once",
                    statuses.join(", ")
                ))
            }
            other => Err(format!(
                "deliveries answered {}; outcome {other:?}",
                statuses.join(", ")
            )),
        }
    }
    .await;
    steps.report("provider retries after 500, 500", result);
}

async fn duplicate_and_forgeries(sandbox: &Sandbox, rp: &mut RelyingParty, steps: &mut Steps) {
    println!("-- duplicates and forgeries --");
    let last = sandbox
        .webhook_deliveries()
        .last()
        .map(|r| r.session_id.clone());
    let duplicate = async {
        let session = last.ok_or("no delivery to repeat")?;
        let status = sandbox.replay_webhook(&session).await?;
        match next_outcome(rp).await? {
            WebhookOutcome::Duplicate { .. } => {
                Ok(format!("answered {status}, nothing done again"))
            }
            other => Err(format!("answered {status}; outcome {other:?}")),
        }
    }
    .await;
    steps.report("a repeated delivery", duplicate);

    let callback_url = rp.callback_url.clone();
    let post = |body: serde_json::Value| {
        let url = callback_url.clone();
        async move {
            reqwest::Client::new()
                .post(url)
                .json(&body)
                .send()
                .await
                .map(|r| r.status().as_u16())
                .map_err(|e| e.to_string())
        }
    };
    let forged = async {
        let status = post(serde_json::json!({
            "applicationId": "sandbox-client",
            "identityId": "gips-00000000-0000-4000-8000-000000000000",
            "sessionId": idspec::runtime::random::uuid_v4(),
            "proofUrl": format!("{}gips/v1/identities/gips-00000000-0000-4000-8000-000000000000/proof", sandbox.base_url()),
            "timestamp": 1733294237.9188666,
        }))
        .await?;
        match next_outcome(rp).await? {
            WebhookOutcome::UnknownFlow { .. } => Ok(format!("answered {status}; completes nothing")),
            other => Err(format!("answered {status}; outcome {other:?}")),
        }
    }
    .await;
    steps.report("a forged call for a session never started", forged);

    let foreign = async {
        let session = rp
            .client
            .send(&CreateSession::new().with_callback_url(rp.callback_url.clone()))
            .await
            .map_err(|e| e.to_string())?
            .session_id;
        let status = post(serde_json::json!({
            "applicationId": "sandbox-client",
            "identityId": "gips-00000000-0000-4000-8000-000000000001",
            "sessionId": session.as_str(),
            "proofUrl": "https://proofing.attacker.example/gips/v1/identities/x/proof",
            "timestamp": 1733294237.9188666,
        }))
        .await?;
        match next_outcome(rp).await? {
            WebhookOutcome::Rejected(rejection) => Ok(format!(
                "answered {status}: {rejection} ({})",
                rejection.code()
            )),
            other => Err(format!("answered {status}; outcome {other:?}")),
        }
    }
    .await;
    steps.report("a proofUrl on another host", foreign);
}

async fn expired_session(sandbox: &Sandbox, steps: &mut Steps) {
    println!("-- an expired session --");
    let result = async {
        // The relying party's own bound, shorter than IPA's 30 minutes, so that the
        // demo need not wait half an hour; the scripted user takes a second.
        let mut rp = relying_party(sandbox, Some(Duration::from_millis(300))).await?;
        start_session(sandbox, &rp, test_users::VERIFIED).await?;
        match next_outcome(&mut rp).await? {
            WebhookOutcome::Expired(expired) => Ok(format!(
                "the webhook came after the session's lifetime: ended as expired (session {})",
                expired.flow_id
            )),
            other => Err(format!("outcome {other:?}")),
        }
    }
    .await;
    steps.report("a webhook for an expired session", result);
}
