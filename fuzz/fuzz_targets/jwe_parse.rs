//! JWE decryption with the relying party's RSA and EC keys and the client secret.
//! The checks are in `idspec_runtime::fuzzing::jwe_parse`, which runtime/tests/fuzz_bounded.rs
//! also drives on every `cargo test`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| idspec_runtime::fuzzing::jwe_parse(data));
