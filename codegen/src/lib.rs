//! idspec-codegen: the pure pipeline from a provider spec to Rust.
//!
//! `load` → `validate` → `generate`: [`load_file`] reads and checks a spec, reporting
//! every problem with its location; [`generate`] turns a [`ValidatedSpec`] into a
//! `TokenStream`; [`render`] formats it as a source file. build.rs, the `provider!`
//! macro and the `idspec` command are thin callers of these.
#![warn(missing_docs)]

pub mod crate_build;
pub mod diagnostic;
pub mod generate;
pub mod ident;
pub mod load;
pub mod model;
pub mod names;
pub mod schema;
pub mod summary;
pub mod template;
mod validate;

pub use diagnostic::{Diagnostic, DiagnosticClass, Diagnostics};
pub use generate::{generate, render, write_if_changed, GenerateOptions};
pub use load::{load, load_file, ValidatedSpec};
