//! The fuzz targets' bounded run, on every `cargo test`: the functions that the
//! cargo-fuzz targets in `fuzz/` call (`idspec_runtime::fuzzing::*`), driven by
//! proptest with arbitrary bytes and with mutations of the seed corpus
//! (`fuzz/corpus/<target>/seed-*`), plus every input saved in
//! `fuzz/regressions/<target>/` once a crash it found was fixed.
//!
//! As under libFuzzer, any panic fails a case, even one the code under test catches.
//! The targets are one-line calls into the same functions (checked below), so
//! what passes here is what they fuzz; `cargo fuzz build` itself needs nightly
//! flags (see "Fuzzing" in the README). `PROPTEST_CASES` sets the number of cases
//! per property.
//!
//! The spec loader's target is driven by codegen/tests/loader_never_panics.rs.

use std::cell::Cell;
use std::fs;
use std::path::{Path, PathBuf};
use std::sync::Once;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use idspec_runtime::fuzzing;
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, FileFailurePersistence};

/// A fuzz target's function.
type Target = fn(&[u8]);

/// The targets whose functions live in `idspec_runtime::fuzzing`.
const TARGETS: &[(&str, Target)] = &[
    ("jws_parse", fuzzing::jws_parse),
    ("jwe_parse", fuzzing::jwe_parse),
    ("error_decoding", fuzzing::error_decoding),
    ("lenient", fuzzing::lenient),
];

thread_local! {
    /// Whether a panic happened on this thread since the last `run`.
    static PANICKED: Cell<bool> = const { Cell::new(false) };
}

/// Runs a target as libFuzzer does, whose panic hook aborts on every panic: a panic
/// fails the case even when something inside the target catches it.
fn run(target: Target, data: &[u8]) {
    static HOOK: Once = Once::new();
    HOOK.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            PANICKED.with(|p| p.set(true));
            default(info);
        }));
    });
    PANICKED.with(|p| p.set(false));
    target(data);
    assert!(
        !PANICKED.with(Cell::get),
        "the target caught a panic (printed above), which aborts a libFuzzer run"
    );
}

fn fuzz_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz")
}

/// The files in `dir` whose names start with `prefix`, sorted, as bytes.
fn files(dir: &Path, prefix: &str) -> Vec<(String, Vec<u8>)> {
    let Ok(entries) = fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut files: Vec<(String, Vec<u8>)> = entries
        .map(|entry| entry.expect("a directory entry").path())
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(prefix) && !n.starts_with('.'))
        })
        .map(|path| {
            let bytes = fs::read(&path).expect("a readable corpus file");
            (path.display().to_string(), bytes)
        })
        .collect();
    files.sort();
    files
}

/// The checked-in seeds of a target (what `cargo fuzz run` adds is not read).
fn seeds(target: &str) -> Vec<Vec<u8>> {
    let seeds: Vec<Vec<u8>> = files(&fuzz_dir().join("corpus").join(target), "seed-")
        .into_iter()
        .map(|(_, bytes)| bytes)
        .collect();
    assert!(!seeds.is_empty(), "no seeds in fuzz/corpus/{target}/");
    seeds
}

fn config(default_cases: u32) -> Config {
    let cases = std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default_cases);
    Config {
        cases,
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..Config::default()
    }
}

// Mutations, as a fuzzer makes them: of bytes, and of the decoded content of a
// base64url part (a JWS or JWE header, a payload), which random bytes never reach.

#[derive(Clone, Debug)]
enum Mutation {
    FlipBit(Index, u8),
    Set(Index, u8),
    Insert(Index, Vec<u8>),
    Delete(Index, Index),
    Duplicate(Index, Index),
    Truncate(Index),
    /// Applies the inner mutation to the decoded bytes of one dot-separated part.
    InPart(Index, Box<Mutation>),
    /// Appends part of another seed.
    Splice(Index, Index),
}

/// Bytes that mean something to the parsers.
fn interesting_byte() -> impl Strategy<Value = u8> {
    prop_oneof![
        3 => prop::sample::select(
            b".\"{}[]:,=\\\0\n\r\t -_+/0123456789eEaAzZ~\x7f\xc3\xa9\xff".to_vec()
        ),
        1 => any::<u8>(),
    ]
}

fn interesting_text() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        prop::collection::vec(interesting_byte(), 1..8),
        prop::sample::select(vec![
            r#""alg":"none""#,
            r#""alg":"HS256""#,
            r#""alg":"RS256""#,
            r#""crit":["exp"]"#,
            r#""kid":7"#,
            r#""zip":"DEF""#,
            r#""enc":"A128GCM""#,
            r#""alg":"PBES2-HS256+A128KW","p2c":100000000"#,
            r#""epk":{"kty":"EC","crv":"P-256","x":"AA","y":"AA"}"#,
            r#""aud":["s6BhdRkqt3","x"]"#,
            r#""exp":1e308"#,
            r#""exp":-9223372036854775808"#,
            r#""iat":18446744073709551615"#,
            r#""nonce":null"#,
            r#""sub":"""#,
            "\"\\ud800\"",
            "mid_sec_2010_",
            " - ",
            "\0",
            "%00",
            "&error=",
            "Bearer ",
        ])
        .prop_map(|s| s.as_bytes().to_vec()),
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let leaf = prop_oneof![
        (any::<Index>(), 0u8..8).prop_map(|(at, bit)| Mutation::FlipBit(at, bit)),
        (any::<Index>(), interesting_byte()).prop_map(|(at, b)| Mutation::Set(at, b)),
        (any::<Index>(), interesting_text()).prop_map(|(at, t)| Mutation::Insert(at, t)),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::Delete(a, b)),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::Duplicate(a, b)),
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::Splice(a, b)),
    ];
    leaf.prop_recursive(1, 2, 1, |inner| {
        (any::<Index>(), inner).prop_map(|(at, m)| Mutation::InPart(at, Box::new(m)))
    })
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation, seeds: &[Vec<u8>]) {
    let len = bytes.len();
    match mutation {
        Mutation::FlipBit(at, bit) if len > 0 => bytes[at.index(len)] ^= 1 << bit,
        Mutation::Set(at, b) if len > 0 => bytes[at.index(len)] = *b,
        Mutation::Insert(at, text) => {
            let at = at.index(len + 1);
            bytes.splice(at..at, text.iter().copied());
        }
        Mutation::Delete(a, b) if len > 0 => {
            let start = a.index(len);
            let end = start + b.index((len - start).min(64) + 1);
            bytes.drain(start..end);
        }
        Mutation::Duplicate(a, b) if len > 0 => {
            let start = a.index(len);
            let end = start + b.index((len - start).min(64) + 1);
            let copy = bytes[start..end].to_vec();
            bytes.splice(end..end, copy);
        }
        Mutation::Truncate(at) => bytes.truncate(at.index(len + 1)),
        Mutation::Splice(which, from) => {
            let other = &seeds[which.index(seeds.len())];
            let from = from.index(other.len() + 1);
            bytes.extend_from_slice(&other[from..]);
        }
        Mutation::InPart(which, inner) => {
            let mut parts: Vec<Vec<u8>> = bytes.split(|b| *b == b'.').map(<[u8]>::to_vec).collect();
            let i = which.index(parts.len());
            match URL_SAFE_NO_PAD.decode(&parts[i]) {
                Ok(mut decoded) => {
                    apply(&mut decoded, inner, seeds);
                    parts[i] = URL_SAFE_NO_PAD.encode(decoded).into_bytes();
                }
                Err(_) => apply(&mut parts[i], inner, seeds),
            }
            *bytes = parts.join(&b'.');
        }
        _ => {}
    }
}

/// Arbitrary bytes, arbitrary text, or a seed with one to four mutations.
fn input(seeds: Vec<Vec<u8>>) -> impl Strategy<Value = Vec<u8>> {
    let mutated = (
        any::<Index>(),
        prop::collection::vec(mutation(), 1..=4),
        Just(seeds),
    )
        .prop_map(|(which, mutations, seeds)| {
            let mut bytes = seeds[which.index(seeds.len())].clone();
            for mutation in &mutations {
                apply(&mut bytes, mutation, &seeds);
            }
            bytes
        });
    prop_oneof![
        1 => prop::collection::vec(any::<u8>(), 0..256),
        1 => any::<String>().prop_map(String::into_bytes),
        6 => mutated,
    ]
}

proptest! {
    #![proptest_config(config(4096))]

    #[test]
    fn jws_parse(data in input(seeds("jws_parse"))) {
        run(fuzzing::jws_parse, &data);
    }

    #[test]
    fn error_decoding(data in input(seeds("error_decoding"))) {
        run(fuzzing::error_decoding, &data);
    }

    #[test]
    fn lenient(data in input(seeds("lenient"))) {
        run(fuzzing::lenient, &data);
    }

    /// A code and a description through every channel, from text made of what the
    /// dialect's pattern and the challenge parser react to.
    #[test]
    fn error_code_and_description(
        code in prop_oneof![
            Just("invalid_request".to_owned()),
            Just("access_denied".to_owned()),
            "[a-z_]{0,12}",
            ".{0,8}",
        ],
        description in prop_oneof![
            "mid_(req|sec|auth|sys|xyz)_[0-9]{3,5}_[A-Z0-9 _-]{0,10}( - .{0,20})?",
            r#"[ -~\n\t]{0,40}"#,
            ".{0,20}",
        ],
    ) {
        run(fuzzing::error_decoding, format!("{code}\0{description}").as_bytes());
    }
}

proptest! {
    // Decryption with RSA keys costs more: fewer cases.
    #![proptest_config(config(2048))]

    #[test]
    fn jwe_parse(data in input(seeds("jwe_parse"))) {
        run(fuzzing::jwe_parse, &data);
    }
}

/// Every seed runs clean, and every input saved after a fixed crash still does.
#[test]
fn seeds_and_regressions() {
    for (target, target_fn) in TARGETS {
        for seed in seeds(target) {
            run(*target_fn, &seed);
        }
        for (name, bytes) in files(&fuzz_dir().join("regressions").join(target), "") {
            eprintln!("replaying {name}");
            run(*target_fn, &bytes);
        }
    }
}

/// The seeds still reach the code behind the signature and the encryption: the
/// valid ones validate (and decrypt) with the fixtures. If a fixture changes,
/// regenerate the corpus (see `write_seed_corpus`).
#[test]
fn seeds_are_valid_tokens() {
    use idspec_runtime::jose::{decrypt, RelyingPartyKeys};
    use idspec_runtime::ClientSecret;
    let jws = seeds("jws_parse");
    let valid = jws
        .iter()
        .filter(|seed| fuzzing::is_valid_id_token(&fuzzing::compact(seed)))
        .count();
    assert_eq!(
        valid,
        3 * 2,
        "one valid ID token per HMAC algorithm, in both forms"
    );

    let keys = RelyingPartyKeys::from_jwk_json(&format!(
        r#"{{"keys":[{},{}]}}"#,
        fuzzing::RSA_KEY,
        fuzzing::EC_KEY
    ))
    .expect("the fixture keys");
    let secret = ClientSecret::new(fuzzing::CLIENT_SECRET);
    let mut decrypted = 0;
    for seed in seeds("jwe_parse") {
        let text = fuzzing::compact(&seed);
        if let Ok(plaintext) = decrypt(&text, &fuzzing::JWE_ALGORITHMS, &keys, Some(&secret)) {
            let plaintext = String::from_utf8(plaintext).expect("a JWS");
            assert!(
                fuzzing::is_valid_id_token(&plaintext),
                "the nested ID token"
            );
            decrypted += 1;
        }
    }
    // Every seed but those with the algorithm `decrypt` refuses (RSA1_5), in both forms.
    assert_eq!(decrypted, seeds("jwe_parse").len() - 2);
}

/// The cargo-fuzz targets are one-line calls into the functions driven above (and
/// the spec loader's into `idspec_codegen::load`), so what this file tests is what
/// they fuzz, and every target here has its target there.
#[test]
fn fuzz_targets_call_the_tested_functions() {
    let dir = fuzz_dir().join("fuzz_targets");
    let mut names: Vec<String> = fs::read_dir(&dir)
        .expect("fuzz/fuzz_targets")
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter_map(|n| n.strip_suffix(".rs").map(str::to_owned))
        .collect();
    names.sort();
    let mut expected: Vec<String> = TARGETS.iter().map(|(n, _)| n.to_string()).collect();
    expected.push("spec_loader".to_owned());
    expected.sort();
    assert_eq!(
        names, expected,
        "a target without its bounded run, or the reverse"
    );
    let manifest = fs::read_to_string(fuzz_dir().join("Cargo.toml")).expect("fuzz/Cargo.toml");
    for name in &names {
        let source = fs::read_to_string(dir.join(format!("{name}.rs"))).unwrap();
        let call = if name == "spec_loader" {
            "load(\"fuzz.yaml\", text)".to_owned()
        } else {
            format!("idspec_runtime::fuzzing::{name}(data)")
        };
        assert!(
            source.contains(&call),
            "fuzz/fuzz_targets/{name}.rs does not call {call}"
        );
        assert!(
            manifest.contains(&format!("name = \"{name}\"")),
            "fuzz/Cargo.toml has no [[bin]] {name}"
        );
    }
}

/// Every target has its seed corpus checked in. After changing a fixture, rewrite it
/// from the fixtures: `IDSPEC_WRITE_FUZZ_CORPUS=1 cargo test -p idspec-runtime --test
/// fuzz_bounded seed_corpus` (the JWEs get fresh IVs, content keys and ephemeral
/// keys each time, so the files are not compared byte for byte).
#[test]
fn seed_corpus() {
    if std::env::var_os("IDSPEC_WRITE_FUZZ_CORPUS").is_none() {
        for target in [
            "jws_parse",
            "jwe_parse",
            "error_decoding",
            "lenient",
            "spec_loader",
        ] {
            let dir = fuzz_dir().join("corpus").join(target);
            assert!(
                !files(&dir, "seed-").is_empty(),
                "fuzz/corpus/{target} has no seed-* files"
            );
        }
        return;
    }
    let specs = Path::new(env!("CARGO_MANIFEST_DIR")).join("../specs");
    let spec_seeds: Vec<Vec<u8>> = files(&specs, "")
        .into_iter()
        .filter(|(name, _)| name.ends_with(".yaml"))
        .map(|(_, bytes)| bytes)
        .collect();
    for (target, seeds) in [
        ("jws_parse", fuzzing::seeds::jws()),
        ("jwe_parse", fuzzing::seeds::jwe()),
        ("error_decoding", fuzzing::seeds::error_decoding()),
        ("lenient", fuzzing::seeds::lenient()),
        ("spec_loader", spec_seeds),
    ] {
        let dir = fuzz_dir().join("corpus").join(target);
        fs::create_dir_all(&dir).unwrap();
        for (old, _) in files(&dir, "seed-") {
            fs::remove_file(old).unwrap();
        }
        for (i, seed) in seeds.iter().enumerate() {
            fs::write(dir.join(format!("seed-{i:02}")), seed).unwrap();
        }
    }
}
