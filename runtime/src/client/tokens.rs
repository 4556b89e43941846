//! Token responses and the result of a login.

use std::time::{Duration, SystemTime};

use serde::{Deserialize, Serialize};

use super::{OpenIdProvider, Provider};
use crate::error::{EndpointKind, ResponseError, ResponseProblem};
use crate::secret::{AccessToken, Jwt, Nonce, RefreshToken};
use crate::RawResponse;

/// The tokens of a token response.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[non_exhaustive]
pub struct Tokens {
    /// The access token.
    pub access_token: AccessToken,
    /// The token type (`Bearer`).
    pub token_type: String,
    /// How long the access token lives, when the provider says.
    pub expires_in: Option<Duration>,
    /// The refresh token, if one was issued.
    pub refresh_token: Option<RefreshToken>,
    /// How long the refresh token lives, when the provider says.
    pub refresh_expires_in: Option<Duration>,
    /// The granted scopes, space-separated, when the provider says.
    pub scope: Option<String>,
    /// The ID token as received.
    pub id_token: Option<Jwt>,
    /// When the response arrived.
    pub received_at: SystemTime,
}

impl Tokens {
    /// When the access token expires, if known.
    pub fn expires_at(&self) -> Option<SystemTime> {
        self.expires_in.map(|lifetime| self.received_at + lifetime)
    }

    /// The granted scopes, one by one.
    pub fn granted_scopes(&self) -> impl Iterator<Item = &str> {
        self.scope.as_deref().unwrap_or("").split_whitespace()
    }

    /// Parses a 2xx token response.
    pub(crate) fn parse(
        raw: &RawResponse,
        expires_in_accepts_string: bool,
    ) -> Result<Self, ResponseError> {
        #[derive(Deserialize)]
        struct Wire {
            access_token: String,
            token_type: String,
            #[serde(default)]
            expires_in: Option<serde_json::Value>,
            #[serde(default)]
            refresh_token: Option<String>,
            #[serde(default)]
            refresh_expires_in: Option<serde_json::Value>,
            #[serde(default)]
            scope: Option<String>,
            #[serde(default)]
            id_token: Option<String>,
        }
        let malformed =
            |reason: String| ResponseError::new(EndpointKind::Token, reason).with_raw(raw.clone());
        let wire: Wire = serde_json::from_slice(&raw.body)
            // The serde message can quote a value from the body, and the body holds
            // tokens: only the category of the problem is kept.
            .map_err(|e| {
                let problem = if e.is_syntax() || e.is_eof() {
                    ResponseProblem::NotJson
                } else {
                    ResponseProblem::Shape
                };
                malformed(format!("not a token response ({:?} error)", e.classify()))
                    .with_problem(problem)
            })?;
        if !wire.token_type.eq_ignore_ascii_case("bearer") {
            return Err(malformed(format!(
                "token_type `{}` is not Bearer",
                wire.token_type
            )));
        }
        if wire.access_token.is_empty() {
            return Err(malformed("the access_token is empty".to_owned()));
        }
        let seconds = |value: Option<serde_json::Value>, name: &str| {
            parse_seconds(value, expires_in_accepts_string)
                .map_err(|why| malformed(format!("{name} {why}")))
        };
        Ok(Self {
            access_token: AccessToken::new(wire.access_token),
            token_type: wire.token_type,
            expires_in: seconds(wire.expires_in, "expires_in")?,
            refresh_token: wire.refresh_token.map(RefreshToken::new),
            refresh_expires_in: seconds(wire.refresh_expires_in, "refresh_expires_in")?,
            scope: wire.scope,
            id_token: wire.id_token.map(Jwt::new),
            received_at: SystemTime::now(),
        })
    }
}

/// A number of seconds: a JSON number, or (only when the spec says the provider
/// sends it so) a string of digits.
fn parse_seconds(
    value: Option<serde_json::Value>,
    accepts_string: bool,
) -> Result<Option<Duration>, String> {
    match value {
        None | Some(serde_json::Value::Null) => Ok(None),
        Some(serde_json::Value::Number(n)) => n
            .as_u64()
            .map(|s| Some(Duration::from_secs(s)))
            .ok_or_else(|| "is not a whole number of seconds".to_owned()),
        Some(serde_json::Value::String(text)) if accepts_string => text
            .trim()
            .parse::<u64>()
            .map(|s| Some(Duration::from_secs(s)))
            .map_err(|_| "is a string that is not a whole number of seconds".to_owned()),
        Some(serde_json::Value::String(_)) => {
            Err("is a string; the provider's spec says it is a number".to_owned())
        }
        Some(_) => Err("is not a number".to_owned()),
    }
}

/// A completed login: the tokens, and the validated ID token's claims.
#[derive(Serialize, Deserialize)]
#[serde(bound = "")]
pub struct Login<P: Provider> {
    pub(super) tokens: Tokens,
    // Not named `subject` and `claims`: rustc would point users of an OAuth 2
    // provider, for whom those methods do not exist, at private fields.
    #[serde(rename = "subject")]
    pub(super) id_token_subject: Option<String>,
    #[serde(rename = "claims")]
    pub(super) id_token_claims: P::IdTokenClaims,
    pub(super) nonce: Option<Nonce>,
    pub(super) requested_scope: String,
    /// The transaction id of a backchannel authentication, which the provider's
    /// userinfo endpoint may want repeated (imID's `correlation_id`).
    #[serde(default)]
    pub(super) correlation_id: Option<String>,
}

impl<P: Provider> Login<P> {
    /// The tokens.
    pub fn tokens(&self) -> &Tokens {
        &self.tokens
    }

    /// The validated ID token's claims, for code written for any provider: `None`
    /// where the provider issues no ID token (plain OAuth 2).
    pub fn id_token_claims(&self) -> Option<&P::IdTokenClaims> {
        P::PROFILE.is_openid().then_some(&self.id_token_claims)
    }

    /// The access token.
    pub fn access_token(&self) -> &AccessToken {
        &self.tokens.access_token
    }

    /// The refresh token, if one was issued.
    pub fn refresh_token(&self) -> Option<&RefreshToken> {
        self.tokens.refresh_token.as_ref()
    }

    /// The scopes that were requested, space-separated.
    pub fn requested_scope(&self) -> &str {
        &self.requested_scope
    }

    /// The transaction id of the backchannel authentication the login came from.
    pub fn correlation_id(&self) -> Option<&str> {
        self.correlation_id.as_deref()
    }
}

/// Only for providers that issue ID tokens: a plain OAuth 2 provider's login has no
/// claims and no subject, and its `Login` does not pretend to. Who the user is comes
/// from its userinfo endpoint.
impl<P: OpenIdProvider> Login<P> {
    /// The validated ID token's claims.
    pub fn claims(&self) -> &P::IdTokenClaims {
        &self.id_token_claims
    }

    /// The ID token's `sub`: the provider's stable identifier for the user.
    pub fn subject(&self) -> Option<&str> {
        self.id_token_subject.as_deref()
    }
}

impl<P: Provider> Clone for Login<P> {
    fn clone(&self) -> Self {
        Self {
            tokens: self.tokens.clone(),
            id_token_subject: self.id_token_subject.clone(),
            id_token_claims: self.id_token_claims.clone(),
            nonce: self.nonce.clone(),
            requested_scope: self.requested_scope.clone(),
            correlation_id: self.correlation_id.clone(),
        }
    }
}

impl<P: Provider> std::fmt::Debug for Login<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut debug = f.debug_struct("Login");
        debug
            .field("provider", &P::PROFILE.id)
            .field("tokens", &self.tokens);
        if let Some(claims) = self.id_token_claims() {
            debug.field("claims", claims);
        }
        debug.finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(body: &str) -> RawResponse {
        RawResponse {
            status: 200,
            headers: Default::default(),
            body: body.as_bytes().to_vec(),
        }
    }

    #[test]
    fn parses_the_documented_response() {
        let tokens = Tokens::parse(
            &raw(r#"{"access_token":"eyJraWQiOiJDWHVwIiwidH","scope":"phone openid profile mid_location","id_token":"eyJraWQiOiJDWHVwIiwYXnIj","token_type":"Bearer","expires_in":600}"#),
            false,
        )
        .unwrap();
        assert_eq!(tokens.expires_in, Some(Duration::from_secs(600)));
        assert_eq!(tokens.granted_scopes().count(), 4);
        assert!(tokens.refresh_token.is_none());
    }

    #[test]
    fn string_lifetimes_only_when_the_spec_allows() {
        let body = r#"{"access_token":"a","token_type":"bearer","expires_in":"300","refresh_expires_in":"604800"}"#;
        let tokens = Tokens::parse(&raw(body), true).unwrap();
        assert_eq!(tokens.refresh_expires_in, Some(Duration::from_secs(604800)));
        let error = Tokens::parse(&raw(body), false).unwrap_err();
        assert!(error.to_string().contains("expires_in"), "{error}");
    }

    #[test]
    fn errors_never_quote_the_body() {
        let error = Tokens::parse(
            &raw(r#"{"access_token":"SECRET-TOKEN","token_type":7}"#),
            false,
        )
        .unwrap_err();
        assert!(!error.to_string().contains("SECRET"), "{error}");
        let error = Tokens::parse(
            &raw(r#"{"access_token":"SECRET","token_type":"MAC"}"#),
            false,
        )
        .unwrap_err();
        assert!(!error.to_string().contains("SECRET"), "{error}");
    }
}
