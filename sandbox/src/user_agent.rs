//! A scripted person: opens the authorization URL, and on the sandbox's login page
//! approves (or cancels) as a given user, the way a browser would; or, for a
//! backchannel provider, answers on the sandbox's simulated phone; or, for a rest
//! provider, ends a proofing session on its start page. For tests and the demo;
//! people use the pages themselves.

use idspec_codegen::model::{ParMode, Spec, Via};
use idspec_runtime::AuthorizationParams;
use serde_json::Value;
use url::Url;

/// What the person does on the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Signs in with the login typed into the field.
    Approve,
    /// Presses Cancel.
    Cancel,
}

impl Decision {
    /// The form's `decision` value.
    fn as_form_value(self) -> &'static str {
        match self {
            Decision::Approve => "approve",
            Decision::Cancel => "cancel",
        }
    }
}

/// A client that shows redirects instead of following them, as a test needs to.
fn user_agent() -> Result<reqwest::Client, UserAgentError> {
    // Built once: a new client reads and parses the system's CA bundle, which cost
    // more than the whole sign-in (150 ms of CPU each). Sharing it is sound: it
    // keeps no cookies, and with no idle connections kept none outlives the test
    // (and Tokio runtime) that opened it.
    static CLIENT: std::sync::OnceLock<reqwest::Client> = std::sync::OnceLock::new();
    if let Some(client) = CLIENT.get() {
        return Ok(client.clone());
    }
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(0)
        .build()
        .map_err(|e| UserAgentError(format!("cannot build the user agent: {e}")))?;
    Ok(CLIENT.get_or_init(|| client).clone())
}

/// The user agent failed: the page or a redirect was not what the sandbox serves.
#[derive(Debug)]
pub struct UserAgentError(pub String);

impl std::fmt::Display for UserAgentError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UserAgentError {}

/// Opens `authorize_url`, signs in as `login` (or cancels), and returns the URL the
/// sandbox redirects the browser to (the client's callback), without fetching it.
pub async fn sign_in(
    authorize_url: &Url,
    login: &str,
    decision: Decision,
) -> Result<Url, UserAgentError> {
    let fail = |what: String| UserAgentError(what);
    let http = user_agent()?;
    let page = http
        .get(authorize_url.clone())
        .send()
        .await
        .map_err(|e| fail(format!("GET authorize: {e}")))?;
    let status = page.status();
    let location = page
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    if let Some(location) = location {
        // The request was refused with a redirect to the client: no page to use.
        return Url::parse(&location).map_err(|e| fail(format!("bad Location {location}: {e}")));
    }
    let html = page
        .text()
        .await
        .map_err(|e| fail(format!("reading the page: {e}")))?;
    if !status.is_success() {
        return Err(fail(format!(
            "the authorization endpoint answered {status}: {}",
            text_of(&html)
        )));
    }
    let action = attribute_after(&html, "id=\"login-form\"", "action")
        .ok_or_else(|| fail("the page has no login form".to_owned()))?;
    let action = authorize_url
        .join(&action)
        .map_err(|e| fail(format!("bad form action {action}: {e}")))?;
    let decision = decision.as_form_value();
    let answer = http
        .post(action)
        .form(&[("login", login), ("decision", decision)])
        .send()
        .await
        .map_err(|e| fail(format!("POST the login form: {e}")))?;
    let status = answer.status();
    match answer
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
    {
        Some(location) => {
            Url::parse(location).map_err(|e| fail(format!("bad Location {location}: {e}")))
        }
        None => {
            let body = answer.text().await.unwrap_or_default();
            Err(fail(format!(
                "the login form answered {status} without a redirect: {}",
                text_of(&body)
            )))
        }
    }
}

/// On the sandbox's simulated phone (backchannel providers), answers the oldest
/// request waiting for `login`: enters `pin` and approves, or cancels. `base_url` is
/// the sandbox's ([`crate::Sandbox::base_url`]).
pub async fn answer_on_phone(
    base_url: &Url,
    login: &str,
    pin: &str,
    decision: Decision,
) -> Result<(), UserAgentError> {
    let fail = |what: String| UserAgentError(what);
    let http = user_agent()?;
    let mut phone = base_url
        .join("sandbox/phone")
        .map_err(|e| fail(format!("bad base URL: {e}")))?;
    phone.query_pairs_mut().append_pair("login", login);
    let html = http
        .get(phone.clone())
        .send()
        .await
        .map_err(|e| fail(format!("GET the phone page: {e}")))?
        .text()
        .await
        .map_err(|e| fail(format!("reading the phone page: {e}")))?;
    let action = attribute_after(&html, "class=\"answer\"", "action")
        .ok_or_else(|| fail(format!("no request is waiting on the phone of {login}")))?;
    let action = phone
        .join(&action)
        .map_err(|e| fail(format!("bad form action {action}: {e}")))?;
    let decision = decision.as_form_value();
    let answer = http
        .post(action)
        .form(&[("pin", pin), ("decision", decision)])
        .send()
        .await
        .map_err(|e| fail(format!("POST the phone's answer: {e}")))?;
    if answer.status() == reqwest::StatusCode::SEE_OTHER {
        return Ok(());
    }
    let status = answer.status();
    let body = answer.text().await.unwrap_or_default();
    Err(fail(format!(
        "the phone answered {status}: {}",
        text_of(&body)
    )))
}

/// On a rest provider's start page (the URL the relying party sends the person,
/// `…/ipa/start?session-id=…`), finishes the proofing as the scripted `user`, the way
/// a browser would: opens the page and posts its form with that user's button.
/// Returns where the browser was sent (the session's `gotoUrl`), without fetching
/// it; `None` when the sandbox showed its "finished" page instead.
pub async fn prove_identity(start_url: &Url, user: &str) -> Result<Option<Url>, String> {
    let http = user_agent().map_err(|e| e.0)?;
    let page = http
        .get(start_url.clone())
        .send()
        .await
        .map_err(|e| format!("GET the start page: {e}"))?;
    let status = page.status();
    let html = page
        .text()
        .await
        .map_err(|e| format!("reading the start page: {e}"))?;
    if !status.is_success() {
        return Err(format!(
            "the start page answered {status}: {}",
            text_of(&html)
        ));
    }
    let action = attribute_after(&html, "id=\"proofing-form\"", "action")
        .ok_or("the start page has no proofing form")?;
    let action = start_url
        .join(&action)
        .map_err(|e| format!("bad form action {action}: {e}"))?;
    let field = attribute_after(&html, "id=\"session-field\"", "name")
        .ok_or("the start page's form names no session")?;
    let session = attribute_after(&html, "id=\"session-field\"", "value")
        .ok_or("the start page's form names no session")?;
    let answer = http
        .post(action)
        .form(&[(field.as_str(), session.as_str()), ("user", user)])
        .send()
        .await
        .map_err(|e| format!("POST the start page's form: {e}"))?;
    let status = answer.status();
    let location = answer
        .headers()
        .get(reqwest::header::LOCATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    match location {
        Some(location) if status.is_redirection() => Url::parse(&location)
            .map(Some)
            .map_err(|e| format!("bad Location {location}: {e}")),
        _ if status.is_success() => Ok(None),
        _ => {
            let body = answer.text().await.unwrap_or_default();
            Err(format!(
                "the start page's form answered {status}: {}",
                text_of(&body)
            ))
        }
    }
}

/// The value of `attribute` in the tag that contains `marker`.
fn attribute_after(html: &str, marker: &str, attribute: &str) -> Option<String> {
    let start = html.find(marker)?;
    let tag_start = html[..start].rfind('<')?;
    let tag_end = start + html[start..].find('>')?;
    let tag = &html[tag_start..tag_end];
    let key = format!("{attribute}=\"");
    let value_start = tag.find(&key)? + key.len();
    let value_end = value_start + tag[value_start..].find('"')?;
    Some(tag[value_start..value_end].replace("&amp;", "&"))
}

/// The text of an error page, for messages.
fn text_of(html: &str) -> String {
    let mut text = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                text.push(' ');
            }
            c if !in_tag => text.push(c),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// An authorization request for any provider, from its spec: every plain scope (a
/// parameterised one with the value `DEMO`), and `login` where the spec's sandbox
/// section says the provider takes a login hint — pushed, when that parameter is
/// PAR-only or the provider requires PAR.
pub fn authorization_request(spec: &Spec, login: &str) -> AuthorizationParams {
    let mut params = AuthorizationParams::new();
    for wire in spec.scopes.keys() {
        let scope = match wire.find('{') {
            Some(open) => format!("{}DEMO", &wire[..open]),
            None => wire.clone(),
        };
        params.add_scope(&scope);
    }
    let mut pushed = spec.par == ParMode::Required;
    if let Some(hint) = spec.sandbox.as_ref().and_then(|s| s.login.as_ref()) {
        let value = match &hint.pointer {
            Some(pointer) => json_at(pointer, login).to_string(),
            None => login.to_owned(),
        };
        let via = spec
            .authorize
            .as_ref()
            .and_then(|a| a.params.get(&hint.param))
            .map(|p| p.via);
        pushed |= via == Some(Via::Par);
        params.set(hint.param.clone(), value);
    }
    if pushed {
        params.into_pushed()
    } else {
        params
    }
}

/// The JSON value that has `value` at `pointer` and nothing else: `/hints/0/msisdn`
/// → `{"hints":[{"msisdn": value}]}`.
fn json_at(pointer: &str, value: &str) -> Value {
    let tokens: Vec<&str> = pointer.split('/').skip(1).collect();
    tokens
        .into_iter()
        .rev()
        .fold(
            Value::String(value.to_owned()),
            |inner, token| match token.parse::<usize>() {
                Ok(index) => Value::Array(
                    std::iter::repeat_n(Value::Null, index)
                        .chain(std::iter::once(inner))
                        .collect(),
                ),
                Err(_) => {
                    let mut object = serde_json::Map::new();
                    object.insert(token.replace("~1", "/").replace("~0", "~"), inner);
                    Value::Object(object)
                }
            },
        )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_pointers_build_the_smallest_document() {
        assert_eq!(
            json_at("/hints/0/msisdn", "+41").to_string(),
            r#"{"hints":[{"msisdn":"+41"}]}"#
        );
        assert_eq!(json_at("/a~1b", "x").to_string(), r#"{"a/b":"x"}"#);
        assert_eq!(json_at("/1", "x").to_string(), r#"[null,"x"]"#);
    }

    #[test]
    fn pages_are_read_like_a_browser_would() {
        let html = r#"<form id="login-form" method="post" action="/sandbox/interaction/a&amp;b">"#;
        assert_eq!(
            attribute_after(html, "id=\"login-form\"", "action").as_deref(),
            Some("/sandbox/interaction/a&b")
        );
        assert_eq!(
            text_of("<h1>Refused</h1><p>no  client</p>"),
            "Refused no client"
        );
    }
}
