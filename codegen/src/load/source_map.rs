//! Line and column of every node, so that problems found on the typed model can be
//! reported where they are in the file.
//!
//! serde_yaml keeps no positions once a document is parsed, so the same text is read
//! a second time through yaml-rust2's event parser, which marks every event.

use std::collections::HashMap;

use yaml_rust2::parser::{Event, MarkedEventReceiver, Parser};
use yaml_rust2::scanner::Marker;

use super::path::SpecPath;

/// A 1-based line and column.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Location {
    /// 1-based line.
    pub line: usize,
    /// 1-based column.
    pub column: usize,
}

/// The location of every path in one document.
#[derive(Debug, Default)]
pub struct SourceMap {
    locations: HashMap<SpecPath, Location>,
}

impl SourceMap {
    /// Maps `text`. A document the event parser rejects maps to nothing; serde_yaml
    /// reports the syntax error itself.
    pub fn build(text: &str) -> Self {
        let mut builder = Builder::default();
        let mut parser = Parser::new_from_str(text);
        // Events are pulled one by one: yaml-rust2's `load` recurses once per nesting
        // level, and a few kilobytes of `- - - ...` would overflow the stack before
        // serde_yaml's depth limit could report it. A scan error ends the walk;
        // serde_yaml reports it, reading the same text.
        while let Ok((event, marker)) = parser.next_token() {
            if matches!(event, Event::DocumentEnd | Event::StreamEnd) {
                break;
            }
            builder.on_event(event, marker);
        }
        Self {
            locations: builder.locations,
        }
    }

    /// The location of `path`, or of its nearest ancestor that has one.
    pub fn locate(&self, path: &SpecPath) -> Location {
        let mut current = Some(path.clone());
        while let Some(path) = current {
            if let Some(location) = self.locations.get(&path) {
                return *location;
            }
            current = path.parent();
        }
        Location { line: 1, column: 1 }
    }
}

enum Frame {
    Mapping {
        path: SpecPath,
        key: Option<(String, Marker)>,
    },
    Sequence {
        path: SpecPath,
        next: usize,
    },
}

#[derive(Default)]
struct Builder {
    stack: Vec<Frame>,
    locations: HashMap<SpecPath, Location>,
    // Inside a complex (non-scalar) key we only track depth, to skip it.
    skipping_key_depth: usize,
}

fn location(marker: Marker) -> Location {
    // yaml-rust2 counts lines from 1 and columns from 0.
    Location {
        line: marker.line(),
        column: marker.col() + 1,
    }
}

impl Builder {
    /// Records a value (scalar, alias, or collection start) and returns its path,
    /// or `None` when the event is a mapping key.
    fn value_path(&mut self, event_text: Option<&str>, marker: Marker) -> Option<SpecPath> {
        match self.stack.last_mut() {
            None => {
                let path = SpecPath::root();
                self.locations
                    .entry(path.clone())
                    .or_insert(location(marker));
                Some(path)
            }
            Some(Frame::Sequence { path, next }) => {
                let path = path.index(*next);
                *next += 1;
                self.locations.insert(path.clone(), location(marker));
                Some(path)
            }
            Some(Frame::Mapping { path, key }) => match key.take() {
                None => {
                    let text = event_text.unwrap_or("?").to_owned();
                    *key = Some((text, marker));
                    None
                }
                Some((key, key_marker)) => {
                    let path = path.key(key);
                    // The key's position: "phone:" is where a reader looks for `phone`.
                    self.locations.insert(path.clone(), location(key_marker));
                    Some(path)
                }
            },
        }
    }
}

impl MarkedEventReceiver for Builder {
    fn on_event(&mut self, event: Event, marker: Marker) {
        if self.skipping_key_depth > 0 {
            match event {
                Event::MappingStart(..) | Event::SequenceStart(..) => self.skipping_key_depth += 1,
                Event::MappingEnd | Event::SequenceEnd => self.skipping_key_depth -= 1,
                _ => {}
            }
            return;
        }
        match event {
            Event::Scalar(text, ..) => {
                self.value_path(Some(&text), marker);
            }
            Event::Alias(_) => {
                self.value_path(Some("*alias"), marker);
            }
            Event::MappingStart(..) | Event::SequenceStart(..) => {
                let is_mapping = matches!(event, Event::MappingStart(..));
                let awaiting_key =
                    matches!(self.stack.last(), Some(Frame::Mapping { key: None, .. }));
                if awaiting_key {
                    // A complex key: record a placeholder key and skip its contents.
                    self.value_path(Some("?"), marker);
                    self.skipping_key_depth = 1;
                    return;
                }
                let path = self.value_path(None, marker).unwrap_or_default();
                self.stack.push(if is_mapping {
                    Frame::Mapping { path, key: None }
                } else {
                    Frame::Sequence { path, next: 0 }
                });
            }
            Event::MappingEnd | Event::SequenceEnd => {
                self.stack.pop();
            }
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locates_keys_and_items() {
        let map = SourceMap::build("id: x\nscopes:\n  phone:\n    claims: [a, b]\n");
        let phone = SpecPath::root().key("scopes").key("phone");
        assert_eq!(map.locate(&phone), Location { line: 3, column: 3 });
        let b = phone.key("claims").index(1);
        assert_eq!(
            map.locate(&b),
            Location {
                line: 4,
                column: 17
            }
        );
        let missing = phone.key("nothing");
        assert_eq!(map.locate(&missing), Location { line: 3, column: 3 });
    }
}
