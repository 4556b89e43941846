//! specs/imid.yaml served by the sandbox, driven the way the document's relying party
//! does it, with raw HTTP: a form post carrying an RS512 request object signed with the
//! relying party's key (its kid in the header, the assigned audience inside), a
//! notification posted back to the relying party (here a small listener on
//! loopback), the code exchanged at the token endpoint, userinfo posted with the
//! correlation id. Then every scripted user, every refusal of a malformed request,
//! the phone page, the device's timeout, replays, and ping delivery.

use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use axum::extract::State as Axum;
use axum::http::HeaderMap;
use axum::routing::post;
use idspec_codegen::ValidatedSpec;
use idspec_sandbox::user_agent::{answer_on_phone, Decision};
use idspec_sandbox::{Sandbox, SandboxClient, SandboxOptions};
use josekit::jwk::Jwk;
use josekit::jws::{self, JwsHeader};
use serde_json::{json, Map, Value};

const CLIENT_ID: &str = "imid-rp";
const SECRET: &str = "imid-rp-secret";
const AUDIENCE: &str = "imid-assigned-audience";
const KID: &str = "rp-key-1";
const SCOPE: &str = "openid rp-assigned-scope";
const RESPONSE_TYPE: &str = "mc_si_async_code";

const APPROVES: &str = "+37455000001";
const CANCELS: &str = "+37455000002";
const NOT_ACTIVATED: &str = "+37455000003";
const NO_ANSWER: &str = "+37455000004";
const RETRIES_TOO_SOON: &str = "+37455000005";
/// Not a scripted user: waits for a person on the phone page.
const SOMEONE: &str = "+37455123456";

/// Long enough for a scripted user's 1 s delay on a loaded machine; never waited in
/// full by a passing test.
const PATIENCE: Duration = Duration::from_secs(10);

fn spec_text() -> String {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/imid.yaml");
    std::fs::read_to_string(path).unwrap()
}

fn load(text: &str) -> ValidatedSpec {
    idspec_codegen::load("imid.yaml", text).unwrap_or_else(|d| panic!("{d}"))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// One notification as the relying party received it.
#[derive(Clone, Debug)]
struct Received {
    authorization: Option<String>,
    content_type: Option<String>,
    body: Bytes,
}

impl Received {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// The relying party's notification endpoint, on loopback.
#[derive(Clone, Default)]
struct Listener {
    received: Arc<Mutex<Vec<Received>>>,
    arrived: Arc<tokio::sync::Notify>,
}

impl Listener {
    async fn start() -> (Self, String) {
        let listener = Self::default();
        let router = axum::Router::new()
            .route("/rp/notify", post(record))
            .with_state(listener.clone());
        let socket = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let uri = format!("http://{}/rp/notify", socket.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(socket, router).await.unwrap() });
        (listener, uri)
    }

    fn all(&self) -> Vec<Received> {
        self.received.lock().unwrap().clone()
    }

    /// The `n`th notification (from 0), once it arrived within `timeout`.
    async fn nth(&self, n: usize, timeout: Duration) -> Option<Received> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let mut arrived = std::pin::pin!(self.arrived.notified());
            arrived.as_mut().enable();
            if let Some(received) = self.all().get(n) {
                return Some(received.clone());
            }
            if tokio::time::timeout_at(deadline, arrived).await.is_err() {
                return self.all().get(n).cloned();
            }
        }
    }
}

async fn record(Axum(listener): Axum<Listener>, headers: HeaderMap, body: Bytes) -> &'static str {
    let header = |name| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    listener.received.lock().unwrap().push(Received {
        authorization: header(axum::http::header::AUTHORIZATION),
        content_type: header(axum::http::header::CONTENT_TYPE),
        body,
    });
    listener.arrived.notify_waiters();
    "ok"
}

/// A sandbox serving imID, a relying party registered with its key, and its
/// notification listener.
struct Setup {
    sandbox: Sandbox,
    listener: Listener,
    notification_uri: String,
    key: Jwk,
}

async fn setup() -> Setup {
    setup_with(&spec_text()).await
}

async fn setup_with(spec: &str) -> Setup {
    let (listener, notification_uri) = Listener::start().await;
    let key = relying_party_key();
    let mut public = key.to_public_key().unwrap();
    public.set_key_id(KID);
    let client = SandboxClient {
        client_id: CLIENT_ID.to_owned(),
        client_secret: Some(SECRET.to_owned()),
        redirect_uris: vec![notification_uri.clone()],
        jwks: vec![public],
        audience: AUDIENCE.to_owned(),
        refresh_tokens: false,
        ..SandboxClient::default()
    };
    let options = SandboxOptions {
        clients: vec![client],
        ..SandboxOptions::default()
    };
    let sandbox = Sandbox::start(&load(spec), options).await.unwrap();
    Setup {
        sandbox,
        listener,
        notification_uri,
        key,
    }
}

/// The relying party's key, shared by the tests: 2048 bits and made once, for
/// speed (imID's keys are 4096).
fn relying_party_key() -> Jwk {
    static KEY: std::sync::OnceLock<Jwk> = std::sync::OnceLock::new();
    KEY.get_or_init(|| Jwk::generate_rsa_key(2048).unwrap())
        .clone()
}

/// The request object the document's example builds for `phone`.
fn claims(setup: &Setup, phone: &str) -> Map<String, Value> {
    let now = now();
    json!({
        "iss": CLIENT_ID,
        "client_id": CLIENT_ID,
        "aud": AUDIENCE,
        "iat": now,
        "exp": now + 300,
        "jti": format!("jti-{phone}-{}", rand_suffix()),
        "scope": SCOPE,
        "response_type": RESPONSE_TYPE,
        "version": "mc_si_r2_v1.0",
        "nonce": format!("nonce-{}", rand_suffix()),
        "login_hint": phone,
        "acr_values": "4",
        "binding_message": "Authorize imID Access",
        "context": "Do you want to authenticate using imID?",
        "correlation_id": format!("corr-{}", rand_suffix()),
        "client_notification_token": format!("notif-{}", rand_suffix()),
        "notification_uri": setup.notification_uri,
    })
    .as_object()
    .unwrap()
    .clone()
}

fn rand_suffix() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static COUNTER: AtomicU64 = AtomicU64::new(0);
    format!(
        "{}-{}",
        COUNTER.fetch_add(1, Ordering::Relaxed),
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .unwrap()
            .subsec_nanos()
    )
}

/// Signs `claims` with `key` and `alg`, naming `kid` in the header.
fn sign_with(key: &Jwk, alg: &str, kid: Option<&str>, claims: &Map<String, Value>) -> String {
    let mut header = JwsHeader::new();
    header.set_token_type("JWT");
    if let Some(kid) = kid {
        header.set_key_id(kid);
    }
    let payload = serde_json::to_vec(claims).unwrap();
    match alg {
        "RS512" => {
            jws::serialize_compact(&payload, &header, &jws::RS512.signer_from_jwk(key).unwrap())
        }
        "RS256" => {
            jws::serialize_compact(&payload, &header, &jws::RS256.signer_from_jwk(key).unwrap())
        }
        other => panic!("{other}"),
    }
    .unwrap()
}

fn sign(setup: &Setup, claims: &Map<String, Value>) -> String {
    sign_with(&setup.key, "RS512", Some(KID), claims)
}

/// The document's form post of the authentication request.
async fn post_request(setup: &Setup, request: &str) -> reqwest::Response {
    post_form(
        setup,
        &[
            ("client_id", CLIENT_ID),
            ("response_type", RESPONSE_TYPE),
            ("scope", SCOPE),
            ("request", request),
        ],
    )
    .await
}

async fn post_form(setup: &Setup, form: &[(&str, &str)]) -> reqwest::Response {
    http()
        .post(setup.sandbox.endpoints().authorization.unwrap())
        .form(form)
        .send()
        .await
        .unwrap()
}

/// A signed request for `phone` that the sandbox accepts: its claims and request id.
async fn accepted(setup: &Setup, phone: &str) -> (Map<String, Value>, String) {
    let claims = claims(setup, phone);
    let response = post_request(setup, &sign(setup, &claims)).await;
    assert_eq!(response.status(), 200, "{phone}");
    assert_eq!(
        response
            .headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("no-store")
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["expires_in"], 300, "{body}");
    let id = body["auth_req_id"].as_str().unwrap().to_owned();
    assert!(id.len() >= 32, "{id}");
    (claims, id)
}

/// The notification about `id`, checked for the relying party's bearer and JSON.
async fn notification(setup: &Setup, claims: &Map<String, Value>, id: &str) -> Value {
    let record = setup
        .sandbox
        .wait_for_notification(id, PATIENCE)
        .await
        .expect("a notification");
    assert_eq!(record.status, Ok(200));
    let received = setup
        .listener
        .all()
        .into_iter()
        .find(|r| r.json()["auth_req_id"] == id)
        .expect("the relying party got it");
    assert_eq!(
        received.authorization,
        Some(format!(
            "Bearer {}",
            claims["client_notification_token"].as_str().unwrap()
        ))
    );
    assert_eq!(received.content_type.as_deref(), Some("application/json"));
    let body = received.json();
    assert_eq!(body["correlation_id"], claims["correlation_id"], "{body}");
    assert_eq!(
        record.correlation_id.as_deref(),
        claims["correlation_id"].as_str()
    );
    assert_eq!(record.error.as_deref(), body["error"].as_str());
    body
}

async fn exchange(setup: &Setup, code: &str) -> reqwest::Response {
    http()
        .post(setup.sandbox.endpoints().token.unwrap())
        .basic_auth(CLIENT_ID, Some(SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", setup.notification_uri.as_str()),
        ])
        .send()
        .await
        .unwrap()
}

async fn userinfo(setup: &Setup, token: &str, form: &[(&str, &str)]) -> reqwest::Response {
    http()
        .post(setup.sandbox.endpoints().userinfo.unwrap())
        .bearer_auth(token)
        .form(form)
        .send()
        .await
        .unwrap()
}

/// Verifies the ID token with the sandbox's published keys; its claims.
async fn verified_id_token(setup: &Setup, id_token: &str) -> Map<String, Value> {
    let jwks: Value = http()
        .get(setup.sandbox.endpoints().jwks.unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let current = setup.sandbox.current_kid();
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == current.as_str())
        .unwrap();
    let key = Jwk::from_map(key.as_object().unwrap().clone()).unwrap();
    let (payload, header) =
        jws::deserialize_compact(id_token, &jws::RS256.verifier_from_jwk(&key).unwrap())
            .expect("the ID token verifies with the sandbox's key");
    assert_eq!(header.algorithm(), Some("RS256"));
    serde_json::from_slice(&payload).unwrap()
}

async fn json_error(response: reqwest::Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.unwrap();
    (
        status,
        body["error"].as_str().unwrap_or_default().to_owned(),
        body["error_description"]
            .as_str()
            .unwrap_or_default()
            .to_owned(),
    )
}

#[tokio::test]
async fn discovery_describes_the_backchannel_provider() {
    let setup = setup().await;
    let sandbox = &setup.sandbox;
    let endpoints = sandbox.endpoints();
    assert_eq!(endpoints.issuer.as_deref(), Some(sandbox.issuer()));
    assert_eq!(
        endpoints.authorization.as_ref().unwrap().path(),
        "/idp/yesem/oidc/mc/authorize"
    );
    let document: Value = http()
        .get(endpoints.discovery.clone().unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(document["issuer"], sandbox.issuer());
    let url = |u: &Option<url::Url>| Value::String(u.as_ref().unwrap().to_string());
    assert_eq!(
        document["authorization_endpoint"],
        url(&endpoints.authorization)
    );
    assert_eq!(document["token_endpoint"], url(&endpoints.token));
    assert_eq!(document["userinfo_endpoint"], url(&endpoints.userinfo));
    assert_eq!(document["jwks_uri"], url(&endpoints.jwks));
    assert_eq!(document["response_types_supported"], json!([RESPONSE_TYPE]));
    assert_eq!(
        document["request_object_signing_alg_values_supported"],
        json!(["RS512"])
    );
    assert_eq!(
        document["id_token_signing_alg_values_supported"],
        json!(["RS256"])
    );
    assert_eq!(
        document["token_endpoint_auth_methods_supported"],
        json!(["client_secret_basic", "client_secret_post"])
    );
    // Code delivery is not CIBA's ping.
    assert!(document
        .get("backchannel_token_delivery_modes_supported")
        .is_none());
    assert!(document.get("response_modes_supported").is_none());
    // No front channel: nothing to GET at the authorization endpoint.
    let get = http()
        .get(endpoints.authorization.unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(get.status(), 405);
}

#[tokio::test]
async fn an_approval_is_notified_with_a_code_that_gets_the_tokens_and_userinfo() {
    let setup = setup().await;
    let (claims, id) = accepted(&setup, APPROVES).await;
    let body = notification(&setup, &claims, &id).await;
    assert!(body.get("error").is_none(), "{body}");
    let code = body["code"].as_str().expect("a code").to_owned();

    let response = exchange(&setup, &code).await;
    assert_eq!(response.status(), 200);
    let tokens: Value = response.json().await.unwrap();
    let id_token = verified_id_token(&setup, tokens["id_token"].as_str().unwrap()).await;
    assert_eq!(id_token["nonce"], claims["nonce"]);
    assert_eq!(id_token["aud"], CLIENT_ID);
    assert_eq!(id_token["iss"], setup.sandbox.issuer());
    assert_eq!(id_token["acr"], "4");
    let access_token = tokens["access_token"].as_str().unwrap();

    let correlation_id = claims["correlation_id"].as_str().unwrap();
    let response = userinfo(&setup, access_token, &[("correlation_id", correlation_id)]).await;
    assert_eq!(response.status(), 200);
    let user: Value = response.json().await.unwrap();
    assert_eq!(user["sub"], id_token["sub"]);
    assert_eq!(user["family_name"], "Petrosyan");
    assert_eq!(user["family_name_am"], "Պետրոսյան");
    assert_eq!(user["given_name"], "Anna");
    assert_eq!(user["given_name_am"], "Աննա");
    assert_eq!(user["ssn"], "1234567890");

    // Codes are single use; a replayed one revokes what it got (RFC 6749 4.1.2).
    let (status, error, _) = json_error(exchange(&setup, &code).await).await;
    assert_eq!((status, error.as_str()), (400, "invalid_grant"));
    let response = userinfo(&setup, access_token, &[("correlation_id", correlation_id)]).await;
    assert_eq!(response.status(), 401);
}

#[tokio::test]
async fn userinfo_wants_the_transactions_correlation_id() {
    let setup = setup().await;
    let (claims, id) = accepted(&setup, APPROVES).await;
    let code = notification(&setup, &claims, &id).await["code"]
        .as_str()
        .unwrap()
        .to_owned();
    let tokens: Value = exchange(&setup, &code).await.json().await.unwrap();
    let access_token = tokens["access_token"].as_str().unwrap();
    for form in [
        vec![],
        vec![("correlation_id", "")],
        vec![("correlation_id", "another-transaction")],
    ] {
        let (status, error, description) =
            json_error(userinfo(&setup, access_token, &form).await).await;
        assert_eq!(
            (status, error.as_str()),
            (400, "invalid_request"),
            "{form:?}"
        );
        assert!(description.contains("correlation_id"), "{description}");
    }
    // The access token alone still works with the right one.
    let correlation_id = claims["correlation_id"].as_str().unwrap();
    let response = userinfo(&setup, access_token, &[("correlation_id", correlation_id)]).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_user_who_does_not_enter_the_pin_is_notified_as_user_cancel() {
    let setup = setup().await;
    let (claims, id) = accepted(&setup, CANCELS).await;
    // The `error:` trigger for a code documented for the notification.
    let (triggered_claims, triggered) = accepted(&setup, "error:notification:user_cancel").await;
    for (claims, id) in [(claims, id), (triggered_claims, triggered)] {
        let body = notification(&setup, &claims, &id).await;
        assert_eq!(body["error"], "user_cancel");
        assert_eq!(body["error_description"], "User does not enter PIN");
        assert!(body.get("code").is_none(), "{body}");
    }
}

#[tokio::test]
async fn a_number_without_an_activated_imid_is_refused_with_err201() {
    let setup = setup().await;
    let response = post_request(&setup, &sign(&setup, &claims(&setup, NOT_ACTIVATED))).await;
    let (status, error, description) = json_error(response).await;
    assert_eq!(
        (status, error.as_str(), description.as_str()),
        (400, "ERR201", "User not found")
    );
    // The `error:` trigger reaches it too.
    let response = post_request(&setup, &sign(&setup, &claims(&setup, "error:ERR201"))).await;
    assert_eq!(json_error(response).await.1, "ERR201");
    assert!(setup.sandbox.notifications().is_empty());
}

#[tokio::test]
async fn retrying_too_soon_gets_a_bare_500_twice_then_an_approval() {
    let setup = setup().await;
    for attempt in 0..2 {
        let response = post_request(&setup, &sign(&setup, &claims(&setup, RETRIES_TOO_SOON))).await;
        assert_eq!(response.status(), 500, "attempt {attempt}");
        let content_type = response.headers()["content-type"]
            .to_str()
            .unwrap()
            .to_owned();
        assert!(content_type.starts_with("text/plain"), "{content_type}");
        let body = response.text().await.unwrap();
        assert_eq!(body, "Internal error");
        assert!(
            !body.contains("HTTP500") && !body.contains("error\""),
            "{body}"
        );
    }
    let (claims, id) = accepted(&setup, RETRIES_TOO_SOON).await;
    let body = notification(&setup, &claims, &id).await;
    assert!(body["code"].is_string(), "{body}");
}

#[tokio::test]
async fn a_user_who_never_answers_gets_no_notification() {
    let setup = setup().await;
    let (_, id) = accepted(&setup, NO_ANSWER).await;
    // Longer than a scripted user's default delay (1 s).
    let waited = setup
        .sandbox
        .wait_for_notification(&id, Duration::from_millis(1500))
        .await;
    assert!(waited.is_none(), "{waited:?}");
    assert!(setup.listener.all().is_empty());
    assert!(setup.sandbox.replay_notification(&id).await.is_err());
}

#[tokio::test]
async fn malformed_requests_are_refused() {
    let setup = setup().await;
    let good = claims(&setup, APPROVES);
    let changed = |name: &str, value: Value| {
        let mut claims = good.clone();
        claims.insert(name.to_owned(), value);
        claims
    };
    let without = |name: &str| {
        let mut claims = good.clone();
        claims.remove(name);
        claims
    };
    let other_key = Jwk::generate_rsa_key(2048).unwrap();
    let tampered = {
        // A valid signature over other claims: the payload swapped after signing.
        let signed = sign(&setup, &good);
        let parts: Vec<&str> = signed.split('.').collect();
        let forged =
            base64_url(&serde_json::to_vec(&changed("login_hint", json!(CANCELS))).unwrap());
        format!("{}.{forged}.{}", parts[0], parts[2])
    };
    let cases: Vec<(&str, String, &str)> = vec![
        (
            "a kid the client did not register",
            sign_with(&setup.key, "RS512", Some("another-kid"), &good),
            "invalid_request_object",
        ),
        (
            "no kid",
            sign_with(&setup.key, "RS512", None, &good),
            "invalid_request_object",
        ),
        (
            "another key under the registered kid",
            sign_with(&other_key, "RS512", Some(KID), &good),
            "invalid_request_object",
        ),
        ("a tampered payload", tampered, "invalid_request_object"),
        (
            "RS256 instead of RS512",
            sign_with(&setup.key, "RS256", Some(KID), &good),
            "invalid_request_object",
        ),
        (
            "the issuer as audience instead of the assigned one",
            sign(&setup, &changed("aud", json!(setup.sandbox.issuer()))),
            "invalid_request_object",
        ),
        (
            "no version",
            sign(&setup, &without("version")),
            "invalid_request_object",
        ),
        (
            "another version",
            sign(&setup, &changed("version", json!("mc_si_r1_v1.0"))),
            "invalid_request_object",
        ),
        (
            "expired",
            sign(&setup, &changed("exp", json!(now() - 10))),
            "invalid_request_object",
        ),
        (
            "issued in the future",
            sign(&setup, &changed("iat", json!(now() + 600))),
            "invalid_request_object",
        ),
        (
            "an empty client_notification_token",
            sign(&setup, &changed("client_notification_token", json!(""))),
            "invalid_request_object",
        ),
        (
            "no nonce",
            sign(&setup, &without("nonce")),
            "invalid_request_object",
        ),
        (
            "no correlation_id",
            sign(&setup, &without("correlation_id")),
            "invalid_request_object",
        ),
        (
            "a notification_uri that is not registered",
            sign(
                &setup,
                &changed("notification_uri", json!("https://attacker.example/notify")),
            ),
            "invalid_request",
        ),
        (
            "a scope inside that differs from the form's",
            sign(&setup, &changed("scope", json!("openid other"))),
            "invalid_request",
        ),
        (
            "an acr_values the provider does not offer",
            sign(&setup, &changed("acr_values", json!("2"))),
            "invalid_request",
        ),
        (
            "not a JWS",
            "not-a-jws".to_owned(),
            "invalid_request_object",
        ),
    ];
    for (what, request, expected) in &cases {
        let (status, error, description) = json_error(post_request(&setup, request).await).await;
        assert_eq!(
            (status, error.as_str()),
            (400, *expected),
            "{what}: {description}"
        );
    }

    let request = sign(&setup, &good);
    let without_openid = sign(&setup, &changed("scope", json!("rp-assigned-scope")));
    let form_cases: Vec<FormCase> = vec![
        (
            "an unknown client",
            vec![
                ("client_id", "someone-else"),
                ("response_type", RESPONSE_TYPE),
                ("scope", SCOPE),
                ("request", &request),
            ],
            401,
            "invalid_client",
        ),
        (
            "no request object",
            vec![
                ("client_id", CLIENT_ID),
                ("response_type", RESPONSE_TYPE),
                ("scope", SCOPE),
            ],
            400,
            "invalid_request",
        ),
        (
            "the code flow's response type",
            vec![
                ("client_id", CLIENT_ID),
                ("response_type", "code"),
                ("scope", SCOPE),
                ("request", &request),
            ],
            400,
            "unsupported_response_type",
        ),
        (
            "scopes without openid",
            vec![
                ("client_id", CLIENT_ID),
                ("response_type", RESPONSE_TYPE),
                ("scope", "rp-assigned-scope"),
                ("request", &without_openid),
            ],
            400,
            "invalid_scope",
        ),
        (
            "a repeated parameter",
            vec![
                ("client_id", CLIENT_ID),
                ("client_id", CLIENT_ID),
                ("response_type", RESPONSE_TYPE),
                ("scope", SCOPE),
                ("request", &request),
            ],
            400,
            "invalid_request",
        ),
    ];
    for (what, form, status, expected) in &form_cases {
        let (got, error, description) = json_error(post_form(&setup, form).await).await;
        assert_eq!(
            (got, error.as_str()),
            (*status, *expected),
            "{what}: {description}"
        );
    }

    // The good one is accepted: the refusals were for their reasons alone.
    accepted(&setup, APPROVES).await;
}

/// What is wrong with a form, the form, and the status and error it gets.
type FormCase<'a> = (&'a str, Vec<(&'a str, &'a str)>, u16, &'a str);

fn base64_url(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

#[tokio::test]
async fn a_replayed_notification_is_the_same_body_with_the_same_bearer() {
    let setup = setup().await;
    let (claims, id) = accepted(&setup, APPROVES).await;
    notification(&setup, &claims, &id).await;
    assert_eq!(setup.sandbox.replay_notification(&id).await, Ok(200));
    let first = setup.listener.nth(0, PATIENCE).await.unwrap();
    let again = setup.listener.nth(1, PATIENCE).await.unwrap();
    assert_eq!(first.body, again.body);
    assert_eq!(first.authorization, again.authorization);
    let records = setup.sandbox.notifications();
    assert_eq!(records.len(), 2);
    assert!(!records[0].replay && records[1].replay);
    assert_eq!(records[0].auth_req_id, records[1].auth_req_id);
    assert!(setup.sandbox.replay_notification("unknown").await.is_err());
}

#[tokio::test]
async fn anyone_else_answers_on_the_phone_page() {
    let setup = setup().await;
    let mut claims = claims(&setup, SOMEONE);
    claims.insert("binding_message".into(), json!("Pay <b>5</b> & \"more\""));
    let response = post_request(&setup, &sign(&setup, &claims)).await;
    assert_eq!(response.status(), 200);
    let id = response.json::<Value>().await.unwrap()["auth_req_id"]
        .as_str()
        .unwrap()
        .to_owned();

    let phone = setup.sandbox.base_url().join("sandbox/phone").unwrap();
    let page = http()
        .get(phone.clone())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("Pay &lt;b&gt;5&lt;/b&gt; &amp; &quot;more&quot;"),
        "{page}"
    );
    assert!(
        page.contains("Do you want to authenticate using imID?"),
        "{page}"
    );
    assert!(!page.contains("<b>5</b>"));

    // A PIN that is not six digits is refused; the request keeps waiting.
    let refused =
        answer_on_phone(setup.sandbox.base_url(), SOMEONE, "12ab", Decision::Approve).await;
    assert!(refused.is_err());
    assert!(setup.sandbox.notifications().is_empty());

    answer_on_phone(
        setup.sandbox.base_url(),
        SOMEONE,
        "123456",
        Decision::Approve,
    )
    .await
    .unwrap();
    let body = notification(&setup, &claims, &id).await;
    assert!(body["code"].is_string(), "{body}");
    // Answered: no longer on the phone.
    assert!(answer_on_phone(
        setup.sandbox.base_url(),
        SOMEONE,
        "123456",
        Decision::Approve
    )
    .await
    .is_err());

    let (claims, id) = accepted(&setup, SOMEONE).await;
    answer_on_phone(setup.sandbox.base_url(), SOMEONE, "", Decision::Cancel)
        .await
        .unwrap();
    assert_eq!(
        notification(&setup, &claims, &id).await["error"],
        "user_cancel"
    );
}

#[tokio::test]
async fn nobody_answering_on_the_phone_is_user_cancel_when_the_device_gives_up() {
    let setup =
        setup_with(&spec_text().replace("device_timeout: 120s", "device_timeout: 1s")).await;
    let (claims, id) = accepted(&setup, SOMEONE).await;
    let body = notification(&setup, &claims, &id).await;
    assert_eq!(body["error"], "user_cancel");
    assert_eq!(body["error_description"], "User does not enter PIN");
}

#[tokio::test]
async fn ping_delivery_notifies_the_request_id_and_hands_the_tokens_out_once() {
    let setup = setup_with(&spec_text().replace("delivery: code", "delivery: ping")).await;
    let document: Value = http()
        .get(setup.sandbox.endpoints().discovery.unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        document["backchannel_token_delivery_modes_supported"],
        json!(["ping"])
    );

    let (claims, id) = accepted(&setup, APPROVES).await;
    let ciba = || async {
        http()
            .post(setup.sandbox.endpoints().token.unwrap())
            .basic_auth(CLIENT_ID, Some(SECRET))
            .form(&[
                ("grant_type", "urn:openid:params:grant-type:ciba"),
                ("auth_req_id", id.as_str()),
            ])
            .send()
            .await
            .unwrap()
    };
    let (status, error, _) = json_error(ciba().await).await;
    assert_eq!((status, error.as_str()), (400, "authorization_pending"));

    setup
        .sandbox
        .wait_for_notification(&id, PATIENCE)
        .await
        .expect("a notification");
    let received = setup.listener.nth(0, PATIENCE).await.unwrap();
    assert_eq!(received.json(), json!({ "auth_req_id": id }));
    assert_eq!(
        received.authorization,
        Some(format!(
            "Bearer {}",
            claims["client_notification_token"].as_str().unwrap()
        ))
    );
    let response = ciba().await;
    assert_eq!(response.status(), 200);
    let tokens: Value = response.json().await.unwrap();
    let id_token = verified_id_token(&setup, tokens["id_token"].as_str().unwrap()).await;
    assert_eq!(id_token["nonce"], claims["nonce"]);
    let (status, error, _) = json_error(ciba().await).await;
    assert_eq!((status, error.as_str()), (400, "invalid_grant"));
}
