//! Metadata keyed by the claims it describes (itsme's `verificationDate`:
//! `{"birthdate": "2023-04-12T15:02:23Z", "http://itsme.services/v2/claim/BEeidSn": ...}`).
//!
//! Keys are the provider's claim names; each generated module's `Claim` enum looks
//! them up, and keys that name no documented claim are kept, never rejected.

use std::collections::BTreeMap;
use std::fmt;
use std::marker::PhantomData;

use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::values::UnknownValue;

/// Implemented by each provider's generated `Claim` enum: the documented claims.
pub trait ClaimName: Copy + Ord + fmt::Debug + Send + Sync + 'static {
    /// The claim for a wire name, if it is documented.
    fn from_wire(wire: &str) -> Option<Self>;
    /// The claim's wire name.
    fn as_wire(self) -> &'static str;
}

/// Implemented by each provider's generated claims structs (`UserInfo`,
/// `IdTokenClaims`): the claims present, typed, for code that shows or audits them
/// without knowing the provider (an admin page, `idspec demo`).
pub trait ClaimFields {
    /// Each documented claim that is present, by its Rust field name, with its
    /// typed value rendered as JSON; unknown claims are not included.
    fn fields(&self) -> Vec<(&'static str, serde_json::Value)>;
}

/// A claim's typed value as JSON, for generated [`ClaimFields`] impls. Claim types
/// serialize infallibly (their maps have string keys); `null` stands in otherwise.
#[doc(hidden)]
pub fn typed<T: Serialize>(value: &T) -> serde_json::Value {
    serde_json::to_value(value).unwrap_or_default()
}

/// A key of a [`ClaimMap`]: a documented claim, or a name this version does not know.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ClaimKey<C> {
    /// A documented claim.
    Known(C),
    /// A claim name this version does not document, kept as received.
    Unknown(UnknownValue),
}

impl<C: ClaimName> ClaimKey<C> {
    /// The wire name.
    pub fn as_wire(&self) -> &str {
        match self {
            Self::Known(claim) => claim.as_wire(),
            Self::Unknown(name) => name.as_str(),
        }
    }

    fn parse(wire: String) -> Self {
        match C::from_wire(&wire) {
            Some(claim) => Self::Known(claim),
            None => Self::Unknown(UnknownValue::__from_wire_by_generated_code(wire)),
        }
    }
}

/// A value for each claim it describes.
#[derive(Clone, PartialEq)]
pub struct ClaimMap<C, V> {
    entries: BTreeMap<ClaimKey<C>, V>,
}

impl<C: ClaimName, V> ClaimMap<C, V> {
    /// The value for a documented claim.
    pub fn get(&self, claim: C) -> Option<&V> {
        self.entries.get(&ClaimKey::Known(claim))
    }

    /// The value for a claim by its wire name, documented or not.
    pub fn get_wire(&self, wire: &str) -> Option<&V> {
        self.entries.get(&ClaimKey::parse(wire.to_owned()))
    }

    /// Every entry, documented claims first, in the `Claim` enum's order.
    pub fn iter(&self) -> impl Iterator<Item = (&ClaimKey<C>, &V)> {
        self.entries.iter()
    }

    /// The entries whose key names no documented claim.
    pub fn unknown(&self) -> impl Iterator<Item = (&str, &V)> {
        self.entries.iter().filter_map(|(key, value)| match key {
            ClaimKey::Unknown(name) => Some((name.as_str(), value)),
            ClaimKey::Known(_) => None,
        })
    }

    /// How many claims are described.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no claim is described.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Adds or replaces the value for a claim.
    pub fn insert(&mut self, claim: C, value: V) -> Option<V> {
        self.entries.insert(ClaimKey::Known(claim), value)
    }
}

impl<C, V> Default for ClaimMap<C, V> {
    fn default() -> Self {
        Self {
            entries: BTreeMap::new(),
        }
    }
}

impl<C: ClaimName, V: fmt::Debug> fmt::Debug for ClaimMap<C, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map()
            .entries(self.entries.iter().map(|(k, v)| (k.as_wire(), v)))
            .finish()
    }
}

impl<C: ClaimName, V: Serialize> Serialize for ClaimMap<C, V> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.entries.len()))?;
        for (key, value) in &self.entries {
            map.serialize_entry(key.as_wire(), value)?;
        }
        map.end()
    }
}

impl<'de, C: ClaimName, V: Deserialize<'de>> Deserialize<'de> for ClaimMap<C, V> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct MapVisitor<C, V>(PhantomData<(C, V)>);
        impl<'de, C: ClaimName, V: Deserialize<'de>> Visitor<'de> for MapVisitor<C, V> {
            type Value = ClaimMap<C, V>;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object keyed by claim names")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
                let mut entries = BTreeMap::new();
                while let Some((key, value)) = access.next_entry::<String, V>()? {
                    entries.insert(ClaimKey::parse(key), value);
                }
                Ok(ClaimMap { entries })
            }
        }
        deserializer.deserialize_map(MapVisitor(PhantomData))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
    enum Claim {
        Birthdate,
        NationalNumber,
    }

    impl ClaimName for Claim {
        fn from_wire(wire: &str) -> Option<Self> {
            match wire {
                "birthdate" => Some(Self::Birthdate),
                "http://example/NationalNumber" => Some(Self::NationalNumber),
                _ => None,
            }
        }
        fn as_wire(self) -> &'static str {
            match self {
                Self::Birthdate => "birthdate",
                Self::NationalNumber => "http://example/NationalNumber",
            }
        }
    }

    #[test]
    fn documented_keys_are_typed_and_the_rest_kept() {
        let json = r#"{"birthdate":"BEL","http://example/NationalNumber":"BEL","new":"NLD"}"#;
        let map: ClaimMap<Claim, String> = serde_json::from_str(json).unwrap();
        assert_eq!(map.get(Claim::Birthdate).map(String::as_str), Some("BEL"));
        assert_eq!(
            map.get(Claim::NationalNumber).map(String::as_str),
            Some("BEL")
        );
        assert_eq!(
            map.unknown().collect::<Vec<_>>(),
            [("new", &"NLD".to_owned())]
        );
        assert_eq!(map.get_wire("new").map(String::as_str), Some("NLD"));
        assert_eq!(map.len(), 3);
        let back: serde_json::Value = serde_json::to_value(&map).unwrap();
        assert_eq!(
            back,
            serde_json::from_str::<serde_json::Value>(json).unwrap()
        );
    }
}
