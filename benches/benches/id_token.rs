//! ID token validation with a warm JWKS cache: what a relying party pays for every
//! login once it has fetched its provider's keys. One token per algorithm, RS256
//! (RSA 2048) and ES256 (P-256), validated by
//!
//! - `idspec`: `idspec_runtime::id_token::validate_id_token`, the call
//!   `Client::complete` makes, with a `JwksCache` that fetched the provider's JWKS
//!   over loopback HTTP before timing: signature, `iss`, `aud`/`azp`, `exp`, `iat`,
//!   `nbf`, `nonce`, `sub`;
//! - `openidconnect-rs`: the `openidconnect` crate's `CoreIdToken` parsed from the
//!   same string and checked with an `IdTokenVerifier` over the same JWKS (signature,
//!   issuer, audience, expiry, issue time, nonce);
//! - `limit-openssl`: the physical limit, OpenSSL verifying the signature with a
//!   key parsed once, plus the claims' base64url and JSON, and nothing else.
//!
//! The signature check bounds all three: RSA-2048 verification takes tens of
//! microseconds, P-256 verification more; what a validator adds on top of the limit
//! (header parsing, key selection, claim checks) is what this bench shows.

use std::str::FromStr as _;
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use idspec_runtime::id_token::IdTokenError;
use idspec_runtime::jose::{JoseError, JwksCache, SigningAlg};
use idspec_runtime::{Jwt, Nonce};
use josekit::jwk::alg::ec::{EcCurve, EcKeyPair};
use josekit::jwk::KeyPair as _;
use josekit::jws;
use openidconnect::core::{
    CoreIdToken, CoreIdTokenClaims, CoreIdTokenVerifier, CoreJsonWebKeySet, CoreJwsSigningAlgorithm,
};
use openidconnect::{ClientId, IssuerUrl};
use openssl::bn::BigNum;
use openssl::ec::EcKey;
use openssl::ecdsa::EcdsaSig;
use openssl::pkey::{PKey, Public};
use serde_json::{Map, Value};
use std::hint::black_box;

#[path = "jose/common.rs"]
mod common;
#[path = "jose/oidc.rs"]
mod oidc;

use common::{jwks_json, runtime, serve_json, RsaKeys};
use oidc::{
    claims, flip_signature_byte, idspec_validate, limit_rs256, now, parse_claims, sign, split_jws,
    warm_jwks, CLIENT_ID, ISSUER, NONCE, SUBJECT,
};

const RSA_KID: &str = "op-rsa-2025";
const EC_KID: &str = "op-ec-2025";

/// The tolerance openidconnect is given on `iat`, the same as idspec's default.
const SKEW_SECS: i64 = 60;

/// The limit's key, parsed once.
enum LimitKey {
    Rsa(PKey<Public>),
    Ec(EcKey<Public>),
}

/// One algorithm's token and everything each contender validates it with.
struct Case {
    group: &'static str,
    alg: SigningAlg,
    token: String,
    tampered: String,
    jwks: JwksCache,
    verifier: CoreIdTokenVerifier<'static>,
    limit: LimitKey,
}

async fn idspec(case: &Case, token: &Jwt, nonce: &Nonce) -> Result<String, IdTokenError> {
    let validated = idspec_validate(&case.jwks, token, &[case.alg], nonce).await?;
    Ok(validated.subject().to_owned())
}

/// What an openidconnect user does with the `id_token` string of a token response:
/// parse it, then verify it, taking the claims by value.
fn openidconnect(
    verifier: &CoreIdTokenVerifier<'_>,
    token: &str,
    nonce: &openidconnect::Nonce,
) -> Result<CoreIdTokenClaims, String> {
    let token = CoreIdToken::from_str(token).map_err(|e| e.to_string())?;
    token
        .into_claims(verifier, nonce)
        .map_err(|e| e.to_string())
}

fn limit(key: &LimitKey, token: &str) -> Option<Map<String, Value>> {
    match key {
        LimitKey::Rsa(key) => limit_rs256(token, key),
        LimitKey::Ec(key) => limit_es256(token, key),
    }
}

/// The limit for ES256: the JWS signature is `r || s`, which OpenSSL takes as an
/// `ECDSA_SIG`, over the SHA-256 of the signing input.
fn limit_es256(token: &str, key: &EcKey<Public>) -> Option<Map<String, Value>> {
    let (input, payload, signature) = split_jws(token)?;
    if signature.len() != 64 {
        return None;
    }
    let r = BigNum::from_slice(&signature[..32]).ok()?;
    let s = BigNum::from_slice(&signature[32..]).ok()?;
    let signature = EcdsaSig::from_private_components(r, s).ok()?;
    let digest = openssl::sha::sha256(input.as_bytes());
    if !signature.verify(&digest, key).ok()? {
        return None;
    }
    parse_claims(payload)
}

fn verifier(jwks: &str, alg: CoreJwsSigningAlgorithm) -> CoreIdTokenVerifier<'static> {
    let keys: CoreJsonWebKeySet = serde_json::from_str(jwks).expect("openidconnect reads the JWKS");
    CoreIdTokenVerifier::new_public_client(
        ClientId::new(CLIENT_ID.to_owned()),
        IssuerUrl::new(ISSUER.to_owned()).expect("an issuer URL"),
        keys,
    )
    .set_allowed_algs([alg])
    // openidconnect accepts any `iat` unless told otherwise; idspec refuses one in
    // the future, so this one does too.
    .set_issue_time_verifier_fn(|iat| {
        let now = i64::try_from(now()).unwrap_or(i64::MAX);
        if iat.timestamp() > now + SKEW_SECS {
            Err("issued in the future".to_owned())
        } else {
            Ok(())
        }
    })
}

/// Both cases, their keys published in one JWKS (as providers publish several
/// keys at once) served over loopback HTTP and fetched by idspec's cache.
fn cases(rt: &tokio::runtime::Runtime) -> Vec<Case> {
    let rsa = RsaKeys::generate(2048, RSA_KID, "sig");
    let ec = EcKeyPair::generate(EcCurve::P256).expect("an EC key");
    let mut ec_private = ec.to_jwk_private_key();
    let mut ec_public = ec.to_jwk_public_key();
    for jwk in [&mut ec_private, &mut ec_public] {
        jwk.set_key_id(EC_KID);
        jwk.set_key_use("sig");
    }
    let jwks = jwks_json(&[&rsa.public, &ec_public]);
    let jwks_uri = serve_json(jwks.clone());
    let claims = claims();

    let rs256 = jws::RS256
        .signer_from_jwk(&rsa.private)
        .expect("RS256 signer");
    let rs_token = sign(&rs256, RSA_KID, &claims);
    let es256 = jws::ES256
        .signer_from_jwk(&ec_private)
        .expect("ES256 signer");
    let es_token = sign(&es256, EC_KID, &claims);
    let ec_public_key = PKey::public_key_from_der(&ec.to_der_public_key())
        .and_then(|key| key.ec_key())
        .expect("an EC public key");

    vec![
        Case {
            group: "id_token_rs256",
            alg: SigningAlg::RS256,
            tampered: flip_signature_byte(&rs_token),
            token: rs_token,
            jwks: rt.block_on(warm_jwks(jwks_uri.clone(), RSA_KID, SigningAlg::RS256)),
            verifier: verifier(&jwks, CoreJwsSigningAlgorithm::RsaSsaPkcs1V15Sha256),
            limit: LimitKey::Rsa(rsa.openssl_public()),
        },
        Case {
            group: "id_token_es256",
            alg: SigningAlg::ES256,
            tampered: flip_signature_byte(&es_token),
            token: es_token,
            jwks: rt.block_on(warm_jwks(jwks_uri, EC_KID, SigningAlg::ES256)),
            verifier: verifier(&jwks, CoreJwsSigningAlgorithm::EcdsaP256Sha256),
            limit: LimitKey::Ec(ec_public_key),
        },
    ]
}

/// Outside timing: every contender accepts the token (so no bench measures an
/// error path) and refuses it with one signature byte flipped (so none skips the
/// signature).
fn check(
    rt: &tokio::runtime::Runtime,
    case: &Case,
    nonce: &Nonce,
    oidc_nonce: &openidconnect::Nonce,
) {
    let group = case.group;
    let subject = rt
        .block_on(idspec(case, &Jwt::new(case.token.clone()), nonce))
        .unwrap_or_else(|e| panic!("{group}: idspec refuses the token: {e}"));
    assert_eq!(subject, SUBJECT);
    let refused = rt.block_on(idspec(case, &Jwt::new(case.tampered.clone()), nonce));
    assert!(
        matches!(refused, Err(IdTokenError::Jose(JoseError::BadSignature))),
        "{group}: idspec accepts a forged signature: {refused:?}"
    );

    let claims = openidconnect(&case.verifier, &case.token, oidc_nonce)
        .unwrap_or_else(|e| panic!("{group}: openidconnect refuses the token: {e}"));
    assert_eq!(claims.subject().as_str(), SUBJECT);
    assert!(
        openidconnect(&case.verifier, &case.tampered, oidc_nonce).is_err(),
        "{group}: openidconnect accepts a forged signature"
    );

    let claims = limit(&case.limit, &case.token)
        .unwrap_or_else(|| panic!("{group}: the limit refuses the token"));
    assert_eq!(claims["sub"], SUBJECT);
    assert!(
        limit(&case.limit, &case.tampered).is_none(),
        "{group}: the limit accepts a forged signature"
    );
}

fn id_token(c: &mut Criterion) {
    let rt = runtime();
    let nonce = Nonce::new(NONCE);
    let oidc_nonce = openidconnect::Nonce::new(NONCE.to_owned());
    for case in cases(&rt) {
        check(&rt, &case, &nonce, &oidc_nonce);
        // As a client holds it: the token response's `id_token`.
        let jwt = Jwt::new(case.token.clone());
        let mut group = c.benchmark_group(case.group);
        group.bench_function(idspec_bench::IDSPEC, |b| {
            b.to_async(&rt)
                .iter(|| async { black_box(idspec(&case, black_box(&jwt), &nonce).await) })
        });
        group.bench_function("openidconnect-rs", |b| {
            b.iter(|| {
                black_box(openidconnect(
                    &case.verifier,
                    black_box(&case.token),
                    &oidc_nonce,
                ))
            })
        });
        group.bench_function("limit-openssl", |b| {
            b.iter(|| black_box(limit(&case.limit, black_box(&case.token))))
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    // Six functions of tens to hundreds of microseconds: 3 s each is ample for a
    // tight estimate and keeps the whole file under a minute.
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(3))
        .sample_size(60);
    targets = id_token
}
criterion_main!(benches);
