// itsme accepts request objects only signed and then encrypted: the builder has no
// way to ask for a signed-only one.
use idspec::itsme::AuthorizationRequest;
use idspec::runtime::RequestObject;

fn main() {
    let _ = AuthorizationRequest::new("EXAMPLE").request_object(RequestObject::Signed);
}
