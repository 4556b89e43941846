//! The generated itsme client against the itsme sandbox, in both variants: a login
//! with a nested-JWT request object, an encrypted ID token and an encrypted userinfo
//! response carrying every documented claim, key rotation as the document describes
//! it, and the typed errors of each endpoint. (Every documented code of every endpoint
//! is reached in tests/sandbox_error_codes.rs.)

#![cfg(feature = "itsme")]

use idspec::itsme::{
    test_users, AuthorizationErrorCode, AuthorizationRequest, Claim, ClaimsRequest, Client,
    ErrorCode, Scope, TokenErrorCode, UserInfo,
};
use idspec::runtime::jose::{RelyingPartyKeys, SigningAlg, SigningKey};
use idspec::runtime::{ClaimRequest, ClientAuthMethod, ErrorMetadata, HttpClient};
use idspec_codegen::model::ClientAuthMethod as SpecAuth;
use idspec_sandbox::user_agent::{sign_in, Decision};
use idspec_sandbox::{Sandbox, SandboxClient, SandboxOptions};
use josekit::jwk::Jwk;
use serde_json::Value;

const SPEC: &str = include_str!("../specs/itsme.yaml");
const REDIRECT_URI: &str = "https://rp.example.test/callback";
const SECRET: &str = "sandbox-secret";

fn spec() -> idspec_codegen::ValidatedSpec {
    idspec_codegen::load("itsme.yaml", SPEC).unwrap_or_else(|d| panic!("{d}"))
}

fn rsa_decryption_key(kid: &str) -> Jwk {
    let mut key = josekit::jwk::alg::rsa::RsaKeyPair::generate(2048)
        .expect("rsa")
        .to_jwk_private_key();
    key.set_key_id(kid);
    key
}

fn keys(generation: u32) -> RelyingPartyKeys {
    RelyingPartyKeys::new()
        .with_signing_key(
            SigningKey::generate(SigningAlg::RS256, &format!("sig-{generation}")).expect("key"),
        )
        .with_decryption_key(rsa_decryption_key(&format!("enc-{generation}")))
}

fn published(keys: &RelyingPartyKeys) -> Vec<Jwk> {
    keys.public_jwks()["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .map(|k| Jwk::from_map(k.as_object().expect("object").clone()).expect("jwk"))
        .collect()
}

/// The sandbox with one client registered: its public keys (private key JWT
/// variant) or its secret (client secret variant).
async fn sandbox(method: SpecAuth, jwks: Vec<Jwk>) -> Sandbox {
    let registered = SandboxClient {
        auth_methods: vec![method],
        client_secret: (method != SpecAuth::PrivateKeyJwt).then(|| SECRET.to_owned()),
        jwks,
        ..SandboxClient::default()
    };
    Sandbox::start(
        &spec(),
        SandboxOptions {
            clients: vec![registered],
            ..SandboxOptions::default()
        },
    )
    .await
    .expect("sandbox starts")
}

fn http() -> HttpClient {
    HttpClient::builder()
        .allow_loopback_http(true)
        .build()
        .expect("http")
}

fn key_client(sandbox: &Sandbox, keys: RelyingPartyKeys) -> Client {
    Client::builder(sandbox.endpoints())
        .client_id("sandbox-client")
        .client_auth(ClientAuthMethod::PrivateKeyJwt)
        .keys(keys)
        .redirect_uri(REDIRECT_URI)
        .http_client(http())
        .build()
        .expect("client")
}

fn secret_client(sandbox: &Sandbox) -> Client {
    Client::builder(sandbox.endpoints())
        .client_id("sandbox-client")
        .client_auth(ClientAuthMethod::ClientSecretPost)
        .client_secret(SECRET)
        .redirect_uri(REDIRECT_URI)
        .http_client(http())
        .build()
        .expect("client")
}

/// Every documented claim from userinfo, and a few in the ID token as well.
fn every_claim() -> AuthorizationRequest {
    let all: Vec<Claim> = Claim::ALL
        .iter()
        .copied()
        .filter(|c| *c != Claim::Sub)
        .collect();
    AuthorizationRequest::new("DEMO")
        .scopes([Scope::Profile, Scope::Phone])
        .claims(
            ClaimsRequest::new()
                .userinfo_claims(all)
                .id_token(Claim::Name, ClaimRequest::Essential)
                .id_token(Claim::BeNationalNumber, ClaimRequest::Voluntary)
                .id_token(Claim::VerificationDate, ClaimRequest::Voluntary),
        )
}

async fn login(client: &Client, request: AuthorizationRequest, user: &str) -> idspec::itsme::Login {
    let start = client.start(request).await.expect("start");
    let callback = sign_in(&start.url, user, Decision::Approve)
        .await
        .expect("sign in");
    client
        .complete_for(&start.state, callback.as_str())
        .await
        .expect("login")
}

/// The typed userinfo carries exactly the sandbox's value of every documented claim.
fn assert_every_claim(userinfo: &UserInfo) {
    let spec = spec();
    let spec = spec.spec();
    let expected = &spec.sandbox.as_ref().expect("sandbox").claims;
    let typed = serde_json::to_value(userinfo).expect("serializes");
    for wire in spec.claims.keys().filter(|w| *w != "sub") {
        let mut want = expected.get(wire).cloned().unwrap_or(Value::Null);
        if want == Value::String("{login}".into()) {
            want = Value::String(test_users::GEORGE.to_owned());
        }
        assert_eq!(typed.get(wire), Some(&want), "claim {wire}");
    }
    assert_eq!(userinfo.be_national_number.as_deref(), Some("99060427181"));
    let photo = userinfo.physical_person_photo.as_ref().expect("photo");
    assert_eq!(&photo.value.decode().expect("base64")[..2], &[0xFF, 0xD8]);
    assert_eq!(
        userinfo
            .validity_to
            .as_ref()
            .and_then(|m| m.get(Claim::BeEidSn))
            .map(String::as_str),
        Some("2028-11-10T00:00:00Z")
    );
}

#[tokio::test]
async fn private_key_jwt_variant_logs_in_with_every_claim() {
    let keys = keys(1);
    let sandbox = sandbox(SpecAuth::PrivateKeyJwt, published(&keys)).await;
    let client = key_client(&sandbox, keys);

    // The request travels as a nested JWT: nothing readable in the browser's URL.
    let start = client
        .start(every_claim().request_object())
        .await
        .expect("start");
    let names: Vec<String> = start
        .url
        .query_pairs()
        .map(|(k, _)| k.into_owned())
        .collect();
    assert!(names.contains(&"request".to_owned()), "{names:?}");
    for hidden in ["claims", "nonce", "state", "code_challenge", "redirect_uri"] {
        assert!(!names.contains(&hidden.to_owned()), "{hidden} in {names:?}");
    }
    let request = start
        .url
        .query_pairs()
        .find(|(k, _)| k == "request")
        .map(|(_, v)| v.into_owned())
        .expect("request");
    assert_eq!(request.split('.').count(), 5, "a JWE, not a bare JWS");

    let callback = sign_in(&start.url, test_users::GEORGE, Decision::Approve)
        .await
        .expect("sign in");
    let login = client
        .complete_for(&start.state, callback.as_str())
        .await
        .expect("login");
    let id_token = login.tokens().id_token.as_ref().expect("id token");
    assert_eq!(
        id_token.secret().split('.').count(),
        5,
        "the ID token is encrypted"
    );
    assert_eq!(login.claims().name.as_deref(), Some("George Tǎnka"));
    assert_eq!(
        login.claims().be_national_number.as_deref(),
        Some("99060427181")
    );
    assert!(login.claims().verification_date.is_some());
    let userinfo = client.userinfo(&login).await.expect("userinfo");
    assert_every_claim(&userinfo);
}

#[tokio::test]
async fn client_secret_variant_logs_in_with_every_claim() {
    let sandbox = sandbox(SpecAuth::ClientSecretPost, Vec::new()).await;
    let client = secret_client(&sandbox);
    let login = login(&client, every_claim(), test_users::GEORGE).await;
    let id_token = login.tokens().id_token.as_ref().expect("id token");
    assert_eq!(
        id_token.secret().split('.').count(),
        5,
        "the ID token is encrypted"
    );
    assert_eq!(login.claims().name.as_deref(), Some("George Tǎnka"));
    let userinfo = client.userinfo(&login).await.expect("userinfo");
    assert_every_claim(&userinfo);
}

#[tokio::test]
async fn only_requested_claims_are_released() {
    let sandbox = sandbox(SpecAuth::ClientSecretPost, Vec::new()).await;
    let client = secret_client(&sandbox);
    let request = AuthorizationRequest::new("DEMO")
        .claims(ClaimsRequest::new().userinfo(Claim::PlaceOfBirth, ClaimRequest::Essential));
    let login = login(&client, request, test_users::GEORGE).await;
    let userinfo = client.userinfo(&login).await.expect("userinfo");
    assert!(userinfo.place_of_birth.is_some());
    assert!(userinfo.be_national_number.is_none());
    assert!(userinfo.name.is_none());
}

#[tokio::test]
async fn decryption_keys_rotate_as_the_document_describes() {
    // itsme still has the old JWK set cached (generation 1 only) and encrypts to it,
    // while the relying party has already added generation 2: both decrypt.
    let old = keys(1);
    let sandbox = sandbox(SpecAuth::PrivateKeyJwt, published(&old)).await;
    let rotated = RelyingPartyKeys::new()
        .with_decryption_key(rsa_decryption_key("enc-1-dup-never-used"))
        .with_decryption_key(old.decryption_keys()[0].clone())
        .with_signing_key(old.signing_key().expect("signing").clone())
        .with_decryption_key(rsa_decryption_key("enc-2"));
    let client = key_client(&sandbox, rotated.clone());
    let login = login(&client, every_claim(), test_users::GEORGE).await;
    client.userinfo(&login).await.expect("userinfo");
    // The published set has every key, the new one first.
    let kids: Vec<String> = rotated.public_jwks()["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["kid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(kids, ["sig-1", "enc-2", "enc-1", "enc-1-dup-never-used"]);
}

#[tokio::test]
async fn a_new_signing_key_signs_once_itsme_knows_it() {
    let old = keys(1);
    let new_signing = SigningKey::generate(SigningAlg::RS256, "sig-2").expect("key");
    let rotated = old.clone().with_signing_key(new_signing);
    // Before itsme has fetched the new set, an assertion with the new kid is refused...
    let cached = sandbox(SpecAuth::PrivateKeyJwt, published(&old)).await;
    let client = key_client(&cached, rotated.clone());
    let start = client
        .start(AuthorizationRequest::new("DEMO"))
        .await
        .expect("start");
    let callback = sign_in(&start.url, test_users::GEORGE, Decision::Approve)
        .await
        .expect("sign in");
    let error = client
        .complete(callback.as_str())
        .await
        .expect_err("unknown kid");
    assert_eq!(error.code(), "invalid_client");
    assert!(matches!(
        error.provider_error().map(|e| e.kind()),
        Some(ErrorCode::Token(TokenErrorCode::InvalidClient))
    ));
    // ...and accepted once it has.
    let refreshed = sandbox(SpecAuth::PrivateKeyJwt, published(&rotated)).await;
    let client = key_client(&refreshed, rotated);
    login(
        &client,
        AuthorizationRequest::new("DEMO"),
        test_users::GEORGE,
    )
    .await;
}

#[tokio::test]
async fn authorization_errors_are_typed_by_endpoint() {
    let sandbox = sandbox(SpecAuth::ClientSecretPost, Vec::new()).await;
    let client = secret_client(&sandbox);
    for (user, expected, retryable) in [
        (
            test_users::REFUSES,
            AuthorizationErrorCode::AccessDenied,
            false,
        ),
        (
            test_users::MAINTENANCE,
            AuthorizationErrorCode::TemporaryUnavailable,
            true,
        ),
    ] {
        let start = client
            .start(AuthorizationRequest::new("DEMO"))
            .await
            .expect("start");
        let callback = sign_in(&start.url, user, Decision::Approve)
            .await
            .expect("sign in");
        let error = client.complete(callback.as_str()).await.expect_err("fails");
        let kind = error.provider_error().expect("provider error").kind();
        assert_eq!(kind, &ErrorCode::Authorization(expected));
        assert_eq!(error.is_retryable(), retryable, "{user}");
    }
}

#[tokio::test]
async fn a_client_secret_environment_refuses_keys_and_vice_versa() {
    use idspec::itsme::Environment;
    let keys = keys(1);
    let refused = Client::builder(Environment::ClientSecretE2e)
        .client_id("x")
        .keys(keys.clone())
        .client_auth(ClientAuthMethod::PrivateKeyJwt)
        .redirect_uri(REDIRECT_URI)
        .build()
        .expect_err("private_key_jwt is the other variant's");
    assert!(refused.to_string().contains("private_key_jwt"), "{refused}");
    let refused = Client::builder(Environment::E2e)
        .client_id("x")
        .client_secret(SECRET)
        .client_auth(ClientAuthMethod::ClientSecretPost)
        .redirect_uri(REDIRECT_URI)
        .build()
        .expect_err("client_secret_post is the other variant's");
    assert!(
        refused.to_string().contains("client_secret_post"),
        "{refused}"
    );
    // Each environment's own method is its default.
    let client = Client::builder(Environment::E2e)
        .client_id("x")
        .keys(keys)
        .redirect_uri(REDIRECT_URI)
        .build()
        .expect("private key JWT");
    assert_eq!(client.client_auth(), ClientAuthMethod::PrivateKeyJwt);
    let client = Client::builder(Environment::ClientSecretProduction)
        .client_id("x")
        .client_secret(SECRET)
        .redirect_uri(REDIRECT_URI)
        .build()
        .expect("client secret");
    assert_eq!(client.client_auth(), ClientAuthMethod::ClientSecretPost);
}
