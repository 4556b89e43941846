//! Unpredictable values for state, nonce, PKCE verifiers and trace ids.

use base64::Engine as _;

/// 32 bytes from the operating system's CSPRNG, base64url without padding.
///
/// # Panics
/// If the operating system has no entropy source: continuing with a predictable
/// state or nonce would be worse than stopping.
pub fn token() -> String {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).expect("the operating system's CSPRNG is unavailable");
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}
