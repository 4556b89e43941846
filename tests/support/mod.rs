//! Helpers shared by integration tests; include with `mod support;`.
//!
//! * [`op::OpenIdProvider`]: a local OpenID Provider (node-oidc-provider,
//!   `tests/op/server.mjs`) configured to behave like Swisscom Mobile ID.
//! * [`browser::follow_to_redirect_uri`]: a user agent that completes the
//!   provider's (automatic) login and consent by following redirects.

pub mod browser;
pub mod chromium;
pub mod op;

pub use browser::follow_to_redirect_uri;
pub use op::OpenIdProvider;
