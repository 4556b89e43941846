//! The `rest` family: a provider reached through REST operations authenticated
//! with client credentials or an API key, which reports back through webhooks
//! (IDEMIA's Identity Proofing App).

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Duration, FieldSpec, TypeSpec};

/// How REST operations authenticate: exactly one of the members.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthScheme {
    /// What the credential is and where the relying party finds it, for the
    /// builder's documentation.
    #[serde(default)]
    pub doc: Option<String>,
    /// A bearer token from the OAuth 2 client credentials grant.
    #[serde(default)]
    pub client_credentials: Option<ClientCredentialsSpec>,
    /// An API key sent in a request header.
    #[serde(default)]
    pub api_key: Option<ApiKeySpec>,
}

/// The OAuth 2 client credentials grant (RFC 6749 4.4).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientCredentialsSpec {
    /// The token URL, a template over the environment's URLs
    /// (`{cognito_url}/oauth2/token`).
    pub token_url: String,
    /// How the client id and secret are sent: `client_secret_post` (in the form
    /// body) or `client_secret_basic` (HTTP Basic).
    #[serde(default = "default_credentials_auth")]
    pub client_auth: super::ClientAuthMethod,
    /// How long a token lives when the token response has no `expires_in`.
    #[serde(default)]
    pub default_lifetime: Option<Duration>,
}

fn default_credentials_auth() -> super::ClientAuthMethod {
    super::ClientAuthMethod::ClientSecretPost
}

/// An API key in a request header.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ApiKeySpec {
    /// The header's name (`apikey`).
    pub header: String,
}

/// An HTTP method of a REST operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "UPPERCASE")]
pub enum OperationMethod {
    /// GET.
    Get,
    /// POST.
    Post,
    /// PUT.
    Put,
    /// PATCH.
    Patch,
    /// DELETE.
    Delete,
}

/// A REST operation, keyed by its snake_case name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct OperationSpec {
    /// What it does, for the generated type's documentation.
    #[serde(default)]
    pub doc: Option<String>,
    /// The HTTP method.
    pub method: OperationMethod,
    /// The URL template. It starts with `{name}`, an environment URL or a `url`
    /// parameter, followed by path segments, each literal or one `{parameter}`, and
    /// an optional query of `key={parameter}` pairs. Parameters are percent-encoded
    /// as one segment or value, so that no value can change the URL's shape.
    pub url: String,
    /// The authentication scheme, by name from `auth`.
    #[serde(default)]
    pub auth: Option<String>,
    /// The parameters of the URL template, keyed by their name in it; all required.
    #[serde(default)]
    pub params: IndexMap<String, FieldSpec>,
    /// The JSON request body's members, keyed by wire name.
    #[serde(default)]
    pub body: Option<IndexMap<String, FieldSpec>>,
    /// The response.
    pub response: ResponseSpec,
    /// The environment URL the final URL must share its origin (scheme, host and
    /// port) with. A URL from elsewhere (a `url` parameter taken from a webhook) is
    /// refused before the request, and its credential, is sent.
    #[serde(default)]
    pub origin: Option<String>,
    /// A flow this operation starts: the response member naming it, and how long the
    /// provider keeps it.
    #[serde(default)]
    pub starts_flow: Option<FlowStartSpec>,
}

/// What an operation answers when it succeeds.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ResponseSpec {
    /// What the response holds.
    #[serde(default)]
    pub doc: Option<String>,
    /// A JSON body of this type.
    #[serde(default)]
    pub json: Option<TypeSpec>,
    /// A binary body of this media type, streamed to a writer and never held whole.
    #[serde(default)]
    pub stream: Option<String>,
}

/// A flow started by an operation, completed by a webhook.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FlowStartSpec {
    /// The member of the JSON response that identifies the flow (`sessionId`); a
    /// webhook correlates on it.
    pub id: String,
    /// How long the provider keeps the flow (IPA's session: 30 minutes); a webhook
    /// arriving later ends it as expired.
    pub expires: Duration,
}

/// A URL the relying party hands to the user (the session's start page), keyed by
/// its snake_case name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinkSpec {
    /// What the URL is for.
    #[serde(default)]
    pub doc: Option<String>,
    /// The URL template, as for operations.
    pub url: String,
    /// The parameters of the template; all required.
    #[serde(default)]
    pub params: IndexMap<String, FieldSpec>,
}

/// A webhook the provider calls on the relying party, keyed by its snake_case name.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct WebhookSpec {
    /// What it reports.
    #[serde(default)]
    pub doc: Option<String>,
    /// The JSON body, keyed by wire name.
    pub body: IndexMap<String, FieldSpec>,
    /// The body member naming the flow the call completes (an operation's
    /// `starts_flow.id`).
    pub correlate: String,
    /// How many more times the provider calls after an answer that is not 2xx.
    #[serde(default)]
    pub retries: u32,
    /// The delay between those calls.
    #[serde(default)]
    pub retry_interval: Option<Duration>,
    /// Whether the call carries any authentication. Without it nothing in the body
    /// is trusted: results are fetched from the provider, and URLs are checked.
    #[serde(default)]
    pub authenticated: bool,
    /// URL members of the body and the environment URL each must share its origin
    /// with (`proofUrl: idv_url`); a call with a URL from elsewhere is refused.
    #[serde(default)]
    pub same_origin: IndexMap<String, String>,
}

/// Microsoft Entra Verified ID: what a relying party's presentation request names
/// when it asks for a credential the provider issued.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct VerifiedIdSpec {
    /// What the credential is.
    #[serde(default)]
    pub doc: Option<String>,
    /// `registration.clientName`.
    pub client_name: String,
    /// `requestedCredentials.type`.
    pub credential_type: String,
    /// The issuer's DID per platform (region), keyed by snake_case name.
    pub authorities: IndexMap<String, AuthoritySpec>,
}

/// The issuing authority on one platform.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthoritySpec {
    /// Which platform.
    #[serde(default)]
    pub doc: Option<String>,
    /// The DID (`did:web:eu.did.idemia.io`).
    pub did: String,
}
