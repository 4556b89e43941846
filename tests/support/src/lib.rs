//! What idspec's integration tests share, as a library so that each test binary
//! links what it uses and nothing is compiled twice:
//!
//! * [`op::OpenIdProvider`]: node-oidc-provider configured like Swisscom Mobile ID
//!   (`tests/op/server.mjs`); [`conformance`]: the same provider with every feature
//!   and fault injection, for the RP certification tests (`tests/op/conformance.mjs`).
//! * [`browser::follow_to_redirect_uri`]: a user agent that follows a provider's
//!   automatic login and consent.
//! * [`chromium::Browser`]: headless Chromium over WebDriver, installed from Debian
//!   on first use.
//! * [`redis::RedisServer`]: a real redis-server on loopback, installed from Debian on
//!   first use.

use std::path::PathBuf;

mod apt;
pub mod browser;
pub mod chromium;
pub mod conformance;
pub mod op;
pub mod redis;

pub use browser::follow_to_redirect_uri;
pub use op::OpenIdProvider;

/// The workspace's root directory.
pub fn workspace_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// A scratch directory under the cargo target directory (`target/tmp`), shared by
/// every test binary: install locks and logs live there.
pub fn target_tmp_dir() -> PathBuf {
    // Test binaries live in target/<profile>/deps.
    let dir = std::env::current_exe()
        .ok()
        .and_then(|exe| Some(exe.parent()?.parent()?.parent()?.join("tmp")))
        .unwrap_or_else(|| workspace_root().join("target/tmp"));
    let _ = std::fs::create_dir_all(&dir);
    dir
}
