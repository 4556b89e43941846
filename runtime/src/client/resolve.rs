//! Endpoint resolution: the spec's (or the caller's) endpoints first, the discovery
//! document for whatever they leave out, and one JWKS cache per client.

use std::sync::Arc;

use tokio::sync::OnceCell;
use url::Url;

use crate::config::ConfigError;
use crate::discovery::{DiscoveryCache, ProviderMetadata};
use crate::error::ProviderErrorCode;
use crate::http::HttpClient;
use crate::jose::JwksCache;
use crate::profile::Endpoints;
use crate::Error;

/// Which endpoint to resolve.
#[derive(Clone, Copy, Debug)]
pub(super) enum Endpoint {
    Authorization,
    Token,
    Userinfo,
    Par,
    Revocation,
}

impl Endpoint {
    fn name(self) -> &'static str {
        match self {
            Self::Authorization => "authorization",
            Self::Token => "token",
            Self::Userinfo => "userinfo",
            Self::Par => "pushed authorization request",
            Self::Revocation => "revocation",
        }
    }
}

pub(super) struct Resolver {
    http: HttpClient,
    endpoints: Endpoints,
    discovery: Option<DiscoveryCache>,
    jwks: OnceCell<JwksCache>,
    jwks_refetch_interval: Option<std::time::Duration>,
}

impl Resolver {
    pub(super) fn new(
        http: HttpClient,
        endpoints: Endpoints,
        jwks_refetch_interval: Option<std::time::Duration>,
    ) -> Self {
        let discovery = match (&endpoints.discovery, &endpoints.issuer) {
            (Some(url), Some(issuer)) => Some(DiscoveryCache::new(
                http.clone(),
                url.clone(),
                issuer.clone(),
            )),
            _ => None,
        };
        Self {
            http,
            endpoints,
            discovery,
            jwks: OnceCell::new(),
            jwks_refetch_interval,
        }
    }

    pub(super) fn issuer(&self) -> Option<&str> {
        self.endpoints.issuer.as_deref()
    }

    async fn metadata<C: ProviderErrorCode>(
        &self,
    ) -> Result<Option<Arc<ProviderMetadata>>, Error<C>> {
        match &self.discovery {
            Some(discovery) => Ok(Some(discovery.get().await?)),
            None => Ok(None),
        }
    }

    /// The URL of `endpoint`, or an error naming what is missing.
    pub(super) async fn endpoint<C: ProviderErrorCode>(
        &self,
        endpoint: Endpoint,
    ) -> Result<Url, Error<C>> {
        let configured = match endpoint {
            Endpoint::Authorization => &self.endpoints.authorization,
            Endpoint::Token => &self.endpoints.token,
            Endpoint::Userinfo => &self.endpoints.userinfo,
            Endpoint::Par => &self.endpoints.par,
            Endpoint::Revocation => &self.endpoints.revocation,
        };
        if let Some(url) = configured {
            return Ok(url.clone());
        }
        let discovered = self.metadata::<C>().await?.and_then(|m| match endpoint {
            Endpoint::Authorization => m.authorization_endpoint.clone(),
            Endpoint::Token => m.token_endpoint.clone(),
            Endpoint::Userinfo => m.userinfo_endpoint.clone(),
            Endpoint::Par => m.pushed_authorization_request_endpoint.clone(),
            Endpoint::Revocation => m.revocation_endpoint.clone(),
        });
        let url = discovered.ok_or(ConfigError::MissingEndpoint(endpoint.name()))?;
        self.http.check_url(endpoint.name(), &url)?;
        Ok(url)
    }

    /// The provider's JWKS cache, created on first use.
    pub(super) async fn jwks<C: ProviderErrorCode>(&self) -> Result<&JwksCache, Error<C>> {
        if let Some(jwks) = self.jwks.get() {
            return Ok(jwks);
        }
        let uri = match &self.endpoints.jwks {
            Some(uri) => uri.clone(),
            None => self
                .metadata::<C>()
                .await?
                .and_then(|m| m.jwks_uri.clone())
                .ok_or(ConfigError::MissingEndpoint("jwks"))?,
        };
        self.http.check_url("jwks", &uri)?;
        Ok(self
            .jwks
            .get_or_init(|| async {
                let cache = JwksCache::new(self.http.clone(), uri);
                match self.jwks_refetch_interval {
                    Some(interval) => cache.min_refetch_interval(interval),
                    None => cache,
                }
            })
            .await)
    }
}
