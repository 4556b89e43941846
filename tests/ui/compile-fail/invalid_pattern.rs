// A spec with one mistake of class `invalid-pattern` is a compile error on the path literal,
// located in the spec by line, column and path.
idspec::provider!("specs/invalid_pattern.yaml");

fn main() {}
