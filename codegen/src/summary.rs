//! A readable summary of what a spec generates: the main job's output.

use std::fmt::Write as _;

use crate::ident;
use crate::load::ValidatedSpec;
use crate::model::{ParMode, TypeSpec, Via};
use crate::names;

/// The summary of one generated client, as plain text.
pub fn summary(validated: &ValidatedSpec) -> String {
    let spec = validated.spec();
    let mut out = String::new();
    let _ = writeln!(
        out,
        "{} (module `{}`, feature `{}`), from {}",
        spec.name, spec.id, spec.id, spec.source
    );
    let _ = writeln!(out, "  family: {:?}", spec.family);
    for (name, env) in &spec.environments {
        let _ = writeln!(
            out,
            "  environment {name} ({:?}): issuer {}",
            env.kind,
            env.issuer.as_deref().unwrap_or("-")
        );
        for (endpoint, url) in env.endpoints.iter() {
            let _ = writeln!(out, "    {endpoint:<28} {url}");
        }
    }
    let _ = writeln!(out, "  operations:");
    let openid = spec.is_openid();
    let par = spec.par != ParMode::None;
    let pkce = spec.pkce != crate::model::PkceMode::None;
    let stored = match (openid, pkce) {
        (true, true) => "state, nonce, PKCE S256",
        (true, false) => "state, nonce",
        (false, true) => "state, PKCE S256",
        (false, false) => "state",
    };
    if let Some(backchannel) = &spec.backchannel {
        let grace = backchannel.grace.map(|g| g.seconds).unwrap_or(0);
        let _ = writeln!(
            out,
            "    Client::initiate(BackchannelRequest) -> PendingIdentification (signed request POSTed; nonce, {}, correlation id stored in the FlowStore)",
            backchannel.notification.auth.bearer
        );
        let _ = writeln!(
            out,
            "    Client::handle_notification(method, headers, body) -> outcome + response (bearer checked in constant time, code exchanged, ID token validated, userinfo fetched)"
        );
        let _ = writeln!(
            out,
            "    PendingIdentification::outcome() -> Identification (Login + UserInfo), or a timeout after {} s",
            backchannel.timeout.seconds + grace
        );
        if !backchannel.params.is_empty() {
            let _ = writeln!(out, "  backchannel parameters:");
            for (wire, param) in &backchannel.params {
                let note = match (&param.default, param.required) {
                    (_, true) => "required".to_owned(),
                    (Some(default), false) => format!("default {default:?}"),
                    (None, false) => "optional".to_owned(),
                };
                let _ = writeln!(out, "    {wire:<28} {note}");
            }
        }
    }
    let start = format!(
        "Client::start(AuthorizationRequest) -> authorization URL ({stored} stored in the FlowStore)"
    );
    let ops: &[(&str, bool)] = &[
        (&start, true),
        ("  through PAR (RFC 9126) when the request is `.pushed()`", par),
        ("Client::complete(callback query) -> Login (state, iss, code exchange, ID token validated)", openid),
        ("Client::complete(callback query) -> Login (state, code exchange; no ID token)", !openid),
        ("Client::userinfo(&Login) -> UserInfo (sub checked against the ID token)", spec.userinfo.is_some() && openid),
        ("Client::userinfo(&Login) -> UserInfo", spec.userinfo.is_some() && !openid),
        ("Client::refresh(&Login) -> Login (new tokens; a new ID token must keep iss, aud and sub)", openid),
        ("Client::refresh(&Login) -> Login (new tokens)", !openid),
    ];
    // A backchannel provider has no front channel: its operations are above.
    let front_channel = spec.backchannel.is_none();
    for (op, offered) in ops {
        if *offered && front_channel {
            let _ = writeln!(out, "    {op}");
        }
    }
    if let Some(client_auth) = &spec.client_auth {
        let methods: Vec<&str> = client_auth.methods.iter().map(|m| m.as_str()).collect();
        let _ = writeln!(
            out,
            "  client authentication: {} (default {})",
            methods.join(", "),
            client_auth
                .default_method()
                .map(|m| m.as_str())
                .unwrap_or("-")
        );
    }
    if let Some(authorize) = &spec.authorize {
        let _ = writeln!(out, "  authorization parameters:");
        for (wire, param) in &authorize.params {
            let channel = match param.via {
                Via::Par => "PAR only",
                Via::RequestObject => "request object only",
                Via::Backchannel => "backchannel",
                Via::Any => "query or PAR",
            };
            let _ = writeln!(
                out,
                "    .{}(): `{wire}`, {}, {channel}",
                names::param(wire, param),
                type_name(&param.ty)
            );
        }
        for forbidden in &authorize.forbidden {
            let _ = writeln!(
                out,
                "    not offered: `{}` ({})",
                forbidden.name, forbidden.reason
            );
        }
    }
    let _ = writeln!(out, "  scopes:");
    for (wire, scope) in &spec.scopes {
        let _ = writeln!(
            out,
            "    Scope::{:<16} `{wire}`{} -> {}",
            names::scope(wire, scope),
            if scope.required { " (always)" } else { "" },
            if scope.claims.is_empty() {
                "-".to_owned()
            } else {
                scope.claims.join(", ")
            }
        );
    }
    let _ = writeln!(out, "  claims:");
    for (wire, claim) in &spec.claims {
        let lenient = if claim.accept.is_empty() {
            ""
        } else {
            ", also accepted as a string"
        };
        let _ = writeln!(
            out,
            "    {:<34} {}{lenient}",
            names::claim(wire, claim),
            type_name(&claim.ty)
        );
    }
    let _ = writeln!(out, "  error codes ({}):", spec.errors.codes.len());
    for code in &spec.errors.codes {
        // Per-endpoint codes live in one enum per endpoint (itsme, ID.me).
        let owner = match code.endpoints.as_slice() {
            [endpoint] => format!("{}ErrorCode", crate::ident::pascal(endpoint.as_str())),
            _ => "ErrorCode".to_owned(),
        };
        let variant = format!("{owner}::{}", names::error_code(code));
        let _ = writeln!(
            out,
            "    {variant:<42} {} ({}) {}",
            code.code,
            code.oauth.as_deref().unwrap_or("-"),
            code.message
        );
    }
    if let Some(sandbox) = &spec.sandbox {
        let _ = writeln!(out, "  test users:");
        for user in &sandbox.users {
            let outcome = user.outcome_text(false);
            let _ = writeln!(
                out,
                "    test_users::{:<22} {} {outcome}",
                user.name, user.login
            );
        }
    }
    out
}

fn type_name(ty: &TypeSpec) -> String {
    match ty {
        TypeSpec::Ref(name) => name.clone(),
        TypeSpec::Array(inner) => format!("[{}]", type_name(inner)),
        TypeSpec::Map(inner) => format!("{{string: {}}}", type_name(inner)),
        TypeSpec::ClaimMap(inner) => format!("{{claim: {}}}", type_name(inner)),
        TypeSpec::Nullable(inner) => format!("{}?", type_name(inner)),
        TypeSpec::Enum(_) => "enum".to_owned(),
        TypeSpec::Object(_) => "object".to_owned(),
        other => ident::snake(&format!("{other:?}")),
    }
}
