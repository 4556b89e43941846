//! Checks beyond the schema: references, uniqueness, identifiers, URL security,
//! and consistency between parts of a spec.

mod references;
mod security;
mod uniqueness;

use crate::diagnostic::Diagnostic;
use crate::load::Reporter;
use crate::model::Spec;

/// Every semantic problem in `spec`. `after_structural_errors` is set when the spec
/// was recovered by pruning broken nodes: reference checks are skipped then, because
/// a pruned definition would make every use of it look like a mistake.
pub fn validate(
    spec: &Spec,
    reporter: &Reporter,
    after_structural_errors: bool,
) -> Vec<Diagnostic> {
    let mut diagnostics = Vec::new();
    uniqueness::check(spec, reporter, &mut diagnostics);
    security::check(spec, reporter, &mut diagnostics);
    if !after_structural_errors {
        references::check(spec, reporter, &mut diagnostics);
    }
    diagnostics.sort_by_key(|d| (d.line, d.column));
    diagnostics
}
