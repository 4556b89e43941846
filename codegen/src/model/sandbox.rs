use schemars::JsonSchema;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// The simulated provider's behaviour.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SandboxSpec {
    /// Scripted users; each triggers one outcome.
    #[serde(default)]
    pub users: Vec<SandboxUser>,
}

/// A scripted test user.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SandboxUser {
    /// The identifier the user is selected by (an MSISDN, an e-mail).
    pub login: String,
    /// The Rust constant name for it in the generated `test_users` module.
    pub name: String,
    /// What the user is for, in the provider's words.
    #[serde(default)]
    pub doc: Option<String>,
    /// What happens when this user logs in.
    pub outcome: Outcome,
}

/// What a scripted user does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Approves.
    Approve,
    /// Fails with this documented error code.
    Error(String),
}

impl<'de> Deserialize<'de> for Outcome {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OutcomeVisitor;
        impl<'de> Visitor<'de> for OutcomeVisitor {
            type Value = Outcome;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`approve` or `{error: <code>}`")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Outcome, E> {
                match value {
                    "approve" => Ok(Outcome::Approve),
                    other => Err(E::unknown_variant(other, &["approve", "error"])),
                }
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Outcome, A::Error> {
                match map.next_key::<String>()?.as_deref() {
                    Some("error") => Ok(Outcome::Error(map.next_value()?)),
                    Some(other) => Err(de::Error::unknown_variant(other, &["error"])),
                    None => Err(de::Error::custom("expected `{error: <code>}`")),
                }
            }
        }
        deserializer.deserialize_any(OutcomeVisitor)
    }
}
