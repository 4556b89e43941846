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
