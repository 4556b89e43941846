// `Acr` is an enum of the documented values: it is not built from a string by hand,
// and a `&str` is not accepted where an `Acr` is required.
use idspec::mobileid::{Acr, AuthorizationRequest};

fn main() {
    let _ = Acr("mid_al3_any");
    let _ = Acr {
        value: "mid_al3_any",
    };
    let _ = AuthorizationRequest::new()
        .pushed()
        .acr_values("mid_al3_any");
}
