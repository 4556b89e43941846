//! What the ID.me tests share: the spec, the sandbox and its default client, a client
//! built like a relying party would, a scripted login, and a small fake ID.me that
//! answers with the document's own example payloads and records what it was sent.

use std::sync::{Arc, Mutex};

use idspec::idme::{AuthorizationRequest, Client, Login};
use idspec::runtime::{ClientAuthMethod, Endpoints, ErrorMetadata, HttpClient};
use idspec_codegen::model::{ErrorCodeSpec, ErrorEndpoint};
use idspec_sandbox::user_agent::{sign_in, Decision};
use idspec_sandbox::{Sandbox, SandboxClient, SandboxOptions};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use url::Url;

pub const SPEC: &str = include_str!("../../specs/idme.yaml");
/// The document's userinfo example, verbatim.
pub const USERINFO: &str = include_str!("../fixtures/idme/userinfo.json");
/// The document's token example, verbatim.
pub const TOKEN: &str = include_str!("../fixtures/idme/token.json");

/// The paths of ID.me's endpoints, which the sandbox serves as well.
pub const AUTHORIZE_PATH: &str = "/oauth/authorize";
pub const TOKEN_PATH: &str = "/oauth/token";
pub const USERINFO_PATH: &str = "/api/public/v3/userinfo";

pub fn spec() -> idspec_codegen::ValidatedSpec {
    idspec_codegen::load("idme.yaml", SPEC).unwrap_or_else(|d| panic!("{d}"))
}

/// The spec's entry for `code` at `endpoint`.
pub fn documented(code: &str, endpoint: ErrorEndpoint) -> ErrorCodeSpec {
    spec()
        .spec()
        .errors
        .for_endpoint(endpoint)
        .find(|c| c.code == code)
        .unwrap_or_else(|| panic!("{code} is documented at {}", endpoint.as_str()))
        .clone()
}

/// The documented codes of `endpoint`, in the spec's order.
pub fn documented_codes(endpoint: ErrorEndpoint) -> Vec<String> {
    spec()
        .spec()
        .errors
        .for_endpoint(endpoint)
        .map(|c| c.code.clone())
        .collect()
}

/// The sandbox's default registration: `sandbox-client` / `sandbox-secret`.
pub fn registered() -> SandboxClient {
    SandboxClient::default()
}

pub async fn sandbox() -> Sandbox {
    sandbox_with(vec![registered()]).await
}

pub async fn sandbox_with(clients: Vec<SandboxClient>) -> Sandbox {
    Sandbox::start(
        &spec(),
        SandboxOptions {
            clients,
            ..SandboxOptions::default()
        },
    )
    .await
    .expect("the sandbox starts")
}

pub fn http() -> HttpClient {
    HttpClient::builder()
        .allow_loopback_http(true)
        .build()
        .expect("http")
}

/// A client of `endpoints` with the given registration's id, secret (posted in the
/// form, as ID.me takes it) and first redirect URI.
pub fn client_for(endpoints: Endpoints, registration: &SandboxClient) -> Client {
    client_with_http(endpoints, registration, http())
}

pub fn client_with_http(
    endpoints: Endpoints,
    registration: &SandboxClient,
    http: HttpClient,
) -> Client {
    Client::builder(endpoints)
        .client_id(registration.client_id.clone())
        .client_secret(registration.client_secret.clone().expect("a secret"))
        .client_auth(ClientAuthMethod::ClientSecretPost)
        .redirect_uri(registration.redirect_uris[0].clone())
        .http_client(http)
        .build()
        .expect("client")
}

/// The sandbox's default client.
pub fn client(sandbox: &Sandbox) -> Client {
    client_for(sandbox.endpoints(), &registered())
}

/// The value of query parameter `name`, if present once or more (the first).
pub fn query_value(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// Starts `request`, signs in as `user` on the sandbox's page and returns the
/// callback URL with the state the relying party kept.
pub async fn callback(
    client: &Client,
    request: AuthorizationRequest,
    user: &str,
    decision: Decision,
) -> (idspec::runtime::State, Url) {
    let start = client.start(request).await.expect("start");
    let callback = sign_in(&start.url, user, decision).await.expect("sign in");
    (start.state, callback)
}

/// A completed login of `user`, with the callback it came from.
pub async fn login(client: &Client, request: AuthorizationRequest, user: &str) -> (Login, Url) {
    let (state, callback) = callback(client, request, user, Decision::Approve).await;
    let login = client
        .complete_for(&state, callback.as_str())
        .await
        .unwrap_or_else(|e| panic!("the login of {user} completes: {e}"));
    (login, callback)
}

/// The error of a login that must fail, at the authorization or the token endpoint.
pub async fn failed_login(
    client: &Client,
    request: AuthorizationRequest,
    user: &str,
    decision: Decision,
) -> (idspec::idme::Error, Url) {
    let (state, callback) = callback(client, request, user, decision).await;
    let error = client
        .complete_for(&state, callback.as_str())
        .await
        .expect_err("the login fails");
    (error, callback)
}

/// The code and message every error must answer, and that they are the documented
/// ones for a provider error.
pub fn assert_metadata(error: &idspec::idme::Error, documented: &ErrorCodeSpec) {
    assert_eq!(error.code(), documented.code, "{error}");
    assert!(error.message().is_some(), "{error}");
    let provider = error.provider_error().expect("a provider error");
    assert_eq!(
        idspec::runtime::ProviderErrorCode::documented_message(provider.kind()),
        Some(documented.message.as_str())
    );
    assert_eq!(
        provider.oauth_error().map(|e| e.as_str()),
        documented.oauth.as_deref()
    );
    assert!(!error.is_retryable(), "{error}");
}

/// One request the fake provider received.
#[derive(Clone, Debug)]
pub struct Received {
    pub method: String,
    /// The request target: path and query.
    pub target: String,
    /// Header names lower-cased.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }

    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or_default()
    }

    pub fn query(&self) -> Vec<(String, String)> {
        let query = self.target.split_once('?').map(|(_, q)| q).unwrap_or("");
        url::form_urlencoded::parse(query.as_bytes())
            .into_owned()
            .collect()
    }

    pub fn form(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.body.as_bytes())
            .into_owned()
            .collect()
    }
}

/// How the fake provider answers a path.
#[derive(Clone, Debug)]
pub enum Answer {
    /// `200 OK` with this JSON body.
    Json(&'static str),
    /// Reads the request and never answers.
    Never,
}

/// A tiny HTTP/1.1 server on 127.0.0.1 that answers each path as told and records
/// every request: a stand-in for ID.me that sends exactly the document's examples.
pub struct FakeProvider {
    pub base: Url,
    received: Arc<Mutex<Vec<Received>>>,
    server: tokio::task::JoinHandle<()>,
}

impl FakeProvider {
    pub async fn start(routes: Vec<(&'static str, Answer)>) -> Self {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind");
        let base =
            Url::parse(&format!("http://{}", listener.local_addr().expect("addr"))).expect("url");
        let received = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&received);
        let server = tokio::spawn(async move {
            // Connections live as long as the server: aborting it drops them all.
            let mut connections = tokio::task::JoinSet::new();
            while let Ok((stream, _)) = listener.accept().await {
                connections.spawn(serve(stream, routes.clone(), Arc::clone(&log)));
            }
        });
        Self {
            base,
            received,
            server,
        }
    }

    /// The URL of `path` on this server.
    pub fn url(&self, path: &str) -> Url {
        self.base.join(path).expect("url")
    }

    /// Endpoints with ID.me's paths on this server.
    pub fn endpoints(&self) -> Endpoints {
        Endpoints {
            authorization: Some(self.url(AUTHORIZE_PATH)),
            token: Some(self.url(TOKEN_PATH)),
            userinfo: Some(self.url(USERINFO_PATH)),
            ..Endpoints::default()
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.received.lock().expect("lock").clone()
    }
}

impl Drop for FakeProvider {
    fn drop(&mut self) {
        self.server.abort();
    }
}

async fn serve(
    mut stream: tokio::net::TcpStream,
    routes: Vec<(&'static str, Answer)>,
    log: Arc<Mutex<Vec<Received>>>,
) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 4096];
    let head_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
        }
    };
    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next().unwrap_or_default().split(' ');
    let method = request_line.next().unwrap_or_default().to_owned();
    let target = request_line.next().unwrap_or_default().to_owned();
    let headers: Vec<(String, String)> = lines
        .filter_map(|line| line.split_once(':'))
        .map(|(n, v)| (n.trim().to_ascii_lowercase(), v.trim().to_owned()))
        .collect();
    let length: usize = headers
        .iter()
        .find(|(n, _)| n == "content-length")
        .and_then(|(_, v)| v.parse().ok())
        .unwrap_or(0);
    let mut body = buffer[head_end + 4..].to_vec();
    while body.len() < length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => body.extend_from_slice(&chunk[..n]),
        }
    }
    let received = Received {
        method,
        target,
        headers,
        body: String::from_utf8_lossy(&body).into_owned(),
    };
    let answer = routes
        .iter()
        .find(|(path, _)| *path == received.path())
        .map(|(_, answer)| answer.clone());
    log.lock().expect("lock").push(received);
    match answer {
        Some(Answer::Json(json)) => {
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{json}",
                json.len()
            );
            let _ = stream.write_all(response.as_bytes()).await;
            let _ = stream.shutdown().await;
        }
        Some(Answer::Never) => std::future::pending::<()>().await,
        None => {
            let _ = stream
                .write_all(
                    b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
                )
                .await;
        }
    }
}
