//! Completing a login from the redirect, and refreshing it.

use std::collections::HashMap;

use super::client_auth::authenticate;
use super::resolve::Endpoint;
use super::tokens::{Login, Tokens};
use super::{Client, Provider, Result};
use crate::callback::CallbackError;
use crate::dialect;
use crate::error::{EndpointKind, ResponseError};
use crate::id_token::{validate_id_token, IdTokenExpectations};
use crate::secret::{AuthorizationCode, Nonce, State};

impl<P: Provider> Client<P> {
    /// Completes a login from the redirect back to the relying party: `callback` is
    /// the redirect's query string, or the whole redirect URL.
    ///
    /// Checks, in order: the state names a pending flow of this client (which is
    /// consumed: a replayed callback fails), `iss` names this provider (RFC 9207),
    /// the provider reported no error; then exchanges the code (with the PKCE
    /// verifier) and validates the ID token (signature, iss, aud, azp, exp, iat,
    /// nonce, at_hash).
    #[tracing::instrument(name = "idspec.complete", skip_all, fields(provider = P::PROFILE.id))]
    pub async fn complete(&self, callback: &str) -> Result<Login<P>, P> {
        self.complete_checked(None, callback).await
    }

    /// Completes a login, checking first that the callback's `state` is the one the
    /// relying party kept in this user's session (a cookie set when the login
    /// started), in constant time. This binds the callback to the browser that
    /// started the login: a code and state injected from another session is refused
    /// before anything is exchanged. Prefer it to [`Client::complete`] whenever the
    /// relying party has a session.
    #[tracing::instrument(name = "idspec.complete", skip_all, fields(provider = P::PROFILE.id))]
    pub async fn complete_for(&self, expected: &State, callback: &str) -> Result<Login<P>, P> {
        self.complete_checked(Some(expected), callback).await
    }

    async fn complete_checked(
        &self,
        expected: Option<&State>,
        callback: &str,
    ) -> Result<Login<P>, P> {
        let params = parse_callback(callback)?;
        let state = params.get("state").ok_or(CallbackError::MissingState)?;
        if let Some(expected) = expected {
            use subtle::ConstantTimeEq as _;
            if !bool::from(state.as_bytes().ct_eq(expected.secret().as_bytes())) {
                return Err(CallbackError::StateMismatch.into());
            }
        }
        let flow = self
            .inner
            .store
            .take(&self.flow_key(&State::new(state.clone())))
            .await?
            .ok_or(CallbackError::UnknownState)?;

        let issuer = self.inner.resolver.issuer();
        match (params.get("iss"), issuer) {
            (Some(iss), Some(issuer)) if iss != issuer => {
                return Err(CallbackError::IssuerMismatch.into())
            }
            (Some(_), None) => return Err(CallbackError::IssuerMismatch.into()),
            (None, _) if self.profile().response_iss => {
                return Err(CallbackError::MissingIssuer.into())
            }
            _ => {}
        }
        if let Some(error) = dialect::redirect_error(&self.profile().errors, &params) {
            tracing::info!(code = %crate::ErrorMetadata::code(&error), "the provider refused the authorization");
            return Err(error.into());
        }
        let code = AuthorizationCode::new(
            params
                .get("code")
                .cloned()
                .ok_or(CallbackError::MissingCode)?,
        );

        let mut form: super::Form = vec![
            ("grant_type".into(), "authorization_code".to_owned()),
            ("code".into(), code.secret().to_owned()),
            ("redirect_uri".into(), flow.redirect_uri.clone()),
        ];
        if let Some(verifier) = &flow.pkce_verifier {
            form.push(("code_verifier".into(), verifier.secret().to_owned()));
        }
        let tokens = self.token_request(form).await?;
        self.login_from(tokens, flow.nonce, flow.scope, None).await
    }

    /// Refreshes a login: new tokens, and a new ID token validated against the
    /// original (same issuer, audience and subject, OpenID Connect Core 12.2).
    /// The granted scope is sent (the requested one if the provider did not say what
    /// it granted), as some providers require a scope on refresh.
    #[tracing::instrument(name = "idspec.refresh", skip_all, fields(provider = P::PROFILE.id))]
    pub async fn refresh(&self, login: &Login<P>) -> Result<Login<P>, P> {
        let refresh_token = login.refresh_token().ok_or_else(|| {
            ResponseError::new(EndpointKind::Token, "the login has no refresh token")
        })?;
        let form: super::Form = vec![
            ("grant_type".into(), "refresh_token".to_owned()),
            ("refresh_token".into(), refresh_token.secret().to_owned()),
            (
                "scope".into(),
                login
                    .tokens
                    .scope
                    .clone()
                    .unwrap_or_else(|| login.requested_scope.clone()),
            ),
        ];
        let mut tokens = self.token_request(form).await?;
        if tokens.refresh_token.is_none() {
            // No rotation: the old refresh token stays valid (RFC 6749 6).
            tokens.refresh_token = login.tokens.refresh_token.clone();
        }
        if tokens.id_token.is_none() {
            return Ok(Login {
                tokens,
                ..login.clone()
            });
        }
        let subject = login.id_token_subject.clone();
        self.login_from(
            tokens,
            login.nonce.clone(),
            login.requested_scope.clone(),
            subject.as_deref(),
        )
        .await
    }

    /// Posts to the token endpoint, authenticated, and parses the answer.
    pub(super) async fn token_request(&self, mut form: super::Form) -> Result<Tokens, P> {
        let endpoint = self.inner.resolver.endpoint(Endpoint::Token).await?;
        let request = self.inner.http.request(reqwest::Method::POST, &endpoint);
        let request = authenticate(&self.inner, request, &mut form, endpoint.as_str())?;
        let raw = self
            .inner
            .http
            .execute(EndpointKind::Token, request.form(&form))
            .await?;
        if !(200..300).contains(&raw.status) {
            return Err(self.endpoint_error(EndpointKind::Token, raw));
        }
        Ok(Tokens::parse(
            &raw,
            self.profile().expires_in_accepts_string,
        )?)
    }

    /// Validates the ID token of a token response (OpenID Connect providers) and
    /// builds the login.
    pub(super) async fn login_from(
        &self,
        tokens: Tokens,
        nonce: Option<Nonce>,
        scope: String,
        subject: Option<&str>,
    ) -> Result<Login<P>, P> {
        let profile = self.profile();
        if !profile.is_openid() {
            let claims = serde_json::from_value(serde_json::Value::Object(Default::default()))
                .map_err(|_| {
                    ResponseError::new(
                        EndpointKind::Token,
                        "the provider's claims type needs an ID token",
                    )
                })?;
            return Ok(Login {
                tokens,
                id_token_subject: None,
                id_token_claims: claims,
                nonce: None,
                requested_scope: scope,
                correlation_id: None,
            });
        }
        let id_token = tokens.id_token.as_ref().ok_or_else(|| {
            ResponseError::new(EndpointKind::Token, "the token response has no id_token")
        })?;
        let issuer = self
            .inner
            .resolver
            .issuer()
            .ok_or(crate::config::ConfigError::MissingEndpoint("issuer"))?;
        let mut expect =
            IdTokenExpectations::new(issuer, &self.inner.client_id, profile.id_token_signing)
                .with_access_token(&tokens.access_token)
                .with_clock_skew(self.inner.clock_skew);
        if let Some(nonce) = &nonce {
            expect = expect.with_nonce(nonce);
        }
        if let Some(subject) = subject {
            expect = expect.with_expected_subject(subject);
        }
        let jwks = self.inner.resolver.jwks().await?;
        // An encrypted ID token is a nested JWT: decrypted with the relying party's
        // keys, then validated like any other. Where the provider always encrypts, a
        // bare JWS is a downgrade (someone else's token, or a misconfigured proxy).
        // Whatever is wrong with it, a rejected ID token is an ID token error.
        if profile.id_token_encryption_required && !crate::jose::is_jwe(id_token.secret()) {
            return Err(
                crate::id_token::IdTokenError::Jose(crate::jose::JoseError::NotEncrypted).into(),
            );
        }
        let signed = self
            .decrypt_nested(id_token.secret(), profile.id_token_encryption)
            .map_err(crate::id_token::IdTokenError::Jose)?;
        let signed = crate::secret::Jwt::new(signed);
        let validated =
            validate_id_token(jwks, &signed, &expect, self.inner.client_secret.as_ref()).await?;
        let claims = validated.claims_as::<P::IdTokenClaims>().map_err(|_| {
            // serde's message could quote a claim value: personal data stays out.
            ResponseError::new(
                EndpointKind::Token,
                "the ID token's claims do not have the types the provider's spec declares",
            )
        })?;
        tracing::debug!("ID token validated");
        Ok(Login {
            id_token_subject: Some(validated.subject().to_owned()),
            tokens,
            id_token_claims: claims,
            nonce,
            requested_scope: scope,
            correlation_id: None,
        })
    }
}

/// The redirect's parameters. A parameter given twice is refused: which copy to
/// believe is exactly what an attacker would like to choose.
fn parse_callback(callback: &str) -> std::result::Result<HashMap<String, String>, CallbackError> {
    let query = match callback.split_once('?') {
        Some((_, query)) => query,
        None => callback,
    };
    let query = query.split('#').next().unwrap_or_default();
    let mut params = HashMap::new();
    for (name, value) in url::form_urlencoded::parse(query.as_bytes()) {
        if params
            .insert(name.clone().into_owned(), value.into_owned())
            .is_some()
        {
            return Err(CallbackError::DuplicateParameter(name.into_owned()));
        }
    }
    Ok(params)
}

impl<P: Provider> Client<P> {
    /// The signed JWT inside `compact`: itself when it is a JWS, its decrypted
    /// content when it is a JWE the spec allows.
    pub(super) fn decrypt_nested(
        &self,
        compact: &str,
        allowed: Option<crate::jose::JweAlgorithms>,
    ) -> std::result::Result<String, crate::jose::JoseError> {
        if !crate::jose::is_jwe(compact) {
            return Ok(compact.to_owned());
        }
        let allowed = allowed.ok_or(crate::jose::JoseError::Encrypted)?;
        let plaintext = crate::jose::decrypt(
            compact,
            &allowed,
            &self.inner.keys,
            self.inner.client_secret.as_ref(),
        )?;
        String::from_utf8(plaintext).map_err(|_| crate::jose::JoseError::Malformed {
            reason: "the decrypted content is not a JWT",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn callback_forms() {
        let params =
            parse_callback("https://rp.example/cb?code=abc&state=s&iss=https%3A%2F%2Fop").unwrap();
        assert_eq!(params["iss"], "https://op");
        assert_eq!(parse_callback("code=a&state=b").unwrap()["code"], "a");
        assert_eq!(
            parse_callback("code=a&state=b&state=c").unwrap_err(),
            CallbackError::DuplicateParameter("state".into())
        );
    }
}
