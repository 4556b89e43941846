//! The ID.me client (`idspec::idme`, from specs/idme.yaml): the document's payloads,
//! end to end against the sandbox, and secrets kept out of logs and errors. One test
//! binary, its parts in modules.

#![cfg(feature = "idme")]

mod payloads;
mod sandbox;
mod secrets;
mod support;
