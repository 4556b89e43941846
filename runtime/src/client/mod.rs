//! The client every generated provider module aliases: `Client<P>` for provider `P`.
//!
//! One implementation of the authorization code flow (with PKCE, PAR, RFC 9207
//! `iss`), the token exchange with client authentication, ID token validation,
//! userinfo (JSON, signed, signed and encrypted), refresh and revocation. What
//! differs between providers comes from `P::PROFILE`, generated from the spec.

mod backchannel;
mod builder;
pub(crate) mod client_auth;
mod complete;
mod request_object;
mod resolve;
mod revoke;
mod start;
pub(crate) mod tokens;
mod userinfo;

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use serde::de::DeserializeOwned;

pub use backchannel::{
    BackchannelError, BackchannelParams, Identification, NotificationOutcome,
    NotificationRejection, NotificationRequest, NotificationResponse, Notified,
    PendingIdentification, MAX_NOTIFICATION_BODY,
};
pub use builder::ClientBuilder;
pub use revoke::RevocableToken;
pub use start::AuthorizationStart;
pub use tokens::{Login, Tokens};

use crate::error::{EndpointKind, ProviderErrorCode};
use crate::http::HttpClient;
use crate::profile::{ClientAuthMethod, ProviderProfile};
use crate::secret::ClientSecret;
use crate::store::FlowStore;
use crate::values::ScopeValue;
use resolve::Resolver;

/// A provider, as its generated module describes it.
pub trait Provider: Send + Sync + 'static {
    /// The provider's error codes.
    type ErrorCode: ProviderErrorCode;
    /// The provider's scopes.
    type Scope: ScopeValue;
    /// The claims of its ID tokens.
    type IdTokenClaims: DeserializeOwned
        + serde::Serialize
        + Clone
        + std::fmt::Debug
        + Send
        + Sync
        + 'static;
    /// The claims of its userinfo responses.
    type UserInfo: DeserializeOwned
        + crate::ClaimFields
        + serde::Serialize
        + Clone
        + std::fmt::Debug
        + Send
        + Sync
        + 'static;
    /// The profile generated from the spec.
    const PROFILE: &'static ProviderProfile;
}

/// A provider that issues ID tokens (OpenID Connect): its logins have validated
/// claims and a subject. Generated for every spec of an OpenID family.
pub trait OpenIdProvider: Provider {}

/// Visits every provider compiled into a crate (the `idspec` crate's
/// `for_each_provider`), for code that works with any of them: the demo, tests.
pub trait ProviderVisitor {
    /// Called once per provider, with the text of the spec it was generated from.
    fn visit<P: Provider>(&mut self, spec_yaml: &'static str);

    /// Called once per provider of the `rest` family (not a login), with the text
    /// of its spec. Does nothing unless overridden.
    fn visit_rest<P: crate::rest::RestProvider>(&mut self, spec_yaml: &'static str) {
        let _ = spec_yaml;
    }
}

/// A form body: parameter names are mostly the protocol's own, static ones.
pub(crate) type Form = Vec<(std::borrow::Cow<'static, str>, String)>;

/// The result type of client operations.
pub type Result<T, P> = std::result::Result<T, crate::Error<<P as Provider>::ErrorCode>>;

/// A relying party's client for provider `P`. Cheap to clone; share one per process.
pub struct Client<P: Provider> {
    inner: Arc<Inner>,
    provider: PhantomData<fn() -> P>,
}

impl<P: Provider> Clone for Client<P> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            provider: PhantomData,
        }
    }
}

impl<P: Provider> std::fmt::Debug for Client<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Client")
            .field("provider", &P::PROFILE.id)
            .field("client_id", &self.inner.client_id)
            .field("client_auth", &self.inner.client_auth)
            .field("redirect_uri", &self.inner.redirect_uri.as_str())
            .finish_non_exhaustive()
    }
}

struct Inner {
    http: HttpClient,
    resolver: Resolver,
    client_id: String,
    client_secret: Option<ClientSecret>,
    client_auth: ClientAuthMethod,
    keys: crate::jose::RelyingPartyKeys,
    redirect_uri: url::Url,
    store: Arc<dyn FlowStore>,
    clock_skew: Duration,
    userinfo_token: Option<crate::profile::TokenPlacement>,
    audience: Option<String>,
    backchannel_wait: Option<Duration>,
    waiters: backchannel::Waiters,
}

impl<P: Provider> Client<P> {
    /// Starts building a client for an environment of the spec, or for endpoints
    /// given at run time (`Endpoints::discover("http://127.0.0.1:4000")` for a sandbox).
    pub fn builder(target: impl Into<crate::profile::Target>) -> ClientBuilder<P> {
        ClientBuilder::new(target.into())
    }

    /// The client id.
    pub fn client_id(&self) -> &str {
        &self.inner.client_id
    }

    /// The redirect URI: where the browser comes back, or for a backchannel provider
    /// the notification URL the provider calls.
    pub fn redirect_uri(&self) -> &url::Url {
        &self.inner.redirect_uri
    }

    /// The client authentication method in use.
    pub fn client_auth(&self) -> ClientAuthMethod {
        self.inner.client_auth
    }

    fn profile(&self) -> &'static ProviderProfile {
        P::PROFILE
    }

    /// The error for a non-success answer of a form endpoint (token, revocation):
    /// the provider's error, decoded with its dialect, when the body holds one;
    /// otherwise the bare status, with the response kept.
    fn endpoint_error(
        &self,
        endpoint: EndpointKind,
        raw: crate::RawResponse,
    ) -> crate::Error<P::ErrorCode> {
        crate::dialect::endpoint_error(&self.profile().errors, endpoint, raw)
    }
}
