// acr_values takes the documented levels, not free text.
use idspec::imid::BackchannelRequest;

fn main() {
    let _ = BackchannelRequest::new("ASSIGNED_SCOPE", "+37455249760").acr_values("4");
}
