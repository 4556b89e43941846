//! Every documented error code of every spec compiled into idspec, reached through
//! that provider's sandbox and decoded by its generated client to its own typed
//! variant: the spec, the sandbox and the generated types agree.

use idspec::runtime::{
    Client, ErrorMetadata, HttpClient, Provider, ProviderErrorCode, ProviderVisitor,
};
use idspec_codegen::model::Outcome;
use idspec_sandbox::user_agent::{authorization_request, sign_in, Decision};
use idspec_sandbox::{Sandbox, SandboxClient, SandboxOptions};

struct EveryCode {
    runtime: tokio::runtime::Runtime,
    reached: Vec<String>,
}

impl ProviderVisitor for EveryCode {
    fn visit<P: Provider>(&mut self, spec_yaml: &'static str) {
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
    let client = Client::<P>::builder(sandbox.endpoints())
        .client_id(registered.client_id.clone())
        .client_secret(registered.client_secret.clone().unwrap_or_default())
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
        // A scripted user of the document where there is one, the sandbox's
        // `error:<code>` otherwise.
        let login = users
            .iter()
            .find(|u| u.outcome == Outcome::Error(documented.code.clone()))
            .map(|u| u.login.clone())
            .unwrap_or_else(|| format!("error:{}", documented.code));
        let start = client
            .start(authorization_request(spec, &login))
            .await
            .expect("start");
        let callback = sign_in(&start.url, &login, Decision::Approve)
            .await
            .expect("sign in");
        let error = client
            .complete(callback.as_str())
            .await
            .expect_err(&documented.code);
        let provider = error
            .provider_error()
            .unwrap_or_else(|| panic!("{id} {}: {error:?}", documented.code));
        let kind = provider.kind();
        assert_eq!(kind.as_wire(), documented.code, "{id}");
        // Decoded to its own documented variant, not the catch-all.
        assert_eq!(
            kind.documented_message(),
            Some(documented.message.as_str()),
            "{id} {}",
            documented.code
        );
        assert_eq!(
            format!("{kind:?}"),
            format!("{:?}", P::ErrorCode::from_wire(&documented.code))
        );
        assert!(
            !format!("{kind:?}").starts_with("Unhandled"),
            "{id} {}",
            documented.code
        );
        assert_eq!(error.code(), documented.code);
        assert_eq!(error.message(), Some(documented.message.as_str()));
        assert_eq!(
            provider.oauth_error().map(|e| e.as_str()),
            documented.oauth.as_deref(),
            "{id} {}",
            documented.code
        );
        reached.push(format!("{id}:{}", documented.code));
    }
    reached
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
    assert!(visitor.reached.iter().any(|r| r == "mobileid:mid_sys_9900"));
}
