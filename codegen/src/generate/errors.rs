//! The error-code enums: every documented code, and a catch-all that keeps the rest.
//!
//! A provider documenting one list of codes gets one `ErrorCode`. A provider that
//! documents its codes per endpoint (itsme) gets one enum per endpoint, and
//! `ErrorCode` becomes the union, by endpoint, that the runtime decodes into.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::Context;
use crate::model::{ErrorCodeSpec, ErrorEndpoint};
use crate::names;

pub(super) fn generate(cx: &Context<'_>) -> TokenStream {
    let rt = &cx.rt;
    let name = &cx.spec.name;
    let errors = &cx.spec.errors;
    let union = if errors.per_endpoint() {
        per_endpoint(cx)
    } else {
        let doc = format!(
            " Every error code {name} documents.\n\n Codes this version does not know arrive as `Unhandled`, which keeps the code:\n match on the documented variants and treat the rest generically."
        );
        code_enum(
            cx,
            &format_ident!("ErrorCode"),
            &doc,
            &errors.codes.iter().collect::<Vec<_>>(),
        )
    };
    quote! {
        #union

        /// Errors of this provider's operations.
        pub type Error = #rt::Error<ErrorCode>;
    }
}

/// One enum per endpoint with documented codes, and their union.
fn per_endpoint(cx: &Context<'_>) -> TokenStream {
    let rt = &cx.rt;
    let name = &cx.spec.name;
    let mut enums = Vec::new();
    let mut variants: Vec<Ident> = Vec::new();
    let mut types: Vec<Ident> = Vec::new();
    let mut endpoint_arms = Vec::new();
    for endpoint in ErrorEndpoint::ALL {
        let codes: Vec<&ErrorCodeSpec> = cx.spec.errors.for_endpoint(endpoint).collect();
        if codes.is_empty() {
            continue;
        }
        let variant = format_ident!("{}", crate::ident::pascal(endpoint.as_str()));
        let ty = format_ident!("{variant}ErrorCode");
        let doc = format!(
            " Every error code {name} documents for its {} endpoint.\n\n Codes this version does not know arrive as `Unhandled`, which keeps the code.",
            endpoint.as_str()
        );
        enums.push(code_enum(cx, &ty, &doc, &codes));
        let kinds = super::profile::endpoint_kinds(cx, endpoint);
        let kinds = quote!(#(#kinds)|*);
        endpoint_arms.push(quote! {
            #kinds => ErrorCode::#variant(<#ty as #rt::ProviderErrorCode>::from_wire(code)),
        });
        variants.push(variant);
        types.push(ty);
    }
    let docs = variants.iter().zip(&types).map(|(variant, ty)| {
        let doc = format!(
            " An error from the {} endpoint: [`{ty}`].",
            variant.to_string().to_lowercase()
        );
        quote!(#[doc = #doc])
    });
    // Without an endpoint, the first endpoint that documents the code reads it.
    let wire_arms = types.iter().zip(&variants).map(|(ty, variant)| {
        quote! {
            let parsed = <#ty as #rt::ProviderErrorCode>::from_wire(code);
            if !parsed.is_unhandled() {
                return ErrorCode::#variant(parsed);
            }
        }
    });
    let union_doc = format!(
        " Every error code {name} documents, by the endpoint that answers it: match on\n `ErrorCode::Token(TokenErrorCode::InvalidGrant)` and the like.\n\n A code from an endpoint without documented codes arrives as `Unhandled`."
    );
    let union_doc = super::doc_lines(&union_doc);
    quote! {
        #(#enums)*

        #union_doc
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum ErrorCode {
            #( #docs #variants(#types), )*
            /// A code from an endpoint this version documents no codes for, kept as
            /// received. Only parsing creates it.
            Unhandled(#rt::UnknownValue),
        }

        impl ErrorCode {
            /// How long the provider asks to wait before retrying, if it says.
            pub fn retry_after(&self) -> Option<::std::time::Duration> {
                match self {
                    #( ErrorCode::#variants(code) => code.retry_after(), )*
                    ErrorCode::Unhandled(_) => None,
                }
            }
        }

        impl #rt::ProviderErrorCode for ErrorCode {
            fn from_wire(code: &str) -> Self {
                #(#wire_arms)*
                ErrorCode::Unhandled(#rt::UnknownValue::__from_wire_by_generated_code(code.to_owned()))
            }

            fn from_endpoint(endpoint: #rt::EndpointKind, code: &str) -> Self {
                match endpoint {
                    #(#endpoint_arms)*
                    _ => ErrorCode::Unhandled(#rt::UnknownValue::__from_wire_by_generated_code(code.to_owned())),
                }
            }

            fn as_wire(&self) -> &str {
                match self {
                    #( ErrorCode::#variants(code) => code.as_wire(), )*
                    ErrorCode::Unhandled(code) => code.as_str(),
                }
            }

            fn documented_oauth_error(&self) -> Option<#rt::OAuthErrorCode> {
                match self {
                    #( ErrorCode::#variants(code) => code.documented_oauth_error(), )*
                    ErrorCode::Unhandled(_) => None,
                }
            }

            fn documented_message(&self) -> Option<&'static str> {
                match self {
                    #( ErrorCode::#variants(code) => code.documented_message(), )*
                    ErrorCode::Unhandled(_) => None,
                }
            }

            fn documented_category(&self) -> Option<&'static str> {
                match self {
                    #( ErrorCode::#variants(code) => code.documented_category(), )*
                    ErrorCode::Unhandled(_) => None,
                }
            }

            fn documented_retry_after(&self) -> Option<::std::time::Duration> {
                self.retry_after()
            }

            fn display_message(&self, language: &str) -> Option<&'static str> {
                match self {
                    #( ErrorCode::#variants(code) => code.display_message(language), )*
                    ErrorCode::Unhandled(_) => None,
                }
            }
        }
    }
}

/// One enum of documented codes with its `Unhandled` catch-all.
fn code_enum(cx: &Context<'_>, ty: &Ident, doc: &str, codes: &[&ErrorCodeSpec]) -> TokenStream {
    let rt = &cx.rt;
    let variants: Vec<_> = codes
        .iter()
        .map(|c| format_ident!("{}", names::error_code(c)))
        .collect();
    let wires: Vec<&str> = codes.iter().map(|c| c.code.as_str()).collect();
    let messages: Vec<&str> = codes.iter().map(|c| c.message.as_str()).collect();
    let docs: Vec<TokenStream> = codes.iter().map(|c| variant_doc(c)).collect();
    let oauth_arms = codes.iter().zip(&variants).filter_map(|(c, v)| {
        c.oauth
            .as_deref()
            .map(|oauth| quote!(#ty::#v => Some(#rt::OAuthErrorCode::from_wire(#oauth)),))
    });
    let category_arms = codes.iter().zip(&variants).filter_map(|(c, v)| {
        c.category
            .as_deref()
            .map(|category| quote!(#ty::#v => Some(#category),))
    });
    let retry_arms: Vec<TokenStream> = codes
        .iter()
        .zip(&variants)
        .filter_map(|(c, v)| {
            c.retry_after.map(|d| {
                let seconds = d.seconds;
                quote!(#ty::#v => Some(::std::time::Duration::from_secs(#seconds)),)
            })
        })
        .collect();
    let retry_body = match_or_none(retry_arms);
    let display_arms: Vec<TokenStream> = codes
        .iter()
        .zip(&variants)
        .flat_map(|(c, v)| {
            c.display
                .iter()
                .map(move |(language, text)| quote!((#ty::#v, #language) => Some(#text),))
        })
        .collect();
    let display_impl = if display_arms.is_empty() {
        TokenStream::new()
    } else {
        quote! {
            fn display_message(&self, language: &str) -> Option<&'static str> {
                match (self, language) {
                    #(#display_arms)*
                    _ => None,
                }
            }
        }
    };
    let oauth_body = match_or_none(oauth_arms.collect());
    let category_body = match_or_none(category_arms.collect());
    let doc_attrs = super::doc_lines(doc);
    quote! {
        #doc_attrs
        #[derive(Clone, Debug, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum #ty {
            #( #docs #variants, )*
            /// A code this version does not document, kept as received. Only parsing
            /// creates it; read the code with `ProviderErrorCode::as_wire`.
            Unhandled(#rt::UnknownValue),
        }

        impl #ty {
            /// How long the provider asks to wait before retrying, if it says.
            pub fn retry_after(&self) -> Option<::std::time::Duration> {
                #retry_body
            }

            /// Whether the code is one this version does not document.
            pub fn is_unhandled(&self) -> bool {
                matches!(self, #ty::Unhandled(_))
            }
        }

        impl #rt::ProviderErrorCode for #ty {
            fn from_wire(code: &str) -> Self {
                match code {
                    #( #wires => #ty::#variants, )*
                    other => #ty::Unhandled(#rt::UnknownValue::__from_wire_by_generated_code(other.to_owned())),
                }
            }

            fn as_wire(&self) -> &str {
                match self {
                    #( #ty::#variants => #wires, )*
                    #ty::Unhandled(code) => code.as_str(),
                }
            }

            fn documented_oauth_error(&self) -> Option<#rt::OAuthErrorCode> {
                #oauth_body
            }

            fn documented_message(&self) -> Option<&'static str> {
                match self {
                    #( #ty::#variants => Some(#messages), )*
                    #ty::Unhandled(_) => None,
                }
            }

            fn documented_category(&self) -> Option<&'static str> {
                #category_body
            }

            fn documented_retry_after(&self) -> Option<::std::time::Duration> {
                self.retry_after()
            }

            #display_impl
        }
    }
}

fn variant_doc(c: &ErrorCodeSpec) -> TokenStream {
    let mut doc = format!("`{}`", c.code);
    if let Some(oauth) = &c.oauth {
        if oauth != &c.code {
            doc.push_str(&format!(" ({oauth})"));
        }
    }
    doc.push_str(&format!(": {}.", c.message.trim_end_matches('.')));
    if let Some(help) = &c.help {
        doc.push_str(&format!("\n\n{}", help.trim()));
    }
    if let Some(status) = c.http_status.filter(|_| c.status_only) {
        doc.push_str(&format!(
            "\n\nThe provider sends no code for it: an HTTP {status} answer without one is this error."
        ));
    }
    if !c.display.is_empty() {
        doc.push_str("\n\nFor the user (`display_message`):");
        for (language, text) in &c.display {
            doc.push_str(&format!("\n* `{language}`: {text}"));
        }
    }
    if let Some(retry) = &c.retry_after {
        doc.push_str(&format!(
            "\n\nWait {} seconds before retrying.",
            retry.seconds
        ));
    }
    super::doc_attr(Some(&doc))
}

/// `match self { arms.., _ => None }`, or just `None` when there are no arms.
fn match_or_none(arms: Vec<TokenStream>) -> TokenStream {
    if arms.is_empty() {
        quote!(None)
    } else {
        quote!(match self { #(#arms)* _ => None, })
    }
}
