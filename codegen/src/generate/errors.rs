//! The `ErrorCode` enum: every documented code, and a catch-all that keeps the rest.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::Context;
use crate::names;

pub(super) fn generate(cx: &Context<'_>) -> TokenStream {
    let rt = &cx.rt;
    let codes = &cx.spec.errors.codes;
    let variants: Vec<_> = codes
        .iter()
        .map(|c| format_ident!("{}", names::error_code(c)))
        .collect();
    let wires: Vec<&str> = codes.iter().map(|c| c.code.as_str()).collect();
    let messages: Vec<&str> = codes.iter().map(|c| c.message.as_str()).collect();
    let docs: Vec<TokenStream> = codes
        .iter()
        .map(|c| {
            let mut doc = format!("`{}`", c.code);
            if let Some(oauth) = &c.oauth {
                doc.push_str(&format!(" ({oauth})"));
            }
            doc.push_str(&format!(": {}.", c.message.trim_end_matches('.')));
            if let Some(help) = &c.help {
                doc.push_str(&format!("\n\n{}", help.trim()));
            }
            if let Some(retry) = &c.retry_after {
                doc.push_str(&format!(
                    "\n\nWait {} seconds before retrying.",
                    retry.seconds
                ));
            }
            super::doc_attr(Some(&doc))
        })
        .collect();
    let oauth_arms = codes.iter().zip(&variants).filter_map(|(c, v)| {
        c.oauth
            .as_deref()
            .map(|oauth| quote!(ErrorCode::#v => Some(#rt::OAuthErrorCode::from_wire(#oauth)),))
    });
    let category_arms = codes.iter().zip(&variants).filter_map(|(c, v)| {
        c.category
            .as_deref()
            .map(|category| quote!(ErrorCode::#v => Some(#category),))
    });
    let retry_arms: Vec<TokenStream> = codes
        .iter()
        .zip(&variants)
        .filter_map(|(c, v)| {
            c.retry_after.map(|d| {
                let seconds = d.seconds;
                quote!(ErrorCode::#v => Some(::std::time::Duration::from_secs(#seconds)),)
            })
        })
        .collect();
    let retry_body = match_or_none(retry_arms);
    let oauth_body = match_or_none(oauth_arms.collect());
    let category_body = match_or_none(category_arms.collect());
    let name = &cx.spec.name;
    let enum_doc = format!(" Every error code {name} documents.\n\n Codes this version does not know arrive as `Unhandled`, which keeps the code:\n match on the documented variants and treat the rest generically.");
    let enum_doc_attrs = super::doc_lines(&enum_doc);
    quote! {
        #enum_doc_attrs
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            #( #docs #variants, )*
            /// A code this version does not document, kept as received. Only parsing
            /// creates it; read the code with `ProviderErrorCode::as_wire`.
            Unhandled(#rt::UnknownValue),
        }

        impl ErrorCode {
            /// How long the provider asks to wait before retrying, if it says.
            pub fn retry_after(&self) -> Option<::std::time::Duration> {
                #retry_body
            }
        }

        impl #rt::ProviderErrorCode for ErrorCode {
            fn from_wire(code: &str) -> Self {
                match code {
                    #( #wires => ErrorCode::#variants, )*
                    other => ErrorCode::Unhandled(#rt::UnknownValue::__from_wire_by_generated_code(other.to_owned())),
                }
            }

            fn as_wire(&self) -> &str {
                match self {
                    #( ErrorCode::#variants => #wires, )*
                    ErrorCode::Unhandled(code) => code.as_str(),
                }
            }

            fn documented_oauth_error(&self) -> Option<#rt::OAuthErrorCode> {
                #oauth_body
            }

            fn documented_message(&self) -> Option<&'static str> {
                match self {
                    #( ErrorCode::#variants => Some(#messages), )*
                    ErrorCode::Unhandled(_) => None,
                }
            }

            fn documented_category(&self) -> Option<&'static str> {
                #category_body
            }
        }

        /// Errors of this provider's operations.
        pub type Error = #rt::Error<ErrorCode>;
    }
}

/// `match self { arms.., _ => None }`, or just `None` when there are no arms.
fn match_or_none(arms: Vec<TokenStream>) -> TokenStream {
    if arms.is_empty() {
        quote!(None)
    } else {
        quote!(match self { #(#arms)* _ => None, })
    }
}
