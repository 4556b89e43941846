//! A local OpenID Provider for integration tests.
//!
//! [`OpenIdProvider::start`] runs `node tests/op/server.mjs` (the certified
//! node-oidc-provider, configured to behave like Swisscom Mobile ID; see the
//! comments there for clients, users and claims) on 127.0.0.1 with an
//! ephemeral port. The npm packages are installed on first use with
//! `npm ci`, so the tests need `node` (>= 20.19) and `npm` on `PATH`.
//!
//! The child process is tied to this value: dropping it kills the provider,
//! and the provider also exits by itself when its stdin (held open here)
//! closes, so a test process that dies never leaves it behind.

use std::collections::VecDeque;
use std::io::ErrorKind;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader, Lines};
use tokio::process::{Child, ChildStdin, ChildStdout, Command};
use url::Url;

/// How long the provider may take to print its ready line. A provider that fails
/// exits and is reported at once; this bound only covers a slow start (a fresh
/// clone's first `node` run on a machine busy with I/O took over 30 s once).
pub(crate) const READY_TIMEOUT: Duration = Duration::from_secs(90);
/// How long `npm ci` may take (including waiting for another test binary's).
const INSTALL_TIMEOUT: Duration = Duration::from_secs(300);
/// An install lock older than this was left behind by a killed process.
const STALE_LOCK_AGE: Duration = Duration::from_secs(600);
/// Output lines kept for panic messages.
const LOG_TAIL_LINES: usize = 60;

/// The provider's recent stderr (and any unexpected stdout) lines.
pub(crate) type Log = Arc<Mutex<VecDeque<String>>>;

/// A running `tests/op/server.mjs`; killed when dropped.
pub struct OpenIdProvider {
    issuer_identifier: String,
    child: Child,
    /// Never written to; the server exits when this pipe closes.
    _stdin: ChildStdin,
    log: Log,
}

impl OpenIdProvider {
    /// Installs the npm packages if needed, starts the provider and waits
    /// until it is ready. Panics with the reason (npm or node missing, npm
    /// failure, node exit status, timeout) and the tail of the provider's
    /// stderr if anything goes wrong.
    pub async fn start() -> OpenIdProvider {
        let started = spawn_provider(
            "test OpenID Provider",
            "server.mjs",
            &[("IDSPEC_SPEC", spec_json())],
        )
        .await;
        OpenIdProvider {
            issuer_identifier: started.issuer,
            child: started.child,
            _stdin: started.stdin,
            log: started.log,
        }
    }

    /// The exact issuer identifier, `http://127.0.0.1:PORT` (no trailing slash).
    pub fn issuer_identifier(&self) -> &str {
        &self.issuer_identifier
    }

    /// `issuer identifier + path`, e.g. `endpoint("/.well-known/openid-configuration")`.
    pub fn endpoint(&self, path: &str) -> Url {
        Url::parse(&format!("{}{path}", self.issuer_identifier))
            .unwrap_or_else(|err| panic!("invalid endpoint path {path:?}: {err}"))
    }

    /// The last lines the provider wrote to stderr (errors it saw are logged
    /// there), for a test's own failure messages.
    pub fn log_tail(&self) -> String {
        tail(&self.log)
    }
}

impl Drop for OpenIdProvider {
    fn drop(&mut self) {
        // kill_on_drop would do it as well; being explicit costs nothing.
        let _ = self.child.start_kill();
    }
}

/// specs/mobileid.yaml as JSON: the server takes its scopes, claims, ACR values,
/// error table and test users from the spec, so the two cannot drift apart.
fn spec_json() -> String {
    let path = crate::workspace_root().join("specs/mobileid.yaml");
    let spec = idspec_codegen::load_file(&path)
        .unwrap_or_else(|diagnostics| panic!("specs/mobileid.yaml: {diagnostics}"));
    serde_json::to_string(spec.spec()).expect("a spec serializes")
}

pub(crate) fn op_dir() -> PathBuf {
    crate::workspace_root().join("tests").join("op")
}

// ---------------------------------------------------------------------------
// npm install
// ---------------------------------------------------------------------------

/// Runs `npm ci` in `dir` unless the locked oidc-provider is already there.
/// Several test binaries may start at once; only one of them installs.
pub(crate) async fn ensure_installed(dir: &Path) {
    if is_installed(dir) {
        return;
    }
    let Some(_lock) = InstallLock::acquire(dir).await else {
        return; // another test binary installed it while we waited
    };
    if !is_installed(dir) {
        npm_ci(dir).await;
    }
}

/// True if node_modules holds the oidc-provider version package-lock.json
/// pins and npm finished writing it (the hidden lockfile is written last).
fn is_installed(dir: &Path) -> bool {
    let version = |path: PathBuf, pointer: &str| -> Option<String> {
        let text = std::fs::read_to_string(path).ok()?;
        let json: serde_json::Value = serde_json::from_str(&text).ok()?;
        json.pointer(pointer)?.as_str().map(str::to_owned)
    };
    let locked = version(
        dir.join("package-lock.json"),
        "/packages/node_modules~1oidc-provider/version",
    );
    let present = version(
        dir.join("node_modules/oidc-provider/package.json"),
        "/version",
    );
    locked.is_some() && locked == present && dir.join("node_modules/.package-lock.json").is_file()
}

async fn npm_ci(dir: &Path) {
    let npm = if cfg!(windows) { "npm.cmd" } else { "npm" };
    eprintln!(
        "test OpenID Provider: installing npm packages in {} (npm ci)",
        dir.display()
    );
    let started = Instant::now();
    let run = Command::new(npm)
        .args(["ci", "--no-audit", "--no-fund"])
        .current_dir(dir)
        .stdin(Stdio::null())
        .kill_on_drop(true)
        .output();
    let output = match tokio::time::timeout(INSTALL_TIMEOUT, run).await {
        Err(_) => panic!("test OpenID Provider: `npm ci` in {} did not finish within {} s", dir.display(), INSTALL_TIMEOUT.as_secs()),
        Ok(Err(err)) if err.kind() == ErrorKind::NotFound => panic!(
            "test OpenID Provider: `npm` was not found on PATH; it is needed to install {}/package-lock.json",
            dir.display()
        ),
        Ok(Err(err)) => panic!("test OpenID Provider: cannot run `npm ci` in {}: {err}", dir.display()),
        Ok(Ok(output)) => output,
    };
    if !output.status.success() {
        panic!(
            "test OpenID Provider: `npm ci` in {} failed ({})\n--- stdout ---\n{}\n--- stderr ---\n{}",
            dir.display(),
            output.status,
            last_lines(&String::from_utf8_lossy(&output.stdout)),
            last_lines(&String::from_utf8_lossy(&output.stderr)),
        );
    }
    eprintln!(
        "test OpenID Provider: npm ci took {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// An inter-process lock: a directory under Cargo's per-target temporary
/// directory (`mkdir` is atomic), removed on drop, also when `npm ci` panics.
struct InstallLock {
    path: PathBuf,
}

impl InstallLock {
    /// Waits for the lock; returns `None` if the packages got installed by
    /// the holder in the meantime.
    async fn acquire(dir: &Path) -> Option<InstallLock> {
        let path = crate::target_tmp_dir().join("idspec-op-npm-install.lock");
        if let Some(parent) = path.parent() {
            let _ = std::fs::create_dir_all(parent);
        }
        let started = Instant::now();
        loop {
            match std::fs::create_dir(&path) {
                Ok(()) => return Some(InstallLock { path }),
                Err(err) if err.kind() == ErrorKind::AlreadyExists => {}
                Err(err) => panic!(
                    "test OpenID Provider: cannot create install lock {}: {err}",
                    path.display()
                ),
            }
            if is_installed(dir) {
                return None;
            }
            if lock_age(&path).is_some_and(|age| age > STALE_LOCK_AGE) {
                eprintln!(
                    "test OpenID Provider: removing stale install lock {}",
                    path.display()
                );
                let _ = std::fs::remove_dir(&path);
                continue;
            }
            if started.elapsed() > INSTALL_TIMEOUT {
                panic!(
                    "test OpenID Provider: waited {} s for another test's `npm ci` (lock {}); remove the lock if no install is running",
                    INSTALL_TIMEOUT.as_secs(),
                    path.display()
                );
            }
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
}

impl Drop for InstallLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir(&self.path);
    }
}

fn lock_age(path: &Path) -> Option<Duration> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    SystemTime::now().duration_since(modified).ok()
}

// ---------------------------------------------------------------------------
// Child output
// ---------------------------------------------------------------------------

/// Reads stdout until the `{"ready":true,"issuer":"..."}` line; `None` on EOF.
pub(crate) async fn read_ready_line(
    stdout: &mut Lines<BufReader<ChildStdout>>,
    log: &Log,
) -> Option<String> {
    while let Ok(Some(line)) = stdout.next_line().await {
        let issuer = serde_json::from_str::<serde_json::Value>(&line)
            .ok()
            .and_then(|json| {
                let ready = json.get("ready")?.as_bool()?;
                ready
                    .then(|| json.get("issuer")?.as_str().map(str::to_owned))
                    .flatten()
            });
        match issuer {
            Some(issuer) => return Some(issuer),
            None => push(log, format!("stdout: {line}")),
        }
    }
    None
}

pub(crate) async fn drain_stdout(mut stdout: Lines<BufReader<ChildStdout>>, log: Log) {
    while let Ok(Some(line)) = stdout.next_line().await {
        push(&log, format!("stdout: {line}"));
    }
}

pub(crate) async fn collect_lines(stream: impl AsyncRead + Unpin, log: Log, prefix: &'static str) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        push(&log, format!("{prefix}{line}"));
    }
}

fn push(log: &Log, line: String) {
    let mut log = log.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if log.len() == LOG_TAIL_LINES {
        log.pop_front();
    }
    log.push_back(line);
}

pub(crate) fn tail(log: &Log) -> String {
    let log = log.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if log.is_empty() {
        return "--- provider stderr: (empty) ---".to_owned();
    }
    let lines: Vec<&str> = log.iter().map(String::as_str).collect();
    format!(
        "--- provider stderr (last {} lines) ---\n{}",
        lines.len(),
        lines.join("\n")
    )
}

pub(crate) fn describe_exit(
    status: Result<std::io::Result<ExitStatus>, tokio::time::error::Elapsed>,
) -> String {
    match status {
        Ok(Ok(status)) => status.to_string(),
        Ok(Err(err)) => format!("exit status unavailable: {err}"),
        Err(_) => "stdout closed but the process is still running".to_owned(),
    }
}

fn last_lines(text: &str) -> String {
    let lines: Vec<&str> = text.lines().collect();
    lines[lines.len().saturating_sub(LOG_TAIL_LINES)..].join("\n")
}

/// A node-oidc-provider process of tests/op, ready to serve.
pub(crate) struct Started {
    pub child: Child,
    /// Kept open: the script exits when its stdin closes.
    pub stdin: ChildStdin,
    pub issuer: String,
    pub log: Log,
}

/// Installs the npm packages if needed, runs `node <script>` in tests/op with `env`,
/// and waits for its ready line. Panics with the reason (node missing, exit status,
/// timeout) and the tail of its stderr; `what` names it in those messages.
pub(crate) async fn spawn_provider(what: &str, script: &str, env: &[(&str, String)]) -> Started {
    let dir = op_dir();
    ensure_installed(&dir).await;
    // A start that hangs is retried once with a new process: on a fresh clone one
    // `node` start in many hung silently past the bound while the next started in
    // a second. A provider that fails exits, and is reported at once.
    match start_once(&dir, what, script, env).await {
        Ok(started) => started,
        Err(first) => {
            eprintln!(
                "{first}
(retrying with a new process)"
            );
            start_once(&dir, what, script, env)
                .await
                .unwrap_or_else(|second| panic!("{second}"))
        }
    }
}

/// One `node <script>`, ready; `Err` (with the message) if it did not print its
/// ready line within [`READY_TIMEOUT`], after killing it.
async fn start_once(
    dir: &std::path::Path,
    what: &str,
    script: &str,
    env: &[(&str, String)],
) -> Result<Started, String> {
    let mut command = Command::new("node");
    command
        .arg(script)
        .current_dir(dir)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true);
    for (name, value) in env {
        command.env(name, value);
    }
    let mut child = command.spawn().unwrap_or_else(|err| match err.kind() {
        ErrorKind::NotFound => panic!(
            "{what}: `node` was not found on PATH; Node.js >= 20.19 is needed to run {}",
            dir.join(script).display()
        ),
        _ => panic!(
            "{what}: cannot spawn `node {script}` in {}: {err}",
            dir.display()
        ),
    });
    let stdin = child.stdin.take().expect("child stdin is piped");
    let stdout = child.stdout.take().expect("child stdout is piped");
    let stderr = child.stderr.take().expect("child stderr is piped");

    let log = Log::default();
    let stderr_task = tokio::spawn(collect_lines(stderr, log.clone(), ""));
    let mut stdout = BufReader::new(stdout).lines();
    let issuer = match tokio::time::timeout(READY_TIMEOUT, read_ready_line(&mut stdout, &log)).await
    {
        Ok(Some(issuer)) => issuer,
        Ok(None) => {
            let status = tokio::time::timeout(Duration::from_secs(5), child.wait()).await;
            let _ = tokio::time::timeout(Duration::from_secs(2), stderr_task).await;
            panic!(
                "{what} (node {script}) exited before it was ready: {}\n{}",
                describe_exit(status),
                tail(&log)
            );
        }
        Err(_) => {
            let _ = child.start_kill();
            let _ = tokio::time::timeout(Duration::from_secs(2), stderr_task).await;
            return Err(format!(
                "{what} (node {script}) did not print its ready line within {} s\n{}",
                READY_TIMEOUT.as_secs(),
                tail(&log)
            ));
        }
    };
    // Nothing more is expected on stdout, but a full pipe would block the server.
    tokio::spawn(drain_stdout(stdout, log.clone()));
    Url::parse(&issuer)
        .unwrap_or_else(|err| panic!("{what} announced an invalid issuer {issuer:?}: {err}"));
    Ok(Started {
        child,
        stdin,
        issuer,
        log,
    })
}
