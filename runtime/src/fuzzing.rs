//! Entry points for fuzzing (feature `fuzzing`): not part of the API.
//!
//! Each function takes arbitrary bytes and drives one parser of untrusted input
//! through the public functions the client itself calls, so that the code fuzzed is
//! the code that runs in production (no copy of a parser, no network). The
//! cargo-fuzz targets in `fuzz/` are one-line calls into these, and
//! `runtime/tests/fuzz_bounded.rs` drives the same functions with proptest on every
//! `cargo test`, so a regression fails CI and the targets cannot rot.
//!
//! Each function panics when a property fails (a fuzzing "crash"):
//!
//! - [`jws_parse`]: compact JWS verification ([`verify_jws`]) and ID token
//!   validation ([`validate_id_token`]) with HMAC keyed by a client secret, once as
//!   received and once re-signed so that the header, payload and claim checks run on
//!   whatever the input holds. HMAC verification must never wait on the JWKS (it is
//!   never fetched: the futures must be ready at once); [`is_jwe`] and
//!   [`JoseError::Encrypted`] must agree; no error's `Display` may quote the token
//!   or a claim value; what validates must satisfy the expectations.
//! - [`jwe_parse`]: [`decrypt`] with the relying party's RSA and EC keys and the
//!   client secret, every algorithm allowed; a plaintext goes on to the JWS checks
//!   (a nested JWT).
//! - [`error_decoding`]: [`body_error`], [`redirect_error`] and
//!   [`bearer_challenge_error`] with Swisscom Mobile ID's dialect; the three
//!   channels must decode the same code and description alike, and a description
//!   written in the provider's documented format must decode back into its parts.
//! - [`lenient`]: the `accept: [string]` deserializers; a value sent as a string
//!   must decode as the string parses.
//!
//! The JWS and JWE functions also take a token in decoded form (see [`compact`]),
//! so that a fuzzer reaches IV, key and tag lengths and header members directly.
//!
//! [`seeds`] builds valid inputs (with fresh randomness for the JWEs) from the
//! fixed keys below; the seed corpus in `fuzz/corpus/` was written from it.

#![doc(hidden)]
#![allow(missing_docs)]

use std::collections::HashMap;
use std::fmt::Display;
use std::future::Future;
use std::sync::OnceLock;
use std::task::{Context, Poll, Waker};
use std::time::{Duration, UNIX_EPOCH};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine as _;
use josekit::jwk::Jwk;
use serde::Deserialize;
use serde_json::{json, Map, Value};

use crate::dialect::{bearer_challenge_error, body_error, redirect_error};
use crate::error::{EndpointKind, ErrorMetadata, GenericErrorCode, ProviderError, RawResponse};
use crate::http::HttpClient;
use crate::id_token::{token_hash, validate_id_token, IdTokenExpectations};
use crate::jose::{
    decrypt, is_jwe, verify_jws, JoseError, JweAlgorithms, JwksCache, RelyingPartyKeys, SigningAlg,
};
use crate::lenient::{from_str_or_value, option_from_str_or_value};
use crate::profile::{ErrorDialect, ErrorFields};
use crate::secret::{AccessToken, ClientSecret, Jwt, Nonce};

/// The client secret: 64 bytes, long enough for HS512 (RFC 7518 3.2).
pub const CLIENT_SECRET: &str = "fuzzing-client-secret-0123456789-0123456789-0123456789-abcdefghi";
/// The issuer the ID tokens must name.
pub const ISSUER: &str = "https://op.fuzzing.example";
/// The client id the ID tokens must be for.
pub const CLIENT_ID: &str = "s6BhdRkqt3";
/// The nonce of the login.
pub const NONCE: &str = "n-0S6_WzA2Mj";
/// The access token issued with the ID token (for `at_hash`).
pub const ACCESS_TOKEN: &str = "SlAV32hkKG-fuzzing-access-token";
/// The subject of the seed tokens.
pub const SUBJECT: &str = "248289761001";
/// "Now" for ID token validation (2025-06-15), so that seeds stay valid.
pub const NOW: u64 = 1_750_000_000;

/// The relying party's RSA decryption key (a fixture: generated for fuzzing only).
pub const RSA_KEY: &str = r#"{"kty":"RSA","kid":"fuzz-rsa","use":"enc","n":"1j6fLHrQCli7qAuv6Gh9rvpif5syMadQaVOEc52s3IYtKdIS2OCB9n51TRlTLwYtMdfDmen7Ilm1Ca86hd-dSOC6fcI1M7vNhuyiEiXy1cH5fD9FxxOo9d5lwJL-znc45FqxuQAF5n9UzwSUISiw61I1m5U-6-W1CK-0CXsXk95cW5mwNxBkA6szucUs_oFK3VgtglLyzNrM836F5Rc2zfCVwVTx4vCDv4ao2NE-sq-D5d34MQem1AeKd-S02QFypxDW-E7efRwK0dK8SXGaCJy9l7YhaY3gRxOXBpkvYCrWEkN6Du9bEjkUKG7BQXIj6uVcO1HnzOGNIo1CR1b17w","e":"AQAB","d":"DRxyoUY4H79OZ0-lHulGHRngQpmSI3fEdAL9wsA40_C3fYJdpOgYYVKxMFwHEIRQP7yfO8wV567rEAH-kt1xwq6ouwl84q2bkPuU74di_7HfPWX3NIz_dLcngvbRS9FVVKQ4PBoZl6wzLyLDQ0Q6Oix4cLexd2jsq0YVaSnJ8kKMuM_YmOIxc-M_Q77_c6cZcsxs5oS14sZFZuTkhXocYg2QjcUVN4BXRxj0djEwtqtw3Aa6-CTzN5licjhp9s5Xav6ILHtH9tYZ94Pgi4djMRZk4LowyKVR3-qmLbYZ3nVEbDdCD4gPrUKDMz7HSji4rVnfREDIhhnp7ducsNih","p":"7v9ViFCOHCYDXJKw7__3jNSC3aeeWI0je0Y4AsGCxa31N5abTQg7qd-iZoo6EECiHHrfR7JxLES7Kdr2Sor-2PkzXXpunRSpmMvxvBPwb6pyPaT_ejHZwy9csZNbGz6eu1BDqYDNSPM98vJ-2jAxO727Ty1ro7YeVPoXk30_Pt8","q":"5Xx8PHMYxRg_zzeHx2DX4oJUpnmU1QFStkiIgcvWXaAHHcipyzMz6GDl53fC_vcQU-CjWWrZKGWkllchuP4pLoeyuBuc6Gv5iwayh2VWsagbexFpR7enhvid_yEY1C4yuqnDq1saocgIYIC0VicKQPr1gDzgAO0TN6l3u5x5-vE","dp":"2g7HaGcvMgmQ2Z7RpzghEjI28Kvlsp-btvb7VbBfc6NjcAOO0LrpTPXJQ8tsbLW780Y8gDsUPTK8ndS1EJA_M5IzRl_VmqZmkw3JEjQTFJ8sOohXvJLNP-Pvq-lpn7MDup3iDj6BjsS4SfjsuoBr-zkCNJyZcDZS-G9yoVQOJ3s","dq":"JY4Ssr3PLuoB_0JCKSGzErFrcvbwoU8fHw-Nr1gRU68NmxUsnEFb3EqHNTMHKTx7Yo6fjNGMiizgG25U6XZGfQPd_n0eV3bcFqFY9Alkf5xYKvK1fPQUKWVkTc03x_lredqwV8mH-TPIEyrc2EB5UBsBtCPCMMSbYX-NRZmc6LE","qi":"zRxPGwYzNnL1UdxtnPjk_MrGozW-3_pFoWDd9FPsw1oxgt-0xz6LF62Abv3bW8oyEsYQKNper5nlYyKFAdZxyCsUJR6FLBAComzx0JhG0qO61soKZdkhPmCfvjL78ijTaxdFKviPRXC4gslBF_hTgkkHiGUIHNC2HACEUISlkHs"}"#;

/// The relying party's EC (P-256) decryption key (a fixture: generated for fuzzing only).
pub const EC_KEY: &str = r#"{"kty":"EC","kid":"fuzz-ec","use":"enc","crv":"P-256","d":"RMZdYg6EeDsx3CjFpmxWkpfc-kS5RoDijgjL2TsMhaM","x":"dW9NA_J6KcRCzI6juM51tjwZCCB9sEPt8C1U5WEz6l0","y":"q-GQVSTJ2s4xzAF9C1PHPnOPPO_WYi0r-xpQ2M7up0U"}"#;

/// Every HMAC algorithm: the only ones verifiable without the provider's JWKS.
const HMAC: [SigningAlg; 3] = [SigningAlg::HS256, SigningAlg::HS384, SigningAlg::HS512];

/// Every JWE algorithm `decrypt` implements, and some it refuses, all "allowed" so
/// that the input decides which code runs.
pub const JWE_ALGORITHMS: JweAlgorithms = JweAlgorithms {
    alg: &[
        "RSA-OAEP",
        "RSA-OAEP-256",
        "ECDH-ES",
        "ECDH-ES+A128KW",
        "ECDH-ES+A192KW",
        "ECDH-ES+A256KW",
        "A128KW",
        "A192KW",
        "A256KW",
        "RSA1_5",
        "dir",
        "PBES2-HS256+A128KW",
    ],
    enc: &[
        "A128CBC-HS256",
        "A192CBC-HS384",
        "A256CBC-HS512",
        "A128GCM",
        "A192GCM",
        "A256GCM",
    ],
};

/// Swisscom Mobile ID's error dialect, as specs/mobileid.yaml declares it.
pub const MOBILE_ID_DIALECT: ErrorDialect = ErrorDialect {
    body: ErrorFields {
        code: "errorCode",
        description: "description",
        uri: "error_uri",
    },
    redirect: ErrorFields::OAUTH,
    detail: Some(
        r"^(?P<code>mid_(?P<category>req|sec|auth|sys)_\d{4})_(?P<trace>\S+) - (?P<message>.*)$",
    ),
    status_only: &[],
};

struct Fixture {
    jwks: JwksCache,
    keys: RelyingPartyKeys,
    secret: ClientSecret,
    nonce: Nonce,
    access_token: AccessToken,
}

fn fixture() -> &'static Fixture {
    static FIXTURE: OnceLock<Fixture> = OnceLock::new();
    FIXTURE.get_or_init(|| {
        let http = HttpClient::builder()
            .build()
            .expect("an HTTP client with the defaults");
        // Never fetched: only HMAC algorithms are allowed, which never use the JWKS.
        let jwks_uri = "https://jwks.fuzzing.invalid/never-fetched"
            .parse()
            .expect("a URL");
        let key = |json: &str| Jwk::from_bytes(json.as_bytes()).expect("a fixture JWK");
        Fixture {
            jwks: JwksCache::new(http, jwks_uri),
            keys: RelyingPartyKeys::new()
                .with_decryption_key(key(RSA_KEY))
                .with_decryption_key(key(EC_KEY)),
            secret: ClientSecret::new(CLIENT_SECRET),
            nonce: Nonce::new(NONCE),
            access_token: AccessToken::new(ACCESS_TOKEN),
        }
    })
}

/// Runs a future that must not wait on anything (no I/O, no lock held elsewhere).
fn ready<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    match future
        .as_mut()
        .poll(&mut Context::from_waker(Waker::noop()))
    {
        Poll::Ready(output) => output,
        Poll::Pending => panic!(
            "verifying an HMAC-signed token waited on something (the JWKS?): \
             it must never need the network"
        ),
    }
}

/// Fails if `error` breaks the error contract: a non-empty code, and a `Display`
/// that quotes none of `secrets` (the token's parts, its claim values). Only long
/// base64url-alphabet strings are looked for, which no error message contains.
fn check_error(error: &(impl Display + ErrorMetadata), secrets: &[&str]) {
    let code = error.code();
    assert!(
        !code.is_empty() && !code.contains(char::is_whitespace),
        "bad error code {code:?}"
    );
    let shown = error.to_string();
    for secret in secrets {
        let long = secret.len() >= 16
            && secret
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
        assert!(
            !(long && shown.contains(secret)),
            "the error `{shown}` ({code}) quotes a token part or claim value"
        );
    }
}

/// Separates the decoded parts of a token in the decoded form of an input.
pub const PART_SEPARATOR: &[u8] = b"\0.\0";

/// The compact serialization an input stands for: the input itself (as text), or,
/// when it starts with a NUL byte, the rest's parts (separated by
/// [`PART_SEPARATOR`]) base64url-encoded and joined with dots. The decoded form lets
/// a fuzzer mutate headers, IVs, keys and ciphertexts directly, which it hardly ever
/// does through base64.
pub fn compact(data: &[u8]) -> String {
    let Some(mut rest) = data.strip_prefix(b"\0") else {
        return String::from_utf8_lossy(data).into_owned();
    };
    let mut parts = Vec::new();
    while let Some(at) = rest
        .windows(PART_SEPARATOR.len())
        .position(|w| w == PART_SEPARATOR)
    {
        parts.push(URL_SAFE_NO_PAD.encode(&rest[..at]));
        rest = &rest[at + PART_SEPARATOR.len()..];
    }
    parts.push(URL_SAFE_NO_PAD.encode(rest));
    parts.join(".")
}

/// Compact JWS verification and ID token validation (see the module docs).
pub fn jws_parse(data: &[u8]) {
    jws_text(&compact(data));
}

fn jws_text(text: &str) {
    let f = fixture();
    let parts: Vec<&str> = text.split('.').collect();

    // 1. As received: the fuzzer cannot forge an HMAC, so this exercises the
    //    framing, the header and the allow-list, and the signature comparison.
    match ready(verify_jws(&f.jwks, text, &HMAC, Some(&f.secret))) {
        Ok(verified) => assert!(HMAC.contains(&verified.header().alg)),
        Err(error) => {
            assert_eq!(
                matches!(error, JoseError::Encrypted),
                is_jwe(text),
                "is_jwe and verify_jws disagree about {} parts",
                parts.len()
            );
            check_error(&error, &parts);
        }
    }

    // 2. Re-signed with the client secret: now the signature verifies for the
    //    header's algorithm, and the payload and claim checks run on the input.
    let Some((signing_input, _)) = text.rsplit_once('.') else {
        return;
    };
    for alg in HMAC {
        let signature = alg
            .hmac(CLIENT_SECRET.as_bytes(), signing_input.as_bytes())
            .expect("the fixture secret is long enough for every HMAC");
        let token = format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature));
        match ready(verify_jws(&f.jwks, &token, &HMAC, Some(&f.secret))) {
            Ok(verified) => {
                assert_eq!(verified.header().alg, alg, "verified with another alg");
                assert_eq!(
                    verified.header().members.get("alg"),
                    Some(&Value::String(alg.as_str().to_owned()))
                );
                assert!(verified.verifying_key().is_none(), "HMAC used a JWKS key");
                id_token(&token, verified.payload());
            }
            Err(error) => check_error(&error, &parts),
        }
    }
}

/// ID token validation of a correctly signed token, as a first login and as a refresh.
fn id_token(token: &str, payload: &Map<String, Value>) {
    let f = fixture();
    let now = UNIX_EPOCH + Duration::from_secs(NOW);
    let jwt = Jwt::new(token);
    let mut secrets: Vec<&str> = token.split('.').collect();
    secrets.extend(payload.values().filter_map(Value::as_str));
    let login = IdTokenExpectations::new(ISSUER, CLIENT_ID, &HMAC)
        .with_nonce(&f.nonce)
        .with_access_token(&f.access_token)
        .with_max_age(Duration::from_secs(3600))
        .at(now);
    let refresh = IdTokenExpectations::new(ISSUER, CLIENT_ID, &HMAC)
        .with_nonce(&f.nonce)
        .with_expected_subject(SUBJECT)
        .at(now);
    for expect in [login, refresh] {
        match ready(validate_id_token(&f.jwks, &jwt, &expect, Some(&f.secret))) {
            Ok(validated) => {
                assert_eq!(validated.issuer(), ISSUER);
                assert_eq!(validated.claims(), payload);
                assert!(!validated.subject().is_empty());
                if let Some(subject) = expect.expected_subject {
                    assert_eq!(validated.subject(), subject);
                }
                let aud = &payload["aud"];
                assert!(
                    aud == CLIENT_ID
                        || aud
                            .as_array()
                            .is_some_and(|a| a.contains(&json!(CLIENT_ID))),
                    "validated for another audience"
                );
                assert!(validated.expires_at() > now - Duration::from_secs(300));
                assert_eq!(
                    payload
                        .get("nonce")
                        .and_then(Value::as_str)
                        .unwrap_or(NONCE),
                    NONCE
                );
            }
            Err(error) => check_error(&error, &secrets),
        }
    }
}

/// Whether `token` validates as an ID token of the first login (for checking seeds).
pub fn is_valid_id_token(token: &str) -> bool {
    let f = fixture();
    let expect = IdTokenExpectations::new(ISSUER, CLIENT_ID, &HMAC)
        .with_nonce(&f.nonce)
        .with_access_token(&f.access_token)
        .with_max_age(Duration::from_secs(3600))
        .at(UNIX_EPOCH + Duration::from_secs(NOW));
    ready(validate_id_token(
        &f.jwks,
        &Jwt::new(token),
        &expect,
        Some(&f.secret),
    ))
    .is_ok()
}

/// JWE decryption with the relying party's keys (see the module docs).
pub fn jwe_parse(data: &[u8]) {
    let text = compact(data);
    let f = fixture();
    let parts: Vec<&str> = text.split('.').collect();
    match decrypt(&text, &JWE_ALGORITHMS, &f.keys, Some(&f.secret)) {
        Ok(plaintext) => {
            assert!(is_jwe(&text), "decrypted something that is not a JWE");
            jws_text(&String::from_utf8_lossy(&plaintext));
        }
        Err(error) => check_error(&error, &parts),
    }
}

/// Provider error decoding with Mobile ID's dialect (see the module docs).
///
/// The input is, at once, a JSON body, a redirect's query string and a
/// `WWW-Authenticate` header; split at its first NUL byte it is also a code and a
/// description sent through each channel.
pub fn error_decoding(data: &[u8]) {
    let dialect = &MOBILE_ID_DIALECT;
    let text = String::from_utf8_lossy(data);

    let raw = response(data.to_vec(), None);
    if let Some(error) = body_error::<GenericErrorCode>(dialect, EndpointKind::Token, &raw) {
        let _ = error.to_string();
        assert!(error.raw().is_some());
    }

    let query = text.trim_start_matches('?');
    let mut params = HashMap::new();
    for (key, value) in url::form_urlencoded::parse(query.as_bytes()) {
        params.entry(key.into_owned()).or_insert(value.into_owned());
    }
    if let Some(error) = redirect_error::<GenericErrorCode>(dialect, &params) {
        let _ = error.to_string();
        assert!(params.contains_key("error"));
    }

    let raw = response(Vec::new(), Some(data));
    if let Some(error) =
        bearer_challenge_error::<GenericErrorCode>(dialect, EndpointKind::Userinfo, &raw)
    {
        let _ = error.to_string();
    }

    if let Some((code, description)) = text.split_once('\0') {
        same_error_everywhere(code, description);
        documented_format_decodes(code, description);
    }
}

fn response(body: Vec<u8>, challenge: Option<&[u8]>) -> RawResponse {
    let mut raw = RawResponse {
        status: 401,
        headers: Default::default(),
        body,
    };
    if let Some(value) = challenge.and_then(|v| reqwest::header::HeaderValue::from_bytes(v).ok()) {
        raw.headers.insert(reqwest::header::WWW_AUTHENTICATE, value);
    }
    raw
}

/// What a decoded error says, for comparing channels.
fn summary(error: &ProviderError<GenericErrorCode>) -> impl PartialEq + std::fmt::Debug + '_ {
    (
        error.code().to_owned(),
        error.oauth_error().map(|e| e.as_str().to_owned()),
        error.category(),
        error.trace_id(),
        error.message(),
    )
}

/// A code and description decode alike from a body (the dialect's members and
/// OAuth's), a redirect, and, when a challenge can carry them, a bearer challenge.
fn same_error_everywhere(code: &str, description: &str) {
    let dialect = &MOBILE_ID_DIALECT;
    let ours = json!({ "errorCode": code, "description": description });
    let oauth = json!({ "error": code, "error_description": description });
    let from_body = |body: Value| {
        let raw = response(body.to_string().into_bytes(), None);
        body_error::<GenericErrorCode>(dialect, EndpointKind::Token, &raw)
            .expect("a body with a code is an error")
    };
    let (ours, oauth) = (from_body(ours), from_body(oauth));
    let params = HashMap::from([
        ("error".to_owned(), code.to_owned()),
        ("error_description".to_owned(), description.to_owned()),
    ]);
    let redirect = redirect_error::<GenericErrorCode>(dialect, &params)
        .expect("a redirect with an error is an error");
    assert_eq!(
        summary(&ours),
        summary(&redirect),
        "body and redirect differ"
    );
    assert_eq!(summary(&oauth), summary(&redirect), "OAuth members differ");

    // A quoted-string can carry neither `"` nor `\` unescaped, and the parser splits
    // at `,`: only values without them (and without edge spaces) round-trip.
    let quotable = |s: &str| {
        !s.is_empty()
            && s.trim() == s
            && s.bytes()
                .all(|b| (0x20..0x7f).contains(&b) && !matches!(b, b'"' | b'\\' | b','))
    };
    if quotable(code) && quotable(description) {
        let header =
            format!(r#"Bearer realm="op", error="{code}", error_description="{description}""#);
        let raw = response(Vec::new(), Some(header.as_bytes()));
        let bearer =
            bearer_challenge_error::<GenericErrorCode>(dialect, EndpointKind::Userinfo, &raw)
                .expect("a challenge with an error is an error");
        assert_eq!(
            summary(&bearer),
            summary(&redirect),
            "challenge and redirect differ"
        );
    }
}

/// `errors.format` (`{code}_{trace} - {message}`) written with a documented-looking
/// code decodes back into code, category, trace id and message.
fn documented_format_decodes(seed: &str, message: &str) {
    let bytes = seed.as_bytes();
    let category = ["req", "sec", "auth", "sys"][bytes.first().map_or(0, |b| usize::from(*b) % 4)];
    let number = bytes
        .iter()
        .fold(0u32, |n, b| (n * 31 + u32::from(*b)) % 10_000);
    let code = format!("mid_{category}_{number:04}");
    // A trace id is `\S+` (regex-lite's `\s` is ASCII whitespace, vertical tab
    // included), a message `.*` (one line).
    let trace: String = seed
        .chars()
        .filter(|c| !c.is_ascii_whitespace() && *c != '\x0b')
        .collect();
    let trace = if trace.is_empty() {
        "A9W1GLUM".to_owned()
    } else {
        trace
    };
    let message: String = message.chars().filter(|c| *c != '\n').collect();
    let description = format!("{code}_{trace} - {message}");
    let raw = response(
        json!({ "errorCode": "invalid_request", "description": description })
            .to_string()
            .into_bytes(),
        None,
    );
    let error = body_error::<GenericErrorCode>(&MOBILE_ID_DIALECT, EndpointKind::Token, &raw)
        .expect("a body with a code is an error");
    assert_eq!(error.code(), code, "{description:?}");
    assert_eq!(error.category(), Some(category), "{description:?}");
    assert_eq!(error.trace_id(), Some(trace.as_str()), "{description:?}");
    assert_eq!(error.message(), Some(message.as_str()), "{description:?}");
}

/// Claims as a spec with `accept: [string]` makes the generated code read them.
#[derive(Debug, Deserialize)]
struct Lenient {
    #[serde(default, deserialize_with = "option_from_str_or_value")]
    number: Option<f64>,
    #[serde(default, deserialize_with = "option_from_str_or_value")]
    unsigned: Option<u64>,
    #[serde(default, deserialize_with = "option_from_str_or_value")]
    signed: Option<i64>,
    #[serde(default, deserialize_with = "option_from_str_or_value")]
    flag: Option<bool>,
    #[serde(deserialize_with = "from_str_or_value")]
    expires_in: u32,
}

/// The lenient deserializers (see the module docs).
pub fn lenient(data: &[u8]) {
    let Ok(parsed) = serde_json::from_slice::<Lenient>(data) else {
        return;
    };
    // serde_json skips an ignored member without checking its UTF-8, so the struct
    // can parse where a `Value` does not.
    let Ok(sent) = serde_json::from_slice::<Map<String, Value>>(data) else {
        return;
    };
    fn agrees<T: std::str::FromStr + PartialEq + std::fmt::Debug>(
        sent: Option<&Value>,
        got: Option<T>,
    ) {
        if let Some(Value::String(text)) = sent {
            let expected = text.trim().parse::<T>().ok();
            assert_eq!(got, expected, "{text:?}");
        }
    }
    // NaN is not equal to itself: compare floats by their bits.
    if let Some(Value::String(text)) = sent.get("number") {
        let expected = text.trim().parse::<f64>().ok().map(f64::to_bits);
        assert_eq!(parsed.number.map(f64::to_bits), expected, "{text:?}");
    }
    agrees(sent.get("unsigned"), parsed.unsigned);
    agrees(sent.get("signed"), parsed.signed);
    agrees(sent.get("flag"), parsed.flag);
    agrees(sent.get("expires_in"), Some(parsed.expires_in));
}

/// Valid inputs for each target, built from the fixtures.
pub mod seeds {
    use super::*;

    fn b64(bytes: impl AsRef<[u8]>) -> String {
        URL_SAFE_NO_PAD.encode(bytes)
    }

    /// The decoded form of a compact serialization (see [`compact`]).
    pub fn decoded(compact: &[u8]) -> Vec<u8> {
        let mut form = vec![0];
        for (i, part) in compact.split(|b| *b == b'.').enumerate() {
            if i > 0 {
                form.extend_from_slice(PART_SEPARATOR);
            }
            form.extend(URL_SAFE_NO_PAD.decode(part).expect("a base64url part"));
        }
        form
    }

    /// Each token as it is, and in its decoded form.
    fn both_forms(tokens: Vec<Vec<u8>>) -> Vec<Vec<u8>> {
        let decoded: Vec<Vec<u8>> = tokens.iter().map(|t| decoded(t)).collect();
        tokens.into_iter().chain(decoded).collect()
    }

    /// The claims of a valid Mobile ID-like ID token.
    pub fn claims() -> Map<String, Value> {
        let at_hash = token_hash(ACCESS_TOKEN, SigningAlg::HS256, None).expect("SHA-256");
        let json = json!({
            "iss": ISSUER,
            "sub": SUBJECT,
            "aud": CLIENT_ID,
            "exp": NOW + 600,
            "iat": NOW,
            "auth_time": NOW - 5,
            "nonce": NONCE,
            "at_hash": at_hash,
            "acr": "mid_al3_any",
            "amr": ["mid_sim"],
            "phone_number": "+41791234567",
            "phone_number_verified": true,
            "mid_geo_device_confidence": "1.0",
        });
        match json {
            Value::Object(map) => map,
            _ => unreachable!(),
        }
    }

    /// A JWS with this header over `payload`, signed with the client secret.
    pub fn hmac_jws(alg: SigningAlg, header: &Value, payload: &[u8]) -> String {
        let input = format!("{}.{}", b64(header.to_string()), b64(payload));
        let signature = alg
            .hmac(CLIENT_SECRET.as_bytes(), input.as_bytes())
            .expect("a long enough secret");
        format!("{input}.{}", b64(signature))
    }

    /// Valid ID tokens, and tokens each breaking one rule.
    pub fn jws() -> Vec<Vec<u8>> {
        let claims = Value::Object(claims());
        let payload = claims.to_string();
        let mut seeds = Vec::new();
        for alg in HMAC {
            let header = json!({"alg": alg.as_str(), "typ": "JWT", "kid": "k1"});
            seeds.push(hmac_jws(alg, &header, payload.as_bytes()));
        }
        let hs = SigningAlg::HS256;
        let with = |edit: &dyn Fn(&mut Map<String, Value>)| {
            let mut claims = super::seeds::claims();
            edit(&mut claims);
            hmac_jws(
                hs,
                &json!({"alg": "HS256"}),
                Value::Object(claims).to_string().as_bytes(),
            )
        };
        seeds.push(with(&|c| {
            c.insert("aud".into(), json!([CLIENT_ID, "other"]));
            c.insert("azp".into(), json!(CLIENT_ID));
        }));
        seeds.push(with(&|c| {
            c.insert("exp".into(), json!(1.75e9));
            c.insert("nbf".into(), json!(NOW));
        }));
        seeds.push(with(&|c| {
            c.remove("nonce");
        }));
        seeds.push(with(&|c| {
            c.insert("iss".into(), json!("https://evil.example"));
        }));
        seeds.push(hmac_jws(
            hs,
            &json!({"alg": "HS256", "crit": ["exp"], "exp": 1}),
            payload.as_bytes(),
        ));
        seeds.push(hmac_jws(hs, &json!({"alg": "none"}), payload.as_bytes()));
        seeds.push(hmac_jws(
            hs,
            &json!({"alg": "RS256", "kid": "r1"}),
            payload.as_bytes(),
        ));
        seeds.push(hmac_jws(hs, &json!({"alg": "HS256"}), b"[1,2,3]"));
        seeds.push(format!(
            "{}.{}.",
            b64(r#"{"alg":"none"}"#),
            b64(payload.as_bytes())
        ));
        both_forms(seeds.into_iter().map(String::into_bytes).collect())
    }

    /// Nested JWTs (a signed ID token encrypted to the relying party) with every
    /// key management algorithm `decrypt` accepts, and some it refuses.
    pub fn jwe() -> Vec<Vec<u8>> {
        use josekit::jwe::{self, JweEncrypter, JweHeader};
        let inner = hmac_jws(
            SigningAlg::HS256,
            &json!({"alg": "HS256", "typ": "JWT"}),
            Value::Object(claims()).to_string().as_bytes(),
        );
        let public = |json: &str| {
            Jwk::from_bytes(json.as_bytes())
                .and_then(|k| {
                    let mut public = k.to_public_key()?;
                    public.set_key_id(k.key_id().unwrap_or_default());
                    Ok(public)
                })
                .expect("a fixture key")
        };
        let (rsa, ec) = (public(RSA_KEY), public(EC_KEY));
        // OpenID Connect Core 10.2: the left-most bits of SHA-256 of the secret.
        let secret_key = |bytes: usize| {
            use sha2::Digest as _;
            sha2::Sha256::digest(CLIENT_SECRET.as_bytes())[..bytes].to_vec()
        };
        let encrypter = |alg: &str| -> Box<dyn JweEncrypter> {
            match alg {
                "RSA-OAEP" => Box::new(jwe::RSA_OAEP.encrypter_from_jwk(&rsa).unwrap()),
                "RSA-OAEP-256" => Box::new(jwe::RSA_OAEP_256.encrypter_from_jwk(&rsa).unwrap()),
                "ECDH-ES" => Box::new(jwe::ECDH_ES.encrypter_from_jwk(&ec).unwrap()),
                "ECDH-ES+A128KW" => Box::new(jwe::ECDH_ES_A128KW.encrypter_from_jwk(&ec).unwrap()),
                "ECDH-ES+A192KW" => Box::new(jwe::ECDH_ES_A192KW.encrypter_from_jwk(&ec).unwrap()),
                "ECDH-ES+A256KW" => Box::new(jwe::ECDH_ES_A256KW.encrypter_from_jwk(&ec).unwrap()),
                "A128KW" => Box::new(jwe::A128KW.encrypter_from_bytes(secret_key(16)).unwrap()),
                "A192KW" => Box::new(jwe::A192KW.encrypter_from_bytes(secret_key(24)).unwrap()),
                "A256KW" => Box::new(jwe::A256KW.encrypter_from_bytes(secret_key(32)).unwrap()),
                "dir" => Box::new(jwe::Dir.encrypter_from_bytes(secret_key(32)).unwrap()),
                #[allow(deprecated)] // Only to check that it is refused.
                "RSA1_5" => Box::new(jwe::RSA1_5.encrypter_from_jwk(&rsa).unwrap()),
                other => unreachable!("{other}"),
            }
        };
        let mut seeds = Vec::new();
        for (alg, enc, kid) in [
            ("RSA-OAEP", "A128CBC-HS256", Some("fuzz-rsa")),
            ("RSA-OAEP-256", "A256GCM", Some("fuzz-rsa")),
            ("RSA-OAEP-256", "A128GCM", None),
            ("ECDH-ES", "A128GCM", Some("fuzz-ec")),
            ("ECDH-ES", "A256CBC-HS512", None),
            ("ECDH-ES+A128KW", "A128CBC-HS256", Some("fuzz-ec")),
            ("ECDH-ES+A192KW", "A192GCM", Some("fuzz-ec")),
            ("ECDH-ES+A256KW", "A256GCM", Some("fuzz-ec")),
            ("A128KW", "A128CBC-HS256", None),
            ("A192KW", "A192CBC-HS384", None),
            ("A256KW", "A256GCM", None),
            // Refused: RSA1_5 is never accepted. `dir` (last) decrypts with the key
            // derived from the client secret, as these algorithms allow it.
            ("RSA1_5", "A128CBC-HS256", Some("fuzz-rsa")),
            ("dir", "A256GCM", None),
        ] {
            let mut header = JweHeader::new();
            header.set_content_encryption(enc);
            header.set_content_type("JWT");
            if let Some(kid) = kid {
                header.set_key_id(kid);
            }
            let compact =
                jwe::serialize_compact(inner.as_bytes(), &header, encrypter(alg).as_ref())
                    .expect("encrypting a seed");
            seeds.push(compact.into_bytes());
        }
        both_forms(seeds)
    }

    /// Mobile ID's documented error bodies, redirects and challenges, and
    /// NUL-separated code and description pairs.
    pub fn error_decoding() -> Vec<Vec<u8>> {
        let seeds = [
            r#"{"errorCode":"unauthorized_client","description":"mid_sec_2010_A9W1GLUM - Unauthorized scopes used in request"}"#,
            r#"{"errorCode":"invalid_request","description":"mid_req_1010_QD5BEXAJ - Invalid acr_values parameter, expected one single value"}"#,
            r#"{"errorCode":"access_denied","description":"mid_auth_3010_B2C4D6E8 - Authentication rejected by resource owner or authorization server","error_uri":"https://mobileid.ch/errors"}"#,
            r#"{"error":"invalid_grant","error_description":"grant request is invalid"}"#,
            r#"{"error":"server_error","error_description":"mid_sys_4010_ZZZZ9999 - Internal server error"}"#,
            "error=access_denied&error_description=mid_auth_3010_QD5BEXAJ+-+Authentication+rejected+by+resource+owner+or+authorization+server&state=af0ifjsldkj&iss=https%3A%2F%2Fopenid.mobileid.ch",
            "?error=invalid_request&error_description=mid_req_1070_A1B2C3D4%20-%20Invalid%20MSISDN%20value%20in%20login_hint&error_uri=https%3A%2F%2Fexample.com",
            r#"Bearer realm="userinfo", error="invalid_token", error_description="The access token expired""#,
            r#"Bearer error="insufficient_scope", error_description="mid_sec_2010_A9W1GLUM - Unauthorized scopes used in request", scope="openid phone""#,
            "invalid_request\0mid_req_1130_XYZ12345 - Invalid request, missing query string",
            "access_denied\0Authentication rejected",
        ];
        seeds.iter().map(|s| s.as_bytes().to_vec()).collect()
    }

    /// Claims sent as numbers and as strings.
    pub fn lenient() -> Vec<Vec<u8>> {
        let seeds = [
            r#"{"number":"1.0","unsigned":"300","signed":"-5","flag":"true","expires_in":"3600"}"#,
            r#"{"number":0.7,"unsigned":300,"signed":-5,"flag":false,"expires_in":3600}"#,
            r#"{"number":" 1e3 ","expires_in":" 60 "}"#,
            r#"{"number":"NaN","flag":"yes","expires_in":1}"#,
        ];
        seeds.iter().map(|s| s.as_bytes().to_vec()).collect()
    }
}
