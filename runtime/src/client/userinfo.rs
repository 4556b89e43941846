//! The userinfo endpoint: JSON or a signed JWT, and always the same subject as the
//! ID token.

use subtle::ConstantTimeEq as _;

use super::resolve::Endpoint;
use super::tokens::Login;
use super::{Client, Provider, Result};
use crate::config::ConfigError;
use crate::dialect;
use crate::error::{EndpointKind, ResponseError, ResponseProblem};
use crate::jose::verify_jws;
use crate::profile::{HttpMethod, TokenPlacement, UserinfoFormat};
use crate::secret::AccessToken;

impl<P: Provider> Client<P> {
    /// Fetches the userinfo claims for a login. Where the provider issues ID tokens,
    /// their `sub` must equal the ID token's (OpenID Connect Core 5.3.4), or the
    /// response is refused.
    #[tracing::instrument(name = "idspec.userinfo", skip_all, fields(provider = P::PROFILE.id))]
    pub async fn userinfo(&self, login: &Login<P>) -> Result<P::UserInfo, P> {
        self.fetch_userinfo(
            login.access_token(),
            login.id_token_subject.as_deref(),
            login.correlation_id.as_deref(),
        )
        .await
    }

    /// Fetches the userinfo claims with an access token. When `expected_subject` is
    /// given (always, for OpenID Connect providers, through [`Client::userinfo`]),
    /// the response's `sub` must equal it.
    pub async fn userinfo_with(
        &self,
        access_token: &AccessToken,
        expected_subject: Option<&str>,
    ) -> Result<P::UserInfo, P> {
        self.fetch_userinfo(access_token, expected_subject, None)
            .await
    }

    async fn fetch_userinfo(
        &self,
        access_token: &AccessToken,
        expected_subject: Option<&str>,
        correlation_id: Option<&str>,
    ) -> Result<P::UserInfo, P> {
        let profile = self.profile();
        let userinfo = profile
            .userinfo
            .ok_or(ConfigError::MissingEndpoint("userinfo"))?;
        let mut endpoint = self.inner.resolver.endpoint(Endpoint::Userinfo).await?;
        let placement = self.inner.userinfo_token.unwrap_or(userinfo.token);
        // A form body needs a method that has one (RFC 6750 2.2).
        let method = match (userinfo.method, placement) {
            (_, TokenPlacement::Body) | (HttpMethod::Post, _) => reqwest::Method::POST,
            (HttpMethod::Get, _) => reqwest::Method::GET,
        };
        if placement == TokenPlacement::Query {
            // Kept out of logs: the HTTP layer logs host and path only.
            endpoint
                .query_pairs_mut()
                .append_pair("access_token", access_token.secret());
        }
        let mut request = self
            .inner
            .http
            .request(method, &endpoint)
            .header(reqwest::header::ACCEPT, "application/json, application/jwt");
        let mut form: Vec<(&str, &str)> = Vec::new();
        match placement {
            TokenPlacement::Header => request = request.bearer_auth(access_token.secret()),
            TokenPlacement::Body => form.push(("access_token", access_token.secret())),
            TokenPlacement::Query => {}
        }
        if let (Some(name), Some(correlation_id)) = (userinfo.correlation, correlation_id) {
            form.push((name, correlation_id));
        }
        if !form.is_empty() {
            request = request.form(&form);
        }
        let raw = self
            .inner
            .http
            .execute(EndpointKind::Userinfo, request)
            .await?;
        if !(200..300).contains(&raw.status) {
            let error =
                dialect::body_error(&profile.errors, EndpointKind::Userinfo, &raw).or_else(|| {
                    dialect::bearer_challenge_error(&profile.errors, EndpointKind::Userinfo, &raw)
                });
            return Err(match error {
                Some(error) => error.into(),
                None => ResponseError::new(
                    EndpointKind::Userinfo,
                    format!("HTTP status {}", raw.status),
                )
                .with_problem(crate::error::ResponseProblem::Status)
                .with_raw(raw)
                .into(),
            });
        }

        let content_type = raw
            .headers
            .get(reqwest::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        let malformed = |reason: &str| {
            ResponseError::new(EndpointKind::Userinfo, reason.to_owned()).with_raw(raw.clone())
        };
        let claims = if content_type == "application/jwt" {
            if !userinfo
                .formats
                .iter()
                .any(|f| matches!(f, UserinfoFormat::Signed | UserinfoFormat::SignedEncrypted))
            {
                return Err(malformed(
                    "a signed response, which the provider's spec does not allow",
                )
                .with_problem(ResponseProblem::FormatNotAllowed)
                .into());
            }
            let text = std::str::from_utf8(&raw.body)
                .map_err(|_| {
                    malformed("the JWT is not UTF-8").with_problem(ResponseProblem::NotJson)
                })?
                .trim();
            if crate::jose::is_jwe(text)
                && !userinfo.formats.contains(&UserinfoFormat::SignedEncrypted)
            {
                return Err(malformed(
                    "an encrypted response, which the provider's spec does not allow",
                )
                .with_problem(ResponseProblem::FormatNotAllowed)
                .into());
            }
            // And the other way round: a provider that always encrypts (itsme) sends
            // no bare JWS; one arriving is a downgrade.
            if !crate::jose::is_jwe(text) && !userinfo.formats.contains(&UserinfoFormat::Signed) {
                return Err(malformed(
                    "a signed response that is not encrypted, which the provider's spec does not allow",
                )
                .with_problem(ResponseProblem::FormatNotAllowed)
                .into());
            }
            let signed = self.decrypt_nested(text, userinfo.encryption)?;
            let jwks = self.inner.resolver.jwks().await?;
            let verified = verify_jws(
                jwks,
                &signed,
                userinfo.signing,
                self.inner.client_secret.as_ref(),
            )
            .await?;
            let claims = verified.into_payload();
            // OpenID Connect Core 5.3.2: a signed response SHOULD carry iss and aud;
            // when it does, they must name this provider and this client.
            if let Some(iss) = claims.get("iss") {
                if iss.as_str() != self.inner.resolver.issuer() {
                    return Err(
                        malformed("the signed response's iss is not this provider's")
                            .with_problem(ResponseProblem::IssuerMismatch)
                            .into(),
                    );
                }
            }
            if let Some(aud) = claims.get("aud") {
                let audience: crate::values::Audience = serde_json::from_value(aud.clone())
                    .map_err(|_| {
                        malformed("aud is malformed").with_problem(ResponseProblem::Shape)
                    })?;
                if !audience.contains(&self.inner.client_id) {
                    return Err(
                        malformed("the signed response's aud does not name this client")
                            .with_problem(ResponseProblem::AudienceMismatch)
                            .into(),
                    );
                }
            }
            claims
        } else {
            if !userinfo.formats.contains(&UserinfoFormat::Json) {
                return Err(malformed(
                    "a plain JSON response, but the provider's spec requires a signed one",
                )
                .with_problem(ResponseProblem::FormatNotAllowed)
                .into());
            }
            match serde_json::from_slice::<serde_json::Value>(&raw.body) {
                Ok(serde_json::Value::Object(claims)) => claims,
                _ => {
                    return Err(malformed("the response is not a JSON object")
                        .with_problem(ResponseProblem::NotJson)
                        .into())
                }
            }
        };

        let sub = claims
            .get("sub")
            .and_then(|s| s.as_str())
            .unwrap_or_default();
        if let Some(expected) = expected_subject {
            if !bool::from(sub.as_bytes().ct_eq(expected.as_bytes())) {
                // A different user's claims: a token substitution (OpenID Connect Core 5.3.4).
                return Err(malformed("its sub differs from the ID token's")
                    .with_problem(ResponseProblem::SubjectMismatch)
                    .into());
            }
        }
        let userinfo = serde_json::from_value(serde_json::Value::Object(claims)).map_err(|_| {
            malformed("the claims do not have the types the provider's spec declares")
        })?;
        tracing::debug!("userinfo received");
        Ok(userinfo)
    }
}
