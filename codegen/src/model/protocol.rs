use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::{Accept, Duration, TypeSpec};

/// A client authentication method at the token endpoint (OpenID Connect Core 9).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ClientAuthMethod {
    /// HTTP Basic with client id and secret (RFC 6749 2.3.1).
    ClientSecretBasic,
    /// Client id and secret in the form body.
    ClientSecretPost,
    /// A JWT signed with the client secret (HMAC).
    ClientSecretJwt,
    /// A JWT signed with the relying party's private key.
    PrivateKeyJwt,
    /// No client authentication (public clients).
    None,
}

impl ClientAuthMethod {
    /// The wire name.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::ClientSecretBasic => "client_secret_basic",
            Self::ClientSecretPost => "client_secret_post",
            Self::ClientSecretJwt => "client_secret_jwt",
            Self::PrivateKeyJwt => "private_key_jwt",
            Self::None => "none",
        }
    }
}

/// The client authentication methods a provider allows.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClientAuthSpec {
    /// Every method the provider accepts.
    pub methods: Vec<ClientAuthMethod>,
    /// The method used unless the relying party picks another; defaults to the first.
    #[serde(default)]
    pub default: Option<ClientAuthMethod>,
}

impl ClientAuthSpec {
    /// The default method.
    pub fn default_method(&self) -> Option<ClientAuthMethod> {
        self.default.or_else(|| self.methods.first().copied())
    }
}

/// PKCE support (RFC 7636). The client always uses S256 unless the provider has none.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PkceMode {
    /// The provider does not support PKCE; no challenge is sent.
    None,
    /// The provider accepts PKCE; the client sends S256.
    #[default]
    Optional,
    /// The provider requires PKCE.
    Required,
}

/// Pushed authorization request support (RFC 9126).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParMode {
    /// No PAR endpoint.
    #[default]
    None,
    /// PAR is offered; parameters marked `via: par` are only sent through it.
    Offered,
    /// Every authorization request must be pushed.
    Required,
}

/// Through which channel a parameter may travel.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Via {
    /// The authorization URL's query or a pushed request.
    #[default]
    Any,
    /// Only a pushed authorization request (RFC 9126): the generated API offers the
    /// parameter on the pushed request only.
    Par,
    /// Only inside a request object (RFC 9101).
    RequestObject,
    /// Only the form body of a backchannel request.
    Backchannel,
}

/// How a parameter's value is put on the wire.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ParamEncoding {
    /// The value as text (enums by their wire value).
    #[default]
    Plain,
    /// The value serialized as compact JSON (Mobile ID's `login_hint`).
    Json,
    /// A list joined with single spaces (`acr_values`, `ui_locales`).
    SpaceSeparated,
}

/// One authorization request parameter.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ParamSpec {
    /// What the parameter does, for the generated setter's documentation.
    #[serde(default)]
    pub doc: Option<String>,
    /// The value's type.
    #[serde(rename = "type")]
    pub ty: TypeSpec,
    /// The channel the parameter may use.
    #[serde(default)]
    pub via: Via,
    /// How the value is encoded.
    #[serde(default)]
    pub encoding: ParamEncoding,
    /// Whether every request must carry it.
    #[serde(default)]
    pub required: bool,
    /// The Rust name of the setter, when the wire name does not make a good one.
    #[serde(default)]
    pub rust_name: Option<String>,
    /// An example value, shown in the documentation.
    #[serde(default)]
    pub example: Option<String>,
    /// The value sent when the relying party sets none (backchannel requests:
    /// imID's documented `acr_values`, `binding_message` and `context`).
    #[serde(default)]
    pub default: Option<String>,
}

/// A parameter the provider documents as not to be used; the generated API does not offer it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ForbiddenParam {
    /// The parameter's wire name.
    pub name: String,
    /// Why, in the provider's words.
    pub reason: String,
}

/// The authorization request.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthorizeSpec {
    /// HTTP method of the front-channel request (providers use GET; imID's backchannel start uses POST).
    #[serde(default)]
    pub method: Option<String>,
    /// Provider-specific parameters, keyed by wire name. The protocol's own parameters
    /// (response_type, client_id, redirect_uri, scope, state, nonce, PKCE) are the runtime's.
    #[serde(default)]
    pub params: IndexMap<String, ParamSpec>,
    /// Parameters the provider forbids: never offered by the generated API.
    #[serde(default)]
    pub forbidden: Vec<ForbiddenParam>,
    /// Whether the provider sends `iss` on the redirect (RFC 9207); if so, it is required.
    #[serde(default)]
    pub response_iss: bool,
    /// Whether every request must name a scope (ID.me's policy): the generated
    /// `AuthorizationRequest::new` then takes one, so a request without cannot be built.
    #[serde(default)]
    pub require_scope: bool,
    /// Response types the provider offers but the generated client deliberately does
    /// not, with the reason shown in the documentation (the implicit grant).
    #[serde(default)]
    pub refused_response_types: IndexMap<String, String>,
}

/// The token endpoint's response.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenSpec {
    /// Extra wire forms accepted for `expires_in` and `refresh_expires_in`
    /// (ID.me sends `"300"`).
    #[serde(default)]
    pub expires_in_accept: Vec<Accept>,
    /// Extra members of the token response, keyed by wire name.
    #[serde(default)]
    pub extra: IndexMap<String, TypeSpec>,
}

/// JWE algorithms (RFC 7516).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct JweSpec {
    /// Key management algorithms (`alg`), e.g. RSA-OAEP, RSA-OAEP-256, A128KW.
    pub alg: Vec<String>,
    /// Content encryption algorithms (`enc`), e.g. A128CBC-HS256, A256GCM.
    pub enc: Vec<String>,
}

/// The ID token.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct IdTokenSpec {
    /// Allowed signing algorithms. `none` is never allowed.
    pub signing: Vec<String>,
    /// Encryption, when the provider encrypts ID tokens.
    #[serde(default)]
    pub encryption: Option<JweSpec>,
    /// Whether the provider always encrypts ID tokens (itsme): then a signed ID token
    /// that is not encrypted is refused as a downgrade.
    #[serde(default)]
    pub encryption_required: bool,
}

/// A userinfo response format.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum UserinfoFormat {
    /// `application/json`.
    Json,
    /// `application/jwt`, signed.
    Signed,
    /// `application/jwt`, signed then encrypted.
    SignedEncrypted,
}

/// Where the access token goes on a userinfo request.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum TokenPlacement {
    /// `Authorization: Bearer` (RFC 6750 2.1).
    #[default]
    Header,
    /// A form body parameter (RFC 6750 2.2).
    Body,
    /// A query parameter (RFC 6750 2.3; ID.me requires it).
    Query,
}

/// The userinfo endpoint.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct UserinfoSpec {
    /// `GET` or `POST`.
    #[serde(default = "default_get")]
    pub method: String,
    /// Where the access token goes.
    #[serde(default)]
    pub token: TokenPlacement,
    /// Formats the provider may answer with.
    pub formats: Vec<UserinfoFormat>,
    /// Allowed signing algorithms for signed responses.
    #[serde(default)]
    pub signing: Vec<String>,
    /// Encryption of encrypted responses.
    #[serde(default)]
    pub encryption: Option<JweSpec>,
    /// Extra request parameters (imID's `correlation_id`), keyed by wire name.
    #[serde(default)]
    pub params: IndexMap<String, ParamSpec>,
    /// Request parameters the provider documents that the client does not send
    /// (ID.me's JSONP `callback`), with the reason shown in the documentation.
    #[serde(default)]
    pub forbidden: Vec<ForbiddenParam>,
    /// Where the claims arrive as a list of entries rather than as members of the
    /// response (ID.me's `attributes`: `{"handle": "fname", "name": "First Name",
    /// "value": "Malcolm"}`).
    #[serde(default)]
    pub attributes: Option<AttributeList>,
}

/// Claims delivered as a list of `{key, label, value}` entries: each entry's key is a
/// claim's wire name. Documented claims become typed fields; entries with other keys,
/// and every entry's label and position, are kept.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct AttributeList {
    /// The response member holding the list (`attributes`).
    pub list: String,
    /// The entry member naming the claim (`handle`).
    pub key: String,
    /// The entry member holding the provider's display label (`name`).
    #[serde(default)]
    pub label: Option<String>,
    /// The entry member holding the value (`value`).
    pub value: String,
    /// Claims that are members of the response itself, beside the list (ID.me's `status`).
    #[serde(default)]
    pub members: Vec<String>,
}

fn default_get() -> String {
    "GET".to_owned()
}

pub use TokenPlacement as UserinfoToken;

/// Request objects (RFC 9101).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestObjectSpec {
    /// Allowed signing algorithms (imID: RS512).
    pub signing: Vec<String>,
    /// Encryption, when request objects are encrypted (itsme).
    #[serde(default)]
    pub encryption: Option<JweSpec>,
    /// Whether every authorization request must be a request object.
    #[serde(default)]
    pub required: bool,
    /// Whether a request object must be encrypted as well as signed (itsme): then the
    /// generated API offers no signed-only request object.
    #[serde(default)]
    pub encryption_required: bool,
    /// Members every request object carries with a fixed value (imID's `version`).
    #[serde(default)]
    pub fixed: IndexMap<String, String>,
    /// Members that must be present.
    #[serde(default)]
    pub required_members: Vec<String>,
    /// The `aud` of a request object: the issuer (RFC 9101) unless the provider
    /// assigns each client an audience of its own (imID), which the relying party
    /// then configures.
    #[serde(default)]
    pub audience: RequestObjectAudience,
}

/// What a request object's `aud` is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum RequestObjectAudience {
    /// The provider's issuer identifier.
    #[default]
    Issuer,
    /// A value the provider hands out with the client credentials.
    Assigned,
}

/// The `claims` request parameter (OpenID Connect Core 5.5).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ClaimsParameter {
    /// Where it may be sent.
    #[serde(default)]
    pub via: Via,
}

/// Token and session lifetimes, as documented.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Lifetimes {
    /// How long an authorization code can be redeemed.
    #[serde(default)]
    pub authorization_code: Option<Duration>,
    /// Access token lifetime.
    #[serde(default)]
    pub access_token: Option<Duration>,
    /// ID token lifetime.
    #[serde(default)]
    pub id_token: Option<Duration>,
    /// Refresh token lifetime, when fixed.
    #[serde(default)]
    pub refresh_token: Option<Duration>,
    /// How long a pushed request_uri stays valid.
    #[serde(default)]
    pub request_uri: Option<Duration>,
    /// How long a pending flow is kept before it ends as expired.
    #[serde(default)]
    pub pending_flow: Option<Duration>,
}
