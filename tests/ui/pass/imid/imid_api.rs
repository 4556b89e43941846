// The imID client used as documented. Built and run as a test; the async flow
// is only compiled (it would need imID), never called.
use idspec::imid::{
    Acr, AuthorizationErrorCode, BackchannelRequest, Client, Environment, Error, ErrorCode,
    NotificationErrorCode, UserInfo,
};
use idspec::runtime::jose::RelyingPartyKeys;
use idspec::runtime::{
    ConfigError, NotificationOutcome, NotificationRequest, NotificationResponse,
};

fn client(keys: RelyingPartyKeys) -> Result<Client, ConfigError> {
    Client::builder(Environment::Production)
        .client_id("CLIENT_ID")
        .client_secret("CLIENT_SECRET")
        .audience("AUDIENCE")
        .keys(keys)
        .redirect_uri("https://bank.example.am/imid/notification")
        .build()
}

fn request() -> BackchannelRequest {
    BackchannelRequest::new("ASSIGNED_SCOPE", "+37455249760")
        .acr_values(Acr::Level4)
        .binding_message("Bank login")
        .context("Do you want to open an account with imID?")
}

/// What to tell the user, in Armenian, as imID words it.
fn for_the_user(error: &Error) -> Option<&'static str> {
    let provider = error.provider_error()?;
    match provider.kind() {
        ErrorCode::Authorization(AuthorizationErrorCode::InternalError) => {
            // Wait before retrying, as the document says.
            let _wait = provider.retry_after();
            provider.display_message("hy")
        }
        ErrorCode::Authorization(AuthorizationErrorCode::UserNotFound)
        | ErrorCode::Notification(NotificationErrorCode::UserCancel) => {
            provider.display_message("hy")
        }
        _ => None,
    }
}

fn names(userinfo: &UserInfo) -> Option<(String, String)> {
    Some((
        userinfo.given_name_am.clone()?,
        userinfo.family_name_am.clone()?,
    ))
}

async fn identify(client: &Client) -> Result<Option<(String, String)>, Error> {
    let pending = client.initiate(request()).await?;
    let identified = pending.outcome().await?;
    let _subject = identified.login.subject();
    Ok(names(&identified.userinfo))
}

async fn notification(client: &Client, body: &[u8]) -> NotificationResponse {
    let notified = client
        .handle_notification(
            NotificationRequest::new("POST", body).header("authorization", b"Bearer x"),
        )
        .await;
    if let NotificationOutcome::Completed(identified) = notified.outcome {
        let _ = names(&identified.userinfo);
    }
    notified.response
}

fn main() {
    // Without the key registered with imID, there is no client.
    let error = client(RelyingPartyKeys::new()).unwrap_err();
    assert!(error.to_string().contains("RS512"), "{error}");
    let _ = request();
    let _ = for_the_user;
    let _ = identify;
    let _ = notification;
}
