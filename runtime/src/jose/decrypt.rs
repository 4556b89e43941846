//! Decrypting JWEs addressed to the relying party: encrypted ID tokens and userinfo
//! responses (nested JWTs, signed then encrypted). The algorithms must be ones the
//! provider's spec lists; the key is the relying party's (by `kid`, or each that
//! fits), or, for symmetric key wrapping (`A128KW`...) and direct encryption
//! (`dir`), derived from the client secret as OpenID Connect Core 10.2 says.

use std::sync::Arc;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use josekit::jwe::{self, JweDecrypter};
use josekit::jwk::Jwk;
use sha2::Digest as _;

use super::{JoseError, RelyingPartyKeys};
use crate::secret::ClientSecret;

/// The JWE algorithms a provider may use, from its spec.
#[derive(Clone, Copy, Debug)]
pub struct JweAlgorithms {
    /// Key management algorithms (`alg`).
    pub alg: &'static [&'static str],
    /// Content encryption algorithms (`enc`).
    pub enc: &'static [&'static str],
}

/// Makes a decrypter from one of the relying party's keys.
type MakeDecrypter<'a> = &'a dyn Fn(&Jwk) -> Result<Box<dyn JweDecrypter>, josekit::JoseError>;

/// The key management algorithms that decrypt with one of the relying party's keys,
/// whose decrypters `RelyingPartyKeys` keeps once built.
pub(crate) const KEY_DECRYPTION_ALGS: [&str; 6] = [
    "RSA-OAEP",
    "RSA-OAEP-256",
    "ECDH-ES",
    "ECDH-ES+A128KW",
    "ECDH-ES+A192KW",
    "ECDH-ES+A256KW",
];

/// Whether a compact serialization is a JWE (five parts) rather than a JWS.
pub fn is_jwe(compact: &str) -> bool {
    compact.split('.').count() == 5
}

/// Decrypts a compact JWE and returns its plaintext.
pub fn decrypt(
    compact: &str,
    allowed: &JweAlgorithms,
    keys: &RelyingPartyKeys,
    client_secret: Option<&ClientSecret>,
) -> Result<Vec<u8>, JoseError> {
    let header = compact.split('.').next().unwrap_or_default();
    let header: serde_json::Value = URL_SAFE_NO_PAD
        .decode(header)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok())
        .ok_or_else(|| JoseError::Malformed {
            reason: "the JWE header is not base64url JSON",
        })?;
    let alg = header
        .get("alg")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    let enc = header
        .get("enc")
        .and_then(|v| v.as_str())
        .unwrap_or_default();
    if !allowed.alg.contains(&alg) || !allowed.enc.contains(&enc) {
        return Err(JoseError::EncryptionNotAllowed {
            alg: truncate(alg),
            enc: truncate(enc),
        });
    }
    if header.get("zip").is_some() {
        // Compression before encryption leaks plaintext length patterns; no spec asks for it.
        return Err(JoseError::Malformed {
            reason: "compressed JWEs are refused",
        });
    }
    check_encrypted_key(alg, compact)?;
    check_iv(enc, compact)?;
    let kid = header.get("kid").and_then(|v| v.as_str());
    let decrypters = decrypters(alg, enc, kid, keys, client_secret)?;
    if decrypters.is_empty() {
        return Err(JoseError::NoDecryptionKey { alg: truncate(alg) });
    }
    for decrypter in &decrypters {
        // josekit panics on some malformed inputs it should refuse (found by the
        // jwe_parse fuzz target); the checks above exclude the known ones, and this
        // keeps any other from taking the relying party down with it.
        let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
            jwe::deserialize_compact(compact, decrypter.as_ref())
        }));
        match attempt {
            Ok(Ok((plaintext, _))) => return Ok(plaintext),
            Ok(Err(_)) => {}
            Err(_) => {
                return Err(JoseError::Malformed {
                    reason: "the JWE could not be parsed",
                });
            }
        }
    }
    Err(JoseError::DecryptionFailed)
}

/// The initialization vector must have the length its content encryption uses
/// (RFC 7518 5.2 and 5.3): 128 bits for AES-CBC-HMAC, 96 for AES-GCM.
fn check_iv(enc: &str, compact: &str) -> Result<(), JoseError> {
    let part = compact.split('.').nth(2).unwrap_or_default();
    let iv = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| JoseError::Malformed {
            reason: "the IV is not base64url",
        })?;
    let expected = if enc.ends_with("GCM") { 12 } else { 16 };
    if iv.len() == expected {
        Ok(())
    } else {
        Err(JoseError::Malformed {
            reason: "the IV does not fit the content encryption",
        })
    }
}

/// The encrypted key must have the shape its algorithm produces: empty for direct
/// key agreement and for direct encryption (RFC 7518 4.5: the content key is the
/// shared key itself, so nothing is sent), a whole number of 64-bit blocks of at
/// least a 128-bit key plus the integrity block for AES key wrap (RFC 3394),
/// something for RSA.
fn check_encrypted_key(alg: &str, compact: &str) -> Result<(), JoseError> {
    let part = compact.split('.').nth(1).unwrap_or_default();
    let key = URL_SAFE_NO_PAD
        .decode(part)
        .map_err(|_| JoseError::Malformed {
            reason: "the encrypted key is not base64url",
        })?;
    let ok = match alg {
        "ECDH-ES" | "dir" => key.is_empty(),
        a if a.ends_with("KW") => key.len() >= 24 && key.len() % 8 == 0,
        _ => !key.is_empty(),
    };
    if ok {
        Ok(())
    } else {
        Err(JoseError::Malformed {
            reason: "the encrypted key does not fit the algorithm",
        })
    }
}

/// A header value fit for an error message: at most 32 characters, and only those
/// a JOSE algorithm name uses (a forged header could carry line breaks for the logs).
fn truncate(text: &str) -> String {
    text.chars()
        .take(32)
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '+' | '_' | '.') {
                c
            } else {
                '?'
            }
        })
        .collect()
}

/// The length in bytes of the content encryption key `enc` uses (RFC 7518 5.2.3 to
/// 5.2.5 and 5.3): what a key derived for `dir` must be, exactly.
fn content_key_len(enc: &str) -> Option<usize> {
    Some(match enc {
        "A128GCM" => 16,
        "A192GCM" => 24,
        "A256GCM" | "A128CBC-HS256" => 32,
        "A192CBC-HS384" => 48,
        "A256CBC-HS512" => 64,
        _ => return None,
    })
}

fn decrypters(
    alg: &str,
    enc: &str,
    kid: Option<&str>,
    keys: &RelyingPartyKeys,
    client_secret: Option<&ClientSecret>,
) -> Result<Vec<Arc<dyn JweDecrypter>>, JoseError> {
    let symmetric = |bytes: usize| -> Result<Vec<u8>, JoseError> {
        let secret = client_secret.ok_or(JoseError::NoDecryptionKey {
            alg: alg.to_owned(),
        })?;
        // OpenID Connect Core 10.2: the left-most bits of a SHA-2 hash of the secret.
        let digest = match bytes {
            0..=32 => sha2::Sha256::digest(secret.secret().as_bytes()).to_vec(),
            33..=48 => sha2::Sha384::digest(secret.secret().as_bytes()).to_vec(),
            _ => sha2::Sha512::digest(secret.secret().as_bytes()).to_vec(),
        };
        Ok(digest[..bytes].to_vec())
    };
    let boxed = |result: Result<Box<dyn JweDecrypter>, josekit::JoseError>| {
        result.map(Arc::from).map_err(JoseError::Crypto)
    };
    let from_keys =
        |make: MakeDecrypter<'_>| match KEY_DECRYPTION_ALGS.iter().position(|a| *a == alg) {
            Some(slot) => keys.decrypters(kid, slot, |key| make(key).ok().map(Arc::from)),
            None => Vec::new(),
        };
    Ok(match alg {
        "RSA-OAEP" => from_keys(&|k| Ok(Box::new(jwe::RSA_OAEP.decrypter_from_jwk(k)?))),
        "RSA-OAEP-256" => from_keys(&|k| Ok(Box::new(jwe::RSA_OAEP_256.decrypter_from_jwk(k)?))),
        "ECDH-ES" => from_keys(&|k| Ok(Box::new(jwe::ECDH_ES.decrypter_from_jwk(k)?))),
        "ECDH-ES+A128KW" => {
            from_keys(&|k| Ok(Box::new(jwe::ECDH_ES_A128KW.decrypter_from_jwk(k)?)))
        }
        "ECDH-ES+A192KW" => {
            from_keys(&|k| Ok(Box::new(jwe::ECDH_ES_A192KW.decrypter_from_jwk(k)?)))
        }
        "ECDH-ES+A256KW" => {
            from_keys(&|k| Ok(Box::new(jwe::ECDH_ES_A256KW.decrypter_from_jwk(k)?)))
        }
        "A128KW" => vec![boxed(
            jwe::A128KW
                .decrypter_from_bytes(symmetric(16)?)
                .map(|d| Box::new(d) as _),
        )?],
        "A192KW" => vec![boxed(
            jwe::A192KW
                .decrypter_from_bytes(symmetric(24)?)
                .map(|d| Box::new(d) as _),
        )?],
        "A256KW" => vec![boxed(
            jwe::A256KW
                .decrypter_from_bytes(symmetric(32)?)
                .map(|d| Box::new(d) as _),
        )?],
        // Direct encryption: the content key is the client secret's hash itself.
        // That is acceptable because the secret is the client's own, shared only with
        // the provider, which is exactly the trust A128KW to A256KW already place in
        // it (those wrap a random key with the same derived key); and only when the
        // provider's spec lists `dir`, which `decrypt` checked before getting here.
        "dir" => {
            let len = content_key_len(enc)
                .ok_or_else(|| JoseError::UnsupportedAlg { alg: truncate(enc) })?;
            vec![boxed(
                jwe::Dir
                    .decrypter_from_bytes(symmetric(len)?)
                    .map(|d| Box::new(d) as _),
            )?]
        }
        // RSA1_5 is open to padding-oracle attacks (RFC 8725 3.2): never accepted,
        // whatever a spec lists. PBES2 derives keys from passwords, which no
        // provider uses for responses.
        other => {
            return Err(JoseError::UnsupportedAlg {
                alg: truncate(other),
            })
        }
    })
}

#[cfg(test)]
mod tests {
    use josekit::jwe::{JweEncrypter, JweHeader};

    use super::*;

    const SECRET: &str = "itsme-client-secret-with-enough-entropy-0123456789";
    const NESTED: &[u8] = b"eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxIn0.c2lnbmF0dXJl";

    /// What the spec of a provider encrypting with `dir` lists.
    const DIR: JweAlgorithms = JweAlgorithms {
        alg: &["dir"],
        enc: &[
            "A128GCM",
            "A192GCM",
            "A256GCM",
            "A128CBC-HS256",
            "A192CBC-HS384",
            "A256CBC-HS512",
        ],
    };

    /// OpenID Connect Core 10.2, written out independently of `decrypters`.
    fn derived(secret: &str, len: usize) -> Vec<u8> {
        let digest = match len {
            16 | 24 | 32 => sha2::Sha256::digest(secret).to_vec(),
            48 => sha2::Sha384::digest(secret).to_vec(),
            64 => sha2::Sha512::digest(secret).to_vec(),
            other => panic!("no content key is {other} bytes"),
        };
        digest[..len].to_vec()
    }

    /// `plaintext` encrypted with `dir` / `enc` under the key derived from `secret`,
    /// as a provider does it.
    fn dir_jwe(secret: &str, enc: &str, key_len: usize) -> String {
        let mut header = JweHeader::new();
        header.set_content_encryption(enc);
        header.set_content_type("JWT");
        let encrypter = jwe::Dir
            .encrypter_from_bytes(derived(secret, key_len))
            .unwrap();
        jwe::serialize_compact(NESTED, &header, &encrypter as &dyn JweEncrypter).unwrap()
    }

    fn secret(value: &str) -> ClientSecret {
        ClientSecret::new(value)
    }

    #[test]
    fn dir_a256gcm_decrypts_with_the_client_secret() {
        let token = dir_jwe(SECRET, "A256GCM", 32);
        assert_eq!(token.split('.').nth(1), Some(""), "dir sends no key");
        let plaintext = decrypt(
            &token,
            &DIR,
            &RelyingPartyKeys::new(),
            Some(&secret(SECRET)),
        )
        .unwrap();
        assert_eq!(plaintext, NESTED);
    }

    #[test]
    fn dir_derives_the_key_length_each_enc_needs() {
        for (enc, len) in [
            ("A128GCM", 16),
            ("A192GCM", 24),
            ("A256GCM", 32),
            ("A128CBC-HS256", 32),
            ("A192CBC-HS384", 48),
            ("A256CBC-HS512", 64),
        ] {
            let token = dir_jwe(SECRET, enc, len);
            let plaintext = decrypt(
                &token,
                &DIR,
                &RelyingPartyKeys::new(),
                Some(&secret(SECRET)),
            )
            .unwrap_or_else(|e| panic!("{enc}: {e:?}"));
            assert_eq!(plaintext, NESTED, "{enc}");
        }
    }

    #[test]
    fn dir_with_another_secret_fails() {
        let token = dir_jwe("the-secret-of-another-client-0123456789", "A256GCM", 32);
        let error = decrypt(
            &token,
            &DIR,
            &RelyingPartyKeys::new(),
            Some(&secret(SECRET)),
        )
        .unwrap_err();
        assert!(matches!(error, JoseError::DecryptionFailed), "{error:?}");
    }

    #[test]
    fn dir_only_when_the_spec_lists_it() {
        let token = dir_jwe(SECRET, "A256GCM", 32);
        let without_dir = JweAlgorithms {
            alg: &["RSA-OAEP", "A256KW"],
            enc: &["A256GCM"],
        };
        let error = decrypt(
            &token,
            &without_dir,
            &RelyingPartyKeys::new(),
            Some(&secret(SECRET)),
        )
        .unwrap_err();
        assert!(
            matches!(&error, JoseError::EncryptionNotAllowed { alg, enc } if alg == "dir" && enc == "A256GCM"),
            "{error:?}"
        );
    }

    #[test]
    fn dir_needs_a_client_secret() {
        let token = dir_jwe(SECRET, "A256GCM", 32);
        let error = decrypt(&token, &DIR, &RelyingPartyKeys::new(), None).unwrap_err();
        assert!(
            matches!(&error, JoseError::NoDecryptionKey { alg } if alg == "dir"),
            "{error:?}"
        );
    }

    #[test]
    fn dir_with_an_encrypted_key_is_malformed() {
        // A key where `dir` sends none: some other algorithm's output relabelled.
        let token = dir_jwe(SECRET, "A256GCM", 32);
        let mut parts: Vec<&str> = token.split('.').collect();
        parts[1] = "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
        let error = decrypt(
            &parts.join("."),
            &DIR,
            &RelyingPartyKeys::new(),
            Some(&secret(SECRET)),
        )
        .unwrap_err();
        assert!(
            matches!(
                error,
                JoseError::Malformed {
                    reason: "the encrypted key does not fit the algorithm"
                }
            ),
            "{error:?}"
        );
    }

    #[test]
    fn errors_never_show_the_secret_or_the_key() {
        let token = dir_jwe("the-secret-of-another-client-0123456789", "A256GCM", 32);
        let error = decrypt(
            &token,
            &DIR,
            &RelyingPartyKeys::new(),
            Some(&secret(SECRET)),
        )
        .unwrap_err();
        let shown = format!("{error} {error:?}");
        assert!(!shown.contains(SECRET), "{shown}");
        let key = URL_SAFE_NO_PAD.encode(derived(SECRET, 32));
        assert!(!shown.contains(&key), "{shown}");
    }

    #[test]
    fn dir_with_a_content_encryption_of_unknown_key_length_is_refused() {
        // A spec may list any `enc`; `dir` cannot derive a key for one it does not know.
        let allowed = JweAlgorithms {
            alg: &["dir"],
            enc: &["A512GCM"],
        };
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"dir","enc":"A512GCM"}"#);
        let token = format!("{header}..AAAAAAAAAAAAAAAA.AAAA.AAAAAAAAAAAAAAAAAAAAAA");
        let error = decrypt(
            &token,
            &allowed,
            &RelyingPartyKeys::new(),
            Some(&secret(SECRET)),
        )
        .unwrap_err();
        assert!(
            matches!(&error, JoseError::UnsupportedAlg { alg } if alg == "A512GCM"),
            "{error:?}"
        );
    }

    #[test]
    fn rsa1_5_is_refused_even_when_listed() {
        let allowed = JweAlgorithms {
            alg: &["RSA1_5"],
            enc: &["A128CBC-HS256"],
        };
        let header = URL_SAFE_NO_PAD.encode(r#"{"alg":"RSA1_5","enc":"A128CBC-HS256"}"#);
        let token = format!("{header}.AAAA.AAAAAAAAAAAAAAAAAAAAAA.AAAA.AAAA");
        let error = decrypt(&token, &allowed, &RelyingPartyKeys::new(), None).unwrap_err();
        assert!(
            matches!(&error, JoseError::UnsupportedAlg { alg } if alg == "RSA1_5"),
            "{error:?}"
        );
    }
}
