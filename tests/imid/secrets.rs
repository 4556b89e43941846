//! `Debug` output ends up in logs: neither a pending identification, nor an
//! identification, nor a notification request, nor a notification's outcome, nor any
//! error of an imID flow shows the notification's bearer token, its code, the tokens
//! the code was exchanged for, or the user's social security number and names.

use std::time::Duration;

use idspec::imid::test_users;
use idspec::runtime::{ErrorMetadata, NotificationRequest};

use crate::support::{request, Rp};

/// Panics if any of `shown` contains any of `secrets`, naming both.
fn assert_hidden(shown: &[(String, String)], secrets: &[(&str, String)]) {
    for (what, text) in shown {
        for (name, secret) in secrets {
            assert!(
                !text.contains(secret.as_str()),
                "the {name} shows in {what}: {text}"
            );
        }
    }
}

#[tokio::test]
async fn debug_output_never_shows_the_bearer_the_code_the_tokens_or_the_personal_data() {
    let rp = Rp::start().await;
    let mut shown: Vec<(String, String)> = Vec::new();

    // An identification.
    let pending = rp
        .client
        .initiate(request(test_users::APPROVES))
        .await
        .expect("accepted");
    let request_id = pending.request_id().to_owned();
    shown.push(("the pending identification".into(), format!("{pending:?}")));
    let identification = pending.outcome().await.expect("identified");
    rp.notification(&request_id).await;
    let approved = rp.requests().pop().expect("the notification");
    let bearer = approved.bearer();
    let code = approved.json()["code"].as_str().expect("a code").to_owned();
    shown.push(("the identification".into(), format!("{identification:?}")));
    shown.push(("the login".into(), format!("{:?}", identification.login)));
    shown.push((
        "the userinfo".into(),
        format!("{:?}", identification.userinfo),
    ));
    shown.push((
        "the notification request".into(),
        format!(
            "{:?}",
            NotificationRequest::new("POST", &approved.body)
                .header("authorization", approved.authorization[0].as_bytes())
        ),
    ));

    // The same notification again: through the route (the sandbox's replay), and
    // straight to the handler.
    assert_eq!(rp.sandbox.replay_notification(&request_id).await, Ok(204));
    let again = rp
        .client
        .handle_notification(
            NotificationRequest::new("POST", &approved.body)
                .header("authorization", approved.authorization[0].as_bytes()),
        )
        .await;
    shown.push(("a repeated notification".into(), format!("{again:?}")));

    // Every error of the flows above.
    let pending = rp
        .client
        .initiate(request(test_users::CANCELS))
        .await
        .expect("accepted");
    let cancelled_id = pending.request_id().to_owned();
    shown.push(("a pending identification".into(), format!("{pending:?}")));
    let mut errors = vec![pending.outcome().await.expect_err("cancelled")];
    rp.notification(&cancelled_id).await;
    let cancel_bearer = rp.requests().pop().expect("the notification").bearer();
    for user in [test_users::NOT_ACTIVATED, test_users::RETRIES_TOO_SOON] {
        errors.push(
            rp.client
                .initiate(request(user))
                .await
                .expect_err("refused"),
        );
    }
    let impatient = Rp::builder(&rp.sandbox.endpoints(), &rp.keys, &rp.notification_url)
        .backchannel_wait(Duration::from_millis(200))
        .build()
        .expect("the client builds");
    let pending = impatient
        .initiate(request(test_users::NO_ANSWER))
        .await
        .expect("accepted");
    errors.push(pending.outcome().await.expect_err("timed out"));
    let codes: Vec<&str> = errors.iter().map(|e| e.code()).collect();
    assert_eq!(
        codes,
        ["user_cancel", "ERR201", "HTTP500", "backchannel_timeout"]
    );
    for error in &errors {
        shown.push((format!("{} (Debug)", error.code()), format!("{error:?}")));
        shown.push((format!("{} (Display)", error.code()), error.to_string()));
        shown.push((
            format!("{} (message)", error.code()),
            error.message().unwrap_or_default().to_owned(),
        ));
    }

    // What the route handed out for each of them.
    rp.outcomes(3).await;
    rp.with_outcomes(|outcomes| {
        for outcome in outcomes {
            shown.push(("a notification outcome".into(), format!("{outcome:?}")));
        }
    });

    let userinfo = &identification.userinfo;
    let tokens = identification.login.tokens();
    let mut secrets = vec![
        ("notification bearer token", bearer),
        ("user_cancel notification's bearer token", cancel_bearer),
        ("code", code),
        ("access token", tokens.access_token.secret().to_owned()),
        ("ssn", userinfo.ssn.clone().expect("an ssn")),
        ("family name", userinfo.family_name.clone().expect("a name")),
        (
            "Armenian family name",
            userinfo.family_name_am.clone().expect("a name"),
        ),
        (
            "Armenian given name",
            userinfo.given_name_am.clone().expect("a name"),
        ),
    ];
    if let Some(id_token) = &tokens.id_token {
        secrets.push(("ID token", id_token.secret().to_owned()));
    }
    assert_hidden(&shown, &secrets);
}
