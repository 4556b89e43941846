// ID.me documents `response_type=token` (the implicit grant); the client does not
// offer it: the response type is the runtime's, and always `code`.
use idspec::idme::{AuthorizationRequest, Scope};

fn main() {
    let _ = AuthorizationRequest::new(Scope::FortifiedCovidVerify).response_type("token");
}
