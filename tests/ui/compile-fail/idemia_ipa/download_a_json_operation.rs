// The identity is a JSON operation: it is sent and its response typed, not
// streamed to a writer.
use idspec::idemia_ipa::{Client, GetIdentity};

fn identity(client: &Client, out: &mut tokio::io::Sink) {
    let _ = client.download(
        &GetIdentity::new("gips-2d4ac3d2-053c-4f9e-9ef0-c9a0f251c667"),
        out,
    );
}

fn main() {
    let _ = identity;
}
