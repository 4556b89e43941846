// A spec with one mistake of class `unknown-reference` is a compile error on the path literal,
// located in the spec by line, column and path.
idspec::provider!("specs/unknown_reference.yaml");

fn main() {}
