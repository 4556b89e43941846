//! Backchannel authentication: the provider asks the user on their device and
//! calls the relying party back.

use indexmap::IndexMap;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Duration;

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
    /// The `response_type` of the request, on the form and in the request object
    /// (imID: `mc_si_async_code`).
    pub response_type: String,
    /// The member of the response that identifies the pending authentication.
    #[serde(default = "default_auth_req_id")]
    pub request_id: String,
    /// The request member carrying an id the relying party generates for the
    /// transaction (a random UUID), which the notification echoes (`correlation_id`).
    #[serde(default)]
    pub correlation_id: Option<String>,
    /// The notification the provider sends to the relying party.
    pub notification: NotificationSpec,
    /// How long the provider waits for the user before it gives up (imID: 300 s).
    pub timeout: Duration,
    /// How long the user's device shows the request before it gives up (imID's
    /// applet: 120 s), for the documentation and the sandbox.
    #[serde(default)]
    pub device_timeout: Option<Duration>,
    /// How long after `timeout` the relying party still waits for a late
    /// notification before the flow ends as timed out (imID's FAQ: one minute).
    #[serde(default)]
    pub grace: Option<Duration>,
}

fn default_auth_req_id() -> String {
    "auth_req_id".to_owned()
}

/// How a callback from the provider is authenticated.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub struct NotificationAuth {
    /// `Authorization: Bearer <value>`, where value is the named request parameter
    /// (`client_notification_token`), a fresh random value per request, compared in
    /// constant time.
    pub bearer: String,
}

/// How the relying party obtains the tokens once notified.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotificationDelivery {
    /// The notification carries an authorization `code`, exchanged at the token
    /// endpoint with the notification URI as the redirect URI (Mobile Connect's
    /// `mc_si_async_code`, imID).
    #[default]
    Code,
    /// The notification carries only the request id; the tokens are fetched from the
    /// token endpoint with the CIBA grant (`urn:openid:params:grant-type:ciba`, CIBA
    /// ping mode).
    Ping,
}

/// The notification callback of a backchannel authentication.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct NotificationSpec {
    /// How the notification is authenticated.
    pub auth: NotificationAuth,
    /// The request member carrying the URL the provider calls
    /// (`notification_uri`); the client's redirect URI is sent as it.
    pub uri: String,
    /// Members of the notification that must equal the pending flow's.
    pub correlate: Vec<String>,
    /// The only port the provider calls back on (imID: `https` on 443), checked
    /// when the client is built.
    #[serde(default)]
    pub require_https_port: Option<u16>,
    /// How the tokens are obtained once notified.
    #[serde(default)]
    pub delivery: NotificationDelivery,
    /// The notification body, keyed by wire name.
    #[serde(default)]
    pub body: IndexMap<String, super::FieldSpec>,
}
