//! ECDSA signature verification (ES256, ES384, ES512) with OpenSSL's ECDSA
//! directly, the public key decoded once.
//!
//! josekit's verifier re-encodes the JWS signature as DER and sets up an EVP
//! verification context on every call; with OpenSSL 3 that setup costs a fifth of
//! the verification itself. Here the point is validated once, when the key is
//! cached, and each signature costs one hash and one `ECDSA_do_verify`.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use josekit::jwk::Jwk;
use openssl::bn::BigNum;
use openssl::ec::{EcGroup, EcKey};
use openssl::ecdsa::EcdsaSig;
use openssl::nid::Nid;
use openssl::pkey::Public;

use super::SigningAlg;

/// A public EC key, checked to lie on its curve, for one ES* algorithm.
pub(crate) struct EcdsaVerifier {
    alg: SigningAlg,
    key: EcKey<Public>,
    /// The length of each of r and s in a JWS signature (RFC 7518 3.4).
    scalar_len: usize,
}

impl std::fmt::Debug for EcdsaVerifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("EcdsaVerifier")
            .field("alg", &self.alg)
            .finish_non_exhaustive()
    }
}

impl EcdsaVerifier {
    /// The verifier for `alg` with `jwk`'s public point; `None` unless `alg` is an
    /// ES* algorithm, the JWK is an EC key on that algorithm's curve, and its point
    /// is on the curve.
    pub(crate) fn from_jwk(alg: SigningAlg, jwk: &Jwk) -> Option<Self> {
        let (curve, nid, scalar_len) = match alg {
            SigningAlg::ES256 => ("P-256", Nid::X9_62_PRIME256V1, 32),
            SigningAlg::ES384 => ("P-384", Nid::SECP384R1, 48),
            SigningAlg::ES512 => ("P-521", Nid::SECP521R1, 66),
            _ => return None,
        };
        if jwk.key_type() != "EC" || jwk.curve() != Some(curve) {
            return None;
        }
        let coordinate = |name: &str| -> Option<BigNum> {
            let bytes = URL_SAFE_NO_PAD
                .decode(jwk.parameter(name)?.as_str()?)
                .ok()?;
            // RFC 7518 6.2.1.2: each coordinate is exactly the field's size.
            (bytes.len() == scalar_len)
                .then(|| BigNum::from_slice(&bytes).ok())
                .flatten()
        };
        let (x, y) = (coordinate("x")?, coordinate("y")?);
        let group = EcGroup::from_curve_name(nid).ok()?;
        // Rejects a point off the curve (an invalid-curve attack's key).
        let key = EcKey::from_public_key_affine_coordinates(&group, &x, &y).ok()?;
        key.check_key().ok()?;
        Some(Self {
            alg,
            key,
            scalar_len,
        })
    }

    /// Whether `signature` (r ‖ s, as JWS carries it) signs `message`.
    pub(crate) fn verify(&self, message: &[u8], signature: &[u8]) -> bool {
        if signature.len() != 2 * self.scalar_len {
            return false;
        }
        let (r, s) = signature.split_at(self.scalar_len);
        let (Ok(r), Ok(s)) = (BigNum::from_slice(r), BigNum::from_slice(s)) else {
            return false;
        };
        let Ok(signature) = EcdsaSig::from_private_components(r, s) else {
            return false;
        };
        // Out-of-range or zero r and s are refused by OpenSSL as invalid.
        let verified = match self.alg {
            SigningAlg::ES256 => signature.verify(&openssl::sha::sha256(message), &self.key),
            SigningAlg::ES384 => signature.verify(&openssl::sha::sha384(message), &self.key),
            _ => signature.verify(&openssl::sha::sha512(message), &self.key),
        };
        verified.unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use josekit::jws::{self, JwsSigner as _};

    use super::*;

    fn signed(alg: &jws::alg::ecdsa::EcdsaJwsAlgorithm) -> (Jwk, Vec<u8>) {
        let pair = alg.generate_key_pair().unwrap();
        let signer = alg.signer_from_jwk(&pair.to_jwk_private_key()).unwrap();
        (
            pair.to_jwk_public_key(),
            signer.sign(b"header.payload").unwrap(),
        )
    }

    #[test]
    fn verifies_what_josekit_signs_and_nothing_else() {
        for (alg, ours) in [
            (&jws::ES256, SigningAlg::ES256),
            (&jws::ES384, SigningAlg::ES384),
            (&jws::ES512, SigningAlg::ES512),
        ] {
            let (public, signature) = signed(alg);
            let verifier = EcdsaVerifier::from_jwk(ours, &public).unwrap();
            assert!(verifier.verify(b"header.payload", &signature), "{ours}");
            assert!(!verifier.verify(b"header.payloaD", &signature), "{ours}");
            let mut flipped = signature.clone();
            flipped[3] ^= 1;
            assert!(!verifier.verify(b"header.payload", &flipped), "{ours}");
            assert!(
                !verifier.verify(b"header.payload", &signature[1..]),
                "{ours}"
            );
            assert!(!verifier.verify(b"header.payload", &[0; 132][..signature.len()]));
        }
    }

    #[test]
    fn a_key_must_be_on_the_algorithms_curve() {
        let (p256, _) = signed(&jws::ES256);
        assert!(EcdsaVerifier::from_jwk(SigningAlg::ES384, &p256).is_none());
        assert!(EcdsaVerifier::from_jwk(SigningAlg::RS256, &p256).is_none());
    }

    #[test]
    fn a_point_off_the_curve_is_refused() {
        let (mut public, _) = signed(&jws::ES256);
        let y = public.parameter("y").unwrap().as_str().unwrap().to_owned();
        let mut bytes = URL_SAFE_NO_PAD.decode(y).unwrap();
        bytes[31] ^= 1;
        public
            .set_parameter("y", Some(URL_SAFE_NO_PAD.encode(bytes).into()))
            .unwrap();
        assert!(EcdsaVerifier::from_jwk(SigningAlg::ES256, &public).is_none());
    }
}
