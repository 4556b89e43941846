#!/usr/bin/env node
// A local OpenID Provider that behaves like Swisscom Mobile ID, for idspec's
// integration tests.
//
// It is the certified node-oidc-provider, configured with Mobile ID's
// endpoints, scopes, claims and ACR values (Mobile ID Integration Guide,
// OpenID Connect 1.0, sections 2.x and 3.x), plus two small additions the
// certified provider cannot know about:
//
//   * an automatic, human-less "Mobile ID authentication" at /interaction/:uid,
//     driven by the MSISDN in the JSON login_hint (section 2.2) and the test
//     users of section 3.3;
//   * a "Mobile ID dialect" check on POST /par that rejects requests the way
//     Mobile ID does, with its own error body (section 2.10);
//   * client authentication strictly by the registered method (basic or
//     post), which node-oidc-provider treats as interchangeable.
//
// Contract with the test harness (tests/support/op.rs):
//   node tests/op/server.mjs [--port N]
//   listens on 127.0.0.1 (ephemeral port unless --port), prints exactly one
//   line to stdout when ready:  {"ready":true,"issuer":"http://127.0.0.1:PORT"}
//   and exits when stdin closes or on SIGTERM/SIGINT. Everything else
//   (warnings, error logs) goes to stderr.
//
// Nothing here talks to the network except the loopback listener.

import { createHash, generateKeyPairSync, randomBytes, randomInt } from 'node:crypto';
import { createServer } from 'node:http';
import { basicAuthClientId, exitWithParent, formParams, logProviderErrors } from './common.mjs';
import { parseArgs } from 'node:util';

// stdout carries the ready line and nothing else. oidc-provider prints its
// notices with console.info, so every console output is moved to stderr
// *before* the library is loaded (hence the dynamic import below).
console.log = console.error;
console.info = console.error;
console.debug = console.error;

const { default: Provider, interactionPolicy } = await import('oidc-provider');

// ---------------------------------------------------------------------------
// What the document says (section numbers refer to the Integration Guide)
// ---------------------------------------------------------------------------

// 2.1: Mobile ID's endpoint paths, so that URLs look like the real thing.
const ROUTES = {
  authorization: '/oidc/authorize',
  pushed_authorization_request: '/par',
  token: '/token',
  userinfo: '/userinfo',
  jwks: '/jwks',
  revocation: '/revoke',
};

// The provider's spec (specs/mobileid.yaml as JSON, passed by the Rust harness in
// IDSPEC_SPEC) is the one source of truth for scopes, claims, ACR values, ui_locales,
// the error table and the scripted test users: the harness cannot drift from it.
const SPEC = loadSpec();

function loadSpec() {
  const text = process.env.IDSPEC_SPEC;
  if (!text) {
    console.error('IDSPEC_SPEC is not set: start this server through tests/support/op.rs');
    process.exit(2);
  }
  return JSON.parse(text);
}

function enumValues(typeName) {
  return SPEC.types[typeName].type.enum.map((value) => value.value);
}

// 2.2.1: scopes and the claims each one releases (`sub` is the provider's own).
const SCOPE_CLAIMS = Object.fromEntries(
  Object.entries(SPEC.scopes)
    .filter(([scope]) => scope !== 'openid' && scope !== 'offline_access')
    .map(([scope, spec]) => [scope, spec.claims ?? []]),
);
const SCOPES = ['openid', 'offline_access', ...Object.keys(SCOPE_CLAIMS)];

// 2.2.2: the ACR values; the onboarding table's example default is mid_al3_any.
const ACR_VALUES = enumValues('Acr');
const DEFAULT_ACR = 'mid_al3_any';

// 2.2: supported ui_locales.
const UI_LOCALES = enumValues('UiLocale');

// 2.10.1: the error code table.
const MID_ERRORS = Object.fromEntries(SPEC.errors.codes.map((code) => [code.code, [code.oauth, code.message]]));

// 3.3: simulated users whose authentication fails, with the documented code each
// one answers with (the spec's sandbox section). Everybody else approves.
const FAILING_TEST_USERS = Object.fromEntries(
  SPEC.sandbox.users
    .filter((user) => typeof user.outcome === 'object' && user.outcome.error)
    .map((user) => [user.login, user.outcome.error]),
);

const DEFAULT_MSISDN = '+41791234567';
// 2.2.1 example payload; every simulated user has this Mobile ID serial, so it
// is also the "sn" an AL4 login_hint must carry (2.2.2.1).
const MOBILE_ID_SERIAL = 'MIDCHEYUD1YE4QB1';
const MSISDN_PATTERN = /^\+[0-9]{8,15}$/;

// The clients Swisscom would have onboarded for us (section 2).
const REDIRECT_URI = 'https://rp.example.test/callback';
const CLIENTS = [
  { client_id: 'mobileid-basic', client_secret: 'mobileid-basic-secret', token_endpoint_auth_method: 'client_secret_basic' },
  { client_id: 'mobileid-post', client_secret: 'mobileid-post-secret', token_endpoint_auth_method: 'client_secret_post' },
  {
    client_id: 'mobileid-jwt',
    client_secret: 'mobileid-jwt-secret',
    token_endpoint_auth_method: 'client_secret_basic',
    userinfo_signed_response_alg: 'RS256', // 2.7: userinfo as a signed JWT
  },
].map((client) => ({
  redirect_uris: [REDIRECT_URI],
  grant_types: ['authorization_code', 'refresh_token'],
  response_types: ['code'],
  id_token_signed_response_alg: 'RS256',
  default_acr_values: [DEFAULT_ACR],
  ...client,
}));

// ---------------------------------------------------------------------------
// Mobile ID errors
// ---------------------------------------------------------------------------

const TRACE_ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';

// 2.10: <Trace> is the per-flow session id, 8 uppercase alphanumerics in the
// document's examples.
function newTrace() {
  let trace = '';
  for (let i = 0; i < 8; i += 1) trace += TRACE_ALPHABET[randomInt(TRACE_ALPHABET.length)];
  return trace;
}

// `mid_<Category>_<Code>_<Trace> - <Message>` plus the OAuth error it belongs to.
function midError(code) {
  const [errorCode, message] = MID_ERRORS[code];
  return { errorCode, description: `${code}_${newTrace()} - ${message}` };
}

// ---------------------------------------------------------------------------
// login_hint (2.2): {"enableManualInput":bool?,"hints":[{"msisdn":"+41...","sn":"..."?}]}
// ---------------------------------------------------------------------------

const isPlainObject = (value) => typeof value === 'object' && value !== null && !Array.isArray(value);

// Returns { hint } or { error: 'mid_req_XXXX' }. Type errors are "invalid JSON
// content" (1100); the specific checks come after the shape is known to be right.
function parseLoginHint(raw, { al4 }) {
  let hint;
  try {
    hint = JSON.parse(raw);
  } catch {
    return { error: 'mid_req_1100' };
  }
  if (!isPlainObject(hint)) return { error: 'mid_req_1100' };
  if (hint.enableManualInput !== undefined && typeof hint.enableManualInput !== 'boolean') {
    return { error: 'mid_req_1100' };
  }
  if (hint.hints !== undefined && !Array.isArray(hint.hints)) return { error: 'mid_req_1100' };
  const hints = hint.hints ?? [];
  const wellTyped = (h) => isPlainObject(h)
    && ['msisdn', 'sn'].every((k) => h[k] === undefined || typeof h[k] === 'string');
  if (!hints.every(wellTyped)) return { error: 'mid_req_1100' };

  if (hints.length === 0) return { error: 'mid_req_1050' };
  if (al4 && hint.enableManualInput === true) return { error: 'mid_req_1060' };
  if (!hints.every((h) => MSISDN_PATTERN.test(h.msisdn ?? ''))) return { error: 'mid_req_1070' };
  if (new Set(hints.map((h) => h.msisdn)).size !== hints.length) return { error: 'mid_req_1080' };
  if (!hints.every((h) => h.sn === undefined || /^\S+$/.test(h.sn))) return { error: 'mid_req_1090' };
  return { hint };
}

// Lenient variant for the interaction: the request already passed validation
// (PAR) or never was validated (plain front-channel request); either way the
// first hint's MSISDN, if any, names the user.
function firstHint(rawLoginHint) {
  if (typeof rawLoginHint !== 'string') return undefined;
  try {
    const hint = JSON.parse(rawLoginHint);
    return Array.isArray(hint?.hints) && isPlainObject(hint.hints[0]) ? hint.hints[0] : undefined;
  } catch {
    return undefined;
  }
}

// ---------------------------------------------------------------------------
// The Mobile ID dialect on POST /par
// ---------------------------------------------------------------------------

// Space-separated parameter values; a repeated form field counts as several.
function values(param) {
  if (param === undefined) return [];
  const joined = Array.isArray(param) ? param.join(' ') : param;
  return joined.split(' ').filter(Boolean);
}

// The request rules of sections 2.2 / 2.2.2 / 2.10.1 that the certified
// provider does not know. Returns a mid_req_* code, or undefined if fine.
function mobileIdRequestViolation(params) {
  // node-oidc-provider silently drops scopes it does not know; Mobile ID
  // rejects them, which keeps a typo in a client from going unnoticed.
  if (!values(params.scope).every((scope) => SCOPES.includes(scope))) return 'mid_req_1110';

  const acrValues = values(params.acr_values);
  if (acrValues.length > 1) return 'mid_req_1010';
  if (acrValues.length === 1 && !ACR_VALUES.includes(acrValues[0])) return 'mid_req_1020';

  const uiLocales = values(params.ui_locales);
  if (uiLocales.length > 1) return 'mid_req_1030';
  if (uiLocales.length === 1 && !UI_LOCALES.includes(uiLocales[0])) return 'mid_req_1040';

  const al4 = acrValues.length === 1 && acrValues[0].startsWith('mid_al4_');
  if (Array.isArray(params.login_hint)) return 'mid_req_1100';
  if (params.login_hint) {
    const { error } = parseLoginHint(params.login_hint, { al4 });
    if (error) return error;
  } else if (al4) {
    return 'mid_req_1120';
  }
  return undefined;
}

async function mobileIdDialect(ctx, next) {
  if (ctx.method !== 'POST' || ctx.path !== ROUTES.pushed_authorization_request) return next();
  const params = await formParams(ctx);
  const violation = params && mobileIdRequestViolation(params);
  if (!violation) return next();

  ctx.status = 400;
  ctx.set('Cache-Control', 'no-store');
  ctx.body = midError(violation); // koa serialises it as application/json
  console.error(`mobile id dialect: rejected PAR request: ${ctx.body.description}`);
  return undefined;
}

// ---------------------------------------------------------------------------
// Client authentication exactly as registered
// ---------------------------------------------------------------------------

// Mobile ID registers one client authentication mode per client (section 2,
// "Client Auth Mode"). node-oidc-provider accepts client_secret_basic and
// client_secret_post interchangeably for any client with a secret, which
// would hide a client that picks the wrong one; this check restores the
// registration. Error shape and text are the provider's own.
const CLIENT_AUTH_ROUTES = new Set([ROUTES.pushed_authorization_request, ROUTES.token, ROUTES.revocation]);
const REGISTERED_AUTH_METHOD = new Map(CLIENTS.map((c) => [c.client_id, c.token_endpoint_auth_method]));

async function registeredClientAuthOnly(ctx, next) {
  if (ctx.method !== 'POST' || !CLIENT_AUTH_ROUTES.has(ctx.path)) return next();
  const params = await formParams(ctx);
  const basicClientId = basicAuthClientId(ctx.get('authorization'));
  const postSecret = params?.client_secret !== undefined;
  // Both or neither: the provider's own checks produce the right error.
  if (!params || (basicClientId !== undefined) === postSecret) return next();

  const clientId = basicClientId ?? params.client_id;
  const used = postSecret ? 'client_secret_post' : 'client_secret_basic';
  const registered = REGISTERED_AUTH_METHOD.get(clientId);
  if (!registered || registered === used) return next();

  console.error(`client ${clientId} authenticated with ${used} but is registered for ${registered}`);
  ctx.status = 401;
  ctx.set('Cache-Control', 'no-store');
  if (used === 'client_secret_basic') {
    ctx.set('WWW-Authenticate', `Basic realm="${ctx.app.issuer}", error="invalid_client", error_description="client authentication failed"`);
  }
  ctx.body = { error: 'invalid_client', error_description: 'client authentication failed' };
  return undefined;
}

// ---------------------------------------------------------------------------
// Accounts
// ---------------------------------------------------------------------------

// node-oidc-provider always uses the account id as `sub`, so the account id
// is the subject (hex SHA-256 of the MSISDN, 64 chars like the document's
// examples) and this map leads back to the MSISDN.
const msisdnBySubject = new Map();

function subjectFor(msisdn) {
  const sub = createHash('sha256').update(msisdn).digest('hex');
  msisdnBySubject.set(sub, msisdn);
  return sub;
}

// "2022-03-16T13:47:26.466+01:00": local Swiss time with millis and offset (2.7).
function swissTimestamp(date = new Date()) {
  const zone = new Intl.DateTimeFormat('en-US', { timeZone: 'Europe/Zurich', timeZoneName: 'longOffset' })
    .formatToParts(date).find((part) => part.type === 'timeZoneName')?.value ?? 'GMT';
  const match = /^GMT([+-])(\d{2}):(\d{2})$/.exec(zone);
  const offsetMinutes = match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 0;
  const local = new Date(date.getTime() + offsetMinutes * 60_000).toISOString().slice(0, 23);
  return `${local}${match ? `${match[1]}${match[2]}:${match[3]}` : '+00:00'}`;
}

// Claim values shaped like the document's examples (2.2.1, 2.7). The geo
// confidences are strings although the table says number: that is what the
// real server sends, and a client must cope with it.
function accountClaims(sub, msisdn, scope) {
  const phoneGranted = scope.split(' ').includes('phone');
  return {
    sub,
    // Footnote 4: the MSISDN if `phone` was requested, otherwise "User" + the
    // last 6 characters of sub.
    name: phoneGranted ? msisdn : `User${sub.slice(-6)}`,
    phone_number: msisdn,
    phone_number_verified: true,
    mid_geo_accuracy: 0,
    mid_geo_country: 'CH',
    mid_geo_device_confidence: '1.0',
    mid_geo_location_confidence: '1.0',
    mid_geo_timestamp: swissTimestamp(),
    mid_profile_recovery_code_status: true,
    mid_profile_serial: MOBILE_ID_SERIAL,
    mid_profile_sscds: { sim: { state: 'ACTIVE' }, app: { state: 'INACTIVE' } },
    mid_cms_content: Buffer.from(`CMS SignedData by ${msisdn}`).toString('base64'),
    mid_esign_basic_content: {
      signer: msisdn,
      serialNumber: MOBILE_ID_SERIAL,
      signedData: Buffer.from(`signed by ${msisdn}`).toString('base64'),
    },
  };
}

async function findAccount(_ctx, sub) {
  const msisdn = msisdnBySubject.get(sub);
  if (!msisdn) return undefined;
  return {
    accountId: sub,
    claims: async (_use, scope = '') => accountClaims(sub, msisdn, scope),
  };
}

// ---------------------------------------------------------------------------
// The automatic "Mobile ID authentication"
// ---------------------------------------------------------------------------

// 2.5.1: which methods a successful authentication at this ACR reports. The
// simulated users all have an active SIM (priority 1 in 2.2.2) unless the RP
// asked for the app.
function amrFor(acr) {
  const method = acr.endsWith('_mobileapp') ? 'mid_app' : 'mid_sim';
  return acr.endsWith('_any_ch') ? [method, 'mid_hwk', 'mid_geo'] : [method, 'mid_hwk'];
}

// Decides the outcome of one interaction and, on success, grants everything
// that was requested (Mobile ID shows one consent screen, always confirmed here).
async function authenticate(provider, interaction) {
  const { params } = interaction;
  const hint = firstHint(params.login_hint);
  const msisdn = hint?.msisdn ?? DEFAULT_MSISDN;
  const acr = values(params.acr_values)[0] ?? DEFAULT_ACR;

  const failure = FAILING_TEST_USERS[msisdn]
    ?? (acr.startsWith('mid_al4_') && hint?.sn !== MOBILE_ID_SERIAL ? 'mid_auth_3030' : undefined);
  if (failure) {
    const { errorCode, description } = midError(failure);
    return { error: errorCode, error_description: description };
  }

  const accountId = subjectFor(msisdn);
  // A repeated authorization in the same browser session extends the grant
  // it already has for this client and user.
  const existing = interaction.grantId && await provider.Grant.find(interaction.grantId);
  const grant = existing?.accountId === accountId
    ? existing
    : new provider.Grant({ accountId, clientId: params.client_id });
  grant.addOIDCScope(params.scope ?? 'openid');
  const grantId = await grant.save();

  return {
    login: { accountId, acr, amr: amrFor(acr), remember: false },
    consent: { grantId },
  };
}

// GET /interaction/:uid answers right away with a 303 back to the
// authorization endpoint, so a user agent that only follows redirects (and
// keeps cookies) completes the flow.
function interactionRoute(provider) {
  return async function interaction(ctx, next) {
    if (ctx.method !== 'GET' || !/^\/interaction\/[^/]+$/.test(ctx.path)) return next();

    const details = await provider.interactionDetails(ctx.req, ctx.res);
    const result = await authenticate(provider, details);
    if (result.error) console.error(`mobile id: authentication failed: ${result.error_description}`);
    const returnTo = await provider.interactionResult(ctx.req, ctx.res, result, {
      mergeWithLastSubmission: false,
    });
    ctx.redirect(returnTo);
    ctx.status = 303;
    return undefined;
  };
}

// Mobile ID authenticates the end-user on every authorization request (a
// push to the phone each time); node-oidc-provider would otherwise reuse a
// login from the session cookie.
function alwaysAuthenticatePolicy() {
  const policy = interactionPolicy.base();
  policy.get('login').checks.add(new interactionPolicy.Check(
    'mobileid_always_authenticates',
    'Mobile ID authenticates the end-user on every request',
    (ctx) => (ctx.oidc.result?.login ? interactionPolicy.Check.NO_NEED_TO_PROMPT : interactionPolicy.Check.REQUEST_PROMPT),
  ));
  return policy;
}

// ---------------------------------------------------------------------------
// Provider configuration
// ---------------------------------------------------------------------------

// Fresh signing keys on every start: RS256 (ID tokens, as Mobile ID) and
// ES256 (so that clients see a mixed JWKS).
function signingKeys() {
  const jwk = (type, options, alg) => {
    const { privateKey } = generateKeyPairSync(type, options);
    const key = privateKey.export({ format: 'jwk' });
    return { ...key, kid: `${alg.toLowerCase()}-${randomBytes(6).toString('hex')}`, alg, use: 'sig' };
  };
  return {
    keys: [
      jwk('rsa', { modulusLength: 2048 }, 'RS256'),
      jwk('ec', { namedCurve: 'P-256' }, 'ES256'),
    ],
  };
}

function configuration() {
  return {
    clients: CLIENTS,
    jwks: signingKeys(),
    cookies: { keys: [randomBytes(32).toString('base64url')] },
    routes: ROUTES,

    scopes: SCOPES,
    claims: {
      // acr and amr ride on `openid` so that every ID token carries them (2.5.1).
      openid: ['sub', 'acr', 'amr'],
      ...SCOPE_CLAIMS,
    },
    acrValues: ACR_VALUES,
    extraParams: ['dtbd'], // 2.2: custom authentication message
    clientAuthMethods: ['client_secret_basic', 'client_secret_post'], // 2.4
    responseTypes: ['code'], // 1.2: authorization code flow only
    discovery: { ui_locales_supported: UI_LOCALES },

    features: {
      devInteractions: { enabled: false },
      pushedAuthorizationRequests: { enabled: true, requirePushedAuthorizationRequests: false },
      userinfo: { enabled: true },
      jwtUserinfo: { enabled: true },
      revocation: { enabled: true },
      claimsParameter: { enabled: false }, // 2.2: claims SHALL NOT be used
      // Not part of Mobile ID, switched off so discovery does not advertise them.
      dPoP: { enabled: false },
      resourceIndicators: { enabled: false },
      rpInitiatedLogout: { enabled: false },
      // RFC 9207 `iss` in the authorization response needs no switch: this
      // provider always sends it and advertises
      // authorization_response_iss_parameter_supported.
    },

    // 1.2.1: a client allowed the refresh_token grant always gets a refresh
    // token; Mobile ID forbids `prompt`, so offline_access cannot be the gate.
    issueRefreshToken: async (_ctx, client) => client.grantTypeAllowed('refresh_token'),
    // Tokens outlive the (simulated) browser session.
    expiresWithSession: async () => false,
    // 2.9 / 2.11: each refresh returns a new refresh token.
    rotateRefreshToken: () => true,
    // 2.11, in seconds. The authorization code gets the table's 2 minutes
    // rather than the 10 seconds of 2.3, so a loaded CI machine does not make
    // tests flaky.
    ttl: {
      AccessToken: 60 * 60,
      AuthorizationCode: 2 * 60,
      IdToken: 60 * 60,
      RefreshToken: 14 * 24 * 60 * 60, // "configurable per client"
      Interaction: 10 * 60,
      Session: 60 * 60,
      Grant: 14 * 24 * 60 * 60,
    },

    interactions: {
      policy: alwaysAuthenticatePolicy(),
      url: async (_ctx, interaction) => `/interaction/${interaction.uid}`,
    },
    findAccount,
  };
}

// ---------------------------------------------------------------------------
// Process lifecycle
// ---------------------------------------------------------------------------

function requestedPort() {
  const { values: args } = parseArgs({ options: { port: { type: 'string' } } });
  if (args.port === undefined) return 0;
  const port = Number(args.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    console.error(`invalid --port ${args.port}`);
    process.exit(2);
  }
  return port;
}

async function main() {
  // The issuer contains the port, and the port is only known after listening,
  // so requests are routed to the provider once it exists.
  let handler = (_req, res) => { res.statusCode = 503; res.end(); };
  const server = createServer((req, res) => handler(req, res));
  await new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(requestedPort(), '127.0.0.1', resolve);
  });
  exitWithParent(server, 'mobile id op');

  const issuer = `http://127.0.0.1:${server.address().port}`;
  const provider = new Provider(issuer, configuration());
  provider.use(registeredClientAuthOnly);
  provider.use(mobileIdDialect);
  provider.use(interactionRoute(provider));
  logProviderErrors(provider);
  handler = provider.callback();

  process.stdout.write(`${JSON.stringify({ ready: true, issuer })}\n`);
}

await main();
