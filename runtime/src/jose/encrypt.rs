//! Encrypting to the provider: request objects signed then encrypted (nested JWTs),
//! with the provider's published encryption key.

use josekit::jwe::{self, JweEncrypter, JweHeader};
use josekit::jwk::Jwk;

use super::JoseError;

/// The key management algorithms a request object can be encrypted to the provider
/// with; `JwksCache` keeps one encrypter per provider key for each.
pub(crate) const KEY_ENCRYPTION_ALGS: [&str; 5] = [
    "RSA-OAEP",
    "RSA-OAEP-256",
    "ECDH-ES",
    "ECDH-ES+A128KW",
    "ECDH-ES+A256KW",
];

/// Encrypts `plaintext` (a signed JWT) to `key` with `alg` / `enc`, `cty: JWT`.
pub fn encrypt_to(key: &Jwk, alg: &str, enc: &str, plaintext: &[u8]) -> Result<String, JoseError> {
    encrypt_with(encrypter(key, alg)?.as_ref(), key.key_id(), enc, plaintext)
}

/// An encrypter to the public `key` for `alg`. Building one parses the key, which
/// costs about as much as the encryption: callers that encrypt to the same key again
/// keep it.
pub(crate) fn encrypter(key: &Jwk, alg: &str) -> Result<Box<dyn JweEncrypter>, JoseError> {
    Ok(match alg {
        "RSA-OAEP" => Box::new(
            jwe::RSA_OAEP
                .encrypter_from_jwk(key)
                .map_err(JoseError::Crypto)?,
        ),
        "RSA-OAEP-256" => Box::new(
            jwe::RSA_OAEP_256
                .encrypter_from_jwk(key)
                .map_err(JoseError::Crypto)?,
        ),
        "ECDH-ES" => Box::new(
            jwe::ECDH_ES
                .encrypter_from_jwk(key)
                .map_err(JoseError::Crypto)?,
        ),
        "ECDH-ES+A128KW" => Box::new(
            jwe::ECDH_ES_A128KW
                .encrypter_from_jwk(key)
                .map_err(JoseError::Crypto)?,
        ),
        "ECDH-ES+A256KW" => Box::new(
            jwe::ECDH_ES_A256KW
                .encrypter_from_jwk(key)
                .map_err(JoseError::Crypto)?,
        ),
        other => {
            return Err(JoseError::UnsupportedAlg {
                alg: other.chars().take(32).collect(),
            })
        }
    })
}

/// Encrypts `plaintext` (a signed JWT) with `encrypter` and `enc`, `cty: JWT`,
/// naming the recipient's key `kid`.
pub(crate) fn encrypt_with(
    encrypter: &dyn JweEncrypter,
    kid: Option<&str>,
    enc: &str,
    plaintext: &[u8],
) -> Result<String, JoseError> {
    let mut header = JweHeader::new();
    header.set_content_encryption(enc);
    header.set_content_type("JWT");
    if let Some(kid) = kid {
        header.set_key_id(kid);
    }
    jwe::serialize_compact(plaintext, &header, encrypter).map_err(JoseError::Crypto)
}
