//! A scripted person: opens the authorization URL, and on the sandbox's login page
//! approves (or cancels) as a given user, the way a browser would. For tests and the
//! demo; people use the page itself.

use url::Url;

/// What the person does on the page.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decision {
    /// Signs in with the login typed into the field.
    Approve,
    /// Presses Cancel.
    Cancel,
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
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .map_err(|e| fail(format!("cannot build the user agent: {e}")))?;
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
    let decision = match decision {
        Decision::Approve => "approve",
        Decision::Cancel => "cancel",
    };
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
