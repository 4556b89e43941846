//! Microsoft Entra Verified ID: what a relying party's presentation request names
//! to ask a user for a credential a provider issued
//! (learn.microsoft.com/entra/verified-id/presentation-request-api).

use serde_json::{json, Value};

/// A Verifiable Credential issued by a provider on one platform.
///
/// Providers call the issuer's DID its "authority". In a presentation request it
/// goes in `requestedCredentials[].acceptedIssuers`; the request's own `authority`
/// is the relying party's (the verifier's) DID.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct VerifiedIdCredential {
    /// `registration.clientName`.
    pub client_name: &'static str,
    /// `requestedCredentials[].type`.
    pub credential_type: &'static str,
    /// The issuer's DID (`did:web:eu.did.idemia.io`).
    pub issuer: &'static str,
}

impl VerifiedIdCredential {
    /// The `registration` member: `{"clientName": ...}`.
    pub fn registration(&self) -> Value {
        json!({ "clientName": self.client_name })
    }

    /// One `requestedCredentials` entry: this credential type, from this issuer
    /// only, with the purpose shown to the user.
    pub fn requested_credential(&self, purpose: &str) -> Value {
        json!({
            "type": self.credential_type,
            "purpose": purpose,
            "acceptedIssuers": [self.issuer],
        })
    }

    /// A presentation request body for the Request Service REST API's
    /// `createPresentationRequest`: `verifier` is the relying party's DID, the
    /// callback receives the presentation's status with `state` (an unpredictable
    /// value of your own) and the `api-key` header value you check on it.
    pub fn presentation_request(
        &self,
        verifier: &str,
        purpose: &str,
        callback_url: &url::Url,
        state: &str,
        callback_api_key: &str,
    ) -> Value {
        json!({
            "authority": verifier,
            "includeQRCode": false,
            "includeReceipt": false,
            "registration": self.registration(),
            "callback": {
                "url": callback_url.as_str(),
                "state": state,
                "headers": { "api-key": callback_api_key },
            },
            "requestedCredentials": [self.requested_credential(purpose)],
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_the_issuer_as_the_accepted_one() {
        let credential = VerifiedIdCredential {
            client_name: "Idemia DID",
            credential_type: "VerifiedIdentity",
            issuer: "did:web:eu.did.idemia.io",
        };
        let request = credential.presentation_request(
            "did:web:verifier.example",
            "Open an account",
            &url::Url::parse("https://rp.example/verified-id/callback").unwrap(),
            "st4te",
            "k3y",
        );
        assert_eq!(request["authority"], "did:web:verifier.example");
        assert_eq!(request["registration"]["clientName"], "Idemia DID");
        assert_eq!(
            request["requestedCredentials"][0]["type"],
            "VerifiedIdentity"
        );
        assert_eq!(
            request["requestedCredentials"][0]["acceptedIssuers"][0],
            "did:web:eu.did.idemia.io"
        );
        assert_eq!(request["callback"]["headers"]["api-key"], "k3y");
    }
}
