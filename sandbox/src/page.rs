//! The login page a person sees at the sandbox's authorization endpoint.

use idspec_codegen::model::{ErrorEndpoint, Spec};

use crate::trigger;

/// HTML-escapes text.
/// An HTML page for a person (the login page, the phone): not to be framed by
/// another site (clickjacking), and not cached, so that Back does not show a form
/// whose request was already answered.
pub(crate) fn for_a_person(html: String) -> axum::response::Response {
    use axum::http::header;
    use axum::response::IntoResponse as _;
    let mut response = axum::response::Html(html).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::X_FRAME_OPTIONS,
        header::HeaderValue::from_static("DENY"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static("no-store"),
    );
    response
}

pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// The page for a pending interaction.
pub(crate) fn login_page(
    spec: &Spec,
    action: &str,
    client_id: &str,
    suggested_login: Option<&str>,
    problem: Option<&str>,
) -> String {
    let name = escape(&spec.name);
    let sandbox = spec.sandbox.as_ref();
    let label = escape(
        sandbox
            .and_then(|s| s.login.as_ref())
            .map(|l| l.label.as_str())
            .unwrap_or("Login"),
    );
    let value = escape(suggested_login.unwrap_or(""));
    let mut users = String::new();
    for user in sandbox.map(|s| s.users.as_slice()).unwrap_or_default() {
        let outcome = user.outcome_text(false);
        users.push_str(&format!(
            "<li><button class=\"user\" type=\"submit\" name=\"login_as\" value=\"{login}\" formnovalidate>\
             <strong>{constant}</strong> <code>{login}</code> \
             <span class=\"doc\">{doc} ({outcome})</span></button></li>\n",
            login = escape(&user.login),
            constant = escape(&user.name),
            doc = escape(user.doc.as_deref().unwrap_or("")),
            outcome = escape(&outcome),
        ));
    }
    let triggers = triggers(spec);
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name} sandbox: sign in</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; }}
header p {{ color: #555; margin-top: 0; }}
label {{ display: block; font-weight: 600; margin: 1rem 0 .25rem; }}
input {{ font-size: 1.1rem; padding: .4rem; width: 100%; box-sizing: border-box; }}
.actions {{ margin: 1rem 0 2rem; display: flex; gap: .5rem; }}
button {{ font-size: 1rem; padding: .4rem .9rem; cursor: pointer; }}
#approve {{ background: #067a3e; color: white; border: 0; }}
#cancel {{ background: #eee; border: 1px solid #bbb; }}
ul {{ list-style: none; padding: 0; }}
li {{ margin: .35rem 0; }}
.user {{ background: #f4f7ff; border: 1px solid #9ab; text-align: left; width: 100%; }}
.doc {{ display: block; color: #444; font-size: .9rem; }}
.problem {{ color: #a00; font-weight: 600; }}
</style>
</head>
<body>
<header>
<h1>Sign in with {name}</h1>
<p>A simulated provider (idspec sandbox). Client <code>{client}</code> asks you to sign in.</p>
</header>
<form id="login-form" method="post" action="{action}">
{problem}<label for="login">{label}</label>
<input id="login" name="login" value="{value}" autocomplete="off" required autofocus>
<div class="actions">
<button id="approve" type="submit" name="decision" value="approve">Approve</button>
<button id="cancel" type="submit" name="decision" value="cancel" formnovalidate>Cancel</button>
</div>
<h2>Scripted test users</h2>
<ul id="users">
{users}</ul>
{triggers}
</form>
</body>
</html>
"#,
        client = escape(client_id),
        action = escape(action),
        problem = problem
            .map(|p| format!("<p class=\"problem\" role=\"alert\">{}</p>\n", escape(p)))
            .unwrap_or_default(),
    )
}

/// The logins that trigger each documented error, endpoint by endpoint.
fn triggers(spec: &Spec) -> String {
    if spec.errors.codes.is_empty() {
        return String::new();
    }
    let logins = |endpoint: ErrorEndpoint| -> String {
        trigger::documented(spec, endpoint)
            .into_iter()
            .map(|code| format!("<code>{}</code>", escape(&trigger::login(endpoint, code))))
            .collect::<Vec<_>>()
            .join(" ")
    };
    let mut body = String::new();
    if spec.errors.per_endpoint() {
        for endpoint in ErrorEndpoint::ALL {
            let listed = logins(endpoint);
            if !listed.is_empty() {
                body.push_str(&format!(
                    "<p>At the {} endpoint: {listed}</p>",
                    endpoint.as_str()
                ));
            }
        }
    } else {
        body.push_str(&format!(
            "<p>Log in as one of: {}</p>",
            logins(ErrorEndpoint::Authorization)
        ));
        body.push_str(
            "<p>With <code>token:</code>, <code>userinfo:</code> or <code>revocation:</code> \
             before the code (<code>error:token:CODE</code>) you sign in, and that endpoint \
             answers the code for your tokens.</p>",
        );
    }
    format!("<details><summary>Trigger any documented error</summary>{body}</details>")
}
