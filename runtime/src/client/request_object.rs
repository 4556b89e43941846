//! Request objects (RFC 9101): the whole authorization request as a JWT, signed by
//! the relying party and optionally encrypted to the provider (a nested JWT).

use std::time::{SystemTime, UNIX_EPOCH};

use serde_json::{Map, Value};

use super::Inner;
use crate::config::ConfigError;
use crate::jose::{encrypt_with, sign_hmac, JoseError, JwksCache};
use crate::params::RequestObject;
use crate::profile::RequestObjectProfile;
use crate::Error;

/// How long a request object is valid (RFC 9101 recommends a short `exp`).
const LIFETIME_SECS: u64 = 300;

/// Parameters whose value is JSON and goes into the request object as JSON.
const JSON_PARAMS: &[&str] = &["claims", "authorization_details"];

/// Parameters that are numbers in a request object.
const NUMBER_PARAMS: &[&str] = &["max_age"];

/// The request object for `form` (the authorization request's parameters).
pub(super) async fn build<C: crate::ProviderErrorCode>(
    inner: &Inner,
    profile: &RequestObjectProfile,
    mode: RequestObject,
    form: &super::Form,
    audience: &str,
    provider_keys: &JwksCache,
) -> Result<String, Error<C>> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let mut claims = Map::new();
    for (name, value) in form {
        let value = if JSON_PARAMS.contains(&name.as_ref()) {
            serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.clone()))
        } else if NUMBER_PARAMS.contains(&name.as_ref()) {
            value
                .parse::<u64>()
                .map(Value::from)
                .unwrap_or_else(|_| Value::String(value.clone()))
        } else {
            Value::String(value.clone())
        };
        claims.insert(name.to_string(), value);
    }
    for (name, value) in profile.fixed {
        claims.insert((*name).to_owned(), (*value).into());
    }
    claims.insert("client_id".into(), inner.client_id.clone().into());
    claims.insert("iss".into(), inner.client_id.clone().into());
    claims.insert("aud".into(), audience.into());
    claims.insert("iat".into(), now.into());
    claims.insert("nbf".into(), now.into());
    claims.insert("exp".into(), (now + LIFETIME_SECS).into());
    claims.insert("jti".into(), crate::random::token().into());

    let signed = sign(inner, profile, &claims)?;
    match mode {
        RequestObject::Signed => Ok(signed),
        RequestObject::SignedEncrypted => {
            let encryption = profile
                .encryption
                .ok_or(ConfigError::RequestObjectEncryption(
                    "the provider's spec does not encrypt request objects",
                ))?;
            // The first of the spec's algorithms that one of the provider's keys fits.
            let to = provider_keys.encrypter(encryption.alg).await?.ok_or(
                ConfigError::RequestObjectEncryption(
                    "the provider publishes no encryption key for an allowed algorithm",
                ),
            )?;
            let enc = encryption
                .enc
                .first()
                .ok_or(ConfigError::RequestObjectEncryption(
                    "the spec lists no content encryption",
                ))?;
            Ok(encrypt_with(
                to.encrypter.as_ref(),
                to.kid.as_deref(),
                enc,
                signed.as_bytes(),
            )?)
        }
    }
}

/// Signs with the relying party's key when the spec allows its algorithm, else with
/// the client secret when the spec allows HMAC.
fn sign(
    inner: &Inner,
    profile: &RequestObjectProfile,
    claims: &Map<String, Value>,
) -> Result<String, JoseError> {
    if let Some(key) = inner
        .keys
        .signing_key()
        .and_then(|k| profile.signing.iter().find_map(|alg| k.retargeted(*alg)))
    {
        return key.sign(claims, Some("oauth-authz-req+jwt"));
    }
    match (
        profile.signing.iter().find(|alg| alg.is_symmetric()),
        &inner.client_secret,
    ) {
        (Some(alg), Some(secret)) => sign_hmac(*alg, secret.secret().as_bytes(), claims),
        _ => Err(JoseError::MissingSigningKey("request objects")),
    }
}
