// `provider!` in a user's crate: a spec of its own (tests/ui/pass/specs/acme.yaml,
// another provider id) becomes a module with the same kind of typed API as the
// providers built into idspec. The user's crate needs no dependency but idspec.
idspec::provider!("specs/acme.yaml");

use acme::{
    test_users, Acr, AuthorizationRequest, Client, Environment, ErrorCode, IdTokenClaims,
    LoginHint, Scope, UiLocale, UserInfo,
};
use idspec::runtime::{ErrorMetadata, ProviderErrorCode, ScopeValue};

fn client(environment: Environment) -> Result<Client, idspec::runtime::ConfigError> {
    Client::builder(environment)
        .client_id("client-1")
        .client_secret("some_secret12345")
        .redirect_uri("https://app.example.ch/callback")
        .build()
}

fn request() -> AuthorizationRequest<idspec::runtime::Pushed> {
    AuthorizationRequest::new()
        .scope(Scope::Email)
        .scope(Scope::AcmeLevel)
        .ui_locales(UiLocale::En)
        .pushed()
        .acr_values(Acr::AcmeLoaHigh)
        .login_hint(LoginHint::new(test_users::APPROVES).with_manual_input(true))
}

fn handle(code: &ErrorCode) -> &'static str {
    match code {
        ErrorCode::AuthenticationRejected => "cancelled",
        ErrorCode::AcrValuesInvalid => "misconfigured",
        _ => "failed",
    }
}

fn read(claims: &IdTokenClaims, userinfo: &UserInfo) -> (String, Option<bool>, Option<f64>) {
    let _ = (&claims.iss, claims.exp, claims.email.as_deref());
    (
        userinfo.sub.clone(),
        userinfo.email_verified,
        userinfo.acme_confidence,
    )
}

async fn login(callback_query: &str) -> Result<(), acme::Error> {
    let client = client(Environment::Production)?;
    let _start = client.start(request()).await?;
    let login = client.complete(callback_query).await?;
    let userinfo = client.userinfo(&login).await?;
    let _ = read(login.claims(), &userinfo);
    Ok(())
}

fn main() {
    let _ = login;
    assert!(client(Environment::Production).is_ok());
    assert_eq!(acme::PROFILE.id, "acme");
    assert_eq!(acme::PROFILE.name, "Acme Identity");
    assert_eq!(
        Environment::Production.config().issuer,
        Some("https://openid.acme.example")
    );
    assert_eq!(
        Environment::Sandbox.config().token,
        Some("http://127.0.0.1:4000/token")
    );
    assert_eq!(Scope::REQUIRED, [Scope::Openid]);
    assert_eq!(Scope::from_wire("acme_level"), Scope::AcmeLevel);
    assert_eq!(Scope::AcmeLevel.wire(), "acme_level");

    let params: idspec::runtime::AuthorizationParams = request().into();
    assert_eq!(params.scopes(), ["openid", "email", "acme_level"]);
    let login_hint = params
        .params()
        .iter()
        .find(|(name, _)| *name == "login_hint");
    assert_eq!(
        login_hint.map(|(_, value)| value.as_str()),
        Some(r#"{"phoneNumber":"+41700000001","manualInput":true}"#)
    );

    assert_eq!(handle(&ErrorCode::from_wire("acme_auth_3010")), "cancelled");
    assert_eq!(handle(&ErrorCode::from_wire("acme_auth_9999")), "failed");
    assert_eq!(
        ErrorCode::AcrValuesInvalid.documented_message(),
        Some("Invalid acr_values")
    );
    let _: fn(&acme::Error) -> &str = ErrorMetadata::code;
}
