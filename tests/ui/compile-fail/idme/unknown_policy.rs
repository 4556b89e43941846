// The policies are the document's; a misspelt one does not compile.
use idspec::idme::{AuthorizationRequest, Scope};

fn main() {
    let _ = AuthorizationRequest::new(Scope::MilitaryVerify);
}
