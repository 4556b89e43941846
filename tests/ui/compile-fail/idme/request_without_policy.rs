// Every ID.me request names the policy (the scope) the user is asked to grant: a
// request without one cannot be built.
use idspec::idme::AuthorizationRequest;

fn main() {
    let _ = AuthorizationRequest::new();
}
