//! Token revocation (RFC 7009): telling the provider that a token is no longer
//! needed, at logout or when a relying party drops a user's session.
//!
//! The request is authenticated exactly as at the token endpoint (a JWT assertion
//! names the revocation endpoint as its audience), and the provider's errors are
//! decoded with its dialect, so a documented code (`unsupported_token_type`)
//! arrives typed. The token itself is only ever in the form body: never in a URL,
//! a log field or an error.

use super::client_auth::authenticate;
use super::resolve::Endpoint;
use super::{Client, Form, Provider, Result};
use crate::error::EndpointKind;
use crate::secret::{AccessToken, RefreshToken};

mod sealed {
    /// What the revocation request needs of a token. Private, so that only the
    /// runtime's token types are revocable and nothing else can ask for the value.
    pub trait Sealed {
        /// The `token_type_hint` (RFC 7009 2.1; the names are RFC 7009 4.1.2's).
        fn type_hint(&self) -> &'static str;
        /// The token as issued.
        fn value(&self) -> &str;
    }
}

/// A token [`Client::revoke`] takes: an [`AccessToken`] (sent with
/// `token_type_hint=access_token`) or a [`RefreshToken`]
/// (`token_type_hint=refresh_token`). Sealed: the runtime's token types are the only
/// ones.
pub trait RevocableToken: sealed::Sealed {}

impl sealed::Sealed for AccessToken {
    fn type_hint(&self) -> &'static str {
        "access_token"
    }
    fn value(&self) -> &str {
        self.secret()
    }
}
impl RevocableToken for AccessToken {}

impl sealed::Sealed for RefreshToken {
    fn type_hint(&self) -> &'static str {
        "refresh_token"
    }
    fn value(&self) -> &str {
        self.secret()
    }
}
impl RevocableToken for RefreshToken {}

impl<P: Provider> Client<P> {
    /// Revokes an access token or a refresh token at the provider's revocation
    /// endpoint (RFC 7009): `client.revoke(login.access_token())`, or
    /// `client.revoke(refresh_token)`. Revoking a refresh token usually ends the
    /// whole grant, its access tokens included (RFC 7009 2.1).
    ///
    /// Success means the provider no longer honours the token, which includes a
    /// token it did not know or that had already expired (RFC 7009 2.2: it answers
    /// 200 to those too). The endpoint comes from the environment's configuration
    /// or the discovery document's `revocation_endpoint`; without either this fails
    /// with [`ConfigError::MissingEndpoint`](crate::ConfigError::MissingEndpoint)
    /// before anything is sent. An error the provider reports (such as
    /// `unsupported_token_type`) is an [`Error::Provider`](crate::Error::Provider)
    /// decoded with its dialect.
    #[tracing::instrument(
        name = "idspec.revoke",
        skip_all,
        fields(provider = P::PROFILE.id, token_type_hint = sealed::Sealed::type_hint(token))
    )]
    pub async fn revoke<T: RevocableToken>(&self, token: &T) -> Result<(), P> {
        let endpoint = self.inner.resolver.endpoint(Endpoint::Revocation).await?;
        let mut form: Form = vec![
            ("token".into(), token.value().to_owned()),
            ("token_type_hint".into(), token.type_hint().to_owned()),
        ];
        let request = self.inner.http.request(reqwest::Method::POST, &endpoint);
        // A JWT assertion names the endpoint it authenticates to as its audience,
        // this one, not the token endpoint (RFC 7523 3; itsme says the same).
        let request = authenticate(&self.inner, request, &mut form, endpoint.as_str())?;
        let raw = self
            .inner
            .http
            .execute(EndpointKind::Revocation, request.form(&form))
            .await?;
        // RFC 7009 2.2 says 200; any 2xx (a 204 from some providers) means the same,
        // and reporting a done revocation as failed would only make callers retry.
        if (200..300).contains(&raw.status) {
            tracing::debug!("token revoked");
            return Ok(());
        }
        Err(self.endpoint_error(EndpointKind::Revocation, raw))
    }
}

#[cfg(test)]
mod tests {
    use std::sync::{Arc, Mutex};

    use base64::Engine as _;
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    use tokio::net::TcpListener;
    use url::Url;

    use super::*;
    use crate::config::ConfigError;
    use crate::error::{Error, ErrorMetadata, GenericErrorCode, OAuthErrorCode, ResponseProblem};
    use crate::http::HttpClient;
    use crate::profile::{ClientAuthMethod, Endpoints, Family, ProviderProfile};
    use crate::values::NoIdToken;

    const TOKEN: &str = "SlAV32hkKG-an-access-token-only-the-form-may-carry";
    const SECRET: &str = "a-client-secret-of-at-least-32-bytes-0123456789";

    #[derive(Clone, Debug)]
    struct TestScope;
    impl crate::values::ScopeValue for TestScope {
        fn wire(&self) -> std::borrow::Cow<'_, str> {
            "openid".into()
        }
    }

    struct TestProvider;
    static PROFILE: ProviderProfile = ProviderProfile::for_tests(
        Family::Oauth2,
        &[
            ClientAuthMethod::ClientSecretBasic,
            ClientAuthMethod::ClientSecretPost,
            ClientAuthMethod::ClientSecretJwt,
        ],
        ClientAuthMethod::ClientSecretPost,
    );
    impl Provider for TestProvider {
        type ErrorCode = GenericErrorCode;
        type Scope = TestScope;
        type IdTokenClaims = NoIdToken;
        type UserInfo = NoIdToken;
        const PROFILE: &'static ProviderProfile = &PROFILE;
    }

    /// One request as the provider received it.
    #[derive(Debug, Default)]
    struct Seen {
        head: String,
        form: Vec<(String, String)>,
    }

    impl Seen {
        fn param(&self, name: &str) -> Option<&str> {
            self.form
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
        }
    }

    /// A provider answering every request with `status` and `body`, keeping what it
    /// was sent.
    async fn provider(status: u16, body: &'static str) -> (Url, Arc<Mutex<Vec<Seen>>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base = Url::parse(&format!("http://{}/", listener.local_addr().unwrap())).unwrap();
        let seen = Arc::new(Mutex::new(Vec::new()));
        let log = Arc::clone(&seen);
        tokio::spawn(async move {
            while let Ok((mut stream, _)) = listener.accept().await {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                let (head, body_start) = loop {
                    let n = stream.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        return;
                    }
                    request.extend_from_slice(&buf[..n]);
                    if let Some(at) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                        break (String::from_utf8_lossy(&request[..at]).into_owned(), at + 4);
                    }
                };
                let length: usize = head
                    .lines()
                    .find_map(|l| {
                        let (name, value) = l.split_once(':')?;
                        name.eq_ignore_ascii_case("content-length")
                            .then(|| value.trim().parse().ok())?
                    })
                    .unwrap_or(0);
                while request.len() < body_start + length {
                    let n = stream.read(&mut buf).await.unwrap_or(0);
                    if n == 0 {
                        break;
                    }
                    request.extend_from_slice(&buf[..n]);
                }
                let form = url::form_urlencoded::parse(&request[body_start..])
                    .map(|(k, v)| (k.into_owned(), v.into_owned()))
                    .collect();
                log.lock().unwrap().push(Seen { head, form });
                let response = format!(
                    "HTTP/1.1 {status} Canned\r\nconnection: close\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\r\n{body}",
                    body.len()
                );
                let _ = stream.write_all(response.as_bytes()).await;
                let _ = stream.shutdown().await;
            }
        });
        (base, seen)
    }

    fn client(base: &Url, auth: ClientAuthMethod, revocation: bool) -> Client<TestProvider> {
        let endpoints = Endpoints {
            token: Some(base.join("token").unwrap()),
            revocation: revocation.then(|| base.join("revoke").unwrap()),
            ..Endpoints::default()
        };
        Client::<TestProvider>::builder(endpoints)
            .client_id("rp")
            .client_secret(SECRET)
            .client_auth(auth)
            .redirect_uri("http://127.0.0.1/cb")
            .http_client(
                HttpClient::builder()
                    .allow_loopback_http(true)
                    .build()
                    .unwrap(),
            )
            .build()
            .unwrap()
    }

    #[tokio::test]
    async fn an_access_token_is_revoked_with_its_hint_and_the_client_credentials() {
        let (base, seen) = provider(200, "").await;
        let client = client(&base, ClientAuthMethod::ClientSecretPost, true);
        client.revoke(&AccessToken::new(TOKEN)).await.unwrap();
        let seen = seen.lock().unwrap();
        assert_eq!(seen.len(), 1);
        assert!(
            seen[0].head.starts_with("POST /revoke "),
            "{}",
            seen[0].head
        );
        assert!(
            !seen[0].head.contains(TOKEN),
            "the token is in the body only"
        );
        assert_eq!(seen[0].param("token"), Some(TOKEN));
        assert_eq!(seen[0].param("token_type_hint"), Some("access_token"));
        assert_eq!(seen[0].param("client_id"), Some("rp"));
        assert_eq!(seen[0].param("client_secret"), Some(SECRET));
    }

    #[tokio::test]
    async fn a_refresh_token_is_revoked_with_its_hint() {
        let (base, seen) = provider(200, "").await;
        let client = client(&base, ClientAuthMethod::ClientSecretBasic, true);
        client
            .revoke(&RefreshToken::new("a-refresh-token"))
            .await
            .unwrap();
        let seen = seen.lock().unwrap();
        assert_eq!(seen[0].param("token"), Some("a-refresh-token"));
        assert_eq!(seen[0].param("token_type_hint"), Some("refresh_token"));
        assert!(
            seen[0]
                .head
                .lines()
                .any(|l| l.to_ascii_lowercase().starts_with("authorization: basic ")),
            "{}",
            seen[0].head
        );
        assert_eq!(seen[0].param("client_secret"), None);
    }

    #[tokio::test]
    async fn a_client_assertion_names_the_revocation_endpoint() {
        let (base, seen) = provider(200, "").await;
        let client = client(&base, ClientAuthMethod::ClientSecretJwt, true);
        client.revoke(&AccessToken::new(TOKEN)).await.unwrap();
        let seen = seen.lock().unwrap();
        let assertion = seen[0].param("client_assertion").expect("an assertion");
        let payload = assertion.split('.').nth(1).unwrap();
        let claims: serde_json::Value = serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .unwrap(),
        )
        .unwrap();
        assert_eq!(claims["aud"], base.join("revoke").unwrap().as_str());
    }

    #[tokio::test]
    async fn the_providers_error_arrives_typed_without_the_token() {
        let (base, _) = provider(
            400,
            r#"{"error":"unsupported_token_type","error_description":"the token cannot be revoked"}"#,
        )
        .await;
        let client = client(&base, ClientAuthMethod::ClientSecretPost, true);
        let error = client.revoke(&AccessToken::new(TOKEN)).await.unwrap_err();
        let Error::Provider(provider) = &error else {
            panic!("{error:?}");
        };
        assert_eq!(provider.endpoint(), EndpointKind::Revocation);
        assert_eq!(error.code(), "unsupported_token_type");
        assert_eq!(
            provider.oauth_error(),
            Some(&OAuthErrorCode::Other("unsupported_token_type".into()))
        );
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains(TOKEN), "{shown}");
        assert!(!shown.contains(SECRET), "{shown}");
    }

    #[tokio::test]
    async fn a_status_without_an_error_body_is_a_response_error() {
        let (base, _) = provider(503, "<html>maintenance</html>").await;
        let client = client(&base, ClientAuthMethod::ClientSecretPost, true);
        let error = client.revoke(&AccessToken::new(TOKEN)).await.unwrap_err();
        assert!(
            matches!(&error, Error::Response(r) if r.problem() == ResponseProblem::Status
                && r.endpoint() == EndpointKind::Revocation),
            "{error:?}"
        );
        assert!(!format!("{error} {error:?}").contains(TOKEN));
    }

    #[tokio::test]
    async fn without_a_revocation_endpoint_nothing_is_sent() {
        let (base, seen) = provider(200, "").await;
        let client = client(&base, ClientAuthMethod::ClientSecretPost, false);
        let error = client.revoke(&AccessToken::new(TOKEN)).await.unwrap_err();
        assert!(
            matches!(
                error,
                Error::Config(ConfigError::MissingEndpoint("revocation"))
            ),
            "{error:?}"
        );
        assert!(seen.lock().unwrap().is_empty());
    }
}
