//! Compact JWS verification.

use std::fmt;
use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use josekit::jwk::Jwk;
use serde_json::{Map, Value};
use subtle::ConstantTimeEq as _;

use super::{JoseError, JwksCache, SigningAlg};
use crate::secret::ClientSecret;

/// The protected header of a verified JWS: the members we act on, and the rest.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct JwsHeaderInfo {
    /// The signing algorithm (never `none`).
    pub alg: SigningAlg,
    /// The key id, if the header named one.
    pub kid: Option<String>,
    /// The media type of the whole JWS (`JWT`, `logout+jwt`, ...).
    pub typ: Option<String>,
    /// The media type of the payload (`JWT` for nested tokens).
    pub cty: Option<String>,
    /// Every header member, as sent.
    pub members: Map<String, Value>,
}

/// A JWS whose signature verified, with its JSON-object payload.
///
/// `Debug` shows the header but not the payload, which may hold personal claims.
#[derive(Clone)]
pub struct VerifiedJws {
    header: JwsHeaderInfo,
    payload: Map<String, Value>,
    key: Option<Arc<Jwk>>,
}

impl VerifiedJws {
    /// The protected header.
    pub fn header(&self) -> &JwsHeaderInfo {
        &self.header
    }

    /// The payload.
    pub fn payload(&self) -> &Map<String, Value> {
        &self.payload
    }

    /// The payload, by value.
    pub fn into_payload(self) -> Map<String, Value> {
        self.payload
    }

    /// The JWKS key the signature verified with; `None` for HMAC (client secret).
    pub fn verifying_key(&self) -> Option<&Jwk> {
        self.key.as_deref()
    }
}

impl fmt::Debug for VerifiedJws {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VerifiedJws")
            .field("alg", &self.header.alg)
            .field("kid", &self.header.kid)
            .field("typ", &self.header.typ)
            .field("payload_members", &self.payload.len())
            .finish_non_exhaustive()
    }
}

/// Verifies a compact JWS and returns its header and JSON-object payload.
///
/// - Exactly three parts; a five-part JWE is [`JoseError::Encrypted`].
/// - The header's `alg` must be in `allowed`; `none` is rejected whatever
///   `allowed` says (it cannot even be expressed as a [`SigningAlg`]).
/// - A `crit` header is rejected: we implement no JWS extension.
/// - HS256/384/512 are verified only with `client_secret` (its UTF-8 bytes, as
///   OpenID Connect Core 10.1 says), in constant time, never with a JWKS key; with
///   no client secret they fail. This is what defeats the RS256→HS256 confusion.
/// - Other algorithms use the JWKS: the key named by `kid`
///   ([`JoseError::UnknownKid`] if the JWKS lacks it even after the rate-limited
///   refetch); without `kid`, every key that fits the algorithm is tried.
pub async fn verify_jws(
    jwks: &JwksCache,
    compact: &str,
    allowed: &[SigningAlg],
    client_secret: Option<&ClientSecret>,
) -> Result<VerifiedJws, JoseError> {
    let parts = Parts::split(compact)?;
    let header = parse_header(parts.header)?;
    if !allowed.contains(&header.alg) {
        return Err(JoseError::AlgNotAllowed { alg: header.alg });
    }
    let signature = decode(parts.signature, "the signature is not base64url")?;
    let alg = header.alg;
    let key = if alg.is_symmetric() {
        let secret = client_secret.ok_or(JoseError::MissingClientSecret { alg })?;
        let expected = alg.hmac(secret.secret().as_bytes(), parts.signing_input.as_bytes())?;
        if !bool::from(expected.ct_eq(&signature)) {
            return Err(JoseError::BadSignature);
        }
        None
    } else {
        let kid = header.kid.as_deref();
        let set = jwks.key_set(kid, alg).await?;
        Some(set.verify(kid, alg, parts.signing_input.as_bytes(), &signature)?)
    };
    // Only now, with the signature verified, is the payload worth parsing.
    let payload = decode(parts.payload, "the payload is not base64url")?;
    let payload = match serde_json::from_slice(&payload) {
        Ok(Value::Object(payload)) => payload,
        _ => {
            return Err(JoseError::Malformed {
                reason: "the payload is not a JSON object",
            })
        }
    };
    Ok(VerifiedJws {
        header,
        payload,
        key,
    })
}

/// The three parts of a compact JWS, still encoded.
struct Parts<'a> {
    header: &'a str,
    payload: &'a str,
    signature: &'a str,
    /// `header.payload`, what the signature covers.
    signing_input: &'a str,
}

impl<'a> Parts<'a> {
    fn split(compact: &'a str) -> Result<Self, JoseError> {
        let dots = compact.bytes().filter(|b| *b == b'.').count();
        match dots {
            2 => {}
            4 => return Err(JoseError::Encrypted),
            _ => {
                return Err(JoseError::Malformed {
                    reason: "a compact JWS has exactly three dot-separated parts",
                })
            }
        }
        let (signing_input, signature) = compact.rsplit_once('.').ok_or(JoseError::Malformed {
            reason: "a compact JWS has exactly three dot-separated parts",
        })?;
        let (header, payload) = signing_input.split_once('.').ok_or(JoseError::Malformed {
            reason: "a compact JWS has exactly three dot-separated parts",
        })?;
        Ok(Self {
            header,
            payload,
            signature,
            signing_input,
        })
    }
}

fn decode(part: &str, reason: &'static str) -> Result<Vec<u8>, JoseError> {
    // Unpadded and canonical only, as RFC 7515 2 requires.
    URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| JoseError::Malformed { reason })
}

fn parse_header(encoded: &str) -> Result<JwsHeaderInfo, JoseError> {
    let bytes = decode(encoded, "the header is not base64url")?;
    let Ok(Value::Object(members)) = serde_json::from_slice::<Value>(&bytes) else {
        return Err(JoseError::Malformed {
            reason: "the header is not a JSON object",
        });
    };
    let alg = match members.get("alg") {
        Some(Value::String(alg)) => alg.parse::<SigningAlg>()?,
        _ => {
            return Err(JoseError::Malformed {
                reason: "the header has no alg string",
            })
        }
    };
    if members.contains_key("crit") {
        return Err(JoseError::CriticalHeader);
    }
    let text = |name: &str, reason: &'static str| match members.get(name) {
        None => Ok(None),
        Some(Value::String(value)) => Ok(Some(value.clone())),
        Some(_) => Err(JoseError::Malformed { reason }),
    };
    Ok(JwsHeaderInfo {
        alg,
        kid: text("kid", "the header's kid is not a string")?,
        typ: text("typ", "the header's typ is not a string")?,
        cty: text("cty", "the header's cty is not a string")?,
        members,
    })
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use super::*;
    use crate::http::test_server::{Canned, TestServer};
    use crate::http::HttpClient;
    use crate::jose::testing::{b64, hmac_token, jwks_json, token, Keys};
    use crate::ErrorMetadata as _;

    const PATH: &str = "/jwks";
    const RS: &[SigningAlg] = &[SigningAlg::RS256];

    fn claims() -> Value {
        json!({"iss": "https://op.example", "sub": "248289761001"})
    }

    async fn setup(keys: &[&Keys]) -> (TestServer, JwksCache) {
        let server = TestServer::start().await;
        server.set(PATH, Canned::json(jwks_json(keys)));
        let http = HttpClient::builder()
            .allow_loopback_http(true)
            .build()
            .unwrap();
        let jwks =
            JwksCache::new(http, server.url(PATH)).min_refetch_interval(Duration::from_millis(200));
        (server, jwks)
    }

    #[tokio::test]
    async fn verifies_rsa_ec_pss_and_eddsa() {
        let (rsa, ec, ed) = (Keys::rsa("r"), Keys::ec("e"), Keys::ed("d"));
        let (_server, jwks) = setup(&[&rsa, &ec, &ed]).await;
        for (keys, alg) in [
            (&rsa, SigningAlg::RS256),
            (&rsa, SigningAlg::RS512),
            (&rsa, SigningAlg::PS256),
            (&ec, SigningAlg::ES256),
            (&ed, SigningAlg::EdDSA),
        ] {
            let jws = keys.sign(alg, &claims());
            let verified = verify_jws(&jwks, &jws, &[alg], None).await.unwrap();
            assert_eq!(verified.payload()["sub"], "248289761001");
            assert_eq!(verified.header().alg, alg);
            assert_eq!(verified.header().kid.as_deref(), keys.public.key_id());
            assert_eq!(
                verified.verifying_key().unwrap().key_id(),
                keys.public.key_id()
            );
        }
    }

    #[tokio::test]
    async fn a_key_not_in_the_jwks_gives_a_bad_signature() {
        let (published, attacker) = (Keys::rsa("r"), Keys::rsa("r"));
        let (_server, jwks) = setup(&[&published]).await;
        let jws = attacker.sign(SigningAlg::RS256, &claims());
        let err = verify_jws(&jwks, &jws, RS, None).await.unwrap_err();
        assert!(matches!(err, JoseError::BadSignature), "{err:?}");
        assert_eq!(err.code(), "jws_bad_signature");
    }

    #[tokio::test]
    async fn tampered_payloads_fail() {
        let rsa = Keys::rsa("r");
        let (_server, jwks) = setup(&[&rsa]).await;
        let jws = rsa.sign(SigningAlg::RS256, &claims());
        let mut parts: Vec<&str> = jws.split('.').collect();
        let forged = b64(json!({"iss": "https://op.example", "sub": "admin"}).to_string());
        parts[1] = &forged;
        let err = verify_jws(&jwks, &parts.join("."), RS, None)
            .await
            .unwrap_err();
        assert!(matches!(err, JoseError::BadSignature), "{err:?}");
    }

    #[tokio::test]
    async fn algorithms_outside_the_allow_list_are_rejected() {
        let rsa = Keys::rsa("r");
        let (server, jwks) = setup(&[&rsa]).await;
        let jws = rsa.sign(SigningAlg::RS384, &claims());
        let err = verify_jws(&jwks, &jws, RS, None).await.unwrap_err();
        assert!(
            matches!(
                err,
                JoseError::AlgNotAllowed {
                    alg: SigningAlg::RS384
                }
            ),
            "{err:?}"
        );
        assert_eq!(server.hits(PATH), 0, "rejected before any key is fetched");
    }

    #[tokio::test]
    async fn alg_none_is_always_rejected() {
        let rsa = Keys::rsa("r");
        let (_server, jwks) = setup(&[&rsa]).await;
        for alg in ["none", "None", "NONE"] {
            let header = b64(json!({"alg": alg}).to_string());
            let payload = b64(claims().to_string());
            let jws = format!("{header}.{payload}.");
            let err = verify_jws(&jwks, &jws, &SigningAlg::ALL, None)
                .await
                .unwrap_err();
            assert!(matches!(err, JoseError::AlgNone), "{err:?}");
            assert_eq!(err.code(), "jws_alg_none");
        }
    }

    #[tokio::test]
    async fn hmac_uses_the_client_secret() {
        let (_server, jwks) = setup(&[]).await;
        let secret = ClientSecret::new("a-client-secret-of-at-least-32-bytes!");
        let jws = hmac_token(
            SigningAlg::HS256,
            secret.secret().as_bytes(),
            &json!({"alg": "HS256"}),
            &claims(),
        );
        let verified = verify_jws(&jwks, &jws, &[SigningAlg::HS256], Some(&secret))
            .await
            .unwrap();
        assert!(verified.verifying_key().is_none());
        let other = ClientSecret::new("another-client-secret-of-32-bytes-or-more");
        let err = verify_jws(&jwks, &jws, &[SigningAlg::HS256], Some(&other))
            .await
            .unwrap_err();
        assert!(matches!(err, JoseError::BadSignature), "{err:?}");
        let err = verify_jws(&jwks, &jws, &[SigningAlg::HS256], None)
            .await
            .unwrap_err();
        assert!(
            matches!(err, JoseError::MissingClientSecret { .. }),
            "{err:?}"
        );
    }

    #[tokio::test]
    async fn a_short_client_secret_is_not_an_hmac_key() {
        let (_server, jwks) = setup(&[]).await;
        let secret = ClientSecret::new("short");
        let jws = hmac_token(
            SigningAlg::HS256,
            &[7; 32],
            &json!({"alg": "HS256"}),
            &claims(),
        );
        let err = verify_jws(&jwks, &jws, &[SigningAlg::HS256], Some(&secret))
            .await
            .unwrap_err();
        assert!(matches!(err, JoseError::WeakClientSecret { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn hmac_forged_with_the_public_key_is_rejected() {
        // The classic confusion: sign HS256 with the provider's public key as the
        // HMAC key, hoping the verifier keys HMAC with whatever the JWKS holds.
        let rsa = Keys::rsa("r");
        let (server, jwks) = setup(&[&rsa]).await;
        let public_key_bytes = rsa.public.to_string();
        let jws = hmac_token(
            SigningAlg::HS256,
            public_key_bytes.as_bytes(),
            &json!({"alg": "HS256", "kid": "r"}),
            &claims(),
        );
        // Not in the spec's allow-list: rejected outright.
        let err = verify_jws(&jwks, &jws, RS, None).await.unwrap_err();
        assert!(matches!(err, JoseError::AlgNotAllowed { .. }), "{err:?}");
        // Even if HS256 is allowed, the JWKS key is never the HMAC key.
        let err = verify_jws(&jwks, &jws, &[SigningAlg::RS256, SigningAlg::HS256], None)
            .await
            .unwrap_err();
        assert!(
            matches!(err, JoseError::MissingClientSecret { .. }),
            "{err:?}"
        );
        let secret = ClientSecret::new("the-real-client-secret-is-32-bytes-long");
        let err = verify_jws(&jwks, &jws, &[SigningAlg::HS256], Some(&secret))
            .await
            .unwrap_err();
        assert!(matches!(err, JoseError::BadSignature), "{err:?}");
        assert_eq!(server.hits(PATH), 0);
    }

    #[tokio::test]
    async fn unknown_kid_refetches_once_then_is_rate_limited() {
        let (rsa, stranger) = (Keys::rsa("r"), Keys::rsa("stranger"));
        let (server, jwks) = setup(&[&rsa]).await;
        verify_jws(&jwks, &rsa.sign(SigningAlg::RS256, &claims()), RS, None)
            .await
            .unwrap();
        tokio::time::sleep(Duration::from_millis(250)).await;
        let forged = stranger.sign(SigningAlg::RS256, &claims());
        for _ in 0..3 {
            let err = verify_jws(&jwks, &forged, RS, None).await.unwrap_err();
            assert!(matches!(err, JoseError::UnknownKid { .. }), "{err:?}");
        }
        assert_eq!(server.hits(PATH), 2);
    }

    #[tokio::test]
    async fn key_rotation_is_picked_up() {
        let (old, new) = (Keys::rsa("2024"), Keys::ec("2025"));
        let (server, jwks) = setup(&[&old]).await;
        verify_jws(&jwks, &old.sign(SigningAlg::RS256, &claims()), RS, None)
            .await
            .unwrap();
        server.set(PATH, Canned::json(jwks_json(&[&old, &new])));
        tokio::time::sleep(Duration::from_millis(250)).await;
        let both = &[SigningAlg::RS256, SigningAlg::ES256];
        verify_jws(&jwks, &new.sign(SigningAlg::ES256, &claims()), both, None)
            .await
            .unwrap();
        assert_eq!(server.hits(PATH), 2);
    }

    #[tokio::test]
    async fn without_kid_every_fitting_key_is_tried() {
        let (a, b, c) = (Keys::rsa("a"), Keys::rsa("b"), Keys::ec("c"));
        // One key: used.
        let (_server, jwks) = setup(&[&a]).await;
        let jws = a.sign_with_header(&json!({"alg": "RS256"}), &claims());
        verify_jws(&jwks, &jws, RS, None).await.unwrap();
        // Several: the one that verifies is found, whichever position it has.
        let (_server, jwks) = setup(&[&c, &a, &b]).await;
        let jws = b.sign_with_header(&json!({"alg": "RS256"}), &claims());
        let verified = verify_jws(&jwks, &jws, RS, None).await.unwrap();
        assert_eq!(verified.verifying_key().unwrap().key_id(), Some("b"));
        // None of them: bad signature.
        let stranger = Keys::rsa("z");
        let jws = stranger.sign_with_header(&json!({"alg": "RS256"}), &claims());
        let err = verify_jws(&jwks, &jws, RS, None).await.unwrap_err();
        assert!(matches!(err, JoseError::BadSignature), "{err:?}");
    }

    #[tokio::test]
    async fn crit_headers_are_rejected() {
        let rsa = Keys::rsa("r");
        let (_server, jwks) = setup(&[&rsa]).await;
        let jws = rsa.sign_with_header(
            &json!({"alg": "RS256", "kid": "r", "crit": ["b64"], "b64": false}),
            &claims(),
        );
        let err = verify_jws(&jwks, &jws, RS, None).await.unwrap_err();
        assert!(matches!(err, JoseError::CriticalHeader), "{err:?}");
    }

    #[tokio::test]
    async fn malformed_and_encrypted_tokens() {
        let rsa = Keys::rsa("r");
        let (_server, jwks) = setup(&[&rsa]).await;
        let err = verify_jws(&jwks, "a.b.c.d.e", RS, None).await.unwrap_err();
        assert!(matches!(err, JoseError::Encrypted), "{err:?}");
        for bad in [
            "",
            "abc",
            "a.b",
            "a.b.c.d",
            "!!!.e30.AA",
            &format!("{}.e30.AA", b64("[1]")),
            &format!("{}.e30.AA", b64(r#"{"alg": 256}"#)),
            &format!("{}.e30.AA", b64(r#"{"alg": "RS256", "kid": 7}"#)),
        ] {
            let err = verify_jws(&jwks, bad, RS, None).await.unwrap_err();
            assert!(matches!(err, JoseError::Malformed { .. }), "{bad}: {err:?}");
        }
        let padded = format!("{}=", rsa.sign(SigningAlg::RS256, &claims()));
        assert!(verify_jws(&jwks, &padded, RS, None).await.is_err());
        let err = verify_jws(
            &jwks,
            &format!("{}.e30.AA", b64(r#"{"alg":"XS1"}"#)),
            RS,
            None,
        )
        .await
        .unwrap_err();
        assert!(matches!(err, JoseError::UnsupportedAlg { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn the_payload_must_be_a_json_object() {
        let rsa = Keys::rsa("r");
        let (_server, jwks) = setup(&[&rsa]).await;
        let jws = token(&json!({"alg": "RS256", "kid": "r"}), b"[1,2]", |input| {
            rsa.raw_sign(SigningAlg::RS256, input)
        });
        let err = verify_jws(&jwks, &jws, RS, None).await.unwrap_err();
        assert!(matches!(err, JoseError::Malformed { .. }), "{err:?}");
    }

    #[tokio::test]
    async fn debug_and_errors_do_not_show_claims() {
        let rsa = Keys::rsa("r");
        let (_server, jwks) = setup(&[&rsa]).await;
        let verified = verify_jws(&jwks, &rsa.sign(SigningAlg::RS256, &claims()), RS, None)
            .await
            .unwrap();
        assert!(!format!("{verified:?}").contains("248289761001"));
    }
}
