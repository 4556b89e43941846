//! `idspec login`: a real login from the terminal, for anyone wiring up a provider.
//!
//! It starts a loopback listener for the callback (unless a registered redirect URI
//! is given), prints the authorization URL to open, completes the flow with the
//! provider's generated client, and prints the validated ID token claims and the
//! userinfo as JSON. With `--follow` it follows the provider's redirects itself, for
//! providers that approve automatically (the sandbox, test providers).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::time::Duration;

use idspec::runtime::jose::{RelyingPartyKeys, SigningAlg};
use idspec::runtime::{
    AuthorizationParams, Client, ClientAuthMethod, Endpoints, ErrorMetadata, HttpClient, Provider,
    ProviderVisitor, RequestObject,
};
use serde_json::json;

const USAGE: &str = "\
usage: idspec login --spec <spec> [--issuer URL] [--environment NAME] --client-id ID
                    [--client-secret S | --key FILE (private JWK or PEM) [--key-alg RS256]]
                    [--auth client_secret_basic|client_secret_post|client_secret_jwt|private_key_jwt]
                    [--scope \"openid email\"] [--param name=value]... [--par]
                    [--request-object signed|encrypted] [--redirect-uri URI] [--follow]";

/// How long to wait for the browser to come back.
const CALLBACK_TIMEOUT: Duration = Duration::from_secs(300);

#[derive(Debug, Default)]
struct Options {
    spec: String,
    issuer: Option<String>,
    environment: Option<String>,
    client_id: String,
    client_secret: Option<String>,
    key: Option<String>,
    key_alg: Option<String>,
    auth: Option<String>,
    scope: Option<String>,
    params: Vec<(String, String)>,
    par: bool,
    request_object: Option<String>,
    redirect_uri: Option<String>,
    follow: bool,
}

fn parse(args: &[String]) -> Result<Options, String> {
    let mut options = Options::default();
    let mut iter = args.iter();
    while let Some(arg) = iter.next() {
        let mut value = || {
            iter.next()
                .cloned()
                .ok_or_else(|| format!("{arg} needs a value\n{USAGE}"))
        };
        match arg.as_str() {
            "--spec" => options.spec = value()?,
            "--issuer" => options.issuer = Some(value()?),
            "--environment" => options.environment = Some(value()?),
            "--client-id" => options.client_id = value()?,
            "--client-secret" => options.client_secret = Some(value()?),
            "--key" => options.key = Some(value()?),
            "--key-alg" => options.key_alg = Some(value()?),
            "--auth" => options.auth = Some(value()?),
            "--scope" => options.scope = Some(value()?),
            "--param" => {
                let pair = value()?;
                let (name, value) = pair
                    .split_once('=')
                    .ok_or_else(|| format!("--param {pair}: expected name=value"))?;
                options.params.push((name.to_owned(), value.to_owned()));
            }
            "--par" => options.par = true,
            "--request-object" => options.request_object = Some(value()?),
            "--redirect-uri" => options.redirect_uri = Some(value()?),
            "--follow" => options.follow = true,
            other => return Err(format!("unknown option {other}\n{USAGE}")),
        }
    }
    if options.spec.is_empty() || options.client_id.is_empty() {
        return Err(USAGE.to_owned());
    }
    Ok(options)
}

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let options = parse(args)?;
    let spec = idspec_codegen::load_file(&options.spec).map_err(|d| d.to_string())?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("cannot start tokio: {e}"))?;
    let mut login = Login {
        options,
        spec,
        runtime,
        outcome: None,
    };
    idspec::for_each_provider(&mut login);
    login.outcome.unwrap_or_else(|| {
        Err(format!(
            "spec `{}` is not compiled into idspec: use a spec from specs/ (specs/generic-oidc.yaml works with any OpenID provider, with --issuer)",
            login.spec.spec().id
        ))
    })
}

struct Login {
    options: Options,
    spec: idspec_codegen::ValidatedSpec,
    runtime: tokio::runtime::Runtime,
    outcome: Option<Result<(), String>>,
}

impl ProviderVisitor for Login {
    fn visit<P: Provider>(&mut self, _spec_yaml: &'static str) {
        if P::PROFILE.id == self.spec.spec().id {
            self.outcome = Some(
                self.runtime
                    .block_on(login::<P>(&self.options, self.spec.spec())),
            );
        }
    }
}

/// The endpoints: discovered from `--issuer`, or the spec's environment.
fn endpoints(options: &Options, spec: &idspec_codegen::model::Spec) -> Result<Endpoints, String> {
    if let Some(issuer) = &options.issuer {
        return Endpoints::discover(issuer).map_err(|e| e.to_string());
    }
    let (name, env) = match &options.environment {
        Some(name) => spec
            .environments
            .get_key_value(name)
            .ok_or_else(|| format!("the spec has no environment `{name}`"))?,
        None => spec
            .environments
            .first()
            .ok_or("the spec has no environment")?,
    };
    let url = |value: &Option<String>| {
        value
            .as_deref()
            .map(url::Url::parse)
            .transpose()
            .map_err(|e| format!("environment {name}: {e}"))
    };
    let e = &env.endpoints;
    Ok(Endpoints {
        issuer: env.issuer.clone(),
        discovery: url(&env.discovery)?,
        authorization: url(&e.authorization)?,
        token: url(&e.token)?,
        userinfo: url(&e.userinfo)?,
        par: url(&e.par)?,
        revocation: url(&e.revocation)?,
        jwks: url(&e.jwks)?,
    })
}

fn keys(options: &Options) -> Result<RelyingPartyKeys, String> {
    let Some(path) = &options.key else {
        return Ok(RelyingPartyKeys::new());
    };
    let text = std::fs::read(path).map_err(|e| format!("cannot read {path}: {e}"))?;
    if text.starts_with(b"-----BEGIN") {
        let alg: SigningAlg = options
            .key_alg
            .as_deref()
            .unwrap_or("RS256")
            .parse()
            .map_err(|e| format!("--key-alg: {e}"))?;
        RelyingPartyKeys::new()
            .with_signing_pem(alg, &text, "idspec-login")
            .map_err(|e| format!("{path}: {e}"))
    } else {
        RelyingPartyKeys::from_jwk_json(&String::from_utf8_lossy(&text))
            .map_err(|e| format!("{path}: {e}"))
    }
}

fn auth_method(options: &Options) -> Result<Option<ClientAuthMethod>, String> {
    Ok(Some(match options.auth.as_deref() {
        Some("client_secret_basic") => ClientAuthMethod::ClientSecretBasic,
        Some("client_secret_post") => ClientAuthMethod::ClientSecretPost,
        Some("client_secret_jwt") => ClientAuthMethod::ClientSecretJwt,
        Some("private_key_jwt") => ClientAuthMethod::PrivateKeyJwt,
        Some(other) => return Err(format!("unknown --auth {other}")),
        None if options.key.is_some() && options.client_secret.is_none() => {
            ClientAuthMethod::PrivateKeyJwt
        }
        None => return Ok(None),
    }))
}

async fn login<P: Provider>(
    options: &Options,
    spec: &idspec_codegen::model::Spec,
) -> Result<(), String> {
    // A loopback listener, unless the provider only knows a registered redirect URI.
    let (listener, redirect_uri) = match &options.redirect_uri {
        Some(uri) => (None, uri.clone()),
        None => {
            let listener = TcpListener::bind("127.0.0.1:0")
                .map_err(|e| format!("cannot listen for the callback: {e}"))?;
            let address = listener.local_addr().map_err(|e| e.to_string())?;
            (Some(listener), format!("http://{address}/callback"))
        }
    };
    // Loopback http is allowed for the callback and for providers on this machine;
    // anything else must be https.
    let http = HttpClient::builder()
        .allow_loopback_http(true)
        .build()
        .map_err(|e| e.to_string())?;
    let mut builder = Client::<P>::builder(endpoints(options, spec)?)
        .client_id(options.client_id.clone())
        .redirect_uri(redirect_uri.clone())
        .http_client(http)
        .keys(keys(options)?);
    if let Some(secret) = &options.client_secret {
        builder = builder.client_secret(secret.clone());
    }
    if let Some(method) = auth_method(options)? {
        builder = builder.client_auth(method);
    }
    let client = builder.build().map_err(|e| format!("configuration: {e}"))?;

    let mut params = AuthorizationParams::new();
    let scope = options.scope.clone().unwrap_or_else(|| "openid".to_owned());
    for scope in scope.split_whitespace() {
        params.add_scope(&scope.to_owned());
    }
    for (name, value) in &options.params {
        params.set(name.clone(), value.clone());
    }
    match options.request_object.as_deref() {
        None => {}
        Some("signed") => params.set_request_object(RequestObject::Signed),
        Some("encrypted") => params.set_request_object(RequestObject::SignedEncrypted),
        Some(other) => {
            return Err(format!(
                "--request-object {other}: expected signed or encrypted"
            ))
        }
    }
    if options.par {
        params = params.into_pushed();
    }

    let start = client.start(params).await.map_err(|e| typed_error(&e))?;
    let callback = if options.follow {
        eprintln!(
            "following the provider's redirects from {}",
            redact(&start.url)
        );
        follow(&start.url, &redirect_uri).await?
    } else {
        eprintln!(
            "Open this URL in a browser to sign in:\n\n  {}\n",
            start.url
        );
        match listener {
            Some(listener) => wait_for_callback(listener)?,
            None => {
                eprintln!("then paste the URL the browser was redirected to:");
                let mut line = String::new();
                std::io::stdin()
                    .read_line(&mut line)
                    .map_err(|e| e.to_string())?;
                line.trim().to_owned()
            }
        }
    };
    let login = client
        .complete(&callback)
        .await
        .map_err(|e| typed_error(&e))?;
    let mut output = json!({
        "provider": P::PROFILE.id,
        "id_token_claims": login.id_token_claims(),
        "token": {
            "token_type": login.tokens().token_type,
            "expires_in": login.tokens().expires_in.map(|d| d.as_secs()),
            "scope": login.tokens().scope,
            "refresh_token": login.refresh_token().is_some(),
        },
    });
    if P::PROFILE.userinfo.is_some() {
        let userinfo = client.userinfo(&login).await.map_err(|e| typed_error(&e))?;
        output["userinfo"] = serde_json::to_value(&userinfo).map_err(|e| e.to_string())?;
    }
    println!(
        "{}",
        serde_json::to_string_pretty(&output).map_err(|e| e.to_string())?
    );
    Ok(())
}

/// The typed error, as a person needs it: its code, what it means, what to do.
fn typed_error<C: idspec::runtime::ProviderErrorCode>(error: &idspec::runtime::Error<C>) -> String {
    let mut text = format!("login failed: [{}] {error}", error.code());
    if let Some(provider) = error.provider_error() {
        text.push_str(&format!("\n  provider code: {:?}", provider.kind()));
        if let Some(oauth) = provider.oauth_error() {
            text.push_str(&format!(" (OAuth {oauth})"));
        }
        if let Some(trace) = provider.trace_id() {
            text.push_str(&format!("\n  trace id: {trace}"));
        }
    }
    if let Some(message) = error.message() {
        text.push_str(&format!("\n  {message}"));
    }
    text
}

fn redact(url: &url::Url) -> String {
    let mut bare = url.clone();
    bare.set_query(None);
    bare.to_string()
}

/// Follows redirects (with cookies) until the provider sends the browser to the
/// redirect URI; that URL is the callback, never fetched.
async fn follow(start: &url::Url, redirect_uri: &str) -> Result<String, String> {
    let agent = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .cookie_store(true)
        .timeout(Duration::from_secs(10))
        .build()
        .map_err(|e| e.to_string())?;
    let mut url = start.clone();
    for _ in 0..20 {
        let response = agent
            .get(url.clone())
            .send()
            .await
            .map_err(|e| format!("GET {}: {e}", redact(&url)))?;
        let status = response.status();
        let Some(location) = response
            .headers()
            .get(reqwest::header::LOCATION)
            .and_then(|v| v.to_str().ok())
        else {
            return Err(format!(
                "the provider answered {status} at {} instead of redirecting: it needs a person (open the URL in a browser instead of --follow)",
                redact(&url)
            ));
        };
        let next = url
            .join(location)
            .map_err(|e| format!("bad redirect {location}: {e}"))?;
        if next.as_str().starts_with(redirect_uri) {
            return Ok(next.to_string());
        }
        url = next;
    }
    Err("more than 20 redirects".to_owned())
}

/// Accepts one browser request on the loopback listener and returns its URL.
fn wait_for_callback(listener: TcpListener) -> Result<String, String> {
    let address = listener.local_addr().map_err(|e| e.to_string())?;
    listener.set_nonblocking(false).map_err(|e| e.to_string())?;
    let deadline = std::time::Instant::now() + CALLBACK_TIMEOUT;
    loop {
        if std::time::Instant::now() > deadline {
            return Err("no callback within 5 minutes".to_owned());
        }
        let (mut stream, _) = listener.accept().map_err(|e| e.to_string())?;
        stream.set_read_timeout(Some(Duration::from_secs(10))).ok();
        let mut request_line = String::new();
        BufReader::new(&stream)
            .read_line(&mut request_line)
            .map_err(|e| e.to_string())?;
        let target = request_line
            .split_whitespace()
            .nth(1)
            .unwrap_or("/")
            .to_owned();
        if !target.starts_with("/callback") {
            // Browsers also ask for /favicon.ico.
            let _ = stream.write_all(
                b"HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n",
            );
            continue;
        }
        let body = "<!doctype html><title>idspec login</title><p>Signed in. You can close this window and return to the terminal.</p>";
        let _ = write!(
            stream,
            "HTTP/1.1 200 OK\r\ncontent-type: text/html; charset=utf-8\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
            body.len()
        );
        let params: HashMap<String, String> = url::form_urlencoded::parse(
            target
                .split_once('?')
                .map(|(_, q)| q)
                .unwrap_or("")
                .as_bytes(),
        )
        .into_owned()
        .collect();
        if params.is_empty() {
            return Err("the callback had no parameters".to_owned());
        }
        return Ok(format!("http://{address}{target}"));
    }
}
