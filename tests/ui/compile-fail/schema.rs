// A spec with one mistake of class `schema` is a compile error on the path literal,
// located in the spec by line, column and path.
idspec::provider!("specs/schema.yaml");

fn main() {}
