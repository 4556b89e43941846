//! The pages a person sees in a proofing session: the start page, where the real
//! app would capture an ID document and a face and the sandbox offers its scripted
//! users instead, and the page shown once the choice is made.

use idspec_codegen::model::Spec;

use super::OpenSession;
use crate::page::escape;

/// The start page of `session_id`: one button per scripted user, posting the
/// session (in the form field `param`, as in the start URL) and the user to `action`.
pub(crate) fn start(
    spec: &Spec,
    action: &str,
    param: &str,
    session_id: &str,
    session: &OpenSession,
) -> String {
    let mut users = String::new();
    for user in spec.sandbox.iter().flat_map(|s| s.users.iter()) {
        users.push_str(&format!(
            "<li><button class=\"user\" type=\"submit\" name=\"user\" value=\"{login}\">\
             <strong>{name}</strong> <span class=\"doc\">{doc} ({outcome})</span></button></li>\n",
            login = escape(&user.login),
            name = escape(&user.name),
            doc = escape(user.doc.as_deref().unwrap_or("")),
            outcome = escape(&user.outcome_text(false)),
        ));
    }
    let then = match &session.goto {
        Some(goto) => format!(
            "Your browser then goes to <code id=\"goto\">{}</code>.",
            escape(goto.as_str())
        ),
        None => "The session has no gotoUrl: this page then says you can close it.".to_owned(),
    };
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name} sandbox: identity proofing</title>
<style>
body {{ font-family: system-ui, sans-serif; max-width: 40rem; margin: 2rem auto; padding: 0 1rem; color: #1b1b1b; }}
header p {{ color: #555; margin-top: 0; }}
ul {{ list-style: none; padding: 0; }}
li {{ margin: .35rem 0; }}
button {{ font-size: 1rem; padding: .4rem .9rem; cursor: pointer; }}
.user {{ background: #f4f7ff; border: 1px solid #9ab; text-align: left; width: 100%; }}
.doc {{ display: block; color: #444; font-size: .9rem; }}
</style>
</head>
<body>
<header>
<h1>{name}</h1>
<p>A simulated identity proofing session (idspec sandbox). Session <code id="session-id">{session}</code>
of application <code>{client}</code>; it expires in {expires} s.</p>
</header>
<p>The real app checks your ID document and your face here. In the sandbox, choose how the
session ends; the relying party is told by its webhook after the user's delay. {then}</p>
<form id="proofing-form" method="post" action="{action}">
<input id="session-field" type="hidden" name="{param}" value="{session}">
<ul id="users">
{users}</ul>
</form>
</body>
</html>
"#,
        name = escape(&spec.name),
        session = escape(session_id),
        client = escape(&session.client_id),
        expires = session.expires_in.as_secs(),
        action = escape(action),
        param = escape(param),
    )
}

/// The page once the person has chosen, for a session without a `gotoUrl`.
pub(crate) fn finished(spec: &Spec, session_id: &str) -> String {
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name} sandbox: finished</title>
</head>
<body>
<h1 id="finished">Finished</h1>
<p>Session <code>{session}</code> is over: you can close this page. The relying party
is told by its webhook.</p>
</body>
</html>
"#,
        name = escape(&spec.name),
        session = escape(session_id),
    )
}
