//! The provider's JWKS, cached, with rate-limited refetching.

use std::sync::{Arc, Mutex, OnceLock};
use std::time::{Duration, Instant};

use josekit::jwe::JweEncrypter;
use josekit::jwk::Jwk;
use url::Url;

use super::alg::Verifier;
use super::encrypt::{encrypter, KEY_ENCRYPTION_ALGS};
use super::{truncated, JoseError, SigningAlg};
use crate::error::EndpointKind;
use crate::http::HttpClient;

/// The least time between two fetches triggered by an unknown `kid`, by default.
/// Short enough that a provider's key rotation is picked up within seconds, long
/// enough that tokens with made-up `kid`s cannot make us hammer the provider.
pub const DEFAULT_MIN_REFETCH_INTERVAL: Duration = Duration::from_secs(15);

/// How long a fetched JWKS is used before it is fetched again, by default (the same
/// as `jose`'s remote key sets): rotated-out keys stop being trusted within that.
pub const DEFAULT_MAX_AGE: Duration = Duration::from_secs(10 * 60);

/// A provider's signing keys, fetched from its `jwks_uri` on first use.
///
/// - Refetched when older than [`max_age`](Self::max_age), and when a token names a
///   `kid` (or needs a key type) the cached set lacks: that is how key rotation is
///   picked up. Those refetches happen at most once per
///   [`min_refetch_interval`](Self::min_refetch_interval), so that tokens with
///   random `kid`s cannot make us hammer the provider.
/// - At most one fetch is in flight; concurrent callers wait for it and share it.
/// - If a refresh fails, the previous keys stay in use.
/// - Symmetric (`oct`) keys are dropped on arrival: HMAC is only ever keyed with the
///   client secret.
///
/// Cheap to clone; clones share the cache.
#[derive(Clone, Debug)]
pub struct JwksCache {
    http: HttpClient,
    jwks_uri: Url,
    min_refetch_interval: Duration,
    max_age: Duration,
    shared: Arc<Shared>,
}

#[derive(Debug, Default)]
struct Shared {
    /// The current key set. A std mutex: held only to copy an `Arc`.
    current: Mutex<Option<Arc<KeySet>>>,
    /// Held while deciding about and performing a fetch; guards the rate limit.
    fetching: tokio::sync::Mutex<Option<Instant>>,
}

/// One fetched JWKS.
#[derive(Debug)]
pub(crate) struct KeySet {
    keys: Vec<CachedKey>,
    fetched_at: Instant,
}

#[derive(Debug)]
struct CachedKey {
    jwk: Arc<Jwk>,
    /// Verifiers built on first use, per asymmetric algorithm: building one parses
    /// the key, which costs more than verifying a signature with it.
    verifiers: [OnceLock<Option<Verifier>>; SigningAlg::ASYMMETRIC_COUNT],
    /// Encrypters to this key built on first use, per key management algorithm
    /// (`KEY_ENCRYPTION_ALGS`), for the same reason.
    encrypters: [OnceLock<Option<Arc<dyn JweEncrypter>>>; KEY_ENCRYPTION_ALGS.len()],
}

/// An encrypter to one of the provider's keys, and that key's `kid`.
pub(crate) struct ProviderEncrypter {
    pub(crate) encrypter: Arc<dyn JweEncrypter>,
    pub(crate) kid: Option<String>,
}

impl KeySet {
    fn candidates<'a>(
        &'a self,
        kid: Option<&'a str>,
        alg: SigningAlg,
    ) -> impl Iterator<Item = &'a CachedKey> + 'a {
        self.keys.iter().filter(move |key| {
            kid.is_none_or(|kid| key.jwk.key_id() == Some(kid)) && alg.fits(&key.jwk)
        })
    }

    /// The keys a request object may be encrypted to: RSA or EC, for encryption.
    fn encryption_keys(&self) -> impl Iterator<Item = &CachedKey> + '_ {
        self.keys
            .iter()
            .filter(|key| matches!(key.jwk.key_type(), "RSA" | "EC"))
            .filter(|key| key.jwk.key_use().is_none_or(|u| u == "enc"))
            .filter(|key| {
                key.jwk.is_for_key_operation("encrypt") || key.jwk.is_for_key_operation("wrapKey")
            })
    }

    fn has_candidates(&self, kid: Option<&str>, alg: SigningAlg) -> bool {
        self.candidates(kid, alg).next().is_some()
    }

    fn has_kid(&self, kid: &str) -> bool {
        self.keys.iter().any(|key| key.jwk.key_id() == Some(kid))
    }

    /// Verifies `signature` over `message` with the candidate keys, returning the key
    /// that verified it.
    pub(crate) fn verify(
        &self,
        kid: Option<&str>,
        alg: SigningAlg,
        message: &[u8],
        signature: &[u8],
    ) -> Result<Arc<Jwk>, JoseError> {
        let index = alg
            .asymmetric_index()
            .ok_or(JoseError::NoSuitableKey { alg })?;
        let mut usable = false;
        for key in self.candidates(kid, alg) {
            let Some(verifier) = key.verifiers[index].get_or_init(|| alg.verifier(&key.jwk)) else {
                continue;
            };
            usable = true;
            if verifier.verify(message, signature) {
                return Ok(key.jwk.clone());
            }
        }
        Err(if usable {
            JoseError::BadSignature
        } else {
            JoseError::NoSuitableKey { alg }
        })
    }
}

impl JwksCache {
    /// A cache for the JWKS at `jwks_uri`, fetched through `http`.
    pub fn new(http: HttpClient, jwks_uri: Url) -> Self {
        Self {
            http,
            jwks_uri,
            min_refetch_interval: DEFAULT_MIN_REFETCH_INTERVAL,
            max_age: DEFAULT_MAX_AGE,
            shared: Arc::default(),
        }
    }

    /// The least time between two refetches caused by an unknown `kid` or a failed
    /// refresh (default 15 s).
    pub fn min_refetch_interval(mut self, interval: Duration) -> Self {
        self.min_refetch_interval = interval;
        self
    }

    /// How long a fetched JWKS is used before it is fetched again (default 10 min).
    pub fn max_age(mut self, max_age: Duration) -> Self {
        self.max_age = max_age;
        self
    }

    /// The JWKS URI.
    pub fn jwks_uri(&self) -> &Url {
        &self.jwks_uri
    }

    /// The keys that may verify a token signed with `alg` and naming `kid` (any key
    /// when `kid` is `None`), fetching or refetching the JWKS as described on the
    /// type. Never returns symmetric keys: for an HMAC `alg` the list is empty.
    ///
    /// Fails with [`JoseError::UnknownKid`] when `kid` is not in the JWKS (after the
    /// refetch, if one was allowed), or [`JoseError::NoSuitableKey`] when no key fits
    /// `alg`.
    pub async fn keys(&self, kid: Option<&str>, alg: SigningAlg) -> Result<Vec<Jwk>, JoseError> {
        if alg.is_symmetric() {
            return Ok(Vec::new());
        }
        let set = self.key_set(kid, alg).await?;
        Ok(set
            .candidates(kid, alg)
            .map(|key| (*key.jwk).clone())
            .collect())
    }

    /// The provider's encryption keys (`use: enc`, or no `use`, RSA or EC), for
    /// encrypting request objects to it. Fetches the JWKS if none is cached.
    pub async fn encryption_keys(&self) -> Result<Vec<Jwk>, JoseError> {
        let set = self.cached_or_fetched().await?;
        Ok(set
            .encryption_keys()
            .map(|key| (*key.jwk).clone())
            .collect())
    }

    /// An encrypter for the first of `algs` that one of the provider's encryption
    /// keys fits (by key type, and by the key's `alg` if it names one), built once
    /// per key and algorithm; `None` if no key fits any. Fetches the JWKS if none is
    /// cached.
    pub(crate) async fn encrypter(
        &self,
        algs: &[&str],
    ) -> Result<Option<ProviderEncrypter>, JoseError> {
        let set = self.cached_or_fetched().await?;
        let fitting = algs.iter().find_map(|alg| {
            let slot = KEY_ENCRYPTION_ALGS.iter().position(|known| known == alg)?;
            let kty = if alg.starts_with("RSA") { "RSA" } else { "EC" };
            set.encryption_keys()
                .find(|key| {
                    key.jwk.key_type() == kty && key.jwk.algorithm().is_none_or(|a| a == *alg)
                })
                .map(|key| (key, slot))
        });
        let Some((key, slot)) = fitting else {
            return Ok(None);
        };
        let cell = &key.encrypters[slot];
        let encrypter = match cell.get() {
            Some(built) => built.clone(),
            None => {
                // Two first callers may both build one; the first stored is kept.
                let built = Arc::from(encrypter(&key.jwk, KEY_ENCRYPTION_ALGS[slot])?);
                cell.get_or_init(|| Some(built)).clone()
            }
        };
        Ok(encrypter.map(|encrypter| ProviderEncrypter {
            encrypter,
            kid: key.jwk.key_id().map(str::to_owned),
        }))
    }

    /// The cached key set, fetched first if there is none.
    async fn cached_or_fetched(&self) -> Result<Arc<KeySet>, JoseError> {
        if let Some(set) = self.current() {
            return Ok(set);
        }
        self.refresh().await?;
        self.current()
            .ok_or(JoseError::NoDecryptionKey { alg: "any".into() })
    }

    /// Fetches the JWKS now, ignoring the rate limit.
    pub async fn refresh(&self) -> Result<(), JoseError> {
        let mut last_attempt = self.shared.fetching.lock().await;
        *last_attempt = Some(Instant::now());
        let set = self.fetch().await?;
        self.store(set);
        Ok(())
    }

    /// A key set with candidates for `kid` and `alg`, fetched if need be.
    pub(crate) async fn key_set(
        &self,
        kid: Option<&str>,
        alg: SigningAlg,
    ) -> Result<Arc<KeySet>, JoseError> {
        if let Some(set) = self.current() {
            if !self.is_stale(&set) && set.has_candidates(kid, alg) {
                return Ok(set);
            }
        }
        let mut last_attempt = self.shared.fetching.lock().await;
        // Another caller may have fetched while we waited for the lock.
        let current = self.current();
        if let Some(set) = &current {
            if !self.is_stale(set) && set.has_candidates(kid, alg) {
                return Ok(set.clone());
            }
        }
        let rate_limited = last_attempt.is_some_and(|at| at.elapsed() < self.min_refetch_interval);
        let set = match current {
            // Nothing to fall back on: fetch. Callers still queue on the lock, so
            // there is never more than one request in flight.
            None => {
                *last_attempt = Some(Instant::now());
                let set = self.fetch().await?;
                self.store(set)
            }
            Some(set) if rate_limited => set,
            Some(stale_or_lacking) => {
                *last_attempt = Some(Instant::now());
                match self.fetch().await {
                    Ok(set) => self.store(set),
                    Err(error) => {
                        tracing::warn!(error = %error, "JWKS refresh failed; keeping the previous keys");
                        stale_or_lacking
                    }
                }
            }
        };
        drop(last_attempt);
        if set.has_candidates(kid, alg) {
            Ok(set)
        } else {
            match kid {
                Some(kid) if !set.has_kid(kid) => Err(JoseError::UnknownKid {
                    kid: truncated(kid, 64),
                }),
                _ => Err(JoseError::NoSuitableKey { alg }),
            }
        }
    }

    fn is_stale(&self, set: &KeySet) -> bool {
        set.fetched_at.elapsed() >= self.max_age
    }

    fn current(&self) -> Option<Arc<KeySet>> {
        self.shared
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .clone()
    }

    fn store(&self, set: KeySet) -> Arc<KeySet> {
        let set = Arc::new(set);
        *self
            .shared
            .current
            .lock()
            .unwrap_or_else(|e| e.into_inner()) = Some(set.clone());
        set
    }

    async fn fetch(&self) -> Result<KeySet, JoseError> {
        self.http.check_url("jwks_uri", &self.jwks_uri)?;
        let request = self
            .http
            .request(reqwest::Method::GET, &self.jwks_uri)
            .header(
                reqwest::header::ACCEPT,
                "application/jwk-set+json, application/json",
            );
        let raw = self.http.execute(EndpointKind::Jwks, request).await?;
        if !(200..300).contains(&raw.status) {
            return Err(JoseError::JwksStatus { raw: Box::new(raw) });
        }
        let keys = match parse_jwks(&raw.body) {
            Ok(keys) => keys,
            Err(reason) => {
                return Err(JoseError::JwksMalformed {
                    reason,
                    raw: Box::new(raw),
                })
            }
        };
        tracing::debug!(keys = keys.len(), "fetched the provider's JWKS");
        Ok(KeySet {
            keys,
            fetched_at: Instant::now(),
        })
    }
}

/// Parses a JWK set, skipping keys that are malformed or symmetric: one odd key
/// (a new key type, say) must not make the provider's other keys unusable.
fn parse_jwks(body: &[u8]) -> Result<Vec<CachedKey>, &'static str> {
    let document: serde_json::Value = serde_json::from_slice(body).map_err(|_| "not JSON")?;
    let keys = document
        .get("keys")
        .and_then(serde_json::Value::as_array)
        .ok_or("no keys array")?;
    Ok(keys
        .iter()
        .filter_map(|key| Jwk::from_map(key.as_object()?.clone()).ok())
        .filter(|jwk| jwk.key_type() != "oct")
        .map(|jwk| CachedKey {
            jwk: Arc::new(jwk),
            verifiers: Default::default(),
            encrypters: Default::default(),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::http::test_server::{Canned, TestServer};
    use crate::jose::testing::{jwks_json, Keys};
    use crate::ErrorMetadata as _;

    const PATH: &str = "/jwks";

    async fn serve(keys: &[&Keys]) -> TestServer {
        let server = TestServer::start().await;
        server.set(PATH, Canned::json(jwks_json(keys)));
        server
    }

    fn cache(server: &TestServer) -> JwksCache {
        let http = HttpClient::builder()
            .allow_loopback_http(true)
            .build()
            .unwrap();
        JwksCache::new(http, server.url(PATH)).min_refetch_interval(Duration::from_millis(200))
    }

    #[tokio::test]
    async fn encrypters_fit_the_algorithm_and_are_built_once() {
        let (rsa, ec) = (Keys::rsa("r1"), Keys::ec("e1"));
        let server = serve(&[&rsa, &ec]).await;
        let jwks = cache(&server);
        let to_rsa = jwks.encrypter(&["RSA-OAEP-256"]).await.unwrap().unwrap();
        assert_eq!(to_rsa.kid.as_deref(), Some("r1"));
        let again = jwks.encrypter(&["RSA-OAEP-256"]).await.unwrap().unwrap();
        assert!(Arc::ptr_eq(&to_rsa.encrypter, &again.encrypter), "kept");
        // The first of the allowed algorithms that a published key fits.
        let to_ec = jwks
            .encrypter(&["A128KW", "ECDH-ES", "RSA-OAEP"])
            .await
            .unwrap()
            .unwrap();
        assert_eq!(to_ec.kid.as_deref(), Some("e1"));
        assert!(jwks.encrypter(&["A128KW", "dir"]).await.unwrap().is_none());
        assert_eq!(server.hits(PATH), 1);

        // What it encrypts, the key's holder decrypts.
        let compact =
            super::super::encrypt_with(to_rsa.encrypter.as_ref(), Some("r1"), "A256GCM", b"jwt")
                .unwrap();
        let decrypter = josekit::jwe::RSA_OAEP_256
            .decrypter_from_jwk(&rsa.private)
            .unwrap();
        let (plaintext, _) = josekit::jwe::deserialize_compact(&compact, &decrypter).unwrap();
        assert_eq!(plaintext, b"jwt");
    }

    #[tokio::test]
    async fn no_encrypter_when_no_key_can_encrypt() {
        let ed = Keys::ed("d1");
        let server = serve(&[&ed]).await;
        let jwks = cache(&server);
        assert!(jwks
            .encrypter(&["RSA-OAEP", "ECDH-ES"])
            .await
            .unwrap()
            .is_none());
    }

    #[tokio::test]
    async fn selects_by_kid_and_alg_and_caches() {
        let (rsa, ec) = (Keys::rsa("r1"), Keys::ec("e1"));
        let server = serve(&[&rsa, &ec]).await;
        let jwks = cache(&server);
        let keys = jwks.keys(Some("r1"), SigningAlg::RS256).await.unwrap();
        assert_eq!(keys.len(), 1);
        assert_eq!(keys[0].key_id(), Some("r1"));
        assert!(keys[0].parameter("d").is_none(), "public keys only");
        assert_eq!(jwks.keys(None, SigningAlg::ES256).await.unwrap().len(), 1);
        assert_eq!(jwks.keys(None, SigningAlg::PS256).await.unwrap().len(), 1);
        let err = jwks.keys(Some("e1"), SigningAlg::RS256).await.unwrap_err();
        assert!(matches!(err, JoseError::NoSuitableKey { .. }), "{err:?}");
        assert_eq!(
            server.hits(PATH),
            1,
            "a kid that exists but does not fit is no reason to refetch more than once"
        );
    }

    #[tokio::test]
    async fn never_returns_symmetric_keys() {
        let server = TestServer::start().await;
        server.set(
            PATH,
            Canned::json(r#"{"keys":[{"kty":"oct","kid":"h","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}]}"#),
        );
        let jwks = cache(&server);
        assert!(jwks
            .keys(Some("h"), SigningAlg::HS256)
            .await
            .unwrap()
            .is_empty());
        let err = jwks.keys(Some("h"), SigningAlg::RS256).await.unwrap_err();
        assert!(matches!(err, JoseError::UnknownKid { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn unknown_kid_refetches_once_then_is_rate_limited() {
        let rsa = Keys::rsa("r1");
        let server = serve(&[&rsa]).await;
        let jwks = cache(&server);
        jwks.keys(Some("r1"), SigningAlg::RS256).await.unwrap();
        assert_eq!(server.hits(PATH), 1);
        // Within the interval of the first fetch: no refetch at all.
        for _ in 0..5 {
            let err = jwks
                .keys(Some("nope"), SigningAlg::RS256)
                .await
                .unwrap_err();
            assert!(matches!(err, JoseError::UnknownKid { .. }), "{err:?}");
            assert_eq!(err.code(), "jwks_unknown_kid");
        }
        assert_eq!(server.hits(PATH), 1);
        tokio::time::sleep(Duration::from_millis(250)).await;
        // After it: exactly one refetch, however many random kids arrive.
        for i in 0..5 {
            let kid = format!("random-{i}");
            assert!(jwks.keys(Some(&kid), SigningAlg::RS256).await.is_err());
        }
        assert_eq!(server.hits(PATH), 2);
        // Known keys keep working from the cache meanwhile.
        jwks.keys(Some("r1"), SigningAlg::RS256).await.unwrap();
        assert_eq!(server.hits(PATH), 2);
    }

    #[tokio::test]
    async fn rotated_keys_are_picked_up() {
        let (old, new) = (Keys::rsa("old"), Keys::rsa("new"));
        let server = serve(&[&old]).await;
        let jwks = cache(&server);
        jwks.keys(Some("old"), SigningAlg::RS256).await.unwrap();
        server.set(PATH, Canned::json(jwks_json(&[&new])));
        tokio::time::sleep(Duration::from_millis(250)).await;
        let keys = jwks.keys(Some("new"), SigningAlg::RS256).await.unwrap();
        assert_eq!(keys[0].key_id(), Some("new"));
        assert_eq!(server.hits(PATH), 2);
        // The old key is gone with the refetch.
        let err = jwks.keys(Some("old"), SigningAlg::RS256).await.unwrap_err();
        assert!(matches!(err, JoseError::UnknownKid { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn concurrent_callers_share_one_fetch() {
        let rsa = Keys::rsa("r1");
        let server = TestServer::start().await;
        server.set(
            PATH,
            Canned::json(jwks_json(&[&rsa])).delay(Duration::from_millis(100)),
        );
        let jwks = cache(&server);
        let calls: Vec<_> = (0..10)
            .map(|_| {
                let jwks = jwks.clone();
                tokio::spawn(async move {
                    jwks.keys(Some("r1"), SigningAlg::RS256)
                        .await
                        .map(|k| k.len())
                })
            })
            .collect();
        for call in calls {
            assert_eq!(call.await.unwrap().unwrap(), 1);
        }
        assert_eq!(server.hits(PATH), 1);
    }

    #[tokio::test]
    async fn refresh_ignores_the_rate_limit_and_old_keys_survive_failures() {
        let rsa = Keys::rsa("r1");
        let server = serve(&[&rsa]).await;
        let jwks = cache(&server).max_age(Duration::from_millis(50));
        jwks.refresh().await.unwrap();
        jwks.refresh().await.unwrap();
        assert_eq!(server.hits(PATH), 2);
        server.set(PATH, Canned::new(503, "down"));
        tokio::time::sleep(Duration::from_millis(250)).await;
        // Stale, refetch fails: the previous keys are still served.
        assert_eq!(
            jwks.keys(Some("r1"), SigningAlg::RS256)
                .await
                .unwrap()
                .len(),
            1
        );
        assert_eq!(server.hits(PATH), 3);
        let err = jwks.refresh().await.unwrap_err();
        assert!(matches!(err, JoseError::JwksStatus { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn malformed_sets_and_keys() {
        let server = TestServer::start().await;
        server.set(PATH, Canned::json(r#"{"kid":"x"}"#));
        let err = cache(&server)
            .keys(None, SigningAlg::RS256)
            .await
            .unwrap_err();
        assert!(matches!(err, JoseError::JwksMalformed { .. }), "{err:?}");
        assert!(err.raw().is_some());
        // One broken key does not spoil the others.
        let rsa = Keys::rsa("r1");
        let mut set: serde_json::Value = serde_json::from_str(&jwks_json(&[&rsa])).unwrap();
        set["keys"]
            .as_array_mut()
            .unwrap()
            .insert(0, serde_json::json!({"kid": "broken"}));
        set["keys"]
            .as_array_mut()
            .unwrap()
            .insert(0, serde_json::json!("not a key"));
        server.set(PATH, Canned::json(set.to_string()));
        assert_eq!(
            cache(&server)
                .keys(None, SigningAlg::RS256)
                .await
                .unwrap()
                .len(),
            1
        );
    }

    #[tokio::test]
    async fn insecure_jwks_uri_is_refused() {
        let jwks = JwksCache::new(
            HttpClient::new(),
            Url::parse("http://op.example/jwks").unwrap(),
        );
        let err = jwks.keys(None, SigningAlg::RS256).await.unwrap_err();
        assert_eq!(err.code(), "insecure_url");
    }
}
