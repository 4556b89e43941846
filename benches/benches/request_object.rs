//! Request objects (RFC 9101): what the relying party pays to sign, and encrypt, the
//! authorization request it sends. Two providers' shapes:
//!
//! - `request_object_imid`: signed RS512 with the relying party's 4096-bit RSA key,
//!   as imID requires (specs/imid.yaml). imID's request object is only ever built
//!   inside `Client::initiate`, which sends it to imID in the same call, so no public
//!   API builds it without an HTTP round trip; `idspec` is therefore the runtime's
//!   public `SigningKey::sign`, with the key loaded from a PEM the way an imID
//!   relying party loads it and the claims `initiate` assembles (the backchannel
//!   members, the spec's fixed `version`, `client_id`, `iss`, `aud`, `iat`, `nbf`,
//!   `exp`, `jti`). `josekit` signs the same claims with a signer built once;
//!   `limit-openssl` is OpenSSL's RSA-4096 PKCS#1 v1.5 SHA-512 signature over a
//!   signing input of the same size with a key parsed once, which bounds both: an
//!   RSA-4096 private-key operation takes milliseconds, everything else
//!   microseconds.
//! - `request_object_itsme`: signed RS256 (RSA 2048), then encrypted to itsme's
//!   published key with RSA-OAEP and A128CBC-HS256 (what the runtime picks from
//!   specs/itsme.yaml for a key that pins no algorithm). `idspec` is the whole public
//!   call, `Client::start` with `.request_object()`, once the provider's JWKS is
//!   cached: it also draws the state, nonce and PKCE verifier, stores the pending
//!   flow and builds the URL, all of it local (itsme has no PAR). `josekit` signs and
//!   encrypts the very claims `start` put in its request object, with a signer and
//!   an encrypter built once. The RSA-2048 signature bounds both.
//!
//! Claims are assembled once, outside timing, for `josekit` and the imID `idspec`:
//! a map of a dozen short strings, microseconds beside the signature.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use criterion::{criterion_group, criterion_main, Criterion, SamplingMode};
use idspec::itsme::{Acr, AuthorizationRequest, Claim, ClaimsRequest, Client, Scope, UiLocale};
use idspec_runtime::jose::{RelyingPartyKeys, SigningAlg, SigningKey};
use idspec_runtime::{ClaimRequest, ClientAuthMethod, Endpoints};
use josekit::jwe::{self, JweEncrypter, JweHeader};
use josekit::jwk::KeyPair as _;
use josekit::jws::{self, JwsHeader, JwsSigner, JwsVerifier};
use josekit::jwt::{self, JwtPayload};
use openssl::hash::MessageDigest;
use openssl::pkey::{PKey, Private, Public};
use openssl::sign::{Signer, Verifier};
use serde_json::{Map, Value};
use std::hint::black_box;
use url::Url;

#[path = "jose/common.rs"]
mod common;

use common::{http, jwks_json, runtime, serve_json, RsaKeys};

/// The `typ` of a request object (RFC 9101 10.8).
const TYP: &str = "oauth-authz-req+jwt";

// imID
const IMID_KID: &str = "imid-rp-2025";
const IMID_CLIENT_ID: &str = "imid-client-8f2c";
/// The audience imID assigns the relying party.
const IMID_AUDIENCE: &str = "https://yesem.am:8643/idp/yesem/oidc/mc";
const IMID_NOTIFICATION_URI: &str = "https://rp.example.am/imid/notify";

// itsme
const ITSME_ISSUER: &str = "https://idp.prd.itsme.services/v2";
const ITSME_CLIENT_ID: &str = "WXw9DMqkEv";
const ITSME_ENC_KID: &str = "itsme-enc";
const RP_SIG_KID: &str = "rp-sig-2025";
/// What the runtime chooses from itsme's spec for a key without `alg`: the spec's
/// first key management algorithm and first content encryption.
const ITSME_ALG: &str = "RSA-OAEP";
const ITSME_ENC: &str = "A128CBC-HS256";

/// The claims `Client::initiate` and `request_object::build` put in imID's request
/// object, in that order, with fresh random values where the runtime draws them.
fn imid_claims() -> Map<String, Value> {
    let profile = &idspec::imid::PROFILE;
    let backchannel = profile.backchannel.expect("imID is a backchannel provider");
    let request_object = profile.request_object.expect("imID signs requests");
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("a clock after 1970")
        .as_secs();
    let random = idspec_runtime::random::uuid_v4;
    let mut claims = Map::new();
    let mut put = |name: &str, value: Value| {
        claims.insert(name.to_owned(), value);
    };
    put("response_type", backchannel.response_type.into());
    put("scope", "openid".into());
    put("nonce", idspec_runtime::random::token().into());
    put(backchannel.bearer, random().into());
    put(backchannel.uri, IMID_NOTIFICATION_URI.into());
    if let Some(correlation_id) = backchannel.correlation_id {
        put(correlation_id, random().into());
    }
    // The request's own parameters, with the spec's defaults.
    put("login_hint", "+37455249760".into());
    put("acr_values", "4".into());
    put("binding_message", "Authorize imID Access".into());
    put("context", "Do you want to authenticate using imID?".into());
    for (name, value) in request_object.fixed {
        put(name, (*value).into());
    }
    put("client_id", IMID_CLIENT_ID.into());
    put("iss", IMID_CLIENT_ID.into());
    put("aud", IMID_AUDIENCE.into());
    put("iat", now.into());
    put("nbf", now.into());
    put("exp", (now + 300).into());
    put("jti", idspec_runtime::random::token().into());
    claims
}

struct Imid {
    claims: Map<String, Value>,
    key: SigningKey,
    signer: Box<dyn JwsSigner>,
    header: JwsHeader,
    payload: JwtPayload,
    verifier: Box<dyn JwsVerifier>,
    limit_key: PKey<Private>,
    limit_public: PKey<Public>,
    limit_input: Vec<u8>,
}

fn imid() -> Imid {
    let keys = RsaKeys::generate(4096, IMID_KID, "sig");
    let profile = idspec::imid::PROFILE
        .request_object
        .expect("imID signs requests");
    assert_eq!(profile.signing, [SigningAlg::RS512]);
    // As an imID relying party configures it: the PEM it generated with openssl,
    // retargeted to RS512 the way the runtime's request object signing does.
    let key = RelyingPartyKeys::new()
        .with_signing_pem(SigningAlg::RS512, &keys.pair.to_pem_private_key(), IMID_KID)
        .expect("the PEM loads")
        .signing_key()
        .and_then(|key| key.retargeted(SigningAlg::RS512))
        .expect("an RS512 key");
    let claims = imid_claims();
    let mut header = JwsHeader::new();
    header.set_key_id(IMID_KID);
    header.set_token_type(TYP);
    let signer = jws::RS512
        .signer_from_jwk(&keys.private)
        .expect("RS512 signer");
    let verifier = jws::RS512
        .verifier_from_jwk(&keys.public)
        .expect("RS512 verifier");
    // The limit signs what idspec signs: the same number of bytes.
    let object = key.sign(&claims, Some(TYP)).expect("idspec signs");
    let (input, _) = object.rsplit_once('.').expect("a compact JWS");
    Imid {
        payload: JwtPayload::from_map(claims.clone()).expect("claims"),
        claims,
        key,
        signer: Box::new(signer),
        header,
        verifier: Box::new(verifier),
        limit_public: keys.openssl_public(),
        limit_key: PKey::private_key_from_der(&keys.pair.to_der_private_key())
            .expect("an RSA private key"),
        limit_input: input.as_bytes().to_vec(),
    }
}

fn imid_josekit(fx: &Imid) -> String {
    jwt::encode_with_signer(&fx.payload, &fx.header, fx.signer.as_ref()).expect("josekit signs")
}

fn imid_limit(fx: &Imid) -> Vec<u8> {
    let mut signer = Signer::new(MessageDigest::sha512(), &fx.limit_key).expect("a signer");
    signer
        .sign_oneshot_to_vec(&fx.limit_input)
        .expect("OpenSSL signs")
}

/// Outside timing: each contender's output is a valid RS512 signature, and the two
/// JWTs carry the same claims under the header imID expects.
fn check_imid(fx: &Imid) {
    for (who, object) in [
        (
            "idspec",
            fx.key.sign(&fx.claims, Some(TYP)).expect("idspec signs"),
        ),
        ("josekit", imid_josekit(fx)),
    ] {
        let (payload, header) = jwt::decode_with_verifier(&object, fx.verifier.as_ref())
            .unwrap_or_else(|e| panic!("{who}'s request object does not verify: {e}"));
        assert_eq!(payload.claims_set(), &fx.claims, "{who}");
        assert_eq!(header.algorithm(), Some("RS512"), "{who}");
        assert_eq!(header.key_id(), Some(IMID_KID), "{who}");
        assert_eq!(header.token_type(), Some(TYP), "{who}");
    }
    let mut verifier =
        Verifier::new(MessageDigest::sha512(), &fx.limit_public).expect("a verifier");
    assert!(verifier
        .verify_oneshot(&imid_limit(fx), &fx.limit_input)
        .expect("verifies"));
}

struct Itsme {
    client: Client,
    signer: Box<dyn JwsSigner>,
    jws_header: JwsHeader,
    payload: JwtPayload,
    encrypter: Box<dyn JweEncrypter>,
    jwe_header: JweHeader,
}

/// A typical itsme login, as the client's documentation writes it.
fn itsme_request() -> AuthorizationRequest {
    AuthorizationRequest::new("DEMO")
        .scopes([
            Scope::Profile,
            Scope::Eid,
            Scope::Phone,
            Scope::Email,
            Scope::Address,
        ])
        .acr_values([Acr::Advanced])
        .ui_locales([UiLocale::Nl, UiLocale::Fr])
        .claims(
            ClaimsRequest::new()
                .id_token(Claim::Name, ClaimRequest::Essential)
                .id_token_claims([Claim::Gender, Claim::BeNationalNumber, Claim::PlaceOfBirth])
                .userinfo(Claim::PhysicalPersonPhoto, ClaimRequest::Voluntary)
                .userinfo_claims([Claim::ValidityTo, Claim::IdDocumentSn]),
        )
        .request_object()
}

/// Opens a request object sent to itsme: decrypted with itsme's key, verified with
/// the relying party's; returns the JWE header and the claims.
fn open_itsme(op: &RsaKeys, rp: &RsaKeys, object: &str) -> (JweHeader, Map<String, Value>) {
    let decrypter = jwe::RSA_OAEP
        .decrypter_from_jwk(&op.private)
        .expect("RSA-OAEP decrypter");
    let (signed, header) = jwe::deserialize_compact(object, &decrypter).expect("decrypts");
    let verifier = jws::RS256
        .verifier_from_jwk(&rp.public)
        .expect("RS256 verifier");
    let (payload, jws_header) = jwt::decode_with_verifier(&signed, &verifier).expect("verifies");
    assert_eq!(jws_header.token_type(), Some(TYP));
    (header, payload.claims_set().clone())
}

fn itsme(rt: &tokio::runtime::Runtime) -> Itsme {
    // itsme's JWKS: a signing key and the encryption key request objects go to.
    let op_sig = RsaKeys::generate(2048, "itsme-sig", "sig");
    let op_enc = RsaKeys::generate(2048, ITSME_ENC_KID, "enc");
    let jwks_uri = serve_json(jwks_json(&[&op_sig.public, &op_enc.public]));
    let rp = RsaKeys::generate(2048, RP_SIG_KID, "sig");
    let keys = RelyingPartyKeys::new().with_signing_key(
        SigningKey::from_private_jwk(SigningAlg::RS256, rp.private.clone()).expect("a key"),
    );
    let https = |path: &str| Url::parse(&format!("{ITSME_ISSUER}{path}")).ok();
    let endpoints = Endpoints {
        issuer: Some(ITSME_ISSUER.to_owned()),
        authorization: https("/authorization"),
        token: https("/token"),
        userinfo: https("/userinfo"),
        jwks: Some(jwks_uri),
        ..Endpoints::default()
    };
    let client = Client::builder(endpoints)
        .client_id(ITSME_CLIENT_ID)
        .client_auth(ClientAuthMethod::PrivateKeyJwt)
        .keys(keys)
        .redirect_uri("https://rp.example.be/itsme/callback")
        .http_client(http())
        .build()
        .expect("an itsme client");

    // The first start fetches itsme's JWKS; every later one finds it cached.
    let start = rt.block_on(client.start(itsme_request())).expect("start");
    let object = start
        .url
        .query_pairs()
        .find(|(name, _)| name == "request")
        .map(|(_, value)| value.into_owned())
        .expect("a request object in the URL");
    let (header, claims) = open_itsme(&op_enc, &rp, &object);
    assert_eq!(header.algorithm(), Some(ITSME_ALG));
    assert_eq!(header.content_encryption(), Some(ITSME_ENC));
    assert_eq!(claims["aud"], ITSME_ISSUER);
    assert!(claims.contains_key("claims") && claims.contains_key("code_challenge"));

    let mut jws_header = JwsHeader::new();
    jws_header.set_key_id(RP_SIG_KID);
    jws_header.set_token_type(TYP);
    let mut jwe_header = JweHeader::new();
    jwe_header.set_content_encryption(ITSME_ENC);
    jwe_header.set_content_type("JWT");
    jwe_header.set_key_id(ITSME_ENC_KID);
    let fx = Itsme {
        client,
        signer: Box::new(
            jws::RS256
                .signer_from_jwk(&rp.private)
                .expect("RS256 signer"),
        ),
        jws_header,
        payload: JwtPayload::from_map(claims.clone()).expect("claims"),
        encrypter: Box::new(
            jwe::RSA_OAEP
                .encrypter_from_jwk(&op_enc.public)
                .expect("RSA-OAEP encrypter"),
        ),
        jwe_header,
    };
    // josekit's object is one itsme would accept, with the same claims.
    let (header, josekit_claims) = open_itsme(&op_enc, &rp, &itsme_josekit(&fx));
    assert_eq!(header.algorithm(), Some(ITSME_ALG));
    assert_eq!(josekit_claims, claims);
    fx
}

fn itsme_josekit(fx: &Itsme) -> String {
    let signed = jwt::encode_with_signer(&fx.payload, &fx.jws_header, fx.signer.as_ref())
        .expect("josekit signs");
    jwe::serialize_compact(signed.as_bytes(), &fx.jwe_header, fx.encrypter.as_ref())
        .expect("josekit encrypts")
}

fn request_object(c: &mut Criterion) {
    let fx = imid();
    check_imid(&fx);
    let mut group = c.benchmark_group("request_object_imid");
    // Milliseconds per iteration: one iteration per sample is enough resolution.
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(20);
    group.measurement_time(Duration::from_secs(6));
    group.bench_function(idspec_bench::IDSPEC, |b| {
        b.iter(|| black_box(fx.key.sign(black_box(&fx.claims), Some(TYP))))
    });
    group.bench_function("josekit", |b| {
        b.iter(|| black_box(imid_josekit(black_box(&fx))))
    });
    group.bench_function("limit-openssl", |b| {
        b.iter(|| black_box(imid_limit(black_box(&fx))))
    });
    group.finish();

    let rt = runtime();
    let fx = itsme(&rt);
    let mut group = c.benchmark_group("request_object_itsme");
    group.bench_function(idspec_bench::IDSPEC, |b| {
        b.to_async(&rt)
            .iter(|| async { black_box(fx.client.start(black_box(itsme_request())).await) })
    });
    group.bench_function("josekit", |b| {
        b.iter(|| black_box(itsme_josekit(black_box(&fx))))
    });
    group.finish();
}

criterion_group! {
    name = benches;
    // The imID group sets its own sampling (RSA-4096 signatures are slow); the
    // itsme group's functions take about a millisecond, and 4 s gives thousands.
    config = Criterion::default()
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .sample_size(40);
    targets = request_object
}
criterion_main!(benches);
