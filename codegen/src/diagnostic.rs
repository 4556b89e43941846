//! Located problems in a spec.

use std::fmt;
use std::path::PathBuf;

/// What kind of problem a diagnostic reports. Each class has a compile-fail test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum DiagnosticClass {
    /// The file is not valid YAML.
    Syntax,
    /// The YAML does not have the spec's shape (unknown field, wrong type, missing field).
    Schema,
    /// A name refers to nothing: an unknown claim, type, error code, endpoint or scheme.
    UnknownReference,
    /// The same value is listed twice where values must be unique (enum values, scopes).
    DuplicateValue,
    /// Two wire names map to the same Rust identifier.
    IdentifierCollision,
    /// A name cannot become a Rust identifier.
    InvalidIdentifier,
    /// A plain http URL outside a sandbox environment.
    InsecureUrl,
    /// A URL that does not parse or is not absolute.
    InvalidUrl,
    /// An error code listed twice.
    DuplicateErrorCode,
    /// The error `detail` pattern is not a valid regular expression.
    InvalidPattern,
    /// Parts of the spec contradict each other, or ask for something insecure.
    Inconsistent,
}

impl DiagnosticClass {
    /// The short name shown in brackets.
    pub fn name(self) -> &'static str {
        match self {
            Self::Syntax => "syntax",
            Self::Schema => "schema",
            Self::UnknownReference => "unknown-reference",
            Self::DuplicateValue => "duplicate-value",
            Self::IdentifierCollision => "identifier-collision",
            Self::InvalidIdentifier => "invalid-identifier",
            Self::InsecureUrl => "insecure-url",
            Self::InvalidUrl => "invalid-url",
            Self::DuplicateErrorCode => "duplicate-error-code",
            Self::InvalidPattern => "invalid-pattern",
            Self::Inconsistent => "inconsistent",
        }
    }
}

/// One problem in a spec, located by file, line, column and the path inside the spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    /// The class of problem.
    pub class: DiagnosticClass,
    /// The spec file.
    pub file: PathBuf,
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
    /// The path inside the spec, e.g. `mobileid.scopes.phone.claims[1]`.
    pub path: String,
    /// What is wrong.
    pub message: String,
    /// How to fix it, when there is something to say.
    pub help: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "error[{}]: {}", self.class.name(), self.message)?;
        write!(
            f,
            "  --> {}:{}:{} at {}",
            self.file.display(),
            self.line,
            self.column,
            self.path
        )?;
        if let Some(help) = &self.help {
            write!(f, "\n  = help: {help}")?;
        }
        Ok(())
    }
}

/// All problems found in one spec.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, diagnostic) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            writeln!(f, "{diagnostic}")?;
        }
        write!(
            f,
            "{} problem{} found",
            self.0.len(),
            if self.0.len() == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for Diagnostics {}

impl Diagnostic {
    /// Adds a hint on how to fix the problem.
    pub fn help(mut self, help: impl Into<String>) -> Self {
        self.help = Some(help.into());
        self
    }
}
