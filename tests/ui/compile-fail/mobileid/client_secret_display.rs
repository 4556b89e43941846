// A `ClientSecret` has no `Display` and a private field: its value cannot reach a
// log line or an error message by accident. Reading it takes `.secret()`.
use idspec::runtime::ClientSecret;

fn main() {
    let secret = ClientSecret::new("some_secret12345");
    let _ = format!("{}", secret);
    let _ = secret.to_string();
    let _ = secret.0;
}
