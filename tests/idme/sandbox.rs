//! The generated ID.me client against the ID.me sandbox: a login with each of the six
//! documented policies, the authorization URL as the document writes it, the callback
//! bound to its state, every documented error code decoded to its own typed variant
//! (through the sandbox's trigger logins and through the natural mistakes that cause
//! them), userinfo with the access token in the query string, and refresh.

use std::time::Duration;

use idspec::idme::{
    test_users, AuthorizationErrorCode, AuthorizationRequest, ErrorCode, Op, Scope, TokenErrorCode,
    UserinfoErrorCode,
};
use idspec::runtime::callback::CallbackError;
use idspec::runtime::{AccessToken, EndpointKind, Error, ErrorMetadata, ScopeValue, State};
use idspec_codegen::model::ErrorEndpoint;
use idspec_sandbox::user_agent::{sign_in, Decision};
use idspec_sandbox::SandboxClient;
use serde_json::Value;
use url::Url;

use crate::support::{
    assert_metadata, callback, client, client_for, documented, documented_codes, failed_login,
    login, query_value, registered, sandbox, spec, Answer, FakeProvider, AUTHORIZE_PATH, USERINFO,
    USERINFO_PATH,
};

/// Every policy the document lists.
fn every_scope() -> Vec<Scope> {
    vec![
        Scope::KbaReplacementCovidQuestionnaire,
        Scope::KbaReplacementCovidVerify,
        Scope::FortifiedCovidQuestionnaire,
        Scope::FortifiedCovidVerify,
        Scope::Ial2Aal2CovidQuestionnaire,
        Scope::Ial2Aal2CovidVerify,
    ]
}

fn request() -> AuthorizationRequest {
    AuthorizationRequest::new(Scope::FortifiedCovidVerify)
}

fn fixture() -> Value {
    serde_json::from_str(USERINFO).expect("json")
}

/// The variant each documented code must decode to, written out by hand.
fn authorization_variant(code: &str) -> AuthorizationErrorCode {
    match code {
        "invalid_request" => AuthorizationErrorCode::InvalidRequest,
        "invalid_client" => AuthorizationErrorCode::InvalidClient,
        "invalid_redirect_uri" => AuthorizationErrorCode::InvalidRedirectUri,
        "access_denied" => AuthorizationErrorCode::AccessDenied,
        "unsupported_response_type" => AuthorizationErrorCode::UnsupportedResponseType,
        "invalid_scope" => AuthorizationErrorCode::InvalidScope,
        other => panic!("no variant written for authorization code {other}"),
    }
}

fn token_variant(code: &str) -> TokenErrorCode {
    match code {
        "invalid_request" => TokenErrorCode::InvalidRequest,
        "invalid_client" => TokenErrorCode::InvalidClient,
        "invalid_grant" => TokenErrorCode::InvalidGrant,
        "unauthorized_client" => TokenErrorCode::UnauthorizedClient,
        "unsupported_grant_type" => TokenErrorCode::UnsupportedGrantType,
        "invalid_scope" => TokenErrorCode::InvalidScope,
        other => panic!("no variant written for token code {other}"),
    }
}

fn userinfo_variant(code: &str) -> UserinfoErrorCode {
    match code {
        "invalid_request" => UserinfoErrorCode::InvalidRequest,
        "invalid_token" => UserinfoErrorCode::InvalidToken,
        "insufficient_scope" => UserinfoErrorCode::InsufficientScope,
        other => panic!("no variant written for userinfo code {other}"),
    }
}

/// An authorization error from the redirect: typed, documented, with the
/// description and error URI the redirect carried.
fn assert_authorization_error(
    error: &idspec::idme::Error,
    callback: &Url,
    expected: AuthorizationErrorCode,
) {
    let provider = error
        .provider_error()
        .unwrap_or_else(|| panic!("a provider error: {error:?}"));
    assert_eq!(provider.kind(), &ErrorCode::Authorization(expected.clone()));
    assert_eq!(provider.endpoint(), EndpointKind::Authorization);
    assert_eq!(
        query_value(callback, "error").as_deref(),
        Some(error.code())
    );
    let description = query_value(callback, "error_description");
    assert!(description.is_some(), "the sandbox sends a description");
    assert_eq!(error.message(), description.as_deref());
    assert_eq!(
        provider.error_uri(),
        query_value(callback, "error_uri").as_deref()
    );
    assert!(provider.raw().is_none(), "a redirect has no response body");
    let code = idspec::runtime::ProviderErrorCode::as_wire(&expected).to_owned();
    assert_metadata(error, &documented(&code, ErrorEndpoint::Authorization));
}

#[tokio::test]
async fn every_policy_logs_in_and_releases_the_documented_attributes() {
    // The list above is every scope of the spec, each a variant of its own.
    let spec = spec();
    let wires: Vec<String> = every_scope()
        .iter()
        .map(|s| s.wire().into_owned())
        .collect();
    let documented: Vec<String> = spec.spec().scopes.keys().cloned().collect();
    assert_eq!(wires, documented);
    for wire in &documented {
        assert!(
            !matches!(Scope::from_wire(wire), Scope::Unknown(_)),
            "{wire}"
        );
    }

    let sandbox = sandbox().await;
    let client = client(&sandbox);
    for scope in every_scope() {
        let wire = scope.to_string();
        let start = client
            .start(AuthorizationRequest::new(scope.clone()))
            .await
            .expect("start");
        assert_eq!(
            query_value(&start.url, "scope").as_deref(),
            Some(wire.as_str())
        );
        let callback = sign_in(&start.url, test_users::MALCOLM, Decision::Approve)
            .await
            .expect("sign in");
        let login = client
            .complete_for(&start.state, callback.as_str())
            .await
            .unwrap_or_else(|e| panic!("{wire}: {e}"));
        assert_eq!(login.requested_scope(), wire);
        assert_eq!(
            login.tokens().granted_scopes().collect::<Vec<_>>(),
            [wire.as_str()]
        );
        let userinfo = client
            .userinfo(&login)
            .await
            .unwrap_or_else(|e| panic!("{wire}: {e}"));
        // Malcolm is the document's example user: his userinfo is the example.
        assert_eq!(
            serde_json::to_value(&userinfo).expect("json"),
            fixture(),
            "{wire}"
        );
        assert_eq!(
            userinfo.uuid.as_deref(),
            Some("d733a89e2e634f04ac2fe66c97f71612")
        );
        assert_eq!(userinfo.email.as_deref(), Some(test_users::MALCOLM));
        assert_eq!(userinfo.vaccination_status, Some(true));
        assert_eq!(
            userinfo.attributes.label(idspec::idme::Claim::Zip),
            Some("Zip Code")
        );
        let status = userinfo.status.as_ref().expect("status");
        assert_eq!(status.len(), 2);
        assert!(status.iter().all(|s| s.verified));
        assert!(userinfo.other.is_empty() && userinfo.attributes.unknown().count() == 0);
    }
}

#[tokio::test]
async fn the_authorization_url_is_the_documents() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let registration = registered();
    let start = client
        .start(AuthorizationRequest::new(Scope::Ial2Aal2CovidVerify))
        .await
        .expect("start");
    let url = &start.url;
    assert_eq!(url.path(), AUTHORIZE_PATH);
    let mut names: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
    names.sort();
    // No code_challenge (pkce: none: draft-22 predates it and ID.me refuses unknown
    // parameters), no nonce (no ID token), no op unless asked for.
    assert_eq!(
        names,
        [
            "client_id",
            "redirect_uri",
            "response_type",
            "scope",
            "state"
        ]
    );
    assert_eq!(query_value(url, "response_type").as_deref(), Some("code"));
    assert_eq!(
        query_value(url, "client_id"),
        Some(registration.client_id.clone())
    );
    assert_eq!(
        query_value(url, "redirect_uri"),
        Some(registration.redirect_uris[0].clone())
    );
    let wire = "http://idmanagement.gov/ns/assurance/ial/2/aal/2/covid/verify";
    assert_eq!(query_value(url, "scope").as_deref(), Some(wire));
    // The URL-shaped scope is percent-encoded, not left to split the query.
    let encoded: String = url::form_urlencoded::byte_serialize(wire.as_bytes()).collect();
    assert!(
        url.query()
            .expect("query")
            .contains(&format!("scope={encoded}")),
        "{url}"
    );
    let state = query_value(url, "state").expect("state");
    assert_eq!(state, start.state.secret());
    assert!(state.len() >= 32, "an unguessable state: {state}");
    assert!(!url.as_str().contains("code_challenge") && !url.as_str().contains("nonce"));

    // Two policies at once travel space-separated.
    let both = client
        .start(
            AuthorizationRequest::new(Scope::FortifiedCovidVerify)
                .scope(Scope::Ial2Aal2CovidVerify),
        )
        .await
        .expect("start");
    assert_eq!(
        query_value(&both.url, "scope"),
        Some(format!("fortified/covid/verify {wire}"))
    );
    assert_ne!(both.state.secret(), start.state.secret());

    // `op` when asked for, and the sandbox (as strict as the document) accepts it.
    for (op, wire) in [(Op::Signup, "signup"), (Op::Signin, "signin")] {
        let start = client.start(request().op(op)).await.expect("start");
        assert_eq!(query_value(&start.url, "op").as_deref(), Some(wire));
        let callback = sign_in(&start.url, test_users::MALCOLM, Decision::Approve)
            .await
            .expect("sign in");
        client
            .complete_for(&start.state, callback.as_str())
            .await
            .unwrap_or_else(|e| panic!("op={wire}: {e}"));
    }
}

#[tokio::test]
async fn the_callback_has_no_iss_and_is_bound_to_its_state() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let (state, callback) =
        callback(&client, request(), test_users::MALCOLM, Decision::Approve).await;
    let names: Vec<String> = callback
        .query_pairs()
        .map(|(k, _)| k.into_owned())
        .collect();
    assert_eq!(names, ["code", "state"], "no iss: ID.me has no issuer");
    assert_eq!(
        query_value(&callback, "state").as_deref(),
        Some(state.secret())
    );
    let code = query_value(&callback, "code").expect("code");

    // Another session's state: refused before anything is exchanged.
    let error = client
        .complete_for(&State::new("another-sessions-state"), callback.as_str())
        .await
        .expect_err("not this session's callback");
    assert!(
        matches!(error, Error::Callback(CallbackError::StateMismatch)),
        "{error:?}"
    );
    // A state no login was started with.
    let mut forged = callback.clone();
    forged
        .query_pairs_mut()
        .clear()
        .append_pair("code", &code)
        .append_pair("state", "never-issued-state");
    let error = client.complete(forged.as_str()).await.expect_err("forged");
    assert!(
        matches!(error, Error::Callback(CallbackError::UnknownState)),
        "{error:?}"
    );
    assert_eq!(error.code(), "callback_unknown_state");
    // No state at all.
    let error = client
        .complete(&format!("code={code}"))
        .await
        .expect_err("no state");
    assert!(
        matches!(error, Error::Callback(CallbackError::MissingState)),
        "{error:?}"
    );

    // The refusals consumed nothing: the real callback still completes...
    let login = client
        .complete_for(&state, callback.as_str())
        .await
        .expect("the login");
    client.userinfo(&login).await.expect("userinfo");
    // ...once.
    for replay in [
        client.complete_for(&state, callback.as_str()).await,
        client.complete(callback.as_str()).await,
    ] {
        let error = replay.expect_err("replayed");
        assert!(
            matches!(error, Error::Callback(CallbackError::UnknownState)),
            "{error:?}"
        );
    }
}

#[tokio::test]
async fn every_authorization_error_code_is_typed() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let codes = documented_codes(ErrorEndpoint::Authorization);
    assert_eq!(codes.len(), 6, "{codes:?}");
    for code in &codes {
        let login = format!("error:{code}");
        let (error, callback) = failed_login(&client, request(), &login, Decision::Approve).await;
        assert_authorization_error(&error, &callback, authorization_variant(code));
        // ID.me's redirect errors carry an `error_uri`; the sandbox's names its own
        // page for the code, with the documented message.
        let uri = error
            .provider_error()
            .and_then(|p| p.error_uri())
            .unwrap_or_else(|| panic!("{code}: no error_uri"));
        let page = reqwest::get(uri)
            .await
            .and_then(|r| r.error_for_status())
            .unwrap_or_else(|e| panic!("{code}: {uri}: {e}"))
            .text()
            .await
            .expect("page");
        let message = &documented(code, ErrorEndpoint::Authorization).message;
        assert!(page.contains(message.as_str()), "{code}: {page}");
    }
}

#[tokio::test]
async fn authorization_errors_from_natural_causes_are_typed() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);

    // The user declines to share the policy's data.
    let (error, callback) =
        failed_login(&client, request(), test_users::DENIES, Decision::Approve).await;
    assert_authorization_error(&error, &callback, AuthorizationErrorCode::AccessDenied);
    // The user presses Cancel.
    let (error, callback) =
        failed_login(&client, request(), test_users::MALCOLM, Decision::Cancel).await;
    assert_authorization_error(&error, &callback, AuthorizationErrorCode::AccessDenied);
    // The document's own button asks for `scope=military`, which is not among the
    // policies it lists: the sandbox refuses it as ID.me documents.
    let unknown = Scope::from_wire("military");
    assert!(matches!(unknown, Scope::Unknown(_)));
    let (error, callback) = failed_login(
        &client,
        AuthorizationRequest::new(unknown),
        test_users::MALCOLM,
        Decision::Approve,
    )
    .await;
    assert_authorization_error(&error, &callback, AuthorizationErrorCode::InvalidScope);
    // An `op` the document does not list.
    let (error, callback) = failed_login(
        &client,
        request().op(Op::from("signon".to_owned())),
        test_users::MALCOLM,
        Decision::Approve,
    )
    .await;
    assert_authorization_error(&error, &callback, AuthorizationErrorCode::InvalidRequest);
    // `response_type=token`, which the client never sends, put in the URL by hand.
    let start = client.start(request()).await.expect("start");
    let pairs: Vec<(String, String)> = start
        .url
        .query_pairs()
        .map(|(k, v)| {
            let v = if k == "response_type" {
                "token".to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), v)
        })
        .collect();
    let mut implicit = start.url.clone();
    implicit.query_pairs_mut().clear().extend_pairs(pairs);
    let callback = sign_in(&implicit, test_users::MALCOLM, Decision::Approve)
        .await
        .expect("redirected with the error");
    let error = client
        .complete_for(&start.state, callback.as_str())
        .await
        .expect_err("refused");
    assert_authorization_error(
        &error,
        &callback,
        AuthorizationErrorCode::UnsupportedResponseType,
    );
}

/// The document's redirect errors carry `error_description` and `error_uri`; the
/// client keeps both as ID.me writes them (a callback written by hand for a real
/// pending login, with ID.me's own kind of URI).
#[tokio::test]
async fn error_description_and_error_uri_from_the_redirect_are_kept() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let start = client.start(request()).await.expect("start");
    let mut callback = Url::parse(&registered().redirect_uris[0]).expect("url");
    callback
        .query_pairs_mut()
        .append_pair("error", "invalid_scope")
        .append_pair(
            "error_description",
            "The policy is not enabled for this app.",
        )
        .append_pair("error_uri", "https://developers.id.me/documentation/errors")
        .append_pair("state", start.state.secret());
    let error = client
        .complete_for(&start.state, callback.as_str())
        .await
        .expect_err("refused");
    assert_authorization_error(&error, &callback, AuthorizationErrorCode::InvalidScope);
    let provider = error.provider_error().expect("provider");
    assert_eq!(
        error.message(),
        Some("The policy is not enabled for this app.")
    );
    assert_eq!(
        provider.error_uri(),
        Some("https://developers.id.me/documentation/errors")
    );
    // The documented meaning stays reachable next to the provider's own words.
    assert_eq!(
        idspec::runtime::ProviderErrorCode::documented_message(provider.kind()),
        Some("The requested scope is invalid, unknown, or malformed.")
    );
}

#[tokio::test]
async fn every_token_error_code_is_typed() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let codes = documented_codes(ErrorEndpoint::Token);
    assert_eq!(codes.len(), 6, "{codes:?}");
    for code in &codes {
        let login = format!("error:token:{code}");
        let (error, _) = failed_login(&client, request(), &login, Decision::Approve).await;
        let provider = error
            .provider_error()
            .unwrap_or_else(|| panic!("{code}: {error:?}"));
        assert_eq!(provider.kind(), &ErrorCode::Token(token_variant(code)));
        assert_eq!(provider.endpoint(), EndpointKind::Token);
        let raw = provider.raw().expect("the response is kept");
        assert_eq!(raw.status, 400, "{code}");
        assert_metadata(&error, &documented(code, ErrorEndpoint::Token));
    }
}

#[tokio::test]
async fn token_errors_from_natural_causes_are_typed() {
    let sandbox = sandbox().await;
    // A wrong client secret.
    let wrong = SandboxClient {
        client_secret: Some("not-the-registered-secret".to_owned()),
        ..registered()
    };
    let client = client_for(sandbox.endpoints(), &wrong);
    let (error, _) = failed_login(&client, request(), test_users::MALCOLM, Decision::Approve).await;
    let provider = error.provider_error().expect("provider");
    assert_eq!(
        provider.kind(),
        &ErrorCode::Token(TokenErrorCode::InvalidClient)
    );
    assert_eq!(provider.raw().expect("raw").status, 401);
    assert_metadata(&error, &documented("invalid_client", ErrorEndpoint::Token));

    // A code that was already exchanged (here by someone else, by hand).
    let client = client_for(sandbox.endpoints(), &registered());
    let (state, callback) =
        callback(&client, request(), test_users::MALCOLM, Decision::Approve).await;
    let registration = registered();
    let stolen = reqwest::Client::new()
        .post(sandbox.endpoints().token.expect("token"))
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", &query_value(&callback, "code").expect("code")),
            ("client_id", &registration.client_id),
            (
                "client_secret",
                registration.client_secret.as_deref().expect("secret"),
            ),
            ("redirect_uri", &registration.redirect_uris[0]),
        ])
        .send()
        .await
        .expect("token request");
    assert_eq!(stolen.status(), 200);
    let error = client
        .complete_for(&state, callback.as_str())
        .await
        .expect_err("the code is used");
    assert_eq!(
        error.provider_error().expect("provider").kind(),
        &ErrorCode::Token(TokenErrorCode::InvalidGrant)
    );
    assert_metadata(&error, &documented("invalid_grant", ErrorEndpoint::Token));
}

#[tokio::test]
async fn every_userinfo_error_code_is_typed() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let codes = documented_codes(ErrorEndpoint::Userinfo);
    assert_eq!(codes.len(), 3, "{codes:?}");
    for code in &codes {
        let (login, _) = login(&client, request(), &format!("error:userinfo:{code}")).await;
        let error = client.userinfo(&login).await.expect_err(code);
        let provider = error
            .provider_error()
            .unwrap_or_else(|| panic!("{code}: {error:?}"));
        assert_eq!(
            provider.kind(),
            &ErrorCode::Userinfo(userinfo_variant(code))
        );
        assert_eq!(provider.endpoint(), EndpointKind::Userinfo);
        let status = provider.raw().expect("raw").status;
        let expected_status = match code.as_str() {
            "invalid_token" => 401,
            "insufficient_scope" => 403,
            _ => 400,
        };
        assert_eq!(status, expected_status, "{code}");
        assert_metadata(&error, &documented(code, ErrorEndpoint::Userinfo));
    }

    // An access token the provider never issued (or revoked, or expired).
    let error = client
        .userinfo_with(&AccessToken::new("no-such-access-token"), None)
        .await
        .expect_err("unknown token");
    let provider = error.provider_error().expect("provider");
    assert_eq!(
        provider.kind(),
        &ErrorCode::Userinfo(UserinfoErrorCode::InvalidToken)
    );
    let raw = provider.raw().expect("raw");
    assert_eq!(raw.status, 401);
    let challenge = raw
        .headers
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .expect("a Bearer challenge");
    assert!(challenge.starts_with("Bearer "), "{challenge}");
    assert_metadata(
        &error,
        &documented("invalid_token", ErrorEndpoint::Userinfo),
    );
}

#[tokio::test]
async fn userinfo_takes_the_access_token_in_the_query_string_only() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let (login, _) = login(&client, request(), test_users::MALCOLM).await;
    let token = login.access_token().secret().to_owned();
    let endpoint = sandbox.endpoints().userinfo.expect("userinfo");
    assert_eq!(endpoint.path(), USERINFO_PATH);

    // The sandbox, like ID.me, does not look for the token in a header...
    let http = reqwest::Client::new();
    let in_header = http
        .get(endpoint.clone())
        .bearer_auth(&token)
        .send()
        .await
        .expect("request");
    assert_eq!(in_header.status(), 401);
    let challenge = in_header
        .headers()
        .get("www-authenticate")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(challenge.contains("invalid_request"), "{challenge}");
    // ...only in the query, where the document's curl example puts it.
    let mut in_query = endpoint.clone();
    in_query
        .query_pairs_mut()
        .append_pair("access_token", &token);
    let answer = http.get(in_query).send().await.expect("request");
    assert_eq!(answer.status(), 200);
    let by_hand: Value = serde_json::from_str(&answer.text().await.expect("body")).expect("json");
    assert_eq!(by_hand, fixture());

    // So the client's success means it sent the token in the query.
    let userinfo = client.userinfo(&login).await.expect("userinfo");
    assert_eq!(serde_json::to_value(&userinfo).expect("json"), fixture());

    // And what it sends, exactly: a GET with the token in the query, no
    // Authorization header, no body, no JSONP `callback`.
    let recorder = FakeProvider::start(vec![(USERINFO_PATH, Answer::Json(USERINFO))]).await;
    let mut endpoints = sandbox.endpoints();
    endpoints.userinfo = Some(recorder.url(USERINFO_PATH));
    let recorded = client_for(endpoints, &registered());
    recorded.userinfo(&login).await.expect("userinfo");
    let received = recorder.received();
    assert_eq!(received.len(), 1, "{received:?}");
    let request = &received[0];
    assert_eq!(request.method, "GET");
    assert_eq!(request.path(), USERINFO_PATH);
    assert_eq!(request.query(), [("access_token".to_owned(), token)]);
    assert_eq!(request.header("authorization"), None);
    assert!(request.body.is_empty());
}

#[tokio::test]
async fn refresh_gives_new_tokens_that_userinfo_accepts() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let (login, _) = login(&client, request(), test_users::MALCOLM).await;
    let refreshed = client.refresh(&login).await.expect("refresh");

    let (old, new) = (login.tokens(), refreshed.tokens());
    assert_ne!(new.access_token.secret(), old.access_token.secret());
    let old_refresh = old.refresh_token.as_ref().expect("a refresh token");
    let new_refresh = new.refresh_token.as_ref().expect("a refresh token");
    assert_ne!(new_refresh.secret(), old_refresh.secret(), "rotated");
    assert_eq!(new.expires_in, Some(Duration::from_secs(300)));
    assert_eq!(new.refresh_expires_in, Some(Duration::from_secs(604_800)));
    assert_eq!(new.scope.as_deref(), Some("fortified/covid/verify"));
    assert_eq!(refreshed.requested_scope(), login.requested_scope());
    assert!(refreshed.id_token_claims().is_none());

    let userinfo = client.userinfo(&refreshed).await.expect("userinfo");
    assert_eq!(serde_json::to_value(&userinfo).expect("json"), fixture());
    // The access token really is the new one.
    let with_new = client
        .userinfo_with(refreshed.access_token(), None)
        .await
        .expect("the new access token works");
    assert!(with_new == userinfo);

    // The refresh token was rotated: the old one is refused, the new one works.
    let error = client.refresh(&login).await.expect_err("rotated away");
    assert_eq!(
        error.provider_error().expect("provider").kind(),
        &ErrorCode::Token(TokenErrorCode::InvalidGrant)
    );
    let again = client.refresh(&refreshed).await.expect("refresh again");
    client.userinfo(&again).await.expect("userinfo");
}

#[tokio::test]
async fn a_login_is_tokens_only_no_id_token_is_validated() {
    let sandbox = sandbox().await;
    let client = client(&sandbox);
    let (login, _) = login(&client, request(), test_users::MALCOLM).await;
    assert!(login.id_token_claims().is_none());
    assert!(login.tokens().id_token.is_none());
    assert!(login.tokens().token_type.eq_ignore_ascii_case("bearer"));
    assert!(!login.access_token().secret().is_empty());
    assert!(login.refresh_token().is_some());
    assert_eq!(login.requested_scope(), "fortified/covid/verify");
    // Who the user is comes from userinfo: the uuid attribute.
    let userinfo = client.userinfo(&login).await.expect("userinfo");
    assert_eq!(
        userinfo.uuid.as_deref(),
        Some("d733a89e2e634f04ac2fe66c97f71612")
    );
}
