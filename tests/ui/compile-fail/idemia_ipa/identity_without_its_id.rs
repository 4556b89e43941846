// The identity is fetched by the `identityId` of the end-of-process webhook: the
// URL's parameter is a required argument, not a member that could be left unset.
use idspec::idemia_ipa::GetIdentity;

fn main() {
    let _ = GetIdentity::new();
}
