// POST /callback: the service's recall webhooks. Verified by the package (SdkAppid, Sign,
// RequestTime), written durably to the EventLog, and only then acknowledged.
import { parseCallback, callbackAck } from 'chat-recall';
import { HttpError, readBody, fieldOf, methodNotAllowed, MAX_BODY_BYTES } from './http.js';
import { appId, eventLog, retentions } from './config.js';

const ACK_HEADERS = { 'content-type': 'application/json; charset=utf-8' };

async function hex(bytes) {
  const d = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  let s = '';
  for (const b of d) s += b.toString(16).padStart(2, '0');
  return s;
}

/** How the package is told about the token: exactly one of `token` and `allowUnsigned`. */
export function callbackAuth(env) {
  const token = typeof env.CALLBACK_TOKEN === 'string' && env.CALLBACK_TOKEN !== '' ? env.CALLBACK_TOKEN : undefined;
  if (token !== undefined) return { token };
  if (env.ALLOW_UNSIGNED_CALLBACKS === 'true') return { allowUnsigned: true };
  return undefined;
}

/**
 * The delivery's identity: the service retries with the same RequestTime, Sign and body.
 * For a verified delivery the Sign is a function of the token and RequestTime, so it adds
 * nothing but its spelling: a replay with the hex in upper case is the same delivery. The
 * key is therefore RequestTime and the body's hash (Sign covers no body).
 */
async function deliveryKey(url, body) {
  return `${url.searchParams.get('RequestTime') ?? ''}\n${await hex(body)}`;
}

export async function handleCallback(request, env) {
  if (request.method !== 'POST') throw methodNotAllowed(request.method, 'POST');
  const auth = callbackAuth(env);
  // Secure by default: no token configured means no callback is trusted.
  if (auth === undefined) throw new HttpError(401, 'auth', 'Sign: CALLBACK_TOKEN is not configured (set ALLOW_UNSIGNED_CALLBACKS=true to accept unsigned callbacks)');
  const sdkAppId = appId(env);
  // A bad retention var: 500 naming it, before the body is read (the service retries).
  retentions(env);
  const body = await readBody(request, MAX_BODY_BYTES);
  const url = new URL(request.url);
  let record;
  try {
    const event = parseCallback({ url: request.url, body, sdkAppId, ...auth });
    record = { command: event.callbackCommand, event };
  } catch (e) {
    if (e?.name !== 'RecallError') throw e;
    // The package checks SdkAppid, Sign, RequestTime and the JSON body before the command:
    // an unsupported command therefore comes from the service itself. Acknowledge it and
    // record it as unknown, so a new event type is visible rather than retried forever.
    if (e.kind === 'invalid_input' && /^CallbackCommand: unsupported/.test(e.info)) {
      const command = (url.searchParams.get('CallbackCommand') ?? '').slice(0, 128);
      record = { command, unknown: true };
    } else {
      throw new HttpError(e.kind === 'auth' ? 401 : 400, e.kind, e.info, { api: 'callback', field: fieldOf(e.info) });
    }
  }
  const key = await deliveryKey(url, body);
  await eventLog(env, sdkAppId).recordCallback(key, record);
  return new Response(callbackAck(), { status: 200, headers: ACK_HEADERS });
}
