//! Every spec in specs/ is valid, names the schema on its first line, and the
//! schema is the one the spec model generates.

use std::path::{Path, PathBuf};

fn specs() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs");
    let mut specs: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("specs/ exists")
        .map(|entry| entry.expect("readable entry").path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "yaml"))
        .collect();
    specs.sort();
    assert!(!specs.is_empty(), "no spec in {}", dir.display());
    specs
}

#[test]
fn schema_json_is_current() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("specs/schema.json");
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    let current = idspec_codegen::schema::schema_json();
    assert!(
        committed == current,
        "specs/schema.json is stale: run `cargo run -p idspec-cli -- schema --out specs/schema.json`"
    );
}

#[test]
fn every_spec_names_the_schema_on_its_first_line() {
    for spec in specs() {
        let text = std::fs::read_to_string(&spec).expect("readable spec");
        assert_eq!(
            text.lines().next(),
            Some("# yaml-language-server: $schema=schema.json"),
            "{} must start with the schema line so that editors complete and check it",
            spec.display()
        );
    }
}

#[test]
fn every_spec_is_valid_and_cites_its_source_document() {
    let seeds = Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/seeds");
    for spec in specs() {
        let loaded = idspec_codegen::load_file(&spec).unwrap_or_else(|d| panic!("{d}"));
        let source = &loaded.spec().source;
        // A provider's integration document from shared/seeds, or a public standard.
        if source.ends_with(".txt") {
            if seeds.is_dir() {
                assert!(
                    seeds.join(source).is_file(),
                    "{}: ../shared/seeds/{source} does not exist",
                    spec.display()
                );
            }
        } else {
            assert!(
                source.starts_with("https://"),
                "{}: source `{source}` is neither a seed document nor a URL",
                spec.display()
            );
        }
        let id = &loaded.spec().id;
        let stem = spec
            .file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or_default()
            .replace('-', "_");
        assert_eq!(
            &stem, id,
            "a spec's file is named after its id (dashes for underscores)"
        );
    }
}

#[test]
fn the_schema_rejects_what_the_loader_rejects_and_accepts_mobileid() {
    let schema: serde_json::Value =
        serde_json::from_str(&idspec_codegen::schema::schema_json()).expect("JSON");
    // The schema describes the model's top level: every field of the spec is a property.
    let properties = schema["properties"].as_object().expect("properties");
    for field in [
        "id",
        "name",
        "source",
        "family",
        "environments",
        "scopes",
        "claims",
        "errors",
        "sandbox",
        "operations",
        "webhooks",
        "backchannel",
    ] {
        assert!(properties.contains_key(field), "schema lacks `{field}`");
    }
    assert_eq!(
        schema["additionalProperties"],
        serde_json::Value::Bool(false)
    );
}
