//! No secret reaches a log line or an error message: with every tracing event and span
//! (all targets, TRACE) and every `log` record (reqwest's) recorded for this test's
//! thread, a login, userinfo, a refresh and a series of failures — a revoked token, a
//! closed port, a provider that never answers, documented errors at the token and
//! userinfo endpoints — leave no access token, refresh token, authorization code,
//! state or client secret in the log, in any error's `Display` or `Debug` (with its
//! sources), or in the `Debug` of a login or its tokens. ID.me puts the access token in
//! the userinfo URL's query, so this is where it would leak first.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, Once};
use std::time::Duration;

use idspec::idme::{test_users, AuthorizationRequest, ErrorCode, Scope, UserinfoErrorCode};
use idspec::runtime::http::HttpError;
use idspec::runtime::{Endpoints, Error, HttpClient};
use idspec_sandbox::user_agent::Decision;
use idspec_sandbox::SandboxClient;
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::subscriber::Interest;
use tracing::{Event, Metadata, Subscriber};

use crate::support::{
    self, client_for, client_with_http, failed_login, query_value, sandbox_with, Answer,
    FakeProvider, TOKEN_PATH, USERINFO_PATH,
};

/// A client secret that cannot appear anywhere by coincidence.
const SECRET: &str = "idme-client-secret-Zq81vR4tLw0p";

/// Records everything, as text, into a buffer shared with the test.
#[derive(Clone, Default)]
struct Capture {
    text: Arc<Mutex<String>>,
    next_span: Arc<AtomicU64>,
}

impl Capture {
    fn push(&self, line: &str) {
        let mut text = self.text.lock().unwrap_or_else(|e| e.into_inner());
        text.push_str(line);
        text.push('\n');
    }

    fn text(&self) -> String {
        self.text.lock().unwrap_or_else(|e| e.into_inner()).clone()
    }
}

/// Every field, with its name: `name=value`.
struct Fields<'a>(&'a mut String);

impl Visit for Fields<'_> {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        let _ = write!(self.0, " {}={:?}", field.name(), value);
    }

    fn record_str(&mut self, field: &Field, value: &str) {
        let _ = write!(self.0, " {}={}", field.name(), value);
    }

    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        // The error as Display and Debug, and every source: all of it could be logged.
        let _ = write!(self.0, " {}={} / {:?}", field.name(), value, value);
        let mut source = value.source();
        while let Some(cause) = source {
            let _ = write!(self.0, " <- {cause} / {cause:?}");
            source = cause.source();
        }
    }
}

fn describe(metadata: &Metadata<'_>) -> String {
    format!(
        "{} {} {} ({}:{})",
        metadata.level(),
        metadata.target(),
        metadata.name(),
        metadata.file().unwrap_or("?"),
        metadata.line().unwrap_or(0)
    )
}

impl Subscriber for Capture {
    fn register_callsite(&self, _: &'static Metadata<'static>) -> Interest {
        Interest::always()
    }

    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }

    fn max_level_hint(&self) -> Option<tracing::level_filters::LevelFilter> {
        Some(tracing::level_filters::LevelFilter::TRACE)
    }

    fn new_span(&self, span: &Attributes<'_>) -> Id {
        let id = self.next_span.fetch_add(1, Ordering::Relaxed) + 1;
        let mut line = format!("span#{id} new {}", describe(span.metadata()));
        span.record(&mut Fields(&mut line));
        self.push(&line);
        Id::from_u64(id)
    }

    fn record(&self, span: &Id, values: &Record<'_>) {
        let mut line = format!("span#{} record", span.into_u64());
        values.record(&mut Fields(&mut line));
        self.push(&line);
    }

    fn record_follows_from(&self, _: &Id, _: &Id) {}

    fn event(&self, event: &Event<'_>) {
        let mut line = format!("event {}", describe(event.metadata()));
        if let Some(parent) = event.parent() {
            let _ = write!(line, " parent=span#{}", parent.into_u64());
        }
        event.record(&mut Fields(&mut line));
        self.push(&line);
    }

    fn enter(&self, span: &Id) {
        self.push(&format!("span#{} enter", span.into_u64()));
    }

    fn exit(&self, _: &Id) {}
}

/// `log` records (reqwest logs through `log`), into the capture of the thread that
/// emits them, if it has one: other tests' threads are not recorded.
struct LogToCapture;

impl log::Log for LogToCapture {
    fn enabled(&self, _: &log::Metadata<'_>) -> bool {
        true
    }

    fn log(&self, record: &log::Record<'_>) {
        tracing::dispatcher::get_default(|dispatch| {
            if let Some(capture) = dispatch.downcast_ref::<Capture>() {
                capture.push(&format!(
                    "log {} {}: {}",
                    record.level(),
                    record.target(),
                    record.args()
                ));
            }
        });
    }

    fn flush(&self) {}
}

static LOGGER: LogToCapture = LogToCapture;

fn install_log_forwarding() {
    static INSTALL: Once = Once::new();
    INSTALL.call_once(|| {
        log::set_logger(&LOGGER).expect("no other logger in this test binary");
        log::set_max_level(log::LevelFilter::Trace);
    });
}

/// What must never be printed, with a name for the failure message.
#[derive(Default)]
struct Secrets(Vec<(String, String)>);

impl Secrets {
    fn add(&mut self, what: impl Into<String>, value: &str) {
        assert!(value.len() >= 8, "{value} is too short to search for");
        self.0.push((what.into(), value.to_owned()));
    }

    fn assert_absent(&self, place: &str, text: &str) {
        for (what, value) in &self.0 {
            assert!(
                !text.contains(value.as_str()),
                "the {what} appears in {place}:\n{text}"
            );
        }
    }
}

/// An error as it could be printed: `Display`, `Debug`, and every source.
fn printed(error: &idspec::idme::Error) -> String {
    let mut text = format!("{error}\n{error:?}");
    let mut source = std::error::Error::source(error);
    while let Some(cause) = source {
        let _ = write!(text, "\n{cause}\n{cause:?}");
        source = cause.source();
    }
    text
}

/// A socket bound to a loopback port but not listening: connections to its port are
/// refused for as long as it lives, and no other test can take the port meanwhile.
fn refusing_port() -> tokio::net::TcpSocket {
    let socket = tokio::net::TcpSocket::new_v4().expect("socket");
    socket
        .bind("127.0.0.1:0".parse().expect("address"))
        .expect("bind");
    socket
}

#[test]
fn no_secret_reaches_a_log_line_or_an_error() {
    install_log_forwarding();
    let capture = Capture::default();
    // While a single dispatcher is registered, tracing-core asks only the calling
    // thread's dispatcher whether a callsite seen for the first time is of interest:
    // a callsite first reached by another test's thread during this test would be
    // cached as "never" for every thread, this one included, and its spans would go
    // missing from the capture. With a second dispatcher registered (alive for as
    // long as the capture), every registered dispatcher is asked.
    let _second_dispatcher = tracing::Dispatch::new(Capture::default());
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("runtime");
    // Everything runs on this thread (the sandbox and the connections are tasks of
    // this current-thread runtime), so this capture sees all of it and nothing of
    // the other tests.
    let (secrets, errors, debugged) =
        tracing::subscriber::with_default(capture.clone(), || runtime.block_on(scenario()));
    let log = capture.text();

    // The capture works: idspec's spans with their fields, the sandbox's and hyper's
    // events, reqwest's log records.
    for expected in [
        "idspec.start",
        "idspec.complete",
        "idspec.refresh",
        "idspec.userinfo",
        "idspec.http",
        &format!("path={TOKEN_PATH}"),
        &format!("path={USERINFO_PATH}"),
        "provider answered",
        "provider call failed",
        "sandbox started",
        "hyper_util",
        "log DEBUG reqwest::connect: starting new connection",
    ] {
        assert!(
            log.contains(expected),
            "`{expected}` is not in the log:\n{log}"
        );
    }
    // The failures were recorded too.
    assert!(log.contains("status=401"), "{log}");
    assert!(log.contains("error=the userinfo request failed"), "{log}");

    secrets.assert_absent("the log", &log);
    assert_eq!(errors.len(), 8, "every failure was collected");
    for (what, error) in &errors {
        secrets.assert_absent(what, error);
    }
    for (what, text) in &debugged {
        secrets.assert_absent(what, text);
    }
}

/// The flows; returns what must not be printed, the errors as printed, and the
/// `Debug` of the logins and tokens.
async fn scenario() -> (Secrets, Vec<(String, String)>, Vec<(String, String)>) {
    let registration = SandboxClient {
        client_secret: Some(SECRET.to_owned()),
        ..SandboxClient::default()
    };
    let sandbox = sandbox_with(vec![registration.clone()]).await;
    let client = client_for(sandbox.endpoints(), &registration);
    let request = || AuthorizationRequest::new(Scope::FortifiedCovidVerify);
    let mut secrets = Secrets::default();
    secrets.add("client secret", SECRET);
    let mut errors: Vec<(String, String)> = Vec::new();
    let mut debugged: Vec<(String, String)> = Vec::new();
    let mut failed = |what: &str, error: idspec::idme::Error| {
        errors.push((format!("the error of {what}"), printed(&error)));
    };

    // A login, userinfo, a refresh, userinfo again.
    let (login, callback) = support::login(&client, request(), test_users::MALCOLM).await;
    secrets.add(
        "authorization code",
        &query_value(&callback, "code").expect("code"),
    );
    secrets.add("state", &query_value(&callback, "state").expect("state"));
    secrets.add("access token", login.access_token().secret());
    secrets.add(
        "refresh token",
        login.refresh_token().expect("refresh token").secret(),
    );
    client.userinfo(&login).await.expect("userinfo");
    let refreshed = client.refresh(&login).await.expect("refresh");
    secrets.add("refreshed access token", refreshed.access_token().secret());
    secrets.add(
        "refreshed refresh token",
        refreshed.refresh_token().expect("refresh token").secret(),
    );
    client.userinfo(&refreshed).await.expect("userinfo");
    debugged.push(("Debug of the login".into(), format!("{login:?}")));
    debugged.push((
        "Debug of the refreshed login".into(),
        format!("{refreshed:?}"),
    ));
    debugged.push((
        "Debug of the tokens".into(),
        format!("{:?}", login.tokens()),
    ));
    debugged.push((
        "Debug of the refreshed tokens".into(),
        format!("{:?}", refreshed.tokens()),
    ));
    debugged.push(("Debug of the client".into(), format!("{client:?}")));

    // The old refresh token was rotated away: the refresh fails, naming no token.
    let error = client.refresh(&login).await.expect_err("rotated");
    failed("a refresh with a rotated token", error);

    // A login whose tokens are revoked: its code is replayed (RFC 6749 4.1.2), so
    // the provider revokes what it issued for it.
    let (revoked, callback) = support::login(&client, request(), test_users::MALCOLM).await;
    let code = query_value(&callback, "code").expect("code");
    secrets.add("second authorization code", &code);
    secrets.add("revoked access token", revoked.access_token().secret());
    secrets.add(
        "revoked refresh token",
        revoked.refresh_token().expect("refresh").secret(),
    );
    let replay = reqwest::Client::new()
        .post(sandbox.endpoints().token.expect("token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("client_id", registration.client_id.as_str()),
            ("client_secret", SECRET),
            ("redirect_uri", registration.redirect_uris[0].as_str()),
        ])
        .send()
        .await
        .expect("replay");
    assert_eq!(replay.status(), 400, "the replayed code is refused");
    let error = client.userinfo(&revoked).await.expect_err("revoked");
    assert_eq!(
        error.provider_error().expect("provider").kind(),
        &ErrorCode::Userinfo(UserinfoErrorCode::InvalidToken)
    );
    failed("userinfo with a revoked token", error);
    let error = client.refresh(&revoked).await.expect_err("revoked");
    failed("a refresh with a revoked token", error);

    // A documented error at userinfo, for a real access token.
    let (doomed, _) = support::login(&client, request(), "error:userinfo:invalid_token").await;
    secrets.add(
        "access token of error:userinfo",
        doomed.access_token().secret(),
    );
    let error = client.userinfo(&doomed).await.expect_err("invalid_token");
    assert_eq!(
        error.provider_error().expect("provider").kind(),
        &ErrorCode::Userinfo(UserinfoErrorCode::InvalidToken)
    );
    failed("error:userinfo:invalid_token", error);

    // A documented error at the token endpoint, for a real code.
    let (error, callback) = failed_login(
        &client,
        request(),
        "error:token:invalid_grant",
        Decision::Approve,
    )
    .await;
    secrets.add(
        "authorization code of error:token",
        &query_value(&callback, "code").expect("code"),
    );
    failed("error:token:invalid_grant", error);

    // The token endpoint refuses the client: a wrong secret must not be printed either.
    let wrong = SandboxClient {
        client_secret: Some("wrong-client-secret-Hh27xk".to_owned()),
        ..registration.clone()
    };
    secrets.add("wrong client secret", "wrong-client-secret-Hh27xk");
    let wrong_client = client_for(sandbox.endpoints(), &wrong);
    let (state, callback) = support::callback(
        &wrong_client,
        request(),
        test_users::MALCOLM,
        Decision::Approve,
    )
    .await;
    secrets.add(
        "authorization code exchanged with a wrong secret",
        &query_value(&callback, "code").expect("code"),
    );
    let error = wrong_client
        .complete_for(&state, callback.as_str())
        .await
        .expect_err("invalid_client");
    failed("a wrong client secret", error);

    // Userinfo on a closed port: a transport error, with the token in the URL.
    let refusing = refusing_port();
    let port = refusing.local_addr().expect("address").port();
    let closed = Endpoints {
        userinfo: Some(
            url::Url::parse(&format!("http://127.0.0.1:{port}{USERINFO_PATH}")).expect("url"),
        ),
        ..sandbox.endpoints()
    };
    let error = client_for(closed, &registration)
        .userinfo(&refreshed)
        .await
        .expect_err("nothing listens");
    assert!(
        matches!(error, Error::Http(HttpError::Transport { .. })),
        "{error:?}"
    );
    assert!(error.is_retryable());
    failed("userinfo on a closed port", error);
    drop(refusing);

    // Userinfo on a provider that never answers: a timeout, with the token in the URL.
    let silent = FakeProvider::start(vec![(USERINFO_PATH, Answer::Never)]).await;
    let endpoints = Endpoints {
        userinfo: Some(silent.url(USERINFO_PATH)),
        ..sandbox.endpoints()
    };
    let impatient = HttpClient::builder()
        .allow_loopback_http(true)
        .timeout(Duration::from_millis(300))
        .build()
        .expect("http");
    let error = client_with_http(endpoints, &registration, impatient)
        .userinfo(&refreshed)
        .await
        .expect_err("no answer");
    assert!(
        matches!(error, Error::Http(HttpError::Timeout { .. })),
        "{error:?}"
    );
    failed("userinfo on a silent provider", error);
    // The token did reach the provider (in the query): the request was made for real.
    let received = silent.received();
    assert_eq!(received.len(), 1);
    assert!(received[0]
        .target
        .contains(refreshed.access_token().secret()));

    (secrets, errors, debugged)
}
