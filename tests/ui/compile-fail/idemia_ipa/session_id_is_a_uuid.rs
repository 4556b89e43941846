// A session id is a UUID, checked when parsed: text from elsewhere (a query string,
// a form) cannot go into the start link unchecked.
use idspec::idemia_ipa::SessionStart;

fn main() {
    let session_id: String = "ba7ce9dc-c182-4907-875c-ce1942239099".to_owned();
    let _ = SessionStart::new(session_id);
}
