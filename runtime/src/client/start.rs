//! Starting a login: the authorization URL, pushed first when the request says so.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use serde::Deserialize;
use url::Url;

use super::client_auth::authenticate;
use super::resolve::Endpoint;
use super::{Client, Provider, Result};
use crate::dialect;
use crate::error::{EndpointKind, ResponseError};
use crate::params::AuthorizationParams;
use crate::profile::{ParMode, PkceMode};
use crate::secret::{Nonce, PkceVerifier, State};
use crate::store::PendingFlow;

/// How long a pending flow waits for its callback when the spec does not say.
const DEFAULT_PENDING_FLOW_LIFETIME: Duration = Duration::from_secs(600);

/// Where to send the user, and the state that will come back.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub struct AuthorizationStart {
    /// The authorization URL to redirect the browser to.
    pub url: Url,
    /// The state in the URL; the pending flow is stored under it.
    pub state: State,
}

#[derive(Deserialize)]
struct ParResponse {
    request_uri: String,
    #[serde(default)]
    expires_in: Option<u64>,
}

impl<P: Provider> Client<P> {
    /// Starts a login: stores a pending flow (state, nonce, PKCE verifier) and
    /// returns the URL to redirect the user to. A pushed request is sent to the PAR
    /// endpoint first, and the URL carries only its `request_uri`.
    #[tracing::instrument(name = "idspec.start", skip_all, fields(provider = P::PROFILE.id, pushed))]
    pub async fn start(
        &self,
        request: impl Into<AuthorizationParams>,
    ) -> Result<AuthorizationStart, P> {
        let params = request.into();
        let profile = self.profile();
        let pushed = params.is_pushed() || profile.par == ParMode::Required;
        tracing::Span::current().record("pushed", pushed);

        let state = State::generate();
        let nonce = profile.is_openid().then(Nonce::generate);
        let verifier = (profile.pkce != PkceMode::None).then(PkceVerifier::generate);
        let scope = params.scopes().join(" ");

        let mut form: super::Form = vec![
            ("response_type".into(), "code".to_owned()),
            ("redirect_uri".into(), self.inner.redirect_uri.to_string()),
            ("scope".into(), scope.clone()),
            ("state".into(), state.secret().to_owned()),
        ];
        if let Some(nonce) = &nonce {
            form.push(("nonce".into(), nonce.secret().to_owned()));
        }
        if let Some(verifier) = &verifier {
            form.push(("code_challenge".into(), verifier.s256_challenge()));
            form.push(("code_challenge_method".into(), "S256".to_owned()));
        }
        form.extend(params.params().iter().cloned());
        if let Some(mode) = params.request_object() {
            form = self.as_request_object(mode, form).await?;
        }

        let mut url = self
            .inner
            .resolver
            .endpoint(Endpoint::Authorization)
            .await?;
        if pushed {
            let request_uri = self.push(form).await?;
            url.query_pairs_mut()
                .append_pair("client_id", &self.inner.client_id)
                .append_pair("request_uri", &request_uri);
        } else {
            let mut query = url.query_pairs_mut();
            query.append_pair("client_id", &self.inner.client_id);
            for (name, value) in &form {
                query.append_pair(name, value);
            }
        }

        let started_at = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_secs())
            .unwrap_or_default();
        let flow = PendingFlow {
            redirect_uri: self.inner.redirect_uri.to_string(),
            nonce,
            pkce_verifier: verifier,
            scope,
            started_at,
            correlation: Default::default(),
        };
        let lifetime = profile
            .pending_flow_lifetime
            .unwrap_or(DEFAULT_PENDING_FLOW_LIFETIME);
        self.inner
            .store
            .put(&self.flow_key(&state), flow, lifetime)
            .await?;
        tracing::debug!("authorization started");
        Ok(AuthorizationStart { url, state })
    }

    /// Replaces the request's parameters with a request object carrying them all.
    /// `response_type` and `scope` stay outside too, as OpenID Connect Core 6.1 asks.
    async fn as_request_object(
        &self,
        mode: crate::params::RequestObject,
        form: super::Form,
    ) -> Result<super::Form, P> {
        let profile = self
            .profile()
            .request_object
            .ok_or(crate::config::ConfigError::RequestObjectUnsupported)?;
        let audience = self.request_object_audience(&profile)?;
        let provider_keys = self.inner.resolver.jwks().await?;
        let object = super::request_object::build(
            &self.inner,
            &profile,
            mode,
            &form,
            &audience,
            provider_keys,
        )
        .await?;
        let outside = |name: &str| {
            form.iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.clone())
                .unwrap_or_default()
        };
        Ok(vec![
            ("response_type".into(), outside("response_type")),
            ("scope".into(), outside("scope")),
            ("request".into(), object),
        ])
    }

    /// The `aud` of this client's request objects.
    pub(super) fn request_object_audience(
        &self,
        profile: &crate::profile::RequestObjectProfile,
    ) -> std::result::Result<String, crate::config::ConfigError> {
        Ok(match profile.audience {
            crate::profile::RequestObjectAudience::Issuer => self
                .inner
                .resolver
                .issuer()
                .ok_or(crate::config::ConfigError::MissingEndpoint("issuer"))?
                .to_owned(),
            crate::profile::RequestObjectAudience::Assigned => self
                .inner
                .audience
                .clone()
                .ok_or(crate::config::ConfigError::MissingAudience)?,
        })
    }

    /// RFC 9126: posts the request, authenticated, and returns its `request_uri`.
    async fn push(&self, mut form: super::Form) -> Result<String, P> {
        let endpoint = self.inner.resolver.endpoint(Endpoint::Par).await?;
        let request = self.inner.http.request(reqwest::Method::POST, &endpoint);
        // RFC 9126 2: the issuer is an audience the provider must accept at PAR.
        let audience = self
            .inner
            .resolver
            .issuer()
            .map(str::to_owned)
            .unwrap_or_else(|| endpoint.to_string());
        let request = authenticate(&self.inner, request, &mut form, &audience)?;
        let raw = self
            .inner
            .http
            .execute(EndpointKind::PushedAuthorization, request.form(&form))
            .await?;
        // RFC 9126 answers 201; some providers document 200.
        if !(200..300).contains(&raw.status) {
            return Err(
                match dialect::body_error(
                    &self.profile().errors,
                    EndpointKind::PushedAuthorization,
                    &raw,
                ) {
                    Some(error) => error.into(),
                    None => ResponseError::new(
                        EndpointKind::PushedAuthorization,
                        format!("HTTP status {}", raw.status),
                    )
                    .with_problem(crate::error::ResponseProblem::Status)
                    .with_raw(raw)
                    .into(),
                },
            );
        }
        let response: ParResponse = serde_json::from_slice(&raw.body).map_err(|e| {
            ResponseError::new(
                EndpointKind::PushedAuthorization,
                format!("not a PAR response ({:?} error)", e.classify()),
            )
            .with_problem(crate::error::ResponseProblem::NotJson)
            .with_raw(raw.clone())
        })?;
        if response.request_uri.is_empty() {
            return Err(ResponseError::new(
                EndpointKind::PushedAuthorization,
                "the request_uri is empty",
            )
            .with_raw(raw)
            .into());
        }
        tracing::debug!(expires_in = response.expires_in, "request pushed");
        Ok(response.request_uri)
    }

    pub(super) fn flow_key(&self, state: &State) -> String {
        format!("idspec:{}:{}", self.profile().id, state.secret())
    }
}
