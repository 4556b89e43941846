//! The byte encoding of a [`PendingFlow`], versioned so that instances of two releases
//! can share one store during a rolling upgrade.
//!
//! An encoded flow is one version byte followed by the body of that version:
//!
//! * version 1 (`0x01`): a JSON object with one-letter members, absent members
//!   omitted: `r` redirect URI, `n` nonce, `v` PKCE verifier, `s` scope (all strings),
//!   `t` start time (seconds since the Unix epoch), `c` correlation values (an object
//!   of strings). Unknown members are ignored, so a later release may add an optional
//!   member without a new version. A typical flow takes about 200 bytes.
//!
//! JSON rather than a binary format: the crate already depends on serde_json, the
//! size is dominated by the two 43-character secrets anyway (a binary encoding saves
//! some 20 bytes a flow), and ignoring unknown members is what makes additive changes
//! compatible in both directions.
//!
//! [`decode`] reads every version this release knows and rejects any other with
//! [`StoreErrorKind::UnsupportedVersion`]. The rule for a new version: first release
//! a version that reads it (and still writes the old one), then, once no instance of
//! an older release runs, a version that writes it.
//!
//! Neither function puts anything from the flow into an error: the nonce and the
//! verifier are secrets.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::{PendingFlow, StoreError, StoreErrorKind};
use crate::secret::{Nonce, PkceVerifier};

/// The version [`encode`] writes.
pub const CURRENT_VERSION: u8 = 1;

/// Version 1: every member of [`PendingFlow`], with one-letter names.
#[derive(Serialize, Deserialize)]
struct V1 {
    #[serde(rename = "r")]
    redirect_uri: String,
    #[serde(rename = "n", default, skip_serializing_if = "Option::is_none")]
    nonce: Option<Nonce>,
    #[serde(rename = "v", default, skip_serializing_if = "Option::is_none")]
    pkce_verifier: Option<PkceVerifier>,
    #[serde(rename = "s")]
    scope: String,
    #[serde(rename = "t")]
    started_at: u64,
    // Ordered, so that one flow always encodes to the same bytes.
    #[serde(rename = "c", default, skip_serializing_if = "BTreeMap::is_empty")]
    correlation: BTreeMap<String, String>,
}

/// Encodes `flow` in the [`CURRENT_VERSION`].
pub fn encode(flow: &PendingFlow) -> Result<Vec<u8>, StoreError> {
    let body = V1 {
        redirect_uri: flow.redirect_uri.clone(),
        nonce: flow.nonce.clone(),
        pkce_verifier: flow.pkce_verifier.clone(),
        scope: flow.scope.clone(),
        started_at: flow.started_at,
        correlation: flow
            .correlation
            .iter()
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect(),
    };
    let mut bytes = Vec::with_capacity(256);
    bytes.push(CURRENT_VERSION);
    // Strings, a number and a map with string keys always serialize; this cannot fail.
    serde_json::to_writer(&mut bytes, &body).map_err(|e| {
        StoreError::new(
            StoreErrorKind::Other,
            format_args!("cannot encode the flow ({:?})", e.classify()),
        )
    })?;
    Ok(bytes)
}

/// Decodes a flow that [`encode`] wrote, in this release or an earlier one.
pub fn decode(bytes: &[u8]) -> Result<PendingFlow, StoreError> {
    match bytes.split_first() {
        None => Err(StoreError::new(
            StoreErrorKind::Corrupt,
            "the value is empty",
        )),
        Some((1, body)) => {
            let v1: V1 = serde_json::from_slice(body).map_err(|e| {
                // serde_json's message may quote the value: only its category and
                // position go into the error.
                StoreError::new(
                    StoreErrorKind::Corrupt,
                    format_args!(
                        "not a version 1 flow ({:?} error at byte {} of {})",
                        e.classify(),
                        e.column(),
                        bytes.len()
                    ),
                )
            })?;
            Ok(PendingFlow {
                redirect_uri: v1.redirect_uri,
                nonce: v1.nonce,
                pkce_verifier: v1.pkce_verifier,
                scope: v1.scope,
                started_at: v1.started_at,
                correlation: v1.correlation.into_iter().collect(),
            })
        }
        Some((version, _)) => Err(StoreError::new(
            StoreErrorKind::UnsupportedVersion,
            format_args!(
                "format version {version}, and this release reads version {CURRENT_VERSION}; \
                 was it written by a newer release? Restart the login"
            ),
        )),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn flow() -> PendingFlow {
        PendingFlow {
            redirect_uri: "https://rp.example/cb".into(),
            nonce: Some(Nonce::new("n-0123456789")),
            pkce_verifier: Some(PkceVerifier::new("v-0123456789")),
            scope: "openid phone".into(),
            started_at: 1_700_000_000,
            correlation: HashMap::from([
                ("auth_req_id".to_owned(), "a-1".to_owned()),
                ("session".to_owned(), "s-1".to_owned()),
            ]),
        }
    }

    /// What version 1 looks like: this must keep decoding in every later release.
    const V1_FIXTURE: &[u8] = b"\x01{\"r\":\"https://rp.example/cb\",\"n\":\"n-0123456789\",\
\"v\":\"v-0123456789\",\"s\":\"openid phone\",\"t\":1700000000,\
\"c\":{\"auth_req_id\":\"a-1\",\"session\":\"s-1\"}}";

    #[test]
    fn version_1_is_pinned() {
        assert_eq!(encode(&flow()).unwrap(), V1_FIXTURE);
        assert_eq!(decode(V1_FIXTURE).unwrap(), flow());
    }

    #[test]
    fn absent_members_are_omitted_and_read_back() {
        let bare = PendingFlow {
            nonce: None,
            pkce_verifier: None,
            correlation: HashMap::new(),
            ..flow()
        };
        let bytes = encode(&bare).unwrap();
        assert_eq!(
            bytes,
            b"\x01{\"r\":\"https://rp.example/cb\",\"s\":\"openid phone\",\"t\":1700000000}"
        );
        assert_eq!(decode(&bytes).unwrap(), bare);
    }

    #[test]
    fn unknown_members_are_ignored() {
        let bytes = b"\x01{\"r\":\"https://rp.example/cb\",\"s\":\"openid\",\"t\":1,\"x\":[1,2]}";
        assert_eq!(decode(bytes).unwrap().scope, "openid");
    }

    #[test]
    fn a_generated_flow_is_compact() {
        let flow = PendingFlow {
            redirect_uri: "https://app.example.ch/oauth2/authresp".into(),
            nonce: Some(Nonce::generate()),
            pkce_verifier: Some(PkceVerifier::generate()),
            scope: "openid phone mid_location mid_profile".into(),
            started_at: 1_700_000_000,
            correlation: HashMap::new(),
        };
        let bytes = encode(&flow).unwrap();
        assert!(bytes.len() < 220, "{} bytes", bytes.len());
        assert_eq!(decode(&bytes).unwrap(), flow);
    }

    #[test]
    fn unknown_versions_are_refused() {
        for version in [0u8, 2, b'{', 0xff] {
            let mut bytes = V1_FIXTURE.to_vec();
            bytes[0] = version;
            let error = decode(&bytes).unwrap_err();
            assert_eq!(
                error.kind(),
                StoreErrorKind::UnsupportedVersion,
                "{version}"
            );
            assert!(!error.retryable());
            assert!(error.to_string().contains(&format!("version {version}")));
        }
    }

    #[test]
    fn damaged_values_are_corrupt_and_never_quoted() {
        let cases: [&[u8]; 5] = [
            b"",
            b"\x01",
            b"\x01{\"r\":\"https://rp.example/cb\"",
            // A secret where a number belongs: serde_json would quote it.
            b"\x01{\"r\":\"x\",\"s\":\"openid\",\"t\":\"SECRET-VALUE\"}",
            b"\x01{\"r\":\"x\",\"n\":\"SECRET-VALUE\",\"s\":\"openid\"}",
        ];
        for bytes in cases {
            let error = decode(bytes).unwrap_err();
            assert_eq!(error.kind(), StoreErrorKind::Corrupt);
            assert!(!error.retryable());
            let shown = format!("{error} {error:?}");
            assert!(!shown.contains("SECRET"), "{shown}");
        }
    }
}
