//! The generated Mobile ID client end to end against a certified OpenID Provider
//! (node-oidc-provider, configured from specs/mobileid.yaml by tests/op/server.mjs):
//! PAR with acr_values and login_hint, code exchange, ID token validation, userinfo
//! (JSON and signed), refresh, and rejected requests decoded into typed errors.

use idspec::mobileid::{
    test_users, Acr, Amr, AuthorizationRequest, Client, ErrorCode, Hint, LoginHint, Scope, UiLocale,
};
use idspec::runtime::callback::CallbackError;
use idspec::runtime::{
    ClientAuthMethod, Endpoints, Error, ErrorMetadata, HttpClient, OAuthErrorCode,
};
use idspec_testkit::{follow_to_redirect_uri, OpenIdProvider};
use url::Url;

const REDIRECT_URI: &str = "https://rp.example.test/callback";

fn client(op: &OpenIdProvider, id: &str, secret: &str, auth: ClientAuthMethod) -> Client {
    // The one relaxation a test provider needs: plain http, on loopback only.
    let http = HttpClient::builder()
        .allow_loopback_http(true)
        .build()
        .expect("http client");
    Client::builder(Endpoints::discover(op.issuer_identifier()).expect("issuer URL"))
        .client_id(id)
        .client_secret(secret)
        .client_auth(auth)
        .redirect_uri(REDIRECT_URI)
        .http_client(http)
        .build()
        .expect("a valid client configuration")
}

fn basic_client(op: &OpenIdProvider) -> Client {
    client(
        op,
        "mobileid-basic",
        "mobileid-basic-secret",
        ClientAuthMethod::ClientSecretBasic,
    )
}

fn pushed_request(msisdn: &str) -> idspec::mobileid::AuthorizationRequest<idspec::runtime::Pushed> {
    AuthorizationRequest::new()
        .scopes([
            Scope::Profile,
            Scope::Phone,
            Scope::MidLocation,
            Scope::MidProfile,
            Scope::OfflineAccess,
        ])
        .ui_locales(UiLocale::De)
        .pushed()
        .acr_values(Acr::MidAl3Any)
        .login_hint(LoginHint::new(vec![Hint::new(msisdn)]))
        .dtbd("Do you want to login to #CLIENT#? Session-ID is #CODE#")
}

fn query_param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

#[tokio::test]
async fn pushed_login_userinfo_and_refresh() {
    let op = OpenIdProvider::start().await;
    let client = basic_client(&op);

    let start = client
        .start(pushed_request(test_users::ROBOT_RSA))
        .await
        .unwrap_or_else(|e| panic!("PAR refused: {e}\n{}", op.log_tail()));
    let authorization_endpoint = op.endpoint("/oidc/authorize");
    assert!(
        start
            .url
            .as_str()
            .starts_with(authorization_endpoint.as_str()),
        "{}",
        start.url
    );
    // Only the request_uri reaches the browser: the PAR-only parameters stay on the back channel.
    assert!(query_param(&start.url, "request_uri")
        .is_some_and(|uri| uri.starts_with("urn:ietf:params:oauth:request_uri:")));
    for hidden in [
        "login_hint",
        "acr_values",
        "dtbd",
        "state",
        "nonce",
        "code_challenge",
    ] {
        assert_eq!(
            query_param(&start.url, hidden),
            None,
            "{hidden} leaked into the front channel"
        );
    }

    let callback = follow_to_redirect_uri(&start.url, REDIRECT_URI).await;
    assert_eq!(
        query_param(&callback, "iss").as_deref(),
        Some(op.issuer_identifier())
    );
    let login = client
        .complete(callback.as_str())
        .await
        .unwrap_or_else(|e| panic!("login failed: {e}\n{}", op.log_tail()));

    let claims = login.claims();
    assert_eq!(claims.acr, Some(Acr::MidAl3Any));
    assert!(
        claims
            .amr
            .as_ref()
            .is_some_and(|amr| amr.contains(&Amr::MidSim)),
        "amr: {:?}",
        claims.amr
    );
    assert_eq!(claims.iss, op.issuer_identifier());
    assert!(claims.aud.contains("mobileid-basic"));
    assert_eq!(login.subject(), Some(claims.sub.as_str()));
    assert!(login.refresh_token().is_some(), "a refresh token is issued");

    let userinfo = client.userinfo(&login).await.expect("userinfo");
    assert_eq!(userinfo.sub, claims.sub);
    assert_eq!(
        userinfo.phone_number.as_deref(),
        Some(test_users::ROBOT_RSA)
    );
    assert_eq!(userinfo.phone_number_verified, Some(true));
    assert_eq!(userinfo.name.as_deref(), Some(test_users::ROBOT_RSA));
    // Sent as the string "1.0"; the spec's `accept: [string]` makes it a number.
    assert_eq!(userinfo.mid_geo_device_confidence, Some(1.0));
    assert_eq!(userinfo.mid_geo_location_confidence, Some(1.0));
    assert_eq!(userinfo.mid_geo_country.as_deref(), Some("CH"));
    assert_eq!(
        userinfo.mid_profile_serial.as_deref(),
        Some("MIDCHEYUD1YE4QB1")
    );
    assert!(userinfo
        .mid_profile_sscds
        .as_ref()
        .is_some_and(|v| v.is_object()));
    // Debug names the claims, never their values.
    let printed = format!("{userinfo:?} {login:?}");
    assert!(!printed.contains(test_users::ROBOT_RSA), "{printed}");
    assert!(
        !printed.contains(login.access_token().secret()),
        "{printed}"
    );

    let refreshed = client.refresh(&login).await.expect("refresh");
    assert_ne!(
        refreshed.access_token().secret(),
        login.access_token().secret()
    );
    assert_eq!(refreshed.subject(), login.subject());
    assert_eq!(refreshed.claims().acr, Some(Acr::MidAl3Any));
    let again = client
        .userinfo(&refreshed)
        .await
        .expect("userinfo with the refreshed token");
    assert_eq!(again.sub, claims.sub);

    // The flow was consumed: the same callback cannot complete a second login.
    let replay = client
        .complete(callback.as_str())
        .await
        .expect_err("a replayed callback is refused");
    assert!(
        matches!(replay, Error::Callback(CallbackError::UnknownState)),
        "{replay:?}"
    );
}

#[tokio::test]
async fn front_channel_login_with_client_secret_post_and_signed_userinfo() {
    let op = OpenIdProvider::start().await;
    let post = client(
        &op,
        "mobileid-post",
        "mobileid-post-secret",
        ClientAuthMethod::ClientSecretPost,
    );
    let request = AuthorizationRequest::new()
        .scope(Scope::Phone)
        .ui_locales(UiLocale::Fr);
    let start = post.start(request).await.expect("start");
    assert_eq!(query_param(&start.url, "ui_locales").as_deref(), Some("fr"));
    assert_eq!(
        query_param(&start.url, "code_challenge_method").as_deref(),
        Some("S256")
    );
    assert_eq!(
        query_param(&start.url, "scope").as_deref(),
        Some("openid phone")
    );
    let callback = follow_to_redirect_uri(&start.url, REDIRECT_URI).await;
    let login = post
        .complete(callback.as_str())
        .await
        .expect("login with client_secret_post");
    assert!(login.claims().sub.len() == 64);

    let signed = client(
        &op,
        "mobileid-jwt",
        "mobileid-jwt-secret",
        ClientAuthMethod::ClientSecretBasic,
    );
    let start = signed
        .start(AuthorizationRequest::new().scope(Scope::Phone))
        .await
        .expect("start");
    let callback = follow_to_redirect_uri(&start.url, REDIRECT_URI).await;
    let login = signed.complete(callback.as_str()).await.expect("login");
    let userinfo = signed
        .userinfo(&login)
        .await
        .expect("signed userinfo verified");
    assert_eq!(userinfo.sub, login.claims().sub);
    assert!(userinfo.phone_number.is_some());
}

#[tokio::test]
async fn pushed_requests_rejected_by_mobile_id_rules_decode_to_typed_errors() {
    let op = OpenIdProvider::start().await;
    let client = basic_client(&op);

    // Empty hints: mid_req_1050, answered in Mobile ID's own errorCode/description format.
    let empty = AuthorizationRequest::new()
        .pushed()
        .login_hint(LoginHint::new(Vec::new()));
    let error = client
        .start(empty)
        .await
        .expect_err("empty hints are refused");
    let provider = error.provider_error().expect("a provider error");
    assert_eq!(provider.kind(), &ErrorCode::LoginHintEmptyHints);
    assert_eq!(error.code(), "mid_req_1050");
    assert_eq!(
        provider.oauth_error(),
        Some(&OAuthErrorCode::InvalidRequest)
    );
    assert_eq!(provider.category(), Some("req"));
    assert_eq!(
        error.message(),
        Some("Invalid login_hint, empty hints are not allowed")
    );
    let trace = provider.trace_id().expect("a trace id");
    assert_eq!(trace.len(), 8);
    assert_eq!(provider.raw().map(|raw| raw.status), Some(400));
    assert!(error.to_string().contains(trace), "{error}");

    // AL4 with manual input: mid_req_1060.
    let al4 = AuthorizationRequest::new()
        .pushed()
        .acr_values(Acr::MidAl4Any)
        .login_hint(
            LoginHint::new(vec![Hint::new("+41791234567").with_sn("MIDCHEYUD1YE4QB1")])
                .with_enable_manual_input(true),
        );
    let error = client
        .start(al4)
        .await
        .expect_err("AL4 with manual input is refused");
    assert_eq!(
        error.provider_error().map(|e| e.kind()),
        Some(&ErrorCode::LoginHintAl4ManualInput)
    );

    // A wrong secret: the provider's own invalid_client, which Mobile ID does not
    // document, kept whole in the sealed catch-all.
    let wrong = client_with_secret(&op, "not-the-secret");
    let error = wrong
        .start(pushed_request("+41791234567"))
        .await
        .expect_err("wrong secret");
    let provider = error.provider_error().expect("a provider error");
    assert!(matches!(provider.kind(), ErrorCode::Unhandled(_)));
    assert_eq!(error.code(), "invalid_client");
    assert_eq!(provider.raw().map(|raw| raw.status), Some(401));
    assert!(!error.to_string().contains("not-the-secret"));
}

fn client_with_secret(op: &OpenIdProvider, secret: &str) -> Client {
    client(
        op,
        "mobileid-basic",
        secret,
        ClientAuthMethod::ClientSecretBasic,
    )
}

#[tokio::test]
async fn test_users_end_in_their_documented_errors() {
    let op = OpenIdProvider::start().await;
    let client = basic_client(&op);
    for (msisdn, expected) in [
        (test_users::USER_CANCEL, ErrorCode::AuthenticationRejected),
        (test_users::PIN_BLOCKED, ErrorCode::AuthenticationFailed),
        (test_users::NO_KEY_FOUND, ErrorCode::NoAuthenticationMethod),
        (
            test_users::PB_SIGNATURE_PROCESS,
            ErrorCode::SignatureCmsValidationFailed,
        ),
    ] {
        let start = client.start(pushed_request(msisdn)).await.expect("start");
        let callback = follow_to_redirect_uri(&start.url, REDIRECT_URI).await;
        let error = client
            .complete(callback.as_str())
            .await
            .expect_err("the test user fails");
        let provider = error
            .provider_error()
            .unwrap_or_else(|| panic!("{msisdn}: {error:?}"));
        assert_eq!(provider.kind(), &expected, "{msisdn}");
        assert_eq!(provider.oauth_error(), Some(&OAuthErrorCode::AccessDenied));
        assert_eq!(provider.category(), Some("auth"));
        assert!(provider.trace_id().is_some());
    }
}

#[tokio::test]
async fn forged_callbacks_are_refused() {
    let op = OpenIdProvider::start().await;
    let client = basic_client(&op);

    let start = client
        .start(AuthorizationRequest::new())
        .await
        .expect("start");
    let callback = follow_to_redirect_uri(&start.url, REDIRECT_URI).await;

    // Another issuer in `iss`: the RFC 9207 mix-up defence.
    let mut mixed_up = callback.clone();
    let pairs: Vec<(String, String)> = callback
        .query_pairs()
        .map(|(k, v)| {
            let value = if k == "iss" {
                "https://attacker.example".to_owned()
            } else {
                v.into_owned()
            };
            (k.into_owned(), value)
        })
        .collect();
    mixed_up.query_pairs_mut().clear().extend_pairs(pairs);
    let error = client
        .complete(mixed_up.as_str())
        .await
        .expect_err("iss mismatch");
    assert!(
        matches!(error, Error::Callback(CallbackError::IssuerMismatch)),
        "{error:?}"
    );

    // A state this client never issued.
    let error = client
        .complete("code=abc&state=forged")
        .await
        .expect_err("unknown state");
    assert!(
        matches!(error, Error::Callback(CallbackError::UnknownState)),
        "{error:?}"
    );
    assert_eq!(error.code(), "callback_unknown_state");

    // No iss at all: Mobile ID always sends one, so its absence is an attack or a bug.
    let start = client
        .start(AuthorizationRequest::new())
        .await
        .expect("start");
    let callback = follow_to_redirect_uri(&start.url, REDIRECT_URI).await;
    let without_iss: Vec<(String, String)> = callback
        .query_pairs()
        .filter(|(k, _)| k != "iss")
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    let query = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(without_iss)
        .finish();
    let error = client.complete(&query).await.expect_err("missing iss");
    assert!(
        matches!(error, Error::Callback(CallbackError::MissingIssuer)),
        "{error:?}"
    );
}
