//! What the client sends IDEMIA, against the fake: the token request exactly as the
//! document's example, one token request for any number of concurrent callers, the
//! renewal of a token at half its life or when it is refused, the API key on the
//! ID&V platform only, URLs that cannot leave the configured hosts, and a proof file
//! streamed in bounded memory within a bounded size.

use std::io;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use idspec::idemia_ipa::{
    BaseUrl, Client, CreateSession, Environment, ErrorCode, GetIdentity, GetProof, SessionStart,
    TokenErrorCode,
};
use idspec::runtime::rest::{RestError, RestTarget};
use idspec::runtime::{ConfigError, Error, HttpClient, Uuid};
use serde_json::{json, Value};
use url::Url;

use crate::{
    http, session_id, FakeIdemia, Recorder, API_KEY, CALLBACK_URL, CLIENT_ID, COGNITO_PATH,
    GOTO_URL, IDENTITY_ID, SECRET, SESSIONS_PATH, TOKEN_PATH,
};

const MIB: u64 = 1024 * 1024;

/// A writer that counts what it is given and discards it (`tokio::io::sink()`).
struct Counting {
    sink: tokio::io::Sink,
    bytes: u64,
    writes: usize,
    largest_write: usize,
}

impl Counting {
    fn new() -> Self {
        Self {
            sink: tokio::io::sink(),
            bytes: 0,
            writes: 0,
            largest_write: 0,
        }
    }
}

impl tokio::io::AsyncWrite for Counting {
    fn poll_write(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        let this = &mut *self;
        this.bytes += buf.len() as u64;
        this.writes += 1;
        this.largest_write = this.largest_write.max(buf.len());
        Pin::new(&mut this.sink).poll_write(cx, buf)
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.sink).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.sink).poll_shutdown(cx)
    }
}

/// The process's peak resident set size so far, in KiB (Linux's `VmHWM`).
fn peak_rss_kib() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").expect("/proc/self/status");
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|value| value.trim().trim_end_matches("kB").trim().parse().ok())
        .expect("a VmHWM line in /proc/self/status")
}

fn pairs(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs
        .iter()
        .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
        .collect()
}

/// The HTTP status of an operation's error answer.
fn status_of(error: &Error<ErrorCode>) -> Option<u16> {
    match error {
        Error::Response(response) => response.raw().map(|raw| raw.status),
        _ => None,
    }
}

#[tokio::test]
async fn the_token_request_is_the_documents_form_and_secrets_stay_out_of_debug() {
    let fake = FakeIdemia::start().await;
    let client = fake.client();
    let debug = format!("{client:?}");
    for secret in [SECRET, API_KEY] {
        assert!(!debug.contains(secret), "{debug}");
    }

    let session = fake.session(&client).await;
    assert_eq!(session, session_id(1));
    let tokens = fake.received_at(TOKEN_PATH);
    assert_eq!(tokens.len(), 1, "{tokens:?}");
    let token = &tokens[0];
    assert_eq!(token.origin, "application");
    assert_eq!(token.method, "POST");
    assert_eq!(
        token.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );
    // client_secret_post: the secret travels in the form, and only there.
    assert_eq!(token.header("authorization"), None);
    assert_eq!(token.header("apikey"), None);
    let mut form = token.form();
    form.sort();
    assert_eq!(
        form,
        pairs(&[
            ("client_id", CLIENT_ID),
            ("client_secret", SECRET),
            ("grant_type", "client_credentials"),
        ])
    );

    // Create Session: the token as a bearer, the document's JSON body.
    let created = fake.received_at(SESSIONS_PATH);
    assert_eq!(created.len(), 1);
    assert_eq!(created[0].method, "POST");
    assert_eq!(created[0].header("authorization"), Some("Bearer token-1"));
    assert_eq!(created[0].header("content-type"), Some("application/json"));
    assert_eq!(created[0].header("apikey"), None);
    let body: Value = serde_json::from_str(&created[0].body).expect("JSON");
    assert_eq!(
        body,
        json!({ "callbackUrl": CALLBACK_URL, "gotoUrl": GOTO_URL })
    );
    // Both members are optional, and absent when unset.
    client
        .send(&CreateSession::new())
        .await
        .expect("a session without callback");
    let created = fake.received_at(SESSIONS_PATH);
    assert_eq!(created[1].body, "{}");
    assert_eq!(fake.token_requests(), 1);

    // Nor is the cached token in the client's Debug output.
    let debug = format!("{client:?}");
    for secret in [SECRET, API_KEY, "token-1"] {
        assert!(!debug.contains(secret), "{debug}");
    }
}

#[tokio::test]
async fn concurrent_calls_share_one_token_request() {
    let fake = FakeIdemia::start().await;
    // Slow enough that every caller asks while the first request is in flight.
    fake.set_token_delay(Duration::from_millis(300));
    let client = fake.client();
    let mut sends = tokio::task::JoinSet::new();
    for _ in 0..20 {
        let client = client.clone();
        sends.spawn(async move { client.send(&CreateSession::new()).await });
    }
    let mut sessions: Vec<String> = sends
        .join_all()
        .await
        .into_iter()
        .map(|session| {
            session
                .expect("the fake creates a session")
                .session_id
                .as_str()
                .to_owned()
        })
        .collect();
    sessions.sort();
    sessions.dedup();
    assert_eq!(sessions.len(), 20);
    assert_eq!(fake.token_requests(), 1);
    assert_eq!(fake.session_bearers(), vec!["Bearer token-1"; 20]);

    // And later calls keep using it.
    fake.set_token_delay(Duration::ZERO);
    client.send(&CreateSession::new()).await.expect("a session");
    assert_eq!(fake.token_requests(), 1);
}

#[tokio::test]
async fn a_short_lived_token_is_renewed_after_half_its_life() {
    let fake = FakeIdemia::start().await;
    let client = fake.client();

    // `expires_in: 1`: renewed on the first call after it lapsed.
    fake.set_expires_in(1);
    fake.session(&client).await;
    tokio::time::sleep(Duration::from_millis(1100)).await;
    fake.session(&client).await;
    assert_eq!(fake.token_requests(), 2);
    assert_eq!(fake.session_bearers(), ["Bearer token-1", "Bearer token-2"]);

    // `expires_in: 2`, less than twice the 60 s margin: used at once, renewed
    // after 1 s although it is still valid.
    fake.set_expires_in(2);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    fake.session(&client).await;
    fake.session(&client).await;
    assert_eq!(fake.token_requests(), 3);
    tokio::time::sleep(Duration::from_millis(1100)).await;
    fake.session(&client).await;
    assert_eq!(fake.token_requests(), 4);
    assert_eq!(
        fake.session_bearers(),
        [
            "Bearer token-1",
            "Bearer token-2",
            "Bearer token-3",
            "Bearer token-3",
            "Bearer token-4"
        ]
    );
}

#[tokio::test]
async fn a_refused_token_is_renewed_once_and_the_call_made_again() {
    let fake = FakeIdemia::start().await;
    let client = fake.client();
    fake.session(&client).await;
    // Revoked before its time: a 401, a new token, the call again.
    fake.revoke("token-1");
    let session = fake.session(&client).await;
    assert_eq!(session, session_id(2));
    assert_eq!(fake.token_requests(), 2);
    assert_eq!(
        fake.session_bearers(),
        ["Bearer token-1", "Bearer token-1", "Bearer token-2"]
    );
}

#[tokio::test]
async fn a_second_refusal_is_an_error() {
    let fake = FakeIdemia::start().await;
    fake.refuse_every_token();
    let client = fake.client();
    let error = client
        .send(&CreateSession::new())
        .await
        .expect_err("every token is refused");
    assert_eq!(status_of(&error), Some(401), "{error:?}");
    // One renewal, not a loop.
    assert_eq!(fake.token_requests(), 2);
    assert_eq!(fake.session_bearers(), ["Bearer token-1", "Bearer token-2"]);
}

#[tokio::test]
async fn a_refused_client_is_the_token_endpoints_typed_error() {
    let fake = FakeIdemia::start().await;
    fake.refuse_client();
    let client = fake.client();
    let error = client
        .send(&CreateSession::new())
        .await
        .expect_err("the client is refused");
    let provider = error.provider_error().expect("a provider error");
    assert_eq!(
        provider.kind(),
        &ErrorCode::Token(TokenErrorCode::InvalidClient)
    );
    // No session request went out without a token.
    assert_eq!(fake.received_at(SESSIONS_PATH).len(), 0);
}

#[tokio::test]
async fn the_id_and_v_platform_gets_the_api_key_and_nothing_else() {
    let fake = FakeIdemia::start().await;
    let client = fake.client();
    let identity = client
        .send(&GetIdentity::new(IDENTITY_ID))
        .await
        .expect("the identity");
    assert_eq!(identity["levelOfAssurance"], "LOA3");
    let mut file = Vec::new();
    let proof_url = fake.proof_url(IDENTITY_ID, 100_000, false);
    let downloaded = client
        .download(&GetProof::new(&proof_url), &mut file)
        .await
        .expect("the proof");
    assert_eq!(downloaded.bytes, 100_000);
    assert_eq!(file.len(), 100_000);
    assert_eq!(downloaded.content_type.as_deref(), Some("application/gzip"));

    let received = fake.received();
    assert_eq!(received.len(), 2, "{received:?}");
    assert!(received
        .iter()
        .all(|r| r.origin == "idv" && r.method == "GET"));
    assert_eq!(
        received[0].path,
        format!("/gips/v1/identities/{IDENTITY_ID}")
    );
    assert_eq!(received[0].header("accept"), Some("application/json"));
    assert_eq!(
        received[1].path,
        format!("/gips/v1/identities/{IDENTITY_ID}/proof")
    );
    assert_eq!(
        received[1].query.as_deref(),
        Url::parse(&proof_url).expect("a URL").query()
    );
    assert_eq!(received[1].header("accept"), Some("application/gzip"));
    for request in &received {
        assert_eq!(request.header("apikey"), Some(API_KEY));
        // The bearer token is the application's, never sent to the ID&V platform;
        // nor is a body.
        assert_eq!(request.header("authorization"), None);
        assert_eq!(request.body, "");
    }
    // API key operations need no token.
    assert_eq!(fake.token_requests(), 0);

    // An identity id is one path segment, whatever it contains.
    let _ = client
        .send(&GetIdentity::new("../../api/v1/sessions"))
        .await;
    let last = fake.received().pop().expect("a request");
    assert_eq!(last.origin, "idv");
    assert_eq!(
        last.path,
        "/gips/v1/identities/..%2F..%2Fapi%2Fv1%2Fsessions"
    );
    for bad in ["", ".", ".."] {
        let error = client
            .send(&GetIdentity::new(bad))
            .await
            .expect_err("not a segment");
        assert!(
            matches!(
                error,
                Error::Rest(RestError::InvalidParameter {
                    name: "identity_id"
                })
            ),
            "{bad:?}: {error:?}"
        );
    }
    assert_eq!(fake.received().len(), 3);
}

#[tokio::test]
async fn a_refused_api_key_is_an_error_without_a_retry() {
    let fake = FakeIdemia::start().await;
    let client = fake
        .builder()
        .api_key("not-the-key")
        .build()
        .expect("the client builds");
    let error = client
        .send(&GetIdentity::new(IDENTITY_ID))
        .await
        .expect_err("the key is refused");
    assert_eq!(status_of(&error), Some(401), "{error:?}");
    assert_eq!(fake.received().len(), 1);
    assert_eq!(fake.token_requests(), 0);
}

#[tokio::test]
async fn a_proof_url_off_the_id_and_v_origin_is_refused_before_any_request() {
    let fake = FakeIdemia::start().await;
    let client = fake.client();
    let idv = Url::parse(&fake.idv).expect("a URL");
    let port = idv.port().expect("a port");
    // Another host on the ID&V platform's port, and the ID&V host on another port.
    let other_host = Recorder::start("127.0.0.2", port).await;
    let other_port = Recorder::start("127.0.0.1", 0).await;
    let path = format!("/gips/v1/identities/{IDENTITY_ID}/proof");
    let foreign = [
        format!("{}{path}", other_host.origin),
        format!("{}{path}", other_port.origin),
        // IDEMIA's application origin is not the ID&V platform either.
        format!("{}{path}", fake.application),
        // The ID&V origin as user info, another host as the host.
        format!("http://127.0.0.1:{port}@127.0.0.2:{port}{path}"),
        format!("https://127.0.0.1:{port}{path}"),
    ];
    for url in &foreign {
        let mut out = Counting::new();
        let error = client
            .download(&GetProof::new(url), &mut out)
            .await
            .expect_err("a foreign URL");
        assert!(
            matches!(
                error,
                Error::Rest(RestError::ForeignUrl {
                    operation: "get_proof",
                    origin: "idv_url"
                })
            ),
            "{url}: {error:?}"
        );
        assert_eq!(out.bytes, 0);
    }
    let error = client
        .download(&GetProof::new("not a url"), &mut Counting::new())
        .await
        .expect_err("not a URL");
    assert!(
        matches!(
            error,
            Error::Rest(RestError::InvalidUrl { name: "proof_url" })
        ),
        "{error:?}"
    );
    // The download returned before sending: had a request gone out, its server
    // would have received it before the client saw an answer.
    assert_eq!(other_host.seen(), Vec::<String>::new());
    assert_eq!(other_port.seen(), Vec::<String>::new());
    assert_eq!(fake.received().len(), 0, "{:?}", fake.received());

    // The recorder on the other host does answer: a request would have reached it.
    let reached = reqwest::get(format!("{}{path}", other_host.origin))
        .await
        .expect("the recorder answers");
    assert!(reached.status().is_success());
    assert_eq!(other_host.seen(), [format!("GET {path}")]);
}

#[tokio::test]
async fn a_large_proof_is_streamed_in_bounded_memory() {
    const SIZE: u64 = 300 * MIB;
    let fake = FakeIdemia::start().await;
    let client = fake
        .builder()
        .max_download_bytes(SIZE + MIB)
        // The client's timeout bounds the whole download: give it room on a
        // loaded machine.
        .http_client(
            HttpClient::builder()
                .allow_loopback_http(true)
                .timeout(Duration::from_secs(120))
                .build()
                .expect("http client"),
        )
        .build()
        .expect("the client builds");
    let before = peak_rss_kib();
    let mut out = Counting::new();
    let downloaded = client
        .download(
            &GetProof::new(fake.proof_url(IDENTITY_ID, SIZE, false)),
            &mut out,
        )
        .await
        .expect("the proof");
    let after = peak_rss_kib();
    assert_eq!(downloaded.bytes, SIZE);
    assert_eq!(out.bytes, SIZE);
    // Written as it arrived, a chunk at a time.
    assert!(out.writes > 300, "{} writes", out.writes);
    assert!(
        out.largest_write as u64 <= 4 * MIB,
        "{} bytes in one write",
        out.largest_write
    );
    let growth_mib = after.saturating_sub(before) / 1024;
    assert!(
        growth_mib < 64,
        "the peak resident set grew by {growth_mib} MiB for a {} MiB download",
        SIZE / MIB
    );
}

#[tokio::test]
async fn a_download_over_the_bound_is_stopped() {
    let fake = FakeIdemia::start().await;
    let client = fake
        .builder()
        .max_download_bytes(MIB)
        .build()
        .expect("the client builds");
    for declared in [true, false] {
        let mut out = Counting::new();
        let error = client
            .download(
                &GetProof::new(fake.proof_url(IDENTITY_ID, 2 * MIB, declared)),
                &mut out,
            )
            .await
            .expect_err("too large");
        assert!(
            matches!(
                error,
                Error::Rest(RestError::DownloadTooLarge {
                    operation: "get_proof",
                    limit: MIB
                })
            ),
            "declared {declared}: {error:?}"
        );
        if declared {
            // Refused from its Content-Length, before a byte was written.
            assert_eq!(out.bytes, 0);
        } else {
            assert!(out.bytes <= MIB, "{} bytes written", out.bytes);
        }
    }
    // Exactly the bound is accepted.
    let mut out = Counting::new();
    let downloaded = client
        .download(
            &GetProof::new(fake.proof_url(IDENTITY_ID, MIB, false)),
            &mut out,
        )
        .await
        .expect("the bound itself");
    assert_eq!((downloaded.bytes, out.bytes), (MIB, MIB));
}

#[tokio::test]
async fn the_start_link_names_the_session() {
    let fake = FakeIdemia::start().await;
    let client = fake.client();
    let session = fake.session(&client).await;
    let id = Uuid::parse(&session.to_uppercase()).expect("a UUID");
    let link = client.link(&SessionStart::new(id)).expect("a link");
    assert_eq!(
        link.as_str(),
        format!("https://rp-handler.did.idemia.io/api/v1/ipa/start?session-id={session}")
    );
    assert_eq!(
        client.url(BaseUrl::IpaStartUrl).as_str(),
        "https://rp-handler.did.idemia.io/api/v1/ipa/start"
    );

    // Every URL given at run time, by name: the start page keeps its own query.
    let url = |text: &str| Url::parse(text).expect("a URL");
    let custom = Client::builder(RestTarget::urls([
        (
            "cognito_url",
            url(&format!("{}{COGNITO_PATH}", fake.application)),
        ),
        (
            "create_session_url",
            url(&format!("{}{SESSIONS_PATH}", fake.application)),
        ),
        ("ipa_start_url", url("https://ipa.example/start?lang=en")),
        ("idv_url", url(&fake.idv)),
    ]))
    .client_credentials(CLIENT_ID, SECRET)
    .api_key(API_KEY)
    .http_client(http())
    .build()
    .expect("the client builds");
    let link = custom
        .link(&SessionStart::new(Uuid::parse(&session).expect("a UUID")))
        .expect("a link");
    assert_eq!(
        link.as_str(),
        format!("https://ipa.example/start?lang=en&session-id={session}")
    );
    // The custom client reaches the fake as the other does.
    assert_eq!(fake.session(&custom).await, session_id(2));
}

#[tokio::test]
async fn the_builder_wants_every_url_and_credential() {
    let fake = FakeIdemia::start().await;
    let without_idv = Client::builder(Environment::Production)
        .url(
            BaseUrl::CognitoUrl,
            format!("{}{COGNITO_PATH}", fake.application),
        )
        .url(
            BaseUrl::CreateSessionUrl,
            format!("{}{SESSIONS_PATH}", fake.application),
        )
        .client_credentials(CLIENT_ID, SECRET)
        .api_key(API_KEY)
        .http_client(http())
        .build();
    assert!(
        matches!(without_idv, Err(ConfigError::MissingUrl("idv_url"))),
        "{without_idv:?}"
    );
    let without_key = Client::builder(Environment::Production)
        .url(
            BaseUrl::CognitoUrl,
            format!("{}{COGNITO_PATH}", fake.application),
        )
        .url(
            BaseUrl::CreateSessionUrl,
            format!("{}{SESSIONS_PATH}", fake.application),
        )
        .url(BaseUrl::IdvUrl, &fake.idv)
        .client_credentials(CLIENT_ID, SECRET)
        .http_client(http())
        .build();
    assert!(
        matches!(without_key, Err(ConfigError::MissingCredential(_))),
        "{without_key:?}"
    );
    // Plain http is for loopback test servers only, and only with the opt-in.
    let plain = fake.builder().http_client(HttpClient::new()).build();
    assert!(
        matches!(plain, Err(ConfigError::InsecureUrl { .. })),
        "{plain:?}"
    );
    assert!(fake.received().is_empty());
}
