//! The claims structs: what the ID token and the userinfo response carry.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::types::{field_attrs, rust_type};
use super::Context;
use crate::model::{ClaimSpec, ClaimTarget};
use crate::names;

/// Claims every ID token has, validated by the runtime; spec claims of the same name
/// are not repeated in the struct.
const ID_TOKEN_STANDARD: &[&str] = &[
    "iss",
    "sub",
    "aud",
    "exp",
    "iat",
    "auth_time",
    "nonce",
    "azp",
    "at_hash",
    "c_hash",
    "nbf",
    "jti",
];

pub(super) fn generate(cx: &Context<'_>) -> TokenStream {
    let attributes = cx
        .spec
        .userinfo
        .as_ref()
        .and_then(|u| u.attributes.as_ref());
    let userinfo = match attributes {
        Some(list) => super::attribute_claims::userinfo_struct(cx, list),
        None => claims_struct(cx, "UserInfo", ClaimTarget::Userinfo),
    };
    if !cx.spec.is_openid() {
        return userinfo;
    }
    let id_token = claims_struct(cx, "IdTokenClaims", ClaimTarget::IdToken);
    quote! { #id_token #userinfo }
}

fn claims_struct(cx: &Context<'_>, name: &str, target: ClaimTarget) -> TokenStream {
    let rt = &cx.rt;
    let serde_crate = cx.serde_crate();
    let ident = format_ident!("{name}");
    let mut fields = Vec::new();
    let mut debug_fields = Vec::new();
    let scope_of = scopes_releasing(cx);

    let standard: Vec<(&str, TokenStream, &str)> = match target {
        ClaimTarget::IdToken => vec![
            (
                "iss",
                quote!(pub iss: String,),
                "`iss`: the issuer, checked by the runtime.",
            ),
            (
                "sub",
                quote!(pub sub: String,),
                "`sub`: the subject, the provider's stable identifier for the user.",
            ),
            (
                "aud",
                quote!(pub aud: #rt::Audience,),
                "`aud`: the audience, checked to contain this client.",
            ),
            (
                "exp",
                quote!(pub exp: i64,),
                "`exp`: expiry, seconds since the epoch.",
            ),
            (
                "iat",
                quote!(pub iat: i64,),
                "`iat`: issue time, seconds since the epoch.",
            ),
            (
                "auth_time",
                quote!(#[serde(default, skip_serializing_if = "Option::is_none")] pub auth_time: Option<i64>,),
                "`auth_time`: when the user authenticated.",
            ),
            (
                "azp",
                quote!(#[serde(default, skip_serializing_if = "Option::is_none")] pub azp: Option<String>,),
                "`azp`: the authorized party.",
            ),
        ],
        // Only OpenID Connect guarantees a `sub` in userinfo (Core 5.3.2).
        ClaimTarget::Userinfo if cx.spec.is_openid() => vec![(
            "sub",
            quote!(pub sub: String,),
            "`sub`: the subject; the runtime checks it equals the ID token's.",
        )],
        ClaimTarget::Userinfo => Vec::new(),
    };
    let mut always_present = Vec::new();
    let mut typed = Vec::new();
    for (wire, field, doc) in standard {
        let field_ident = format_ident!("{wire}");
        let optional = field.to_string().contains("Option");
        fields.push(quote!(#[doc = #doc] #field));
        if optional {
            debug_fields.push(debug_entry(wire, &field_ident));
        } else {
            always_present.push(wire);
        }
        typed.push((field_ident, optional));
    }

    for (wire, claim) in &cx.spec.claims {
        if !claim.delivered_in.contains(&target) || ID_TOKEN_STANDARD.contains(&wire.as_str()) {
            continue;
        }
        let rust = names::claim(wire, claim);
        let field_ident = format_ident!("{rust}");
        let ty = rust_type(cx, &rust, &claim.ty);
        let attrs = field_attrs(cx, wire, &rust, &claim.ty, &claim.accept, false);
        let doc = claim_doc(wire, claim, scope_of.get(wire.as_str()).map(String::as_str));
        let docs = super::doc_attr(Some(&doc));
        fields.push(quote! { #docs #attrs pub #field_ident: Option<#ty>, });
        debug_fields.push(debug_entry(wire, &field_ident));
        typed.push((field_ident, true));
    }
    let claim_fields = claim_fields_impl(cx, &ident, &typed);

    let what = match target {
        ClaimTarget::IdToken => "The claims of a validated ID token.",
        ClaimTarget::Userinfo => "The userinfo response's claims.",
    };
    let doc = format!(
        " {what}\n\n Claims arrive only when a granted scope releases them, so each is optional.\n `Debug` shows which claims are present, never their values: they are personal data."
    );
    let debug_name = name;
    let doc = super::doc_lines(&doc);
    quote! {
        #doc
        #[derive(Clone, PartialEq, #rt::serde::Serialize, #rt::serde::Deserialize)]
        #[serde(crate = #serde_crate)]
        #[non_exhaustive]
        pub struct #ident {
            #(#fields)*
            /// Claims this version does not know, kept as received.
            #[serde(flatten)]
            pub other: #rt::serde_json::Map<String, #rt::serde_json::Value>,
        }

        impl ::std::fmt::Debug for #ident {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                let mut present: Vec<&str> = vec![#(#always_present),*];
                #(#debug_fields)*
                present.extend(self.other.keys().map(String::as_str));
                f.debug_struct(#debug_name)
                    .field("claims", &present)
                    .finish_non_exhaustive()
            }
        }

        #claim_fields
    }
}

/// `runtime::ClaimFields` for a claims struct: its present fields, typed, by Rust
/// name. `fields` lists each field with whether it is an `Option`.
pub(super) fn claim_fields_impl(
    cx: &Context<'_>,
    ident: &proc_macro2::Ident,
    fields: &[(proc_macro2::Ident, bool)],
) -> TokenStream {
    let rt = &cx.rt;
    let present = fields.iter().map(|(field, optional)| {
        let name = field.to_string();
        let name = name.trim_start_matches("r#").to_owned();
        if *optional {
            quote!((#name, self.#field.as_ref().map(#rt::claim_map::typed)),)
        } else {
            quote!((#name, Some(#rt::claim_map::typed(&self.#field))),)
        }
    });
    quote! {
        impl #rt::ClaimFields for #ident {
            fn fields(&self) -> Vec<(&'static str, #rt::serde_json::Value)> {
                [#(#present)*]
                    .into_iter()
                    .filter_map(|(name, value)| Some((name, value?)))
                    .collect()
            }
        }
    }
}

/// Which scopes release each claim, as a sentence, by claim.
pub(super) fn scopes_releasing<'a>(cx: &Context<'a>) -> std::collections::HashMap<&'a str, String> {
    let mut released: std::collections::HashMap<&str, Vec<&str>> = Default::default();
    for (scope, spec) in &cx.spec.scopes {
        for claim in &spec.claims {
            released
                .entry(claim.as_str())
                .or_default()
                .push(scope.as_str());
        }
    }
    let every = cx.spec.scopes.len();
    released
        .into_iter()
        .map(|(claim, scopes)| {
            let text = match scopes.as_slice() {
                [scope] => format!("Released by scope `{scope}`."),
                _ if scopes.len() == every => "Released by every scope.".to_owned(),
                _ => format!(
                    "Released by scopes {}.",
                    scopes
                        .iter()
                        .map(|s| format!("`{s}`"))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            };
            (claim, text)
        })
        .collect()
}

pub(super) fn debug_entry(wire: &str, field: &proc_macro2::Ident) -> TokenStream {
    quote!(if self.#field.is_some() { present.push(#wire); })
}

pub(super) fn claim_doc(wire: &str, claim: &ClaimSpec, released: Option<&str>) -> String {
    let mut doc = format!("`{wire}`");
    if let Some(text) = &claim.doc {
        doc.push_str(": ");
        doc.push_str(text.trim());
    }
    if let Some(label) = &claim.label {
        doc.push_str(&format!("\n\nLabelled \"{label}\" by the provider."));
    }
    if let Some(released) = released {
        doc.push_str("\n\n");
        doc.push_str(released);
    }
    if !claim.accept.is_empty() {
        doc.push_str(" The provider may send it as a string; it is parsed either way.");
    }
    doc
}
