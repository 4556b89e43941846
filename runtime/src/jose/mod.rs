//! JOSE: compact JWS verification against a provider's JWKS or the client secret,
//! JWE decryption of nested JWTs addressed to the relying party, and signing and
//! encrypting what the relying party sends.
//!
//! The rules are the ones openid-client and oauth4webapi enforce: an explicit
//! allow-list of algorithms, `none` never, HMAC only ever keyed with the client
//! secret (so a public key can never be used as an HMAC key), no `crit` extensions,
//! and a JWKS cache whose refetch on an unknown `kid` is rate-limited. A JWE is
//! decrypted only with algorithms the provider's spec lists; one where the spec
//! allows none is reported as [`JoseError::Encrypted`].

mod alg;
mod decrypt;
mod ecdsa;
mod encrypt;
mod jwks;
mod keys;
mod sign;
mod verify;

#[cfg(test)]
pub(crate) mod testing;

pub use alg::SigningAlg;
pub use decrypt::{decrypt, is_jwe, JweAlgorithms};
pub use encrypt::encrypt_to;
pub(crate) use encrypt::encrypt_with;
pub use jwks::{JwksCache, DEFAULT_MAX_AGE, DEFAULT_MIN_REFETCH_INTERVAL};
pub use keys::RelyingPartyKeys;
pub use sign::{sign_hmac, SigningKey};
pub use verify::{verify_jws, JwsHeaderInfo, VerifiedJws};

use crate::config::ConfigError;
use crate::error::RawResponse;
use crate::http::HttpError;

/// A JWS could not be verified, or the keys to verify it could not be obtained.
///
/// `Display` never contains the token, its claims, or a key.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum JoseError {
    /// The token is a JWE (five parts) where the provider's spec allows none.
    #[error("the token is encrypted (JWE), which the provider's spec does not allow here")]
    Encrypted,
    /// The token is a bare JWS where the provider's spec says it is always encrypted.
    #[error("the token is not encrypted, but the provider's spec says it always is")]
    NotEncrypted,
    /// The JWE's `alg` or `enc` is not among the spec's.
    #[error("the token is encrypted with {alg} / {enc}, which the provider's spec does not allow")]
    EncryptionNotAllowed {
        /// The `alg`, cut to 32 characters.
        alg: String,
        /// The `enc`, cut to 32 characters.
        enc: String,
    },
    /// No relying-party key (or client secret) fits the JWE.
    #[error("no decryption key of this client fits the token's {alg}")]
    NoDecryptionKey {
        /// The `alg`.
        alg: String,
    },
    /// The relying party has no signing key for what it must sign.
    #[error("the client has no signing key for {0}")]
    MissingSigningKey(&'static str),
    /// No key decrypted the JWE.
    #[error("the token could not be decrypted with this client's keys")]
    DecryptionFailed,
    /// The token is not a well-formed compact JWS.
    #[error("the token is not a well-formed JWS: {reason}")]
    Malformed {
        /// What is wrong.
        reason: &'static str,
    },
    /// The token's `alg` is `none`: unsigned tokens are never accepted.
    #[error("the token is unsigned (alg none), which is never accepted")]
    AlgNone,
    /// The token's `alg` is not one this library implements.
    #[error("the token's signing algorithm is not supported")]
    UnsupportedAlg {
        /// The `alg` as sent, cut to 32 characters.
        alg: String,
    },
    /// The token's `alg` is not in the allow-list for this token.
    #[error("the signing algorithm {alg} is not allowed for this token")]
    AlgNotAllowed {
        /// The algorithm.
        alg: SigningAlg,
    },
    /// The header has a `crit` member: we understand no JWS extension, so we must
    /// reject it (RFC 7515 4.1.11).
    #[error("the token's header names critical extensions, which are not supported")]
    CriticalHeader,
    /// An HMAC-signed token, but the client has no secret to check it with.
    #[error("the token is signed with {alg}, which needs the client secret, and there is none")]
    MissingClientSecret {
        /// The algorithm.
        alg: SigningAlg,
    },
    /// The client secret is shorter than the hash size, which RFC 7518 3.2 forbids
    /// as an HMAC key.
    #[error("the client secret is too short to be an {alg} key (RFC 7518 3.2)")]
    WeakClientSecret {
        /// The algorithm.
        alg: SigningAlg,
    },
    /// The token names a key that the provider's JWKS does not have, even after
    /// refetching it (or the refetch was rate-limited).
    #[error("the token's key id is not in the provider's JWKS")]
    UnknownKid {
        /// The `kid` as sent, cut to 64 characters.
        kid: String,
    },
    /// No key in the JWKS can verify this algorithm (wrong type or curve, `use`,
    /// `alg` or `key_ops` restrictions, or too weak).
    #[error("the provider's JWKS has no key usable for {alg}")]
    NoSuitableKey {
        /// The algorithm.
        alg: SigningAlg,
    },
    /// The signature does not verify.
    #[error("the token's signature is invalid")]
    BadSignature,
    /// A cryptographic operation failed unexpectedly.
    #[error("a cryptographic operation failed")]
    Crypto(#[source] josekit::JoseError),
    /// The JWKS could not be fetched.
    #[error("the provider's JWKS could not be fetched")]
    JwksHttp(#[from] HttpError),
    /// The JWKS URI is not allowed by the client's URL policy.
    #[error(transparent)]
    InsecureUrl(#[from] ConfigError),
    /// The JWKS endpoint answered with a non-success status.
    #[error("the JWKS endpoint answered HTTP {}", raw.status)]
    JwksStatus {
        /// The response.
        raw: Box<RawResponse>,
    },
    /// The JWKS document is not a JWK set.
    #[error("the provider's JWKS is malformed: {reason}")]
    JwksMalformed {
        /// What is wrong.
        reason: &'static str,
        /// The response.
        raw: Box<RawResponse>,
    },
}

impl JoseError {
    /// The response the error came from, when there was one.
    pub fn raw(&self) -> Option<&RawResponse> {
        match self {
            Self::JwksStatus { raw } | Self::JwksMalformed { raw, .. } => Some(raw),
            _ => None,
        }
    }
}

impl crate::ErrorMetadata for JoseError {
    fn code(&self) -> &str {
        match self {
            Self::Encrypted => "jwt_encrypted",
            Self::NotEncrypted => "jwt_not_encrypted",
            Self::EncryptionNotAllowed { .. } => "jwe_alg_not_allowed",
            Self::NoDecryptionKey { .. } => "jwe_no_decryption_key",
            Self::DecryptionFailed => "jwe_decryption_failed",
            Self::MissingSigningKey(_) => "missing_signing_key",
            Self::Malformed { .. } => "jws_malformed",
            Self::AlgNone => "jws_alg_none",
            Self::UnsupportedAlg { .. } => "jws_alg_unsupported",
            Self::AlgNotAllowed { .. } => "jws_alg_not_allowed",
            Self::CriticalHeader => "jws_crit_unsupported",
            Self::MissingClientSecret { .. } => "jws_hmac_no_client_secret",
            Self::WeakClientSecret { .. } => "jws_hmac_client_secret_too_short",
            Self::UnknownKid { .. } => "jwks_unknown_kid",
            Self::NoSuitableKey { .. } => "jwks_no_suitable_key",
            Self::BadSignature => "jws_bad_signature",
            Self::Crypto(_) => "jose_crypto_failure",
            Self::JwksHttp(e) => e.code(),
            Self::InsecureUrl(e) => e.code(),
            Self::JwksStatus { .. } => "jwks_status",
            Self::JwksMalformed { .. } => "jwks_malformed",
        }
    }

    fn message(&self) -> Option<&str> {
        Some(match self {
            Self::Encrypted => "the provider encrypts this token, which its spec does not say; update the spec",
            Self::NotEncrypted => "the token arrived unencrypted where the provider always encrypts it; reject it",
            Self::EncryptionNotAllowed { .. } => "the token's encryption is not one the spec allows; reject it",
            Self::NoDecryptionKey { .. } => {
                "configure the relying party's decryption key (ClientBuilder::keys) or the client secret"
            }
            Self::MissingSigningKey(_) => "configure the relying party's signing key (ClientBuilder::keys)",
            Self::DecryptionFailed => {
                "the token was encrypted to another key; check the keys registered with the provider"
            }
            Self::Malformed { .. } => "the token is corrupt or not a JWT; reject it",
            Self::AlgNone | Self::AlgNotAllowed { .. } | Self::UnsupportedAlg { .. } => {
                "the token's algorithm is not one the provider's spec allows; reject it (possible forgery)"
            }
            Self::CriticalHeader => "the token uses a JWS extension we do not implement; reject it",
            Self::MissingClientSecret { .. } => {
                "the token is HMAC-signed; configure the client secret, or the provider signs with an unexpected algorithm"
            }
            Self::WeakClientSecret { .. } => {
                "the client secret is too short for this HMAC algorithm; ask the provider for a longer secret"
            }
            Self::UnknownKid { .. } => {
                "the signing key is not published by the provider; retry later if keys were just rotated, otherwise reject (possible forgery)"
            }
            Self::NoSuitableKey { .. } => {
                "the provider publishes no key for this algorithm; check the allowed algorithms"
            }
            Self::BadSignature => "the token was not signed by the provider; reject it (possible forgery)",
            Self::Crypto(_) => "an internal cryptographic failure; check the OpenSSL installation",
            Self::JwksHttp(e) => return e.message(),
            Self::InsecureUrl(e) => return e.message(),
            Self::JwksStatus { .. } => "the provider's JWKS is unavailable; retry later",
            Self::JwksMalformed { .. } => "the provider's JWKS is not a JWK set; report it to the provider",
        })
    }
}

/// Cuts an attacker-controlled header value to a loggable length.
fn truncated(value: &str, max_chars: usize) -> String {
    value.chars().take(max_chars).collect()
}
