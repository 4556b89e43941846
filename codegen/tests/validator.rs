//! Semantic checks that a trimmed-down spec makes easy to see one at a time.

use idspec_codegen::{load, DiagnosticClass};

const MOBILEID: &str = include_str!("../../specs/mobileid.yaml");

fn diagnostics_after(from: &str, to: &str) -> Vec<(DiagnosticClass, String, String)> {
    diagnostics_in("mobileid.yaml", MOBILEID, from, to)
}

/// The diagnostics for `spec` with the first `from` replaced by `to`.
fn diagnostics_in(
    file: &str,
    spec: &str,
    from: &str,
    to: &str,
) -> Vec<(DiagnosticClass, String, String)> {
    assert!(spec.contains(from), "the spec no longer contains {from:?}");
    match load(file, &spec.replacen(from, to, 1)) {
        Ok(_) => Vec::new(),
        Err(diagnostics) => diagnostics
            .0
            .into_iter()
            .map(|d| (d.class, d.path, d.message))
            .collect(),
    }
}

#[test]
fn an_inline_type_may_not_take_a_generated_name() {
    // An inline enum on the claim `scope` would be a second `Scope` type.
    let found = diagnostics_after(
        "  mid_cms_content:\n",
        "  scope:\n    type: { enum: [a, b] }\n  mid_cms_content:\n",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, DiagnosticClass::IdentifierCollision);
    assert_eq!(found[0].1, "mobileid.claims.scope.type");
    assert!(found[0].2.contains("`Scope`"), "{}", found[0].2);
}

#[test]
fn an_inline_type_may_not_shadow_a_named_one() {
    let found = diagnostics_after(
        "  mid_cms_content:\n",
        "  hint:\n    type: { object: { a: string } }\n  mid_cms_content:\n",
    );
    assert!(
        found.iter().any(
            |(class, path, _)| *class == DiagnosticClass::IdentifierCollision
                && path == "mobileid.claims.hint.type"
        ),
        "{found:?}"
    );
}

#[test]
fn a_misspelt_required_field_is_one_diagnostic_with_a_hint() {
    let text = MOBILEID.replacen(
        "message: \"Invalid acr_values parameter, expected one single value\"",
        "mesage: \"x\"",
        1,
    );
    let diagnostics = load("mobileid.yaml", &text).expect_err("misspelt");
    assert_eq!(diagnostics.0.len(), 1, "{diagnostics}");
    assert_eq!(
        diagnostics.0[0].help.as_deref(),
        Some("did you mean `message`?")
    );
}

#[test]
fn the_shipped_spec_is_clean() {
    assert_eq!(diagnostics_after("", ""), Vec::new());
}

const ITSME: &str = include_str!("../../specs/itsme.yaml");

fn itsme_diagnostics_after(from: &str, to: &str) -> Vec<(DiagnosticClass, String, String)> {
    diagnostics_in("itsme.yaml", ITSME, from, to)
}

#[test]
fn the_itsme_spec_is_clean() {
    assert_eq!(itsme_diagnostics_after("", ""), []);
}

#[test]
fn per_endpoint_codes_are_unique_per_endpoint_only() {
    // `invalid_request` is listed for four endpoints: fine. Twice for one: not.
    let found = itsme_diagnostics_after(
        "    - { code: invalid_token, endpoints: [userinfo],",
        "    - { code: invalid_request, endpoints: [userinfo], message: again }\n    - { code: invalid_token, endpoints: [userinfo],",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, DiagnosticClass::DuplicateErrorCode);
    assert!(
        found[0].2.contains("for the userinfo endpoint"),
        "{}",
        found[0].2
    );
}

#[test]
fn codes_are_either_all_per_endpoint_or_none() {
    let found = itsme_diagnostics_after(
        "    - { code: invalid_token, endpoints: [userinfo],",
        "    - { code: invalid_token,",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, DiagnosticClass::Inconsistent);
    assert!(found[0].2.contains("names no endpoints"), "{}", found[0].2);
}

#[test]
fn required_request_object_encryption_needs_algorithms() {
    let found = itsme_diagnostics_after(
        "  encryption:\n    alg: [RSA-OAEP, RSA-OAEP-256]\n    enc: [A128CBC-HS256, A256CBC-HS512, A128GCM, A256GCM]\n  encryption_required: true",
        "  encryption_required: true",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, DiagnosticClass::Inconsistent);
    assert_eq!(found[0].1, "itsme.request_object.encryption_required");
}

#[test]
fn required_id_token_encryption_needs_algorithms() {
    let found = itsme_diagnostics_after(
        "  encryption:\n    alg: [RSA-OAEP, RSA-OAEP-256, dir]\n    enc: [A128CBC-HS256, A256CBC-HS512, A128GCM, A256GCM]\n  encryption_required: true",
        "  encryption_required: true",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, DiagnosticClass::Inconsistent);
    assert_eq!(found[0].1, "itsme.id_token.encryption_required");
}

const IDME: &str = include_str!("../../specs/idme.yaml");

fn idme_diagnostics_after(from: &str, to: &str) -> Vec<(DiagnosticClass, String, String)> {
    diagnostics_in("idme.yaml", IDME, from, to)
}

#[test]
fn the_idme_spec_is_clean() {
    assert_eq!(idme_diagnostics_after("", ""), []);
}

#[test]
fn attribute_list_members_must_be_userinfo_claims() {
    let found = idme_diagnostics_after("    members: [status]", "    members: [statuses]");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, DiagnosticClass::UnknownReference);
    assert_eq!(found[0].1, "idme.userinfo.attributes.members[0]");
}

#[test]
fn attribute_entries_need_distinct_member_names() {
    let found = idme_diagnostics_after("    value: value\n", "    value: handle\n");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, DiagnosticClass::Inconsistent);
    assert!(found[0].2.contains("`handle`"), "{}", found[0].2);
}

#[test]
fn the_attribute_list_may_not_share_a_claim_name() {
    let found = idme_diagnostics_after("    list: attributes", "    list: status");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, DiagnosticClass::IdentifierCollision);
    assert_eq!(found[0].1, "idme.userinfo.attributes.list");
}

#[test]
fn an_openid_attribute_list_keeps_sub_as_a_member() {
    // OpenID Connect compares userinfo's `sub` with the ID token's: it cannot hide
    // in the list.
    let found = idme_diagnostics_after(
        "family: oauth2",
        "family: oidc\nid_token: { signing: [RS256] }",
    );
    assert!(
        found
            .iter()
            .any(|(class, path, _)| *class == DiagnosticClass::Inconsistent
                && path == "idme.userinfo.attributes.members"),
        "{found:?}"
    );
}

#[test]
fn a_forbidden_userinfo_parameter_cannot_also_be_offered() {
    let found = idme_diagnostics_after(
        "  forbidden:\n    - name: callback",
        "  params: { callback: { type: string } }\n  forbidden:\n    - name: callback",
    );
    // Besides: a GET has no form body, and the runtime would not fill the parameter.
    assert!(
        found.iter().any(|d| d.1 == "idme.userinfo.forbidden[0]"),
        "{found:?}"
    );
}

#[test]
fn a_required_scope_needs_a_scope() {
    let scopes_start = IDME.find("\nscopes:\n").expect("scopes section");
    let claims_start = IDME
        .find("\n# The document shows one userinfo payload")
        .expect("claims");
    let without_scopes = format!("{}{}", &IDME[..scopes_start], &IDME[claims_start..]);
    let found = match load("idme.yaml", &without_scopes) {
        Ok(_) => Vec::new(),
        Err(diagnostics) => diagnostics.0.into_iter().map(|d| d.path).collect(),
    };
    assert_eq!(found, ["idme.authorize.require_scope"]);
}

const IMID: &str = include_str!("../../specs/imid.yaml");

fn imid_diagnostics_after(from: &str, to: &str) -> Vec<(DiagnosticClass, String, String)> {
    diagnostics_in("imid.yaml", IMID, from, to)
}

#[test]
fn the_imid_spec_is_clean() {
    assert_eq!(imid_diagnostics_after("", ""), []);
}

#[test]
fn imid_stays_untranslated_in_every_language() {
    // The document: do not translate "imID", keep it as is.
    let found = imid_diagnostics_after(
        "        hy: Ձեր imID-ն ակտիվացված չէ",
        "        hy: Ձեր Բջջային ID-ն ակտիվացված չէ",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, DiagnosticClass::Inconsistent);
    assert_eq!(found[0].1, "imid.errors.codes[1].display.hy");
    assert!(found[0].2.contains("`imID`"), "{}", found[0].2);
}

#[test]
fn a_status_only_code_needs_its_status() {
    let found = imid_diagnostics_after("      http_status: 500\n", "");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, "imid.errors.codes[0].status_only");
}

#[test]
fn a_backchannel_parameter_may_not_be_a_protocol_member() {
    let found = imid_diagnostics_after("    context:\n", "    nonce:\n");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, "imid.backchannel.params.nonce");
}

#[test]
fn an_enum_default_must_be_a_value() {
    let found = imid_diagnostics_after("      default: \"4\"", "      default: \"5\"");
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, "imid.backchannel.params.acr_values.default");
}

#[test]
fn the_notification_correlates_only_what_the_flow_keeps() {
    let found = imid_diagnostics_after(
        "correlate: [auth_req_id, correlation_id]",
        "correlate: [auth_req_id, state]",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, "imid.backchannel.notification.correlate[1]");
}

#[test]
fn a_backchannel_request_is_a_signed_request_object() {
    let start = IMID.find("\nrequest_object:").unwrap();
    let end = start + IMID[start..].find("\n\n").unwrap();
    let found = imid_diagnostics_after(&IMID[start..end], "");
    assert!(
        found
            .iter()
            .any(|d| d.1 == "imid.backchannel" && d.2.contains("signed request object")),
        "{found:?}"
    );
}

#[test]
fn the_runtime_fills_only_the_correlation_id_on_userinfo() {
    let found = imid_diagnostics_after(
        "  params:\n    correlation_id:\n      doc: The transaction",
        "  params:\n    session:\n      doc: The transaction",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].1, "imid.userinfo.params.session");
}
