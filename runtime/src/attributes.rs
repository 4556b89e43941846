//! Claims that arrive as a list of entries instead of as members of the response
//! (ID.me: `"attributes": [{"handle": "fname", "name": "First Name", "value":
//! "Malcolm"}, ...]`).
//!
//! The generated claims struct holds each documented claim as a typed field;
//! [`Attributes`] keeps the rest of the list: every entry's label and position, and
//! the entries whose key names no typed claim, with their values. Nothing received
//! is lost, and serializing the struct gives the list back as it came.

use std::fmt;

use serde_json::{Map, Value};

use crate::claim_map::{ClaimKey, ClaimName};
use crate::values::UnknownValue;

/// Where a provider's attribute list and its entries' members are, from the spec.
#[derive(Clone, Copy, Debug)]
pub struct AttributeFields {
    /// The response member holding the list (`attributes`).
    pub list: &'static str,
    /// The entry member naming the claim (`handle`).
    pub key: &'static str,
    /// The entry member holding the display label (`name`), if the provider sends one.
    pub label: Option<&'static str>,
    /// The entry member holding the value (`value`).
    pub value: &'static str,
    /// The keys the generated struct holds as typed fields.
    pub typed: &'static [&'static str],
}

/// Why an attribute list cannot be read. The messages name members and keys, never
/// values: values are personal data.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum AttributeError {
    /// The list member is not a JSON array.
    #[error("`{list}` is not a list")]
    NotAList {
        /// The list member.
        list: &'static str,
    },
    /// An entry is not a JSON object.
    #[error("entry {index} of `{list}` is not an object")]
    NotAnObject {
        /// The list member.
        list: &'static str,
        /// The entry's position, from 0.
        index: usize,
    },
    /// An entry has no key, or a key that is not a string.
    #[error("entry {index} of `{list}` has no string `{key}`")]
    MissingKey {
        /// The list member.
        list: &'static str,
        /// The key member.
        key: &'static str,
        /// The entry's position, from 0.
        index: usize,
    },
    /// A label that is not a string.
    #[error("the `{label}` of attribute `{attribute}` is not a string")]
    InvalidLabel {
        /// The label member.
        label: &'static str,
        /// The attribute's key.
        attribute: String,
    },
    /// Two entries with the same key: which value to believe is exactly what a
    /// tampered response would like to choose.
    #[error("attribute `{attribute}` appears more than once in `{list}`")]
    Duplicate {
        /// The list member.
        list: &'static str,
        /// The repeated key.
        attribute: String,
    },
}

/// The entries of an attribute list beyond the typed values: labels, order, and the
/// attributes this version does not type.
#[derive(Clone, PartialEq)]
pub struct Attributes<C> {
    entries: Vec<Entry<C>>,
}

#[derive(Clone, PartialEq)]
struct Entry<C> {
    key: ClaimKey<C>,
    label: Option<String>,
    /// The value, for keys the struct has no typed field for; `None` where the typed
    /// field holds it.
    value: Option<Value>,
    /// Further members of the entry, kept as received.
    other: Map<String, Value>,
}

/// An attribute as received, for keys without a typed field.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Attribute<'a> {
    /// The key (`handle`).
    pub key: &'a str,
    /// The provider's display label (`name`), if it sent one.
    pub label: Option<&'a str>,
    /// The value, as received.
    pub value: &'a Value,
}

impl<C> Default for Attributes<C> {
    fn default() -> Self {
        Self {
            entries: Vec::new(),
        }
    }
}

impl<C: ClaimName> Attributes<C> {
    /// The provider's display label for a claim (`First Name` for `fname`), if it
    /// sent the attribute with one.
    pub fn label(&self, claim: C) -> Option<&str> {
        self.entries
            .iter()
            .find(|entry| entry.key == ClaimKey::Known(claim))
            .and_then(|entry| entry.label.as_deref())
    }

    /// Every attribute's key and label, in the order received.
    pub fn labels(&self) -> impl Iterator<Item = (&ClaimKey<C>, Option<&str>)> {
        self.entries
            .iter()
            .map(|entry| (&entry.key, entry.label.as_deref()))
    }

    /// The attributes without a typed field (keys the spec does not document), with
    /// their values as received.
    pub fn unknown(&self) -> impl Iterator<Item = Attribute<'_>> {
        self.entries.iter().filter_map(|entry| {
            entry.value.as_ref().map(|value| Attribute {
                key: entry.key.as_wire(),
                label: entry.label.as_deref(),
                value,
            })
        })
    }

    /// How many attributes were received.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether no attribute was received.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Splits a received list into these entries and the typed attributes' values,
    /// keyed by their wire key, for the generated struct to deserialize. A missing
    /// list (`null`) is an empty one.
    #[doc(hidden)]
    pub fn __from_wire(
        list: Value,
        fields: &AttributeFields,
    ) -> Result<(Self, Map<String, Value>), AttributeError> {
        let items = match list {
            Value::Null => Vec::new(),
            Value::Array(items) => items,
            _ => return Err(AttributeError::NotAList { list: fields.list }),
        };
        let mut entries: Vec<Entry<C>> = Vec::with_capacity(items.len());
        let mut typed = Map::new();
        for (index, item) in items.into_iter().enumerate() {
            let Value::Object(mut members) = item else {
                return Err(AttributeError::NotAnObject {
                    list: fields.list,
                    index,
                });
            };
            let Some(Value::String(key)) = members.remove(fields.key) else {
                return Err(AttributeError::MissingKey {
                    list: fields.list,
                    key: fields.key,
                    index,
                });
            };
            if entries.iter().any(|entry| entry.key.as_wire() == key) {
                return Err(AttributeError::Duplicate {
                    list: fields.list,
                    attribute: key,
                });
            }
            let label = match fields.label.and_then(|label| members.remove(label)) {
                None => None,
                Some(Value::String(label)) => Some(label),
                Some(_) => {
                    return Err(AttributeError::InvalidLabel {
                        label: fields.label.unwrap_or_default(),
                        attribute: key,
                    })
                }
            };
            let value = members.remove(fields.value).unwrap_or(Value::Null);
            let value = if fields.typed.contains(&key.as_str()) {
                typed.insert(key.clone(), value);
                None
            } else {
                Some(value)
            };
            let key = match C::from_wire(&key) {
                Some(claim) => ClaimKey::Known(claim),
                None => ClaimKey::Unknown(UnknownValue::__from_wire_by_generated_code(key)),
            };
            entries.push(Entry {
                key,
                label,
                value,
                other: members,
            });
        }
        Ok((Self { entries }, typed))
    }

    /// The list to send back: each entry in its place with its label, the typed
    /// attributes' values taken from `typed` (the struct's fields, keyed by wire key;
    /// an attribute whose field is now empty is sent with `null`), then typed values
    /// that arrived without an entry.
    #[doc(hidden)]
    pub fn __to_wire(&self, typed: Value, fields: &AttributeFields) -> Value {
        let mut typed = match typed {
            Value::Object(typed) => typed,
            _ => Map::new(),
        };
        let mut list = Vec::with_capacity(self.entries.len());
        let entry = |key: &str, label: Option<&str>, value: Value, other: &Map<String, Value>| {
            let mut members = Map::new();
            members.insert(fields.key.to_owned(), Value::String(key.to_owned()));
            if let (Some(member), Some(label)) = (fields.label, label) {
                members.insert(member.to_owned(), Value::String(label.to_owned()));
            }
            members.insert(fields.value.to_owned(), value);
            members.extend(other.iter().map(|(k, v)| (k.clone(), v.clone())));
            Value::Object(members)
        };
        for received in &self.entries {
            let key = received.key.as_wire();
            let value = match &received.value {
                Some(value) => value.clone(),
                None => typed.remove(key).unwrap_or(Value::Null),
            };
            list.push(entry(
                key,
                received.label.as_deref(),
                value,
                &received.other,
            ));
        }
        for (key, value) in typed {
            if !value.is_null() {
                list.push(entry(&key, None, value, &Map::new()));
            }
        }
        Value::Array(list)
    }
}

impl<C: ClaimName> fmt::Debug for Attributes<C> {
    /// Keys and labels only: the values are personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.labels()).finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
    enum Claim {
        Fname,
        Status,
    }

    impl ClaimName for Claim {
        fn from_wire(wire: &str) -> Option<Self> {
            match wire {
                "fname" => Some(Self::Fname),
                "status" => Some(Self::Status),
                _ => None,
            }
        }
        fn as_wire(self) -> &'static str {
            match self {
                Self::Fname => "fname",
                Self::Status => "status",
            }
        }
    }

    const FIELDS: AttributeFields = AttributeFields {
        list: "attributes",
        key: "handle",
        label: Some("name"),
        value: "value",
        typed: &["fname"],
    };

    fn split(list: Value) -> Result<(Attributes<Claim>, Map<String, Value>), AttributeError> {
        Attributes::__from_wire(list, &FIELDS)
    }

    #[test]
    fn typed_values_are_split_out_and_the_rest_kept_in_order() {
        let list = serde_json::json!([
            {"handle": "shoe_size", "name": "Shoe Size", "value": 44, "source": "self"},
            {"handle": "fname", "name": "First Name", "value": "Malcolm"},
            {"handle": "status", "value": [1]},
        ]);
        let (attributes, typed) = split(list.clone()).unwrap();
        assert_eq!(typed["fname"], "Malcolm");
        assert_eq!(attributes.label(Claim::Fname), Some("First Name"));
        assert_eq!(attributes.label(Claim::Status), None);
        let unknown: Vec<_> = attributes.unknown().map(|a| (a.key, a.label)).collect();
        // `status` is documented but not typed as an attribute: its value is kept.
        assert_eq!(
            unknown,
            [("shoe_size", Some("Shoe Size")), ("status", None)]
        );
        assert_eq!(attributes.len(), 3);
        assert_eq!(
            attributes.__to_wire(Value::Object(typed), &FIELDS),
            list,
            "the list comes back as it was received"
        );
        let debug = format!("{attributes:?}");
        assert!(
            !debug.contains("Malcolm") && !debug.contains("44"),
            "{debug}"
        );
    }

    #[test]
    fn values_set_later_are_appended_and_cleared_ones_sent_as_null() {
        let (attributes, _) = split(serde_json::json!([
            {"handle": "fname", "name": "First Name", "value": "Malcolm"}
        ]))
        .unwrap();
        assert_eq!(
            attributes.__to_wire(serde_json::json!({}), &FIELDS),
            serde_json::json!([{"handle": "fname", "name": "First Name", "value": null}])
        );
        let empty = Attributes::<Claim>::default();
        assert_eq!(
            empty.__to_wire(serde_json::json!({"fname": "Ann"}), &FIELDS),
            serde_json::json!([{"handle": "fname", "value": "Ann"}])
        );
    }

    #[test]
    fn malformed_lists_are_refused_without_quoting_values() {
        assert!(split(Value::Null).unwrap().0.is_empty());
        let cases = [
            (serde_json::json!({"fname": "Malcolm"}), "is not a list"),
            (serde_json::json!(["Malcolm"]), "is not an object"),
            (
                serde_json::json!([{"name": "First Name", "value": "Malcolm"}]),
                "has no string `handle`",
            ),
            (
                serde_json::json!([{"handle": "fname", "name": 7, "value": "Malcolm"}]),
                "is not a string",
            ),
            (
                serde_json::json!([
                    {"handle": "fname", "value": "Malcolm"},
                    {"handle": "fname", "value": "Mallory"}
                ]),
                "appears more than once",
            ),
        ];
        for (list, expected) in cases {
            let error = split(list).unwrap_err().to_string();
            assert!(error.contains(expected), "{error}");
            assert!(
                !error.contains("Malcolm") && !error.contains("Mallory"),
                "{error}"
            );
        }
    }
}
