//! The JWS signing algorithms we verify.

use std::fmt;
use std::str::FromStr;

use josekit::jwk::Jwk;
use josekit::jws::JwsVerifier;

use super::ecdsa::EcdsaVerifier;
use super::{truncated, JoseError};

/// A JWS signing algorithm (RFC 7518 3.1, RFC 8037).
///
/// There is deliberately no `none`: an unsigned token cannot even be described, and
/// parsing `"none"` fails.
#[allow(clippy::upper_case_acronyms)]
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum SigningAlg {
    /// RSASSA-PKCS1-v1_5 with SHA-256.
    RS256,
    /// RSASSA-PKCS1-v1_5 with SHA-384.
    RS384,
    /// RSASSA-PKCS1-v1_5 with SHA-512.
    RS512,
    /// RSASSA-PSS with SHA-256.
    PS256,
    /// RSASSA-PSS with SHA-384.
    PS384,
    /// RSASSA-PSS with SHA-512.
    PS512,
    /// ECDSA on P-256 with SHA-256.
    ES256,
    /// ECDSA on P-384 with SHA-384.
    ES384,
    /// ECDSA on P-521 with SHA-512.
    ES512,
    /// EdDSA (Ed25519 or Ed448).
    EdDSA,
    /// HMAC with SHA-256, keyed with the client secret.
    HS256,
    /// HMAC with SHA-384, keyed with the client secret.
    HS384,
    /// HMAC with SHA-512, keyed with the client secret.
    HS512,
}

impl SigningAlg {
    /// Every algorithm, asymmetric ones first.
    pub const ALL: [SigningAlg; 13] = [
        Self::RS256,
        Self::RS384,
        Self::RS512,
        Self::PS256,
        Self::PS384,
        Self::PS512,
        Self::ES256,
        Self::ES384,
        Self::ES512,
        Self::EdDSA,
        Self::HS256,
        Self::HS384,
        Self::HS512,
    ];

    /// How many asymmetric algorithms there are: the first entries of [`Self::ALL`].
    pub(crate) const ASYMMETRIC_COUNT: usize = 10;

    /// The JOSE name (`RS256`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::RS256 => "RS256",
            Self::RS384 => "RS384",
            Self::RS512 => "RS512",
            Self::PS256 => "PS256",
            Self::PS384 => "PS384",
            Self::PS512 => "PS512",
            Self::ES256 => "ES256",
            Self::ES384 => "ES384",
            Self::ES512 => "ES512",
            Self::EdDSA => "EdDSA",
            Self::HS256 => "HS256",
            Self::HS384 => "HS384",
            Self::HS512 => "HS512",
        }
    }

    /// Whether this is an HMAC algorithm, verified with the client secret.
    pub fn is_symmetric(self) -> bool {
        matches!(self, Self::HS256 | Self::HS384 | Self::HS512)
    }

    /// The SHA-2 output size in bits this algorithm hashes with, which OIDC's
    /// `at_hash` / `c_hash` reuse; `None` for EdDSA, where it depends on the curve.
    pub fn sha_bits(self) -> Option<u16> {
        match self {
            Self::RS256 | Self::PS256 | Self::ES256 | Self::HS256 => Some(256),
            Self::RS384 | Self::PS384 | Self::ES384 | Self::HS384 => Some(384),
            Self::RS512 | Self::PS512 | Self::ES512 | Self::HS512 => Some(512),
            Self::EdDSA => None,
        }
    }

    /// Position among the asymmetric algorithms, for per-key verifier caches.
    pub(crate) fn asymmetric_index(self) -> Option<usize> {
        Self::ALL[..Self::ASYMMETRIC_COUNT]
            .iter()
            .position(|alg| *alg == self)
    }

    /// Whether `jwk` may verify this algorithm: the key type and curve fit, `use`
    /// is absent or `sig`, `alg` is absent or this one, `key_ops` (if any) allows
    /// `verify`. Symmetric keys never fit: HMAC is only keyed with the client secret.
    pub(crate) fn fits(self, jwk: &Jwk) -> bool {
        let kind_fits = match self {
            Self::RS256 | Self::RS384 | Self::RS512 | Self::PS256 | Self::PS384 | Self::PS512 => {
                jwk.key_type() == "RSA"
            }
            Self::ES256 => jwk.key_type() == "EC" && jwk.curve() == Some("P-256"),
            Self::ES384 => jwk.key_type() == "EC" && jwk.curve() == Some("P-384"),
            Self::ES512 => jwk.key_type() == "EC" && jwk.curve() == Some("P-521"),
            Self::EdDSA => {
                jwk.key_type() == "OKP" && matches!(jwk.curve(), Some("Ed25519" | "Ed448"))
            }
            Self::HS256 | Self::HS384 | Self::HS512 => false,
        };
        kind_fits
            && jwk.key_use().is_none_or(|key_use| key_use == "sig")
            && jwk.algorithm().is_none_or(|alg| alg == self.as_str())
            && jwk.is_for_key_operation("verify")
    }

    /// A verifier for this (asymmetric) algorithm from a public JWK; `None` when the
    /// key is unusable (malformed, RSA under 2048 bits, an EC point off its curve) or
    /// the algorithm is HMAC.
    pub(crate) fn verifier(self, jwk: &Jwk) -> Option<Verifier> {
        use josekit::jws;
        fn boxed<V: JwsVerifier + 'static>(
            verifier: Result<V, josekit::JoseError>,
        ) -> Option<Verifier> {
            verifier.ok().map(|v| Verifier::Josekit(Box::new(v)))
        }
        match self {
            Self::RS256 => boxed(jws::RS256.verifier_from_jwk(jwk)),
            Self::RS384 => boxed(jws::RS384.verifier_from_jwk(jwk)),
            Self::RS512 => boxed(jws::RS512.verifier_from_jwk(jwk)),
            Self::PS256 => boxed(jws::PS256.verifier_from_jwk(jwk)),
            Self::PS384 => boxed(jws::PS384.verifier_from_jwk(jwk)),
            Self::PS512 => boxed(jws::PS512.verifier_from_jwk(jwk)),
            Self::ES256 | Self::ES384 | Self::ES512 => {
                EcdsaVerifier::from_jwk(self, jwk).map(Verifier::Ecdsa)
            }
            Self::EdDSA => boxed(jws::EdDSA.verifier_from_jwk(jwk)),
            Self::HS256 | Self::HS384 | Self::HS512 => None,
        }
    }

    /// The HMAC of `message` keyed with `secret`, for HS* algorithms.
    pub(crate) fn hmac(self, secret: &[u8], message: &[u8]) -> Result<Vec<u8>, JoseError> {
        use josekit::jws::{self, JwsSigner as _};
        let signer = match self {
            Self::HS256 => jws::HS256.signer_from_bytes(secret),
            Self::HS384 => jws::HS384.signer_from_bytes(secret),
            Self::HS512 => jws::HS512.signer_from_bytes(secret),
            _ => unreachable!("hmac is only called for symmetric algorithms"),
        }
        // josekit refuses keys shorter than the hash output, as RFC 7518 3.2 requires.
        .map_err(|_| JoseError::WeakClientSecret { alg: self })?;
        signer.sign(message).map_err(JoseError::Crypto)
    }
}

/// A signature verifier for one key and algorithm, built once and cached with the
/// key.
#[derive(Debug)]
pub(crate) enum Verifier {
    /// ES256, ES384, ES512.
    Ecdsa(EcdsaVerifier),
    /// RSA and EdDSA, through josekit.
    Josekit(Box<dyn JwsVerifier>),
}

impl Verifier {
    /// Whether `signature` signs `message`.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        match self {
            Self::Ecdsa(verifier) => verifier.verify(message, signature),
            Self::Josekit(verifier) => verifier.verify(message, signature).is_ok(),
        }
    }
}

impl fmt::Display for SigningAlg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for SigningAlg {
    type Err = JoseError;

    /// Parses a JOSE name, case-sensitively as RFC 7515 requires. `none` (in any
    /// case) is [`JoseError::AlgNone`]; anything else unknown is
    /// [`JoseError::UnsupportedAlg`].
    fn from_str(name: &str) -> Result<Self, Self::Err> {
        if name.eq_ignore_ascii_case("none") {
            return Err(JoseError::AlgNone);
        }
        Self::ALL
            .into_iter()
            .find(|alg| alg.as_str() == name)
            .ok_or_else(|| JoseError::UnsupportedAlg {
                alg: truncated(name, 32),
            })
    }
}

impl serde::Serialize for SigningAlg {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.as_str())
    }
}

impl<'de> serde::Deserialize<'de> for SigningAlg {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let name = std::borrow::Cow::<'de, str>::deserialize(deserializer)?;
        name.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_every_name() {
        for alg in SigningAlg::ALL {
            assert_eq!(alg.as_str().parse::<SigningAlg>().unwrap(), alg);
            assert_eq!(alg.to_string(), alg.as_str());
        }
    }

    #[test]
    fn none_cannot_be_parsed() {
        for name in ["none", "None", "NONE"] {
            assert!(matches!(
                name.parse::<SigningAlg>(),
                Err(JoseError::AlgNone)
            ));
        }
        assert!(serde_json::from_str::<SigningAlg>("\"none\"").is_err());
    }

    #[test]
    fn unknown_and_wrongly_cased_names_are_unsupported() {
        for name in ["rs256", "ES256K", "RSA-OAEP", ""] {
            assert!(
                matches!(
                    name.parse::<SigningAlg>(),
                    Err(JoseError::UnsupportedAlg { .. })
                ),
                "{name}"
            );
        }
    }

    #[test]
    fn only_hmac_is_symmetric_and_asymmetric_come_first() {
        for (i, alg) in SigningAlg::ALL.into_iter().enumerate() {
            assert_eq!(alg.is_symmetric(), i >= SigningAlg::ASYMMETRIC_COUNT);
            assert_eq!(alg.asymmetric_index(), (!alg.is_symmetric()).then_some(i));
        }
    }

    #[test]
    fn keys_fit_by_type_curve_use_alg_and_ops() {
        let jwk = |json: &str| Jwk::from_bytes(json.as_bytes()).unwrap();
        let rsa = jwk(r#"{"kty":"RSA","n":"AQAB","e":"AQAB"}"#);
        assert!(SigningAlg::RS256.fits(&rsa) && SigningAlg::PS512.fits(&rsa));
        assert!(!SigningAlg::ES256.fits(&rsa) && !SigningAlg::HS256.fits(&rsa));
        let p256 = jwk(r#"{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}"#);
        assert!(SigningAlg::ES256.fits(&p256) && !SigningAlg::ES384.fits(&p256));
        let ed = jwk(r#"{"kty":"OKP","crv":"Ed25519","x":"AA"}"#);
        assert!(SigningAlg::EdDSA.fits(&ed));
        let x25519 = jwk(r#"{"kty":"OKP","crv":"X25519","x":"AA"}"#);
        assert!(!SigningAlg::EdDSA.fits(&x25519));
        let oct = jwk(r#"{"kty":"oct","k":"c2VjcmV0"}"#);
        assert!(SigningAlg::ALL.iter().all(|alg| !alg.fits(&oct)));
        let enc = jwk(r#"{"kty":"RSA","use":"enc","n":"AQAB","e":"AQAB"}"#);
        assert!(!SigningAlg::RS256.fits(&enc));
        let pinned = jwk(r#"{"kty":"RSA","alg":"PS256","n":"AQAB","e":"AQAB"}"#);
        assert!(SigningAlg::PS256.fits(&pinned) && !SigningAlg::RS256.fits(&pinned));
        let sign_only = jwk(r#"{"kty":"RSA","key_ops":["sign"],"n":"AQAB","e":"AQAB"}"#);
        assert!(!SigningAlg::RS256.fits(&sign_only));
        let verify = jwk(r#"{"kty":"RSA","key_ops":["verify"],"n":"AQAB","e":"AQAB"}"#);
        assert!(SigningAlg::RS256.fits(&verify));
    }
}
