// A spec with one mistake of class `duplicate-value` is a compile error on the path literal,
// located in the spec by line, column and path.
idspec::provider!("specs/duplicate_value.yaml");

fn main() {}
