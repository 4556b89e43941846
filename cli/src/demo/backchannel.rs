//! The demo of a backchannel provider (imID): the relying party serves its
//! notification endpoint on 127.0.0.1 (the runtime's axum route), registers an RSA
//! 4096 key without `alg` (as the provider's `pem-to-jwk` step makes it) with the
//! sandbox, and identifies each scripted user.

use std::fmt::Write as _;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use idspec::runtime::jose::RelyingPartyKeys;
use idspec::runtime::{
    BackchannelParams, Client, Error, ErrorMetadata, FlowStore, HttpClient, MemoryFlowStore,
    NotificationOutcome, Provider, ProviderErrorCode,
};
use idspec_codegen::model::{Outcome, SandboxUser, Spec};
use idspec_codegen::ValidatedSpec;
use idspec_sandbox::{Sandbox, SandboxClient, SandboxOptions};

use super::{describe_error, ok, ok_typed, typed_fields, Steps, SECRET};

/// The demo waits this long for a user who never answers, instead of the provider's
/// timeout plus grace (imID: 360 s); a shorter wait is the relying party's choice.
const DEMO_WAIT: Duration = Duration::from_secs(4);

/// What the notification endpoint saw, in order, as one line each.
type Seen = Arc<Mutex<Vec<String>>>;

pub(super) async fn drive<P: Provider>(spec: &ValidatedSpec, steps: &mut Steps) {
    let spec_model = spec.spec();
    let Some((keys, jwk)) = ok(
        steps,
        "relying party key (RSA 4096, kid demo-rp-2026)",
        rp_key(),
    ) else {
        return;
    };
    // The notification endpoint first: its URL is the client's redirect URI.
    let listener = match tokio::net::TcpListener::bind(("127.0.0.1", 0)).await {
        Ok(listener) => listener,
        Err(error) => {
            steps.report("notification endpoint", Err(error.to_string()));
            return;
        }
    };
    let notification_url = match listener.local_addr() {
        Ok(address) => format!("http://{address}/imid/notification"),
        Err(error) => {
            steps.report("notification endpoint", Err(error.to_string()));
            return;
        }
    };
    let registered = SandboxClient {
        jwks: vec![jwk],
        redirect_uris: vec![notification_url.clone()],
        ..SandboxClient::default()
    };
    let sandbox = match Sandbox::start(
        spec,
        SandboxOptions {
            clients: vec![registered.clone()],
            ..SandboxOptions::default()
        },
    )
    .await
    {
        Ok(sandbox) => sandbox,
        Err(error) => {
            steps.report("sandbox", Err(error.to_string()));
            return;
        }
    };
    println!("sandbox {}", sandbox.issuer());
    let store: Arc<dyn FlowStore> = Arc::new(MemoryFlowStore::new());
    let built = build_client::<P>(
        &store,
        &sandbox,
        &registered,
        keys.clone(),
        &notification_url,
        None,
    );
    let Some(client) = ok(
        steps,
        "client (discovery, https:443 rule waived for loopback)",
        built,
    ) else {
        return;
    };
    let seen: Seen = Arc::default();
    serve(listener, client.clone(), Arc::clone(&seen));
    println!("notification endpoint {notification_url}");

    let users: &[SandboxUser] = spec_model
        .sandbox
        .as_ref()
        .map(|s| s.users.as_slice())
        .unwrap_or_default();
    let approving = users.iter().find(|u| u.outcome == Outcome::Approve);
    let mut approved_request = None;
    if let Some(user) = approving {
        let step = format!("{} ({}) identified", user.name, user.login);
        let outcome = identify(&client, spec_model, &user.login).await;
        approved_request = ok_typed(steps, &step, outcome);
    }
    for user in users.iter().filter(|u| u.outcome != Outcome::Approve) {
        let step = format!(
            "{} ({}): {}",
            user.name,
            user.login,
            user.outcome_text(false)
        );
        let client = if user.outcome == Outcome::NoAnswer {
            let wait_client = build_client::<P>(
                &store,
                &sandbox,
                &registered,
                keys.clone(),
                &notification_url,
                Some(DEMO_WAIT),
            );
            match wait_client {
                Ok((client, _)) => client,
                Err(error) => {
                    steps.report(&step, Err(error));
                    continue;
                }
            }
        } else {
            client.clone()
        };
        let outcome = scripted::<P>(&client, spec_model, user).await;
        steps.report(&step, outcome);
    }

    // Notifications that must complete nothing.
    if let Some(request_id) = approved_request {
        let replayed = sandbox.replay_notification(&request_id).await;
        let outcome = match replayed {
            Ok(204) => Ok(format!(
                "the same body and bearer again: answered 204, completed nothing ({})",
                last_seen(&seen)
            )),
            Ok(status) => Err(format!("answered {status}")),
            Err(error) => Err(error),
        };
        steps.report("a replayed notification", outcome);
    }
    let forged = forge(&notification_url).await;
    let outcome = match forged {
        Ok(401) => Ok(format!("answered 401 ({})", last_seen(&seen))),
        Ok(status) => Err(format!("answered {status}")),
        Err(error) => Err(error),
    };
    steps.report("a forged notification (unknown bearer token)", outcome);
    if let Some(user) = approving {
        let wait = client_wait(user.delay.map(|d| d.seconds).unwrap_or(1));
        let outcome = match build_client::<P>(
            &store,
            &sandbox,
            &registered,
            keys,
            &notification_url,
            Some(wait),
        ) {
            Ok((client, _)) => late::<P>(&client, &sandbox, spec_model, user, &seen).await,
            Err(error) => Err(error),
        };
        steps.report("a notification after the wait is over", outcome);
    }
}

fn rp_key() -> Result<((RelyingPartyKeys, josekit::jwk::Jwk), String), String> {
    let mut private =
        josekit::jwk::Jwk::generate_rsa_key(4096).map_err(|e| format!("cannot generate: {e}"))?;
    private.set_key_id("demo-rp-2026");
    let json = serde_json::to_string(private.as_ref()).map_err(|e| e.to_string())?;
    let keys = RelyingPartyKeys::from_jwk_json(&json).map_err(|e| e.to_string())?;
    // josekit's public half does not keep the kid; imID registers it with the key.
    let mut public = private.to_public_key().map_err(|e| e.to_string())?;
    public.set_key_id("demo-rp-2026");
    Ok((
        (keys, public),
        "no alg in the JWK, as pem-to-jwk makes it; the request object is signed RS512".to_owned(),
    ))
}

/// `store` is shared by every client of the demo: the notification endpoint is
/// served by the first, and must find the flows the others start.
fn build_client<P: Provider>(
    store: &Arc<dyn FlowStore>,
    sandbox: &Sandbox,
    registered: &SandboxClient,
    keys: RelyingPartyKeys,
    notification_url: &str,
    wait: Option<Duration>,
) -> Result<(Client<P>, String), String> {
    let http = HttpClient::builder()
        .allow_loopback_http(true)
        .build()
        .map_err(|e| e.to_string())?;
    let mut builder = Client::<P>::builder(sandbox.endpoints())
        .http_client(http)
        .flow_store(Arc::clone(store))
        .client_id(registered.client_id.clone())
        .client_secret(SECRET)
        .audience(registered.audience.clone())
        .keys(keys)
        .redirect_uri(notification_url);
    if let Some(wait) = wait {
        builder = builder.backchannel_wait(wait);
    }
    let client = builder.build().map_err(|e| e.to_string())?;
    Ok((client, format!("client id {}", registered.client_id)))
}

/// Serves the runtime's axum notification route; each outcome becomes a line.
fn serve<P: Provider>(listener: tokio::net::TcpListener, client: Client<P>, seen: Seen) {
    let route = idspec::runtime::axum::notification_route(client, move |outcome| {
        let seen = Arc::clone(&seen);
        async move {
            let line = match &outcome {
                NotificationOutcome::Completed(identification) => {
                    format!("completed {}", identification.correlation_id)
                }
                NotificationOutcome::Failed { error, .. } => format!("failed: {}", error.code()),
                NotificationOutcome::HandedToWaiter { correlation_id } => {
                    format!("handed to the waiter of {correlation_id}")
                }
                NotificationOutcome::Rejected(rejection) => {
                    format!("rejected: {}", rejection.code())
                }
                _ => "other".to_owned(),
            };
            seen.lock().unwrap_or_else(|e| e.into_inner()).push(line);
        }
    });
    tokio::spawn(async move {
        let _ = axum::serve(listener, route).await;
    });
}

fn last_seen(seen: &Seen) -> String {
    seen.lock()
        .unwrap_or_else(|e| e.into_inner())
        .last()
        .cloned()
        .unwrap_or_else(|| "nothing seen".to_owned())
}

/// The request for `login`: the required scopes (a parameterised one with a demo
/// value), the user's identifier and the documented defaults.
fn request(spec: &Spec, login: &str) -> BackchannelParams {
    let mut request = BackchannelParams::new();
    let params = request.params_mut();
    for (wire, _) in spec.required_scopes() {
        let scope = match wire.find('{') {
            Some(open) => format!("{}demo-assigned-scope", &wire[..open]),
            None => wire.clone(),
        };
        params.add_scope(&scope);
    }
    if let Some(backchannel) = &spec.backchannel {
        for (name, param) in &backchannel.params {
            if param.required {
                params.set(name.clone(), login.to_owned());
            } else if let Some(default) = &param.default {
                params.set(name.clone(), default.clone());
            }
        }
    }
    request
}

/// Identifies `login` end to end; the provider's request id on success.
async fn identify<P: Provider>(
    client: &Client<P>,
    spec: &Spec,
    login: &str,
) -> Result<(String, String), Error<P::ErrorCode>> {
    let pending = client.initiate(request(spec, login)).await?;
    let request_id = pending.request_id().to_owned();
    let mut detail = format!(
        "signed request accepted: auth_req_id {request_id}, correlation_id {}\n",
        pending.correlation_id()
    );
    let identification = pending.outcome().await?;
    let _ = writeln!(
        detail,
        "PIN approved on the phone; the notification's bearer token matched, the code was exchanged, the ID token validated with the request's nonce"
    );
    if let Some(claims) = identification.login.id_token_claims() {
        let _ = writeln!(detail, "ID token claims: {}", super::json(claims));
    }
    let _ = write!(
        detail,
        "userinfo (POST with the correlation id):\n{}",
        typed_fields(&identification.userinfo)
    );
    Ok((request_id, detail))
}

/// A scripted user other than the approving one, ending as its spec says.
async fn scripted<P: Provider>(
    client: &Client<P>,
    spec: &Spec,
    user: &SandboxUser,
) -> Result<String, String> {
    let times = user.times.unwrap_or(0);
    let mut detail = String::new();
    for attempt in 0..=times {
        let started = client.initiate(request(spec, &user.login)).await;
        let outcome = match started {
            Ok(pending) => pending.outcome().await.map(|i| i.correlation_id),
            Err(error) => Err(error),
        };
        match (&user.outcome, outcome) {
            (Outcome::Error(code), Err(error)) if error.code() == code => {
                let _ = writeln!(detail, "{}", describe_error(&error));
                explain::<P>(&error, &mut detail);
                if attempt == times {
                    return Ok(detail);
                }
            }
            (Outcome::Error(_), Ok(correlation_id)) if times > 0 && attempt == times => {
                let _ = writeln!(
                    detail,
                    "attempt {}: identified ({correlation_id})",
                    attempt + 1
                );
                return Ok(detail);
            }
            (Outcome::NoAnswer, Err(error)) if error.code() == "backchannel_timeout" => {
                let _ = writeln!(
                    detail,
                    "{} (the demo waits {} s; the default is the provider's timeout plus grace)",
                    describe_error(&error),
                    DEMO_WAIT.as_secs()
                );
                return Ok(detail);
            }
            (_, Ok(_)) => return Err("identified, but the user should not be".to_owned()),
            (_, Err(error)) => return Err(describe_error(&error)),
        }
    }
    Err("the burst did not end".to_owned())
}

/// The advice and the user-facing texts an error carries.
fn explain<P: Provider>(error: &Error<P::ErrorCode>, detail: &mut String) {
    let Some(provider) = error.provider_error() else {
        return;
    };
    if let Some(wait) = provider.retry_after() {
        let _ = writeln!(detail, "retry after {} s", wait.as_secs());
    }
    for language in ["en", "hy"] {
        if let Some(text) = provider.kind().display_message(language) {
            let _ = writeln!(detail, "for the user ({language}): {text}");
        }
    }
}

/// A notification with a bearer token no flow was started with.
async fn forge(url: &str) -> Result<u16, String> {
    let response = reqwest::Client::new()
        .post(url)
        .bearer_auth("00000000-0000-4000-8000-000000000000")
        .header("content-type", "application/json")
        .body(r#"{"auth_req_id":"guess","correlation_id":"guess","code":"guess"}"#)
        .send()
        .await
        .map_err(|e| e.to_string())?;
    Ok(response.status().as_u16())
}

/// How long the late client waits: half the time the user takes to answer.
fn client_wait(answer_seconds: u64) -> Duration {
    Duration::from_millis(answer_seconds * 1000 / 2)
}

/// With a client that gives up before the approving user answers: the flow times
/// out, and the notification that follows is refused.
async fn late<P: Provider>(
    client: &Client<P>,
    sandbox: &Sandbox,
    spec: &Spec,
    user: &SandboxUser,
    seen: &Seen,
) -> Result<String, String> {
    let answer = user.delay.map(|d| d.seconds).unwrap_or(1);
    let wait = client_wait(answer);
    let pending = client
        .initiate(request(spec, &user.login))
        .await
        .map_err(|e| describe_error(&e))?;
    let request_id = pending.request_id().to_owned();
    let timed_out = match pending.outcome().await {
        Err(error) if error.code() == "backchannel_timeout" => describe_error(&error),
        Err(error) => return Err(describe_error(&error)),
        Ok(_) => return Err("identified after the wait".to_owned()),
    };
    let record = sandbox
        .wait_for_notification(&request_id, Duration::from_secs(answer + 5))
        .await
        .ok_or("the sandbox sent no notification")?;
    // The outcome line is written after the response is sent.
    tokio::time::sleep(Duration::from_millis(100)).await;
    match record.status {
        Ok(401) => Ok(format!(
            "waited {} ms: {timed_out}\nthe user's answer arrived later: answered 401 ({})",
            wait.as_millis(),
            last_seen(seen)
        )),
        Ok(status) => Err(format!("the late notification was answered {status}")),
        Err(error) => Err(error),
    }
}
