//! The userinfo struct of a provider whose claims arrive as a list of entries
//! (`userinfo.attributes`): each documented claim is still a typed field, filled
//! from the entry with its key; the list's labels, order and unknown entries are
//! kept in a `runtime::Attributes`, so that serializing gives back what arrived.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::claims::{claim_doc, debug_entry, scopes_releasing};
use super::types::{field_attrs, rust_type};
use super::Context;
use crate::model::{AttributeList, ClaimTarget};
use crate::names;

/// One claim's field: its wire name, Rust identifier, type and serde attributes.
struct Field {
    wire: String,
    ident: proc_macro2::Ident,
    ty: TokenStream,
    attrs: TokenStream,
    doc: TokenStream,
}

pub(super) fn userinfo_struct(cx: &Context<'_>, list: &AttributeList) -> TokenStream {
    let rt = &cx.rt;
    let serde_crate = cx.serde_crate();
    let scope_of = scopes_releasing(cx);
    let mut in_list = Vec::new();
    let mut members = Vec::new();
    for (wire, claim) in &cx.spec.claims {
        if !claim.delivered_in.contains(&ClaimTarget::Userinfo) {
            continue;
        }
        let rust = names::claim(wire, claim);
        let is_member = list.members.contains(wire);
        let mut doc = claim_doc(wire, claim, scope_of.get(wire.as_str()).map(String::as_str));
        if !is_member {
            doc.push_str(&format!(
                "\n\nThe entry of `{}` whose `{}` is `{wire}`.",
                list.list, list.key
            ));
        }
        let field = Field {
            wire: wire.clone(),
            ident: format_ident!("{rust}"),
            ty: rust_type(cx, &rust, &claim.ty),
            attrs: field_attrs(cx, wire, &rust, &claim.ty, &claim.accept, false),
            doc: super::doc_attr(Some(&doc)),
        };
        if is_member {
            members.push(field);
        } else {
            in_list.push(field);
        }
    }

    let list_wire = &list.list;
    let key = &list.key;
    let value = &list.value;
    let label = match &list.label {
        Some(label) => quote!(Some(#label)),
        None => quote!(None),
    };
    let typed: Vec<&str> = in_list.iter().map(|f| f.wire.as_str()).collect();
    let all: Vec<&Field> = in_list.iter().chain(&members).collect();
    let field_decls = all.iter().map(|f| {
        let (doc, ident, ty) = (&f.doc, &f.ident, &f.ty);
        quote!(#doc pub #ident: Option<#ty>,)
    });
    let debug_fields: Vec<TokenStream> =
        all.iter().map(|f| debug_entry(&f.wire, &f.ident)).collect();
    let wire_field = |f: &Field| {
        let (attrs, ident, ty) = (&f.attrs, &f.ident, &f.ty);
        quote!(#attrs #ident: Option<#ty>,)
    };
    let value_fields = in_list.iter().map(wire_field);
    let member_fields = members.iter().map(wire_field);
    let list_idents: Vec<&proc_macro2::Ident> = in_list.iter().map(|f| &f.ident).collect();
    let list_wires: Vec<&str> = in_list.iter().map(|f| f.wire.as_str()).collect();
    let member_wires: Vec<&str> = members.iter().map(|f| f.wire.as_str()).collect();
    let member_idents: Vec<&proc_macro2::Ident> = members.iter().map(|f| &f.ident).collect();

    let typed_fields: Vec<(proc_macro2::Ident, bool)> =
        all.iter().map(|f| (f.ident.clone(), true)).collect();
    let claim_fields =
        super::claims::claim_fields_impl(cx, &format_ident!("UserInfo"), &typed_fields);
    let name = &cx.spec.name;
    let doc = format!(
        " The userinfo response's claims.\n\n {name} sends most of them as the `{list_wire}` list of `{{\"{key}\": ..., \"{value}\": ...}}`\n entries; each documented one is a typed field here, found by its `{key}`. The\n list's labels and order, and entries this version does not know, are in\n `{list_wire}`; serializing gives back the response as it arrived.\n\n Claims arrive only when a granted scope releases them, so each is optional.\n `Debug` shows which claims are present, never their values: they are personal data."
    );
    let doc = super::doc_lines(&doc);
    let attributes_doc = format!(
        " The `{list_wire}` list beyond the typed fields: each entry's label and position,\n and the entries whose `{key}` this version does not document, with their values."
    );
    let attributes_doc = super::doc_lines(&attributes_doc);
    quote! {
        #doc
        #[derive(Clone, PartialEq)]
        #[non_exhaustive]
        pub struct UserInfo {
            #(#field_decls)*
            #attributes_doc
            pub attributes: #rt::Attributes<Claim>,
            /// Members this version does not know, kept as received.
            pub other: #rt::serde_json::Map<String, #rt::serde_json::Value>,
        }

        /// Where the claims sit in a userinfo response, from the spec.
        const USERINFO_ATTRIBUTES: #rt::AttributeFields = #rt::AttributeFields {
            list: #list_wire,
            key: #key,
            label: #label,
            value: #value,
            typed: &[#(#typed),*],
        };

        /// The values of the typed entries, keyed by their `key` as if they were members.
        #[derive(#rt::serde::Deserialize)]
        #[serde(crate = #serde_crate)]
        struct UserInfoAttributeValues {
            #(#value_fields)*
        }

        /// A userinfo response as it is on the wire.
        #[derive(#rt::serde::Deserialize)]
        #[serde(crate = #serde_crate)]
        struct UserInfoWire {
            #[serde(rename = #list_wire, default)]
            list: #rt::serde_json::Value,
            #(#member_fields)*
            #[serde(flatten)]
            other: #rt::serde_json::Map<String, #rt::serde_json::Value>,
        }

        impl<'de> #rt::serde::Deserialize<'de> for UserInfo {
            fn deserialize<D: #rt::serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                use #rt::serde::de::Error as _;
                let wire = UserInfoWire::deserialize(deserializer)?;
                let (attributes, values) =
                    #rt::Attributes::__from_wire(wire.list, &USERINFO_ATTRIBUTES).map_err(D::Error::custom)?;
                let values: UserInfoAttributeValues =
                    #rt::serde_json::from_value(#rt::serde_json::Value::Object(values)).map_err(D::Error::custom)?;
                Ok(Self {
                    #(#list_idents: values.#list_idents,)*
                    #(#member_idents: wire.#member_idents,)*
                    attributes,
                    other: wire.other,
                })
            }
        }

        impl #rt::serde::Serialize for UserInfo {
            fn serialize<S: #rt::serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                let present = |values: &[(&str, Option<#rt::serde_json::Value>)]| -> #rt::serde_json::Map<String, #rt::serde_json::Value> {
                    values
                        .iter()
                        .filter_map(|(wire, value)| Some((wire.to_string(), value.clone()?)))
                        .collect()
                };
                let values = present(&[
                    #((#list_wires, self.#list_idents.as_ref().map(#rt::claim_map::typed)),)*
                ]);
                let mut response = self.other.clone();
                response.extend(present(&[
                    #((#member_wires, self.#member_idents.as_ref().map(#rt::claim_map::typed)),)*
                ]));
                response.insert(
                    #list_wire.to_owned(),
                    self.attributes.__to_wire(#rt::serde_json::Value::Object(values), &USERINFO_ATTRIBUTES),
                );
                response.serialize(serializer)
            }
        }

        impl ::std::fmt::Debug for UserInfo {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                let mut present: Vec<&str> = Vec::new();
                #(#debug_fields)*
                present.extend(self.attributes.unknown().map(|attribute| attribute.key));
                present.extend(self.other.keys().map(String::as_str));
                f.debug_struct("UserInfo")
                    .field("claims", &present)
                    .finish_non_exhaustive()
            }
        }

        #claim_fields
    }
}
