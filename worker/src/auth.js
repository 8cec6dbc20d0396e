// Who may call the admin API: `Authorization: Bearer <token>` against ADMIN_TOKENS
// (`label:token` pairs, comma separated; the label is the actor in the audit log), and CORS
// for the browser origins in CONSOLE_ORIGINS only.
import { HttpError } from './http.js';

const encoder = new TextEncoder();

async function sha256(text) {
  return new Uint8Array(await crypto.subtle.digest('SHA-256', encoder.encode(text)));
}

/** Equal-length digests compared without an early exit. */
function digestsEqual(a, b) {
  if (typeof crypto.subtle.timingSafeEqual === 'function') return crypto.subtle.timingSafeEqual(a, b);
  let diff = 0;
  for (let i = 0; i < a.length; i++) diff |= a[i] ^ b[i];
  return diff === 0;
}

// Parsed and hashed once per isolate and ADMIN_TOKENS value.
let cached = { source: undefined, tokens: [] };

async function adminTokens(env) {
  const source = typeof env.ADMIN_TOKENS === 'string' ? env.ADMIN_TOKENS : '';
  if (cached.source === source) return cached.tokens;
  const tokens = [];
  for (const pair of source.split(',')) {
    const at = pair.indexOf(':');
    if (at <= 0) continue;
    const label = pair.slice(0, at).trim();
    const token = pair.slice(at + 1).trim();
    // Short tokens are guessable: ignored rather than accepted.
    if (label && token.length >= 16) tokens.push({ label, digest: await sha256(token) });
  }
  cached = { source, tokens };
  return tokens;
}

/**
 * The label of the token the request carries; throws 401 otherwise. Every configured token
 * is compared (hash against hash, constant time), so timing says nothing about which matched.
 */
export async function authenticate(request, env) {
  const tokens = await adminTokens(env);
  if (tokens.length === 0) throw new HttpError(401, 'auth', 'Authorization: no admin tokens are configured (ADMIN_TOKENS)', { field: 'authorization' });
  const header = request.headers.get('authorization') ?? '';
  const m = /^Bearer ([\x21-\x7e]{1,512})$/.exec(header);
  if (!m) throw new HttpError(401, 'auth', 'Authorization: a Bearer token is required', { field: 'authorization' });
  const presented = await sha256(m[1]);
  let label;
  for (const t of tokens) {
    if (digestsEqual(presented, t.digest) && label === undefined) label = t.label;
  }
  if (label === undefined) throw new HttpError(401, 'auth', 'Authorization: the token is not valid', { field: 'authorization' });
  return label;
}

function allowedOrigins(env) {
  return (typeof env.CONSOLE_ORIGINS === 'string' ? env.CONSOLE_ORIGINS : '')
    .split(',').map((s) => s.trim()).filter(Boolean);
}

/**
 * CORS for the admin API. No Origin header (servers, curl): no CORS headers. An Origin in
 * CONSOLE_ORIGINS: its headers. Any other Origin: refused with 403 before anything runs.
 */
export function corsHeaders(request, env) {
  const origin = request.headers.get('origin');
  if (origin === null) return {};
  if (!allowedOrigins(env).includes(origin)) throw new HttpError(403, 'permission', 'Origin: not in CONSOLE_ORIGINS', { field: 'origin' });
  return {
    'access-control-allow-origin': origin,
    'access-control-allow-credentials': 'false',
    'access-control-expose-headers': 'content-type',
    vary: 'Origin',
  };
}

/** The answer to a CORS preflight (OPTIONS) for an allowed origin. */
export function preflight(request, env) {
  const headers = corsHeaders(request, env);
  return new Response(null, {
    status: 204,
    headers: {
      ...headers,
      'access-control-allow-methods': 'GET, POST, DELETE, OPTIONS',
      'access-control-allow-headers': 'authorization, content-type, last-event-id',
      'access-control-max-age': '600',
    },
  });
}
