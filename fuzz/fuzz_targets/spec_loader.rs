//! The spec loader: whatever the text, `load` returns a validated spec or
//! diagnostics and never panics; a validated spec generates a module that parses
//! as Rust (`render` falls back to the raw tokens, without its "Do not edit"
//! header, when it does not). The bounded run of the same contract is
//! codegen/tests/loader_never_panics.rs.
#![no_main]

use idspec_codegen::{generate, load, render, GenerateOptions};

libfuzzer_sys::fuzz_target!(|text: &str| {
    if let Ok(spec) = load("fuzz.yaml", text) {
        let module = render(&generate(&spec, &GenerateOptions::default()), "fuzz.yaml");
        assert!(
            module.contains("Do not edit"),
            "the generated module is not Rust:\n{module}"
        );
    }
});
