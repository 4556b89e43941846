// What both test providers (server.mjs, conformance.mjs) do the same way.

import { parse as parseForm } from 'node:querystring';

// Our middlewares need the form parameters before the provider sees the
// request, but the provider cannot read the body stream a second time. So
// the body is read once, and the raw text left on req.body, which
// node-oidc-provider documents as its fallback for an upstream body parser
// (it parses that text exactly as it would the stream, after a one-time
// "already parsed request body detected" warning on stderr).
export async function formParams(ctx) {
  if (ctx.state.form === undefined) {
    ctx.state.form = null;
    if (ctx.method === 'POST' && ctx.is('application/x-www-form-urlencoded')) {
      const chunks = [];
      for await (const chunk of ctx.req) chunks.push(chunk);
      ctx.req.body = Buffer.concat(chunks).toString('utf8');
      ctx.state.form = parseForm(ctx.req.body);
    }
  }
  return ctx.state.form;
}

// client_id from `Authorization: Basic`, form-decoded as RFC 6749 2.3.1 wants.
export function basicAuthClientId(header) {
  const match = /^basic\s+(\S+)$/i.exec(header ?? '');
  if (!match) return undefined;
  const credentials = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = credentials.indexOf(':');
  if (colon < 0) return undefined;
  try {
    return decodeURIComponent(credentials.slice(0, colon).replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

// Provider errors are invisible to the test otherwise; stderr ends up in the
// harness's panic message.
export function logProviderErrors(provider) {
  const events = [
    'server_error',
    'authorization.error',
    'pushed_authorization_request.error',
    'grant.error',
    'userinfo.error',
    'revocation.error',
  ];
  for (const event of events) {
    provider.on(event, (ctx, err) => {
      console.error(`oidc-provider ${event}: ${ctx?.method} ${ctx?.path}: ${err?.error ?? err?.message} `
        + `(${err?.error_description ?? ''}${err?.error_detail ? `; ${err.error_detail}` : ''})`);
    });
  }
}

// The harness keeps our stdin open for as long as it wants us; when the test
// process dies its end of the pipe closes and we follow.
export function exitWithParent(server, name) {
  let exiting = false;
  const shutdown = (why) => {
    if (exiting) return;
    exiting = true;
    console.error(`${name}: shutting down (${why})`);
    server.closeAllConnections();
    server.close(() => process.exit(0));
    setTimeout(() => process.exit(0), 1000).unref();
  };
  process.stdin.on('end', () => shutdown('stdin closed'));
  process.stdin.on('close', () => shutdown('stdin closed'));
  process.stdin.on('error', () => shutdown('stdin error'));
  process.stdin.resume();
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}
