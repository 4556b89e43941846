//! The sandbox's login page in a real browser: headless Chromium, driven over
//! WebDriver (`chromium`, tests/chromium/mod.rs, which installs Debian's Chromium on first use).
//!
//! A person types a phone number and approves, picks a scripted user, or
//! cancels; the generated Mobile ID client completes each callback. The
//! redirect URI `https://rp.example.test/callback` does not resolve: the
//! browser ends on its error page, whose URL is the callback the relying
//! party would have received.

use std::time::Duration;

use idspec::mobileid::{
    test_users, AuthorizationRequest, Client, ErrorCode, Hint, LoginHint, Scope,
};
use idspec::runtime::{Endpoints, Error, HttpClient, OAuthErrorCode};
use idspec_codegen::ValidatedSpec;
use idspec_sandbox::{Sandbox, SandboxOptions};
use idspec_testkit::chromium::Browser;
use url::Url;

const REDIRECT_URI: &str = "https://rp.example.test/callback";
/// A phone number that is not one of the spec's scripted users.
const PHONE: &str = "+41791234567";
/// From the click on the page to the browser showing the callback URL.
const CALLBACK_TIMEOUT: Duration = Duration::from_secs(10);

fn spec() -> ValidatedSpec {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/specs/mobileid.yaml");
    idspec_codegen::load_file(path).unwrap_or_else(|diagnostics| panic!("{path}: {diagnostics}"))
}

async fn sandbox(spec: &ValidatedSpec) -> Sandbox {
    Sandbox::start(spec, SandboxOptions::default())
        .await
        .unwrap_or_else(|err| panic!("the sandbox did not start: {err}"))
}

/// The generated client, registered with the sandbox by `SandboxOptions::default()`.
fn client(sandbox: &Sandbox) -> Client {
    let http = HttpClient::builder()
        .allow_loopback_http(true)
        .build()
        .expect("http client");
    Client::builder(Endpoints::discover(sandbox.issuer()).expect("issuer URL"))
        .client_id("sandbox-client")
        .client_secret("sandbox-secret")
        .redirect_uri(REDIRECT_URI)
        .http_client(http)
        .build()
        .expect("a valid client configuration")
}

/// Sandbox, client and browser, started together (Chromium's start overlaps
/// with the sandbox's), and the browser on the login page of a new login.
async fn login_page(
    request: impl Into<idspec::runtime::AuthorizationParams>,
) -> (ValidatedSpec, Sandbox, Client, Browser) {
    let spec = spec();
    let (sandbox, browser) = tokio::join!(sandbox(&spec), Browser::start());
    let client = client(&sandbox);
    let start = client
        .start(request)
        .await
        .unwrap_or_else(|err| panic!("start: {err}"));
    browser.goto(start.url.as_str()).await;
    (spec, sandbox, client, browser)
}

fn front_channel() -> AuthorizationRequest {
    AuthorizationRequest::new().scope(Scope::Phone)
}

/// Waits for the browser to reach the redirect URI, and checks the members
/// every callback has: `state` and `iss` (RFC 9207).
async fn callback(browser: &Browser, sandbox: &Sandbox) -> Url {
    let url = browser
        .wait_for_url(|url| url.starts_with(REDIRECT_URI), CALLBACK_TIMEOUT)
        .await;
    let url = Url::parse(&url).unwrap_or_else(|err| panic!("callback {url}: {err}"));
    assert!(param(&url, "state").is_some(), "no state in {url}");
    assert_eq!(
        param(&url, "iss").as_deref(),
        Some(sandbox.issuer()),
        "{url}"
    );
    url
}

fn param(url: &Url, name: &str) -> Option<String> {
    url.query_pairs()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value.into_owned())
}

/// `complete` fails with a provider error on the redirect; returns its code.
async fn completed_error(client: &Client, callback: &Url) -> (ErrorCode, Option<OAuthErrorCode>) {
    let error = client
        .complete(callback.as_str())
        .await
        .expect_err("the callback carries an error");
    let Error::Provider(provider) = &error else {
        panic!("expected the provider's error from {callback}, got {error:?}");
    };
    (provider.kind().clone(), provider.oauth_error().cloned())
}

#[tokio::test]
async fn a_person_types_a_phone_number_and_approves() {
    let (_spec, sandbox, client, browser) = login_page(front_channel()).await;

    let login = browser.find("#login").await;
    login.clear().await;
    login.send_keys(PHONE).await;
    assert_eq!(login.property("value").await.as_str(), Some(PHONE));
    browser.find("#approve").await.click().await;

    let callback = callback(&browser, &sandbox).await;
    assert!(param(&callback, "code").is_some(), "no code in {callback}");
    assert_eq!(param(&callback, "error"), None, "{callback}");
    let login = client
        .complete(callback.as_str())
        .await
        .unwrap_or_else(|err| panic!("complete({callback}): {err}"));
    let userinfo = client.userinfo(&login).await.expect("userinfo");
    assert_eq!(userinfo.phone_number.as_deref(), Some(PHONE));
}

#[tokio::test]
async fn picking_the_scripted_user_user_cancel_ends_in_its_documented_error() {
    let (_spec, sandbox, client, browser) = login_page(front_channel()).await;
    assert_eq!(test_users::USER_CANCEL, "+41000092401");

    browser
        .find(&format!(
            r#"button.user[value="{}"]"#,
            test_users::USER_CANCEL
        ))
        .await
        .click()
        .await;

    let callback = callback(&browser, &sandbox).await;
    assert_eq!(param(&callback, "code"), None, "{callback}");
    assert_eq!(param(&callback, "error").as_deref(), Some("access_denied"));
    let (code, oauth) = completed_error(&client, &callback).await;
    assert_eq!(code, ErrorCode::AuthenticationRejected, "{callback}");
    assert_eq!(oauth, Some(OAuthErrorCode::AccessDenied));
}

#[tokio::test]
async fn pressing_cancel_ends_in_access_denied() {
    let (_spec, sandbox, client, browser) = login_page(front_channel()).await;

    // What a person typed does not matter once they cancel.
    browser.find("#login").await.send_keys(PHONE).await;
    browser.find("#cancel").await.click().await;

    let callback = callback(&browser, &sandbox).await;
    assert_eq!(param(&callback, "code"), None, "{callback}");
    assert_eq!(param(&callback, "error").as_deref(), Some("access_denied"));
    // The spec's `sandbox.cancel`: Mobile ID's "rejected by resource owner".
    let (code, oauth) = completed_error(&client, &callback).await;
    assert_eq!(code, ErrorCode::AuthenticationRejected, "{callback}");
    assert_eq!(oauth, Some(OAuthErrorCode::AccessDenied));
}

/// The page a person sees for a pushed request with a login hint: the
/// provider's name, the hinted phone number filled in, and every scripted user
/// of the spec. A screenshot goes to `target/tmp/sandbox-login-page.png`.
#[tokio::test]
async fn the_page_names_the_provider_prefills_the_hint_and_lists_every_scripted_user() {
    let request = front_channel()
        .pushed()
        .login_hint(LoginHint::new(vec![Hint::new(test_users::ROBOT_RSA)]));
    let (spec, sandbox, client, browser) = login_page(request).await;

    let provider = &spec.spec().name;
    assert_eq!(provider, "Swisscom Mobile ID");
    let title = browser.title().await;
    assert!(title.contains(provider.as_str()), "title: {title:?}");
    let heading = browser.find("h1").await.text().await;
    assert!(heading.contains(provider.as_str()), "heading: {heading:?}");

    let login = browser.find("#login").await;
    assert_eq!(
        login.attribute("value").await.as_deref(),
        Some(test_users::ROBOT_RSA)
    );
    assert!(login.is_displayed().await, "the login field is hidden");
    for button in ["#approve", "#cancel"] {
        assert!(
            browser.find(button).await.is_displayed().await,
            "{button} is hidden"
        );
    }
    let form = browser.find("form#login-form").await;
    assert_eq!(form.attribute("method").await.as_deref(), Some("post"));

    let users = &spec
        .spec()
        .sandbox
        .as_ref()
        .expect("specs/mobileid.yaml has a sandbox section")
        .users;
    assert!(!users.is_empty());
    let buttons = browser.find_all("button.user").await;
    let mut listed = Vec::new();
    for button in &buttons {
        assert_eq!(button.attribute("name").await.as_deref(), Some("login_as"));
        assert!(button.is_displayed().await);
        listed.push((
            button.attribute("value").await.unwrap_or_default(),
            button.text().await,
        ));
    }
    let logins: Vec<&str> = listed.iter().map(|(login, _)| login.as_str()).collect();
    let expected: Vec<&str> = users.iter().map(|user| user.login.as_str()).collect();
    assert_eq!(logins, expected, "the scripted users' buttons");
    // Each user's constant name on its button, and its description on the page.
    let page_text = browser.find("body").await.text().await;
    for (user, (_, label)) in users.iter().zip(&listed) {
        assert!(
            label.contains(&user.name),
            "{}: button label {label:?}",
            user.login
        );
        if let Some(doc) = &user.doc {
            assert!(
                page_text.contains(doc.as_str()),
                "{}: {doc:?} is not on the page",
                user.login
            );
        }
    }

    // The whole page in the screenshot: the window as tall as the document.
    let height = browser
        .execute("return document.documentElement.scrollHeight;", vec![])
        .await
        .as_u64()
        .expect("the document's height");
    browser.set_window_size(1024, height as u32 + 160).await;
    let screenshot = browser.screenshot_png().await;
    let path = concat!(env!("CARGO_TARGET_TMPDIR"), "/sandbox-login-page.png");
    std::fs::write(path, &screenshot).unwrap_or_else(|err| panic!("writing {path}: {err}"));

    // The prefilled number is the one that logs in.
    browser.find("#approve").await.click().await;
    let callback = callback(&browser, &sandbox).await;
    let login = client
        .complete(callback.as_str())
        .await
        .unwrap_or_else(|err| panic!("complete({callback}): {err}"));
    let userinfo = client.userinfo(&login).await.expect("userinfo");
    assert_eq!(
        userinfo.phone_number.as_deref(),
        Some(test_users::ROBOT_RSA)
    );
}
