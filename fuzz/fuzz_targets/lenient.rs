//! The `accept: [string]` deserializers.
//! The checks are in `idspec_runtime::fuzzing::lenient`, which runtime/tests/fuzz_bounded.rs
//! also drives on every `cargo test`.
#![no_main]

libfuzzer_sys::fuzz_target!(|data: &[u8]| idspec_runtime::fuzzing::lenient(data));
