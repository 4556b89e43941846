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
        };
        let sandbox = Sandbox::start(&spec, options)
            .await
            .map_err(|e| e.to_string())?;
        let endpoints = sandbox.endpoints();
        println!("{} sandbox on {}", spec.spec().name, sandbox.issuer());
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
        println!("Ctrl-C stops it.");
        tokio::signal::ctrl_c()
            .await
            .map_err(|e| format!("waiting for Ctrl-C: {e}"))?;
        drop(sandbox);
        Ok(())
    })
}
