// Request objects by value (RFC 9101, OpenID Connect Core 6.1) at the sandbox's
// authorization endpoint and PAR: signed, signed then encrypted, and every way one
// is refused, each answered as the provider documents it.

use std::collections::HashMap;

use crate::support::*;
use idspec_runtime::jose::{encrypt_to, sign_hmac, SigningAlg, SigningKey};
use idspec_sandbox::user_agent::{sign_in, Decision};
use idspec_sandbox::Sandbox;
use josekit::jwk::Jwk;
use serde_json::{json, Map, Value};

/// The members of a good request object from `client_id`, with `changes` applied
/// (a `null` removes a member).
fn claims(sandbox: &Sandbox, client_id: &str, changes: Value) -> Map<String, Value> {
    let mut claims = object(json!({
        "iss": client_id,
        "aud": sandbox.issuer(),
        "iat": now(),
        "exp": now() + 300,
        "jti": idspec_runtime::random::token(),
        "client_id": client_id,
        "response_type": "code",
        "redirect_uri": REDIRECT,
        "scope": "openid profile",
        "state": "inner-state",
        "nonce": "inner-nonce",
    }));
    for (name, value) in object(changes) {
        if value.is_null() {
            claims.remove(&name);
        } else {
            claims.insert(name, value);
        }
    }
    claims
}

/// Signed with the keys client's RS256 key, as `typ` RFC 9101 asks.
fn signed(setup: &Setup, claims: &Map<String, Value>) -> String {
    setup
        .keys
        .signing
        .sign(claims, Some("oauth-authz-req+jwt"))
        .unwrap()
}

/// The front-channel request: client_id and response_type outside, the rest inside.
fn front(sandbox: &Sandbox, client_id: &str, request: &str) -> url::Url {
    authorize_url(
        sandbox,
        &[
            ("client_id", client_id),
            ("response_type", "code"),
            ("scope", "openid"),
            ("request", request),
        ],
    )
}

/// The sandbox's published encryption key.
async fn sandbox_encryption_key(sandbox: &Sandbox) -> Jwk {
    let jwks = jwks(sandbox).await;
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["use"] == "enc")
        .expect("an encryption key is published");
    Jwk::from_map(key.as_object().unwrap().clone()).unwrap()
}

/// The parameters of the redirect the sandbox answers `url` with.
async fn redirected(url: url::Url) -> HashMap<String, String> {
    let response = http().get(url).send().await.unwrap();
    assert_eq!(response.status(), 303, "{}", response.text().await.unwrap());
    let location = response.headers()["location"].to_str().unwrap();
    assert!(location.starts_with(REDIRECT), "{location}");
    query(&url::Url::parse(location).unwrap())
}

/// Signs in on `url` and returns the ID token's claims for the code (decrypted with
/// the keys client's key, verified with the sandbox's).
async fn id_token_after(setup: &Setup, url: &url::Url) -> (HashMap<String, String>, Value) {
    let callback = query(&sign_in(url, "lovelace", Decision::Approve).await.unwrap());
    let response = exchange(setup, KEYS_CLIENT, &callback["code"]).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let decrypter = josekit::jwe::RSA_OAEP_256
        .decrypter_from_jwk(&setup.keys.decryption)
        .unwrap();
    let (signed, _) =
        josekit::jwe::deserialize_compact(body["id_token"].as_str().unwrap(), &decrypter).unwrap();
    let claims = verify_with(
        &jwks(&setup.sandbox).await,
        std::str::from_utf8(&signed).unwrap(),
    );
    (callback, claims)
}

#[tokio::test]
async fn a_signed_request_object_is_the_request() {
    let setup = start().await;
    let sandbox = &setup.sandbox;
    let object = signed(&setup, &claims(sandbox, KEYS_CLIENT, json!({})));
    let (callback, id_token) = id_token_after(&setup, &front(sandbox, KEYS_CLIENT, &object)).await;
    // redirect_uri, state and nonce were only inside.
    assert_eq!(callback["state"], "inner-state");
    assert_eq!(id_token["nonce"], "inner-nonce");
    assert_eq!(id_token["aud"], KEYS_CLIENT);
}

#[tokio::test]
async fn request_object_only_parameters_travel_only_inside_one() {
    let setup = start().await;
    let sandbox = &setup.sandbox;
    let object = signed(
        &setup,
        &claims(sandbox, KEYS_CLIENT, json!({ "purpose": "age check" })),
    );
    let page = http()
        .get(front(sandbox, KEYS_CLIENT, &object))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200, "the login page");

    let mut outside = plain_request(sandbox, KEYS_CLIENT);
    outside
        .query_pairs_mut()
        .append_pair("purpose", "age check");
    let error = redirected(outside).await;
    assert_eq!(error["error"], "invalid_request");
    assert!(
        error["error_description"].contains("only accepted through a request object"),
        "{error:?}"
    );
}

#[tokio::test]
async fn a_request_object_signed_with_the_client_secret() {
    let setup = start().await;
    let sandbox = &setup.sandbox;
    let object = sign_hmac(
        SigningAlg::HS256,
        SECRET.as_bytes(),
        &claims(sandbox, SECRET_CLIENT, json!({})),
    )
    .unwrap();
    let callback = sign_in(
        &front(sandbox, SECRET_CLIENT, &object),
        "lovelace",
        Decision::Approve,
    )
    .await
    .unwrap();
    let callback = query(&callback);
    assert_eq!(callback["state"], "inner-state");
    assert!(callback.contains_key("code"));
}

#[tokio::test]
async fn a_request_object_signed_then_encrypted_to_the_sandbox() {
    let setup = start().await;
    let sandbox = &setup.sandbox;
    let key = sandbox_encryption_key(sandbox).await;
    assert_eq!(key.key_type(), "RSA");
    assert_eq!(key.algorithm(), None, "one key for every RSA-OAEP variant");
    let inner = signed(&setup, &claims(sandbox, KEYS_CLIENT, json!({})));
    for (alg, enc) in [("RSA-OAEP-256", "A256GCM"), ("RSA-OAEP", "A128CBC-HS256")] {
        let nested = encrypt_to(&key, alg, enc, inner.as_bytes()).unwrap();
        assert_eq!(nested.split('.').count(), 5);
        let (callback, id_token) =
            id_token_after(&setup, &front(sandbox, KEYS_CLIENT, &nested)).await;
        assert_eq!(callback["state"], "inner-state", "{alg}");
        assert_eq!(id_token["nonce"], "inner-nonce", "{alg}");
    }
}

#[tokio::test]
async fn where_encryption_is_required_a_signed_only_request_object_is_invalid() {
    let encrypted = SpecOptions {
        encryption_required: true,
        ..SpecOptions::default()
    };
    let setup = start_with(ID_TOKEN_ENCRYPTION, encrypted).await;
    let sandbox = &setup.sandbox;
    let inner = signed(&setup, &claims(sandbox, KEYS_CLIENT, json!({})));
    let error = redirected(front(sandbox, KEYS_CLIENT, &inner)).await;
    assert_eq!(error["error"], "invalid_request_object");
    assert!(
        error["error_description"].contains("signed then encrypted"),
        "{error:?}"
    );
    let key = sandbox_encryption_key(sandbox).await;
    let nested = encrypt_to(&key, "RSA-OAEP-256", "A256GCM", inner.as_bytes()).unwrap();
    let (callback, _) = id_token_after(&setup, &front(sandbox, KEYS_CLIENT, &nested)).await;
    assert_eq!(callback["state"], "inner-state");
}

#[tokio::test]
async fn a_request_object_pushed_to_par() {
    let setup = start().await;
    let sandbox = &setup.sandbox;
    let par = sandbox.endpoints().par.unwrap();
    let key = sandbox_encryption_key(sandbox).await;
    let inner = signed(&setup, &claims(sandbox, KEYS_CLIENT, json!({})));
    let nested = encrypt_to(&key, "RSA-OAEP-256", "A256GCM", inner.as_bytes()).unwrap();
    let mut form = vec![("response_type", "code".to_owned()), ("request", nested)];
    form.extend(client_authentication(&setup, KEYS_CLIENT, sandbox.issuer()));
    let response = http().post(par.clone()).form(&form).send().await.unwrap();
    assert_eq!(response.status(), 201);
    let body: Value = response.json().await.unwrap();
    let url = authorize_url(
        sandbox,
        &[
            ("client_id", KEYS_CLIENT),
            ("request_uri", body["request_uri"].as_str().unwrap()),
        ],
    );
    let (callback, id_token) = id_token_after(&setup, &url).await;
    assert_eq!(callback["state"], "inner-state");
    assert_eq!(id_token["nonce"], "inner-nonce");

    // A bad one is refused in PAR's body.
    let expired = signed(
        &setup,
        &claims(sandbox, KEYS_CLIENT, json!({ "exp": now() - 10 })),
    );
    let mut form = vec![("response_type", "code".to_owned()), ("request", expired)];
    form.extend(client_authentication(&setup, KEYS_CLIENT, sandbox.issuer()));
    let response = http().post(par).form(&form).send().await.unwrap();
    assert_eq!(response.status(), 400);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "invalid_request_object", "{body}");
}

/// The error on the redirect for a request object made of `changes`.
async fn refused(setup: &Setup, changes: Value) -> HashMap<String, String> {
    let sandbox = &setup.sandbox;
    let object = signed(setup, &claims(sandbox, KEYS_CLIENT, changes));
    redirected(front(sandbox, KEYS_CLIENT, &object)).await
}

#[tokio::test]
async fn a_request_object_for_another_audience_is_invalid() {
    let setup = start().await;
    let error = refused(&setup, json!({ "aud": "https://elsewhere.example" })).await;
    assert_eq!(error["error"], "invalid_request_object");
    // The documented message, and why.
    let description = &error["error_description"];
    assert!(
        description.starts_with("The request parameter contains an invalid Request Object.")
            && description.contains("aud"),
        "{description}"
    );
    // Signed by the client: its state and redirect URI are trusted with the answer.
    assert_eq!(error["state"], "inner-state");
    assert_eq!(error["iss"], setup.sandbox.issuer());
}

#[tokio::test]
async fn an_expired_request_object_is_invalid() {
    let setup = start().await;
    let error = refused(&setup, json!({ "exp": now() - 1 })).await;
    assert_eq!(error["error"], "invalid_request_object");
    assert!(error["error_description"].contains("expired"), "{error:?}");
    let error = refused(&setup, json!({ "exp": null })).await;
    assert_eq!(error["error"], "invalid_request_object");
    let error = refused(&setup, json!({ "iss": SECRET_CLIENT })).await;
    assert_eq!(
        error["error"], "invalid_request_object",
        "iss must be the client"
    );
}

#[tokio::test]
async fn outer_parameters_must_match_the_request_object() {
    let setup = start().await;
    // itsme: "Oauth2 parameters do not match Request object" is invalid_request.
    let error = refused(&setup, json!({ "response_type": "code id_token" })).await;
    assert_eq!(error["error"], "invalid_request");
    assert!(
        error["error_description"].contains("`response_type` differs"),
        "{error:?}"
    );
    let error = refused(&setup, json!({ "client_id": SECRET_CLIENT })).await;
    assert_eq!(error["error"], "invalid_request");
    assert!(
        error["error_description"].contains("`client_id` differs"),
        "{error:?}"
    );

    // Without client_id outside, the sandbox cannot tell whose it is: no redirect.
    let sandbox = &setup.sandbox;
    let object = signed(&setup, &claims(sandbox, KEYS_CLIENT, json!({})));
    let url = authorize_url(sandbox, &[("response_type", "code"), ("request", &object)]);
    let response = http().get(url).send().await.unwrap();
    assert_eq!(response.status(), 400);
    assert!(response.headers().get("location").is_none());
}

#[tokio::test]
async fn unsigned_and_forged_request_objects_are_refused() {
    use base64::Engine as _;
    let setup = start().await;
    let sandbox = &setup.sandbox;
    let encode =
        |value: Value| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(value.to_string());
    let unsigned = format!(
        "{}.{}.",
        encode(json!({ "alg": "none" })),
        encode(Value::Object(claims(sandbox, KEYS_CLIENT, json!({}))))
    );
    // Outside: a registered redirect URI and a state, which an unverified object cannot replace.
    let url = authorize_url(
        sandbox,
        &[
            ("client_id", KEYS_CLIENT),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("state", "outer-state"),
            ("request", &unsigned),
        ],
    );
    let error = redirected(url).await;
    assert_eq!(error["error"], "invalid_request_object");
    assert!(
        error["error_description"].contains("alg: none"),
        "{error:?}"
    );
    assert_eq!(error["state"], "outer-state");

    // Signed by a key the client never registered, under the client's kid.
    let stranger = SigningKey::generate(SigningAlg::RS256, "rp-sign").unwrap();
    let forged = stranger
        .sign(&claims(sandbox, KEYS_CLIENT, json!({})), None)
        .unwrap();
    let error = redirected(front(sandbox, KEYS_CLIENT, &forged)).await;
    assert_eq!(error["error"], "invalid_request_object");
    assert!(
        !error.contains_key("state"),
        "an unverified state is not echoed"
    );

    // An algorithm outside the spec's list.
    let es256 = SigningKey::generate(SigningAlg::ES256, "rp-es").unwrap();
    let other_alg = es256
        .sign(&claims(sandbox, KEYS_CLIENT, json!({})), None)
        .unwrap();
    let error = redirected(front(sandbox, KEYS_CLIENT, &other_alg)).await;
    assert_eq!(error["error"], "invalid_request_object");
    assert!(error["error_description"].contains("ES256"), "{error:?}");
}

#[tokio::test]
async fn a_provider_that_requires_request_objects_refuses_plain_requests() {
    let required = SpecOptions {
        required: true,
        ..SpecOptions::default()
    };
    let setup = start_with(ID_TOKEN_ENCRYPTION, required).await;
    let sandbox = &setup.sandbox;
    let error = redirected(plain_request(sandbox, KEYS_CLIENT)).await;
    assert_eq!(error["error"], "invalid_request");
    assert!(error["error_description"].contains("request"), "{error:?}");
    assert_eq!(error["state"], "s");
    let object = signed(&setup, &claims(sandbox, KEYS_CLIENT, json!({})));
    let (callback, _) = id_token_after(&setup, &front(sandbox, KEYS_CLIENT, &object)).await;
    assert_eq!(callback["state"], "inner-state");
}

#[tokio::test]
async fn discovery_advertises_request_objects_and_encryption() {
    let required = SpecOptions {
        required: true,
        ..SpecOptions::default()
    };
    let setup = start_with(ID_TOKEN_ENCRYPTION, required).await;
    let discovery: Value = http()
        .get(setup.sandbox.endpoints().discovery.unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(discovery["request_parameter_supported"], true);
    assert_eq!(discovery["request_uri_parameter_supported"], false);
    assert_eq!(discovery["require_signed_request_object"], true);
    assert_eq!(
        discovery["request_object_signing_alg_values_supported"],
        json!(["RS256", "HS256"])
    );
    assert_eq!(
        discovery["request_object_encryption_alg_values_supported"],
        json!(["RSA-OAEP", "RSA-OAEP-256"])
    );
    assert_eq!(
        discovery["request_object_encryption_enc_values_supported"],
        json!(["A128CBC-HS256", "A256GCM"])
    );
    assert_eq!(
        discovery["id_token_encryption_alg_values_supported"],
        json!(["RSA-OAEP", "RSA-OAEP-256", "dir"])
    );
    assert_eq!(
        discovery["userinfo_encryption_enc_values_supported"][0],
        "A128CBC-HS256"
    );
    let jwks = jwks(&setup.sandbox).await;
    let uses: Vec<&str> = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["use"].as_str().unwrap())
        .collect();
    assert_eq!(uses, ["sig", "enc"]);
}
