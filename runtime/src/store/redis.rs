//! A [`FlowStore`] in Redis, shared by every instance of a relying party.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{ErrorKind, RedisError, ServerErrorKind, Value};

use super::{codec, FlowStore, PendingFlow, StoreError, StoreErrorKind, StoreFuture};

/// No flow is kept longer than this, whatever ttl it is put with (Redis refuses
/// expiry times near its clock's limit).
const MAX_TTL: Duration = Duration::from_secs(10 * 365 * 24 * 3600);

/// A [`FlowStore`] in Redis (6.2 or later, or Valkey): every instance behind the load
/// balancer shares the pending flows, so a callback may land on any of them.
///
/// * `put` is `SET <prefix><key> <value> PX <ttl> NX`: the flow expires in Redis after
///   its ttl, and a key that already holds a flow is never overwritten
///   ([`StoreErrorKind::Conflict`]).
/// * `take` is `GETDEL <prefix><key>`: atomic, so of two callbacks racing on two
///   instances exactly one gets the flow.
/// * The value is the [`codec`]'s: a version byte and compact JSON, readable by the
///   next release during a rolling upgrade.
/// * Every call is bounded by the [timeout](RedisFlowStoreBuilder::timeout): a Redis
///   that is down answers [`StoreErrorKind::Unavailable`] at once, a hung one
///   [`StoreErrorKind::Timeout`] when the time is up; both are
///   [retryable](StoreError::retryable). A connection found dead (Redis restarted) is
///   re-established and the command sent once more within the same bound.
///
/// Cloning is cheap; clones share one multiplexed connection.
#[derive(Clone)]
pub struct RedisFlowStore {
    connection: ConnectionManager,
    key_prefix: String,
    timeout: Duration,
    address: String,
}

/// Configures a [`RedisFlowStore`]; from [`RedisFlowStore::builder`].
#[derive(Clone)]
pub struct RedisFlowStoreBuilder {
    url: String,
    key_prefix: String,
    timeout: Duration,
}

impl RedisFlowStore {
    /// The prefix of every key, unless [`RedisFlowStoreBuilder::key_prefix`] says
    /// otherwise.
    pub const DEFAULT_KEY_PREFIX: &'static str = "idspec:flow:";
    /// How long any one call may take, connecting included, unless
    /// [`RedisFlowStoreBuilder::timeout`] says otherwise.
    pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(2);

    /// A store at `url` (`redis://[[user]:password@]host[:port][/db]`, or
    /// `redis+unix:///path`), with the default prefix and timeout.
    pub fn builder(url: impl Into<String>) -> RedisFlowStoreBuilder {
        RedisFlowStoreBuilder {
            url: url.into(),
            key_prefix: Self::DEFAULT_KEY_PREFIX.to_owned(),
            timeout: Self::DEFAULT_TIMEOUT,
        }
    }

    /// Connects to `url` with the defaults: [`builder`](Self::builder)`(url).connect()`.
    pub async fn connect(url: impl Into<String>) -> Result<Self, StoreError> {
        Self::builder(url).connect().await
    }

    /// Checks that Redis answers (`PING`), within the timeout: for readiness probes.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.bounded(async {
            let mut connection = self.connection.clone();
            let answer = match ping(&mut connection).await {
                Err(error) if is_connection_lost(&error) => ping(&mut connection).await,
                other => other,
            };
            answer.map_err(|error| from_redis(&error, self.timeout))
        })
        .await
    }

    /// The prefix of every key this store writes.
    pub fn key_prefix(&self) -> &str {
        &self.key_prefix
    }

    /// The bound on every call.
    pub fn timeout(&self) -> Duration {
        self.timeout
    }

    fn redis_key(&self, key: &str) -> String {
        format!("{}{key}", self.key_prefix)
    }

    /// Runs `call` within the timeout; a failure is logged (without keys or values).
    async fn bounded<T>(
        &self,
        call: impl Future<Output = Result<T, StoreError>>,
    ) -> Result<T, StoreError> {
        let outcome = tokio::time::timeout(self.timeout, call)
            .await
            .unwrap_or_else(|_| Err(StoreError::timeout(self.timeout)));
        if let Err(error) = &outcome {
            tracing::warn!(
                code = error.kind().code(),
                retryable = error.retryable(),
                redis = %self.address,
                "{error}"
            );
        }
        outcome
    }

    async fn put_bytes(&self, key: &str, value: Vec<u8>, ttl: Duration) -> Result<(), StoreError> {
        let key = self.redis_key(key);
        // Redis wants at least one millisecond.
        let ttl_ms = ttl.min(MAX_TTL).as_millis().max(1) as u64;
        let mut set = redis::cmd("SET");
        set.arg(&key).arg(&value).arg("PX").arg(ttl_ms).arg("NX");
        let mut connection = self.connection.clone();
        let answer = match set.query_async::<Value>(&mut connection).await {
            Err(error) if is_connection_lost(&error) => {
                // The first SET may or may not have reached Redis before the connection
                // died. Send it again; if the key is taken now, it is this flow when
                // the bytes (fresh nonce and verifier included) are ours.
                match set.query_async::<Value>(&mut connection).await {
                    Ok(Value::Nil) => {
                        let stored: Option<Vec<u8>> = redis::cmd("GET")
                            .arg(&key)
                            .query_async(&mut connection)
                            .await
                            .map_err(|error| from_redis(&error, self.timeout))?;
                        if stored.as_deref() == Some(value.as_slice()) {
                            Ok(Value::Okay)
                        } else {
                            Ok(Value::Nil)
                        }
                    }
                    other => other,
                }
            }
            other => other,
        };
        match answer.map_err(|error| from_redis(&error, self.timeout))? {
            Value::Okay => Ok(()),
            Value::SimpleString(ok) if ok == "OK" => Ok(()),
            Value::Nil => Err(StoreError::new(
                StoreErrorKind::Conflict,
                "SET NX found the key taken; the stored flow was kept",
            )),
            _ => Err(StoreError::new(
                StoreErrorKind::Other,
                "SET answered neither OK nor nil",
            )),
        }
    }

    async fn take_bytes(&self, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        let mut getdel = redis::cmd("GETDEL");
        getdel.arg(self.redis_key(key));
        let mut connection = self.connection.clone();
        // Sending GETDEL again after a lost connection is safe: if the first one
        // reached Redis, the flow is gone and the second finds nothing.
        match getdel.query_async(&mut connection).await {
            Err(error) if is_connection_lost(&error) => getdel.query_async(&mut connection).await,
            other => other,
        }
        .map_err(|error| from_redis(&error, self.timeout))
    }
}

impl RedisFlowStoreBuilder {
    /// The prefix of every key (default [`RedisFlowStore::DEFAULT_KEY_PREFIX`]). Give
    /// each application (and each environment) sharing one Redis its own, e.g.
    /// `"shop-prod:idspec:flow:"`.
    pub fn key_prefix(mut self, prefix: impl Into<String>) -> Self {
        self.key_prefix = prefix.into();
        self
    }

    /// How long any one call may take, connecting and reconnecting included (default
    /// [`RedisFlowStore::DEFAULT_TIMEOUT`]); a call that takes longer fails with
    /// [`StoreErrorKind::Timeout`].
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// Connects, and checks with a `PING` that Redis answers, so that a wrong address
    /// or password is found at startup. Needs a Tokio runtime.
    ///
    /// After this, a lost connection is re-established on the next call; the store
    /// never needs to be built again.
    pub async fn connect(self) -> Result<RedisFlowStore, StoreError> {
        let client = redis::Client::open(self.url.as_str()).map_err(|error| {
            let detail = if self.url.starts_with("rediss:") {
                "rediss:// (TLS) is not supported by this build; use redis:// on a trusted \
                 network or a TLS tunnel"
            } else if error.kind() == ErrorKind::InvalidClientConfig {
                "the Redis URL is invalid (expected redis://[[user]:password@]host[:port][/db])"
            } else {
                "the Redis URL cannot be used"
            };
            StoreError::new(StoreErrorKind::Misconfigured, detail)
        })?;
        let address = client.get_connection_info().addr().to_string();
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(self.timeout))
            .set_response_timeout(Some(self.timeout))
            // Fail fast while Redis is down (one quick retry), and let the next call
            // try again: the caller decides about retries, within its own bound.
            .set_number_of_retries(1)
            .set_min_delay(Duration::from_millis(20))
            .set_max_delay(Duration::from_millis(200));
        let connection = ConnectionManager::new_lazy_with_config(client, config)
            .map_err(|error| from_redis(&error, self.timeout))?;
        let store = RedisFlowStore {
            connection,
            key_prefix: self.key_prefix,
            timeout: self.timeout,
            address,
        };
        store.ping().await?;
        Ok(store)
    }
}

impl FlowStore for RedisFlowStore {
    fn put<'a>(&'a self, key: &'a str, flow: PendingFlow, ttl: Duration) -> StoreFuture<'a, ()> {
        Box::pin(async move {
            let value = codec::encode(&flow)?;
            self.bounded(self.put_bytes(key, value, ttl)).await
        })
    }

    fn take<'a>(&'a self, key: &'a str) -> StoreFuture<'a, Option<PendingFlow>> {
        Box::pin(async move {
            match self.bounded(self.take_bytes(key)).await? {
                None => Ok(None),
                Some(bytes) => codec::decode(&bytes).map(Some).inspect_err(|error| {
                    tracing::warn!(code = error.kind().code(), "{error}");
                }),
            }
        })
    }
}

impl fmt::Debug for RedisFlowStore {
    // The URL may hold a password: only the address is shown.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisFlowStore")
            .field("address", &self.address)
            .field("key_prefix", &self.key_prefix)
            .field("timeout", &self.timeout)
            .finish()
    }
}

impl fmt::Debug for RedisFlowStoreBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RedisFlowStoreBuilder")
            .field("url", &"[redacted]")
            .field("key_prefix", &self.key_prefix)
            .field("timeout", &self.timeout)
            .finish()
    }
}

async fn ping(connection: &mut ConnectionManager) -> Result<(), RedisError> {
    redis::cmd("PING")
        .query_async::<Value>(connection)
        .await
        .map(drop)
}

/// Whether the connection is dead: worth one more try on the connection the manager
/// re-establishes. This includes a refused connection: the manager reports the
/// failure of its last reconnection attempt to the next call even when Redis is back
/// by then, and only that call triggers a new attempt.
fn is_connection_lost(error: &RedisError) -> bool {
    error.is_io_error() && error.is_connection_dropped()
}

/// A Redis error as a [`StoreError`]. Redis's own messages are never copied: some
/// quote the command's arguments (`unknown command 'GETDEL', with args beginning
/// with: '<key>'`), and keys are states.
fn from_redis(error: &RedisError, bound: Duration) -> StoreError {
    use StoreErrorKind::{Corrupt, Misconfigured, Unavailable};
    if error.is_timeout() {
        return StoreError::timeout(bound);
    }
    let (kind, detail): (StoreErrorKind, String) = match error.kind() {
        ErrorKind::Io if error.is_connection_refusal() => {
            (Unavailable, "connection refused; retry later".into())
        }
        ErrorKind::Io if error.is_connection_dropped() => {
            (Unavailable, "the connection was lost; retry later".into())
        }
        ErrorKind::Io => (Unavailable, "I/O error; retry later".into()),
        ErrorKind::Parse => (
            Unavailable,
            "Redis's answer could not be read; reconnecting, retry later".into(),
        ),
        ErrorKind::AuthenticationFailed => (
            Misconfigured,
            "authentication failed: check the user and password in the URL".into(),
        ),
        ErrorKind::InvalidClientConfig | ErrorKind::Client => (
            Misconfigured,
            format!("the client refused the call ({})", error.category()),
        ),
        ErrorKind::UnexpectedReturnType => (Corrupt, "an answer of an unexpected type".into()),
        ErrorKind::Server(server) => match server {
            ServerErrorKind::BusyLoading
            | ServerErrorKind::TryAgain
            | ServerErrorKind::MasterDown
            | ServerErrorKind::ClusterDown
            | ServerErrorKind::ReadOnly => (
                Unavailable,
                format!(
                    "Redis answered {} (loading, or failing over); retry later",
                    server_code(error)
                ),
            ),
            ServerErrorKind::Moved | ServerErrorKind::Ask | ServerErrorKind::CrossSlot => (
                Misconfigured,
                "Redis is a cluster: point the store at a single primary (or a proxy)".into(),
            ),
            ServerErrorKind::NoPerm => (
                Misconfigured,
                "NOPERM: the Redis user may not run PING, SET, GET and GETDEL on the prefix".into(),
            ),
            ServerErrorKind::ResponseError
                if error
                    .detail()
                    .is_some_and(|detail| detail.starts_with("unknown command")) =>
            {
                (
                    Misconfigured,
                    "Redis does not know GETDEL: Redis 6.2 or later (or Valkey) is needed".into(),
                )
            }
            _ => (
                Misconfigured,
                format!("Redis answered {}", server_code(error)),
            ),
        },
        ErrorKind::Extension => match server_code(error) {
            "NOAUTH" | "WRONGPASS" => (
                Misconfigured,
                "authentication failed: check the user and password in the URL".into(),
            ),
            "OOM" => (
                Unavailable,
                "Redis is out of memory (maxmemory); retry later".into(),
            ),
            "WRONGTYPE" => (Corrupt, "the key holds a value of another type".into()),
            code => (Misconfigured, format!("Redis answered {code}")),
        },
        _ => (
            StoreErrorKind::Other,
            format!("Redis client error ({})", error.category()),
        ),
    };
    StoreError::new(kind, detail)
}

/// The error code Redis sent (`ERR`, `NOAUTH`, ...), when it is one: a short
/// upper-case word, never the rest of the line.
fn server_code(error: &RedisError) -> &str {
    match error.code() {
        Some(code)
            if !code.is_empty()
                && code.len() <= 24
                && code.bytes().all(|b| b.is_ascii_uppercase() || b == b'_') =>
        {
            code
        }
        _ => "an error",
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ErrorMetadata;

    #[tokio::test]
    async fn a_bad_url_is_a_configuration_error() {
        for url in ["not a url", "http://localhost:6379", "rediss://localhost:1"] {
            let error = RedisFlowStore::connect(url).await.unwrap_err();
            assert_eq!(
                error.kind(),
                StoreErrorKind::Misconfigured,
                "{url}: {error}"
            );
            assert!(!error.retryable());
        }
    }

    #[tokio::test]
    async fn nothing_listening_is_unavailable_and_quick() {
        // A port that was free a moment ago: nothing listens on it.
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let started = std::time::Instant::now();
        let error = RedisFlowStore::connect(format!("redis://:hunter2@127.0.0.1:{port}"))
            .await
            .unwrap_err();
        assert_eq!(error.kind(), StoreErrorKind::Unavailable, "{error}");
        assert!(error.retryable());
        assert_eq!(error.code(), "flow_store_unavailable");
        assert!(
            started.elapsed() < Duration::from_secs(1),
            "{:?}",
            started.elapsed()
        );
        assert!(!format!("{error} {error:?}").contains("hunter2"));
    }

    #[tokio::test]
    async fn a_redis_that_never_answers_times_out_within_the_bound() {
        // Accepts connections and never says a word.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let address = listener.local_addr().unwrap();
        let silent = tokio::spawn(async move {
            let mut held = Vec::new();
            while let Ok((socket, _)) = listener.accept().await {
                held.push(socket);
            }
        });
        let bound = Duration::from_millis(300);
        let started = std::time::Instant::now();
        let error = RedisFlowStore::builder(format!("redis://{address}"))
            .timeout(bound)
            .connect()
            .await
            .unwrap_err();
        let took = started.elapsed();
        assert_eq!(error.kind(), StoreErrorKind::Timeout, "{error}");
        assert!(error.retryable());
        assert!(took >= bound && took < bound * 3, "{took:?}");
        silent.abort();
    }

    #[test]
    fn debug_never_shows_the_url() {
        let builder = RedisFlowStore::builder("redis://:hunter2@127.0.0.1:6379");
        assert!(!format!("{builder:?}").contains("hunter2"));
    }

    #[test]
    fn redis_messages_are_never_copied() {
        let unknown: RedisError = redis::RedisError::from((
            ErrorKind::Server(ServerErrorKind::ResponseError),
            "An error was signalled by the server",
            "unknown command 'GETDEL', with args beginning with: 'idspec:flow:SECRET-STATE'"
                .to_owned(),
        ));
        let error = from_redis(&unknown, RedisFlowStore::DEFAULT_TIMEOUT);
        assert_eq!(error.kind(), StoreErrorKind::Misconfigured);
        assert!(error.to_string().contains("6.2"), "{error}");
        assert!(!format!("{error} {error:?}").contains("SECRET"));
    }
}
