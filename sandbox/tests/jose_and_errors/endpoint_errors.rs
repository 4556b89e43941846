// Documented errors at every endpoint on demand: `error:<code>` fails the
// authorization, `error:<endpoint>:<code>` signs in and then has the token,
// userinfo or revocation endpoint answer the code, with that endpoint's message
// when the provider documents its codes per endpoint (itsme).

use crate::support::*;
use idspec_sandbox::user_agent::{sign_in, Decision};
use idspec_sandbox::{Sandbox, SandboxOptions};
use serde_json::Value;

#[tokio::test]
async fn plain_error_logins_still_fail_the_authorization() {
    let setup = start().await;
    let callback = sign_in_as(&setup.sandbox, SECRET_CLIENT, "error:invalid_request").await;
    assert_eq!(callback["error"], "invalid_request");
    // The authorization endpoint's message, not the token endpoint's.
    assert_eq!(
        callback["error_description"],
        "The request is missing a required parameter."
    );
    assert_eq!(callback["state"], "s");
}

#[tokio::test]
async fn error_token_fails_the_code_exchange() {
    let setup = start().await;
    for (code, message) in [
        ("invalid_grant", "Invalid grant."),
        ("invalid_request", "The token request is malformed."),
    ] {
        let login = format!("error:token:{code}");
        let callback = sign_in_as(&setup.sandbox, KEYS_CLIENT, &login).await;
        assert!(
            callback.contains_key("code"),
            "{login}: the sign-in succeeds"
        );
        let response = exchange(&setup, KEYS_CLIENT, &callback["code"]).await;
        assert_eq!(response.status(), 400, "{login}");
        assert_eq!(response.headers()["cache-control"], "no-store");
        let body: Value = response.json().await.unwrap();
        assert_eq!(body["error"], code, "{login}");
        assert_eq!(body["error_description"], message, "{login}");
    }
}

#[tokio::test]
async fn error_userinfo_fails_userinfo_with_a_challenge_or_a_body() {
    let setup = start().await;
    let userinfo = |access_token: String| {
        let url = setup.sandbox.endpoints().userinfo.unwrap();
        async move {
            http()
                .get(url)
                .bearer_auth(access_token)
                .send()
                .await
                .unwrap()
        }
    };

    let body = tokens(&setup, SECRET_CLIENT, "error:userinfo:invalid_token").await;
    let response = userinfo(body["access_token"].as_str().unwrap().to_owned()).await;
    assert_eq!(response.status(), 401);
    let challenge = response.headers()["www-authenticate"].to_str().unwrap();
    assert_eq!(
        challenge,
        "Bearer error=\"invalid_token\", error_description=\"The access token provided is expired, revoked, malformed, or invalid.\""
    );

    let body = tokens(&setup, SECRET_CLIENT, "error:userinfo:invalid_request").await;
    let response = userinfo(body["access_token"].as_str().unwrap().to_owned()).await;
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request");
    assert_eq!(
        body["error_description"],
        "The userinfo request is malformed."
    );
}

/// Revokes `token` as the secret client.
async fn revoke(setup: &Setup, token: &str) -> reqwest::Response {
    http()
        .post(setup.sandbox.endpoints().revocation.unwrap())
        .form(&[
            ("token", token),
            ("client_id", SECRET_CLIENT),
            ("client_secret", SECRET),
        ])
        .send()
        .await
        .unwrap()
}

#[tokio::test]
async fn error_revocation_fails_revoking_that_logins_tokens() {
    let setup = start().await;
    let body = tokens(
        &setup,
        SECRET_CLIENT,
        "error:revocation:unsupported_token_type",
    )
    .await;
    let access_token = body["access_token"].as_str().unwrap();
    let response = revoke(&setup, access_token).await;
    assert_eq!(response.status(), 400);
    let error: Value = response.json().await.unwrap();
    assert_eq!(error["error"], "unsupported_token_type");
    assert_eq!(
        error["error_description"],
        "itsme does not support the revocation of the presented access token."
    );
    // Not revoked: it still opens userinfo.
    let userinfo = http()
        .get(setup.sandbox.endpoints().userinfo.unwrap())
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), 200);

    // Another login's tokens are revoked as usual.
    let body = tokens(&setup, SECRET_CLIENT, "lovelace").await;
    let response = revoke(&setup, body["access_token"].as_str().unwrap()).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_code_not_documented_for_the_endpoint_is_explained_on_the_page() {
    let setup = start().await;
    let url = plain_request(&setup.sandbox, SECRET_CLIENT);
    for (login, expected) in [
        (
            "error:token:access_denied",
            "`access_denied` is not an error code documented for the token endpoint",
        ),
        // Plain `error:` is the authorization endpoint, where invalid_grant is not documented.
        (
            "error:invalid_grant",
            "`invalid_grant` is not an error code documented for the authorization endpoint",
        ),
    ] {
        let problem = sign_in(&url, login, Decision::Approve)
            .await
            .expect_err(login)
            .to_string();
        assert!(
            problem.contains("answered 200 OK without a redirect"),
            "{problem}"
        );
        assert!(problem.contains(expected), "{login}: {problem}");
        assert!(
            problem.contains("invalid_request"),
            "the documented ones are listed: {problem}"
        );
    }
}

#[tokio::test]
async fn the_login_page_lists_the_triggers_of_each_endpoint() {
    let setup = start().await;
    let page = http()
        .get(plain_request(&setup.sandbox, SECRET_CLIENT))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    for login in [
        "<code>error:access_denied</code>",
        "<code>error:token:invalid_grant</code>",
        "<code>error:userinfo:invalid_token</code>",
        "<code>error:revocation:unsupported_token_type</code>",
    ] {
        assert!(page.contains(login), "{login} is not on the page");
    }
    assert!(!page.contains("error:token:access_denied"));
}

const ONE_LIST: &str = r#"
id: plain
name: Plain
source: none.txt
family: oidc
environments:
  production:
    issuer: https://plain.example
    endpoints:
      authorization: https://plain.example/authorize
      token: https://plain.example/token
      userinfo: https://plain.example/userinfo
client_auth: { methods: [client_secret_basic] }
id_token: { signing: [RS256] }
userinfo: { formats: [json] }
scopes:
  openid: { required: true, claims: [sub] }
claims:
  sub: { type: string }
errors:
  codes:
    - { code: server_busy, oauth: temporarily_unavailable, message: "Try again later.", http_status: 503 }
"#;

#[tokio::test]
async fn without_per_endpoint_codes_every_code_reaches_every_endpoint() {
    let spec = idspec_codegen::load("plain.yaml", ONE_LIST).unwrap_or_else(|d| panic!("{d}"));
    let sandbox = Sandbox::start(&spec, SandboxOptions::default())
        .await
        .unwrap();
    let mut url = sandbox.endpoints().authorization.unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", "sandbox-client")
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", "https://rp.example.test/callback")
        .append_pair("scope", "openid")
        .append_pair("state", "s");
    let callback = sign_in(&url, "error:userinfo:server_busy", Decision::Approve)
        .await
        .unwrap();
    let code = query(&callback)["code"].clone();
    let tokens: Value = http()
        .post(sandbox.endpoints().token.unwrap())
        .basic_auth("sandbox-client", Some("sandbox-secret"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", "https://rp.example.test/callback"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let response = http()
        .get(sandbox.endpoints().userinfo.unwrap())
        .bearer_auth(tokens["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    // The documented status, and the provider's code with its OAuth error.
    assert_eq!(response.status(), 503);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "server_busy");
    assert_eq!(body["error_description"], "Try again later.");

    let problem = sign_in(&url, "error:token:nope", Decision::Approve)
        .await
        .expect_err("undocumented")
        .to_string();
    assert!(
        problem.contains("not an error code documented for this provider"),
        "{problem}"
    );
}
