// The Mobile ID client used as documented. Built and run as a test; the async
// flow is only compiled (it would need the real provider), never called.
use idspec::mobileid::{
    test_users, Acr, AuthorizationRequest, Client, Environment, Error, ErrorCode, Hint,
    IdTokenClaims, LoginHint, Scope, UiLocale, UserInfo,
};
use idspec::runtime::{ClientAuthMethod, ErrorMetadata, ProviderErrorCode};

fn client() -> Result<Client, idspec::runtime::ConfigError> {
    Client::builder(Environment::Production)
        .client_id("s6BhdRkqt3")
        .client_secret("some_secret12345")
        .client_auth(ClientAuthMethod::ClientSecretPost)
        .redirect_uri("https://app.example.ch/oauth2/authresp")
        .build()
}

fn request() -> AuthorizationRequest<idspec::runtime::Pushed> {
    AuthorizationRequest::new()
        .scope(Scope::Phone)
        .scopes([Scope::Profile, Scope::MidLocation])
        .ui_locales(UiLocale::De)
        .pushed()
        .acr_values(Acr::MidAl4Any)
        .login_hint(
            LoginHint::new(vec![
                Hint::new(test_users::ROBOT_RSA).with_sn("MIDCHEYUD1YE4QB1")
            ])
            .with_enable_manual_input(false),
        )
        .dtbd("Log in to #CLIENT#? Session-ID is #CODE#")
        // Front-channel parameters stay available after `.pushed()`.
        .ui_locales(UiLocale::Fr)
}

fn what_to_tell_the_user(code: &ErrorCode) -> String {
    match code {
        ErrorCode::AuthenticationRejected => "You cancelled the login.".to_owned(),
        ErrorCode::UnauthorizedAcrValues | ErrorCode::UnauthorizedScopes => {
            "This service is not configured for that.".to_owned()
        }
        // Documented codes not handled here, and codes documented tomorrow.
        other => format!("Login failed ({}).", other.as_wire()),
    }
}

fn location(claims: &IdTokenClaims) -> Option<(String, f64)> {
    let country = claims.mid_geo_country.clone()?;
    let confidence = claims.mid_geo_location_confidence?;
    Some((country, confidence))
}

fn describe(userinfo: &UserInfo) -> String {
    format!(
        "{} {:?} {:?}",
        userinfo.sub,
        userinfo.phone_number.as_deref(),
        userinfo.phone_number_verified
    )
}

async fn login(callback_query: &str) -> Result<(), Error> {
    let client = client()?;
    let start = client.start(request()).await?;
    let _redirect_browser_to: &str = start.url.as_str();
    let login = client.complete(callback_query).await?;
    let claims: &IdTokenClaims = login.claims();
    let _ = (&claims.sub, &claims.acr, &claims.amr, location(claims));
    if claims.acr == Some(Acr::MidAl4Any) {
        let _methods = claims.amr.as_deref().unwrap_or_default();
    }
    match client.userinfo(&login).await {
        Ok(userinfo) => println!("{}", describe(&userinfo)),
        Err(error) => {
            if let Some(provider) = error.provider_error() {
                println!("{}", what_to_tell_the_user(provider.kind()));
            }
            println!("{}: {:?}", error.code(), error.message());
        }
    }
    Ok(())
}

fn main() {
    let _ = login;
    // What does not need the network runs.
    assert!(client().is_ok());
    let params: idspec::runtime::AuthorizationParams = request().into();
    assert!(params.is_pushed());
    assert_eq!(
        params.scopes(),
        ["openid", "phone", "profile", "mid_location"]
    );
    let names: Vec<&str> = params
        .params()
        .iter()
        .map(|(name, _)| name.as_ref())
        .collect();
    assert_eq!(names, ["acr_values", "login_hint", "dtbd", "ui_locales"]);
    assert_eq!(Acr::from("mid_al4_any".to_owned()), Acr::MidAl4Any);
    assert_eq!(Acr::MidAl4Any.to_string(), "mid_al4_any");
    assert_eq!(
        what_to_tell_the_user(&ErrorCode::from_wire("mid_auth_3010")),
        "You cancelled the login."
    );
    assert_eq!(
        what_to_tell_the_user(&ErrorCode::from_wire("mid_new_4711")),
        "Login failed (mid_new_4711)."
    );
}
