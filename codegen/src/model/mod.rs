//! The spec language: what a provider spec may say, as serde + schemars types.
//!
//! `specs/schema.json` is generated from these types (`idspec schema`), so the
//! doc comments here are what editors show while a spec is written.
//!
//! One spec describes one provider. What differs between providers is data here,
//! never code in the runtime: the protocol family, environments and endpoints,
//! client authentication, PKCE/PAR, parameters with types and channels, scopes and
//! the claims they release, JOSE algorithms, the error dialect and codes, lifetimes,
//! backchannel authentication, REST operations, webhooks, and the sandbox's users.

mod environment;
mod errors;
mod flows;
mod protocol;
mod rest;
mod sandbox;
mod types;

pub use environment::{ConfiguredUrl, Endpoints, EnvUrl, Environment, EnvironmentKind};
pub use errors::{ErrorCodeSpec, ErrorEndpoint, ErrorFields, ErrorsSpec};
pub use flows::{BackchannelSpec, NotificationAuth, NotificationDelivery, NotificationSpec};
pub use protocol::{
    AttributeList, AuthorizeSpec, ClaimsParameter, ClientAuthMethod, ClientAuthSpec,
    ForbiddenParam, IdTokenSpec, JweSpec, Lifetimes, ParMode, ParamEncoding, ParamSpec, PkceMode,
    RequestObjectAudience, RequestObjectSpec, TokenSpec, UserinfoFormat, UserinfoSpec,
    UserinfoToken, Via,
};
pub use rest::{
    ApiKeySpec, AuthScheme, AuthoritySpec, ClientCredentialsSpec, FlowStartSpec, LinkSpec,
    OperationMethod, OperationSpec, ResponseSpec, VerifiedIdSpec, WebhookSpec,
};
pub use sandbox::{Outcome, SandboxLogin, SandboxRules, SandboxSpec, SandboxUser};
pub use types::{
    Accept, ClaimSpec, ClaimTarget, Duration, EnumSpec, EnumValue, FieldSpec, ObjectSpec,
    ScopeSpec, TypeDef, TypeSpec,
};

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// The protocol family a provider speaks. It decides which flows the generated client
/// offers: an OAuth 2 provider gets no ID token validation because it sends none.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Family {
    /// OpenID Connect authorization code flow (Mobile ID, itsme).
    Oidc,
    /// Plain OAuth 2 authorization code flow: no ID token, no discovery (ID.me).
    Oauth2,
    /// Server-initiated backchannel authentication with a notification callback (imID).
    Backchannel,
    /// Client credentials plus REST operations and webhooks (IDEMIA IPA).
    Rest,
}

/// One identity provider, as written in `specs/<id>.yaml`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Spec {
    /// The provider's identifier: the Rust module name and the cargo feature
    /// (lowercase letters, digits and underscores, starting with a letter).
    pub id: String,
    /// The provider's display name.
    pub name: String,
    /// The integration document the spec was written from (a file in `shared/seeds/`).
    pub source: String,
    /// What the provider is, for the generated module's documentation.
    #[serde(default)]
    pub doc: Option<String>,
    /// The protocol family.
    pub family: Family,
    /// The provider's environments (production, test, sandbox), in the order the
    /// generated `Environment` enum lists them.
    pub environments: IndexMap<String, Environment>,
    /// How the client authenticates at the token (and PAR) endpoint.
    #[serde(default)]
    pub client_auth: Option<ClientAuthSpec>,
    /// Whether PKCE (RFC 7636, S256) is unsupported, optional or required.
    #[serde(default)]
    pub pkce: PkceMode,
    /// Whether pushed authorization requests (RFC 9126) are unsupported, offered or required.
    #[serde(default)]
    pub par: ParMode,
    /// The authorization request: parameters and forbidden parameters.
    #[serde(default)]
    pub authorize: Option<AuthorizeSpec>,
    /// The token endpoint's response shape and leniencies.
    #[serde(default)]
    pub token: TokenSpec,
    /// The ID token (OpenID Connect families only).
    #[serde(default)]
    pub id_token: Option<IdTokenSpec>,
    /// The userinfo endpoint.
    #[serde(default)]
    pub userinfo: Option<UserinfoSpec>,
    /// Request objects (RFC 9101): signing, encryption, fixed members.
    #[serde(default)]
    pub request_object: Option<RequestObjectSpec>,
    /// The `claims` request parameter (OpenID Connect Core 5.5), when the provider accepts it.
    #[serde(default)]
    pub claims_parameter: Option<ClaimsParameter>,
    /// Named types (PascalCase Rust names) used by parameters, claims and payloads.
    #[serde(default)]
    pub types: IndexMap<String, TypeDef>,
    /// Scopes, keyed by their wire value.
    #[serde(default)]
    pub scopes: IndexMap<String, ScopeSpec>,
    /// Claims, keyed by their wire name.
    #[serde(default)]
    pub claims: IndexMap<String, ClaimSpec>,
    /// The error dialect and every documented error code.
    #[serde(default)]
    pub errors: ErrorsSpec,
    /// Token and session lifetimes.
    #[serde(default)]
    pub lifetimes: Lifetimes,
    /// Backchannel authentication (family `backchannel`).
    #[serde(default)]
    pub backchannel: Option<BackchannelSpec>,
    /// Authentication schemes used by REST operations (family `rest`), by name.
    #[serde(default)]
    pub auth: IndexMap<String, AuthScheme>,
    /// REST operations (family `rest`), by snake_case name.
    #[serde(default)]
    pub operations: IndexMap<String, OperationSpec>,
    /// Webhooks the provider calls on the relying party, by snake_case name.
    #[serde(default)]
    pub webhooks: IndexMap<String, WebhookSpec>,
    /// URLs the relying party hands to the user (family `rest`), by snake_case name.
    #[serde(default)]
    pub links: IndexMap<String, LinkSpec>,
    /// The Microsoft Entra Verified ID credential the provider issues, for the
    /// relying party's presentation requests.
    #[serde(default)]
    pub verified_id: Option<VerifiedIdSpec>,
    /// The simulated provider's scripted users.
    #[serde(default)]
    pub sandbox: Option<SandboxSpec>,
}

impl Spec {
    /// The scopes that every request carries.
    pub fn required_scopes(&self) -> impl Iterator<Item = (&String, &ScopeSpec)> {
        self.scopes.iter().filter(|(_, scope)| scope.required)
    }

    /// Whether the provider issues ID tokens.
    pub fn is_openid(&self) -> bool {
        matches!(self.family, Family::Oidc | Family::Backchannel)
    }
}
