// The Worker's configuration (vars and secrets) and the objects built from it: the
// Durable Object stubs and one RecallClient per isolate, whose requests all take their
// permission from the app-wide RateBudget.
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

// Per isolate: the gate (its leased permits) and the client, rebuilt if the config changes.
let current = { key: undefined, client: undefined, gate: undefined };

function configKey(env) {
  return [env.SDK_APP_ID, env.ADMIN_IDENTIFIER, env.REGION, env.TENCENT_BASE_URL, env.SECRET_KEY, env.RATE_LIMIT_PER_SECOND].join('\u0000');
}

export function rateGate(env) {
  build(env);
  return current.gate;
}

/** The RecallClient for this app. It signs its own UserSigs; none ever leaves the Worker. */
export function recallClient(env) {
  return build(env).client;
}

function build(env) {
  const key = configKey(env);
  if (current.key === key) return current;
  const sdkAppId = appId(env);
  if (typeof env.SECRET_KEY !== 'string' || env.SECRET_KEY === '') throw new HttpError(500, 'server', 'SECRET_KEY: not configured');
  const gate = new LeasedRateGate(env, sdkAppId);
  const options = {
    sdkAppId,
    identifier: typeof env.ADMIN_IDENTIFIER === 'string' && env.ADMIN_IDENTIFIER ? env.ADMIN_IDENTIFIER : 'administrator',
    secretKey: env.SECRET_KEY,
    rateGate: gate,
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
  // The previous client (if the config changed) may still have calls in flight: it is
  // left to the garbage collector, not freed here.
  current = { key, client, gate };
  return current;
}
