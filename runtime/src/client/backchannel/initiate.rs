//! Sending a backchannel authentication request, and waiting for its outcome.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;

use super::{
    flow_key, member, now_ms, settled_key, BackchannelError, BackchannelParams, Delivered,
};
use crate::client::resolve::Endpoint;
use crate::client::{Client, Provider, Result};
use crate::config::ConfigError;
use crate::error::{EndpointKind, ResponseError, ResponseProblem};
use crate::params::RequestObject;
use crate::secret::Nonce;
use crate::store::PendingFlow;

/// How long a waiter still listens after its deadline when a notification has
/// already taken the flow: the token exchange and userinfo calls that complete it
/// are bounded by the HTTP client's timeout.
const SETTLING: Duration = Duration::from_secs(60);

/// A backchannel authentication the provider accepted: the user is being asked.
///
/// Wait for it here with [`outcome`](Self::outcome), or drop it and take the outcome
/// from [`Client::handle_notification`] (the way to go with several instances, where
/// the notification may reach another one).
#[must_use = "wait for the outcome, or take it from Client::handle_notification"]
pub struct PendingIdentification<P: Provider> {
    client: Client<P>,
    correlation_id: String,
    request_id: String,
    key: String,
    settled_key: String,
    started: tokio::time::Instant,
    wait: Duration,
    receiver: tokio::sync::oneshot::Receiver<Delivered<P>>,
    // Keeps this waiter registered; the handler skips waiters whose handle is gone.
    _alive: std::sync::Arc<()>,
}

impl<P: Provider> std::fmt::Debug for PendingIdentification<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PendingIdentification")
            .field("provider", &P::PROFILE.id)
            .field("correlation_id", &self.correlation_id)
            .field("request_id", &self.request_id)
            .field("wait", &self.wait)
            .finish_non_exhaustive()
    }
}

impl<P: Provider> PendingIdentification<P> {
    /// The relying party's id for this transaction (`correlation_id`), sent to the
    /// provider and echoed by its notification: the key to keep the outcome under.
    pub fn correlation_id(&self) -> &str {
        &self.correlation_id
    }

    /// The provider's id for the request (`auth_req_id`).
    pub fn request_id(&self) -> &str {
        &self.request_id
    }

    /// How long the flow waits for its notification, from when it was accepted.
    pub fn wait(&self) -> Duration {
        self.wait
    }

    /// Waits for the notification to complete the flow in this process: the
    /// identification (tokens, validated ID token, userinfo), the provider's error
    /// (the user cancelled), or [`BackchannelError::TimedOut`] once the wait is over,
    /// after which the flow is removed and a late notification completes nothing.
    /// Never waits longer than the wait plus the time an already-started completion
    /// needs.
    pub async fn outcome(mut self) -> Result<super::Identification<P>, P> {
        let deadline = self.started + self.wait;
        tokio::select! {
            // A dropped sender means the flow was handled in another process.
            delivered = &mut self.receiver => return match delivered {
                Ok(delivered) => delivered,
                Err(_) => Err(BackchannelError::HandledElsewhere.into()),
            },
            () = tokio::time::sleep_until(deadline) => {}
        }
        let store = &self.client.inner.store;
        if let Some(flow) = store.take(&self.key).await? {
            tracing::info!(
                correlation_id = %self.correlation_id,
                "no notification within the wait; the identification is abandoned"
            );
            super::notification::settle(store.as_ref(), &self.settled_key, flow, "expired").await;
            return Err(BackchannelError::TimedOut { after: self.wait }.into());
        }
        // A late notification took the flow and marked it expired (it may have
        // arrived before this waiter woke up, or on another instance).
        if let Some(settled) = store.take(&self.settled_key).await? {
            let how = settled.correlation.get(member::SETTLED).cloned();
            let how = how.as_deref().unwrap_or("completed");
            super::notification::settle(store.as_ref(), &self.settled_key, settled, how).await;
            if how == "expired" {
                return Err(BackchannelError::TimedOut { after: self.wait }.into());
            }
        }
        // A notification took the flow in time: its completion is under way.
        match tokio::time::timeout(SETTLING, &mut self.receiver).await {
            Ok(Ok(delivered)) => delivered,
            Ok(Err(_)) => Err(BackchannelError::HandledElsewhere.into()),
            Err(_) => Err(BackchannelError::HandledElsewhere.into()),
        }
    }
}

#[derive(Deserialize)]
struct Accepted {
    #[serde(default)]
    expires_in: Option<serde_json::Value>,
    #[serde(flatten)]
    members: serde_json::Map<String, serde_json::Value>,
}

impl<P: Provider> Client<P> {
    /// Starts a backchannel authentication: sends the request (a signed request
    /// object carrying the user's identifier, a fresh nonce, correlation id and
    /// notification token, and the client's redirect URI as the notification URL),
    /// and once the provider accepts it stores the pending flow for the notification.
    ///
    /// Errors at this step are the provider's (imID: `ERR201`, the user has no
    /// activated imID; `HTTP500`, try again in about 200 s, see
    /// [`ProviderError::retry_after`](crate::ProviderError::retry_after)).
    #[tracing::instrument(name = "idspec.initiate", skip_all, fields(provider = P::PROFILE.id))]
    pub async fn initiate(
        &self,
        request: impl Into<BackchannelParams>,
    ) -> Result<PendingIdentification<P>, P> {
        let profile = self.profile();
        let backchannel = profile.backchannel.ok_or(ConfigError::WrongFamily(
            "this provider has no backchannel authentication; start a login with Client::start",
        ))?;
        let request = request.into();
        let params = request.params();
        let nonce = Nonce::generate();
        let token = crate::random::uuid_v4();
        let correlation_id = crate::random::uuid_v4();
        let scope = params.scopes().join(" ");
        let notification_uri = self.inner.redirect_uri.to_string();

        let mut members: crate::client::Form = vec![
            ("response_type".into(), backchannel.response_type.to_owned()),
            ("scope".into(), scope.clone()),
            ("nonce".into(), nonce.secret().to_owned()),
            (backchannel.bearer.into(), token.clone()),
            (backchannel.uri.into(), notification_uri.clone()),
        ];
        if let Some(name) = backchannel.correlation_id {
            members.push((name.into(), correlation_id.clone()));
        }
        members.extend(params.params().iter().cloned());

        let mut form: crate::client::Form =
            vec![("client_id".into(), self.inner.client_id.clone())];
        match profile.request_object {
            // The signature authenticates the request: imID takes no client secret here.
            Some(request_object) => {
                let audience = self.request_object_audience(&request_object)?;
                let provider_keys = self.inner.resolver.jwks().await?;
                let object = crate::client::request_object::build(
                    &self.inner,
                    &request_object,
                    RequestObject::Signed,
                    &members,
                    &audience,
                    provider_keys,
                )
                .await?;
                form.push(("response_type".into(), backchannel.response_type.to_owned()));
                form.push(("scope".into(), scope.clone()));
                form.push(("request".into(), object));
            }
            None => form.extend(members),
        }

        let endpoint = self
            .inner
            .resolver
            .endpoint(Endpoint::Authorization)
            .await?;
        let raw = self
            .inner
            .http
            .execute(
                EndpointKind::Authorization,
                self.inner
                    .http
                    .request(reqwest::Method::POST, &endpoint)
                    .header(reqwest::header::ACCEPT, "application/json")
                    .form(&form),
            )
            .await?;
        if !(200..300).contains(&raw.status) {
            let error = self.endpoint_error(EndpointKind::Authorization, raw);
            tracing::info!(code = %crate::ErrorMetadata::code(&error), "the provider refused the request");
            return Err(error);
        }
        let accepted: Accepted = serde_json::from_slice(&raw.body).map_err(|e| {
            ResponseError::new(
                EndpointKind::Authorization,
                format!("not a backchannel response ({:?} error)", e.classify()),
            )
            .with_problem(ResponseProblem::NotJson)
            .with_raw(raw.clone())
        })?;
        let request_id = accepted
            .members
            .get(backchannel.request_id)
            .and_then(|v| v.as_str())
            .filter(|v| !v.is_empty())
            .ok_or(BackchannelError::MissingRequestId {
                member: backchannel.request_id,
            })?
            .to_owned();

        let wait = self
            .inner
            .backchannel_wait
            .unwrap_or(backchannel.timeout + backchannel.grace);
        let started_at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let deadline_ms = now_ms().saturating_add(u64::try_from(wait.as_millis()).unwrap_or(0));
        let mut correlation = std::collections::HashMap::from([
            (member::TOKEN_DIGEST.to_owned(), super::token_digest(&token)),
            (member::DEADLINE_MS.to_owned(), deadline_ms.to_string()),
            (member::REQUEST_ID.to_owned(), request_id.clone()),
            (member::CORRELATION_ID.to_owned(), correlation_id.clone()),
        ]);
        correlation.insert(backchannel.request_id.to_owned(), request_id.clone());
        if let Some(name) = backchannel.correlation_id {
            correlation.insert(name.to_owned(), correlation_id.clone());
        }
        let flow = PendingFlow {
            redirect_uri: notification_uri,
            nonce: Some(nonce),
            pkce_verifier: None,
            scope,
            started_at,
            correlation,
        };
        let key = flow_key(profile.id, &token);
        // Registered before the flow is stored, so that no notification can find the
        // flow without finding its waiter.
        let (receiver, alive) = self.inner.waiters.register::<P>(key.clone());
        // Kept a little past the wait, so that the waiter ends the flow (a typed timeout
        // and a "settled" marker for a late notification), not the store's expiry.
        self.inner.store.put(&key, flow, wait + SETTLING).await?;
        tracing::debug!(
            expires_in = ?accepted.expires_in,
            "backchannel authentication accepted; waiting for the notification"
        );
        Ok(PendingIdentification {
            client: self.clone(),
            correlation_id,
            request_id,
            settled_key: settled_key(profile.id, &token),
            key,
            started: tokio::time::Instant::now(),
            wait,
            receiver,
            _alive: alive,
        })
    }
}
