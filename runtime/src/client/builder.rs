use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use super::resolve::Resolver;
use super::{Client, Inner, Provider};
use crate::config::ConfigError;
use crate::http::HttpClient;
use crate::jose::RelyingPartyKeys;
use crate::profile::{ClientAuthMethod, Endpoints, Target, TokenPlacement};
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
    keys: RelyingPartyKeys,
    userinfo_token: Option<TokenPlacement>,
    jwks_refetch_interval: Option<Duration>,
    audience: Option<String>,
    backchannel_wait: Option<Duration>,
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
            keys: RelyingPartyKeys::new(),
            userinfo_token: None,
            jwks_refetch_interval: None,
            audience: None,
            backchannel_wait: None,
            provider: PhantomData,
        }
    }

    /// The audience the provider assigned this client, for providers whose request
    /// objects are addressed to it rather than to the issuer (imID hands it out with
    /// the client id and secret).
    pub fn audience(mut self, audience: impl Into<String>) -> Self {
        self.audience = Some(audience.into());
        self
    }

    /// How long a backchannel authentication waits for its notification before it
    /// ends as timed out. Defaults to the provider's timeout plus its grace period
    /// (imID: 300 s + 60 s); a shorter wait gives up earlier, and a notification
    /// arriving after it completes nothing.
    pub fn backchannel_wait(mut self, wait: Duration) -> Self {
        self.backchannel_wait = Some(wait);
        self
    }

    /// The relying party's keys: for `private_key_jwt`, signed request objects, and
    /// decrypting encrypted ID tokens and userinfo responses.
    pub fn keys(mut self, keys: RelyingPartyKeys) -> Self {
        self.keys = keys;
        self
    }

    /// Where the access token goes at userinfo, when it differs from the spec's
    /// (a provider that takes it in the form body as well, RFC 6750 2.2).
    pub fn userinfo_token(mut self, placement: TokenPlacement) -> Self {
        self.userinfo_token = Some(placement);
        self
    }

    /// How often the provider's JWKS may be refetched for an unknown `kid` (15 s by
    /// default): shorter lets a key rotation be picked up sooner, at the cost of
    /// letting forged `kid`s cause more fetches.
    pub fn jwks_refetch_interval(mut self, interval: Duration) -> Self {
        self.jwks_refetch_interval = Some(interval);
        self
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
        let client_id = self
            .client_id
            .filter(|id| !id.is_empty())
            .ok_or(ConfigError::MissingClientId)?;
        // An environment of a provider variant narrows the methods to its own.
        let (allowed, default) = match &self.target {
            Target::Static(env) if env.client_auth.is_some() => {
                (env.client_auth.unwrap_or_default(), env.default_client_auth)
            }
            _ => (profile.client_auth, profile.default_client_auth),
        };
        let client_auth = self
            .client_auth
            .or(default)
            .ok_or(ConfigError::ClientAuthNotAllowed("none"))?;
        if !allowed.contains(&client_auth) {
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
            ClientAuthMethod::ClientSecretJwt => {
                if self
                    .client_secret
                    .as_ref()
                    .is_none_or(|s| s.secret().len() < 32)
                {
                    // HS256 needs a key at least as long as its hash (RFC 7518 3.2).
                    return Err(ConfigError::ClientAuth {
                        method: client_auth.as_str(),
                        needs: "a client secret of at least 32 bytes",
                    });
                }
            }
            ClientAuthMethod::PrivateKeyJwt => {
                if self.keys.signing_key().is_none() {
                    return Err(ConfigError::ClientAuth {
                        method: client_auth.as_str(),
                        needs: "a signing key (ClientBuilder::keys)",
                    });
                }
            }
            ClientAuthMethod::None => {}
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
        let redirect = self.redirect_uri.ok_or(ConfigError::MissingRedirectUri)?;
        let redirect_uri = Url::parse(&redirect).map_err(|e| ConfigError::InvalidUrl {
            what: "redirect URI",
            reason: e.to_string(),
        })?;
        http.check_url("redirect URI", &redirect_uri)?;
        if let Some(backchannel) = &profile.backchannel {
            super::backchannel::check_notification_url(&http, backchannel, &redirect_uri)?;
        }
        if let (Some(request_object), Some(_)) = (&profile.request_object, &profile.backchannel) {
            // A backchannel request is always a signed request object.
            let signs = self.keys.signing_key().is_some_and(|key| {
                request_object
                    .signing
                    .iter()
                    .any(|alg| key.retargeted(*alg).is_some())
            });
            if !signs {
                let algs: Vec<&str> = request_object.signing.iter().map(|a| a.as_str()).collect();
                return Err(ConfigError::RequestObjectKey(algs.join(" or ")));
            }
        }
        if let Some(request_object) = &profile.request_object {
            if request_object.audience == crate::profile::RequestObjectAudience::Assigned
                && self.audience.as_deref().is_none_or(str::is_empty)
            {
                return Err(ConfigError::MissingAudience);
            }
        }
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
        let resolver = Resolver::new(http.clone(), endpoints, self.jwks_refetch_interval);
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                resolver,
                client_id,
                client_secret: self.client_secret,
                client_auth,
                keys: self.keys,
                redirect_uri,
                store: self
                    .store
                    .unwrap_or_else(|| Arc::new(MemoryFlowStore::new())),
                clock_skew: self.clock_skew,
                userinfo_token: self.userinfo_token,
                audience: self.audience,
                backchannel_wait: self.backchannel_wait,
                waiters: Default::default(),
            }),
            provider: PhantomData,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::GenericErrorCode;
    use crate::profile::{Family, ProviderProfile};
    use crate::values::NoIdToken;

    #[derive(Clone, Debug)]
    struct TestScope;
    impl crate::values::ScopeValue for TestScope {
        fn wire(&self) -> std::borrow::Cow<'_, str> {
            "openid".into()
        }
    }

    struct TestProvider;
    static PROFILE: ProviderProfile = ProviderProfile::for_tests(
        Family::Oidc,
        &[ClientAuthMethod::ClientSecretPost],
        ClientAuthMethod::ClientSecretPost,
    );
    impl Provider for TestProvider {
        type ErrorCode = GenericErrorCode;
        type Scope = TestScope;
        type IdTokenClaims = NoIdToken;
        type UserInfo = NoIdToken;
        const PROFILE: &'static ProviderProfile = &PROFILE;
    }

    fn endpoints(base: &str) -> Endpoints {
        Endpoints {
            issuer: Some(base.to_owned()),
            authorization: Some(Url::parse(&format!("{base}/authorize")).unwrap()),
            token: Some(Url::parse(&format!("{base}/token")).unwrap()),
            ..Endpoints::default()
        }
    }

    fn builder(base: &str) -> ClientBuilder<TestProvider> {
        Client::<TestProvider>::builder(endpoints(base))
            .client_id("rp")
            .client_secret("a-long-enough-client-secret")
            .redirect_uri("https://rp.example/cb")
    }

    fn loopback_http() -> HttpClient {
        HttpClient::builder()
            .allow_loopback_http(true)
            .build()
            .unwrap()
    }

    #[test]
    fn a_complete_https_configuration_builds() {
        let client = builder("https://op.example").build().unwrap();
        assert_eq!(client.client_auth(), ClientAuthMethod::ClientSecretPost);
        assert!(!format!("{client:?}").contains("a-long-enough-client-secret"));
    }

    #[test]
    fn plain_http_needs_the_loopback_opt_in_and_a_loopback_host() {
        let error = builder("http://127.0.0.1:4000").build().unwrap_err();
        assert!(matches!(error, ConfigError::InsecureUrl { .. }), "{error}");
        assert!(builder("http://127.0.0.1:4000")
            .http_client(loopback_http())
            .build()
            .is_ok());
        let error = builder("http://op.example")
            .http_client(loopback_http())
            .build()
            .unwrap_err();
        assert!(matches!(error, ConfigError::InsecureUrl { .. }), "{error}");
    }

    #[test]
    fn client_authentication_must_be_allowed_and_complete() {
        let error = builder("https://op.example")
            .client_auth(ClientAuthMethod::ClientSecretBasic)
            .build()
            .unwrap_err();
        assert_eq!(
            error,
            ConfigError::ClientAuthNotAllowed("client_secret_basic")
        );
        let error = Client::<TestProvider>::builder(endpoints("https://op.example"))
            .client_id("rp")
            .redirect_uri("https://rp.example/cb")
            .build()
            .unwrap_err();
        assert!(matches!(error, ConfigError::ClientAuth { .. }), "{error}");
    }

    #[test]
    fn identity_and_redirect_are_required() {
        let no_id = Client::<TestProvider>::builder(endpoints("https://op.example"))
            .client_secret("s")
            .redirect_uri("https://rp.example/cb")
            .build()
            .unwrap_err();
        assert_eq!(no_id, ConfigError::MissingClientId);
        let no_redirect = Client::<TestProvider>::builder(endpoints("https://op.example"))
            .client_id("rp")
            .client_secret("s")
            .build()
            .unwrap_err();
        assert_eq!(no_redirect, ConfigError::MissingRedirectUri);
        let insecure_redirect = builder("https://op.example")
            .redirect_uri("http://rp.example/cb")
            .build()
            .unwrap_err();
        assert!(matches!(
            insecure_redirect,
            ConfigError::InsecureUrl {
                what: "redirect URI",
                ..
            }
        ));
    }

    #[test]
    fn clock_skew_is_bounded() {
        let builder = builder("https://op.example").clock_skew(Duration::from_secs(3600));
        assert_eq!(builder.clock_skew, MAX_CLOCK_SKEW);
    }
}
