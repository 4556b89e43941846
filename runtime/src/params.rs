//! Authorization request parameters as the generated builders collect them, and the
//! channel markers that decide which parameters a request may carry.

use std::borrow::Cow;

use serde::Serialize;

use crate::values::ScopeValue;

mod sealed {
    pub trait Sealed {}
}

/// The channel an authorization request travels through.
pub trait Channel: sealed::Sealed + Send + Sync + 'static {
    /// Whether the request is pushed (RFC 9126).
    const PUSHED: bool;
}

/// The request travels in the authorization URL's query.
#[derive(Clone, Copy, Debug)]
pub struct FrontChannel;

/// The request is pushed to the PAR endpoint (RFC 9126); the URL carries only a
/// `request_uri`.
#[derive(Clone, Copy, Debug)]
pub struct Pushed;

impl sealed::Sealed for FrontChannel {}
impl sealed::Sealed for Pushed {}
impl Channel for FrontChannel {
    const PUSHED: bool = false;
}
impl Channel for Pushed {
    const PUSHED: bool = true;
}

/// How the authorization request travels as a request object (RFC 9101).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequestObject {
    /// A JWT signed with the relying party's key (or, where the provider's spec
    /// allows HMAC, its client secret).
    Signed,
    /// Signed, then encrypted to the provider's published encryption key (a nested JWT).
    SignedEncrypted,
}

/// The provider-specific part of an authorization request.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct AuthorizationParams {
    scopes: Vec<String>,
    params: Vec<(Cow<'static, str>, String)>,
    pushed: bool,
    request_object: Option<RequestObject>,
}

impl AuthorizationParams {
    /// No scopes, no parameters, front channel.
    pub fn new() -> Self {
        Self::default()
    }

    /// The same parameters, pushed.
    pub fn into_pushed(mut self) -> Self {
        self.pushed = true;
        self
    }

    /// Adds a scope once.
    pub fn add_scope(&mut self, scope: &impl ScopeValue) {
        let wire = scope.wire();
        if !self.scopes.iter().any(|s| *s == wire) {
            self.scopes.push(wire.into_owned());
        }
    }

    /// Sets a parameter, replacing an earlier value.
    pub fn set(&mut self, name: impl Into<Cow<'static, str>>, value: String) {
        let name = name.into();
        self.params.retain(|(n, _)| *n != name);
        self.params.push((name, value));
    }

    /// The scopes, in the order requested.
    pub fn scopes(&self) -> &[String] {
        &self.scopes
    }

    /// The parameters.
    pub fn params(&self) -> &[(Cow<'static, str>, String)] {
        &self.params
    }

    /// Whether the request is to be pushed.
    pub fn is_pushed(&self) -> bool {
        self.pushed
    }

    /// Sends the whole request as a request object.
    pub fn set_request_object(&mut self, mode: RequestObject) {
        self.request_object = Some(mode);
    }

    /// Whether, and how, the request travels as a request object.
    pub fn request_object(&self) -> Option<RequestObject> {
        self.request_object
    }
}

/// A JSON-encoded parameter value (Mobile ID's `login_hint`).
pub fn json<T: Serialize>(value: &T) -> String {
    // Generated parameter types are structs, lists and strings: they always serialize.
    serde_json::to_string(value).unwrap_or_default()
}
