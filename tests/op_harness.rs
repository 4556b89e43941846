//! Smoke tests of the test OpenID Provider (tests/op/server.mjs) and its
//! Rust harness (tests/support). Raw reqwest on purpose: these check the
//! harness, not idspec's runtime.

use idspec_testkit::{follow_to_redirect_uri, OpenIdProvider};
use reqwest::StatusCode;
use serde_json::Value;
use url::Url;

const REDIRECT_URI: &str = "https://rp.example.test/callback";
const CLIENT_ID: &str = "mobileid-basic";
const CLIENT_SECRET: &str = "mobileid-basic-secret";
const MSISDN: &str = "+41791234567";

// RFC 7636 appendix B: a verifier and its S256 challenge (the dev-dependencies
// have no SHA-256, and a fixed pair is fine for a smoke test).
const CODE_VERIFIER: &str = "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk";
const CODE_CHALLENGE: &str = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM";

async fn json(response: reqwest::Response) -> (StatusCode, Value) {
    let status = response.status();
    let body = response.bytes().await.expect("reading response body");
    let value = serde_json::from_slice(&body).unwrap_or_else(|err| {
        panic!(
            "{status}: body is not JSON ({err}): {}",
            String::from_utf8_lossy(&body)
        )
    });
    (status, value)
}

async fn discovery(op: &OpenIdProvider) -> Value {
    let response = reqwest::get(op.endpoint("/.well-known/openid-configuration"))
        .await
        .expect("GET discovery");
    let (status, body) = json(response).await;
    assert_eq!(status, StatusCode::OK, "discovery: {body}");
    body
}

fn endpoint(discovery: &Value, name: &str) -> Url {
    let url = discovery[name]
        .as_str()
        .unwrap_or_else(|| panic!("discovery has no {name}: {discovery}"));
    Url::parse(url).unwrap_or_else(|err| panic!("discovery {name} {url:?}: {err}"))
}

fn strings(value: &Value) -> Vec<&str> {
    value
        .as_array()
        .map(|items| items.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

fn login_hint(msisdn: &str) -> String {
    serde_json::json!({ "hints": [{ "msisdn": msisdn }] }).to_string()
}

/// POSTs a pushed authorization request for `mobileid-basic` (client_secret_basic).
async fn push(discovery: &Value, extra: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut form = vec![
        ("response_type", "code"),
        ("client_id", CLIENT_ID),
        ("redirect_uri", REDIRECT_URI),
        ("scope", "openid profile phone"),
        ("state", "state-0123456789"),
        ("nonce", "nonce-0123456789"),
        ("code_challenge", CODE_CHALLENGE),
        ("code_challenge_method", "S256"),
    ];
    form.extend_from_slice(extra);
    let response = reqwest::Client::new()
        .post(endpoint(discovery, "pushed_authorization_request_endpoint"))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&form)
        .send()
        .await
        .expect("POST /par");
    json(response).await
}

/// PAR, then the authorization endpoint with the request_uri, followed to the callback.
async fn authorize(discovery: &Value, msisdn: &str) -> Url {
    let hint = login_hint(msisdn);
    let (status, par) = push(discovery, &[("login_hint", hint.as_str())]).await;
    assert!(status.is_success(), "PAR failed: {status} {par}");
    let request_uri = par["request_uri"]
        .as_str()
        .unwrap_or_else(|| panic!("PAR response without request_uri: {par}"));

    let mut authorize_url = endpoint(discovery, "authorization_endpoint");
    authorize_url
        .query_pairs_mut()
        .append_pair("client_id", CLIENT_ID)
        .append_pair("request_uri", request_uri);
    follow_to_redirect_uri(&authorize_url, REDIRECT_URI).await
}

fn query(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// The payload of a JWS, without checking the signature.
fn jwt_payload(jwt: &str) -> Value {
    let payload = jwt
        .split('.')
        .nth(1)
        .unwrap_or_else(|| panic!("not a JWT: {jwt}"));
    serde_json::from_slice(&base64url_decode(payload)).expect("JWT payload is JSON")
}

fn base64url_decode(input: &str) -> Vec<u8> {
    const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = Vec::with_capacity(input.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for byte in input.bytes() {
        let value = ALPHABET
            .iter()
            .position(|&c| c == byte)
            .unwrap_or_else(|| panic!("invalid base64url {input:?}"));
        buffer = (buffer << 6) | value as u32;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
        }
    }
    out
}

#[tokio::test]
async fn discovery_describes_mobile_id() {
    let op = OpenIdProvider::start().await;
    let discovery = discovery(&op).await;

    assert_eq!(discovery["issuer"], op.issuer_identifier());
    assert_eq!(
        endpoint(&discovery, "pushed_authorization_request_endpoint"),
        op.endpoint("/par")
    );
    assert_eq!(
        discovery["authorization_response_iss_parameter_supported"],
        true
    );
    assert_eq!(
        strings(&discovery["code_challenge_methods_supported"]),
        ["S256"]
    );
    assert_eq!(
        strings(&discovery["scopes_supported"]),
        [
            "openid",
            "offline_access",
            "profile",
            "phone",
            "mid_location",
            "mid_profile",
            "mid_cms",
            "mid_esign_basic"
        ]
    );
    assert_eq!(
        strings(&discovery["acr_values_supported"]),
        [
            "mid_al2_any",
            "mid_al3_any",
            "mid_al3_simcard",
            "mid_al3_mobileapp",
            "mid_al3_any_ch",
            "mid_al4_any",
            "mid_al4_simcard",
            "mid_al4_mobileapp",
            "mid_al4_any_ch",
        ]
    );
    assert_eq!(
        strings(&discovery["token_endpoint_auth_methods_supported"]),
        ["client_secret_basic", "client_secret_post"]
    );

    let response = reqwest::get(endpoint(&discovery, "jwks_uri"))
        .await
        .expect("GET jwks");
    let (status, jwks) = json(response).await;
    assert_eq!(status, StatusCode::OK, "jwks: {jwks}");
    let algs: Vec<&str> = jwks["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .filter_map(|key| key["alg"].as_str())
        .collect();
    assert!(
        algs.contains(&"RS256") && algs.contains(&"ES256"),
        "JWKS algs: {algs:?}"
    );
}

#[tokio::test]
async fn par_with_two_acr_values_gets_mobile_id_error_body() {
    let op = OpenIdProvider::start().await;
    let discovery = discovery(&op).await;

    let (status, body) = push(&discovery, &[("acr_values", "mid_al3_any mid_al2_any")]).await;

    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["errorCode"], "invalid_request", "{body}");
    let description = body["description"]
        .as_str()
        .unwrap_or_else(|| panic!("no description: {body}"));
    assert!(description.starts_with("mid_req_1010_"), "{description}");
    let trace = &description["mid_req_1010_".len()..];
    assert!(
        trace.len() > 8
            && trace[..8]
                .bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
            && &trace[8..] == " - Invalid acr_values parameter, expected one single value",
        "{description}"
    );
}

#[tokio::test]
async fn code_flow_with_par_and_pkce_issues_tokens() {
    let op = OpenIdProvider::start().await;
    let discovery = discovery(&op).await;

    let callback = authorize(&discovery, MSISDN).await;
    let code = query(&callback, "code")
        .unwrap_or_else(|| panic!("no code in {callback}\n{}", op.log_tail()));
    assert_eq!(
        query(&callback, "state").as_deref(),
        Some("state-0123456789")
    );
    assert_eq!(
        query(&callback, "iss").as_deref(),
        Some(op.issuer_identifier())
    );

    let response = reqwest::Client::new()
        .post(endpoint(&discovery, "token_endpoint"))
        .basic_auth(CLIENT_ID, Some(CLIENT_SECRET))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT_URI),
            ("code_verifier", CODE_VERIFIER),
        ])
        .send()
        .await
        .expect("POST /token");
    let (status, tokens) = json(response).await;
    assert_eq!(status, StatusCode::OK, "{tokens}\n{}", op.log_tail());
    for field in ["id_token", "access_token", "refresh_token"] {
        assert!(
            tokens[field].as_str().is_some_and(|t| !t.is_empty()),
            "no {field}: {tokens}"
        );
    }
    assert_eq!(tokens["token_type"], "Bearer");

    let claims = jwt_payload(tokens["id_token"].as_str().unwrap());
    assert_eq!(claims["iss"], op.issuer_identifier());
    assert_eq!(claims["aud"], CLIENT_ID);
    assert_eq!(claims["nonce"], "nonce-0123456789");
    assert_eq!(claims["acr"], "mid_al3_any");
    assert_eq!(claims["amr"], serde_json::json!(["mid_sim", "mid_hwk"]));
    let sub = claims["sub"].as_str().expect("sub");
    assert!(
        sub.len() == 64 && sub.bytes().all(|b| b.is_ascii_hexdigit()),
        "sub {sub}"
    );
}

#[tokio::test]
async fn rejecting_test_user_ends_in_access_denied() {
    let op = OpenIdProvider::start().await;
    let discovery = discovery(&op).await;

    let callback = authorize(&discovery, "+41000092401").await;

    assert_eq!(
        query(&callback, "error").as_deref(),
        Some("access_denied"),
        "{callback}"
    );
    let description = query(&callback, "error_description").unwrap_or_default();
    assert!(
        description.starts_with("mid_auth_3010_")
            && description
                .ends_with(" - Authentication rejected by resource owner or authorization server"),
        "{description}"
    );
    assert_eq!(
        query(&callback, "state").as_deref(),
        Some("state-0123456789")
    );
    assert_eq!(
        query(&callback, "iss").as_deref(),
        Some(op.issuer_identifier())
    );
}
