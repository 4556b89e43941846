//! The loader's contract: whatever the text, `load` returns a validated spec or a
//! non-empty list of located diagnostics, and never panics.
//!
//! Property tests feed it arbitrary strings, arbitrary YAML documents, and mutations
//! of the real Mobile ID spec; deterministic tests pin where diagnostics point and
//! that all of them are reported at once. `PROPTEST_CASES` raises the number of
//! cases (never below 256).

use std::path::Path;

use idspec_codegen::{load, DiagnosticClass, GenerateOptions};
use proptest::prelude::*;
use proptest::sample::Index;
use proptest::test_runner::{Config, FileFailurePersistence};
use serde_yaml::Value;

const MOBILEID: &str = include_str!("../../specs/mobileid.yaml");
const FILE: &str = "specs/mobileid.yaml";
const STEM: &str = "mobileid";

fn config() -> Config {
    Config {
        cases: Config::default().cases.max(256),
        failure_persistence: Some(Box::new(FileFailurePersistence::WithSource(
            "proptest-regressions",
        ))),
        ..Config::default()
    }
}

/// Line breaks as YAML counts them (`\r\n`, `\r`, `\n`, and YAML 1.1's NEL, LS, PS).
fn yaml_lines(text: &str) -> usize {
    let breaks = text
        .replace("\r\n", "\n")
        .chars()
        .filter(|c| matches!(c, '\n' | '\r' | '\u{85}' | '\u{2028}' | '\u{2029}'))
        .count();
    breaks + 1
}

/// The contract, for one input. A validated spec must also generate without panicking.
fn check(text: &str) -> Result<(), TestCaseError> {
    match load(FILE, text) {
        Ok(spec) => {
            let tokens = idspec_codegen::generate(&spec, &GenerateOptions::default());
            prop_assert!(!tokens.is_empty());
        }
        Err(diagnostics) => {
            prop_assert!(!diagnostics.0.is_empty(), "an error without a diagnostic");
            let lines = yaml_lines(text);
            for diagnostic in &diagnostics.0 {
                prop_assert!(diagnostic.line >= 1, "line 0: {diagnostic}");
                prop_assert!(diagnostic.column >= 1, "column 0: {diagnostic}");
                prop_assert!(
                    diagnostic.line <= lines + 1,
                    "line past the end of {lines} lines: {diagnostic}"
                );
                let rest = diagnostic.path.strip_prefix(STEM);
                prop_assert!(
                    rest.is_some_and(|rest| rest.is_empty()
                        || rest.starts_with('.')
                        || rest.starts_with('[')),
                    "path not under `{STEM}`: {diagnostic}"
                );
                prop_assert_eq!(&diagnostic.file, Path::new(FILE));
                prop_assert!(!diagnostic.message.is_empty(), "no message: {diagnostic:?}");
            }
            // Rendering the report is part of every caller's path.
            prop_assert!(diagnostics.to_string().ends_with("found"));
        }
    }
    Ok(())
}

// (a) Arbitrary strings: any Unicode, and text made of YAML's own punctuation, which
// reaches much further into the parser than random code points do.
fn yamlish_text() -> impl Strategy<Value = String> {
    let pieces = prop::sample::select(vec![
        "id",
        "name",
        "type",
        "enum",
        "ref",
        "claims",
        "scopes",
        "- ",
        ": ",
        ":",
        "\n",
        "\n  ",
        "\n    ",
        "  ",
        "\t",
        "[",
        "]",
        "{",
        "}",
        ", ",
        "#",
        "&a ",
        "*a",
        "!",
        "!!str ",
        "|",
        ">",
        "'",
        "\"",
        "%",
        "@",
        "`",
        "?",
        "? ",
        "---",
        "...",
        "~",
        "null",
        "true",
        "1.0",
        "0x1F",
        "é",
        "\r\n",
        "\\",
        "<<: ",
        "https://x.example",
    ]);
    prop::collection::vec(pieces, 0..64).prop_map(|pieces| pieces.concat())
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_strings(text in prop_oneof![any::<String>(), yamlish_text()]) {
        check(&text)?;
    }
}

// (b) Arbitrary YAML documents, rendered by serde_yaml: always valid YAML, so they
// exercise the schema checks rather than the parser. Keys come mostly from the spec's
// own vocabulary, so that documents get past the first unknown field.
const VOCABULARY: &[&str] = &[
    "id",
    "name",
    "source",
    "doc",
    "family",
    "environments",
    "production",
    "kind",
    "issuer",
    "discovery",
    "endpoints",
    "authorization",
    "token",
    "userinfo",
    "par",
    "client_auth",
    "methods",
    "default",
    "pkce",
    "authorize",
    "params",
    "forbidden",
    "via",
    "encoding",
    "id_token",
    "signing",
    "types",
    "type",
    "enum",
    "value",
    "object",
    "array",
    "map",
    "ref",
    "required",
    "scopes",
    "claims",
    "accept",
    "in",
    "rust_name",
    "errors",
    "body",
    "code",
    "description",
    "detail",
    "codes",
    "message",
    "oauth",
    "category",
    "lifetimes",
    "sandbox",
    "users",
    "login",
    "outcome",
    "error",
    "approve",
    "operations",
    "webhooks",
    "auth",
    "url",
];
const SCALARS: &[&str] = &[
    "mobileid",
    "oidc",
    "oauth2",
    "rest",
    "backchannel",
    "production",
    "sandbox",
    "https://a.example/x",
    "http://a.example",
    "not a url",
    "string",
    "bool",
    "number",
    "datetime",
    "json",
    "RS256",
    "none",
    "HS256",
    "par",
    "optional",
    "required",
    "client_secret_basic",
    "GET",
    "10s",
    "60m",
    "(unclosed",
    "^(?P<code>x)$",
    "Acr",
    "approve",
    "A-b c",
];

fn scalar() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(|n| Value::Number(n.into())),
        any::<f64>().prop_map(|n| Value::Number(n.into())),
        prop::sample::select(SCALARS).prop_map(|s| Value::String(s.to_owned())),
        prop::sample::select(VOCABULARY).prop_map(|s| Value::String(s.to_owned())),
        ".{0,12}".prop_map(Value::String),
    ]
}

fn key() -> impl Strategy<Value = Value> {
    prop_oneof![
        6 => prop::sample::select(VOCABULARY).prop_map(|s| Value::String(s.to_owned())),
        2 => "[A-Za-z_][A-Za-z0-9_:/.-]{0,10}".prop_map(Value::String),
        1 => scalar(),
    ]
}

fn yaml_value() -> impl Strategy<Value = Value> {
    scalar().prop_recursive(5, 128, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Sequence),
            prop::collection::vec((key(), inner), 0..8)
                .prop_map(|entries| Value::Mapping(entries.into_iter().collect())),
        ]
    })
}

/// Every node of a document, by position in a depth-first walk.
fn node_count(value: &Value) -> usize {
    1 + match value {
        Value::Sequence(items) => items.iter().map(node_count).sum(),
        Value::Mapping(map) => map.values().map(node_count).sum(),
        Value::Tagged(tagged) => node_count(&tagged.value),
        _ => 0,
    }
}

/// The `n`th node of a depth-first walk (counting as `node_count` does).
fn node_mut<'a>(value: &'a mut Value, n: &mut usize) -> Option<&'a mut Value> {
    if *n == 0 {
        return Some(value);
    }
    *n -= 1;
    match value {
        Value::Sequence(items) => items.iter_mut().find_map(|item| node_mut(item, n)),
        Value::Mapping(map) => map.values_mut().find_map(|item| node_mut(item, n)),
        Value::Tagged(tagged) => node_mut(&mut tagged.value, n),
        _ => None,
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn arbitrary_yaml_documents(document in yaml_value()) {
        let text = serde_yaml::to_string(&document).expect("serde_yaml renders its own values");
        check(&text)?;
    }

    /// The Mobile ID spec with one node (anything from the whole document to one
    /// enum value) replaced by an arbitrary value: errors deep inside a real spec.
    #[test]
    fn mobileid_with_a_node_replaced(at in any::<Index>(), replacement in prop_oneof![2 => scalar(), 1 => yaml_value()]) {
        let mut document: Value = serde_yaml::from_str(MOBILEID).unwrap();
        let mut n = at.index(node_count(&document));
        *node_mut(&mut document, &mut n).expect("n < node_count") = replacement;
        let text = serde_yaml::to_string(&document).unwrap();
        check(&text)?;
    }
}

// (c) Mutations of specs/mobileid.yaml, as a person editing it might make them.
#[derive(Clone, Debug)]
enum Mutation {
    DeleteLine(Index),
    DuplicateLine(Index),
    SwapLines(Index, Index),
    ReplaceChar(Index, char),
    Truncate(Index),
    Indent(Index, i8),
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let character = prop_oneof![
        3 => prop::sample::select(vec![
            ':', '-', ' ', '\t', '[', ']', '{', '}', ',', '#', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', '?', '\n',
            '\r', '\\', '0', 'a', 'Z', '_', '\u{feff}', '\u{85}',
        ]),
        1 => any::<char>(),
    ];
    prop_oneof![
        any::<Index>().prop_map(Mutation::DeleteLine),
        any::<Index>().prop_map(Mutation::DuplicateLine),
        (any::<Index>(), any::<Index>()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        (any::<Index>(), character).prop_map(|(at, c)| Mutation::ReplaceChar(at, c)),
        any::<Index>().prop_map(Mutation::Truncate),
        (any::<Index>(), -4i8..=4).prop_map(|(at, by)| Mutation::Indent(at, by)),
    ]
}

fn apply(text: &str, mutation: &Mutation) -> String {
    let mut lines: Vec<String> = text.split_inclusive('\n').map(str::to_owned).collect();
    if lines.is_empty() {
        lines.push(String::new());
    }
    match mutation {
        Mutation::DeleteLine(at) => {
            lines.remove(at.index(lines.len()));
        }
        Mutation::DuplicateLine(at) => {
            let i = at.index(lines.len());
            let mut line = lines[i].clone();
            if !line.ends_with('\n') {
                line.push('\n');
            }
            lines.insert(i, line);
        }
        Mutation::SwapLines(a, b) => {
            let (a, b) = (a.index(lines.len()), b.index(lines.len()));
            lines.swap(a, b);
        }
        Mutation::ReplaceChar(at, c) => {
            let mut chars: Vec<char> = text.chars().collect();
            if !chars.is_empty() {
                let i = at.index(chars.len());
                chars[i] = *c;
            }
            return chars.into_iter().collect();
        }
        Mutation::Truncate(at) => {
            // At a byte, rounded down to a character boundary.
            let mut end = at.index(text.len() + 1);
            while !text.is_char_boundary(end) {
                end -= 1;
            }
            return text[..end].to_owned();
        }
        Mutation::Indent(at, by) => {
            let i = at.index(lines.len());
            let line = &mut lines[i];
            if *by >= 0 {
                line.insert_str(0, &" ".repeat(*by as usize));
            } else {
                let spaces = line.len() - line.trim_start_matches(' ').len();
                line.drain(..spaces.min(by.unsigned_abs() as usize));
            }
        }
    }
    lines.concat()
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn mutations_of_mobileid(mutations in prop::collection::vec(mutation(), 1..=3)) {
        let mut text = MOBILEID.to_owned();
        for mutation in &mutations {
            text = apply(&text, mutation);
        }
        check(&text)?;
    }
}

// Deterministic tests of the contract.

/// 1-based line and column of the first occurrence of `needle` after `after`.
fn position(text: &str, after: &str, needle: &str) -> (usize, usize) {
    let start = text
        .find(after)
        .unwrap_or_else(|| panic!("`{after}` not in the text"));
    let offset = start
        + text[start..]
            .find(needle)
            .unwrap_or_else(|| panic!("`{needle}` not after `{after}`"));
    let line = text[..offset].matches('\n').count() + 1;
    let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
    (line, text[line_start..offset].chars().count() + 1)
}

/// `text` with `old` replaced by `new`, which must occur exactly once.
fn edit(text: &str, old: &str, new: &str) -> String {
    assert_eq!(
        text.matches(old).count(),
        1,
        "`{old}` must occur once in the spec"
    );
    text.replacen(old, new, 1)
}

/// (class, path, line, column) of each diagnostic.
fn summary(text: &str) -> Vec<(DiagnosticClass, String, usize, usize)> {
    let diagnostics = load(FILE, text).expect_err("the spec has mistakes");
    diagnostics
        .0
        .into_iter()
        .map(|d| (d.class, d.path, d.line, d.column))
        .collect()
}

#[test]
fn mobileid_itself_loads() {
    load(FILE, MOBILEID).unwrap_or_else(|diagnostics| panic!("{diagnostics}"));
}

#[test]
fn five_mistakes_are_five_diagnostics_each_in_its_place() {
    let mut text = MOBILEID.to_owned();
    // schema: not a PKCE mode.
    text = edit(&text, "\npkce: optional\n", "\npkce: sometimes\n");
    // insecure-url: plain http in production.
    text = edit(
        &text,
        "token: https://openid.mobileid.ch/token",
        "token: http://openid.mobileid.ch/token",
    );
    // inconsistent: `none` among the ID token's algorithms.
    text = edit(
        &text,
        "id_token:\n  signing: [RS256]",
        "id_token:\n  signing: [RS256, none]",
    );
    // unknown-reference: a claim that is not declared.
    text = edit(
        &text,
        "claims: [phone_number, phone_number_verified]",
        "claims: [phone_number, phone_verified]",
    );
    // duplicate-error-code: mid_req_1090 becomes a second mid_req_1080 (a code no
    // other part of the spec refers to, so that the mistake is the only one).
    text = edit(&text, "{ code: mid_req_1090,", "{ code: mid_req_1080,");

    let pkce = position(&text, "\npkce:", "pkce");
    let token = position(&text, "environments:", "token: http:");
    let none = position(&text, "id_token:", "none");
    let claim = position(&text, "scopes:", "phone_verified");
    let code = position(
        &text,
        "name: login_hint_duplicate_msisdn",
        "code: mid_req_1080",
    );
    use DiagnosticClass::*;
    assert_eq!(
        summary(&text),
        vec![
            // Reported in file order, all in one go.
            (
                InsecureUrl,
                "mobileid.environments.production.endpoints.token".to_owned(),
                token.0,
                token.1
            ),
            (Schema, "mobileid.pkce".to_owned(), pkce.0, pkce.1),
            (
                Inconsistent,
                "mobileid.id_token.signing[1]".to_owned(),
                none.0,
                none.1
            ),
            (
                UnknownReference,
                "mobileid.scopes.phone.claims[1]".to_owned(),
                claim.0,
                claim.1
            ),
            (
                DuplicateErrorCode,
                "mobileid.errors.codes[8].code".to_owned(),
                code.0,
                code.1
            ),
        ]
    );
    // Spot-check the numbers themselves, so that `position` cannot be wrong in the same
    // way as the loader: the spec starts with a comment and `id:` on line 2.
    assert_eq!(position(&text, "", "id: mobileid"), (2, 1));
    assert_eq!(token.1, 7, "`token:` is indented by six spaces");
}

#[test]
fn schema_errors_in_different_places_are_all_reported_without_cascades() {
    let mut text = MOBILEID.to_owned();
    // An unknown field in an environment.
    text = edit(
        &text,
        "    kind: production\n",
        "    kind: production\n    colour: blue\n",
    );
    // A wrong type name in a claim: one diagnostic, not also "missing field `type`".
    text = edit(&text, "  phone_number_verified:\n    doc: Whether the phone number is verified.\n    type: bool\n", "  phone_number_verified:\n    doc: Whether the phone number is verified.\n    type: boolean\n");
    // Two bad items in one sequence: the second is reported at its original index,
    // although the first was pruned before it was found.
    text = edit(
        &text,
        "    claims: [sub]\n",
        "    claims: [{ a: 1 }, sub, { b: 2 }]\n",
    );

    let colour = position(&text, "environments:", "colour");
    let ty = position(&text, "  phone_number_verified:\n    doc", "type: boolean");
    let a = position(&text, "scopes:", "{ a: 1 }");
    let b = position(&text, "scopes:", "{ b: 2 }");
    use DiagnosticClass::*;
    assert_eq!(
        summary(&text),
        vec![
            (
                Schema,
                "mobileid.environments.production.colour".to_owned(),
                colour.0,
                colour.1
            ),
            (
                Schema,
                "mobileid.scopes.openid.claims[0]".to_owned(),
                a.0,
                a.1
            ),
            (
                Schema,
                "mobileid.scopes.openid.claims[2]".to_owned(),
                b.0,
                b.1
            ),
            (
                Schema,
                "mobileid.claims.phone_number_verified.type".to_owned(),
                ty.0,
                ty.1
            ),
        ]
    );
}

#[test]
fn semantic_problems_are_reported_together_with_structural_ones() {
    let mut text = MOBILEID.to_owned();
    text = edit(
        &text,
        "    kind: production\n",
        "    kind: production\n    colour: blue\n",
    );
    text = edit(
        &text,
        "        - { value: de, doc: German }\n",
        "        - { value: de, doc: German }\n        - { value: de, doc: Deutsch }\n",
    );
    text = edit(
        &text,
        "claims: [mid_cms_content]",
        "claims: [mid_cms_contents]",
    );
    let classes: Vec<DiagnosticClass> = summary(&text)
        .into_iter()
        .map(|(class, ..)| class)
        .collect();
    use DiagnosticClass::*;
    assert_eq!(classes, vec![Schema, DuplicateValue, UnknownReference]);
}

#[test]
fn a_syntax_error_is_located() {
    let text = edit(
        MOBILEID,
        "    doc: The verified phone number.\n",
        "    doc: The verified phone number: MSISDN.\n",
    );
    let colon = position(&text, "doc: The verified phone number", ": MSISDN");
    assert_eq!(
        summary(&text),
        vec![(
            DiagnosticClass::Syntax,
            "mobileid".to_owned(),
            colon.0,
            colon.1
        )]
    );
}

#[test]
fn edge_cases_are_diagnostics() {
    let cases = [
        "",
        "\n",
        "# only a comment\n",
        "~",
        "---",
        "--- 1\n--- 2\n",
        "\u{feff}",
        "[1, 2",
        "a: &x [*x]",
        "a: *nowhere",
        "? [complex, key]\n: value\n",
        "!!binary aGVsbG8=",
        "id: 1\nid: 2\n",
        // An alias bomb: expanding it would take gigabytes.
        "a: &a [x,x,x,x,x,x,x,x,x]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\nd: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\nf: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n",
        "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[",
    ];
    for text in cases {
        check(text).unwrap_or_else(|error| panic!("{text:?}: {error}"));
        assert!(load(FILE, text).is_err(), "{text:?} is not a spec");
    }
}

/// 2 000 nested block sequences, a 4 kB file: serde_yaml refuses it ("recursion limit
/// exceeded"), but the source map reads it first, with yaml-rust2's recursive
/// `Parser::load`, and the stack overflows: the process aborts (in `provider!`,
/// rustc does). The fix: walk the events with `Parser::next_token()` in
/// `SourceMap::build` instead.
#[test]

fn deeply_nested_yaml_is_a_diagnostic_not_a_stack_overflow() {
    for text in [
        "- ".repeat(2_000) + "x\n",
        (0..2_000)
            .map(|i| format!("{}k:\n", " ".repeat(i)))
            .collect::<String>(),
    ] {
        let diagnostics = load(FILE, &text).expect_err("not a spec");
        assert_eq!(
            diagnostics.0[0].class,
            DiagnosticClass::Syntax,
            "{diagnostics}"
        );
    }
}

/// An unclosed flow sequence is detected lines later, where libyaml gives up; its
/// message says where the sequence started ("while parsing a flow sequence at line
/// L column C"), which is where the mistake is. The loader cuts the message at the
/// first " at line " and loses that.
#[test]

fn an_unclosed_flow_sequence_names_where_it_started() {
    let text = edit(
        MOBILEID,
        "claims: [phone_number, phone_number_verified]",
        "claims: [phone_number, phone_number_verified",
    );
    let (line, column) = position(&text, "scopes:", "[phone_number, phone_number_verified");
    let diagnostics = load(FILE, &text).expect_err("not valid YAML");
    let message = &diagnostics.0[0].message;
    assert!(
        message.contains(&format!("line {line} column {column}")),
        "{message}"
    );
}
