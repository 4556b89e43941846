//! The backchannel authentication request builder: the user's identifier and the
//! provider's required scopes as arguments, one setter per other parameter, and the
//! documented defaults already set.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::authorize::{setter_doc, setter_type};
use super::Context;
use crate::names;

pub(super) fn generate(cx: &Context<'_>) -> TokenStream {
    let rt = &cx.rt;
    let spec = cx.spec;
    let Some(backchannel) = &spec.backchannel else {
        return TokenStream::new();
    };
    let mut args = Vec::new();
    let mut sets = Vec::new();
    let mut setters = Vec::new();
    let mut defaults = Vec::new();
    for (wire, scope) in spec.required_scopes() {
        let variant = format_ident!("{}", names::scope(wire, scope));
        match names::scope_parameter(wire) {
            Some(parameter) => {
                let arg = format_ident!("{}", crate::ident::snake(parameter));
                args.push(quote!(#arg: impl Into<String>));
                sets.push(quote!(params.add_scope(&Scope::#variant(#arg.into()));));
            }
            None => sets.push(quote!(params.add_scope(&Scope::#variant);)),
        }
    }
    for (wire, param) in &backchannel.params {
        let method = format_ident!("{}", names::param(wire, param));
        let (ty, value) = setter_type(cx, wire, param);
        if param.required {
            args.push(quote!(#method: #ty));
            sets.push(quote!(params.set(#wire, { let value = #method; #value });));
            continue;
        }
        if let Some(default) = &param.default {
            defaults.push(quote!(params.set(#wire, #default.to_owned());));
        }
        let doc = setter_doc(wire, param);
        let default_note = param
            .default
            .as_ref()
            .map(|d| super::doc_attr(Some(&format!("Default: `{d}`."))))
            .unwrap_or_default();
        setters.push(quote! {
            #doc
            #[doc = ""]
            #default_note
            pub fn #method(mut self, value: #ty) -> Self {
                self.params.params_mut().set(#wire, #value);
                self
            }
        });
    }
    let timeout = backchannel.timeout.seconds;
    let grace = backchannel.grace.map(|g| g.seconds).unwrap_or(0);
    let doc = format!(
        " A backchannel authentication request: send it with `Client::initiate`, then wait\n for the user's answer (`PendingIdentification::outcome`) or take it from\n `Client::handle_notification`.\n\n The protocol's own members (response_type, nonce, the notification token and URL,\n the correlation id) are set by the runtime. The provider gives up after {timeout} s; the\n client waits {} s before the flow ends as timed out.",
        timeout + grace
    );
    let doc = super::doc_lines(&doc);
    let fill = if sets.is_empty() && defaults.is_empty() {
        quote!(let request = BackchannelRequest { params: #rt::BackchannelParams::new() };)
    } else {
        quote! {
            let mut request = BackchannelRequest { params: #rt::BackchannelParams::new() };
            let params = request.params.params_mut();
            #(#sets)*
            #(#defaults)*
        }
    };
    quote! {
        #doc
        #[derive(Clone, Debug)]
        #[must_use = "a backchannel request does nothing until passed to `Client::initiate`"]
        pub struct BackchannelRequest {
            params: #rt::BackchannelParams,
        }

        impl BackchannelRequest {
            /// A request for the user with these identifiers, with the provider's
            /// required scopes and the documented defaults.
            pub fn new(#(#args),*) -> Self {
                #fill
                request
            }

            /// Requests one more scope.
            pub fn scope(mut self, scope: Scope) -> Self {
                self.params.params_mut().add_scope(&scope);
                self
            }

            #(#setters)*
        }

        impl From<BackchannelRequest> for #rt::BackchannelParams {
            fn from(request: BackchannelRequest) -> Self {
                request.params
            }
        }
    }
}
