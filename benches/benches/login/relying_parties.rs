//! The three relying parties the bench measures, each doing the whole standard
//! authorization code flow with the same checks: state (bound to the session),
//! `iss` on the redirect (RFC 9207, which the sandbox sends), PKCE (S256), the ID
//! token's signature and claims (iss, aud, exp, iat, nonce, at_hash), and userinfo's
//! `sub` against the ID token's.
//!
//! A login is split where the browser takes over ([`RelyingParty::start`], the
//! person's sign-in, [`RelyingParty::finish`]) so that the round-trip count can tell
//! the relying party's requests from the user agent's.

use std::collections::HashMap;

use idspec::generic_oidc::{AuthorizationRequest, Client, Scope};
use idspec::runtime::{AuthorizationStart, ClientAuthMethod, Endpoints, HttpClient, State};
use openidconnect::core::{
    CoreAuthenticationFlow, CoreClient, CoreProviderMetadata, CoreUserInfoClaims,
};
use openidconnect::{
    AccessTokenHash, AuthorizationCode, ClientId, ClientSecret, CsrfToken, EndpointMaybeSet,
    EndpointNotSet, EndpointSet, IssuerUrl, Nonce, OAuth2TokenResponse, PkceCodeChallenge,
    PkceCodeVerifier, RedirectUrl, TokenResponse,
};
use url::Url;

/// The sandbox's default client (`SandboxClient::default()`).
const CLIENT_ID: &str = "sandbox-client";
const CLIENT_SECRET: &str = "sandbox-secret";
const REDIRECT_URI: &str = "https://rp.example.test/callback";

/// The scopes every relying party asks for: userinfo then has claims to return.
const SCOPES: [&str; 2] = ["profile", "email"];

/// The id each is reported under.
pub const IDSPEC: &str = idspec_bench::IDSPEC;
pub const IDSPEC_PAR: &str = "idspec-par";
pub const OPENIDCONNECT_RS: &str = "openidconnect-rs";

/// openidconnect-rs's client as `from_provider_metadata` makes it: the
/// authorization endpoint set, token and userinfo endpoints set if discovered.
type PeerClient = CoreClient<
    EndpointSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointNotSet,
    EndpointMaybeSet,
    EndpointMaybeSet,
>;

/// A relying party, set up once and shared by every concurrent login.
pub enum RelyingParty {
    /// idspec's generated client; `pushed` sends the request through PAR first.
    Idspec { client: Client, pushed: bool },
    /// openidconnect-rs, with the provider metadata (and the JWKS, which
    /// `discover_async` fetches with it) discovered once at setup.
    Peer {
        /// Boxed: it carries the whole provider metadata and JWKS.
        client: Box<PeerClient>,
        http: openidconnect::reqwest::Client,
        issuer: String,
    },
}

/// What a relying party keeps in the person's session between the redirect to the
/// provider and the redirect back.
pub enum Pending {
    /// The state in the URL: idspec keeps the rest (nonce, PKCE verifier) in its
    /// flow store.
    Idspec(State),
    Peer {
        state: CsrfToken,
        nonce: Nonce,
        verifier: PkceCodeVerifier,
    },
}

impl RelyingParty {
    /// idspec's client for the sandbox at `issuer`, endpoints from discovery. Nothing
    /// is fetched yet: the client fetches discovery and the JWKS on first use, and
    /// keeps them.
    pub fn idspec(issuer: &str, pushed: bool) -> Self {
        let http = HttpClient::builder()
            // The one relaxation a loopback sandbox needs: plain http.
            .allow_loopback_http(true)
            .build()
            .expect("idspec's HTTP client");
        let client = Client::builder(Endpoints::discover(issuer).expect("the issuer is a URL"))
            .client_id(CLIENT_ID)
            .client_secret(CLIENT_SECRET)
            .client_auth(ClientAuthMethod::ClientSecretBasic)
            .redirect_uri(REDIRECT_URI)
            .http_client(http)
            .build()
            .expect("a valid client configuration");
        Self::Idspec { client, pushed }
    }

    /// openidconnect-rs's client, as its documentation sets one up: discovery (and
    /// the JWKS with it) fetched now, once.
    pub async fn peer(issuer: &str) -> Self {
        let http = openidconnect::reqwest::ClientBuilder::new()
            // As openidconnect-rs's documentation asks: following redirects opens
            // the client to SSRF.
            .redirect(openidconnect::reqwest::redirect::Policy::none())
            .build()
            .expect("reqwest client");
        let issuer_url = IssuerUrl::new(issuer.to_owned()).expect("the issuer is a URL");
        let metadata = CoreProviderMetadata::discover_async(issuer_url, &http)
            .await
            .expect("openidconnect-rs discovers the sandbox");
        let client = CoreClient::from_provider_metadata(
            metadata,
            ClientId::new(CLIENT_ID.to_owned()),
            Some(ClientSecret::new(CLIENT_SECRET.to_owned())),
        )
        .set_redirect_uri(RedirectUrl::new(REDIRECT_URI.to_owned()).expect("redirect URI"));
        Self::Peer {
            client: Box::new(client),
            http,
            issuer: issuer.to_owned(),
        }
    }

    /// Starts a login: the URL to send the browser to, and what to keep for the
    /// callback.
    pub async fn start(&self) -> (Url, Pending) {
        match self {
            Self::Idspec { client, pushed } => {
                let request = AuthorizationRequest::new().scopes([Scope::Profile, Scope::Email]);
                let start = if *pushed {
                    client.start(request.pushed()).await
                } else {
                    client.start(request).await
                };
                let AuthorizationStart { url, state, .. } =
                    start.unwrap_or_else(|e| panic!("idspec start: {e:?}"));
                (url, Pending::Idspec(state))
            }
            Self::Peer { client, .. } => {
                let (challenge, verifier) = PkceCodeChallenge::new_random_sha256();
                let mut request = client.authorize_url(
                    CoreAuthenticationFlow::AuthorizationCode,
                    CsrfToken::new_random,
                    Nonce::new_random,
                );
                for scope in SCOPES {
                    request = request.add_scope(openidconnect::Scope::new(scope.to_owned()));
                }
                let (url, state, nonce) = request.set_pkce_challenge(challenge).url();
                (
                    url,
                    Pending::Peer {
                        state,
                        nonce,
                        verifier,
                    },
                )
            }
        }
    }

    /// Completes the login from the redirect back: the code exchange, the ID token's
    /// validation, and userinfo. Panics on anything a relying party would refuse.
    pub async fn finish(&self, pending: Pending, callback: &Url) {
        match (self, pending) {
            (Self::Idspec { client, .. }, Pending::Idspec(state)) => {
                // `complete_for` checks the state against the session's, as the peer
                // does below, then iss, the code exchange (with the PKCE verifier)
                // and the ID token.
                let login = client
                    .complete_for(&state, callback.as_str())
                    .await
                    .unwrap_or_else(|e| panic!("idspec complete: {e:?}"));
                // Checks userinfo's `sub` against the ID token's.
                let userinfo = client
                    .userinfo(&login)
                    .await
                    .unwrap_or_else(|e| panic!("idspec userinfo: {e:?}"));
                assert!(
                    userinfo.email.is_some(),
                    "userinfo has the email scope's claims"
                );
            }
            (
                Self::Peer {
                    client,
                    http,
                    issuer,
                },
                Pending::Peer {
                    state,
                    nonce,
                    verifier,
                },
            ) => {
                let params = callback_params(callback);
                // openidconnect-rs leaves the redirect to the caller: the same checks
                // idspec makes (state, RFC 9207 `iss`), done here.
                assert_eq!(params.get("state"), Some(state.secret()), "state");
                assert_eq!(params.get("iss"), Some(issuer), "iss");
                let code = params.get("code").expect("a code").clone();
                let tokens = client
                    .exchange_code(AuthorizationCode::new(code))
                    .expect("a token endpoint")
                    .set_pkce_verifier(verifier)
                    .request_async(http)
                    .await
                    .unwrap_or_else(|e| panic!("openidconnect-rs token: {e:?}"));
                let id_token = tokens.id_token().expect("an ID token");
                let verifier = client.id_token_verifier();
                let claims = id_token
                    .claims(&verifier, &nonce)
                    .unwrap_or_else(|e| panic!("openidconnect-rs ID token: {e:?}"));
                // at_hash is the caller's to check too (as openidconnect-rs's examples
                // do); idspec checks it whenever the ID token has one.
                if let Some(expected) = claims.access_token_hash() {
                    let alg = id_token.signing_alg().expect("a signing alg");
                    let key = id_token.signing_key(&verifier).expect("the signing key");
                    let actual = AccessTokenHash::from_token(tokens.access_token(), alg, key)
                        .expect("at_hash computed");
                    assert_eq!(&actual, expected, "at_hash");
                }
                // Passing the ID token's subject makes openidconnect-rs check userinfo's.
                let userinfo: CoreUserInfoClaims = client
                    .user_info(
                        tokens.access_token().clone(),
                        Some(claims.subject().clone()),
                    )
                    .expect("a userinfo endpoint")
                    .request_async(http)
                    .await
                    .unwrap_or_else(|e| panic!("openidconnect-rs userinfo: {e:?}"));
                assert!(
                    userinfo.email().is_some(),
                    "userinfo has the email scope's claims"
                );
            }
            _ => unreachable!("a login is finished by the relying party that started it"),
        }
    }
}

/// The redirect's parameters, a repeated one refused as idspec refuses it: which
/// copy to believe is what an attacker would like to choose.
fn callback_params(callback: &Url) -> HashMap<String, String> {
    let mut params = HashMap::new();
    for (name, value) in callback.query_pairs() {
        let repeated = params
            .insert(name.clone().into_owned(), value.into_owned())
            .is_some();
        assert!(!repeated, "{name} is repeated in the callback");
    }
    params
}
