//! Every scripted imID user against the sandbox, through the generated client and
//! the runtime's notification route: the approval with its typed userinfo, the
//! user's cancellation, the refusals at the authorization endpoint, a user who never
//! answers, a replayed notification and one that arrives after the wait.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use idspec::imid::{
    test_users, AuthorizationErrorCode, ErrorCode, NotificationErrorCode, TokenErrorCode,
};
use idspec::runtime::store::StoreFuture;
use idspec::runtime::{
    BackchannelError, Error, ErrorMetadata, FlowStore, MemoryFlowStore, PendingFlow,
};

use crate::support::{is_uuid_v4, request, Rp, RpOptions, CLIENT_ID, PATIENCE};

/// The sandbox's claims for every user (specs/imid.yaml, `sandbox.claims`).
const FAMILY_NAME: &str = "Petrosyan";
const FAMILY_NAME_AM: &str = "Պետրոսյան";
const GIVEN_NAME: &str = "Anna";
const GIVEN_NAME_AM: &str = "Աննա";
const SSN: &str = "1234567890";

#[tokio::test]
async fn an_approving_user_is_identified_with_typed_armenian_and_latin_names() {
    let rp = Rp::start().await;
    let pending = rp
        .client
        .initiate(request(test_users::APPROVES))
        .await
        .expect("the request is accepted");
    let request_id = pending.request_id().to_owned();
    let correlation_id = pending.correlation_id().to_owned();
    assert!(is_uuid_v4(&correlation_id), "{correlation_id}");
    assert!(!request_id.is_empty());
    // The default wait: imID's 300 s plus a minute's grace.
    assert_eq!(pending.wait(), Duration::from_secs(360));

    let identification = pending.outcome().await.expect("the user is identified");
    let userinfo = &identification.userinfo;
    assert_eq!(userinfo.family_name.as_deref(), Some(FAMILY_NAME));
    assert_eq!(userinfo.family_name_am.as_deref(), Some(FAMILY_NAME_AM));
    assert_eq!(userinfo.given_name.as_deref(), Some(GIVEN_NAME));
    assert_eq!(userinfo.given_name_am.as_deref(), Some(GIVEN_NAME_AM));
    assert_eq!(userinfo.ssn.as_deref(), Some(SSN));
    assert!(userinfo.other.is_empty(), "{:?}", userinfo.other.keys());

    let login = &identification.login;
    let claims = login.claims();
    assert_eq!(claims.iss, rp.sandbox.issuer());
    assert!(claims.aud.contains(CLIENT_ID));
    assert!(!claims.sub.is_empty());
    assert_eq!(login.subject(), Some(claims.sub.as_str()));
    assert_eq!(userinfo.sub, claims.sub);
    assert_eq!(login.correlation_id(), Some(correlation_id.as_str()));
    assert_eq!(login.requested_scope(), "openid rp-assigned-scope");
    assert_eq!(identification.correlation_id, correlation_id);
    assert_eq!(identification.request_id, request_id);

    // What reached the notification endpoint: one POST with exactly one bearer
    // token (a UUID v4), and the request id, the correlation id and a code.
    let record = rp.notification(&request_id).await;
    assert_eq!(record.status, Ok(204));
    let requests = rp.requests();
    assert_eq!(requests.len(), 1, "{requests:?}");
    let raw = &requests[0];
    assert_eq!(raw.method, "POST");
    assert!(is_uuid_v4(&raw.bearer()), "{:?}", raw.authorization);
    assert_eq!(raw.content_type.as_deref(), Some("application/json"));
    let body = raw.json();
    let mut members: Vec<&str> = body.keys().map(String::as_str).collect();
    members.sort_unstable();
    assert_eq!(members, ["auth_req_id", "code", "correlation_id"]);
    assert_eq!(body["auth_req_id"], request_id.as_str());
    assert_eq!(body["correlation_id"], correlation_id.as_str());
    assert!(body["code"].as_str().is_some_and(|c| !c.is_empty()));

    // The sandbox saw the relying party answer 204, once.
    let notifications = rp.sandbox.notifications();
    assert_eq!(notifications.len(), 1, "{notifications:?}");
    assert_eq!(notifications[0].auth_req_id, request_id);
    assert_eq!(
        notifications[0].correlation_id.as_deref(),
        Some(correlation_id.as_str())
    );
    assert_eq!(notifications[0].status, Ok(204));
    assert_eq!(notifications[0].error, None);
    assert!(!notifications[0].replay);
    assert_eq!(rp.outcomes(1).await, ["handed_to_waiter"]);
}

#[tokio::test]
async fn a_key_without_alg_signs_rs512_as_imid_requires() {
    // The key as imID's `pem-to-jwk` step makes it: no `alg`, neither in the private
    // JWK the client is given nor in the public JWK registered with imID.
    let rp = Rp::start_with(RpOptions {
        alg: None,
        ..RpOptions::default()
    })
    .await;
    let pending = rp
        .client
        .initiate(request(test_users::APPROVES))
        .await
        .unwrap_or_else(|e| panic!("the RS512 request object is accepted: {e}"));
    let identification = pending.outcome().await.expect("the user is identified");
    assert_eq!(identification.userinfo.ssn.as_deref(), Some(SSN));
}

#[tokio::test]
async fn a_user_who_does_not_enter_the_pin_is_a_typed_user_cancel() {
    let rp = Rp::start().await;
    let pending = rp
        .client
        .initiate(request(test_users::CANCELS))
        .await
        .expect("the request is accepted");
    let request_id = pending.request_id().to_owned();
    let error = pending.outcome().await.expect_err("the user cancelled");
    let Error::Provider(provider) = &error else {
        panic!("a provider error: {error:?}");
    };
    assert_eq!(
        provider.kind(),
        &ErrorCode::Notification(NotificationErrorCode::UserCancel)
    );
    assert_eq!(error.code(), "user_cancel");
    assert_eq!(
        provider.display_message("hy"),
        Some("Հարցումը չի հաստատվել օգտատիրոջ կողմից")
    );
    assert_eq!(
        provider.display_message("en"),
        Some("The request was cancelled by the user")
    );
    assert!(!error.is_retryable());

    let record = rp.notification(&request_id).await;
    assert_eq!(record.error.as_deref(), Some("user_cancel"));
    assert_eq!(record.status, Ok(204));
    let body = rp.requests()[0].json();
    assert_eq!(body["error"], "user_cancel");
    assert!(!body.contains_key("code"), "{body:?}");
    assert_eq!(rp.outcomes(1).await, ["handed_to_waiter"]);
}

#[tokio::test]
async fn a_number_without_an_activated_imid_is_refused_with_err201() {
    let rp = Rp::start().await;
    let error = rp
        .client
        .initiate(request(test_users::NOT_ACTIVATED))
        .await
        .expect_err("the request is refused");
    let provider = error.provider_error().expect("a provider error");
    assert_eq!(
        provider.kind(),
        &ErrorCode::Authorization(AuthorizationErrorCode::UserNotFound)
    );
    assert_eq!(error.code(), "ERR201");
    for language in ["en", "hy"] {
        let text = provider
            .display_message(language)
            .unwrap_or_else(|| panic!("a text in {language}"));
        // imID's name is never translated.
        assert!(text.contains("imID"), "{language}: {text}");
    }
    assert!(provider.retry_after().is_none());
    assert!(!error.is_retryable());
    // Nothing waits for a notification, and none comes.
    assert!(rp.sandbox.notifications().is_empty());
}

#[tokio::test]
async fn retrying_too_soon_is_a_bare_http_500_to_wait_200_s_after() {
    let rp = Rp::start().await;
    for attempt in 1..=2 {
        let error = rp
            .client
            .initiate(request(test_users::RETRIES_TOO_SOON))
            .await
            .expect_err("the request fails");
        let provider = error
            .provider_error()
            .unwrap_or_else(|| panic!("attempt {attempt}: a provider error: {error:?}"));
        assert_eq!(
            provider.kind(),
            &ErrorCode::Authorization(AuthorizationErrorCode::InternalError)
        );
        assert_eq!(error.code(), "HTTP500");
        assert_eq!(provider.raw().map(|raw| raw.status), Some(500));
        assert_eq!(provider.retry_after(), Some(Duration::from_secs(200)));
        assert!(error.is_retryable(), "attempt {attempt}");
        assert_eq!(provider.display_message("en"), Some("Please try later"));
    }
    let identification = rp
        .client
        .initiate(request(test_users::RETRIES_TOO_SOON))
        .await
        .expect("the third request is accepted")
        .outcome()
        .await
        .expect("the third attempt identifies");
    assert_eq!(identification.userinfo.ssn.as_deref(), Some(SSN));
}

/// A flow store that tells which keys were written and taken, around the store the
/// client would use by default.
#[derive(Default)]
struct Watched {
    inner: MemoryFlowStore,
    puts: Mutex<Vec<String>>,
    takes: Mutex<Vec<(String, bool)>>,
}

impl FlowStore for Watched {
    fn put<'a>(&'a self, key: &'a str, flow: PendingFlow, ttl: Duration) -> StoreFuture<'a, ()> {
        self.puts.lock().expect("lock").push(key.to_owned());
        self.inner.put(key, flow, ttl)
    }

    fn take<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<PendingFlow>> {
        Box::pin(async move {
            let taken = self.inner.take(key).await?;
            self.takes
                .lock()
                .expect("lock")
                .push((key.to_owned(), taken.is_some()));
            Ok(taken)
        })
    }
}

#[tokio::test]
async fn a_user_who_never_answers_times_out_after_the_configured_wait() {
    let store = Arc::new(Watched::default());
    let wait = Duration::from_millis(800);
    let rp = Rp::start_with(RpOptions {
        wait: Some(wait),
        store: Some(store.clone()),
        ..RpOptions::default()
    })
    .await;
    let pending = rp
        .client
        .initiate(request(test_users::NO_ANSWER))
        .await
        .expect("the request is accepted");
    assert_eq!(pending.wait(), wait);
    // One entry while the user is being asked: the pending flow.
    assert_eq!(store.inner.len(), 1);
    let flow_key = store.puts.lock().expect("lock")[0].clone();

    let started = Instant::now();
    let error = pending.outcome().await.expect_err("no answer");
    let elapsed = started.elapsed();
    assert!(
        matches!(
            error,
            Error::Backchannel(BackchannelError::TimedOut { after }) if after == wait
        ),
        "{error:?}"
    );
    assert_eq!(error.code(), "backchannel_timeout");
    assert!(elapsed >= wait, "gave up after {elapsed:?}");
    assert!(
        elapsed < Duration::from_millis(1500),
        "gave up only after {elapsed:?}"
    );

    // The pending flow was taken out of the store (nothing can complete it now),
    // and in its place the store keeps one small marker under another key: that the
    // flow ended as expired, without its nonce, so that a notification arriving
    // later is answered as late rather than as a forgery. Hence exactly one entry.
    assert_eq!(store.inner.len(), 1);
    let puts = store.puts.lock().expect("lock").clone();
    assert_eq!(puts.len(), 2, "{puts:?}");
    assert_ne!(puts[1], flow_key);
    assert!(store
        .takes
        .lock()
        .expect("lock")
        .contains(&(flow_key.clone(), true)));
    assert!(store.inner.take(&flow_key).await.expect("take").is_none());
    let marker = store
        .inner
        .take(&puts[1])
        .await
        .expect("take")
        .expect("the marker");
    assert!(marker.nonce.is_none());
    assert_eq!(
        marker.correlation.get("idspec:settled").map(String::as_str),
        Some("expired")
    );
    assert!(store.inner.is_empty());
    // No notification came, and none was expected.
    assert!(rp.sandbox.notifications().is_empty());
    assert!(rp.requests().is_empty());
}

#[tokio::test]
async fn a_replayed_notification_completes_nothing_and_redeems_no_code_twice() {
    let rp = Rp::start().await;
    let pending = rp
        .client
        .initiate(request(test_users::APPROVES))
        .await
        .expect("the request is accepted");
    let request_id = pending.request_id().to_owned();
    let identification = pending.outcome().await.expect("the user is identified");
    assert_eq!(rp.notification(&request_id).await.status, Ok(204));
    assert_eq!(rp.outcomes(1).await, ["handed_to_waiter"]);

    // The same body with the same bearer, as a network retry or an attacker sends it.
    let status = rp
        .sandbox
        .replay_notification(&request_id)
        .await
        .expect("the replay is answered");
    assert_eq!(status, 204);
    assert_eq!(
        rp.outcomes(2).await,
        ["handed_to_waiter", "rejected:notification_duplicate"]
    );
    let requests = rp.requests();
    assert_eq!(requests.len(), 2);
    assert_eq!(requests[0].body, requests[1].body);
    assert_eq!(requests[0].authorization, requests[1].authorization);
    let statuses: Vec<_> = rp
        .sandbox
        .notifications()
        .into_iter()
        .map(|n| (n.replay, n.status))
        .collect();
    assert_eq!(statuses, [(false, Ok(204)), (true, Ok(204))]);

    // The code was not exchanged again: the sandbox revokes every token of a code
    // that is redeemed twice (RFC 6749 4.1.2), and the access token still works.
    let userinfo = rp
        .client
        .userinfo(&identification.login)
        .await
        .expect("the access token is still valid");
    assert_eq!(userinfo.ssn.as_deref(), Some(SSN));

    // Redeeming the code really would be refused now: the relying party never did.
    let code = requests[0].json()["code"]
        .as_str()
        .expect("a code")
        .to_owned();
    let refused = reqwest::Client::new()
        .post(format!("{}/token", rp.sandbox.issuer()))
        .basic_auth(CLIENT_ID, Some(crate::support::SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", rp.notification_url.as_str()),
        ])
        .send()
        .await
        .expect("the token endpoint answers");
    assert_eq!(refused.status(), 400);
    let refused: serde_json::Value = refused.json().await.expect("JSON");
    assert_eq!(
        refused["error"],
        idspec::runtime::ProviderErrorCode::as_wire(&TokenErrorCode::InvalidGrant)
    );
}

#[tokio::test]
async fn a_notification_after_the_wait_is_refused_as_late() {
    // APPROVES answers 1 s after the request; this client waits 400 ms.
    let rp = Rp::start_with(RpOptions {
        wait: Some(Duration::from_millis(400)),
        ..RpOptions::default()
    })
    .await;
    let pending = rp
        .client
        .initiate(request(test_users::APPROVES))
        .await
        .expect("the request is accepted");
    let request_id = pending.request_id().to_owned();
    let error = tokio::time::timeout(PATIENCE, pending.outcome())
        .await
        .expect("the outcome comes once the wait is over")
        .expect_err("the wait is over first");
    assert!(
        matches!(error, Error::Backchannel(BackchannelError::TimedOut { .. })),
        "{error:?}"
    );

    let record = rp.notification(&request_id).await;
    assert_eq!(record.status, Ok(401), "{record:?}");
    assert_eq!(rp.outcomes(1).await, ["rejected:notification_late"]);
    // A provider retry of the same notification is late as well.
    assert_eq!(rp.sandbox.replay_notification(&request_id).await, Ok(401));
    assert_eq!(
        rp.outcomes(2).await,
        ["rejected:notification_late", "rejected:notification_late"]
    );
}

#[tokio::test]
async fn a_waiter_listening_only_after_a_late_notification_still_times_out_promptly() {
    // The application keeps the pending identification and asks for its outcome
    // only after the wait is over and the user's (late) answer was refused.
    let rp = Rp::start_with(RpOptions {
        wait: Some(Duration::from_millis(400)),
        ..RpOptions::default()
    })
    .await;
    let pending = rp
        .client
        .initiate(request(test_users::APPROVES))
        .await
        .expect("the request is accepted");
    let record = rp.notification(pending.request_id()).await;
    assert_eq!(record.status, Ok(401), "{record:?}");
    assert_eq!(rp.outcomes(1).await, ["rejected:notification_late"]);

    // The wait is long over: the outcome is a timeout, at once. (The late
    // notification took the flow from the store; `outcome` must not take that for a
    // completion under way and wait for a delivery that never comes.)
    let started = Instant::now();
    let Ok(outcome) = tokio::time::timeout(Duration::from_secs(3), pending.outcome()).await else {
        panic!(
            "PendingIdentification::outcome still waiting after {:?}",
            started.elapsed()
        );
    };
    let error = outcome.expect_err("no identification");
    assert!(
        matches!(error, Error::Backchannel(BackchannelError::TimedOut { .. })),
        "{error:?}"
    );
}
