// The Mobile ID document says `prompt`, `claims` and `max_age` "SHALL NOT be used":
// the generated request offers no way to set them, on either channel.
use idspec::mobileid::AuthorizationRequest;

fn main() {
    let _ = AuthorizationRequest::new().prompt("login");
    let _ = AuthorizationRequest::new().claims("{\"id_token\":{}}");
    let _ = AuthorizationRequest::new().pushed().max_age(60);
}
