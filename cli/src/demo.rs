//! `idspec demo`: every provider compiled into the `idspec` crate, driven through
//! its sandbox: a full login (authorization or PAR request, token response,
//! validated ID token, typed userinfo, refresh), then every documented error its
//! scripted users trigger, the cancel button, and a wrong client secret, each
//! decoded to its typed variant. Exits non-zero if any step fails.
//!
//! Nothing here knows a provider: the spec says which scopes, login parameter and
//! scripted users there are, so a new spec gets its demo without new code.

use std::fmt::Write as _;

use idspec::runtime::{
    AuthorizationParams, Client, ClientAuthMethod, Error, ErrorMetadata, HttpClient, Provider,
    ProviderErrorCode, ProviderVisitor,
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
        self.runtime.block_on(drive::<P>(&spec, &mut steps));
        self.passed += steps.passed;
        self.failed += steps.failed;
        println!();
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

async fn drive<P: Provider>(spec: &ValidatedSpec, steps: &mut Steps) {
    let sandbox = match Sandbox::start(spec, SandboxOptions::default()).await {
        Ok(sandbox) => sandbox,
        Err(error) => {
            steps.report("sandbox", Err(error.to_string()));
            return;
        }
    };
    println!("sandbox {}", sandbox.issuer());
    let spec = spec.spec();
    let Some(client) = steps_client::<P>(spec, &sandbox, SECRET, steps) else {
        return;
    };

    let approving = spec
        .sandbox
        .as_ref()
        .and_then(|s| s.users.iter().find(|u| u.outcome == Outcome::Approve))
        .map(|u| (u.login.clone(), u.name.clone()))
        .unwrap_or_else(|| ("demo-user".to_owned(), "a person".to_owned()));

    // The happy path.
    let request = authorization_request(spec, &approving.0);
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
    if P::PROFILE.is_openid() {
        steps.report(
            "ID token validated (signature, iss, aud, exp, iat, nonce, at_hash)",
            Ok(json(login.claims())),
        );
    }
    if P::PROFILE.userinfo.is_some() {
        let userinfo = client.userinfo(&login).await;
        ok_typed(
            steps,
            "userinfo (typed)",
            userinfo.map(|u| {
                let detail = json(&u);
                (u, detail)
            }),
        );
    }
    if login.refresh_token().is_some() {
        let refreshed = client.refresh(&login).await;
        ok_typed(
            steps,
            "refresh",
            refreshed.map(|r| {
                let same = r.subject() == login.subject();
                let detail = format!(
                    "new access token, expires in {}; subject {}",
                    r.tokens()
                        .expires_in
                        .map(|d| format!("{} s", d.as_secs()))
                        .unwrap_or_else(|| "-".into()),
                    if same { "unchanged" } else { "CHANGED" }
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
            Outcome::Approve => None,
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

    // A configuration mistake: the wrong client secret.
    if let Some(wrong) = steps_client::<P>(spec, &sandbox, "not-the-secret", steps) {
        let outcome = match wrong.start(request).await {
            Ok(_) if !pushed => Ok(
                "not detectable before the code exchange: the front channel is unauthenticated"
                    .to_owned(),
            ),
            Ok(_) => Err("the wrong secret was accepted".to_owned()),
            Err(error) if error.code() == "invalid_client" => Ok(describe_error(&error)),
            Err(error) => Err(format!(
                "expected invalid_client, got {}",
                describe_error(&error)
            )),
        };
        steps.report("wrong client secret is refused", outcome);
    }
}

/// A client for the sandbox's default registration, authenticating as the spec's default.
fn steps_client<P: Provider>(
    spec: &Spec,
    sandbox: &Sandbox,
    secret: &str,
    steps: &mut Steps,
) -> Option<Client<P>> {
    let registered = SandboxClient::default();
    let method = match spec.client_auth.as_ref().and_then(|a| a.default_method()) {
        Some(SpecAuth::ClientSecretPost) => ClientAuthMethod::ClientSecretPost,
        Some(SpecAuth::ClientSecretBasic) | None => ClientAuthMethod::ClientSecretBasic,
        Some(other) => {
            steps.report(
                "client",
                Err(format!(
                    "client authentication {} is not in the demo yet",
                    other.as_str()
                )),
            );
            return None;
        }
    };
    let http = HttpClient::builder()
        .allow_loopback_http(true)
        .build()
        .ok()?;
    let client = Client::<P>::builder(sandbox.endpoints())
        .client_id(registered.client_id)
        .client_secret(secret)
        .client_auth(method)
        .redirect_uri(registered.redirect_uris[0].clone())
        .http_client(http)
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
    text
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string_pretty(value).unwrap_or_else(|e| format!("(not printable: {e})"))
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
