// The ID.me client used as documented. Built and run as a test; the async flow
// is only compiled (it would need ID.me), never called.
use idspec::idme::{
    AuthorizationErrorCode, AuthorizationRequest, Claim, Client, Environment, Error, ErrorCode,
    Group, Op, Scope, TokenErrorCode, UserInfo, UserinfoErrorCode,
};
use idspec::runtime::{ConfigError, ProviderErrorCode, State};

fn client() -> Result<Client, ConfigError> {
    Client::builder(Environment::Production)
        .client_id("28bfd9b7a46b4b4a8c0b0b8d6d3f0b4e")
        .client_secret("from the application dashboard")
        .redirect_uri("https://example.com/callback")
        .build()
}

fn request() -> AuthorizationRequest {
    // One policy, as a URL-shaped scope, for a user who has no ID.me account yet.
    AuthorizationRequest::new(Scope::Ial2Aal2CovidVerify).op(Op::Signup)
}

fn what_to_do(code: &ErrorCode) -> String {
    match code {
        ErrorCode::Authorization(AuthorizationErrorCode::AccessDenied) => {
            "You declined to share your verification.".to_owned()
        }
        ErrorCode::Authorization(AuthorizationErrorCode::InvalidScope) => {
            "This policy is not enabled for the application.".to_owned()
        }
        ErrorCode::Token(TokenErrorCode::InvalidGrant)
        | ErrorCode::Userinfo(UserinfoErrorCode::InvalidToken) => "Please verify again.".to_owned(),
        other => format!("Verification failed ({}).", other.as_wire()),
    }
}

fn vaccinated(userinfo: &UserInfo) -> Option<(String, bool)> {
    let id = userinfo.uuid.clone()?;
    let covid = userinfo
        .status
        .iter()
        .flatten()
        .any(|status| status.group == Group::CovidVaccine && status.verified);
    Some((id, covid && userinfo.vaccination_status == Some(true)))
}

fn label(userinfo: &UserInfo) -> Option<&str> {
    userinfo.attributes.label(Claim::VaccineDate1)
}

async fn verify(client: &Client, state: &State, callback: &str) -> Result<UserInfo, Error> {
    let login = client.complete_for(state, callback).await?;
    // Access tokens live 5 minutes: userinfo now, refresh for later calls.
    let userinfo = client.userinfo(&login).await?;
    let _later = client.refresh(&login).await?;
    Ok(userinfo)
}

fn main() {
    let client = client().expect("the production environment is complete");
    let _ = request();
    assert_eq!(
        what_to_do(&ErrorCode::from_endpoint(
            idspec::runtime::EndpointKind::Authorization,
            "access_denied"
        )),
        "You declined to share your verification."
    );
    let payload = r#"{
        "attributes": [
            {"handle": "uuid", "name": "Unique Identifier", "value": "d733a89e2e634f04ac2fe66c97f71612"},
            {"handle": "vaccination_status", "name": "Vaccination Status", "value": true},
            {"handle": "vaccine_date_1", "name": "1st Dose", "value": "2021-01-01"}
        ],
        "status": [{"group": "covid_vaccine", "subgroups": [null], "verified": true}]
    }"#;
    let userinfo: UserInfo = idspec::runtime::serde_json::from_str(payload).expect("typed");
    assert_eq!(vaccinated(&userinfo).map(|(_, v)| v), Some(true));
    assert_eq!(label(&userinfo), Some("1st Dose"));
    let state = State::new("s".to_owned());
    let _future = verify(&client, &state, "code=c&state=s");
}
