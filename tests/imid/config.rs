//! The configuration imID requires, checked when the client is built: the callback
//! URL (the redirect URI, where notifications arrive) is https on port 443 and
//! nothing else, and the audience imID assigned is configured.

use idspec::imid;
use idspec::runtime::{ConfigError, ErrorMetadata, HttpClient};

use crate::support::{keys, AUDIENCE, CLIENT_ID, SECRET};

/// A production client with imID's credentials and `redirect_uri`.
fn builder(redirect_uri: &str, loopback_opt_in: bool) -> imid::ClientBuilder {
    let http = HttpClient::builder()
        .allow_loopback_http(loopback_opt_in)
        .build()
        .expect("http client");
    imid::Client::builder(imid::Environment::Production)
        .http_client(http)
        .client_id(CLIENT_ID)
        .client_secret(SECRET)
        .audience(AUDIENCE)
        .keys(keys(Some("RS512")).0)
        .redirect_uri(redirect_uri)
}

#[test]
fn the_callback_url_must_be_https_on_port_443() {
    let error = builder("https://rp.example.am:8443/cb?session=secret", false)
        .build()
        .expect_err("port 8443 is refused");
    assert!(
        matches!(error, ConfigError::NotificationUrl { .. }),
        "{error:?}"
    );
    assert_eq!(error.code(), "notification_url_refused");
    let shown = error.to_string();
    assert!(shown.contains("443"), "{shown}");
    assert!(shown.contains("https://rp.example.am:8443/cb"), "{shown}");
    assert!(!shown.contains("secret"), "the query is left out: {shown}");

    for loopback_opt_in in [false, true] {
        let error = builder("http://rp.example.am/cb", loopback_opt_in)
            .build()
            .expect_err("plain http is refused");
        assert!(
            matches!(
                error,
                ConfigError::InsecureUrl { .. } | ConfigError::NotificationUrl { .. }
            ),
            "{error:?}"
        );
    }

    builder("https://rp.example.am/cb", false)
        .build()
        .expect("https on the default port builds");
    builder("https://rp.example.am:443/cb", false)
        .build()
        .expect("https on 443 spelled out builds");
}

#[test]
fn plain_http_on_loopback_is_for_the_sandbox_only() {
    builder("http://127.0.0.1:8080/imid/notification", true)
        .build()
        .expect("a loopback notification URL builds with the opt-in");
    builder("http://127.0.0.1:8080/imid/notification", false)
        .build()
        .expect_err("not without it");
}

#[test]
fn the_assigned_audience_is_required() {
    let http = HttpClient::builder().build().expect("http client");
    let without = |audience: Option<&str>| {
        let builder = imid::Client::builder(imid::Environment::Production)
            .http_client(http.clone())
            .client_id(CLIENT_ID)
            .client_secret(SECRET)
            .keys(keys(Some("RS512")).0)
            .redirect_uri("https://rp.example.am/cb");
        match audience {
            Some(audience) => builder.audience(audience),
            None => builder,
        }
        .build()
    };
    let error = without(None).expect_err("no audience");
    assert_eq!(error, ConfigError::MissingAudience);
    assert_eq!(error.code(), "missing_audience");
    assert_eq!(
        without(Some("")).expect_err("an empty audience"),
        ConfigError::MissingAudience
    );
    without(Some(AUDIENCE)).expect("with the audience");
}
