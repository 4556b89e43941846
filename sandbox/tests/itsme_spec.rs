//! specs/itsme.yaml served by the sandbox: every code the document lists, reached at
//! the endpoint that lists it, in that endpoint's words; its scripted users; and the
//! client secret variant's ID tokens, encrypted with `dir`.

use std::collections::HashMap;

use idspec_codegen::model::ErrorEndpoint;
use idspec_codegen::ValidatedSpec;
use idspec_sandbox::user_agent::{sign_in, Decision};
use idspec_sandbox::{Sandbox, SandboxClient, SandboxOptions};
use serde_json::Value;
use sha2::Digest as _;

fn spec() -> ValidatedSpec {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../specs/itsme.yaml");
    idspec_codegen::load_file(path).unwrap_or_else(|d| panic!("{path}: {d}"))
}

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// Signs in as `login` with the default client; the callback's parameters.
async fn sign_in_as(sandbox: &Sandbox, login: &str) -> HashMap<String, String> {
    let client = SandboxClient::default();
    let mut url = sandbox.endpoints().authorization.unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", &client.client_id)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", &client.redirect_uris[0])
        .append_pair("scope", "openid service:DEMO profile")
        .append_pair("state", "s")
        .append_pair("nonce", "n");
    let callback = sign_in(&url, login, Decision::Approve)
        .await
        .unwrap_or_else(|e| panic!("{login}: {e}"));
    callback.query_pairs().into_owned().collect()
}

/// Exchanges `code` with client_secret_post, the client secret variant's method.
async fn exchange(sandbox: &Sandbox, code: &str) -> reqwest::Response {
    let client = SandboxClient::default();
    http()
        .post(sandbox.endpoints().token.unwrap())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", client.redirect_uris[0].as_str()),
            ("client_id", client.client_id.as_str()),
            ("client_secret", client.client_secret.as_deref().unwrap()),
        ])
        .send()
        .await
        .unwrap()
}

async fn access_token(sandbox: &Sandbox, login: &str) -> String {
    let callback = sign_in_as(sandbox, login).await;
    let response = exchange(sandbox, &callback["code"]).await;
    assert_eq!(response.status(), 200, "{login}");
    let body: Value = response.json().await.unwrap();
    body["access_token"].as_str().unwrap().to_owned()
}

/// The code and description the endpoint answered `login` with.
async fn answered(sandbox: &Sandbox, endpoint: ErrorEndpoint, login: &str) -> (String, String) {
    let json = |body: Value| {
        (
            body["error"].as_str().unwrap_or_default().to_owned(),
            body["error_description"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
        )
    };
    match endpoint {
        ErrorEndpoint::Authorization => {
            let callback = sign_in_as(sandbox, login).await;
            (
                callback["error"].clone(),
                callback["error_description"].clone(),
            )
        }
        ErrorEndpoint::Notification => unreachable!("itsme has no notifications"),
        ErrorEndpoint::Token => {
            let callback = sign_in_as(sandbox, login).await;
            let response = exchange(sandbox, &callback["code"]).await;
            assert_eq!(response.status(), 400, "{login}");
            json(response.json().await.unwrap())
        }
        ErrorEndpoint::Userinfo => {
            let token = access_token(sandbox, login).await;
            let response = http()
                .get(sandbox.endpoints().userinfo.unwrap())
                .bearer_auth(token)
                .send()
                .await
                .unwrap();
            match response.headers().get("www-authenticate") {
                Some(challenge) => {
                    assert_eq!(response.status(), 401, "{login}");
                    let challenge = challenge.to_str().unwrap();
                    let param = |name: &str| {
                        let start = challenge.find(&format!("{name}=\"")).unwrap() + name.len() + 2;
                        challenge[start..start + challenge[start..].find('"').unwrap()].to_owned()
                    };
                    (param("error"), param("error_description"))
                }
                None => {
                    assert_eq!(response.status(), 400, "{login}");
                    json(response.json().await.unwrap())
                }
            }
        }
        ErrorEndpoint::Revocation => {
            let token = access_token(sandbox, login).await;
            let client = SandboxClient::default();
            let response = http()
                .post(sandbox.endpoints().revocation.unwrap())
                .form(&[
                    ("token", token.as_str()),
                    ("client_id", client.client_id.as_str()),
                    ("client_secret", client.client_secret.as_deref().unwrap()),
                ])
                .send()
                .await
                .unwrap();
            assert_eq!(response.status(), 400, "{login}");
            json(response.json().await.unwrap())
        }
    }
}

#[tokio::test]
async fn every_documented_code_is_reached_at_its_endpoint() {
    let spec = spec();
    let sandbox = Sandbox::start(&spec, SandboxOptions::default())
        .await
        .unwrap();
    let errors = &spec.spec().errors;
    assert!(errors.per_endpoint());
    let mut reached = 0;
    for documented in &errors.codes {
        for endpoint in &documented.endpoints {
            let login = match endpoint {
                ErrorEndpoint::Authorization => format!("error:{}", documented.code),
                other => format!("error:{}:{}", other.as_str(), documented.code),
            };
            let (code, description) = answered(&sandbox, *endpoint, &login).await;
            assert_eq!(code, documented.code, "{login}");
            // Non-ASCII would be replaced in a header; itsme's messages have none.
            assert_eq!(description, documented.message, "{login}");
            reached += 1;
        }
    }
    assert!(reached >= 26, "{reached}");

    let users = &spec.spec().sandbox.as_ref().unwrap().users;
    for user in users {
        let callback = sign_in_as(&sandbox, &user.login).await;
        match &user.outcome {
            idspec_codegen::model::Outcome::Approve => assert!(callback.contains_key("code")),
            idspec_codegen::model::Outcome::Error(code) => {
                assert_eq!(&callback["error"], code, "{}", user.login)
            }
            idspec_codegen::model::Outcome::NoAnswer => unreachable!("itsme's users all answer"),
        }
    }
}

#[tokio::test]
async fn the_client_secret_variant_gets_dir_encrypted_id_tokens() {
    let sandbox = Sandbox::start(&spec(), SandboxOptions::default())
        .await
        .unwrap();
    let callback = sign_in_as(&sandbox, "+32485694175").await;
    let response = exchange(&sandbox, &callback["code"]).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let id_token = body["id_token"].as_str().unwrap();
    let secret = SandboxClient::default().client_secret.unwrap();
    // A128CBC-HS256, the spec's first: the whole SHA-256 of the secret.
    let key = sha2::Sha256::digest(secret.as_bytes());
    let decrypter = josekit::jwe::Dir.decrypter_from_bytes(key).unwrap();
    let (signed, header) = josekit::jwe::deserialize_compact(id_token, &decrypter).unwrap();
    assert_eq!(header.algorithm(), Some("dir"));
    assert_eq!(header.content_encryption(), Some("A128CBC-HS256"));
    assert_eq!(std::str::from_utf8(&signed).unwrap().split('.').count(), 3);

    let discovery: Value = http()
        .get(sandbox.endpoints().discovery.unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        discovery["request_object_encryption_alg_values_supported"],
        serde_json::json!(["RSA-OAEP", "RSA-OAEP-256"])
    );
}
