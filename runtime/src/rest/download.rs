//! Streaming a binary response to a writer, bounded in size and never held whole.

use tokio::io::AsyncWriteExt as _;

use super::client::RestError;
use crate::error::EndpointKind;
use crate::http::{HttpClient, HttpError};

/// What a download wrote.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct Downloaded {
    /// The number of bytes written.
    pub bytes: u64,
    /// The response's `Content-Type`, as sent.
    pub content_type: Option<String>,
}

/// Why a download stopped.
pub(super) enum CopyError {
    Http(HttpError),
    Rest(RestError),
}

impl<C: crate::ProviderErrorCode> From<CopyError> for crate::Error<C> {
    fn from(error: CopyError) -> Self {
        match error {
            CopyError::Http(error) => error.into(),
            CopyError::Rest(error) => error.into(),
        }
    }
}

/// Copies the body of `response` to `out` one chunk at a time, stopping at `limit`
/// bytes; flushes `out` at the end.
pub(super) async fn copy<W>(
    http: &HttpClient,
    operation: &'static str,
    mut response: reqwest::Response,
    out: &mut W,
    limit: u64,
) -> Result<Downloaded, CopyError>
where
    W: tokio::io::AsyncWrite + Unpin + ?Sized,
{
    let endpoint = EndpointKind::Operation(operation);
    let too_large = || CopyError::Rest(RestError::DownloadTooLarge { operation, limit });
    if response.content_length().is_some_and(|len| len > limit) {
        return Err(too_large());
    }
    let content_type = response
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let write_error = |source| CopyError::Rest(RestError::Write { operation, source });
    let mut bytes = 0u64;
    while let Some(chunk) = http
        .next_chunk(endpoint, &mut response)
        .await
        .map_err(CopyError::Http)?
    {
        bytes += chunk.len() as u64;
        // Content-Length can lie or be absent: count what arrives.
        if bytes > limit {
            return Err(too_large());
        }
        out.write_all(&chunk).await.map_err(write_error)?;
    }
    out.flush().await.map_err(write_error)?;
    tracing::debug!(operation, bytes, "download complete");
    Ok(Downloaded {
        bytes,
        content_type,
    })
}
