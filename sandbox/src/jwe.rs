//! JWE both ways: what the sandbox encrypts to a client (ID tokens and userinfo
//! responses, signed then encrypted) and what a client encrypts to the sandbox
//! (request objects). Keys are RSA, or derived from the client secret as OpenID
//! Connect Core 10.2 says.

use idspec_codegen::model::JweSpec;
use josekit::jwe::{self, JweDecrypter, JweEncrypter, JweHeader};
use josekit::jwk::Jwk;
use sha2::Digest as _;

use crate::state::SandboxClient;

/// RSA key management, preferred first: OAEP with SHA-256 over OAEP with SHA-1.
const RSA_PREFERENCE: [&str; 2] = ["RSA-OAEP-256", "RSA-OAEP"];

/// Direct encryption with a shared key (RFC 7518 4.5).
const DIR: &str = "dir";

/// How something is encrypted to one client.
pub(crate) struct Recipient<'a> {
    alg: &'static str,
    enc: String,
    key: RecipientKey<'a>,
}

enum RecipientKey<'a> {
    /// The client's RSA public key.
    Rsa(&'a Jwk),
    /// The content key itself, derived from the client secret.
    Secret(Vec<u8>),
}

impl Recipient<'_> {
    /// Encrypts a signed JWT: a nested JWT, `cty: JWT` as RFC 7519 5.2 asks, and the
    /// client's `kid` so that it knows which of its keys to use.
    pub(crate) fn encrypt(&self, signed: &str) -> Result<String, String> {
        let error = |e: josekit::JoseError| format!("cannot encrypt to the client: {e}");
        let mut header = JweHeader::new();
        header.set_content_encryption(&self.enc);
        header.set_content_type("JWT");
        let encrypter: Box<dyn JweEncrypter> = match &self.key {
            RecipientKey::Rsa(key) => {
                if let Some(kid) = key.key_id() {
                    header.set_key_id(kid);
                }
                match self.alg {
                    "RSA-OAEP-256" => {
                        Box::new(jwe::RSA_OAEP_256.encrypter_from_jwk(key).map_err(error)?)
                    }
                    _ => Box::new(jwe::RSA_OAEP.encrypter_from_jwk(key).map_err(error)?),
                }
            }
            RecipientKey::Secret(bytes) => {
                Box::new(jwe::Dir.encrypter_from_bytes(bytes).map_err(error)?)
            }
        };
        jwe::serialize_compact(signed.as_bytes(), &header, encrypter.as_ref()).map_err(error)
    }
}

/// How `allowed` lets the sandbox encrypt to `client`: to its RSA encryption key
/// (RSA-OAEP-256 where allowed, else RSA-OAEP), else with `dir` and its secret;
/// the content encryption is the spec's first. `None` when the client has neither.
pub(crate) fn recipient<'a>(allowed: &JweSpec, client: &'a SandboxClient) -> Option<Recipient<'a>> {
    let enc = allowed.enc.first()?.clone();
    let rsa = RSA_PREFERENCE
        .into_iter()
        .filter(|alg| allowed.alg.iter().any(|a| a == alg))
        .find_map(|alg| {
            client
                .jwks
                .iter()
                .find(|key| {
                    key.key_type() == "RSA"
                        && key.key_use().is_none_or(|u| u == "enc")
                        && key.algorithm().is_none_or(|a| a == alg)
                })
                .map(|key| (alg, key))
        });
    if let Some((alg, key)) = rsa {
        return Some(Recipient {
            alg,
            enc,
            key: RecipientKey::Rsa(key),
        });
    }
    let secret = client.client_secret.as_deref()?;
    if !allowed.alg.iter().any(|a| a == DIR) {
        return None;
    }
    let key = secret_key(secret, content_key_len(&enc)?);
    Some(Recipient {
        alg: DIR,
        enc,
        key: RecipientKey::Secret(key),
    })
}

/// OpenID Connect Core 10.2: a symmetric key of `len` bytes from the client secret,
/// the left-most bytes of its SHA-256 (up to 32 bytes), SHA-384 (up to 48) or
/// SHA-512 hash.
pub(crate) fn secret_key(secret: &str, len: usize) -> Vec<u8> {
    let digest = match len {
        0..=32 => sha2::Sha256::digest(secret.as_bytes()).to_vec(),
        33..=48 => sha2::Sha384::digest(secret.as_bytes()).to_vec(),
        _ => sha2::Sha512::digest(secret.as_bytes()).to_vec(),
    };
    digest[..len.min(digest.len())].to_vec()
}

/// The key length, in bytes, of a content encryption (RFC 7518 5.1).
pub(crate) fn content_key_len(enc: &str) -> Option<usize> {
    Some(match enc {
        "A128GCM" => 16,
        "A192GCM" => 24,
        "A256GCM" | "A128CBC-HS256" => 32,
        "A192CBC-HS384" => 48,
        "A256CBC-HS512" => 64,
        _ => return None,
    })
}

/// Decrypts a JWE a client sent to the sandbox, with `alg` and `enc` among
/// `allowed`: RSA-OAEP variants with the sandbox's key, `dir` and AES key wrap with
/// a key derived from the client's secret. The error says why not.
pub(crate) fn decrypt(
    compact: &str,
    allowed: &JweSpec,
    sandbox_key: Option<&Jwk>,
    client: &SandboxClient,
) -> Result<Vec<u8>, String> {
    let header = |name: &str| crate::jws::header_member(compact, name).unwrap_or_default();
    let (alg, enc) = (header("alg"), header("enc"));
    if !allowed.alg.contains(&alg) || !allowed.enc.contains(&enc) {
        return Err(format!(
            "it is encrypted with {alg} / {enc}; this provider accepts {} / {}",
            allowed.alg.join(", "),
            allowed.enc.join(", ")
        ));
    }
    let sandbox_key = || {
        let key = sandbox_key.ok_or("the sandbox has no key for RSA encryption")?;
        let kid = crate::jws::header_member(compact, "kid");
        if kid.is_some() && kid.as_deref() != key.key_id() {
            return Err(format!(
                "it is encrypted to key `{}`, which is not the sandbox's",
                kid.unwrap_or_default()
            ));
        }
        // josekit wants the kid in the header when the key has one; it was checked.
        let mut map = key.as_ref().clone();
        map.remove("kid");
        Jwk::from_map(map).map_err(|e| e.to_string())
    };
    let secret = |len: usize| {
        client
            .client_secret
            .as_deref()
            .map(|s| secret_key(s, len))
            .ok_or_else(|| format!("{alg} needs the client secret, and the client has none"))
    };
    let crypto = |e: josekit::JoseError| e.to_string();
    let decrypter: Box<dyn JweDecrypter> = match alg.as_str() {
        "RSA-OAEP" => Box::new(
            jwe::RSA_OAEP
                .decrypter_from_jwk(&sandbox_key()?)
                .map_err(crypto)?,
        ),
        "RSA-OAEP-256" => Box::new(
            jwe::RSA_OAEP_256
                .decrypter_from_jwk(&sandbox_key()?)
                .map_err(crypto)?,
        ),
        DIR => {
            let len = content_key_len(&enc).ok_or_else(|| format!("unknown enc {enc}"))?;
            Box::new(
                jwe::Dir
                    .decrypter_from_bytes(secret(len)?)
                    .map_err(crypto)?,
            )
        }
        "A128KW" => Box::new(
            jwe::A128KW
                .decrypter_from_bytes(secret(16)?)
                .map_err(crypto)?,
        ),
        "A192KW" => Box::new(
            jwe::A192KW
                .decrypter_from_bytes(secret(24)?)
                .map_err(crypto)?,
        ),
        "A256KW" => Box::new(
            jwe::A256KW
                .decrypter_from_bytes(secret(32)?)
                .map_err(crypto)?,
        ),
        other => return Err(format!("the sandbox cannot decrypt {other}")),
    };
    // josekit panics on some malformed JWEs instead of refusing them (the runtime's
    // fuzzing found some); one client's garbage must not take a request down.
    let attempt = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        jwe::deserialize_compact(compact, decrypter.as_ref())
    }));
    match attempt {
        Ok(Ok((plaintext, _))) => Ok(plaintext),
        Ok(Err(_)) => Err("it does not decrypt with the key it names".to_owned()),
        Err(_) => Err("it is not a well-formed JWE".to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_keys_are_sized_for_their_content_encryption() {
        let secret = "a-client-secret";
        let key = |enc: &str| secret_key(secret, content_key_len(enc).unwrap());
        assert_eq!(key("A128GCM"), sha2::Sha256::digest(secret)[..16].to_vec());
        assert_eq!(key("A256GCM"), sha2::Sha256::digest(secret).to_vec());
        assert_eq!(key("A128CBC-HS256"), sha2::Sha256::digest(secret).to_vec());
        assert_eq!(key("A192CBC-HS384"), sha2::Sha384::digest(secret).to_vec());
        assert_eq!(key("A256CBC-HS512"), sha2::Sha512::digest(secret).to_vec());
        assert_eq!(content_key_len("A512GCM"), None);
    }
}
