//! The Rust name of everything in a spec, in one place, so that the validator checks
//! exactly the names the generator emits.

use crate::ident;
use crate::load::path::SpecPath;
use crate::model::{
    ClaimSpec, EnumValue, ErrorCodeSpec, FieldSpec, ObjectSpec, ParamSpec, ScopeSpec, Spec,
    TypeSpec,
};

/// The provider's marker type: `Swisscom Mobile ID` → `SwisscomMobileId`.
pub fn provider_marker(spec: &Spec) -> String {
    ident::pascal(&spec.name)
}

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

/// The owner name of an array's items: `hints` → `hint`.
pub fn array_item_owner(owner: &str) -> String {
    owner
        .strip_suffix('s')
        .filter(|s| !s.is_empty())
        .unwrap_or(owner)
        .to_owned()
}

/// The owner name of a map's values.
pub fn map_entry_owner(owner: &str) -> String {
    format!("{owner}_entry")
}

/// The owner name of an object field's inline type: `LoginHint` + `hints`.
pub fn field_owner(object: &str, field: &str) -> String {
    format!("{object}_{field}")
}

/// Names every generated module defines itself; a spec's types must not take them.
pub const RESERVED_TYPES: &[&str] = &[
    "Scope",
    "ErrorCode",
    "Error",
    "Environment",
    "Client",
    "ClientBuilder",
    "Login",
    "Tokens",
    "AuthorizationRequest",
    "IdTokenClaims",
    "UserInfo",
    "PROFILE",
    "Claim",
    "ClaimsRequest",
    "AuthorizationErrorCode",
    "TokenErrorCode",
    "UserinfoErrorCode",
    "RevocationErrorCode",
];

/// Every type the generator defines for inline enums and objects, with the spec
/// path it comes from: the same naming as the generator's.
pub fn inline_types(spec: &Spec) -> Vec<(String, SpecPath)> {
    let mut found = Vec::new();
    let root = SpecPath::root();
    for (name, def) in &spec.types {
        if let TypeSpec::Object(object) = &def.ty {
            object_fields(
                name,
                object,
                &root.key("types").key(name).key("type"),
                &mut found,
            );
        } else if let TypeSpec::Array(inner) | TypeSpec::Map(inner) | TypeSpec::ClaimMap(inner) =
            &def.ty
        {
            inline(
                name,
                inner,
                &root.key("types").key(name).key("type"),
                &mut found,
            );
        }
    }
    if let Some(authorize) = &spec.authorize {
        for (wire, param) in &authorize.params {
            inline(
                wire,
                &param.ty,
                &root.key("authorize").key("params").key(wire).key("type"),
                &mut found,
            );
        }
    }
    for (wire, claim) in &spec.claims {
        inline(
            &self::claim(wire, claim),
            &claim.ty,
            &root.key("claims").key(wire).key("type"),
            &mut found,
        );
    }
    found
}

fn inline(owner: &str, ty: &TypeSpec, path: &SpecPath, found: &mut Vec<(String, SpecPath)>) {
    match ty {
        TypeSpec::Enum(_) => found.push((inline_type(owner), path.clone())),
        TypeSpec::Object(object) => {
            let name = inline_type(owner);
            object_fields(&name, object, path, found);
            found.push((name, path.clone()));
        }
        TypeSpec::Array(inner) => {
            inline(&array_item_owner(owner), inner, &path.key("array"), found)
        }
        TypeSpec::Map(inner) => inline(&map_entry_owner(owner), inner, &path.key("map"), found),
        TypeSpec::ClaimMap(inner) => inline(
            &map_entry_owner(owner),
            inner,
            &path.key("claim_map"),
            found,
        ),
        TypeSpec::Nullable(inner) => inline(owner, inner, &path.key("nullable"), found),
        _ => {}
    }
}

fn object_fields(
    object_name: &str,
    object: &ObjectSpec,
    path: &SpecPath,
    found: &mut Vec<(String, SpecPath)>,
) {
    for (wire, field_spec) in &object.fields {
        let owner = field_owner(object_name, &field(wire, field_spec));
        inline(&owner, &field_spec.ty, &path.key("object").key(wire), found);
    }
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
