//! The notification endpoint (the runtime's axum route) under calls that are not
//! the provider's: a forged bearer token copying the flow's ids, no token, two
//! tokens, another method, an oversized body. Each completes nothing, and the real
//! notification still completes the flow afterwards.
//!
//! The user answers on the sandbox's phone page (a number that is not scripted), so
//! that every forged call is certainly made while the flow is pending.

use idspec::runtime::client::MAX_NOTIFICATION_BODY;
use idspec::runtime::ErrorMetadata;
use idspec::runtime::{NotificationOutcome, NotificationRejection};
use idspec_sandbox::user_agent::{answer_on_phone, Decision};
use serde_json::json;

use crate::support::{is_uuid_v4, request, Rp};

/// Not a scripted user: waits for a person on the sandbox's phone page.
const ON_THE_PHONE: &str = "+37455123456";

#[tokio::test]
async fn forged_and_malformed_notifications_complete_nothing() {
    let rp = Rp::start().await;
    let pending = rp
        .client
        .initiate(request(ON_THE_PHONE))
        .await
        .expect("the request is accepted");
    let request_id = pending.request_id().to_owned();
    let correlation_id = pending.correlation_id().to_owned();
    let plausible = json!({
        "auth_req_id": request_id,
        "correlation_id": correlation_id,
        "code": "a-code-of-the-attackers-choosing",
    })
    .to_string();

    // A bearer token of the right shape that no flow was started with.
    let forged_token = idspec::runtime::random::uuid_v4();
    assert!(is_uuid_v4(&forged_token));
    let forged = rp
        .post()
        .bearer_auth(&forged_token)
        .header("content-type", "application/json")
        .body(plausible.clone())
        .send()
        .await
        .expect("answered");
    assert_eq!(forged.status(), 401);
    assert_eq!(
        forged
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some(r#"Bearer error="invalid_token""#)
    );
    assert_eq!(
        rp.outcomes(1).await,
        ["rejected:notification_unknown_token"]
    );
    rp.with_outcomes(|outcomes| {
        assert!(matches!(
            outcomes[0],
            NotificationOutcome::Rejected(NotificationRejection::UnknownToken)
        ));
    });

    // No Authorization header.
    let anonymous = rp
        .post()
        .header("content-type", "application/json")
        .body(plausible.clone())
        .send()
        .await
        .expect("answered");
    assert_eq!(anonymous.status(), 401);
    assert_eq!(
        anonymous
            .headers()
            .get("www-authenticate")
            .and_then(|v| v.to_str().ok()),
        Some("Bearer")
    );
    assert_eq!(
        rp.outcomes(2).await[1],
        "rejected:notification_missing_token"
    );
    rp.with_outcomes(|outcomes| {
        assert!(matches!(
            outcomes[1],
            NotificationOutcome::Rejected(NotificationRejection::MissingToken)
        ));
    });

    // Two Authorization headers: which one would count is anyone's guess.
    let doubled = rp
        .post()
        .header("authorization", format!("Bearer {forged_token}"))
        .header(
            "authorization",
            format!("Bearer {}", idspec::runtime::random::uuid_v4()),
        )
        .header("content-type", "application/json")
        .body(plausible.clone())
        .send()
        .await
        .expect("answered");
    assert_eq!(doubled.status(), 401);
    assert_eq!(
        rp.outcomes(3).await[2],
        "rejected:notification_missing_token"
    );
    let last = rp.requests().pop().expect("recorded");
    assert_eq!(last.authorization.len(), 2, "both headers were sent");

    // Another method.
    let get = reqwest::Client::new()
        .get(&rp.notification_url)
        .bearer_auth(&forged_token)
        .send()
        .await
        .expect("answered");
    assert_eq!(get.status(), 405);
    assert_eq!(
        get.headers().get("allow").and_then(|v| v.to_str().ok()),
        Some("POST")
    );
    assert_eq!(
        rp.outcomes(4).await[3],
        "rejected:notification_method_not_allowed"
    );

    // A body over 64 KiB is not even read to the end: the route refuses it before
    // the handler, so no outcome is reported for it.
    let padding = "x".repeat(MAX_NOTIFICATION_BODY + 1);
    let oversized = json!({
        "auth_req_id": request_id,
        "correlation_id": correlation_id,
        "code": "c",
        "padding": padding,
    })
    .to_string();
    let large = rp
        .post()
        .bearer_auth(&forged_token)
        .header("content-type", "application/json")
        .body(oversized)
        .send()
        .await
        .expect("answered");
    assert_eq!(large.status(), 413);
    assert_eq!(rp.requests().len(), 5);
    assert_eq!(rp.summaries().len(), 4, "{:?}", rp.summaries());
    // Nothing reached the sandbox's token endpoint, and the flow is still pending.
    assert!(rp.sandbox.notifications().is_empty());

    // The user answers: the real notification completes the flow.
    answer_on_phone(
        rp.sandbox.base_url(),
        ON_THE_PHONE,
        "123456",
        Decision::Approve,
    )
    .await
    .expect("the phone page takes the PIN");
    let identification = pending
        .outcome()
        .await
        .expect("the real notification identifies the user");
    assert_eq!(identification.request_id, request_id);
    assert_eq!(identification.correlation_id, correlation_id);
    assert_eq!(rp.notification(&request_id).await.status, Ok(204));
    assert_eq!(
        rp.outcomes(5).await,
        [
            "rejected:notification_unknown_token",
            "rejected:notification_missing_token",
            "rejected:notification_missing_token",
            "rejected:notification_method_not_allowed",
            "handed_to_waiter",
        ]
    );
    rp.with_outcomes(|outcomes| {
        for outcome in &outcomes[..4] {
            let NotificationOutcome::Rejected(rejection) = outcome else {
                panic!("{outcome:?}");
            };
            assert!(!rejection.code().is_empty());
        }
    });
}
