//! Validation of the redirect back from the authorization endpoint.

/// The redirect back from the provider cannot be trusted or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CallbackError {
    /// No `state` in the callback.
    #[error("the callback has no state")]
    MissingState,
    /// No pending flow has this state: forged, replayed, or expired.
    #[error("no pending authorization matches the callback's state (forged, replayed or expired)")]
    UnknownState,
    /// The state does not match the one expected by the caller.
    #[error("the callback's state does not match")]
    StateMismatch,
    /// The provider must send `iss` (RFC 9207) and did not.
    #[error("the callback has no iss parameter, which this provider always sends (RFC 9207)")]
    MissingIssuer,
    /// `iss` names another issuer: a mix-up attack or a misconfiguration.
    #[error("the callback's iss does not name this provider (RFC 9207 mix-up defence)")]
    IssuerMismatch,
    /// Neither `code` nor `error` in the callback.
    #[error("the callback has neither code nor error")]
    MissingCode,
    /// A parameter appears twice.
    #[error("the callback has the parameter `{0}` twice")]
    DuplicateParameter(String),
}

impl crate::ErrorMetadata for CallbackError {
    fn code(&self) -> &str {
        match self {
            Self::MissingState => "callback_missing_state",
            Self::UnknownState => "callback_unknown_state",
            Self::StateMismatch => "callback_state_mismatch",
            Self::MissingIssuer => "callback_missing_iss",
            Self::IssuerMismatch => "callback_iss_mismatch",
            Self::MissingCode => "callback_missing_code",
            Self::DuplicateParameter(_) => "callback_duplicate_parameter",
        }
    }
    fn message(&self) -> Option<&str> {
        Some(match self {
            Self::MissingState | Self::UnknownState | Self::StateMismatch => {
                "restart the login: the callback does not belong to a login this service started"
            }
            Self::MissingIssuer | Self::IssuerMismatch => {
                "the callback came from another authorization server; restart the login"
            }
            Self::MissingCode | Self::DuplicateParameter(_) => {
                "the redirect is not an authorization response"
            }
        })
    }
}
