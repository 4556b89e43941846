//! The provider profile the runtime reads, and the aliases that make the runtime's
//! generic client this provider's client.

use proc_macro2::TokenStream;
use quote::{format_ident, quote};

use super::Context;
use crate::model::UserinfoToken as TokenPlacement;
use crate::model::{ClientAuthMethod, Family, ParMode, PkceMode, UserinfoFormat};

pub(super) fn generate(cx: &Context<'_>) -> TokenStream {
    let rt = &cx.rt;
    let spec = cx.spec;
    let provider = format_ident!("{}", crate::names::provider_marker(spec));
    let id = &spec.id;
    let name = &spec.name;
    let openid = spec.is_openid();
    let client_auth = spec.client_auth.as_ref();
    let methods: Vec<TokenStream> = client_auth
        .map(|auth| {
            auth.methods
                .iter()
                .map(|m| client_auth_method(cx, *m))
                .collect()
        })
        .unwrap_or_default();
    let default_method = match client_auth.and_then(|auth| auth.default_method()) {
        Some(method) => {
            let method = client_auth_method(cx, method);
            quote!(Some(#method))
        }
        None => quote!(None),
    };
    let pkce = match spec.pkce {
        PkceMode::None => quote!(#rt::PkceMode::None),
        PkceMode::Optional => quote!(#rt::PkceMode::Optional),
        PkceMode::Required => quote!(#rt::PkceMode::Required),
    };
    let par = match spec.par {
        ParMode::None => quote!(#rt::ParMode::None),
        ParMode::Offered => quote!(#rt::ParMode::Offered),
        ParMode::Required => quote!(#rt::ParMode::Required),
    };
    let response_iss = spec.authorize.as_ref().is_some_and(|a| a.response_iss);
    let algs = |algs: &[String]| {
        let algs = algs.iter().map(|alg| format_ident!("{}", alg));
        quote!(&[#(#rt::jose::SigningAlg::#algs),*])
    };
    let jwe = |spec: Option<&crate::model::JweSpec>| match spec {
        Some(jwe) => {
            let (alg, enc) = (&jwe.alg, &jwe.enc);
            quote!(Some(#rt::jose::JweAlgorithms { alg: &[#(#alg),*], enc: &[#(#enc),*] }))
        }
        None => quote!(None),
    };
    let id_token_encryption = jwe(spec.id_token.as_ref().and_then(|t| t.encryption.as_ref()));
    let id_token_encryption_required = spec
        .id_token
        .as_ref()
        .is_some_and(|t| t.encryption_required);
    let request_object = match &spec.request_object {
        Some(request_object) => {
            let signing = algs(&request_object.signing);
            let encryption = jwe(request_object.encryption.as_ref());
            let fixed = request_object
                .fixed
                .iter()
                .map(|(name, value)| quote!((#name, #value)));
            let audience = match request_object.audience {
                crate::model::RequestObjectAudience::Issuer => {
                    quote!(#rt::RequestObjectAudience::Issuer)
                }
                crate::model::RequestObjectAudience::Assigned => {
                    quote!(#rt::RequestObjectAudience::Assigned)
                }
            };
            quote!(Some(#rt::RequestObjectProfile {
                signing: #signing,
                encryption: #encryption,
                fixed: &[#(#fixed),*],
                audience: #audience,
            }))
        }
        None => quote!(None),
    };
    let id_token_signing = algs(
        spec.id_token
            .as_ref()
            .map(|t| t.signing.as_slice())
            .unwrap_or(&[]),
    );
    let userinfo = match &spec.userinfo {
        Some(userinfo) => {
            let method = if userinfo.method == "POST" {
                quote!(#rt::HttpMethod::Post)
            } else {
                quote!(#rt::HttpMethod::Get)
            };
            let token = match userinfo.token {
                TokenPlacement::Header => quote!(#rt::TokenPlacement::Header),
                TokenPlacement::Body => quote!(#rt::TokenPlacement::Body),
                TokenPlacement::Query => quote!(#rt::TokenPlacement::Query),
            };
            let formats = userinfo.formats.iter().map(|f| match f {
                UserinfoFormat::Json => quote!(#rt::UserinfoFormat::Json),
                UserinfoFormat::Signed => quote!(#rt::UserinfoFormat::Signed),
                UserinfoFormat::SignedEncrypted => quote!(#rt::UserinfoFormat::SignedEncrypted),
            });
            let signing = algs(&userinfo.signing);
            let encryption = jwe(userinfo.encryption.as_ref());
            // The one userinfo parameter the runtime fills: the backchannel
            // transaction's correlation id (the validator allows no other).
            let correlation = spec
                .backchannel
                .as_ref()
                .and_then(|b| b.correlation_id.as_deref())
                .filter(|name| userinfo.params.contains_key(*name));
            let correlation = match correlation {
                Some(name) => quote!(Some(#name)),
                None => quote!(None),
            };
            quote!(Some(#rt::UserinfoProfile {
                method: #method,
                token: #token,
                formats: &[#(#formats),*],
                signing: #signing,
                encryption: #encryption,
                correlation: #correlation,
            }))
        }
        None => quote!(None),
    };
    let errors = error_dialect(cx);
    let backchannel = backchannel_profile(cx);
    let expires_in_accepts_string = spec
        .token
        .expires_in_accept
        .contains(&crate::model::Accept::String);
    let seconds = |d: Option<crate::model::Duration>| match d {
        Some(d) => {
            let s = d.seconds;
            quote!(Some(::std::time::Duration::from_secs(#s)))
        }
        None => quote!(None),
    };
    let authorization_code = seconds(spec.lifetimes.authorization_code);
    let access_token = seconds(spec.lifetimes.access_token);
    let pending_flow = seconds(spec.lifetimes.pending_flow);
    let family = match spec.family {
        Family::Oidc => quote!(#rt::Family::Oidc),
        Family::Oauth2 => quote!(#rt::Family::Oauth2),
        Family::Backchannel => quote!(#rt::Family::Backchannel),
        Family::Rest => quote!(#rt::Family::Rest),
    };
    let provider_doc = format!(
        " {name}: the marker type that ties the runtime's generic client to this provider."
    );
    let id_token_claims = if openid {
        quote!(IdTokenClaims)
    } else {
        quote!(#rt::NoIdToken)
    };
    let provider_doc_attrs = super::doc_lines(&provider_doc);
    let openid_impl = if openid {
        quote!(impl #rt::OpenIdProvider for #provider {})
    } else {
        TokenStream::new()
    };
    let login_doc = if openid {
        " A completed login: tokens and the validated ID token's claims."
    } else {
        " A completed login: the tokens. The provider issues no ID token, so a login has\n no claims and no subject: who the user is comes from `Client::userinfo`."
    };
    let login_doc = super::doc_lines(login_doc);
    quote! {
        /// What the runtime needs to know about the provider, from the spec.
        pub static PROFILE: #rt::ProviderProfile = #rt::ProviderProfile {
            id: #id,
            name: #name,
            family: #family,
            client_auth: &[#(#methods),*],
            default_client_auth: #default_method,
            pkce: #pkce,
            par: #par,
            response_iss: #response_iss,
            id_token_signing: #id_token_signing,
            id_token_encryption: #id_token_encryption,
            id_token_encryption_required: #id_token_encryption_required,
            request_object: #request_object,
            userinfo: #userinfo,
            errors: #errors,
            expires_in_accepts_string: #expires_in_accepts_string,
            authorization_code_lifetime: #authorization_code,
            access_token_lifetime: #access_token,
            pending_flow_lifetime: #pending_flow,
            backchannel: #backchannel,
        };

        #provider_doc_attrs
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct #provider;

        impl #rt::Provider for #provider {
            type ErrorCode = ErrorCode;
            type Scope = Scope;
            type IdTokenClaims = #id_token_claims;
            type UserInfo = UserInfo;
            const PROFILE: &'static #rt::ProviderProfile = &PROFILE;
        }

        #openid_impl

        /// The client: start a login, complete it from the callback, fetch userinfo, refresh.
        pub type Client = #rt::Client<#provider>;
        /// Builds a [`Client`]: `Client::builder(Environment::Production)`.
        pub type ClientBuilder = #rt::ClientBuilder<#provider>;
        #login_doc
        pub type Login = #rt::Login<#provider>;
        /// The tokens of a login or a refresh.
        pub type Tokens = #rt::Tokens;
    }
}

/// The provider's error dialect: where codes sit, how descriptions decode, and
/// the codes signalled by a status alone.
pub(super) fn error_dialect(cx: &Context<'_>) -> TokenStream {
    let rt = &cx.rt;
    let spec = cx.spec;
    let fields = |f: &crate::model::ErrorFields| {
        let (code, description, uri) = (&f.code, &f.description, &f.uri);
        quote!(#rt::ErrorFields { code: #code, description: #description, uri: #uri })
    };
    let body = fields(&spec.errors.body);
    let redirect = fields(&spec.errors.redirect);
    let detail = match &spec.errors.detail {
        Some(detail) => quote!(Some(#detail)),
        None => quote!(None),
    };
    let status_only = spec
        .errors
        .codes
        .iter()
        .filter(|c| c.status_only)
        .filter_map(|c| {
            let status = c.http_status?;
            let code = &c.code;
            let endpoints = c.endpoints.iter().flat_map(|e| endpoint_kinds(cx, *e));
            Some(quote!(#rt::StatusOnlyCode { endpoints: &[#(#endpoints),*], status: #status, code: #code }))
        });
    quote! {
        #rt::ErrorDialect {
            body: #body,
            redirect: #redirect,
            detail: #detail,
            status_only: &[#(#status_only),*],
        }
    }
}

pub(super) fn client_auth_method(cx: &Context<'_>, method: ClientAuthMethod) -> TokenStream {
    let rt = &cx.rt;
    match method {
        ClientAuthMethod::ClientSecretBasic => quote!(#rt::ClientAuthMethod::ClientSecretBasic),
        ClientAuthMethod::ClientSecretPost => quote!(#rt::ClientAuthMethod::ClientSecretPost),
        ClientAuthMethod::ClientSecretJwt => quote!(#rt::ClientAuthMethod::ClientSecretJwt),
        ClientAuthMethod::PrivateKeyJwt => quote!(#rt::ClientAuthMethod::PrivateKeyJwt),
        ClientAuthMethod::None => quote!(#rt::ClientAuthMethod::None),
    }
}

/// The runtime's endpoint kinds for a spec's error endpoint.
pub(super) fn endpoint_kinds(
    cx: &Context<'_>,
    endpoint: crate::model::ErrorEndpoint,
) -> Vec<TokenStream> {
    use crate::model::ErrorEndpoint;
    let rt = &cx.rt;
    match endpoint {
        // RFC 9126: a pushed request fails with the authorization endpoint's errors.
        ErrorEndpoint::Authorization => vec![
            quote!(#rt::EndpointKind::Authorization),
            quote!(#rt::EndpointKind::PushedAuthorization),
        ],
        ErrorEndpoint::Token => vec![quote!(#rt::EndpointKind::Token)],
        ErrorEndpoint::Userinfo => vec![quote!(#rt::EndpointKind::Userinfo)],
        ErrorEndpoint::Revocation => vec![quote!(#rt::EndpointKind::Revocation)],
        ErrorEndpoint::Notification => vec![quote!(#rt::EndpointKind::Notification)],
    }
}

fn backchannel_profile(cx: &Context<'_>) -> TokenStream {
    let rt = &cx.rt;
    let Some(backchannel) = &cx.spec.backchannel else {
        return quote!(None);
    };
    let response_type = &backchannel.response_type;
    let request_id = &backchannel.request_id;
    let correlation_id = match &backchannel.correlation_id {
        Some(name) => quote!(Some(#name)),
        None => quote!(None),
    };
    let notification = &backchannel.notification;
    let bearer = &notification.auth.bearer;
    let uri = &notification.uri;
    let correlate = &notification.correlate;
    let port = match notification.require_https_port {
        Some(port) => quote!(Some(#port)),
        None => quote!(None),
    };
    let delivery = match notification.delivery {
        crate::model::NotificationDelivery::Code => quote!(#rt::NotificationDelivery::Code),
        crate::model::NotificationDelivery::Ping => quote!(#rt::NotificationDelivery::Ping),
    };
    let timeout = backchannel.timeout.seconds;
    let device_timeout = match backchannel.device_timeout {
        Some(d) => {
            let s = d.seconds;
            quote!(Some(::std::time::Duration::from_secs(#s)))
        }
        None => quote!(None),
    };
    let grace = backchannel.grace.map(|d| d.seconds).unwrap_or(0);
    quote!(Some(#rt::BackchannelProfile {
        response_type: #response_type,
        request_id: #request_id,
        correlation_id: #correlation_id,
        bearer: #bearer,
        uri: #uri,
        correlate: &[#(#correlate),*],
        require_https_port: #port,
        delivery: #delivery,
        timeout: ::std::time::Duration::from_secs(#timeout),
        device_timeout: #device_timeout,
        grace: ::std::time::Duration::from_secs(#grace),
    }))
}
