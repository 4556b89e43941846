//! Provider error decoding (body, redirect, bearer challenge) with Mobile ID's dialect.
//! The checks are in `idspec_runtime::fuzzing::error_decoding`, which runtime/tests/fuzz_bounded.rs
//! also drives on every `cargo test`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| idspec_runtime::fuzzing::error_decoding(data));
