// A client handles its own provider's webhooks only: a payload type of another
// provider (here the same spec, generated again in the user's crate as a provider
// of its own) is refused, so its flows cannot be completed by a foreign call.
mod other {
    idspec::provider!("../../../../specs/idemia-ipa.yaml");
}

use idspec::idemia_ipa::Client;
use idspec::runtime::rest::WebhookRequest;

fn webhook(client: &Client, body: &[u8]) {
    let request = WebhookRequest::new("POST", body);
    let _ = client.handle_webhook::<other::idemia_ipa::EndOfProcess>(request);
}

fn main() {
    let _ = webhook;
}
