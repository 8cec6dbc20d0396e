// Turns any failure (a RecallError from the package, a Worker error body, a network failure)
// into something a moderator can act on: what failed, why, and what to do next.

const SIG_CODES = new Set([70001, 70003, 70009, 70013, 70014]);
const APP_CODES = new Set([60006, 70016, 70020]);

/** An error raised by the Worker API client, shaped like the package's RecallError. */
export class ApiError extends Error {
  constructor({ kind, code = 0, info = '', api = '', retryable = false, httpStatus, worker = false, url = '' }) {
    super(info || kind);
    Object.assign(this, { name: 'ApiError', kind, code, info, api, retryable, httpStatus, worker, url });
  }
}

/**
 * @param {unknown} err
 * @param {{ action: string, mode?: 'worker'|'direct', target?: string, identifier?: string, sdkAppId?: number }} ctx
 * @returns {{ title: string, why: string, todo: string }}
 */
export function explain(err, ctx) {
  const e = /** @type {any} */ (err ?? {});
  const kind = e.kind ?? 'unknown';
  const code = Number(e.code ?? 0);
  const detail = e.info || e.message || String(err);
  const title = `${ctx.action} failed`;
  const where = ctx.target ? ` at ${ctx.target}` : '';

  if (e.worker && kind === 'unreachable') {
    return { title, why: `The Worker${where} does not answer (${detail}).`,
      todo: 'Check that the Worker is running (bash scripts/demo.sh starts it) and that the Worker URL is right; then press Connect again.' };
  }
  if (e.worker && (e.httpStatus === 401 || e.httpStatus === 403) && !code) {
    return { title, why: 'The Worker refused the admin token.',
      todo: 'Use a token listed in the Worker\'s ADMIN_TOKENS secret (label:token pairs), without the label.' };
  }
  if (SIG_CODES.has(code)) {
    const which = {
      70001: 'it has expired', 70003: 'it is malformed or cut short', 70009: 'it was not made with this app\'s secret key',
      70013: `it was made for another identifier than "${ctx.identifier ?? ''}"`, 70014: `it was made for another SDKAppID than ${ctx.sdkAppId ?? ''}`,
    }[code];
    return { title, why: `The service refused the UserSig: ${which} (code ${code}).`,
      todo: 'Make a fresh UserSig on your server (generateUserSig with the app\'s secret key, for this SDKAppID and admin identifier) and paste it in Connection.' };
  }
  if (APP_CODES.has(code)) {
    return { title, why: `The service does not know this SDKAppID here (code ${code}: ${detail}).`,
      todo: 'Check the SDKAppID in the Tencent Cloud Chat console and pick the region the app was created in.' };
  }
  switch (kind) {
    case 'invalid_input':
      return { title, why: detail, todo: 'Correct the field named above; nothing was sent.' };
    case 'auth':
      return { title, why: `Not signed in: ${detail}${code ? ` (code ${code})` : ''}.`,
        todo: ctx.mode === 'worker' ? 'Check the admin token and the Worker\'s own credentials (SECRET_KEY, SDK_APP_ID).' : 'Check the UserSig, SDKAppID and admin identifier in Connection.' };
    case 'permission':
      return { title, why: `Not allowed: ${detail} (code ${code}).`, todo: 'Use the app administrator account (identifier) configured for this app.' };
    case 'not_found':
      return { title, why: `${detail}${code ? ` (code ${code})` : ''}.`, todo: 'Check the group ID, topic or accounts; IDs are case-sensitive.' };
    case 'rate_limited':
      return { title, why: `The service's rate limit was reached (code ${code}).`, todo: 'Wait a few seconds and try again; bulk jobs pace themselves and retry on their own.' };
    case 'network':
      return { title, why: `Could not reach the service${where}: ${detail}.`,
        todo: 'Check the network, the region or base URL, and (for a proxy or the emulator) that it is running and allows this page\'s origin (CORS).' };
    case 'timeout':
      return { title, why: `The service${where} did not answer in time.`, todo: 'Try again; if it keeps happening, check the network or the service status.' };
    case 'server':
      return { title, why: `The service had an internal problem: ${detail}${code ? ` (code ${code})` : ''}.`, todo: 'Try again in a moment.' };
    case 'aborted':
      return { title, why: 'Cancelled.', todo: 'Start it again when you are ready.' };
    default:
      return { title, why: detail, todo: 'Try again; if it persists, note the message above for your administrator.' };
  }
}
