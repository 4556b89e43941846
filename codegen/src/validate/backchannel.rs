//! Backchannel authentication and the error texts it brings: what the runtime's
//! backchannel flow and the generated request builder rely on.

use crate::diagnostic::{Diagnostic, DiagnosticClass};
use crate::load::path::SpecPath;
use crate::load::Reporter;
use crate::model::{Family, Outcome, Spec, TypeSpec};

use super::Pruned;

/// Members the runtime sets on every backchannel request: a parameter of the same
/// name would be overwritten or sent twice.
const PROTOCOL_MEMBERS: [&str; 5] = ["client_id", "response_type", "scope", "nonce", "request"];

pub(super) fn check(
    spec: &Spec,
    reporter: &Reporter,
    pruned: &Pruned<'_>,
    out: &mut Vec<Diagnostic>,
) {
    let root = SpecPath::root();
    let mut problem = |path: &SpecPath, message: String, help: Option<&str>| {
        let diagnostic = reporter.at(DiagnosticClass::Inconsistent, path, message);
        out.push(match help {
            Some(help) => diagnostic.help(help),
            None => diagnostic,
        });
    };
    match (&spec.backchannel, spec.family) {
        (None, Family::Backchannel) if !pruned.within(&["backchannel"]) => problem(
            &root.key("family"),
            "family `backchannel` needs a `backchannel` section".to_owned(),
            Some("describe the request, the notification and the timeout under `backchannel`"),
        ),
        (Some(_), family) if family != Family::Backchannel => problem(
            &root.key("backchannel"),
            "a `backchannel` section belongs to family `backchannel`".to_owned(),
            None,
        ),
        _ => {}
    }
    let path = root.key("backchannel");
    if let (Some(backchannel), Family::Backchannel) = (&spec.backchannel, spec.family) {
        if spec.request_object.is_none() && !pruned.within(&["request_object"]) {
            problem(
                &path,
                "a backchannel request is sent as a signed request object, and the spec has no `request_object`".to_owned(),
                Some("add `request_object: { signing: [...] }`"),
            );
        }
        let notification = &backchannel.notification;
        let mut taken: Vec<&str> = PROTOCOL_MEMBERS.to_vec();
        taken.extend([notification.auth.bearer.as_str(), notification.uri.as_str()]);
        taken.extend(backchannel.correlation_id.as_deref());
        for (name, param) in &backchannel.params {
            let param_path = path.key("params").key(name);
            if taken.contains(&name.as_str()) {
                problem(
                    &param_path,
                    format!("`{name}` is set by the runtime on every backchannel request"),
                    None,
                );
            }
            if param.required && param.default.is_some() {
                problem(
                    &param_path.key("default"),
                    format!("`{name}` is required, so its default is never used"),
                    None,
                );
            }
            if let (Some(default), TypeSpec::Ref(name)) = (&param.default, &param.ty) {
                let values = spec.types.get(name).and_then(|t| match &t.ty {
                    TypeSpec::Enum(e) => Some(&e.values),
                    _ => None,
                });
                if values.is_some_and(|values| !values.iter().any(|v| &v.value == default)) {
                    problem(
                        &param_path.key("default"),
                        format!("the default `{default}` is not a value of `{name}`"),
                        None,
                    );
                }
            }
        }
        let echoed = [
            Some(backchannel.request_id.as_str()),
            backchannel.correlation_id.as_deref(),
        ];
        for (i, member) in notification.correlate.iter().enumerate() {
            if !echoed.contains(&Some(member.as_str())) {
                problem(
                    &path.key("notification").key("correlate").index(i),
                    format!("`{member}` is neither the request id nor the correlation id, so the pending flow has no value to compare it with"),
                    None,
                );
            }
        }
    }
    if let Some(userinfo) = &spec.userinfo {
        let correlation = spec
            .backchannel
            .as_ref()
            .and_then(|b| b.correlation_id.as_deref());
        for name in userinfo.params.keys() {
            if Some(name.as_str()) != correlation {
                problem(
                    &root.key("userinfo").key("params").key(name),
                    format!("the runtime fills no userinfo parameter `{name}`: only a backchannel flow's correlation id is repeated to userinfo"),
                    None,
                );
            }
        }
        if !userinfo.params.is_empty() && userinfo.method != "POST" {
            problem(
                &root.key("userinfo").key("method"),
                "userinfo parameters travel in a form body, which needs `POST`".to_owned(),
                None,
            );
        }
    }
    check_errors(spec, &mut problem);
    if let Some(sandbox) = &spec.sandbox {
        for (i, user) in sandbox.users.iter().enumerate() {
            if user.times.is_some() && !matches!(user.outcome, Outcome::Error(_)) {
                problem(
                    &root.key("sandbox").key("users").index(i).key("times"),
                    "`times` repeats an error; this user's outcome is not one".to_owned(),
                    None,
                );
            }
        }
    }
}

fn check_errors(spec: &Spec, problem: &mut impl FnMut(&SpecPath, String, Option<&str>)) {
    let path = SpecPath::root().key("errors");
    for (i, code) in spec.errors.codes.iter().enumerate() {
        let code_path = path.key("codes").index(i);
        if code.status_only && code.http_status.is_none() {
            problem(
                &code_path.key("status_only"),
                format!(
                    "`{}` is recognised by its HTTP status, but has no `http_status`",
                    code.code
                ),
                None,
            );
        }
        for word in &spec.errors.untranslated {
            if !code
                .display
                .values()
                .any(|text| text.contains(word.as_str()))
            {
                continue;
            }
            for (language, text) in &code.display {
                if !text.contains(word.as_str()) {
                    problem(
                        &code_path.key("display").key(language),
                        format!("`{word}` must stay as it is in every language, and the `{language}` text of `{}` does not have it", code.code),
                        Some("the provider requires the word untranslated"),
                    );
                }
            }
        }
    }
}
