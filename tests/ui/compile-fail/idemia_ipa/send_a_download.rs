// The proof file is streamed to a writer with `Client::download`, never read whole
// into memory: `send` takes JSON operations only.
use idspec::idemia_ipa::{Client, GetProof};

fn proof(client: &Client) {
    let _ = client.send(&GetProof::new(
        "https://proofing.idemia.io/gips/v1/identities/x/proof",
    ));
}

fn main() {
    let _ = proof;
}
