//! URLs, algorithms and protocol switches: what could let a stranger in.

use crate::diagnostic::{Diagnostic, DiagnosticClass};
use crate::load::path::SpecPath;
use crate::load::Reporter;
use crate::model::{ClientAuthMethod, EnvironmentKind, Family, ParMode, Spec, Via};

/// Signing algorithms the runtime verifies. `none` is deliberately absent.
pub const SIGNING_ALGS: &[&str] = &[
    "RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA",
    "HS256", "HS384", "HS512",
];

pub(super) fn check(spec: &Spec, reporter: &Reporter, out: &mut Vec<Diagnostic>) {
    let root = SpecPath::root();
    if spec.environments.is_empty() {
        out.push(reporter.at(
            DiagnosticClass::Inconsistent,
            &root.key("environments"),
            "a provider needs at least one environment",
        ));
    }
    for (name, env) in &spec.environments {
        let path = root.key("environments").key(name);
        let mut urls: Vec<(SpecPath, &str)> = Vec::new();
        if let Some(issuer) = &env.issuer {
            urls.push((path.key("issuer"), issuer));
        }
        if let Some(discovery) = &env.discovery {
            urls.push((path.key("discovery"), discovery));
        }
        for (endpoint, url) in env.endpoints.iter() {
            urls.push((path.key("endpoints").key(endpoint), url));
        }
        for (key, url) in &env.urls {
            if let Some(url) = url.fixed_or_example() {
                urls.push((path.key("urls").key(key), url));
            }
        }
        for (url_path, url) in urls {
            check_url(url, env.kind, &url_path, reporter, out);
        }
        if spec.is_openid() && env.issuer.is_none() {
            out.push(reporter.at(
                DiagnosticClass::Inconsistent,
                &path,
                format!(
                    "environment `{name}` has no issuer; ID tokens cannot be validated without one"
                ),
            ));
        }
        // With a discovery document, endpoints the spec leaves out come from it.
        if matches!(spec.family, Family::Oidc | Family::Oauth2) && env.discovery.is_none() {
            for (endpoint, present) in [
                ("authorization", env.endpoints.authorization.is_some()),
                ("token", env.endpoints.token.is_some()),
            ] {
                if !present {
                    out.push(reporter.at(DiagnosticClass::Inconsistent, &path.key("endpoints"), format!("environment `{name}` has no {endpoint} endpoint, which the authorization code flow needs")));
                }
            }
        }
        if spec.par != ParMode::None && env.endpoints.par.is_none() && env.discovery.is_none() {
            out.push(reporter.at(
                DiagnosticClass::Inconsistent,
                &path.key("endpoints"),
                format!("the spec offers PAR but environment `{name}` has no par endpoint"),
            ));
        }
        if spec.family == Family::Oauth2 && env.discovery.is_some() {
            out.push(reporter.at(
                DiagnosticClass::Inconsistent,
                &path.key("discovery"),
                "an OAuth 2 provider has no OpenID Connect discovery document",
            ));
        }
    }

    if spec.family == Family::Oauth2 && spec.id_token.is_some() {
        out.push(reporter.at(
            DiagnosticClass::Inconsistent,
            &root.key("id_token"),
            "family oauth2 issues no ID token; use family oidc",
        ));
    }
    if spec.family == Family::Oidc && spec.id_token.is_none() {
        out.push(reporter.at(
            DiagnosticClass::Inconsistent,
            &root,
            "an OpenID Connect provider needs an `id_token` section with its signing algorithms",
        ));
    }
    if matches!(
        spec.family,
        Family::Oidc | Family::Oauth2 | Family::Backchannel
    ) && spec.client_auth.is_none()
    {
        out.push(reporter.at(
            DiagnosticClass::Inconsistent,
            &root,
            "the spec has no `client_auth` section",
        ));
    }
    if let Some(client_auth) = &spec.client_auth {
        let path = root.key("client_auth");
        if client_auth.methods.is_empty() {
            out.push(reporter.at(
                DiagnosticClass::Inconsistent,
                &path.key("methods"),
                "no client authentication method is listed",
            ));
        }
        if let Some(default) = client_auth.default {
            if !client_auth.methods.contains(&default) {
                out.push(reporter.at(
                    DiagnosticClass::Inconsistent,
                    &path.key("default"),
                    format!(
                        "the default `{}` is not among the allowed methods",
                        default.as_str()
                    ),
                ));
            }
        }
    }

    let hmac_possible = spec.client_auth.as_ref().is_some_and(|auth| {
        auth.methods.iter().any(|m| {
            matches!(
                m,
                ClientAuthMethod::ClientSecretBasic
                    | ClientAuthMethod::ClientSecretPost
                    | ClientAuthMethod::ClientSecretJwt
            )
        })
    });
    if let Some(id_token) = &spec.id_token {
        check_algs(
            &id_token.signing,
            hmac_possible,
            &root.key("id_token").key("signing"),
            reporter,
            out,
        );
    }
    if let Some(userinfo) = &spec.userinfo {
        check_algs(
            &userinfo.signing,
            hmac_possible,
            &root.key("userinfo").key("signing"),
            reporter,
            out,
        );
        if userinfo.formats.is_empty() {
            out.push(reporter.at(
                DiagnosticClass::Inconsistent,
                &root.key("userinfo").key("formats"),
                "list at least one userinfo format",
            ));
        }
        let signed = userinfo
            .formats
            .iter()
            .any(|f| !matches!(f, crate::model::UserinfoFormat::Json));
        if signed && userinfo.signing.is_empty() {
            out.push(reporter.at(
                DiagnosticClass::Inconsistent,
                &root.key("userinfo").key("signing"),
                "signed userinfo responses need their signing algorithms",
            ));
        }
        if !matches!(userinfo.method.as_str(), "GET" | "POST") {
            out.push(reporter.at(
                DiagnosticClass::Inconsistent,
                &root.key("userinfo").key("method"),
                format!(
                    "userinfo method `{}` is neither GET nor POST",
                    userinfo.method
                ),
            ));
        }
    }
    if let Some(id_token) = &spec.id_token {
        if id_token.encryption_required && id_token.encryption.is_none() {
            out.push(
                reporter
                    .at(
                        DiagnosticClass::Inconsistent,
                        &root.key("id_token").key("encryption_required"),
                        "ID tokens must be encrypted, but `id_token` has no `encryption`",
                    )
                    .help("list the provider's key management and content encryption algorithms under `id_token.encryption`"),
            );
        }
    }
    if let Some(request_object) = &spec.request_object {
        check_algs(
            &request_object.signing,
            hmac_possible,
            &root.key("request_object").key("signing"),
            reporter,
            out,
        );
        if request_object.encryption_required && request_object.encryption.is_none() {
            out.push(
                reporter
                    .at(
                        DiagnosticClass::Inconsistent,
                        &root.key("request_object").key("encryption_required"),
                        "request objects must be encrypted, but `request_object` has no `encryption`",
                    )
                    .help("list the provider's key management and content encryption algorithms under `request_object.encryption`"),
            );
        }
    }

    if let Some(authorize) = &spec.authorize {
        for (wire, param) in &authorize.params {
            let path = root.key("authorize").key("params").key(wire).key("via");
            if param.via == Via::Par && spec.par == ParMode::None {
                out.push(reporter.at(
                    DiagnosticClass::Inconsistent,
                    &path,
                    format!("parameter `{wire}` may only be pushed, but the spec has `par: none`"),
                ));
            }
            if param.via == Via::RequestObject && spec.request_object.is_none() {
                out.push(reporter.at(DiagnosticClass::Inconsistent, &path, format!("parameter `{wire}` may only travel in a request object, but the spec has no `request_object`")));
            }
        }
    }

    if let Some(format) = &spec.errors.format {
        check_error_format(
            spec,
            format,
            &root.key("errors").key("format"),
            reporter,
            out,
        );
    }
    if let Some(detail) = &spec.errors.detail {
        let path = root.key("errors").key("detail");
        match regex_lite::Regex::new(detail) {
            Err(error) => out.push(reporter.at(
                DiagnosticClass::InvalidPattern,
                &path,
                format!("not a valid regular expression: {error}"),
            )),
            Ok(regex) => {
                for name in regex.capture_names().flatten() {
                    if !matches!(name, "code" | "category" | "trace" | "message") {
                        out.push(reporter.at(DiagnosticClass::InvalidPattern, &path, format!("unknown group `{name}`; the groups are code, category, trace and message")));
                    }
                }
            }
        }
    }
}

fn check_url(
    url: &str,
    kind: EnvironmentKind,
    path: &SpecPath,
    reporter: &Reporter,
    out: &mut Vec<Diagnostic>,
) {
    // Templates (`{cognito_url}/oauth2/token`) are checked once expanded.
    if url.starts_with('{') {
        return;
    }
    let Some((scheme, rest)) = url.split_once("://") else {
        out.push(reporter.at(
            DiagnosticClass::InvalidUrl,
            path,
            format!("`{url}` is not an absolute URL"),
        ));
        return;
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || rest.contains(char::is_whitespace) {
        out.push(reporter.at(
            DiagnosticClass::InvalidUrl,
            path,
            format!("`{url}` has no host"),
        ));
        return;
    }
    match scheme {
        "https" => {}
        "http" if kind == EnvironmentKind::Sandbox => {}
        "http" => out.push(
            reporter
                .at(
                    DiagnosticClass::InsecureUrl,
                    path,
                    format!("`{url}` is plain http outside a sandbox environment"),
                )
                .help("use https; only an environment with `kind: sandbox` may use http"),
        ),
        other => out.push(reporter.at(
            DiagnosticClass::InvalidUrl,
            path,
            format!("`{url}` has scheme `{other}`; expected https"),
        )),
    }
}

fn check_algs(
    algs: &[String],
    hmac_possible: bool,
    path: &SpecPath,
    reporter: &Reporter,
    out: &mut Vec<Diagnostic>,
) {
    for (i, alg) in algs.iter().enumerate() {
        let item = path.index(i);
        if alg.eq_ignore_ascii_case("none") {
            out.push(
                reporter
                    .at(
                        DiagnosticClass::Inconsistent,
                        &item,
                        "`none` cannot be allowed: unsigned tokens are never accepted",
                    )
                    .help("remove it; no spec may turn off signature checks"),
            );
        } else if !SIGNING_ALGS.contains(&alg.as_str()) {
            out.push(reporter.at(
                DiagnosticClass::UnknownReference,
                &item,
                format!(
                    "unknown signing algorithm `{alg}`; known: {}",
                    SIGNING_ALGS.join(", ")
                ),
            ));
        } else if alg.starts_with("HS") && !hmac_possible {
            out.push(reporter.at(
                DiagnosticClass::Inconsistent,
                &item,
                format!("`{alg}` needs a client secret as its key, but no client authentication method uses one"),
            ));
        }
    }
}

/// The sandbox writes descriptions with `format`; clients decode them with `detail`:
/// the two must agree for every documented code, or the sandbox would speak a
/// dialect the generated client cannot read.
fn check_error_format(
    spec: &Spec,
    format: &str,
    path: &SpecPath,
    reporter: &Reporter,
    out: &mut Vec<Diagnostic>,
) {
    let mut rest = format;
    while let Some(open) = rest.find('{') {
        let Some(close) = rest[open..].find('}') else {
            break;
        };
        let name = &rest[open + 1..open + close];
        if !matches!(name, "code" | "trace" | "message") {
            out.push(reporter.at(
                DiagnosticClass::InvalidPattern,
                path,
                format!("unknown placeholder `{{{name}}}`; the placeholders are code, trace and message"),
            ));
        }
        rest = &rest[open + close + 1..];
    }
    let Some(regex) = spec
        .errors
        .detail
        .as_deref()
        .and_then(|d| regex_lite::Regex::new(d).ok())
    else {
        return;
    };
    for code in &spec.errors.codes {
        let text = format
            .replace("{code}", &code.code)
            .replace("{trace}", "TRACE123")
            .replace("{message}", &code.message);
        let decoded = regex.captures(&text).is_some_and(|c| {
            c.name("code").is_none_or(|m| m.as_str() == code.code)
                && c.name("message").is_none_or(|m| m.as_str() == code.message)
        });
        if !decoded {
            out.push(
                reporter
                    .at(
                        DiagnosticClass::InvalidPattern,
                        path,
                        format!("`{text}`, written with this format, does not decode with `detail` back to `{}`", code.code),
                    )
                    .help("make `format` produce text that `detail` matches, code and message included"),
            );
            return;
        }
    }
}
