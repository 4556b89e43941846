//! The backchannel notification endpoint as an axum route (cargo feature `axum`).
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
