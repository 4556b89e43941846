//! Client configuration errors.

/// The client cannot be built or used as configured.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ConfigError {
    /// A URL is not HTTPS and the loopback opt-in does not cover it.
    #[error("{what} must use https (plain http is only allowed for loopback sandboxes, with the explicit opt-in): {url}")]
    InsecureUrl {
        /// Which URL.
        what: &'static str,
        /// The URL without its query.
        url: String,
    },
    /// A URL could not be parsed.
    #[error("{what} is not a valid URL: {reason}")]
    InvalidUrl {
        /// Which URL.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// No client id was given.
    #[error("the client has no client id")]
    MissingClientId,
    /// No redirect URI was given.
    #[error("the client has no redirect URI")]
    MissingRedirectUri,
    /// The provider has no such endpoint in this environment.
    #[error("the provider has no {0} endpoint in this environment")]
    MissingEndpoint(&'static str),
    /// The client's authentication method needs something it was not given.
    #[error("client authentication {method} needs {needs}")]
    ClientAuth {
        /// The method.
        method: &'static str,
        /// What is missing.
        needs: &'static str,
    },
    /// The provider does not allow this client authentication method.
    #[error("the provider does not allow client authentication {0}")]
    ClientAuthNotAllowed(&'static str),
    /// A request object cannot be encrypted as asked.
    #[error("the request object cannot be encrypted: {0}")]
    RequestObjectEncryption(&'static str),
    /// Request objects are asked for, but the provider's spec has none.
    #[error("the provider's spec does not take request objects")]
    RequestObjectUnsupported,
    /// The provider assigns each client the audience of its request objects, and none
    /// was configured.
    #[error("the provider assigns the audience of request objects; none was configured (ClientBuilder::audience)")]
    MissingAudience,
    /// The notification URL (the redirect URI of a backchannel client) is not one the
    /// provider calls.
    #[error("the notification URL {url} is refused: {reason}")]
    NotificationUrl {
        /// The URL, without its query.
        url: String,
        /// Why.
        reason: String,
    },
    /// The provider only takes signed request objects, and no configured key can sign
    /// with one of its algorithms.
    #[error("the provider takes request objects signed with {0} only, and no configured key can sign them (ClientBuilder::keys)")]
    RequestObjectKey(String),
    /// A backchannel operation on a provider of another family, or the reverse.
    #[error("{0}")]
    WrongFamily(&'static str),
    /// An environment URL the provider assigns per application was not set.
    #[error("the URL `{0}` is not configured (RestClientBuilder::url)")]
    MissingUrl(&'static str),
    /// A URL was given under a name the provider's spec does not have.
    #[error("the provider has no URL named `{0}`")]
    UnknownUrl(String),
    /// The credential an operation needs was not configured.
    #[error("the {0} the provider's operations need are not configured")]
    MissingCredential(&'static str),
    /// The HTTP client could not be built (the TLS backend failed to initialise).
    #[error("the HTTP client could not be built: {0}")]
    HttpClient(String),
}

impl crate::ErrorMetadata for ConfigError {
    fn code(&self) -> &str {
        match self {
            Self::InsecureUrl { .. } => "insecure_url",
            Self::InvalidUrl { .. } => "invalid_url",
            Self::MissingClientId => "missing_client_id",
            Self::MissingRedirectUri => "missing_redirect_uri",
            Self::MissingEndpoint(_) => "missing_endpoint",
            Self::ClientAuth { .. } => "client_auth_incomplete",
            Self::ClientAuthNotAllowed(_) => "client_auth_not_allowed",
            Self::RequestObjectEncryption(_) => "request_object_encryption",
            Self::RequestObjectUnsupported => "request_object_unsupported",
            Self::MissingAudience => "missing_audience",
            Self::NotificationUrl { .. } => "notification_url_refused",
            Self::RequestObjectKey(_) => "request_object_key_missing",
            Self::WrongFamily(_) => "wrong_family",
            Self::MissingUrl(_) => "missing_url",
            Self::UnknownUrl(_) => "unknown_url",
            Self::MissingCredential(_) => "missing_credential",
            Self::HttpClient(_) => "http_client",
        }
    }
    fn message(&self) -> Option<&str> {
        Some(match self {
            Self::InsecureUrl { .. } => {
                "use an https URL, or opt in to plain http for a loopback sandbox"
            }
            Self::InvalidUrl { .. } => "fix the URL in the configuration",
            Self::MissingClientId => "set the client id the provider assigned",
            Self::MissingRedirectUri => "set a redirect URI registered with the provider",
            Self::MissingEndpoint(_) => {
                "the provider's spec has no such endpoint for this environment"
            }
            Self::ClientAuth { .. } => "supply the missing client credential",
            Self::ClientAuthNotAllowed(_) => {
                "choose a client authentication method the provider allows"
            }
            Self::RequestObjectEncryption(_) => {
                "check the provider's JWKS and the spec's request object encryption"
            }
            Self::RequestObjectUnsupported => "send the request without a request object",
            Self::MissingAudience => "set the audience the provider issued with the credentials",
            Self::NotificationUrl { .. } => {
                "register and configure a notification URL the provider accepts"
            }
            Self::RequestObjectKey(_) => {
                "configure the private key whose public half is registered with the provider"
            }
            Self::WrongFamily(_) => "use the operation of the provider's family",
            Self::MissingUrl(_) => {
                "set the URL the provider assigned to the application (its portal lists it)"
            }
            Self::UnknownUrl(_) => "use the URL names of the provider's generated `BaseUrl`",
            Self::MissingCredential(_) => "configure the credential the provider issued",
            Self::HttpClient(_) => "check the system's TLS setup",
        })
    }
}
