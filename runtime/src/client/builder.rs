use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use super::resolve::Resolver;
use super::{Client, Inner, Provider};
use crate::config::ConfigError;
use crate::http::HttpClient;
use crate::profile::{ClientAuthMethod, Endpoints, Target};
use crate::secret::ClientSecret;
use crate::store::{FlowStore, MemoryFlowStore};

/// The most clock skew a client tolerates, whatever it is configured with: a larger
/// window would let long-expired tokens through.
const MAX_CLOCK_SKEW: Duration = Duration::from_secs(300);

/// Builds a [`Client`]. Everything is checked in [`ClientBuilder::build`].
#[must_use]
pub struct ClientBuilder<P: Provider> {
    target: Target,
    client_id: Option<String>,
    client_secret: Option<ClientSecret>,
    client_auth: Option<ClientAuthMethod>,
    redirect_uri: Option<String>,
    http: Option<HttpClient>,
    store: Option<Arc<dyn FlowStore>>,
    clock_skew: Duration,
    provider: PhantomData<fn() -> P>,
}

impl<P: Provider> ClientBuilder<P> {
    pub(super) fn new(target: Target) -> Self {
        Self {
            target,
            client_id: None,
            client_secret: None,
            client_auth: None,
            redirect_uri: None,
            http: None,
            store: None,
            clock_skew: Duration::from_secs(60),
            provider: PhantomData,
        }
    }

    /// The client id the provider assigned.
    pub fn client_id(mut self, client_id: impl Into<String>) -> Self {
        self.client_id = Some(client_id.into());
        self
    }

    /// The client secret the provider assigned.
    pub fn client_secret(mut self, secret: impl Into<ClientSecret>) -> Self {
        self.client_secret = Some(secret.into());
        self
    }

    /// The client authentication method registered with the provider; the spec's
    /// default otherwise.
    pub fn client_auth(mut self, method: ClientAuthMethod) -> Self {
        self.client_auth = Some(method);
        self
    }

    /// The redirect URI registered with the provider.
    pub fn redirect_uri(mut self, redirect_uri: impl Into<String>) -> Self {
        self.redirect_uri = Some(redirect_uri.into());
        self
    }

    /// The HTTP client (timeouts, body limit, the loopback opt-in for sandboxes).
    pub fn http_client(mut self, http: HttpClient) -> Self {
        self.http = Some(http);
        self
    }

    /// Where pending flows wait for their callback; in memory by default. Use a
    /// shared store when callbacks may reach another instance.
    pub fn flow_store(mut self, store: Arc<dyn FlowStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// Clock skew tolerated on token times; 60 s by default, at most 5 minutes.
    pub fn clock_skew(mut self, skew: Duration) -> Self {
        self.clock_skew = skew.min(MAX_CLOCK_SKEW);
        self
    }

    /// Checks the configuration and builds the client.
    pub fn build(self) -> Result<Client<P>, ConfigError> {
        let profile = P::PROFILE;
        let client_id =
            self.client_id
                .filter(|id| !id.is_empty())
                .ok_or(ConfigError::ClientAuth {
                    method: "any",
                    needs: "a client id",
                })?;
        let client_auth = self
            .client_auth
            .or(profile.default_client_auth)
            .ok_or(ConfigError::ClientAuthNotAllowed("none"))?;
        if !profile.client_auth.contains(&client_auth) {
            return Err(ConfigError::ClientAuthNotAllowed(client_auth.as_str()));
        }
        match client_auth {
            ClientAuthMethod::ClientSecretBasic | ClientAuthMethod::ClientSecretPost => {
                if self
                    .client_secret
                    .as_ref()
                    .is_none_or(|s| s.secret().is_empty())
                {
                    return Err(ConfigError::ClientAuth {
                        method: client_auth.as_str(),
                        needs: "a client secret",
                    });
                }
            }
            ClientAuthMethod::None => {}
            ClientAuthMethod::ClientSecretJwt | ClientAuthMethod::PrivateKeyJwt => {
                return Err(ConfigError::ClientAuthUnsupported(client_auth.as_str()));
            }
        }
        let http = match self.http {
            Some(http) => http,
            None => HttpClient::builder()
                .build()
                .map_err(|e| ConfigError::InvalidUrl {
                    what: "http client",
                    reason: e.to_string(),
                })?,
        };
        let redirect = self.redirect_uri.ok_or(ConfigError::ClientAuth {
            method: "any",
            needs: "a redirect URI",
        })?;
        let redirect_uri = Url::parse(&redirect).map_err(|e| ConfigError::InvalidUrl {
            what: "redirect URI",
            reason: e.to_string(),
        })?;
        http.check_url("redirect URI", &redirect_uri)?;
        let endpoints = match self.target {
            Target::Static(config) => Endpoints::from_config(config)?,
            Target::Custom(endpoints) => *endpoints,
        };
        for (what, url) in endpoints.urls() {
            http.check_url(what, url)?;
        }
        if profile.is_openid() && endpoints.issuer.is_none() {
            return Err(ConfigError::MissingEndpoint("issuer"));
        }
        let resolver = Resolver::new(http.clone(), endpoints);
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                resolver,
                client_id,
                client_secret: self.client_secret,
                client_auth,
                redirect_uri,
                store: self
                    .store
                    .unwrap_or_else(|| Arc::new(MemoryFlowStore::new())),
                clock_skew: self.clock_skew,
            }),
            provider: PhantomData,
        })
    }
}
