//! The `idspec` command as a user runs it.

use std::path::Path;
use std::process::Command;

fn idspec(args: &[&str]) -> (bool, String, String) {
    let output = Command::new(env!("CARGO_BIN_EXE_idspec"))
        .args(args)
        .current_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join(".."))
        .output()
        .expect("idspec runs");
    (
        output.status.success(),
        String::from_utf8_lossy(&output.stdout).into_owned(),
        String::from_utf8_lossy(&output.stderr).into_owned(),
    )
}

#[test]
fn the_demo_passes_for_every_spec() {
    let (success, stdout, stderr) = idspec(&["demo"]);
    assert!(success, "{stdout}\n{stderr}");
    assert!(
        stdout.contains("== Swisscom Mobile ID (mobileid) =="),
        "{stdout}"
    );
    assert!(!stdout.contains("[FAILED]"), "{stdout}");
    let last = stdout.lines().last().unwrap_or_default();
    assert!(last.ends_with("passed, 0 failed"), "{last}");
    // The typed errors are named, not just printed as codes.
    assert!(
        stdout.contains("ErrorCode::AuthenticationRejected: mid_auth_3010"),
        "{stdout}"
    );
    // Secrets and tokens are not printed.
    assert!(!stdout.contains("sandbox-secret"), "{stdout}");
}

#[test]
fn check_reports_five_mistakes_at_once_with_their_locations() {
    let spec = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/mobileid.yaml"),
    )
    .unwrap();
    let broken = spec
        .replacen(
            "claims: [phone_number, phone_number_verified]",
            "claims: [phone_number, phone_nmber_verified]",
            1,
        )
        .replacen(
            "token: https://openid.mobileid.ch/token",
            "token: http://openid.mobileid.ch/token",
            1,
        )
        .replacen(
            "{ value: it, doc: Italian }",
            "{ value: de, doc: Italian }",
            1,
        )
        .replacen(
            "signing: [RS256]\n\nuserinfo",
            "signing: [none]\n\nuserinfo",
            1,
        )
        .replacen(
            "  mid_cms_content:\n    doc: The CMS signature content.\n    type: string",
            "  mid_cms_content:\n    doc: The CMS signature content.\n    type: text",
            1,
        );
    let dir = std::env::temp_dir().join(format!("idspec-check-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("mobileid.yaml");
    std::fs::write(&path, broken).unwrap();
    let (success, _, stderr) = idspec(&["check", path.to_str().unwrap()]);
    assert!(!success, "a broken spec must fail the check");
    assert!(stderr.contains("5 problems found"), "{stderr}");
    for expected in [
        "error[unknown-reference]: scope `phone` names unknown claim `phone_nmber_verified`",
        "at mobileid.scopes.phone.claims[1]",
        "error[insecure-url]",
        "at mobileid.environments.production.endpoints.token",
        "error[duplicate-value]: enum value `de` is listed twice",
        "error[inconsistent]: `none` cannot be allowed",
        "at mobileid.id_token.signing[0]",
        "error[schema]: unknown type `text`",
        "at mobileid.claims.mid_cms_content.type",
    ] {
        assert!(
            stderr.contains(expected),
            "missing {expected:?} in\n{stderr}"
        );
    }
    // Every diagnostic has a file:line:column.
    assert_eq!(stderr.matches("mobileid.yaml:").count(), 5, "{stderr}");
    std::fs::remove_dir_all(dir).ok();
}

#[test]
fn summary_and_schema() {
    let (success, stdout, stderr) = idspec(&["summary", "specs/mobileid.yaml"]);
    assert!(success, "{stderr}");
    assert!(stdout.contains("error codes (29)"), "{stdout}");
    let (success, stdout, _) = idspec(&["schema"]);
    assert!(success);
    let committed =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs/schema.json"))
            .unwrap();
    assert_eq!(stdout, committed);
}
