//! The `Scope` enum.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::Context;
use crate::names;

pub(super) fn generate(cx: &Context<'_>) -> TokenStream {
    let rt = &cx.rt;
    let mut variants = Vec::new();
    let mut to_wire = Vec::new();
    let mut from_wire = Vec::new();
    let mut required = Vec::new();
    let mut prefixed = Vec::new();
    for (wire, scope) in &cx.spec.scopes {
        let variant = format_ident!("{}", names::scope(wire, scope));
        let mut doc = format!("`{wire}`");
        if let Some(text) = &scope.doc {
            doc.push_str(": ");
            doc.push_str(text.trim());
        }
        if !scope.claims.is_empty() {
            let claims: Vec<String> = scope.claims.iter().map(|c| format!("`{c}`")).collect();
            doc.push_str(&format!("\n\nReleases {}.", claims.join(", ")));
        }
        if scope.required {
            doc.push_str("\n\nAlways requested: the runtime adds it to every request.");
        }
        let doc = super::doc_attr(Some(&doc));
        match names::scope_parameter(wire) {
            Some(parameter) => {
                let prefix = &wire[..wire.find('{').unwrap_or(wire.len())];
                let param_doc = format!("The `{parameter}` part of `{wire}`.");
                variants.push(quote! { #doc #variant(#[doc = #param_doc] String), });
                to_wire.push(quote! { Scope::#variant(value) => ::std::borrow::Cow::Owned(format!("{}{}", #prefix, value)), });
                prefixed.push(quote! {
                    if let Some(value) = wire.strip_prefix(#prefix) {
                        return Scope::#variant(value.to_owned());
                    }
                });
                if scope.required {
                    // A required parameterised scope has no value to add automatically;
                    // the request builder asks for it instead.
                }
            }
            None => {
                variants.push(quote! { #doc #variant, });
                to_wire.push(quote! { Scope::#variant => ::std::borrow::Cow::Borrowed(#wire), });
                from_wire.push(quote! { #wire => Scope::#variant, });
                if scope.required {
                    required.push(quote!(Scope::#variant));
                }
            }
        }
    }
    quote! {
        /// The scopes the provider documents.
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum Scope {
            #(#variants)*
            /// A scope this version does not know, kept as received (in a token response).
            Unknown(#rt::UnknownValue),
        }

        impl Scope {
            /// The scopes every request carries.
            pub const REQUIRED: &'static [Scope] = &[#(#required),*];

            /// Parses a scope as the provider sends it; never fails.
            pub fn from_wire(wire: &str) -> Scope {
                match wire {
                    #(#from_wire)*
                    _ => {
                        #(#prefixed)*
                        Scope::Unknown(#rt::UnknownValue::__from_wire_by_generated_code(wire.to_owned()))
                    }
                }
            }
        }

        impl #rt::ScopeValue for Scope {
            fn wire(&self) -> ::std::borrow::Cow<'_, str> {
                match self {
                    #(#to_wire)*
                    Scope::Unknown(value) => ::std::borrow::Cow::Borrowed(value.as_str()),
                }
            }
        }

        impl ::std::fmt::Display for Scope {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(&#rt::ScopeValue::wire(self))
            }
        }
    }
}
