//! The protocol runtime behind idspec's generated identity-provider clients.
//!
//! Generated code describes a provider (endpoints, parameters, scopes, claims,
//! error codes) and calls into this crate, which does the protocol once: HTTP with
//! limits, discovery and JWKS caches, JOSE, the authorization code flow with PKCE and
//! PAR, ID token and userinfo validation, refresh, and the error model.
#![warn(missing_docs)]

pub mod attributes;
#[cfg(feature = "axum")]
pub mod axum;
pub mod callback;
pub mod claim_map;
pub mod claims_request;
pub mod client;
pub mod config;
pub mod dialect;
pub mod discovery;
pub mod error;
#[cfg(feature = "fuzzing")]
pub mod fuzzing;
pub mod http;
pub mod id_token;
pub mod jose;
pub mod lenient;
pub mod params;
pub mod profile;
pub mod random;
pub mod rest;
pub mod secret;
pub mod store;
pub mod values;

pub use attributes::{Attribute, AttributeError, AttributeFields, Attributes};
pub use claim_map::{ClaimFields, ClaimKey, ClaimMap, ClaimName};
pub use claims_request::{ClaimRequest, ClaimsRequest};
pub use client::{
    AuthorizationStart, BackchannelError, BackchannelParams, Client, ClientBuilder, Identification,
    Login, NotificationOutcome, NotificationRejection, NotificationRequest, NotificationResponse,
    Notified, OpenIdProvider, PendingIdentification, Provider, ProviderVisitor, RevocableToken,
    Tokens,
};
pub use config::ConfigError;
pub use error::{
    EndpointKind, Error, ErrorMetadata, GenericErrorCode, OAuthErrorCode, ProviderError,
    ProviderErrorCode, RawResponse, ResponseProblem,
};
pub use http::HttpClient;
pub use params::{AuthorizationParams, Channel, FrontChannel, Pushed, RequestObject};
pub use profile::{
    BackchannelProfile, ClientAuthMethod, Endpoints, EnvironmentConfig, EnvironmentKind,
    ErrorDialect, ErrorFields, Family, HttpMethod, NotificationDelivery, ParMode, PkceMode,
    ProviderProfile, RequestObjectAudience, RequestObjectProfile, StatusOnlyCode, Target,
    TokenPlacement, UserinfoFormat, UserinfoProfile,
};
pub use rest::{RestClient, RestProvider};
pub use secret::{
    AccessToken, ApiKey, AuthorizationCode, ClientSecret, Jwt, Nonce, PkceVerifier, RefreshToken,
    State,
};
#[cfg(feature = "redis")]
pub use store::RedisFlowStore;
pub use store::{FlowStore, MemoryFlowStore, PendingFlow};
pub use values::{Audience, Base64Data, InvalidUuid, NoIdToken, ScopeValue, UnknownValue, Uuid};

// Generated code names these through the runtime, so that a crate using
// `provider!` needs no serde dependency of its own.
#[doc(hidden)]
pub use serde;
#[doc(hidden)]
pub use serde_json;
