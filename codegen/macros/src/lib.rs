//! `provider!("specs/x.yaml")`: the idspec generator as a proc-macro, for specs that
//! live in a user's own crate.

use std::path::{Path, PathBuf};

use proc_macro::TokenStream;
use quote::quote;
use syn::{parse_macro_input, LitStr};

/// Generates the provider module for a spec file.
///
/// The path is resolved relative to the calling crate's `Cargo.toml`, or, if no such
/// file exists there, relative to the file that calls the macro (as `include_str!`
/// does). Every problem in the spec becomes a compile error on the path literal,
/// with the spec's line, column and path in its message.
#[proc_macro]
pub fn provider(input: TokenStream) -> TokenStream {
    let literal = parse_macro_input!(input as LitStr);
    let written = literal.value();
    let Some(path) = resolve(&written) else {
        return syn::Error::new(literal.span(), format!("spec file `{written}` not found (looked relative to the crate's Cargo.toml and to this source file)"))
            .to_compile_error()
            .into();
    };
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(error) => {
            return syn::Error::new(
                literal.span(),
                format!("cannot read spec `{written}`: {error}"),
            )
            .to_compile_error()
            .into();
        }
    };
    // Diagnostics name the file as written, not as resolved: the same on every machine.
    match idspec_codegen::load(&written, &text) {
        Ok(spec) => {
            let module =
                idspec_codegen::generate(&spec, &idspec_codegen::GenerateOptions::default());
            // Makes cargo rebuild the caller when the spec changes.
            let tracked = path.to_string_lossy().into_owned();
            quote! {
                const _: &[u8] = include_bytes!(#tracked);
                #module
            }
            .into()
        }
        Err(diagnostics) => {
            // rustc prefixes "error: " itself; the diagnostic's own "error" would repeat it.
            let errors = diagnostics.0.iter().map(|diagnostic| {
                let message = diagnostic.to_string();
                let message = message
                    .strip_prefix("error")
                    .unwrap_or(&message)
                    .replacen("]:", "]", 1);
                syn::Error::new(literal.span(), message).to_compile_error()
            });
            quote!(#(#errors)*).into()
        }
    }
}

fn resolve(written: &str) -> Option<PathBuf> {
    let written = Path::new(written);
    if written.is_absolute() {
        return written.is_file().then(|| written.to_owned());
    }
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").map(PathBuf::from);
    if let Some(candidate) = manifest_dir
        .map(|dir| dir.join(written))
        .filter(|p| p.is_file())
    {
        return Some(candidate);
    }
    let caller = proc_macro::Span::call_site().local_file()?;
    let candidate = caller.parent()?.join(written);
    // The caller's path may be relative to rustc's working directory, and the path
    // is tracked with `include_str!`, which resolves a relative path against the
    // calling file: only an absolute path means the same file to both.
    candidate
        .is_file()
        .then(|| std::fs::canonicalize(&candidate).unwrap_or(candidate))
}
