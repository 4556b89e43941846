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

const IDEMIA_IPA: &str = include_str!("../../specs/idemia-ipa.yaml");

fn ipa_diagnostics_after(from: &str, to: &str) -> Vec<(DiagnosticClass, String, String)> {
    diagnostics_in("idemia-ipa.yaml", IDEMIA_IPA, from, to)
}

/// The one diagnostic `found` must be: its class and path, and a message that
/// contains `message`.
fn only(
    found: &[(DiagnosticClass, String, String)],
    class: DiagnosticClass,
    path: &str,
    message: &str,
) {
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, class, "{found:?}");
    assert_eq!(found[0].1, path, "{found:?}");
    assert!(found[0].2.contains(message), "{}", found[0].2);
}

#[test]
fn the_idemia_ipa_spec_is_clean() {
    assert_eq!(ipa_diagnostics_after("", ""), []);
}

#[test]
fn an_operation_sent_to_a_url_parameter_needs_an_origin() {
    // Without `origin`, GetProof would send the API key wherever a webhook's
    // `proofUrl` points.
    let found = ipa_diagnostics_after(
        "    auth: gips\n    origin: idv_url\n    params:\n      proof_url:",
        "    auth: gips\n    params:\n      proof_url:",
    );
    only(
        &found,
        DiagnosticClass::Inconsistent,
        "idemia-ipa.operations.get_proof.url",
        "operation `get_proof` is sent to a URL given at run time (`{proof_url}`), so it needs `origin`",
    );
}

#[test]
fn an_origin_is_an_environment_url() {
    let found = ipa_diagnostics_after(
        "    auth: gips\n    origin: idv_url\n    params:\n      proof_url:",
        "    auth: gips\n    origin: proof_url\n    params:\n      proof_url:",
    );
    only(
        &found,
        DiagnosticClass::UnknownReference,
        "idemia-ipa.operations.get_proof.origin",
        "`proof_url` is not a URL of the environments",
    );
}

#[test]
fn a_template_segment_is_literal_text_or_one_whole_parameter() {
    let found = ipa_diagnostics_after(
        "/identities/{identity_id}\"",
        "/identities/a{identity_id}\"",
    );
    only(
        &found,
        DiagnosticClass::Schema,
        "idemia-ipa.operations.get_identity.url",
        "bad URL template `{idv_url}/gips/v1/identities/a{identity_id}`: `a{identity_id}` is neither literal text nor one whole `{parameter}`",
    );
}

#[test]
fn a_template_names_declared_parameters_only() {
    let found = ipa_diagnostics_after(
        "/identities/{identity_id}\"",
        "/identities/{identity_id}/{version}\"",
    );
    only(
        &found,
        DiagnosticClass::UnknownReference,
        "idemia-ipa.operations.get_identity.url",
        "`{version}` is not a declared parameter",
    );
}

#[test]
fn a_declared_parameter_is_used_in_the_template() {
    let found = ipa_diagnostics_after("/identities/{identity_id}\"", "/identities\"");
    only(
        &found,
        DiagnosticClass::Inconsistent,
        "idemia-ipa.operations.get_identity.params.identity_id",
        "parameter `identity_id` is not used in the URL template",
    );
}

#[test]
fn a_link_parameter_is_used_in_the_template() {
    let found = ipa_diagnostics_after("?session-id={session_id}\"", "?session-id=fixed\"");
    only(
        &found,
        DiagnosticClass::Inconsistent,
        "idemia-ipa.links.session_start.params.session_id",
        "parameter `session_id` is not used in the URL template",
    );
}

#[test]
fn a_template_base_is_a_parameter_or_an_environment_url() {
    let found = ipa_diagnostics_after(
        "\"{idv_url}/gips/v1/identities/{identity_id}\"",
        "\"{idv}/gips/v1/identities/{identity_id}\"",
    );
    assert!(
        found.iter().any(|d| d
            == &(
                DiagnosticClass::UnknownReference,
                "idemia-ipa.operations.get_identity.url".to_owned(),
                "`{idv}` is neither a parameter nor a URL every environment defines".to_owned()
            )),
        "{found:?}"
    );
}

#[test]
fn a_template_base_parameter_is_a_url() {
    let found = ipa_diagnostics_after(
        "      proof_url:\n        type: url\n",
        "      proof_url:\n        type: string\n",
    );
    only(
        &found,
        DiagnosticClass::Inconsistent,
        "idemia-ipa.operations.get_proof.url",
        "`{proof_url}` starts the URL, so it must be of type `url`",
    );
}

#[test]
fn a_template_parameter_is_text_or_an_integer() {
    let found = ipa_diagnostics_after(
        "      identity_id:\n        type: string\n",
        "      identity_id:\n        type: bool\n",
    );
    only(
        &found,
        DiagnosticClass::Inconsistent,
        "idemia-ipa.operations.get_identity.url",
        "`{identity_id}` must be text or an integer to go in a URL",
    );
}

#[test]
fn a_client_has_one_client_credentials_scheme() {
    let found = ipa_diagnostics_after(
        "  gips:\n",
        "  cognito_again:\n    client_credentials:\n      token_url: \"{cognito_url}/oauth2/token\"\n  gips:\n",
    );
    only(
        &found,
        DiagnosticClass::Inconsistent,
        "idemia-ipa.auth.cognito_again",
        "`cognito` is already the client_credentials scheme; a client has one credential of each kind",
    );
}

#[test]
fn an_auth_scheme_is_exactly_one_kind() {
    let message = "auth scheme `gips` needs exactly one of `client_credentials` and `api_key`";
    let neither = ipa_diagnostics_after("    api_key: { header: apikey }\n", "");
    only(
        &neither,
        DiagnosticClass::Schema,
        "idemia-ipa.auth.gips",
        message,
    );
    let both = ipa_diagnostics_after(
        "    api_key: { header: apikey }\n",
        "    api_key: { header: apikey }\n    client_credentials: { token_url: \"{cognito_url}/oauth2/token\" }\n",
    );
    only(
        &both,
        DiagnosticClass::Schema,
        "idemia-ipa.auth.gips",
        message,
    );
}

#[test]
fn the_client_credentials_grant_authenticates_with_a_client_secret() {
    let found = ipa_diagnostics_after(
        "client_auth: client_secret_post",
        "client_auth: private_key_jwt",
    );
    only(
        &found,
        DiagnosticClass::Inconsistent,
        "idemia-ipa.auth.cognito.client_credentials.client_auth",
        "client_secret_post or client_secret_basic",
    );
}

#[test]
fn an_operation_names_a_declared_auth_scheme() {
    let found = ipa_diagnostics_after(
        "    auth: gips\n    origin: idv_url\n    params:\n      identity_id:",
        "    auth: gipsrs\n    origin: idv_url\n    params:\n      identity_id:",
    );
    only(
        &found,
        DiagnosticClass::UnknownReference,
        "idemia-ipa.operations.get_identity.auth",
        "operation `get_identity` uses unknown auth scheme `gipsrs`",
    );
}

#[test]
fn a_response_is_json_or_a_stream() {
    let found = ipa_diagnostics_after(
        "      stream: application/gzip\n",
        "      stream: application/gzip\n      json: json\n",
    );
    only(
        &found,
        DiagnosticClass::Schema,
        "idemia-ipa.operations.get_proof.response",
        "a response is either `json` or `stream`",
    );
}

#[test]
fn a_flow_is_named_by_a_required_text_member_of_the_response() {
    let found = ipa_diagnostics_after("      id: sessionId\n", "      id: session\n");
    // The webhook then correlates on a flow nobody starts, too.
    assert!(
        found.iter().any(|d| d
            == &(
                DiagnosticClass::UnknownReference,
                "idemia-ipa.operations.create_session.starts_flow.id".to_owned(),
                "`session` is not a required text member of the operation's JSON response"
                    .to_owned()
            )),
        "{found:?}"
    );
}

#[test]
fn a_webhook_correlates_on_a_flow_an_operation_starts() {
    // `applicationId` is a required string of the body, but no operation's
    // `starts_flow.id` names it.
    let found = ipa_diagnostics_after("    correlate: sessionId", "    correlate: applicationId");
    only(
        &found,
        DiagnosticClass::UnknownReference,
        "idemia-ipa.webhooks.end_of_process.correlate",
        "no operation starts a flow identified by `applicationId` (`starts_flow.id`)",
    );
}

#[test]
fn a_webhook_correlates_on_a_required_text_member() {
    let found = ipa_diagnostics_after("    correlate: sessionId", "    correlate: identityId");
    only(
        &found,
        DiagnosticClass::Inconsistent,
        "idemia-ipa.webhooks.end_of_process.correlate",
        "`identityId` must be a required text member to correlate on",
    );
    let found = ipa_diagnostics_after("    correlate: sessionId", "    correlate: session");
    only(
        &found,
        DiagnosticClass::UnknownReference,
        "idemia-ipa.webhooks.end_of_process.correlate",
        "webhook `end_of_process` correlates on `session`, which its body does not have",
    );
}

#[test]
fn a_retried_webhook_has_a_retry_interval() {
    let found = ipa_diagnostics_after("    retry_interval: 1s\n", "");
    only(
        &found,
        DiagnosticClass::Schema,
        "idemia-ipa.webhooks.end_of_process.retry_interval",
        "a webhook that is retried needs its `retry_interval`",
    );
}

#[test]
fn same_origin_names_a_url_member_of_the_body() {
    let found = ipa_diagnostics_after("      proofUrl: idv_url", "      identityId: idv_url");
    only(
        &found,
        DiagnosticClass::UnknownReference,
        "idemia-ipa.webhooks.end_of_process.same_origin.identityId",
        "`identityId` is not a `url` member of the webhook's body",
    );
}

#[test]
fn same_origin_names_an_environment_url() {
    let found = ipa_diagnostics_after("      proofUrl: idv_url", "      proofUrl: proof_url");
    only(
        &found,
        DiagnosticClass::UnknownReference,
        "idemia-ipa.webhooks.end_of_process.same_origin.proofUrl",
        "`proof_url` is not a URL of the environments",
    );
}

#[test]
fn a_sandbox_outcome_is_a_webhook_status() {
    let found = ipa_diagnostics_after("outcome: { error: ERROR }", "outcome: { error: ABORTED }");
    only(
        &found,
        DiagnosticClass::UnknownReference,
        "idemia-ipa.sandbox.users[1].outcome",
        "sandbox user `ABORTS` ends with `ABORTED`, which no webhook's body can carry",
    );
}

#[test]
fn every_environment_defines_the_same_urls() {
    let found = ipa_diagnostics_after(
        "\nauth:\n",
        "  staging:\n    kind: test\n    urls:\n      cognito_url: https://cognito.example\n\nauth:\n",
    );
    assert!(
        found.iter().any(|d| d
            == &(
                DiagnosticClass::Inconsistent,
                "idemia-ipa.environments.staging.urls".to_owned(),
                "environment `staging` does not define the same `urls` as the first environment"
                    .to_owned()
            )),
        "{found:?}"
    );
}

#[test]
fn operations_belong_to_family_rest() {
    let found = ipa_diagnostics_after("family: rest", "family: oidc");
    for section in ["auth", "operations", "links", "webhooks"] {
        assert!(
            found.iter().any(|d| d
                == &(
                    DiagnosticClass::Inconsistent,
                    format!("idemia-ipa.{section}"),
                    format!("`{section}` belongs to family `rest`")
                )),
            "{section}: {found:?}"
        );
    }
}

#[test]
fn a_get_request_has_no_body() {
    let found = ipa_diagnostics_after(
        "    auth: gips\n    origin: idv_url\n    params:\n      identity_id:",
        "    auth: gips\n    origin: idv_url\n    body:\n      verbose: { type: bool }\n    params:\n      identity_id:",
    );
    assert_eq!(found.len(), 1, "{found:?}");
    assert_eq!(found[0].0, DiagnosticClass::Inconsistent);
    assert_eq!(found[0].1, "idemia-ipa.operations.get_identity.body");
    // Compared without case: the validator upper-cases the whole sentence
    // ("A GET REQUEST HAS NO BODY"), not the method only.
    assert_eq!(found[0].2.to_lowercase(), "a get request has no body");
}

#[test]
fn a_verified_id_authority_is_a_did() {
    let found = ipa_diagnostics_after(
        "did: did:web:eu.did.idemia.io",
        "did: https://eu.did.idemia.io",
    );
    only(
        &found,
        DiagnosticClass::Inconsistent,
        "idemia-ipa.verified_id.authorities.eu.did",
        "`https://eu.did.idemia.io` is not a DID",
    );
}
