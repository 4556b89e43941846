//! idspec-sandbox: a simulated identity provider, served from a provider's spec.
//!
//! From the same spec the generated client is made of, it serves discovery, its
//! own JWKS (rotated on demand), authorize (with a small login page for people),
//! PAR, request objects (signed, or signed then encrypted to the sandbox), token
//! (every client authentication method the spec allows; ID tokens encrypted to the
//! client where the spec says so), userinfo (JSON, signed, or signed and encrypted),
//! refresh and revocation. Scripted users from the spec's `sandbox` section trigger
//! the provider's documented errors, answered in the provider's own error format;
//! a login of `error:<code>` triggers any documented code at the authorization
//! endpoint, `error:token:<code>` (or `userinfo:`, `revocation:`) at that endpoint
//! once the person has signed in. It is as strict as the provider's document about what
//! a client sends, so that a client bug shows up here rather than in production.
//! Every request it receives is counted per route ([`Sandbox::requests`]), so that a
//! test can see which round trips a client made.
//!
//! Backchannel providers (imID) have no front channel: the relying party posts a
//! signed request naming the user, the user answers on their phone (a scripted user
//! by itself, anyone else on the sandbox's phone page, `/sandbox/phone`), and the
//! sandbox calls the relying party back at its notification URI. Every notification
//! is recorded ([`Sandbox::notifications`]) and can be sent again
//! ([`Sandbox::replay_notification`]).
//!
//! Rest providers (IDEMIA's Identity Proofing App) are no login: the sandbox
//! serves their client credentials token endpoint, the session operation, the
//! person's start page, and the identity and its proof file behind the API key, at
//! the paths of the spec's first environment ([`Sandbox::rest_urls`] points a client
//! at them). What happens between is a proofing-session simulation, not the
//! provider's: on the start page the person picks a scripted user instead of
//! showing a document and a face; after the user's delay the session finishes once,
//! a verified user gets a fictional identity (with a streamed tar.gz proof file, its
//! size set by [`Sandbox::set_proof_padding`]), and the end-of-process webhook is
//! posted to the session's `callbackUrl` (loopback only), retried as the spec says.
//! Every attempt is recorded ([`Sandbox::webhook_deliveries`],
//! [`Sandbox::wait_for_webhook`]) and can be sent again ([`Sandbox::replay_webhook`]).
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! let spec = idspec_codegen::load_file("specs/mobileid.yaml")?;
//! let sandbox = idspec_sandbox::Sandbox::start(&spec, Default::default()).await?;
//! println!("issuer: {}", sandbox.issuer());
//! # Ok(()) }
//! ```
#![warn(missing_docs)]

mod backchannel;
mod claims;
mod client_auth;
mod errors;
mod jwe;
mod jws;
mod keys;
mod page;
mod proofing;
mod request;
mod request_object;
mod requests;
mod routes;
mod state;
mod trigger;
pub mod user_agent;

use std::net::SocketAddr;
use std::sync::Arc;

use idspec_codegen::ValidatedSpec;
use url::Url;

pub use backchannel::NotificationRecord;
pub use proofing::WebhookRecord;
pub use requests::RequestCounts;
pub use state::{SandboxClient, UserinfoResponse};

/// How a sandbox is set up.
#[derive(Clone, Debug)]
pub struct SandboxOptions {
    /// The registered clients. By default one: `sandbox-client` / `sandbox-secret`,
    /// redirect URI `https://rp.example.test/callback`, every method the spec allows.
    pub clients: Vec<SandboxClient>,
    /// The port on 127.0.0.1; 0 picks a free one.
    pub port: u16,
    /// Rest providers: the API key the identity endpoints take (in the header the
    /// spec's `api_key` scheme names). By default `sandbox-api-key`.
    pub api_key: String,
    /// Rest providers: how long the client credentials tokens live (IPA's
    /// document: 3600 s, the default); a short one lets a test see renewal.
    /// `expires_in` carries it in whole seconds.
    pub access_token_lifetime: std::time::Duration,
}

impl Default for SandboxOptions {
    fn default() -> Self {
        Self {
            clients: vec![SandboxClient::default()],
            port: 0,
            api_key: "sandbox-api-key".to_owned(),
            access_token_lifetime: std::time::Duration::from_secs(3600),
        }
    }
}

/// Why a sandbox could not start.
#[derive(Debug)]
#[non_exhaustive]
pub enum StartError {
    /// The port could not be bound.
    Bind(std::io::Error),
    /// The spec's family or algorithms are not served by this sandbox.
    Unsupported(String),
}

impl std::fmt::Display for StartError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::Bind(error) => write!(f, "cannot bind the sandbox's port: {error}"),
            Self::Unsupported(what) => write!(f, "the sandbox cannot serve this spec: {what}"),
        }
    }
}

impl std::error::Error for StartError {}

/// A running sandbox. It stops when dropped.
pub struct Sandbox {
    state: Arc<state::State>,
    address: SocketAddr,
    base_url: Url,
    issuer: String,
    requests: requests::Counter,
    shutdown: Option<tokio::sync::oneshot::Sender<()>>,
}

impl Sandbox {
    /// Starts a sandbox for `spec` on 127.0.0.1 and returns once it accepts requests.
    pub async fn start(spec: &ValidatedSpec, options: SandboxOptions) -> Result<Self, StartError> {
        let listener = tokio::net::TcpListener::bind(("127.0.0.1", options.port))
            .await
            .map_err(StartError::Bind)?;
        let address = listener.local_addr().map_err(StartError::Bind)?;
        let issuer = format!("http://{address}");
        let base_url = Url::parse(&format!("{issuer}/"))
            .map_err(|e| StartError::Unsupported(e.to_string()))?;
        let state = Arc::new(state::State::new(
            spec.spec().clone(),
            issuer.clone(),
            options,
        )?);
        let requests = requests::Counter::default();
        let router = routes::router(Arc::clone(&state), &requests);
        let (shutdown, signal) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(async move {
            let served = axum::serve(listener, router).with_graceful_shutdown(async {
                let _ = signal.await;
            });
            if let Err(error) = served.await {
                tracing::error!(%error, "the sandbox stopped");
            }
        });
        tracing::info!(provider = %spec.spec().id, %issuer, "sandbox started");
        Ok(Self {
            state,
            address,
            base_url,
            issuer,
            requests,
            shutdown: Some(shutdown),
        })
    }

    /// The base URL, `http://127.0.0.1:PORT/`.
    pub fn base_url(&self) -> &Url {
        &self.base_url
    }

    /// The issuer identifier, `http://127.0.0.1:PORT` (no trailing slash), as it
    /// appears in discovery, tokens and callbacks.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The endpoints to point a client at: discovered for OpenID Connect providers,
    /// listed for OAuth 2 providers, which publish no discovery document. Rest
    /// providers have none of these: see [`Sandbox::rest_urls`].
    pub fn endpoints(&self) -> idspec_runtime::Endpoints {
        let paths = routes::Paths::of(&self.state.spec);
        let url = |path: &str| Url::parse(&format!("{}{path}", self.issuer)).ok();
        let openid = self.state.spec.is_openid();
        let mut endpoints = idspec_runtime::Endpoints {
            // A plain OAuth 2 provider has no issuer identifier to compare.
            issuer: openid.then(|| self.issuer.clone()),
            authorization: url(&paths.authorization),
            token: url(&paths.token),
            userinfo: url(&paths.userinfo),
            ..Default::default()
        };
        // Only where the provider documents one (itsme's client secret variant, not ID.me).
        let spec = &self.state.spec;
        if spec
            .environments
            .values()
            .any(|env| env.endpoints.revocation.is_some())
        {
            endpoints.revocation = url(&paths.revocation);
        }
        if openid {
            endpoints.discovery = url(routes::DISCOVERY);
            endpoints.jwks = url(&paths.jwks);
        }
        if self.state.spec.par != idspec_codegen::model::ParMode::None {
            endpoints.par = url(&paths.par);
        }
        endpoints
    }

    /// The socket address.
    pub fn address(&self) -> SocketAddr {
        self.address
    }

    /// How many requests the sandbox has received since it started, per route: the
    /// path of each of [`Sandbox::endpoints`] (the login page's form posts to
    /// `/sandbox/interaction/{id}`). Two snapshots give what happened between them
    /// ([`RequestCounts::since`]), e.g. the round trips a client makes per login.
    pub fn requests(&self) -> RequestCounts {
        self.requests.snapshot()
    }

    /// Publishes a new signing key and signs with it from now on; the previous key
    /// stays in the JWKS so that tokens it signed still verify.
    pub fn rotate_keys(&self) -> Result<String, StartError> {
        self.state
            .keys
            .rotate()
            .map_err(|e| StartError::Unsupported(e.to_string()))
    }

    /// The key id currently signing.
    pub fn current_kid(&self) -> String {
        self.state.keys.current_kid()
    }

    /// Every notification sent to a relying party so far (backchannel providers),
    /// replays included, oldest first.
    pub fn notifications(&self) -> Vec<NotificationRecord> {
        self.state.store().notifications.clone()
    }

    /// The first notification about `auth_req_id`, waiting for it up to `timeout`;
    /// `None` if none came (a user who never answers).
    pub async fn wait_for_notification(
        &self,
        auth_req_id: &str,
        timeout: std::time::Duration,
    ) -> Option<NotificationRecord> {
        backchannel::wait_for(&self.state, auth_req_id, timeout).await
    }

    /// Sends the notification about `auth_req_id` again, exactly as it was sent (the
    /// same body, the same bearer), as a network retry or an attacker would; the
    /// status the relying party answered, or why the call failed.
    pub async fn replay_notification(&self, auth_req_id: &str) -> Result<u16, String> {
        backchannel::replay(&self.state, auth_req_id).await
    }

    /// Rest providers: each environment URL of the spec (`cognito_url`,
    /// `create_session_url`, …) by name, as the sandbox serves it: the same path on
    /// the sandbox's host. Empty for the other families.
    pub fn rest_urls(&self) -> Vec<(String, Url)> {
        let Some(rest) = proofing::Rest::of(&self.state) else {
            return Vec::new();
        };
        rest.proofing
            .config
            .urls
            .iter()
            .filter_map(|(name, path)| {
                let url = Url::parse(&format!("{}{path}", self.issuer)).ok()?;
                Some((name.clone(), url))
            })
            .collect()
    }

    /// Rest providers: how many requests reached the token endpoint, refused ones
    /// included.
    pub fn token_requests(&self) -> usize {
        proofing::Rest::of(&self.state).map_or(0, |rest| rest.proofing.token_requests())
    }

    /// Rest providers: makes the session expire now, as if its lifetime had passed;
    /// whether the session exists.
    pub fn expire_session(&self, session_id: &str) -> bool {
        proofing::Rest::of(&self.state).is_some_and(|rest| rest.proofing.expire(session_id))
    }

    /// Rest providers: the size of the padding file in the proof archives served
    /// from now on (64 KiB by default; at most 8 GiB - 1, what a tar header holds).
    pub fn set_proof_padding(&self, bytes: u64) {
        if let Some(rest) = proofing::Rest::of(&self.state) {
            rest.proofing.set_proof_padding(bytes);
        }
    }

    /// Rest providers: every webhook attempt so far, retries and replays included,
    /// oldest first.
    pub fn webhook_deliveries(&self) -> Vec<WebhookRecord> {
        proofing::Rest::of(&self.state).map_or_else(Vec::new, |rest| rest.proofing.webhooks())
    }

    /// Rest providers: the attempts of the webhook delivery for `session_id` once it
    /// is over (answered with a 2xx status, or the retries spent), waiting up to
    /// `timeout`; `None` if it is not over by then, or there is none to wait for
    /// (an unknown session, a session without `callbackUrl`).
    pub async fn wait_for_webhook(
        &self,
        session_id: &str,
        timeout: std::time::Duration,
    ) -> Option<Vec<WebhookRecord>> {
        let rest = proofing::Rest::of(&self.state)?;
        proofing::wait_for(&rest.proofing, session_id, timeout).await
    }

    /// Rest providers: posts the webhook of `session_id` once more, the same body, as
    /// a retry after a lost answer or an attacker would; the status the relying
    /// party answered, or why the call failed.
    pub async fn replay_webhook(&self, session_id: &str) -> Result<u16, String> {
        let rest = proofing::Rest::of(&self.state)
            .ok_or_else(|| "this sandbox serves no rest provider".to_owned())?;
        proofing::replay(&rest, session_id).await
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        self.state.closed.send_replace(true);
        if let Some(shutdown) = self.shutdown.take() {
            let _ = shutdown.send(());
        }
    }
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("provider", &self.state.spec.id)
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}
