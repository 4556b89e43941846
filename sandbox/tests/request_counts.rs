//! `Sandbox::requests`: every request counted once, per route (an endpoint's path,
//! or its pattern where the path has a parameter), refused ones too, and unrouted
//! ones under their own path; snapshots subtract.

use idspec_sandbox::user_agent::{sign_in, Decision};
use idspec_sandbox::{RequestCounts, Sandbox, SandboxOptions};

const DISCOVERY: &str = "/.well-known/openid-configuration";
const INTERACTION: &str = "/sandbox/interaction/{id}";

async fn sandbox() -> Sandbox {
    let spec = idspec_codegen::load_file(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../specs/generic-oidc.yaml"
    ))
    .unwrap_or_else(|d| panic!("{d}"));
    Sandbox::start(&spec, SandboxOptions::default())
        .await
        .expect("sandbox starts")
}

fn path(url: Option<url::Url>) -> String {
    url.expect("the sandbox serves this endpoint")
        .path()
        .to_owned()
}

#[tokio::test]
async fn requests_are_counted_per_route() {
    let sandbox = sandbox().await;
    assert_eq!(sandbox.requests(), RequestCounts::default());
    let endpoints = sandbox.endpoints();
    let http = reqwest::Client::new();

    let discovery = endpoints.discovery.clone().expect("discovery");
    for _ in 0..2 {
        let status = http.get(discovery.clone()).send().await.unwrap().status();
        assert!(status.is_success(), "{status}");
    }
    let jwks = endpoints.jwks.clone().expect("jwks");
    http.get(jwks).send().await.unwrap();
    // Refused (no client authentication, no code; then the wrong method): counted
    // all the same.
    let token = endpoints.token.clone().expect("token");
    let status = http.post(token.clone()).send().await.unwrap().status();
    assert!(status.is_client_error(), "{status}");
    let status = http.get(token).send().await.unwrap().status();
    assert_eq!(status, reqwest::StatusCode::METHOD_NOT_ALLOWED);
    // No route: counted under its own path.
    let missing = sandbox.base_url().join("no/such/page").unwrap();
    let status = http.get(missing).send().await.unwrap().status();
    assert_eq!(status, reqwest::StatusCode::NOT_FOUND);

    let counts = sandbox.requests();
    assert_eq!(counts.get(DISCOVERY), 2);
    assert_eq!(counts.get(&path(endpoints.jwks.clone())), 1);
    assert_eq!(counts.get(&path(endpoints.token.clone())), 2);
    assert_eq!(counts.get("/no/such/page"), 1);
    assert_eq!(counts.get(&path(endpoints.userinfo.clone())), 0);
    assert_eq!(counts.total(), 6);
    assert_eq!(counts.iter().map(|(_, n)| n).sum::<u64>(), 6);
}

#[tokio::test]
async fn a_sign_in_is_two_requests_and_parameters_share_a_route() {
    let sandbox = sandbox().await;
    let endpoints = sandbox.endpoints();
    let authorization = endpoints.authorization.clone().expect("authorize");
    let mut url = authorization.clone();
    url.query_pairs_mut()
        .append_pair("client_id", "sandbox-client")
        .append_pair("response_type", "code")
        .append_pair("redirect_uri", "https://rp.example.test/callback")
        .append_pair("scope", "openid")
        .append_pair("state", "s")
        .append_pair("nonce", "n");

    let before = sandbox.requests();
    for _ in 0..2 {
        let callback = sign_in(&url, "alice", Decision::Approve)
            .await
            .expect("signed in");
        assert!(callback.query().unwrap_or_default().contains("code="));
    }
    let during = sandbox.requests().since(&before);
    // Each form posts to its own interaction id; they are one route.
    let routes: Vec<(&str, u64)> = during.iter().collect();
    let mut expected = vec![(authorization.path(), 2), (INTERACTION, 2)];
    expected.sort();
    assert_eq!(routes, expected);

    // Nothing happened since: an empty difference.
    let now = sandbox.requests();
    assert_eq!(sandbox.requests().since(&now), RequestCounts::default());
}
