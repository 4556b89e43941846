//! Reading a spec: YAML text to the typed model, with every problem located.
//!
//! Structural problems (unknown fields, wrong types, missing fields) are collected
//! all at once: after each one the offending node is pruned from the document and
//! deserialization runs again, until it succeeds or nothing more can be pruned.

pub mod path;
pub mod source_map;

use std::path::{Path, PathBuf};

use serde_yaml::Value;

use crate::diagnostic::{Diagnostic, DiagnosticClass, Diagnostics};
use crate::model::Spec;
use crate::validate;
use path::{Segment, SpecPath};
use source_map::SourceMap;

/// More structural errors than this in one file are not worth reading one by one.
const MAX_STRUCTURAL_ERRORS: usize = 64;

/// A spec that passed every check: the only input the generator accepts.
#[derive(Clone, Debug)]
pub struct ValidatedSpec {
    spec: Spec,
    file: PathBuf,
}

impl ValidatedSpec {
    /// The spec.
    pub fn spec(&self) -> &Spec {
        &self.spec
    }

    /// The file it was read from.
    pub fn file(&self) -> &Path {
        &self.file
    }
}

/// Reads, parses and validates the spec file at `path`.
pub fn load_file(path: impl AsRef<Path>) -> Result<ValidatedSpec, Diagnostics> {
    let path = path.as_ref();
    match std::fs::read_to_string(path) {
        Ok(text) => load(path, &text),
        Err(error) => Err(Diagnostics(vec![Diagnostic {
            class: DiagnosticClass::Syntax,
            file: path.to_owned(),
            line: 1,
            column: 1,
            path: root_name(path),
            message: format!("cannot read the spec: {error}"),
            help: None,
        }])),
    }
}

/// Parses and validates spec `text`, read from `file` (used in diagnostics only).
pub fn load(file: impl AsRef<Path>, text: &str) -> Result<ValidatedSpec, Diagnostics> {
    let file = file.as_ref().to_owned();
    let reporter = Reporter::new(&file, text);
    let (spec, mut diagnostics, pruned) = parse(text, &reporter);
    if let Some(spec) = &spec {
        diagnostics.extend(validate::validate(spec, &reporter, &pruned));
    }
    diagnostics.sort_by_key(|d| (d.line, d.column));
    match spec {
        Some(spec) if diagnostics.is_empty() => Ok(ValidatedSpec { spec, file }),
        _ => Err(Diagnostics(diagnostics)),
    }
}

/// Turns paths into located diagnostics for one file.
pub struct Reporter {
    file: PathBuf,
    root: String,
    source: SourceMap,
}

impl Reporter {
    fn new(file: &Path, text: &str) -> Self {
        Self {
            file: file.to_owned(),
            root: root_name(file),
            source: SourceMap::build(text),
        }
    }

    /// A diagnostic at `path`.
    pub fn at(
        &self,
        class: DiagnosticClass,
        path: &SpecPath,
        message: impl Into<String>,
    ) -> Diagnostic {
        let location = self.source.locate(path);
        Diagnostic {
            class,
            file: self.file.clone(),
            line: location.line,
            column: location.column,
            path: path.display(&self.root),
            message: message.into(),
            help: None,
        }
    }
}

fn root_name(file: &Path) -> String {
    file.file_stem()
        .and_then(|stem| stem.to_str())
        .unwrap_or("spec")
        .to_owned()
}

/// The spec (possibly recovered by pruning broken nodes), the structural problems,
/// and the paths that were pruned.
fn parse(text: &str, reporter: &Reporter) -> (Option<Spec>, Vec<Diagnostic>, Vec<SpecPath>) {
    let mut document: Value = match serde_yaml::from_str(text) {
        Ok(document) => document,
        Err(error) => {
            let (line, column) = error
                .location()
                .map(|l| (l.line(), l.column()))
                .unwrap_or((1, 1));
            let mut diagnostic = reporter.at(
                DiagnosticClass::Syntax,
                &SpecPath::root(),
                format!("not valid YAML: {}", strip_location(&error.to_string())),
            );
            diagnostic.line = line;
            diagnostic.column = column;
            return (None, vec![diagnostic], Vec::new());
        }
    };

    let mut diagnostics = Vec::new();
    let mut removed = RemovedItems::default();
    let mut pruned: Vec<SpecPath> = Vec::new();
    // Unknown fields reported so far, with their diagnostic: a misspelt required
    // field shows up first as unknown, then, once pruned, as missing.
    let mut unknown_fields: Vec<(SpecPath, usize)> = Vec::new();
    for _ in 0..MAX_STRUCTURAL_ERRORS {
        match serde_path_to_error::deserialize::<_, Spec>(document.clone()) {
            Ok(spec) => return (Some(spec), diagnostics, pruned),
            Err(error) => {
                let path = convert_path(error.path());
                let original = removed.original(&path);
                let message = error.inner().to_string();
                // After a broken required field is pruned, its parent reports it
                // missing: the same problem, already reported.
                let missing = missing_field(&message);
                let repeat = missing.is_some_and(|field| pruned.contains(&original.key(field)));
                let misspelt = missing.and_then(|field| {
                    unknown_fields.iter().find_map(|(path, index)| {
                        let (Some(Segment::Key(key)), Some(parent)) =
                            (path.0.last(), path.parent())
                        else {
                            return None;
                        };
                        (parent == original && crate::ident::edit_distance(key, field) <= 2)
                            .then_some((*index, field))
                    })
                });
                if let Some((index, field)) = misspelt {
                    diagnostics[index].help = Some(format!("did you mean `{field}`?"));
                } else if !repeat {
                    if message.starts_with("unknown field") {
                        unknown_fields.push((original.clone(), diagnostics.len()));
                    }
                    diagnostics.push(reporter.at(
                        DiagnosticClass::Schema,
                        &original,
                        strip_location(&message),
                    ));
                }
                if !prune(&mut document, &path) {
                    return (None, diagnostics, pruned);
                }
                pruned.push(original.clone());
                if let (Some(Segment::Index(index)), Some(parent)) =
                    (original.0.last(), original.parent())
                {
                    removed.record(parent, *index);
                }
            }
        }
    }
    (None, diagnostics, pruned)
}

/// The field named by serde's "missing field `x`" message.
fn missing_field(message: &str) -> Option<&str> {
    message.strip_prefix("missing field `")?.split('`').next()
}

/// Sequence items pruned so far, by the sequence's path in the original document,
/// so that later errors in the same sequence are reported at their original index.
#[derive(Default)]
struct RemovedItems(std::collections::HashMap<SpecPath, Vec<usize>>);

impl RemovedItems {
    fn record(&mut self, sequence: SpecPath, original_index: usize) {
        let indices = self.0.entry(sequence).or_default();
        indices.push(original_index);
        indices.sort_unstable();
    }

    fn original(&self, path: &SpecPath) -> SpecPath {
        let mut original = SpecPath::root();
        for segment in &path.0 {
            original = match segment {
                Segment::Key(key) => original.key(key.clone()),
                Segment::Index(index) => {
                    let mut index = *index;
                    for removed in self.0.get(&original).into_iter().flatten() {
                        if *removed <= index {
                            index += 1;
                        }
                    }
                    original.index(index)
                }
            };
        }
        original
    }
}

// serde_yaml appends " at line L column C" to its messages; the diagnostic has its
// own position. Only that suffix goes: libyaml's context ("while parsing a flow
// sequence at line 53 column 13") says where the broken construct started.
fn strip_location(message: &str) -> String {
    let Some(start) = message.find(" at line ") else {
        return message.to_owned();
    };
    let rest = &message[start + " at line ".len()..];
    let suffix_len = rest
        .split_once(" column ")
        .filter(|(line, _)| line.chars().all(|c| c.is_ascii_digit()))
        .map(|(line, column)| {
            let digits = column.chars().take_while(char::is_ascii_digit).count();
            " at line ".len() + line.len() + " column ".len() + digits
        });
    match suffix_len {
        Some(len) => format!("{}{}", &message[..start], &message[start + len..]),
        None => message.to_owned(),
    }
}

fn convert_path(path: &serde_path_to_error::Path) -> SpecPath {
    use serde_path_to_error::Segment as S;
    let mut segments = Vec::new();
    for segment in path.iter() {
        match segment {
            S::Map { key } => segments.push(Segment::Key(key.clone())),
            S::Seq { index } => segments.push(Segment::Index(*index)),
            // Deeper than an enum or an unknown step the path cannot be followed
            // in the document, so the error is reported at the last known node.
            S::Enum { .. } | S::Unknown => break,
        }
    }
    SpecPath(segments)
}

/// Removes the node at `path` (or, if it is the root, gives up). Returns whether
/// something was removed.
fn prune(document: &mut Value, path: &SpecPath) -> bool {
    let Some((last, parents)) = path.0.split_last() else {
        return false;
    };
    let mut node = document;
    for segment in parents {
        let next = match (segment, node) {
            (Segment::Key(key), Value::Mapping(map)) => map.get_mut(key.as_str()),
            (Segment::Index(index), Value::Sequence(items)) => items.get_mut(*index),
            _ => None,
        };
        match next {
            Some(next) => node = next,
            None => return false,
        }
    }
    match (last, node) {
        (Segment::Key(key), Value::Mapping(map)) => map.remove(key.as_str()).is_some(),
        (Segment::Index(index), Value::Sequence(items)) if *index < items.len() => {
            items.remove(*index);
            true
        }
        _ => false,
    }
}
