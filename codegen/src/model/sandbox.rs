use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize};
use std::fmt;

/// The simulated provider's behaviour.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SandboxSpec {
    /// Scripted users; each triggers one outcome.
    #[serde(default)]
    pub users: Vec<SandboxUser>,
    /// Where the login page takes its suggested login from.
    #[serde(default)]
    pub login: Option<SandboxLogin>,
    /// The documented code the sandbox answers when the user cancels on its login page.
    #[serde(default)]
    pub cancel: Option<String>,
    /// The documented codes the sandbox answers for the client mistakes it detects.
    #[serde(default)]
    pub rules: SandboxRules,
    /// Whether errors on the redirect carry an `error_uri` (ID.me documents one): the
    /// sandbox points it at its own page for the code, with the documented message.
    #[serde(default)]
    pub error_uri: bool,
    /// Claim values of the sandbox's users, by claim name; `{login}` in a string is
    /// replaced by the user's login, `{sub}` by the subject.
    #[serde(default)]
    pub claims: IndexMap<String, serde_json::Value>,
}

/// Where the sandbox's login page finds the login a request suggests.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SandboxLogin {
    /// The authorization parameter that carries it (`login_hint`).
    pub param: String,
    /// For a JSON parameter, the JSON pointer to the login in it (`/hints/0/msisdn`).
    #[serde(default)]
    pub pointer: Option<String>,
    /// The label of the login field on the page (`Phone number`).
    #[serde(default = "default_login_label")]
    pub label: String,
}

fn default_login_label() -> String {
    "Login".to_owned()
}

/// Which documented code answers which client mistake. A mistake without a code here
/// is answered with the standard OAuth error (`invalid_request`, `invalid_scope`).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct SandboxRules {
    /// A parameter the provider forbids was sent.
    #[serde(default)]
    pub forbidden_parameter: Option<String>,
    /// A PAR-only parameter was sent outside PAR.
    #[serde(default)]
    pub pushed_only_parameter: Option<String>,
    /// A scope the spec does not list was requested.
    #[serde(default)]
    pub unknown_scope: Option<String>,
    /// A parameter's value does not have its type (not one of its enum values, not
    /// valid JSON, not the declared object), by parameter.
    #[serde(default)]
    pub invalid_value: IndexMap<String, String>,
    /// A single-valued parameter got several space-separated values, by parameter.
    #[serde(default)]
    pub multiple_values: IndexMap<String, String>,
}

/// A scripted test user.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
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
    /// How long the user takes to answer on their device (backchannel providers).
    #[serde(default)]
    pub delay: Option<super::Duration>,
    /// For an error outcome: how many requests in a row get the error before the
    /// user is approved (a burst); every request when unset.
    #[serde(default)]
    pub times: Option<u32>,
    /// Claim values for this user, overriding the sandbox's defaults.
    #[serde(default)]
    pub claims: IndexMap<String, serde_json::Value>,
}

impl SandboxUser {
    /// What logging in as this user does, in words (`fails with `ERR201``); codes
    /// are in backticks when `code_in_backticks`, for Markdown.
    pub fn outcome_text(&self, code_in_backticks: bool) -> String {
        let tick = if code_in_backticks { "`" } else { "" };
        let delay = match &self.delay {
            Some(delay) => format!(" after {} s", delay.seconds),
            None => String::new(),
        };
        match (&self.outcome, self.times) {
            (Outcome::Approve, _) => format!("approves{delay}"),
            (Outcome::Error(code), Some(times)) => format!(
                "fails with {tick}{code}{tick} {times} time{} in a row, then approves",
                if times == 1 { "" } else { "s" }
            ),
            (Outcome::Error(code), None) => format!("fails with {tick}{code}{tick}{delay}"),
            (Outcome::NoAnswer, _) => "never gets an answer".to_owned(),
        }
    }
}

/// What a scripted user does.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Approves.
    Approve,
    /// Fails with this documented error code.
    Error(String),
    /// Never answers: on a backchannel provider no notification is sent at all.
    NoAnswer,
}

impl<'de> Deserialize<'de> for Outcome {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct OutcomeVisitor;
        impl<'de> Visitor<'de> for OutcomeVisitor {
            type Value = Outcome;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("`approve`, `no_answer` or `{error: <code>}`")
            }
            fn visit_str<E: de::Error>(self, value: &str) -> Result<Outcome, E> {
                match value {
                    "approve" => Ok(Outcome::Approve),
                    "no_answer" => Ok(Outcome::NoAnswer),
                    other => Err(E::unknown_variant(
                        other,
                        &["approve", "no_answer", "error"],
                    )),
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
