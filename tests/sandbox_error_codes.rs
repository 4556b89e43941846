//! Every documented error code of every spec compiled into idspec, reached through
//! that provider's sandbox and decoded by its generated client to its own typed
//! variant: the spec, the sandbox and the generated types agree.

use idspec::runtime::{
    Client, ClientAuthMethod, Error, ErrorMetadata, HttpClient, Provider, ProviderErrorCode,
    ProviderVisitor,
};
use idspec_codegen::model::{ErrorEndpoint, Outcome, SandboxUser, Spec};
use idspec_sandbox::user_agent::{authorization_request, sign_in, Decision};
use idspec_sandbox::{Sandbox, SandboxClient, SandboxOptions};

struct EveryCode {
    runtime: tokio::runtime::Runtime,
    reached: Vec<String>,
}

impl ProviderVisitor for EveryCode {
    fn visit<P: Provider>(&mut self, spec_yaml: &'static str) {
        // A backchannel provider has no redirect to sign in through: tests/imid
        // reaches its codes through its own flow.
        if P::PROFILE.backchannel.is_some() {
            return;
        }
        let reached = self.runtime.block_on(every_code::<P>(spec_yaml));
        self.reached.extend(reached);
    }
}

async fn every_code<P: Provider>(spec_yaml: &str) -> Vec<String> {
    let id = P::PROFILE.id;
    let spec =
        idspec_codegen::load(format!("{id}.yaml"), spec_yaml).unwrap_or_else(|d| panic!("{d}"));
    let sandbox = Sandbox::start(&spec, SandboxOptions::default())
        .await
        .expect("the sandbox starts");
    let registered = SandboxClient::default();
    // The client secret methods: the codes do not depend on how the client authenticates.
    let secret_method = P::PROFILE
        .client_auth
        .iter()
        .copied()
        .find(|m| {
            matches!(
                m,
                ClientAuthMethod::ClientSecretBasic | ClientAuthMethod::ClientSecretPost
            )
        })
        .expect("a client secret method");
    let client = Client::<P>::builder(sandbox.endpoints())
        .client_id(registered.client_id.clone())
        .client_secret(registered.client_secret.clone().unwrap_or_default())
        .client_auth(secret_method)
        .redirect_uri(registered.redirect_uris[0].clone())
        .http_client(
            HttpClient::builder()
                .allow_loopback_http(true)
                .build()
                .expect("http"),
        )
        .build()
        .expect("client");
    let spec = spec.spec();
    let users = spec
        .sandbox
        .as_ref()
        .map(|s| s.users.as_slice())
        .unwrap_or_default();
    let mut reached = Vec::new();
    for documented in &spec.errors.codes {
        // Codes documented per endpoint are reached at each of their endpoints.
        let endpoints = if documented.endpoints.is_empty() {
            vec![ErrorEndpoint::Authorization]
        } else {
            documented.endpoints.clone()
        };
        for endpoint in endpoints {
            let error = provoke(&client, spec, users, &documented.code, endpoint).await;
            let at = format!("{id} {} at {}", documented.code, endpoint.as_str());
            let provider = error
                .provider_error()
                .unwrap_or_else(|| panic!("{at}: {error:?}"));
            let kind = provider.kind();
            assert_eq!(kind.as_wire(), documented.code, "{at}");
            // Decoded to its own documented variant, not the catch-all.
            assert_eq!(
                kind.documented_message(),
                Some(documented.message.as_str()),
                "{at}"
            );
            assert_eq!(
                format!("{kind:?}"),
                format!(
                    "{:?}",
                    P::ErrorCode::from_endpoint(provider.endpoint(), &documented.code)
                )
            );
            assert!(!format!("{kind:?}").contains("Unhandled"), "{at}: {kind:?}");
            assert_eq!(error.code(), documented.code);
            assert_eq!(error.message(), Some(documented.message.as_str()));
            assert_eq!(
                provider.oauth_error().map(|e| e.as_str()),
                documented.oauth.as_deref(),
                "{at}"
            );
            reached.push(format!("{id}:{}:{}", endpoint.as_str(), documented.code));
        }
    }
    reached
}

/// The error the sandbox answers for `code` at `endpoint`: a scripted user of the
/// document where there is one, the sandbox's `error:<code>` (authorization) or
/// `error:<endpoint>:<code>` otherwise.
async fn provoke<P: Provider>(
    client: &Client<P>,
    spec: &Spec,
    users: &[SandboxUser],
    code: &str,
    endpoint: ErrorEndpoint,
) -> Error<P::ErrorCode> {
    let login = match endpoint {
        ErrorEndpoint::Authorization => users
            .iter()
            .find(|u| u.outcome == Outcome::Error(code.to_owned()))
            .map(|u| u.login.clone())
            .unwrap_or_else(|| format!("error:{code}")),
        other => format!("error:{}:{code}", other.as_str()),
    };
    let start = client
        .start(authorization_request(spec, &login))
        .await
        .expect("start");
    let callback = sign_in(&start.url, &login, Decision::Approve)
        .await
        .expect("sign in");
    let completed = client.complete(callback.as_str()).await;
    match endpoint {
        ErrorEndpoint::Authorization | ErrorEndpoint::Token => completed.expect_err(code),
        ErrorEndpoint::Userinfo => {
            let login = completed.expect("the login succeeds");
            client.userinfo(&login).await.expect_err(code)
        }
        ErrorEndpoint::Revocation => {
            let login = completed.expect("the login succeeds");
            client.revoke(login.access_token()).await.expect_err(code)
        }
        ErrorEndpoint::Notification => {
            unreachable!("only backchannel providers have notifications")
        }
    }
}

#[test]
fn every_documented_error_code_of_every_spec_is_reached_and_decoded() {
    let mut visitor = EveryCode {
        runtime: tokio::runtime::Runtime::new().expect("tokio"),
        reached: Vec::new(),
    };
    idspec::for_each_provider(&mut visitor);
    // Mobile ID alone documents 29 codes; every other spec adds its own.
    assert!(visitor.reached.len() >= 29, "{:?}", visitor.reached);
    assert!(visitor
        .reached
        .iter()
        .any(|r| r == "mobileid:authorization:mid_sys_9900"));
    #[cfg(feature = "itsme")]
    for code in [
        "itsme:authorization:invalid_request_object",
        "itsme:authorization:temporary_unavailable",
        "itsme:token:invalid_grant",
        "itsme:userinfo:invalid_token",
        "itsme:revocation:unsupported_token_type",
    ] {
        assert!(visitor.reached.iter().any(|r| r == code), "{code}");
    }
}
