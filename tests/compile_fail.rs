//! Compile-time guarantees, pinned with trybuild.
//!
//! - `tests/ui/compile-fail/*.rs`: one bad spec per diagnostic class (and one with
//!   several mistakes) through `provider!`; the pinned `.stderr` shows each problem
//!   as a compile error with the spec's line, column and path.
//! - `tests/ui/compile-fail/mobileid/*.rs`: misuse the generated Mobile ID types
//!   forbid.
//! - `tests/ui/compile-fail/itsme/*.rs`: the same for itsme: unknown claims, a
//!   `service:` scope without its code, a request object that is not encrypted.
//! - `tests/ui/compile-fail/idme/*.rs`: ID.me, plain OAuth 2: a login has no ID
//!   token claims or subject, every request names a policy, no implicit grant.
//! - `tests/ui/compile-fail/imid/*.rs`: imID, backchannel: a request names the
//!   user's phone, the protocol's members are the runtime's, ACR values are typed,
//!   there is no front channel.
//! - `tests/ui/compile-fail/idemia_ipa/*.rs`: IDEMIA's Identity Proofing App, REST
//!   operations and a webhook: a download is streamed and JSON is sent, an
//!   operation takes its URL's parameters, a session id is a UUID, a client handles
//!   its own provider's webhooks only.
//! - `tests/ui/pass/**`: the documented API, and `provider!` with a user's own spec.
//!
//! After an intended change, re-pin with `TRYBUILD=overwrite cargo test --test
//! compile_fail` and read every changed `.stderr` before committing it.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/compile-fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
    // These use the built-in `idspec::mobileid` module, which exists with its feature only.
    if cfg!(feature = "mobileid") {
        t.compile_fail("tests/ui/compile-fail/mobileid/*.rs");
        t.pass("tests/ui/pass/mobileid/*.rs");
    }
    if cfg!(feature = "itsme") {
        t.compile_fail("tests/ui/compile-fail/itsme/*.rs");
        t.pass("tests/ui/pass/itsme/*.rs");
    }
    if cfg!(feature = "idme") {
        t.compile_fail("tests/ui/compile-fail/idme/*.rs");
        t.pass("tests/ui/pass/idme/*.rs");
    }
    if cfg!(feature = "imid") {
        t.compile_fail("tests/ui/compile-fail/imid/*.rs");
        t.pass("tests/ui/pass/imid/*.rs");
    }
    if cfg!(feature = "idemia_ipa") {
        t.compile_fail("tests/ui/compile-fail/idemia_ipa/*.rs");
        t.pass("tests/ui/pass/idemia_ipa/*.rs");
    }
}
