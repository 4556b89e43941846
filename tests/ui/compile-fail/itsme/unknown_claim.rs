// A `claims` request names claims through the generated `Claim` enum: a claim the
// document does not list has no variant, and a wire name as text is not accepted.
use idspec::itsme::{AuthorizationRequest, Claim, ClaimsRequest};
use idspec::runtime::ClaimRequest;

fn main() {
    let _ = AuthorizationRequest::new("EXAMPLE").claims(
        ClaimsRequest::new().id_token(Claim::FavouriteColour, ClaimRequest::Essential),
    );
    let _ = AuthorizationRequest::new("EXAMPLE").claims(ClaimsRequest::new().userinfo(
        "http://itsme.services/v2/claim/BENationalNumber",
        ClaimRequest::Voluntary,
    ));
    // Nor does the runtime's untyped request fit where the provider's is expected.
    let _ = AuthorizationRequest::new("EXAMPLE")
        .claims(idspec::runtime::ClaimsRequest::new().id_token("shoe_size", ClaimRequest::Voluntary));
}
