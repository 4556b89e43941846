//! `idspec demo`: every provider compiled into the `idspec` crate, driven through
//! its sandbox: a full login (authorization or PAR request, token response,
//! validated ID token, typed userinfo, refresh), then every documented error its
//! scripted users trigger, the cancel button, and a wrong client secret, each
//! decoded to its typed variant. Exits non-zero if any step fails.
//!
//! A provider with several variants (itsme: private key JWT or client secret) is
//! driven once per variant, with the credentials the variant takes: a fresh RSA key
//! pair for signing and one for decryption, whose public halves are registered with
//! the sandbox, or a client secret.
//!
//! A backchannel provider (imID) is driven through its own flow (`backchannel`):
//! signed request, the scripted phone's answer, the authenticated notification, the
//! typed userinfo; then every scripted outcome, and a forged, a replayed and a late
//! notification.
//!
//! Nothing here knows a login provider: the spec says which scopes, login parameter,
//! variants and scripted users there are, so a new spec gets its demo without new code.
//! A `rest` provider is the exception: its operations are types of its generated
//! module, so its demo names them (`proofing`: IDEMIA's Identity Proofing App, token,
//! session, the user's proofing, the webhook, the identity and the saved proof file).

mod backchannel;
#[cfg(feature = "idemia_ipa")]
mod proofing;

use std::fmt::Write as _;

use idspec::runtime::jose::{RelyingPartyKeys, SigningAlg, SigningKey};
use idspec::runtime::{
    AuthorizationParams, ClaimFields, Client, ClientAuthMethod, Error, ErrorMetadata, HttpClient,
    Provider, ProviderErrorCode, ProviderVisitor, RequestObject, RestProvider,
};
use idspec_codegen::model::{ClientAuthMethod as SpecAuth, Outcome, Spec};
use idspec_codegen::ValidatedSpec;
use idspec_sandbox::user_agent::{authorization_request, sign_in, Decision};
use idspec_sandbox::{Sandbox, SandboxClient, SandboxOptions};

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("cannot start tokio: {e}"))?;
    let mut demo = Demo {
        runtime,
        only: args.to_vec(),
        passed: 0,
        failed: 0,
        providers: 0,
    };
    idspec::for_each_provider(&mut demo);
    if demo.providers == 0 {
        return Err(
            "no provider matched; `idspec demo` runs every spec compiled into the idspec crate"
                .to_owned(),
        );
    }
    println!("{} passed, {} failed", demo.passed, demo.failed);
    if demo.failed == 0 {
        Ok(())
    } else {
        Err(format!(
            "{} demo step{} failed",
            demo.failed,
            if demo.failed == 1 { "" } else { "s" }
        ))
    }
}

struct Demo {
    runtime: tokio::runtime::Runtime,
    only: Vec<String>,
    passed: usize,
    failed: usize,
    providers: usize,
}

impl ProviderVisitor for Demo {
    fn visit_rest<P: RestProvider>(&mut self, spec_yaml: &'static str) {
        let id = P::PROFILE.id;
        if !self.selected(id) {
            return;
        }
        self.providers += 1;
        println!("== {} ({id}) ==", P::PROFILE.name);
        let spec = match idspec_codegen::load(format!("{id}.yaml"), spec_yaml) {
            Ok(spec) => spec,
            Err(diagnostics) => {
                self.failed += 1;
                println!("[FAILED] spec: {diagnostics}");
                return;
            }
        };
        let mut steps = Steps::default();
        match id {
            #[cfg(feature = "idemia_ipa")]
            "idemia_ipa" => self.runtime.block_on(proofing::drive(&spec, &mut steps)),
            _ => {
                let _ = spec;
                steps.report(
                    "demo",
                    Err(format!("no demo drives the operations of `{id}` yet")),
                );
            }
        }
        self.passed += steps.passed;
        self.failed += steps.failed;
        println!();
    }

    fn visit<P: Provider>(&mut self, spec_yaml: &'static str) {
        let id = P::PROFILE.id;
        if !self.only.is_empty()
            && !self
                .only
                .iter()
                .any(|o| o == id || o.ends_with(&format!("{id}.yaml")))
        {
            return;
        }
        self.providers += 1;
        println!("== {} ({id}) ==", P::PROFILE.name);
        let spec = match idspec_codegen::load(format!("{id}.yaml"), spec_yaml) {
            Ok(spec) => spec,
            Err(diagnostics) => {
                self.failed += 1;
                println!("[FAILED] spec: {diagnostics}");
                return;
            }
        };
        let mut steps = Steps::default();
        if P::PROFILE.backchannel.is_some() {
            self.runtime
                .block_on(backchannel::drive::<P>(&spec, &mut steps));
            self.passed += steps.passed;
            self.failed += steps.failed;
            println!();
            return;
        }
        for variant in variants(spec.spec()) {
            if let Some(name) = &variant.name {
                println!("-- variant {name} ({}) --", variant.method.as_str());
            }
            self.runtime
                .block_on(drive::<P>(&spec, &variant, &mut steps));
        }
        self.passed += steps.passed;
        self.failed += steps.failed;
        println!();
    }
}

impl Demo {
    fn selected(&self, id: &str) -> bool {
        self.only.is_empty()
            || self
                .only
                .iter()
                .any(|o| o == id || o.ends_with(&format!("{id}.yaml")))
    }
}

#[derive(Default)]
struct Steps {
    passed: usize,
    failed: usize,
}

impl Steps {
    fn report(&mut self, step: &str, outcome: Result<String, String>) -> bool {
        match outcome {
            Ok(detail) => {
                self.passed += 1;
                println!("[ok] {step}");
                print_detail(&detail);
                true
            }
            Err(problem) => {
                self.failed += 1;
                println!("[FAILED] {step}");
                print_detail(&problem);
                false
            }
        }
    }
}

fn print_detail(detail: &str) {
    for line in detail.lines() {
        println!("       {line}");
    }
}

const SECRET: &str = "sandbox-secret";

/// One way of using the provider: a variant of its environments, or the provider.
struct Variant {
    name: Option<String>,
    method: SpecAuth,
}

/// The provider's variants, each with its default client authentication; a provider
/// without variants is one, with its own default.
fn variants(spec: &Spec) -> Vec<Variant> {
    let default = spec
        .client_auth
        .as_ref()
        .and_then(|a| a.default_method())
        .unwrap_or(SpecAuth::ClientSecretBasic);
    let mut found: Vec<Variant> = Vec::new();
    for env in spec.environments.values() {
        let Some(name) = &env.variant else { continue };
        if found.iter().any(|v| v.name.as_ref() == Some(name)) {
            continue;
        }
        let method = env
            .client_auth
            .as_ref()
            .and_then(|a| a.default_method())
            .unwrap_or(default);
        found.push(Variant {
            name: Some(name.clone()),
            method,
        });
    }
    if found.is_empty() {
        found.push(Variant {
            name: None,
            method: default,
        });
    }
    found
}

/// What the relying party authenticates with.
#[derive(Clone)]
enum Credentials {
    Secret(String),
    Keys(RelyingPartyKeys),
}

impl Credentials {
    /// Fresh credentials for `method`: the sandbox's secret, or new RSA keys.
    fn for_method(method: SpecAuth, tag: &str) -> Result<Self, String> {
        match method {
            SpecAuth::PrivateKeyJwt => {
                let signing = SigningKey::generate(SigningAlg::RS256, &format!("{tag}-sig"))
                    .map_err(|e| e.to_string())?;
                let mut decryption = josekit::jwk::alg::rsa::RsaKeyPair::generate(2048)
                    .map_err(|e| e.to_string())?
                    .to_jwk_private_key();
                decryption.set_key_id(format!("{tag}-enc"));
                Ok(Self::Keys(
                    RelyingPartyKeys::new()
                        .with_signing_key(signing)
                        .with_decryption_key(decryption),
                ))
            }
            _ => Ok(Self::Secret(SECRET.to_owned())),
        }
    }

    /// Credentials of the same kind that the sandbox has never seen.
    fn wrong(&self, method: SpecAuth) -> Result<Self, String> {
        match self {
            Self::Secret(_) => Ok(Self::Secret("not-the-secret".to_owned())),
            Self::Keys(_) => Self::for_method(method, "unregistered"),
        }
    }

    /// The public JWK set the relying party publishes at its jwks_uri.
    fn public_jwks(&self) -> Vec<josekit::jwk::Jwk> {
        let Self::Keys(keys) = self else {
            return Vec::new();
        };
        keys.public_jwks()["keys"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|key| match key {
                serde_json::Value::Object(map) => josekit::jwk::Jwk::from_map(map.clone()).ok(),
                _ => None,
            })
            .collect()
    }
}

async fn drive<P: Provider>(spec: &ValidatedSpec, variant: &Variant, steps: &mut Steps) {
    let credentials = match Credentials::for_method(variant.method, "rp") {
        Ok(credentials) => credentials,
        Err(error) => {
            steps.report("relying party keys", Err(error));
            return;
        }
    };
    if let Credentials::Keys(keys) = &credentials {
        let published = keys.public_jwks();
        let kids: Vec<String> = published["keys"]
            .as_array()
            .into_iter()
            .flatten()
            .filter_map(|k| Some(format!("{} ({})", k["kid"].as_str()?, k["use"].as_str()?)))
            .collect();
        println!("relying party JWK set published with {}", kids.join(", "));
    }
    let registered = SandboxClient {
        auth_methods: vec![variant.method],
        jwks: credentials.public_jwks(),
        client_secret: match &credentials {
            Credentials::Secret(secret) => Some(secret.clone()),
            Credentials::Keys(_) => None,
        },
        ..SandboxClient::default()
    };
    let options = SandboxOptions {
        clients: vec![registered],
        ..SandboxOptions::default()
    };
    let sandbox = match Sandbox::start(spec, options).await {
        Ok(sandbox) => sandbox,
        Err(error) => {
            steps.report("sandbox", Err(error.to_string()));
            return;
        }
    };
    println!("sandbox {}", sandbox.issuer());
    let spec = spec.spec();
    let Some(client) = steps_client::<P>(&sandbox, variant.method, &credentials, steps) else {
        return;
    };

    let approving = spec
        .sandbox
        .as_ref()
        .and_then(|s| s.users.iter().find(|u| u.outcome == Outcome::Approve))
        .map(|u| (u.login.clone(), u.name.clone()))
        .unwrap_or_else(|| ("demo-user".to_owned(), "a person".to_owned()));

    // The happy path; as a nested-JWT request object where the provider takes one
    // and the relying party has keys to sign it.
    let mut request = authorization_request(spec, &approving.0);
    if spec.claims_parameter.is_some() {
        // Every documented claim, from userinfo: the scopes release only some of them.
        let wanted: serde_json::Map<String, serde_json::Value> = spec
            .claims
            .iter()
            .filter(|(wire, claim)| {
                *wire != "sub"
                    && claim
                        .delivered_in
                        .contains(&idspec_codegen::model::ClaimTarget::Userinfo)
            })
            .map(|(wire, _)| (wire.clone(), serde_json::Value::Null))
            .collect();
        request.set(
            "claims",
            serde_json::json!({ "userinfo": wanted }).to_string(),
        );
    }
    if let (Some(object), Credentials::Keys(_)) = (&spec.request_object, &credentials) {
        request.set_request_object(if object.encryption.is_some() {
            RequestObject::SignedEncrypted
        } else {
            RequestObject::Signed
        });
    }
    let pushed = request.is_pushed();
    let start = client.start(request.clone()).await;
    let described = describe_request(&request, pushed);
    let Some(start) = ok(
        steps,
        if pushed {
            "pushed authorization request"
        } else {
            "authorization request"
        },
        start.map(|s| {
            let url = redact_query(&s.url);
            (s, format!("{described}\nbrowser goes to {url}"))
        }),
    ) else {
        return;
    };
    let callback = sign_in(&start.url, &approving.0, Decision::Approve).await;
    let Some(callback) = ok(
        steps,
        &format!("sign-in as {} ({})", approving.0, approving.1),
        callback
            .map(|c| {
                let names: Vec<String> = c.query_pairs().map(|(k, _)| k.into_owned()).collect();
                let detail = format!("redirected to the client with {}", names.join(", "));
                (c, detail)
            })
            .map_err(|e| e.to_string()),
    ) else {
        return;
    };
    let login = client.complete(callback.as_str()).await;
    let Some(login) = ok_typed(
        steps,
        "code exchange",
        login.map(|login| {
            let tokens = login.tokens();
            let detail = format!(
                "token_type {}, access token expires in {}, scope \"{}\", refresh token {}",
                tokens.token_type,
                tokens
                    .expires_in
                    .map(|d| format!("{} s", d.as_secs()))
                    .unwrap_or_else(|| "-".into()),
                tokens.scope.as_deref().unwrap_or(""),
                if tokens.refresh_token.is_some() {
                    "issued"
                } else {
                    "not issued"
                },
            );
            (login, detail)
        }),
    ) else {
        return;
    };
    if let Some(claims) = login.id_token_claims() {
        let protection = login
            .tokens()
            .id_token
            .as_ref()
            .map(|jwt| describe_jose(jwt.secret()))
            .unwrap_or_default();
        steps.report(
            &format!(
                "ID token {protection}validated (signature, iss, aud, exp, iat, nonce, at_hash)"
            ),
            Ok(json(claims)),
        );
    }
    if let Some(profile) = P::PROFILE.userinfo {
        let userinfo = client.userinfo(&login).await;
        let formats: Vec<&str> = profile
            .formats
            .iter()
            .map(|f| match f {
                idspec::runtime::UserinfoFormat::Json => "JSON",
                idspec::runtime::UserinfoFormat::Signed => "signed",
                idspec::runtime::UserinfoFormat::SignedEncrypted => "signed and encrypted",
            })
            .collect();
        ok_typed(
            steps,
            &format!(
                "userinfo ({}, as the spec allows; typed)",
                formats.join(" or ")
            ),
            userinfo.map(|u| {
                let detail = typed_fields(&u);
                (u, detail)
            }),
        );
    }
    // Where the provider documents a revocation endpoint (for this variant).
    let revocation = spec
        .environments
        .values()
        .filter(|env| env.variant == variant.name)
        .any(|env| env.endpoints.revocation.is_some());
    if revocation && P::PROFILE.userinfo.is_some() {
        // A second login, revoked: its access token no longer opens userinfo.
        let outcome = match attempt(&client, spec, &approving.0).await {
            Err(problem) => Err(problem),
            Ok(Err(error)) => Err(describe_error(&error)),
            Ok(Ok(second)) => match client.revoke(second.access_token()).await {
                Err(error) => Err(describe_error(&error)),
                Ok(()) => match client.userinfo(&second).await {
                    Ok(_) => Err("the revoked access token still opens userinfo".to_owned()),
                    Err(error) if error.code() == "invalid_token" => Ok(format!(
                        "userinfo with the revoked token: {}",
                        describe_error(&error)
                    )),
                    Err(error) => Err(format!(
                        "expected invalid_token, got {}",
                        describe_error(&error)
                    )),
                },
            },
        };
        steps.report("access token revoked", outcome);
    }
    if login.refresh_token().is_some() {
        let refreshed = client.refresh(&login).await;
        ok_typed(
            steps,
            "refresh",
            refreshed.map(|r| {
                // The runtime refuses a refreshed ID token for another subject.
                let detail = format!(
                    "new access token, expires in {}{}",
                    r.tokens()
                        .expires_in
                        .map(|d| format!("{} s", d.as_secs()))
                        .unwrap_or_else(|| "-".into()),
                    if r.tokens().id_token.is_some() {
                        "; new ID token for the same subject"
                    } else {
                        ""
                    }
                );
                (r, detail)
            }),
        );
    }

    // Every documented error a scripted user triggers, and the cancel button.
    let scripted: Vec<(String, String, String)> = spec
        .sandbox
        .iter()
        .flat_map(|s| s.users.iter())
        .filter_map(|u| match &u.outcome {
            Outcome::Error(code) => Some((u.login.clone(), u.name.clone(), code.clone())),
            Outcome::Approve | Outcome::NoAnswer => None,
        })
        .collect();
    for (user_login, name, code) in scripted {
        let outcome = provoke::<P>(&client, spec, &user_login, Decision::Approve, &code).await;
        steps.report(
            &format!("{name} ({user_login}) fails as documented"),
            outcome,
        );
    }
    if let Some(cancel) = spec.sandbox.as_ref().and_then(|s| s.cancel.clone()) {
        let outcome = provoke::<P>(&client, spec, &approving.0, Decision::Cancel, &cancel).await;
        steps.report("cancel on the login page", outcome);
    }

    // A configuration mistake: credentials the provider does not know, detected at
    // the first authenticated call (the pushed request, or the code exchange).
    let wrong = match credentials.wrong(variant.method) {
        Ok(wrong) => wrong,
        Err(error) => {
            steps.report("unregistered credentials", Err(error));
            return;
        }
    };
    let what = match wrong {
        Credentials::Secret(_) => "wrong client secret",
        Credentials::Keys(_) => "client assertion signed with an unregistered key",
    };
    if let Some(client) = steps_client::<P>(&sandbox, variant.method, &wrong, steps) {
        let outcome = match attempt(&client, spec, &approving.0).await {
            Err(problem) => Err(problem),
            Ok(Ok(_)) => Err("the login succeeded".to_owned()),
            Ok(Err(error)) if error.code() == "invalid_client" => Ok(describe_error(&error)),
            Ok(Err(error)) => Err(format!(
                "expected invalid_client, got {}",
                describe_error(&error)
            )),
        };
        steps.report(&format!("{what} is refused"), outcome);
    }
}

/// A login as `login` up to the code exchange: the sandbox's own failures as text,
/// the client's outcome as it is.
async fn attempt<P: Provider>(
    client: &Client<P>,
    spec: &Spec,
    login: &str,
) -> Result<Result<idspec::runtime::Login<P>, Error<P::ErrorCode>>, String> {
    let start = match client.start(authorization_request(spec, login)).await {
        Ok(start) => start,
        Err(error) => return Ok(Err(error)),
    };
    let callback = sign_in(&start.url, login, Decision::Approve)
        .await
        .map_err(|e| e.to_string())?;
    Ok(client.complete(callback.as_str()).await)
}

/// A client for the sandbox's default registration, authenticating as the spec's default.
fn steps_client<P: Provider>(
    sandbox: &Sandbox,
    method: SpecAuth,
    credentials: &Credentials,
    steps: &mut Steps,
) -> Option<Client<P>> {
    let registered = SandboxClient::default();
    let method = match method {
        SpecAuth::ClientSecretPost => ClientAuthMethod::ClientSecretPost,
        SpecAuth::ClientSecretBasic => ClientAuthMethod::ClientSecretBasic,
        SpecAuth::ClientSecretJwt => ClientAuthMethod::ClientSecretJwt,
        SpecAuth::PrivateKeyJwt => ClientAuthMethod::PrivateKeyJwt,
        SpecAuth::None => {
            steps.report(
                "client",
                Err("public clients are not in the demo".to_owned()),
            );
            return None;
        }
    };
    let http = HttpClient::builder()
        .allow_loopback_http(true)
        .build()
        .ok()?;
    let builder = Client::<P>::builder(sandbox.endpoints())
        .client_id(registered.client_id)
        .client_auth(method)
        .redirect_uri(registered.redirect_uris[0].clone())
        .http_client(http);
    let client = match credentials {
        Credentials::Secret(secret) => builder.client_secret(secret.as_str()),
        Credentials::Keys(keys) => builder.keys(keys.clone()),
    }
    .build();
    match client {
        Ok(client) => Some(client),
        Err(error) => {
            steps.report("client", Err(error.to_string()));
            None
        }
    }
}

async fn provoke<P: Provider>(
    client: &Client<P>,
    spec: &Spec,
    login: &str,
    decision: Decision,
    code: &str,
) -> Result<String, String> {
    let start = client
        .start(authorization_request(spec, login))
        .await
        .map_err(|e| describe_error(&e))?;
    let callback = sign_in(&start.url, login, decision)
        .await
        .map_err(|e| e.to_string())?;
    match client.complete(callback.as_str()).await {
        Ok(_) => Err(format!("the login succeeded; expected {code}")),
        Err(error) => {
            let provider = error
                .provider_error()
                .ok_or_else(|| format!("not a provider error: {}", describe_error(&error)))?;
            let documented = provider.kind().documented_message().is_some();
            if error.code() == code && documented {
                Ok(describe_error(&error))
            } else {
                Err(format!(
                    "expected the documented {code}, got {}",
                    describe_error(&error)
                ))
            }
        }
    }
}

fn describe_error<C: ProviderErrorCode>(error: &Error<C>) -> String {
    let mut text = match error.provider_error() {
        Some(provider) => {
            let mut text = format!("ErrorCode::{:?}: {}", provider.kind(), error.code());
            if let Some(oauth) = provider.oauth_error() {
                let _ = write!(text, " (OAuth {oauth}");
                if let Some(category) = provider.category() {
                    let _ = write!(text, ", category {category}");
                }
                if let Some(trace) = provider.trace_id() {
                    let _ = write!(text, ", trace id {trace}");
                }
                if let Some(raw) = provider.raw() {
                    let _ = write!(text, ", HTTP {}", raw.status);
                }
                text.push(')');
            }
            text
        }
        None => error.code().to_string(),
    };
    if let Some(message) = error.message() {
        let _ = write!(text, ": \"{message}\"");
    }
    if let Some(uri) = error.provider_error().and_then(|p| p.error_uri()) {
        let _ = write!(text, "; more at {uri}");
    }
    text
}

/// "encrypted (RSA-OAEP-256, A128CBC-HS256), then " for a JWE, nothing for a JWS:
/// read from the token's protected header, for the demo's output only.
fn describe_jose(compact: &str) -> String {
    use base64::Engine as _;
    let parts: Vec<&str> = compact.split('.').collect();
    if parts.len() != 5 {
        return String::new();
    }
    let header = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(parts[0])
        .ok()
        .and_then(|bytes| serde_json::from_slice::<serde_json::Value>(&bytes).ok())
        .unwrap_or_default();
    format!(
        "decrypted ({}, {}), then ",
        header["alg"].as_str().unwrap_or("?"),
        header["enc"].as_str().unwrap_or("?")
    )
}

/// The typed fields of a claims struct, one per line as `field = value` (values as
/// compact JSON, long strings cut), then the unknown claims it kept.
fn typed_fields<T: ClaimFields + serde::Serialize>(claims: &T) -> String {
    let mut text = String::new();
    for (name, mut value) in claims.fields() {
        shorten(&mut value);
        let _ = writeln!(text, "{name} = {value}");
    }
    text
}

/// Long strings (a base64 photo) cut to their start and length.
fn shorten(value: &mut serde_json::Value) {
    match value {
        serde_json::Value::String(text) if text.chars().count() > 72 => {
            let start: String = text.chars().take(40).collect();
            *text = format!("{start}… ({} characters)", text.chars().count());
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(shorten),
        serde_json::Value::Object(map) => map.values_mut().for_each(shorten),
        _ => {}
    }
}

/// Pretty JSON, with long strings (a base64 photo) cut to their start and length.
fn json<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(mut value) => {
            shorten(&mut value);
            serde_json::to_string_pretty(&value).unwrap_or_default()
        }
        Err(e) => format!("(not printable: {e})"),
    }
}

fn describe_request(params: &AuthorizationParams, pushed: bool) -> String {
    let names: Vec<&str> = params
        .params()
        .iter()
        .map(|(name, _)| name.as_ref())
        .collect();
    let mut text = format!("scope \"{}\"", params.scopes().join(" "));
    if !names.is_empty() {
        let _ = write!(text, ", with {}", names.join(", "));
    }
    if pushed {
        text.push_str(", pushed on the back channel; the browser sees only a request_uri");
    }
    text
}

/// The URL with its query values cut, for printing.
fn redact_query(url: &url::Url) -> String {
    let names: Vec<String> = url.query_pairs().map(|(k, _)| k.into_owned()).collect();
    let mut bare = url.clone();
    bare.set_query(None);
    if names.is_empty() {
        bare.to_string()
    } else {
        format!(
            "{bare}?{}",
            names
                .iter()
                .map(|n| format!("{n}=…"))
                .collect::<Vec<_>>()
                .join("&")
        )
    }
}

fn ok<T>(
    steps: &mut Steps,
    step: &str,
    outcome: Result<(T, String), impl std::fmt::Display>,
) -> Option<T> {
    match outcome {
        Ok((value, detail)) => {
            steps.report(step, Ok(detail));
            Some(value)
        }
        Err(error) => {
            steps.report(step, Err(error.to_string()));
            None
        }
    }
}

fn ok_typed<T, C: ProviderErrorCode>(
    steps: &mut Steps,
    step: &str,
    outcome: Result<(T, String), Error<C>>,
) -> Option<T> {
    match outcome {
        Ok((value, detail)) => {
            steps.report(step, Ok(detail));
            Some(value)
        }
        Err(error) => {
            steps.report(step, Err(describe_error(&error)));
            None
        }
    }
}
