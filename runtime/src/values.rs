//! Small value types that generated code uses.

use std::borrow::Cow;
use std::fmt;

use base64::Engine as _;
use serde::{Deserialize, Serialize};

/// A wire value an enum does not document, kept as received.
///
/// Generated enums hold it in their catch-all variant. It is not meant to be built
/// by hand (only parsing a wire value creates one), so that matching on a documented
/// variant keeps meaning what it says; compare values with `as_str()` if needed.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct UnknownValue(String);

impl UnknownValue {
    // Public only because generated code lives in the user's crate; the name says
    // what it is for.
    #[doc(hidden)]
    pub fn __from_wire_by_generated_code(value: String) -> Self {
        Self(value)
    }

    /// The value as received.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for UnknownValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

/// A scope as the generated `Scope` enums implement it.
pub trait ScopeValue: Clone + fmt::Debug + Send + Sync + 'static {
    /// The scope on the wire.
    fn wire(&self) -> Cow<'_, str>;
}

/// A scope given by its wire value, for code that works with any provider.
impl ScopeValue for String {
    fn wire(&self) -> Cow<'_, str> {
        Cow::Borrowed(self)
    }
}

/// The `aud` claim: one audience or several.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum Audience {
    /// A single audience.
    Single(String),
    /// Several audiences.
    Multiple(Vec<String>),
}

impl Audience {
    /// Whether `client_id` is among the audiences.
    pub fn contains(&self, client_id: &str) -> bool {
        match self {
            Self::Single(audience) => audience == client_id,
            Self::Multiple(audiences) => audiences.iter().any(|a| a == client_id),
        }
    }
}

/// Base64-encoded binary data (an image), decoded on request.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Base64Data(String);

impl Base64Data {
    /// The encoded text as received.
    pub fn encoded(&self) -> &str {
        &self.0
    }

    /// The decoded bytes (standard or URL-safe alphabet, padded or not).
    pub fn decode(&self) -> Result<Vec<u8>, base64::DecodeError> {
        use base64::engine::general_purpose::{
            STANDARD, STANDARD_NO_PAD, URL_SAFE, URL_SAFE_NO_PAD,
        };
        let text: String = self
            .0
            .chars()
            .filter(|c| !c.is_ascii_whitespace())
            .collect();
        STANDARD
            .decode(&text)
            .or_else(|_| STANDARD_NO_PAD.decode(&text))
            .or_else(|_| URL_SAFE.decode(&text))
            .or_else(|_| URL_SAFE_NO_PAD.decode(&text))
    }
}

impl fmt::Debug for Base64Data {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Base64Data({} characters)", self.0.len())
    }
}

/// The ID token claims type of providers that issue no ID token.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct NoIdToken {}

impl crate::claim_map::ClaimFields for NoIdToken {
    fn fields(&self) -> Vec<(&'static str, serde_json::Value)> {
        Vec::new()
    }
}

/// A UUID in its hyphenated text form (`ba7ce9dc-c182-4907-875c-ce1942239099`),
/// checked when parsed and kept in lowercase, so that two spellings of one UUID
/// compare equal. It is an identifier, not a secret.
#[derive(Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(transparent)]
pub struct Uuid(String);

/// A text that is not a hyphenated UUID.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("not a UUID (8-4-4-4-12 hexadecimal digits)")]
pub struct InvalidUuid;

impl Uuid {
    /// Parses a hyphenated UUID, in either case.
    pub fn parse(text: &str) -> Result<Self, InvalidUuid> {
        let groups: Vec<&str> = text.split('-').collect();
        let shaped = groups.len() == 5
            && groups.iter().zip([8, 4, 4, 4, 12]).all(|(group, len)| {
                group.len() == len && group.bytes().all(|b| b.is_ascii_hexdigit())
            });
        if shaped {
            Ok(Self(text.to_ascii_lowercase()))
        } else {
            Err(InvalidUuid)
        }
    }

    /// The UUID in lowercase.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}", self.0)
    }
}

impl fmt::Display for Uuid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::str::FromStr for Uuid {
    type Err = InvalidUuid;

    fn from_str(text: &str) -> Result<Self, InvalidUuid> {
        Self::parse(text)
    }
}

impl<'de> Deserialize<'de> for Uuid {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = Cow::<'de, str>::deserialize(deserializer)?;
        Self::parse(&text).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod uuid_tests {
    use super::Uuid;

    #[test]
    fn parses_the_hyphenated_form_only() {
        let uuid = Uuid::parse("BA7CE9DC-c182-4907-875c-ce1942239099").unwrap();
        assert_eq!(uuid.as_str(), "ba7ce9dc-c182-4907-875c-ce1942239099");
        for bad in [
            "",
            "ba7ce9dc-c182-4907-875c-ce194223909",
            "ba7ce9dcc1824907875cce1942239099",
            "ba7ce9dc-c182-4907-875c-ce194223909g",
            "../../etc/passwd",
        ] {
            assert!(Uuid::parse(bad).is_err(), "{bad}");
        }
        let parsed: Uuid =
            serde_json::from_str("\"ba7ce9dc-c182-4907-875c-ce1942239099\"").unwrap();
        assert_eq!(parsed, uuid);
        assert!(serde_json::from_str::<Uuid>("\"x\"").is_err());
    }
}
