use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Duration;

/// Where an error's code, description and URI sit in a response.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorFields {
    /// The member holding the code.
    #[serde(default = "default_code")]
    pub code: String,
    /// The member holding the human description.
    #[serde(default = "default_description")]
    pub description: String,
    /// The member holding a URI with more information.
    #[serde(default = "default_uri")]
    pub uri: String,
}

fn default_code() -> String {
    "error".to_owned()
}
fn default_description() -> String {
    "error_description".to_owned()
}
fn default_uri() -> String {
    "error_uri".to_owned()
}

impl Default for ErrorFields {
    fn default() -> Self {
        Self {
            code: default_code(),
            description: default_description(),
            uri: default_uri(),
        }
    }
}

/// How the provider reports errors, and every code it documents.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorsSpec {
    /// Members of a JSON error body (token, PAR, userinfo); OAuth's
    /// `error` / `error_description` / `error_uri` by default.
    #[serde(default)]
    pub body: ErrorFields,
    /// Parameters of an error on the redirect; OAuth's by default.
    #[serde(default)]
    pub redirect: ErrorFields,
    /// A regular expression that decodes the description into named groups
    /// `code`, `category`, `trace` and `message` (all optional). Mobile ID:
    /// `^(?P<code>mid_(?P<category>req|sec|auth|sys)_\d{4})_(?P<trace>\S+) - (?P<message>.*)$`.
    #[serde(default)]
    pub detail: Option<String>,
    /// How the provider writes a description, for the sandbox: `{code}`, `{trace}`
    /// and `{message}` are replaced (Mobile ID: `{code}_{trace} - {message}`). What it
    /// writes must decode with `detail`.
    #[serde(default)]
    pub format: Option<String>,
    /// Every documented code.
    #[serde(default)]
    pub codes: Vec<ErrorCodeSpec>,
    /// Words the provider requires to stay as they are in every language (imID:
    /// `imID`): every translation of a `display` text that contains one must keep it.
    #[serde(default)]
    pub untranslated: Vec<String>,
}

/// One documented error code.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ErrorCodeSpec {
    /// The code as the provider sends it.
    pub code: String,
    /// The Rust variant name (snake_case or PascalCase), when the code does not make a good one.
    #[serde(default)]
    pub name: Option<String>,
    /// The OAuth 2 error sent with it.
    #[serde(default)]
    pub oauth: Option<String>,
    /// The provider's category.
    #[serde(default)]
    pub category: Option<String>,
    /// The provider's message.
    pub message: String,
    /// What the relying party should do about it.
    #[serde(default)]
    pub help: Option<String>,
    /// The HTTP status it comes with, when it is known.
    #[serde(default)]
    pub http_status: Option<u16>,
    /// How long to wait before retrying, when the provider says (imID: 200 s).
    #[serde(default)]
    pub retry_after: Option<Duration>,
    /// Whether the provider sends no code at all, only the HTTP status
    /// (`http_status`): an answer with that status and no code in its body is this
    /// code (imID's `HTTP500`).
    #[serde(default)]
    pub status_only: bool,
    /// The text to show the user, by language tag (`en`, `hy`), as the provider
    /// words it.
    #[serde(default)]
    pub display: indexmap::IndexMap<String, String>,
    /// The endpoints that answer with this code, when the provider documents its
    /// codes per endpoint (itsme). Then every code names its endpoints, the same code
    /// may be listed once per endpoint with that endpoint's message, and the client
    /// gets one error enum per endpoint. Empty: one enum for every endpoint.
    #[serde(default)]
    pub endpoints: Vec<ErrorEndpoint>,
}

/// An endpoint that reports errors in its own words.
#[derive(
    Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, JsonSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ErrorEndpoint {
    /// The authorization endpoint: errors on the redirect (and from PAR).
    Authorization,
    /// The token endpoint.
    Token,
    /// The userinfo endpoint.
    Userinfo,
    /// The revocation endpoint (RFC 7009).
    Revocation,
    /// The notification the provider sends the relying party at the end of a
    /// backchannel authentication (imID's callback).
    Notification,
}

impl ErrorEndpoint {
    /// Every endpoint, in the order the generated enums are listed.
    pub const ALL: [ErrorEndpoint; 5] = [
        ErrorEndpoint::Authorization,
        ErrorEndpoint::Token,
        ErrorEndpoint::Userinfo,
        ErrorEndpoint::Revocation,
        ErrorEndpoint::Notification,
    ];

    /// The snake_case name, as written in specs.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Authorization => "authorization",
            Self::Token => "token",
            Self::Userinfo => "userinfo",
            Self::Revocation => "revocation",
            Self::Notification => "notification",
        }
    }
}

impl ErrorsSpec {
    /// Whether codes are documented per endpoint.
    pub fn per_endpoint(&self) -> bool {
        self.codes.iter().any(|c| !c.endpoints.is_empty())
    }

    /// The codes an endpoint answers with (every code when not per endpoint).
    pub fn for_endpoint(&self, endpoint: ErrorEndpoint) -> impl Iterator<Item = &ErrorCodeSpec> {
        let per_endpoint = self.per_endpoint();
        self.codes
            .iter()
            .filter(move |c| !per_endpoint || c.endpoints.contains(&endpoint))
    }
}
