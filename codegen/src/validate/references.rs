//! Names that must refer to something defined elsewhere in the spec.

use std::collections::HashSet;

use crate::diagnostic::{Diagnostic, DiagnosticClass};
use crate::load::path::SpecPath;
use crate::load::Reporter;
use crate::model::{Family, Outcome, Spec, TypeSpec};
use crate::names;

use super::Pruned;

pub(super) fn check(
    spec: &Spec,
    reporter: &Reporter,
    pruned: &Pruned<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let root = SpecPath::root();
    for (wire, scope) in &spec.scopes {
        let path = root.key("scopes").key(wire);
        for (i, claim) in scope.claims.iter().enumerate() {
            if !spec.claims.contains_key(claim) && !pruned.definition("claims", claim) {
                let mut diagnostic = reporter.at(
                    DiagnosticClass::UnknownReference,
                    &path.key("claims").index(i),
                    format!("scope `{wire}` names unknown claim `{claim}`"),
                );
                if let Some(close) = closest(claim, spec.claims.keys()) {
                    diagnostic = diagnostic.help(format!("did you mean `{close}`?"));
                } else {
                    diagnostic = diagnostic.help("declare it under `claims`");
                }
                out.push(diagnostic);
            }
        }
        let parameter = names::scope_parameter(wire);
        if wire.contains('{') && parameter.is_none_or(|p| p.is_empty()) {
            out.push(reporter.at(
                DiagnosticClass::Inconsistent,
                &path,
                "a parameterised scope names its parameter in braces: `service:{code}`",
            ));
        }
    }

    let mut visiting = HashSet::new();
    for (name, def) in &spec.types {
        check_refs(
            &def.ty,
            &root.key("types").key(name).key("type"),
            spec,
            pruned,
            reporter,
            out,
        );
        if refers_to_itself(name, &def.ty, spec, &mut visiting) {
            out.push(reporter.at(
                DiagnosticClass::Inconsistent,
                &root.key("types").key(name),
                format!("type `{name}` contains itself without an array or map in between"),
            ));
        }
        visiting.clear();
    }
    if let Some(authorize) = &spec.authorize {
        for (wire, param) in &authorize.params {
            check_refs(
                &param.ty,
                &root.key("authorize").key("params").key(wire).key("type"),
                spec,
                pruned,
                reporter,
                out,
            );
        }
    }
    for (wire, claim) in &spec.claims {
        check_refs(
            &claim.ty,
            &root.key("claims").key(wire).key("type"),
            spec,
            pruned,
            reporter,
            out,
        );
    }

    for (name, operation) in &spec.operations {
        let path = root.key("operations").key(name);
        let fields = operation
            .params
            .iter()
            .map(|(wire, f)| (path.key("params").key(wire), &f.ty))
            .chain(
                operation
                    .body
                    .iter()
                    .flatten()
                    .map(|(wire, f)| (path.key("body").key(wire), &f.ty)),
            )
            .chain(
                operation
                    .response
                    .json
                    .iter()
                    .map(|ty| (path.key("response").key("json"), ty)),
            );
        for (field_path, ty) in fields {
            check_refs(ty, &field_path, spec, pruned, reporter, out);
        }
    }
    for (name, webhook) in &spec.webhooks {
        for (wire, field) in &webhook.body {
            let field_path = root.key("webhooks").key(name).key("body").key(wire);
            check_refs(&field.ty, &field_path, spec, pruned, reporter, out);
        }
    }

    let codes: HashSet<&str> = spec.errors.codes.iter().map(|c| c.code.as_str()).collect();
    let codes_complete = !pruned.within(&["errors"]);
    // A rest provider's sandbox users end with webhook statuses (checked with the
    // rest family), not error codes.
    let users_fail_with_codes = spec.family != Family::Rest;
    if let (Some(sandbox), true) = (&spec.sandbox, codes_complete && users_fail_with_codes) {
        for (i, user) in sandbox.users.iter().enumerate() {
            if let Outcome::Error(code) = &user.outcome {
                if !codes.contains(code.as_str()) {
                    out.push(
                        reporter
                            .at(
                                DiagnosticClass::UnknownReference,
                                &root.key("sandbox").key("users").index(i).key("outcome"),
                                format!(
                                    "sandbox user `{}` fails with undocumented error code `{code}`",
                                    user.login
                                ),
                            )
                            .help("list the code under `errors.codes`"),
                    );
                }
            }
        }
    }

    if let (Some(sandbox), true) = (&spec.sandbox, codes_complete) {
        check_sandbox(spec, sandbox, &codes, pruned, reporter, out);
    }
}

fn check_refs(
    ty: &TypeSpec,
    path: &SpecPath,
    spec: &Spec,
    pruned: &Pruned<'_>,
    reporter: &Reporter,
    out: &mut Vec<Diagnostic>,
) {
    match ty {
        TypeSpec::Ref(name)
            if !spec.types.contains_key(name) && !pruned.definition("types", name) =>
        {
            out.push(
                reporter
                    .at(
                        DiagnosticClass::UnknownReference,
                        &path.key("ref"),
                        format!("unknown type `{name}`"),
                    )
                    .help("declare it under `types`"),
            );
        }
        TypeSpec::Array(inner) => {
            check_refs(inner, &path.key("array"), spec, pruned, reporter, out)
        }
        TypeSpec::Map(inner) => check_refs(inner, &path.key("map"), spec, pruned, reporter, out),
        TypeSpec::ClaimMap(inner) => {
            check_refs(inner, &path.key("claim_map"), spec, pruned, reporter, out)
        }
        TypeSpec::Nullable(inner) => {
            check_refs(inner, &path.key("nullable"), spec, pruned, reporter, out)
        }
        TypeSpec::Object(object) => {
            for (wire, field) in &object.fields {
                check_refs(
                    &field.ty,
                    &path.key("object").key(wire),
                    spec,
                    pruned,
                    reporter,
                    out,
                );
            }
        }
        _ => {}
    }
}

/// A type that holds itself directly (not through a Vec or map) has infinite size.
fn refers_to_itself<'a>(
    target: &str,
    ty: &'a TypeSpec,
    spec: &'a Spec,
    visiting: &mut HashSet<&'a str>,
) -> bool {
    match ty {
        TypeSpec::Ref(name) if name == target => true,
        TypeSpec::Ref(name) => {
            visiting.insert(name.as_str())
                && spec
                    .types
                    .get(name)
                    .is_some_and(|inner| refers_to_itself(target, &inner.ty, spec, visiting))
        }
        TypeSpec::Object(object) => object
            .fields
            .values()
            .any(|field| refers_to_itself(target, &field.ty, spec, visiting)),
        _ => false,
    }
}

/// The known name closest to a misspelt one, if one is close enough to suggest.
fn closest<'a>(wanted: &str, known: impl Iterator<Item = &'a String>) -> Option<&'a str> {
    known
        .map(|name| (crate::ident::edit_distance(wanted, name), name))
        .filter(|(distance, _)| *distance <= 2)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, name)| name.as_str())
}

fn check_sandbox(
    spec: &Spec,
    sandbox: &crate::model::SandboxSpec,
    codes: &HashSet<&str>,
    pruned: &Pruned<'_>,
    reporter: &Reporter,
    out: &mut Vec<Diagnostic>,
) {
    let path = SpecPath::root().key("sandbox");
    // A backchannel request's parameters identify its user as an authorization
    // request's do.
    let params: Vec<&String> = spec
        .authorize
        .iter()
        .flat_map(|a| a.params.keys())
        .chain(spec.backchannel.iter().flat_map(|b| b.params.keys()))
        .collect();
    let mut code_refs: Vec<(SpecPath, &String)> = Vec::new();
    if let Some(cancel) = &sandbox.cancel {
        code_refs.push((path.key("cancel"), cancel));
    }
    let rules = &sandbox.rules;
    for (name, code) in [
        ("forbidden_parameter", &rules.forbidden_parameter),
        ("pushed_only_parameter", &rules.pushed_only_parameter),
        ("unknown_scope", &rules.unknown_scope),
    ] {
        if let Some(code) = code {
            code_refs.push((path.key("rules").key(name), code));
        }
    }
    for (name, map) in [
        ("invalid_value", &rules.invalid_value),
        ("multiple_values", &rules.multiple_values),
    ] {
        for (param, code) in map {
            let item = path.key("rules").key(name).key(param);
            if !params.contains(&param) {
                out.push(reporter.at(
                    DiagnosticClass::UnknownReference,
                    &item,
                    format!("`{param}` is not an authorization parameter of the spec"),
                ));
            }
            code_refs.push((item, code));
        }
    }
    for (item, code) in code_refs {
        if !codes.contains(code.as_str()) {
            out.push(
                reporter
                    .at(
                        DiagnosticClass::UnknownReference,
                        &item,
                        format!("undocumented error code `{code}`"),
                    )
                    .help("list the code under `errors.codes`"),
            );
        }
    }
    if let Some(login) = &sandbox.login {
        if !params.contains(&&login.param) {
            out.push(reporter.at(
                DiagnosticClass::UnknownReference,
                &path.key("login").key("param"),
                format!(
                    "`{}` is not an authorization parameter of the spec",
                    login.param
                ),
            ));
        }
    }
    let mut claim_refs: Vec<(SpecPath, &String)> = sandbox
        .claims
        .keys()
        .map(|claim| (path.key("claims").key(claim), claim))
        .collect();
    for (i, user) in sandbox.users.iter().enumerate() {
        for claim in user.claims.keys() {
            claim_refs.push((path.key("users").index(i).key("claims").key(claim), claim));
        }
    }
    for (item, claim) in claim_refs {
        if !spec.claims.contains_key(claim) && !pruned.definition("claims", claim) {
            out.push(
                reporter
                    .at(
                        DiagnosticClass::UnknownReference,
                        &item,
                        format!("unknown claim `{claim}`"),
                    )
                    .help("declare it under `claims`"),
            );
        }
    }
}
