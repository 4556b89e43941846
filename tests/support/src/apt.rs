//! Installing Debian packages a test needs (Chromium, redis-server) on first use,
//! as CI's fresh machines require: once per process, one test binary at a time.

use std::fs::File;
use std::io::{ErrorKind, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant, SystemTime};

const APT_TIMEOUT: Duration = Duration::from_secs(600);
const LOCK_WAIT_TIMEOUT: Duration = Duration::from_secs(900);
/// The installer touches its lock while apt runs; one untouched for this long was
/// left behind by a killed process.
const STALE_LOCK_AGE: Duration = Duration::from_secs(180);
const LOCK_HEARTBEAT: Duration = Duration::from_secs(10);
const LOG_TAIL_LINES: usize = 40;

/// Debian packages some tests need.
pub(crate) struct Packages {
    /// A short name for messages and the lock (`chromium`, `redis`).
    pub name: &'static str,
    /// The packages to install.
    pub packages: &'static [&'static str],
    /// Whether what the tests run is there already.
    pub installed: fn() -> bool,
}

impl Packages {
    /// The command a non-root user is asked to run.
    pub(crate) fn command(&self) -> String {
        format!(
            "apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends {}",
            self.packages.join(" ")
        )
    }

    /// Installs the packages unless they are there, waiting for another test
    /// binary's install rather than running two at once.
    pub(crate) fn install_if_missing(&self) -> Result<(), String> {
        let name = self.name;
        if (self.installed)() {
            return Ok(());
        }
        if !is_root() {
            return Err(format!(
                "{name}: the tests need Debian's {} and they are not installed; install them as root with:\n    {}",
                self.packages.join(", "),
                self.command()
            ));
        }
        let Some(lock) = InstallLock::acquire(self)? else {
            return Ok(()); // another test binary installed them while this one waited
        };
        if (self.installed)() {
            return Ok(());
        }
        let log_path = tmp_dir()?.join(format!("{name}-install.log"));
        eprintln!(
            "{name}: installing Debian's {} (log: {})",
            self.packages.join(", "),
            log_path.display()
        );
        let started = Instant::now();
        let log = File::create(&log_path).map_err(|err| {
            format!(
                "{name} install: cannot create {}: {err}",
                log_path.display()
            )
        })?;
        run_apt(name, &["update"], &log, &log_path, &lock)?;
        // DPkg::Lock::Timeout: wait for, rather than fail on, an apt run we do not
        // know about (unattended upgrades, or a lock wrongly taken as stale).
        let mut install = vec![
            "-o",
            "DPkg::Lock::Timeout=300",
            "install",
            "-y",
            "--no-install-recommends",
        ];
        install.extend_from_slice(self.packages);
        run_apt(name, &install, &log, &log_path, &lock)?;
        if !(self.installed)() {
            return Err(format!(
                "{name} install: apt-get succeeded but the programs are still missing\n{}",
                file_tail(&log_path)
            ));
        }
        eprintln!(
            "{name}: installed in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        Ok(())
    }
}

fn is_root() -> bool {
    use std::os::unix::fs::MetadataExt;
    // /proc/self belongs to the process's effective user.
    match std::fs::metadata("/proc/self") {
        Ok(meta) => meta.uid() == 0,
        Err(_) => Command::new("id")
            .arg("-u")
            .output()
            .is_ok_and(|out| String::from_utf8_lossy(&out.stdout).trim() == "0"),
    }
}

/// Runs `apt-get ARGS` non-interactively with output appended to `log`, keeping
/// the install lock fresh; fails with the log's tail.
fn run_apt(
    name: &str,
    args: &[&str],
    log: &File,
    log_path: &Path,
    lock: &InstallLock,
) -> Result<(), String> {
    let shown = format!("apt-get {}", args.join(" "));
    let _ = writeln!(&*log, "$ {shown}");
    let output = || {
        log.try_clone()
            .map_err(|err| format!("{name} install: cloning the log handle: {err}"))
    };
    let mut child = Command::new("apt-get")
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(Stdio::null())
        .stdout(output()?)
        .stderr(output()?)
        .spawn()
        .map_err(|err| match err.kind() {
            ErrorKind::NotFound => format!("{name} install: `apt-get` was not found; the tests install their programs on Debian"),
            _ => format!("{name} install: cannot run `{shown}`: {err}"),
        })?;
    let started = Instant::now();
    let mut touched = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) => {}
            Err(err) => return Err(format!("{name} install: waiting for `{shown}`: {err}")),
        }
        if started.elapsed() > APT_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!(
                "{name} install: `{shown}` did not finish within {} s\n{}",
                APT_TIMEOUT.as_secs(),
                file_tail(log_path)
            ));
        }
        if touched.elapsed() > LOCK_HEARTBEAT {
            lock.touch();
            touched = Instant::now();
        }
        std::thread::sleep(Duration::from_millis(200));
    };
    if !status.success() {
        return Err(format!(
            "{name} install: `{shown}` failed ({status})\n{}",
            file_tail(log_path)
        ));
    }
    Ok(())
}

/// An inter-process lock: a directory under the target's temporary directory
/// (`mkdir` is atomic), removed on drop, also when the install fails. Its holder
/// touches it while apt runs, so an old one is stale.
struct InstallLock {
    path: PathBuf,
}

impl InstallLock {
    /// Waits for the lock; `Ok(None)` if the packages got installed by the holder
    /// in the meantime.
    fn acquire(packages: &Packages) -> Result<Option<InstallLock>, String> {
        let name = packages.name;
        let path = tmp_dir()?.join(format!("idspec-{name}-install.lock"));
        let started = Instant::now();
        let mut announced = false;
        loop {
            match std::fs::create_dir(&path) {
                Ok(()) => {
                    let _ =
                        std::fs::write(path.join("owner"), format!("pid {}\n", std::process::id()));
                    return Ok(Some(InstallLock { path }));
                }
                Err(err) if err.kind() == ErrorKind::AlreadyExists => {}
                Err(err) => {
                    return Err(format!(
                        "{name} install: cannot create install lock {}: {err}",
                        path.display()
                    ))
                }
            }
            if (packages.installed)() {
                return Ok(None);
            }
            if age(&path).is_some_and(|age| age > STALE_LOCK_AGE) {
                eprintln!(
                    "{name}: removing stale install lock {} (untouched for over {} s)",
                    path.display(),
                    STALE_LOCK_AGE.as_secs()
                );
                let _ = std::fs::remove_dir_all(&path);
                continue;
            }
            if started.elapsed() > LOCK_WAIT_TIMEOUT {
                return Err(format!(
                    "{name} install: waited {} s for another test binary's install (lock {}); remove the lock if no install is running",
                    LOCK_WAIT_TIMEOUT.as_secs(),
                    path.display()
                ));
            }
            if !announced {
                eprintln!(
                    "{name}: waiting for another test binary's install (lock {})",
                    path.display()
                );
                announced = true;
            }
            std::thread::sleep(Duration::from_millis(250));
        }
    }

    fn touch(&self) {
        if let Ok(dir) = File::open(&self.path) {
            let _ = dir.set_modified(SystemTime::now());
        }
    }
}

impl Drop for InstallLock {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

fn age(path: &Path) -> Option<Duration> {
    let modified = std::fs::metadata(path).ok()?.modified().ok()?;
    SystemTime::now().duration_since(modified).ok()
}

/// The target's temporary directory (`target/tmp`), created if needed.
pub(crate) fn tmp_dir() -> Result<PathBuf, String> {
    let dir = crate::target_tmp_dir();
    std::fs::create_dir_all(&dir)
        .map_err(|err| format!("cannot create {}: {err}", dir.display()))?;
    Ok(dir)
}

/// The last lines of a log file, for failure messages.
pub(crate) fn file_tail(path: &Path) -> String {
    let text = std::fs::read(path)
        .map(|bytes| String::from_utf8_lossy(&bytes).into_owned())
        .unwrap_or_else(|err| format!("<cannot read {}: {err}>", path.display()));
    let lines: Vec<&str> = text.lines().collect();
    let tail = &lines[lines.len().saturating_sub(LOG_TAIL_LINES)..];
    format!(
        "--- {} (last {} lines) ---\n{}",
        path.display(),
        tail.len(),
        tail.join("\n")
    )
}
