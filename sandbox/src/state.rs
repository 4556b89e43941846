//! What the sandbox remembers: clients, keys, pending interactions, pushed
//! requests, codes and tokens. One process, in memory: it is a test double.

use std::collections::HashMap;
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use idspec_codegen::model::{ClientAuthMethod, Spec};
use josekit::jwk::Jwk;

use crate::keys::KeyRing;
use crate::StartError;

/// How long the sandbox waits for a relying party to answer a notification.
const NOTIFICATION_TIMEOUT: Duration = Duration::from_secs(10);

/// What the sandbox answers at userinfo for a client.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum UserinfoResponse {
    /// The first format the spec allows.
    #[default]
    SpecDefault,
    /// `application/json`.
    Json,
    /// A signed JWT.
    Signed,
    /// A signed JWT encrypted to the client, as ID tokens are: to its RSA key
    /// (RSA-OAEP-256 where the spec allows it, else RSA-OAEP), or with `dir` and a key
    /// derived from its secret when it has no RSA key and the spec allows `dir`.
    SignedEncrypted,
}

/// A client registered with the sandbox.
#[derive(Clone, Debug)]
pub struct SandboxClient {
    /// The client id.
    pub client_id: String,
    /// The client secret.
    pub client_secret: Option<String>,
    /// Registered redirect URIs; anything else is refused without a redirect.
    pub redirect_uris: Vec<String>,
    /// Client authentication methods accepted from this client (intersected with the
    /// spec's); empty means every method the spec allows.
    pub auth_methods: Vec<ClientAuthMethod>,
    /// The client's public keys: signing keys (`use: sig` or no `use`) verify its
    /// `private_key_jwt` assertions and request objects; an RSA encryption key (`use:
    /// enc` or no `use`) receives encrypted ID tokens and userinfo responses. When the
    /// spec encrypts ID tokens, a client with neither such a key nor a secret the spec
    /// lets `dir` use gets them signed only, as a provider does for a client registered
    /// without encryption.
    pub jwks: Vec<Jwk>,
    /// The userinfo response format.
    pub userinfo: UserinfoResponse,
    /// Whether refresh tokens are issued to it.
    pub refresh_tokens: bool,
    /// The `aud` its request objects must carry where the provider assigns each
    /// client an audience (`request_object.audience: assigned`, imID); elsewhere the
    /// issuer is the audience and this is unused.
    pub audience: String,
}

impl Default for SandboxClient {
    fn default() -> Self {
        Self {
            client_id: "sandbox-client".to_owned(),
            client_secret: Some("sandbox-secret".to_owned()),
            redirect_uris: vec!["https://rp.example.test/callback".to_owned()],
            auth_methods: Vec::new(),
            jwks: Vec::new(),
            userinfo: UserinfoResponse::SpecDefault,
            refresh_tokens: true,
            audience: "sandbox-audience".to_owned(),
        }
    }
}

/// A validated authorization request, waiting for the user (or in a PAR store).
#[derive(Clone, Debug)]
pub(crate) struct AuthRequest {
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub state: Option<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub params: HashMap<String, String>,
}

/// A grant: what a code, an access token and a refresh token stand for.
#[derive(Clone, Debug)]
pub(crate) struct Grant {
    pub client_id: String,
    pub redirect_uri: String,
    pub scopes: Vec<String>,
    pub nonce: Option<String>,
    pub code_challenge: Option<String>,
    pub login: String,
    pub acr: Option<String>,
    pub auth_time: u64,
    /// The `claims` request parameter, as JSON text (OpenID Connect Core 5.5).
    pub claims_request: Option<String>,
    /// The documented error an endpoint answers for this grant's tokens (`error:token:…`).
    pub failure: Option<crate::trigger::Failure>,
    /// Values the userinfo request must repeat, by parameter (imID's `correlation_id`):
    /// the provider ties the userinfo call to the transaction the tokens came from.
    pub userinfo_params: HashMap<String, String>,
}

impl Grant {
    /// The code `endpoint` must answer for this grant, if the login asked for one.
    pub(crate) fn failure_at(
        &self,
        endpoint: idspec_codegen::model::ErrorEndpoint,
    ) -> Option<&str> {
        self.failure
            .as_ref()
            .filter(|f| f.endpoint == endpoint)
            .map(|f| f.code.as_str())
    }
}

pub(crate) struct Code {
    pub grant: Grant,
    pub issued: Instant,
    pub used: bool,
    /// Tokens issued with this code, revoked if the code is replayed (RFC 6749 4.1.2).
    pub tokens: Vec<String>,
}

pub(crate) struct Expiring<T> {
    pub value: T,
    pub expires: Instant,
}

#[derive(Default)]
pub(crate) struct Store {
    pub interactions: HashMap<String, AuthRequest>,
    pub pushed: HashMap<String, Expiring<AuthRequest>>,
    pub codes: HashMap<String, Code>,
    pub access_tokens: HashMap<String, Expiring<Grant>>,
    pub refresh_tokens: HashMap<String, Grant>,
    /// Client assertion ids seen, so that an assertion cannot be replayed.
    pub seen_jti: std::collections::HashSet<String>,
    /// Backchannel authentications, by request id (`auth_req_id`).
    pub transactions: HashMap<String, crate::backchannel::Transaction>,
    /// Backchannel requests per scripted login, for the users whose error comes in a
    /// burst (`times`).
    pub attempts: HashMap<String, u32>,
    /// Every notification sent, replays included, oldest first.
    pub notifications: Vec<crate::backchannel::NotificationRecord>,
}

pub(crate) struct State {
    pub spec: Spec,
    pub issuer: String,
    pub clients: Vec<SandboxClient>,
    pub keys: KeyRing,
    pub store: Mutex<Store>,
    /// Calls the relying party back (backchannel notifications); built on first use,
    /// since only backchannel providers need it.
    http: OnceLock<reqwest::Client>,
    /// Set when the sandbox stops, so that no scripted answer is sent after it.
    pub closed: tokio::sync::watch::Sender<bool>,
    /// Woken whenever a notification is recorded.
    pub delivered: tokio::sync::Notify,
    /// The proofing-session simulation, for a rest spec.
    pub proofing: Option<std::sync::Arc<crate::proofing::Proofing>>,
}

impl State {
    pub(crate) fn new(
        spec: Spec,
        issuer: String,
        options: crate::SandboxOptions,
    ) -> Result<Self, StartError> {
        use idspec_codegen::model::Family;
        let mut proofing = None;
        match spec.family {
            Family::Oidc | Family::Oauth2 => {}
            Family::Rest => {
                proofing = Some(std::sync::Arc::new(crate::proofing::Proofing::new(
                    &spec, &options,
                )?));
            }
            Family::Backchannel if spec.backchannel.is_some() => {}
            Family::Backchannel => {
                return Err(StartError::Unsupported(
                    "family backchannel without a `backchannel` section".to_owned(),
                ))
            }
        }
        let keys = KeyRing::new(&spec).map_err(|e| StartError::Unsupported(e.to_string()))?;
        Ok(Self {
            spec,
            issuer,
            clients: options.clients,
            keys,
            store: Mutex::new(Store::default()),
            http: OnceLock::new(),
            closed: tokio::sync::watch::channel(false).0,
            delivered: tokio::sync::Notify::new(),
            proofing,
        })
    }

    /// The HTTP client that calls relying parties: no redirects followed (a
    /// provider posts to the registered URI only), no proxy (the relying party of a
    /// test listens on loopback), and a bounded wait.
    /// Posts a JSON `body` to a relying party (a notification, a webhook), with a
    /// bearer token if given; the status, or why no answer came.
    pub(crate) async fn post_json(
        &self,
        url: &str,
        bearer: Option<&str>,
        body: Vec<u8>,
    ) -> Result<u16, String> {
        let mut request = self
            .http()
            .post(url)
            .header(axum::http::header::CONTENT_TYPE, "application/json")
            .body(body);
        if let Some(bearer) = bearer {
            request = request.bearer_auth(bearer);
        }
        let response = request.send().await.map_err(|error| {
            // reqwest's own message hides the cause ("connection refused").
            let mut text = error.to_string();
            let mut source = std::error::Error::source(&error);
            while let Some(cause) = source {
                text.push_str(": ");
                text.push_str(&cause.to_string());
                source = cause.source();
            }
            text
        })?;
        Ok(response.status().as_u16())
    }

    pub(crate) fn http(&self) -> &reqwest::Client {
        self.http.get_or_init(|| {
            reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .no_proxy()
                .timeout(NOTIFICATION_TIMEOUT)
                .build()
                .unwrap_or_default()
        })
    }

    pub(crate) fn store(&self) -> std::sync::MutexGuard<'_, Store> {
        // Every update is a single insert or remove, so a poisoned lock still holds
        // consistent data.
        self.store
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }

    pub(crate) fn client(&self, client_id: &str) -> Option<&SandboxClient> {
        self.clients.iter().find(|c| c.client_id == client_id)
    }

    pub(crate) fn lifetime(
        &self,
        lifetime: Option<idspec_codegen::model::Duration>,
        default: u64,
    ) -> Duration {
        Duration::from_secs(lifetime.map(|d| d.seconds).unwrap_or(default))
    }

    /// Paths of the sandbox's endpoints.
    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{path}", self.issuer)
    }
}

/// An unguessable handle (codes, tokens, interaction ids).
pub(crate) fn handle() -> String {
    idspec_runtime::random::token()
}

/// Seconds since the epoch.
pub(crate) fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default()
}
