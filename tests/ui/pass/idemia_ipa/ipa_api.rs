// The IDEMIA Identity Proofing App client used as documented. Built and run as
// a test; the async flow is only compiled (it would need IDEMIA), never called.
use idspec::idemia_ipa::{
    test_users, verified_id, BaseUrl, Client, CreateSession, CreateSessionResponse, EndOfProcess,
    EndOfProcessStatus, Environment, Error, GetIdentity, GetProof, SessionStart,
};
use idspec::runtime::rest::{
    Downloaded, WebhookHandled, WebhookOutcome, WebhookRejection, WebhookRequest,
};
use idspec::runtime::{ConfigError, ErrorMetadata, HttpClient, MemoryFlowStore, Uuid};

const SESSION_ID: &str = "ba7ce9dc-c182-4907-875c-ce1942239099";

fn client() -> Result<Client, ConfigError> {
    Client::builder(Environment::Production)
        .url(
            BaseUrl::CognitoUrl,
            "https://prod-devportal-entra.auth.us-east-2.amazoncognito.com",
        )
        .url(
            BaseUrl::CreateSessionUrl,
            "https://rp-handler.did.idemia.io/api/v1/sessions",
        )
        .url(BaseUrl::IdvUrl, "https://proofing.idemia.io")
        .client_credentials(
            "3mnh1qsn5hmtogpes1gqo3lto0",
            "1thkkchj0lnvaj9ivtgv4ne501r0vi38gpe3pp2fl7u",
        )
        .api_key("GIPS-RS_API_KEY")
        .http_client(HttpClient::new())
        .flow_store(std::sync::Arc::new(MemoryFlowStore::new()))
        .max_download_bytes(1024 * 1024 * 1024)
        .build()
}

/// Step 2 and 3: a session, and the link the user opens on their phone.
async fn start(client: &Client) -> Result<url::Url, Error> {
    let session: CreateSessionResponse = client
        .send(
            &CreateSession::new()
                .with_callback_url("https://mycompany.myservice.com/webhooks/idemia/ipa")
                .with_goto_url("https://mycompany.myservice.com/signup/confirm"),
        )
        .await?;
    Ok(client.link(&SessionStart::new(session.session_id))?)
}

/// What the user is told when the session ended without an identity.
fn ended(status: &EndOfProcessStatus) -> &str {
    match status {
        EndOfProcessStatus::Error => "the proofing failed or was cancelled",
        EndOfProcessStatus::HeartbeatTimeout => "the proofing was never finished",
        EndOfProcessStatus::Unknown(value) => value.as_str(),
        _ => "the proofing ended",
    }
}

/// Step 5: the identity and the proof file, fetched with the client's own key. The
/// proof goes to any `AsyncWrite` (a `tokio::fs::File`, an upload to storage), a
/// chunk at a time.
async fn results<W>(
    client: &Client,
    payload: &EndOfProcess,
    proof_file: &mut W,
) -> Result<Option<Downloaded>, Error>
where
    W: tokio::io::AsyncWrite + Unpin,
{
    if let Some(status) = &payload.status {
        let _ = ended(status);
        return Ok(None);
    }
    let (Some(identity_id), Some(proof_url)) = (&payload.identity_id, &payload.proof_url) else {
        return Ok(None);
    };
    let identity: idspec::runtime::serde_json::Value =
        client.send(&GetIdentity::new(identity_id.as_str())).await?;
    let _level_of_assurance = identity.get("levelOfAssurance");
    let mut buffered = tokio::io::BufWriter::new(proof_file);
    let downloaded = client
        .download(&GetProof::new(proof_url.as_str()), &mut buffered)
        .await?;
    Ok(Some(downloaded))
}

/// Step 4: the webhook endpoint's work, whatever the web framework.
async fn webhook(client: &Client, method: &str, body: &[u8]) -> (u16, String) {
    let handled: WebhookHandled<EndOfProcess> = client
        .handle_webhook::<EndOfProcess>(WebhookRequest::new(method, body))
        .await;
    match &handled.outcome {
        WebhookOutcome::Completed(completed) => {
            let _ = results(client, &completed.payload, &mut tokio::io::sink()).await;
        }
        WebhookOutcome::Expired(completed) => {
            let _ = (&completed.flow_id, completed.started_at);
        }
        WebhookOutcome::Duplicate { flow_id } | WebhookOutcome::UnknownFlow { flow_id } => {
            let _ = flow_id;
        }
        WebhookOutcome::Rejected(rejection) => {
            let _ = (
                rejection.code(),
                matches!(rejection, WebhookRejection::ForeignUrl { .. }),
            );
        }
        _ => {}
    }
    (handled.response.status, handled.response.body)
}

fn main() {
    let _ = start;
    let _ = webhook;
    let client = client().expect("every URL and credential is set");
    assert_eq!(
        client.url(BaseUrl::IpaStartUrl).as_str(),
        "https://rp-handler.did.idemia.io/api/v1/ipa/start"
    );
    let session_id = Uuid::parse(SESSION_ID).expect("a UUID");
    let link = client.link(&SessionStart::new(session_id)).expect("a link");
    assert_eq!(
        link.as_str(),
        "https://rp-handler.did.idemia.io/api/v1/ipa/start?session-id=ba7ce9dc-c182-4907-875c-ce1942239099"
    );

    // Without the API key there is no client: GetIdentity and GetProof need it.
    let missing = Client::builder(Environment::Production)
        .url(BaseUrl::CognitoUrl, "https://cognito.example")
        .url(
            BaseUrl::CreateSessionUrl,
            "https://rp.example/api/v1/sessions",
        )
        .url(BaseUrl::IdvUrl, "https://proofing.example")
        .client_credentials("id", "secret")
        .build();
    assert!(missing.is_err());

    assert_eq!(
        ended(&EndOfProcessStatus::from("ERROR".to_owned())),
        "the proofing failed or was cancelled"
    );
    assert_eq!(
        ended(&EndOfProcessStatus::from("PAUSED".to_owned())),
        "PAUSED"
    );
    let _ = test_users::VERIFIED;

    let request = verified_id::Platform::Eu.credential().presentation_request(
        "did:web:verifier.example",
        "Open an account",
        &url::Url::parse("https://mycompany.example/verified-id/callback").expect("a URL"),
        "a-state-of-your-own",
        "a-callback-key",
    );
    assert_eq!(
        request["registration"]["clientName"],
        verified_id::CLIENT_NAME
    );
    assert_eq!(
        request["requestedCredentials"][0]["acceptedIssuers"][0],
        "did:web:eu.did.idemia.io"
    );
}
