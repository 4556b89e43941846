//! Verifying what a client signs (client assertions, request objects): with the keys
//! it registered for asymmetric algorithms, with its secret for HMAC, and never
//! unsigned, whatever the caller allows.

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use josekit::jwk::Jwk;
use josekit::jws::{self, JwsVerifier};
use serde_json::{Map, Value};

use crate::state::SandboxClient;

/// The HMAC algorithms, keyed with the client secret.
pub(crate) const HMAC: [&str; 3] = ["HS256", "HS384", "HS512"];
/// Every asymmetric algorithm the sandbox verifies.
pub(crate) const ASYMMETRIC: [&str; 10] = [
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
];

/// The header member `name` of a compact JWS or JWE, unverified.
pub(crate) fn header_member(compact: &str, name: &str) -> Option<String> {
    let header = compact.split('.').next()?;
    let header: Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
    header.get(name)?.as_str().map(str::to_owned)
}

/// Verifies a compact JWS signed by `client` with one of `allowed` and returns its
/// JSON-object payload; the error says why not, for the client's developer.
pub(crate) fn verify(
    client: &SandboxClient,
    compact: &str,
    allowed: &[&str],
) -> Result<Map<String, Value>, String> {
    if compact.split('.').count() != 3 {
        return Err("it is not a compact JWS (three dot-separated parts)".to_owned());
    }
    let alg = header_member(compact, "alg").ok_or("its header has no `alg`")?;
    if alg.eq_ignore_ascii_case("none") {
        return Err("it is unsigned (`alg: none`), which is never accepted".to_owned());
    }
    if !allowed.contains(&alg.as_str()) {
        return Err(format!(
            "it is signed with {alg}; this provider accepts {}",
            allowed.join(", ")
        ));
    }
    let kid = header_member(compact, "kid");
    let verifiers = if HMAC.contains(&alg.as_str()) {
        let secret = client
            .client_secret
            .as_deref()
            .ok_or_else(|| format!("{alg} needs a client secret, and the client has none"))?;
        vec![hmac_verifier(&alg, secret.as_bytes())
            .ok_or_else(|| format!("the client secret is too short for {alg} (RFC 7518 3.2)"))?]
    } else {
        client
            .jwks
            .iter()
            .filter(|key| kid.is_none() || key.key_id() == kid.as_deref())
            .filter(|key| key.key_use().is_none_or(|u| u == "sig"))
            .filter(|key| key.algorithm().is_none_or(|a| a == alg))
            .filter_map(|key| asymmetric_verifier(&alg, &without_kid(key)?))
            .collect()
    };
    if verifiers.is_empty() {
        return Err(match kid {
            Some(kid) => format!("the client registered no {alg} key with kid `{kid}`"),
            None => format!("the client registered no key for {alg}"),
        });
    }
    let payload = verifiers
        .iter()
        .find_map(|verifier| jws::deserialize_compact(compact, verifier.as_ref()).ok())
        .map(|(payload, _)| payload)
        .ok_or("its signature does not verify with the client's keys")?;
    match serde_json::from_slice(&payload) {
        Ok(Value::Object(claims)) => Ok(claims),
        _ => Err("its payload is not a JSON object".to_owned()),
    }
}

/// The `aud` of a JWT: one string or an array of them (RFC 7519 4.1.3).
pub(crate) fn audiences(claims: &Map<String, Value>) -> Vec<&str> {
    match claims.get("aud") {
        Some(Value::String(aud)) => vec![aud.as_str()],
        Some(Value::Array(auds)) => auds.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The key without its `kid`: the caller matched the kid already, and josekit would
/// otherwise refuse a JWS whose header names none.
fn without_kid(key: &Jwk) -> Option<Jwk> {
    let mut map = key.as_ref().clone();
    map.remove("kid");
    Jwk::from_map(map).ok()
}

fn boxed<V: JwsVerifier + 'static>(
    verifier: Result<V, josekit::JoseError>,
) -> Option<Box<dyn JwsVerifier>> {
    verifier.ok().map(|v| Box::new(v) as Box<dyn JwsVerifier>)
}

fn hmac_verifier(alg: &str, secret: &[u8]) -> Option<Box<dyn JwsVerifier>> {
    match alg {
        "HS256" => boxed(jws::HS256.verifier_from_bytes(secret)),
        "HS384" => boxed(jws::HS384.verifier_from_bytes(secret)),
        "HS512" => boxed(jws::HS512.verifier_from_bytes(secret)),
        _ => None,
    }
}

fn asymmetric_verifier(alg: &str, key: &Jwk) -> Option<Box<dyn JwsVerifier>> {
    match alg {
        "RS256" => boxed(jws::RS256.verifier_from_jwk(key)),
        "RS384" => boxed(jws::RS384.verifier_from_jwk(key)),
        "RS512" => boxed(jws::RS512.verifier_from_jwk(key)),
        "PS256" => boxed(jws::PS256.verifier_from_jwk(key)),
        "PS384" => boxed(jws::PS384.verifier_from_jwk(key)),
        "PS512" => boxed(jws::PS512.verifier_from_jwk(key)),
        "ES256" => boxed(jws::ES256.verifier_from_jwk(key)),
        "ES384" => boxed(jws::ES384.verifier_from_jwk(key)),
        "ES512" => boxed(jws::ES512.verifier_from_jwk(key)),
        "EdDSA" => boxed(jws::EdDSA.verifier_from_jwk(key)),
        _ => None,
    }
}
