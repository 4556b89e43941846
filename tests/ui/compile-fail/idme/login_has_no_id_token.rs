// ID.me is plain OAuth 2: a login has no ID token, so no claims and no subject.
// The generated client does not pretend otherwise: who the user is comes from
// userinfo.
fn account_key(login: &idspec::idme::Login) -> String {
    login.subject().unwrap_or_default().to_owned()
}

fn claims(login: &idspec::idme::Login) {
    let _ = login.claims();
}

fn main() {}
