//! `idspec login` against a certified OpenID Provider (node-oidc-provider, which
//! approves automatically): the generic OpenID Connect spec, endpoints from
//! discovery, `--follow`, validated claims printed; a misconfigured client gets its
//! typed error and a non-zero exit.

use std::path::PathBuf;
use std::process::Command;

use idspec_testkit::OpenIdProvider;

/// The `idspec` binary, built by `cargo test --workspace` next to this test binary.
fn idspec_binary() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    let dir = exe
        .parent()
        .and_then(|deps| deps.parent())
        .expect("target/<profile>");
    let binary = dir.join(format!("idspec{}", std::env::consts::EXE_SUFFIX));
    assert!(
        binary.is_file(),
        "{} is missing: build it with `cargo build -p idspec-cli`",
        binary.display()
    );
    binary
}

fn login(op: &OpenIdProvider, secret: &str) -> std::process::Output {
    Command::new(idspec_binary())
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "login",
            "--spec",
            "specs/generic-oidc.yaml",
            "--issuer",
            op.issuer_identifier(),
        ])
        .args(["--client-id", "mobileid-basic", "--client-secret", secret])
        .args([
            "--redirect-uri",
            "https://rp.example.test/callback",
            "--scope",
            "openid phone",
            "--follow",
        ])
        .output()
        .expect("idspec runs")
}

#[tokio::test]
async fn a_login_from_the_terminal_prints_the_validated_claims() {
    let op = OpenIdProvider::start().await;
    let output = login(&op, "mobileid-basic-secret");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "{stdout}\n{stderr}\n{}",
        op.log_tail()
    );
    let printed: serde_json::Value = serde_json::from_str(&stdout).expect("JSON on stdout");
    assert_eq!(printed["provider"], "generic_oidc");
    assert_eq!(printed["id_token_claims"]["iss"], op.issuer_identifier());
    assert_eq!(printed["id_token_claims"]["aud"], "mobileid-basic");
    assert_eq!(printed["userinfo"]["phone_number"], "+41791234567");
    assert_eq!(
        printed["userinfo"]["sub"],
        printed["id_token_claims"]["sub"]
    );
    assert_eq!(printed["token"]["token_type"], "Bearer");
    assert!(!stdout.contains("mobileid-basic-secret"));
}

#[tokio::test]
async fn a_misconfigured_client_gets_its_typed_error() {
    let op = OpenIdProvider::start().await;
    let output = login(&op, "not-the-secret");
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(!output.status.success(), "a wrong secret must fail");
    assert!(
        stderr.contains("login failed: [invalid_client]"),
        "{stderr}"
    );
    assert!(stderr.contains("(OAuth invalid_client)"), "{stderr}");
    assert!(
        !stderr.contains("not-the-secret"),
        "the secret is never printed: {stderr}"
    );
}
