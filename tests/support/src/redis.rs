//! A real Redis for tests: Debian's `redis-server` on a free loopback port.
//!
//! * [`ensure_installed`] finds `redis-server` on the `PATH`, or installs Debian's
//!   package with apt (as root, as in CI; otherwise it panics with the command to
//!   run). Test binaries running at once install only once (an inter-process lock);
//!   each process checks only once.
//! * [`RedisServer::start`] runs `redis-server --port <free port> --bind 127.0.0.1
//!   --save "" --appendonly no` as a child process and waits until it answers PING;
//!   [`RedisServer::start_persistent`] keeps an append-only file (fsync on every
//!   write) in its own directory, so a restart keeps what was written. It can be
//!   stopped, restarted on the same port, paused (SIGSTOP, a hung Redis) and resumed.
//!   Dropping it kills the server and removes its directory.
//! * [`RedisServer::command`] speaks RESP to it directly, to look at (or plant) raw
//!   keys and values without a Redis client library.

// Every test binary that includes `mod support;` compiles this module; most
// use none of it.

use std::net::TcpListener;
use std::path::PathBuf;
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant, SystemTime};

use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

use crate::apt::{file_tail, tmp_dir, Packages};

/// How long a started server may take to answer PING.
const READY_TIMEOUT: Duration = Duration::from_secs(10);
/// How long one [`RedisServer::command`] may take.
const COMMAND_TIMEOUT: Duration = Duration::from_secs(5);

// ---------------------------------------------------------------------------
// Installation
// ---------------------------------------------------------------------------

/// The `redis-server` to run: from the `PATH`, installed with apt if missing.
/// Checks once per process; a failed install panics again in every later caller.
pub async fn ensure_installed() -> PathBuf {
    match tokio::task::spawn_blocking(ensure_installed_blocking).await {
        Ok(Ok(path)) => path,
        Ok(Err(message)) => panic!("{message}"),
        Err(err) if err.is_panic() => std::panic::resume_unwind(err.into_panic()),
        Err(err) => panic!("redis install: the install task was cancelled: {err}"),
    }
}

fn ensure_installed_blocking() -> Result<PathBuf, String> {
    // Held during the install: the process's other tests wait here.
    static OUTCOME: Mutex<Option<Result<PathBuf, String>>> = Mutex::new(None);
    let mut outcome = OUTCOME
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner());
    outcome
        .get_or_insert_with(|| {
            PACKAGES.install_if_missing()?;
            installed().ok_or_else(|| "redis install: redis-server is still missing".to_owned())
        })
        .clone()
}

const PACKAGES: Packages = Packages {
    name: "redis",
    packages: &["redis-server"],
    installed: || installed().is_some(),
};

fn installed() -> Option<PathBuf> {
    use std::os::unix::fs::PermissionsExt;
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .chain([PathBuf::from("/usr/bin"), PathBuf::from("/usr/sbin")])
        .map(|dir| dir.join("redis-server"))
        .find(|candidate| {
            std::fs::metadata(candidate)
                .is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
        })
}

// ---------------------------------------------------------------------------
// The server
// ---------------------------------------------------------------------------

/// One redis-server child process on 127.0.0.1.
pub struct RedisServer {
    binary: PathBuf,
    port: u16,
    dir: PathBuf,
    persistent: bool,
    extra_args: Vec<String>,
    child: Option<Child>,
}

impl RedisServer {
    /// A server that keeps nothing on disk: a restart loses every key.
    pub async fn start() -> RedisServer {
        Self::launch(false, &[]).await
    }

    /// A server that keeps nothing on disk, with more configuration directives
    /// (`["--requirepass", "secret"]`, `["--rename-command", "GETDEL", ""]`).
    pub async fn start_with(extra_args: &[&str]) -> RedisServer {
        Self::launch(false, extra_args).await
    }

    /// A server with an append-only file fsynced on every write: a restart (even
    /// after SIGKILL) keeps every key that was written.
    pub async fn start_persistent() -> RedisServer {
        Self::launch(true, &[]).await
    }

    async fn launch(persistent: bool, extra_args: &[&str]) -> RedisServer {
        static SERVERS: AtomicU32 = AtomicU32::new(0);
        let binary = ensure_installed().await;
        let nanos = SystemTime::now()
            .duration_since(SystemTime::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or_default();
        let dir = tmp_dir().unwrap_or_else(|e| panic!("{e}")).join(format!(
            "redis-{}-{}-{nanos}",
            std::process::id(),
            SERVERS.fetch_add(1, Ordering::Relaxed)
        ));
        std::fs::create_dir_all(&dir)
            .unwrap_or_else(|e| panic!("redis: cannot create {}: {e}", dir.display()));
        // A free port can be taken by someone else before the server binds it: try a
        // few.
        let mut last_failure = String::new();
        for _ in 0..5 {
            let mut server = RedisServer {
                binary: binary.clone(),
                port: free_port(),
                dir: dir.clone(),
                persistent,
                extra_args: extra_args.iter().map(|arg| arg.to_string()).collect(),
                child: None,
            };
            match server.spawn_and_wait().await {
                Ok(()) => return server,
                Err(failure) => last_failure = failure,
            }
        }
        panic!("redis: the server did not start\n{last_failure}");
    }

    /// `redis://127.0.0.1:<port>`.
    pub fn url(&self) -> String {
        format!("redis://127.0.0.1:{}", self.port)
    }

    /// The port it listens on (the same after a restart).
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Kills the server (SIGKILL, as a crash would) and waits until it is gone.
    pub fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// Kills the server and starts it again on the same port, with the same files.
    pub async fn restart(&mut self) {
        self.stop();
        // The old listening socket is closed once the process is reaped; Redis binds
        // with SO_REUSEADDR, so connections in TIME_WAIT are no obstacle.
        self.spawn_and_wait()
            .await
            .unwrap_or_else(|failure| panic!("redis: the restart failed\n{failure}"));
    }

    /// Freezes the server (SIGSTOP): connections are accepted by the kernel and never
    /// answered, as with a hung Redis.
    pub fn pause(&self) {
        self.signal("-STOP");
    }

    /// Lets a paused server go on (SIGCONT).
    pub fn resume(&self) {
        self.signal("-CONT");
    }

    fn signal(&self, signal: &str) {
        let child = self
            .child
            .as_ref()
            .expect("redis: the server is not running");
        // The shell's own kill: no procps needed.
        let status = Command::new("sh")
            .arg("-c")
            .arg(format!("kill {signal} {}", child.id()))
            .status()
            .expect("redis: cannot run sh");
        assert!(status.success(), "redis: kill {signal} failed ({status})");
    }

    /// Sends one command and reads its reply.
    ///
    /// # Panics
    /// If the server cannot be reached or does not answer within a few seconds.
    pub async fn command(&self, args: &[&[u8]]) -> Reply {
        tokio::time::timeout(COMMAND_TIMEOUT, self.try_command(args))
            .await
            .unwrap_or_else(|_| Err(format!("no reply within {COMMAND_TIMEOUT:?}")))
            .unwrap_or_else(|e| {
                panic!(
                    "redis: {}: {e}",
                    String::from_utf8_lossy(args.first().copied().unwrap_or_default())
                )
            })
    }

    async fn try_command(&self, args: &[&[u8]]) -> Result<Reply, String> {
        let stream = TcpStream::connect(("127.0.0.1", self.port))
            .await
            .map_err(|e| format!("connect: {e}"))?;
        let mut stream = BufReader::new(stream);
        let mut request = format!("*{}\r\n", args.len()).into_bytes();
        for arg in args {
            request.extend_from_slice(format!("${}\r\n", arg.len()).as_bytes());
            request.extend_from_slice(arg);
            request.extend_from_slice(b"\r\n");
        }
        stream
            .get_mut()
            .write_all(&request)
            .await
            .map_err(|e| format!("write: {e}"))?;
        read_reply(&mut stream).await
    }

    async fn spawn_and_wait(&mut self) -> Result<(), String> {
        let log_path = self.dir.join("redis.log");
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&log_path)
            .map_err(|e| format!("cannot open {}: {e}", log_path.display()))?;
        let log_err = log.try_clone().map_err(|e| format!("log handle: {e}"))?;
        let mut command = Command::new(&self.binary);
        command
            .arg("--port")
            .arg(self.port.to_string())
            .args(["--bind", "127.0.0.1", "--save", "", "--daemonize", "no"])
            .arg("--dir")
            .arg(&self.dir)
            .args(["--logfile", ""]);
        if self.persistent {
            command.args(["--appendonly", "yes", "--appendfsync", "always"]);
        } else {
            command.args(["--appendonly", "no"]);
        }
        command.args(&self.extra_args);
        let child = command
            .stdin(Stdio::null())
            .stdout(log)
            .stderr(log_err)
            .spawn()
            .map_err(|e| format!("cannot run {}: {e}", self.binary.display()))?;
        self.child = Some(child);
        let started = Instant::now();
        loop {
            if let Some(child) = self.child.as_mut() {
                if let Ok(Some(status)) = child.try_wait() {
                    self.child = None;
                    return Err(format!(
                        "redis-server exited ({status}) on port {}\n{}",
                        self.port,
                        file_tail(&log_path)
                    ));
                }
            }
            // PONG, or NOAUTH from a server with a password: it is up.
            match tokio::time::timeout(Duration::from_millis(500), self.try_command(&[b"PING"]))
                .await
            {
                Ok(Ok(Reply::Simple(pong))) if pong == "PONG" => return Ok(()),
                Ok(Ok(Reply::Error(error))) if error.starts_with("NOAUTH") => return Ok(()),
                _ => {}
            }
            if started.elapsed() > READY_TIMEOUT {
                self.stop();
                return Err(format!(
                    "redis-server did not answer PING within {READY_TIMEOUT:?} on port {}\n{}",
                    self.port,
                    file_tail(&log_path)
                ));
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

impl Drop for RedisServer {
    fn drop(&mut self) {
        self.stop();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .map(|address| address.port())
        .unwrap_or_else(|e| panic!("redis: no free port on 127.0.0.1: {e}"))
}

// ---------------------------------------------------------------------------
// RESP, as much as the tests need
// ---------------------------------------------------------------------------

/// A Redis reply.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Reply {
    /// `+OK`
    Simple(String),
    /// `-ERR ...`
    Error(String),
    /// `:42`
    Integer(i64),
    /// `$n` bytes, or nil (`$-1`)
    Bulk(Option<Vec<u8>>),
    /// `*n` replies, or nil (`*-1`)
    Array(Option<Vec<Reply>>),
}

impl Reply {
    /// The integer, or a panic naming what came instead.
    pub fn integer(&self) -> i64 {
        match self {
            Reply::Integer(n) => *n,
            other => panic!("redis: expected an integer, got {other:?}"),
        }
    }

    /// The bulk string (None for nil), or a panic naming what came instead.
    pub fn bulk(self) -> Option<Vec<u8>> {
        match self {
            Reply::Bulk(bytes) => bytes,
            other => panic!("redis: expected a bulk string, got {other:?}"),
        }
    }
}

fn read_reply<'a>(
    stream: &'a mut BufReader<TcpStream>,
) -> std::pin::Pin<Box<dyn std::future::Future<Output = Result<Reply, String>> + Send + 'a>> {
    Box::pin(async move {
        let mut line = String::new();
        stream
            .read_line(&mut line)
            .await
            .map_err(|e| format!("read: {e}"))?;
        let line = line
            .strip_suffix("\r\n")
            .ok_or_else(|| format!("truncated reply {line:?}"))?;
        let (kind, rest) = line.split_at_checked(1).ok_or("empty reply")?;
        let number = || {
            rest.parse::<i64>()
                .map_err(|_| format!("bad length or integer {rest:?}"))
        };
        Ok(match kind {
            "+" => Reply::Simple(rest.to_owned()),
            "-" => Reply::Error(rest.to_owned()),
            ":" => Reply::Integer(number()?),
            "$" => match usize::try_from(number()?) {
                Err(_) => Reply::Bulk(None),
                Ok(len) => {
                    let mut bytes = vec![0; len + 2];
                    stream
                        .read_exact(&mut bytes)
                        .await
                        .map_err(|e| format!("read: {e}"))?;
                    bytes.truncate(len);
                    Reply::Bulk(Some(bytes))
                }
            },
            "*" => match usize::try_from(number()?) {
                Err(_) => Reply::Array(None),
                Ok(count) => {
                    let mut items = Vec::with_capacity(count);
                    for _ in 0..count {
                        items.push(read_reply(stream).await?);
                    }
                    Reply::Array(Some(items))
                }
            },
            other => return Err(format!("unknown reply type {other:?}")),
        })
    })
}
