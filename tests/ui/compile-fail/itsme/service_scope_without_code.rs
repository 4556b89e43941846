// Every itsme request needs `service:<code>`: the code is an argument of `new`, so a
// request without it does not compile, and there is no code-less `Scope::Service`.
use idspec::itsme::{AuthorizationRequest, Scope};

fn main() {
    let _ = AuthorizationRequest::new();
    let _ = AuthorizationRequest::default();
    let _ = AuthorizationRequest::new("EXAMPLE").scope(Scope::Service);
}
