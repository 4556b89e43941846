use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::ClientAuthSpec;

/// What an environment is for. Only a `sandbox` may use plain http URLs.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum EnvironmentKind {
    /// The real provider, real users.
    #[default]
    Production,
    /// The provider's own test or end-to-end environment.
    Test,
    /// A simulated provider (ours, or a test OP on loopback).
    Sandbox,
}

/// One environment of the provider, with its URLs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Environment {
    /// What the environment is for.
    #[serde(default)]
    pub kind: EnvironmentKind,
    /// Documentation for the generated `Environment` variant.
    #[serde(default)]
    pub doc: Option<String>,
    /// The variant of the provider this environment belongs to, when a provider offers
    /// several (itsme: `private_key_jwt` and `client_secret`).
    #[serde(default)]
    pub variant: Option<String>,
    /// The issuer identifier, compared exactly with `iss` in tokens and callbacks.
    #[serde(default)]
    pub issuer: Option<String>,
    /// The OpenID Connect discovery document URL.
    #[serde(default)]
    pub discovery: Option<String>,
    /// The endpoints; they may live on different hosts.
    #[serde(default)]
    pub endpoints: Endpoints,
    /// Client authentication for this environment, when it differs from the provider's.
    #[serde(default)]
    pub client_auth: Option<ClientAuthSpec>,
    /// Further named base URLs used by REST operation templates (`{cognito_url}`):
    /// a URL, or `{doc, example}` for one the relying party configures (a URL the
    /// provider assigns per application).
    #[serde(default)]
    pub urls: IndexMap<String, EnvUrl>,
}

/// A named URL of an environment.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(untagged)]
pub enum EnvUrl {
    /// The same for every relying party.
    Fixed(String),
    /// Assigned to each relying party: configured when the client is built.
    Configured(ConfiguredUrl),
}

/// A URL the relying party configures.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ConfiguredUrl {
    /// Where the relying party finds it.
    pub doc: String,
    /// The document's example value.
    #[serde(default)]
    pub example: Option<String>,
}

impl EnvUrl {
    /// The URL, when it is the same for every relying party.
    pub fn fixed(&self) -> Option<&str> {
        match self {
            Self::Fixed(url) => Some(url),
            Self::Configured(_) => None,
        }
    }

    /// The URL, or for a configured one the document's example.
    pub fn fixed_or_example(&self) -> Option<&str> {
        match self {
            Self::Fixed(url) => Some(url),
            Self::Configured(configured) => configured.example.as_deref(),
        }
    }
}

/// The provider's endpoints in one environment.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Endpoints {
    /// The authorization endpoint (front channel).
    #[serde(default)]
    pub authorization: Option<String>,
    /// The token endpoint.
    #[serde(default)]
    pub token: Option<String>,
    /// The userinfo endpoint.
    #[serde(default)]
    pub userinfo: Option<String>,
    /// The pushed authorization request endpoint (RFC 9126).
    #[serde(default)]
    pub par: Option<String>,
    /// The token revocation endpoint (RFC 7009).
    #[serde(default)]
    pub revocation: Option<String>,
    /// The JWK set, when not taken from discovery.
    #[serde(default)]
    pub jwks: Option<String>,
    /// The backchannel authentication endpoint.
    #[serde(default)]
    pub backchannel_authentication: Option<String>,
    /// The end-session (logout) endpoint.
    #[serde(default)]
    pub end_session: Option<String>,
}

impl Endpoints {
    /// Every endpoint that is set, with its name.
    pub fn iter(&self) -> impl Iterator<Item = (&'static str, &str)> {
        [
            ("authorization", &self.authorization),
            ("token", &self.token),
            ("userinfo", &self.userinfo),
            ("par", &self.par),
            ("revocation", &self.revocation),
            ("jwks", &self.jwks),
            (
                "backchannel_authentication",
                &self.backchannel_authentication,
            ),
            ("end_session", &self.end_session),
        ]
        .into_iter()
        .filter_map(|(name, url)| url.as_deref().map(|url| (name, url)))
    }
}
