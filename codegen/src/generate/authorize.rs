//! The authorization request builder: one setter per parameter the provider accepts,
//! on the channel it accepts it through. Forbidden parameters have no setter at all,
//! and PAR-only ones exist only on the pushed request.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::types::{describe, rust_type};
use super::Context;
use crate::model::{ParMode, ParamEncoding, ParamSpec, TypeSpec, Via};
use crate::names;

pub(super) fn generate(cx: &Context<'_>) -> TokenStream {
    let rt = &cx.rt;
    let spec = cx.spec;
    if !matches!(
        spec.family,
        crate::model::Family::Oidc | crate::model::Family::Oauth2
    ) {
        return TokenStream::new();
    }
    let params = spec.authorize.as_ref().map(|a| &a.params);
    let mut any_channel = Vec::new();
    let mut pushed_only = Vec::new();
    let mut required_args = Vec::new();
    let mut required_sets = Vec::new();
    for (wire, param) in params.into_iter().flatten() {
        if param.via == Via::RequestObject || param.via == Via::Backchannel {
            continue;
        }
        let method = format_ident!("{}", names::param(wire, param));
        let (ty, value) = setter_type(cx, wire, param);
        let doc = setter_doc(wire, param);
        if param.required {
            required_args.push(quote!(#method: #ty));
            required_sets.push(quote!(request.params.set(#wire, { let value = #method; #value });));
            continue;
        }
        let setter = quote! {
            #doc
            pub fn #method(mut self, value: #ty) -> Self {
                self.params.set(#wire, #value);
                self
            }
        };
        match param.via {
            Via::Par => pushed_only.push(setter),
            _ => any_channel.push(setter),
        }
    }
    if spec
        .request_object
        .as_ref()
        .is_some_and(|r| r.encryption_required)
    {
        any_channel.push(quote! {
            /// Sends the whole request as a request object (RFC 9101): signed with the
            /// relying party's key, then encrypted to the provider (a nested JWT), the
            /// only form the provider accepts.
            pub fn request_object(mut self) -> Self {
                self.params.set_request_object(#rt::RequestObject::SignedEncrypted);
                self
            }
        });
    } else if spec.request_object.is_some() {
        any_channel.push(quote! {
            /// Sends the whole request as a request object (RFC 9101): signed with the
            /// relying party's key, or signed and then encrypted to the provider.
            pub fn request_object(mut self, mode: #rt::RequestObject) -> Self {
                self.params.set_request_object(mode);
                self
            }
        });
    }
    if let Some(claims) = &spec.claims_parameter {
        let setter = quote! {
            /// Sets `claims` (OpenID Connect Core 5.5): the claims to deliver in the ID
            /// token and from userinfo, and which of them are essential.
            pub fn claims(mut self, claims: ClaimsRequest) -> Self {
                let claims: #rt::ClaimsRequest = claims.into();
                self.params.set("claims", claims.to_json().to_string());
                self
            }
        };
        match claims.via {
            Via::Par => pushed_only.push(setter),
            _ => any_channel.push(setter),
        }
    }
    let mut required_scope_args = Vec::new();
    let mut required_scope_sets = Vec::new();
    for (wire, scope) in &spec.scopes {
        if !scope.required {
            continue;
        }
        let variant = format_ident!("{}", names::scope(wire, scope));
        match names::scope_parameter(wire) {
            Some(parameter) => {
                let arg = format_ident!("{}", crate::ident::snake(parameter));
                required_scope_args.push(quote!(#arg: impl Into<String>));
                required_scope_sets
                    .push(quote!(request.params.add_scope(&Scope::#variant(#arg.into()));));
            }
            None => required_scope_sets.push(quote!(request.params.add_scope(&Scope::#variant);)),
        }
    }
    let require_scope = spec.authorize.as_ref().is_some_and(|a| a.require_scope);
    if require_scope {
        required_scope_args.insert(0, quote!(scope: Scope));
        required_scope_sets.insert(0, quote!(request.params.add_scope(&scope);));
    }
    let args: Vec<_> = required_scope_args
        .into_iter()
        .chain(required_args)
        .collect();
    let binding = if required_scope_sets.is_empty() && required_sets.is_empty() {
        quote!(let request)
    } else {
        quote!(let mut request)
    };
    let new_doc = if require_scope {
        " A request for `scope`: the provider needs every request to name one. More can be
 added with [`AuthorizationRequest::scope`]."
    } else {
        " A request for the scopes every request carries."
    };
    let new_doc = super::doc_lines(new_doc);

    let (default_channel, pushed_fn) = match spec.par {
        ParMode::None => (quote!(#rt::FrontChannel), TokenStream::new()),
        ParMode::Offered => (
            quote!(#rt::FrontChannel),
            quote! {
                impl AuthorizationRequest<#rt::FrontChannel> {
                    /// Sends this request through the pushed authorization request endpoint
                    /// (RFC 9126): the parameters travel on the back channel, authenticated,
                    /// and the browser only sees a `request_uri`. Parameters the provider
                    /// accepts only this way become available.
                    pub fn pushed(self) -> AuthorizationRequest<#rt::Pushed> {
                        AuthorizationRequest { params: self.params.into_pushed(), channel: ::std::marker::PhantomData }
                    }
                }
            },
        ),
        ParMode::Required => (quote!(#rt::Pushed), TokenStream::new()),
    };
    // `Default` where `new` needs nothing, as clippy and users expect.
    let default_impl = if args.is_empty() {
        quote! {
            impl Default for AuthorizationRequest<#default_channel> {
                fn default() -> Self {
                    Self::new()
                }
            }
        }
    } else {
        TokenStream::new()
    };
    let start_pushed = if spec.par == ParMode::Required {
        quote!(.into_pushed())
    } else {
        TokenStream::new()
    };
    let pushed_impl = if pushed_only.is_empty() {
        TokenStream::new()
    } else {
        quote! {
            impl AuthorizationRequest<#rt::Pushed> {
                #(#pushed_only)*
            }
        }
    };
    let forbidden_doc = match spec.authorize.as_ref().map(|a| &a.forbidden) {
        Some(forbidden) if !forbidden.is_empty() => {
            let list: Vec<String> = forbidden
                .iter()
                .map(|f| format!("`{}` ({})", f.name, f.reason))
                .collect();
            format!(
                "\n\n Not offered, because the provider forbids them: {}.",
                list.join(", ")
            )
        }
        _ => String::new(),
    };
    let refused_doc = match spec.authorize.as_ref().map(|a| &a.refused_response_types) {
        Some(refused) if !refused.is_empty() => {
            let list: Vec<String> = refused
                .iter()
                .map(|(response_type, why)| {
                    let why = why.split_whitespace().collect::<Vec<_>>().join(" ");
                    super::wrap(&format!(
                        "\n\n`response_type={response_type}` is not offered: {why}"
                    ))
                })
                .collect();
            list.concat()
        }
        _ => String::new(),
    };
    let doc = format!(
        " An authorization request. Start it with `Client::start`.\n\n The protocol's own parameters (response_type, client_id, redirect_uri, state,\n nonce, PKCE) are set by the runtime.{forbidden_doc}{refused_doc}"
    );
    let doc_attrs = super::doc_lines(&doc);
    quote! {
        #doc_attrs
        #[derive(Clone, Debug)]
        #[must_use = "an authorization request does nothing until passed to `Client::start`"]
        pub struct AuthorizationRequest<C = #default_channel> {
            params: #rt::AuthorizationParams,
            channel: ::std::marker::PhantomData<C>,
        }

        impl AuthorizationRequest<#default_channel> {
            #new_doc
            pub fn new(#(#args),*) -> Self {
                #binding = AuthorizationRequest { params: #rt::AuthorizationParams::new()#start_pushed, channel: ::std::marker::PhantomData };
                #(#required_scope_sets)*
                #(#required_sets)*
                request
            }
        }

        impl<C: #rt::Channel> AuthorizationRequest<C> {
            /// Requests one more scope.
            pub fn scope(mut self, scope: Scope) -> Self {
                self.params.add_scope(&scope);
                self
            }

            /// Requests more scopes.
            pub fn scopes(mut self, scopes: impl IntoIterator<Item = Scope>) -> Self {
                for scope in scopes {
                    self.params.add_scope(&scope);
                }
                self
            }

            #(#any_channel)*
        }

        #default_impl
        #pushed_fn
        #pushed_impl

        impl<C: #rt::Channel> From<AuthorizationRequest<C>> for #rt::AuthorizationParams {
            fn from(request: AuthorizationRequest<C>) -> Self {
                request.params
            }
        }
    }
}

/// The setter's argument type and the expression that turns `value` into wire text.
pub(super) fn setter_type(
    cx: &Context<'_>,
    wire: &str,
    param: &ParamSpec,
) -> (TokenStream, TokenStream) {
    let rt = &cx.rt;
    let rust = names::param(wire, param);
    match (&param.ty, param.encoding) {
        (_, ParamEncoding::Json) => {
            let ty = rust_type(cx, &rust, &param.ty);
            (ty, quote!(#rt::params::json(&value)))
        }
        (TypeSpec::Array(inner), ParamEncoding::SpaceSeparated) => {
            let ty = rust_type(cx, &rust, inner);
            (
                quote!(impl IntoIterator<Item = #ty>),
                quote!(value
                    .into_iter()
                    .map(|v| v.to_string())
                    .collect::<Vec<_>>()
                    .join(" ")),
            )
        }
        (
            TypeSpec::String | TypeSpec::Url | TypeSpec::Date | TypeSpec::Datetime | TypeSpec::Uuid,
            _,
        ) => (quote!(impl Into<String>), quote!(value.into())),
        (ty, _) => {
            let ty = rust_type(cx, &rust, ty);
            (ty, quote!(value.to_string()))
        }
    }
}

pub(super) fn setter_doc(wire: &str, param: &ParamSpec) -> TokenStream {
    let mut doc = format!("Sets `{wire}`");
    match &param.doc {
        Some(text) => {
            doc.push_str(": ");
            doc.push_str(text.trim());
        }
        None => doc.push_str(&format!(", {}.", describe(&param.ty))),
    }
    if param.via == Via::Par {
        doc.push_str("\n\nThe provider accepts it only through a pushed authorization request.");
    }
    if param.encoding == ParamEncoding::Json {
        doc.push_str("\n\nSent as compact JSON.");
    }
    if let Some(example) = &param.example {
        doc.push_str(&format!("\n\nExample: `{example}`"));
    }
    super::doc_attr(Some(&doc))
}
