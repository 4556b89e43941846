//! The error model: one [`Error`] for every operation, generic over the provider's
//! generated error-code enum, and [`ErrorMetadata`] answered by every error.
//!
//! Modelled on smithy-rs: a provider error keeps the documented code, the OAuth
//! error, the provider's own message and trace id, and the raw response it came from,
//! so nothing the provider said is lost even when the code is one we have never seen.

use std::fmt;

use reqwest::header::HeaderMap;

use crate::callback::CallbackError;
use crate::config::ConfigError;
use crate::discovery::DiscoveryError;
use crate::http::HttpError;
use crate::id_token::IdTokenError;
use crate::jose::JoseError;
use crate::store::StoreError;

/// What every error can say about itself: a stable machine-readable code and a
/// human message. Neither ever contains a secret or a personal claim.
pub trait ErrorMetadata {
    /// A stable code: the provider's own (`mid_req_1020`) for provider errors,
    /// otherwise a snake_case name such as `state_mismatch`.
    fn code(&self) -> &str;
    /// A human-readable explanation, when there is one.
    fn message(&self) -> Option<&str>;
}

/// Implemented by each provider's generated error-code enum.
///
/// `from_wire` never fails: an undocumented code becomes the enum's sealed
/// unhandled variant, which keeps the wire value.
pub trait ProviderErrorCode: Clone + fmt::Debug + Send + Sync + 'static {
    /// Maps a code as sent by the provider to its variant.
    fn from_wire(code: &str) -> Self;
    /// Maps a code as sent by the provider's `endpoint` to its variant. Providers
    /// that document their codes per endpoint (itsme) answer the same code with
    /// different meanings at different endpoints; the rest ignore `endpoint`.
    fn from_endpoint(endpoint: EndpointKind, code: &str) -> Self {
        let _ = endpoint;
        Self::from_wire(code)
    }
    /// The code as the provider sends it.
    fn as_wire(&self) -> &str;
    /// The OAuth 2 error the provider documents for this code, if any.
    fn documented_oauth_error(&self) -> Option<OAuthErrorCode>;
    /// The provider's documented message for this code, if any.
    fn documented_message(&self) -> Option<&'static str>;
    /// The provider's documented category for this code (`req`, `sec`, ...), if any.
    fn documented_category(&self) -> Option<&'static str>;
    /// How long the provider's document says to wait before retrying, if it says.
    fn documented_retry_after(&self) -> Option<std::time::Duration> {
        None
    }
    /// The provider's text for the user in `language` (a language tag: `en`, `hy`),
    /// if it words one for this code.
    fn display_message(&self, language: &str) -> Option<&'static str> {
        let _ = language;
        None
    }
}

/// The error-code type for providers without documented codes: keeps the wire value.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GenericErrorCode(String);

impl ProviderErrorCode for GenericErrorCode {
    fn from_wire(code: &str) -> Self {
        Self(code.to_owned())
    }
    fn as_wire(&self) -> &str {
        &self.0
    }
    fn documented_oauth_error(&self) -> Option<OAuthErrorCode> {
        None
    }
    fn documented_message(&self) -> Option<&'static str> {
        None
    }
    fn documented_category(&self) -> Option<&'static str> {
        None
    }
}

/// The OAuth 2 / OpenID Connect error codes (RFC 6749 4.1.2.1 and 5.2, OIDC Core 3.1.2.6,
/// RFC 9126). Unknown codes are kept, never rejected.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum OAuthErrorCode {
    /// `invalid_request`
    InvalidRequest,
    /// `invalid_client`
    InvalidClient,
    /// `invalid_grant`
    InvalidGrant,
    /// `unauthorized_client`
    UnauthorizedClient,
    /// `unsupported_grant_type`
    UnsupportedGrantType,
    /// `unsupported_response_type`
    UnsupportedResponseType,
    /// `invalid_scope`
    InvalidScope,
    /// `access_denied`
    AccessDenied,
    /// `server_error`
    ServerError,
    /// `temporarily_unavailable`
    TemporarilyUnavailable,
    /// `invalid_token` (RFC 6750, userinfo)
    InvalidToken,
    /// `insufficient_scope` (RFC 6750)
    InsufficientScope,
    /// `interaction_required`, `login_required`, `consent_required`, ... and any other
    /// code: the wire value.
    Other(String),
}

impl OAuthErrorCode {
    /// Parses a wire value; never fails.
    pub fn from_wire(code: &str) -> Self {
        match code {
            "invalid_request" => Self::InvalidRequest,
            "invalid_client" => Self::InvalidClient,
            "invalid_grant" => Self::InvalidGrant,
            "unauthorized_client" => Self::UnauthorizedClient,
            "unsupported_grant_type" => Self::UnsupportedGrantType,
            "unsupported_response_type" => Self::UnsupportedResponseType,
            "invalid_scope" => Self::InvalidScope,
            "access_denied" => Self::AccessDenied,
            "server_error" => Self::ServerError,
            "temporarily_unavailable" => Self::TemporarilyUnavailable,
            "invalid_token" => Self::InvalidToken,
            "insufficient_scope" => Self::InsufficientScope,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The wire value.
    pub fn as_str(&self) -> &str {
        match self {
            Self::InvalidRequest => "invalid_request",
            Self::InvalidClient => "invalid_client",
            Self::InvalidGrant => "invalid_grant",
            Self::UnauthorizedClient => "unauthorized_client",
            Self::UnsupportedGrantType => "unsupported_grant_type",
            Self::UnsupportedResponseType => "unsupported_response_type",
            Self::InvalidScope => "invalid_scope",
            Self::AccessDenied => "access_denied",
            Self::ServerError => "server_error",
            Self::TemporarilyUnavailable => "temporarily_unavailable",
            Self::InvalidToken => "invalid_token",
            Self::InsufficientScope => "insufficient_scope",
            Self::Other(other) => other,
        }
    }
}

impl fmt::Display for OAuthErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The HTTP response an error came from, kept whole for diagnosis.
#[derive(Clone)]
pub struct RawResponse {
    /// The HTTP status.
    pub status: u16,
    /// The response headers.
    pub headers: HeaderMap,
    /// The body as received (bounded by the client's body-size limit).
    pub body: Vec<u8>,
}

impl RawResponse {
    /// The body as text, lossily decoded.
    pub fn body_text(&self) -> std::borrow::Cow<'_, str> {
        String::from_utf8_lossy(&self.body)
    }
}

impl fmt::Debug for RawResponse {
    // The body is left out: error bodies are small and harmless, but `Debug` output
    // ends up in logs, and a misbehaving provider could echo anything into it.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RawResponse")
            .field("status", &self.status)
            .field("headers", &self.headers.len())
            .field("body_len", &self.body.len())
            .finish()
    }
}

/// Which provider endpoint produced an error.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum EndpointKind {
    /// The authorization endpoint (errors arrive on the redirect).
    Authorization,
    /// The pushed authorization request endpoint (RFC 9126).
    PushedAuthorization,
    /// The token endpoint.
    Token,
    /// The userinfo endpoint.
    Userinfo,
    /// The revocation endpoint.
    Revocation,
    /// The discovery document.
    Discovery,
    /// The JWKS.
    Jwks,
    /// The notification a provider sends the relying party at the end of a
    /// backchannel authentication.
    Notification,
    /// A REST operation, by its name in the spec.
    Operation(&'static str),
}

impl fmt::Display for EndpointKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Self::Authorization => "authorization",
            Self::PushedAuthorization => "pushed authorization",
            Self::Token => "token",
            Self::Userinfo => "userinfo",
            Self::Revocation => "revocation",
            Self::Discovery => "discovery",
            Self::Jwks => "jwks",
            Self::Notification => "notification",
            Self::Operation(name) => name,
        })
    }
}

/// An error the provider reported, decoded with the provider's error dialect.
#[derive(Clone, Debug)]
pub struct ProviderError<C> {
    pub(crate) endpoint: EndpointKind,
    pub(crate) code: C,
    pub(crate) oauth_error: Option<OAuthErrorCode>,
    pub(crate) category: Option<String>,
    pub(crate) trace_id: Option<String>,
    pub(crate) message: Option<String>,
    pub(crate) error_uri: Option<String>,
    pub(crate) raw: Option<Box<RawResponse>>,
}

impl<C: ProviderErrorCode> ProviderError<C> {
    /// The provider's code, typed.
    pub fn kind(&self) -> &C {
        &self.code
    }
    /// The endpoint that answered with the error.
    pub fn endpoint(&self) -> EndpointKind {
        self.endpoint
    }
    /// The OAuth 2 error: as sent, or as documented for the code.
    pub fn oauth_error(&self) -> Option<&OAuthErrorCode> {
        self.oauth_error.as_ref()
    }
    /// The provider's category (`req`, `sec`, `auth`, `sys` for Mobile ID).
    pub fn category(&self) -> Option<&str> {
        self.category
            .as_deref()
            .or_else(|| self.code.documented_category())
    }
    /// The provider's trace / session id, to quote to its support.
    pub fn trace_id(&self) -> Option<&str> {
        self.trace_id.as_deref()
    }
    /// The `error_uri` the provider sent, if any.
    pub fn error_uri(&self) -> Option<&str> {
        self.error_uri.as_deref()
    }
    /// The response the error came from (absent for errors on the redirect).
    pub fn raw(&self) -> Option<&RawResponse> {
        self.raw.as_deref()
    }
    /// How long to wait before trying again: the response's `Retry-After` (in
    /// seconds), else what the provider's document says for the code (imID's
    /// `HTTP500`: about 200 seconds). `None` when neither says.
    pub fn retry_after(&self) -> Option<std::time::Duration> {
        let header = self
            .raw
            .as_ref()
            .and_then(|raw| raw.headers.get(reqwest::header::RETRY_AFTER))
            .and_then(|value| value.to_str().ok())
            .and_then(|value| value.trim().parse::<u64>().ok())
            .map(std::time::Duration::from_secs);
        header.or_else(|| self.code.documented_retry_after())
    }
    /// The provider's text for the user in `language` (`en`, `hy`), to show as it
    /// is: it keeps the words the provider requires untranslated (imID's "imID").
    pub fn display_message(&self, language: &str) -> Option<&'static str> {
        self.code.display_message(language)
    }
}

impl<C: ProviderErrorCode> ErrorMetadata for ProviderError<C> {
    fn code(&self) -> &str {
        self.code.as_wire()
    }
    fn message(&self) -> Option<&str> {
        self.message
            .as_deref()
            .or_else(|| self.code.documented_message())
    }
}

impl<C: ProviderErrorCode> fmt::Display for ProviderError<C> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "the {} endpoint answered {}",
            self.endpoint,
            self.code.as_wire()
        )?;
        if let Some(message) = ErrorMetadata::message(self) {
            write!(f, ": {message}")?;
        }
        if let Some(trace) = &self.trace_id {
            write!(f, " (trace id {trace})")?;
        }
        Ok(())
    }
}

impl<C: ProviderErrorCode> std::error::Error for ProviderError<C> {}

/// What is wrong with a response that does not have the shape the protocol requires.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ResponseProblem {
    /// A non-success status without a provider error in the body.
    Status,
    /// The body is not JSON (or not the JWT) the endpoint answers with.
    NotJson,
    /// The JSON lacks a required member, or a member has the wrong type.
    Shape,
    /// A response format the provider's spec does not allow (a plain JSON userinfo
    /// where the spec requires it signed, say).
    FormatNotAllowed,
    /// The userinfo response is about another user than the ID token (OpenID
    /// Connect Core 5.3.4: a token substitution).
    SubjectMismatch,
    /// A signed response names another issuer.
    IssuerMismatch,
    /// A signed response names another audience.
    AudienceMismatch,
}

/// A response that does not have the shape the protocol requires.
#[derive(Debug, thiserror::Error)]
#[error("the {endpoint} response is malformed: {reason}")]
pub struct ResponseError {
    pub(crate) endpoint: EndpointKind,
    pub(crate) problem: ResponseProblem,
    pub(crate) reason: String,
    pub(crate) raw: Option<Box<RawResponse>>,
}

impl ResponseError {
    pub(crate) fn new(endpoint: EndpointKind, reason: impl Into<String>) -> Self {
        Self {
            endpoint,
            problem: ResponseProblem::Shape,
            reason: reason.into(),
            raw: None,
        }
    }
    pub(crate) fn with_problem(mut self, problem: ResponseProblem) -> Self {
        self.problem = problem;
        self
    }
    pub(crate) fn with_raw(mut self, raw: RawResponse) -> Self {
        self.raw = Some(Box::new(raw));
        self
    }
    /// The endpoint that answered.
    pub fn endpoint(&self) -> EndpointKind {
        self.endpoint
    }
    /// What is wrong.
    pub fn problem(&self) -> ResponseProblem {
        self.problem
    }
    /// The response, when there was one.
    pub fn raw(&self) -> Option<&RawResponse> {
        self.raw.as_deref()
    }
}

/// Every way an idspec operation can fail. `C` is the provider's generated code enum.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error<C: ProviderErrorCode = GenericErrorCode> {
    /// The provider answered with an error.
    #[error(transparent)]
    Provider(ProviderError<C>),
    /// The request could not be made or its response could not be read.
    #[error(transparent)]
    Http(#[from] HttpError),
    /// The response was not what the protocol requires.
    #[error(transparent)]
    Response(#[from] ResponseError),
    /// Discovery failed or contradicted the configuration.
    #[error(transparent)]
    Discovery(#[from] DiscoveryError),
    /// The redirect back from the provider failed validation.
    #[error(transparent)]
    Callback(#[from] CallbackError),
    /// A signature or JWT could not be verified.
    #[error(transparent)]
    Jose(#[from] JoseError),
    /// The ID token failed validation.
    #[error(transparent)]
    IdToken(#[from] IdTokenError),
    /// The client configuration is unusable.
    #[error(transparent)]
    Config(#[from] ConfigError),
    /// The flow store failed.
    #[error(transparent)]
    Store(#[from] StoreError),
    /// A backchannel authentication timed out or its notification was refused.
    #[error(transparent)]
    Backchannel(#[from] crate::client::BackchannelError),
    /// A REST operation was refused before sending, or its download failed.
    #[error(transparent)]
    Rest(#[from] crate::rest::RestError),
}

impl<C: ProviderErrorCode> From<ProviderError<C>> for Error<C> {
    fn from(error: ProviderError<C>) -> Self {
        Self::Provider(error)
    }
}

impl<C: ProviderErrorCode> Error<C> {
    /// Whether trying the same call again later may succeed: the flow store was
    /// unavailable or slow, the provider timed out or answered
    /// `temporarily_unavailable` / `server_error`.
    pub fn is_retryable(&self) -> bool {
        match self {
            Self::Store(error) => error.retryable(),
            Self::Http(HttpError::Timeout { .. } | HttpError::Transport { .. }) => true,
            Self::Provider(error) => matches!(
                error.oauth_error(),
                Some(OAuthErrorCode::TemporarilyUnavailable | OAuthErrorCode::ServerError)
            ),
            _ => false,
        }
    }

    /// The provider's error, when the provider reported one.
    pub fn provider_error(&self) -> Option<&ProviderError<C>> {
        match self {
            Self::Provider(error) => Some(error),
            _ => None,
        }
    }
}

impl<C: ProviderErrorCode> ErrorMetadata for Error<C> {
    fn code(&self) -> &str {
        self.metadata().code()
    }

    fn message(&self) -> Option<&str> {
        self.metadata().message()
    }
}

impl<C: ProviderErrorCode> Error<C> {
    fn metadata(&self) -> &dyn ErrorMetadata {
        match self {
            Self::Provider(e) => e,
            Self::Http(e) => e,
            Self::Response(e) => e,
            Self::Discovery(e) => e,
            Self::Callback(e) => e,
            Self::Jose(e) => e,
            Self::IdToken(e) => e,
            Self::Config(e) => e,
            Self::Store(e) => e,
            Self::Backchannel(e) => e,
            Self::Rest(e) => e,
        }
    }
}

impl ErrorMetadata for ResponseError {
    fn code(&self) -> &str {
        match self.problem {
            ResponseProblem::Status => "unexpected_status",
            ResponseProblem::NotJson | ResponseProblem::Shape => "malformed_response",
            ResponseProblem::FormatNotAllowed => "response_format_not_allowed",
            ResponseProblem::SubjectMismatch => "subject_mismatch",
            ResponseProblem::IssuerMismatch => "response_issuer_mismatch",
            ResponseProblem::AudienceMismatch => "response_audience_mismatch",
        }
    }
    fn message(&self) -> Option<&str> {
        Some(&self.reason)
    }
}
