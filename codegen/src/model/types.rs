use std::fmt;

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};

/// The type of a parameter, claim, field or payload.
///
/// Scalars are written as a name (`string`, `bool`, ...); compound types as a map with
/// one key: `{enum: [...]}`, `{object: {...}}`, `{array: <type>}`, `{map: <type>}`,
/// `{claim_map: <type>}`, `{nullable: <type>}`, `{ref: TypeName}`.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TypeSpec {
    /// UTF-8 text.
    String,
    /// `true` / `false`.
    Bool,
    /// A whole number (i64).
    Integer,
    /// A floating-point number (f64).
    Number,
    /// A calendar date, `YYYY-MM-DD`.
    Date,
    /// An RFC 3339 date-time (kept as text, validated by the application if needed).
    Datetime,
    /// A seconds-since-epoch timestamp, possibly fractional.
    Epoch,
    /// A number of seconds.
    Duration,
    /// An absolute URL.
    Url,
    /// A UUID.
    Uuid,
    /// Base64-encoded binary data (images), decoded on request.
    Base64,
    /// Any JSON value, kept as is.
    Json,
    /// One of a closed list of wire values; unknown values are kept when parsing.
    Enum(EnumSpec),
    /// A JSON object with known fields; unknown fields are kept when parsing.
    Object(ObjectSpec),
    /// A JSON array.
    Array(Box<TypeSpec>),
    /// A JSON object keyed by arbitrary strings.
    Map(Box<TypeSpec>),
    /// A JSON object keyed by claim names, with values of the given type: metadata
    /// about other claims (itsme's `verificationDate`). Looked up with the generated
    /// `Claim` enum; keys that name no documented claim are kept.
    ClaimMap(Box<TypeSpec>),
    /// A value that may be JSON `null` (`Option<T>`), for list items and required
    /// members that the provider sends as `null` (ID.me's `subgroups: [null]`).
    Nullable(Box<TypeSpec>),
    /// A type defined in the spec's `types` section.
    Ref(String),
}

const SCALARS: &[(&str, TypeSpec)] = &[
    ("string", TypeSpec::String),
    ("bool", TypeSpec::Bool),
    ("integer", TypeSpec::Integer),
    ("number", TypeSpec::Number),
    ("date", TypeSpec::Date),
    ("datetime", TypeSpec::Datetime),
    ("epoch", TypeSpec::Epoch),
    ("duration", TypeSpec::Duration),
    ("url", TypeSpec::Url),
    ("uuid", TypeSpec::Uuid),
    ("base64", TypeSpec::Base64),
    ("json", TypeSpec::Json),
];
const COMPOUNDS: &[&str] = &[
    "enum",
    "object",
    "array",
    "map",
    "claim_map",
    "nullable",
    "ref",
];

impl TypeSpec {
    fn scalar(name: &str) -> Option<TypeSpec> {
        SCALARS
            .iter()
            .find(|(scalar, _)| *scalar == name)
            .map(|(_, ty)| ty.clone())
    }

    /// Whether values of this type are text on the wire.
    pub fn is_textual(&self) -> bool {
        matches!(
            self,
            Self::String
                | Self::Date
                | Self::Datetime
                | Self::Url
                | Self::Uuid
                | Self::Base64
                | Self::Enum(_)
        )
    }
}

// serde_yaml 0.9 wants YAML tags (`!enum`) for enum variants; specs are written by
// people, so the one-key map form is accepted instead, with the scalar shorthand.
impl<'de> Deserialize<'de> for TypeSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(TypeSpecVisitor)
    }
}

struct TypeSpecVisitor;

impl<'de> Visitor<'de> for TypeSpecVisitor {
    type Value = TypeSpec;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a type: a scalar name (string, bool, integer, number, date, datetime, epoch, duration, url, uuid, base64, json) or a map with one key (enum, object, array, map, claim_map, nullable, ref)")
    }

    fn visit_str<E: de::Error>(self, name: &str) -> Result<TypeSpec, E> {
        TypeSpec::scalar(name).ok_or_else(|| {
            let known: Vec<&str> = SCALARS.iter().map(|(n, _)| *n).collect();
            E::custom(format_args!(
                "unknown type `{name}`; expected one of {}, or a map with one key: {}",
                known.join(", "),
                COMPOUNDS.join(", ")
            ))
        })
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<TypeSpec, A::Error> {
        let Some(key) = map.next_key::<String>()? else {
            return Err(de::Error::custom("an empty map is not a type"));
        };
        let ty = match key.as_str() {
            "enum" => TypeSpec::Enum(map.next_value()?),
            "object" => TypeSpec::Object(map.next_value()?),
            "array" => TypeSpec::Array(Box::new(map.next_value()?)),
            "map" => TypeSpec::Map(Box::new(map.next_value()?)),
            "claim_map" => TypeSpec::ClaimMap(Box::new(map.next_value()?)),
            "nullable" => TypeSpec::Nullable(Box::new(map.next_value()?)),
            "ref" => TypeSpec::Ref(map.next_value()?),
            other => return Err(de::Error::unknown_variant(other, COMPOUNDS)),
        };
        if let Some(extra) = map.next_key::<String>()? {
            return Err(de::Error::custom(format_args!(
                "a type map has exactly one key; `{extra}` is one too many"
            )));
        }
        Ok(ty)
    }
}

/// A named type in the spec's `types` section.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TypeDef {
    /// What the type is, for the generated type's documentation.
    #[serde(default)]
    pub doc: Option<String>,
    /// The type.
    #[serde(rename = "type")]
    pub ty: TypeSpec,
}

/// The values of an enum type.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct EnumSpec {
    /// The wire values, in documentation order.
    pub values: Vec<EnumValue>,
}

/// One enum value: its wire form, or a map with documentation and a Rust name.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
pub struct EnumValue {
    /// The value as sent on the wire.
    pub value: String,
    /// What it means.
    #[serde(default)]
    pub doc: Option<String>,
    /// The Rust variant name, when the derived one is poor.
    #[serde(default)]
    pub rust_name: Option<String>,
}

impl<'de> Deserialize<'de> for EnumValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            value: String,
            #[serde(default)]
            doc: Option<String>,
            #[serde(default)]
            rust_name: Option<String>,
        }
        struct EnumValueVisitor;
        impl<'de> Visitor<'de> for EnumValueVisitor {
            type Value = EnumValue;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an enum value: a string, or a map with value, doc and rust_name")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<EnumValue, E> {
                Ok(EnumValue {
                    value: value.to_owned(),
                    doc: None,
                    rust_name: None,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<EnumValue, A::Error> {
                let full = Full::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(EnumValue {
                    value: full.value,
                    doc: full.doc,
                    rust_name: full.rust_name,
                })
            }
        }
        deserializer.deserialize_any(EnumValueVisitor)
    }
}

/// The fields of an object type, keyed by wire name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(transparent)]
pub struct ObjectSpec {
    /// The fields in documentation order.
    pub fields: IndexMap<String, FieldSpec>,
}

/// One field of an object: a type name, or a map with the details.
#[derive(Clone, Debug, PartialEq, Serialize, JsonSchema)]
pub struct FieldSpec {
    /// The field's type.
    #[serde(rename = "type")]
    pub ty: TypeSpec,
    /// Whether the field is always present.
    #[serde(default)]
    pub required: bool,
    /// What the field holds.
    #[serde(default)]
    pub doc: Option<String>,
    /// The Rust field name, when the wire name does not make a good one.
    #[serde(default)]
    pub rust_name: Option<String>,
    /// Further wire forms accepted when parsing.
    #[serde(default)]
    pub accept: Vec<Accept>,
}

impl<'de> Deserialize<'de> for FieldSpec {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(deny_unknown_fields)]
        struct Full {
            #[serde(rename = "type")]
            ty: TypeSpec,
            #[serde(default)]
            required: bool,
            #[serde(default)]
            doc: Option<String>,
            #[serde(default)]
            rust_name: Option<String>,
            #[serde(default)]
            accept: Vec<Accept>,
        }
        struct FieldVisitor;
        impl<'de> Visitor<'de> for FieldVisitor {
            type Value = FieldSpec;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(
                    "a field: a type name, or a map with type, required, doc, rust_name and accept",
                )
            }
            fn visit_str<E: de::Error>(self, name: &str) -> Result<FieldSpec, E> {
                Ok(FieldSpec {
                    ty: TypeSpecVisitor.visit_str(name)?,
                    required: false,
                    doc: None,
                    rust_name: None,
                    accept: Vec::new(),
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<FieldSpec, A::Error> {
                let full = Full::deserialize(de::value::MapAccessDeserializer::new(map))?;
                Ok(FieldSpec {
                    ty: full.ty,
                    required: full.required,
                    doc: full.doc,
                    rust_name: full.rust_name,
                    accept: full.accept,
                })
            }
        }
        deserializer.deserialize_any(FieldVisitor)
    }
}

/// A further wire form a value may arrive in, beyond its declared type. Providers
/// are lenient-by-spec here, never in Rust code: Mobile ID sends confidence numbers
/// as `"1.0"`, ID.me sends `expires_in` as `"300"`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Accept {
    /// The value may arrive as a JSON string holding it (`"1.0"`, `"true"`, `"300"`).
    String,
}

/// A scope, keyed by its wire value in `scopes`.
///
/// A parameterised scope names its parameter in braces: `service:{code}`.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ScopeSpec {
    /// What the scope grants.
    #[serde(default)]
    pub doc: Option<String>,
    /// The claims the scope releases.
    #[serde(default)]
    pub claims: Vec<String>,
    /// Whether every request carries it (`openid`).
    #[serde(default)]
    pub required: bool,
    /// The Rust variant name, when the derived one is poor (URL-shaped scopes).
    #[serde(default)]
    pub rust_name: Option<String>,
}

/// Where a claim is delivered.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClaimTarget {
    /// In the ID token.
    IdToken,
    /// From the userinfo endpoint.
    Userinfo,
}

/// A claim, keyed by its wire name in `claims`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimSpec {
    /// What the claim holds.
    #[serde(default)]
    pub doc: Option<String>,
    /// The claim's type.
    #[serde(rename = "type")]
    pub ty: TypeSpec,
    /// Further wire forms accepted when parsing.
    #[serde(default)]
    pub accept: Vec<Accept>,
    /// The Rust field name, when the wire name does not make a good one (URI-named claims).
    #[serde(default)]
    pub rust_name: Option<String>,
    /// The provider's display label for the claim (ID.me's attribute `name`:
    /// `First Name`), shown in the documentation and sent by the sandbox.
    #[serde(default)]
    pub label: Option<String>,
    /// Where the claim is delivered; both by default.
    #[serde(default = "both_targets", rename = "in")]
    pub delivered_in: Vec<ClaimTarget>,
}

fn both_targets() -> Vec<ClaimTarget> {
    vec![ClaimTarget::IdToken, ClaimTarget::Userinfo]
}

/// A length of time: a whole number followed by `s`, `m`, `h` or `d` (`10s`, `60m`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(into = "String")]
pub struct Duration {
    /// The length in seconds.
    pub seconds: u64,
}

impl From<Duration> for String {
    fn from(duration: Duration) -> String {
        format!("{}s", duration.seconds)
    }
}

impl Duration {
    /// Parses `10s`, `2m`, `60m`, `1h`, `30d`.
    pub fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .ok_or_else(|| format!("`{text}` has no unit; write e.g. `{text}s`"))?;
        let (number, unit) = text.split_at(split);
        let number: u64 = number
            .parse()
            .map_err(|_| format!("`{text}` does not start with a whole number"))?;
        let factor = match unit {
            "s" => 1,
            "m" => 60,
            "h" => 3_600,
            "d" => 86_400,
            other => {
                return Err(format!(
                    "unknown unit `{other}` in `{text}`; use s, m, h or d"
                ))
            }
        };
        number
            .checked_mul(factor)
            .map(|seconds| Self { seconds })
            .ok_or_else(|| format!("`{text}` is too long"))
    }
}

impl<'de> Deserialize<'de> for Duration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        Duration::parse(&text).map_err(de::Error::custom)
    }
}

impl JsonSchema for Duration {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Duration".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A length of time: a whole number and a unit, s, m, h or d (`10s`, `60m`).",
            "type": "string",
            "pattern": "^[0-9]+[smhd]$"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_parse() {
        assert_eq!(Duration::parse("10s").unwrap().seconds, 10);
        assert_eq!(Duration::parse("60m").unwrap().seconds, 3600);
        assert_eq!(Duration::parse("1d").unwrap().seconds, 86400);
        assert!(Duration::parse("10").is_err());
        assert!(Duration::parse("10y").is_err());
        assert!(Duration::parse("99999999999999999999s").is_err());
    }

    #[test]
    fn types_accept_the_short_and_the_map_form() {
        let ty: TypeSpec = serde_yaml::from_str("{array: {ref: Hint}}").unwrap();
        assert_eq!(ty, TypeSpec::Array(Box::new(TypeSpec::Ref("Hint".into()))));
        let ty: TypeSpec = serde_yaml::from_str("{enum: [a, {value: b, doc: B}]}").unwrap();
        let TypeSpec::Enum(values) = ty else {
            panic!("not an enum")
        };
        assert_eq!(values.values[1].doc.as_deref(), Some("B"));
        let err = serde_yaml::from_str::<TypeSpec>("strng").unwrap_err();
        assert!(err.to_string().contains("unknown type `strng`"), "{err}");
    }
}
