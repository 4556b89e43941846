// Every problem in a spec is reported at once, each as its own compile error with
// the spec's line, column and path: one build shows all there is to fix.
idspec::provider!("specs/several_mistakes.yaml");

fn main() {}
