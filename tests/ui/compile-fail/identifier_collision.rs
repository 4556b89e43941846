// A spec with one mistake of class `identifier-collision` is a compile error on the path literal,
// located in the spec by line, column and path.
idspec::provider!("specs/identifier_collision.yaml");

fn main() {}
