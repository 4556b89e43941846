//! What every JOSE bench needs: RSA keys in the form each contender takes them (a
//! JWK for idspec and josekit, a parsed OpenSSL key for the limit), a
//! current-thread tokio runtime, and a JWKS served over loopback HTTP the way a
//! provider serves it, so that idspec's `JwksCache` is filled by its real fetch.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};

use idspec_runtime::HttpClient;
use josekit::jwk::alg::rsa::RsaKeyPair;
use josekit::jwk::{Jwk, KeyPair as _};
use openssl::pkey::{PKey, Public};
use url::Url;

/// A single-threaded runtime: each bench measures the latency of one call, and a
/// current-thread scheduler adds the least to it.
pub fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .expect("a tokio runtime")
}

/// An HTTP client that may fetch from the loopback JWKS server (plain http is only
/// ever allowed there).
pub fn http() -> HttpClient {
    HttpClient::builder()
        .allow_loopback_http(true)
        .build()
        .expect("an HTTP client")
}

/// An RSA key pair with a `kid` and a `use`.
pub struct RsaKeys {
    /// The private JWK (what idspec's `RelyingPartyKeys` and josekit take).
    pub private: Jwk,
    /// The public JWK, as published in a JWKS.
    pub public: Jwk,
    /// The pair, for the other forms a contender may take it in (PEM, DER).
    pub pair: RsaKeyPair,
}

impl RsaKeys {
    /// A fresh key of `bits` bits.
    pub fn generate(bits: u32, kid: &str, key_use: &str) -> Self {
        let pair = RsaKeyPair::generate(bits).expect("an RSA key");
        let mut private = pair.to_jwk_private_key();
        let mut public = pair.to_jwk_public_key();
        for jwk in [&mut private, &mut public] {
            jwk.set_key_id(kid);
            jwk.set_key_use(key_use);
        }
        Self {
            private,
            public,
            pair,
        }
    }

    /// The public key parsed by OpenSSL once, for the limit.
    pub fn openssl_public(&self) -> PKey<Public> {
        PKey::public_key_from_der(&self.pair.to_der_public_key()).expect("a DER public key")
    }
}

/// A JWK set document publishing `keys`.
pub fn jwks_json(keys: &[&Jwk]) -> String {
    let keys: Vec<serde_json::Value> = keys
        .iter()
        .map(|jwk| serde_json::Value::Object(jwk.as_ref().clone()))
        .collect();
    serde_json::json!({ "keys": keys }).to_string()
}

/// Serves `body` as JSON to every request on a loopback port, from a thread that
/// lives as long as the bench, and returns its URL. Only fixtures fetch from it
/// (filling a cache before anything is timed), so a blocking one-connection-at-a-
/// time server is all it needs to be.
pub fn serve_json(body: String) -> Url {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let address = listener.local_addr().expect("its address");
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            answer(stream, &body);
        }
    });
    Url::parse(&format!("http://{address}/jwks")).expect("a URL")
}

fn answer(mut stream: TcpStream, body: &str) {
    // Read the request head (these GETs have no body), then answer and close.
    let mut head = Vec::new();
    let mut buf = [0u8; 1024];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buf) {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buf[..n]),
        }
    }
    let response = format!(
        "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
        body.len()
    );
    let _ = stream.write_all(response.as_bytes());
}
