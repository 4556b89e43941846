//! The relying party's own keys: signing keys for client assertions and request
//! objects, decryption keys for encrypted ID tokens and userinfo responses, and the
//! public JWK set the relying party serves at its `jwks_uri`.
//!
//! Rotation as providers document it: add the new key first; during the switch the
//! old decryption keys still decrypt, and signing uses the newest key.

use std::sync::{Arc, OnceLock};

use josekit::jwe::JweDecrypter;
use josekit::jwk::Jwk;
use serde_json::Value;

use super::decrypt::KEY_DECRYPTION_ALGS;
use super::{JoseError, SigningAlg, SigningKey};

/// The relying party's keys.
#[derive(Clone, Debug, Default)]
pub struct RelyingPartyKeys {
    /// Newest first.
    signing: Vec<SigningKey>,
    /// Private JWKs, newest first.
    decryption: Vec<Jwk>,
    /// One per decryption key, in the same order.
    decrypters: Vec<Arc<DecrypterCache>>,
}

/// A decryption key's decrypters, built on first use per key management algorithm
/// (`None` when the key does not fit it) and shared by clones: building one parses
/// the private key, and OpenSSL then sets up the key's blinding on its first use,
/// which together cost more than an RSA-2048 decryption itself.
#[derive(Default)]
pub(crate) struct DecrypterCache(
    [OnceLock<Option<Arc<dyn JweDecrypter>>>; KEY_DECRYPTION_ALGS.len()],
);

impl std::fmt::Debug for DecrypterCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DecrypterCache").finish_non_exhaustive()
    }
}

impl RelyingPartyKeys {
    /// No keys.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a signing key; the newest signs.
    pub fn with_signing_key(mut self, key: SigningKey) -> Self {
        self.signing.insert(0, key);
        self
    }

    /// Adds a private decryption key (RSA or EC, with a `kid`); every one added stays
    /// usable, so tokens encrypted to the previous key still decrypt during a rotation.
    pub fn with_decryption_key(mut self, key: Jwk) -> Self {
        self.decryption.insert(0, key);
        self.decrypters.insert(0, Arc::default());
        self
    }

    /// Loads keys from a private JWK or JWK set (JSON): keys with `use: enc` (or an
    /// encryption `alg`) decrypt; the others sign with their `alg` (RS256 if absent).
    pub fn from_jwk_json(json: &str) -> Result<Self, JoseError> {
        let value: Value =
            serde_json::from_str(json).map_err(|_| JoseError::Malformed { reason: "not JSON" })?;
        let keys: Vec<Value> = match value.get("keys") {
            Some(Value::Array(keys)) => keys.clone(),
            _ => vec![value],
        };
        let mut loaded = Self::new();
        for key in keys.into_iter().rev() {
            let Value::Object(map) = key else {
                return Err(JoseError::Malformed {
                    reason: "a JWK is not an object",
                });
            };
            let jwk = Jwk::from_map(map).map_err(JoseError::Crypto)?;
            let alg = jwk.algorithm().map(str::to_owned);
            let encrypts = jwk.key_use() == Some("enc")
                || alg
                    .as_deref()
                    .is_some_and(|a| a.starts_with("RSA-OAEP") || a.starts_with("ECDH-ES"));
            if encrypts {
                loaded = loaded.with_decryption_key(jwk);
            } else {
                let alg: SigningAlg = alg.as_deref().unwrap_or("RS256").parse()?;
                loaded = loaded.with_signing_key(SigningKey::from_private_jwk(alg, jwk)?);
            }
        }
        Ok(loaded)
    }

    /// Loads a PEM private key (PKCS#8 or traditional) for signing with `alg`.
    pub fn with_signing_pem(
        self,
        alg: SigningAlg,
        pem: &[u8],
        kid: &str,
    ) -> Result<Self, JoseError> {
        let mut jwk = match alg {
            SigningAlg::ES256 | SigningAlg::ES384 | SigningAlg::ES512 => {
                josekit::jwk::alg::ec::EcKeyPair::from_pem(pem, None)
                    .map_err(JoseError::Crypto)?
                    .to_jwk_private_key()
            }
            _ => josekit::jwk::alg::rsa::RsaKeyPair::from_pem(pem)
                .map_err(JoseError::Crypto)?
                .to_jwk_private_key(),
        };
        jwk.set_key_id(kid);
        Ok(self.with_signing_key(SigningKey::from_private_jwk(alg, jwk)?))
    }

    /// Loads a PEM private key (RSA or EC, PKCS#8 or traditional) for decrypting
    /// responses encrypted to the public key published with `kid`.
    pub fn with_decryption_pem(self, pem: &[u8], kid: &str) -> Result<Self, JoseError> {
        let text = std::str::from_utf8(pem).map_err(|_| JoseError::Malformed {
            reason: "the PEM is not text",
        })?;
        let mut jwk = if text.contains("EC PRIVATE KEY") {
            josekit::jwk::alg::ec::EcKeyPair::from_pem(pem, None)
                .map_err(JoseError::Crypto)?
                .to_jwk_private_key()
        } else {
            match josekit::jwk::alg::rsa::RsaKeyPair::from_pem(pem) {
                Ok(pair) => pair.to_jwk_private_key(),
                // A PKCS#8 PEM does not say which kind of key it holds.
                Err(_) => josekit::jwk::alg::ec::EcKeyPair::from_pem(pem, None)
                    .map_err(JoseError::Crypto)?
                    .to_jwk_private_key(),
            }
        };
        jwk.set_key_id(kid);
        jwk.set_key_use("enc");
        Ok(self.with_decryption_key(jwk))
    }

    /// The key that signs: the newest.
    pub fn signing_key(&self) -> Option<&SigningKey> {
        self.signing.first()
    }

    /// The decryption keys, newest first.
    pub fn decryption_keys(&self) -> &[Jwk] {
        &self.decryption
    }

    /// The decrypters of the keys named `kid` (every key when `None`) for the key
    /// management algorithm `KEY_DECRYPTION_ALGS[slot]`, made by `make` on first use.
    pub(crate) fn decrypters(
        &self,
        kid: Option<&str>,
        slot: usize,
        make: impl Fn(&Jwk) -> Option<Arc<dyn JweDecrypter>>,
    ) -> Vec<Arc<dyn JweDecrypter>> {
        self.decryption
            .iter()
            .zip(&self.decrypters)
            .filter(|(key, _)| kid.is_none() || key.key_id() == kid)
            .filter_map(|(key, cache)| cache.0.get(slot)?.get_or_init(|| make(key)).clone())
            .collect()
    }

    /// The public JWK set to serve at the relying party's `jwks_uri`: every signing
    /// key (`use: sig`) and every decryption key's public half (`use: enc`).
    pub fn public_jwks(&self) -> Value {
        let mut keys: Vec<Value> = self
            .signing
            .iter()
            .map(|k| Value::Object(k.public_jwk().as_ref().clone()))
            .collect();
        for key in &self.decryption {
            if let Ok(mut public) = key.to_public_key() {
                if let Some(kid) = key.key_id() {
                    public.set_key_id(kid);
                }
                if let Some(alg) = key.algorithm() {
                    public.set_algorithm(alg);
                }
                public.set_key_use("enc");
                keys.push(Value::Object(public.as_ref().clone()));
            }
        }
        serde_json::json!({ "keys": keys })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pem_keys_sign_and_decrypt_and_publish_their_public_halves() {
        let signing = josekit::jwk::alg::rsa::RsaKeyPair::generate(2048).unwrap();
        let decryption = josekit::jwk::alg::rsa::RsaKeyPair::generate(2048).unwrap();
        let keys = RelyingPartyKeys::new()
            .with_signing_pem(SigningAlg::RS256, &signing.to_pem_private_key(), "sig-1")
            .unwrap()
            .with_decryption_pem(&decryption.to_pem_private_key(), "enc-1")
            .unwrap();
        assert_eq!(keys.decryption_keys()[0].key_id(), Some("enc-1"));
        let published = keys.public_jwks();
        let published = published["keys"].as_array().unwrap();
        assert_eq!(published.len(), 2);
        assert_eq!(published[0]["kid"], "sig-1");
        assert_eq!(published[1]["kid"], "enc-1");
        assert_eq!(published[1]["use"], "enc");
        for key in published {
            assert!(key.get("d").is_none(), "a private part is published: {key}");
        }
    }

    #[test]
    fn an_ec_pem_decrypts_too() {
        let pair = josekit::jwk::alg::ec::EcKeyPair::generate(josekit::jwk::alg::ec::EcCurve::P256)
            .unwrap();
        let keys = RelyingPartyKeys::new()
            .with_decryption_pem(&pair.to_pem_private_key(), "enc-ec")
            .unwrap();
        assert_eq!(keys.decryption_keys()[0].key_type(), "EC");
        assert!(RelyingPartyKeys::new()
            .with_decryption_pem(b"not a key", "x")
            .is_err());
    }
}
