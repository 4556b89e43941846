// A spec with one mistake of class `insecure-url` is a compile error on the path literal,
// located in the spec by line, column and path.
idspec::provider!("specs/insecure_url.yaml");

fn main() {}
