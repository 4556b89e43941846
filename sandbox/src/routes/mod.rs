//! The sandbox's HTTP endpoints. Paths follow the provider's own (taken from the
//! spec's first environment) so that URLs look like the real thing.

mod authorize;
mod backchannel;
mod discovery;
mod par;
mod phone;
mod proofing;
mod revocation;
mod token;
mod userinfo;

use std::collections::HashMap;
use std::sync::Arc;

use axum::routing::{get, post};
use axum::Router;

use crate::requests::{CountedRouter, Counter};
use crate::state::State;

/// The endpoint paths of a sandbox for a spec.
#[derive(Clone, Debug)]
pub(crate) struct Paths {
    pub authorization: String,
    pub token: String,
    pub userinfo: String,
    pub par: String,
    pub revocation: String,
    pub jwks: String,
    /// CIBA's backchannel authentication endpoint, for a spec whose requests go
    /// there rather than to the authorization endpoint (imID's go to the latter).
    pub backchannel: String,
}

impl Paths {
    pub(crate) fn of(spec: &idspec_codegen::model::Spec) -> Self {
        let endpoints = spec.environments.values().next().map(|env| &env.endpoints);
        let path = |url: Option<&String>, default: &str| {
            url.and_then(|u| url::Url::parse(u).ok())
                .map(|u| u.path().to_owned())
                .filter(|p| p.len() > 1)
                .unwrap_or_else(|| default.to_owned())
        };
        let mut paths = Self {
            authorization: path(
                endpoints.and_then(|e| e.authorization.as_ref()),
                "/authorize",
            ),
            token: path(endpoints.and_then(|e| e.token.as_ref()), "/token"),
            userinfo: path(endpoints.and_then(|e| e.userinfo.as_ref()), "/userinfo"),
            par: path(endpoints.and_then(|e| e.par.as_ref()), "/par"),
            revocation: path(endpoints.and_then(|e| e.revocation.as_ref()), "/revoke"),
            jwks: path(endpoints.and_then(|e| e.jwks.as_ref()), "/jwks"),
            backchannel: path(
                endpoints.and_then(|e| e.backchannel_authentication.as_ref()),
                "/bc-authorize",
            ),
        };
        // Endpoints on different hosts may share a path; the sandbox has one host.
        let mut seen = std::collections::HashSet::new();
        for (path, fallback) in [
            (&mut paths.authorization, "/authorize"),
            (&mut paths.token, "/token"),
            (&mut paths.userinfo, "/userinfo"),
            (&mut paths.par, "/par"),
            (&mut paths.revocation, "/revoke"),
            (&mut paths.jwks, "/jwks"),
            (&mut paths.backchannel, "/bc-authorize"),
        ] {
            if !seen.insert(path.clone()) {
                *path = fallback.to_owned();
                seen.insert(path.clone());
            }
        }
        paths
    }

    /// Where a backchannel spec's authentication requests are posted.
    pub(crate) fn backchannel_request(&self, spec: &idspec_codegen::model::Spec) -> &str {
        match &spec.backchannel {
            Some(b) if b.endpoint == "backchannel_authentication" => &self.backchannel,
            _ => &self.authorization,
        }
    }
}

pub(crate) const DISCOVERY: &str = "/.well-known/openid-configuration";
pub(crate) const INTERACTION: &str = "/sandbox/interaction/{id}";
pub(crate) const ROTATE_KEYS: &str = "/sandbox/rotate-keys";
/// The simulated phone of a backchannel provider.
pub(crate) const PHONE: &str = "/sandbox/phone";

/// Every route, its requests counted in `requests`.
pub(crate) fn router(state: Arc<State>, requests: &Counter) -> Router {
    // A rest provider has none of the login endpoints: its own paths only.
    if let Some(rest) = crate::proofing::Rest::of(&state) {
        return proofing::router(rest, requests);
    }
    let paths = Paths::of(&state.spec);
    let router = CountedRouter::new(requests);
    // A backchannel provider has no front channel: its requests are posted by the
    // relying party's server, and the person answers on the phone.
    let router = if state.spec.backchannel.is_some() {
        router
            .route(
                paths.backchannel_request(&state.spec),
                post(backchannel::authenticate),
            )
            .route(PHONE, get(phone::phone))
            .route(&format!("{PHONE}/{{id}}"), post(phone::answer))
    } else {
        router
            .route(
                &paths.authorization,
                get(authorize::authorize_get).post(authorize::authorize_post),
            )
            .route(INTERACTION, post(authorize::interaction))
    };
    router
        .route(DISCOVERY, get(discovery::discovery))
        .route(&paths.jwks, get(discovery::jwks))
        .route(&paths.par, post(par::par))
        .route(&paths.token, post(token::token))
        .route(
            &paths.userinfo,
            get(userinfo::userinfo_get).post(userinfo::userinfo_post),
        )
        .route(&paths.revocation, post(revocation::revoke))
        .route(ROTATE_KEYS, post(discovery::rotate_keys))
        .route(&format!("{ERROR_PAGES}/{{code}}"), get(error_help))
        .with_state(state)
}

/// Form or query pairs, in order, repeats kept (so that repeats can be refused).
/// Where the human-readable pages behind `error_uri` live.
const ERROR_PAGES: &str = "/errors";

/// The `error_uri` for a documented code.
pub(crate) fn error_uri(issuer: &str, code: &str) -> String {
    let code: String = url::form_urlencoded::byte_serialize(code.as_bytes()).collect();
    format!("{issuer}{ERROR_PAGES}/{code}")
}

/// The page an `error_uri` names: the code's documented message and advice.
async fn error_help(
    axum::extract::State(state): axum::extract::State<Arc<State>>,
    axum::extract::Path(code): axum::extract::Path<String>,
) -> axum::response::Response {
    use axum::response::IntoResponse as _;
    let Some(entry) = state.spec.errors.codes.iter().find(|c| c.code == code) else {
        return axum::http::StatusCode::NOT_FOUND.into_response();
    };
    let escape = crate::page::escape;
    let body = format!(
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>{code}</title></head>\
         <body><h1>{code}</h1><p id=\"message\">{message}</p><p id=\"help\">{help}</p></body></html>",
        code = escape(&entry.code),
        message = escape(&entry.message),
        help = escape(entry.help.as_deref().unwrap_or_default()),
    );
    axum::response::Html(body).into_response()
}

pub(crate) fn pairs(text: &str) -> Vec<(String, String)> {
    url::form_urlencoded::parse(text.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The last value of each name (after repeats were checked where they matter).
pub(crate) fn map(pairs: &[(String, String)]) -> HashMap<String, String> {
    pairs.iter().cloned().collect()
}
