//! Conformance: the generic OpenID Connect client (`idspec::generic_oidc`, from
//! specs/generic-oidc.yaml) against a certified OpenID Provider
//! (node-oidc-provider, `tests/op/conformance.mjs`), one test per OpenID Connect
//! RP certification test, named as in the certification suite, and the attacks
//! and failures the certification does not cover.
//!
//! A certified provider never misbehaves by itself, so every test has its own
//! client at the provider (client_id = the certification test's name) and the
//! provider's fault injection changes exactly one thing for that client: an ID
//! token claim (re-signed with the provider's real key), a signature, the
//! userinfo `sub`, the redirect's `iss` or `state`, the token endpoint's
//! transport. Faulty discovery documents and JWKS live under
//! `/faulty/<name>/`. Every negative test asserts the specific typed error.
//!
//! Beyond the certification list, too: direct encryption (`dir`) of ID tokens and
//! userinfo with a key derived from the client secret (itsme's client-secret
//! variant), and token revocation (RFC 7009).
//!
//! The descriptions are quoted from the OpenID Foundation's RP certification
//! test list (rp.certification.openid.net); tests the certification names but
//! does not describe (A128KW) or describes only by reference (request objects by
//! value) say so.
//!
//! One provider serves the whole binary (`idspec_testkit::conformance`).

use std::sync::LazyLock;
use std::time::{Duration, Instant};

use idspec::generic_oidc::{
    AuthorizationRequest, Claim, ClaimsRequest, Client, ClientBuilder, Error, ErrorCode,
    IdTokenClaims, Scope, UserInfo,
};
use idspec::runtime::callback::CallbackError;
use idspec::runtime::config::ConfigError;
use idspec::runtime::discovery::DiscoveryError;
use idspec::runtime::error::EndpointKind;
use idspec::runtime::http::HttpError;
use idspec::runtime::id_token::IdTokenError;
use idspec::runtime::jose::{JoseError, JweAlgorithms, RelyingPartyKeys, SigningAlg};
use idspec::runtime::{
    AccessToken, AuthorizationParams, ClaimRequest, ClientAuthMethod, Endpoints, ErrorMetadata,
    HttpClient, OAuthErrorCode, Provider, ProviderProfile, RequestObject, ResponseProblem,
    TokenPlacement, UserinfoProfile,
};
use idspec_testkit::conformance::{
    client_secret, jose_header, rp_private_jwks, ConformanceProvider, REDIRECT_URI, SUBJECT,
};
use idspec_testkit::follow_to_redirect_uri;
use serde_json::{json, Value};
use url::Url;

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

/// The relying party's keys (an RS256 signing key, an RSA-OAEP decryption key);
/// the provider gets their public half and registers it for the clients that
/// use private_key_jwt, request objects or encryption.
static RP_KEYS: LazyLock<RelyingPartyKeys> = LazyLock::new(|| {
    RelyingPartyKeys::from_jwk_json(&rp_private_jwks()).expect("the relying party's keys load")
});

fn op() -> &'static ConformanceProvider {
    ConformanceProvider::shared(|| RP_KEYS.public_jwks())
}

const ATTACKER_ISSUER: &str = "https://op.attacker.example";
const ONE_MIB: usize = 1024 * 1024;

fn http(timeout: Duration) -> HttpClient {
    // The one relaxation a test provider needs: plain http, on loopback only.
    HttpClient::builder()
        .allow_loopback_http(true)
        .timeout(timeout)
        .build()
        .expect("http client")
}

/// A client for the conformance client `client_id`, endpoints from discovery.
fn builder(client_id: &str) -> ClientBuilder {
    builder_for(
        client_id,
        Endpoints::discover(op().issuer()).expect("issuer URL"),
    )
}

/// A client for `client_id` with these endpoints (a faulty discovery document).
fn builder_for(client_id: &str, endpoints: Endpoints) -> ClientBuilder {
    Client::builder(endpoints)
        .client_id(client_id)
        .client_secret(client_secret(client_id))
        .client_auth(ClientAuthMethod::ClientSecretBasic)
        .redirect_uri(REDIRECT_URI)
        .http_client(http(Duration::from_secs(10)))
}

/// The real issuer, with its discovery document taken from a faulty issuer.
fn discovery_from(faulty: &str) -> Endpoints {
    Endpoints {
        issuer: Some(op().issuer().to_owned()),
        discovery: Some(op().faulty_discovery(faulty)),
        ..Default::default()
    }
}

fn rp_client(client_id: &str) -> Client {
    build(builder(client_id))
}

fn build(builder: ClientBuilder) -> Client {
    builder.build().expect("a valid client configuration")
}

/// Starts a login and plays the end-user: returns the redirect back to the RP.
async fn authorize<P: Provider>(
    client: &idspec::runtime::Client<P>,
    request: impl Into<AuthorizationParams>,
) -> Url {
    let start = client
        .start(request)
        .await
        .unwrap_or_else(|e| panic!("start failed: {e:?}\n{}", op().log_tail()));
    follow_to_redirect_uri(&start.url, REDIRECT_URI).await
}

/// A whole login: start, the end-user, complete.
async fn log_in<P: Provider<ErrorCode = ErrorCode>>(
    client: &idspec::runtime::Client<P>,
    request: impl Into<AuthorizationParams>,
) -> Result<idspec::runtime::Login<P>, Error> {
    let callback = authorize(client, request).await;
    client.complete(callback.as_str()).await
}

/// The value, or a panic with the error and the provider's log.
fn ok<T>(result: Result<T, Error>) -> T {
    result.unwrap_or_else(|e| panic!("{e:?}: {e}\n{}", op().log_tail()))
}

/// Asserts that `result` failed with an error matching the pattern; returns it.
macro_rules! assert_error {
    ($result:expr, $pattern:pat $(if $guard:expr)? $(,)?) => {{
        let error: Error = match $result {
            Ok(_) => panic!(
                "expected {}, but it succeeded\n{}",
                stringify!($pattern),
                op().log_tail()
            ),
            Err(error) => error,
        };
        assert!(
            matches!(&error, $pattern $(if $guard)?),
            "expected {}, got {error:?} ({error})\n{}",
            stringify!($pattern),
            op().log_tail()
        );
        error
    }};
}

fn query_param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

fn with_param(url: &Url, name: &str, value: &str) -> Url {
    let pairs: Vec<(String, String)> = url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == name {
                value.to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    let mut changed = url.clone();
    changed.query_pairs_mut().clear().extend_pairs(pairs);
    changed
}

/// The ID token as received.
fn raw_id_token<P: Provider>(login: &idspec::runtime::Login<P>) -> &str {
    login
        .tokens()
        .id_token
        .as_ref()
        .expect("the login has an ID token")
        .secret()
}

fn plain() -> AuthorizationRequest {
    AuthorizationRequest::new()
}

// ---------------------------------------------------------------------------
// OpenID Connect RP certification: responses and scopes
// ---------------------------------------------------------------------------

/// rp-response_type-code: "Make an authentication request using the
/// Authorization Code Flow." Expected: "An authentication response containing
/// an authorization code."
#[tokio::test]
async fn rp_response_type_code() {
    let client = rp_client("rp-response_type-code");
    let start = ok(client.start(plain()).await);
    assert_eq!(
        query_param(&start.url, "response_type").as_deref(),
        Some("code")
    );
    let callback = follow_to_redirect_uri(&start.url, REDIRECT_URI).await;
    assert!(query_param(&callback, "code").is_some(), "{callback}");
    let login = ok(client.complete(callback.as_str()).await);
    let claims = login.claims();
    assert_eq!(claims.sub, SUBJECT);
    assert_eq!(claims.iss, op().issuer());
    assert!(claims.aud.contains("rp-response_type-code"));
    // Scope openid alone releases no profile claims into the ID token.
    assert_eq!(claims.email, None);
}

/// rp-scope-userinfo-claims: "Request claims using scope values." Expected: "A
/// UserInfo Response containing the requested claims. [...]"
#[tokio::test]
async fn rp_scope_userinfo_claims() {
    let client = rp_client("rp-scope-userinfo-claims");
    let request = plain().scopes([Scope::Profile, Scope::Email, Scope::Address, Scope::Phone]);
    let login = ok(log_in(&client, request).await);
    let userinfo = ok(client.userinfo(&login).await);
    assert_eq!(userinfo.sub, SUBJECT);
    assert_eq!(userinfo.name.as_deref(), Some("Jane Doe"));
    assert_eq!(userinfo.preferred_username.as_deref(), Some("j.doe"));
    assert_eq!(userinfo.email.as_deref(), Some("janedoe@example.com"));
    assert_eq!(userinfo.email_verified, Some(true));
    let address = userinfo
        .address
        .as_ref()
        .expect("the address scope's claim");
    assert_eq!(address.locality.as_deref(), Some("Zürich"));
    assert_eq!(address.country.as_deref(), Some("CH"));
    assert_eq!(userinfo.phone_number.as_deref(), Some("+41 44 000 00 00"));
    assert_eq!(userinfo.phone_number_verified, Some(false));
}

/// rp-nonce-invalid: "Pass a 'nonce' value in the Authentication Request.
/// Verify the 'nonce' value returned in the ID Token." Expected: "Identify that
/// the 'nonce' value in the ID Token is invalid and reject the ID Token."
#[tokio::test]
async fn rp_nonce_invalid() {
    let client = rp_client("rp-nonce-invalid");
    let start = ok(client.start(plain()).await);
    assert!(query_param(&start.url, "nonce").is_some_and(|n| n.len() >= 32));
    let callback = follow_to_redirect_uri(&start.url, REDIRECT_URI).await;
    assert_error!(
        client.complete(callback.as_str()).await,
        Error::IdToken(IdTokenError::NonceMismatch)
    );
}

// ---------------------------------------------------------------------------
// RP certification: client authentication at the token endpoint
// ---------------------------------------------------------------------------

/// Logs in with `client` and returns how the provider saw it authenticate.
async fn token_endpoint_auth(client: &Client) -> Value {
    let login = ok(log_in(client, plain()).await);
    assert_eq!(login.subject(), Some(SUBJECT));
    op().observed(client.client_id()).await["token_endpoint_auth"].clone()
}

/// rp-token_endpoint-client_secret_basic: "Use the 'client_secret_basic'
/// method to authenticate at the Authorization Server when using the token
/// endpoint." Expected: "A Token Response, containing an ID token."
#[tokio::test]
async fn rp_token_endpoint_client_secret_basic() {
    let client = rp_client("rp-token_endpoint-client_secret_basic");
    assert_eq!(
        token_endpoint_auth(&client).await,
        json!(["client_secret_basic"])
    );
}

/// rp-token_endpoint-client_secret_post: "Use the 'client_secret_post' method
/// to authenticate at the Authorization Server when using the token endpoint."
/// Expected: "A Token Response, containing an ID token."
#[tokio::test]
async fn rp_token_endpoint_client_secret_post() {
    let client = build(
        builder("rp-token_endpoint-client_secret_post")
            .client_auth(ClientAuthMethod::ClientSecretPost),
    );
    assert_eq!(
        token_endpoint_auth(&client).await,
        json!(["client_secret_post"])
    );
}

/// rp-token_endpoint-client_secret_jwt: "Use the 'client_secret_jwt' method to
/// authenticate at the Authorization Server when using the token endpoint."
/// Expected: "A Token Response, containing an ID token."
#[tokio::test]
async fn rp_token_endpoint_client_secret_jwt() {
    let client = build(
        builder("rp-token_endpoint-client_secret_jwt")
            .client_auth(ClientAuthMethod::ClientSecretJwt),
    );
    assert_eq!(
        token_endpoint_auth(&client).await,
        json!(["client_secret_jwt HS256"])
    );
}

/// rp-token_endpoint-private_key_jwt: "Use the 'private_key_jwt' method to
/// authenticate at the Authorization Server when using the token endpoint."
/// Expected: "A Token Response, containing an ID token."
#[tokio::test]
async fn rp_token_endpoint_private_key_jwt() {
    let client = build(
        builder("rp-token_endpoint-private_key_jwt")
            .client_auth(ClientAuthMethod::PrivateKeyJwt)
            .keys(RP_KEYS.clone()),
    );
    assert_eq!(
        token_endpoint_auth(&client).await,
        json!(["private_key_jwt RS256"])
    );
}

// ---------------------------------------------------------------------------
// RP certification: ID token validation
// ---------------------------------------------------------------------------

/// rp-id_token-aud: "Request an ID token and compare its aud value to the
/// Relying Party's 'client_id'." Expected: "Identify that the 'aud' value is
/// missing or doesn't match the 'client_id' and reject the ID Token after doing
/// ID Token validation."
#[tokio::test]
async fn rp_id_token_aud() {
    let client = rp_client("rp-id_token-aud");
    assert_error!(
        log_in(&client, plain()).await,
        Error::IdToken(IdTokenError::AudienceMismatch)
    );
}

/// rp-id_token-bad-sig-rs256: "Request an ID token and verify its signature
/// using the keys provided by the Issuer." Expected: "Identify the invalid
/// signature and reject the ID Token after doing ID Token validation."
#[tokio::test]
async fn rp_id_token_bad_sig_rs256() {
    let client = rp_client("rp-id_token-bad-sig-rs256");
    assert_error!(
        log_in(&client, plain()).await,
        Error::IdToken(IdTokenError::Jose(JoseError::BadSignature))
    );
}

/// rp-id_token-bad-sig-es256: "Request an ID token and verify its signature
/// using the keys provided by the Issuer." Expected: "Identify the invalid
/// signature and reject the ID Token after doing ID Token validation."
#[tokio::test]
async fn rp_id_token_bad_sig_es256() {
    let client = rp_client("rp-id_token-bad-sig-es256");
    assert_error!(
        log_in(&client, plain()).await,
        Error::IdToken(IdTokenError::Jose(JoseError::BadSignature))
    );
}

/// rp-id_token-bad-sig-hs256: "Request an ID token and verify its signature
/// using the 'client_secret' as MAC key." Expected: "Identify the invalid
/// signature and reject the ID Token after doing ID Token validation."
#[tokio::test]
async fn rp_id_token_bad_sig_hs256() {
    let client = rp_client("rp-id_token-bad-sig-hs256");
    assert_error!(
        log_in(&client, plain()).await,
        Error::IdToken(IdTokenError::Jose(JoseError::BadSignature))
    );
}

/// rp-id_token-iat: "Request an ID token and verify its 'iat' value."
/// Expected: "Identify the missing 'iat' value and reject the ID Token after
/// doing ID Token validation."
#[tokio::test]
async fn rp_id_token_iat() {
    let client = rp_client("rp-id_token-iat");
    assert_error!(
        log_in(&client, plain()).await,
        Error::IdToken(IdTokenError::MissingClaim { claim: "iat" })
    );
}

/// rp-id_token-issuer-mismatch: "Request an ID token and verify its 'iss'
/// value." Expected: "Identify the incorrect 'iss' value and reject the ID
/// Token after doing ID Token validation."
#[tokio::test]
async fn rp_id_token_issuer_mismatch() {
    let client = rp_client("rp-id_token-issuer-mismatch");
    assert_error!(
        log_in(&client, plain()).await,
        Error::IdToken(IdTokenError::IssuerMismatch)
    );
}

/// rp-id_token-kid-absent-multiple-jwks: "Request an ID token and verify its
/// signature using the keys provided by the Issuer." Expected: "Identify that
/// the 'kid' value is missing from the JOSE header and that the Issuer
/// publishes multiple keys in its JWK Set document (referenced by 'jwks_uri').
/// The RP can do one of two things; reject the ID Token since it can not by
/// using the kid determined which key to use to verify the signature. Or it can
/// just test all possible keys and hit upon one that works, which it will in
/// this case."
///
/// idspec tries every key that fits the algorithm; the token is signed with the
/// provider's second RSA key, so the first one tried fails.
#[tokio::test]
async fn rp_id_token_kid_absent_multiple_jwks() {
    let rsa_signing_keys = op().jwks().await["keys"]
        .as_array()
        .expect("keys")
        .iter()
        .filter(|key| key["kty"] == "RSA" && key["use"] == "sig")
        .count();
    assert!(
        rsa_signing_keys >= 2,
        "the JWKS must offer several candidates"
    );
    let client = rp_client("rp-id_token-kid-absent-multiple-jwks");
    let login = ok(log_in(&client, plain()).await);
    let header = jose_header(raw_id_token(&login));
    assert_eq!(header["kid"], Value::Null, "{header}");
    assert_eq!(header["alg"], "RS256");
    assert_eq!(login.subject(), Some(SUBJECT));
}

/// rp-id_token-kid-absent-single-jwks: "Request an ID token and verify its
/// signature using the keys provided by the Issuer." Expected: "Use the single
/// key published by the Issuer to verify the ID Tokens signature and accept the
/// ID Token after doing ID Token validation."
#[tokio::test]
async fn rp_id_token_kid_absent_single_jwks() {
    let client = build(builder_for(
        "rp-id_token-kid-absent-single-jwks",
        discovery_from("single-jwks"),
    ));
    let login = ok(log_in(&client, plain()).await);
    assert_eq!(jose_header(raw_id_token(&login))["kid"], Value::Null);
    assert_eq!(login.subject(), Some(SUBJECT));
}

/// rp-id_token-sig-none: "Use Code Flow and retrieve an unsigned ID Token. This
/// test is only applicable when response_type='code'" Expected (certification):
/// "Accept the ID Token after doing ID Token validation."
///
/// idspec deliberately deviates: no spec can allow unsigned ID tokens (`none`
/// is not even a `SigningAlg`), so the token is rejected.
#[tokio::test]
async fn rp_id_token_sig_none() {
    let client = rp_client("rp-id_token-sig-none");
    assert_error!(
        log_in(&client, plain()).await,
        Error::IdToken(IdTokenError::Jose(JoseError::AlgNone))
    );
}

/// Logs in and returns the ID token's JOSE header.
async fn id_token_header(client_id: &str) -> Value {
    let client = rp_client(client_id);
    let login = ok(log_in(&client, plain()).await);
    assert_eq!(login.subject(), Some(SUBJECT));
    jose_header(raw_id_token(&login))
}

/// rp-id_token-sig-rs256: "Request an signed ID Token. Verify the signature on
/// the ID Token using the keys published by the Issuer." Expected: "Accept the
/// ID Token after doing ID Token validation."
#[tokio::test]
async fn rp_id_token_sig_rs256() {
    let header = id_token_header("rp-id_token-sig-rs256").await;
    assert_eq!(header["alg"], "RS256");
}

/// rp-id_token-sig-es256: "Request an signed ID Token. Verify the signature on
/// the ID Token using the keys published by the Issuer." Expected: "Accept the
/// ID Token after doing ID Token validation."
#[tokio::test]
async fn rp_id_token_sig_es256() {
    let header = id_token_header("rp-id_token-sig-es256").await;
    assert_eq!(header["alg"], "ES256");
}

/// rp-id_token-sig-hs256: "Request an signed ID Token. Verify the signature on
/// the ID Token using the keys published by the Issuer." Expected: "Accept the
/// ID Token after doing ID Token validation." (HS256: keyed with the client
/// secret.)
#[tokio::test]
async fn rp_id_token_sig_hs256() {
    let header = id_token_header("rp-id_token-sig-hs256").await;
    assert_eq!(header["alg"], "HS256");
}

/// rp-id_token-sub: "Request an ID token and verify it contains a sub value."
/// Expected: "Identify the missing 'sub' value and reject the ID Token."
#[tokio::test]
async fn rp_id_token_sub() {
    let client = rp_client("rp-id_token-sub");
    assert_error!(
        log_in(&client, plain()).await,
        Error::IdToken(IdTokenError::MissingClaim { claim: "sub" })
    );
}

/// rp-id_token-sig+enc: "Request an encrypted ID Token (using
/// 'id_token_encrypted_response_alg' and 'id_token_encrypted_response_enc' in
/// registered Client Metadata). Decrypt the returned the ID Token and verify its
/// signature using the keys published by the Issuer." Expected: "Accept the ID
/// Token after doing ID Token validation."
///
/// Encrypted with RSA-OAEP to the relying party's key; without that key the
/// same response cannot be read.
#[tokio::test]
async fn rp_id_token_sig_enc() {
    let name = "rp-id_token-sig+enc";
    let client = build(builder(name).keys(RP_KEYS.clone()));
    let login = ok(log_in(&client, plain()).await);
    assert_eq!(login.subject(), Some(SUBJECT));
    assert!(login.claims().aud.contains(name));
    let header = jose_header(raw_id_token(&login));
    assert_eq!(raw_id_token(&login).split('.').count(), 5, "a JWE");
    assert_eq!(header["alg"], "RSA-OAEP", "{header}");

    let without_keys = rp_client(name);
    assert_error!(
        log_in(&without_keys, plain()).await,
        Error::IdToken(IdTokenError::Jose(JoseError::NoDecryptionKey { alg })) if alg == "RSA-OAEP"
    );
}

/// rp-id_token-sig+enc-a128kw: rp-id_token-sig+enc with A128KW key wrapping,
/// the key derived from the client secret (OpenID Connect Core 10.2). Expected,
/// as there: "Accept the ID Token after doing ID Token validation."
#[tokio::test]
async fn rp_id_token_sig_enc_a128kw() {
    let client = rp_client("rp-id_token-sig+enc-a128kw");
    let login = ok(log_in(&client, plain()).await);
    assert_eq!(login.subject(), Some(SUBJECT));
    let header = jose_header(raw_id_token(&login));
    assert_eq!(raw_id_token(&login).split('.').count(), 5, "a JWE");
    assert_eq!(header["alg"], "A128KW", "{header}");
}

// ---------------------------------------------------------------------------
// RP certification: userinfo
// ---------------------------------------------------------------------------

/// rp-userinfo-bad-sub-claim: "Make a UserInfo Request and verify the 'sub'
/// value of the UserInfo Response by comparing it with the ID Token's 'sub'
/// value." Expected: "Identify the invalid 'sub' value and reject the UserInfo
/// Response."
#[tokio::test]
async fn rp_userinfo_bad_sub_claim() {
    let client = rp_client("rp-userinfo-bad-sub-claim");
    let login = ok(log_in(&client, plain().scope(Scope::Email)).await);
    let error = assert_error!(
        client.userinfo(&login).await,
        Error::Response(response) if response.problem() == ResponseProblem::SubjectMismatch
            && response.endpoint() == EndpointKind::Userinfo
    );
    assert_eq!(error.code(), "subject_mismatch");
}

/// rp-userinfo-bearer-header: "Pass the access token using the "Bearer"
/// authentication scheme while doing the UserInfo Request." Expected: "A
/// UserInfo Response."
#[tokio::test]
async fn rp_userinfo_bearer_header() {
    let name = "rp-userinfo-bearer-header";
    let client = rp_client(name);
    let login = ok(log_in(&client, plain().scope(Scope::Email)).await);
    let userinfo = ok(client.userinfo(&login).await);
    assert_eq!(userinfo.email.as_deref(), Some("janedoe@example.com"));
    assert_eq!(
        op().observed(name).await["userinfo_token"],
        json!(["GET header"])
    );
}

/// rp-userinfo-bearer-body: "While doing the UserInfo Request the Relying Party
/// should send the access token using the form-encoded body method" (RFC 6750
/// 2.2, which requires a method with a body: POST). Expected: "Should receive a
/// UserInfo Response"
#[tokio::test]
async fn rp_userinfo_bearer_body() {
    let name = "rp-userinfo-bearer-body";
    let client = build(builder(name).userinfo_token(TokenPlacement::Body));
    let login = ok(log_in(&client, plain().scope(Scope::Email)).await);
    let userinfo = ok(client.userinfo(&login).await);
    assert_eq!(userinfo.email.as_deref(), Some("janedoe@example.com"));
    assert_eq!(
        op().observed(name).await["userinfo_token"],
        json!(["POST body"])
    );
}

/// rp-userinfo-sig: "The Relying Party should request and use UserInfo
/// Response which has been signed" Expected: "Should receive and verify the
/// signature of the UserInfo Response"
#[tokio::test]
async fn rp_userinfo_sig() {
    let client = rp_client("rp-userinfo-sig");
    let login = ok(log_in(&client, plain().scope(Scope::Email)).await);
    let userinfo = ok(client.userinfo(&login).await);
    assert_eq!(userinfo.sub, SUBJECT);
    assert_eq!(userinfo.email.as_deref(), Some("janedoe@example.com"));
}

/// rp-userinfo-sig+enc: "The Relying Party should request and use UserInfo
/// Response which are both signed and encrypted" Expected: "Should receive,
/// verify the signature and decrypt the UserInfo Response"
#[tokio::test]
async fn rp_userinfo_sig_enc() {
    let name = "rp-userinfo-sig+enc";
    let client = build(builder(name).keys(RP_KEYS.clone()));
    let login = ok(log_in(&client, plain().scope(Scope::Email)).await);
    let userinfo = ok(client.userinfo(&login).await);
    assert_eq!(userinfo.sub, SUBJECT);
    assert_eq!(userinfo.email.as_deref(), Some("janedoe@example.com"));

    // The response really is encrypted: without the RP's key it cannot be read.
    let without_keys = rp_client(name);
    let login = ok(log_in(&without_keys, plain().scope(Scope::Email)).await);
    assert_error!(
        without_keys.userinfo(&login).await,
        Error::Jose(JoseError::NoDecryptionKey { alg }) if alg == "RSA-OAEP"
    );
}

// ---------------------------------------------------------------------------
// Beyond the certification: direct encryption with the client secret (dir)
// ---------------------------------------------------------------------------

/// What itsme's client-secret variant encrypts ID tokens and userinfo with.
const DIR_A256GCM: JweAlgorithms = JweAlgorithms {
    alg: &["dir"],
    enc: &["A256GCM"],
};

/// The generic provider as a spec that declares `dir` describes it: ID tokens and
/// userinfo encrypted with `dir` + A256GCM and nothing else. specs/generic-oidc.yaml
/// does not list `dir`, so the generic client refuses these responses (checked
/// below); everything else is the generic spec's.
#[derive(Clone, Copy, Debug)]
struct DirEncryptingProvider;

static DIR_PROFILE: ProviderProfile = ProviderProfile {
    id: "generic_oidc_dir",
    id_token_encryption: Some(DIR_A256GCM),
    id_token_encryption_required: false,
    userinfo: Some(UserinfoProfile {
        encryption: Some(DIR_A256GCM),
        ..match idspec::generic_oidc::PROFILE.userinfo {
            Some(userinfo) => userinfo,
            None => panic!("the generic spec has a userinfo endpoint"),
        }
    }),
    ..idspec::generic_oidc::PROFILE
};

impl Provider for DirEncryptingProvider {
    type ErrorCode = ErrorCode;
    type Scope = Scope;
    type IdTokenClaims = IdTokenClaims;
    type UserInfo = UserInfo;
    const PROFILE: &'static ProviderProfile = &DIR_PROFILE;
}

impl idspec::runtime::OpenIdProvider for DirEncryptingProvider {}

/// A client of `client_id` whose spec allows `dir`, authenticating with
/// client_secret_post and this secret.
fn dir_client(client_id: &str, secret: &str) -> idspec::runtime::Client<DirEncryptingProvider> {
    idspec::runtime::Client::<DirEncryptingProvider>::builder(
        Endpoints::discover(op().issuer()).expect("issuer URL"),
    )
    .client_id(client_id)
    .client_secret(secret)
    .client_auth(ClientAuthMethod::ClientSecretPost)
    .redirect_uri(REDIRECT_URI)
    .http_client(http(Duration::from_secs(10)))
    .build()
    .expect("a valid client configuration")
}

/// rp-id_token-sig+enc and rp-userinfo-sig+enc with direct encryption: the
/// provider encrypts the signed ID token and the signed userinfo response with
/// `dir` + A256GCM, the content key being the client secret's SHA-256 (OpenID
/// Connect Core 10.2), as itsme's client-secret variant does. Expected, as there:
/// "Accept the ID Token after doing ID Token validation", and "receive, verify
/// the signature and decrypt the UserInfo Response".
#[tokio::test]
async fn rp_id_token_sig_enc_dir() {
    let name = "rp-id_token-sig+enc-dir";
    let client = dir_client(name, &client_secret(name));
    let login = ok(log_in(&client, plain().scope(Scope::Email)).await);
    assert_eq!(login.subject(), Some(SUBJECT));
    assert!(login.claims().aud.contains(name));
    let id_token = raw_id_token(&login);
    let parts: Vec<&str> = id_token.split('.').collect();
    assert_eq!(parts.len(), 5, "a JWE");
    assert_eq!(parts[1], "", "dir sends no encrypted key");
    let header = jose_header(id_token);
    assert_eq!(
        (&header["alg"], &header["enc"]),
        (&json!("dir"), &json!("A256GCM")),
        "{header}"
    );
    assert_eq!(
        op().observed(name).await["token_endpoint_auth"],
        json!(["client_secret_post"])
    );

    let userinfo = ok(client.userinfo(&login).await);
    assert_eq!(userinfo.sub, SUBJECT);
    assert_eq!(userinfo.email.as_deref(), Some("janedoe@example.com"));

    // The userinfo response really is encrypted with dir: a client whose spec does
    // not list it refuses it, and one with another secret cannot read it.
    let generic = build(builder(name).client_auth(ClientAuthMethod::ClientSecretPost));
    assert_error!(
        generic
            .userinfo_with(login.access_token(), login.subject())
            .await,
        Error::Jose(JoseError::EncryptionNotAllowed { alg, enc }) if alg == "dir" && enc == "A256GCM"
    );
    let another_secret = dir_client(name, "not-the-secret-this-client-was-registered-with");
    assert_error!(
        another_secret
            .userinfo_with(login.access_token(), login.subject())
            .await,
        Error::Jose(JoseError::DecryptionFailed)
    );

    // The same goes for the ID token: the generic spec does not allow dir.
    assert_error!(
        log_in(&generic, plain()).await,
        Error::IdToken(IdTokenError::Jose(JoseError::EncryptionNotAllowed { alg, enc }))
            if alg == "dir" && enc == "A256GCM"
    );
}

// ---------------------------------------------------------------------------
// RP certification: discovery and keys
// ---------------------------------------------------------------------------

/// rp-discovery-openid-configuration: "Retrieve and use the OpenID Provider
/// Configuration Information." Expected: "Read and use the JSON object returned
/// from the OpenID Connect Provider."
///
/// The client is given nothing but the issuer: the authorization, token,
/// userinfo and JWKS endpoints all come from the document.
#[tokio::test]
async fn rp_discovery_openid_configuration() {
    let client = rp_client("rp-discovery-openid-configuration");
    let start = ok(client.start(plain().scope(Scope::Email)).await);
    assert!(
        start
            .url
            .as_str()
            .starts_with(op().url("/authorize").as_str()),
        "{}",
        start.url
    );
    let callback = follow_to_redirect_uri(&start.url, REDIRECT_URI).await;
    let login = ok(client.complete(callback.as_str()).await);
    let userinfo = ok(client.userinfo(&login).await);
    assert_eq!(userinfo.sub, SUBJECT);
}

/// rp-discovery-jwks_uri-keys: "The Relying Party uses keys from the jwks_uri
/// which has been obtained from the OpenID Provider Metadata." Expected:
/// "Should be able to verify signed responses and/or encrypt requests using
/// obtained keys."
#[tokio::test]
async fn rp_discovery_jwks_uri_keys() {
    let client = rp_client("rp-discovery-jwks_uri-keys");
    let login = ok(log_in(&client, plain()).await);
    let kid = jose_header(raw_id_token(&login))["kid"].clone();
    let document: Value = reqwest::get(op().url("/.well-known/openid-configuration"))
        .await
        .expect("discovery")
        .json()
        .await
        .expect("JSON");
    let jwks: Value = reqwest::get(document["jwks_uri"].as_str().expect("jwks_uri"))
        .await
        .expect("jwks")
        .json()
        .await
        .expect("JSON");
    assert!(
        jwks["keys"]
            .as_array()
            .expect("keys")
            .iter()
            .any(|key| key["kid"] == kid),
        "the ID token's key {kid} is published at jwks_uri"
    );
}

/// rp-discovery-issuer-not-matching-config: "Retrieve OpenID Provider
/// Configuration Information for OpenID Provider from the
/// .well-known/openid-configuration path. Verify that the issuer in the
/// provider configuration matches the one returned by WebFinger." Expected:
/// "Identify that the issuers are not matching and reject the provider
/// configuration."
#[tokio::test]
async fn rp_discovery_issuer_not_matching_config() {
    let configured = op().faulty_issuer("issuer-not-matching-config");
    let client = build(builder_for(
        "rp-discovery-issuer-not-matching-config",
        Endpoints::discover(&configured).expect("issuer URL"),
    ));
    let error = assert_error!(
        client.start(plain()).await,
        Error::Discovery(DiscoveryError::IssuerMismatch { expected, actual })
            if *expected == configured && actual == op().issuer()
    );
    assert_eq!(error.code(), "discovery_issuer_mismatch");
}

/// rp-key-rotation-op-sign-key: "Request an ID Token and verify its signature.
/// Make a new authentication and retrieve another ID Token and verify its
/// signature." Expected: "Successfully verify both ID Token signatures, fetching
/// the rolled over signing keys if the 'kid' claim in the JOSE header is
/// unknown."
///
/// The same client object logs in before and after the rotation. A client with
/// the default refetch interval (60 s) that fetched the JWKS moments ago does
/// not fetch it again for an unknown kid: that is the rate limit that keeps
/// forged kids from making it hammer the provider.
#[tokio::test]
async fn rp_key_rotation_op_sign_key() {
    let name = "rp-key-rotation-op-sign-key";
    let rotating = build(builder(name).jwks_refetch_interval(Duration::ZERO));
    let rate_limited = rp_client(name);

    let before = ok(log_in(&rotating, plain()).await);
    let old_kid = jose_header(raw_id_token(&before))["kid"].clone();
    ok(log_in(&rate_limited, plain()).await);

    let new_kid = op().rotate_signing_key(name).await;
    assert_ne!(old_kid, new_kid.as_str());

    let after = ok(log_in(&rotating, plain()).await);
    assert_eq!(jose_header(raw_id_token(&after))["kid"], new_kid.as_str());
    assert_eq!(after.subject(), before.subject());

    assert_error!(
        log_in(&rate_limited, plain()).await,
        Error::IdToken(IdTokenError::Jose(JoseError::UnknownKid { kid })) if *kid == new_kid
    );
}

// ---------------------------------------------------------------------------
// RP certification: the claims parameter
// ---------------------------------------------------------------------------

/// rp-claims_request-id_token: "Ask for a specific claim using the 'claims'
/// request parameter. Retrieve the claims from an ID Token, either by making a
/// Token Request or by using Implicit Flow." Expected: "An ID Token containing
/// the requested claim."
#[tokio::test]
async fn rp_claims_request_id_token() {
    let client = rp_client("rp-claims_request-id_token");
    let request =
        plain().claims(ClaimsRequest::new().id_token(Claim::Email, ClaimRequest::Essential));
    let start = ok(client.start(request).await);
    let claims: Value =
        serde_json::from_str(&query_param(&start.url, "claims").expect("a claims parameter"))
            .expect("the claims parameter is JSON");
    assert_eq!(claims["id_token"]["email"], json!({"essential": true}));
    let callback = follow_to_redirect_uri(&start.url, REDIRECT_URI).await;
    let login = ok(client.complete(callback.as_str()).await);
    assert_eq!(login.claims().email.as_deref(), Some("janedoe@example.com"));
    // Only what was asked for: scope openid alone releases no name.
    assert_eq!(login.claims().name, None);
}

/// rp-claims_request-userinfo: "Ask for a specific claim using the 'claims'
/// request parameter. Retrieve the claims by making a UserInfo Request."
/// Expected: "A UserInfo Response containing the requested claim."
#[tokio::test]
async fn rp_claims_request_userinfo() {
    let client = rp_client("rp-claims_request-userinfo");
    let request =
        plain().claims(ClaimsRequest::new().userinfo(Claim::Name, ClaimRequest::Voluntary));
    let login = ok(log_in(&client, request).await);
    assert_eq!(login.claims().name, None, "asked for at userinfo only");
    let userinfo = ok(client.userinfo(&login).await);
    assert_eq!(userinfo.name.as_deref(), Some("Jane Doe"));
    assert_eq!(userinfo.email, None, "not asked for");
}

// ---------------------------------------------------------------------------
// RP certification: request objects, by value and through PAR
// ---------------------------------------------------------------------------

/// Logs in with a request object and returns the one request object the
/// provider saw, and the authorization URL.
async fn request_object_login(
    client_id: &str,
    request: impl Into<AuthorizationParams>,
) -> (Value, Url) {
    let client = build(builder(client_id).keys(RP_KEYS.clone()));
    let start = ok(client.start(request).await);
    let callback = follow_to_redirect_uri(&start.url, REDIRECT_URI).await;
    let login = ok(client.complete(callback.as_str()).await);
    assert_eq!(login.subject(), Some(SUBJECT));
    // Scopes travel inside the request object and are honoured.
    assert_eq!(login.claims().sub, SUBJECT);
    let observed = op().observed(client_id).await;
    let objects = observed["request_objects"].as_array().expect("a list");
    assert_eq!(objects.len(), 1, "{observed}");
    (objects[0].clone(), start.url)
}

fn rp_signing_kid() -> String {
    RP_KEYS
        .signing_key()
        .and_then(|key| key.kid())
        .expect("the RP's signing key has a kid")
        .to_owned()
}

/// Signed request object by value, in the `request` parameter itself (RFC 9101
/// 5.1): rp-request_uri-sig (below) without the reference.
#[tokio::test]
async fn rp_request_sig() {
    let request = plain()
        .scope(Scope::Email)
        .request_object(RequestObject::Signed);
    let (seen, url) = request_object_login("rp-request-sig", request).await;
    assert!(query_param(&url, "request").is_some(), "{url}");
    assert_eq!(seen["endpoint"], "authorization");
    assert_eq!(seen["jwe"], Value::Null);
    assert_eq!(seen["jws"]["alg"], "RS256");
    assert_eq!(seen["jws"]["kid"], rp_signing_kid());
}

/// Signed-then-encrypted request object by value, in the `request` parameter,
/// encrypted to the provider's key from its JWKS: rp-request_uri-sig+enc (below)
/// without the reference.
#[tokio::test]
async fn rp_request_sig_enc() {
    let request = plain()
        .scope(Scope::Email)
        .request_object(RequestObject::SignedEncrypted);
    let (seen, url) = request_object_login("rp-request-sig+enc", request).await;
    assert!(query_param(&url, "request").is_some(), "{url}");
    assert_eq!(seen["endpoint"], "authorization");
    assert_eq!(seen["jwe"]["kid"], "op-rsa-oaep", "{seen}");
    assert!(
        seen["jwe"]["alg"]
            .as_str()
            .is_some_and(|alg| alg.starts_with("RSA-OAEP")),
        "{seen}"
    );
    assert_eq!(seen["jws"]["alg"], "RS256", "{seen}");
}

/// rp-request_uri-sig: "Pass a Request Object by Reference, using the
/// request_uri parameter. Sign the Request Object using the 'RS256' algorithm."
/// Expected: "An authentication response to the signed request passed using the
/// request_uri request parameter."
///
/// The reference is PAR's request_uri (RFC 9126): the signed object goes to the
/// PAR endpoint, and the provider requires PAR and a signed object from this
/// client.
#[tokio::test]
async fn rp_request_uri_sig() {
    let request = plain()
        .scope(Scope::Email)
        .pushed()
        .request_object(RequestObject::Signed);
    let (seen, url) = request_object_login("rp-request_uri-sig", request).await;
    assert!(query_param(&url, "request_uri").is_some(), "{url}");
    assert_eq!(query_param(&url, "request"), None);
    assert_eq!(seen["endpoint"], "par");
    assert_eq!(seen["jwe"], Value::Null);
    assert_eq!(seen["jws"]["alg"], "RS256");
}

/// rp-request_uri-sig+enc: "Pass a Request Object by Reference, using the
/// request_uri parameter. Sign the Request Object using the 'RS256' algorithm,
/// then Encrypt the Request Object using the 'RSA1_5' and 'A128CBC-HS256'
/// algorithms." Expected: "An authentication response to the signed and
/// encrypted request passed using the request_uri request parameter."
///
/// Through PAR, and with RSA-OAEP: RSA1_5 is deprecated and neither the spec nor
/// the provider allows it.
#[tokio::test]
async fn rp_request_uri_sig_enc() {
    let request = plain()
        .scope(Scope::Email)
        .pushed()
        .request_object(RequestObject::SignedEncrypted);
    let (seen, url) = request_object_login("rp-request_uri-sig+enc", request).await;
    assert!(query_param(&url, "request_uri").is_some(), "{url}");
    assert_eq!(seen["endpoint"], "par");
    assert_eq!(seen["jwe"]["kid"], "op-rsa-oaep", "{seen}");
    assert_eq!(seen["jws"]["alg"], "RS256", "{seen}");
}

// ---------------------------------------------------------------------------
// Beyond the certification: the authorization response
// ---------------------------------------------------------------------------

/// State mismatch: a callback whose `state` this client never issued is
/// refused before the code is used. A callback carrying the state of another
/// of this client's pending logins (injected from another browser) reaches the
/// token endpoint, where PKCE stops it: the code was bound to the other flow's
/// challenge.
#[tokio::test]
async fn state_mismatch() {
    let client = rp_client("state-mismatch");
    let callback = authorize(&client, plain()).await;
    assert_eq!(
        query_param(&callback, "state").as_deref(),
        Some("a-state-this-client-never-issued")
    );
    assert_error!(
        client.complete(callback.as_str()).await,
        Error::Callback(CallbackError::UnknownState)
    );

    let client = rp_client("state-of-another-flow");
    let victim = ok(client.start(plain()).await);
    let attacker = ok(client.start(plain()).await);
    let callback = follow_to_redirect_uri(&attacker.url, REDIRECT_URI).await;
    let injected = with_param(&callback, "state", victim.state.secret());
    let error = assert_error!(
        client.complete(injected.as_str()).await,
        Error::Provider(provider) if provider.oauth_error() == Some(&OAuthErrorCode::InvalidGrant)
    );
    assert_eq!(
        error.provider_error().map(|p| p.endpoint()),
        Some(EndpointKind::Token)
    );

    // With the state kept in the victim's session, the injected callback is refused
    // before any code is exchanged, and the victim's flow is still pending.
    let victim = ok(client.start(plain()).await);
    let attacker = ok(client.start(plain()).await);
    let attacker_callback = follow_to_redirect_uri(&attacker.url, REDIRECT_URI).await;
    assert_error!(
        client
            .complete_for(&victim.state, attacker_callback.as_str())
            .await,
        Error::Callback(CallbackError::StateMismatch)
    );
    let victim_callback = follow_to_redirect_uri(&victim.url, REDIRECT_URI).await;
    ok(client
        .complete_for(&victim.state, victim_callback.as_str())
        .await);
}

/// RFC 9207 mix-up defence: the authorization response names another issuer
/// in `iss`.
#[tokio::test]
async fn authorization_response_iss_mismatch() {
    let client = rp_client("authorization-response-iss-mismatch");
    let callback = authorize(&client, plain()).await;
    assert_eq!(
        query_param(&callback, "iss").as_deref(),
        Some(ATTACKER_ISSUER)
    );
    assert_error!(
        client.complete(callback.as_str()).await,
        Error::Callback(CallbackError::IssuerMismatch)
    );
}

/// A replayed authorization code: the same callback twice is refused by the
/// client (the pending flow was consumed by the first). Grafted onto another
/// pending flow's state, the code reaches the token endpoint with that flow's
/// PKCE verifier, and the provider refuses it (the code is bound to the first
/// flow's challenge, and spent).
#[tokio::test]
async fn authorization_code_replayed() {
    let client = rp_client("authorization-code-replayed");
    let callback = authorize(&client, plain()).await;
    ok(client.complete(callback.as_str()).await);
    assert_error!(
        client.complete(callback.as_str()).await,
        Error::Callback(CallbackError::UnknownState)
    );

    let fresh = ok(client.start(plain()).await);
    let replayed = with_param(&callback, "state", fresh.state.secret());
    assert_error!(
        client.complete(replayed.as_str()).await,
        Error::Provider(provider) if provider.oauth_error() == Some(&OAuthErrorCode::InvalidGrant)
            && provider.endpoint() == EndpointKind::Token
    );
}

// ---------------------------------------------------------------------------
// Beyond the certification: token revocation (RFC 7009)
// ---------------------------------------------------------------------------

/// Revoking the access token: the provider answers 200 and the token no longer
/// works at userinfo, which refuses it with a typed `invalid_token`. Revoking it
/// again is no error (RFC 7009 2.2: an invalid token gets a 200 too). The
/// revocation is authenticated like the token request, with the hint.
#[tokio::test]
async fn revocation_of_the_access_token() {
    let name = "revocation-access-token";
    let client = rp_client(name);
    let login = ok(log_in(&client, plain().scope(Scope::Email)).await);
    ok(client.userinfo(&login).await);

    ok(client.revoke(login.access_token()).await);
    let error = assert_error!(
        client.userinfo(&login).await,
        Error::Provider(provider) if provider.oauth_error() == Some(&OAuthErrorCode::InvalidToken)
            && provider.endpoint() == EndpointKind::Userinfo
    );
    assert_eq!(error.code(), "invalid_token");
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(login.access_token().secret()), "{shown}");

    ok(client.revoke(login.access_token()).await);
    assert_eq!(
        op().observed(name).await["revocation"],
        json!([
            "client_secret_basic access_token",
            "client_secret_basic access_token"
        ])
    );
}

/// Revoking the refresh token, authenticated with a client_secret_jwt assertion
/// whose audience is the revocation endpoint: the refresh token is refused at the
/// token endpoint afterwards, and the grant's access token is gone with it.
#[tokio::test]
async fn revocation_of_the_refresh_token() {
    let name = "revocation-refresh-token";
    let client = build(builder(name).client_auth(ClientAuthMethod::ClientSecretJwt));
    let login = ok(log_in(&client, plain().scope(Scope::Email)).await);
    let refresh_token = login
        .refresh_token()
        .expect("the provider issues refresh tokens");

    ok(client.revoke(refresh_token).await);
    assert_error!(
        client.refresh(&login).await,
        Error::Provider(provider) if provider.oauth_error() == Some(&OAuthErrorCode::InvalidGrant)
            && provider.endpoint() == EndpointKind::Token
    );
    assert_error!(
        client.userinfo(&login).await,
        Error::Provider(provider) if provider.oauth_error() == Some(&OAuthErrorCode::InvalidToken)
    );
    assert_eq!(
        op().observed(name).await["revocation"],
        json!(["client_secret_jwt HS256 refresh_token"])
    );
}

/// A token the provider does not revoke: node-oidc-provider refuses structured
/// (JWT) tokens with RFC 7009's `unsupported_token_type` (the code itsme documents
/// for the same case), which arrives decoded, from the revocation endpoint, and
/// without the token in the error.
#[tokio::test]
async fn revocation_of_an_unsupported_token_type() {
    let name = "revocation-unsupported-token-type";
    let client = rp_client(name);
    let login = ok(log_in(&client, plain()).await);
    let jwt = raw_id_token(&login);

    let error = assert_error!(
        client.revoke(&AccessToken::new(jwt)).await,
        Error::Provider(provider) if provider.endpoint() == EndpointKind::Revocation
            && provider.oauth_error()
                == Some(&OAuthErrorCode::Other("unsupported_token_type".to_owned()))
    );
    assert_eq!(error.code(), "unsupported_token_type");
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(jwt), "{shown}");
    // The login's own access token is unaffected.
    ok(client.userinfo(&login).await);
}

/// Without a revocation endpoint (none configured, a discovery document without
/// one), revoking is a configuration error, and nothing is sent.
#[tokio::test]
async fn revocation_without_an_endpoint() {
    // Not registered at the provider: nothing is ever sent for it.
    let name = "revocation-without-an-endpoint";
    let endpoints = Endpoints {
        issuer: Some(op().issuer().to_owned()),
        token: Some(op().url("/token")),
        ..Default::default()
    };
    let client = build(builder_for(name, endpoints));
    assert_error!(
        client.revoke(&AccessToken::new("some-access-token")).await,
        Error::Config(ConfigError::MissingEndpoint("revocation"))
    );
    assert_eq!(op().observed(name).await["revocation"], json!([]));
}

// ---------------------------------------------------------------------------
// Beyond the certification: ID token lifetimes and the clock-skew bound
// ---------------------------------------------------------------------------

/// `exp` two minutes ago: refused with the default 60 s skew, accepted by a
/// client that tolerates three minutes.
#[tokio::test]
async fn id_token_expired() {
    let name = "id_token-expired";
    assert_error!(
        log_in(&rp_client(name), plain()).await,
        Error::IdToken(IdTokenError::Expired)
    );
    let tolerant = build(builder(name).clock_skew(Duration::from_secs(180)));
    ok(log_in(&tolerant, plain()).await);
}

/// `exp` an hour ago: refused even by a client configured with a day of skew,
/// which is clamped to five minutes.
#[tokio::test]
async fn id_token_expired_long_ago() {
    let client =
        build(builder("id_token-expired-long-ago").clock_skew(Duration::from_secs(86_400)));
    assert_error!(
        log_in(&client, plain()).await,
        Error::IdToken(IdTokenError::Expired)
    );
}

/// `nbf` two minutes ahead: refused with the default skew, accepted with three
/// minutes.
#[tokio::test]
async fn id_token_not_yet_valid() {
    let name = "id_token-not-yet-valid";
    assert_error!(
        log_in(&rp_client(name), plain()).await,
        Error::IdToken(IdTokenError::NotYetValid)
    );
    let tolerant = build(builder(name).clock_skew(Duration::from_secs(180)));
    ok(log_in(&tolerant, plain()).await);
}

/// `iat` an hour ahead: refused even with a day of configured skew (clamped to
/// five minutes).
#[tokio::test]
async fn id_token_issued_far_in_the_future() {
    let client =
        build(builder("id_token-issued-far-in-the-future").clock_skew(Duration::from_secs(86_400)));
    assert_error!(
        log_in(&client, plain()).await,
        Error::IdToken(IdTokenError::IssuedInFuture)
    );
}

// ---------------------------------------------------------------------------
// Beyond the certification: keys
// ---------------------------------------------------------------------------

/// Algorithm confusion: an HS256 ID token whose MAC key is the provider's RSA
/// public key (PEM), which anybody can compute. HMAC is only ever keyed with the
/// client secret, so the signature is simply wrong.
#[tokio::test]
async fn id_token_hs256_keyed_with_the_rsa_public_key() {
    let client = rp_client("id_token-hs256-keyed-with-rsa-public-key");
    assert_error!(
        log_in(&client, plain()).await,
        Error::IdToken(IdTokenError::Jose(JoseError::BadSignature))
    );
}

/// A JWKS whose key for the token's `kid` is an EC key: it cannot verify RS256.
#[tokio::test]
async fn jwks_key_of_the_wrong_type() {
    let client = build(builder_for(
        "jwks-key-of-the-wrong-type",
        discovery_from("jwks-key-of-the-wrong-type"),
    ));
    assert_error!(
        log_in(&client, plain()).await,
        Error::IdToken(IdTokenError::Jose(JoseError::NoSuitableKey {
            alg: SigningAlg::RS256
        }))
    );
}

/// A JWKS that publishes the signing key with `use: enc`: it may not verify
/// signatures.
#[tokio::test]
async fn jwks_key_of_the_wrong_use() {
    let client = build(builder_for(
        "jwks-key-of-the-wrong-use",
        discovery_from("jwks-key-of-the-wrong-use"),
    ));
    assert_error!(
        log_in(&client, plain()).await,
        Error::IdToken(IdTokenError::Jose(JoseError::NoSuitableKey {
            alg: SigningAlg::RS256
        }))
    );
}

// ---------------------------------------------------------------------------
// Beyond the certification: misbehaving transport
// ---------------------------------------------------------------------------

/// A 2 MiB token response (Content-Length declared): refused at the 1 MiB
/// default limit, before the body is read.
#[tokio::test]
async fn token_response_oversized() {
    let client = rp_client("token-response-oversized");
    assert_error!(
        log_in(&client, plain()).await,
        Error::Http(HttpError::BodyTooLarge {
            endpoint: EndpointKind::Token,
            limit: ONE_MIB
        })
    );
}

/// A 2 MiB JWKS sent in chunks without Content-Length: counted as it arrives.
#[tokio::test]
async fn jwks_response_oversized() {
    let client = build(builder_for(
        "jwks-oversized",
        discovery_from("jwks-oversized"),
    ));
    assert_error!(
        log_in(&client, plain()).await,
        Error::IdToken(IdTokenError::Jose(JoseError::JwksHttp(
            HttpError::BodyTooLarge {
                endpoint: EndpointKind::Jwks,
                limit: ONE_MIB,
            }
        )))
    );
}

/// A complete HTTP response whose JSON stops half-way.
#[tokio::test]
async fn token_response_truncated() {
    let client = rp_client("token-response-truncated");
    let error = assert_error!(log_in(&client, plain()).await, Error::Response(_));
    assert_eq!(error.code(), "malformed_response");
    assert!(
        error.to_string().starts_with("the token response"),
        "{error}"
    );
}

/// A response that promises 400 bytes and breaks off after 50.
#[tokio::test]
async fn token_transfer_truncated() {
    let client = rp_client("token-transfer-truncated");
    assert_error!(
        log_in(&client, plain()).await,
        Error::Http(HttpError::Transport {
            endpoint: EndpointKind::Token,
            ..
        })
    );
}

/// An HTML page where the token response should be.
#[tokio::test]
async fn token_response_not_json() {
    let client = rp_client("token-response-html");
    let error = assert_error!(log_in(&client, plain()).await, Error::Response(_));
    assert_eq!(error.code(), "malformed_response");
    assert!(
        error.to_string().starts_with("the token response"),
        "{error}"
    );
    // Nothing from the body (which might hold a token) in the message.
    assert!(!error.to_string().contains("Maintenance"), "{error}");
}

/// An HTML page where the discovery document should be.
#[tokio::test]
async fn discovery_not_json() {
    let client = build(builder_for(
        "discovery-not-json",
        discovery_from("discovery-not-json"),
    ));
    let error = assert_error!(
        client.start(plain()).await,
        Error::Discovery(DiscoveryError::Malformed { raw, .. }) if raw.status == 200
    );
    assert_eq!(error.code(), "discovery_malformed");
}

/// A token endpoint that never answers: the client's timeout (here 1 s) fires.
#[tokio::test]
async fn provider_never_answers() {
    let timeout = Duration::from_secs(1);
    let client = build(builder("token-endpoint-never-answers").http_client(http(timeout)));
    let callback = authorize(&client, plain()).await;
    let started = Instant::now();
    assert_error!(
        client.complete(callback.as_str()).await,
        Error::Http(HttpError::Timeout { endpoint: EndpointKind::Token, after }) if *after == timeout
    );
    let waited = started.elapsed();
    assert!(
        waited >= timeout && waited < timeout + Duration::from_secs(3),
        "waited {waited:?}"
    );
}

/// A discovery document that sends the token and userinfo requests to another
/// host, over plain http: refused before anything is sent there.
#[tokio::test]
async fn discovery_points_endpoints_at_another_host() {
    let client = build(builder_for(
        "discovery-endpoints-on-another-host",
        discovery_from("discovery-endpoints-on-another-host"),
    ));
    assert_error!(
        client.start(plain()).await,
        Error::Discovery(DiscoveryError::InsecureUrl(ConfigError::InsecureUrl {
            what: "token_endpoint",
            url,
        })) if url.contains("op.attacker.example")
    );
}

/// A 302 from the token endpoint to another host: never followed, so the code,
/// the PKCE verifier and the client's credentials stay where they were sent.
#[tokio::test]
async fn token_endpoint_redirects() {
    let name = "token-endpoint-redirects";
    let client = rp_client(name);
    assert_error!(
        log_in(&client, plain()).await,
        Error::Http(HttpError::UnexpectedRedirect {
            endpoint: EndpointKind::Token,
            status: 302
        })
    );
    assert_eq!(op().observed(name).await["redirect_target_hits"], 0);
}

#[test]
fn jws_helpers_decode_base64url() {
    // eyJhbGciOiJub25lIn0 = {"alg":"none"}
    assert_eq!(
        jose_header("eyJhbGciOiJub25lIn0.e30."),
        json!({"alg": "none"})
    );
}
