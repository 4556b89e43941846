//! Client authentication at the token and PAR endpoints (OpenID Connect Core 9).

use base64::Engine as _;
use reqwest::RequestBuilder;

use super::Inner;
use crate::profile::ClientAuthMethod;

/// Adds the client's credentials to a form request: an `Authorization: Basic` header
/// or `client_id` / `client_secret` in `form`. `client_id` is always in the form too:
/// RFC 9126 and several providers require it even with Basic.
pub(super) fn authenticate(
    inner: &Inner,
    request: RequestBuilder,
    form: &mut super::Form,
) -> RequestBuilder {
    form.push(("client_id".into(), inner.client_id.clone()));
    let secret = inner
        .client_secret
        .as_ref()
        .map(|s| s.secret())
        .unwrap_or_default();
    match inner.client_auth {
        ClientAuthMethod::ClientSecretBasic => {
            // RFC 6749 2.3.1: both parts are form-urlencoded before Base64.
            let credentials = format!("{}:{}", form_encode(&inner.client_id), form_encode(secret));
            let encoded = base64::engine::general_purpose::STANDARD.encode(credentials);
            request.header(reqwest::header::AUTHORIZATION, format!("Basic {encoded}"))
        }
        ClientAuthMethod::ClientSecretPost => {
            form.push(("client_secret".into(), secret.to_owned()));
            request
        }
        // The builder refuses the JWT methods until they are implemented.
        ClientAuthMethod::ClientSecretJwt
        | ClientAuthMethod::PrivateKeyJwt
        | ClientAuthMethod::None => request,
    }
}

fn form_encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::form_encode;

    #[test]
    fn basic_credentials_are_form_encoded() {
        assert_eq!(form_encode("a b:c%"), "a+b%3Ac%25");
    }
}
