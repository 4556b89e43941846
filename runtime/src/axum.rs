//! The backchannel notification endpoint and REST providers' webhooks as axum
//! routes (cargo feature `axum`).
//!
//! ```no_run
//! # async fn demo(client: idspec_runtime::Client<impl idspec_runtime::Provider>) {
//! // POST at the path of the client's redirect URI (the notification URL).
//! let app = idspec_runtime::axum::notification_route(client, |outcome| async move {
//!     // Keep the outcome for the user's session, by its correlation id.
//!     let _ = outcome;
//! });
//! # let _: axum::Router = app;
//! # }
//! ```

use std::future::Future;

use axum::response::{IntoResponse, Response};

use crate::client::{
    Client, NotificationOutcome, NotificationRequest, NotificationResponse, Provider,
    MAX_NOTIFICATION_BODY,
};
use crate::rest::{
    RestClient, RestProvider, Webhook, WebhookOutcome, WebhookRequest, WebhookResponse,
    MAX_WEBHOOK_BODY,
};

impl IntoResponse for NotificationResponse {
    fn into_response(self) -> Response {
        let mut builder = Response::builder().status(self.status);
        for (name, value) in &self.headers {
            builder = builder.header(*name, value);
        }
        builder
            .body(axum::body::Body::from(self.body))
            .unwrap_or_else(|_| {
                // Every header above is a static name with a value made here.
                axum::http::StatusCode::INTERNAL_SERVER_ERROR.into_response()
            })
    }
}

/// A router with the notification endpoint at the path of the client's redirect
/// URI: it reads at most [`MAX_NOTIFICATION_BODY`] bytes, hands the request to
/// [`Client::handle_notification`], passes the outcome to `on_outcome` and answers
/// the provider as the handler says.
pub fn notification_route<P, F, Fut>(client: Client<P>, on_outcome: F) -> axum::Router
where
    P: Provider,
    F: Fn(NotificationOutcome<P>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let path = client.redirect_uri().path().to_owned();
    let handler = move |request: axum::extract::Request| {
        let client = client.clone();
        let on_outcome = on_outcome.clone();
        async move {
            let (parts, body) = request.into_parts();
            let Ok(body) = axum::body::to_bytes(body, MAX_NOTIFICATION_BODY).await else {
                return NotificationResponse::error(
                    413,
                    "invalid_request",
                    "the body is too large",
                )
                .into_response();
            };
            let request =
                NotificationRequest::new(parts.method.as_str(), &body).headers(&parts.headers);
            let notified = client.handle_notification(request).await;
            on_outcome(notified.outcome).await;
            notified.response.into_response()
        }
    };
    axum::Router::new().route(&path, axum::routing::any(handler))
}

impl IntoResponse for WebhookResponse {
    fn into_response(self) -> Response {
        NotificationResponse {
            status: self.status,
            headers: self.headers,
            body: self.body,
        }
        .into_response()
    }
}

/// A router with webhook `W` at `path`: it reads at most [`MAX_WEBHOOK_BODY`]
/// bytes, hands the call to [`RestClient::handle_webhook`] and answers at once; the
/// outcome goes to `on_outcome` on a task of its own, so that the slow part
/// (fetching the results) never delays the answer the provider waits for.
///
/// ```no_run
/// # use idspec_runtime::rest::{RestClient, RestProvider, Webhook, WebhookOutcome};
/// # fn demo<P: RestProvider, W: Webhook<Provider = P> + std::fmt::Debug>(client: RestClient<P>) {
/// let app = idspec_runtime::axum::webhook_route::<P, W, _, _>(client, "/webhooks/ipa", |outcome| async move {
///     if let WebhookOutcome::Completed(completed) = outcome {
///         // Fetch the results with the client's operations, then update the user's record.
///         let _ = completed;
///     }
/// });
/// # let _: axum::Router = app;
/// # }
/// ```
pub fn webhook_route<P, W, F, Fut>(client: RestClient<P>, path: &str, on_outcome: F) -> axum::Router
where
    P: RestProvider,
    W: Webhook<Provider = P>,
    F: Fn(WebhookOutcome<W>) -> Fut + Clone + Send + Sync + 'static,
    Fut: Future<Output = ()> + Send + 'static,
{
    let handler = move |request: axum::extract::Request| {
        let client = client.clone();
        let on_outcome = on_outcome.clone();
        async move {
            let (parts, body) = request.into_parts();
            let Ok(body) = axum::body::to_bytes(body, MAX_WEBHOOK_BODY).await else {
                return axum::http::StatusCode::PAYLOAD_TOO_LARGE.into_response();
            };
            let handled = client
                .handle_webhook::<W>(WebhookRequest::new(parts.method.as_str(), &body))
                .await;
            tokio::spawn(on_outcome(handled.outcome));
            handled.response.into_response()
        }
    };
    axum::Router::new().route(path, axum::routing::any(handler))
}
