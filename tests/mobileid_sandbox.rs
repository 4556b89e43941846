//! The generated Mobile ID client against the Mobile ID sandbox: the happy path,
//! the cancel button, and the sandbox's strictness about what a client sends (every
//! documented code is in tests/sandbox_error_codes.rs).

use std::time::Duration;

use idspec::mobileid::{
    test_users, Acr, AuthorizationRequest, Client, ErrorCode, Hint, LoginHint, Scope,
};
use idspec::runtime::{ClientAuthMethod, ErrorMetadata, HttpClient};
use idspec_sandbox::user_agent::{sign_in, Decision};
use idspec_sandbox::{Sandbox, SandboxOptions};
use serde_json::Value;
use url::Url;

const SPEC: &str = include_str!("../specs/mobileid.yaml");
const REDIRECT_URI: &str = "https://rp.example.test/callback";

async fn sandbox_for(text: &str) -> Sandbox {
    let spec = idspec_codegen::load("mobileid.yaml", text).unwrap_or_else(|d| panic!("{d}"));
    Sandbox::start(&spec, SandboxOptions::default())
        .await
        .expect("sandbox starts")
}

fn client(sandbox: &Sandbox, auth: ClientAuthMethod, secret: &str) -> Client {
    Client::builder(sandbox.endpoints())
        .client_id("sandbox-client")
        .client_secret(secret)
        .client_auth(auth)
        .redirect_uri(REDIRECT_URI)
        .http_client(
            HttpClient::builder()
                .allow_loopback_http(true)
                .build()
                .expect("http"),
        )
        .build()
        .expect("client")
}

fn pushed(msisdn: &str) -> idspec::mobileid::AuthorizationRequest<idspec::runtime::Pushed> {
    AuthorizationRequest::new()
        .scopes([Scope::Phone, Scope::MidLocation, Scope::MidProfile])
        .pushed()
        .acr_values(Acr::MidAl3Any)
        .login_hint(LoginHint::new(vec![Hint::new(msisdn)]))
}

#[tokio::test]
async fn a_login_with_both_client_authentication_methods() {
    let sandbox = sandbox_for(SPEC).await;
    for auth in [
        ClientAuthMethod::ClientSecretBasic,
        ClientAuthMethod::ClientSecretPost,
    ] {
        let client = client(&sandbox, auth, "sandbox-secret");
        let start = client
            .start(pushed(test_users::ROBOT_EC))
            .await
            .expect("PAR");
        let callback = sign_in(&start.url, test_users::ROBOT_EC, Decision::Approve)
            .await
            .expect("sign in");
        let login = client.complete(callback.as_str()).await.expect("login");
        assert_eq!(login.claims().acr, Some(Acr::MidAl3Any));
        assert_eq!(login.claims().amr.as_ref().map(Vec::len), Some(2));
        let userinfo = client.userinfo(&login).await.expect("userinfo");
        assert_eq!(userinfo.phone_number.as_deref(), Some(test_users::ROBOT_EC));
        assert_eq!(userinfo.mid_geo_device_confidence, Some(1.0));
        assert_eq!(
            userinfo.mid_profile_serial.as_deref(),
            Some("MIDCHEYUD1YE4QB1")
        );
        let refreshed = client.refresh(&login).await.expect("refresh");
        assert_eq!(refreshed.subject(), login.subject());
        assert_ne!(
            refreshed.refresh_token().map(|t| t.secret()),
            login.refresh_token().map(|t| t.secret())
        );
    }
}

#[tokio::test]
async fn cancelling_on_the_page_is_the_documented_cancel() {
    let sandbox = sandbox_for(SPEC).await;
    let client = client(
        &sandbox,
        ClientAuthMethod::ClientSecretBasic,
        "sandbox-secret",
    );
    let start = client.start(pushed("+41791234567")).await.expect("PAR");
    let callback = sign_in(&start.url, "+41791234567", Decision::Cancel)
        .await
        .expect("cancel");
    let error = client
        .complete(callback.as_str())
        .await
        .expect_err("cancelled");
    assert_eq!(
        error.provider_error().map(|e| e.kind()),
        Some(&ErrorCode::AuthenticationRejected)
    );
}

#[tokio::test]
async fn a_wrong_client_secret_is_refused() {
    let sandbox = sandbox_for(SPEC).await;
    let wrong = client(
        &sandbox,
        ClientAuthMethod::ClientSecretBasic,
        "not-the-secret",
    );
    let error = wrong
        .start(pushed("+41791234567"))
        .await
        .expect_err("wrong secret");
    assert_eq!(error.code(), "invalid_client");
    assert_eq!(
        error
            .provider_error()
            .and_then(|e| e.raw())
            .map(|r| r.status),
        Some(401)
    );
}

// ---- Strictness: what a buggy client sends, with raw HTTP. ----

fn form_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("reqwest")
}

fn authorize_url(sandbox: &Sandbox, extra: &[(&str, &str)]) -> Url {
    let mut url = sandbox.endpoints().authorization.expect("authorize");
    url.query_pairs_mut()
        .append_pair("client_id", "sandbox-client")
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", REDIRECT_URI)
        .append_pair("scope", "openid")
        .append_pair("state", "s-123")
        .extend_pairs(extra);
    url
}

/// The redirect's `errorCode`-style members, decoded by the generated type.
async fn redirected_code(url: Url) -> String {
    let response = form_client().get(url).send().await.expect("GET");
    assert_eq!(
        response.status(),
        303,
        "a refused request is redirected to the client"
    );
    let location = Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    assert!(location.as_str().starts_with(REDIRECT_URI));
    let description = location
        .query_pairs()
        .find(|(k, _)| k == "error_description")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    description.split('_').take(3).collect::<Vec<_>>().join("_")
}

#[tokio::test]
async fn pushed_only_and_forbidden_parameters_are_refused_in_the_front_channel() {
    let sandbox = sandbox_for(SPEC).await;
    let login_hint = r#"{"hints":[{"msisdn":"+41791234567"}]}"#;
    assert_eq!(
        redirected_code(authorize_url(&sandbox, &[("login_hint", login_hint)])).await,
        "mid_sec_2030"
    );
    assert_eq!(
        redirected_code(authorize_url(&sandbox, &[("prompt", "login")])).await,
        "mid_sec_2030"
    );
    assert_eq!(
        redirected_code(authorize_url(&sandbox, &[("ui_locales", "rm")])).await,
        "mid_req_1040"
    );
    assert_eq!(
        redirected_code(authorize_url(&sandbox, &[("ui_locales", "de fr")])).await,
        "mid_req_1030"
    );
    let mut unknown_scope = authorize_url(&sandbox, &[]);
    let pairs: Vec<(String, String)> = unknown_scope
        .query_pairs()
        .map(|(k, v)| {
            (
                k.to_string(),
                if k == "scope" {
                    "openid email".to_owned()
                } else {
                    v.to_string()
                },
            )
        })
        .collect();
    unknown_scope.query_pairs_mut().clear().extend_pairs(pairs);
    assert_eq!(redirected_code(unknown_scope).await, "mid_req_1110");
}

#[tokio::test]
async fn an_unregistered_redirect_uri_is_never_redirected_to() {
    let sandbox = sandbox_for(SPEC).await;
    let mut url = sandbox.endpoints().authorization.expect("authorize");
    url.query_pairs_mut()
        .append_pair("client_id", "sandbox-client")
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", "https://attacker.example/steal")
        .append_pair("scope", "openid")
        .append_pair("state", "s");
    let response = form_client().get(url).send().await.expect("GET");
    assert_eq!(response.status(), 400);
    assert!(response.headers().get("location").is_none());
    assert!(response.text().await.unwrap().contains("not registered"));
}

async fn par_error(sandbox: &Sandbox, extra: &[(&str, &str)]) -> Value {
    let mut form = vec![
        ("client_id", "sandbox-client"),
        ("client_secret", "sandbox-secret"),
        ("response_type", "code"),
        ("redirect_uri", REDIRECT_URI),
        ("scope", "openid"),
        ("state", "s"),
    ];
    form.extend_from_slice(extra);
    let response = form_client()
        .post(sandbox.endpoints().par.expect("par"))
        .form(&form)
        .send()
        .await
        .expect("POST");
    assert_eq!(response.status(), 400);
    response.json().await.expect("a JSON error")
}

#[tokio::test]
async fn pushed_requests_are_checked_against_the_types_and_rules() {
    let sandbox = sandbox_for(SPEC).await;
    let body = par_error(&sandbox, &[("acr_values", "mid_al3_any mid_al4_any")]).await;
    assert_eq!(body["errorCode"], "invalid_request");
    assert!(
        body["description"]
            .as_str()
            .unwrap()
            .starts_with("mid_req_1010_"),
        "{body}"
    );
    let body = par_error(&sandbox, &[("acr_values", "mid_al9")]).await;
    assert!(
        body["description"]
            .as_str()
            .unwrap()
            .starts_with("mid_req_1020_"),
        "{body}"
    );
    let body = par_error(&sandbox, &[("login_hint", "{not json")]).await;
    assert!(
        body["description"]
            .as_str()
            .unwrap()
            .starts_with("mid_req_1100_"),
        "{body}"
    );
    let body = par_error(&sandbox, &[("login_hint", r#"{"hints":"+41"}"#)]).await;
    assert!(
        body["description"]
            .as_str()
            .unwrap()
            .starts_with("mid_req_1100_"),
        "{body}"
    );
    let body = par_error(
        &sandbox,
        &[
            ("code_challenge", "abc"),
            ("code_challenge_method", "plain"),
        ],
    )
    .await;
    assert_eq!(body["errorCode"], "invalid_request");
}

/// Signs in through the front channel and returns the code, the verifier's challenge
/// having been `challenge`.
async fn code_for(sandbox: &Sandbox, challenge: Option<&str>) -> String {
    let mut extra = vec![];
    if let Some(challenge) = challenge {
        extra.push(("code_challenge", challenge));
        extra.push(("code_challenge_method", "S256"));
    }
    let callback = sign_in(
        &authorize_url(sandbox, &extra),
        "+41791234567",
        Decision::Approve,
    )
    .await
    .expect("sign in");
    callback
        .query_pairs()
        .find(|(k, _)| k == "code")
        .map(|(_, v)| v.into_owned())
        .expect("a code")
}

async fn redeem(sandbox: &Sandbox, code: &str, verifier: Option<&str>) -> (u16, Value) {
    let mut form = vec![
        ("grant_type", "authorization_code"),
        ("code", code),
        ("redirect_uri", REDIRECT_URI),
        ("client_id", "sandbox-client"),
        ("client_secret", "sandbox-secret"),
    ];
    if let Some(verifier) = verifier {
        form.push(("code_verifier", verifier));
    }
    let response = form_client()
        .post(sandbox.endpoints().token.expect("token"))
        .form(&form)
        .send()
        .await
        .expect("POST");
    let status = response.status().as_u16();
    (status, response.json().await.expect("JSON"))
}

// RFC 7636 appendix B.
const VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

#[tokio::test]
async fn codes_are_single_use_and_bound_to_the_pkce_verifier() {
    let sandbox = sandbox_for(SPEC).await;
    let code = code_for(&sandbox, Some(CHALLENGE)).await;
    let (status, body) = redeem(&sandbox, &code, None).await;
    assert_eq!(
        (status, body["errorCode"].as_str()),
        (400, Some("invalid_grant")),
        "missing verifier: {body}"
    );

    let code = code_for(&sandbox, Some(CHALLENGE)).await;
    let (status, body) = redeem(&sandbox, &code, Some(VERIFIER)).await;
    assert_eq!(status, 200, "{body}");
    let access_token = body["access_token"].as_str().unwrap().to_owned();
    let (status, body) = redeem(&sandbox, &code, Some(VERIFIER)).await;
    assert_eq!(
        (status, body["errorCode"].as_str()),
        (400, Some("invalid_grant")),
        "replayed: {body}"
    );
    // The replay revoked what the code had bought.
    let userinfo = form_client()
        .get(sandbox.endpoints().userinfo.unwrap())
        .bearer_auth(&access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), 401);
}

#[tokio::test]
async fn codes_expire_after_the_documented_lifetime() {
    // Mobile ID's codes live 10 seconds; the same spec with 1 second keeps the test short.
    let sandbox =
        sandbox_for(&SPEC.replace("authorization_code: 10s", "authorization_code: 1s")).await;
    let code = code_for(&sandbox, None).await;
    tokio::time::sleep(Duration::from_millis(1_300)).await;
    let (status, body) = redeem(&sandbox, &code, None).await;
    assert_eq!(
        (status, body["errorCode"].as_str()),
        (400, Some("invalid_grant")),
        "{body}"
    );
    assert!(
        body["description"].as_str().unwrap().contains("expired"),
        "{body}"
    );
}

#[tokio::test]
async fn rotated_keys_are_published_and_used() {
    let sandbox = sandbox_for(SPEC).await;
    let first = sandbox.current_kid();
    let second = sandbox.rotate_keys().expect("rotation");
    assert_ne!(first, second);
    let jwks: Value = reqwest::get(sandbox.endpoints().jwks.unwrap())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let kids: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|k| k["kid"].as_str())
        .collect();
    assert_eq!(
        kids,
        vec![second.as_str(), first.as_str()],
        "the new key first, the old one still published"
    );
    // A fresh client validates a token signed with the new key.
    let client = client(
        &sandbox,
        ClientAuthMethod::ClientSecretBasic,
        "sandbox-secret",
    );
    let start = client
        .start(AuthorizationRequest::new())
        .await
        .expect("start");
    let callback = sign_in(&start.url, "+41791234567", Decision::Approve)
        .await
        .expect("sign in");
    client
        .complete(callback.as_str())
        .await
        .expect("login with the rotated key");
}
