//! A minimal user agent for the authorization endpoint.
//!
//! The test OpenID Provider (`tests/op/server.mjs`) authenticates and consents
//! without a human: every step answers with a redirect. This user agent
//! follows them itself (so that it can stop *before* the redirect URI, which
//! is not a real server) and keeps cookies between hops, which the provider
//! needs to tie the interaction back to the authorization request.

use reqwest::header::LOCATION;
use reqwest::redirect::Policy;
use url::Url;

/// More than enough: the provider needs three (authorize -> interaction ->
/// resume -> redirect URI).
const MAX_HOPS: usize = 20;

/// GETs `authorize_url` and follows `Location` headers (relative ones resolved
/// against the current URL) until one starts with `redirect_uri_prefix`, and
/// returns that URL without fetching it.
///
/// Panics, with status and body, on any response that is not a redirect, and
/// after [`MAX_HOPS`] redirects.
pub async fn follow_to_redirect_uri(authorize_url: &Url, redirect_uri_prefix: &str) -> Url {
    let client = reqwest::Client::builder()
        .redirect(Policy::none())
        .cookie_store(true)
        .build()
        .expect("building the reqwest client for the user agent");

    let mut url = authorize_url.clone();
    for hop in 1..=MAX_HOPS {
        let response = client
            .get(url.clone())
            .send()
            .await
            .unwrap_or_else(|err| panic!("user agent: GET {url} failed (hop {hop}): {err}"));
        let status = response.status();
        if !status.is_redirection() {
            let body = response
                .text()
                .await
                .unwrap_or_else(|err| format!("<unreadable body: {err}>"));
            panic!("user agent: GET {url} answered {status} instead of a redirect (hop {hop}); body:\n{body}");
        }

        let location = response
            .headers()
            .get(LOCATION)
            .unwrap_or_else(|| {
                panic!(
                    "user agent: GET {url} answered {status} without a Location header (hop {hop})"
                )
            })
            .to_str()
            .unwrap_or_else(|err| {
                panic!("user agent: GET {url}: Location header is not ASCII: {err}")
            });
        let next = url.join(location).unwrap_or_else(|err| {
            panic!("user agent: GET {url}: cannot resolve Location {location:?}: {err}")
        });

        if next.as_str().starts_with(redirect_uri_prefix) {
            return next;
        }
        url = next;
    }
    panic!("user agent: no redirect to {redirect_uri_prefix} within {MAX_HOPS} hops, starting at {authorize_url} (last URL: {url})");
}
