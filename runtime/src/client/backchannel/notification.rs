//! The notification endpoint: the provider calling the relying party back at the
//! end of a backchannel authentication. Framework-neutral: method, headers and body
//! in; the outcome and the HTTP response to send out.

use subtle::ConstantTimeEq as _;

use super::{flow_key, member, now_ms, settled_key, BackchannelError};
use crate::client::tokens::Login;
use crate::client::{Client, Provider};
use crate::error::{EndpointKind, RawResponse};
use crate::profile::NotificationDelivery;
use crate::store::{FlowStore, PendingFlow};
use crate::Error;

/// The largest notification body read: a notification is a handful of ids.
pub const MAX_NOTIFICATION_BODY: usize = 64 * 1024;

/// How long a settled flow is remembered, so that a repeat is told from a forgery.
const SETTLED_MEMORY: std::time::Duration = std::time::Duration::from_secs(600);

/// A notification as the web framework received it.
#[derive(Clone, Copy)]
pub struct NotificationRequest<'a> {
    method: &'a str,
    authorization: Option<&'a [u8]>,
    authorization_repeated: bool,
    body: &'a [u8],
}

impl std::fmt::Debug for NotificationRequest<'_> {
    // The Authorization header is the notification's secret.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("NotificationRequest")
            .field("method", &self.method)
            .field("authorization", &self.authorization.map(|_| "[redacted]"))
            .field("body_len", &self.body.len())
            .finish()
    }
}

impl<'a> NotificationRequest<'a> {
    /// A notification with its HTTP method and body; add its headers with
    /// [`header`](Self::header).
    pub fn new(method: &'a str, body: &'a [u8]) -> Self {
        Self {
            method,
            authorization: None,
            authorization_repeated: false,
            body,
        }
    }

    /// Adds a request header (any header may be passed; only `Authorization` is
    /// read). Names are compared without regard to case.
    pub fn header(mut self, name: &str, value: &'a [u8]) -> Self {
        if name.eq_ignore_ascii_case("authorization") {
            self.authorization_repeated |= self.authorization.is_some();
            self.authorization = Some(value);
        }
        self
    }

    /// Adds every header of an `http::HeaderMap` (axum, hyper, reqwest).
    pub fn headers(mut self, headers: &'a reqwest::header::HeaderMap) -> Self {
        for (name, value) in headers {
            self = self.header(name.as_str(), value.as_bytes());
        }
        self
    }

    /// The bearer token, when there is exactly one `Authorization: Bearer` header.
    fn bearer(&self) -> Option<&'a str> {
        if self.authorization_repeated {
            return None;
        }
        let value = std::str::from_utf8(self.authorization?).ok()?.trim();
        let (scheme, token) = value.split_once(' ')?;
        let token = token.trim();
        (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
    }
}

/// The HTTP response to send back to the provider.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotificationResponse {
    /// The status.
    pub status: u16,
    /// Headers to set.
    pub headers: Vec<(&'static str, String)>,
    /// The body (JSON for errors, empty otherwise).
    pub body: String,
}

impl NotificationResponse {
    fn no_content() -> Self {
        Self {
            status: 204,
            headers: Vec::new(),
            body: String::new(),
        }
    }

    pub(crate) fn error(status: u16, code: &str, description: &str) -> Self {
        Self {
            status,
            headers: vec![("content-type", "application/json".to_owned())],
            body: serde_json::json!({ "error": code, "error_description": description })
                .to_string(),
        }
    }

    fn unauthorized(error: Option<&str>) -> Self {
        let challenge = match error {
            Some(code) => format!("Bearer error=\"{code}\""),
            None => "Bearer".to_owned(),
        };
        Self {
            status: 401,
            headers: vec![("www-authenticate", challenge)],
            body: String::new(),
        }
    }
}

/// A completed identification: the tokens with the validated ID token, and the
/// userinfo claims.
pub struct Identification<P: Provider> {
    /// The login: tokens and the validated ID token.
    pub login: Login<P>,
    /// The userinfo claims, typed.
    pub userinfo: P::UserInfo,
    /// The relying party's transaction id.
    pub correlation_id: String,
    /// The provider's request id.
    pub request_id: String,
}

impl<P: Provider> std::fmt::Debug for Identification<P> {
    // The userinfo claims are personal data; Debug output ends up in logs.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identification")
            .field("login", &self.login)
            .field("correlation_id", &self.correlation_id)
            .field("request_id", &self.request_id)
            .finish_non_exhaustive()
    }
}

/// Why a notification completed nothing, without being the provider's verdict on a
/// pending flow.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum NotificationRejection {
    /// Not a `POST`.
    #[error("a notification is a POST")]
    MethodNotAllowed,
    /// The body is larger than [`MAX_NOTIFICATION_BODY`].
    #[error("the notification body is too large")]
    TooLarge,
    /// No `Authorization: Bearer` header, or more than one.
    #[error("the notification carries no bearer token")]
    MissingToken,
    /// The bearer token names no pending flow: forged, or for a flow that this
    /// client never started or already forgot.
    #[error("the notification's bearer token names no pending flow")]
    UnknownToken,
    /// The flow this token named is over: this is a repeat of a notification that
    /// was already handled (a provider retry, or a replay). Nothing was done again.
    #[error("the notification repeats one already handled")]
    Duplicate,
    /// The flow this token named timed out before the notification arrived.
    #[error("the notification arrived after the flow's wait was over")]
    Late,
    /// The flow store could not be read; the provider may retry.
    #[error(transparent)]
    Store(#[from] crate::store::StoreError),
}

impl crate::ErrorMetadata for NotificationRejection {
    fn code(&self) -> &str {
        match self {
            Self::MethodNotAllowed => "notification_method_not_allowed",
            Self::TooLarge => "notification_too_large",
            Self::MissingToken => "notification_missing_token",
            Self::UnknownToken => "notification_unknown_token",
            Self::Duplicate => "notification_duplicate",
            Self::Late => "notification_late",
            Self::Store(error) => error.code(),
        }
    }
    fn message(&self) -> Option<&str> {
        match self {
            Self::Store(error) => error.message(),
            _ => None,
        }
    }
}

/// What a notification did.
#[non_exhaustive]
pub enum NotificationOutcome<P: Provider> {
    /// The flow completed: the user was identified.
    Completed(Box<Identification<P>>),
    /// The flow ended without an identification: the provider reported an error
    /// (the user cancelled), or completing it failed (the code exchange, the ID
    /// token, userinfo).
    Failed {
        /// The relying party's transaction id.
        correlation_id: String,
        /// Why.
        error: Error<P::ErrorCode>,
    },
    /// The flow ended, and its outcome went to the [`PendingIdentification`]
    /// waiting for it in this process.
    ///
    /// [`PendingIdentification`]: super::PendingIdentification
    HandedToWaiter {
        /// The relying party's transaction id.
        correlation_id: String,
    },
    /// The notification completed nothing.
    Rejected(NotificationRejection),
}

impl<P: Provider> std::fmt::Debug for NotificationOutcome<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Completed(identification) => {
                f.debug_tuple("Completed").field(identification).finish()
            }
            Self::Failed {
                correlation_id,
                error,
            } => f
                .debug_struct("Failed")
                .field("correlation_id", correlation_id)
                .field("error", error)
                .finish(),
            Self::HandedToWaiter { correlation_id } => f
                .debug_struct("HandedToWaiter")
                .field("correlation_id", correlation_id)
                .finish(),
            Self::Rejected(rejection) => f.debug_tuple("Rejected").field(rejection).finish(),
        }
    }
}

/// The outcome of a notification, and the response to send the provider.
#[derive(Debug)]
pub struct Notified<P: Provider> {
    /// What the notification did.
    pub outcome: NotificationOutcome<P>,
    /// What to answer.
    pub response: NotificationResponse,
}

impl<P: Provider> Notified<P> {
    fn rejected(rejection: NotificationRejection, response: NotificationResponse) -> Self {
        tracing::info!(reason = %rejection, "notification rejected");
        Self {
            outcome: NotificationOutcome::Rejected(rejection),
            response,
        }
    }
}

impl<P: Provider> Client<P> {
    /// Handles a notification from the provider, on the endpoint at the client's
    /// redirect URI (the notification URL).
    ///
    /// In order: the method must be `POST` and the body small; the `Authorization:
    /// Bearer` token must name a pending flow (looked up by its SHA-256 and compared in
    /// constant time), which is taken from the flow store, so that it completes
    /// once; the notification's request id and correlation id must be the flow's;
    /// a provider error (`user_cancel`) ends the flow with that error; otherwise the
    /// code is exchanged for tokens, the ID token validated with the flow's nonce, and
    /// userinfo fetched. A repeated notification is answered `204` and does nothing;
    /// a forged one (unknown token) `401`.
    ///
    /// The outcome goes to the [`PendingIdentification`](super::PendingIdentification)
    /// waiting in this process if there is one, and is returned otherwise.
    #[tracing::instrument(name = "idspec.notification", skip_all, fields(provider = P::PROFILE.id))]
    pub async fn handle_notification(&self, request: NotificationRequest<'_>) -> Notified<P> {
        let profile = self.profile();
        if !request.method.eq_ignore_ascii_case("POST") {
            let mut response =
                NotificationResponse::error(405, "invalid_request", "a notification is a POST");
            response.headers.push(("allow", "POST".to_owned()));
            return Notified::rejected(NotificationRejection::MethodNotAllowed, response);
        }
        if request.body.len() > MAX_NOTIFICATION_BODY {
            return Notified::rejected(
                NotificationRejection::TooLarge,
                NotificationResponse::error(413, "invalid_request", "the body is too large"),
            );
        }
        let Some(token) = request.bearer() else {
            return Notified::rejected(
                NotificationRejection::MissingToken,
                NotificationResponse::unauthorized(None),
            );
        };
        let store = self.inner.store.as_ref();
        let key = flow_key(profile.id, token);
        let settled = settled_key(profile.id, token);
        let flow = match store.take(&key).await {
            Ok(flow) => flow,
            Err(error) => {
                return Notified::rejected(
                    NotificationRejection::Store(error),
                    NotificationResponse::error(503, "temporarily_unavailable", "try again"),
                )
            }
        };
        let Some(flow) = flow else {
            return self.after_the_flow(store, &settled).await;
        };
        let digest = super::token_digest(token);
        let stored = flow
            .correlation
            .get(member::TOKEN_DIGEST)
            .map(String::as_str)
            .unwrap_or_default();
        if !bool::from(stored.as_bytes().ct_eq(digest.as_bytes())) {
            // Only a store that returns another key's flow gets here.
            return Notified::rejected(
                NotificationRejection::UnknownToken,
                NotificationResponse::unauthorized(Some("invalid_token")),
            );
        }
        let deadline = flow
            .correlation
            .get(member::DEADLINE_MS)
            .and_then(|d| d.parse::<u64>().ok())
            .unwrap_or(0);
        if now_ms() > deadline {
            settle(store, &settled, flow, "expired").await;
            return Notified::rejected(
                NotificationRejection::Late,
                NotificationResponse::unauthorized(Some("invalid_token")),
            );
        }
        let correlation_id = flow
            .correlation
            .get(member::CORRELATION_ID)
            .cloned()
            .unwrap_or_default();
        // Remembered before the work, so that a repeat arriving meanwhile is known.
        settle(store, &settled, flow.clone(), "completed").await;

        let result = self.complete_notified(request.body, flow).await;
        let outcome = match self.inner.waiters.deliver::<P>(&key, result) {
            None => NotificationOutcome::HandedToWaiter { correlation_id },
            Some(result) => into_outcome(result, correlation_id),
        };
        match &outcome {
            NotificationOutcome::Failed { error, .. } => {
                tracing::info!(code = %crate::ErrorMetadata::code(error), "identification failed")
            }
            _ => tracing::debug!("notification handled"),
        }
        Notified {
            outcome,
            response: NotificationResponse::no_content(),
        }
    }

    /// A token without a pending flow: a repeat of a handled notification, one that
    /// came too late, or a forgery.
    async fn after_the_flow(&self, store: &dyn FlowStore, settled: &str) -> Notified<P> {
        match store.take(settled).await {
            Ok(Some(flow)) => {
                let how = flow.correlation.get(member::SETTLED).cloned();
                settle(store, settled, flow, how.as_deref().unwrap_or("completed")).await;
                if how.as_deref() == Some("expired") {
                    Notified::rejected(
                        NotificationRejection::Late,
                        NotificationResponse::unauthorized(Some("invalid_token")),
                    )
                } else {
                    Notified::rejected(
                        NotificationRejection::Duplicate,
                        NotificationResponse::no_content(),
                    )
                }
            }
            Ok(None) => Notified::rejected(
                NotificationRejection::UnknownToken,
                NotificationResponse::unauthorized(Some("invalid_token")),
            ),
            Err(error) => Notified::rejected(
                NotificationRejection::Store(error),
                NotificationResponse::error(503, "temporarily_unavailable", "try again"),
            ),
        }
    }

    /// Checks an authenticated notification against its flow and completes it.
    async fn complete_notified(
        &self,
        body: &[u8],
        flow: PendingFlow,
    ) -> crate::client::Result<Identification<P>, P> {
        let profile = self.profile();
        let backchannel = profile.backchannel.ok_or(crate::ConfigError::WrongFamily(
            "this provider has no backchannel authentication",
        ))?;
        let Ok(serde_json::Value::Object(members)) = serde_json::from_slice(body) else {
            return Err(BackchannelError::MalformedNotification {
                reason: "the body is not a JSON object",
            }
            .into());
        };
        for name in backchannel.correlate {
            let sent = members.get(*name).and_then(|v| v.as_str());
            let expected = flow.correlation.get(*name).map(String::as_str);
            if sent.is_none() || sent != expected {
                return Err(BackchannelError::Mismatch { member: name }.into());
            }
        }
        let raw = RawResponse {
            status: 200,
            headers: Default::default(),
            body: body.to_vec(),
        };
        if let Some(error) =
            crate::dialect::body_error(&profile.errors, EndpointKind::Notification, &raw)
        {
            return Err(error.into());
        }
        let request_id = flow
            .correlation
            .get(member::REQUEST_ID)
            .cloned()
            .unwrap_or_default();
        let form: crate::client::Form = match backchannel.delivery {
            NotificationDelivery::Code => {
                let code = members
                    .get("code")
                    .and_then(|v| v.as_str())
                    .filter(|c| !c.is_empty())
                    .ok_or(BackchannelError::MalformedNotification {
                        reason: "it carries neither an error nor a code",
                    })?;
                vec![
                    ("grant_type".into(), "authorization_code".to_owned()),
                    ("code".into(), code.to_owned()),
                    ("redirect_uri".into(), flow.redirect_uri.clone()),
                ]
            }
            NotificationDelivery::Ping => vec![
                (
                    "grant_type".into(),
                    "urn:openid:params:grant-type:ciba".to_owned(),
                ),
                ("auth_req_id".into(), request_id.clone()),
            ],
        };
        let tokens = self.token_request(form).await?;
        let mut login = self
            .login_from(tokens, flow.nonce.clone(), flow.scope.clone(), None)
            .await?;
        let correlation_id = flow
            .correlation
            .get(member::CORRELATION_ID)
            .cloned()
            .unwrap_or_default();
        login.correlation_id = Some(correlation_id.clone());
        let userinfo = self.userinfo(&login).await?;
        Ok(Identification {
            login,
            userinfo,
            correlation_id,
            request_id,
        })
    }
}

fn into_outcome<P: Provider>(
    result: crate::client::Result<Identification<P>, P>,
    correlation_id: String,
) -> NotificationOutcome<P> {
    match result {
        Ok(identification) => NotificationOutcome::Completed(Box::new(identification)),
        Err(error) => NotificationOutcome::Failed {
            correlation_id,
            error,
        },
    }
}

/// Remembers how a flow ended, for [`SETTLED_MEMORY`], so that a repeat of its
/// notification is told from a forgery.
pub(super) async fn settle(store: &dyn FlowStore, key: &str, flow: PendingFlow, how: &str) {
    crate::store::settle(store, key, flow, member::SETTLED, how, SETTLED_MEMORY).await;
}
