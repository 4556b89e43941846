//! Client authentication at the token, PAR and revocation endpoints (OpenID Connect
//! Core 9, RFC 7009 2.1): HTTP Basic, the secret in the body, or a JWT assertion
//! signed with the secret (`client_secret_jwt`) or the relying party's key
//! (`private_key_jwt`, RFC 7523).

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use reqwest::RequestBuilder;
use serde_json::{Map, Value};

use super::Inner;
use crate::jose::{sign_hmac, JoseError, SigningAlg};
use crate::profile::ClientAuthMethod;

const JWT_BEARER: &str = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer";

/// How long an assertion is valid: long enough for one request, short enough that a
/// leaked one is useless.
const ASSERTION_LIFETIME_SECS: u64 = 60;

/// Adds the client's credentials to a form request. `client_id` is always in the
/// form too: RFC 9126 and several providers require it even with Basic. `audience`
/// is what a JWT assertion names in `aud`.
pub(super) fn authenticate(
    inner: &Inner,
    request: RequestBuilder,
    form: &mut super::Form,
    audience: &str,
) -> Result<RequestBuilder, JoseError> {
    form.push(("client_id".into(), inner.client_id.clone()));
    let secret = inner
        .client_secret
        .as_ref()
        .map(|s| s.secret())
        .unwrap_or_default();
    Ok(match inner.client_auth {
        ClientAuthMethod::ClientSecretBasic => request.header(
            reqwest::header::AUTHORIZATION,
            basic_authorization(&inner.client_id, secret),
        ),
        ClientAuthMethod::ClientSecretPost => {
            form.push(("client_secret".into(), secret.to_owned()));
            request
        }
        ClientAuthMethod::ClientSecretJwt => {
            let assertion = sign_hmac(
                SigningAlg::HS256,
                secret.as_bytes(),
                &assertion_claims(&inner.client_id, audience),
            )?;
            form.push(("client_assertion_type".into(), JWT_BEARER.to_owned()));
            form.push(("client_assertion".into(), assertion));
            request
        }
        ClientAuthMethod::PrivateKeyJwt => {
            // The builder refuses private_key_jwt without a key.
            let key = inner
                .keys
                .signing_key()
                .ok_or(JoseError::MissingSigningKey("private_key_jwt"))?;
            let assertion = key.sign(&assertion_claims(&inner.client_id, audience), None)?;
            form.push(("client_assertion_type".into(), JWT_BEARER.to_owned()));
            form.push(("client_assertion".into(), assertion));
            request
        }
        ClientAuthMethod::None => request,
    })
}

/// RFC 7523 3: `iss` = `sub` = the client, `aud` the endpoint, a fresh `jti`, short `exp`.
fn assertion_claims(client_id: &str, audience: &str) -> Map<String, Value> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    let mut claims = Map::new();
    claims.insert("iss".into(), client_id.into());
    claims.insert("sub".into(), client_id.into());
    claims.insert("aud".into(), audience.into());
    claims.insert("jti".into(), crate::random::token().into());
    claims.insert("iat".into(), now.into());
    claims.insert("exp".into(), (now + ASSERTION_LIFETIME_SECS).into());
    claims
}

/// The `Authorization` value of client_secret_basic: RFC 6749 2.3.1 has both parts
/// form-urlencoded before Base64.
pub(crate) fn basic_authorization(client_id: &str, secret: &str) -> String {
    let credentials = format!("{}:{}", form_encode(client_id), form_encode(secret));
    format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(credentials)
    )
}

fn form_encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_credentials_are_form_encoded() {
        assert_eq!(form_encode("a b:c%"), "a+b%3Ac%25");
    }

    #[test]
    fn assertions_are_short_lived_and_unique() {
        let a = assertion_claims("rp", "https://op/token");
        let b = assertion_claims("rp", "https://op/token");
        assert_eq!(a["iss"], "rp");
        assert_eq!(a["sub"], "rp");
        assert_eq!(a["aud"], "https://op/token");
        assert_ne!(a["jti"], b["jti"]);
        assert_eq!(
            a["exp"].as_u64().unwrap() - a["iat"].as_u64().unwrap(),
            ASSERTION_LIFETIME_SECS
        );
    }
}
