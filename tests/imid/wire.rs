//! What the client sends imID, against a fake imID that records it: the form post
//! and its RS512 request object, as the document's example builds them. Then, with
//! the notification token read from that request object, notifications that carry
//! the right bearer but must still complete nothing.

use std::collections::BTreeSet;
use std::time::{SystemTime, UNIX_EPOCH};

use idspec::imid::{self, test_users, ErrorCode, TokenErrorCode};
use idspec::runtime::client::MAX_NOTIFICATION_BODY;
use idspec::runtime::{
    BackchannelError, Error, ErrorMetadata, NotificationOutcome, NotificationRejection,
    NotificationRequest, Notified, PendingIdentification,
};
use josekit::jwk::Jwk;
use serde_json::{json, Map, Value};

use crate::support::{
    is_uuid_v4, keys, request, FakeImid, Received, Rp, AUDIENCE, CLIENT_ID, KID, SCOPE,
};

/// The notification URL: the fake never calls it, the tests call the handler.
const NOTIFICATION_URL: &str = "http://127.0.0.1:9/imid/notification";

/// A client of the fake with the registered key's public half.
fn client(fake: &FakeImid) -> (imid::Client, Jwk) {
    let (keys, public) = keys(Some("RS512"));
    let client = Rp::builder(&fake.endpoints(), &keys, NOTIFICATION_URL)
        .build()
        .expect("the client builds");
    (client, public)
}

/// The request object's header and claims, its signature verified with `public`.
fn open(request: &str, public: &Jwk) -> (josekit::jws::JwsHeader, Map<String, Value>) {
    let verifier = josekit::jws::RS512
        .verifier_from_jwk(public)
        .expect("an RS512 verifier");
    let (payload, header) = josekit::jws::deserialize_compact(request, &verifier)
        .expect("the signature verifies with the registered key");
    match serde_json::from_slice(&payload) {
        Ok(Value::Object(claims)) => (header, claims),
        _ => panic!("the payload is not a JSON object"),
    }
}

fn text<'a>(claims: &'a Map<String, Value>, name: &str) -> &'a str {
    claims
        .get(name)
        .and_then(Value::as_str)
        .unwrap_or_else(|| panic!("no string `{name}` in {claims:?}"))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("time")
        .as_secs()
}

/// The `n`th request posted to the fake's authorize endpoint (from 0), checked to be
/// exactly the document's form, and its request object opened.
fn authorize(fake: &FakeImid, n: usize, public: &Jwk) -> (Received, Map<String, Value>) {
    let posted = fake.received_at("/authorize");
    let received = posted.get(n).cloned().expect("the request was posted");
    assert_eq!(received.method, "POST");
    assert_eq!(
        received.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    // The signature authenticates the request: no client secret travels with it.
    assert_eq!(received.header("authorization"), None);
    let names: BTreeSet<String> = ["client_id", "response_type", "scope", "request"]
        .map(str::to_owned)
        .into();
    assert_eq!(received.form_names(), names, "{}", received.body);
    assert_eq!(received.form().len(), 4, "no parameter twice");
    assert_eq!(received.form_value("client_id"), CLIENT_ID);
    assert_eq!(received.form_value("response_type"), "mc_si_async_code");
    assert_eq!(received.form_value("scope"), format!("openid {SCOPE}"));
    let (header, claims) = open(&received.form_value("request"), public);
    assert_eq!(header.algorithm(), Some("RS512"));
    assert_eq!(header.key_id(), Some(KID));
    (received, claims)
}

#[tokio::test]
async fn the_request_is_the_documents_form_with_a_signed_rs512_request_object() {
    let fake = FakeImid::start().await;
    let (client, public) = client(&fake);
    let first = client
        .initiate(request(test_users::APPROVES))
        .await
        .expect("the fake accepts");
    assert_eq!(first.request_id(), "fake-auth-req-1");
    let (_, claims) = authorize(&fake, 0, &public);

    assert_eq!(text(&claims, "aud"), AUDIENCE);
    assert_ne!(text(&claims, "aud"), fake.issuer);
    assert_eq!(text(&claims, "iss"), CLIENT_ID);
    assert_eq!(text(&claims, "client_id"), CLIENT_ID);
    assert_eq!(text(&claims, "response_type"), "mc_si_async_code");
    assert_eq!(text(&claims, "scope"), format!("openid {SCOPE}"));
    assert_eq!(text(&claims, "version"), "mc_si_r2_v1.0");
    assert_eq!(text(&claims, "login_hint"), test_users::APPROVES);
    assert_eq!(text(&claims, "acr_values"), "4");
    assert_eq!(text(&claims, "binding_message"), "Authorize imID Access");
    assert_eq!(
        text(&claims, "context"),
        "Do you want to authenticate using imID?"
    );
    assert_eq!(text(&claims, "notification_uri"), NOTIFICATION_URL);
    assert!(!text(&claims, "nonce").is_empty());
    let correlation_id = text(&claims, "correlation_id");
    let token = text(&claims, "client_notification_token");
    assert!(is_uuid_v4(correlation_id), "{correlation_id}");
    assert!(is_uuid_v4(token), "{token}");
    assert_ne!(correlation_id, token);
    assert_eq!(first.correlation_id(), correlation_id);
    let iat = claims["iat"].as_u64().expect("a numeric iat");
    let exp = claims["exp"].as_u64().expect("a numeric exp");
    assert!(exp > iat, "exp {exp}, iat {iat}");
    assert!(iat.abs_diff(now()) < 60, "iat {iat}");

    // Every request has its own transaction id, token and nonce; setters override
    // the documented defaults.
    let second = client
        .initiate(
            request("+37455249760")
                .acr_values(imid::Acr::from("3".to_owned()))
                .binding_message("Open an account at Example Bank")
                .context("Do you want to open an account?"),
        )
        .await
        .expect("the fake accepts");
    assert_eq!(second.request_id(), "fake-auth-req-2");
    let (_, again) = authorize(&fake, 1, &public);
    assert_eq!(text(&again, "login_hint"), "+37455249760");
    assert_eq!(text(&again, "acr_values"), "3");
    assert_eq!(
        text(&again, "binding_message"),
        "Open an account at Example Bank"
    );
    assert_eq!(text(&again, "context"), "Do you want to open an account?");
    for name in [
        "correlation_id",
        "client_notification_token",
        "nonce",
        "jti",
    ] {
        assert_ne!(again.get(name), claims.get(name), "{name}");
    }
    assert!(is_uuid_v4(text(&again, "correlation_id")));
    assert!(is_uuid_v4(text(&again, "client_notification_token")));
    assert_eq!(second.correlation_id(), text(&again, "correlation_id"));
    assert!(fake.received_at("/token").is_empty());
}

/// A notification as the provider would post it, with `token` as the bearer.
async fn notify(client: &imid::Client, token: &str, body: &Value) -> Notified<imid::ImId> {
    let body = body.to_string();
    let authorization = format!("Bearer {token}");
    client
        .handle_notification(
            NotificationRequest::new("POST", body.as_bytes())
                .header("Content-Type", b"application/json")
                .header("Authorization", authorization.as_bytes()),
        )
        .await
}

/// A flow the fake imID accepted for APPROVES, with what the provider would know of
/// it: the notification token and the ids, taken from the signed request.
struct Started {
    fake: FakeImid,
    client: imid::Client,
    pending: PendingIdentification<imid::ImId>,
    token: String,
    request_id: String,
    correlation_id: String,
}

async fn started() -> Started {
    let fake = FakeImid::start().await;
    let (client, public) = client(&fake);
    let pending = client
        .initiate(request(test_users::APPROVES))
        .await
        .expect("the fake accepts");
    let (_, claims) = authorize(&fake, 0, &public);
    Started {
        token: text(&claims, "client_notification_token").to_owned(),
        request_id: pending.request_id().to_owned(),
        correlation_id: text(&claims, "correlation_id").to_owned(),
        fake,
        client,
        pending,
    }
}

#[tokio::test]
async fn a_notification_naming_another_request_completes_nothing() {
    let Started {
        fake,
        client,
        pending,
        token,
        request_id,
        correlation_id,
    } = started().await;
    // Nobody waits in this process: the handler returns the outcome.
    drop(pending);

    let code = "a-code-for-another-request";
    let mismatched = notify(
        &client,
        &token,
        &json!({ "auth_req_id": "another-request", "correlation_id": correlation_id, "code": code }),
    )
    .await;
    assert_eq!(mismatched.response.status, 204);
    let NotificationOutcome::Failed {
        correlation_id: failed,
        error,
    } = &mismatched.outcome
    else {
        panic!("{:?}", mismatched.outcome);
    };
    assert_eq!(failed, &correlation_id);
    assert!(
        matches!(
            error,
            Error::Backchannel(BackchannelError::Mismatch {
                member: "auth_req_id"
            })
        ),
        "{error:?}"
    );
    assert_eq!(error.code(), "notification_mismatch");
    for shown in [
        format!("{mismatched:?}"),
        format!("{error:?}"),
        error.to_string(),
    ] {
        assert!(!shown.contains(&token), "{shown}");
        assert!(!shown.contains(code), "{shown}");
    }

    // The right notification for that flow now comes too late to complete it: the
    // flow ended with the mismatch.
    let correct = notify(
        &client,
        &token,
        &json!({ "auth_req_id": request_id, "correlation_id": correlation_id, "code": "the-right-code" }),
    )
    .await;
    assert_eq!(correct.response.status, 204);
    assert!(
        matches!(
            correct.outcome,
            NotificationOutcome::Rejected(NotificationRejection::Duplicate)
        ),
        "{:?}",
        correct.outcome
    );
    assert!(
        fake.received_at("/token").is_empty(),
        "no code was redeemed"
    );
}

#[tokio::test]
async fn a_waiter_is_told_which_member_of_the_notification_does_not_match() {
    let Started {
        fake,
        client,
        pending,
        token,
        request_id,
        correlation_id,
    } = started().await;

    let notified = notify(
        &client,
        &token,
        &json!({ "auth_req_id": request_id, "correlation_id": "another-transaction", "code": "c" }),
    )
    .await;
    assert_eq!(notified.response.status, 204);
    let NotificationOutcome::HandedToWaiter {
        correlation_id: handed,
    } = &notified.outcome
    else {
        panic!("{:?}", notified.outcome);
    };
    assert_eq!(handed, &correlation_id);
    let error = pending.outcome().await.expect_err("nothing is identified");
    assert!(
        matches!(
            error,
            Error::Backchannel(BackchannelError::Mismatch {
                member: "correlation_id"
            })
        ),
        "{error:?}"
    );
    assert!(fake.received_at("/token").is_empty());
}

#[tokio::test]
async fn refused_calls_with_the_right_bearer_leave_the_flow_pending() {
    let Started {
        fake,
        client,
        pending,
        token,
        request_id,
        correlation_id,
    } = started().await;
    let body =
        json!({ "auth_req_id": request_id, "correlation_id": correlation_id, "code": "the-code" })
            .to_string();
    let bearer = format!("Bearer {token}");

    let get = client
        .handle_notification(
            NotificationRequest::new("GET", body.as_bytes())
                .header("authorization", bearer.as_bytes()),
        )
        .await;
    assert_eq!(get.response.status, 405);
    assert!(matches!(
        get.outcome,
        NotificationOutcome::Rejected(NotificationRejection::MethodNotAllowed)
    ));

    let twice = client
        .handle_notification(
            NotificationRequest::new("POST", body.as_bytes())
                .header("authorization", bearer.as_bytes())
                .header("Authorization", bearer.as_bytes()),
        )
        .await;
    assert_eq!(twice.response.status, 401);
    assert!(matches!(
        twice.outcome,
        NotificationOutcome::Rejected(NotificationRejection::MissingToken)
    ));

    let basic = client
        .handle_notification(
            NotificationRequest::new("POST", body.as_bytes())
                .header("authorization", format!("Basic {token}").as_bytes()),
        )
        .await;
    assert_eq!(basic.response.status, 401);
    assert!(matches!(
        basic.outcome,
        NotificationOutcome::Rejected(NotificationRejection::MissingToken)
    ));

    let padded = format!(
        r#"{{"auth_req_id":"{request_id}","correlation_id":"{correlation_id}","code":"the-code","padding":"{}"}}"#,
        "x".repeat(MAX_NOTIFICATION_BODY)
    );
    let large = client
        .handle_notification(
            NotificationRequest::new("POST", padded.as_bytes())
                .header("authorization", bearer.as_bytes()),
        )
        .await;
    assert_eq!(large.response.status, 413);
    assert!(matches!(
        large.outcome,
        NotificationOutcome::Rejected(NotificationRejection::TooLarge)
    ));
    assert!(fake.received_at("/token").is_empty());

    // The flow was still pending: the right notification exchanges its code (which
    // the fake refuses), with the notification URL as the redirect URI.
    let notified = client
        .handle_notification(
            NotificationRequest::new("POST", body.as_bytes())
                .header("authorization", bearer.as_bytes()),
        )
        .await;
    assert_eq!(notified.response.status, 204);
    assert!(
        matches!(notified.outcome, NotificationOutcome::HandedToWaiter { .. }),
        "{:?}",
        notified.outcome
    );
    let error = pending
        .outcome()
        .await
        .expect_err("the fake refuses the code");
    assert_eq!(
        error.provider_error().map(|p| p.kind()),
        Some(&ErrorCode::Token(TokenErrorCode::InvalidGrant))
    );
    let token_requests = fake.received_at("/token");
    assert_eq!(token_requests.len(), 1);
    let exchange = &token_requests[0];
    assert_eq!(exchange.form_value("grant_type"), "authorization_code");
    assert_eq!(exchange.form_value("code"), "the-code");
    assert_eq!(exchange.form_value("redirect_uri"), NOTIFICATION_URL);
    // client_secret_basic, imID's default.
    assert!(exchange
        .header("authorization")
        .is_some_and(|a| a.starts_with("Basic ")));
}
