//! Headless Chromium for browser tests, driven over W3C WebDriver.
//!
//! * [`ensure_installed`] installs Debian's `chromium` and `chromium-driver`
//!   with apt when `/usr/bin/chromium` or `/usr/bin/chromedriver` is missing
//!   (as root, as in CI; otherwise it panics with the command to run). Test
//!   binaries running at once install only once (an inter-process lock), and
//!   each process checks only once.
//! * [`Browser`] starts `chromedriver` on a free loopback port with a fresh
//!   Chromium profile and speaks WebDriver's HTTP/JSON protocol with reqwest.
//!   Every failure panics with what was sent and what came back. Dropping it
//!   ends the session and kills chromedriver and the Chromium it started.
//!
//! Chromium runs with its background networking (component updates, sync,
//! QUIC) turned off, and with every host name except `localhost` and
//! `127.0.0.1` mapped to "not found" (`--host-resolver-rules`): what it still
//! fetches on its own (autofill hints for forms, account and update checks)
//! fails at once inside the browser, without a DNS query, so a test never
//! waits for a network that is not there. A redirect to the relying party
//! (`https://rp.example.test/callback?...`) therefore ends on Chromium's
//! "ERR_NAME_NOT_RESOLVED" page, and [`Browser::current_url`] still reports
//! the URL that failed, query included: that is how a test reads the callback.

use std::fs::File;
use std::io::{Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Command as StdCommand, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use serde_json::{json, Value};
use tokio::process::{Child, Command};

use crate::apt::{file_tail, tmp_dir, Packages};

/// Where Debian's packages put the browser and its driver.
pub const CHROMIUM: &str = "/usr/bin/chromium";
/// Debian's `chromium-driver`.
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// How long chromedriver may take to answer `GET /status` with `ready`.
const DRIVER_READY_TIMEOUT: Duration = Duration::from_secs(20);
/// How long one WebDriver command may take (a page load included).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(30);
/// How long [`Browser::find`] waits for an element to appear.
const FIND_TIMEOUT: Duration = Duration::from_secs(5);
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// Each `Browser`'s profile directory under `target/tmp` is named
/// `chromium-profile-PID-N-NANOS` (its chromedriver log: the same `.chromedriver.log`).
const PROFILE_PREFIX: &str = "chromium-profile-";

/// The W3C key of an element reference in WebDriver JSON.
const ELEMENT_KEY: &str = "element-6066-11e4-a52e-4f735466cecf";

// ---------------------------------------------------------------------------
// Installation
// ---------------------------------------------------------------------------

/// Makes sure `/usr/bin/chromium` and `/usr/bin/chromedriver` exist,
/// installing Debian's packages if not. Checks once per process; a failed
/// install panics again, with the same message, in every later caller.
pub async fn ensure_installed() {
    match tokio::task::spawn_blocking(ensure_installed_blocking).await {
        Ok(Ok(())) => {}
        Ok(Err(message)) => panic!("{message}"),
        Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
        Err(err) => panic!("chromium install: the install task was cancelled: {err}"),
    }
}

fn ensure_installed_blocking() -> Result<(), String> {
    // Held during the install: the process's other tests wait here.
    static OUTCOME: Mutex<Option<Result<(), String>>> = Mutex::new(None);
    let mut outcome = OUTCOME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    outcome
        .get_or_insert_with(|| PACKAGES.install_if_missing())
        .clone()
}

const PACKAGES: Packages = Packages {
    name: "chromium",
    packages: &["chromium", "chromium-driver"],
    installed: is_installed,
};

fn is_installed() -> bool {
    use std::os::unix::fs::PermissionsExt;
    [CHROMIUM, CHROMEDRIVER].iter().all(|path| {
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    })
}

// ---------------------------------------------------------------------------
// The browser
// ---------------------------------------------------------------------------

/// Headless Chromium behind chromedriver, with one WebDriver session.
pub struct Browser {
    http: reqwest::Client,
    driver: Child,
    driver_addr: SocketAddr,
    /// `http://127.0.0.1:PORT/session/ID`
    session_url: String,
    session_id: String,
    profile_dir: PathBuf,
    driver_log: PathBuf,
}

/// An element of the current page.
pub struct Element<'b> {
    browser: &'b Browser,
    id: String,
    /// The selector it was found with, for panic messages.
    css: String,
}

/// A WebDriver command's failure: transport, HTTP status or WebDriver error.
#[derive(Debug)]
struct CommandError {
    /// "no such element", "unknown error", ... (empty for transport errors).
    error: String,
    message: String,
}

impl Browser {
    /// Installs Chromium if needed, starts chromedriver and opens a session.
    pub async fn start() -> Browser {
        ensure_installed().await;

        remove_leftover_profiles();
        let profile_dir = unique_dir(PROFILE_PREFIX.trim_end_matches('-'));
        let driver_log = profile_dir.with_extension("chromedriver.log");
        let http = reqwest::Client::builder()
            .no_proxy()
            .timeout(COMMAND_TIMEOUT)
            .build()
            .expect("building the WebDriver HTTP client");

        let (driver, driver_addr) = start_driver(&driver_log).await;
        let mut browser = Browser {
            http,
            driver,
            driver_addr,
            session_url: String::new(),
            session_id: String::new(),
            profile_dir,
            driver_log,
        };
        browser.wait_until_ready().await;
        browser.new_session().await;
        browser
    }

    async fn wait_until_ready(&mut self) {
        let url = format!("http://{}/status", self.driver_addr);
        let started = Instant::now();
        let mut last;
        loop {
            if let Ok(Some(status)) = self.driver.try_wait() {
                panic!(
                    "chromedriver exited before it was ready ({status})\n{}",
                    file_tail(&self.driver_log)
                );
            }
            match self.http.get(&url).send().await {
                Ok(response) => {
                    let status = response.status();
                    let body = response.text().await.unwrap_or_default();
                    let ready = serde_json::from_str::<Value>(&body)
                        .ok()
                        .and_then(|json| json.pointer("/value/ready")?.as_bool());
                    if status.is_success() && ready == Some(true) {
                        return;
                    }
                    last = format!("{status}: {body}");
                }
                Err(err) => last = err.to_string(),
            }
            if started.elapsed() > DRIVER_READY_TIMEOUT {
                panic!(
                    "chromedriver: GET {url} did not answer ready within {} s (last: {last})\n{}",
                    DRIVER_READY_TIMEOUT.as_secs(),
                    file_tail(&self.driver_log)
                );
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    async fn new_session(&mut self) {
        let args = vec![
            "--headless=new".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            // Host names other than localhost fail at once instead of asking a
            // DNS server that may not answer: the relying party's redirect URI
            // ends on the error page, which still has its URL.
            "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1"
                .to_owned(),
            "--window-size=1024,900".to_owned(),
            format!("--user-data-dir={}", self.profile_dir.display()),
        ];
        let capabilities = json!({
            "capabilities": {
                "alwaysMatch": {
                    "browserName": "chrome",
                    "pageLoadStrategy": "normal",
                    "timeouts": { "pageLoad": 20_000, "script": 10_000, "implicit": 0 },
                    "goog:chromeOptions": { "binary": CHROMIUM, "args": args },
                }
            }
        });
        let url = format!("http://{}/session", self.driver_addr);
        let value = match send(&self.http, reqwest::Method::POST, &url, Some(&capabilities)).await {
            Ok(value) => value,
            Err(err) => panic!(
                "chromedriver: POST /session (goog:chromeOptions binary {CHROMIUM}) failed: {}\n{}",
                err.describe(),
                file_tail(&self.driver_log)
            ),
        };
        let id = value
            .get("sessionId")
            .and_then(Value::as_str)
            .unwrap_or_else(|| {
                panic!("chromedriver: POST /session answered without a sessionId: {value}")
            });
        self.session_id = id.to_owned();
        self.session_url = format!("http://{}/session/{id}", self.driver_addr);
    }

    /// Sends a session command (`path` relative to `/session/ID`), returning
    /// the answer's `value`, or the WebDriver error.
    async fn try_command(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, CommandError> {
        let url = format!("{}{path}", self.session_url);
        send(&self.http, method, &url, body).await
    }

    /// Like `try_command`, panicking with the command and the error.
    async fn command(&self, method: reqwest::Method, path: &str, body: Option<&Value>) -> Value {
        let shown = format!("{method} /session/{}{path}", self.session_id);
        match self.try_command(method, path, body).await {
            Ok(value) => value,
            Err(err) => panic!(
                "WebDriver: {shown}{} failed: {}",
                body.map(|b| format!(" {b}")).unwrap_or_default(),
                err.describe()
            ),
        }
    }

    /// Navigates to `url` and waits for the page to load. A URL that fails
    /// to load (an unresolvable host) is not an error: the browser shows
    /// its error page and [`Self::current_url`] reports `url`.
    pub async fn goto(&self, url: &str) {
        let body = json!({ "url": url });
        match self
            .try_command(reqwest::Method::POST, "/url", Some(&body))
            .await
        {
            Ok(_) => {}
            // chromedriver reports a navigation that ends on an error page
            // as "unknown error: net::ERR_..."; the page is there anyway.
            Err(err) if err.error == "unknown error" && err.message.contains("net::ERR_") => {}
            Err(err) => panic!("WebDriver: navigating to {url} failed: {}", err.describe()),
        }
    }

    /// The URL of the current page (for an error page: the URL that failed).
    pub async fn current_url(&self) -> String {
        let value = self.command(reqwest::Method::GET, "/url", None).await;
        value
            .as_str()
            .unwrap_or_else(|| panic!("WebDriver: GET /url answered {value}, not a string"))
            .to_owned()
    }

    /// The title of the current page.
    pub async fn title(&self) -> String {
        let value = self.command(reqwest::Method::GET, "/title", None).await;
        value.as_str().unwrap_or_default().to_owned()
    }

    /// Polls `current_url` until `predicate` accepts it, and returns it.
    /// Panics after `timeout` with the last URL and the page's title.
    pub async fn wait_for_url(
        &self,
        predicate: impl Fn(&str) -> bool,
        timeout: Duration,
    ) -> String {
        let started = Instant::now();
        loop {
            let url = self.current_url().await;
            if predicate(&url) {
                return url;
            }
            if started.elapsed() > timeout {
                panic!(
                    "browser: the URL did not become the expected one within {:.1} s; it is {url}\n{}",
                    timeout.as_secs_f64(),
                    self.describe_page().await
                );
            }
            tokio::time::sleep(POLL_INTERVAL).await;
        }
    }

    /// The first element matching the CSS selector, waiting up to 5 s for
    /// one to appear. Panics with the page's URL and source if none does.
    pub async fn find(&self, css: &str) -> Element<'_> {
        let body = json!({ "using": "css selector", "value": css });
        let started = Instant::now();
        loop {
            match self
                .try_command(reqwest::Method::POST, "/element", Some(&body))
                .await
            {
                Ok(value) => return self.element(&value, css),
                Err(err) if err.error == "no such element" && started.elapsed() < FIND_TIMEOUT => {
                    tokio::time::sleep(POLL_INTERVAL).await;
                }
                Err(err) => {
                    let url = self.current_url().await;
                    panic!(
                        "WebDriver: no element matches {css:?} on {url} after {:.1} s: {}\n{}",
                        started.elapsed().as_secs_f64(),
                        err.describe(),
                        self.describe_page().await
                    );
                }
            }
        }
    }

    /// Every element matching the CSS selector now (no waiting; may be empty).
    pub async fn find_all(&self, css: &str) -> Vec<Element<'_>> {
        let body = json!({ "using": "css selector", "value": css });
        let value = self
            .command(reqwest::Method::POST, "/elements", Some(&body))
            .await;
        value
            .as_array()
            .unwrap_or_else(|| {
                panic!("WebDriver: POST /elements {body} answered {value}, not an array")
            })
            .iter()
            .map(|item| self.element(item, css))
            .collect()
    }

    fn element(&self, value: &Value, css: &str) -> Element<'_> {
        let id = value
            .get(ELEMENT_KEY)
            .and_then(Value::as_str)
            .unwrap_or_else(|| panic!("WebDriver: element reference for {css:?} is {value}"));
        Element {
            browser: self,
            id: id.to_owned(),
            css: css.to_owned(),
        }
    }

    /// A PNG of the viewport.
    pub async fn screenshot_png(&self) -> Vec<u8> {
        let value = self
            .command(reqwest::Method::GET, "/screenshot", None)
            .await;
        let encoded = value.as_str().unwrap_or_else(|| {
            panic!(
                "WebDriver: GET /screenshot answered {}, not a string",
                truncate(&value.to_string(), 200)
            )
        });
        let png = base64_decode(encoded)
            .unwrap_or_else(|| panic!("WebDriver: GET /screenshot answered invalid base64"));
        assert!(
            png.starts_with(b"\x89PNG\r\n\x1a\n"),
            "WebDriver: GET /screenshot did not answer a PNG"
        );
        png
    }

    /// Resizes the window (the viewport is a little smaller: the window's frame).
    pub async fn set_window_size(&self, width: u32, height: u32) {
        let body = json!({ "width": width, "height": height });
        self.command(reqwest::Method::POST, "/window/rect", Some(&body))
            .await;
    }

    /// Runs `script` (a function body; `arguments` holds `args`) in the page
    /// and returns its result.
    pub async fn execute(&self, script: &str, args: Vec<Value>) -> Value {
        let body = json!({ "script": script, "args": args });
        self.command(reqwest::Method::POST, "/execute/sync", Some(&body))
            .await
    }

    /// The page's title and visible text (shortened), for panic messages:
    /// on an error page this says what went wrong, where its source is CSS.
    pub async fn describe_page(&self) -> String {
        let text = self
            .try_command(
                reqwest::Method::POST,
                "/execute/sync",
                Some(&json!({
                    "script": "return [document.title, document.body ? document.body.innerText : ''];",
                    "args": []
                })),
            )
            .await;
        match text {
            Ok(Value::Array(parts)) if parts.len() == 2 => format!(
                "--- page title: {} ---\n--- page text (start) ---\n{}",
                parts[0].as_str().unwrap_or_default(),
                truncate(parts[1].as_str().unwrap_or_default(), 2000)
            ),
            Ok(other) => format!("--- page: unexpected answer {other} ---"),
            Err(err) => format!("--- page: cannot read it: {} ---", err.describe()),
        }
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // DELETE /session makes chromedriver quit Chromium. Drop cannot await,
        // so this is a plain blocking HTTP/1.1 request with short timeouts.
        if !self.session_id.is_empty() {
            let _ = delete_blocking(self.driver_addr, &format!("/session/{}", self.session_id));
        }
        let _ = self.driver.start_kill();
        // If chromedriver could not end it, Chromium would outlive the test:
        // kill the processes that run on this browser's own profile directory.
        kill_processes_using(&self.profile_dir);
        let _ = std::fs::remove_dir_all(&self.profile_dir);
        let _ = std::fs::remove_file(&self.driver_log);
    }
}

impl Element<'_> {
    async fn command(&self, method: reqwest::Method, what: &str, body: Option<&Value>) -> Value {
        let path = format!("/element/{}{what}", self.id);
        let shown = format!("{method} {path}");
        match self.browser.try_command(method, &path, body).await {
            Ok(value) => value,
            Err(err) => panic!(
                "WebDriver: {shown} on the element {:?}{} failed: {}",
                self.css,
                body.map(|b| format!(" with {b}")).unwrap_or_default(),
                err.describe()
            ),
        }
    }

    /// Clicks it (scrolling it into view); a navigation it starts is waited for.
    pub async fn click(&self) {
        self.command(reqwest::Method::POST, "/click", Some(&json!({})))
            .await;
    }

    /// Types `text` into it.
    pub async fn send_keys(&self, text: &str) {
        self.command(
            reqwest::Method::POST,
            "/value",
            Some(&json!({ "text": text })),
        )
        .await;
    }

    /// Empties an input or textarea.
    pub async fn clear(&self) {
        self.command(reqwest::Method::POST, "/clear", Some(&json!({})))
            .await;
    }

    /// Its rendered text (what a person sees).
    pub async fn text(&self) -> String {
        let value = self.command(reqwest::Method::GET, "/text", None).await;
        value.as_str().unwrap_or_default().to_owned()
    }

    /// The HTML attribute `name` as written in the page (`None` if absent).
    pub async fn attribute(&self, name: &str) -> Option<String> {
        let value = self
            .command(reqwest::Method::GET, &format!("/attribute/{name}"), None)
            .await;
        value.as_str().map(str::to_owned)
    }

    /// The DOM property `name` now (`value` of an input: what is typed in it).
    pub async fn property(&self, name: &str) -> Value {
        self.command(reqwest::Method::GET, &format!("/property/{name}"), None)
            .await
    }

    /// Whether a person can see it.
    pub async fn is_displayed(&self) -> bool {
        self.command(reqwest::Method::GET, "/displayed", None)
            .await
            .as_bool()
            .unwrap_or(false)
    }
}

impl CommandError {
    fn transport(message: String) -> CommandError {
        CommandError {
            error: String::new(),
            message,
        }
    }

    fn describe(&self) -> String {
        if self.error.is_empty() || self.message.starts_with(&self.error) {
            self.message.clone()
        } else {
            format!("{}: {}", self.error, self.message)
        }
    }
}

/// One WebDriver HTTP request; `Ok(value)` on a success status, else the
/// status with the error JSON (its stack trace shortened).
async fn send(
    http: &reqwest::Client,
    method: reqwest::Method,
    url: &str,
    body: Option<&Value>,
) -> Result<Value, CommandError> {
    let mut request = http.request(method.clone(), url);
    if let Some(body) = body {
        request = request
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body.to_string());
    }
    let response = request
        .send()
        .await
        .map_err(|err| CommandError::transport(format!("{method} {url}: {err}")))?;
    let status = response.status();
    let text = response.text().await.map_err(|err| {
        CommandError::transport(format!(
            "{method} {url}: reading the answer ({status}): {err}"
        ))
    })?;
    let json: Value = serde_json::from_str(&text).map_err(|err| {
        CommandError::transport(format!(
            "{method} {url} answered {status} with a body that is not JSON ({err}): {}",
            truncate(&text, 500)
        ))
    })?;
    let mut value = json.get("value").cloned().unwrap_or(Value::Null);
    if status.is_success() {
        return Ok(value);
    }
    let error = value
        .get("error")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    if let Some(trace) = value.get_mut("stacktrace") {
        if let Some(text) = trace.as_str() {
            *trace = Value::String(truncate(text, 300));
        }
    }
    let message = value
        .get("message")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_owned();
    Err(CommandError {
        error: if error.is_empty() {
            "(no error code)".to_owned()
        } else {
            error
        },
        message: format!("{message} (HTTP {status}; {value})"),
    })
}

/// Starts chromedriver on a free loopback port (retrying if another process
/// takes the port first), output to `log`.
async fn start_driver(log: &Path) -> (Child, SocketAddr) {
    let mut last_exit = String::new();
    for _attempt in 0..3 {
        let addr = free_port();
        let out = File::create(log)
            .unwrap_or_else(|err| panic!("chromedriver: cannot create {}: {err}", log.display()));
        let err = out
            .try_clone()
            .expect("cloning the chromedriver log handle");
        let mut child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={}", addr.port()))
            .arg("--allowed-ips=127.0.0.1")
            .stdin(Stdio::null())
            .stdout(out)
            .stderr(err)
            .kill_on_drop(true)
            .spawn()
            .unwrap_or_else(|err| panic!("chromedriver: cannot start {CHROMEDRIVER}: {err}"));
        // A port taken in between makes chromedriver exit at once.
        let started = Instant::now();
        while started.elapsed() < Duration::from_millis(300) {
            if TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok() {
                return (child, addr);
            }
            if let Ok(Some(status)) = child.try_wait() {
                last_exit = format!("{status}\n{}", file_tail(log));
                break;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        if last_exit.is_empty() {
            return (child, addr); // still starting; wait_until_ready takes over
        }
    }
    panic!("chromedriver: exited at start three times; last: {last_exit}");
}

fn free_port() -> SocketAddr {
    let listener = TcpListener::bind("127.0.0.1:0").expect("binding a free loopback port");
    listener.local_addr().expect("the bound port's address")
}

/// A new, empty directory under `target/tmp`, unique to this process and call.
fn unique_dir(prefix: &str) -> PathBuf {
    use std::sync::atomic::{AtomicU32, Ordering};
    static NEXT: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or(0);
    let dir = tmp_dir()
        .unwrap_or_else(|err| panic!("{err}"))
        .join(format!(
            "{prefix}-{}-{}-{nanos:x}",
            std::process::id(),
            NEXT.fetch_add(1, Ordering::Relaxed)
        ));
    std::fs::create_dir(&dir)
        .unwrap_or_else(|err| panic!("cannot create {}: {err}", dir.display()));
    dir
}

/// Removes the profile directories (and chromedriver logs) of test processes
/// that died without dropping their `Browser` (killed, or aborted).
fn remove_leftover_profiles() {
    let Ok(dir) = tmp_dir() else { return };
    let Ok(entries) = std::fs::read_dir(&dir) else {
        return;
    };
    for entry in entries.filter_map(Result::ok) {
        let name = entry.file_name();
        let Some(rest) = name.to_str().and_then(|n| n.strip_prefix(PROFILE_PREFIX)) else {
            continue;
        };
        let Some(pid) = rest.split('-').next().filter(|pid| !pid.is_empty()) else {
            continue;
        };
        if !Path::new("/proc").join(pid).exists() {
            let _ = std::fs::remove_dir_all(entry.path());
            let _ = std::fs::remove_file(entry.path());
        }
    }
}

/// `DELETE path` on chromedriver, blocking, for `Drop`: returns once the
/// whole answer is read (chromedriver answers after Chromium has quit).
fn delete_blocking(addr: SocketAddr, path: &str) -> std::io::Result<()> {
    let mut stream = TcpStream::connect_timeout(&addr, Duration::from_secs(1))?;
    stream.set_read_timeout(Some(Duration::from_secs(10)))?;
    stream.set_write_timeout(Some(Duration::from_secs(1)))?;
    write!(
        stream,
        "DELETE {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    )?;
    // chromedriver may keep the connection open: stop at the body's end.
    let mut answer = Vec::new();
    let mut chunk = [0u8; 4096];
    loop {
        let read = stream.read(&mut chunk)?;
        if read == 0 {
            return Ok(());
        }
        answer.extend_from_slice(&chunk[..read]);
        let Some(head_end) = answer.windows(4).position(|w| w == b"\r\n\r\n") else {
            continue;
        };
        let head = String::from_utf8_lossy(&answer[..head_end]).to_ascii_lowercase();
        let length = head
            .lines()
            .find_map(|line| line.strip_prefix("content-length:"))
            .and_then(|value| value.trim().parse::<usize>().ok());
        if length.is_some_and(|length| answer.len() >= head_end + 4 + length) {
            return Ok(());
        }
    }
}

/// Kills (SIGKILL) every process whose command line names `profile_dir`:
/// only the Chromium processes this `Browser` started use it.
fn kill_processes_using(profile_dir: &Path) {
    let needle = format!("--user-data-dir={}", profile_dir.display());
    let Ok(entries) = std::fs::read_dir("/proc") else {
        return;
    };
    let pids: Vec<String> = entries
        .filter_map(Result::ok)
        .filter_map(|entry| {
            let pid = entry.file_name().into_string().ok()?;
            pid.bytes().all(|b| b.is_ascii_digit()).then_some(())?;
            let cmdline = std::fs::read(entry.path().join("cmdline")).ok()?;
            cmdline
                .split(|&b| b == 0)
                .any(|arg| arg == needle.as_bytes())
                .then_some(pid)
        })
        .collect();
    if !pids.is_empty() {
        let _ = StdCommand::new("kill")
            .arg("-KILL")
            .args(&pids)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}

fn truncate(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}… ({} bytes more)", &text[..end], text.len() - end)
}

/// Standard base64 (with padding, whitespace ignored); `None` if invalid.
fn base64_decode(text: &str) -> Option<Vec<u8>> {
    fn sextet(c: u8) -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        } as u32)
    }
    let clean: Vec<u8> = text.bytes().filter(|b| !b.is_ascii_whitespace()).collect();
    let data = clean
        .strip_suffix(b"==")
        .or_else(|| clean.strip_suffix(b"="))
        .unwrap_or(&clean);
    if !clean.len().is_multiple_of(4) {
        return None;
    }
    let mut out = Vec::with_capacity(data.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in data {
        acc = (acc << 6) | sextet(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}
