//! Interoperability: the generated itsme client (`idspec::itsme`) against an
//! independent implementation of the other side, node-oidc-provider
//! (`tests/op/conformance.mjs`), registered the way itsme registers its partners.
//! The sandbox (tests/itsme_sandbox.rs) uses the client's JOSE library (josekit),
//! so a misreading of the standards that both share passes there; here every JWT
//! we send is read, and every one we read was written, by node's `jose`.
//!
//! * The private key JWT variant: `private_key_jwt`, PKCE required, the request
//!   as a request object signed RS256 then encrypted to the provider
//!   (RSA-OAEP + A128CBC-HS256), the ID token signed RS256 then encrypted to the
//!   relying party (RSA-OAEP-256 + A256GCM), userinfo likewise (RSA-OAEP +
//!   A128CBC-HS256), and a typed `claims` request whose claims, URI-named ones
//!   included, arrive typed.
//! * The client secret variant: `client_secret_post`, the ID token and userinfo
//!   encrypted with `dir` + A256GCM and a key derived from the client secret.
//! * What itsme never sends, sent by the provider of a client registered without
//!   that layer: an ID token signed but not encrypted, userinfo as plain JSON or
//!   signed but not encrypted. The itsme client refuses each.
//!
//! One provider serves the whole binary (`idspec_testkit::conformance`); each
//! registration under test is a client of its own there (`itsme-*`).

#![cfg(feature = "itsme")]

use std::sync::LazyLock;
use std::time::Duration;

use idspec::itsme::{
    AppLocale, AuthorizationErrorCode, AuthorizationRequest, Claim, ClaimsRequest, Client,
    ClientBuilder, Error, ErrorCode, Gender, Login, Scope,
};
use idspec::runtime::error::EndpointKind;
use idspec::runtime::id_token::IdTokenError;
use idspec::runtime::jose::{JoseError, RelyingPartyKeys, SigningAlg, SigningKey};
use idspec::runtime::{
    ClaimRequest, ClientAuthMethod, Endpoints, ErrorMetadata, HttpClient, ResponseProblem,
};
use idspec_testkit::conformance::{
    client_secret, jose_header, ConformanceProvider, REDIRECT_URI, SUBJECT,
};
use idspec_testkit::follow_to_redirect_uri;
use serde_json::json;
use url::Url;

// ---------------------------------------------------------------------------
// Harness
// ---------------------------------------------------------------------------

/// The service code the provider's itsme clients may ask for (`service:INTEROP`
/// in tests/op/conformance.mjs).
const SERVICE_CODE: &str = "INTEROP";
const SIGNING_KID: &str = "itsme-rp-sig";
const DECRYPTION_KID: &str = "itsme-rp-enc";

/// The relying party's keys, as an itsme partner has them: an RS256 signing key
/// and an RSA decryption key. The decryption key names no `alg`, so the provider
/// may encrypt to it with either RSA-OAEP or RSA-OAEP-256, as itsme may.
static RP_KEYS: LazyLock<RelyingPartyKeys> = LazyLock::new(|| {
    let mut decryption = josekit::jwk::alg::rsa::RsaKeyPair::generate(2048)
        .expect("an RSA key pair")
        .to_jwk_private_key();
    decryption.set_key_id(DECRYPTION_KID);
    RelyingPartyKeys::new()
        .with_signing_key(SigningKey::generate(SigningAlg::RS256, SIGNING_KID).expect("RS256"))
        .with_decryption_key(decryption)
});

/// The provider, with the relying party's public keys registered as the
/// private-key clients' `jwks`.
fn op() -> &'static ConformanceProvider {
    ConformanceProvider::shared(|| RP_KEYS.public_jwks())
}

fn builder(client_id: &str) -> ClientBuilder {
    // The one relaxation a test provider needs: plain http, on loopback only.
    let http = HttpClient::builder()
        .allow_loopback_http(true)
        .timeout(Duration::from_secs(10))
        .build()
        .expect("http client");
    Client::builder(Endpoints::discover(op().issuer()).expect("issuer URL"))
        .client_id(client_id)
        .redirect_uri(REDIRECT_URI)
        .http_client(http)
}

/// A client of the private key JWT variant with these keys.
fn key_client(client_id: &str, keys: RelyingPartyKeys) -> Client {
    builder(client_id)
        .client_auth(ClientAuthMethod::PrivateKeyJwt)
        .keys(keys)
        .build()
        .expect("a valid client configuration")
}

/// A client of the client secret variant with this secret.
fn secret_client(client_id: &str, secret: &str) -> Client {
    builder(client_id)
        .client_auth(ClientAuthMethod::ClientSecretPost)
        .client_secret(secret)
        .build()
        .expect("a valid client configuration")
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

/// A whole login: start, the end-user (the provider approves at once), and the
/// callback, checked against the state kept "in the session".
async fn log_in(client: &Client, request: AuthorizationRequest) -> Result<Login, Error> {
    let start = ok(client.start(request).await);
    let callback = follow_to_redirect_uri(&start.url, REDIRECT_URI).await;
    client.complete_for(&start.state, callback.as_str()).await
}

/// The ID token as received.
fn raw_id_token(login: &Login) -> &str {
    login
        .tokens()
        .id_token
        .as_ref()
        .expect("the login has an ID token")
        .secret()
}

fn query_param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// A request in itsme's shape for the private key variant: the eid and profile
/// scopes, claims in the ID token and from userinfo by the `claims` parameter
/// (URI-named ones and a claim map among them), all inside a nested JWT.
fn itsme_request() -> AuthorizationRequest {
    AuthorizationRequest::new(SERVICE_CODE)
        .scopes([Scope::Profile, Scope::Eid])
        .claims(
            ClaimsRequest::new()
                .id_token(Claim::Name, ClaimRequest::Essential)
                .id_token(Claim::BeNationalNumber, ClaimRequest::Essential)
                .userinfo(Claim::PlaceOfBirth, ClaimRequest::Essential)
                .userinfo(Claim::CitizenshipIso, ClaimRequest::Voluntary)
                .userinfo(Claim::ValidityTo, ClaimRequest::Voluntary),
        )
        .request_object()
}

// ---------------------------------------------------------------------------
// The private key JWT variant
// ---------------------------------------------------------------------------

/// The whole private key JWT login, every JWT crossing over in both directions:
/// the provider decrypts and verifies our request object and our client
/// assertion; we decrypt and verify its ID token and userinfo response. The
/// provider requires PKCE and a signed-then-encrypted request object of this
/// client, with the algorithms it registered.
#[tokio::test]
async fn private_key_jwt_variant_logs_in_with_nested_jwts_both_ways() {
    let name = "itsme-private_key_jwt";
    let client = key_client(name, RP_KEYS.clone());
    let start = ok(client.start(itsme_request()).await);

    // Everything travels inside the request object; only what OpenID Connect Core
    // 6.1 wants outside as well (client_id, response_type, scope) is in the URL.
    let request = query_param(&start.url, "request").expect("a request parameter");
    assert_eq!(request.split('.').count(), 5, "a JWE, not a bare JWS");
    for hidden in ["claims", "nonce", "state", "code_challenge", "redirect_uri"] {
        assert_eq!(query_param(&start.url, hidden), None, "{hidden} in the URL");
    }

    let callback = follow_to_redirect_uri(&start.url, REDIRECT_URI).await;
    let login = ok(client.complete_for(&start.state, callback.as_str()).await);

    let observed = op().observed(name).await;
    assert_eq!(
        observed["token_endpoint_auth"],
        json!(["private_key_jwt RS256"])
    );
    let seen = &observed["request_objects"][0];
    assert_eq!(seen["endpoint"], "authorization", "{observed}");
    assert_eq!(
        seen["jwe"],
        json!({"alg": "RSA-OAEP", "enc": "A128CBC-HS256", "kid": "op-rsa-oaep", "cty": "JWT"}),
        "{observed}"
    );
    assert_eq!(
        seen["jws"],
        json!({"alg": "RS256", "kid": SIGNING_KID}),
        "{observed}"
    );
    assert_eq!(seen["code_challenge_method"], "S256", "{observed}");

    // The ID token: signed RS256 by the provider, encrypted to our key.
    let id_token = raw_id_token(&login);
    assert_eq!(id_token.split('.').count(), 5, "the ID token is a JWE");
    let header = jose_header(id_token);
    assert_eq!(
        (&header["alg"], &header["enc"], &header["kid"]),
        (
            &json!("RSA-OAEP-256"),
            &json!("A256GCM"),
            &json!(DECRYPTION_KID)
        ),
        "{header}"
    );
    assert_eq!(login.subject(), Some(SUBJECT));
    let claims = login.claims();
    assert!(claims.aud.contains(name));
    assert_eq!(claims.name.as_deref(), Some("George Tǎnka"));
    assert_eq!(claims.be_national_number.as_deref(), Some("99060427181"));
    // Scope claims go to userinfo only (an access token was issued).
    assert_eq!(claims.family_name, None);
    assert_eq!(claims.place_of_birth, None, "asked for at userinfo only");
    let granted: Vec<&str> = login.tokens().granted_scopes().collect();
    for scope in ["openid", "service:INTEROP", "profile", "eid"] {
        assert!(granted.contains(&scope), "{scope} not in {granted:?}");
    }

    // Userinfo: signed RS256, encrypted to our key, every requested claim typed.
    let userinfo = ok(client.userinfo(&login).await);
    assert_eq!(userinfo.sub, SUBJECT);
    assert_eq!(userinfo.name.as_deref(), Some("George Tǎnka"));
    assert_eq!(userinfo.given_name.as_deref(), Some("George"));
    assert_eq!(userinfo.family_name.as_deref(), Some("Tǎnka"));
    assert_eq!(userinfo.birthdate.as_deref(), Some("1978-11-01"));
    assert_eq!(userinfo.gender, Some(Gender::Male));
    assert_eq!(userinfo.locale, Some(AppLocale::Fr));
    assert_eq!(userinfo.be_national_number.as_deref(), Some("99060427181"));
    assert_eq!(userinfo.be_eid_sn.as_deref(), Some("431522485012"));
    let place = userinfo.place_of_birth.as_ref().expect("place_of_birth");
    assert_eq!(place.city.as_deref(), Some("Brussels"));
    assert_eq!(userinfo.citizenship_iso.as_deref(), Some("BEL"));
    assert_eq!(
        userinfo
            .validity_to
            .as_ref()
            .and_then(|m| m.get(Claim::BeEidSn))
            .map(String::as_str),
        Some("2028-11-10T00:00:00Z")
    );
    // Neither a granted scope nor the claims parameter asked for these.
    assert_eq!(userinfo.email, None);
    assert_eq!(userinfo.phone_number, None);
    assert_eq!(
        op().observed(name).await["userinfo_token"],
        json!(["GET header"])
    );

    // The userinfo response really is encrypted with RSA-OAEP: a client with our
    // signing key but not our decryption key cannot read it.
    let signing_only = RelyingPartyKeys::new()
        .with_signing_key(RP_KEYS.signing_key().expect("the RP's signing key").clone());
    let without_decryption = key_client(name, signing_only);
    assert_error!(
        without_decryption
            .userinfo_with(login.access_token(), login.subject())
            .await,
        Error::Jose(JoseError::NoDecryptionKey { alg }) if alg == "RSA-OAEP"
    );
}

// ---------------------------------------------------------------------------
// The client secret variant
// ---------------------------------------------------------------------------

/// The client secret login: client_secret_post, and the ID token and the signed
/// userinfo response encrypted with `dir` + A256GCM, the content key the client
/// secret's SHA-256 (OpenID Connect Core 10.2).
#[tokio::test]
async fn client_secret_variant_logs_in_with_dir_encryption() {
    let name = "itsme-client_secret";
    let client = secret_client(name, &client_secret(name));
    let request = AuthorizationRequest::new(SERVICE_CODE)
        .scopes([Scope::Profile, Scope::Phone])
        .claims(
            ClaimsRequest::new()
                .id_token(Claim::BeNationalNumber, ClaimRequest::Essential)
                .userinfo(Claim::PlaceOfBirth, ClaimRequest::Essential),
        );
    let login = ok(log_in(&client, request).await);
    // Other tests log in with this client too, each the same way.
    let observed = op().observed(name).await;
    let methods = observed["token_endpoint_auth"].as_array().expect("a list");
    assert!(
        !methods.is_empty() && methods.iter().all(|m| m == "client_secret_post"),
        "{observed}"
    );

    let id_token = raw_id_token(&login);
    let parts: Vec<&str> = id_token.split('.').collect();
    assert_eq!(parts.len(), 5, "the ID token is a JWE");
    assert_eq!(parts[1], "", "dir sends no encrypted key");
    let header = jose_header(id_token);
    assert_eq!(
        (&header["alg"], &header["enc"]),
        (&json!("dir"), &json!("A256GCM")),
        "{header}"
    );
    assert_eq!(login.subject(), Some(SUBJECT));
    assert_eq!(
        login.claims().be_national_number.as_deref(),
        Some("99060427181")
    );

    let userinfo = ok(client.userinfo(&login).await);
    assert_eq!(userinfo.sub, SUBJECT);
    assert_eq!(userinfo.name.as_deref(), Some("George Tǎnka"));
    assert_eq!(userinfo.gender, Some(Gender::Male));
    assert_eq!(userinfo.phone_number.as_deref(), Some("+32 485694175"));
    assert_eq!(userinfo.phone_number_verified, Some(true));
    let place = userinfo.place_of_birth.as_ref().expect("place_of_birth");
    assert_eq!(place.formatted.as_deref(), Some("Brussels"));
    assert_eq!(userinfo.be_national_number, None, "no eid scope");

    // The userinfo response really is encrypted with the secret's key: with
    // another secret it cannot be read.
    let another_secret = secret_client(name, "not-the-secret-this-client-was-registered-with");
    assert_error!(
        another_secret
            .userinfo_with(login.access_token(), login.subject())
            .await,
        Error::Jose(JoseError::DecryptionFailed)
    );
}

/// The provider requires PKCE of itsme clients, as the document advises partners
/// to have itsme do (so the logins above prove ours is accepted): the same
/// request without its code challenge is refused, and the refusal arrives as
/// itsme's typed authorization error.
#[tokio::test]
async fn the_provider_requires_pkce_of_itsme_clients() {
    let name = "itsme-client_secret";
    let client = secret_client(name, &client_secret(name));
    let start = ok(client.start(AuthorizationRequest::new(SERVICE_CODE)).await);
    assert_eq!(
        query_param(&start.url, "code_challenge_method").as_deref(),
        Some("S256")
    );
    let mut without_pkce = start.url.clone();
    let pairs: Vec<(String, String)> = start
        .url
        .query_pairs()
        .filter(|(k, _)| !k.starts_with("code_challenge"))
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    without_pkce.query_pairs_mut().clear().extend_pairs(pairs);
    let callback = follow_to_redirect_uri(&without_pkce, REDIRECT_URI).await;
    let error = assert_error!(
        client.complete_for(&start.state, callback.as_str()).await,
        Error::Provider(_)
    );
    assert_eq!(
        error.provider_error().map(|e| e.kind()),
        Some(&ErrorCode::Authorization(
            AuthorizationErrorCode::InvalidRequest
        ))
    );
}

// ---------------------------------------------------------------------------
// What itsme never sends
// ---------------------------------------------------------------------------

/// An ID token signed but not encrypted, from a provider whose registration for
/// this client has no ID token encryption: itsme always encrypts ID tokens, so a
/// bare JWS is a downgrade (a token from elsewhere, or a misconfiguration) and
/// the itsme client refuses it, although its signature is the provider's.
#[tokio::test]
async fn an_id_token_signed_but_not_encrypted_is_refused() {
    let client = key_client("itsme-id_token-not-encrypted", RP_KEYS.clone());
    let error = assert_error!(
        log_in(&client, itsme_request()).await,
        Error::IdToken(IdTokenError::Jose(JoseError::NotEncrypted))
    );
    assert_eq!(error.code(), "jwt_not_encrypted");
}

/// Userinfo as plain JSON, from a provider whose registration for this client
/// neither signs nor encrypts it: itsme's spec allows only signed and encrypted
/// userinfo, so the claims are refused, unread.
#[tokio::test]
async fn userinfo_as_plain_json_is_refused() {
    let client = key_client("itsme-userinfo-plain-json", RP_KEYS.clone());
    let login = ok(log_in(&client, itsme_request()).await);
    assert_eq!(raw_id_token(&login).split('.').count(), 5);
    let error = assert_error!(
        client.userinfo(&login).await,
        Error::Response(response) if response.problem() == ResponseProblem::FormatNotAllowed
            && response.endpoint() == EndpointKind::Userinfo
    );
    assert_eq!(error.code(), "response_format_not_allowed");
}

/// Userinfo signed but not encrypted: a valid JWS from the provider, but not the
/// nested JWT itsme's spec requires (`formats: [signed_encrypted]`).
#[tokio::test]
async fn userinfo_signed_but_not_encrypted_is_refused() {
    let client = key_client("itsme-userinfo-signed-only", RP_KEYS.clone());
    let login = ok(log_in(&client, itsme_request()).await);
    assert_eq!(raw_id_token(&login).split('.').count(), 5);
    assert_error!(
        client.userinfo(&login).await,
        Error::Response(response) if response.problem() == ResponseProblem::FormatNotAllowed
            && response.endpoint() == EndpointKind::Userinfo
    );
}
