//! The sandbox's endpoints beyond what Mobile ID uses: JWT client authentication,
//! signed and encrypted userinfo, revocation, and an OAuth 2 provider's shapes.

use std::collections::HashMap;

use idspec_codegen::model::ClientAuthMethod;
use idspec_runtime::jose::{sign_hmac, SigningAlg, SigningKey};
use idspec_sandbox::user_agent::{sign_in, Decision};
use idspec_sandbox::{Sandbox, SandboxClient, SandboxOptions, UserinfoResponse};
use josekit::jwk::Jwk;
use serde_json::{json, Map, Value};

const REDIRECT: &str = "https://rp.example.test/cb";
const SECRET: &str = "a-client-secret-long-enough-for-hs256!!";

const OIDC: &str = r#"
id: acme
name: Acme Identity
source: none.txt
family: oidc
environments:
  production:
    issuer: https://id.acme.example
    endpoints:
      authorization: https://id.acme.example/authorize
      token: https://id.acme.example/token
      userinfo: https://id.acme.example/userinfo
      revocation: https://id.acme.example/revoke
client_auth:
  methods: [client_secret_basic, client_secret_jwt, private_key_jwt]
pkce: optional
id_token: { signing: [ES256] }
userinfo: { formats: [signed_encrypted, signed, json], signing: [ES256] }
scopes:
  openid: { required: true, claims: [sub] }
  profile: { claims: [name] }
claims:
  sub: { type: string }
  name: { type: string }
sandbox:
  claims: { name: "Ada {login}" }
"#;

fn form_client() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn authorize_url(sandbox: &Sandbox, client_id: &str) -> url::Url {
    let mut url = sandbox.endpoints().authorization.unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", client_id)
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("scope", "openid profile")
        .append_pair("state", "s")
        .append_pair("nonce", "n");
    url
}

async fn code(sandbox: &Sandbox, client_id: &str) -> String {
    let callback = sign_in(
        &authorize_url(sandbox, client_id),
        "lovelace",
        Decision::Approve,
    )
    .await
    .unwrap();
    let pairs: HashMap<String, String> = callback.query_pairs().into_owned().collect();
    assert_eq!(pairs.get("iss").map(String::as_str), Some(sandbox.issuer()));
    pairs["code"].clone()
}

fn assertion_claims(client_id: &str, audience: &str, jti: &str) -> Map<String, Value> {
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    json!({ "iss": client_id, "sub": client_id, "aud": audience, "jti": jti, "iat": now, "exp": now + 60 })
        .as_object()
        .unwrap()
        .clone()
}

async fn token(sandbox: &Sandbox, client_id: &str, code: &str, assertion: &str) -> (u16, Value) {
    let response = form_client()
        .post(sandbox.endpoints().token.unwrap())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code),
            ("redirect_uri", REDIRECT),
            ("client_id", client_id),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", assertion),
        ])
        .send()
        .await
        .unwrap();
    (response.status().as_u16(), response.json().await.unwrap())
}

struct Setup {
    sandbox: Sandbox,
    signing: SigningKey,
    decryption: Jwk,
}

async fn setup() -> Setup {
    let spec = idspec_codegen::load("acme.yaml", OIDC).unwrap_or_else(|d| panic!("{d}"));
    let signing = SigningKey::generate(SigningAlg::RS256, "rp-sign").unwrap();
    let mut decryption = Jwk::generate_rsa_key(2048).unwrap();
    decryption.set_key_id("rp-enc");
    let mut encryption = decryption.to_public_key().unwrap();
    encryption.set_key_use("enc");
    encryption.set_key_id("rp-enc");
    let clients = vec![
        SandboxClient {
            client_id: "jwt-client".into(),
            client_secret: Some(SECRET.into()),
            redirect_uris: vec![REDIRECT.into()],
            auth_methods: vec![ClientAuthMethod::ClientSecretJwt],
            userinfo: UserinfoResponse::Signed,
            ..SandboxClient::default()
        },
        SandboxClient {
            client_id: "pkj-client".into(),
            client_secret: None,
            redirect_uris: vec![REDIRECT.into()],
            auth_methods: vec![ClientAuthMethod::PrivateKeyJwt],
            jwks: vec![signing.public_jwk().clone(), encryption],
            userinfo: UserinfoResponse::SignedEncrypted,
            ..SandboxClient::default()
        },
    ];
    let sandbox = Sandbox::start(
        &spec,
        SandboxOptions {
            clients,
            ..SandboxOptions::default()
        },
    )
    .await
    .unwrap();
    Setup {
        sandbox,
        signing,
        decryption,
    }
}

fn verify_with_jwks(jwks: &Value, compact: &str) -> Value {
    let header: Value = serde_json::from_slice(
        &base64::Engine::decode(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD,
            compact.split('.').next().unwrap(),
        )
        .unwrap(),
    )
    .unwrap();
    assert_eq!(header["alg"], "ES256", "the spec allows only ES256");
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == header["kid"])
        .expect("the kid is published");
    let jwk = Jwk::from_map(key.as_object().unwrap().clone()).unwrap();
    let verifier = josekit::jws::ES256.verifier_from_jwk(&jwk).unwrap();
    let (payload, _) = josekit::jws::deserialize_compact(compact, &verifier).unwrap();
    serde_json::from_slice(&payload).unwrap()
}

#[tokio::test]
async fn client_secret_jwt_and_signed_userinfo() {
    let setup = setup().await;
    let sandbox = &setup.sandbox;
    let token_url = sandbox.endpoints().token.unwrap().to_string();
    let code = code(sandbox, "jwt-client").await;
    let assertion = sign_hmac(
        SigningAlg::HS256,
        SECRET.as_bytes(),
        &assertion_claims("jwt-client", &token_url, "j1"),
    )
    .unwrap();
    let (status, body) = token(sandbox, "jwt-client", &code, &assertion).await;
    assert_eq!(status, 200, "{body}");
    let jwks: Value = reqwest::get(sandbox.endpoints().jwks.unwrap())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id_token = verify_with_jwks(&jwks, body["id_token"].as_str().unwrap());
    assert_eq!(id_token["aud"], "jwt-client");
    assert_eq!(id_token["nonce"], "n");

    // The same assertion again is a replay.
    let code2 = self::code(sandbox, "jwt-client").await;
    let (status, body) = token(sandbox, "jwt-client", &code2, &assertion).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client")),
        "{body}"
    );

    let userinfo = form_client()
        .get(sandbox.endpoints().userinfo.unwrap())
        .bearer_auth(body_access_token(sandbox, "jwt-client").await)
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.headers()["content-type"], "application/jwt");
    let claims = verify_with_jwks(&jwks, &userinfo.text().await.unwrap());
    assert_eq!(claims["name"], "Ada lovelace");
    assert_eq!(claims["iss"], sandbox.issuer());
    assert_eq!(claims["aud"], "jwt-client");
}

async fn body_access_token(sandbox: &Sandbox, client_id: &str) -> String {
    let code = code(sandbox, client_id).await;
    let token_url = sandbox.endpoints().token.unwrap().to_string();
    let jti = idspec_runtime::random::token();
    let assertion = sign_hmac(
        SigningAlg::HS256,
        SECRET.as_bytes(),
        &assertion_claims(client_id, &token_url, &jti),
    )
    .unwrap();
    let (status, body) = token(sandbox, client_id, &code, &assertion).await;
    assert_eq!(status, 200, "{body}");
    body["access_token"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn private_key_jwt_encrypted_userinfo_and_revocation() {
    let setup = setup().await;
    let sandbox = &setup.sandbox;
    let token_url = sandbox.endpoints().token.unwrap().to_string();
    let code = code(sandbox, "pkj-client").await;

    // Signed by a key the client never registered: refused.
    let stranger = SigningKey::generate(SigningAlg::RS256, "rp-sign").unwrap();
    let forged = stranger
        .sign(&assertion_claims("pkj-client", &token_url, "k0"), None)
        .unwrap();
    let (status, body) = token(sandbox, "pkj-client", &code, &forged).await;
    assert_eq!(
        (status, body["error"].as_str()),
        (401, Some("invalid_client")),
        "{body}"
    );

    let code = self::code(sandbox, "pkj-client").await;
    let assertion = setup
        .signing
        .sign(&assertion_claims("pkj-client", &token_url, "k1"), None)
        .unwrap();
    let (status, body) = token(sandbox, "pkj-client", &code, &assertion).await;
    assert_eq!(status, 200, "{body}");
    let access_token = body["access_token"].as_str().unwrap().to_owned();

    let userinfo = form_client()
        .get(sandbox.endpoints().userinfo.unwrap())
        .bearer_auth(&access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.headers()["content-type"], "application/jwt");
    let jwe = userinfo.text().await.unwrap();
    assert_eq!(jwe.split('.').count(), 5, "signed then encrypted: a JWE");
    let decrypter = josekit::jwe::RSA_OAEP
        .decrypter_from_jwk(&setup.decryption)
        .unwrap();
    let (inner, header) = josekit::jwe::deserialize_compact(&jwe, &decrypter).unwrap();
    assert_eq!(header.content_type(), Some("JWT"));
    let jwks: Value = reqwest::get(sandbox.endpoints().jwks.unwrap())
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let claims = verify_with_jwks(&jwks, std::str::from_utf8(&inner).unwrap());
    assert_eq!(claims["name"], "Ada lovelace");

    // Revoked: the access token no longer opens userinfo.
    let revoke_assertion = setup
        .signing
        .sign(
            &assertion_claims("pkj-client", sandbox.issuer(), "k2"),
            None,
        )
        .unwrap();
    let revoked = form_client()
        .post(sandbox.endpoints().revocation.unwrap())
        .form(&[
            ("token", access_token.as_str()),
            (
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
            ),
            ("client_assertion", revoke_assertion.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(revoked.status(), 200);
    let userinfo = form_client()
        .get(sandbox.endpoints().userinfo.unwrap())
        .bearer_auth(&access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(userinfo.status(), 401);
    assert!(userinfo.headers()["www-authenticate"]
        .to_str()
        .unwrap()
        .contains("invalid_token"));
}

#[tokio::test]
async fn a_method_the_spec_does_not_allow_is_refused() {
    let setup = setup().await;
    let code = code(&setup.sandbox, "jwt-client").await;
    let response = form_client()
        .post(setup.sandbox.endpoints().token.unwrap())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", REDIRECT),
            ("client_id", "jwt-client"),
            ("client_secret", SECRET),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(
        response.status(),
        401,
        "client_secret_post is not in the spec"
    );
}

#[tokio::test]
async fn a_provider_without_request_objects_refuses_one() {
    let setup = setup().await;
    let sandbox = &setup.sandbox;
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs();
    let claims = json!({
        "iss": "pkj-client", "aud": sandbox.issuer(), "exp": now + 60,
        "client_id": "pkj-client", "response_type": "code", "redirect_uri": REDIRECT,
        "scope": "openid", "state": "s",
    });
    let object = setup
        .signing
        .sign(claims.as_object().unwrap(), None)
        .unwrap();
    let mut url = sandbox.endpoints().authorization.unwrap();
    url.query_pairs_mut()
        .append_pair("client_id", "pkj-client")
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", REDIRECT)
        .append_pair("state", "outer")
        .append_pair("request", &object);
    let response = form_client().get(url).send().await.unwrap();
    assert_eq!(response.status(), 303);
    let location = url::Url::parse(response.headers()["location"].to_str().unwrap()).unwrap();
    let error: HashMap<String, String> = location.query_pairs().into_owned().collect();
    assert_eq!(error["error"], "request_not_supported");
    assert_eq!(error["state"], "outer");
}

const OAUTH2: &str = r#"
id: plain
name: Plain OAuth
source: none.txt
family: oauth2
environments:
  production:
    endpoints:
      authorization: https://plain.example/oauth/authorize
      token: https://plain.example/oauth/token
      userinfo: https://plain.example/api/me
client_auth: { methods: [client_secret_post] }
pkce: none
token: { expires_in_accept: [string] }
userinfo: { formats: [json], token: query }
scopes:
  login: { claims: [email] }
claims:
  email: { type: string }
sandbox:
  claims: { email: "{login}@example.com" }
lifetimes: { access_token: 5m, refresh_token: 7d }
"#;

#[tokio::test]
async fn an_oauth2_provider_has_its_own_shapes() {
    let spec = idspec_codegen::load("plain.yaml", OAUTH2).unwrap_or_else(|d| panic!("{d}"));
    let sandbox = Sandbox::start(&spec, SandboxOptions::default())
        .await
        .unwrap();
    assert!(sandbox.endpoints().discovery.is_none());
    let discovery = reqwest::get(format!(
        "{}/.well-known/openid-configuration",
        sandbox.issuer()
    ))
    .await
    .unwrap();
    assert_eq!(
        discovery.status(),
        404,
        "an OAuth 2 provider publishes no discovery document"
    );

    let mut url = sandbox.endpoints().authorization.unwrap();
    assert_eq!(url.path(), "/oauth/authorize", "the provider's own paths");
    url.query_pairs_mut()
        .append_pair("client_id", "sandbox-client")
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", "https://rp.example.test/callback")
        .append_pair("scope", "login")
        .append_pair("state", "s");
    let callback = sign_in(&url, "grace", Decision::Approve).await.unwrap();
    let code = callback
        .query_pairs()
        .find(|(k, _)| k == "code")
        .unwrap()
        .1
        .into_owned();
    let body: Value = form_client()
        .post(sandbox.endpoints().token.unwrap())
        .form(&[
            ("grant_type", "authorization_code"),
            ("code", code.as_str()),
            ("redirect_uri", "https://rp.example.test/callback"),
            ("client_id", "sandbox-client"),
            ("client_secret", "sandbox-secret"),
        ])
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        body["expires_in"], "300",
        "the spec says this provider sends strings"
    );
    assert_eq!(body["refresh_expires_in"], "604800");
    assert!(body.get("id_token").is_none());

    let access_token = body["access_token"].as_str().unwrap();
    let in_header = form_client()
        .get(sandbox.endpoints().userinfo.unwrap())
        .bearer_auth(access_token)
        .send()
        .await
        .unwrap();
    assert_eq!(
        in_header.status(),
        401,
        "the document puts the token in the query, and only there"
    );
    let mut in_query = sandbox.endpoints().userinfo.unwrap();
    in_query
        .query_pairs_mut()
        .append_pair("access_token", access_token);
    let claims: Value = reqwest::get(in_query).await.unwrap().json().await.unwrap();
    assert_eq!(claims["email"], "grace@example.com");
}
