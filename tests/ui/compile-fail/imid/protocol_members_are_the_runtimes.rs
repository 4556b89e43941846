// The nonce, the notification token and URL and the correlation id are fresh for
// every request and kept with the pending flow: the relying party cannot set them.
use idspec::imid::BackchannelRequest;

fn main() {
    let _ = BackchannelRequest::new("ASSIGNED_SCOPE", "+37455249760")
        .client_notification_token("guessable");
}
