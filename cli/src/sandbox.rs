//! `idspec sandbox <spec> [--port N]`: a provider's sandbox for manual testing.

use idspec_sandbox::{Sandbox, SandboxClient, SandboxOptions};

pub(crate) fn run(args: &[String]) -> Result<(), String> {
    let (rest, port) = crate::option_value(args, "--port")?;
    let [spec_path] = rest.as_slice() else {
        return Err("usage: idspec sandbox <spec> [--port N]".to_owned());
    };
    let port: u16 = match port {
        Some(port) => port
            .parse()
            .map_err(|_| format!("--port {port} is not a port number"))?,
        None => 0,
    };
    let spec = idspec_codegen::load_file(spec_path.as_str()).map_err(|d| d.to_string())?;
    let runtime = tokio::runtime::Runtime::new().map_err(|e| format!("cannot start tokio: {e}"))?;
    runtime.block_on(async {
        let client = SandboxClient::default();
        let options = SandboxOptions {
            clients: vec![client.clone()],
            port,
            ..SandboxOptions::default()
        };
        let api_key = options.api_key.clone();
        let sandbox = Sandbox::start(&spec, options)
            .await
            .map_err(|e| e.to_string())?;
        println!("{} sandbox on {}", spec.spec().name, sandbox.issuer());
        let rest_urls = sandbox.rest_urls();
        if !rest_urls.is_empty() {
            print_rest(spec.spec(), &rest_urls, &client, &api_key);
            return wait_for_ctrl_c(sandbox).await;
        }
        let endpoints = sandbox.endpoints();
        for (name, url) in endpoints.urls() {
            println!("  {name:<24} {url}");
        }
        println!(
            "  registered client        {} / {}",
            client.client_id,
            client.client_secret.as_deref().unwrap_or("-")
        );
        println!(
            "  redirect URIs            {}",
            client.redirect_uris.join(", ")
        );
        if let Some(sandbox_spec) = &spec.spec().sandbox {
            println!("  scripted users:");
            for user in &sandbox_spec.users {
                println!("    {:<22} {}", user.name, user.login);
            }
            println!("  any documented error:    log in as error:<code> (at the authorization endpoint)");
            println!("                           or error:token:<code>, error:userinfo:<code>, error:revocation:<code>");
        }
        wait_for_ctrl_c(sandbox).await
    })
}

async fn wait_for_ctrl_c(sandbox: Sandbox) -> Result<(), String> {
    println!("Ctrl-C stops it.");
    tokio::signal::ctrl_c()
        .await
        .map_err(|e| format!("waiting for Ctrl-C: {e}"))?;
    drop(sandbox);
    Ok(())
}

/// A rest provider's sandbox (IDEMIA IPA): its environment URLs, credentials, the
/// start link's shape and the scripted users. Printing the secrets is the point:
/// they are the sandbox's fixed test values.
fn print_rest(
    spec: &idspec_codegen::model::Spec,
    urls: &[(String, url::Url)],
    client: &SandboxClient,
    api_key: &str,
) {
    for (name, url) in urls {
        println!("  {name:<24} {url}");
    }
    println!(
        "  client credentials       {} / {}",
        client.client_id,
        client.client_secret.as_deref().unwrap_or("-")
    );
    let header = spec
        .auth
        .values()
        .find_map(|scheme| scheme.api_key.as_ref())
        .map_or("apikey", |key| key.header.as_str());
    println!("  API key                  {header}: {api_key}");
    for link in spec.links.values() {
        println!("  start link               {}", link.url);
    }
    println!("  webhooks                 posted to the session's callbackUrl (loopback only)");
    if let Some(sandbox_spec) = &spec.sandbox {
        println!("  scripted users (buttons on the start page):");
        for user in &sandbox_spec.users {
            println!("    {:<22} {}", user.name, user.outcome_text(false));
        }
    }
}
