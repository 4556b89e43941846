// ID tokens and userinfo responses signed then encrypted to the client, as itsme
// sends them: to the client's RSA key, or with `dir` and a key derived from its
// secret (OpenID Connect Core 10.2), sized for the content encryption.

use crate::support::*;
use serde_json::Value;
use sha2::Digest as _;

/// Decrypts a nested JWT with `decrypter` and verifies it with the sandbox's JWKS.
async fn open(setup: &Setup, compact: &str, decrypter: &dyn josekit::jwe::JweDecrypter) -> Value {
    assert_eq!(compact.split('.').count(), 5, "a JWE");
    let (signed, header) = josekit::jwe::deserialize_compact(compact, decrypter).unwrap();
    assert_eq!(header.content_type(), Some("JWT"), "a nested JWT");
    verify_with(
        &jwks(&setup.sandbox).await,
        std::str::from_utf8(&signed).unwrap(),
    )
}

/// The userinfo response for `access_token`.
async fn userinfo(setup: &Setup, access_token: &str) -> String {
    let response = http()
        .get(setup.sandbox.endpoints().userinfo.unwrap())
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "application/jwt");
    response.text().await.unwrap()
}

#[tokio::test]
async fn encrypted_to_the_clients_rsa_key_with_rsa_oaep_256() {
    let setup = start().await;
    let body = tokens(&setup, KEYS_CLIENT, "lovelace").await;
    let id_token = body["id_token"].as_str().unwrap();
    let header = header(id_token);
    assert_eq!(
        header["alg"], "RSA-OAEP-256",
        "preferred where the spec allows it"
    );
    assert_eq!(header["enc"], "A128CBC-HS256", "the spec's first");
    assert_eq!(header["kid"], "rp-enc", "the client's key, named");
    let decrypter = josekit::jwe::RSA_OAEP_256
        .decrypter_from_jwk(&setup.keys.decryption)
        .unwrap();
    let claims = open(&setup, id_token, &decrypter).await;
    assert_eq!(claims["aud"], KEYS_CLIENT);
    assert_eq!(claims["nonce"], "n");
    assert_eq!(claims["iss"], setup.sandbox.issuer());

    // Userinfo makes the same choice.
    let jwe = userinfo(&setup, body["access_token"].as_str().unwrap()).await;
    assert_eq!(self::header(&jwe)["alg"], "RSA-OAEP-256");
    let claims = open(&setup, &jwe, &decrypter).await;
    assert_eq!(claims["name"], "Ada lovelace");
}

#[tokio::test]
async fn rsa_oaep_where_the_spec_does_not_allow_rsa_oaep_256() {
    let setup = start_with(
        "{ alg: [RSA-OAEP, dir], enc: [A256GCM] }",
        SpecOptions::default(),
    )
    .await;
    let body = tokens(&setup, KEYS_CLIENT, "lovelace").await;
    let id_token = body["id_token"].as_str().unwrap();
    assert_eq!(header(id_token)["alg"], "RSA-OAEP");
    assert_eq!(header(id_token)["enc"], "A256GCM");
    let decrypter = josekit::jwe::RSA_OAEP
        .decrypter_from_jwk(&setup.keys.decryption)
        .unwrap();
    assert_eq!(open(&setup, id_token, &decrypter).await["aud"], KEYS_CLIENT);
}

#[tokio::test]
async fn encrypted_with_dir_and_a_key_derived_from_the_client_secret() {
    // The derived key's size follows the content encryption (OpenID Connect Core 10.2).
    let cases: [(&str, Vec<u8>); 3] = [
        ("A128CBC-HS256", sha2::Sha256::digest(SECRET).to_vec()),
        ("A256CBC-HS512", sha2::Sha512::digest(SECRET).to_vec()),
        ("A128GCM", sha2::Sha256::digest(SECRET)[..16].to_vec()),
    ];
    for (enc, key) in cases {
        let setup = start_with(
            &format!("{{ alg: [RSA-OAEP, RSA-OAEP-256, dir], enc: [{enc}, A256GCM] }}"),
            SpecOptions::default(),
        )
        .await;
        let body = tokens(&setup, SECRET_CLIENT, "lovelace").await;
        let id_token = body["id_token"].as_str().unwrap();
        let header = header(id_token);
        assert_eq!(header["alg"], "dir", "{enc}: the client has no RSA key");
        assert_eq!(header["enc"], enc);
        assert!(header.get("kid").is_none(), "{enc}: no key to name");
        let decrypter = josekit::jwe::Dir.decrypter_from_bytes(&key).unwrap();
        let claims = open(&setup, id_token, &decrypter).await;
        assert_eq!(claims["aud"], SECRET_CLIENT, "{enc}");

        let jwe = userinfo(&setup, body["access_token"].as_str().unwrap()).await;
        assert_eq!(self::header(&jwe)["alg"], "dir", "{enc}");
        assert_eq!(open(&setup, &jwe, &decrypter).await["name"], "Ada lovelace");
    }
}

#[tokio::test]
async fn a_client_that_cannot_decrypt_gets_signed_id_tokens() {
    // No `dir`: the secret client has nothing to decrypt with, as if it had
    // registered no encryption.
    let setup = start_with(
        "{ alg: [RSA-OAEP-256], enc: [A256GCM] }",
        SpecOptions::default(),
    )
    .await;
    let body = tokens(&setup, SECRET_CLIENT, "lovelace").await;
    let id_token = body["id_token"].as_str().unwrap();
    assert_eq!(id_token.split('.').count(), 3, "signed only");
    let claims = verify_with(&jwks(&setup.sandbox).await, id_token);
    assert_eq!(claims["aud"], SECRET_CLIENT);
    // Userinfo has only the signed_encrypted format: it cannot answer this client.
    let response = http()
        .get(setup.sandbox.endpoints().userinfo.unwrap())
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 500);
    assert!(response
        .text()
        .await
        .unwrap()
        .contains("no RSA encryption key"));

    // Where the provider always encrypts, a signed-only ID token would be a downgrade.
    let always = SpecOptions {
        id_token_encryption_required: true,
        ..SpecOptions::default()
    };
    let setup = start_with("{ alg: [RSA-OAEP-256], enc: [A256GCM] }", always).await;
    let callback = sign_in_as(&setup.sandbox, SECRET_CLIENT, "lovelace").await;
    let response = exchange(&setup, SECRET_CLIENT, &callback["code"]).await;
    assert_eq!(response.status(), 500);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["error"], "server_error");
    assert!(
        body["error_description"]
            .as_str()
            .unwrap()
            .contains("always encrypts"),
        "{body}"
    );
}
