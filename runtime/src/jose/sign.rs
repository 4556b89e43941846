//! Signing compact JWS: what a relying party signs (request objects, client
//! assertions, in later flows) and what the sandbox signs as a provider.

use std::sync::{Arc, OnceLock};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use josekit::jwk::alg::ec::EcCurve;
use josekit::jwk::Jwk;
use josekit::jws::{self, JwsSigner};
use serde_json::{Map, Value};

use super::{JoseError, SigningAlg};

/// A private signing key with its algorithm and key id.
#[derive(Clone)]
pub struct SigningKey {
    alg: SigningAlg,
    private: Jwk,
    public: Jwk,
    /// Signers built on first use, per algorithm, shared by clones and retargeted
    /// copies (they hold the same key): building one parses the private key, and
    /// OpenSSL then sets up the key's blinding on its first signature, which together
    /// cost more than an RSA-2048 signature itself.
    signers: Arc<[OnceLock<Box<dyn JwsSigner>>; SigningAlg::ASYMMETRIC_COUNT]>,
}

impl std::fmt::Debug for SigningKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SigningKey")
            .field("alg", &self.alg)
            .field("kid", &self.public.key_id())
            .finish_non_exhaustive()
    }
}

impl SigningKey {
    /// A fresh key pair for `alg` (RSA 2048 for RS*/PS*, the matching curve for ES*).
    pub fn generate(alg: SigningAlg, kid: &str) -> Result<Self, JoseError> {
        let mut private = match alg {
            SigningAlg::RS256
            | SigningAlg::RS384
            | SigningAlg::RS512
            | SigningAlg::PS256
            | SigningAlg::PS384
            | SigningAlg::PS512 => Jwk::generate_rsa_key(2048),
            SigningAlg::ES256 => Jwk::generate_ec_key(EcCurve::P256),
            SigningAlg::ES384 => Jwk::generate_ec_key(EcCurve::P384),
            SigningAlg::ES512 => Jwk::generate_ec_key(EcCurve::P521),
            other => {
                return Err(JoseError::UnsupportedAlg {
                    alg: other.as_str().to_owned(),
                })
            }
        }
        .map_err(JoseError::Crypto)?;
        private.set_key_id(kid);
        private.set_algorithm(alg.as_str());
        private.set_key_use("sig");
        Self::from_private_jwk(alg, private)
    }

    /// This key for `alg` instead, when its JWK does not pin an algorithm and `alg`
    /// fits its key type: a JWK converted from a PEM (imID's `pem-to-jwk` step) has no
    /// `alg`, yet the provider requires RS512.
    pub fn retargeted(&self, alg: SigningAlg) -> Option<Self> {
        if self.alg == alg {
            return Some(self.clone());
        }
        if self.private.algorithm().is_some() {
            return None;
        }
        let fits = match self.private.key_type() {
            "RSA" => alg.as_str().starts_with("RS") || alg.as_str().starts_with("PS"),
            "EC" => alg.as_str().starts_with("ES"),
            _ => false,
        };
        fits.then(|| Self {
            alg,
            private: self.private.clone(),
            public: self.public.clone(),
            signers: self.signers.clone(),
        })
    }

    /// A key from a private JWK.
    pub fn from_private_jwk(alg: SigningAlg, private: Jwk) -> Result<Self, JoseError> {
        let mut public = private.to_public_key().map_err(JoseError::Crypto)?;
        if let Some(kid) = private.key_id() {
            public.set_key_id(kid);
        }
        public.set_algorithm(alg.as_str());
        public.set_key_use("sig");
        Ok(Self {
            alg,
            private,
            public,
            signers: Arc::default(),
        })
    }

    /// The algorithm.
    pub fn alg(&self) -> SigningAlg {
        self.alg
    }

    /// The key id.
    pub fn kid(&self) -> Option<&str> {
        self.public.key_id()
    }

    /// The public key, for a JWK set.
    pub fn public_jwk(&self) -> &Jwk {
        &self.public
    }

    /// The curve, for EC keys (needed for `at_hash` with EdDSA; informative otherwise).
    pub fn curve(&self) -> Option<&str> {
        self.public.parameter("crv").and_then(Value::as_str)
    }

    /// Signs `claims` as a compact JWS with `alg`, `kid` and `typ` (when given) in the header.
    pub fn sign(
        &self,
        claims: &Map<String, Value>,
        typ: Option<&str>,
    ) -> Result<String, JoseError> {
        let signer = self.signer()?;
        let mut header = Map::new();
        header.insert("alg".into(), self.alg.as_str().into());
        if let Some(kid) = self.kid() {
            header.insert("kid".into(), kid.into());
        }
        if let Some(typ) = typ {
            header.insert("typ".into(), typ.into());
        }
        compact(&header, claims, |input| {
            signer.sign(input).map_err(JoseError::Crypto)
        })
    }

    /// The signer for `alg`, built on first use.
    fn signer(&self) -> Result<&dyn JwsSigner, JoseError> {
        let cell = self
            .alg
            .asymmetric_index()
            .and_then(|index| self.signers.get(index))
            .ok_or_else(|| JoseError::UnsupportedAlg {
                alg: self.alg.as_str().to_owned(),
            })?;
        if let Some(signer) = cell.get() {
            return Ok(signer.as_ref());
        }
        // Two first callers may both build one; the first stored is kept.
        let built = self.build_signer()?;
        Ok(cell.get_or_init(|| built).as_ref())
    }

    fn build_signer(&self) -> Result<Box<dyn JwsSigner>, JoseError> {
        let signer: Box<dyn JwsSigner> = match self.alg {
            SigningAlg::RS256 => Box::new(
                jws::RS256
                    .signer_from_jwk(&self.private)
                    .map_err(JoseError::Crypto)?,
            ),
            SigningAlg::RS384 => Box::new(
                jws::RS384
                    .signer_from_jwk(&self.private)
                    .map_err(JoseError::Crypto)?,
            ),
            SigningAlg::RS512 => Box::new(
                jws::RS512
                    .signer_from_jwk(&self.private)
                    .map_err(JoseError::Crypto)?,
            ),
            SigningAlg::PS256 => Box::new(
                jws::PS256
                    .signer_from_jwk(&self.private)
                    .map_err(JoseError::Crypto)?,
            ),
            SigningAlg::PS384 => Box::new(
                jws::PS384
                    .signer_from_jwk(&self.private)
                    .map_err(JoseError::Crypto)?,
            ),
            SigningAlg::PS512 => Box::new(
                jws::PS512
                    .signer_from_jwk(&self.private)
                    .map_err(JoseError::Crypto)?,
            ),
            SigningAlg::ES256 => Box::new(
                jws::ES256
                    .signer_from_jwk(&self.private)
                    .map_err(JoseError::Crypto)?,
            ),
            SigningAlg::ES384 => Box::new(
                jws::ES384
                    .signer_from_jwk(&self.private)
                    .map_err(JoseError::Crypto)?,
            ),
            SigningAlg::ES512 => Box::new(
                jws::ES512
                    .signer_from_jwk(&self.private)
                    .map_err(JoseError::Crypto)?,
            ),
            other => {
                return Err(JoseError::UnsupportedAlg {
                    alg: other.as_str().to_owned(),
                })
            }
        };
        Ok(signer)
    }
}

/// Signs `claims` with HMAC keyed by a client secret (HS256/384/512).
pub fn sign_hmac(
    alg: SigningAlg,
    secret: &[u8],
    claims: &Map<String, Value>,
) -> Result<String, JoseError> {
    let signer: Box<dyn JwsSigner> = match alg {
        SigningAlg::HS256 => Box::new(
            jws::HS256
                .signer_from_bytes(secret)
                .map_err(JoseError::Crypto)?,
        ),
        SigningAlg::HS384 => Box::new(
            jws::HS384
                .signer_from_bytes(secret)
                .map_err(JoseError::Crypto)?,
        ),
        SigningAlg::HS512 => Box::new(
            jws::HS512
                .signer_from_bytes(secret)
                .map_err(JoseError::Crypto)?,
        ),
        other => {
            return Err(JoseError::UnsupportedAlg {
                alg: other.as_str().to_owned(),
            })
        }
    };
    let mut header = Map::new();
    header.insert("alg".into(), alg.as_str().into());
    compact(&header, claims, |input| {
        signer.sign(input).map_err(JoseError::Crypto)
    })
}

fn compact(
    header: &Map<String, Value>,
    claims: &Map<String, Value>,
    sign: impl FnOnce(&[u8]) -> Result<Vec<u8>, JoseError>,
) -> Result<String, JoseError> {
    let header = URL_SAFE_NO_PAD.encode(Value::Object(header.clone()).to_string());
    let payload = URL_SAFE_NO_PAD.encode(Value::Object(claims.clone()).to_string());
    let input = format!("{header}.{payload}");
    let signature = sign(input.as_bytes())?;
    Ok(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
}
