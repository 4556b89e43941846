//! Newtypes for every secret the protocol handles.
//!
//! Each type prints `[redacted]` from `Debug` and has no `Display`, so a secret
//! cannot reach a log line or an error message by accident: reading it takes an
//! explicit `.secret()` call, which is easy to grep for in review.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Defines a secret newtype over `String`.
macro_rules! secret_string {
    ($(#[$meta:meta])* $name:ident) => {
        $(#[$meta])*
        #[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
        #[serde(transparent)]
        pub struct $name(String);

        impl $name {
            /// Wraps a secret value.
            pub fn new(value: impl Into<String>) -> Self {
                Self(value.into())
            }

            /// The secret value itself. Never log it.
            pub fn secret(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Debug for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(concat!(stringify!($name), "([redacted])"))
            }
        }

        impl From<String> for $name {
            fn from(value: String) -> Self {
                Self(value)
            }
        }

        impl From<&str> for $name {
            fn from(value: &str) -> Self {
                Self(value.to_owned())
            }
        }
    };
}

secret_string!(
    /// The client secret shared with the provider (client_secret_basic, client_secret_post,
    /// and the HMAC key for HS* signatures).
    ClientSecret
);
secret_string!(
    /// An OAuth 2 access token.
    AccessToken
);
secret_string!(
    /// An OAuth 2 refresh token: a long-lived credential; store it as you would a password.
    RefreshToken
);
secret_string!(
    /// A one-time authorization code from the redirect.
    AuthorizationCode
);
secret_string!(
    /// A PKCE code verifier (RFC 7636).
    PkceVerifier
);
secret_string!(
    /// The `state` value that binds a callback to the browser session that started it.
    State
);
secret_string!(
    /// The `nonce` that binds an ID token to the authorization request.
    Nonce
);
secret_string!(
    /// A compact-serialized JWT (an ID token, a signed userinfo response): it carries
    /// personal claims, so it is treated as a secret too.
    Jwt
);

secret_string!(
    /// An API key a provider issues for backend-to-backend calls (IDEMIA's GIPS-RS
    /// key, sent in a header).
    ApiKey
);

impl State {
    /// A fresh state value from the operating system's CSPRNG (256 bits).
    pub fn generate() -> Self {
        Self(crate::random::token())
    }
}

impl Nonce {
    /// A fresh nonce from the operating system's CSPRNG (256 bits).
    pub fn generate() -> Self {
        Self(crate::random::token())
    }
}

impl PkceVerifier {
    /// A fresh verifier: 256 bits from the CSPRNG, base64url encoded (43 characters,
    /// within RFC 7636's 43..=128).
    pub fn generate() -> Self {
        Self(crate::random::token())
    }

    /// The S256 code challenge: `BASE64URL(SHA256(verifier))`.
    pub fn s256_challenge(&self) -> String {
        use base64::Engine as _;
        use sha2::Digest as _;
        let digest = sha2::Sha256::digest(self.0.as_bytes());
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(digest)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_never_shows_the_value() {
        let secret = ClientSecret::new("hunter2");
        let printed = format!("{secret:?} {:?}", AccessToken::new("tok"));
        assert_eq!(printed, "ClientSecret([redacted]) AccessToken([redacted])");
        assert!(!printed.contains("hunter2"));
    }

    #[test]
    fn s256_challenge_matches_rfc7636_appendix_b() {
        let verifier = PkceVerifier::new("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk");
        assert_eq!(
            verifier.s256_challenge(),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn generated_values_are_distinct_and_long_enough() {
        let a = State::generate();
        let b = State::generate();
        assert_ne!(a, b);
        assert_eq!(a.secret().len(), 43);
        assert!(PkceVerifier::generate().secret().len() >= 43);
    }
}
