// The `claims` request parameter (OpenID Connect Core 5.5): claims released by name,
// into the ID token or userinfo as asked, beyond what the scopes release.

use crate::support::*;
use idspec_sandbox::user_agent::{sign_in, Decision};
use serde_json::Value;
use sha2::Digest as _;

#[tokio::test]
async fn claims_are_released_where_the_claims_parameter_asks() {
    let setup = start().await;
    let sandbox = &setup.sandbox;
    // No `profile` scope: only the claims parameter releases `name`.
    let claims = r#"{"id_token":{"name":{"essential":true},"nickname":null,"unknown":null},"userinfo":{"nickname":null}}"#;
    let url = authorize_url(
        sandbox,
        &[
            ("client_id", SECRET_CLIENT),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("scope", "openid"),
            ("state", "s"),
            ("claims", claims),
        ],
    );
    let callback = query(&sign_in(&url, "lovelace", Decision::Approve).await.unwrap());
    let response = exchange(&setup, SECRET_CLIENT, &callback["code"]).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();

    let decrypter = josekit::jwe::Dir
        .decrypter_from_bytes(sha2::Sha256::digest(SECRET))
        .unwrap();
    let open = |compact: &str| {
        let (signed, _) = josekit::jwe::deserialize_compact(compact, &decrypter).unwrap();
        String::from_utf8(signed).unwrap()
    };
    let jwks = jwks(sandbox).await;
    let id_token = verify_with(&jwks, &open(body["id_token"].as_str().unwrap()));
    assert_eq!(id_token["name"], "Ada lovelace");
    assert!(
        id_token.get("nickname").is_none(),
        "the spec delivers nickname from userinfo only"
    );
    assert!(id_token.get("unknown").is_none());

    let userinfo = http()
        .get(sandbox.endpoints().userinfo.unwrap())
        .bearer_auth(body["access_token"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let userinfo = verify_with(&jwks, &open(&userinfo));
    assert_eq!(userinfo["nickname"], "ada");
    assert!(
        userinfo.get("name").is_none(),
        "asked for in the ID token only"
    );
}
