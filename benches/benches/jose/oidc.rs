//! The ID token every ID token bench validates, and idspec's and the limit's way of
//! validating it.
//!
//! The claims are those of a typical login (the standard profile claims besides the
//! ones OpenID Connect Core 3.1.3.7 checks), so that parsing them costs what it costs
//! in practice. The token lives an hour: no bench run comes near its expiry.

use std::time::{SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use idspec_runtime::id_token::{
    validate_id_token, IdTokenError, IdTokenExpectations, ValidatedIdToken,
};
use idspec_runtime::jose::{JwksCache, SigningAlg};
use idspec_runtime::{Jwt, Nonce};
use josekit::jws::JwsSigner;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Public};
use openssl::sign::Verifier;
use serde_json::{json, Map, Value};
use url::Url;

use super::common::http;

/// The provider.
pub const ISSUER: &str = "https://op.example.test";
/// The relying party.
pub const CLIENT_ID: &str = "s6BhdRkqt3";
/// The nonce the relying party sent with the authorization request.
pub const NONCE: &str = "n-0S6_WzA2Mj.4f7cGbc1XVnOlfxwv9mY";
/// The end-user.
pub const SUBJECT: &str = "248289761001";

/// Unpadded base64url, as JOSE encodes every part.
pub fn b64(data: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// Decodes unpadded base64url; `None` if it is not.
pub fn unb64(text: &str) -> Option<Vec<u8>> {
    URL_SAFE_NO_PAD.decode(text).ok()
}

/// Seconds since the epoch.
pub fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_secs()
}

/// The claims of the ID token.
pub fn claims() -> Value {
    let now = now();
    json!({
        "iss": ISSUER,
        "sub": SUBJECT,
        "aud": CLIENT_ID,
        "exp": now + 3600,
        "iat": now,
        "auth_time": now - 5,
        "nonce": NONCE,
        "acr": "urn:mace:incommon:iap:silver",
        "amr": ["pwd", "otp"],
        "name": "Jane Doe",
        "given_name": "Jane",
        "family_name": "Doe",
        "email": "janedoe@example.com",
        "email_verified": true,
        "locale": "en-US",
    })
}

/// `claims` signed by `signer` as a provider signs an ID token: a compact JWS with
/// `alg`, `kid` and `typ: JWT` in its header.
pub fn sign(signer: &dyn JwsSigner, kid: &str, claims: &Value) -> String {
    let header = json!({"alg": signer.algorithm().name(), "kid": kid, "typ": "JWT"});
    let input = format!("{}.{}", b64(header.to_string()), b64(claims.to_string()));
    let signature = signer.sign(input.as_bytes()).expect("signs");
    format!("{input}.{}", b64(signature))
}

/// `token` with the first byte of its signature flipped, still canonical
/// base64url: a forgery every contender must refuse at the signature check itself.
pub fn flip_signature_byte(token: &str) -> String {
    let (input, signature) = token.rsplit_once('.').expect("a compact JWS");
    let mut signature = unb64(signature).expect("a base64url signature");
    signature[0] ^= 0x01;
    format!("{input}.{}", b64(signature))
}

/// A `JwksCache` for `jwks_uri` that has already fetched the provider's keys, as
/// a running relying party's has: the benches measure validation, not the fetch.
pub async fn warm_jwks(jwks_uri: Url, kid: &str, alg: SigningAlg) -> JwksCache {
    let jwks = JwksCache::new(http(), jwks_uri);
    jwks.refresh().await.expect("the JWKS is fetched");
    assert_eq!(jwks.keys(Some(kid), alg).await.expect("cached").len(), 1);
    jwks
}

/// What a relying party does with an ID token it received: validated against the
/// issuer, its client id, the nonce it sent and the spec's algorithms, now. The
/// expectations are made per call, as `Client::complete` makes them (they hold the
/// current time).
pub async fn idspec_validate(
    jwks: &JwksCache,
    token: &Jwt,
    allowed: &[SigningAlg],
    nonce: &Nonce,
) -> Result<ValidatedIdToken, IdTokenError> {
    let expect = IdTokenExpectations::new(ISSUER, CLIENT_ID, allowed).with_nonce(nonce);
    validate_id_token(jwks, token, &expect, None).await
}

/// A compact JWS's signing input and decoded signature, and its encoded payload.
pub fn split_jws(token: &str) -> Option<(&str, &str, Vec<u8>)> {
    let (input, signature) = token.rsplit_once('.')?;
    let (_, payload) = input.split_once('.')?;
    Some((input, payload, unb64(signature)?))
}

/// The payload as a JSON object: base64url, then `serde_json`, nothing else.
pub fn parse_claims(payload: &str) -> Option<Map<String, Value>> {
    serde_json::from_slice(&unb64(payload)?).ok()
}

/// The limit for RS256: OpenSSL's RSA PKCS#1 v1.5 SHA-256 verification of the
/// signing input with a public key parsed once, then the claims parsed. No header,
/// no algorithm, key or claim check: no validator can do less and be one.
pub fn limit_rs256(token: &str, key: &PKey<Public>) -> Option<Map<String, Value>> {
    let (input, payload, signature) = split_jws(token)?;
    let mut verifier = Verifier::new(MessageDigest::sha256(), key).ok()?;
    verifier.update(input.as_bytes()).ok()?;
    if !verifier.verify(&signature).ok()? {
        return None;
    }
    parse_claims(payload)
}
