//! Compile-time guarantees, pinned with trybuild.
//!
//! - `compile-fail/*.rs`: one bad spec per diagnostic class (and one with several
//!   mistakes) through `provider!`; the pinned `.stderr` shows each problem as a
//!   compile error with the spec's line, column and path.
//! - `compile-fail/mobileid/*.rs`: misuse the generated Mobile ID types forbid.
//! - `compile-fail/itsme/*.rs`: the same for itsme: unknown claims, a `service:`
//!   scope without its code, a request object that is not encrypted.
//! - `compile-fail/idme/*.rs`: ID.me, plain OAuth 2: a login has no ID token
//!   claims or subject, every request names a policy, no implicit grant.
//! - `compile-fail/imid/*.rs`: imID, backchannel: a request names the user's
//!   phone, the protocol's members are the runtime's, ACR values are typed, there
//!   is no front channel.
//! - `compile-fail/idemia_ipa/*.rs`: IDEMIA's Identity Proofing App, REST
//!   operations and a webhook: a download is streamed and JSON is sent, an
//!   operation takes its URL's parameters, a session id is a UUID, a client handles
//!   its own provider's webhooks only.
//!
//! The documented API and `provider!` with a user's own spec (`pass/**`) are
//! programs that must compile and run: they are this crate's other tests (see its
//! Cargo.toml), so that trybuild only ever has to `cargo check`.
//!
//! The cases use idspec with its default features, every built-in provider. After
//! an intended change, re-pin with `TRYBUILD=overwrite cargo test -p idspec-ui`
//! and read every changed `.stderr` before committing it.

#[test]
fn ui() {
    // trybuild checks the cases and every dependency in a project of its own,
    // which has none of the workspace's settings: the build scripts and proc macros
    // it must still compile need no debug info, and incremental caches would only
    // be written, never read. This is the test's only thread, so it cannot race.
    std::env::set_var("CARGO_PROFILE_DEV_DEBUG", "false");
    std::env::set_var("CARGO_INCREMENTAL", "0");
    let t = trybuild::TestCases::new();
    t.compile_fail("compile-fail/*.rs");
    t.compile_fail("compile-fail/*/*.rs");
}
