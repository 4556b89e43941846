//! The sandbox's own keys: signing keys generated at start, rotated on demand, the
//! previous ones kept in the JWKS so that tokens they signed still verify; and, when
//! the spec has clients encrypt request objects, an RSA key they encrypt to.

use std::sync::RwLock;

use idspec_codegen::model::Spec;
use idspec_runtime::jose::{sign_hmac, JoseError, SigningAlg, SigningKey};
use josekit::jwk::Jwk;
use serde_json::{Map, Value};

/// Keys kept after a rotation, so that recently signed tokens still verify.
const KEPT_AFTER_ROTATION: usize = 2;

/// The key id of the sandbox's encryption key.
const ENCRYPTION_KID: &str = "sandbox-enc-1";

pub(crate) struct KeyRing {
    /// The asymmetric algorithm the sandbox signs with, if the spec allows one.
    alg: Option<SigningAlg>,
    /// The HMAC algorithm, if the spec allows only HMAC.
    hmac: Option<SigningAlg>,
    /// Newest first.
    keys: RwLock<Vec<SigningKey>>,
    generation: std::sync::atomic::AtomicU32,
    /// The private RSA key request objects are encrypted to, when the spec's request
    /// objects are encrypted with an RSA algorithm. Not rotated: nothing a test needs.
    encryption: Option<Jwk>,
}

impl KeyRing {
    pub(crate) fn new(spec: &Spec) -> Result<Self, JoseError> {
        let allowed: Vec<SigningAlg> = spec
            .id_token
            .iter()
            .flat_map(|t| t.signing.iter())
            .chain(spec.userinfo.iter().flat_map(|u| u.signing.iter()))
            .filter_map(|alg| alg.parse().ok())
            .collect();
        let alg = allowed
            .iter()
            .copied()
            .find(|alg| !alg.is_symmetric() && *alg != SigningAlg::EdDSA);
        let hmac = allowed.iter().copied().find(|alg| alg.is_symmetric());
        let rsa_encrypted = spec
            .request_object
            .iter()
            .flat_map(|r| r.encryption.iter())
            .any(|e| e.alg.iter().any(|alg| alg.starts_with("RSA-OAEP")));
        let encryption = if rsa_encrypted {
            let mut key = Jwk::generate_rsa_key(2048).map_err(JoseError::Crypto)?;
            key.set_key_id(ENCRYPTION_KID);
            key.set_key_use("enc");
            Some(key)
        } else {
            None
        };
        let ring = Self {
            alg,
            hmac,
            keys: RwLock::new(Vec::new()),
            generation: Default::default(),
            encryption,
        };
        if alg.is_some() {
            ring.rotate()?;
        }
        Ok(ring)
    }

    /// The algorithm tokens are signed with (for `at_hash`).
    pub(crate) fn alg(&self) -> Option<SigningAlg> {
        self.alg.or(self.hmac)
    }

    /// Adds a new current key; returns its kid.
    pub(crate) fn rotate(&self) -> Result<String, JoseError> {
        let Some(alg) = self.alg else {
            return Err(JoseError::UnsupportedAlg {
                alg: "no asymmetric algorithm in the spec".to_owned(),
            });
        };
        let generation = self
            .generation
            .fetch_add(1, std::sync::atomic::Ordering::SeqCst)
            + 1;
        let kid = format!("sandbox-{}-{generation}", alg.as_str().to_ascii_lowercase());
        let key = SigningKey::generate(alg, &kid)?;
        let mut keys = self
            .keys
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        keys.insert(0, key);
        keys.truncate(KEPT_AFTER_ROTATION);
        Ok(kid)
    }

    pub(crate) fn current_kid(&self) -> String {
        self.keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .first()
            .and_then(|k| k.kid().map(str::to_owned))
            .unwrap_or_default()
    }

    /// The public JWK set.
    pub(crate) fn jwks(&self) -> Value {
        let keys = self
            .keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let mut keys: Vec<Value> = keys
            .iter()
            .map(|k| Value::Object(k.public_jwk().as_ref().clone()))
            .collect();
        // No `alg` on the encryption key: it serves every RSA-OAEP variant the spec lists.
        if let Some(mut public) = self
            .encryption
            .as_ref()
            .and_then(|k| k.to_public_key().ok())
        {
            // to_public_key keeps `use` but drops `kid`.
            public.set_key_id(ENCRYPTION_KID);
            keys.push(Value::Object(public.as_ref().clone()));
        }
        serde_json::json!({ "keys": keys })
    }

    /// The private key clients encrypt request objects to.
    pub(crate) fn decryption_key(&self) -> Option<&Jwk> {
        self.encryption.as_ref()
    }

    /// Signs with the current key, or with HMAC keyed by the client's secret when the
    /// spec allows only HMAC.
    pub(crate) fn sign(
        &self,
        claims: &Map<String, Value>,
        typ: Option<&str>,
        client_secret: Option<&str>,
    ) -> Result<String, JoseError> {
        if self.alg.is_some() {
            let keys = self
                .keys
                .read()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            let key = keys.first().ok_or(JoseError::NoSuitableKey {
                alg: SigningAlg::RS256,
            })?;
            return key.sign(claims, typ);
        }
        match (self.hmac, client_secret) {
            (Some(alg), Some(secret)) => sign_hmac(alg, secret.as_bytes(), claims),
            (Some(alg), None) => Err(JoseError::MissingClientSecret { alg }),
            (None, _) => Err(JoseError::UnsupportedAlg {
                alg: "no signing algorithm in the spec".to_owned(),
            }),
        }
    }

    /// The curve of the current key (for `at_hash` with EdDSA).
    pub(crate) fn curve(&self) -> Option<String> {
        let keys = self
            .keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        keys.first().and_then(|k| k.curve().map(str::to_owned))
    }
}
