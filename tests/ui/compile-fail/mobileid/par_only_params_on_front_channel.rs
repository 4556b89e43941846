// Mobile ID accepts `acr_values`, `login_hint` and `dtbd` only through a pushed
// authorization request: a front-channel request has no setters for them. Only
// `.pushed()` turns the request into one that has.
use idspec::mobileid::{Acr, AuthorizationRequest, Hint, LoginHint};

fn main() {
    let _ = AuthorizationRequest::new().acr_values(Acr::MidAl3Any);
    let _ = AuthorizationRequest::new().login_hint(LoginHint::new(vec![Hint::new("+41791234567")]));
    let _ = AuthorizationRequest::new().dtbd("Log in to #CLIENT#? #CODE#");
    // And a pushed request cannot be pushed again.
    let _ = AuthorizationRequest::new().pushed().pushed();
}
