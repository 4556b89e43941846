//! Generates one module per spec in `specs/` into `OUT_DIR` (see
//! `idspec_codegen::crate_build`): a spec whose id names a cargo feature is compiled
//! with that feature only; a new spec without one is always compiled.

use std::path::PathBuf;

use idspec_codegen::crate_build::{declared_features, generate_providers};

fn main() {
    let manifest_dir = PathBuf::from(
        std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR"),
    );
    let out_dir = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    let specs_dir = manifest_dir.join("specs");
    let manifest = manifest_dir.join("Cargo.toml");
    println!("cargo::rerun-if-changed={}", specs_dir.display());
    println!("cargo::rerun-if-changed={}", manifest.display());

    let features = declared_features(&std::fs::read_to_string(&manifest).unwrap_or_default());
    let enabled =
        |id: &str| std::env::var_os(format!("CARGO_FEATURE_{}", id.to_ascii_uppercase())).is_some();
    let generated = generate_providers(&specs_dir, &out_dir, &features, enabled)
        .unwrap_or_else(|error| panic!("cannot generate the provider modules: {error}"));

    for spec in &generated.specs {
        println!("cargo::rerun-if-changed={}", spec.display());
    }
    for id in &generated.without_feature {
        println!("cargo::warning=spec `{id}` has no cargo feature of its own and is always compiled; add `{id} = []` to [features] to make it optional");
    }
    if !generated.failed.is_empty() {
        for diagnostics in &generated.failed {
            for line in diagnostics.to_string().lines() {
                println!("cargo::warning={line}");
            }
        }
        // The diagnostics above say what is wrong; a half-generated crate would only
        // add confusing errors after them.
        panic!("a spec in specs/ has problems (see the warnings above, or run `cargo run -p idspec-cli -- check specs/*.yaml`)");
    }
}
