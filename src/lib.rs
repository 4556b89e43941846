//! # idspec
//!
//! Typed Rust clients for identity providers, generated from declarative specs.
//! Each provider in `specs/` is a module here (behind a cargo feature of the same
//! name): its environments, scopes, claims, parameters and error codes as types, over
//! one shared [`runtime`] that does the protocol.
//!
//! ```no_run
//! # async fn demo() -> Result<(), Box<dyn std::error::Error>> {
//! use idspec::mobileid::{AuthorizationRequest, Client, Environment, Hint, LoginHint, Scope, Acr};
//!
//! let client = Client::builder(Environment::Production)
//!     .client_id("s6BhdRkqt3")
//!     .client_secret("some_secret12345")
//!     .redirect_uri("https://app.example.ch/oauth2/authresp")
//!     .build()?;
//! let request = AuthorizationRequest::new()
//!     .scope(Scope::Phone)
//!     .pushed()
//!     .acr_values(Acr::MidAl3Any)
//!     .login_hint(LoginHint::new(vec![Hint::new("+41791234567")]));
//! let start = client.start(request).await?;
//! // Redirect the browser to start.url; then, on the callback:
//! # let callback_query = "";
//! let login = client.complete(callback_query).await?;
//! let userinfo = client.userinfo(&login).await?;
//! # let _ = userinfo; Ok(()) }
//! ```
//!
//! Specs that live in your own crate: [`provider!`].
#![warn(missing_docs)]

// Generated code names the runtime as `::idspec::runtime`, in this crate as in users'.
extern crate self as idspec;

pub use idspec_runtime as runtime;

/// Generates a provider module from a spec file in your own crate:
/// `idspec::provider!("specs/acme.yaml");` expands to `pub mod acme { ... }`. The path
/// is relative to your crate's `Cargo.toml`; problems in the spec are compile errors.
pub use idspec_macros::provider;

include!(concat!(env!("OUT_DIR"), "/providers.rs"));
