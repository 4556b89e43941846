//! The generated module's documentation: what a user needs without the provider's PDF.

use std::fmt::Write as _;

use crate::model::{Family, Spec};

pub(super) fn module_doc(spec: &Spec) -> String {
    let mut doc = format!(" {}\n", spec.name);
    if let Some(text) = &spec.doc {
        doc.push('\n');
        for line in text.trim().lines() {
            let _ = writeln!(doc, " {line}");
        }
    }
    let family = match spec.family {
        Family::Oidc => "OpenID Connect, authorization code flow",
        Family::Oauth2 => {
            "OAuth 2 authorization code flow (no OpenID Connect: no ID token, no discovery)"
        }
        Family::Backchannel => "OpenID Connect backchannel authentication",
        Family::Rest => "client credentials and REST operations",
    };
    let _ = writeln!(
        doc,
        "\n Protocol: {family}. Written from `{}`.",
        spec.source
    );
    if spec.family == Family::Rest {
        doc.push_str(&super::rest::rest_doc(spec));
        return doc;
    }
    // Without OpenID Connect there is no issuer: the endpoints say where it is.
    let (column, url): (&str, fn(&crate::model::Environment) -> Option<&str>) = if spec.is_openid()
    {
        ("Issuer", |env| env.issuer.as_deref())
    } else {
        ("Authorization endpoint", |env| {
            env.endpoints.authorization.as_deref()
        })
    };
    let _ = writeln!(doc, "\n | Environment | {column} |\n |---|---|");
    for (name, env) in &spec.environments {
        let _ = writeln!(
            doc,
            " | `{name}` | {} |",
            url(env)
                .map(|i| format!("`{i}`"))
                .unwrap_or_else(|| "-".into())
        );
    }
    if !spec.scopes.is_empty() {
        let _ = writeln!(doc, "\n | Scope | Claims |\n |---|---|");
        for (wire, scope) in &spec.scopes {
            let claims: Vec<String> = scope.claims.iter().map(|c| format!("`{c}`")).collect();
            let _ = writeln!(
                doc,
                " | `{wire}` | {} |",
                if claims.is_empty() {
                    "-".to_owned()
                } else {
                    claims.join(", ")
                }
            );
        }
    }
    let lifetimes = &spec.lifetimes;
    let mut parts = Vec::new();
    for (what, value) in [
        ("authorization code", lifetimes.authorization_code),
        ("access token", lifetimes.access_token),
        ("ID token", lifetimes.id_token),
        ("refresh token", lifetimes.refresh_token),
        ("request_uri", lifetimes.request_uri),
    ] {
        if let Some(value) = value {
            parts.push(format!("{what} {} s", value.seconds));
        }
    }
    if !parts.is_empty() {
        let _ = writeln!(doc, "\n Lifetimes: {}.", parts.join(", "));
    }
    if let Some(backchannel) = &spec.backchannel {
        doc.push('\n');
        doc.push_str(&backchannel_doc(spec, backchannel));
        doc.push('\n');
    }
    if let Some(userinfo) = &spec.userinfo {
        doc.push('\n');
        doc.push_str(&userinfo_doc(spec, userinfo));
        doc.push('\n');
    }
    doc
}

/// How a backchannel authentication goes, and its timing.
fn backchannel_doc(spec: &Spec, backchannel: &crate::model::BackchannelSpec) -> String {
    let signing = spec
        .request_object
        .as_ref()
        .map(|r| r.signing.join(" or "))
        .unwrap_or_default();
    let audience = match spec.request_object.as_ref().map(|r| r.audience) {
        Some(crate::model::RequestObjectAudience::Assigned) => {
            "addressed to the audience the provider assigned the client"
        }
        _ => "addressed to the issuer",
    };
    let notification = &backchannel.notification;
    let where_ = match notification.require_https_port {
        Some(port) => format!("https on port {port} only, checked when the client is built"),
        None => "https only, checked when the client is built".to_owned(),
    };
    let delivery = match notification.delivery {
        crate::model::NotificationDelivery::Code => {
            "it carries a code, which the client exchanges for the tokens"
        }
        crate::model::NotificationDelivery::Ping => {
            "the client then fetches the tokens with the CIBA grant"
        }
    };
    let mut text = format!(
        "Backchannel: `Client::initiate` posts to the {} endpoint a request object signed {signing} and {audience}. The provider calls the client's redirect URI ({where_}) with `Authorization: Bearer <{}>`, and {delivery}; serve it with `Client::handle_notification`.",
        backchannel.endpoint, notification.auth.bearer
    );
    let _ = write!(
        text,
        " The provider waits {} s for the user",
        backchannel.timeout.seconds
    );
    if let Some(device) = backchannel.device_timeout {
        let _ = write!(text, " (the device {} s)", device.seconds);
    }
    let grace = backchannel.grace.map(|g| g.seconds).unwrap_or(0);
    let _ = write!(
        text,
        "; the client waits {} s before the flow ends as `BackchannelError::TimedOut`.",
        backchannel.timeout.seconds + grace
    );
    super::wrap(&text)
}

/// How userinfo is called, and what the client deliberately does not send.
fn userinfo_doc(spec: &Spec, userinfo: &crate::model::UserinfoSpec) -> String {
    use crate::model::UserinfoToken;
    let token = match userinfo.token {
        UserinfoToken::Header => "in the `Authorization: Bearer` header",
        UserinfoToken::Body => "in the form body",
        // Said, because a URL is what logs and proxies record.
        UserinfoToken::Query => {
            "in the query string, as the provider requires; idspec keeps that URL out of every log line and error message"
        }
    };
    let mut text = format!("Userinfo: {}, the access token {token}.", userinfo.method);
    for forbidden in &userinfo.forbidden {
        let reason = forbidden
            .reason
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        text.push_str(&format!(" `{}` is not sent: {reason}", forbidden.name));
    }
    let correlation = spec
        .backchannel
        .as_ref()
        .and_then(|b| b.correlation_id.as_deref())
        .filter(|name| userinfo.params.contains_key(*name));
    if let Some(name) = correlation {
        text.push_str(&format!(
            " The request repeats the backchannel transaction's `{name}` in its form body."
        ));
    }
    super::wrap(&text)
}
