//! The imID client (`idspec::imid`, from specs/imid.yaml): backchannel authentication
//! end to end against the sandbox (every scripted user), the request on the wire and
//! notifications that must complete nothing (against a fake imID), the notification
//! endpoint under forged, repeated and late calls, the configuration imID requires,
//! and secrets kept out of `Debug` output. One test binary, its parts in modules.

#![cfg(feature = "imid")]

mod config;
mod notifications;
mod sandbox;
mod secrets;
mod support;
mod wire;
