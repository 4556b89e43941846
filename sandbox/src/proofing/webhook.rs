//! The end-of-process webhook: posted to the session's callback as JSON, without
//! authentication (the provider's document has none), tried again after an answer
//! that is not 2xx (or no answer) as many times and as far apart as the spec says.
//! Every attempt is recorded, so that tests see what the relying party answered, and
//! a delivered body can be sent again, so that tests can prove a replay completes
//! nothing.

use std::time::Duration;

use serde_json::Value;
use url::Url;

use super::{Proofing, Rest};

/// One attempt to post a session's end-of-process webhook (rest providers).
#[derive(Clone, Debug, PartialEq)]
#[non_exhaustive]
pub struct WebhookRecord {
    /// The session it reported on.
    pub session_id: String,
    /// 1 for the first attempt, 2 and 3 for IPA's two retries; a replay
    /// ([`crate::Sandbox::replay_webhook`]) takes the next number.
    pub attempt: u32,
    /// The HTTP status the relying party answered; `None` when no answer came (a
    /// transport error).
    pub status: Option<u16>,
    /// The JSON body posted.
    pub body: Value,
}

/// Posts `body` to `callback` until it is answered with a 2xx status or the retries
/// are spent, then marks the delivery over.
pub(super) async fn deliver(rest: &Rest, session_id: &str, callback: &Url, body: &Value) {
    let plan = rest.proofing.config.webhook.clone();
    let mut closed = rest.state.closed.subscribe();
    let mut attempt = 0;
    loop {
        attempt += 1;
        let status = post(rest, callback, body).await;
        record(&rest.proofing, session_id, attempt, &status, body);
        let delivered = matches!(status, Ok(status) if (200..300).contains(&status));
        if delivered || attempt > plan.retries {
            break;
        }
        tokio::select! {
            () = tokio::time::sleep(plan.interval) => {}
            // A stopped sandbox sends nothing more.
            _ = closed.wait_for(|closed| *closed) => break,
        }
    }
    rest.proofing.delivery_over(session_id, attempt);
}

/// Posts `body` once; the status, or why no answer came.
async fn post(rest: &Rest, callback: &Url, body: &Value) -> Result<u16, String> {
    let bytes = serde_json::to_vec(body).map_err(|e| e.to_string())?;
    rest.state.post_json(callback.as_str(), None, bytes).await
}

fn record(
    proofing: &Proofing,
    session_id: &str,
    attempt: u32,
    status: &Result<u16, String>,
    body: &Value,
) {
    match status {
        Ok(status) => tracing::info!(session_id, attempt, status, "webhook posted"),
        Err(error) => tracing::warn!(session_id, attempt, %error, "webhook failed"),
    }
    proofing.store().webhooks.push(WebhookRecord {
        session_id: session_id.to_owned(),
        attempt,
        status: status.as_ref().ok().copied(),
        body: body.clone(),
    });
    proofing.delivered.notify_waiters();
}

/// Posts `session_id`'s webhook body once more, as a relying party's lost answer or
/// an attacker would make it come again.
pub(crate) async fn replay(rest: &Rest, session_id: &str) -> Result<u16, String> {
    let (callback, body, attempt) = {
        let store = rest.proofing.store();
        let session = store
            .sessions
            .get(session_id)
            .ok_or_else(|| format!("no session `{session_id}`"))?;
        let callback = session
            .callback
            .clone()
            .ok_or_else(|| format!("session `{session_id}` has no callbackUrl"))?;
        let body = session
            .body
            .clone()
            .ok_or_else(|| format!("session `{session_id}` has not finished yet"))?;
        let last = store
            .webhooks
            .iter()
            .filter(|w| w.session_id == session_id)
            .map(|w| w.attempt)
            .max()
            .unwrap_or(0);
        (callback, body, last + 1)
    };
    let status = post(rest, &callback, &body).await;
    record(&rest.proofing, session_id, attempt, &status, &body);
    status
}

/// The attempts of `session_id`'s delivery once it is over (a 2xx answer, or the
/// retries spent), waiting up to `timeout`; `None` if it did not end by then, or
/// never will (no such session, or no callback).
pub(crate) async fn wait_for(
    proofing: &Proofing,
    session_id: &str,
    timeout: Duration,
) -> Option<Vec<WebhookRecord>> {
    let deadline = tokio::time::Instant::now() + timeout;
    // `Some(None)`: still under way; `None`: nothing to wait for.
    let find = || -> Option<Option<Vec<WebhookRecord>>> {
        let store = proofing.store();
        let session = store.sessions.get(session_id)?;
        session.callback.as_ref()?;
        Some(session.delivery.map(|attempts| {
            store
                .webhooks
                .iter()
                .filter(|w| w.session_id == session_id && w.attempt <= attempts)
                .cloned()
                .collect()
        }))
    };
    loop {
        // Registered before looking, so that a delivery ending in between still wakes us.
        let mut notified = std::pin::pin!(proofing.delivered.notified());
        notified.as_mut().enable();
        match find() {
            None => return None,
            Some(Some(records)) => return Some(records),
            Some(None) => {}
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            return find().flatten();
        }
    }
}
