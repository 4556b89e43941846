//! What the sandbox's itsme-shaped tests share: a spec with request objects,
//! encrypted ID tokens and userinfo, and error codes documented per endpoint; two
//! relying parties (one with keys, one with a secret); and their HTTP steps.

use std::collections::HashMap;

use idspec_codegen::model::ClientAuthMethod;
use idspec_runtime::jose::{SigningAlg, SigningKey};
use idspec_sandbox::user_agent::{sign_in, Decision};
use idspec_sandbox::{Sandbox, SandboxClient, SandboxOptions};
use josekit::jwk::Jwk;
use serde_json::{json, Map, Value};
use url::Url;

pub const REDIRECT: &str = "https://rp.example.test/cb";
/// Long enough for HS256 (RFC 7518 3.2).
pub const SECRET: &str = "a-client-secret-long-enough-for-hs256!!";
/// The relying party with keys: private_key_jwt, request objects signed with its
/// RSA key, ID tokens encrypted to its RSA key.
pub const KEYS_CLIENT: &str = "rp-keys";
/// The relying party with a secret: client_secret_post, HS256 request objects,
/// ID tokens encrypted with `dir` and a key derived from the secret.
pub const SECRET_CLIENT: &str = "rp-secret";

/// The ID token encryption algorithms of `ITSME`, replaced by tests that vary them.
pub const ID_TOKEN_ENCRYPTION: &str =
    "{ alg: [RSA-OAEP, RSA-OAEP-256, dir], enc: [A128CBC-HS256, A256CBC-HS512, A128GCM, A256GCM] }";

/// Shaped like specs/itsme.yaml: encrypted ID tokens and userinfo, request objects
/// signed and optionally encrypted, codes documented per endpoint.
pub const ITSME: &str = r#"
id: itsme_like
name: Itsme-like
source: none.txt
family: oidc
environments:
  production:
    issuer: https://idp.example/v2
    endpoints:
      authorization: https://idp.example/v2/authorization
      token: https://idp.example/v2/token
      userinfo: https://idp.example/v2/userinfo
      revocation: https://idp.example/v2/revoke
      par: https://idp.example/v2/par
client_auth:
  methods: [private_key_jwt, client_secret_post]
pkce: optional
par: offered
authorize:
  params:
    purpose: { type: string, via: request_object }
claims_parameter: { via: any }
id_token:
  signing: [RS256]
  encryption: ID_TOKEN_ENCRYPTION
  encryption_required: ID_TOKEN_ENCRYPTION_REQUIRED
userinfo:
  formats: [signed_encrypted]
  signing: [RS256]
  encryption: ID_TOKEN_ENCRYPTION
request_object:
  signing: [RS256, HS256]
  encryption: { alg: [RSA-OAEP, RSA-OAEP-256], enc: [A128CBC-HS256, A256GCM] }
  required: REQUIRED
  encryption_required: ENCRYPTION_REQUIRED
scopes:
  openid: { required: true, claims: [sub] }
  profile: { claims: [name] }
claims:
  sub: { type: string }
  name: { type: string }
  nickname: { type: string, in: [userinfo] }
errors:
  codes:
    - { code: invalid_request, message: "The request is missing a required parameter.", endpoints: [authorization] }
    - { code: access_denied, message: "The User or the Authorization Endpoint denied the request.", endpoints: [authorization] }
    - { code: invalid_request_object, message: "The request parameter contains an invalid Request Object.", endpoints: [authorization] }
    - { code: invalid_request, message: "The token request is malformed.", endpoints: [token] }
    - { code: invalid_grant, message: "Invalid grant.", endpoints: [token] }
    - { code: invalid_request, message: "The userinfo request is malformed.", endpoints: [userinfo] }
    - { code: invalid_token, message: "The access token provided is expired, revoked, malformed, or invalid.", endpoints: [userinfo] }
    - { code: invalid_request, message: "The revocation request is malformed.", endpoints: [revocation] }
    - { code: unsupported_token_type, message: "itsme does not support the revocation of the presented access token.", endpoints: [revocation] }
sandbox:
  claims: { name: "Ada {login}", nickname: "ada" }
"#;

/// The relying party's keys.
pub struct RpKeys {
    pub signing: SigningKey,
    /// The private half of its encryption key (`kid: rp-enc`).
    pub decryption: Jwk,
}

impl RpKeys {
    pub fn generate() -> Self {
        let signing = SigningKey::generate(SigningAlg::RS256, "rp-sign").unwrap();
        let mut decryption = Jwk::generate_rsa_key(2048).unwrap();
        decryption.set_key_id("rp-enc");
        Self {
            signing,
            decryption,
        }
    }

    fn public_jwks(&self) -> Vec<Jwk> {
        let mut encryption = self.decryption.to_public_key().unwrap();
        encryption.set_key_use("enc");
        encryption.set_key_id("rp-enc");
        vec![self.signing.public_jwk().clone(), encryption]
    }
}

pub struct Setup {
    pub sandbox: Sandbox,
    pub keys: RpKeys,
}

/// The switches of `ITSME`: whether request objects are required, and required to be
/// encrypted; whether ID tokens are always encrypted.
#[derive(Clone, Copy, Default)]
pub struct SpecOptions {
    pub required: bool,
    pub encryption_required: bool,
    pub id_token_encryption_required: bool,
}

/// A sandbox for `ITSME` with `id_token_encryption` and `options`, and both clients.
pub async fn start_with(id_token_encryption: &str, options: SpecOptions) -> Setup {
    let yaml = ITSME
        .replace(
            "ID_TOKEN_ENCRYPTION_REQUIRED",
            &options.id_token_encryption_required.to_string(),
        )
        .replace("ID_TOKEN_ENCRYPTION", id_token_encryption)
        .replace(
            "ENCRYPTION_REQUIRED",
            &options.encryption_required.to_string(),
        )
        .replace("REQUIRED", &options.required.to_string());
    let spec = idspec_codegen::load("itsme_like.yaml", &yaml).unwrap_or_else(|d| panic!("{d}"));
    let keys = RpKeys::generate();
    let clients = vec![
        SandboxClient {
            client_id: KEYS_CLIENT.into(),
            client_secret: None,
            redirect_uris: vec![REDIRECT.into()],
            auth_methods: vec![ClientAuthMethod::PrivateKeyJwt],
            jwks: keys.public_jwks(),
            ..SandboxClient::default()
        },
        SandboxClient {
            client_id: SECRET_CLIENT.into(),
            client_secret: Some(SECRET.into()),
            redirect_uris: vec![REDIRECT.into()],
            auth_methods: vec![ClientAuthMethod::ClientSecretPost],
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
    Setup { sandbox, keys }
}

pub async fn start() -> Setup {
    start_with(ID_TOKEN_ENCRYPTION, SpecOptions::default()).await
}

pub fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

pub fn now() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

pub fn object(value: Value) -> Map<String, Value> {
    value.as_object().unwrap().clone()
}

/// The query parameters of a URL.
pub fn query(url: &Url) -> HashMap<String, String> {
    url.query_pairs().into_owned().collect()
}

/// The authorization URL with `params`.
pub fn authorize_url(sandbox: &Sandbox, params: &[(&str, &str)]) -> Url {
    let mut url = sandbox.endpoints().authorization.unwrap();
    url.query_pairs_mut().extend_pairs(params);
    url
}

/// A plain front-channel request for `client_id`.
pub fn plain_request(sandbox: &Sandbox, client_id: &str) -> Url {
    authorize_url(
        sandbox,
        &[
            ("client_id", client_id),
            ("response_type", "code"),
            ("redirect_uri", REDIRECT),
            ("scope", "openid profile"),
            ("state", "s"),
            ("nonce", "n"),
        ],
    )
}

/// Signs in as `login` on a plain request for `client_id`; the callback's parameters.
pub async fn sign_in_as(
    sandbox: &Sandbox,
    client_id: &str,
    login: &str,
) -> HashMap<String, String> {
    let callback = sign_in(&plain_request(sandbox, client_id), login, Decision::Approve)
        .await
        .unwrap_or_else(|e| panic!("{login}: {e}"));
    query(&callback)
}

/// The token endpoint's answer for `code`, the client authenticating as it registered.
pub async fn exchange(setup: &Setup, client_id: &str, code: &str) -> reqwest::Response {
    let sandbox = &setup.sandbox;
    let token_url = sandbox.endpoints().token.unwrap();
    let mut form = vec![
        ("grant_type", "authorization_code".to_owned()),
        ("code", code.to_owned()),
        ("redirect_uri", REDIRECT.to_owned()),
        ("client_id", client_id.to_owned()),
    ];
    form.extend(client_authentication(setup, client_id, token_url.as_str()));
    http().post(token_url).form(&form).send().await.unwrap()
}

/// The form members that authenticate `client_id` to an endpoint at `audience`.
pub fn client_authentication(
    setup: &Setup,
    client_id: &str,
    audience: &str,
) -> Vec<(&'static str, String)> {
    if client_id == SECRET_CLIENT {
        return vec![("client_secret", SECRET.to_owned())];
    }
    let claims = object(json!({
        "iss": client_id, "sub": client_id, "aud": audience,
        "jti": idspec_runtime::random::token(), "iat": now(), "exp": now() + 60,
    }));
    let assertion = setup.keys.signing.sign(&claims, None).unwrap();
    vec![
        (
            "client_assertion_type",
            "urn:ietf:params:oauth:client-assertion-type:jwt-bearer".to_owned(),
        ),
        ("client_assertion", assertion),
    ]
}

/// Signs in as `login` and exchanges the code; the token response's JSON.
pub async fn tokens(setup: &Setup, client_id: &str, login: &str) -> Value {
    let callback = sign_in_as(&setup.sandbox, client_id, login).await;
    let response = exchange(setup, client_id, &callback["code"]).await;
    assert_eq!(response.status(), 200);
    response.json().await.unwrap()
}

/// The sandbox's JWKS.
pub async fn jwks(sandbox: &Sandbox) -> Value {
    http()
        .get(sandbox.endpoints().jwks.unwrap())
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// The claims of a JWS the sandbox signed (RS256), verified with its JWKS.
pub fn verify_with(jwks: &Value, compact: &str) -> Value {
    let kid = header(compact)["kid"].clone();
    let key = jwks["keys"]
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["kid"] == kid)
        .expect("the kid is published");
    let jwk = Jwk::from_map(key.as_object().unwrap().clone()).unwrap();
    let verifier = josekit::jws::RS256.verifier_from_jwk(&jwk).unwrap();
    let (payload, _) = josekit::jws::deserialize_compact(compact, &verifier).unwrap();
    serde_json::from_slice(&payload).unwrap()
}

/// The (unverified) protected header of a compact JWS or JWE.
pub fn header(compact: &str) -> Value {
    use base64::Engine as _;
    let part = compact.split('.').next().unwrap();
    let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(part)
        .unwrap();
    serde_json::from_slice(&bytes).unwrap()
}
