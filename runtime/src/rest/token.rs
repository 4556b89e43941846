//! The client credentials token (RFC 6749 4.4): fetched once, reused until shortly
//! before it expires, and renewed by one request however many callers need it at
//! that moment.

use std::time::{Duration, Instant};

use url::Url;

use crate::client::client_auth::basic_authorization;
use crate::client::tokens::Tokens;
use crate::error::{EndpointKind, ProviderErrorCode};
use crate::http::HttpClient;
use crate::profile::{ClientAuthMethod, ErrorDialect};
use crate::secret::{AccessToken, ClientSecret};
use crate::Error;

/// How long before its expiry a token is renewed: a request must not leave with a
/// token that expires on the way. Tokens living less than twice this are renewed
/// at half their life.
pub const RENEW_BEFORE_EXPIRY: Duration = Duration::from_secs(60);

/// The lifetime assumed when neither the response nor the spec gives one: short, so
/// that a token of unknown life is not kept long.
const UNKNOWN_LIFETIME: Duration = Duration::from_secs(60);

/// A cached token, with a generation that tells one token from its successor.
#[derive(Clone)]
pub(super) struct Cached {
    pub token: AccessToken,
    pub generation: u64,
    renew_at: Instant,
}

/// The client credentials of a REST client and its token cache.
pub(super) struct TokenSource {
    pub token_url: Url,
    pub client_id: String,
    pub client_secret: ClientSecret,
    pub method: ClientAuthMethod,
    pub default_lifetime: Option<Duration>,
    // An async mutex held across the token request: that is the single flight.
    // Callers that find a fresh token only hold it for a clone.
    cache: tokio::sync::Mutex<Option<Cached>>,
}

impl TokenSource {
    pub fn new(
        token_url: Url,
        client_id: String,
        client_secret: ClientSecret,
        method: ClientAuthMethod,
        default_lifetime: Option<Duration>,
    ) -> Self {
        Self {
            token_url,
            client_id,
            client_secret,
            method,
            default_lifetime,
            cache: tokio::sync::Mutex::new(None),
        }
    }

    /// A token valid for at least a while: the cached one, or a new one.
    pub async fn token<C: ProviderErrorCode>(
        &self,
        http: &HttpClient,
        errors: &ErrorDialect,
    ) -> Result<Cached, Error<C>> {
        let mut cache = self.cache.lock().await;
        if let Some(cached) = cache.as_ref().filter(|c| Instant::now() < c.renew_at) {
            return Ok(cached.clone());
        }
        let generation = cache.as_ref().map_or(1, |c| c.generation + 1);
        let requested_at = Instant::now();
        let tokens = self.request::<C>(http, errors).await?;
        let lifetime = tokens
            .expires_in
            .or(self.default_lifetime)
            .unwrap_or(UNKNOWN_LIFETIME);
        let margin = RENEW_BEFORE_EXPIRY.min(lifetime / 2);
        // Counted from the request, not the answer: the provider's clock started then.
        let fresh = Cached {
            token: tokens.access_token,
            generation,
            renew_at: requested_at + lifetime - margin,
        };
        *cache = Some(fresh.clone());
        Ok(fresh)
    }

    /// Forgets the token of `generation` (the provider refused it before its
    /// time: revoked, or the provider's clock differs), unless it was already
    /// replaced.
    pub async fn forget(&self, generation: u64) {
        let mut cache = self.cache.lock().await;
        if cache.as_ref().is_some_and(|c| c.generation == generation) {
            if let Some(cached) = cache.as_mut() {
                cached.renew_at = Instant::now();
            }
        }
    }

    async fn request<C: ProviderErrorCode>(
        &self,
        http: &HttpClient,
        errors: &ErrorDialect,
    ) -> Result<Tokens, Error<C>> {
        let mut form = vec![("grant_type", "client_credentials")];
        let mut request = http.request(reqwest::Method::POST, &self.token_url);
        match self.method {
            ClientAuthMethod::ClientSecretBasic => {
                form.push(("client_id", &self.client_id));
                request = request.header(
                    reqwest::header::AUTHORIZATION,
                    basic_authorization(&self.client_id, self.client_secret.secret()),
                );
            }
            _ => {
                form.push(("client_id", &self.client_id));
                form.push(("client_secret", self.client_secret.secret()));
            }
        }
        let request = request
            .header(reqwest::header::ACCEPT, "application/json")
            .form(&form);
        let raw = http.execute(EndpointKind::Token, request).await?;
        if !(200..300).contains(&raw.status) {
            return Err(crate::dialect::endpoint_error(
                errors,
                EndpointKind::Token,
                raw,
            ));
        }
        Ok(Tokens::parse(&raw, false)?)
    }
}
