// A spec with one mistake of class `duplicate-error-code` is a compile error on the path literal,
// located in the spec by line, column and path.
idspec::provider!("specs/duplicate_error_code.yaml");

fn main() {}
