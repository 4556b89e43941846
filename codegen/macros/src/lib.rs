//! `provider!("specs/x.yaml")`: the idspec generator as a proc-macro, for specs that
//! live in a user's own crate.

use proc_macro::TokenStream;
use quote::quote;
use syn::{parse_macro_input, LitStr};

/// Generates the provider module for a spec file, resolved relative to the calling
/// crate's `Cargo.toml`. Every problem in the spec becomes a compile error on the
/// path literal, with the spec's file, line, column and path in its message.
#[proc_macro]
pub fn provider(input: TokenStream) -> TokenStream {
    let literal = parse_macro_input!(input as LitStr);
    let manifest_dir = std::env::var_os("CARGO_MANIFEST_DIR").unwrap_or_default();
    let path = std::path::Path::new(&manifest_dir).join(literal.value());
    match idspec_codegen::load_file(&path) {
        Ok(spec) => {
            let module = idspec_codegen::generate(&spec, &idspec_codegen::GenerateOptions::default());
            // Makes cargo rebuild the caller when the spec changes.
            let tracked = path.to_string_lossy().into_owned();
            quote! {
                const _: &[u8] = include_bytes!(#tracked);
                #module
            }
            .into()
        }
        Err(diagnostics) => {
            let errors = diagnostics.0.iter().map(|diagnostic| {
                let message = diagnostic.to_string();
                syn::Error::new(literal.span(), message).to_compile_error()
            });
            quote!(#(#errors)*).into()
        }
    }
}
