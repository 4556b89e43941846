// The itsme client used as documented, in both variants. Built and run as
// a test; the async flow is only compiled (it would need itsme), never called.
use idspec::itsme::{
    Acr, AuthorizationErrorCode, AuthorizationRequest, Claim, ClaimsRequest, Client, Display,
    Environment, Error, ErrorCode, Scope, TokenErrorCode, UiLocale, UserInfo,
};
use idspec::runtime::jose::{RelyingPartyKeys, SigningAlg, SigningKey};
use idspec::runtime::{ClaimRequest, ClientAuthMethod, ConfigError, ProviderErrorCode};

fn private_key_client(keys: RelyingPartyKeys) -> Result<Client, ConfigError> {
    Client::builder(Environment::Production)
        .client_id("WXw9DMqkEv")
        .keys(keys)
        .redirect_uri("https://client.example.org/cb")
        .build()
}

fn client_secret_client() -> Result<Client, ConfigError> {
    Client::builder(Environment::ClientSecretProduction)
        .client_id("s6BhdRkqt3")
        .client_secret("a secret from itsme")
        .redirect_uri("https://client.example.org/cb")
        .build()
}

fn request() -> AuthorizationRequest {
    AuthorizationRequest::new("EXAMPLE")
        .scopes([
            Scope::Profile,
            Scope::Eid,
            Scope::Phone,
            Scope::Email,
            Scope::Address,
        ])
        .acr_values([Acr::Advanced])
        .ui_locales([UiLocale::Nl, UiLocale::Fr])
        .display(Display::Page)
        .claims(
            ClaimsRequest::new()
                .id_token(Claim::Name, ClaimRequest::Essential)
                .id_token_claims([Claim::Gender, Claim::BeNationalNumber, Claim::PlaceOfBirth])
                .userinfo(Claim::PhysicalPersonPhoto, ClaimRequest::Voluntary)
                .userinfo_claims([Claim::ValidityTo, Claim::IdDocumentSn]),
        )
        // Signed with the relying party's key, then encrypted to itsme.
        .request_object()
}

fn what_to_do(code: &ErrorCode) -> String {
    match code {
        ErrorCode::Authorization(AuthorizationErrorCode::AccessDenied) => {
            "You declined in the itsme app.".to_owned()
        }
        ErrorCode::Authorization(AuthorizationErrorCode::TemporaryUnavailable) => {
            "itsme is busy; try again in a minute.".to_owned()
        }
        ErrorCode::Token(TokenErrorCode::InvalidGrant) => "Please log in again.".to_owned(),
        other => format!("Login failed ({}).", other.as_wire()),
    }
}

fn national_number_and_its_document_expiry(userinfo: &UserInfo) -> Option<(String, String)> {
    let number = userinfo.be_national_number.clone()?;
    let expiry = userinfo.validity_to.as_ref()?.get(Claim::BeEidSn)?.clone();
    Some((number, expiry))
}

async fn login(client: &Client, callback: &str) -> Result<UserInfo, Error> {
    let start = client.start(request()).await?;
    let _ = (&start.url, &start.state);
    let login = client.complete_for(&start.state, callback).await?;
    let _name = login.claims().name.as_deref();
    client.userinfo(&login).await
}

fn main() {
    // The async flow needs itsme; it is type-checked, not run.
    let _flow = login;
    let keys = RelyingPartyKeys::new()
        .with_signing_key(SigningKey::generate(SigningAlg::RS256, "rp-2026").expect("key"));
    assert!(private_key_client(keys.clone()).is_ok());
    assert!(client_secret_client().is_ok());
    // Each environment takes its variant's credentials only.
    assert!(Client::builder(Environment::Production)
        .client_id("WXw9DMqkEv")
        .client_secret("a secret")
        .client_auth(ClientAuthMethod::ClientSecretPost)
        .redirect_uri("https://client.example.org/cb")
        .build()
        .is_err());
    assert!(Client::builder(Environment::ClientSecretE2e)
        .client_id("s6BhdRkqt3")
        .keys(keys)
        .client_auth(ClientAuthMethod::PrivateKeyJwt)
        .redirect_uri("https://client.example.org/cb")
        .build()
        .is_err());
    let _ = request();
    assert_eq!(
        what_to_do(&ErrorCode::from_endpoint(
            idspec::runtime::EndpointKind::Authorization,
            "access_denied"
        )),
        "You declined in the itsme app."
    );
    assert_eq!(
        what_to_do(&ErrorCode::from_endpoint(
            idspec::runtime::EndpointKind::Token,
            "invalid_grant"
        )),
        "Please log in again."
    );
    let example: UserInfo = idspec::runtime::serde_json::from_str(
        r#"{"sub":"e3x","http://itsme.services/v2/claim/BENationalNumber":"99060427181",
            "http://itsme.services/v2/claim/validityTo":{"http://itsme.services/v2/claim/BEeidSn":"2028-11-10T00:00:00Z"}}"#,
    )
    .expect("parses");
    assert_eq!(
        national_number_and_its_document_expiry(&example),
        Some(("99060427181".to_owned(), "2028-11-10T00:00:00Z".to_owned()))
    );
}
