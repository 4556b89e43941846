//! ID token validation, as OpenID Connect Core 3.1.3.7 (and 12.2 for refresh)
//! requires.
//!
//! Nothing here can be relaxed by a spec (DESIGN principle 5): the signature, the
//! issuer, the audience, the lifetime and the nonce are always checked.

use std::fmt;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};
use sha2::Digest as _;
use subtle::ConstantTimeEq as _;

use crate::jose::{verify_jws, JoseError, JwksCache, JwsHeaderInfo, SigningAlg};
use crate::secret::{AccessToken, ClientSecret, Jwt, Nonce};

/// The clock skew allowed by default between us and the provider.
pub const DEFAULT_CLOCK_SKEW: Duration = Duration::from_secs(60);

/// The largest clock skew honoured: beyond it, an expired token would stay usable
/// for too long. Larger values are clamped to this.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(5 * 60);

/// What an ID token must satisfy.
///
/// Make one with [`IdTokenExpectations::new`] and the `with_*` methods; the fields
/// are public for struct-update syntax, and every one of them is checked.
#[derive(Clone, Debug)]
pub struct IdTokenExpectations<'a> {
    /// The issuer the `iss` claim must equal exactly.
    pub issuer: &'a str,
    /// The client id that `aud` must contain (and `azp`, if present, equal).
    pub client_id: &'a str,
    /// The nonce sent in the authorization request.
    ///
    /// On a first login (`expected_subject` is `None`): if given, the token must
    /// carry an equal `nonce`; if not, the token must carry none. On a refresh
    /// (`expected_subject` is `Some`): the token may omit `nonce`, and if it has
    /// one it must equal this (the original nonce, OIDC Core 12.2).
    pub nonce: Option<&'a Nonce>,
    /// The signing algorithms the provider's spec allows (never `none`).
    pub allowed_algs: &'a [SigningAlg],
    /// The clock skew tolerated on `exp`, `iat`, `nbf` and `auth_time` (default
    /// 60 s, clamped to [`MAX_CLOCK_SKEW`]).
    pub max_clock_skew: Duration,
    /// The `max_age` sent in the authorization request: `auth_time` is then required
    /// and must be recent enough.
    pub max_age: Option<Duration>,
    /// The current time.
    pub now: SystemTime,
    /// The access token issued with the ID token, to check `at_hash` against.
    pub access_token: Option<&'a AccessToken>,
    /// On a refresh, the `sub` of the original ID token, which the new one must
    /// repeat (OIDC Core 12.2).
    pub expected_subject: Option<&'a str>,
}

impl<'a> IdTokenExpectations<'a> {
    /// Expectations for a token from `issuer` to `client_id` signed with one of
    /// `allowed_algs`, with no nonce, the default skew, and the current time.
    pub fn new(issuer: &'a str, client_id: &'a str, allowed_algs: &'a [SigningAlg]) -> Self {
        Self {
            issuer,
            client_id,
            nonce: None,
            allowed_algs,
            max_clock_skew: DEFAULT_CLOCK_SKEW,
            max_age: None,
            now: SystemTime::now(),
            access_token: None,
            expected_subject: None,
        }
    }

    /// Requires this nonce (see [`IdTokenExpectations::nonce`]).
    pub fn with_nonce(mut self, nonce: &'a Nonce) -> Self {
        self.nonce = Some(nonce);
        self
    }

    /// Requires `auth_time` no older than `max_age`.
    pub fn with_max_age(mut self, max_age: Duration) -> Self {
        self.max_age = Some(max_age);
        self
    }

    /// Checks `at_hash`, when the token has one, against this access token.
    pub fn with_access_token(mut self, access_token: &'a AccessToken) -> Self {
        self.access_token = Some(access_token);
        self
    }

    /// Validates a token from a refresh: `sub` must equal the original one.
    pub fn with_expected_subject(mut self, subject: &'a str) -> Self {
        self.expected_subject = Some(subject);
        self
    }

    /// Tolerates this much clock skew (clamped to [`MAX_CLOCK_SKEW`]).
    pub fn with_clock_skew(mut self, skew: Duration) -> Self {
        self.max_clock_skew = skew;
        self
    }

    /// Validates as of `now` instead of the current time.
    pub fn at(mut self, now: SystemTime) -> Self {
        self.now = now;
        self
    }
}

/// An ID token failed validation.
///
/// `Display` names the failed check, never a claim value.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum IdTokenError {
    /// The JWS is not acceptable: signature, algorithm, keys, format.
    #[error(transparent)]
    Jose(#[from] JoseError),
    /// A required claim is absent.
    #[error("the ID token has no {claim} claim")]
    MissingClaim {
        /// The claim name.
        claim: &'static str,
    },
    /// A claim has the wrong type or an empty value.
    #[error("the ID token's {claim} claim is not valid")]
    InvalidClaim {
        /// The claim name.
        claim: &'static str,
    },
    /// `iss` is not the expected issuer.
    #[error("the ID token was issued by another issuer")]
    IssuerMismatch,
    /// `aud` does not contain the client id.
    #[error("the ID token is not intended for this client (aud)")]
    AudienceMismatch,
    /// Several audiences and no `azp`.
    #[error("the ID token has several audiences but no azp")]
    AzpMissing,
    /// `azp` is not the client id.
    #[error("the ID token's authorized party (azp) is not this client")]
    AzpMismatch,
    /// `exp` has passed.
    #[error("the ID token has expired")]
    Expired,
    /// `iat` is in the future.
    #[error("the ID token was issued in the future (iat)")]
    IssuedInFuture,
    /// `nbf` is in the future.
    #[error("the ID token is not valid yet (nbf)")]
    NotYetValid,
    /// A nonce was expected and the token has none.
    #[error("the ID token has no nonce, but one was sent")]
    NonceMissing,
    /// The nonce differs from the one sent.
    #[error("the ID token's nonce does not match the one sent")]
    NonceMismatch,
    /// The token has a nonce, but none was sent.
    #[error("the ID token has a nonce, but none was sent")]
    NonceUnexpected,
    /// `max_age` was requested and the token has no `auth_time`.
    #[error("the ID token has no auth_time, which max_age requires")]
    AuthTimeMissing,
    /// The authentication is older than `max_age`.
    #[error("the end-user authenticated longer ago than max_age allows")]
    AuthTimeTooOld,
    /// `at_hash` does not match the access token.
    #[error("the ID token's at_hash does not match the access token")]
    AtHashMismatch,
    /// `at_hash` cannot be checked for this algorithm (EdDSA on Ed448).
    #[error("the ID token's at_hash cannot be checked for its signing key")]
    AtHashUnsupported,
    /// On a refresh, `sub` differs from the original ID token's.
    #[error("the refreshed ID token is about another subject")]
    SubjectMismatch,
}

impl crate::ErrorMetadata for IdTokenError {
    fn code(&self) -> &str {
        match self {
            Self::Jose(e) => e.code(),
            Self::MissingClaim { .. } => "id_token_missing_claim",
            Self::InvalidClaim { .. } => "id_token_invalid_claim",
            Self::IssuerMismatch => "id_token_iss_mismatch",
            Self::AudienceMismatch => "id_token_aud_mismatch",
            Self::AzpMissing => "id_token_azp_missing",
            Self::AzpMismatch => "id_token_azp_mismatch",
            Self::Expired => "id_token_expired",
            Self::IssuedInFuture => "id_token_iat_in_future",
            Self::NotYetValid => "id_token_not_yet_valid",
            Self::NonceMissing => "id_token_nonce_missing",
            Self::NonceMismatch => "id_token_nonce_mismatch",
            Self::NonceUnexpected => "id_token_nonce_unexpected",
            Self::AuthTimeMissing => "id_token_auth_time_missing",
            Self::AuthTimeTooOld => "id_token_auth_time_too_old",
            Self::AtHashMismatch => "id_token_at_hash_mismatch",
            Self::AtHashUnsupported => "id_token_at_hash_unsupported",
            Self::SubjectMismatch => "id_token_sub_mismatch",
        }
    }

    fn message(&self) -> Option<&str> {
        Some(match self {
            Self::Jose(e) => return e.message(),
            Self::MissingClaim { .. } | Self::InvalidClaim { .. } => {
                "the provider sent an ID token that does not follow OpenID Connect; reject it"
            }
            Self::IssuerMismatch | Self::AudienceMismatch | Self::AzpMissing | Self::AzpMismatch => {
                "the ID token was not issued by this provider for this client; reject it (possible token substitution)"
            }
            Self::Expired | Self::IssuedInFuture | Self::NotYetValid => {
                "the ID token is outside its validity period; check the server clock, otherwise restart the login"
            }
            Self::NonceMissing | Self::NonceMismatch | Self::NonceUnexpected => {
                "the ID token does not belong to this login (possible replay); restart the login"
            }
            Self::AuthTimeMissing | Self::AuthTimeTooOld => {
                "the end-user's authentication is not recent enough; restart the login with re-authentication"
            }
            Self::AtHashMismatch => {
                "the access token was not issued with this ID token (possible token substitution); reject both"
            }
            Self::AtHashUnsupported => "at_hash cannot be checked for Ed448 keys; reject the token",
            Self::SubjectMismatch => {
                "the refreshed ID token is about another end-user; end the session"
            }
        })
    }
}

/// An ID token that passed validation.
///
/// `Debug` shows no claim: they are personal data.
#[derive(Clone)]
pub struct ValidatedIdToken {
    raw: Jwt,
    header: JwsHeaderInfo,
    claims: Map<String, Value>,
    issuer: String,
    subject: String,
    expires_at: SystemTime,
}

impl ValidatedIdToken {
    /// Every claim, as sent.
    pub fn claims(&self) -> &Map<String, Value> {
        &self.claims
    }

    /// The claims as a typed struct (such as a provider's generated claims type).
    pub fn claims_as<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        T::deserialize(&Value::Object(self.claims.clone()))
    }

    /// `sub`: the end-user's identifier at the provider.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// `iss`.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// `exp`.
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// The JWS header.
    pub fn header(&self) -> &JwsHeaderInfo {
        &self.header
    }

    /// The token as received (for `id_token_hint`).
    pub fn raw(&self) -> &Jwt {
        &self.raw
    }
}

impl fmt::Debug for ValidatedIdToken {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ValidatedIdToken")
            .field("alg", &self.header.alg)
            .field("claims", &self.claims.len())
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

/// Validates an ID token: its signature (see [`verify_jws`]; HMAC with
/// `client_secret`), then its claims against `expect`, in the order of OIDC Core
/// 3.1.3.7.
pub async fn validate_id_token(
    jwks: &JwksCache,
    id_token: &Jwt,
    expect: &IdTokenExpectations<'_>,
    client_secret: Option<&ClientSecret>,
) -> Result<ValidatedIdToken, IdTokenError> {
    let verified = verify_jws(jwks, id_token.secret(), expect.allowed_algs, client_secret).await?;
    let curve = verified
        .verifying_key()
        .and_then(|key| key.curve())
        .map(str::to_owned);
    let header = verified.header().clone();
    let claims = verified.into_payload();
    let checked = check_claims(&claims, expect, header.alg, curve.as_deref())?;
    Ok(ValidatedIdToken {
        raw: id_token.clone(),
        header,
        claims,
        issuer: checked.issuer,
        subject: checked.subject,
        expires_at: checked.expires_at,
    })
}

struct Checked {
    issuer: String,
    subject: String,
    expires_at: SystemTime,
}

/// The claim checks, separate from the signature so they can be read (and tested)
/// as the list in 3.1.3.7.
fn check_claims(
    claims: &Map<String, Value>,
    expect: &IdTokenExpectations<'_>,
    alg: SigningAlg,
    curve: Option<&str>,
) -> Result<Checked, IdTokenError> {
    // 2. iss: exact.
    let issuer = string(claims, "iss")?;
    if issuer != expect.issuer {
        return Err(IdTokenError::IssuerMismatch);
    }

    // 3-5. aud contains the client id; several audiences need azp; azp is us.
    let audiences: Vec<&str> = match claims.get("aud") {
        None => return Err(IdTokenError::MissingClaim { claim: "aud" }),
        Some(Value::String(aud)) => vec![aud.as_str()],
        Some(Value::Array(values)) => values
            .iter()
            .map(|v| {
                v.as_str()
                    .ok_or(IdTokenError::InvalidClaim { claim: "aud" })
            })
            .collect::<Result<_, _>>()?,
        Some(_) => return Err(IdTokenError::InvalidClaim { claim: "aud" }),
    };
    if !audiences.contains(&expect.client_id) {
        return Err(IdTokenError::AudienceMismatch);
    }
    let azp = optional_string(claims, "azp")?;
    if audiences.len() > 1 && azp.is_none() {
        return Err(IdTokenError::AzpMissing);
    }
    if azp.is_some_and(|azp| azp != expect.client_id) {
        return Err(IdTokenError::AzpMismatch);
    }

    // 9-10. exp, iat (and nbf, which 3.1.3.7 leaves to RFC 7519).
    let now = unix_seconds(expect.now);
    let skew = i64::try_from(expect.max_clock_skew.min(MAX_CLOCK_SKEW).as_secs()).unwrap_or(0);
    let exp = numeric_date(claims, "exp")?.ok_or(IdTokenError::MissingClaim { claim: "exp" })?;
    if exp.saturating_add(skew) <= now {
        return Err(IdTokenError::Expired);
    }
    let iat = numeric_date(claims, "iat")?.ok_or(IdTokenError::MissingClaim { claim: "iat" })?;
    if iat > now.saturating_add(skew) {
        return Err(IdTokenError::IssuedInFuture);
    }
    if numeric_date(claims, "nbf")?.is_some_and(|nbf| nbf > now.saturating_add(skew)) {
        return Err(IdTokenError::NotYetValid);
    }

    // 11. nonce.
    check_nonce(claims, expect)?;

    // 13. auth_time when max_age was requested (and its type whenever present).
    let auth_time = numeric_date(claims, "auth_time")?;
    if let Some(max_age) = expect.max_age {
        let auth_time = auth_time.ok_or(IdTokenError::AuthTimeMissing)?;
        let max_age = i64::try_from(max_age.as_secs()).unwrap_or(i64::MAX);
        if auth_time.saturating_add(max_age).saturating_add(skew) < now {
            return Err(IdTokenError::AuthTimeTooOld);
        }
    }

    // 3.1.3.8 / 3.2.2.9: at_hash binds the access token to this ID token.
    if let (Some(at_hash), Some(access_token)) =
        (optional_string(claims, "at_hash")?, expect.access_token)
    {
        let expected = token_hash(access_token.secret(), alg, curve)?;
        if !bool::from(expected.as_bytes().ct_eq(at_hash.as_bytes())) {
            return Err(IdTokenError::AtHashMismatch);
        }
    }

    // 2 (sub is required) and 12.2 (a refresh keeps the subject).
    let subject = string(claims, "sub")?;
    if subject.is_empty() {
        return Err(IdTokenError::InvalidClaim { claim: "sub" });
    }
    if expect
        .expected_subject
        .is_some_and(|expected| expected != subject)
    {
        return Err(IdTokenError::SubjectMismatch);
    }

    Ok(Checked {
        issuer: issuer.to_owned(),
        subject: subject.to_owned(),
        expires_at: UNIX_EPOCH + Duration::from_secs(u64::try_from(exp).unwrap_or(0)),
    })
}

fn check_nonce(
    claims: &Map<String, Value>,
    expect: &IdTokenExpectations<'_>,
) -> Result<(), IdTokenError> {
    let refresh = expect.expected_subject.is_some();
    match (optional_string(claims, "nonce")?, expect.nonce) {
        // Constant time: the nonce is what stops a token injected from another
        // session, so it is compared like a secret.
        (Some(actual), Some(expected)) => {
            if bool::from(actual.as_bytes().ct_eq(expected.secret().as_bytes())) {
                Ok(())
            } else {
                Err(IdTokenError::NonceMismatch)
            }
        }
        (None, Some(_)) if refresh => Ok(()),
        (None, Some(_)) => Err(IdTokenError::NonceMissing),
        (Some(_), None) => Err(IdTokenError::NonceUnexpected),
        (None, None) => Ok(()),
    }
}

/// The OIDC `at_hash` / `c_hash` of `value` (an access token, a code) for a token
/// signed with `alg`: the left half of its hash, base64url, with the hash of the
/// JWS algorithm (SHA-512 for EdDSA on Ed25519, whose curve the verifying key
/// names). Ed448 (SHAKE256) is not supported.
///
/// Public so that token issuers, such as a sandbox, compute it the same way.
pub fn token_hash(
    value: &str,
    alg: SigningAlg,
    curve: Option<&str>,
) -> Result<String, IdTokenError> {
    let bits = match (alg.sha_bits(), curve) {
        (Some(bits), _) => bits,
        (None, Some("Ed25519")) => 512,
        (None, _) => return Err(IdTokenError::AtHashUnsupported),
    };
    let digest = match bits {
        256 => sha2::Sha256::digest(value.as_bytes()).to_vec(),
        384 => sha2::Sha384::digest(value.as_bytes()).to_vec(),
        _ => sha2::Sha512::digest(value.as_bytes()).to_vec(),
    };
    Ok(URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2]))
}

fn optional_string<'c>(
    claims: &'c Map<String, Value>,
    claim: &'static str,
) -> Result<Option<&'c str>, IdTokenError> {
    match claims.get(claim) {
        None => Ok(None),
        Some(Value::String(value)) => Ok(Some(value)),
        Some(_) => Err(IdTokenError::InvalidClaim { claim }),
    }
}

fn string<'c>(
    claims: &'c Map<String, Value>,
    claim: &'static str,
) -> Result<&'c str, IdTokenError> {
    optional_string(claims, claim)?.ok_or(IdTokenError::MissingClaim { claim })
}

/// A NumericDate (RFC 7519 2): a JSON number of seconds, possibly fractional
/// (truncated to whole seconds). Strings are refused: these claims guard security.
fn numeric_date(
    claims: &Map<String, Value>,
    claim: &'static str,
) -> Result<Option<i64>, IdTokenError> {
    let invalid = IdTokenError::InvalidClaim { claim };
    match claims.get(claim) {
        None => Ok(None),
        Some(Value::Number(number)) => {
            if let Some(seconds) = number.as_i64() {
                Ok(Some(seconds))
            } else {
                match number.as_f64() {
                    // Bounded well inside i64 so the cast cannot saturate silently.
                    Some(seconds) if seconds.is_finite() && seconds.abs() < 1e15 => {
                        Ok(Some(seconds.trunc() as i64))
                    }
                    _ => Err(invalid),
                }
            }
        }
        Some(_) => Err(invalid),
    }
}

fn unix_seconds(time: SystemTime) -> i64 {
    match time.duration_since(UNIX_EPOCH) {
        Ok(since) => i64::try_from(since.as_secs()).unwrap_or(i64::MAX),
        Err(before) => -i64::try_from(before.duration().as_secs()).unwrap_or(i64::MAX),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::http::test_server::{Canned, TestServer};
    use crate::http::HttpClient;
    use crate::jose::testing::{jwks_json, Keys};
    use crate::ErrorMetadata as _;

    const ISS: &str = "https://op.example";
    const CLIENT: &str = "client-1";
    const NOW: u64 = 1_700_000_000;
    const ES: &[SigningAlg] = &[SigningAlg::ES256];

    struct Fixture {
        _server: TestServer,
        jwks: JwksCache,
        keys: Keys,
    }

    async fn fixture() -> Fixture {
        let keys = Keys::ec("k1");
        let server = TestServer::start().await;
        server.set("/jwks", Canned::json(jwks_json(&[&keys])));
        let http = HttpClient::builder()
            .allow_loopback_http(true)
            .build()
            .unwrap();
        let jwks = JwksCache::new(http, server.url("/jwks"));
        Fixture {
            _server: server,
            jwks,
            keys,
        }
    }

    fn now() -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(NOW)
    }

    fn expect() -> IdTokenExpectations<'static> {
        IdTokenExpectations::new(ISS, CLIENT, ES).at(now())
    }

    fn claims() -> Value {
        json!({
            "iss": ISS,
            "sub": "248289761001",
            "aud": CLIENT,
            "exp": NOW + 300,
            "iat": NOW - 10,
        })
    }

    fn with(mut claims: Value, changes: Value) -> Value {
        for (name, value) in changes.as_object().unwrap() {
            if value.is_null() {
                claims.as_object_mut().unwrap().remove(name);
            } else {
                claims[name] = value.clone();
            }
        }
        claims
    }

    impl Fixture {
        async fn validate(
            &self,
            claims: &Value,
            expect: &IdTokenExpectations<'_>,
        ) -> Result<ValidatedIdToken, IdTokenError> {
            let token = Jwt::new(self.keys.sign(SigningAlg::ES256, claims));
            validate_id_token(&self.jwks, &token, expect, None).await
        }

        async fn error(&self, claims: Value, expect: &IdTokenExpectations<'_>) -> IdTokenError {
            self.validate(&claims, expect).await.unwrap_err()
        }
    }

    #[tokio::test]
    async fn a_valid_token_passes_and_exposes_its_claims() {
        let f = fixture().await;
        let token = f
            .validate(&with(claims(), json!({"name": "Jane"})), &expect())
            .await
            .unwrap();
        assert_eq!(token.subject(), "248289761001");
        assert_eq!(token.issuer(), ISS);
        assert_eq!(
            token.expires_at(),
            UNIX_EPOCH + Duration::from_secs(NOW + 300)
        );
        assert_eq!(token.claims()["name"], "Jane");
        assert_eq!(token.header().alg, SigningAlg::ES256);
        assert!(token.raw().secret().starts_with("ey"));
        #[derive(serde::Deserialize)]
        struct Named {
            name: String,
        }
        assert_eq!(token.claims_as::<Named>().unwrap().name, "Jane");
        let shown = format!("{token:?}");
        assert!(
            !shown.contains("Jane") && !shown.contains("248289761001"),
            "{shown}"
        );
    }

    #[tokio::test]
    async fn signature_problems_are_jose_errors() {
        let f = fixture().await;
        let forger = Keys::ec("k1");
        let token = Jwt::new(forger.sign(SigningAlg::ES256, &claims()));
        let err = validate_id_token(&f.jwks, &token, &expect(), None)
            .await
            .unwrap_err();
        assert!(
            matches!(err, IdTokenError::Jose(JoseError::BadSignature)),
            "{err:?}"
        );
        assert_eq!(err.code(), "jws_bad_signature");
        let rs_only = IdTokenExpectations::new(ISS, CLIENT, &[SigningAlg::RS256]).at(now());
        let err = f.error(claims(), &rs_only).await;
        assert!(
            matches!(err, IdTokenError::Jose(JoseError::AlgNotAllowed { .. })),
            "{err:?}"
        );
        let unsigned = Jwt::new(format!(
            "{}.{}.",
            crate::jose::testing::b64(r#"{"alg":"none"}"#),
            crate::jose::testing::b64(claims().to_string())
        ));
        let err = validate_id_token(&f.jwks, &unsigned, &expect(), None)
            .await
            .unwrap_err();
        assert!(
            matches!(err, IdTokenError::Jose(JoseError::AlgNone)),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn hmac_signed_tokens_use_the_client_secret() {
        let f = fixture().await;
        let secret = ClientSecret::new("a-client-secret-of-at-least-32-bytes!");
        let token = Jwt::new(crate::jose::testing::hmac_token(
            SigningAlg::HS256,
            secret.secret().as_bytes(),
            &json!({"alg": "HS256"}),
            &claims(),
        ));
        let expect = IdTokenExpectations::new(ISS, CLIENT, &[SigningAlg::HS256]).at(now());
        validate_id_token(&f.jwks, &token, &expect, Some(&secret))
            .await
            .unwrap();
        let err = validate_id_token(&f.jwks, &token, &expect, None)
            .await
            .unwrap_err();
        assert_eq!(err.code(), "jws_hmac_no_client_secret");
    }

    #[tokio::test]
    async fn issuer_must_match_exactly() {
        let f = fixture().await;
        let err = f
            .error(
                with(claims(), json!({"iss": "https://op.example/"})),
                &expect(),
            )
            .await;
        assert!(matches!(err, IdTokenError::IssuerMismatch), "{err:?}");
        assert_eq!(err.code(), "id_token_iss_mismatch");
        let err = f
            .error(with(claims(), json!({"iss": null})), &expect())
            .await;
        assert!(
            matches!(err, IdTokenError::MissingClaim { claim: "iss" }),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn audience_and_authorized_party() {
        let f = fixture().await;
        // One audience in an array; azp equal to us is fine too.
        f.validate(&with(claims(), json!({"aud": [CLIENT]})), &expect())
            .await
            .unwrap();
        f.validate(
            &with(claims(), json!({"aud": [CLIENT, "other"], "azp": CLIENT})),
            &expect(),
        )
        .await
        .unwrap();
        for (changes, code) in [
            (json!({"aud": "other"}), "id_token_aud_mismatch"),
            (
                json!({"aud": ["other", "third"], "azp": "other"}),
                "id_token_aud_mismatch",
            ),
            (json!({"aud": [CLIENT, "other"]}), "id_token_azp_missing"),
            (json!({"azp": "other"}), "id_token_azp_mismatch"),
            (json!({"aud": null}), "id_token_missing_claim"),
            (json!({"aud": 7}), "id_token_invalid_claim"),
            (json!({"aud": [CLIENT, 7]}), "id_token_invalid_claim"),
        ] {
            let err = f.error(with(claims(), changes.clone()), &expect()).await;
            assert_eq!(err.code(), code, "{changes}");
        }
    }

    #[tokio::test]
    async fn expiry_with_clock_skew() {
        let f = fixture().await;
        // Expired 30 s ago: inside the default 60 s skew.
        f.validate(&with(claims(), json!({"exp": NOW - 30})), &expect())
            .await
            .unwrap();
        let err = f
            .error(with(claims(), json!({"exp": NOW - 60})), &expect())
            .await;
        assert!(matches!(err, IdTokenError::Expired), "{err:?}");
        let strict = expect().with_clock_skew(Duration::ZERO);
        let err = f.error(with(claims(), json!({"exp": NOW})), &strict).await;
        assert!(matches!(err, IdTokenError::Expired), "{err:?}");
        // A huge skew is clamped to five minutes.
        let lax = expect().with_clock_skew(Duration::from_secs(3600));
        f.validate(&with(claims(), json!({"exp": NOW - 290})), &lax)
            .await
            .unwrap();
        let err = f
            .error(with(claims(), json!({"exp": NOW - 600})), &lax)
            .await;
        assert!(matches!(err, IdTokenError::Expired), "{err:?}");
        let err = f
            .error(with(claims(), json!({"exp": null})), &expect())
            .await;
        assert!(
            matches!(err, IdTokenError::MissingClaim { claim: "exp" }),
            "{err:?}"
        );
        let err = f
            .error(
                with(claims(), json!({"exp": (NOW + 300).to_string()})),
                &expect(),
            )
            .await;
        assert!(
            matches!(err, IdTokenError::InvalidClaim { claim: "exp" }),
            "{err:?}"
        );
        // Fractional NumericDates are valid.
        f.validate(
            &with(claims(), json!({"exp": (NOW + 300) as f64 + 0.5})),
            &expect(),
        )
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn issued_at_and_not_before() {
        let f = fixture().await;
        f.validate(
            &with(claims(), json!({"iat": NOW + 30, "nbf": NOW + 30})),
            &expect(),
        )
        .await
        .unwrap();
        let err = f
            .error(with(claims(), json!({"iat": NOW + 120})), &expect())
            .await;
        assert!(matches!(err, IdTokenError::IssuedInFuture), "{err:?}");
        let err = f
            .error(with(claims(), json!({"iat": null})), &expect())
            .await;
        assert!(
            matches!(err, IdTokenError::MissingClaim { claim: "iat" }),
            "{err:?}"
        );
        let err = f
            .error(with(claims(), json!({"iat": true})), &expect())
            .await;
        assert!(
            matches!(err, IdTokenError::InvalidClaim { claim: "iat" }),
            "{err:?}"
        );
        let err = f
            .error(with(claims(), json!({"nbf": NOW + 120})), &expect())
            .await;
        assert!(matches!(err, IdTokenError::NotYetValid), "{err:?}");
    }

    #[tokio::test]
    async fn nonce_on_first_login() {
        let f = fixture().await;
        let nonce = Nonce::new("n-0S6_WzA2Mj");
        let expect_nonce = expect().with_nonce(&nonce);
        f.validate(
            &with(claims(), json!({"nonce": "n-0S6_WzA2Mj"})),
            &expect_nonce,
        )
        .await
        .unwrap();
        for (changes, expect, code) in [
            (
                json!({"nonce": "n-0S6_WzA2Mk"}),
                &expect_nonce,
                "id_token_nonce_mismatch",
            ),
            (
                json!({"nonce": "n-0S6_WzA2M"}),
                &expect_nonce,
                "id_token_nonce_mismatch",
            ),
            (json!({}), &expect_nonce, "id_token_nonce_missing"),
            (json!({"nonce": 5}), &expect_nonce, "id_token_invalid_claim"),
            (
                json!({"nonce": "n-0S6_WzA2Mj"}),
                &expect(),
                "id_token_nonce_unexpected",
            ),
        ] {
            let err = f.error(with(claims(), changes.clone()), expect).await;
            assert_eq!(err.code(), code, "{changes}");
            assert!(!err.to_string().contains("n-0S6"));
        }
    }

    #[tokio::test]
    async fn refreshed_tokens_keep_the_subject_and_may_omit_the_nonce() {
        let f = fixture().await;
        let nonce = Nonce::new("original");
        let refresh = expect()
            .with_expected_subject("248289761001")
            .with_nonce(&nonce);
        f.validate(&claims(), &refresh).await.unwrap();
        f.validate(&with(claims(), json!({"nonce": "original"})), &refresh)
            .await
            .unwrap();
        let err = f
            .error(with(claims(), json!({"nonce": "other"})), &refresh)
            .await;
        assert!(matches!(err, IdTokenError::NonceMismatch), "{err:?}");
        let err = f
            .error(with(claims(), json!({"sub": "someone-else"})), &refresh)
            .await;
        assert!(matches!(err, IdTokenError::SubjectMismatch), "{err:?}");
        assert!(!err.to_string().contains("someone-else"));
    }

    #[tokio::test]
    async fn subject_is_required_and_non_empty() {
        let f = fixture().await;
        for (changes, code) in [
            (json!({"sub": null}), "id_token_missing_claim"),
            (json!({"sub": ""}), "id_token_invalid_claim"),
            (json!({"sub": 42}), "id_token_invalid_claim"),
        ] {
            let err = f.error(with(claims(), changes.clone()), &expect()).await;
            assert_eq!(err.code(), code, "{changes}");
        }
    }

    #[tokio::test]
    async fn max_age_requires_a_recent_auth_time() {
        let f = fixture().await;
        let max_age = expect().with_max_age(Duration::from_secs(600));
        f.validate(&with(claims(), json!({"auth_time": NOW - 500})), &max_age)
            .await
            .unwrap();
        // Within the skew past max_age.
        f.validate(&with(claims(), json!({"auth_time": NOW - 650})), &max_age)
            .await
            .unwrap();
        let err = f
            .error(with(claims(), json!({"auth_time": NOW - 700})), &max_age)
            .await;
        assert!(matches!(err, IdTokenError::AuthTimeTooOld), "{err:?}");
        let err = f.error(claims(), &max_age).await;
        assert!(matches!(err, IdTokenError::AuthTimeMissing), "{err:?}");
        // Without max_age, auth_time is optional but must be a number when present.
        f.validate(&claims(), &expect()).await.unwrap();
        let err = f
            .error(with(claims(), json!({"auth_time": "yesterday"})), &expect())
            .await;
        assert!(
            matches!(err, IdTokenError::InvalidClaim { claim: "auth_time" }),
            "{err:?}"
        );
    }

    #[test]
    fn token_hash_matches_the_oidc_core_example() {
        // OpenID Connect Core, Appendix A.3 (RS256).
        let hash = token_hash(
            "jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y",
            SigningAlg::RS256,
            None,
        );
        assert_eq!(hash.unwrap(), "77QmUPtjPfzWtF2AnpK9RQ");
        assert_eq!(token_hash("x", SigningAlg::ES384, None).unwrap().len(), 32);
        assert_eq!(
            token_hash("x", SigningAlg::EdDSA, Some("Ed25519"))
                .unwrap()
                .len(),
            43
        );
        assert!(matches!(
            token_hash("x", SigningAlg::EdDSA, Some("Ed448")),
            Err(IdTokenError::AtHashUnsupported)
        ));
    }

    #[tokio::test]
    async fn at_hash_binds_the_access_token() {
        let f = fixture().await;
        let access = AccessToken::new("jHkWEdUXMU1BwAsC4vtUsZwnNvTIxEl0z9K3vx5KF0Y");
        let with_token = expect().with_access_token(&access);
        let good = token_hash(access.secret(), SigningAlg::ES256, None).unwrap();
        f.validate(&with(claims(), json!({"at_hash": good})), &with_token)
            .await
            .unwrap();
        let err = f
            .error(
                with(claims(), json!({"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"})),
                &with_token,
            )
            .await;
        assert!(matches!(err, IdTokenError::AtHashMismatch), "{err:?}");
        // No at_hash: nothing to check (code flow). No access token: nothing to check with.
        f.validate(&claims(), &with_token).await.unwrap();
        f.validate(
            &with(claims(), json!({"at_hash": "AAAAAAAAAAAAAAAAAAAAAA"})),
            &expect(),
        )
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn at_hash_uses_the_algorithms_hash_size() {
        let keys = Keys::ec_curve("k384", josekit::jwk::alg::ec::EcCurve::P384);
        let server = TestServer::start().await;
        server.set("/jwks", Canned::json(jwks_json(&[&keys])));
        let http = HttpClient::builder()
            .allow_loopback_http(true)
            .build()
            .unwrap();
        let jwks = JwksCache::new(http, server.url("/jwks"));
        let access = AccessToken::new("an-access-token");
        let expect = IdTokenExpectations::new(ISS, CLIENT, &[SigningAlg::ES384])
            .at(now())
            .with_access_token(&access);
        let sha384 = token_hash(access.secret(), SigningAlg::ES384, None).unwrap();
        let sha256 = token_hash(access.secret(), SigningAlg::ES256, None).unwrap();
        let sign = |at_hash: &str| {
            Jwt::new(keys.sign(
                SigningAlg::ES384,
                &with(claims(), json!({"at_hash": at_hash})),
            ))
        };
        validate_id_token(&jwks, &sign(&sha384), &expect, None)
            .await
            .unwrap();
        let err = validate_id_token(&jwks, &sign(&sha256), &expect, None)
            .await
            .unwrap_err();
        assert!(matches!(err, IdTokenError::AtHashMismatch), "{err:?}");
    }

    #[test]
    fn every_error_has_a_code_and_a_message() {
        let errors = [
            IdTokenError::MissingClaim { claim: "sub" },
            IdTokenError::IssuerMismatch,
            IdTokenError::Expired,
            IdTokenError::NonceMismatch,
            IdTokenError::AtHashMismatch,
            IdTokenError::Jose(JoseError::BadSignature),
        ];
        for error in errors {
            assert!(error
                .code()
                .chars()
                .all(|c| c.is_ascii_lowercase() || c == '_'));
            assert!(error.message().is_some());
        }
    }
}
