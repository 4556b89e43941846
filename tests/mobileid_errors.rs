//! Mobile ID's error scheme (document section 2.10): every documented code decodes
//! to its variant with its OAuth error, category and message, from the document's
//! own example; undocumented codes are kept, never rejected.

use idspec::mobileid::{ErrorCode, PROFILE};
use idspec::runtime::dialect::{body_error, redirect_error};
use idspec::runtime::error::EndpointKind;
use idspec::runtime::{ErrorMetadata, OAuthErrorCode, ProviderErrorCode, RawResponse};

fn response(status: u16, body: &str) -> RawResponse {
    RawResponse {
        status,
        headers: Default::default(),
        body: body.as_bytes().to_vec(),
    }
}

#[test]
fn the_documented_example_fault_response() {
    let raw = response(
        400,
        r#"{ "errorCode" : "unauthorized_client", "description" : "mid_sec_2010_A9W1GLUM - Unauthorized scopes used in request" }"#,
    );
    let error = body_error::<ErrorCode>(&PROFILE.errors, EndpointKind::Token, &raw)
        .expect("a provider error");
    assert_eq!(error.kind(), &ErrorCode::UnauthorizedScopes);
    assert_eq!(error.code(), "mid_sec_2010");
    assert_eq!(
        error.oauth_error(),
        Some(&OAuthErrorCode::UnauthorizedClient)
    );
    assert_eq!(error.category(), Some("sec"));
    assert_eq!(error.trace_id(), Some("A9W1GLUM"));
    assert_eq!(error.message(), Some("Unauthorized scopes used in request"));
    assert_eq!(error.raw().map(|r| r.status), Some(400));
    assert_eq!(
        error.to_string(),
        "the token endpoint answered mid_sec_2010: Unauthorized scopes used in request (trace id A9W1GLUM)"
    );
}

/// (code, OAuth error, message) for every row of table 2.10.1.
const TABLE: &[(&str, &str, &str)] = &[
    (
        "mid_req_1010",
        "invalid_request",
        "Invalid acr_values parameter, expected one single value",
    ),
    (
        "mid_req_1020",
        "invalid_request",
        "Invalid value received for acr_values",
    ),
    (
        "mid_req_1030",
        "invalid_request",
        "Invalid ui_locales parameter, expected one single value",
    ),
    (
        "mid_req_1040",
        "invalid_request",
        "Invalid value received for ui_locales",
    ),
    (
        "mid_req_1050",
        "invalid_request",
        "Invalid login_hint, empty hints are not allowed",
    ),
    (
        "mid_req_1060",
        "invalid_request",
        "Invalid login_hint, AL4 cannot be used with enabled manual MSISDN input",
    ),
    (
        "mid_req_1070",
        "invalid_request",
        "Invalid MSISDN value in login_hint",
    ),
    (
        "mid_req_1080",
        "invalid_request",
        "Duplicated MSISDN value in login_hint",
    ),
    (
        "mid_req_1090",
        "invalid_request",
        "Invalid SN value in login_hint",
    ),
    (
        "mid_req_1100",
        "invalid_request",
        "Invalid login_hint JSON content",
    ),
    ("mid_req_1110", "invalid_scope", "Invalid scopes in request"),
    (
        "mid_req_1120",
        "invalid_request",
        "AL4 requested but login_hint is empty",
    ),
    (
        "mid_req_1130",
        "invalid_request",
        "Invalid request, missing query string",
    ),
    (
        "mid_req_1900",
        "invalid_request",
        "Invalid client request, check request parameters",
    ),
    (
        "mid_sec_2010",
        "unauthorized_client",
        "Unauthorized scopes used in request",
    ),
    (
        "mid_sec_2020",
        "unauthorized_client",
        "Unauthorized acr_values used in request",
    ),
    (
        "mid_sec_2030",
        "unauthorized_client",
        "Unauthorized parameters used in request",
    ),
    (
        "mid_auth_3010",
        "access_denied",
        "Authentication rejected by resource owner or authorization server",
    ),
    (
        "mid_auth_3020",
        "access_denied",
        "Claims sharing rejected by resource owner or authorization server",
    ),
    (
        "mid_auth_3025",
        "access_denied",
        "Signature CMS data validation failed",
    ),
    (
        "mid_auth_3030",
        "access_denied",
        "Mobile ID serial number validation failed",
    ),
    (
        "mid_auth_3040",
        "access_denied",
        "Country (geo-location) validation failed",
    ),
    (
        "mid_auth_3050",
        "access_denied",
        "MSISDN ownership verification failed",
    ),
    (
        "mid_auth_3060",
        "access_denied",
        "Mobile ID account activation failed",
    ),
    (
        "mid_auth_3070",
        "access_denied",
        "Mobile ID SIM card required for this authentication",
    ),
    (
        "mid_auth_3080",
        "access_denied",
        "No authentication method available",
    ),
    (
        "mid_auth_3090",
        "access_denied",
        "Authentication via SMS OTP failed",
    ),
    (
        "mid_auth_3900",
        "access_denied",
        "Authentication failed for other reasons",
    ),
    ("mid_sys_9900", "server_error", "Internal server error"),
];

#[test]
fn every_documented_code_decodes_from_a_fault_response() {
    assert_eq!(TABLE.len(), 29);
    for (code, oauth, message) in TABLE {
        let description = format!("{code}_TRACE123 - {message}");
        let body =
            serde_json::json!({ "errorCode": oauth, "description": description }).to_string();
        let error = body_error::<ErrorCode>(
            &PROFILE.errors,
            EndpointKind::PushedAuthorization,
            &response(400, &body),
        )
        .unwrap_or_else(|| panic!("{code} is not decoded"));
        assert!(
            !matches!(error.kind(), ErrorCode::Unhandled(_)),
            "{code} is documented"
        );
        assert_eq!(error.code(), *code);
        assert_eq!(error.kind().as_wire(), *code);
        assert_eq!(error.kind().documented_message(), Some(*message));
        assert_eq!(
            error.kind().documented_oauth_error(),
            Some(OAuthErrorCode::from_wire(oauth))
        );
        assert_eq!(error.oauth_error().map(|e| e.as_str()), Some(*oauth));
        let category = code.split('_').nth(1).unwrap();
        assert_eq!(error.category(), Some(category));
        assert_eq!(error.kind().documented_category(), Some(category));
        assert_eq!(error.trace_id(), Some("TRACE123"));
    }
}

#[test]
fn errors_on_the_redirect_decode_too() {
    let params = [
        ("error", "access_denied"),
        ("error_description", "mid_auth_3010_QD5BEXAJ - Authentication rejected by resource owner or authorization server"),
        ("state", "af0ifjsldkj"),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_owned(), v.to_owned()))
    .collect();
    let error = redirect_error::<ErrorCode>(&PROFILE.errors, &params).expect("an error");
    assert_eq!(error.kind(), &ErrorCode::AuthenticationRejected);
    assert_eq!(error.trace_id(), Some("QD5BEXAJ"));
    assert!(error.raw().is_none());
}

#[test]
fn undocumented_codes_are_kept() {
    let unknown = ErrorCode::from_wire("mid_req_1999");
    assert!(matches!(unknown, ErrorCode::Unhandled(_)));
    assert_eq!(unknown.as_wire(), "mid_req_1999");
    assert_eq!(unknown.documented_message(), None);

    let raw = response(
        400,
        r#"{"errorCode":"invalid_request","description":"mid_req_1999_ABCDEFGH - Something new"}"#,
    );
    let error =
        body_error::<ErrorCode>(&PROFILE.errors, EndpointKind::Token, &raw).expect("an error");
    assert_eq!(error.code(), "mid_req_1999");
    assert_eq!(error.message(), Some("Something new"));
    assert_eq!(error.category(), Some("req"));
    assert_eq!(error.oauth_error(), Some(&OAuthErrorCode::InvalidRequest));

    // A description outside the scheme is kept whole as the message.
    let raw = response(
        500,
        r#"{"errorCode":"server_error","description":"upstream timeout"}"#,
    );
    let error =
        body_error::<ErrorCode>(&PROFILE.errors, EndpointKind::Token, &raw).expect("an error");
    assert_eq!(error.code(), "server_error");
    assert_eq!(error.message(), Some("upstream timeout"));
    assert_eq!(error.trace_id(), None);
}
