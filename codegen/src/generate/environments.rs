//! The `Environment` enum with each environment's URLs, and the sandbox's test users.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::Context;
use crate::ident;
use crate::model::EnvironmentKind;

pub(super) fn generate(cx: &Context<'_>) -> TokenStream {
    let rt = &cx.rt;
    let mut variants = Vec::new();
    let mut configs = Vec::new();
    let mut arms = Vec::new();
    for (name, env) in &cx.spec.environments {
        let variant = format_ident!("{}", ident::pascal(name));
        let constant = format_ident!("{}", ident::screaming(name));
        let mut doc = env
            .doc
            .clone()
            .unwrap_or_else(|| format!("The `{name}` environment."));
        if let Some(issuer) = &env.issuer {
            doc.push_str(&format!("\n\nIssuer: `{issuer}`."));
        }
        if let Some(variant) = &env.variant {
            doc.push_str(&format!("\n\nVariant: `{variant}`."));
        }
        if let Some(auth) = &env.client_auth {
            let methods: Vec<String> = auth
                .methods
                .iter()
                .map(|m| format!("`{}`", m.as_str()))
                .collect();
            doc.push_str(&format!(
                "\n\nClient authentication: {}.",
                methods.join(", ")
            ));
        }
        let doc = super::doc_attr(Some(&doc));
        variants.push(quote!(#doc #variant,));
        let kind = match env.kind {
            EnvironmentKind::Production => quote!(#rt::EnvironmentKind::Production),
            EnvironmentKind::Test => quote!(#rt::EnvironmentKind::Test),
            EnvironmentKind::Sandbox => quote!(#rt::EnvironmentKind::Sandbox),
        };
        let opt = |value: &Option<String>| match value {
            Some(v) => quote!(Some(#v)),
            None => quote!(None),
        };
        let issuer = opt(&env.issuer);
        let discovery = opt(&env.discovery);
        let e = &env.endpoints;
        let (authorization, token, userinfo, par, revocation, jwks, backchannel, end_session) = (
            opt(&e.authorization),
            opt(&e.token),
            opt(&e.userinfo),
            opt(&e.par),
            opt(&e.revocation),
            opt(&e.jwks),
            opt(&e.backchannel_authentication),
            opt(&e.end_session),
        );
        let variant_name = opt(&env.variant);
        let (env_auth, env_default_auth) = match &env.client_auth {
            Some(auth) => {
                let methods = auth
                    .methods
                    .iter()
                    .map(|m| super::profile::client_auth_method(cx, *m));
                let default = match auth.default_method() {
                    Some(m) => {
                        let m = super::profile::client_auth_method(cx, m);
                        quote!(Some(#m))
                    }
                    None => quote!(None),
                };
                (quote!(Some(&[#(#methods),*])), default)
            }
            None => (quote!(None), quote!(None)),
        };
        configs.push(quote! {
            const #constant: #rt::EnvironmentConfig = #rt::EnvironmentConfig {
                name: #name,
                kind: #kind,
                variant: #variant_name,
                client_auth: #env_auth,
                default_client_auth: #env_default_auth,
                issuer: #issuer,
                discovery: #discovery,
                authorization: #authorization,
                token: #token,
                userinfo: #userinfo,
                par: #par,
                revocation: #revocation,
                jwks: #jwks,
                backchannel_authentication: #backchannel,
                end_session: #end_session,
            };
        });
        arms.push(quote!(Environment::#variant => &#constant,));
    }
    quote! {
        /// The provider's environments.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Environment {
            #(#variants)*
        }

        impl Environment {
            /// The environment's issuer, discovery document and endpoints.
            pub fn config(self) -> &'static #rt::EnvironmentConfig {
                #(#configs)*
                match self {
                    #(#arms)*
                }
            }
        }

        impl From<Environment> for #rt::Target {
            fn from(environment: Environment) -> Self {
                #rt::Target::Static(environment.config())
            }
        }
    }
}

/// `test_users`: the scripted users the sandbox (and the provider's test system) know.
pub(super) fn test_users(cx: &Context<'_>) -> TokenStream {
    let Some(sandbox) = &cx.spec.sandbox else {
        return TokenStream::new();
    };
    if sandbox.users.is_empty() {
        return TokenStream::new();
    }
    let users = sandbox.users.iter().map(|user| {
        let name = format_ident!("{}", user.name);
        let login = &user.login;
        let outcome = user.outcome_text(true);
        let rest = cx.spec.family == crate::model::Family::Rest;
        let doc = match (&user.doc, rest) {
            // Not a login: the user's scripted session says it all.
            (Some(doc), true) => format!("`{login}`: {}.", doc.trim().trim_end_matches('.')),
            (None, true) => format!("`{login}`: the session {outcome}."),
            (Some(doc), false) => format!(
                "`{login}`: {}. Logging in {outcome}.",
                doc.trim().trim_end_matches('.')
            ),
            (None, false) => format!("`{login}`: logging in {outcome}."),
        };
        let doc = super::doc_attr(Some(&doc));
        quote!(#doc pub const #name: &str = #login;)
    });
    quote! {
        /// Scripted test users: each one triggers a documented outcome, in the
        /// provider's test system and in the idspec sandbox alike.
        pub mod test_users {
            #(#users)*
        }
    }
}
