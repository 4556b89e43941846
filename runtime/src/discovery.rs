//! Provider metadata: OpenID Connect Discovery 1.0 and RFC 8414, with the PAR
//! (RFC 9126), `iss` response parameter (RFC 9207) and CIBA additions, fetched once
//! and cached.
//!
//! A discovery document decides where tokens and credentials are sent, so it is
//! checked before use: its `issuer` must be exactly the configured one (Discovery
//! 4.3, against a document that impersonates another provider) and every endpoint
//! must pass [`HttpClient::check_url`].

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Deserializer, Serialize};
use url::Url;

use crate::config::ConfigError;
use crate::error::{EndpointKind, RawResponse};
use crate::http::{HttpClient, HttpError};

/// How long a fetched document is used before it is fetched again, by default.
pub const DEFAULT_TTL: Duration = Duration::from_secs(60 * 60);

/// After a failed refresh, how long the previous document keeps being served before
/// the next attempt, so that an unavailable provider is not asked on every call.
const RETRY_AFTER_FAILURE: Duration = Duration::from_secs(60);

/// A provider's metadata document. Lists missing from the document are empty;
/// members this type does not name are kept in [`ProviderMetadata::other`].
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProviderMetadata {
    /// The issuer identifier; equals the configured issuer once validated.
    pub issuer: String,
    /// The authorization endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub authorization_endpoint: Option<Url>,
    /// The token endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub token_endpoint: Option<Url>,
    /// The userinfo endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub userinfo_endpoint: Option<Url>,
    /// Where the provider publishes its signing (and encryption) keys.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jwks_uri: Option<Url>,
    /// The dynamic client registration endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub registration_endpoint: Option<Url>,
    /// Supported scopes.
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub scopes_supported: Vec<String>,
    /// Supported `response_type` values.
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub response_types_supported: Vec<String>,
    /// Supported `response_mode` values.
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub response_modes_supported: Vec<String>,
    /// Supported grant types.
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub grant_types_supported: Vec<String>,
    /// Supported ACR values.
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub acr_values_supported: Vec<String>,
    /// Supported subject identifier types (`public`, `pairwise`).
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub subject_types_supported: Vec<String>,
    /// ID token signing algorithms, as sent (may include `none`, which we never accept).
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub id_token_signing_alg_values_supported: Vec<String>,
    /// ID token key-management algorithms.
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub id_token_encryption_alg_values_supported: Vec<String>,
    /// ID token content-encryption algorithms.
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub id_token_encryption_enc_values_supported: Vec<String>,
    /// Userinfo signing algorithms.
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub userinfo_signing_alg_values_supported: Vec<String>,
    /// Userinfo key-management algorithms.
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub userinfo_encryption_alg_values_supported: Vec<String>,
    /// Userinfo content-encryption algorithms.
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub userinfo_encryption_enc_values_supported: Vec<String>,
    /// Request object signing algorithms.
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub request_object_signing_alg_values_supported: Vec<String>,
    /// Request object key-management algorithms.
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub request_object_encryption_alg_values_supported: Vec<String>,
    /// Request object content-encryption algorithms.
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub request_object_encryption_enc_values_supported: Vec<String>,
    /// Client authentication methods at the token endpoint.
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub token_endpoint_auth_methods_supported: Vec<String>,
    /// Signing algorithms for `private_key_jwt` / `client_secret_jwt` assertions.
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub token_endpoint_auth_signing_alg_values_supported: Vec<String>,
    /// Supported `display` values.
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub display_values_supported: Vec<String>,
    /// Supported claim types (`normal`, `aggregated`, `distributed`).
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub claim_types_supported: Vec<String>,
    /// Claims the provider may release.
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub claims_supported: Vec<String>,
    /// Supported `claims_locales`.
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub claims_locales_supported: Vec<String>,
    /// Supported `ui_locales`.
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub ui_locales_supported: Vec<String>,
    /// Whether the `claims` request parameter is supported.
    #[serde(default, deserialize_with = "flag")]
    pub claims_parameter_supported: bool,
    /// Whether the `request` parameter is supported.
    #[serde(default, deserialize_with = "flag")]
    pub request_parameter_supported: bool,
    /// Whether the `request_uri` parameter is supported (defaults to true, as
    /// Discovery 3 says).
    #[serde(default = "yes", deserialize_with = "flag")]
    pub request_uri_parameter_supported: bool,
    /// Whether `request_uri` values must be pre-registered.
    #[serde(default, deserialize_with = "flag")]
    pub require_request_uri_registration: bool,
    /// Supported PKCE methods.
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub code_challenge_methods_supported: Vec<String>,
    /// The pushed authorization request endpoint (RFC 9126).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pushed_authorization_request_endpoint: Option<Url>,
    /// Whether authorization requests must be pushed (RFC 9126).
    #[serde(default, deserialize_with = "flag")]
    pub require_pushed_authorization_requests: bool,
    /// The revocation endpoint (RFC 7009).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revocation_endpoint: Option<Url>,
    /// Client authentication methods at the revocation endpoint.
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub revocation_endpoint_auth_methods_supported: Vec<String>,
    /// The introspection endpoint (RFC 7662).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub introspection_endpoint: Option<Url>,
    /// The RP-initiated logout endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub end_session_endpoint: Option<Url>,
    /// Whether the authorization response carries `iss` (RFC 9207).
    #[serde(default, deserialize_with = "flag")]
    pub authorization_response_iss_parameter_supported: bool,
    /// The backchannel authentication endpoint (CIBA).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub backchannel_authentication_endpoint: Option<Url>,
    /// CIBA token delivery modes (`poll`, `ping`, `push`).
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub backchannel_token_delivery_modes_supported: Vec<String>,
    /// Signing algorithms for signed CIBA requests.
    #[serde(
        default,
        deserialize_with = "list",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub backchannel_authentication_request_signing_alg_values_supported: Vec<String>,
    /// Whether CIBA's `user_code` is supported.
    #[serde(default, deserialize_with = "flag")]
    pub backchannel_user_code_parameter_supported: bool,
    /// Every other member, as sent.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

fn yes() -> bool {
    true
}

/// A list, with `null` read as empty: some providers send `null` for "none".
fn list<'de, D: Deserializer<'de>>(deserializer: D) -> Result<Vec<String>, D::Error> {
    Ok(Option::<Vec<String>>::deserialize(deserializer)?.unwrap_or_default())
}

/// A boolean, also accepted as `"true"` / `"false"` (seen in the wild); `null` is false.
fn flag<'de, D: Deserializer<'de>>(deserializer: D) -> Result<bool, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Flag {
        Bool(bool),
        Text(String),
    }
    match Option::<Flag>::deserialize(deserializer)? {
        None => Ok(false),
        Some(Flag::Bool(value)) => Ok(value),
        Some(Flag::Text(text)) => match text.as_str() {
            "true" => Ok(true),
            "false" => Ok(false),
            _ => Err(serde::de::Error::custom("expected a boolean")),
        },
    }
}

impl ProviderMetadata {
    /// A document for `issuer` with no endpoints and every list empty (for
    /// statically configured providers and for serving metadata, as a sandbox does).
    pub fn new(issuer: impl Into<String>) -> Self {
        let mut metadata =
            Self::from_json(b"{\"issuer\":\"\"}").expect("a document with only an issuer is valid");
        metadata.issuer = issuer.into();
        metadata
    }

    /// Parses a discovery document without validating it.
    pub fn from_json(body: &[u8]) -> Result<Self, serde_json::Error> {
        serde_json::from_slice(body)
    }

    /// Every endpoint the document names, with its member name.
    pub fn endpoints(&self) -> impl Iterator<Item = (&'static str, &Url)> {
        [
            ("authorization_endpoint", &self.authorization_endpoint),
            ("token_endpoint", &self.token_endpoint),
            ("userinfo_endpoint", &self.userinfo_endpoint),
            ("jwks_uri", &self.jwks_uri),
            ("registration_endpoint", &self.registration_endpoint),
            (
                "pushed_authorization_request_endpoint",
                &self.pushed_authorization_request_endpoint,
            ),
            ("revocation_endpoint", &self.revocation_endpoint),
            ("introspection_endpoint", &self.introspection_endpoint),
            ("end_session_endpoint", &self.end_session_endpoint),
            (
                "backchannel_authentication_endpoint",
                &self.backchannel_authentication_endpoint,
            ),
        ]
        .into_iter()
        .filter_map(|(name, url)| url.as_ref().map(|url| (name, url)))
    }

    /// Checks the document against the configuration: the issuer is exactly the
    /// expected one and every endpoint passes the client's URL policy.
    pub fn validate(&self, http: &HttpClient, expected_issuer: &str) -> Result<(), DiscoveryError> {
        // Byte-for-byte, as Discovery 4.3 requires: no trailing-slash or case leniency,
        // since the issuer is what ID tokens and RFC 9207 responses are checked against.
        if self.issuer != expected_issuer {
            return Err(DiscoveryError::IssuerMismatch {
                expected: expected_issuer.to_owned(),
                actual: self.issuer.clone(),
            });
        }
        for (name, url) in self.endpoints() {
            http.check_url(name, url)?;
        }
        Ok(())
    }
}

/// Discovery failed, or the document contradicts the configuration.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum DiscoveryError {
    /// The document could not be fetched.
    #[error("the discovery document could not be fetched")]
    Http(#[from] HttpError),
    /// The discovery URL or an endpoint in the document is not allowed.
    #[error(transparent)]
    InsecureUrl(#[from] ConfigError),
    /// The provider answered with a non-success status.
    #[error("the discovery endpoint answered HTTP {}", raw.status)]
    Status {
        /// The response.
        raw: Box<RawResponse>,
    },
    /// The document is not a valid metadata document.
    #[error("the discovery document is malformed: {reason}")]
    Malformed {
        /// What is wrong (from the JSON parser; the document is public).
        reason: String,
        /// The response.
        raw: Box<RawResponse>,
    },
    /// The document names another issuer than the configured one.
    #[error(
        "the discovery document's issuer {actual:?} is not the configured issuer {expected:?}"
    )]
    IssuerMismatch {
        /// The configured issuer.
        expected: String,
        /// The issuer in the document.
        actual: String,
    },
}

impl DiscoveryError {
    /// The response the error came from, when there was one.
    pub fn raw(&self) -> Option<&RawResponse> {
        match self {
            Self::Status { raw } | Self::Malformed { raw, .. } => Some(raw),
            _ => None,
        }
    }
}

impl crate::ErrorMetadata for DiscoveryError {
    fn code(&self) -> &str {
        match self {
            Self::Http(e) => e.code(),
            Self::InsecureUrl(e) => e.code(),
            Self::Status { .. } => "discovery_status",
            Self::Malformed { .. } => "discovery_malformed",
            Self::IssuerMismatch { .. } => "discovery_issuer_mismatch",
        }
    }

    fn message(&self) -> Option<&str> {
        match self {
            Self::Http(e) => e.message(),
            Self::InsecureUrl(e) => e.message(),
            Self::Status { .. } => {
                Some("check the discovery URL; the provider may be temporarily unavailable")
            }
            Self::Malformed { .. } => {
                Some("the provider's discovery document is not valid metadata; report it to the provider")
            }
            Self::IssuerMismatch { .. } => Some(
                "the discovery URL belongs to another issuer; check the configured issuer and discovery URL",
            ),
        }
    }
}

/// Fetches and validates a discovery document, without caching.
pub async fn fetch_metadata(
    http: &HttpClient,
    discovery_url: &Url,
    expected_issuer: &str,
) -> Result<ProviderMetadata, DiscoveryError> {
    http.check_url("discovery URL", discovery_url)?;
    let request = http
        .request(reqwest::Method::GET, discovery_url)
        .header(reqwest::header::ACCEPT, "application/json");
    let raw = http.execute(EndpointKind::Discovery, request).await?;
    if !(200..300).contains(&raw.status) {
        return Err(DiscoveryError::Status { raw: Box::new(raw) });
    }
    let metadata = match ProviderMetadata::from_json(&raw.body) {
        Ok(metadata) => metadata,
        Err(e) => {
            return Err(DiscoveryError::Malformed {
                reason: e.to_string(),
                raw: Box::new(raw),
            })
        }
    };
    metadata.validate(http, expected_issuer)?;
    Ok(metadata)
}

/// A provider's discovery document, fetched on first use and kept for a TTL.
///
/// Concurrent callers share one fetch. When a refresh fails after the TTL, the
/// previous (already validated) document keeps being served and the refresh is
/// retried a minute later: a provider blip should not break every login.
/// Cheap to clone; clones share the cache.
#[derive(Clone, Debug)]
pub struct DiscoveryCache {
    http: HttpClient,
    discovery_url: Url,
    expected_issuer: Arc<str>,
    ttl: Duration,
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    /// The document and when it must be refreshed. A std mutex: held only to copy
    /// an `Arc`, never across an await.
    current: Mutex<Option<(Arc<ProviderMetadata>, Instant)>>,
    /// Held while fetching, so that concurrent callers wait for one fetch.
    fetching: tokio::sync::Mutex<()>,
}

impl DiscoveryCache {
    /// A cache for the document at `discovery_url`, whose `issuer` must equal
    /// `expected_issuer` exactly.
    pub fn new(http: HttpClient, discovery_url: Url, expected_issuer: impl Into<String>) -> Self {
        Self {
            http,
            discovery_url,
            expected_issuer: Arc::from(expected_issuer.into()),
            ttl: DEFAULT_TTL,
            shared: Arc::default(),
        }
    }

    /// How long a document is used before it is fetched again (default 1 h).
    pub fn ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// The discovery URL.
    pub fn discovery_url(&self) -> &Url {
        &self.discovery_url
    }

    /// The configured issuer.
    pub fn expected_issuer(&self) -> &str {
        &self.expected_issuer
    }

    /// The validated document: cached, or fetched now.
    pub async fn get(&self) -> Result<Arc<ProviderMetadata>, DiscoveryError> {
        if let Some(fresh) = self.fresh() {
            return Ok(fresh);
        }
        let _fetching = self.shared.fetching.lock().await;
        // Whoever held the lock before us may have fetched it already.
        if let Some(fresh) = self.fresh() {
            return Ok(fresh);
        }
        match fetch_metadata(&self.http, &self.discovery_url, &self.expected_issuer).await {
            Ok(metadata) => {
                let metadata = Arc::new(metadata);
                self.store(metadata.clone(), self.ttl);
                Ok(metadata)
            }
            Err(error) => match self.stale() {
                Some(stale) => {
                    tracing::warn!(error = %error, "discovery refresh failed; serving the previous document");
                    self.store(stale.clone(), RETRY_AFTER_FAILURE.min(self.ttl));
                    Ok(stale)
                }
                None => Err(error),
            },
        }
    }

    fn fresh(&self) -> Option<Arc<ProviderMetadata>> {
        let current = self
            .shared
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        current
            .as_ref()
            .filter(|(_, refresh_at)| Instant::now() < *refresh_at)
            .map(|(metadata, _)| metadata.clone())
    }

    fn stale(&self) -> Option<Arc<ProviderMetadata>> {
        let current = self
            .shared
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        current.as_ref().map(|(metadata, _)| metadata.clone())
    }

    fn store(&self, metadata: Arc<ProviderMetadata>, valid_for: Duration) {
        let mut current = self
            .shared
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner());
        *current = Some((metadata, Instant::now() + valid_for));
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::test_server::{Canned, TestServer};
    use crate::ErrorMetadata as _;

    fn http() -> HttpClient {
        HttpClient::builder()
            .allow_loopback_http(true)
            .build()
            .unwrap()
    }

    fn document(issuer: &str, base: &Url) -> String {
        serde_json::json!({
            "issuer": issuer,
            "authorization_endpoint": base.join("/authorize").unwrap(),
            "token_endpoint": base.join("/token").unwrap(),
            "jwks_uri": base.join("/jwks").unwrap(),
            "pushed_authorization_request_endpoint": base.join("/par").unwrap(),
            "response_types_supported": ["code"],
            "id_token_signing_alg_values_supported": ["RS256", "none"],
            "claims_parameter_supported": "true",
            "acr_values_supported": null,
            "authorization_response_iss_parameter_supported": true,
            "mtls_endpoint_aliases": { "token_endpoint": "https://mtls.op.example/token" }
        })
        .to_string()
    }

    const PATH: &str = "/.well-known/openid-configuration";

    async fn server_with(issuer_of: impl Fn(&Url) -> String) -> TestServer {
        let server = TestServer::start().await;
        let base = server.url("/");
        server.set(PATH, Canned::json(document(&issuer_of(&base), &base)));
        server
    }

    fn issuer(base: &Url) -> String {
        base.as_str().trim_end_matches('/').to_owned()
    }

    #[test]
    fn parses_a_minimal_document_with_defaults() {
        let m = ProviderMetadata::from_json(br#"{"issuer":"https://op.example"}"#).unwrap();
        assert_eq!(m.issuer, "https://op.example");
        assert!(m.token_endpoint.is_none() && m.scopes_supported.is_empty());
        assert!(m.request_uri_parameter_supported, "Discovery 3 default");
        assert!(!m.require_pushed_authorization_requests);
        assert_eq!(ProviderMetadata::new("https://op.example"), m);
        assert!(
            ProviderMetadata::from_json(br#"{"token_endpoint":"https://op.example/t"}"#).is_err()
        );
    }

    #[tokio::test]
    async fn fetches_validates_and_keeps_unknown_members() {
        let server = server_with(issuer).await;
        let cache = DiscoveryCache::new(http(), server.url(PATH), issuer(&server.url("/")));
        let metadata = cache.get().await.unwrap();
        assert_eq!(metadata.token_endpoint, Some(server.url("/token")));
        assert!(metadata.claims_parameter_supported);
        assert!(metadata.acr_values_supported.is_empty());
        assert!(metadata.authorization_response_iss_parameter_supported);
        assert!(metadata.other.contains_key("mtls_endpoint_aliases"));
        assert_eq!(metadata.endpoints().count(), 4);
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_fetch_and_the_result_is_cached() {
        let server = TestServer::start().await;
        let base = server.url("/");
        server.set(
            PATH,
            Canned::json(document(&issuer(&base), &base)).delay(Duration::from_millis(100)),
        );
        let cache = DiscoveryCache::new(http(), server.url(PATH), issuer(&base));
        let calls = (0..8).map(|_| {
            let cache = cache.clone();
            tokio::spawn(async move { cache.get().await.map(|m| m.issuer.clone()) })
        });
        for call in calls.collect::<Vec<_>>() {
            assert!(call.await.unwrap().is_ok());
        }
        cache.get().await.unwrap();
        assert_eq!(server.hits(PATH), 1);
    }

    #[tokio::test]
    async fn refetches_after_the_ttl() {
        let server = server_with(issuer).await;
        let cache = DiscoveryCache::new(http(), server.url(PATH), issuer(&server.url("/")))
            .ttl(Duration::from_millis(50));
        cache.get().await.unwrap();
        tokio::time::sleep(Duration::from_millis(80)).await;
        cache.get().await.unwrap();
        assert_eq!(server.hits(PATH), 2);
    }

    #[tokio::test]
    async fn serves_the_previous_document_when_a_refresh_fails() {
        let server = server_with(issuer).await;
        let cache = DiscoveryCache::new(http(), server.url(PATH), issuer(&server.url("/")))
            .ttl(Duration::from_millis(300));
        let first = cache.get().await.unwrap();
        server.set(PATH, Canned::new(503, "down"));
        tokio::time::sleep(Duration::from_millis(350)).await;
        let second = cache.get().await.unwrap();
        assert!(Arc::ptr_eq(&first, &second));
        // The failed refresh is not retried on every call.
        cache.get().await.unwrap();
        assert_eq!(server.hits(PATH), 2);
    }

    #[tokio::test]
    async fn issuer_must_match_exactly() {
        // A trailing slash is a different issuer.
        let server = server_with(|base| base.as_str().to_owned()).await;
        let cache = DiscoveryCache::new(http(), server.url(PATH), issuer(&server.url("/")));
        let err = cache.get().await.unwrap_err();
        assert!(
            matches!(err, DiscoveryError::IssuerMismatch { .. }),
            "{err:?}"
        );
        assert_eq!(err.code(), "discovery_issuer_mismatch");
    }

    #[tokio::test]
    async fn insecure_endpoints_are_refused() {
        let server = TestServer::start().await;
        let base = server.url("/");
        let mut doc: serde_json::Value =
            serde_json::from_str(&document(&issuer(&base), &base)).unwrap();
        doc["userinfo_endpoint"] = "http://op.example/userinfo".into();
        server.set(PATH, Canned::json(doc.to_string()));
        let err = DiscoveryCache::new(http(), server.url(PATH), issuer(&base))
            .get()
            .await
            .unwrap_err();
        assert!(
            matches!(
                &err,
                DiscoveryError::InsecureUrl(ConfigError::InsecureUrl {
                    what: "userinfo_endpoint",
                    ..
                })
            ),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn the_discovery_url_itself_must_be_https() {
        let err = DiscoveryCache::new(
            HttpClient::new(),
            Url::parse("http://op.example/.well-known/openid-configuration").unwrap(),
            "http://op.example",
        )
        .get()
        .await
        .unwrap_err();
        assert_eq!(err.code(), "insecure_url");
    }

    #[tokio::test]
    async fn errors_keep_the_response() {
        let server = TestServer::start().await;
        server.set(PATH, Canned::new(500, "boom"));
        server.set("/bad", Canned::json("{\"issuer\": 42}"));
        let base = server.url("/");
        let err = DiscoveryCache::new(http(), server.url(PATH), issuer(&base))
            .get()
            .await
            .unwrap_err();
        assert!(matches!(err, DiscoveryError::Status { .. }));
        assert_eq!(err.raw().unwrap().body_text(), "boom");
        let err = DiscoveryCache::new(http(), server.url("/bad"), issuer(&base))
            .get()
            .await
            .unwrap_err();
        assert!(matches!(err, DiscoveryError::Malformed { .. }), "{err:?}");
        assert_eq!(err.raw().unwrap().status, 200);
        assert_eq!(err.code(), "discovery_malformed");
    }
}
