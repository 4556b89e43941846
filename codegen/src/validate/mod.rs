//! Checks beyond the schema: references, uniqueness, identifiers, URL security,
//! and consistency between parts of a spec.

mod backchannel;
mod references;
mod rest;
mod security;
mod uniqueness;
mod userinfo;

use crate::diagnostic::Diagnostic;
use crate::load::path::SpecPath;
use crate::load::Reporter;
use crate::model::Spec;

/// Every semantic problem in `spec`. `pruned` lists the nodes removed to recover
/// from structural errors: a reference to a pruned definition is not reported,
/// since the definition's own problem already is.
pub fn validate(spec: &Spec, reporter: &Reporter, pruned: &[SpecPath]) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    uniqueness::check(spec, reporter, &mut diagnostics);
    security::check(spec, reporter, &mut diagnostics);
    references::check(spec, reporter, &Pruned(pruned), &mut diagnostics);
    userinfo::check(spec, reporter, &Pruned(pruned), &mut diagnostics);
    backchannel::check(spec, reporter, &Pruned(pruned), &mut diagnostics);
    rest::check(spec, reporter, &Pruned(pruned), &mut diagnostics);
    diagnostics
}

/// The nodes pruned from a spec during recovery.
pub(crate) struct Pruned<'a>(&'a [SpecPath]);

impl Pruned<'_> {
    /// Whether the definition `section.name` (or all of `section`) was pruned.
    pub(crate) fn definition(&self, section: &str, name: &str) -> bool {
        let root = SpecPath::root();
        self.0
            .iter()
            .any(|path| *path == root.key(section) || *path == root.key(section).key(name))
    }

    /// Whether anything at, under or above `section` was pruned.
    pub(crate) fn within(&self, section: &[&str]) -> bool {
        let mut prefix = SpecPath::root();
        for key in section {
            prefix = prefix.key(*key);
        }
        self.0
            .iter()
            .any(|path| path.0.starts_with(&prefix.0) || prefix.0.starts_with(&path.0))
    }
}
