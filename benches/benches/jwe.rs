//! An encrypted ID token, opened and validated: itsme's shape, an ID token signed
//! RS256 by the provider, then encrypted to the relying party's RSA key with
//! RSA-OAEP-256 and A256GCM (the algorithms itsme uses for ID tokens, within what
//! specs/itsme.yaml allows; tests/itsme_interop.rs shows them). Measured:
//!
//! - `idspec`: what `Client::complete` does with such a token: the runtime's public
//!   `jose::decrypt` with the client's `RelyingPartyKeys` and the spec's allowed
//!   algorithms (taken from the generated `idspec::itsme::PROFILE`), then
//!   `validate_id_token` on the plaintext with a warm `JwksCache`;
//! - `josekit`: the same two steps with josekit directly (a decrypter and a verifier
//!   built once), and `iss`, `aud`, `exp`, `iat` and `nonce` checked by hand;
//! - `limit-openssl`: the physical limit, OpenSSL alone with keys parsed once:
//!   RSA-OAEP-256 unwrapping of the content key, AES-256-GCM decryption, RSA
//!   signature verification, and the claims' base64url and JSON; no header is read
//!   and no claim checked.
//!
//! The RSA-2048 private-key operation that unwraps the content key bounds all three:
//! it costs an order of magnitude more than the signature check and the rest.

use std::time::{Duration, SystemTime};

use criterion::{criterion_group, criterion_main, Criterion};
use idspec_runtime::id_token::IdTokenError;
use idspec_runtime::jose::{
    decrypt, is_jwe, JoseError, JweAlgorithms, JwksCache, RelyingPartyKeys, SigningAlg,
};
use idspec_runtime::{Jwt, Nonce};
use josekit::jwe::{self, JweDecrypter, JweHeader};
use josekit::jwk::KeyPair as _;
use josekit::jws::{self, JwsVerifier};
use josekit::jwt::{self, JwtPayload};
use openssl::encrypt::Decrypter;
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private, Public};
use openssl::rsa::Padding;
use openssl::symm::{self, Cipher};
use serde_json::{Map, Value};
use std::hint::black_box;

#[path = "jose/common.rs"]
mod common;
#[path = "jose/oidc.rs"]
mod oidc;

use common::{jwks_json, runtime, serve_json, RsaKeys};
use oidc::{
    b64, claims, flip_signature_byte, idspec_validate, limit_rs256, sign, unb64, warm_jwks,
    CLIENT_ID, ISSUER, NONCE, SUBJECT,
};

const GROUP: &str = "jwe_nested";
const OP_KID: &str = "itsme-op-sig";
const RP_KID: &str = "rp-enc-2025";
/// Key management and content encryption of itsme's ID tokens.
const ALG: &str = "RSA-OAEP-256";
const ENC: &str = "A256GCM";
/// The clock skew the hand-written checks tolerate, idspec's default.
const SKEW: Duration = Duration::from_secs(60);

struct Fixture {
    token: String,
    /// The inner signature forged, then encrypted properly.
    forged_signature: String,
    /// A ciphertext whose authentication tag fails.
    forged_tag: String,
    // idspec
    encryption: JweAlgorithms,
    signing: &'static [SigningAlg],
    rp_keys: RelyingPartyKeys,
    jwks: JwksCache,
    nonce: Nonce,
    // josekit
    decrypter: Box<dyn JweDecrypter>,
    verifier: Box<dyn JwsVerifier>,
    // the limit
    rp_private: PKey<Private>,
    op_public: PKey<Public>,
}

fn fixture(rt: &tokio::runtime::Runtime) -> Fixture {
    let op = RsaKeys::generate(2048, OP_KID, "sig");
    let rp = RsaKeys::generate(2048, RP_KID, "enc");
    let jwks_uri = serve_json(jwks_json(&[&op.public]));

    let signer = jws::RS256
        .signer_from_jwk(&op.private)
        .expect("RS256 signer");
    let signed = sign(&signer, OP_KID, &claims());
    let encrypter = jwe::RSA_OAEP_256
        .encrypter_from_jwk(&rp.public)
        .expect("RSA-OAEP-256 encrypter");
    let mut header = JweHeader::new();
    header.set_content_encryption(ENC);
    header.set_content_type("JWT");
    header.set_key_id(RP_KID);
    let encrypt = |plaintext: &str| {
        jwe::serialize_compact(plaintext.as_bytes(), &header, &encrypter).expect("encrypts")
    };
    let token = encrypt(&signed);
    let forged_signature = encrypt(&flip_signature_byte(&signed));
    let mut parts: Vec<String> = token.split('.').map(str::to_owned).collect();
    let mut tag = unb64(&parts[4]).expect("a base64url tag");
    tag[0] ^= 0x01;
    parts[4] = b64(tag);
    let forged_tag = parts.join(".");

    let profile = &idspec::itsme::PROFILE;
    let encryption = profile
        .id_token_encryption
        .expect("itsme encrypts ID tokens");
    assert!(encryption.alg.contains(&ALG) && encryption.enc.contains(&ENC));
    let decrypter = jwe::RSA_OAEP_256
        .decrypter_from_jwk(&rp.private)
        .expect("RSA-OAEP-256 decrypter");
    let verifier = jws::RS256
        .verifier_from_jwk(&op.public)
        .expect("RS256 verifier");
    Fixture {
        token,
        forged_signature,
        forged_tag,
        encryption,
        signing: profile.id_token_signing,
        rp_keys: RelyingPartyKeys::new().with_decryption_key(rp.private.clone()),
        jwks: rt.block_on(warm_jwks(jwks_uri, OP_KID, SigningAlg::RS256)),
        nonce: Nonce::new(NONCE),
        decrypter: Box::new(decrypter),
        verifier: Box::new(verifier),
        rp_private: PKey::private_key_from_der(&rp.pair.to_der_private_key())
            .expect("an RSA private key"),
        op_public: op.openssl_public(),
    }
}

/// What `Client::complete` does with an encrypted ID token (its `decrypt_nested`,
/// then validation), through the runtime's public functions.
async fn idspec(fx: &Fixture, id_token: &Jwt) -> Result<String, IdTokenError> {
    if !is_jwe(id_token.secret()) {
        return Err(JoseError::NotEncrypted.into());
    }
    let plaintext = decrypt(id_token.secret(), &fx.encryption, &fx.rp_keys, None)?;
    let signed = String::from_utf8(plaintext).map_err(|_| JoseError::Malformed {
        reason: "the decrypted content is not a JWT",
    })?;
    let validated = idspec_validate(&fx.jwks, &Jwt::new(signed), fx.signing, &fx.nonce).await?;
    Ok(validated.subject().to_owned())
}

/// The same with josekit: decrypt, verify and parse, then the claims a relying
/// party must check, by hand.
fn josekit(fx: &Fixture, token: &str) -> Result<String, String> {
    let (plaintext, _) =
        jwe::deserialize_compact(token, fx.decrypter.as_ref()).map_err(|e| e.to_string())?;
    let (payload, _) =
        jwt::decode_with_verifier(&plaintext, fx.verifier.as_ref()).map_err(|e| e.to_string())?;
    check_by_hand(&payload)?;
    payload
        .subject()
        .map(str::to_owned)
        .ok_or_else(|| "no sub".to_owned())
}

fn check_by_hand(payload: &JwtPayload) -> Result<(), String> {
    let now = SystemTime::now();
    if payload.issuer() != Some(ISSUER) {
        return Err("iss".into());
    }
    if !payload
        .audience()
        .is_some_and(|audience| audience.contains(&CLIENT_ID))
    {
        return Err("aud".into());
    }
    // Both are required, as OpenID Connect Core 2 says.
    match payload.expires_at() {
        Some(exp) if exp + SKEW > now => {}
        _ => return Err("exp".into()),
    }
    match payload.issued_at() {
        Some(iat) if iat <= now + SKEW => {}
        _ => return Err("iat".into()),
    }
    if payload.claim("nonce").and_then(Value::as_str) != Some(NONCE) {
        return Err("nonce".into());
    }
    Ok(())
}

/// The limit: OpenSSL's RSA-OAEP-256 unwrap and AES-256-GCM decryption (the
/// protected header, as sent, is the additional authenticated data), then the inner
/// JWS's signature and claims.
fn limit(fx: &Fixture, token: &str) -> Option<Map<String, Value>> {
    let mut parts = token.split('.');
    let header = parts.next()?;
    let (key, iv) = (unb64(parts.next()?)?, unb64(parts.next()?)?);
    let (ciphertext, tag) = (unb64(parts.next()?)?, unb64(parts.next()?)?);
    let mut unwrap = Decrypter::new(&fx.rp_private).ok()?;
    unwrap.set_rsa_padding(Padding::PKCS1_OAEP).ok()?;
    unwrap.set_rsa_oaep_md(MessageDigest::sha256()).ok()?;
    unwrap.set_rsa_mgf1_md(MessageDigest::sha256()).ok()?;
    let mut content_key = vec![0; unwrap.decrypt_len(&key).ok()?];
    let len = unwrap.decrypt(&key, &mut content_key).ok()?;
    content_key.truncate(len);
    let plaintext = symm::decrypt_aead(
        Cipher::aes_256_gcm(),
        &content_key,
        Some(&iv),
        header.as_bytes(),
        &ciphertext,
        &tag,
    )
    .ok()?;
    limit_rs256(std::str::from_utf8(&plaintext).ok()?, &fx.op_public)
}

/// Outside timing: every contender opens the token (so none measures an error
/// path) and refuses both forgeries (so none skips the signature or the tag).
fn check(rt: &tokio::runtime::Runtime, fx: &Fixture) {
    let idspec_on = |token: &str| rt.block_on(idspec(fx, &Jwt::new(token.to_owned())));
    assert_eq!(
        idspec_on(&fx.token).unwrap_or_else(|e| panic!("idspec refuses the token: {e}")),
        SUBJECT
    );
    let refused = idspec_on(&fx.forged_signature);
    assert!(
        matches!(refused, Err(IdTokenError::Jose(JoseError::BadSignature))),
        "idspec accepts a forged signature: {refused:?}"
    );
    let refused = idspec_on(&fx.forged_tag);
    assert!(
        matches!(
            refused,
            Err(IdTokenError::Jose(JoseError::DecryptionFailed))
        ),
        "idspec accepts a forged ciphertext: {refused:?}"
    );

    assert_eq!(
        josekit(fx, &fx.token).unwrap_or_else(|e| panic!("josekit refuses the token: {e}")),
        SUBJECT
    );
    assert!(
        josekit(fx, &fx.forged_signature).is_err(),
        "josekit accepts a forged signature"
    );
    assert!(
        josekit(fx, &fx.forged_tag).is_err(),
        "josekit accepts a forged ciphertext"
    );

    let claims = limit(fx, &fx.token).expect("the limit refuses the token");
    assert_eq!(claims["sub"], SUBJECT);
    assert!(
        limit(fx, &fx.forged_signature).is_none(),
        "the limit accepts a forged signature"
    );
    assert!(
        limit(fx, &fx.forged_tag).is_none(),
        "the limit accepts a forged ciphertext"
    );
}

fn jwe_nested(c: &mut Criterion) {
    let rt = runtime();
    let fx = fixture(&rt);
    check(&rt, &fx);
    // As a client holds it: the token response's `id_token`.
    let jwt = Jwt::new(fx.token.clone());
    let mut group = c.benchmark_group(GROUP);
    group.bench_function(idspec_bench::IDSPEC, |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(idspec(&fx, black_box(&jwt)).await) })
    });
    group.bench_function("josekit", |b| {
        b.iter(|| black_box(josekit(&fx, black_box(&fx.token))))
    });
    group.bench_function("limit-openssl", |b| {
        b.iter(|| black_box(limit(&fx, black_box(&fx.token))))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // Three functions of a millisecond or so: 4 s each gives thousands of
    // iterations, and the file runs in well under a minute.
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sample_size(50);
    targets = jwe_nested
}
criterion_main!(benches);
