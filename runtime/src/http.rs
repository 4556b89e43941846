//! HTTP with the limits every request to a provider needs.
//!
//! Every call goes through one [`HttpClient`]: a per-request timeout, a cap on the
//! response body, no redirects, and HTTPS only (plain http only for loopback
//! sandboxes, and only with an explicit opt-in). A provider that is slow, huge or
//! redirecting must not be able to hang us, exhaust memory, or send a token-bearing
//! request somewhere else.

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, Instant};

use reqwest::{Method, RequestBuilder};
use tracing::Instrument as _;
use url::{Host, Url};

use crate::config::ConfigError;
use crate::error::{EndpointKind, RawResponse};

/// The default timeout for one request, from connecting to the end of the body.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(10);

/// The default limit on a response body: 1 MiB, far above any discovery document,
/// JWKS or token response, far below what would hurt.
pub const DEFAULT_MAX_BODY_BYTES: usize = 1024 * 1024;

/// A request to a provider failed before a complete response was read.
///
/// `Display` never contains the request URL (its query may carry a token), a header
/// or a body.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum HttpError {
    /// The underlying HTTP client could not be created (TLS backend unavailable).
    #[error("the HTTP client could not be created")]
    ClientBuild(#[source] reqwest::Error),
    /// The request URL is neither https nor an opted-in loopback http URL.
    #[error("refusing to send a {endpoint} request to {url}: only https (or loopback http with the opt-in) is allowed")]
    InsecureUrl {
        /// The endpoint the request was for.
        endpoint: EndpointKind,
        /// The URL without query, fragment or credentials.
        url: String,
    },
    /// The connection failed or broke (DNS, TCP, TLS, protocol).
    #[error("the {endpoint} request failed")]
    Transport {
        /// The endpoint the request was for.
        endpoint: EndpointKind,
        /// The cause, with the URL removed.
        #[source]
        source: reqwest::Error,
    },
    /// No complete response within the timeout.
    #[error("the {endpoint} request timed out after {} ms", after.as_millis())]
    Timeout {
        /// The endpoint the request was for.
        endpoint: EndpointKind,
        /// The timeout that expired.
        after: Duration,
    },
    /// The response body is larger than the client accepts.
    #[error("the {endpoint} response body exceeds the limit of {limit} bytes")]
    BodyTooLarge {
        /// The endpoint the request was for.
        endpoint: EndpointKind,
        /// The limit in bytes.
        limit: usize,
    },
    /// The provider answered with a redirect, which is never followed.
    #[error(
        "the {endpoint} endpoint answered with a redirect (HTTP {status}), which is never followed"
    )]
    UnexpectedRedirect {
        /// The endpoint the request was for.
        endpoint: EndpointKind,
        /// The 3xx status.
        status: u16,
    },
}

impl crate::ErrorMetadata for HttpError {
    fn code(&self) -> &str {
        match self {
            Self::ClientBuild(_) => "http_client_build",
            Self::InsecureUrl { .. } => "insecure_url",
            Self::Transport { .. } => "http_transport",
            Self::Timeout { .. } => "http_timeout",
            Self::BodyTooLarge { .. } => "http_body_too_large",
            Self::UnexpectedRedirect { .. } => "http_unexpected_redirect",
        }
    }

    fn message(&self) -> Option<&str> {
        Some(match self {
            Self::ClientBuild(_) => "the TLS backend could not be initialised; check the system's OpenSSL installation",
            Self::InsecureUrl { .. } => {
                "use an https URL, or opt in to plain http for a loopback sandbox"
            }
            Self::Transport { .. } => {
                "the provider could not be reached or broke the connection; retry later"
            }
            Self::Timeout { .. } => "the provider did not answer in time; retry later",
            Self::BodyTooLarge { .. } => {
                "the provider sent more data than allowed; raise the limit only if the provider documents such responses"
            }
            Self::UnexpectedRedirect { .. } => {
                "the endpoint URL is probably outdated; check the provider's configuration"
            }
        })
    }
}

/// The HTTP client every provider call goes through. Cheap to clone (shared inside).
#[derive(Clone)]
pub struct HttpClient {
    inner: Arc<Inner>,
}

struct Inner {
    client: reqwest::Client,
    timeout: Duration,
    max_body_bytes: usize,
    allow_loopback_http: bool,
}

impl fmt::Debug for HttpClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("HttpClient")
            .field("timeout", &self.inner.timeout)
            .field("max_body_bytes", &self.inner.max_body_bytes)
            .field("allow_loopback_http", &self.inner.allow_loopback_http)
            .finish_non_exhaustive()
    }
}

impl Default for HttpClient {
    fn default() -> Self {
        Self::new()
    }
}

impl HttpClient {
    /// A client with the defaults: 10 s per request, 1 MiB bodies, no redirects,
    /// https only.
    ///
    /// # Panics
    /// If the TLS backend cannot be initialised, as `reqwest::Client::new` does; use
    /// [`HttpClient::builder`] to get that as an error instead.
    pub fn new() -> Self {
        Self::builder()
            .build()
            .expect("the TLS backend could not be initialised")
    }

    /// A builder to change the defaults or inject a `reqwest::Client`.
    pub fn builder() -> HttpClientBuilder {
        HttpClientBuilder::default()
    }

    /// The per-request timeout.
    pub fn timeout(&self) -> Duration {
        self.inner.timeout
    }

    /// The response body limit in bytes.
    pub fn max_body_bytes(&self) -> usize {
        self.inner.max_body_bytes
    }

    /// Whether plain http to loopback addresses was opted in to.
    pub fn allows_loopback_http(&self) -> bool {
        self.inner.allow_loopback_http
    }

    /// Checks that `url` may be used: https, or http to a loopback host when the
    /// client opted in. `what` names the URL in the error (`"token_endpoint"`).
    pub fn check_url(&self, what: &'static str, url: &Url) -> Result<(), ConfigError> {
        if self.is_allowed(url) {
            Ok(())
        } else {
            Err(ConfigError::InsecureUrl {
                what,
                url: redact_url(url),
            })
        }
    }

    /// Whether `url` is plain http on a loopback address and this client opted in
    /// to those (a sandbox on the same machine).
    pub fn is_loopback_sandbox(&self, url: &Url) -> bool {
        url.scheme() == "http" && self.inner.allow_loopback_http && is_loopback(url)
    }

    fn is_allowed(&self, url: &Url) -> bool {
        match url.scheme() {
            "https" => url.host().is_some(),
            "http" => self.inner.allow_loopback_http && is_loopback(url),
            _ => false,
        }
    }

    /// Starts a request with the client's timeout applied. Send it with
    /// [`HttpClient::execute`], which enforces the other limits.
    pub fn request(&self, method: Method, url: &Url) -> RequestBuilder {
        self.inner
            .client
            .request(method, url.clone())
            .timeout(self.inner.timeout)
    }

    /// Builds the request, checks its URL, and opens its span.
    fn prepare(
        &self,
        endpoint: EndpointKind,
        request: RequestBuilder,
    ) -> Result<(reqwest::Request, tracing::Span), HttpError> {
        let request = request.build().map_err(|source| HttpError::Transport {
            endpoint,
            source: source.without_url(),
        })?;
        // Checked again here, not only at configuration time, because request
        // builders can be made from any URL.
        if !self.is_allowed(request.url()) {
            return Err(HttpError::InsecureUrl {
                endpoint,
                url: redact_url(request.url()),
            });
        }
        // Host and path only: the query may carry a token (one provider puts the
        // access token there).
        let span = tracing::info_span!(
            "idspec.http",
            endpoint = %endpoint,
            method = %request.method(),
            host = request.url().host_str().unwrap_or_default(),
            path = request.url().path(),
            status = tracing::field::Empty,
            latency_ms = tracing::field::Empty,
        );
        Ok((request, span))
    }

    /// Sends a request and reads the whole response, whatever its status: the
    /// caller decides what a non-2xx status means for its endpoint.
    ///
    /// Fails on a transport error, after the timeout (which also bounds reading the
    /// body), on a body over the limit (as soon as it is known to be), on any 3xx,
    /// and before sending anything if the URL is not allowed by
    /// [`HttpClient::check_url`].
    pub async fn execute(
        &self,
        endpoint: EndpointKind,
        request: RequestBuilder,
    ) -> Result<RawResponse, HttpError> {
        let (request, span) = self.prepare(endpoint, request)?;
        let started = Instant::now();
        // The outer deadline also covers request builders that did not come from
        // `request()` and so carry no timeout of their own.
        let outcome = tokio::time::timeout(self.inner.timeout, self.send(endpoint, request))
            .instrument(span.clone())
            .await;
        let latency_ms = u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX);
        span.record("latency_ms", latency_ms);
        let result = outcome.unwrap_or(Err(HttpError::Timeout {
            endpoint,
            after: self.inner.timeout,
        }));
        match &result {
            Ok(response) => {
                tracing::debug!(parent: &span, status = response.status, latency_ms, "provider answered");
            }
            Err(error) => {
                tracing::debug!(parent: &span, error = %error, latency_ms, "provider call failed");
            }
        }
        result
    }

    async fn send(
        &self,
        endpoint: EndpointKind,
        request: reqwest::Request,
    ) -> Result<RawResponse, HttpError> {
        let response = self.start(endpoint, request).await?;
        self.read(endpoint, response).await
    }

    /// Sends the request and returns once the status and headers have arrived.
    async fn start(
        &self,
        endpoint: EndpointKind,
        request: reqwest::Request,
    ) -> Result<reqwest::Response, HttpError> {
        let response = self
            .inner
            .client
            .execute(request)
            .await
            .map_err(|e| self.classify(endpoint, e))?;
        let status = response.status();
        tracing::Span::current().record("status", status.as_u16());
        if status.is_redirection() {
            return Err(HttpError::UnexpectedRedirect {
                endpoint,
                status: status.as_u16(),
            });
        }
        Ok(response)
    }

    /// Sends a request whose successful body is streamed by the caller: a 2xx
    /// response comes back unread (read it with [`next_chunk`](Self::next_chunk),
    /// which bounds the wait for each chunk by the timeout); any other is read
    /// whole, within the body limit, for its error. The same checks as
    /// [`execute`](Self::execute) apply before anything is sent.
    pub(crate) async fn execute_streamed(
        &self,
        endpoint: EndpointKind,
        request: RequestBuilder,
    ) -> Result<Result<reqwest::Response, RawResponse>, HttpError> {
        let (request, span) = self.prepare(endpoint, request)?;
        let response = tokio::time::timeout(self.inner.timeout, self.start(endpoint, request))
            .instrument(span)
            .await
            .unwrap_or(Err(HttpError::Timeout {
                endpoint,
                after: self.inner.timeout,
            }))?;
        if response.status().is_success() {
            return Ok(Ok(response));
        }
        let raw = tokio::time::timeout(self.inner.timeout, self.read(endpoint, response))
            .await
            .unwrap_or(Err(HttpError::Timeout {
                endpoint,
                after: self.inner.timeout,
            }))?;
        Ok(Err(raw))
    }

    /// The next chunk of a streamed body, `None` at its end; waiting longer than the
    /// timeout for one is a timeout.
    pub(crate) async fn next_chunk(
        &self,
        endpoint: EndpointKind,
        response: &mut reqwest::Response,
    ) -> Result<Option<bytes::Bytes>, HttpError> {
        tokio::time::timeout(self.inner.timeout, response.chunk())
            .await
            .map_err(|_| HttpError::Timeout {
                endpoint,
                after: self.inner.timeout,
            })?
            .map_err(|e| self.classify(endpoint, e))
    }

    /// Reads a whole response body within the body limit.
    async fn read(
        &self,
        endpoint: EndpointKind,
        mut response: reqwest::Response,
    ) -> Result<RawResponse, HttpError> {
        let status = response.status();
        let limit = self.inner.max_body_bytes;
        let too_large = HttpError::BodyTooLarge { endpoint, limit };
        let declared = response.content_length();
        if declared.is_some_and(|len| len > limit as u64) {
            return Err(too_large);
        }
        let headers = std::mem::take(response.headers_mut());
        let mut body = Vec::with_capacity(declared.map_or(0, |len| len as usize));
        while let Some(chunk) = response
            .chunk()
            .await
            .map_err(|e| self.classify(endpoint, e))?
        {
            // Content-Length can lie or be absent (chunked): count what arrives.
            if chunk.len() > limit - body.len() {
                return Err(too_large);
            }
            body.extend_from_slice(&chunk);
        }
        Ok(RawResponse {
            status: status.as_u16(),
            headers,
            body,
        })
    }

    fn classify(&self, endpoint: EndpointKind, error: reqwest::Error) -> HttpError {
        if error.is_timeout() {
            HttpError::Timeout {
                endpoint,
                after: self.inner.timeout,
            }
        } else {
            HttpError::Transport {
                endpoint,
                source: error.without_url(),
            }
        }
    }
}

/// Builds an [`HttpClient`].
#[derive(Debug)]
pub struct HttpClientBuilder {
    timeout: Duration,
    max_body_bytes: usize,
    allow_loopback_http: bool,
    client: Option<reqwest::Client>,
}

impl Default for HttpClientBuilder {
    fn default() -> Self {
        Self {
            timeout: DEFAULT_TIMEOUT,
            max_body_bytes: DEFAULT_MAX_BODY_BYTES,
            allow_loopback_http: false,
            client: None,
        }
    }
}

impl HttpClientBuilder {
    /// The deadline for one request, from connecting to the end of the body
    /// (default 10 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The largest response body accepted, in bytes (default 1 MiB).
    pub fn max_body_bytes(mut self, limit: usize) -> Self {
        self.max_body_bytes = limit;
        self
    }

    /// Allows plain http to loopback hosts (127.0.0.0/8, `::1`, `localhost`), for
    /// sandboxes and test providers. Plain http to any other host stays refused.
    pub fn allow_loopback_http(mut self, allow: bool) -> Self {
        self.allow_loopback_http = allow;
        self
    }

    /// Uses this `reqwest::Client` (proxies, custom roots, client certificates).
    ///
    /// It must be built with `redirect(reqwest::redirect::Policy::none())`: a client
    /// that follows redirects could carry a request, and its credentials, to another
    /// host before we see the answer. A 3xx that does reach us is still an error.
    pub fn reqwest_client(mut self, client: reqwest::Client) -> Self {
        self.client = Some(client);
        self
    }

    /// Builds the client.
    pub fn build(self) -> Result<HttpClient, HttpError> {
        let client = match self.client {
            Some(client) => client,
            None => reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .https_only(!self.allow_loopback_http)
                .timeout(self.timeout)
                .build()
                .map_err(|e| HttpError::ClientBuild(e.without_url()))?,
        };
        Ok(HttpClient {
            inner: Arc::new(Inner {
                client,
                timeout: self.timeout,
                max_body_bytes: self.max_body_bytes,
                allow_loopback_http: self.allow_loopback_http,
            }),
        })
    }
}

/// Whether the URL's host is a loopback address or `localhost`.
fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(domain)) => domain.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// The URL as it may appear in errors and logs: scheme, host, port and path only.
/// The query and fragment may carry tokens or codes, the user-info a password.
pub fn redact_url(url: &Url) -> String {
    let mut out = String::from(url.scheme());
    if let Some(host) = url.host_str() {
        out.push_str("://");
        out.push_str(host);
        if let Some(port) = url.port() {
            out.push(':');
            out.push_str(&port.to_string());
        }
    } else {
        out.push(':');
    }
    out.push_str(url.path());
    out
}

#[cfg(test)]
pub(crate) mod test_server {
    //! A tiny HTTP/1.1 server on 127.0.0.1 that serves canned responses and counts
    //! requests per path, for tests of everything that fetches.

    use std::collections::HashMap;
    use std::sync::{Arc, Mutex};
    use std::time::Duration;

    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::{TcpListener, TcpStream};
    use url::Url;

    /// One canned response.
    #[derive(Clone, Debug)]
    pub(crate) struct Canned {
        pub status: u16,
        pub headers: Vec<(String, String)>,
        pub body: Vec<u8>,
        pub delay: Duration,
        pub content_length: bool,
    }

    impl Canned {
        pub(crate) fn new(status: u16, body: impl Into<Vec<u8>>) -> Self {
            Self {
                status,
                headers: Vec::new(),
                body: body.into(),
                delay: Duration::ZERO,
                content_length: true,
            }
        }

        pub(crate) fn json(body: impl Into<Vec<u8>>) -> Self {
            Self::new(200, body).header("content-type", "application/json")
        }

        pub(crate) fn header(mut self, name: &str, value: &str) -> Self {
            self.headers.push((name.to_owned(), value.to_owned()));
            self
        }

        pub(crate) fn delay(mut self, delay: Duration) -> Self {
            self.delay = delay;
            self
        }

        /// Sends the body without Content-Length, ended by closing the connection.
        pub(crate) fn without_content_length(mut self) -> Self {
            self.content_length = false;
            self
        }
    }

    type Routes = Arc<Mutex<HashMap<String, Canned>>>;
    type Hits = Arc<Mutex<HashMap<String, usize>>>;

    pub(crate) struct TestServer {
        base: Url,
        routes: Routes,
        hits: Hits,
        task: tokio::task::JoinHandle<()>,
    }

    impl Drop for TestServer {
        fn drop(&mut self) {
            self.task.abort();
        }
    }

    impl TestServer {
        pub(crate) async fn start() -> Self {
            let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
            let base = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
            let routes = Routes::default();
            let hits = Hits::default();
            let task = tokio::spawn({
                let (routes, hits) = (routes.clone(), hits.clone());
                async move {
                    while let Ok((stream, _)) = listener.accept().await {
                        tokio::spawn(serve(stream, routes.clone(), hits.clone()));
                    }
                }
            });
            Self {
                base,
                routes,
                hits,
                task,
            }
        }

        pub(crate) fn url(&self, path_and_query: &str) -> Url {
            self.base.join(path_and_query).unwrap()
        }

        pub(crate) fn set(&self, path: &str, canned: Canned) {
            self.routes.lock().unwrap().insert(path.to_owned(), canned);
        }

        pub(crate) fn hits(&self, path: &str) -> usize {
            self.hits.lock().unwrap().get(path).copied().unwrap_or(0)
        }
    }

    async fn serve(mut stream: TcpStream, routes: Routes, hits: Hits) {
        let mut request = Vec::new();
        let mut buf = [0u8; 1024];
        while !request.windows(4).any(|w| w == b"\r\n\r\n") && request.len() < 16 * 1024 {
            match stream.read(&mut buf).await {
                Ok(0) | Err(_) => return,
                Ok(n) => request.extend_from_slice(&buf[..n]),
            }
        }
        let head = String::from_utf8_lossy(&request);
        let target = head.split(' ').nth(1).unwrap_or("/");
        let path = target.split('?').next().unwrap_or("/").to_owned();
        *hits.lock().unwrap().entry(path.clone()).or_default() += 1;
        let canned = routes
            .lock()
            .unwrap()
            .get(&path)
            .cloned()
            .unwrap_or_else(|| Canned::new(404, "not found"));
        tokio::time::sleep(canned.delay).await;
        let mut response = format!("HTTP/1.1 {} Canned\r\nconnection: close\r\n", canned.status);
        for (name, value) in &canned.headers {
            response.push_str(&format!("{name}: {value}\r\n"));
        }
        if canned.content_length {
            response.push_str(&format!("content-length: {}\r\n", canned.body.len()));
        }
        response.push_str("\r\n");
        let _ = stream.write_all(response.as_bytes()).await;
        let _ = stream.write_all(&canned.body).await;
        let _ = stream.shutdown().await;
    }
}

#[cfg(test)]
mod tests {
    use super::test_server::{Canned, TestServer};
    use super::*;
    use crate::ErrorMetadata as _;

    fn loopback_client() -> HttpClient {
        HttpClient::builder()
            .allow_loopback_http(true)
            .build()
            .unwrap()
    }

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap()
    }

    #[test]
    fn https_is_allowed_and_http_is_not_by_default() {
        let http = HttpClient::new();
        assert!(!http.allows_loopback_http());
        assert!(http
            .check_url("x", &url("https://op.example/token"))
            .is_ok());
        for refused in [
            "http://op.example/token",
            "http://127.0.0.1:8080/token",
            "http://localhost/token",
            "ftp://op.example/",
        ] {
            assert!(http.check_url("x", &url(refused)).is_err(), "{refused}");
        }
    }

    #[test]
    fn loopback_opt_in_covers_loopback_only() {
        let http = loopback_client();
        for allowed in [
            "http://127.0.0.1:8080/token",
            "http://127.10.0.3/token",
            "http://[::1]:9000/jwks",
            "http://localhost:3000/",
            "http://LOCALHOST/",
        ] {
            assert!(http.check_url("x", &url(allowed)).is_ok(), "{allowed}");
        }
        for refused in [
            "http://op.example/token",
            "http://127.0.0.1.nip.io/",
            "http://localhost.op.example/",
            "http://10.0.0.1/",
            "http://[::ffff:127.0.0.1]/",
            "http://0.0.0.0/",
        ] {
            assert!(http.check_url("x", &url(refused)).is_err(), "{refused}");
        }
    }

    #[test]
    fn insecure_url_error_has_no_query_or_credentials() {
        let err = HttpClient::new()
            .check_url(
                "userinfo_endpoint",
                &url("http://user:pw@op.example:8080/ui?access_token=SECRET#frag"),
            )
            .unwrap_err();
        let ConfigError::InsecureUrl { what, url } = &err else {
            panic!("{err:?}")
        };
        assert_eq!(*what, "userinfo_endpoint");
        assert_eq!(url, "http://op.example:8080/ui");
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains("SECRET") && !shown.contains("pw"));
    }

    #[tokio::test]
    async fn any_status_is_returned_with_headers_and_body() {
        let server = TestServer::start().await;
        server.set(
            "/token",
            Canned::new(400, r#"{"error":"invalid_grant"}"#).header("x-trace", "abc"),
        );
        let http = loopback_client();
        let raw = http
            .execute(
                EndpointKind::Token,
                http.request(Method::POST, &server.url("/token")),
            )
            .await
            .unwrap();
        assert_eq!(raw.status, 400);
        assert_eq!(raw.headers["x-trace"], "abc");
        assert_eq!(raw.body_text(), r#"{"error":"invalid_grant"}"#);
    }

    #[tokio::test]
    async fn plain_http_is_refused_before_sending_without_opt_in() {
        let server = TestServer::start().await;
        server.set("/jwks", Canned::json("{}"));
        let http = HttpClient::new();
        let err = http
            .execute(
                EndpointKind::Jwks,
                http.request(Method::GET, &server.url("/jwks?x=SECRET")),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, HttpError::InsecureUrl { .. }), "{err:?}");
        assert!(!err.to_string().contains("SECRET"));
        assert_eq!(server.hits("/jwks"), 0);
    }

    #[tokio::test]
    async fn declared_oversized_body_is_refused() {
        let server = TestServer::start().await;
        server.set("/big", Canned::json(vec![b'a'; 2048]));
        let http = HttpClient::builder()
            .allow_loopback_http(true)
            .max_body_bytes(1024)
            .build()
            .unwrap();
        let err = http
            .execute(
                EndpointKind::Userinfo,
                http.request(Method::GET, &server.url("/big")),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, HttpError::BodyTooLarge { limit: 1024, .. }),
            "{err:?}"
        );
        assert_eq!(err.code(), "http_body_too_large");
    }

    #[tokio::test]
    async fn undeclared_oversized_body_is_refused_while_streaming() {
        let server = TestServer::start().await;
        server.set(
            "/big",
            Canned::json(vec![b'a'; 64 * 1024]).without_content_length(),
        );
        server.set(
            "/small",
            Canned::json(vec![b'a'; 1024]).without_content_length(),
        );
        let http = HttpClient::builder()
            .allow_loopback_http(true)
            .max_body_bytes(1024)
            .build()
            .unwrap();
        let err = http
            .execute(
                EndpointKind::Userinfo,
                http.request(Method::GET, &server.url("/big")),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, HttpError::BodyTooLarge { .. }), "{err:?}");
        // Exactly at the limit is fine.
        let raw = http
            .execute(
                EndpointKind::Userinfo,
                http.request(Method::GET, &server.url("/small")),
            )
            .await
            .unwrap();
        assert_eq!(raw.body.len(), 1024);
    }

    #[tokio::test]
    async fn redirects_are_errors_and_never_followed() {
        let server = TestServer::start().await;
        let target = server.url("/elsewhere");
        server.set(
            "/token",
            Canned::new(302, "").header("location", target.as_str()),
        );
        let http = loopback_client();
        let err = http
            .execute(
                EndpointKind::Token,
                http.request(Method::POST, &server.url("/token")),
            )
            .await
            .unwrap_err();
        assert!(
            matches!(err, HttpError::UnexpectedRedirect { status: 302, .. }),
            "{err:?}"
        );
        assert_eq!(server.hits("/elsewhere"), 0);
    }

    #[tokio::test]
    async fn slow_responses_time_out() {
        let server = TestServer::start().await;
        server.set(
            "/slow",
            Canned::json("{}").delay(Duration::from_millis(500)),
        );
        let http = HttpClient::builder()
            .allow_loopback_http(true)
            .timeout(Duration::from_millis(100))
            .build()
            .unwrap();
        let started = Instant::now();
        let err = http
            .execute(
                EndpointKind::Discovery,
                http.request(Method::GET, &server.url("/slow")),
            )
            .await
            .unwrap_err();
        assert!(matches!(err, HttpError::Timeout { .. }), "{err:?}");
        assert!(started.elapsed() < Duration::from_millis(450));
    }

    #[tokio::test]
    async fn transport_errors_do_not_show_the_url() {
        // Bind and drop a listener to get a port that refuses connections.
        let port = {
            let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
            listener.local_addr().unwrap().port()
        };
        let http = loopback_client();
        let target = url(&format!(
            "http://127.0.0.1:{port}/userinfo?access_token=SECRET"
        ));
        let err = http
            .execute(EndpointKind::Userinfo, http.request(Method::GET, &target))
            .await
            .unwrap_err();
        assert!(matches!(err, HttpError::Transport { .. }), "{err:?}");
        let mut shown = format!("{err} {err:?}");
        let mut source = std::error::Error::source(&err);
        while let Some(cause) = source {
            shown.push_str(&cause.to_string());
            source = cause.source();
        }
        assert!(!shown.contains("SECRET"), "{shown}");
        assert_eq!(err.code(), "http_transport");
    }

    #[test]
    fn clones_share_one_client() {
        let a = HttpClient::new();
        let b = a.clone();
        assert!(Arc::ptr_eq(&a.inner, &b.inner));
    }
}
