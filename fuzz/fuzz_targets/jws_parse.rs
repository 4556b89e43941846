//! Compact JWS verification and ID token validation (HMAC, no network).
//! The checks are in `idspec_runtime::fuzzing::jws_parse`, which runtime/tests/fuzz_bounded.rs
//! also drives on every `cargo test`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| idspec_runtime::fuzzing::jws_parse(data));
