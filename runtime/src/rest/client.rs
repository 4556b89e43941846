//! The REST client: configuration, operations, downloads and links.

use std::marker::PhantomData;
use std::sync::Arc;
use std::time::Duration;

use url::Url;

use super::download::{self, Downloaded};
use super::token::TokenSource;
use super::{
    template, AuthKind, DownloadOperation, JsonOperation, Link, Operation, OperationProfile,
    RestEnvironment, RestProvider, UrlName,
};
use crate::config::ConfigError;
use crate::error::{EndpointKind, ResponseError, ResponseProblem};
use crate::http::HttpClient;
use crate::secret::{ApiKey, ClientSecret};
use crate::store::{FlowStore, MemoryFlowStore};
use crate::RawResponse;

/// The result type of REST operations.
pub type Result<T, P> = std::result::Result<T, crate::Error<<P as RestProvider>::ErrorCode>>;

/// The default bound on a download: large enough for a proof archive full of
/// images, small enough that a runaway response cannot fill a disk.
pub const DEFAULT_MAX_DOWNLOAD: u64 = 512 * 1024 * 1024;

/// The default bound on a whole download: a proof archive at a slow but steady
/// megabit per second.
pub const DEFAULT_DOWNLOAD_TIMEOUT: Duration = Duration::from_secs(30 * 60);

/// Why a REST call was not made or its answer not used, beyond what the provider
/// reported.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum RestError {
    /// The operation's URL is not on the environment URL it must be on (a URL
    /// taken from a webhook points elsewhere). Nothing was sent.
    #[error("the {operation} URL is not on the configured {origin}; nothing was sent")]
    ForeignUrl {
        /// The operation.
        operation: &'static str,
        /// The environment URL it must share its origin with.
        origin: &'static str,
    },
    /// A URL parameter is not an absolute URL.
    #[error("`{name}` is not a usable absolute URL")]
    InvalidUrl {
        /// The parameter.
        name: &'static str,
    },
    /// A path parameter is empty, `.` or `..`.
    #[error("`{name}` cannot be a path segment (empty, `.` or `..`)")]
    InvalidParameter {
        /// The parameter.
        name: &'static str,
    },
    /// Generated code gave no value for a template parameter.
    #[error("no value for the URL parameter `{name}`")]
    MissingParameter {
        /// The parameter.
        name: &'static str,
    },
    /// The response of an operation that starts a flow does not name it.
    #[error("the {operation} response has no usable `{member}`")]
    MissingFlowId {
        /// The operation.
        operation: &'static str,
        /// The member expected.
        member: &'static str,
    },
    /// A download was larger than the configured bound; what was written so far is
    /// incomplete and must be discarded.
    #[error("the {operation} download is larger than {limit} bytes; it was stopped")]
    DownloadTooLarge {
        /// The operation.
        operation: &'static str,
        /// The bound.
        limit: u64,
    },
    /// Writing a download failed; what was written so far is incomplete.
    #[error("the {operation} download could not be written: {source}")]
    Write {
        /// The operation.
        operation: &'static str,
        /// The writer's error.
        source: std::io::Error,
    },
}

impl crate::ErrorMetadata for RestError {
    fn code(&self) -> &str {
        match self {
            Self::ForeignUrl { .. } => "foreign_url",
            Self::InvalidUrl { .. } | Self::InvalidParameter { .. } => "invalid_parameter",
            Self::MissingParameter { .. } => "missing_parameter",
            Self::MissingFlowId { .. } => "missing_flow_id",
            Self::DownloadTooLarge { .. } => "download_too_large",
            Self::Write { .. } => "download_write_failed",
        }
    }
    fn message(&self) -> Option<&str> {
        Some(match self {
            Self::ForeignUrl { .. } => {
                "the URL did not come from the provider's configured host; refuse the data that named it"
            }
            Self::InvalidUrl { .. } | Self::InvalidParameter { .. } => {
                "the value cannot be part of the provider's URL; check where it came from"
            }
            Self::MissingParameter { .. } => "regenerate the provider module",
            Self::MissingFlowId { .. } => "the provider's answer was not usable; try again",
            Self::DownloadTooLarge { .. } => {
                "discard the partial file; raise the bound (RestClientBuilder::max_download_bytes) only if the provider documents such sizes"
            }
            Self::Write { .. } => "discard the partial file and check the destination",
        })
    }
}

/// Where a REST client's URLs come from.
#[derive(Clone, Debug)]
pub enum RestTarget {
    /// An environment of the spec; configured URLs still have to be set.
    Static(&'static RestEnvironment),
    /// URLs given at run time by name (a sandbox's `rest_urls()`).
    Custom(Vec<(String, Url)>),
}

impl From<&'static RestEnvironment> for RestTarget {
    fn from(environment: &'static RestEnvironment) -> Self {
        Self::Static(environment)
    }
}

impl RestTarget {
    /// URLs by name, given at run time.
    pub fn urls<N: Into<String>>(urls: impl IntoIterator<Item = (N, Url)>) -> Self {
        Self::Custom(urls.into_iter().map(|(n, u)| (n.into(), u)).collect())
    }
}

/// A client for REST provider `P`. Cheap to clone; share one per process, so that
/// its access token is shared too.
pub struct RestClient<P: RestProvider> {
    pub(super) inner: Arc<Inner>,
    provider: PhantomData<fn() -> P>,
}

pub(super) struct Inner {
    pub http: HttpClient,
    urls: Vec<(&'static str, Url)>,
    pub tokens: Option<TokenSource>,
    api_key: Option<ApiKey>,
    pub store: Arc<dyn FlowStore>,
    max_download_bytes: u64,
    download_timeout: Duration,
    /// The relying party's own bound on flows, below the provider's.
    pub flow_lifetime: Option<Duration>,
}

impl<P: RestProvider> Clone for RestClient<P> {
    fn clone(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            provider: PhantomData,
        }
    }
}

impl<P: RestProvider> std::fmt::Debug for RestClient<P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let urls: Vec<(&str, String)> = self
            .inner
            .urls
            .iter()
            .map(|(name, url)| (*name, crate::http::redact_url(url)))
            .collect();
        f.debug_struct("RestClient")
            .field("provider", &P::PROFILE.id)
            .field("urls", &urls)
            .field(
                "client_id",
                &self.inner.tokens.as_ref().map(|t| t.client_id.as_str()),
            )
            .field("api_key", &self.inner.api_key)
            .finish_non_exhaustive()
    }
}

impl<P: RestProvider> RestClient<P> {
    /// Starts building a client for an environment of the spec, or for URLs given at
    /// run time.
    pub fn builder(target: impl Into<RestTarget>) -> RestClientBuilder<P> {
        RestClientBuilder {
            target: target.into(),
            urls: Vec::new(),
            client_id: None,
            client_secret: None,
            api_key: None,
            http: None,
            store: None,
            max_download_bytes: DEFAULT_MAX_DOWNLOAD,
            download_timeout: DEFAULT_DOWNLOAD_TIMEOUT,
            flow_lifetime: None,
            provider: PhantomData,
        }
    }

    /// The configured URL named `name`.
    pub fn url(&self, name: P::BaseUrl) -> &Url {
        // The builder refuses a client without every URL of the profile.
        self.base_url(name.name())
            .expect("the builder checked that every URL is configured")
    }

    fn base_url(&self, name: &str) -> Option<&Url> {
        self.inner
            .urls
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, url)| url)
    }

    /// Sends a JSON operation and returns its typed response. An operation that
    /// starts a flow (a session) also remembers it in the flow store, for the
    /// webhook that completes it.
    pub async fn send<O>(&self, operation: &O) -> Result<O::Response, P>
    where
        O: JsonOperation<Provider = P>,
    {
        let profile = O::PROFILE;
        let endpoint = EndpointKind::Operation(profile.name);
        let raw = match self.call(operation, false).await? {
            Answer::Whole(raw) => raw,
            Answer::Streamed(_) => unreachable!("a whole answer was asked for"),
        };
        let malformed = |problem: ResponseProblem, raw: &RawResponse| {
            ResponseError::new(endpoint, "not the operation's JSON response")
                .with_problem(problem)
                .with_raw(raw.clone())
        };
        let value: serde_json::Value = serde_json::from_slice(&raw.body)
            .map_err(|_| malformed(ResponseProblem::NotJson, &raw))?;
        let flow_id = match &profile.starts_flow {
            Some(start) => Some(
                value
                    .get(start.id)
                    .and_then(|v| v.as_str())
                    .filter(|id| !id.is_empty())
                    .map(str::to_owned)
                    .ok_or(RestError::MissingFlowId {
                        operation: profile.name,
                        member: start.id,
                    })?,
            ),
            None => None,
        };
        let response =
            serde_json::from_value(value).map_err(|_| malformed(ResponseProblem::Shape, &raw))?;
        // Only a response the caller receives starts a flow.
        if let (Some(start), Some(id)) = (&profile.starts_flow, flow_id) {
            super::webhook::remember_flow(self, profile, start, &id).await?;
        }
        Ok(response)
    }

    /// Runs a download operation, streaming the body to `out` chunk by chunk: memory
    /// use does not grow with the file. On an error, what was written is incomplete.
    pub async fn download<O, W>(&self, operation: &O, out: &mut W) -> Result<Downloaded, P>
    where
        O: DownloadOperation<Provider = P>,
        W: tokio::io::AsyncWrite + Unpin + ?Sized,
    {
        let response = match self.call(operation, true).await? {
            Answer::Streamed(response) => response,
            Answer::Whole(_) => unreachable!("a streamed answer was asked for"),
        };
        download::copy(
            &self.inner.http,
            O::PROFILE.name,
            response,
            out,
            self.inner.max_download_bytes,
        )
        .await
        .map_err(Into::into)
    }

    /// The URL of a link for the user (a session's start page).
    pub fn link<L: Link<Provider = P>>(&self, link: &L) -> std::result::Result<Url, RestError> {
        template::expand(
            L::TEMPLATE,
            |name| self.base_url(name).cloned(),
            &link.params(),
        )
    }

    /// Sends `operation` with its credential. A client credentials token the
    /// provider refuses (401) is renewed and the call made once more: a token can
    /// be revoked before its time.
    async fn call<O: Operation<Provider = P>>(
        &self,
        operation: &O,
        streamed: bool,
    ) -> Result<Answer, P> {
        let profile = O::PROFILE;
        let endpoint = EndpointKind::Operation(profile.name);
        let url = self.operation_url(profile, &operation.params())?;
        let body = if profile.has_body {
            Some(serde_json::to_vec(operation).map_err(|_| {
                ResponseError::new(endpoint, "the request body could not be serialized")
            })?)
        } else {
            None
        };
        let mut renewed = false;
        loop {
            let mut request = self
                .inner
                .http
                .request(profile.method.as_reqwest(), &url)
                .header(
                    reqwest::header::ACCEPT,
                    profile.media_type.unwrap_or("application/json"),
                );
            if streamed {
                // The HTTP client's timeout bounds the wait for the headers and for
                // each chunk; the whole download gets its own, longer bound.
                request = request.timeout(self.inner.download_timeout);
            }
            if let Some(body) = &body {
                request = request
                    .header(reqwest::header::CONTENT_TYPE, "application/json")
                    .body(body.clone());
            }
            let mut generation = None;
            match profile.auth {
                Some(AuthKind::ClientCredentials) => {
                    let tokens = self
                        .inner
                        .tokens
                        .as_ref()
                        .ok_or(ConfigError::MissingCredential("client credentials"))?;
                    let cached = tokens
                        .token::<P::ErrorCode>(&self.inner.http, &P::PROFILE.errors)
                        .await?;
                    generation = Some(cached.generation);
                    request = request.bearer_auth(cached.token.secret());
                }
                Some(AuthKind::ApiKey) => {
                    let key = self
                        .inner
                        .api_key
                        .as_ref()
                        .ok_or(ConfigError::MissingCredential("API key"))?;
                    let header = P::PROFILE
                        .api_key
                        .as_ref()
                        .map_or("apikey", |scheme| scheme.header);
                    request = request.header(header, key.secret());
                }
                None => {}
            }
            let answer = if streamed {
                match self.inner.http.execute_streamed(endpoint, request).await? {
                    Ok(response) => return Ok(Answer::Streamed(response)),
                    Err(raw) => raw,
                }
            } else {
                self.inner.http.execute(endpoint, request).await?
            };
            if (200..300).contains(&answer.status) {
                return Ok(Answer::Whole(answer));
            }
            if let (401, Some(generation), false) = (answer.status, generation, renewed) {
                if let Some(tokens) = &self.inner.tokens {
                    tokens.forget(generation).await;
                }
                renewed = true;
                continue;
            }
            return Err(crate::dialect::endpoint_error(
                &P::PROFILE.errors,
                endpoint,
                answer,
            ));
        }
    }

    /// The operation's URL, on its origin.
    fn operation_url(
        &self,
        profile: &'static OperationProfile,
        params: &[(&'static str, String)],
    ) -> std::result::Result<Url, RestError> {
        let url = template::expand(&profile.url, |name| self.base_url(name).cloned(), params)?;
        if let Some(origin) = profile.origin {
            let expected = self.base_url(origin).map(Url::origin);
            if expected != Some(url.origin()) {
                return Err(RestError::ForeignUrl {
                    operation: profile.name,
                    origin,
                });
            }
        }
        Ok(url)
    }

    /// Whether `url` has the origin of the configured URL named `name`.
    pub(super) fn same_origin(&self, name: &str, url: &Url) -> bool {
        self.base_url(name)
            .is_some_and(|base| base.origin() == url.origin())
    }
}

enum Answer {
    Whole(RawResponse),
    Streamed(reqwest::Response),
}

/// Builds a [`RestClient`].
pub struct RestClientBuilder<P: RestProvider> {
    target: RestTarget,
    urls: Vec<(&'static str, String)>,
    client_id: Option<String>,
    client_secret: Option<ClientSecret>,
    api_key: Option<ApiKey>,
    http: Option<HttpClient>,
    store: Option<Arc<dyn FlowStore>>,
    max_download_bytes: u64,
    download_timeout: Duration,
    flow_lifetime: Option<Duration>,
    provider: PhantomData<fn() -> P>,
}

impl<P: RestProvider> RestClientBuilder<P> {
    /// Sets an environment URL: one the provider assigns per application (the
    /// environment leaves it unset), or a fixed one overridden.
    pub fn url(mut self, name: P::BaseUrl, url: impl Into<String>) -> Self {
        self.urls.push((name.name(), url.into()));
        self
    }

    /// The client credentials of the client credentials grant.
    pub fn client_credentials(
        mut self,
        client_id: impl Into<String>,
        client_secret: impl Into<ClientSecret>,
    ) -> Self {
        self.client_id = Some(client_id.into());
        self.client_secret = Some(client_secret.into());
        self
    }

    /// The API key of the API key scheme.
    pub fn api_key(mut self, key: impl Into<ApiKey>) -> Self {
        self.api_key = Some(key.into());
        self
    }

    /// The HTTP client (limits, timeouts, an injected `reqwest::Client`).
    pub fn http_client(mut self, http: HttpClient) -> Self {
        self.http = Some(http);
        self
    }

    /// Where flows wait for their webhook (default: in memory). Use a shared store
    /// when the webhook may reach another instance than the one that started the flow.
    pub fn flow_store(mut self, store: Arc<dyn FlowStore>) -> Self {
        self.store = Some(store);
        self
    }

    /// How long a flow lives before its webhook ends it as expired, instead of the
    /// provider's documented lifetime (IPA's session: 30 minutes): for a relying
    /// party that wants proofing done sooner. A flow is never given longer than the
    /// provider keeps it.
    pub fn flow_lifetime(mut self, lifetime: Duration) -> Self {
        self.flow_lifetime = Some(lifetime);
        self
    }

    /// How long a whole download may take (default [`DEFAULT_DOWNLOAD_TIMEOUT`]);
    /// the HTTP client's timeout still bounds the wait for the response and for
    /// each chunk of it, so a stalled download fails sooner.
    pub fn download_timeout(mut self, timeout: Duration) -> Self {
        self.download_timeout = timeout;
        self
    }

    /// The largest download accepted (default [`DEFAULT_MAX_DOWNLOAD`]).
    pub fn max_download_bytes(mut self, limit: u64) -> Self {
        self.max_download_bytes = limit;
        self
    }

    /// Checks the configuration: every URL set and allowed, the credentials of
    /// every scheme present.
    pub fn build(self) -> std::result::Result<RestClient<P>, ConfigError> {
        let http = match self.http {
            Some(http) => http,
            None => HttpClient::builder()
                .build()
                .map_err(|e| ConfigError::HttpClient(e.to_string()))?,
        };
        let profile = P::PROFILE;
        let mut given: Vec<(String, String)> = match &self.target {
            RestTarget::Static(env) => env
                .urls
                .iter()
                .filter_map(|(name, url)| url.map(|url| ((*name).to_owned(), url.to_owned())))
                .collect(),
            RestTarget::Custom(urls) => urls
                .iter()
                .map(|(name, url)| (name.clone(), url.to_string()))
                .collect(),
        };
        given.extend(self.urls.iter().map(|(n, u)| ((*n).to_owned(), u.clone())));
        let mut urls = Vec::new();
        for name in profile.urls {
            let Some((_, text)) = given.iter().rev().find(|(n, _)| n == name) else {
                return Err(ConfigError::MissingUrl(name));
            };
            let url = Url::parse(text).map_err(|e| ConfigError::InvalidUrl {
                what: name,
                reason: e.to_string(),
            })?;
            http.check_url(name, &url)?;
            urls.push((*name, url));
        }
        if let Some((unknown, _)) = given
            .iter()
            .find(|(n, _)| !profile.urls.contains(&n.as_str()))
        {
            return Err(ConfigError::UnknownUrl(unknown.clone()));
        }
        let base = |name: &str| {
            urls.iter()
                .find(|(n, _)| *n == name)
                .map(|(_, u)| u.clone())
        };
        let tokens = match (
            &profile.client_credentials,
            self.client_id,
            self.client_secret,
        ) {
            (Some(scheme), Some(id), Some(secret)) => {
                let token_url = template::expand(&scheme.token_url, base, &[]).map_err(|e| {
                    ConfigError::InvalidUrl {
                        what: "token URL",
                        reason: e.to_string(),
                    }
                })?;
                http.check_url("token URL", &token_url)?;
                Some(TokenSource::new(
                    token_url,
                    id,
                    secret,
                    scheme.client_auth,
                    scheme.default_lifetime,
                ))
            }
            (Some(_), _, _) => return Err(ConfigError::MissingCredential("client credentials")),
            (None, _, _) => None,
        };
        if profile.api_key.is_some() && self.api_key.is_none() {
            return Err(ConfigError::MissingCredential("API key"));
        }
        Ok(RestClient {
            inner: Arc::new(Inner {
                http,
                urls,
                tokens,
                api_key: self.api_key,
                store: self
                    .store
                    .unwrap_or_else(|| Arc::new(MemoryFlowStore::new())),
                max_download_bytes: self.max_download_bytes,
                download_timeout: self.download_timeout,
                flow_lifetime: self.flow_lifetime,
            }),
            provider: PhantomData,
        })
    }
}

/// How long after its expiry a flow is still told apart from one never started.
pub(super) const LATE_MEMORY: Duration = Duration::from_secs(600);
