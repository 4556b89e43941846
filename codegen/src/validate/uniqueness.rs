//! Identifiers: valid, and never two wire names on one Rust name; values and codes
//! listed once.

use std::collections::HashMap;

use crate::diagnostic::{Diagnostic, DiagnosticClass};
use crate::ident;
use crate::load::path::SpecPath;
use crate::load::Reporter;
use crate::model::{ErrorEndpoint, Spec, TypeSpec};
use crate::names;

/// Rust names taken by the generated authorization request builder itself.
const RESERVED_SETTERS: &[&str] = &[
    "scope",
    "scopes",
    "pushed",
    "state",
    "nonce",
    "redirect_uri",
    "build",
    "into_params",
    "request_object",
];

pub(super) fn check(spec: &Spec, reporter: &Reporter, out: &mut Vec<Diagnostic>) {
    let root = SpecPath::root();
    if !ident::is_snake_ident(&spec.id) {
        out.push(
            reporter
                .at(
                    DiagnosticClass::InvalidIdentifier,
                    &root.key("id"),
                    format!("`{}` cannot be a module name", spec.id),
                )
                .help("use lowercase letters, digits and underscores, starting with a letter"),
        );
    }

    let mut env_names = Names::new(DiagnosticClass::IdentifierCollision, "environment");
    for name in spec.environments.keys() {
        env_names.add(
            ident::pascal(name),
            name,
            root.key("environments").key(name),
            reporter,
            out,
        );
    }

    for (name, def) in &spec.types {
        let ty = &def.ty;
        let path = root.key("types").key(name);
        if !ident::is_pascal_ident(name) {
            out.push(
                reporter
                    .at(
                        DiagnosticClass::InvalidIdentifier,
                        &path,
                        format!("type name `{name}` is not a PascalCase Rust identifier"),
                    )
                    .help("write it as it should appear in Rust, e.g. `LoginHint`"),
            );
        }
        check_type(ty, &path.key("type"), reporter, out);
    }

    // Type names: the spec's own, the inline ones the generator derives, and the
    // names every generated module defines share one namespace.
    let mut types = Names::new(DiagnosticClass::IdentifierCollision, "type");
    for reserved in names::RESERVED_TYPES {
        types.seen.insert(
            (*reserved).to_owned(),
            format!("the generated `{reserved}`"),
        );
    }
    for name in spec.types.keys() {
        types.add(
            name.clone(),
            name,
            root.key("types").key(name),
            reporter,
            out,
        );
    }
    for (name, path) in names::inline_types(spec) {
        types.add(
            name.clone(),
            &format!("the inline type at {}", path.display("spec")),
            path,
            reporter,
            out,
        );
    }

    if let Some(authorize) = &spec.authorize {
        let params_path = root.key("authorize").key("params");
        let mut setters = Names::new(DiagnosticClass::IdentifierCollision, "parameter");
        for (wire, param) in &authorize.params {
            let path = params_path.key(wire);
            let name = names::param(wire, param);
            check_snake(&name, param.rust_name.is_some(), &path, reporter, out);
            if RESERVED_SETTERS.contains(&name.as_str()) {
                out.push(reporter.at(
                    DiagnosticClass::IdentifierCollision,
                    &path,
                    format!("parameter `{wire}` would be the builder method `{name}`, which the runtime's own parameters use"),
                ).help("the protocol's parameters are the runtime's; give this one a `rust_name`"));
            }
            setters.add(name, wire, path.clone(), reporter, out);
            check_type(&param.ty, &path.key("type"), reporter, out);
        }
        let mut forbidden = HashMap::new();
        for (i, param) in authorize.forbidden.iter().enumerate() {
            let path = root.key("authorize").key("forbidden").index(i);
            if forbidden.insert(param.name.as_str(), i).is_some() {
                out.push(reporter.at(
                    DiagnosticClass::DuplicateValue,
                    &path,
                    format!("parameter `{}` is forbidden twice", param.name),
                ));
            }
            if authorize.params.contains_key(&param.name) {
                out.push(reporter.at(
                    DiagnosticClass::Inconsistent,
                    &path,
                    format!("parameter `{}` is both offered and forbidden", param.name),
                ));
            }
        }
    }

    let mut scopes = Names::new(DiagnosticClass::IdentifierCollision, "scope");
    for (wire, scope) in &spec.scopes {
        let path = root.key("scopes").key(wire);
        let name = names::scope(wire, scope);
        if scope.rust_name.is_some() && !ident::is_pascal_ident(&name) {
            out.push(reporter.at(
                DiagnosticClass::InvalidIdentifier,
                &path.key("rust_name"),
                format!("`{name}` is not a PascalCase Rust identifier"),
            ));
        }
        scopes.add(name, wire, path.clone(), reporter, out);
        let mut seen = HashMap::new();
        for (i, claim) in scope.claims.iter().enumerate() {
            if seen.insert(claim.as_str(), i).is_some() {
                out.push(reporter.at(
                    DiagnosticClass::DuplicateValue,
                    &path.key("claims").index(i),
                    format!("claim `{claim}` is listed twice in scope `{wire}`"),
                ));
            }
        }
    }

    let mut claims = Names::new(DiagnosticClass::IdentifierCollision, "claim");
    for (wire, claim) in &spec.claims {
        let path = root.key("claims").key(wire);
        let name = names::claim(wire, claim);
        check_snake(&name, claim.rust_name.is_some(), &path, reporter, out);
        claims.add(name, wire, path.clone(), reporter, out);
        check_type(&claim.ty, &path.key("type"), reporter, out);
    }

    check_error_codes(spec, &root, reporter, out);

    if let Some(sandbox) = &spec.sandbox {
        let mut users = Names::new(DiagnosticClass::IdentifierCollision, "sandbox user");
        let mut logins = HashMap::new();
        for (i, user) in sandbox.users.iter().enumerate() {
            let path = root.key("sandbox").key("users").index(i);
            if !ident::is_screaming_ident(&user.name) {
                out.push(reporter.at(
                    DiagnosticClass::InvalidIdentifier,
                    &path.key("name"),
                    format!(
                        "`{}` is not a SCREAMING_SNAKE_CASE constant name",
                        user.name
                    ),
                ));
            }
            users.add(user.name.clone(), &user.name, path.clone(), reporter, out);
            if logins.insert(user.login.as_str(), i).is_some() {
                out.push(reporter.at(
                    DiagnosticClass::DuplicateValue,
                    &path.key("login"),
                    format!("sandbox user `{}` is listed twice", user.login),
                ));
            }
        }
    }

    for (name, operation) in &spec.operations {
        let path = root.key("operations").key(name);
        check_snake(name, true, &path, reporter, out);
        check_fields(&operation.params, &path.key("params"), reporter, out);
        if let Some(body) = &operation.body {
            check_fields(body, &path.key("body"), reporter, out);
        }
        if let Some(json) = &operation.response.json {
            check_type(json, &path.key("response").key("json"), reporter, out);
        }
    }
    for (name, webhook) in &spec.webhooks {
        let path = root.key("webhooks").key(name);
        check_snake(name, true, &path, reporter, out);
        check_fields(&webhook.body, &path.key("body"), reporter, out);
    }
    for (name, link) in &spec.links {
        let path = root.key("links").key(name);
        check_snake(name, true, &path, reporter, out);
        check_fields(&link.params, &path.key("params"), reporter, out);
    }
}

fn check_snake(
    name: &str,
    explicit: bool,
    path: &SpecPath,
    reporter: &Reporter,
    out: &mut Vec<Diagnostic>,
) {
    if explicit && !ident::is_snake_ident(name) {
        out.push(
            reporter
                .at(DiagnosticClass::InvalidIdentifier, path, format!("`{name}` is not a snake_case Rust identifier"))
                .help("use lowercase letters, digits and underscores, starting with a letter; not a keyword"),
        );
    }
}

/// Enum values and object fields inside a type, recursively.
fn check_type(ty: &TypeSpec, path: &SpecPath, reporter: &Reporter, out: &mut Vec<Diagnostic>) {
    match ty {
        TypeSpec::Enum(values) => {
            let path = path.key("enum");
            let mut wire = HashMap::new();
            let mut variants = Names::new(DiagnosticClass::IdentifierCollision, "enum value");
            for (i, value) in values.values.iter().enumerate() {
                let item = path.index(i);
                if let Some(first) = wire.insert(value.value.as_str(), i) {
                    out.push(
                        reporter
                            .at(
                                DiagnosticClass::DuplicateValue,
                                &item,
                                format!("enum value `{}` is listed twice", value.value),
                            )
                            .help(format!("it is first listed at index {first}")),
                    );
                    continue;
                }
                let name = names::enum_value(value);
                if value.rust_name.is_some() && !ident::is_pascal_ident(&name) {
                    out.push(reporter.at(
                        DiagnosticClass::InvalidIdentifier,
                        &item,
                        format!("`{name}` is not a PascalCase Rust identifier"),
                    ));
                }
                if name == "Unknown" {
                    out.push(
                        reporter
                            .at(
                                DiagnosticClass::IdentifierCollision,
                                &item,
                                "`Unknown` is the variant that keeps undocumented values",
                            )
                            .help("give this value another `rust_name`"),
                    );
                }
                variants.add(name, &value.value, item, reporter, out);
            }
        }
        TypeSpec::Object(object) => {
            check_fields(&object.fields, &path.key("object"), reporter, out)
        }
        TypeSpec::Array(inner) => check_type(inner, &path.key("array"), reporter, out),
        TypeSpec::Map(inner) => check_type(inner, &path.key("map"), reporter, out),
        TypeSpec::ClaimMap(inner) => check_type(inner, &path.key("claim_map"), reporter, out),
        TypeSpec::Nullable(inner) => check_type(inner, &path.key("nullable"), reporter, out),
        _ => {}
    }
}

fn check_fields(
    fields: &indexmap::IndexMap<String, crate::model::FieldSpec>,
    path: &SpecPath,
    reporter: &Reporter,
    out: &mut Vec<Diagnostic>,
) {
    let mut names = Names::new(DiagnosticClass::IdentifierCollision, "field");
    for (wire, field) in fields {
        let item = path.key(wire);
        let name = names::field(wire, field);
        check_snake(&name, field.rust_name.is_some(), &item, reporter, out);
        names.add(name, wire, item.clone(), reporter, out);
        check_type(&field.ty, &item, reporter, out);
    }
}

/// Tracks Rust names in one namespace and reports two wire names on one.
struct Names {
    class: DiagnosticClass,
    what: &'static str,
    seen: HashMap<String, String>,
}

impl Names {
    fn new(class: DiagnosticClass, what: &'static str) -> Self {
        Self {
            class,
            what,
            seen: HashMap::new(),
        }
    }

    fn add(
        &mut self,
        rust: String,
        wire: &str,
        path: SpecPath,
        reporter: &Reporter,
        out: &mut Vec<Diagnostic>,
    ) {
        if let Some(other) = self.seen.get(&rust) {
            out.push(
                reporter
                    .at(
                        self.class,
                        &path,
                        format!(
                            "{} `{wire}` and `{other}` both become the Rust name `{rust}`",
                            self.what
                        ),
                    )
                    .help("give one of them a `rust_name`"),
            );
        } else {
            self.seen.insert(rust, wire.to_owned());
        }
    }
}

/// Each code once (per endpoint, when codes are documented per endpoint), each on its
/// own Rust variant, and either every code names its endpoints or none does.
fn check_error_codes(spec: &Spec, root: &SpecPath, reporter: &Reporter, out: &mut Vec<Diagnostic>) {
    let per_endpoint = spec.errors.per_endpoint();
    // One enum per endpoint, or one for all: `None` stands for the single enum.
    let mut seen: HashMap<(Option<ErrorEndpoint>, &str), usize> = HashMap::new();
    let mut variants: HashMap<Option<ErrorEndpoint>, Names> = HashMap::new();
    for (i, code) in spec.errors.codes.iter().enumerate() {
        let path = root.key("errors").key("codes").index(i);
        if per_endpoint && code.endpoints.is_empty() {
            out.push(
                reporter
                    .at(
                        DiagnosticClass::Inconsistent,
                        &path,
                        format!(
                            "error code `{}` names no endpoints, but other codes do",
                            code.code
                        ),
                    )
                    .help("when codes are documented per endpoint, give every code `endpoints`"),
            );
            continue;
        }
        let enums: Vec<Option<ErrorEndpoint>> = if per_endpoint {
            code.endpoints.iter().copied().map(Some).collect()
        } else {
            vec![None]
        };
        for endpoint in enums {
            if let Some(first) = seen.insert((endpoint, code.code.as_str()), i) {
                let at = endpoint
                    .map(|e| format!(" for the {} endpoint", e.as_str()))
                    .unwrap_or_default();
                out.push(
                    reporter
                        .at(
                            DiagnosticClass::DuplicateErrorCode,
                            &path.key("code"),
                            format!("error code `{}` is listed twice{at}", code.code),
                        )
                        .help(format!(
                            "it is first listed at errors.codes[{first}]; keep one"
                        )),
                );
                continue;
            }
            variants
                .entry(endpoint)
                .or_insert_with(|| Names::new(DiagnosticClass::IdentifierCollision, "error code"))
                .add(
                    names::error_code(code),
                    &code.code,
                    path.clone(),
                    reporter,
                    out,
                );
        }
    }
}
