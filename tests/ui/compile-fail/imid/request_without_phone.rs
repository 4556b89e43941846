// imID identifies the user by the phone number of their imID: a request without one
// cannot be built.
use idspec::imid::BackchannelRequest;

fn main() {
    let _ = BackchannelRequest::new("ASSIGNED_SCOPE");
}
