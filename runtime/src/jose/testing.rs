//! Test helpers: key pairs, token signing, JWKS documents.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use josekit::jwk::alg::ec::EcCurve;
use josekit::jwk::alg::ed::EdCurve;
use josekit::jwk::Jwk;
use josekit::jws::{self, JwsSigner};
use serde_json::Value;

use super::SigningAlg;

pub(crate) fn b64(data: impl AsRef<[u8]>) -> String {
    URL_SAFE_NO_PAD.encode(data)
}

/// A compact JWS over `header` and a raw payload, signed by `sign`.
pub(crate) fn token(header: &Value, payload: &[u8], sign: impl FnOnce(&[u8]) -> Vec<u8>) -> String {
    let input = format!("{}.{}", b64(header.to_string()), b64(payload));
    let signature = sign(input.as_bytes());
    format!("{input}.{}", b64(signature))
}

/// An HMAC-signed token with an arbitrary key (josekit's length rule bypassed, as an
/// attacker would).
pub(crate) fn hmac_token(alg: SigningAlg, key: &[u8], header: &Value, claims: &Value) -> String {
    let key: Vec<u8> = if key.len() >= 64 {
        key.to_vec()
    } else {
        [key, &[0u8; 64][key.len()..]].concat()
    };
    // Zero-padding to the block size does not change an HMAC (RFC 2104), so this
    // signs with exactly `key` while satisfying josekit's minimum length.
    let signer = match alg {
        SigningAlg::HS256 => {
            Box::new(jws::HS256.signer_from_bytes(&key).unwrap()) as Box<dyn JwsSigner>
        }
        SigningAlg::HS384 => Box::new(jws::HS384.signer_from_bytes(&key).unwrap()),
        SigningAlg::HS512 => Box::new(jws::HS512.signer_from_bytes(&key).unwrap()),
        other => panic!("{other} is not HMAC"),
    };
    token(header, claims.to_string().as_bytes(), |input| {
        signer.sign(input).unwrap()
    })
}

/// A key pair with a kid.
pub(crate) struct Keys {
    pub private: Jwk,
    pub public: Jwk,
}

impl Keys {
    fn from_pair(mut private: Jwk, kid: &str) -> Self {
        private.set_key_id(kid);
        let mut public = private.to_public_key().unwrap();
        public.set_key_id(kid);
        Self { private, public }
    }

    pub(crate) fn rsa(kid: &str) -> Self {
        Self::from_pair(Jwk::generate_rsa_key(2048).unwrap(), kid)
    }

    pub(crate) fn ec(kid: &str) -> Self {
        Self::from_pair(Jwk::generate_ec_key(EcCurve::P256).unwrap(), kid)
    }

    pub(crate) fn ec_curve(kid: &str, curve: EcCurve) -> Self {
        Self::from_pair(Jwk::generate_ec_key(curve).unwrap(), kid)
    }

    pub(crate) fn ed(kid: &str) -> Self {
        Self::from_pair(Jwk::generate_ed_key(EdCurve::Ed25519).unwrap(), kid)
    }

    pub(crate) fn raw_sign(&self, alg: SigningAlg, input: &[u8]) -> Vec<u8> {
        let jwk = &self.private;
        let signer: Box<dyn JwsSigner> = match alg {
            SigningAlg::RS256 => Box::new(jws::RS256.signer_from_jwk(jwk).unwrap()),
            SigningAlg::RS384 => Box::new(jws::RS384.signer_from_jwk(jwk).unwrap()),
            SigningAlg::RS512 => Box::new(jws::RS512.signer_from_jwk(jwk).unwrap()),
            SigningAlg::PS256 => Box::new(jws::PS256.signer_from_jwk(jwk).unwrap()),
            SigningAlg::PS384 => Box::new(jws::PS384.signer_from_jwk(jwk).unwrap()),
            SigningAlg::PS512 => Box::new(jws::PS512.signer_from_jwk(jwk).unwrap()),
            SigningAlg::ES256 => Box::new(jws::ES256.signer_from_jwk(jwk).unwrap()),
            SigningAlg::ES384 => Box::new(jws::ES384.signer_from_jwk(jwk).unwrap()),
            SigningAlg::ES512 => Box::new(jws::ES512.signer_from_jwk(jwk).unwrap()),
            SigningAlg::EdDSA => Box::new(jws::EdDSA.signer_from_jwk(jwk).unwrap()),
            other => panic!("{other} is not asymmetric"),
        };
        signer.sign(input).unwrap()
    }

    /// Signs `claims` with a header `{alg, kid}`.
    pub(crate) fn sign(&self, alg: SigningAlg, claims: &Value) -> String {
        let header = serde_json::json!({"alg": alg.as_str(), "kid": self.public.key_id()});
        self.sign_with_header(&header, claims)
    }

    /// Signs `claims` under `header`, with the algorithm its `alg` names.
    pub(crate) fn sign_with_header(&self, header: &Value, claims: &Value) -> String {
        let alg: SigningAlg = header["alg"].as_str().unwrap().parse().unwrap();
        token(header, claims.to_string().as_bytes(), |input| {
            self.raw_sign(alg, input)
        })
    }
}

/// A JWKS document publishing the public halves of `keys`.
pub(crate) fn jwks_json(keys: &[&Keys]) -> String {
    let keys: Vec<Value> = keys
        .iter()
        .map(|keys| Value::Object(keys.public.as_ref().clone()))
        .collect();
    serde_json::json!({ "keys": keys }).to_string()
}
