//! Providers reached through REST operations rather than a login (the spec's `rest`
//! family): an access token from the client credentials grant or an API key,
//! operations declared in the spec, links handed to the user, and webhooks that
//! report the end of a flow.
//!
//! * [`RestClient`]: one per process; [`send`](RestClient::send) a JSON operation,
//!   [`download`](RestClient::download) a binary one to any `AsyncWrite`, build a
//!   [`link`](RestClient::link), [`handle_webhook`](RestClient::handle_webhook).
//! * [`token`]: the client credentials token, cached and renewed once for every
//!   concurrent caller.
//! * [`webhook`]: the framework-neutral webhook endpoint: deduplicated, correlated
//!   with the flow an operation started, trusting nothing the call says.
//! * [`verified_id`]: what a Microsoft Entra Verified ID presentation request names.
//!
//! Everything provider-specific (URLs, templates, headers, members, lifetimes) is
//! in the static profiles below, generated from the spec.

mod client;
mod download;
mod template;
pub mod token;
pub mod verified_id;
pub mod webhook;

use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use crate::error::ProviderErrorCode;
use crate::profile::{ClientAuthMethod, EnvironmentKind, ErrorDialect};

pub use client::{
    RestClient, RestClientBuilder, RestError, RestTarget, DEFAULT_DOWNLOAD_TIMEOUT,
    DEFAULT_MAX_DOWNLOAD,
};
pub use download::Downloaded;
pub use webhook::{
    Completed, WebhookHandled, WebhookOutcome, WebhookRejection, WebhookRequest, WebhookResponse,
    MAX_WEBHOOK_BODY,
};

/// A provider of the `rest` family, as its generated module describes it.
pub trait RestProvider: Send + Sync + 'static {
    /// The provider's error codes.
    type ErrorCode: ProviderErrorCode;
    /// The names of the environments' URLs (generated `BaseUrl`).
    type BaseUrl: UrlName;
    /// The profile generated from the spec.
    const PROFILE: &'static RestProfile;
}

/// A generated enum of an environment's named URLs.
pub trait UrlName: Copy + Send + Sync + 'static {
    /// The URL's name in the spec (`cognito_url`).
    fn name(self) -> &'static str;
}

/// A REST operation: the generated struct holds its parameters and body members.
/// It serializes to the JSON body (parameters are skipped).
pub trait Operation: Serialize + Send + Sync {
    /// The provider it belongs to.
    type Provider: RestProvider;
    /// The operation as the spec declares it.
    const PROFILE: &'static OperationProfile;
    /// The values of the URL template's parameters, by name.
    fn params(&self) -> Vec<(&'static str, String)>;
}

/// An operation answering JSON: sent with [`RestClient::send`].
pub trait JsonOperation: Operation {
    /// The typed response.
    type Response: DeserializeOwned + Send;
}

/// An operation answering a binary body: streamed with [`RestClient::download`].
pub trait DownloadOperation: Operation {}

/// A URL the relying party hands to the user, built with [`RestClient::link`].
pub trait Link {
    /// The provider it belongs to.
    type Provider: RestProvider;
    /// The URL template.
    const TEMPLATE: &'static UrlTemplate;
    /// The values of the template's parameters, by name.
    fn params(&self) -> Vec<(&'static str, String)>;
}

/// A webhook payload: the generated struct of the call's JSON body.
pub trait Webhook: DeserializeOwned + Send + 'static {
    /// The provider it belongs to.
    type Provider: RestProvider;
    /// The webhook as the spec declares it.
    const PROFILE: &'static WebhookProfile;
}

/// What generated code tells the runtime about a REST provider.
#[derive(Debug)]
pub struct RestProfile {
    /// The spec's id.
    pub id: &'static str,
    /// The display name.
    pub name: &'static str,
    /// The names of the environments' URLs.
    pub urls: &'static [&'static str],
    /// The error dialect (of the token endpoint).
    pub errors: ErrorDialect,
    /// The client credentials scheme, if operations use one.
    pub client_credentials: Option<ClientCredentialsProfile>,
    /// The API key scheme, if operations use one.
    pub api_key: Option<ApiKeyProfile>,
}

/// An environment of a REST provider.
#[derive(Debug)]
pub struct RestEnvironment {
    /// The environment's name in the spec.
    pub name: &'static str,
    /// What it is for.
    pub kind: EnvironmentKind,
    /// Its URLs by name: fixed ones with their value, configured ones with `None`
    /// (set them with [`RestClientBuilder::url`]).
    pub urls: &'static [(&'static str, Option<&'static str>)],
}

/// The OAuth 2 client credentials grant.
#[derive(Debug)]
pub struct ClientCredentialsProfile {
    /// The token URL.
    pub token_url: UrlTemplate,
    /// `client_secret_post` or `client_secret_basic`.
    pub client_auth: ClientAuthMethod,
    /// The lifetime of a token whose response has no `expires_in`.
    pub default_lifetime: Option<Duration>,
}

/// An API key in a request header.
#[derive(Debug)]
pub struct ApiKeyProfile {
    /// The header's name.
    pub header: &'static str,
}

/// A URL template, parsed when the spec was validated.
#[derive(Debug)]
pub struct UrlTemplate {
    /// The leading name: an environment URL or a `url` parameter.
    pub base: &'static str,
    /// The path segments appended to the base.
    pub path: &'static [Part],
    /// The query pairs appended.
    pub query: &'static [(&'static str, Part)],
}

/// A path segment or query value of a template.
#[derive(Clone, Copy, Debug)]
pub enum Part {
    /// Literal text.
    Literal(&'static str),
    /// A parameter's value, percent-encoded as one segment or value.
    Param(&'static str),
}

/// An HTTP method of an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
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

impl OperationMethod {
    fn as_reqwest(self) -> reqwest::Method {
        match self {
            Self::Get => reqwest::Method::GET,
            Self::Post => reqwest::Method::POST,
            Self::Put => reqwest::Method::PUT,
            Self::Patch => reqwest::Method::PATCH,
            Self::Delete => reqwest::Method::DELETE,
        }
    }
}

/// Which credential an operation carries.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum AuthKind {
    /// `Authorization: Bearer` with the client credentials token.
    ClientCredentials,
    /// The API key header.
    ApiKey,
}

/// A REST operation as the spec declares it.
#[derive(Debug)]
pub struct OperationProfile {
    /// The operation's name in the spec.
    pub name: &'static str,
    /// The HTTP method.
    pub method: OperationMethod,
    /// The URL template.
    pub url: UrlTemplate,
    /// The credential it carries.
    pub auth: Option<AuthKind>,
    /// The environment URL whose origin the final URL must have.
    pub origin: Option<&'static str>,
    /// Whether the operation sends its JSON body.
    pub has_body: bool,
    /// The media type of a binary response.
    pub media_type: Option<&'static str>,
    /// The flow it starts, completed by a webhook.
    pub starts_flow: Option<FlowStart>,
}

/// A flow an operation starts.
#[derive(Debug)]
pub struct FlowStart {
    /// The response member naming it.
    pub id: &'static str,
    /// How long the provider keeps it.
    pub expires: Duration,
}

/// A webhook as the spec declares it.
#[derive(Debug)]
pub struct WebhookProfile {
    /// The webhook's name in the spec.
    pub name: &'static str,
    /// The body member naming the flow.
    pub correlate: &'static str,
    /// URL members of the body and the environment URL whose origin each must have.
    pub same_origin: &'static [(&'static str, &'static str)],
    /// How many more times the provider calls after an answer that is not 2xx.
    pub retries: u32,
    /// The delay between those calls.
    pub retry_interval: Duration,
    /// Whether the call is authenticated (if not, nothing in it is trusted).
    pub authenticated: bool,
}
