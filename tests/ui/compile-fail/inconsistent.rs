// A spec with one mistake of class `inconsistent` is a compile error on the path literal,
// located in the spec by line, column and path.
idspec::provider!("specs/inconsistent.yaml");

fn main() {}
