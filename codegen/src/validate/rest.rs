//! The `rest` family: authentication schemes, operation and link templates,
//! webhooks, and what the runtime relies on to keep credentials on the provider's
//! hosts.

use indexmap::IndexMap;

use crate::diagnostic::{Diagnostic, DiagnosticClass};
use crate::load::path::SpecPath;
use crate::load::Reporter;
use crate::model::{ClientAuthMethod, Family, FieldSpec, OperationMethod, Outcome, Spec, TypeSpec};
use crate::template::Template;

use super::Pruned;

pub(super) fn check(
    spec: &Spec,
    reporter: &Reporter,
    pruned: &Pruned<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let root = SpecPath::root();
    let mut report = |class: DiagnosticClass, path: &SpecPath, message: String| {
        out.push(reporter.at(class, path, message));
    };
    let rest = spec.family == Family::Rest;
    if rest && spec.operations.is_empty() && !pruned.within(&["operations"]) {
        report(
            DiagnosticClass::Inconsistent,
            &root.key("family"),
            "family `rest` needs at least one operation under `operations`".to_owned(),
        );
    }
    if !rest {
        for (section, present) in [
            ("auth", !spec.auth.is_empty()),
            ("operations", !spec.operations.is_empty()),
            ("webhooks", !spec.webhooks.is_empty()),
            ("links", !spec.links.is_empty()),
            ("verified_id", spec.verified_id.is_some()),
        ] {
            if present {
                report(
                    DiagnosticClass::Inconsistent,
                    &root.key(section),
                    format!("`{section}` belongs to family `rest`"),
                );
            }
        }
        return;
    }
    for (section, present) in [
        ("authorize", spec.authorize.is_some()),
        ("id_token", spec.id_token.is_some()),
        ("userinfo", spec.userinfo.is_some()),
        ("request_object", spec.request_object.is_some()),
    ] {
        if present {
            report(
                DiagnosticClass::Inconsistent,
                &root.key(section),
                format!("a `rest` provider has no `{section}`: it is not a login"),
            );
        }
    }

    // Every environment must define the same URLs, so that a template means the
    // same thing in each.
    let env_urls: Vec<&String> = spec
        .environments
        .values()
        .next()
        .map(|env| env.urls.keys().collect())
        .unwrap_or_default();
    for (name, env) in &spec.environments {
        let mut keys: Vec<&String> = env.urls.keys().collect();
        let mut first = env_urls.clone();
        keys.sort();
        first.sort();
        if keys != first {
            report(
                DiagnosticClass::Inconsistent,
                &root.key("environments").key(name).key("urls"),
                format!(
                    "environment `{name}` does not define the same `urls` as the first environment"
                ),
            );
        }
    }
    let is_env_url = |name: &str| env_urls.iter().any(|u| u.as_str() == name);

    let mut kinds: IndexMap<&str, &String> = IndexMap::new();
    for (name, scheme) in &spec.auth {
        let path = root.key("auth").key(name);
        let kind = match (&scheme.client_credentials, &scheme.api_key) {
            (Some(credentials), None) => {
                if !matches!(
                    credentials.client_auth,
                    ClientAuthMethod::ClientSecretPost | ClientAuthMethod::ClientSecretBasic
                ) {
                    report(
                        DiagnosticClass::Inconsistent,
                        &path.key("client_credentials").key("client_auth"),
                        "the client credentials grant is authenticated with client_secret_post or client_secret_basic".to_owned(),
                    );
                }
                check_template(
                    &credentials.token_url,
                    &IndexMap::new(),
                    &path.key("client_credentials").key("token_url"),
                    &is_env_url,
                    &mut report,
                );
                "client_credentials"
            }
            (None, Some(_)) => "api_key",
            _ => {
                report(
                    DiagnosticClass::Schema,
                    &path,
                    format!("auth scheme `{name}` needs exactly one of `client_credentials` and `api_key`"),
                );
                continue;
            }
        };
        if let Some(other) = kinds.insert(kind, name) {
            report(
                DiagnosticClass::Inconsistent,
                &path,
                format!("`{other}` is already the {kind} scheme; a client has one credential of each kind"),
            );
        }
    }

    for (name, operation) in &spec.operations {
        let path = root.key("operations").key(name);
        if let Some(auth) = &operation.auth {
            if !spec.auth.contains_key(auth) && !pruned.definition("auth", auth) {
                report(
                    DiagnosticClass::UnknownReference,
                    &path.key("auth"),
                    format!("operation `{name}` uses unknown auth scheme `{auth}`"),
                );
            }
        }
        let template = check_template(
            &operation.url,
            &operation.params,
            &path.key("url"),
            &is_env_url,
            &mut report,
        );
        if let Some(origin) = &operation.origin {
            if !is_env_url(origin) {
                report(
                    DiagnosticClass::UnknownReference,
                    &path.key("origin"),
                    format!("`{origin}` is not a URL of the environments"),
                );
            }
        }
        if let Some(template) = &template {
            if !is_env_url(&template.base) && operation.origin.is_none() {
                report(
                    DiagnosticClass::Inconsistent,
                    &path.key("url"),
                    format!("operation `{name}` is sent to a URL given at run time (`{{{}}}`), so it needs `origin`: the environment URL it must be on, or its credential could be sent anywhere", template.base),
                );
            }
        }
        let takes_body = matches!(
            operation.method,
            OperationMethod::Post | OperationMethod::Put | OperationMethod::Patch
        );
        if operation.body.is_some() && !takes_body {
            report(
                DiagnosticClass::Inconsistent,
                &path.key("body"),
                format!(
                    "a {} request has no body",
                    format!("{:?}", operation.method).to_uppercase()
                ),
            );
        }
        let response = &operation.response;
        if response.json.is_some() == response.stream.is_some() {
            report(
                DiagnosticClass::Schema,
                &path.key("response"),
                "a response is either `json` or `stream`".to_owned(),
            );
        }
        if let Some(start) = &operation.starts_flow {
            let member = match &response.json {
                Some(TypeSpec::Object(object)) => object.fields.get(&start.id),
                _ => None,
            };
            match member {
                Some(field) if field.required && field.ty.is_textual() => {}
                _ => report(
                    DiagnosticClass::UnknownReference,
                    &path.key("starts_flow").key("id"),
                    format!(
                        "`{}` is not a required text member of the operation's JSON response",
                        start.id
                    ),
                ),
            }
        }
    }

    for (name, link) in &spec.links {
        check_template(
            &link.url,
            &link.params,
            &root.key("links").key(name).key("url"),
            &is_env_url,
            &mut report,
        );
    }

    let flow_ids: Vec<&str> = spec
        .operations
        .values()
        .filter_map(|op| op.starts_flow.as_ref().map(|s| s.id.as_str()))
        .collect();
    for (name, webhook) in &spec.webhooks {
        let path = root.key("webhooks").key(name);
        match webhook.body.get(&webhook.correlate) {
            None => report(
                DiagnosticClass::UnknownReference,
                &path.key("correlate"),
                format!(
                    "webhook `{name}` correlates on `{}`, which its body does not have",
                    webhook.correlate
                ),
            ),
            Some(field) if !field.required || !field.ty.is_textual() => report(
                DiagnosticClass::Inconsistent,
                &path.key("correlate"),
                format!(
                    "`{}` must be a required text member to correlate on",
                    webhook.correlate
                ),
            ),
            Some(_) if !flow_ids.contains(&webhook.correlate.as_str()) => report(
                DiagnosticClass::UnknownReference,
                &path.key("correlate"),
                format!(
                    "no operation starts a flow identified by `{}` (`starts_flow.id`)",
                    webhook.correlate
                ),
            ),
            Some(_) => {}
        }
        if webhook.retries > 0 && webhook.retry_interval.is_none() {
            report(
                DiagnosticClass::Schema,
                &path.key("retry_interval"),
                "a webhook that is retried needs its `retry_interval`".to_owned(),
            );
        }
        for (member, url) in &webhook.same_origin {
            let member_path = path.key("same_origin").key(member);
            if !webhook
                .body
                .get(member)
                .is_some_and(|f| f.ty == TypeSpec::Url)
            {
                report(
                    DiagnosticClass::UnknownReference,
                    &member_path,
                    format!("`{member}` is not a `url` member of the webhook's body"),
                );
            }
            if !is_env_url(url) {
                report(
                    DiagnosticClass::UnknownReference,
                    &member_path,
                    format!("`{url}` is not a URL of the environments"),
                );
            }
        }
    }

    // The sandbox's scripted outcomes are webhook statuses.
    if let Some(sandbox) = &spec.sandbox {
        let statuses: Vec<&str> = spec
            .webhooks
            .values()
            .flat_map(|w| w.body.values())
            .filter_map(|f| match &f.ty {
                TypeSpec::Enum(e) => Some(e.values.iter().map(|v| v.value.as_str())),
                _ => None,
            })
            .flatten()
            .collect();
        for (i, user) in sandbox.users.iter().enumerate() {
            if let Outcome::Error(status) = &user.outcome {
                if !statuses.contains(&status.as_str()) {
                    report(
                        DiagnosticClass::UnknownReference,
                        &root.key("sandbox").key("users").index(i).key("outcome"),
                        format!("sandbox user `{}` ends with `{status}`, which no webhook's body can carry", user.login),
                    );
                }
            }
        }
    }

    if let Some(verified_id) = &spec.verified_id {
        let path = root.key("verified_id");
        if verified_id.authorities.is_empty() {
            report(
                DiagnosticClass::Schema,
                &path.key("authorities"),
                "a Verified ID credential needs at least one authority".to_owned(),
            );
        }
        for (name, authority) in &verified_id.authorities {
            if !authority.did.starts_with("did:") {
                report(
                    DiagnosticClass::Inconsistent,
                    &path.key("authorities").key(name).key("did"),
                    format!("`{}` is not a DID", authority.did),
                );
            }
        }
    }
}

/// Checks a template and its parameters: its base is an environment URL or a `url`
/// parameter, every parameter it names is declared and every declared one is used.
fn check_template(
    text: &str,
    params: &IndexMap<String, FieldSpec>,
    path: &SpecPath,
    is_env_url: &dyn Fn(&str) -> bool,
    report: &mut dyn FnMut(DiagnosticClass, &SpecPath, String),
) -> Option<Template> {
    let template = match Template::parse(text) {
        Ok(template) => template,
        Err(reason) => {
            report(
                DiagnosticClass::Schema,
                path,
                format!("bad URL template `{text}`: {reason}"),
            );
            return None;
        }
    };
    match params.get(&template.base) {
        Some(field) if field.ty != TypeSpec::Url => report(
            DiagnosticClass::Inconsistent,
            path,
            format!(
                "`{{{}}}` starts the URL, so it must be of type `url`",
                template.base
            ),
        ),
        None if !is_env_url(&template.base) => report(
            DiagnosticClass::UnknownReference,
            path,
            format!(
                "`{{{}}}` is neither a parameter nor a URL every environment defines",
                template.base
            ),
        ),
        _ => {}
    }
    for name in template.params() {
        match params.get(name) {
            None => report(
                DiagnosticClass::UnknownReference,
                path,
                format!("`{{{name}}}` is not a declared parameter"),
            ),
            Some(field) if !field.ty.is_textual() && field.ty != TypeSpec::Integer => report(
                DiagnosticClass::Inconsistent,
                path,
                format!("`{{{name}}}` must be text or an integer to go in a URL"),
            ),
            Some(_) => {}
        }
    }
    let used: Vec<&str> = std::iter::once(template.base.as_str())
        .chain(template.params())
        .collect();
    for name in params.keys() {
        if !used.contains(&name.as_str()) {
            report(
                DiagnosticClass::Inconsistent,
                &path
                    .parent()
                    .unwrap_or_else(SpecPath::root)
                    .key("params")
                    .key(name),
                format!("parameter `{name}` is not used in the URL template"),
            );
        }
    }
    Some(template)
}
