//! The `rest` family's module: the provider and its profile, environments and
//! their named URLs, one type per operation, link and webhook, and the Verified ID
//! credential. Every call is the runtime's `RestClient`; these types only say what
//! each call takes and answers.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::types::{define, define_inline, rust_type, struct_fields, StructFields};
use super::{doc_attr, Context};
use crate::ident;
use crate::model::{
    EnvUrl, EnvironmentKind, FieldSpec, ObjectSpec, OperationMethod, OperationSpec, TypeSpec,
};
use crate::names;
use crate::template::{Part, Template};

pub(super) fn generate(cx: &Context<'_>) -> TokenStream {
    let provider = provider(cx);
    let environments = environments(cx);
    let marker = format_ident!("{}", names::provider_marker(cx.spec));
    let marker = &marker;
    let operations = cx
        .spec
        .operations
        .iter()
        .map(|(name, op)| operation(cx, name, op));
    let links = cx.spec.links.iter().map(|(name, link)| {
        let doc = link.doc.as_deref().unwrap_or("A URL for the user.");
        let ident = format_ident!("{}", ident::pascal(name));
        let template = template_tokens(cx, &link.url);
        let rt = &cx.rt;
        let params = ParamFields::new(cx, &ident::pascal(name), &link.params);
        let (args, inits, values, inline) =
            (&params.args, &params.inits, &params.values, &params.inline);
        let fields = params
            .fields
            .iter()
            .map(|(doc, ident, ty)| quote!(#doc pub #ident: #ty,));
        let doc = doc_attr(Some(doc));
        quote! {
            #(#inline)*
            #doc
            #[derive(Clone, Debug, PartialEq)]
            pub struct #ident {
                #(#fields)*
            }

            impl #ident {
                /// A link with every parameter set.
                pub fn new(#(#args),*) -> Self {
                    Self { #(#inits)* }
                }
            }

            impl #rt::rest::Link for #ident {
                type Provider = #marker;
                const TEMPLATE: &'static #rt::rest::UrlTemplate = &#template;
                fn params(&self) -> Vec<(&'static str, String)> {
                    vec![#(#values),*]
                }
            }
        }
    });
    let webhooks = cx.spec.webhooks.iter().map(|(name, webhook)| {
        let rt = &cx.rt;
        let type_name = ident::pascal(name);
        let ident = format_ident!("{type_name}");
        let mut doc = webhook
            .doc
            .as_deref()
            .map(|d| d.trim().to_owned())
            .unwrap_or_else(|| format!("The `{name}` webhook's body."));
        doc.push_str(&format!(
            "\n\nServe it with `Client::handle_webhook::<{type_name}>`: the call is correlated on `{}`",
            webhook.correlate
        ));
        if !webhook.authenticated {
            doc.push_str(", and carries no authentication, so nothing in it is trusted: fetch the results with the client's operations");
        }
        doc.push('.');
        let mut out = Vec::new();
        let body = TypeSpec::Object(ObjectSpec {
            fields: webhook.body.clone(),
        });
        define(cx, &type_name, &body, Some(&doc), &mut out);
        let (correlate, retries, authenticated) =
            (&webhook.correlate, webhook.retries, webhook.authenticated);
        let interval = webhook.retry_interval.map_or(0, |d| d.seconds);
        let same_origin = webhook
            .same_origin
            .iter()
            .map(|(member, url)| quote!((#member, #url)));
        quote! {
            #(#out)*

            impl #rt::rest::Webhook for #ident {
                type Provider = #marker;
                const PROFILE: &'static #rt::rest::WebhookProfile = &#rt::rest::WebhookProfile {
                    name: #name,
                    correlate: #correlate,
                    same_origin: &[#(#same_origin),*],
                    retries: #retries,
                    retry_interval: ::std::time::Duration::from_secs(#interval),
                    authenticated: #authenticated,
                };
            }
        }
    });
    let verified_id = verified_id(cx);
    quote! {
        #provider
        #environments
        #(#operations)*
        #(#links)*
        #(#webhooks)*
        #verified_id
    }
}

fn provider(cx: &Context<'_>) -> TokenStream {
    let rt = &cx.rt;
    let spec = cx.spec;
    let (id, name) = (&spec.id, &spec.name);
    let errors = super::profile::error_dialect(cx);
    let urls = url_names(cx);
    let marker = format_ident!("{}", names::provider_marker(spec));
    let client_credentials = spec
        .auth
        .values()
        .find_map(|scheme| scheme.client_credentials.as_ref())
        .map(|credentials| {
            let template = template_tokens(cx, &credentials.token_url);
            let method = super::profile::client_auth_method(cx, credentials.client_auth);
            let lifetime = match credentials.default_lifetime {
                Some(d) => {
                    let seconds = d.seconds;
                    quote!(Some(::std::time::Duration::from_secs(#seconds)))
                }
                None => quote!(None),
            };
            quote!(Some(#rt::rest::ClientCredentialsProfile {
                token_url: #template,
                client_auth: #method,
                default_lifetime: #lifetime,
            }))
        })
        .unwrap_or_else(|| quote!(None));
    let api_key = spec
        .auth
        .values()
        .find_map(|scheme| scheme.api_key.as_ref())
        .map(|key| {
            let header = &key.header;
            quote!(Some(#rt::rest::ApiKeyProfile { header: #header }))
        })
        .unwrap_or_else(|| quote!(None));
    let credentials_doc = spec
        .auth
        .iter()
        .map(|(name, scheme)| {
            let how = if scheme.client_credentials.is_some() {
                "`ClientBuilder::client_credentials`"
            } else {
                "`ClientBuilder::api_key`"
            };
            let doc = scheme
                .doc
                .as_deref()
                .unwrap_or("")
                .trim()
                .replace('\n', " ");
            format!("* `{name}` ({how}): {doc}")
        })
        .collect::<Vec<_>>()
        .join("\n");
    let client_doc = doc_attr(Some(&format!(
        "The client: `Client::builder(Environment::...)`, then `send`, `download`, `link` and `handle_webhook`.\n\nCredentials:\n{credentials_doc}"
    )));
    quote! {
        /// What the runtime needs to know about the provider, from the spec.
        pub static PROFILE: #rt::rest::RestProfile = #rt::rest::RestProfile {
            id: #id,
            name: #name,
            urls: &[#(#urls),*],
            errors: #errors,
            client_credentials: #client_credentials,
            api_key: #api_key,
        };

        #[doc = concat!(" ", #name, ", as a type: the parameter of the runtime's generic client.")]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct #marker;

        impl #rt::rest::RestProvider for #marker {
            type ErrorCode = ErrorCode;
            type BaseUrl = BaseUrl;
            const PROFILE: &'static #rt::rest::RestProfile = &PROFILE;
        }

        #client_doc
        pub type Client = #rt::RestClient<#marker>;
        /// Builds a [`Client`].
        pub type ClientBuilder = #rt::rest::RestClientBuilder<#marker>;
    }
}

fn url_names<'a>(cx: &Context<'a>) -> Vec<&'a String> {
    cx.spec
        .environments
        .values()
        .next()
        .map(|env| env.urls.keys().collect())
        .unwrap_or_default()
}

fn environments(cx: &Context<'_>) -> TokenStream {
    let rt = &cx.rt;
    let mut variants = Vec::new();
    let mut arms = Vec::new();
    for (name, env) in &cx.spec.environments {
        let variant = format_ident!("{}", ident::pascal(name));
        let mut doc = env
            .doc
            .clone()
            .unwrap_or_else(|| format!("The `{name}` environment."));
        let kind = match env.kind {
            EnvironmentKind::Production => quote!(#rt::EnvironmentKind::Production),
            EnvironmentKind::Test => quote!(#rt::EnvironmentKind::Test),
            EnvironmentKind::Sandbox => quote!(#rt::EnvironmentKind::Sandbox),
        };
        let mut urls = Vec::new();
        for (url_name, url) in &env.urls {
            match url.fixed() {
                Some(fixed) => urls.push(quote!((#url_name, Some(#fixed)))),
                None => {
                    let setting = ident::pascal(url_name);
                    doc.push_str(&format!(
                        "\n\nSet `BaseUrl::{setting}` with `ClientBuilder::url`."
                    ));
                    urls.push(quote!((#url_name, None)));
                }
            }
        }
        let doc = doc_attr(Some(&doc));
        variants.push(quote!(#doc #variant,));
        arms.push(quote! {
            Environment::#variant => &#rt::rest::RestEnvironment {
                name: #name,
                kind: #kind,
                urls: &[#(#urls),*],
            },
        });
    }
    let mut url_variants = Vec::new();
    let mut url_arms = Vec::new();
    for name in url_names(cx) {
        let variant = format_ident!("{}", ident::pascal(name));
        let first = cx
            .spec
            .environments
            .values()
            .next()
            .and_then(|e| e.urls.get(name));
        let doc = match first {
            Some(EnvUrl::Configured(configured)) => match &configured.example {
                Some(example) => {
                    format!("`{name}`: {} Example: `{example}`.", configured.doc.trim())
                }
                None => format!("`{name}`: {}", configured.doc.trim()),
            },
            Some(EnvUrl::Fixed(url)) => format!("`{name}`: `{url}`."),
            None => format!("`{name}`."),
        };
        let doc = doc_attr(Some(&doc));
        url_variants.push(quote!(#doc #variant,));
        url_arms.push(quote!(BaseUrl::#variant => #name,));
    }
    quote! {
        /// The provider's environments.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum Environment {
            #(#variants)*
        }

        impl Environment {
            /// The environment's URLs, as the spec gives them.
            pub fn config(self) -> &'static #rt::rest::RestEnvironment {
                match self {
                    #(#arms)*
                }
            }
        }

        impl From<Environment> for #rt::rest::RestTarget {
            fn from(environment: Environment) -> Self {
                #rt::rest::RestTarget::Static(environment.config())
            }
        }

        /// The environments' named URLs, which operation URLs are built on.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub enum BaseUrl {
            #(#url_variants)*
        }

        impl #rt::rest::UrlName for BaseUrl {
            fn name(self) -> &'static str {
                match self {
                    #(#url_arms)*
                }
            }
        }
    }
}

/// The fields, constructor arguments and template values of a type holding URL
/// parameters.
struct ParamFields {
    /// Doc, name and type of each field.
    fields: Vec<(TokenStream, proc_macro2::Ident, TokenStream)>,
    args: Vec<TokenStream>,
    inits: Vec<TokenStream>,
    values: Vec<TokenStream>,
    inline: Vec<TokenStream>,
}

impl ParamFields {
    fn new(cx: &Context<'_>, owner: &str, params: &indexmap::IndexMap<String, FieldSpec>) -> Self {
        let mut this = Self {
            fields: Vec::new(),
            args: Vec::new(),
            inits: Vec::new(),
            values: Vec::new(),
            inline: Vec::new(),
        };
        for (name, field) in params {
            let rust = names::field(name, field);
            let field_ident = format_ident!("{rust}");
            let field_owner = names::field_owner(owner, &rust);
            define_inline(
                cx,
                &field_owner,
                &field.ty,
                field.doc.as_deref(),
                &mut this.inline,
            );
            let ty = rust_type(cx, &field_owner, &field.ty);
            let doc = doc_attr(Some(&match &field.doc {
                Some(doc) => format!("`{{{name}}}`: {}", doc.trim()),
                None => format!("`{{{name}}}`"),
            }));
            this.args.push(quote!(#field_ident: impl Into<#ty>));
            this.inits.push(quote!(#field_ident: #field_ident.into(),));
            this.values
                .push(quote!((#name, ::std::string::ToString::to_string(&self.#field_ident))));
            this.fields.push((doc, field_ident, ty));
        }
        this
    }
}

fn operation(cx: &Context<'_>, name: &str, op: &OperationSpec) -> TokenStream {
    let rt = &cx.rt;
    let serde_crate = cx.serde_crate();
    let marker = format_ident!("{}", names::provider_marker(cx.spec));
    let type_name = ident::pascal(name);
    let ident = format_ident!("{type_name}");
    let params = ParamFields::new(cx, &type_name, &op.params);
    // Parameters go in the URL, not the body.
    let mut fields: Vec<TokenStream> = params
        .fields
        .iter()
        .map(|(doc, ident, ty)| quote!(#doc #[serde(skip)] pub #ident: #ty,))
        .collect();
    let mut inline = params.inline.clone();
    let body = op.body.clone().unwrap_or_default();
    for (wire, field) in &body {
        let owner = names::field_owner(&type_name, &names::field(wire, field));
        define_inline(cx, &owner, &field.ty, field.doc.as_deref(), &mut inline);
    }
    let StructFields {
        fields: body_fields,
        required_params: body_args,
        required_inits,
        optional_inits,
        setters,
    } = struct_fields(cx, &type_name, &body);
    fields.extend(body_fields);
    let body_inits = required_inits.into_iter().chain(optional_inits);
    // Parameters first, then required body members, as `new` takes them.
    let args = params.args.iter().cloned().chain(body_args);
    let inits = params.inits.iter().cloned().chain(body_inits);
    let has_args = !op.params.is_empty() || op.body.iter().flatten().any(|(_, f)| f.required);
    let default_impl = if has_args {
        TokenStream::new()
    } else {
        quote! {
            impl Default for #ident {
                fn default() -> Self {
                    Self::new()
                }
            }
        }
    };
    let values = &params.values;
    let method = match op.method {
        OperationMethod::Get => quote!(#rt::rest::OperationMethod::Get),
        OperationMethod::Post => quote!(#rt::rest::OperationMethod::Post),
        OperationMethod::Put => quote!(#rt::rest::OperationMethod::Put),
        OperationMethod::Patch => quote!(#rt::rest::OperationMethod::Patch),
        OperationMethod::Delete => quote!(#rt::rest::OperationMethod::Delete),
    };
    let template = template_tokens(cx, &op.url);
    let auth = match op.auth.as_ref().and_then(|scheme| cx.spec.auth.get(scheme)) {
        Some(scheme) if scheme.client_credentials.is_some() => {
            quote!(Some(#rt::rest::AuthKind::ClientCredentials))
        }
        Some(_) => quote!(Some(#rt::rest::AuthKind::ApiKey)),
        None => quote!(None),
    };
    let origin = match &op.origin {
        Some(origin) => quote!(Some(#origin)),
        None => quote!(None),
    };
    let has_body = op.body.is_some();
    let media_type = match &op.response.stream {
        Some(media) => quote!(Some(#media)),
        None => quote!(None),
    };
    let starts_flow = match &op.starts_flow {
        Some(start) => {
            let (id, seconds) = (&start.id, start.expires.seconds);
            quote!(Some(#rt::rest::FlowStart { id: #id, expires: ::std::time::Duration::from_secs(#seconds) }))
        }
        None => quote!(None),
    };
    let (kind_impl, response_doc) = match (&op.response.json, &op.response.stream) {
        (Some(json), _) => {
            let owner = format!("{name}_response");
            let response = match json {
                TypeSpec::Object(_) | TypeSpec::Enum(_) => {
                    let response_name = ident::pascal(&owner);
                    let doc = op
                        .response
                        .doc
                        .clone()
                        .unwrap_or_else(|| format!("What `{name}` answers."));
                    define(cx, &response_name, json, Some(&doc), &mut inline);
                    let response_ident = format_ident!("{response_name}");
                    quote!(#response_ident)
                }
                other => rust_type(cx, &owner, other),
            };
            (
                quote! {
                    impl #rt::rest::JsonOperation for #ident {
                        type Response = #response;
                    }
                },
                "Send it with `Client::send`.".to_owned(),
            )
        }
        (None, Some(media)) => (
            quote! {
                impl #rt::rest::DownloadOperation for #ident {}
            },
            format!("Stream its `{media}` body to a writer with `Client::download`."),
        ),
        (None, None) => (TokenStream::new(), String::new()),
    };
    let mut doc = op
        .doc
        .as_deref()
        .map(|d| d.trim().to_owned())
        .unwrap_or_else(|| format!("The `{name}` operation."));
    doc.push_str(&format!(
        "\n\n`{} {}`{}. {response_doc}",
        format!("{:?}", op.method).to_uppercase(),
        op.url,
        match &op.auth {
            Some(scheme) => format!(", authenticated with `{scheme}`"),
            None => String::new(),
        }
    ));
    if let Some(start) = &op.starts_flow {
        doc.push_str(&format!(
            " Starts a flow named by `{}`, which a webhook completes within {} s.",
            start.id, start.expires.seconds
        ));
    }
    let doc = doc_attr(Some(&doc));
    quote! {
        #(#inline)*
        #doc
        #[derive(Clone, Debug, PartialEq, #rt::serde::Serialize)]
        #[serde(crate = #serde_crate)]
        pub struct #ident {
            #(#fields)*
        }

        impl #ident {
            /// A request with its parameters and required members.
            pub fn new(#(#args),*) -> Self {
                Self { #(#inits)* }
            }

            #(#setters)*
        }

        #default_impl

        impl #rt::rest::Operation for #ident {
            type Provider = #marker;
            const PROFILE: &'static #rt::rest::OperationProfile = &#rt::rest::OperationProfile {
                name: #name,
                method: #method,
                url: #template,
                auth: #auth,
                origin: #origin,
                has_body: #has_body,
                media_type: #media_type,
                starts_flow: #starts_flow,
            };
            fn params(&self) -> Vec<(&'static str, String)> {
                vec![#(#values),*]
            }
        }

        #kind_impl
    }
}

/// The runtime's parsed form of a template.
fn template_tokens(cx: &Context<'_>, text: &str) -> TokenStream {
    let rt = &cx.rt;
    let Ok(template) = Template::parse(text) else {
        let message = format!("invalid URL template `{text}`");
        return quote!(compile_error!(#message));
    };
    let part = |part: &Part| match part {
        Part::Literal(text) => quote!(#rt::rest::Part::Literal(#text)),
        Part::Param(name) => quote!(#rt::rest::Part::Param(#name)),
    };
    let base = &template.base;
    let path = template.path.iter().map(part);
    let query = template.query.iter().map(|(key, value)| {
        let value = part(value);
        quote!((#key, #value))
    });
    quote! {
        #rt::rest::UrlTemplate {
            base: #base,
            path: &[#(#path),*],
            query: &[#(#query),*],
        }
    }
}

fn verified_id(cx: &Context<'_>) -> TokenStream {
    let rt = &cx.rt;
    let Some(verified_id) = &cx.spec.verified_id else {
        return TokenStream::new();
    };
    let doc = doc_attr(verified_id.doc.as_deref());
    let (client_name, credential_type) = (&verified_id.client_name, &verified_id.credential_type);
    let mut variants = Vec::new();
    let mut arms = Vec::new();
    for (name, authority) in &verified_id.authorities {
        let variant = format_ident!("{}", ident::pascal(name));
        let did = &authority.did;
        let doc = doc_attr(Some(&format!(
            "{} Issuer: `{did}`.",
            authority.doc.as_deref().unwrap_or("")
        )));
        variants.push(quote!(#doc #variant,));
        arms.push(quote!(Platform::#variant => #did,));
    }
    quote! {
        #doc
        pub mod verified_id {
            /// `registration.clientName` of a presentation request.
            pub const CLIENT_NAME: &str = #client_name;
            /// `requestedCredentials[].type` of a presentation request.
            pub const CREDENTIAL_TYPE: &str = #credential_type;

            /// The platform (region) that issued the credential; trust each one
            /// whose users you serve.
            #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
            pub enum Platform {
                #(#variants)*
            }

            impl Platform {
                /// The issuer's DID: the "authority" the provider names, an accepted
                /// issuer in a presentation request.
                pub const fn did(self) -> &'static str {
                    match self {
                        #(#arms)*
                    }
                }

                /// The credential as issued on this platform, to build a
                /// presentation request from.
                pub const fn credential(self) -> #rt::rest::verified_id::VerifiedIdCredential {
                    #rt::rest::verified_id::VerifiedIdCredential {
                        client_name: CLIENT_NAME,
                        credential_type: CREDENTIAL_TYPE,
                        issuer: self.did(),
                    }
                }
            }
        }
    }
}

/// The module documentation's part about the rest family: URLs, operations,
/// webhooks.
pub(super) fn rest_doc(spec: &crate::model::Spec) -> String {
    let mut text = String::new();
    text.push_str("\n | URL | Value |\n |---|---|\n");
    if let Some(env) = spec.environments.values().next() {
        for (name, url) in &env.urls {
            let value = match url {
                EnvUrl::Fixed(url) => format!("`{url}`"),
                EnvUrl::Configured(c) => match &c.example {
                    Some(example) => format!("configured (e.g. `{example}`)"),
                    None => "configured".to_owned(),
                },
            };
            text.push_str(&format!(" | `{name}` | {value} |\n"));
        }
    }
    text.push_str("\n | Operation | Request | Auth |\n |---|---|---|\n");
    for (name, op) in &spec.operations {
        text.push_str(&format!(
            " | [`{}`] | `{} {}` | {} |\n",
            ident::pascal(name),
            format!("{:?}", op.method).to_uppercase(),
            op.url,
            op.auth
                .as_deref()
                .map_or("-".to_owned(), |a| format!("`{a}`"))
        ));
    }
    for (name, webhook) in &spec.webhooks {
        let retries = match webhook.retry_interval {
            Some(interval) if webhook.retries > 0 => format!(
                "; the provider calls up to {} more times, {} s apart, after an answer that is not 2xx",
                webhook.retries, interval.seconds
            ),
            _ => String::new(),
        };
        let line = format!(
            "Webhook [`{}`]: correlated on `{}`{retries}. `Client::handle_webhook` answers at once, completes a flow once, and refuses URLs off the configured hosts.",
            ident::pascal(name),
            webhook.correlate
        );
        text.push('\n');
        text.push_str(&super::wrap(&line));
        text.push('\n');
    }
    text
}
