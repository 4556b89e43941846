//! The Rust name of everything in a spec, in one place, so that the validator checks
//! exactly the names the generator emits.

use crate::ident;
use crate::model::{ClaimSpec, EnumValue, ErrorCodeSpec, FieldSpec, ParamSpec, ScopeSpec};

/// The builder method for an authorization parameter.
pub fn param(wire: &str, spec: &ParamSpec) -> String {
    spec.rust_name.clone().unwrap_or_else(|| ident::snake(wire))
}

/// The struct field for a claim.
pub fn claim(wire: &str, spec: &ClaimSpec) -> String {
    spec.rust_name.clone().unwrap_or_else(|| ident::snake(wire))
}

/// The struct field for an object field.
pub fn field(wire: &str, spec: &FieldSpec) -> String {
    spec.rust_name.clone().unwrap_or_else(|| ident::snake(wire))
}

/// The `Scope` variant for a scope.
pub fn scope(wire: &str, spec: &ScopeSpec) -> String {
    spec.rust_name
        .clone()
        .unwrap_or_else(|| ident::pascal(&scope_prefix(wire)))
}

/// The variant for an enum value.
pub fn enum_value(value: &EnumValue) -> String {
    value
        .rust_name
        .clone()
        .unwrap_or_else(|| ident::pascal(&value.value))
}

/// The `ErrorCode` variant for an error code.
pub fn error_code(code: &ErrorCodeSpec) -> String {
    ident::pascal(code.name.as_deref().unwrap_or(&code.code))
}

/// The type generated for an inline compound type at a named place.
pub fn inline_type(owner: &str) -> String {
    ident::pascal(owner)
}

/// The placeholder of a parameterised scope: `service:{code}` → `Some("code")`.
pub fn scope_parameter(wire: &str) -> Option<&str> {
    let open = wire.find('{')?;
    let close = wire[open..].find('}')? + open;
    Some(&wire[open + 1..close])
}

/// A parameterised scope's fixed part: `service:{code}` → `service`.
pub fn scope_prefix(wire: &str) -> String {
    match wire.find('{') {
        Some(open) => wire[..open]
            .trim_end_matches([':', '/', '-', '_'])
            .to_owned(),
        None => wire.to_owned(),
    }
}
