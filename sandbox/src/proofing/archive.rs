//! The identity's proof file: a gzipped tar archive (`identity.json`, then a
//! padding file standing for the captured images and the audit trail), made while
//! it is sent. A task writes it piece by piece into a small bounded channel the
//! response body reads from, so that the whole archive never exists in memory and a
//! test can ask for hundreds of MiB. Nothing is compressed: the gzip member holds
//! deflate's stored blocks, written here, so that producing the bytes costs a CRC
//! and little else (a deflate encoder, even at level 0, is several times slower
//! in a debug build), the padding's blocks are made once and sent again and again,
//! and what goes over the wire is as large as the padding asked for.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use http_body::Frame;
use tokio::sync::mpsc;

/// Pieces made ahead of the reader: with the padding's piece, the memory a
/// download holds.
const PIECES_AHEAD: usize = 4;

/// A tar header's block, and the unit file data is padded to.
const BLOCK: usize = 512;

/// The most data a stored deflate block holds (RFC 1951 3.2.4).
const MAX_STORED: usize = 65_535;

/// The largest file a ustar header's 11 octal digits can describe (8 GiB - 1).
pub(crate) const MAX_PADDING: u64 = 0o77_777_777_777;

/// What the padding file is made of: readable, so that a person opening the
/// archive sees what it is.
const PADDING_LINE: &[u8] =
    b"idspec sandbox proof padding: stands for the captured images and the audit trail\n";

/// The archive for `identity`, with `padding` bytes of padding, as a response body.
pub(crate) fn proof_body(identity: &serde_json::Value, padding: u64) -> Body {
    let json = serde_json::to_vec_pretty(identity).unwrap_or_default();
    let padding = padding.min(MAX_PADDING);
    let (sender, receiver) = mpsc::channel(PIECES_AHEAD);
    tokio::spawn(async move {
        // An error means the reader went away: nothing more to make.
        let _ = write(Gzip::new(sender), &json, padding).await;
    });
    Body::new(Chunks(receiver))
}

/// The reader went away.
struct Gone;

/// A gzip member of stored blocks (RFC 1952), sent as it is written.
struct Gzip {
    crc: flate2::Crc,
    sender: mpsc::Sender<Bytes>,
}

impl Gzip {
    fn new(sender: mpsc::Sender<Bytes>) -> Self {
        Self {
            crc: flate2::Crc::new(),
            sender,
        }
    }

    /// `data` as stored blocks, none of them final.
    fn stored(data: &[u8]) -> Vec<u8> {
        let mut out = Vec::with_capacity(data.len() + 5 * (data.len() / MAX_STORED + 1));
        for piece in data.chunks(MAX_STORED) {
            // Fits: a piece holds at most MAX_STORED bytes.
            let len = piece.len() as u16;
            out.push(0);
            out.extend_from_slice(&len.to_le_bytes());
            out.extend_from_slice(&(!len).to_le_bytes());
            out.extend_from_slice(piece);
        }
        out
    }

    async fn send(&self, bytes: Bytes) -> Result<(), Gone> {
        self.sender.send(bytes).await.map_err(|_| Gone)
    }

    /// The member's header: deflate, no flags, `mtime`, unknown system.
    async fn header(&self, mtime: u64) -> Result<(), Gone> {
        let mut header = vec![0x1f, 0x8b, 8, 0];
        header.extend_from_slice(&u32::try_from(mtime).unwrap_or(0).to_le_bytes());
        header.extend_from_slice(&[0, 255]);
        self.send(header.into()).await
    }

    async fn put(&mut self, data: &[u8]) -> Result<(), Gone> {
        self.crc.update(data);
        self.send(Self::stored(data).into()).await
    }

    /// `data` again, its blocks (`Self::stored(data)`) made once by the caller.
    async fn put_again(&mut self, data: &[u8], blocks: &Bytes) -> Result<(), Gone> {
        self.crc.update(data);
        self.send(blocks.clone()).await
    }

    /// An empty final block, then the CRC and the size (modulo 2^32).
    async fn finish(self) -> Result<(), Gone> {
        let mut end = vec![1, 0, 0, 0xff, 0xff];
        end.extend_from_slice(&self.crc.sum().to_le_bytes());
        end.extend_from_slice(&self.crc.amount().to_le_bytes());
        self.send(end.into()).await
    }
}

async fn write(mut out: Gzip, json: &[u8], padding: u64) -> Result<(), Gone> {
    let mtime = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or_default();
    out.header(mtime).await?;
    out.put(&header("identity.json", json.len() as u64, mtime))
        .await?;
    out.put(json).await?;
    out.put(&zeros_after(json.len() as u64)).await?;

    out.put(&header("padding.txt", padding, mtime)).await?;
    // Whole lines, so that the file is the line repeated.
    let piece = PADDING_LINE.repeat(MAX_STORED / PADDING_LINE.len());
    let blocks = Bytes::from(Gzip::stored(&piece));
    let mut left = padding;
    while left > 0 {
        match usize::try_from(left) {
            Ok(last) if last < piece.len() => {
                out.put(&piece[..last]).await?;
                left = 0;
            }
            _ => {
                out.put_again(&piece, &blocks).await?;
                left -= piece.len() as u64;
            }
        }
    }
    out.put(&zeros_after(padding)).await?;
    // The end of the archive: two empty blocks.
    out.put(&[0; 2 * BLOCK]).await?;
    out.finish().await
}

/// The zeros that pad a file of `size` bytes to a whole block.
fn zeros_after(size: u64) -> Vec<u8> {
    let over = (size % BLOCK as u64) as usize;
    vec![0; if over == 0 { 0 } else { BLOCK - over }]
}

/// A ustar header for a regular file.
fn header(name: &str, size: u64, mtime: u64) -> [u8; BLOCK] {
    let mut block = [0u8; BLOCK];
    block[..name.len()].copy_from_slice(name.as_bytes());
    octal(&mut block[100..108], 0o644);
    octal(&mut block[108..116], 0);
    octal(&mut block[116..124], 0);
    octal(&mut block[124..136], size);
    octal(&mut block[136..148], mtime);
    block[156] = b'0';
    block[257..263].copy_from_slice(b"ustar\0");
    block[263..265].copy_from_slice(b"00");
    block[265..272].copy_from_slice(b"sandbox");
    block[297..304].copy_from_slice(b"sandbox");
    // The checksum is computed with its own field as spaces.
    block[148..156].fill(b' ');
    let sum: u64 = block.iter().map(|&b| u64::from(b)).sum();
    octal(&mut block[148..155], sum);
    block
}

/// `value` in octal, zero-filled, NUL-terminated, in `field`.
fn octal(field: &mut [u8], value: u64) {
    let digits = field.len() - 1;
    let text = format!("{value:0digits$o}");
    // Sizes are capped at MAX_PADDING and times fit until the year 2242: a longer
    // text would be a bug, kept from corrupting the neighbouring field.
    let text = &text.as_bytes()[text.len().saturating_sub(digits)..];
    field[..digits].copy_from_slice(text);
    field[digits] = 0;
}

/// The response body: the chunks the writing task sends.
struct Chunks(mpsc::Receiver<Bytes>);

impl http_body::Body for Chunks {
    type Data = Bytes;
    type Error = std::convert::Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Self::Error>>> {
        self.0
            .poll_recv(cx)
            .map(|chunk| chunk.map(|bytes| Ok(Frame::data(bytes))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_are_ustar_with_a_valid_checksum() {
        let block = header("identity.json", 1234, 1_700_000_000);
        assert_eq!(&block[..13], b"identity.json");
        assert_eq!(&block[124..136], b"00000002322\0");
        assert_eq!(&block[257..263], b"ustar\0");
        let stored = std::str::from_utf8(&block[148..154]).unwrap();
        let mut blank = block;
        blank[148..156].fill(b' ');
        let sum: u64 = blank.iter().map(|&b| u64::from(b)).sum();
        assert_eq!(u64::from_str_radix(stored, 8).unwrap(), sum);
        assert_eq!(block[154], 0);
    }

    #[test]
    fn files_are_padded_to_whole_blocks() {
        assert_eq!(zeros_after(0).len(), 0);
        assert_eq!(zeros_after(1).len(), 511);
        assert_eq!(zeros_after(512).len(), 0);
    }
}
