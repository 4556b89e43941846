//! What generated code tells the runtime about a provider: a static profile read
//! from the spec, and the environments' URLs.

use std::time::Duration;

use url::Url;

use crate::config::ConfigError;
use crate::jose::{JweAlgorithms, SigningAlg};

/// The protocol family.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Family {
    /// OpenID Connect authorization code flow.
    Oidc,
    /// Plain OAuth 2 authorization code flow (no ID token).
    Oauth2,
    /// Backchannel authentication.
    Backchannel,
    /// Client credentials and REST operations.
    Rest,
}

/// A client authentication method at the token and PAR endpoints.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ClientAuthMethod {
    /// HTTP Basic (RFC 6749 2.3.1).
    ClientSecretBasic,
    /// Client id and secret in the form body.
    ClientSecretPost,
    /// A JWT signed with the client secret.
    ClientSecretJwt,
    /// A JWT signed with the relying party's private key.
    PrivateKeyJwt,
    /// No authentication (public client).
    None,
}

impl ClientAuthMethod {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::ClientSecretJwt => "client_secret_jwt",
            Self::PrivateKeyJwt => "private_key_jwt",
            Self::None => "none",
        }
    }
}

/// PKCE support.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum PkceMode {
    /// Not supported: no challenge is sent.
    None,
    /// Supported: S256 is always sent.
    Optional,
    /// Required: S256 is always sent.
    Required,
}

/// Pushed authorization request support.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ParMode {
    /// No PAR.
    None,
    /// PAR offered.
    Offered,
    /// PAR required.
    Required,
}

/// An HTTP method for endpoints that allow a choice.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum HttpMethod {
    /// GET.
    Get,
    /// POST.
    Post,
}

/// Where the access token goes on a protected-resource request.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenPlacement {
    /// `Authorization: Bearer`.
    Header,
    /// Form body parameter `access_token`.
    Body,
    /// Query parameter `access_token`; kept out of every log line.
    Query,
}

/// A userinfo response format.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UserinfoFormat {
    /// `application/json`.
    Json,
    /// A signed JWT.
    Signed,
    /// A signed then encrypted JWT.
    SignedEncrypted,
}

/// The userinfo endpoint's behaviour.
#[derive(Clone, Copy, Debug)]
pub struct UserinfoProfile {
    /// GET or POST.
    pub method: HttpMethod,
    /// Where the access token goes.
    pub token: TokenPlacement,
    /// Accepted response formats.
    pub formats: &'static [UserinfoFormat],
    /// Allowed signing algorithms for signed responses.
    pub signing: &'static [SigningAlg],
    /// Allowed encryption of signed-then-encrypted responses.
    pub encryption: Option<JweAlgorithms>,
    /// The form parameter that repeats the login's correlation id (imID's
    /// `correlation_id`), for logins from a backchannel authentication.
    pub correlation: Option<&'static str>,
}

/// Request objects (RFC 9101) as the provider takes them.
#[derive(Clone, Copy, Debug)]
pub struct RequestObjectProfile {
    /// Signing algorithms the provider accepts.
    pub signing: &'static [SigningAlg],
    /// Encryption the provider accepts, when it decrypts request objects.
    pub encryption: Option<JweAlgorithms>,
    /// Members every request object carries with a fixed value.
    pub fixed: &'static [(&'static str, &'static str)],
    /// What `aud` is.
    pub audience: RequestObjectAudience,
}

/// The `aud` of a request object.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RequestObjectAudience {
    /// The provider's issuer identifier (RFC 9101).
    Issuer,
    /// The audience the provider assigned the client
    /// ([`ClientBuilder::audience`](crate::ClientBuilder::audience)).
    Assigned,
}

/// How a backchannel provider hands over the result once it has notified the client.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NotificationDelivery {
    /// The notification carries an authorization code, exchanged with the
    /// notification URI as the redirect URI (Mobile Connect `mc_si_async_code`).
    Code,
    /// The notification carries only the request id; the tokens come from the token
    /// endpoint with the CIBA grant (ping mode).
    Ping,
}

/// Server-initiated backchannel authentication, as the provider does it.
#[derive(Clone, Copy, Debug)]
pub struct BackchannelProfile {
    /// The `response_type` sent (form and request object).
    pub response_type: &'static str,
    /// The response member naming the pending request (`auth_req_id`).
    pub request_id: &'static str,
    /// The request member carrying the relying party's transaction id, echoed by the
    /// notification (`correlation_id`).
    pub correlation_id: Option<&'static str>,
    /// The request member carrying the notification bearer token
    /// (`client_notification_token`).
    pub bearer: &'static str,
    /// The request member carrying the notification URL (`notification_uri`).
    pub uri: &'static str,
    /// Notification members that must equal the pending flow's.
    pub correlate: &'static [&'static str],
    /// The only port the notification URL may use, with `https` (imID: 443).
    pub require_https_port: Option<u16>,
    /// How the tokens are obtained.
    pub delivery: NotificationDelivery,
    /// How long the provider waits for the user.
    pub timeout: Duration,
    /// How long the user's device shows the request.
    pub device_timeout: Option<Duration>,
    /// How long after `timeout` a notification may still arrive.
    pub grace: Duration,
}

/// A documented code the provider signals by HTTP status alone (imID's `HTTP500`).
#[derive(Clone, Copy, Debug)]
pub struct StatusOnlyCode {
    /// The endpoints that answer it; empty for every endpoint.
    pub endpoints: &'static [crate::EndpointKind],
    /// The status.
    pub status: u16,
    /// The code it stands for.
    pub code: &'static str,
}

/// Where an error's members sit.
#[derive(Clone, Copy, Debug)]
pub struct ErrorFields {
    /// The code member.
    pub code: &'static str,
    /// The description member.
    pub description: &'static str,
    /// The URI member.
    pub uri: &'static str,
}

impl ErrorFields {
    /// OAuth 2's `error`, `error_description`, `error_uri`.
    pub const OAUTH: ErrorFields = ErrorFields {
        code: "error",
        description: "error_description",
        uri: "error_uri",
    };
}

/// How a provider reports errors.
#[derive(Clone, Copy, Debug)]
pub struct ErrorDialect {
    /// In JSON bodies.
    pub body: ErrorFields,
    /// On the redirect.
    pub redirect: ErrorFields,
    /// A regular expression decoding the description into `code`, `category`,
    /// `trace` and `message` groups.
    pub detail: Option<&'static str>,
    /// Codes signalled by an HTTP status without a code in the body.
    pub status_only: &'static [StatusOnlyCode],
}

/// Everything the runtime needs to know about a provider, generated from its spec.
#[derive(Debug)]
pub struct ProviderProfile {
    /// The spec's id.
    pub id: &'static str,
    /// The display name.
    pub name: &'static str,
    /// The protocol family.
    pub family: Family,
    /// Allowed client authentication methods.
    pub client_auth: &'static [ClientAuthMethod],
    /// The default method.
    pub default_client_auth: Option<ClientAuthMethod>,
    /// PKCE support.
    pub pkce: PkceMode,
    /// PAR support.
    pub par: ParMode,
    /// Whether the provider always sends `iss` on the redirect (RFC 9207).
    pub response_iss: bool,
    /// Allowed ID token signing algorithms.
    pub id_token_signing: &'static [SigningAlg],
    /// Allowed ID token encryption, when the provider encrypts ID tokens.
    pub id_token_encryption: Option<JweAlgorithms>,
    /// Whether every ID token must be encrypted: a bare JWS is refused.
    pub id_token_encryption_required: bool,
    /// Request objects, when the provider takes them.
    pub request_object: Option<RequestObjectProfile>,
    /// The userinfo endpoint, if any.
    pub userinfo: Option<UserinfoProfile>,
    /// The error dialect.
    pub errors: ErrorDialect,
    /// Whether `expires_in` may arrive as a string.
    pub expires_in_accepts_string: bool,
    /// How long an authorization code is valid.
    pub authorization_code_lifetime: Option<Duration>,
    /// How long an access token is valid.
    pub access_token_lifetime: Option<Duration>,
    /// How long a pending flow waits for its callback.
    pub pending_flow_lifetime: Option<Duration>,
    /// Backchannel authentication, for providers of that family.
    pub backchannel: Option<BackchannelProfile>,
}

#[cfg(test)]
impl ProviderProfile {
    /// A minimal profile for the runtime's unit tests: OAuth's error dialect, no ID
    /// token, no userinfo, no request objects, no lifetimes.
    pub(crate) const fn for_tests(
        family: Family,
        client_auth: &'static [ClientAuthMethod],
        default_client_auth: ClientAuthMethod,
    ) -> Self {
        Self {
            id: "test",
            name: "Test",
            family,
            client_auth,
            default_client_auth: Some(default_client_auth),
            pkce: PkceMode::Optional,
            par: ParMode::None,
            response_iss: false,
            id_token_signing: &[],
            id_token_encryption: None,
            id_token_encryption_required: false,
            request_object: None,
            userinfo: None,
            errors: ErrorDialect {
                body: ErrorFields::OAUTH,
                redirect: ErrorFields::OAUTH,
                detail: None,
                status_only: &[],
            },
            expires_in_accepts_string: false,
            authorization_code_lifetime: None,
            access_token_lifetime: None,
            pending_flow_lifetime: None,
            backchannel: None,
        }
    }
}

impl ProviderProfile {
    /// Whether the provider issues ID tokens.
    pub fn is_openid(&self) -> bool {
        matches!(self.family, Family::Oidc | Family::Backchannel)
    }
}

/// What an environment is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EnvironmentKind {
    /// The real provider.
    Production,
    /// The provider's test system.
    Test,
    /// A simulated provider.
    Sandbox,
}

/// One environment's URLs, as written in the spec.
#[derive(Debug)]
pub struct EnvironmentConfig {
    /// The environment's name in the spec.
    pub name: &'static str,
    /// What it is for.
    pub kind: EnvironmentKind,
    /// The provider variant it belongs to.
    pub variant: Option<&'static str>,
    /// The client authentication methods of this environment, when they differ from
    /// the provider's (itsme's variants: `private_key_jwt` or `client_secret_post`).
    pub client_auth: Option<&'static [ClientAuthMethod]>,
    /// The default method of this environment, with `client_auth`.
    pub default_client_auth: Option<ClientAuthMethod>,
    /// The issuer.
    pub issuer: Option<&'static str>,
    /// The discovery document.
    pub discovery: Option<&'static str>,
    /// Authorization endpoint.
    pub authorization: Option<&'static str>,
    /// Token endpoint.
    pub token: Option<&'static str>,
    /// Userinfo endpoint.
    pub userinfo: Option<&'static str>,
    /// PAR endpoint.
    pub par: Option<&'static str>,
    /// Revocation endpoint.
    pub revocation: Option<&'static str>,
    /// JWKS.
    pub jwks: Option<&'static str>,
    /// Backchannel authentication endpoint.
    pub backchannel_authentication: Option<&'static str>,
    /// End-session endpoint.
    pub end_session: Option<&'static str>,
}

/// Where a client talks to: an environment from the spec, or endpoints given at run
/// time (a sandbox or test provider).
#[derive(Clone, Debug)]
pub enum Target {
    /// An environment from the spec.
    Static(&'static EnvironmentConfig),
    /// Endpoints given at run time.
    Custom(Box<Endpoints>),
}

/// The issuer and endpoints a client uses. Endpoints left unset are taken from the
/// discovery document when there is one.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Endpoints {
    /// The issuer, compared exactly.
    pub issuer: Option<String>,
    /// The discovery document.
    pub discovery: Option<Url>,
    /// Authorization endpoint.
    pub authorization: Option<Url>,
    /// Token endpoint.
    pub token: Option<Url>,
    /// Userinfo endpoint.
    pub userinfo: Option<Url>,
    /// PAR endpoint.
    pub par: Option<Url>,
    /// Revocation endpoint.
    pub revocation: Option<Url>,
    /// JWKS.
    pub jwks: Option<Url>,
}

impl Endpoints {
    /// Endpoints discovered from `issuer`'s `/.well-known/openid-configuration`
    /// (OpenID Connect Discovery 1.0 section 4): the way to point a client at a
    /// sandbox or test provider.
    pub fn discover(issuer: &str) -> Result<Self, ConfigError> {
        let discovery = format!(
            "{}/.well-known/openid-configuration",
            issuer.trim_end_matches('/')
        );
        Ok(Self {
            issuer: Some(issuer.to_owned()),
            discovery: Some(parse("discovery", &discovery)?),
            ..Self::default()
        })
    }

    /// The endpoints of a spec environment.
    pub fn from_config(config: &EnvironmentConfig) -> Result<Self, ConfigError> {
        let url =
            |what: &'static str, value: Option<&str>| value.map(|v| parse(what, v)).transpose();
        Ok(Self {
            issuer: config.issuer.map(str::to_owned),
            discovery: url("discovery", config.discovery)?,
            authorization: url("authorization endpoint", config.authorization)?,
            token: url("token endpoint", config.token)?,
            userinfo: url("userinfo endpoint", config.userinfo)?,
            par: url("par endpoint", config.par)?,
            revocation: url("revocation endpoint", config.revocation)?,
            jwks: url("jwks", config.jwks)?,
        })
    }

    /// Every URL that is set, with its name.
    pub fn urls(&self) -> impl Iterator<Item = (&'static str, &Url)> {
        [
            ("discovery", &self.discovery),
            ("authorization endpoint", &self.authorization),
            ("token endpoint", &self.token),
            ("userinfo endpoint", &self.userinfo),
            ("par endpoint", &self.par),
            ("revocation endpoint", &self.revocation),
            ("jwks", &self.jwks),
        ]
        .into_iter()
        .filter_map(|(name, url)| url.as_ref().map(|url| (name, url)))
    }
}

fn parse(what: &'static str, value: &str) -> Result<Url, ConfigError> {
    Url::parse(value).map_err(|error| ConfigError::InvalidUrl {
        what,
        reason: error.to_string(),
    })
}

impl From<Endpoints> for Target {
    fn from(endpoints: Endpoints) -> Self {
        Self::Custom(Box::new(endpoints))
    }
}
