//! The userinfo response's shape and the authorization request's scope rule: what
//! the generated claims struct and request builder rely on.

use crate::diagnostic::{Diagnostic, DiagnosticClass};
use crate::load::path::SpecPath;
use crate::load::Reporter;
use crate::model::{ClaimTarget, Spec};

use super::Pruned;

pub(super) fn check(
    spec: &Spec,
    reporter: &Reporter,
    pruned: &Pruned<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let root = SpecPath::root();
    if spec.authorize.as_ref().is_some_and(|a| a.require_scope)
        && !spec.scopes.keys().any(|wire| !wire.contains('{'))
        && !pruned.within(&["scopes"])
    {
        out.push(
            reporter
                .at(
                    DiagnosticClass::Inconsistent,
                    &root.key("authorize").key("require_scope"),
                    "`require_scope` needs a scope to require, but the spec lists none without a parameter",
                )
                .help("list the provider's scopes under `scopes`"),
        );
    }
    let Some(userinfo) = &spec.userinfo else {
        return;
    };
    let path = root.key("userinfo");
    for (i, forbidden) in userinfo.forbidden.iter().enumerate() {
        if userinfo.params.contains_key(&forbidden.name) {
            out.push(reporter.at(
                DiagnosticClass::Inconsistent,
                &path.key("forbidden").index(i),
                format!(
                    "`{}` is both a userinfo parameter and forbidden",
                    forbidden.name
                ),
            ));
        }
    }
    let Some(attributes) = &userinfo.attributes else {
        return;
    };
    let path = path.key("attributes");
    let entry_members = [
        Some(&attributes.key),
        attributes.label.as_ref(),
        Some(&attributes.value),
    ];
    let named: Vec<&String> = entry_members.iter().flatten().copied().collect();
    for (i, name) in named.iter().enumerate() {
        if name.is_empty() || named[..i].contains(name) {
            out.push(
                reporter
                    .at(
                        DiagnosticClass::Inconsistent,
                        &path,
                        format!("an attribute entry's key, label and value need distinct, non-empty member names; `{name}` is not"),
                    ),
            );
        }
    }
    if spec.claims.contains_key(&attributes.list) {
        out.push(reporter.at(
            DiagnosticClass::IdentifierCollision,
            &path.key("list"),
            format!(
                "`{}` names both the attribute list and a claim",
                attributes.list
            ),
        ));
    }
    for (i, member) in attributes.members.iter().enumerate() {
        let delivered = spec
            .claims
            .get(member)
            .map(|c| c.delivered_in.contains(&ClaimTarget::Userinfo));
        match delivered {
            Some(true) => {}
            Some(false) => out.push(reporter.at(
                DiagnosticClass::Inconsistent,
                &path.key("members").index(i),
                format!("claim `{member}` is not delivered from userinfo"),
            )),
            None if pruned.definition("claims", member) => {}
            None => out.push(
                reporter
                    .at(
                        DiagnosticClass::UnknownReference,
                        &path.key("members").index(i),
                        format!("`{member}` is not a claim"),
                    )
                    .help("declare it under `claims`"),
            ),
        }
    }
    // OpenID Connect's userinfo `sub` is a member of the response (Core 5.3.2),
    // compared with the ID token's; in a list it would not be found.
    if spec.is_openid() && !attributes.members.iter().any(|m| m == "sub") {
        out.push(
            reporter
                .at(
                    DiagnosticClass::Inconsistent,
                    &path.key("members"),
                    "an OpenID Connect userinfo response carries `sub` as a member, beside the attribute list",
                )
                .help("add `sub` to `members` (and declare the claim)"),
        );
    }
}
