//! Encrypting to the provider: request objects signed then encrypted (nested JWTs),
//! with the provider's published encryption key.

use josekit::jwe::{self, JweEncrypter, JweHeader};
use josekit::jwk::Jwk;

use super::JoseError;

/// Encrypts `plaintext` (a signed JWT) to `key` with `alg` / `enc`, `cty: JWT`.
pub fn encrypt_to(key: &Jwk, alg: &str, enc: &str, plaintext: &[u8]) -> Result<String, JoseError> {
    let encrypter: Box<dyn JweEncrypter> = match alg {
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
    };
    let mut header = JweHeader::new();
    header.set_content_encryption(enc);
    header.set_content_type("JWT");
    if let Some(kid) = key.key_id() {
        header.set_key_id(kid);
    }
    jwe::serialize_compact(plaintext, &header, encrypter.as_ref()).map_err(JoseError::Crypto)
}
