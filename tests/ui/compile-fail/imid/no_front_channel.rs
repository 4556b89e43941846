// imID has no browser redirect: its module has no authorization request to build.
use idspec::imid::AuthorizationRequest;

fn main() {}
