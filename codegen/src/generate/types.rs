//! Rust types for the spec's types: named ones from `types`, and inline enums and
//! objects of parameters and claims (named after their owner).

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::{doc_attr, Context};
use crate::ident;
use crate::model::{Accept, EnumSpec, FieldSpec, ObjectSpec, TypeSpec};
use crate::names;

/// Every named and inline type definition of the spec.
pub(super) fn generate(cx: &Context<'_>) -> TokenStream {
    let mut definitions = Vec::new();
    for (name, def) in &cx.spec.types {
        let doc = def
            .doc
            .clone()
            .unwrap_or_else(|| format!("The `{name}` type of the spec."));
        define(cx, name, &def.ty, Some(&doc), &mut definitions);
    }
    if let Some(authorize) = &cx.spec.authorize {
        for (wire, param) in &authorize.params {
            define_inline(cx, wire, &param.ty, param.doc.as_deref(), &mut definitions);
        }
    }
    for (wire, claim) in &cx.spec.claims {
        define_inline(
            cx,
            &names::claim(wire, claim),
            &claim.ty,
            claim.doc.as_deref(),
            &mut definitions,
        );
    }
    quote! { #(#definitions)* }
}

/// The Rust type of a value of `ty`, owned by `owner` (which names inline types).
pub(super) fn rust_type(cx: &Context<'_>, owner: &str, ty: &TypeSpec) -> TokenStream {
    let rt = &cx.rt;
    match ty {
        TypeSpec::String | TypeSpec::Date | TypeSpec::Datetime | TypeSpec::Url => {
            quote!(String)
        }
        // Checked when parsed: a UUID is usually a key (a session id) that ends up
        // in URLs and store keys.
        TypeSpec::Uuid => quote!(#rt::Uuid),
        TypeSpec::Bool => quote!(bool),
        TypeSpec::Integer => quote!(i64),
        TypeSpec::Number | TypeSpec::Epoch => quote!(f64),
        TypeSpec::Duration => quote!(u64),
        TypeSpec::Base64 => quote!(#rt::Base64Data),
        TypeSpec::Json => quote!(#rt::serde_json::Value),
        TypeSpec::Enum(_) | TypeSpec::Object(_) => {
            let name = format_ident!("{}", names::inline_type(owner));
            quote!(#name)
        }
        TypeSpec::Array(inner) => {
            let inner = rust_type(cx, &names::array_item_owner(owner), inner);
            quote!(Vec<#inner>)
        }
        TypeSpec::Map(inner) => {
            let inner = rust_type(cx, &names::map_entry_owner(owner), inner);
            quote!(::std::collections::BTreeMap<String, #inner>)
        }
        TypeSpec::ClaimMap(inner) => {
            let inner = rust_type(cx, &names::map_entry_owner(owner), inner);
            quote!(#rt::ClaimMap<Claim, #inner>)
        }
        TypeSpec::Nullable(inner) => {
            let inner = rust_type(cx, owner, inner);
            quote!(Option<#inner>)
        }
        TypeSpec::Ref(name) => {
            let name = format_ident!("{name}");
            quote!(#name)
        }
    }
}

pub(super) fn define_inline(
    cx: &Context<'_>,
    owner: &str,
    ty: &TypeSpec,
    doc: Option<&str>,
    out: &mut Vec<TokenStream>,
) {
    match ty {
        TypeSpec::Enum(_) | TypeSpec::Object(_) => {
            define(cx, &names::inline_type(owner), ty, doc, out)
        }
        TypeSpec::Array(inner) => {
            define_inline(cx, &names::array_item_owner(owner), inner, doc, out)
        }
        TypeSpec::Map(inner) | TypeSpec::ClaimMap(inner) => {
            define_inline(cx, &names::map_entry_owner(owner), inner, doc, out)
        }
        TypeSpec::Nullable(inner) => define_inline(cx, owner, inner, doc, out),
        _ => {}
    }
}

pub(super) fn define(
    cx: &Context<'_>,
    name: &str,
    ty: &TypeSpec,
    doc: Option<&str>,
    out: &mut Vec<TokenStream>,
) {
    match ty {
        TypeSpec::Enum(spec) => out.push(wire_enum(cx, name, spec, doc)),
        TypeSpec::Object(object) => {
            for (wire, field) in &object.fields {
                define_inline(
                    cx,
                    &names::field_owner(name, &names::field(wire, field)),
                    &field.ty,
                    field.doc.as_deref(),
                    out,
                );
            }
            out.push(object_struct(cx, name, object, doc));
        }
        TypeSpec::Array(inner) | TypeSpec::Map(inner) | TypeSpec::ClaimMap(inner) => {
            define_inline(cx, name, inner, doc, out)
        }
        other => {
            // A named alias for a scalar or a reference.
            let ident = format_ident!("{name}");
            let target = rust_type(cx, name, other);
            let doc = doc_attr(doc);
            out.push(quote! { #doc pub type #ident = #target; });
        }
    }
}

/// An enum over wire values that keeps values it does not know.
pub(super) fn wire_enum(
    cx: &Context<'_>,
    name: &str,
    spec: &EnumSpec,
    doc: Option<&str>,
) -> TokenStream {
    let rt = &cx.rt;
    let serde_crate = cx.serde_crate();
    let ident = format_ident!("{name}");
    let doc = doc_attr(doc);
    let variants: Vec<_> = spec
        .values
        .iter()
        .map(|v| format_ident!("{}", names::enum_value(v)))
        .collect();
    let wires: Vec<&str> = spec.values.iter().map(|v| v.value.as_str()).collect();
    let docs: Vec<TokenStream> = spec
        .values
        .iter()
        .map(|v| {
            let text = match &v.doc {
                Some(doc) => format!(" `{}`: {}", v.value, doc.trim()),
                None => format!(" `{}`", v.value),
            };
            quote!(#[doc = #text])
        })
        .collect();
    quote! {
        #doc
        #[derive(Clone, Debug, PartialEq, Eq, Hash, #rt::serde::Serialize, #rt::serde::Deserialize)]
        #[serde(crate = #serde_crate, from = "String", into = "String")]
        #[non_exhaustive]
        pub enum #ident {
            #( #docs #variants, )*
            /// A value this version does not know, kept as received.
            Unknown(#rt::UnknownValue),
        }

        impl #ident {
            /// Every documented value.
            pub const ALL: &'static [#ident] = &[#( #ident::#variants ),*];

            /// The value as sent on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    #( #ident::#variants => #wires, )*
                    #ident::Unknown(value) => value.as_str(),
                }
            }
        }

        impl From<String> for #ident {
            fn from(value: String) -> Self {
                match value.as_str() {
                    #( #wires => #ident::#variants, )*
                    _ => #ident::Unknown(#rt::UnknownValue::__from_wire_by_generated_code(value)),
                }
            }
        }

        impl From<#ident> for String {
            fn from(value: #ident) -> String {
                value.as_str().to_owned()
            }
        }

        impl ::std::fmt::Display for #ident {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    }
}

/// Serde attributes for a field: its wire name, optionality and leniency.
pub(super) fn field_attrs(
    cx: &Context<'_>,
    wire: &str,
    rust: &str,
    ty: &TypeSpec,
    accept: &[Accept],
    required: bool,
) -> TokenStream {
    let rename = (wire != rust).then(|| quote!(rename = #wire,));
    let lenient = accept.contains(&Accept::String)
        && matches!(
            ty,
            TypeSpec::Number
                | TypeSpec::Integer
                | TypeSpec::Bool
                | TypeSpec::Epoch
                | TypeSpec::Duration
        );
    let with = match (lenient, required) {
        (true, false) => {
            let path = cx.rt_fn("lenient::option_from_str_or_value");
            Some(quote!(deserialize_with = #path,))
        }
        (true, true) => {
            let path = cx.rt_fn("lenient::from_str_or_value");
            Some(quote!(deserialize_with = #path,))
        }
        _ => None,
    };
    let default = (!required).then(|| quote!(default, skip_serializing_if = "Option::is_none",));
    if rename.is_none() && with.is_none() && default.is_none() {
        TokenStream::new()
    } else {
        quote!(#[serde(#rename #default #with)])
    }
}

fn object_struct(
    cx: &Context<'_>,
    name: &str,
    object: &ObjectSpec,
    doc: Option<&str>,
) -> TokenStream {
    let rt = &cx.rt;
    let serde_crate = cx.serde_crate();
    let ident = format_ident!("{name}");
    let doc = doc_attr(doc);
    let StructFields {
        fields,
        required_params,
        required_inits,
        optional_inits,
        setters,
    } = struct_fields(cx, name, &object.fields);
    // Where nothing is required, `new()` takes nothing: `Default` as well, as
    // clippy and users expect.
    let default_impl = if required_params.is_empty() {
        quote! {
            impl Default for #ident {
                fn default() -> Self {
                    Self::new()
                }
            }
        }
    } else {
        TokenStream::new()
    };
    quote! {
        #doc
        #[derive(Clone, Debug, PartialEq, #rt::serde::Serialize, #rt::serde::Deserialize)]
        #[serde(crate = #serde_crate)]
        pub struct #ident {
            #(#fields)*
            /// Members this version does not know, kept as received.
            #[serde(flatten)]
            pub other: #rt::serde_json::Map<String, #rt::serde_json::Value>,
        }

        impl #ident {
            /// A value with the required members set.
            pub fn new(#(#required_params),*) -> Self {
                Self {
                    #(#required_inits)*
                    #(#optional_inits)*
                    other: Default::default(),
                }
            }

            #(#setters)*
        }

        #default_impl
    }
}

/// The members of a generated struct with serde attributes, what `new` takes and
/// sets, and a `with_` setter per optional member.
pub(super) struct StructFields {
    pub fields: Vec<TokenStream>,
    pub required_params: Vec<TokenStream>,
    pub required_inits: Vec<TokenStream>,
    pub optional_inits: Vec<TokenStream>,
    pub setters: Vec<TokenStream>,
}

/// The [`StructFields`] of `fields`, members of the struct `name` (whose inline
/// types are defined elsewhere).
pub(super) fn struct_fields(
    cx: &Context<'_>,
    name: &str,
    fields: &indexmap::IndexMap<String, FieldSpec>,
) -> StructFields {
    let mut out = StructFields {
        fields: Vec::new(),
        required_params: Vec::new(),
        required_inits: Vec::new(),
        optional_inits: Vec::new(),
        setters: Vec::new(),
    };
    for (wire, field) in fields {
        let rust = names::field(wire, field);
        let field_ident = format_ident!("{rust}");
        let ty = rust_type(cx, &names::field_owner(name, &rust), &field.ty);
        let attrs = field_attrs(cx, wire, &rust, &field.ty, &field.accept, field.required);
        let field_doc = doc_attr(Some(&field_doc(wire, field)));
        if field.required {
            out.fields
                .push(quote! { #field_doc #attrs pub #field_ident: #ty, });
            out.required_params
                .push(quote!(#field_ident: impl Into<#ty>));
            out.required_inits
                .push(quote!(#field_ident: #field_ident.into(),));
        } else {
            out.fields
                .push(quote! { #field_doc #attrs pub #field_ident: Option<#ty>, });
            out.optional_inits.push(quote!(#field_ident: None,));
            let setter = format_ident!("with_{}", rust.trim_end_matches('_'));
            let setter_doc = format!(" Sets `{wire}`.");
            out.setters.push(quote! {
                #[doc = #setter_doc]
                pub fn #setter(mut self, value: impl Into<#ty>) -> Self {
                    self.#field_ident = Some(value.into());
                    self
                }
            });
        }
    }
    out
}

fn field_doc(wire: &str, field: &FieldSpec) -> String {
    match &field.doc {
        Some(doc) => format!("`{wire}`: {}", doc.trim()),
        None => format!("`{wire}`"),
    }
}

/// The identifier for a scalar-or-named type's variant name (used in docs).
pub(super) fn describe(ty: &TypeSpec) -> String {
    match ty {
        TypeSpec::Enum(values) => format!(
            "one of {}",
            values
                .values
                .iter()
                .map(|v| format!("`{}`", v.value))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        TypeSpec::Object(_) => "an object".to_owned(),
        TypeSpec::Array(inner) => format!("a list of {}", describe(inner)),
        TypeSpec::Map(inner) => format!("a map of {}", describe(inner)),
        TypeSpec::ClaimMap(inner) => format!("{} for each claim it describes", describe(inner)),
        TypeSpec::Nullable(inner) => format!("{} or null", describe(inner)),
        TypeSpec::Ref(name) => format!("[`{name}`]"),
        other => ident::snake(&format!("{other:?}")),
    }
}
