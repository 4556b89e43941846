//! Claim values of the sandbox's users: the spec's `sandbox.claims`, a user's own
//! overrides, `{login}` and `{sub}` filled in, and only what the granted scopes or
//! the `claims` request parameter (OpenID Connect Core 5.5) release.

use idspec_codegen::model::{AttributeList, ClaimTarget, Spec};
use serde_json::{Map, Value};
use sha2::Digest as _;

/// A stable, opaque subject for a login: the same login always gets the same `sub`.
pub(crate) fn subject(spec: &Spec, login: &str) -> String {
    let digest = sha2::Sha256::digest(format!("{}:{login}", spec.id).as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// The value of one claim for `login`, if the sandbox has one.
pub(crate) fn value(spec: &Spec, login: &str, claim: &str) -> Option<Value> {
    let sandbox = spec.sandbox.as_ref()?;
    let user = sandbox.users.iter().find(|u| u.login == login);
    let template = user
        .and_then(|u| u.claims.get(claim))
        .or_else(|| sandbox.claims.get(claim))?;
    Some(fill(template, login, &subject(spec, login)))
}

/// The claims released by `scopes` that are delivered to `target`.
pub(crate) fn released(
    spec: &Spec,
    login: &str,
    scopes: &[String],
    target: ClaimTarget,
) -> Map<String, Value> {
    let mut claims = Map::new();
    for (wire, scope) in &spec.scopes {
        let granted = match wire.find('{') {
            Some(open) => scopes.iter().any(|s| s.starts_with(&wire[..open])),
            None => scopes.contains(wire),
        };
        if !granted {
            continue;
        }
        for claim in &scope.claims {
            let delivered = spec
                .claims
                .get(claim)
                .is_some_and(|c| c.delivered_in.contains(&target));
            if delivered && claim != "sub" {
                if let Some(value) = value(spec, login, claim) {
                    claims.insert(claim.clone(), value);
                }
            }
        }
    }
    claims
}

/// The claims the `claims` request parameter asks for in `target` (its `id_token` or
/// `userinfo` member), where the spec offers the parameter: each one the spec
/// documents for that target and the sandbox has a value for. Unknown ones are
/// ignored, as OpenID Connect Core 5.5 says.
pub(crate) fn requested(
    spec: &Spec,
    login: &str,
    request: Option<&str>,
    target: ClaimTarget,
) -> Map<String, Value> {
    let mut claims = Map::new();
    if spec.claims_parameter.is_none() {
        return claims;
    }
    let member = match target {
        ClaimTarget::IdToken => "id_token",
        ClaimTarget::Userinfo => "userinfo",
    };
    let Some(Value::Object(asked)) = request
        .and_then(|r| serde_json::from_str::<Value>(r).ok())
        .and_then(|r| r.get(member).cloned())
    else {
        return claims;
    };
    for name in asked.keys() {
        let delivered = spec
            .claims
            .get(name)
            .is_some_and(|c| c.delivered_in.contains(&target));
        if delivered && name != "sub" {
            if let Some(value) = value(spec, login, name) {
                claims.insert(name.clone(), value);
            }
        }
    }
    claims
}

/// Claims delivered only in the ID token and released by no scope (`acr`, `amr`).
pub(crate) fn id_token_only(spec: &Spec, login: &str) -> Map<String, Value> {
    let mut claims = Map::new();
    for (wire, claim) in &spec.claims {
        let by_scope = spec.scopes.values().any(|s| s.claims.contains(wire));
        if !by_scope && claim.delivered_in == [ClaimTarget::IdToken] {
            if let Some(value) = value(spec, login, wire) {
                claims.insert(wire.clone(), value);
            }
        }
    }
    claims
}

/// The response in the provider's list shape (ID.me's `attributes`): each claim an
/// entry with its key, the spec's label and its value, in the spec's order; the
/// claims the spec names as members stay members.
pub(crate) fn as_attribute_list(
    spec: &Spec,
    list: &AttributeList,
    mut claims: Map<String, Value>,
) -> Map<String, Value> {
    let mut entries = Vec::new();
    for (wire, claim) in &spec.claims {
        if list.members.contains(wire) {
            continue;
        }
        let Some(value) = claims.remove(wire) else {
            continue;
        };
        let mut entry = Map::new();
        entry.insert(list.key.clone(), Value::String(wire.clone()));
        if let (Some(member), Some(label)) = (&list.label, &claim.label) {
            entry.insert(member.clone(), Value::String(label.clone()));
        }
        entry.insert(list.value.clone(), value);
        entries.push(Value::Object(entry));
    }
    claims.insert(list.list.clone(), Value::Array(entries));
    claims
}

fn fill(template: &Value, login: &str, sub: &str) -> Value {
    match template {
        Value::String(text) => Value::String(text.replace("{login}", login).replace("{sub}", sub)),
        Value::Array(items) => Value::Array(items.iter().map(|v| fill(v, login, sub)).collect()),
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), fill(v, login, sub)))
                .collect(),
        ),
        other => other.clone(),
    }
}
