//! Request objects by value (RFC 9101, OpenID Connect Core 6.1), at the
//! authorization endpoint and at PAR: the `request` parameter is a JWS signed by the
//! client, optionally encrypted to the sandbox (a nested JWT). Once it verifies, its
//! members are the request's parameters; the outer ones only say who the client is.

use std::collections::HashMap;

use idspec_codegen::model::{ErrorEndpoint, RequestObjectAudience, RequestObjectSpec};
use serde_json::{Map, Value};

use crate::errors::SandboxError;
use crate::request::{Channel, Refusal};
use crate::state::{now, SandboxClient, State};

/// Claims of the JWT itself, not authorization parameters.
const JWT_CLAIMS: [&str; 6] = ["iss", "aud", "exp", "iat", "nbf", "jti"];

/// How far a client's clock may run ahead of the sandbox's for `nbf` and `iat`.
const CLOCK_SKEW_SECS: u64 = 60;

/// The parameters a request object carries, after checking that `client` signed it
/// for this sandbox; a refusal is redirected where it can be trusted to go.
pub(crate) fn parameters(
    state: &State,
    client: &SandboxClient,
    outer: &HashMap<String, String>,
    compact: &str,
    channel: Channel,
) -> Result<HashMap<String, String>, Refusal> {
    let spec = &state.spec;
    let mut target = Target::outer(client, outer);
    let Some(profile) = &spec.request_object else {
        let error = SandboxError::documented_or_oauth(
            spec,
            ErrorEndpoint::Authorization,
            "request_not_supported",
            "this provider does not take request objects",
        );
        return Err(target.refuse(channel, error));
    };
    let invalid = |why: String| {
        SandboxError::documented_or_oauth(
            spec,
            ErrorEndpoint::Authorization,
            "invalid_request_object",
            format!("the request object is refused: {why}"),
        )
    };
    let claims = open(state, client, profile, compact)
        .map_err(|why| target.refuse(channel, invalid(why)))?;
    // Signed by the client: where it says to send the answer can now be trusted.
    target.trust(client, &claims);
    check(state, client, profile, &claims).map_err(|why| target.refuse(channel, invalid(why)))?;
    let mut params = members(&claims).map_err(|why| target.refuse(channel, invalid(why)))?;
    match_outside(spec.is_openid(), outer, &mut params).map_err(|why| {
        let error = SandboxError::documented_or_oauth(
            spec,
            ErrorEndpoint::Authorization,
            "invalid_request",
            format!("the OAuth 2 parameters do not match the request object: {why}"),
        );
        target.refuse(channel, error)
    })?;
    Ok(params)
}

/// OpenID Connect Core 6.1: `client_id` (and, for OpenID Connect, `response_type`)
/// must be sent outside the request object, as OAuth 2 requires them, and equal
/// the members inside when those are there; inside, they are filled in from outside.
fn match_outside(
    openid: bool,
    outer: &HashMap<String, String>,
    params: &mut HashMap<String, String>,
) -> Result<(), String> {
    for name in ["client_id", "response_type"] {
        let required = name == "client_id" || openid;
        match (outer.get(name), params.get(name)) {
            (Some(outside), Some(inside)) if outside != inside => {
                return Err(format!("`{name}` differs"))
            }
            (None, _) if required => return Err(format!("`{name}` is missing outside it")),
            (Some(outside), None) => {
                params.insert(name.to_owned(), outside.clone());
            }
            _ => {}
        }
    }
    Ok(())
}

/// Where a refusal goes: the redirect URI (and state) the request can be trusted
/// with so far. An unverified request object says nothing; a verified one does.
struct Target {
    redirect_uri: Option<String>,
    state: Option<String>,
}

impl Target {
    /// The outer redirect URI when it is registered, else the client's only one
    /// (RFC 6749 3.1.2.3); the outer state.
    fn outer(client: &SandboxClient, outer: &HashMap<String, String>) -> Self {
        let redirect_uri = outer
            .get("redirect_uri")
            .filter(|uri| client.redirect_uris.contains(uri))
            .cloned()
            .or_else(|| match client.redirect_uris.as_slice() {
                [only] => Some(only.clone()),
                _ => None,
            });
        Self {
            redirect_uri,
            state: outer.get("state").cloned(),
        }
    }

    /// The verified request object's redirect URI (when registered) and state.
    fn trust(&mut self, client: &SandboxClient, claims: &Map<String, Value>) {
        let text = |name: &str| claims.get(name).and_then(Value::as_str).map(str::to_owned);
        if let Some(uri) = text("redirect_uri").filter(|uri| client.redirect_uris.contains(uri)) {
            self.redirect_uri = Some(uri);
        }
        if let Some(state) = text("state") {
            self.state = Some(state);
        }
    }

    fn refuse(&self, channel: Channel, error: SandboxError) -> Refusal {
        match (channel, &self.redirect_uri) {
            (Channel::Pushed, _) => Refusal::Body(error),
            (Channel::Front, Some(redirect_uri)) => Refusal::Redirect {
                redirect_uri: redirect_uri.clone(),
                state: self.state.clone(),
                error: Box::new(error),
            },
            (Channel::Front, None) => Refusal::Page(error.status, error.message),
        }
    }
}

/// Decrypts (when it is a JWE) and verifies the request object; its claims.
pub(crate) fn open(
    state: &State,
    client: &SandboxClient,
    profile: &RequestObjectSpec,
    compact: &str,
) -> Result<Map<String, Value>, String> {
    let signing: Vec<&str> = profile.signing.iter().map(String::as_str).collect();
    if compact.split('.').count() != 5 {
        if profile.encryption_required {
            return Err(
                "it is only signed; this provider wants it signed then encrypted to it".to_owned(),
            );
        }
        return crate::jws::verify(client, compact, &signing);
    }
    let encryption = profile
        .encryption
        .as_ref()
        .ok_or("it is encrypted, and this provider's request objects are not")?;
    let plaintext = crate::jwe::decrypt(compact, encryption, state.keys.decryption_key(), client)?;
    let nested = String::from_utf8(plaintext)
        .ok()
        .filter(|inner| inner.split('.').count() == 3)
        .ok_or("it is encrypted but not signed: it must be a nested JWT, signed then encrypted")?;
    crate::jws::verify(client, &nested, &signing)
}

/// The claims RFC 9101 and the spec require of a request object.
fn check(
    state: &State,
    client: &SandboxClient,
    profile: &RequestObjectSpec,
    claims: &Map<String, Value>,
) -> Result<(), String> {
    check_jwt(state, client, profile, claims, IssuerClaim::Required)?;
    if let Some(missing) = profile
        .required_members
        .iter()
        .find(|name| !claims.contains_key(*name))
    {
        return Err(format!("it has no `{missing}`"));
    }
    Ok(())
}

/// Whether a request object must name its client in `iss`.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum IssuerClaim {
    /// RFC 9101 10.2 for the authorization endpoint.
    Required,
    /// Checked when present (imID's example sets none explicitly).
    IfPresent,
}

/// What every request object must be: from the client (`iss`), for this provider
/// (`aud`), current (`exp`, `nbf`, `iat`), with the spec's fixed members.
pub(crate) fn check_jwt(
    state: &State,
    client: &SandboxClient,
    profile: &RequestObjectSpec,
    claims: &Map<String, Value>,
    issuer: IssuerClaim,
) -> Result<(), String> {
    let now = now();
    let iss = claims.get("iss");
    if (issuer == IssuerClaim::Required || iss.is_some())
        && iss.and_then(Value::as_str) != Some(client.client_id.as_str())
    {
        return Err(format!(
            "its iss must be the client id `{}`",
            client.client_id
        ));
    }
    let (audience, whose) = audience(state, client, profile);
    if !crate::jws::audiences(claims).contains(&audience) {
        return Err(format!("its aud must be {whose} `{audience}`"));
    }
    match claims.get("exp").and_then(Value::as_u64) {
        None => return Err("it has no exp".to_owned()),
        Some(exp) if exp <= now => return Err("it has expired".to_owned()),
        Some(_) => {}
    }
    for name in ["nbf", "iat"] {
        if claims
            .get(name)
            .and_then(Value::as_u64)
            .is_some_and(|at| at > now + CLOCK_SKEW_SECS)
        {
            return Err(format!("its {name} is in the future"));
        }
    }
    for (name, value) in &profile.fixed {
        if claims.get(name).map(text_of).as_ref() != Some(value) {
            return Err(format!("its `{name}` must be `{value}`"));
        }
    }
    Ok(())
}

/// The `aud` a request object of `client` must carry, and what it is, for messages.
pub(crate) fn audience<'a>(
    state: &'a State,
    client: &'a SandboxClient,
    profile: &RequestObjectSpec,
) -> (&'a str, &'static str) {
    match profile.audience {
        RequestObjectAudience::Issuer => (state.issuer.as_str(), "the issuer"),
        RequestObjectAudience::Assigned => (
            client.audience.as_str(),
            "the audience assigned to the client",
        ),
    }
}

/// The authorization parameters among the claims, as the query would carry them.
fn members(claims: &Map<String, Value>) -> Result<HashMap<String, String>, String> {
    let mut params = HashMap::new();
    for (name, value) in claims {
        if matches!(name.as_str(), "request" | "request_uri") {
            return Err(format!("it must not contain `{name}` (RFC 9101 4)"));
        }
        if JWT_CLAIMS.contains(&name.as_str()) || value.is_null() {
            continue;
        }
        params.insert(name.clone(), text_of(value));
    }
    Ok(params)
}

/// A member as a query parameter: strings as they are, anything else as JSON
/// (`claims` is an object in a request object and JSON text in a query).
pub(crate) fn text_of(value: &Value) -> String {
    match value {
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_become_query_parameters() {
        let claims = serde_json::json!({
            "iss": "c", "aud": "x", "exp": 1, "scope": "openid", "max_age": 60,
            "claims": { "id_token": { "name": null } }, "nonce": null,
        });
        let params = members(claims.as_object().unwrap()).unwrap();
        assert_eq!(params["scope"], "openid");
        assert_eq!(params["max_age"], "60");
        assert_eq!(params["claims"], r#"{"id_token":{"name":null}}"#);
        assert!(!params.contains_key("iss") && !params.contains_key("nonce"));
        let nested = serde_json::json!({ "request": "x" });
        assert!(members(nested.as_object().unwrap()).is_err());
    }
}
