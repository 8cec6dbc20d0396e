// The Worker's configuration (vars and secrets) and what is built from it: the Durable
// Object stubs and RecallClients whose requests take their permission from the app-wide
// RateBudget.
import { RecallClient } from 'chat-recall';
import { HttpError } from './http.js';
import { LeasedRateGate } from './rate-gate.js';

export function appId(env) {
  const raw = String(env.SDK_APP_ID ?? '');
  const n = Number(raw);
  if (!/^\d{1,10}$/.test(raw) || n < 1 || n > 4294967295) throw new HttpError(500, 'server', 'SDK_APP_ID: not configured as an SDKAppID');
  return n;
}

/**
 * The EventLog of this app. (Requests check the retention vars first, once, in
 * handleAdmin / handleCallback; the Durable Objects apply them, see `readRetentions`.)
 */
export function eventLog(env, sdkAppId = appId(env)) {
  return env.EVENT_LOG.get(env.EVENT_LOG.idFromName(String(sdkAppId)));
}

const DAY_MS = 86_400_000;
/** A century: anything longer is a typo, not a policy. */
const MAX_RETENTION_DAYS = 36_500;

/** The retention vars and their defaults in days. */
export const RETENTION_DEFAULT_DAYS = Object.freeze({ EVENT_RETENTION_DAYS: 30, AUDIT_RETENTION_DAYS: 365, JOB_RETENTION_DAYS: 30 });

/**
 * One retention var in milliseconds: a decimal number of days > 0 (fractions allowed),
 * `0` for keep forever (Infinity), unset or empty for the default. Anything else is a
 * configuration error: an HttpError 500 whose info names the var (never its value).
 */
export function retentionMs(env, name) {
  const raw = env[name];
  if (raw === undefined || raw === null || raw === '') return RETENTION_DEFAULT_DAYS[name] * DAY_MS;
  const text = String(raw).trim();
  const bad = (why) => new HttpError(500, 'server', `${name}: ${why} (a decimal number of days > 0, at most ${MAX_RETENTION_DAYS}, or 0 to keep forever)`);
  // Plain decimals only: no sign, exponent, hex, NaN or Infinity (Number() would take some).
  if (!/^(\d+(\.\d*)?|\.\d+)$/.test(text)) throw bad(text.startsWith('-') ? 'must not be negative' : 'is not a decimal number of days');
  const days = Number(text);
  if (!Number.isFinite(days)) throw bad('is not a decimal number of days');
  if (days > MAX_RETENTION_DAYS) throw bad(`is more than ${MAX_RETENTION_DAYS} days`);
  if (days === 0) return Infinity;
  // At least 1 ms: a positive retention never means "delete at once".
  return Math.max(1, Math.ceil(days * DAY_MS));
}

/** All three retentions (ms, Infinity = keep forever); throws the first bad one's HttpError. */
export function retentions(env) {
  return {
    events: retentionMs(env, 'EVENT_RETENTION_DAYS'),
    audit: retentionMs(env, 'AUDIT_RETENTION_DAYS'),
    jobs: retentionMs(env, 'JOB_RETENTION_DAYS'),
  };
}

/** With a bad retention var a Durable Object deletes nothing and looks again this much later. */
export const RETENTION_RECHECK_MS = 3_600_000;

/**
 * The retentions for a Durable Object, which must never delete on a bad value: `{ ok: true,
 * events, audit, jobs }`, or `{ ok: false, errors: [info naming each bad var] }`.
 */
export function readRetentions(env) {
  const out = { ok: true };
  const errors = [];
  for (const [key, name] of [['events', 'EVENT_RETENTION_DAYS'], ['audit', 'AUDIT_RETENTION_DAYS'], ['jobs', 'JOB_RETENTION_DAYS']]) {
    try {
      out[key] = retentionMs(env, name);
    } catch (e) {
      errors.push(e?.info ?? `${name}: invalid`);
    }
  }
  return errors.length === 0 ? out : { ok: false, errors };
}

/** The service's limit per API per SdkAppID, calls per second. */
export function rateLimit(env) {
  const n = Number(env.RATE_LIMIT_PER_SECOND ?? 200);
  return Number.isFinite(n) && n > 0 && n <= 100_000 ? n : 200;
}

/**
 * A RecallClient for this app, for use within ONE request (or one alarm run): Workers do
 * not let a request use I/O objects (Durable Object stubs, timers' continuations) of
 * another, so the client and its gate are never shared between requests. The client signs
 * its own UserSigs; none ever leaves the Worker. `free()` it when done.
 */
export function recallClient(env) {
  const sdkAppId = appId(env);
  if (typeof env.SECRET_KEY !== 'string' || env.SECRET_KEY === '') throw new HttpError(500, 'server', 'SECRET_KEY: not configured');
  const rateGate = new LeasedRateGate(env, sdkAppId);
  const options = {
    sdkAppId,
    identifier: typeof env.ADMIN_IDENTIFIER === 'string' && env.ADMIN_IDENTIFIER ? env.ADMIN_IDENTIFIER : 'administrator',
    secretKey: env.SECRET_KEY,
    rateGate,
    // The gate times each request: a slow round trip widens the budget's margin.
    fetch: rateGate.fetch,
    maxRequestsPerSecond: rateLimit(env),
  };
  if (env.TENCENT_BASE_URL) options.baseUrl = env.TENCENT_BASE_URL;
  else if (env.REGION) options.region = env.REGION;
  let client;
  try {
    client = new RecallClient(options);
  } catch (e) {
    // Never echo the options: they hold the secret key.
    throw new HttpError(500, 'server', `configuration: ${e?.info ?? 'invalid'}`);
  }
  gates.set(client, rateGate);
  return client;
}

/** Each client's gate, for `closeClient`. */
const gates = new WeakMap();

/**
 * Free a client from `recallClient` and close its gate: the send times it still holds go
 * back to the budget (a client done with its request would otherwise take them along, and
 * the app would lose that capacity: up to 16 times per finished request), and its last
 * arrival reports are delivered. Never throws.
 */
export async function closeClient(client) {
  try {
    client.free();
  } catch {}
  await gates.get(client)?.close();
}

/** Run `f(client)` with a fresh client for this request, closed afterwards. */
export async function withClient(env, f) {
  const client = recallClient(env);
  try {
    return await f(client);
  } finally {
    await closeClient(client);
  }
}
