//! Families beyond the authorization code flow: backchannel authentication,
//! REST operations with their authentication schemes, and webhooks.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Duration, TypeSpec};

/// Server-initiated backchannel authentication (imID).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BackchannelSpec {
    /// The endpoint the authentication request is posted to (`authorization` or
    /// `backchannel_authentication`).
    pub endpoint: String,
    /// Parameters of the authentication request, keyed by wire name.
    #[serde(default)]
    pub params: IndexMap<String, super::ParamSpec>,
    /// The member of the response that identifies the pending authentication.
    #[serde(default = "default_auth_req_id")]
    pub request_id: String,
    /// The notification the provider sends to the relying party.
    pub notification: NotificationSpec,
    /// How long the user has to approve.
    #[serde(default)]
    pub timeout: Option<Duration>,
}

fn default_auth_req_id() -> String {
    "auth_req_id".to_owned()
}

/// How a callback from the provider is authenticated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub struct NotificationAuth {
    /// `Authorization: Bearer <value>`, where value is the named request parameter
    /// (`client_notification_token`), compared in constant time.
    #[serde(default)]
    pub bearer: Option<String>,
}

/// The notification callback of a backchannel authentication.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationSpec {
    /// How the notification is authenticated.
    pub auth: NotificationAuth,
    /// Members that must match the pending flow.
    pub correlate: Vec<String>,
    /// The URL rules: `https` and port 443 for imID.
    #[serde(default)]
    pub require_https_port: Option<u16>,
    /// The notification body, keyed by wire name.
    #[serde(default)]
    pub body: IndexMap<String, super::FieldSpec>,
}

/// An authentication scheme for REST operations.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub struct AuthScheme {
    /// A bearer token from the OAuth 2 client credentials grant at this URL template.
    #[serde(default)]
    pub client_credentials: Option<String>,
    /// An API key sent in this header.
    #[serde(default)]
    pub api_key_header: Option<String>,
}

/// A REST operation.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OperationSpec {
    /// What it does.
    #[serde(default)]
    pub doc: Option<String>,
    /// `GET`, `POST`, `PUT`, `DELETE`.
    pub method: String,
    /// The URL template: `{name}` refers to an environment URL or a path parameter.
    pub url: String,
    /// The authentication scheme, by name from `auth`.
    #[serde(default)]
    pub auth: Option<String>,
    /// Path parameters, keyed by name.
    #[serde(default)]
    pub path: IndexMap<String, TypeSpec>,
    /// The JSON request body.
    #[serde(default)]
    pub body: Option<TypeSpec>,
    /// The response.
    pub response: ResponseSpec,
}

/// What an operation answers.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub struct ResponseSpec {
    /// A JSON body of this type.
    #[serde(default)]
    pub json: Option<TypeSpec>,
    /// A binary body of this media type, streamed.
    #[serde(default)]
    pub stream: Option<String>,
}

/// A webhook the provider calls.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookSpec {
    /// What it reports.
    #[serde(default)]
    pub doc: Option<String>,
    /// The JSON body, keyed by wire name.
    pub body: IndexMap<String, super::FieldSpec>,
    /// The body member that correlates the call with a pending flow.
    pub correlate: String,
    /// How many times the provider retries a non-2xx answer.
    #[serde(default)]
    pub retries: u32,
    /// The interval between retries.
    #[serde(default)]
    pub retry_interval: Option<Duration>,
    /// Whether the call carries any authentication; if not, nothing in it is trusted.
    #[serde(default)]
    pub authenticated: bool,
}
