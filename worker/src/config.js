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

export function eventLog(env, sdkAppId = appId(env)) {
  return env.EVENT_LOG.get(env.EVENT_LOG.idFromName(String(sdkAppId)));
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
