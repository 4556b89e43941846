//! The simulated phone of a backchannel provider: the requests waiting for a person
//! (any login that is not a scripted user), each with what the phone shows and a
//! form to enter the PIN and approve, or cancel. Nobody answering is the device's
//! timeout, handled when the request was accepted.

use std::sync::Arc;
use std::time::Instant;

use axum::extract::{Path, RawForm, RawQuery, State as Axum};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};

use super::{map, pairs, PHONE};
use crate::backchannel::{cancel_code, respond, Answer, Phase};
use crate::errors::error_page;
use crate::page::escape;
use crate::state::State;

/// How many digits the PIN has (imID: "PIN Code (6 digits)").
const PIN_DIGITS: usize = 6;

/// `GET /sandbox/phone[?login=…]`: the pending requests, for one phone or all.
pub(crate) async fn phone(Axum(state): Axum<Arc<State>>, RawQuery(query): RawQuery) -> Response {
    let query = map(&pairs(&query.unwrap_or_default()));
    page(&state, query.get("login").map(String::as_str), None)
}

/// `POST /sandbox/phone/{auth_req_id}`: the person's answer.
pub(crate) async fn answer(
    Axum(state): Axum<Arc<State>>,
    Path(id): Path<String>,
    RawForm(form): RawForm,
) -> Response {
    let form = map(&pairs(&String::from_utf8_lossy(&form)));
    let login =
        {
            let store = state.store();
            match store.transactions.get(&id) {
                Some(t) if t.phase == Phase::OnPhone => t.login.clone(),
                _ => return error_page(
                    StatusCode::BAD_REQUEST,
                    "this request is no longer waiting on the phone: it was answered or timed out",
                ),
            }
        };
    let answer = match form.get("decision").map(String::as_str) {
        Some("cancel") => Answer::Error(cancel_code(&state.spec)),
        Some("approve") => {
            let pin = form.get("pin").map(String::as_str).unwrap_or_default();
            if pin.len() != PIN_DIGITS || !pin.bytes().all(|b| b.is_ascii_digit()) {
                let mut response = page(
                    &state,
                    Some(&login),
                    Some(&format!("Enter a {PIN_DIGITS}-digit PIN.")),
                );
                *response.status_mut() = StatusCode::BAD_REQUEST;
                return response;
            }
            Answer::Approve(None)
        }
        _ => return error_page(StatusCode::BAD_REQUEST, "approve or cancel"),
    };
    if !respond(&state, &id, answer).await {
        return error_page(
            StatusCode::BAD_REQUEST,
            "this request is no longer waiting on the phone: it was answered or timed out",
        );
    }
    let back = format!("{PHONE}?login={}", url_encode(&login));
    (StatusCode::SEE_OTHER, [(header::LOCATION, back)]).into_response()
}

fn url_encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

fn page(state: &State, login: Option<&str>, problem: Option<&str>) -> Response {
    let spec = &state.spec;
    let mut pending: Vec<(String, crate::backchannel::Transaction)> = state
        .store()
        .transactions
        .iter()
        .filter(|(_, t)| t.phase == Phase::OnPhone)
        .filter(|(_, t)| login.is_none_or(|l| t.login == l))
        .map(|(id, t)| (id.clone(), t.clone()))
        .collect();
    pending.sort_by_key(|(_, t)| t.created);
    let now = Instant::now();
    let mut items = String::new();
    for (id, transaction) in &pending {
        let left = transaction.device_deadline.saturating_duration_since(now);
        let mut shown = String::new();
        for (name, value) in &transaction.shown {
            shown.push_str(&format!(
                "<dt>{}</dt><dd class=\"{}\">{}</dd>",
                escape(name),
                escape(name),
                escape(value)
            ));
        }
        items.push_str(&format!(
            r#"<li class="request">
<p><strong class="login">{login}</strong>, asked by client <code>{client}</code>; {left} s left</p>
<dl>{shown}</dl>
<form class="answer" method="post" action="{action}">
<label>PIN <input name="pin" inputmode="numeric" pattern="[0-9]{{{digits}}}" maxlength="{digits}" autocomplete="off" required></label>
<button class="approve" type="submit" name="decision" value="approve">Enter PIN and approve</button>
<button class="cancel" type="submit" name="decision" value="cancel" formnovalidate>Cancel</button>
</form>
</li>
"#,
            login = escape(&transaction.login),
            client = escape(&transaction.client_id),
            left = left.as_secs(),
            action = escape(&format!("{PHONE}/{}", url_encode(id))),
            digits = PIN_DIGITS,
        ));
    }
    if items.is_empty() {
        items.push_str("<li class=\"none\">No request is waiting.</li>\n");
    }
    let scripted: Vec<String> = spec
        .sandbox
        .iter()
        .flat_map(|s| s.users.iter())
        .map(|u| format!("<code>{}</code>", escape(&u.login)))
        .collect();
    let body = format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{name} sandbox: phone</title>
</head>
<body>
<h1>{name} sandbox: the phone{of}</h1>
<p>Requests for a number that is not a scripted user ({scripted}) wait here for a person.
Nobody answering is the device giving up.</p>
{problem}<ul id="requests">
{items}</ul>
</body>
</html>
"#,
        name = escape(&spec.name),
        of = login
            .map(|l| format!(" of {}", escape(l)))
            .unwrap_or_default(),
        scripted = scripted.join(", "),
        problem = problem
            .map(|p| format!("<p class=\"problem\" role=\"alert\">{}</p>\n", escape(p)))
            .unwrap_or_default(),
    );
    crate::page::for_a_person(body)
}
