//! How many requests the sandbox received, per route: what a test or a benchmark
//! reads to see how many round trips a client made, and to which endpoints (that a
//! client fetches discovery once and not per login, that a refused request never
//! reached the token endpoint).
//!
//! Routes are counted where they are registered ([`CountedRouter`]), each under its
//! own pattern: axum tells a middleware the pattern a request matched only with its
//! `matched-path` feature, which the sandbox does not build.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use axum::extract::Request;
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::routing::MethodRouter;
use axum::Router;

/// A snapshot of the requests a sandbox received since it started, per route.
///
/// A route is the path of an endpoint (`/token`, `/.well-known/openid-configuration`),
/// or its pattern where the path carries a parameter (`/sandbox/interaction/{id}`), so
/// that every request to one endpoint is counted in one place. A request no route
/// matches is counted under its own path. Every request received is counted,
/// whatever it was answered: a refused request still made the round trip.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RequestCounts(BTreeMap<String, u64>);

impl RequestCounts {
    /// The requests to `route`; 0 if none.
    pub fn get(&self, route: &str) -> u64 {
        self.0.get(route).copied().unwrap_or(0)
    }

    /// The requests to every route.
    pub fn total(&self) -> u64 {
        self.0.values().sum()
    }

    /// The requests received between `earlier`, a previous snapshot of the same
    /// sandbox, and this one; routes without any are left out.
    pub fn since(&self, earlier: &RequestCounts) -> RequestCounts {
        RequestCounts(
            self.0
                .iter()
                .map(|(route, n)| (route.clone(), n.saturating_sub(earlier.get(route))))
                .filter(|(_, n)| *n > 0)
                .collect(),
        )
    }

    /// Each route with its count, in the routes' order.
    pub fn iter(&self) -> impl Iterator<Item = (&str, u64)> {
        self.0.iter().map(|(route, n)| (route.as_str(), *n))
    }
}

/// The live counts, shared by the routes and the [`crate::Sandbox`].
#[derive(Clone, Debug, Default)]
pub(crate) struct Counter(Arc<Mutex<BTreeMap<String, u64>>>);

impl Counter {
    pub(crate) fn snapshot(&self) -> RequestCounts {
        let counts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        RequestCounts(counts.clone())
    }

    fn add(&self, route: &str) {
        let mut counts = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        // No allocation for a route seen before: the common case, per request.
        match counts.get_mut(route) {
            Some(n) => *n += 1,
            None => {
                counts.insert(route.to_owned(), 1);
            }
        }
    }
}

/// A [`Router`] whose every route counts its requests under its pattern.
pub(crate) struct CountedRouter<S> {
    router: Router<S>,
    counter: Counter,
}

impl<S: Clone + Send + Sync + 'static> CountedRouter<S> {
    pub(crate) fn new(counter: &Counter) -> Self {
        Self {
            router: Router::new(),
            counter: counter.clone(),
        }
    }

    /// [`Router::route`], counted. The count is taken before the handler runs, so
    /// that a snapshot taken once the client has its answer always includes it.
    pub(crate) fn route(self, pattern: &str, handler: MethodRouter<S>) -> Self {
        let counter = self.counter.clone();
        let route: Arc<str> = Arc::from(pattern);
        let handler = handler.layer(axum::middleware::from_fn(
            move |request: Request, next: Next| {
                counter.add(&route);
                next.run(request)
            },
        ));
        Self {
            router: self.router.route(pattern, handler),
            counter: self.counter,
        }
    }

    /// [`Router::with_state`], with a fallback that counts what no route matched
    /// under its own path.
    pub(crate) fn with_state<S2>(self, state: S) -> Router<S2> {
        let counter = self.counter;
        self.router
            .fallback(move |request: Request| {
                counter.add(request.uri().path());
                std::future::ready(StatusCode::NOT_FOUND)
            })
            .with_state(state)
    }
}
