//! Generation: what the build script pays to turn a spec into a client's code.
//!
//! - `idspec`, per spec: load (parse with source positions), validate, generate the
//!   token stream and render it with prettyplease, as `build.rs` and `provider!`
//!   do; for all specs, the build script's whole job (`generate_providers`: read
//!   every spec, generate each on a thread of its own, write the modules when
//!   they changed).
//! - `stage: …`: the same broken into its stages, to show where the time goes.
//! - `limit: YAML parse`: reading the same YAML into a `serde_yaml::Value`, the
//!   least any YAML-spec generator pays before it knows anything of the spec.
//!
//! No peer generates identity-provider clients from a spec; the alternative is a
//! hand-written client, which pays nothing here and everything in review.

use std::hint::black_box;
use std::path::{Path, PathBuf};
use std::time::Duration;

use criterion::{criterion_group, criterion_main, Criterion};
use idspec_bench::IDSPEC;
use idspec_codegen::crate_build::generate_providers;
use idspec_codegen::{generate, load, render, GenerateOptions};

const LIMIT: &str = "limit: YAML parse";

fn specs_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs")
}

/// Every spec in `specs/`, with its text, in name order.
fn specs() -> Vec<(PathBuf, String)> {
    let mut specs: Vec<(PathBuf, String)> = std::fs::read_dir(specs_dir())
        .expect("specs/ is readable")
        .filter_map(|entry| entry.ok().map(|entry| entry.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .map(|path| {
            let text = std::fs::read_to_string(&path).expect("a spec is readable");
            (path, text)
        })
        .collect();
    specs.sort();
    specs
}

/// What the build script does with one spec's text.
fn generate_one(path: &Path, text: &str) -> String {
    let spec = load(path, text).expect("the repository's specs are valid");
    render(&generate(&spec, &GenerateOptions::default()), "spec.yaml")
}

fn per_spec(c: &mut Criterion) {
    for (path, text) in specs() {
        let id = path.file_stem().map(|s| s.to_string_lossy().into_owned());
        let mut group = c.benchmark_group(format!("generation {}", id.unwrap_or_default()));
        group.bench_function(IDSPEC, |b| {
            b.iter(|| generate_one(black_box(&path), black_box(&text)))
        });
        group.bench_function("stage: load and validate", |b| {
            b.iter(|| load(black_box(&path), black_box(&text)).expect("valid"))
        });
        let spec = load(&path, &text).expect("valid");
        group.bench_function("stage: generate tokens", |b| {
            b.iter(|| generate(black_box(&spec), &GenerateOptions::default()))
        });
        let tokens = generate(&spec, &GenerateOptions::default());
        group.bench_function("stage: render (prettyplease)", |b| {
            b.iter(|| render(black_box(&tokens), "spec.yaml"))
        });
        group.bench_function(LIMIT, |b| {
            b.iter(|| serde_yaml::from_str::<serde_yaml::Value>(black_box(&text)).expect("YAML"))
        });
        group.finish();
    }
}

fn all_specs(c: &mut Criterion) {
    let out = std::env::temp_dir().join(format!("idspec-bench-generation-{}", std::process::id()));
    std::fs::create_dir_all(&out).expect("a temporary directory");
    let specs_dir = specs_dir();
    let mut group = c.benchmark_group("generation, all specs");
    group.bench_function(IDSPEC, |b| {
        b.iter(|| {
            let generated = generate_providers(&specs_dir, &out, &[], |_| true).expect("writable");
            assert!(
                generated.failed.is_empty(),
                "the repository's specs are valid"
            );
            generated
        })
    });
    group.bench_function(LIMIT, |b| {
        b.iter(|| {
            for (path, _) in specs() {
                let text = std::fs::read_to_string(&path).expect("readable");
                black_box(serde_yaml::from_str::<serde_yaml::Value>(&text).expect("YAML"));
            }
        })
    });
    group.finish();
    let _ = std::fs::remove_dir_all(&out);
}

criterion_group! {
    name = generation;
    config = Criterion::default().sample_size(20).measurement_time(Duration::from_secs(3));
    targets = per_spec, all_specs
}
criterion_main!(generation);
