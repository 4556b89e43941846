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

/// A version 4 UUID (122 bits from the operating system's CSPRNG), for providers
/// whose documents show UUIDs where an unpredictable value goes (imID's
/// `client_notification_token` and `correlation_id`).
///
/// # Panics
/// If the operating system has no entropy source, as [`token`].
pub fn uuid_v4() -> String {
    let mut bytes = [0u8; 16];
    getrandom::fill(&mut bytes).expect("the operating system's CSPRNG is unavailable");
    bytes[6] = (bytes[6] & 0x0f) | 0x40;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    let hex: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}
