//! The conformance suite's OpenID Provider: `tests/op/conformance.mjs`, a
//! generic node-oidc-provider with fault injection keyed on the client (see the
//! comments there for its clients, faults, faulty issuers and control endpoints).
//!
//! One provider serves a whole test binary: [`ConformanceProvider::shared`]
//! starts it on first use, on a thread and runtime of its own so that it
//! outlives the test (each `#[tokio::test]` has its own runtime) and its output
//! keeps being read. The process exits with the test binary: its stdin, held
//! open by that thread, closes when the binary ends.
//!
//! The npm packages are installed as for [`crate::op::OpenIdProvider`].
// Every test binary with `mod support;` compiles this module; only the
// conformance suite uses it.

use std::io::ErrorKind;
use std::process::Stdio;
use std::sync::OnceLock;

use serde_json::Value;
use url::Url;

use crate::op::{op_dir, spawn_provider, tail, Log};

/// The redirect URI every conformance client is registered with.
pub const REDIRECT_URI: &str = "https://rp.example.test/callback";

/// The `sub` of the provider's only end-user.
pub const SUBJECT: &str = "248289761001";

/// The secret of a conformance client: long enough to be an HS256 key.
pub fn client_secret(client_id: &str) -> String {
    format!("{client_id}-secret-with-enough-entropy-0123456789")
}

/// A fresh private JWK set for the relying party (an RS256 signing key and an
/// RSA-OAEP decryption key), from `node conformance.mjs --rp-keys`. Only the
/// public half ever reaches the provider.
pub fn rp_private_jwks() -> String {
    let output = std::process::Command::new("node")
        .args(["conformance.mjs", "--rp-keys"])
        .current_dir(op_dir())
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|err| match err.kind() {
            ErrorKind::NotFound => panic!(
                "conformance OpenID Provider: `node` was not found on PATH; Node.js >= 20.19 is needed"
            ),
            _ => panic!("conformance OpenID Provider: cannot run `node conformance.mjs --rp-keys`: {err}"),
        });
    assert!(
        output.status.success(),
        "`node conformance.mjs --rp-keys` failed ({}): {}",
        output.status,
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("the RP JWK set is UTF-8")
}

/// The running `tests/op/conformance.mjs`.
pub struct ConformanceProvider {
    issuer: String,
    log: Log,
}

static SHARED: OnceLock<ConformanceProvider> = OnceLock::new();

impl ConformanceProvider {
    /// The provider of this test binary, started on first use with the relying
    /// party's public JWK set (which later calls do not evaluate again).
    ///
    /// Blocks while the provider starts (npm install on the very first run, then
    /// about a second). Panics with the reason and the provider's stderr if it
    /// cannot start.
    pub fn shared(rp_public_jwks: impl FnOnce() -> Value) -> &'static ConformanceProvider {
        SHARED.get_or_init(|| Self::start_in_background(rp_public_jwks()))
    }

    fn start_in_background(rp_public_jwks: Value) -> ConformanceProvider {
        let (ready, started) = std::sync::mpsc::channel();
        let thread = std::thread::Builder::new()
            .name("conformance-op".to_owned())
            .spawn(move || {
                let runtime = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime for the conformance provider");
                runtime.block_on(async move {
                    let _running = run(rp_public_jwks, ready).await;
                    // Keeps the child, its stdin and the readers of its output
                    // alive until the test binary exits.
                    std::future::pending::<()>().await;
                });
            })
            .expect("spawning the conformance provider's thread");
        match started.recv() {
            Ok(provider) => provider,
            // The thread panicked before the provider was ready: pass its message on.
            Err(_) => match thread.join() {
                Err(panic) => std::panic::resume_unwind(panic),
                Ok(()) => panic!("the conformance provider's thread ended before it was ready"),
            },
        }
    }

    /// The issuer identifier, `http://127.0.0.1:PORT`.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// `issuer + path`.
    pub fn url(&self, path: &str) -> Url {
        Url::parse(&format!("{}{path}", self.issuer))
            .unwrap_or_else(|err| panic!("invalid path {path:?}: {err}"))
    }

    /// The identifier of a faulty issuer: `issuer/faulty/<name>`.
    pub fn faulty_issuer(&self, name: &str) -> String {
        format!("{}/faulty/{name}", self.issuer)
    }

    /// The discovery document of a faulty issuer.
    pub fn faulty_discovery(&self, name: &str) -> Url {
        self.url(&format!("/faulty/{name}/.well-known/openid-configuration"))
    }

    /// What the provider saw of a client: `token_endpoint_auth` (one entry per
    /// token request: `client_secret_basic`, `private_key_jwt RS256`, ...),
    /// `userinfo_token` (`GET header`, `POST body`, ...), `request_objects`
    /// (`{endpoint, jws: {alg, kid}, jwe: {alg, enc}}`) and
    /// `redirect_target_hits`.
    pub async fn observed(&self, client_id: &str) -> Value {
        let url = self.url(&format!("/control/observed/{client_id}"));
        let response = reqwest::get(url.clone())
            .await
            .unwrap_or_else(|err| panic!("GET {url}: {err}"));
        assert!(
            response.status().is_success(),
            "GET {url}: {}",
            response.status()
        );
        response.json().await.expect("observations are JSON")
    }

    /// Adds a new signing key to the provider's JWKS and signs `client_id`'s ID
    /// tokens with it from now on; returns its `kid`.
    pub async fn rotate_signing_key(&self, client_id: &str) -> String {
        let url = self.url(&format!("/control/rotate?client={client_id}"));
        let response = reqwest::Client::new()
            .post(url.clone())
            .send()
            .await
            .unwrap_or_else(|err| panic!("POST {url}: {err}"));
        assert!(
            response.status().is_success(),
            "POST {url}: {}",
            response.status()
        );
        let body: Value = response.json().await.expect("the rotation answer is JSON");
        body["kid"].as_str().expect("the new kid").to_owned()
    }

    /// The provider's published JWKS.
    pub async fn jwks(&self) -> Value {
        let url = self.url("/jwks");
        reqwest::get(url.clone())
            .await
            .unwrap_or_else(|err| panic!("GET {url}: {err}"))
            .json()
            .await
            .expect("the JWKS is JSON")
    }

    /// The provider's recent stderr, for failure messages.
    pub fn log_tail(&self) -> String {
        tail(&self.log)
    }
}

/// Starts the provider and sends it to the caller once ready; returns what must
/// stay alive for it to keep running.
async fn run(
    rp_public_jwks: Value,
    ready: std::sync::mpsc::Sender<ConformanceProvider>,
) -> impl Sized {
    let started = spawn_provider(
        "conformance OpenID Provider",
        "conformance.mjs",
        &[("IDSPEC_RP_JWKS", rp_public_jwks.to_string())],
    )
    .await;
    let (child, stdin, issuer, log) = (started.child, started.stdin, started.issuer, started.log);
    let _ = ready.send(ConformanceProvider { issuer, log });
    (child, stdin)
}

/// The decoded header of a compact JWS or JWE (the first dot-separated part).
pub fn jose_header(token: &str) -> Value {
    let first = token.split('.').next().unwrap_or_default();
    let bytes =
        base64url_decode(first).unwrap_or_else(|| panic!("the token's header is not base64url"));
    serde_json::from_slice(&bytes).expect("the token's header is JSON")
}

/// Unpadded base64url (the dev-dependencies have no base64 crate).
fn base64url_decode(text: &str) -> Option<Vec<u8>> {
    let value = |c: u8| -> Option<u32> {
        Some(match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'-' => 62,
            b'_' => 63,
            _ => return None,
        } as u32)
    };
    let mut out = Vec::with_capacity(text.len() * 3 / 4);
    let (mut buffer, mut bits) = (0u32, 0u32);
    for c in text.bytes() {
        buffer = (buffer << 6) | value(c)?;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((buffer >> bits) as u8);
            buffer &= (1 << bits) - 1;
        }
    }
    Some(out)
}
