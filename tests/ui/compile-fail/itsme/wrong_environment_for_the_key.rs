// The generated `Environment` picks the variant; there is no variant-less itsme.
use idspec::itsme::Environment;

fn main() {
    let _ = Environment::Prd;
    let _ = Environment::ClientSecret;
}
