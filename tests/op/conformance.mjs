#!/usr/bin/env node
// A generic, certified OpenID Provider with fault injection, for idspec's
// conformance suite (tests/conformance.rs).
//
// The provider is node-oidc-provider with every feature a relying party can
// be certified against switched on: discovery, PAR, request objects (signed,
// and signed-then-encrypted, by value and through PAR), the claims
// parameter, signed and encrypted userinfo, ID token and userinfo
// encryption (RSA-OAEP, A128KW, and dir with a key derived from the client
// secret), revocation, and all four client authentication methods at the
// token and revocation endpoints. Its JWKS holds several signing keys (two RSA, one
// P-256) and one encryption key.
//
// A certified provider never misbehaves on its own, so misbehaviour is
// injected around it, keyed on the client: every test has its own client
// (client_id = the test's name, e.g. `rp-id_token-aud`), and the faults
// below apply to that client only. An ID token fault decodes the token the
// provider issued, changes the one thing under test and signs it again with
// the provider's real private key (or breaks the signature, or signs with
// `none`, ...), so that the defect under test is the only thing wrong.
//
//   * CLIENTS:  per-client metadata and faults (ID token, userinfo, the
//               authorization response, the token endpoint's transport).
//               The `itsme-*` clients are registered as itsme registers its
//               partners (tests/itsme_interop.rs): PKCE required, the
//               `service:<code>` scope, itsme's claims (URI-named ones
//               included) for an itsme user, and every response signed then
//               encrypted; no faults, only registrations that leave one
//               layer of protection out.
//   * /faulty/<name>/...: "faulty issuers": discovery documents and JWKS with
//               one defect each (another issuer, a single key, keys of the
//               wrong type or use, endpoints on another host, HTML, a JWKS
//               over 1 MiB). Use them as the issuer, or with
//               `Endpoints { issuer: real, discovery: faulty URL }`.
//   * /control/...: POST /control/rotate?client=<id> adds a new signing key
//               to the published JWKS and signs that client's ID tokens with
//               it from then on; GET /control/observed/<id> tells what the
//               provider saw of that client (client authentication method
//               at the token and revocation endpoints, the revocation's
//               token_type_hint, access token placement at userinfo,
//               request objects);
//               /control/redirect-target counts requests that followed a
//               redirect the provider should never have seen followed.
//
// Contract with the test harness (tests/support/conformance.rs):
//   node tests/op/conformance.mjs
//     needs IDSPEC_RP_JWKS: the relying party's public JWK set (JSON), for
//     private_key_jwt, request object signatures and encryption to the RP.
//     Listens on 127.0.0.1 (ephemeral port), prints exactly one line when
//     ready: {"ready":true,"issuer":"http://127.0.0.1:PORT"}, and exits when
//     stdin closes or on SIGTERM/SIGINT. Everything else goes to stderr.
//   node tests/op/conformance.mjs --rp-keys
//     prints a fresh private JWK set for the relying party (an RS256 signing
//     key and an RSA-OAEP decryption key) and exits; it loads nothing from
//     node_modules.
//
// Nothing here talks to the network except the loopback listener (and
// requests from itself to itself for the faulty discovery documents).

import {
  createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes,
} from 'node:crypto';
import { createServer } from 'node:http';
import { basicAuthClientId, exitWithParent, formParams, logProviderErrors } from './common.mjs';

// stdout carries the ready line (or the RP keys) and nothing else.
const writeStdout = (line) => process.stdout.write(`${line}\n`);
console.log = console.error;
console.info = console.error;
console.debug = console.error;

// ---------------------------------------------------------------------------
// Keys
// ---------------------------------------------------------------------------

function privateJwk(type, options, extra) {
  const { privateKey } = generateKeyPairSync(type, options);
  return { ...privateKey.export({ format: 'jwk' }), ...extra };
}

const rsaJwk = (extra) => privateJwk('rsa', { modulusLength: 2048 }, extra);
const ecJwk = (extra) => privateJwk('ec', { namedCurve: 'P-256' }, extra);

function publicJwk(jwk) {
  const { d, p, q, dp, dq, qi, ...rest } = jwk;
  return rest;
}

if (process.argv.includes('--rp-keys')) {
  const suffix = randomBytes(4).toString('hex');
  writeStdout(JSON.stringify({
    keys: [
      rsaJwk({ kid: `rp-sig-${suffix}`, alg: 'RS256', use: 'sig' }),
      rsaJwk({ kid: `rp-enc-${suffix}`, alg: 'RSA-OAEP', use: 'enc' }),
    ],
  }));
  process.exit(0);
}

const { default: Provider } = await import('oidc-provider');
const jose = await import('jose');

const RP_JWKS = loadRpJwks();

function loadRpJwks() {
  const text = process.env.IDSPEC_RP_JWKS;
  if (!text) {
    console.error('IDSPEC_RP_JWKS is not set: start this server through tests/support/conformance.rs');
    process.exit(2);
  }
  const jwks = JSON.parse(text);
  if (!Array.isArray(jwks.keys) || jwks.keys.some((key) => key.d !== undefined)) {
    console.error('IDSPEC_RP_JWKS must be a public JWK set');
    process.exit(2);
  }
  return jwks;
}

// The provider's keys, fresh on every start. The first RSA key is the one
// node-oidc-provider signs RS256 ID tokens with; the second exists so that a
// token without `kid` cannot be matched to its key by type alone.
const OP_KEYS = {
  rs256: rsaJwk({ kid: 'op-rs256-primary', alg: 'RS256', use: 'sig' }),
  rs256Second: rsaJwk({ kid: 'op-rs256-second', alg: 'RS256', use: 'sig' }),
  es256: ecJwk({ kid: 'op-es256', alg: 'ES256', use: 'sig' }),
  enc: rsaJwk({ kid: 'op-rsa-oaep', alg: 'RSA-OAEP', use: 'enc' }),
};
const SIGNING_KEYS = [OP_KEYS.rs256, OP_KEYS.rs256Second, OP_KEYS.es256];

// Keys added by POST /control/rotate, published after the provider's own.
const rotatedKeys = [];
// client id -> the rotated key that signs its ID tokens from now on.
const rotatedSigner = new Map();

function keyByKid(kid) {
  return [...SIGNING_KEYS, ...rotatedKeys].find((key) => key.kid === kid);
}

// ---------------------------------------------------------------------------
// Clients and their faults
// ---------------------------------------------------------------------------

const REDIRECT_URI = 'https://rp.example.test/callback';
const secretFor = (clientId) => `${clientId}-secret-with-enough-entropy-0123456789`;
const ATTACKER_ISSUER = 'https://op.attacker.example';

// An ID token fault: `claims(payload, now)` and `header(header)` edit the
// decoded token; `sign` says how it is signed again:
//   'same'         the key that signed it (its kid), or the client secret for HS*
//   'corrupt'      as 'same', then one byte of the signature flipped
//   'none'         alg none, empty signature
//   'hmac-pubkey'  HS256 keyed with the PEM of the provider's RSA public key
//   'second-key'   the provider's other RSA key (without kid, see the header)
const withoutKid = (header) => { delete header.kid; };

const ENCRYPTION = { jwks: RP_JWKS };
const RP_SIGNED_REQUESTS = {
  jwks: RP_JWKS,
  require_signed_request_object: true,
  request_object_signing_alg: 'RS256',
};

// itsme (specs/itsme.yaml). Every itsme client requires PKCE and logs in as
// an itsme user (ITSME_CLAIMS); its registration allows the scopes itsme
// offers, `service:<code>` included.
const ITSME_SERVICE_SCOPE = 'service:INTEROP';
const ITSME = {
  pkceRequired: true,
  accountClaims: 'itsme',
};
const ITSME_SCOPES = `openid ${ITSME_SERVICE_SCOPE} profile email address phone eid`;
// The private key JWT variant: the RP's keys for the client assertion, the
// request object's signature and the responses' encryption; request objects
// signed RS256 then encrypted to the provider (required, see
// requestObjectEncrypted); ID tokens and userinfo signed RS256 then encrypted
// to the RP's RSA key, each with another of itsme's algorithm pairs.
const ITSME_PRIVATE_KEY_JWT = {
  scope: ITSME_SCOPES,
  jwks: RP_JWKS,
  token_endpoint_auth_method: 'private_key_jwt',
  token_endpoint_auth_signing_alg: 'RS256',
  require_signed_request_object: true,
  request_object_signing_alg: 'RS256',
  request_object_encryption_alg: 'RSA-OAEP',
  request_object_encryption_enc: 'A128CBC-HS256',
  id_token_signed_response_alg: 'RS256',
  id_token_encrypted_response_alg: 'RSA-OAEP-256',
  id_token_encrypted_response_enc: 'A256GCM',
  userinfo_signed_response_alg: 'RS256',
  userinfo_encrypted_response_alg: 'RSA-OAEP',
  userinfo_encrypted_response_enc: 'A128CBC-HS256',
};
// `metadata` without the named members.
function without(metadata, ...names) {
  const copy = { ...metadata };
  for (const name of names) delete copy[name];
  return copy;
}

const CLIENTS = {
  // --- OpenID Connect RP certification ------------------------------------
  'rp-response_type-code': {},
  'rp-scope-userinfo-claims': {},
  'rp-nonce-invalid': {
    idToken: { claims: (p) => { p.nonce = 'a-nonce-this-client-never-sent'; } },
  },
  'rp-token_endpoint-client_secret_basic': {},
  'rp-token_endpoint-client_secret_post': { metadata: { token_endpoint_auth_method: 'client_secret_post' } },
  'rp-token_endpoint-client_secret_jwt': {
    metadata: { token_endpoint_auth_method: 'client_secret_jwt', token_endpoint_auth_signing_alg: 'HS256' },
  },
  'rp-token_endpoint-private_key_jwt': {
    metadata: { token_endpoint_auth_method: 'private_key_jwt', token_endpoint_auth_signing_alg: 'RS256', jwks: RP_JWKS },
  },
  'rp-id_token-aud': { idToken: { claims: (p) => { p.aud = 'another-client-of-this-provider'; } } },
  'rp-id_token-bad-sig-rs256': { idToken: { sign: 'corrupt' } },
  'rp-id_token-bad-sig-es256': { metadata: { id_token_signed_response_alg: 'ES256' }, idToken: { sign: 'corrupt' } },
  'rp-id_token-bad-sig-hs256': { metadata: { id_token_signed_response_alg: 'HS256' }, idToken: { sign: 'corrupt' } },
  'rp-id_token-iat': { idToken: { claims: (p) => { delete p.iat; } } },
  'rp-id_token-issuer-mismatch': { idToken: { claims: (p) => { p.iss = ATTACKER_ISSUER; } } },
  'rp-id_token-kid-absent-multiple-jwks': { idToken: { header: withoutKid, sign: 'second-key' } },
  'rp-id_token-kid-absent-single-jwks': { idToken: { header: withoutKid } },
  'rp-id_token-sig-none': { idToken: { sign: 'none' } },
  'rp-id_token-sig-rs256': {},
  'rp-id_token-sig-es256': { metadata: { id_token_signed_response_alg: 'ES256' } },
  'rp-id_token-sig-hs256': { metadata: { id_token_signed_response_alg: 'HS256' } },
  'rp-id_token-sub': { idToken: { claims: (p) => { delete p.sub; } } },
  'rp-id_token-sig+enc': {
    metadata: { ...ENCRYPTION, id_token_encrypted_response_alg: 'RSA-OAEP', id_token_encrypted_response_enc: 'A128CBC-HS256' },
  },
  'rp-id_token-sig+enc-a128kw': {
    metadata: { id_token_encrypted_response_alg: 'A128KW', id_token_encrypted_response_enc: 'A128CBC-HS256' },
  },
  // itsme's client-secret variant: the ID token and the signed userinfo
  // encrypted directly (dir) with A256GCM, the content key derived from the
  // client secret (OpenID Connect Core 10.2).
  'rp-id_token-sig+enc-dir': {
    metadata: {
      token_endpoint_auth_method: 'client_secret_post',
      id_token_encrypted_response_alg: 'dir',
      id_token_encrypted_response_enc: 'A256GCM',
      userinfo_signed_response_alg: 'RS256',
      userinfo_encrypted_response_alg: 'dir',
      userinfo_encrypted_response_enc: 'A256GCM',
    },
  },
  'rp-userinfo-bad-sub-claim': { userinfo: { claims: (p) => { p.sub = 'somebody-else-248289761002'; } } },
  'rp-userinfo-bearer-header': {},
  'rp-userinfo-bearer-body': {},
  'rp-userinfo-sig': { metadata: { userinfo_signed_response_alg: 'RS256' } },
  'rp-userinfo-sig+enc': {
    metadata: {
      ...ENCRYPTION,
      userinfo_signed_response_alg: 'RS256',
      userinfo_encrypted_response_alg: 'RSA-OAEP',
      userinfo_encrypted_response_enc: 'A128CBC-HS256',
    },
  },
  'rp-discovery-openid-configuration': {},
  'rp-discovery-jwks_uri-keys': {},
  'rp-discovery-issuer-not-matching-config': {},
  'rp-key-rotation-op-sign-key': {},
  'rp-claims_request-id_token': {},
  'rp-claims_request-userinfo': {},
  // Request objects (RFC 9101) by value at the authorization endpoint, and
  // through PAR (RFC 9126), which the certification calls request_uri.
  'rp-request-sig': { metadata: RP_SIGNED_REQUESTS },
  'rp-request-sig+enc': { metadata: RP_SIGNED_REQUESTS, requestObjectEncrypted: true },
  'rp-request_uri-sig': { metadata: { ...RP_SIGNED_REQUESTS, require_pushed_authorization_requests: true } },
  'rp-request_uri-sig+enc': {
    metadata: { ...RP_SIGNED_REQUESTS, require_pushed_authorization_requests: true },
    requestObjectEncrypted: true,
  },

  // --- Beyond the certification ---------------------------------------------
  'state-mismatch': { authorizationResponse: { state: 'a-state-this-client-never-issued' } },
  'state-of-another-flow': {},
  'authorization-response-iss-mismatch': { authorizationResponse: { iss: ATTACKER_ISSUER } },
  'id_token-expired': { idToken: { claims: (p, now) => { p.exp = now - 120; } } },
  'id_token-expired-long-ago': { idToken: { claims: (p, now) => { p.iat = now - 7200; p.exp = now - 3600; } } },
  'id_token-not-yet-valid': { idToken: { claims: (p, now) => { p.nbf = now + 120; } } },
  'id_token-issued-far-in-the-future': {
    idToken: { claims: (p, now) => { p.iat = now + 3600; p.exp = now + 7200; } },
  },
  'id_token-hs256-keyed-with-rsa-public-key': { idToken: { sign: 'hmac-pubkey' } },
  'jwks-key-of-the-wrong-type': {},
  'jwks-key-of-the-wrong-use': {},
  'jwks-oversized': {},
  'token-response-oversized': { token: 'oversized' },
  'token-response-truncated': { token: 'truncated-json' },
  'token-transfer-truncated': { token: 'truncated-transfer' },
  'token-response-html': { token: 'html' },
  'token-endpoint-never-answers': { token: 'hang' },
  'token-endpoint-redirects': { token: 'redirect' },
  'discovery-endpoints-on-another-host': {},
  'discovery-not-json': {},
  'authorization-code-replayed': {},
  // Token revocation (RFC 7009), authenticated as at the token endpoint.
  'revocation-access-token': {},
  'revocation-refresh-token': {
    metadata: { token_endpoint_auth_method: 'client_secret_jwt', token_endpoint_auth_signing_alg: 'HS256' },
  },
  'revocation-unsupported-token-type': {},

  // --- itsme, both variants (tests/itsme_interop.rs) -------------------------
  'itsme-private_key_jwt': { ...ITSME, metadata: ITSME_PRIVATE_KEY_JWT, requestObjectEncrypted: true },
  // The client secret variant: client_secret_post, no request object, the ID
  // token and the signed userinfo encrypted with dir + A256GCM, the key
  // derived from the client secret (OpenID Connect Core 10.2).
  'itsme-client_secret': {
    ...ITSME,
    metadata: {
      scope: ITSME_SCOPES,
      token_endpoint_auth_method: 'client_secret_post',
      id_token_signed_response_alg: 'RS256',
      id_token_encrypted_response_alg: 'dir',
      id_token_encrypted_response_enc: 'A256GCM',
      userinfo_signed_response_alg: 'RS256',
      userinfo_encrypted_response_alg: 'dir',
      userinfo_encrypted_response_enc: 'A256GCM',
    },
  },
  // The private key variant with one layer left out of the registration, so
  // that the provider itself sends what itsme never does: the ID token signed
  // but not encrypted; userinfo as plain JSON; userinfo signed, not encrypted.
  'itsme-id_token-not-encrypted': {
    ...ITSME,
    metadata: without(ITSME_PRIVATE_KEY_JWT, 'id_token_encrypted_response_alg', 'id_token_encrypted_response_enc'),
    requestObjectEncrypted: true,
  },
  'itsme-userinfo-plain-json': {
    ...ITSME,
    metadata: without(ITSME_PRIVATE_KEY_JWT, 'userinfo_signed_response_alg',
      'userinfo_encrypted_response_alg', 'userinfo_encrypted_response_enc'),
    requestObjectEncrypted: true,
  },
  'itsme-userinfo-signed-only': {
    ...ITSME,
    metadata: without(ITSME_PRIVATE_KEY_JWT, 'userinfo_encrypted_response_alg', 'userinfo_encrypted_response_enc'),
    requestObjectEncrypted: true,
  },
};

const CLIENT_METADATA = Object.entries(CLIENTS).map(([clientId, { metadata }]) => ({
  client_id: clientId,
  client_secret: secretFor(clientId),
  redirect_uris: [REDIRECT_URI],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  token_endpoint_auth_method: 'client_secret_basic',
  id_token_signed_response_alg: 'RS256',
  ...metadata,
}));

// ---------------------------------------------------------------------------
// What the provider saw, per client (GET /control/observed/<client>)
// ---------------------------------------------------------------------------

const observations = new Map();

function observed(clientId) {
  if (!observations.has(clientId)) {
    observations.set(clientId, {
      token_endpoint_auth: [],
      revocation: [],
      userinfo_token: [],
      request_objects: [],
      redirect_target_hits: 0,
    });
  }
  return observations.get(clientId);
}

// ---------------------------------------------------------------------------
// Helpers
// ---------------------------------------------------------------------------

const b64url = (value) => Buffer.from(value).toString('base64url');
const b64json = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
const nowSeconds = () => Math.floor(Date.now() / 1000);

const first = (value) => (Array.isArray(value) ? value[0] : value);

// Which client a back-channel request comes from, and how it authenticated.
function clientAuthentication(ctx, form) {
  const basic = basicAuthClientId(ctx.get('authorization'));
  if (basic !== undefined) return { clientId: basic, method: 'client_secret_basic' };
  const assertion = first(form?.client_assertion);
  if (assertion) {
    let header = {};
    let payload = {};
    try {
      const [h, p] = assertion.split('.');
      header = b64json(h);
      payload = b64json(p);
    } catch { /* the provider will reject it */ }
    const method = String(header.alg ?? '').startsWith('HS') ? 'client_secret_jwt' : 'private_key_jwt';
    return { clientId: first(form.client_id) ?? payload.iss, method, alg: header.alg };
  }
  if (form?.client_secret !== undefined) return { clientId: first(form.client_id), method: 'client_secret_post' };
  return { clientId: first(form?.client_id), method: 'none' };
}

// ---------------------------------------------------------------------------
// ID token faults
// ---------------------------------------------------------------------------

async function signCompact(header, payload, key) {
  return new jose.CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader(header)
    .sign(key);
}

function flipSignatureByte(jws) {
  const [header, payload, signature] = jws.split('.');
  const bytes = Buffer.from(signature, 'base64url');
  bytes[Math.floor(bytes.length / 2)] ^= 0x5a;
  return `${header}.${payload}.${bytes.toString('base64url')}`;
}

function privateKeyObject(jwk) {
  return createPrivateKey({ key: jwk, format: 'jwk' });
}

async function rewriteIdToken(idToken, clientId) {
  const fault = CLIENTS[clientId]?.idToken ?? {};
  const [encodedHeader, encodedPayload] = idToken.split('.');
  const original = b64json(encodedHeader);
  const header = { ...original };
  const payload = b64json(encodedPayload);
  fault.claims?.(payload, nowSeconds());
  fault.header?.(header);

  const rotated = rotatedSigner.get(clientId);
  if (rotated) header.kid = rotated.kid;

  const sign = fault.sign ?? 'same';
  if (sign === 'none') {
    return `${b64url(JSON.stringify({ alg: 'none', typ: 'JWT' }))}.${b64url(JSON.stringify(payload))}.`;
  }
  if (sign === 'hmac-pubkey') {
    // The classic algorithm confusion: a verifier that feeds "the key" to
    // whatever `alg` says would verify this with the RSA public key as the
    // HMAC secret. Everything about it is public.
    const signer = keyByKid(original.kid);
    const pem = createPublicKey({ key: publicJwk(signer), format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    return signCompact({ ...header, alg: 'HS256' }, payload, new TextEncoder().encode(pem));
  }

  let key;
  if (sign === 'second-key') {
    key = privateKeyObject(OP_KEYS.rs256Second);
  } else if (rotated) {
    key = privateKeyObject(rotated);
  } else if (original.alg.startsWith('HS')) {
    key = new TextEncoder().encode(secretFor(clientId));
  } else {
    key = privateKeyObject(keyByKid(original.kid));
  }
  const signed = await signCompact(header, payload, key);
  return sign === 'corrupt' ? flipSignatureByte(signed) : signed;
}

// ---------------------------------------------------------------------------
// Middleware: the token endpoint (transport faults, ID token faults, auth method)
// ---------------------------------------------------------------------------

const ROUTES = {
  authorization: '/authorize',
  pushed_authorization_request: '/par',
  token: '/token',
  userinfo: '/userinfo',
  jwks: '/jwks',
  revocation: '/revoke',
};

const ONE_MIB = 1024 * 1024;

let issuer; // set once listening

async function tokenEndpoint(ctx, next) {
  if (ctx.method !== 'POST' || ctx.path !== ROUTES.token) return next();
  const form = await formParams(ctx);
  const auth = clientAuthentication(ctx, form);
  if (auth.clientId) {
    observed(auth.clientId).token_endpoint_auth.push(auth.alg ? `${auth.method} ${auth.alg}` : auth.method);
  }
  const transport = CLIENTS[auth.clientId]?.token;
  if (transport) return tokenTransportFault(ctx, transport, auth.clientId);

  await next();
  const clientId = ctx.oidc?.client?.clientId;
  const rewrite = CLIENTS[clientId]?.idToken || rotatedSigner.has(clientId);
  if (ctx.status === 200 && typeof ctx.body?.id_token === 'string' && rewrite) {
    ctx.body = { ...ctx.body, id_token: await rewriteIdToken(ctx.body.id_token, clientId) };
  }
  return undefined;
}

function tokenTransportFault(ctx, fault, clientId) {
  console.error(`conformance op: token endpoint fault ${fault} for ${clientId}`);
  switch (fault) {
    case 'oversized': {
      // Valid JSON, Content-Length declared: 2 MiB of padding in a member.
      ctx.status = 200;
      ctx.type = 'application/json';
      ctx.body = JSON.stringify({
        access_token: 'oversized', token_type: 'Bearer', padding: 'x'.repeat(2 * ONE_MIB),
      });
      return undefined;
    }
    case 'truncated-json': {
      // A complete HTTP response whose JSON stops half-way.
      ctx.status = 200;
      ctx.type = 'application/json';
      ctx.body = '{"access_token":"truncated","token_type":"Bea';
      return undefined;
    }
    case 'truncated-transfer': {
      // Content-Length promises more than is sent, then the connection drops.
      ctx.respond = false;
      const { res } = ctx;
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '400' });
      res.write('{"access_token":"truncated","token_type":"Bearer",');
      setTimeout(() => res.socket?.destroy(), 50);
      return undefined;
    }
    case 'html': {
      // What a captive portal or a misrouted proxy answers.
      ctx.status = 200;
      ctx.type = 'text/html';
      ctx.body = '<!doctype html><html><head><title>Maintenance</title></head>'
        + '<body><h1>We will be back soon</h1></body></html>';
      return undefined;
    }
    case 'hang': {
      // Never answer; the socket closes when the client gives up.
      ctx.respond = false;
      return undefined;
    }
    case 'redirect': {
      // To another host: a client that follows it would carry the code,
      // the verifier and its credentials there.
      const port = new URL(issuer).port;
      ctx.status = 302;
      ctx.set('Location', `http://localhost:${port}/control/redirect-target?client=${encodeURIComponent(clientId)}`);
      ctx.body = '';
      return undefined;
    }
    default:
      throw new Error(`unknown token fault ${fault}`);
  }
}

// ---------------------------------------------------------------------------
// Middleware: revocation (client authentication method, token_type_hint)
// ---------------------------------------------------------------------------

async function revocationEndpoint(ctx, next) {
  if (ctx.method !== 'POST' || ctx.path !== ROUTES.revocation) return next();
  const form = await formParams(ctx);
  const auth = clientAuthentication(ctx, form);
  if (auth.clientId) {
    const method = auth.alg ? `${auth.method} ${auth.alg}` : auth.method;
    observed(auth.clientId).revocation.push(`${method} ${first(form?.token_type_hint) ?? 'no-hint'}`);
  }
  return next();
}

// ---------------------------------------------------------------------------
// Middleware: userinfo (access token placement, claim faults)
// ---------------------------------------------------------------------------

async function userinfoEndpoint(ctx, next) {
  if (ctx.path !== ROUTES.userinfo) return next();
  const form = await formParams(ctx);
  let placement = 'none';
  if (/^bearer\s/i.test(ctx.get('authorization'))) placement = 'header';
  else if (form?.access_token !== undefined) placement = 'body';
  else if (ctx.query.access_token !== undefined) placement = 'query';

  await next();
  const clientId = ctx.oidc?.client?.clientId;
  if (!clientId) return undefined;
  observed(clientId).userinfo_token.push(`${ctx.method} ${placement}`);
  const fault = CLIENTS[clientId]?.userinfo;
  if (fault && ctx.status === 200 && ctx.body && typeof ctx.body === 'object' && !Buffer.isBuffer(ctx.body)) {
    const claims = { ...ctx.body };
    fault.claims(claims);
    ctx.body = claims;
  }
  return undefined;
}

// ---------------------------------------------------------------------------
// Middleware: authorization requests (request objects) and responses (iss, state)
// ---------------------------------------------------------------------------

async function describeRequestObject(request, endpoint) {
  const parts = request.split('.');
  const seen = { endpoint };
  try {
    if (parts.length === 5) {
      const header = b64json(parts[0]);
      seen.jwe = { alg: header.alg, enc: header.enc, kid: header.kid, cty: header.cty };
      const { plaintext } = await jose.compactDecrypt(request, privateKeyObject(OP_KEYS.enc));
      const inner = new TextDecoder().decode(plaintext);
      seen.jws = { alg: b64json(inner.split('.')[0]).alg, kid: b64json(inner.split('.')[0]).kid };
      seen.code_challenge_method = b64json(inner.split('.')[1]).code_challenge_method;
    } else {
      const header = b64json(parts[0]);
      seen.jws = { alg: header.alg, kid: header.kid };
      seen.code_challenge_method = b64json(parts[1]).code_challenge_method;
    }
  } catch (error) {
    seen.unreadable = String(error?.message ?? error);
  }
  return seen;
}

async function authorizationRequests(ctx, next) {
  let clientId;
  let request;
  let endpoint;
  if (ctx.method === 'POST' && ctx.path === ROUTES.pushed_authorization_request) {
    const form = await formParams(ctx);
    ({ clientId } = clientAuthentication(ctx, form));
    request = first(form?.request);
    endpoint = 'par';
  } else if (ctx.path === ROUTES.authorization) {
    clientId = first(ctx.query.client_id);
    request = first(ctx.query.request);
    endpoint = 'authorization';
  } else {
    return next();
  }
  if (clientId && request) {
    const seen = await describeRequestObject(request, endpoint);
    observed(clientId).request_objects.push(seen);
    if (CLIENTS[clientId]?.requestObjectEncrypted && !seen.jwe) {
      ctx.status = 400;
      ctx.body = { error: 'invalid_request_object', error_description: 'this client must encrypt its request objects' };
      return undefined;
    }
    // node-oidc-provider decrypts with whatever algorithm it supports; a
    // client registered with one pair must use that pair.
    const { request_object_encryption_alg: alg, request_object_encryption_enc: enc } = CLIENTS[clientId]?.metadata ?? {};
    if (seen.jwe && alg && (seen.jwe.alg !== alg || seen.jwe.enc !== (enc ?? 'A128CBC-HS256'))) {
      ctx.status = 400;
      ctx.body = {
        error: 'invalid_request_object',
        error_description: `this client encrypts its request objects with ${alg} / ${enc ?? 'A128CBC-HS256'}`,
      };
      return undefined;
    }
  }
  return next();
}

async function authorizationResponses(ctx, next) {
  await next();
  const location = ctx.response.get('location');
  if (!location || !location.startsWith(REDIRECT_URI)) return;
  const fault = CLIENTS[ctx.oidc?.client?.clientId]?.authorizationResponse;
  if (!fault) return;
  const url = new URL(location);
  for (const [name, value] of Object.entries(fault)) {
    if (url.searchParams.has(name)) url.searchParams.set(name, value);
  }
  ctx.set('Location', url.href);
}

// ---------------------------------------------------------------------------
// Faulty issuers: /faulty/<name>/.well-known/openid-configuration and /jwks
// ---------------------------------------------------------------------------

async function realDiscovery() {
  const response = await fetch(`${issuer}/.well-known/openid-configuration`);
  return response.json();
}

const published = (jwk) => publicJwk(jwk);

const FAULTY_ISSUERS = {
  // Served at a path that is not its issuer: the document names the real issuer.
  'issuer-not-matching-config': { discovery: (doc) => doc },
  // One signing key only.
  'single-jwks': {
    discovery: (doc, base) => ({ ...doc, jwks_uri: `${base}/jwks` }),
    jwks: () => ({ keys: [published(OP_KEYS.rs256)] }),
  },
  // The RSA signing key published for encryption only.
  'jwks-key-of-the-wrong-use': {
    discovery: (doc, base) => ({ ...doc, jwks_uri: `${base}/jwks` }),
    jwks: () => ({ keys: [{ ...published(OP_KEYS.rs256), use: 'enc', alg: 'RSA-OAEP' }, published(OP_KEYS.es256)] }),
  },
  // The RSA signing key's kid on an EC key.
  'jwks-key-of-the-wrong-type': {
    discovery: (doc, base) => ({ ...doc, jwks_uri: `${base}/jwks` }),
    jwks: () => ({ keys: [{ ...published(OP_KEYS.es256), kid: OP_KEYS.rs256.kid, alg: 'RS256' }] }),
  },
  // A JWKS of 2 MiB, sent in chunks without Content-Length.
  'jwks-oversized': {
    discovery: (doc, base) => ({ ...doc, jwks_uri: `${base}/jwks` }),
    jwks: 'oversized',
  },
  // Token and userinfo endpoints on another host, over plain http.
  'discovery-endpoints-on-another-host': {
    discovery: (doc) => ({
      ...doc,
      token_endpoint: 'http://op.attacker.example/token',
      userinfo_endpoint: 'http://op.attacker.example/userinfo',
    }),
  },
  // An HTML page where the document should be.
  'discovery-not-json': { discovery: 'html' },
};

async function streamOversized(ctx) {
  ctx.respond = false;
  const { res } = ctx;
  let closed = false;
  res.on('close', () => { closed = true; });
  res.on('error', () => {});
  res.writeHead(200, { 'content-type': 'application/jwk-set+json' });
  const chunk = `${' '.repeat(64 * 1024 - 1)}\n`;
  res.write('{"keys":[');
  for (let sent = 0; sent < 2 * ONE_MIB && !closed; sent += chunk.length) {
    if (!res.write(chunk) && !closed) {
      // Wait for the client to read on, or to give up (close).
      await new Promise((resolve) => {
        const done = () => { res.off('drain', done); res.off('close', done); resolve(); };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
  if (!closed) res.end(']}');
}

async function faultyIssuers(ctx, next) {
  const match = /^\/faulty\/([^/]+)(\/.*)$/.exec(ctx.path);
  if (!match || ctx.method !== 'GET') return next();
  const [, name, rest] = match;
  const faulty = FAULTY_ISSUERS[name];
  if (!faulty) return next();
  const base = `${issuer}/faulty/${name}`;
  if (rest === '/.well-known/openid-configuration' && faulty.discovery) {
    if (faulty.discovery === 'html') {
      ctx.type = 'text/html';
      ctx.body = '<!doctype html><html><body><h1>Welcome to our identity portal</h1></body></html>';
      return undefined;
    }
    ctx.body = faulty.discovery(await realDiscovery(), base);
    return undefined;
  }
  if (rest === '/jwks' && faulty.jwks) {
    if (faulty.jwks === 'oversized') return streamOversized(ctx);
    ctx.type = 'application/jwk-set+json';
    ctx.body = faulty.jwks();
    return undefined;
  }
  return next();
}

// ---------------------------------------------------------------------------
// Control endpoints, and the published JWKS with rotated keys
// ---------------------------------------------------------------------------

async function control(ctx, next) {
  if (ctx.path === '/control/rotate' && ctx.method === 'POST') {
    const clientId = ctx.query.client;
    if (!CLIENTS[clientId]) {
      ctx.status = 400;
      ctx.body = { error: 'unknown client' };
      return undefined;
    }
    const key = rsaJwk({ kid: `op-rs256-rotated-${rotatedKeys.length + 1}`, alg: 'RS256', use: 'sig' });
    rotatedKeys.push(key);
    rotatedSigner.set(clientId, key);
    console.error(`conformance op: rotated to ${key.kid} for ${clientId}`);
    ctx.body = { kid: key.kid };
    return undefined;
  }
  const observedMatch = /^\/control\/observed\/(.+)$/.exec(ctx.path);
  if (observedMatch && ctx.method === 'GET') {
    ctx.body = observed(decodeURIComponent(observedMatch[1]));
    return undefined;
  }
  if (ctx.path === '/control/redirect-target') {
    const clientId = ctx.query.client;
    if (clientId) observed(clientId).redirect_target_hits += 1;
    console.error(`conformance op: a redirect was followed (${clientId})`);
    ctx.status = 400;
    ctx.body = { error: 'invalid_request', error_description: 'redirects must not be followed' };
    return undefined;
  }
  if (ctx.path === ROUTES.jwks && ctx.method === 'GET') {
    await next();
    if (rotatedKeys.length && ctx.status === 200 && Array.isArray(ctx.body?.keys)) {
      ctx.body = { keys: [...ctx.body.keys, ...rotatedKeys.map(published)] };
    }
    return undefined;
  }
  return next();
}

// ---------------------------------------------------------------------------
// Accounts and interactions
// ---------------------------------------------------------------------------

// One end-user, whatever the login: the sub is stable (OpenID Connect Core
// 5.1's example claims).
const SUBJECT = '248289761001';
const ACCOUNT_CLAIMS = {
  name: 'Jane Doe',
  given_name: 'Jane',
  family_name: 'Doe',
  middle_name: 'Ann',
  nickname: 'JD',
  preferred_username: 'j.doe',
  profile: 'https://rp.example.test/users/j.doe',
  picture: 'https://rp.example.test/users/j.doe.jpg',
  website: 'https://rp.example.test/',
  gender: 'female',
  birthdate: '0000-10-31',
  zoneinfo: 'Europe/Zurich',
  locale: 'en-US',
  updated_at: 1700000000,
  email: 'janedoe@example.com',
  email_verified: true,
  address: {
    formatted: 'Bahnhofstrasse 1\n8001 Zürich\nSwitzerland',
    street_address: 'Bahnhofstrasse 1',
    locality: 'Zürich',
    postal_code: '8001',
    country: 'CH',
  },
  phone_number: '+41 44 000 00 00',
  phone_number_verified: false,
};

// The same end-user as an itsme user, for the itsme clients: itsme's claims
// with the values of specs/itsme.yaml's sandbox user GEORGE, URI-named ones
// included. node-oidc-provider releases each only when a granted scope or
// the claims parameter asks for it (see `claims` in the configuration).
const ITSME_CLAIM = (name) => `http://itsme.services/v2/claim/${name}`;
const ITSME_CLAIMS = {
  name: 'George Tǎnka',
  given_name: 'George',
  family_name: 'Tǎnka',
  birthdate: '1978-11-01',
  gender: 'male',
  locale: 'FR',
  email: 'test@itsme.be',
  email_verified: false,
  phone_number: '+32 485694175',
  phone_number_verified: true,
  address: {
    formatted: 'Jekerstraat 39 3700 TONGEREN',
    street_address: 'Jekerstraat 39',
    postal_code: '3700',
    locality: 'TONGEREN',
  },
  [ITSME_CLAIM('BENationalNumber')]: '99060427181',
  [ITSME_CLAIM('BEeidSn')]: '431522485012',
  [ITSME_CLAIM('place_of_birth')]: { city: 'Brussels', formatted: 'Brussels' },
  [ITSME_CLAIM('claim_citizenship_as_iso')]: 'BEL',
  [ITSME_CLAIM('validityTo')]: { [ITSME_CLAIM('BEeidSn')]: '2028-11-10T00:00:00Z' },
};
const ACCOUNTS = { itsme: ITSME_CLAIMS };

async function findAccount(ctx, accountId) {
  if (accountId !== SUBJECT) return undefined;
  const claims = ACCOUNTS[CLIENTS[ctx.oidc?.client?.clientId]?.accountClaims] ?? ACCOUNT_CLAIMS;
  return { accountId, claims: async () => ({ sub: accountId, ...claims }) };
}

function requestedClaimNames(claimsParameter) {
  if (!claimsParameter) return [];
  try {
    const claims = JSON.parse(claimsParameter);
    return [...Object.keys(claims.id_token ?? {}), ...Object.keys(claims.userinfo ?? {})];
  } catch {
    return [];
  }
}

// GET /interaction/:uid logs in and consents to everything at once, and
// answers with a redirect, so a user agent that follows redirects completes it.
function interactionRoute(provider) {
  return async function interaction(ctx, next) {
    if (ctx.method !== 'GET' || !/^\/interaction\/[^/]+$/.test(ctx.path)) return next();
    const { params } = await provider.interactionDetails(ctx.req, ctx.res);
    const grant = new provider.Grant({ accountId: SUBJECT, clientId: params.client_id });
    grant.addOIDCScope(params.scope ?? 'openid');
    const claims = requestedClaimNames(params.claims);
    if (claims.length) grant.addOIDCClaims(claims);
    const grantId = await grant.save();
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, {
      login: { accountId: SUBJECT },
      consent: { grantId },
    }, { mergeWithLastSubmission: false });
    ctx.status = 303;
    ctx.redirect(returnTo);
    return undefined;
  };
}

// ---------------------------------------------------------------------------
// Provider configuration
// ---------------------------------------------------------------------------

function configuration() {
  return {
    clients: CLIENT_METADATA,
    jwks: { keys: [OP_KEYS.rs256, OP_KEYS.rs256Second, OP_KEYS.es256, OP_KEYS.enc] },
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    routes: ROUTES,
    // itsme's service scope is an opaque value for node-oidc-provider: listed
    // here, it is granted and sent back in the token response's scope.
    scopes: ['openid', 'offline_access', 'profile', 'email', 'address', 'phone', ITSME_SERVICE_SCOPE],
    claims: {
      openid: ['sub'],
      profile: ['name', 'family_name', 'given_name', 'middle_name', 'nickname', 'preferred_username',
        'profile', 'picture', 'website', 'gender', 'birthdate', 'zoneinfo', 'locale', 'updated_at'],
      email: ['email', 'email_verified'],
      address: ['address'],
      phone: ['phone_number', 'phone_number_verified'],
      // itsme's eid scope, and claims only the claims parameter releases.
      eid: [ITSME_CLAIM('BENationalNumber'), ITSME_CLAIM('BEeidSn')],
      [ITSME_CLAIM('place_of_birth')]: null,
      [ITSME_CLAIM('claim_citizenship_as_iso')]: null,
      [ITSME_CLAIM('validityTo')]: null,
    },
    // node-oidc-provider's default without FAPI (public clients only), and
    // every itsme client.
    pkce: {
      required: (_ctx, client) => client.clientAuthMethod === 'none' || CLIENTS[client.clientId]?.pkceRequired === true,
    },
    clientAuthMethods: ['client_secret_basic', 'client_secret_post', 'client_secret_jwt', 'private_key_jwt'],
    responseTypes: ['code'],
    enabledJWA: {
      idTokenSigningAlgValues: ['RS256', 'ES256', 'HS256'],
      userinfoSigningAlgValues: ['RS256', 'ES256', 'HS256'],
      requestObjectSigningAlgValues: ['RS256', 'PS256', 'ES256', 'HS256'],
      clientAuthSigningAlgValues: ['HS256', 'RS256', 'PS256', 'ES256'],
      idTokenEncryptionAlgValues: ['RSA-OAEP', 'RSA-OAEP-256', 'A128KW', 'A256KW', 'dir'],
      userinfoEncryptionAlgValues: ['RSA-OAEP', 'RSA-OAEP-256', 'A128KW', 'A256KW', 'dir'],
      requestObjectEncryptionAlgValues: ['RSA-OAEP', 'RSA-OAEP-256', 'A128KW', 'A256KW'],
    },
    features: {
      devInteractions: { enabled: false },
      claimsParameter: { enabled: true },
      encryption: { enabled: true },
      jwtUserinfo: { enabled: true },
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
      requestObjects: { enabled: true, requireSignedRequestObject: false },
      revocation: { enabled: true },
      userinfo: { enabled: true },
      // Not under test; off so that discovery does not advertise them.
      dPoP: { enabled: false },
      rpInitiatedLogout: { enabled: false },
    },
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    expiresWithSession: async () => false,
    ttl: {
      AccessToken: 60 * 60,
      AuthorizationCode: 2 * 60,
      IdToken: 60 * 60,
      RefreshToken: 24 * 60 * 60,
      Interaction: 10 * 60,
      Session: 60 * 60,
      Grant: 24 * 60 * 60,
    },
    interactions: { url: async (_ctx, interaction) => `/interaction/${interaction.uid}` },
    findAccount,
  };
}

// ---------------------------------------------------------------------------
// Process lifecycle
// ---------------------------------------------------------------------------

async function main() {
  let handler = (_req, res) => { res.statusCode = 503; res.end(); };
  const server = createServer((req, res) => handler(req, res));
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', resolve);
  });
  exitWithParent(server, 'conformance op');

  issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration());
  provider.use(control);
  provider.use(faultyIssuers);
  provider.use(authorizationRequests);
  provider.use(authorizationResponses);
  provider.use(tokenEndpoint);
  provider.use(revocationEndpoint);
  provider.use(userinfoEndpoint);
  provider.use(interactionRoute(provider));
  logProviderErrors(provider);
  handler = provider.callback();

  writeStdout(JSON.stringify({ ready: true, issuer }));
}

await main();
