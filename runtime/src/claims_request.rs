//! The `claims` request parameter (OpenID Connect Core 5.5): which claims the
//! relying party asks for, where they should be delivered, and how much it needs them.

use serde_json::{Map, Value};

/// How one claim is requested.
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub enum ClaimRequest {
    /// Asked for, but the login does not depend on it.
    Voluntary,
    /// Needed for the relying party's purpose (`essential: true`).
    Essential,
    /// Asked for with one specific value.
    Value(Value),
    /// Asked for with one of several values.
    Values(Vec<Value>),
}

impl ClaimRequest {
    fn to_json(&self) -> Value {
        match self {
            Self::Voluntary => Value::Null,
            Self::Essential => serde_json::json!({ "essential": true }),
            Self::Value(value) => serde_json::json!({ "value": value }),
            Self::Values(values) => serde_json::json!({ "values": values }),
        }
    }
}

/// A `claims` request: claims for the ID token and for userinfo.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ClaimsRequest {
    id_token: Vec<(String, ClaimRequest)>,
    userinfo: Vec<(String, ClaimRequest)>,
}

impl ClaimsRequest {
    /// Asks for nothing yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks for `claim` in the ID token.
    pub fn id_token(mut self, claim: impl Into<String>, request: ClaimRequest) -> Self {
        self.id_token.push((claim.into(), request));
        self
    }

    /// Asks for `claim` from the userinfo endpoint.
    pub fn userinfo(mut self, claim: impl Into<String>, request: ClaimRequest) -> Self {
        self.userinfo.push((claim.into(), request));
        self
    }

    /// The parameter's JSON value.
    pub fn to_json(&self) -> Value {
        let member = |claims: &[(String, ClaimRequest)]| {
            Value::Object(
                claims
                    .iter()
                    .map(|(name, request)| (name.clone(), request.to_json()))
                    .collect::<Map<_, _>>(),
            )
        };
        let mut object = Map::new();
        if !self.id_token.is_empty() {
            object.insert("id_token".into(), member(&self.id_token));
        }
        if !self.userinfo.is_empty() {
            object.insert("userinfo".into(), member(&self.userinfo));
        }
        Value::Object(object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn serializes_as_openid_connect_core_5_5() {
        let request = ClaimsRequest::new()
            .id_token("email", ClaimRequest::Essential)
            .userinfo("name", ClaimRequest::Voluntary)
            .id_token("acr", ClaimRequest::Values(vec!["a".into(), "b".into()]));
        assert_eq!(
            request.to_json().to_string(),
            r#"{"id_token":{"email":{"essential":true},"acr":{"values":["a","b"]}},"userinfo":{"name":null}}"#
        );
    }
}
