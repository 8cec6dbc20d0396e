// The I/O half of RecallClient: the driver loop of `core::scheduler` (see its module docs),
// the fetch transport, timers and AbortSignal wiring. The Rust side (client.rs) keeps every
// decision: it hands this loop a `step(op, n, a, b)` function over one sans-IO job and
// answers "what next?"; this file only performs fetches, sleeps and reports what happened.
// Written in JS because bridging promises, timers and closures into Rust costs far more
// wasm than these few lines of JS.

// `step` operations; keep in sync with client.rs.
const POLL = 0; // n = now (ms) -> "id attempt url body" to send (the URL has no spaces), a number
//                 to sleep until, null to wait for an answer, false to poll again,
//                 undefined when done
const ANSWER = 1; // n = request id, a = HTTP status, b = body bytes (Uint8Array)
const FAIL = 2; // n = request id, a = error kind, b = message
const AFTER = 3; // answers were fed (progress callbacks; only when `progress`)
const ABORT = 4; // the caller's signal fired
const FINISH = 5; // -> the call's result; throws the call's RecallError

function callMethod(target, name, ...args) {
  try {
    const f = target[name];
    if (typeof f === 'function') f.apply(target, args);
  } catch {
    // A broken signal-like object must not break the job.
  }
}

/// The message of a thrown JS value, for error texts: the most specific one. Node's fetch
/// throws `TypeError('fetch failed')` with the real reason (`connect ECONNREFUSED ...`,
/// `other side closed`) as its cause; say the reason, not "fetch failed" twice.
function errorText(e) {
  if (typeof e === 'string') return e;
  let msg = '';
  try {
    if (typeof e.message === 'string') msg = e.message;
  } catch {}
  let cause = '';
  try {
    if (typeof e.cause.message === 'string') cause = e.cause.message;
    if (!cause && typeof e.cause.code === 'string') cause = e.cause.code;
  } catch {}
  if (!cause) return msg || 'the request failed';
  return msg && msg !== 'fetch failed' ? `${msg}: ${cause}` : cause;
}

/// Error codes (Node/undici) that mean the request never left: nothing can have been applied.
const UNSENT_CODES = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'UND_ERR_CONNECT_TIMEOUT']);

function neverSent(e) {
  for (let x = e, depth = 0; x && depth < 4; x = x.cause, depth++) {
    try {
      if (typeof x.code === 'string' && UNSENT_CODES.has(x.code)) return true;
    } catch {
      return false;
    }
  }
  return false;
}

function wakeUp(inbox) {
  const resolve = inbox.wake;
  inbox.wake = null;
  if (resolve) resolve();
}

/// Sleep until an answer arrives, the caller aborts, or (if a number) `deadline` (ms).
async function wait(inbox, deadline) {
  if (inbox.queue.length > 0 || (inbox.aborted && !inbox.abortSeen)) return;
  const woken = new Promise((resolve) => {
    inbox.wake = resolve;
  });
  const timer = typeof deadline === 'number' ? setTimeout(() => wakeUp(inbox), Math.max(deadline - Date.now(), 0)) : undefined;
  try {
    await woken;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

/// One POST; resolves (never rejects) to what `step` is fed: [op, id, a, b].
async function post(inbox, fetchFn, timeoutMs, id, url, body, signal) {
  await null; // start on a later microtask, as a spawned task would
  const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal };
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    const c = inbox.controllers.get(id);
    if (c) c.abort();
  }, Math.max(timeoutMs, 0));
  const failed = (e) => {
    if (timedOut) return [FAIL, id, 'timeout', `no answer within ${Math.trunc(timeoutMs)} ms`];
    if (inbox.done) return [FAIL, id, 'aborted', 'the operation was aborted'];
    if (e !== undefined && e !== null) inbox.lastError = e;
    return [FAIL, id, neverSent(e) ? 'unsent' : 'network', errorText(e)];
  };
  try {
    let response;
    try {
      response = await (fetchFn ? fetchFn.call(undefined, url, init) : fetch(url, init));
    } catch (e) {
      return failed(e);
    }
    let status = 0;
    try {
      if (typeof response.status === 'number') status = response.status;
    } catch {}
    if (!(status >= 100 && status <= 599)) return [FAIL, id, 'protocol', 'fetch resolved to something that is not a Response'];
    let read;
    try {
      const f = response.arrayBuffer;
      if (typeof f !== 'function') throw f;
      read = f.call(response);
    } catch {
      return [FAIL, id, 'protocol', 'the Response has no arrayBuffer()'];
    }
    let bytes;
    try {
      bytes = new Uint8Array(await read);
    } catch (e) {
      return failed(e);
    }
    return [ANSWER, id, status, bytes];
  } finally {
    clearTimeout(timer);
  }
}

/// Run one job to completion; resolves with its result or rejects with its RecallError.
export async function runJob(step, fetchFn, timeoutMs, signal, progress, onRequest) {
  await null; // start on a later microtask, as a spawned task would
  // `aborted`: the caller's signal fired; `abortSeen`: the job was told (it then stops
  // sending, but answers to requests in flight are still awaited for its grace period);
  // `done`: the job is over and what is still in flight is cancelled.
  const inbox = { queue: [], wake: null, aborted: false, abortSeen: false, done: false, controllers: new Map(), lastError: undefined };
  const onAbort = () => {
    inbox.aborted = true;
    wakeUp(inbox);
  };
  let listening = false;
  if (signal !== undefined) {
    let already = false;
    try {
      already = signal.aborted === true;
    } catch {}
    if (already) {
      inbox.aborted = true;
    } else {
      callMethod(signal, 'addEventListener', 'abort', onAbort);
      listening = true;
    }
  }
  try {
    for (;;) {
      let fed = false;
      while (inbox.queue.length > 0) {
        const [op, id, a, b] = inbox.queue.shift();
        step(op, id, a, b);
        fed = true;
      }
      if (fed && progress) step(AFTER, 0);
      if (inbox.aborted && !inbox.abortSeen) {
        inbox.abortSeen = true;
        step(ABORT, 0);
      }
      const action = step(POLL, Date.now());
      if (action === undefined) break;
      if (action === false) continue;
      if (typeof action === 'string') {
        const i = action.indexOf(' ');
        const k = action.indexOf(' ', i + 1);
        const j = action.indexOf(' ', k + 1);
        const id = Number(action.slice(0, i));
        const attempt = Number(action.slice(i + 1, k));
        const url = action.slice(k + 1, j);
        const body = action.slice(j + 1);
        if (typeof onRequest === 'function') report(onRequest, url, attempt);
        const controller = new AbortController();
        inbox.controllers.set(id, controller);
        post(inbox, fetchFn, timeoutMs, id, url, body, controller.signal).then((c) => {
          inbox.controllers.delete(id);
          inbox.queue.push(c);
          wakeUp(inbox);
        });
        continue;
      }
      await wait(inbox, action);
    }
  } finally {
    inbox.done = true;
    for (const c of inbox.controllers.values()) c.abort();
    inbox.controllers.clear();
    if (listening) callMethod(signal, 'removeEventListener', 'abort', onAbort);
  }
  try {
    return step(FINISH, 0);
  } catch (e) {
    throw explain(e, signal, inbox);
  }
}

/// `cause` as `new Error(msg, { cause })` makes it: own, non-enumerable.
function setCause(e, cause) {
  Object.defineProperty(e, 'cause', { value: cause, writable: true, configurable: true, enumerable: false });
}

/// Give a rejection its origin: an abort says why the signal fired (`AbortSignal.timeout()`
/// -> kind `timeout`), and both keep the original as `cause`; so does a network error.
function explain(e, signal, inbox) {
  if (e === null || typeof e !== 'object') return e;
  try {
    if (e.kind === 'aborted' && signal !== undefined) {
      const reason = signal.reason;
      if (reason !== undefined) {
        if (reason !== null && typeof reason === 'object' && reason.name === 'TimeoutError') {
          e.kind = 'timeout';
          e.info = typeof reason.message === 'string' && reason.message ? reason.message : 'the signal timed out';
          e.message = `timeout${e.api ? ` (${e.api})` : ''}: ${e.info}`;
        }
        setCause(e, reason);
      }
    } else if ((e.kind === 'network' || e.kind === 'timeout') && e.cause === undefined && inbox.lastError !== undefined) {
      setCause(e, inbox.lastError);
    }
  } catch {}
  return e;
}

/// The URL with its UserSig replaced: what hooks and logs may see.
export function redactUrl(url) {
  return url.replace(/([?&]usersig=)[^&]*/i, '$1REDACTED');
}

/// Tell the caller's `onRequest` hook about a request about to start. A throwing hook must
/// not break the job; the UserSig never reaches it.
function report(onRequest, url, attempt) {
  try {
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const at = path.indexOf('/v4/');
    onRequest({ api: at < 0 ? path : path.slice(at + 4), attempt, url: redactUrl(url) });
  } catch {}
}

/// A fresh u32 from the runtime's CSPRNG, for `random` and jitter. Drawn 256 at a time: one
/// getRandomValues call per request costs more than the rest of the request's CPU work.
const pool = new Uint32Array(256);
let poolAt = pool.length;
export function randomU32() {
  if (poolAt >= pool.length) {
    try {
      globalThis.crypto.getRandomValues(pool);
    } catch {
      // No CSPRNG (very old runtimes): `random` only has to differ between requests.
      for (let i = 0; i < pool.length; i++) pool[i] = Math.floor(Math.random() * 4294967296) >>> 0;
    }
    poolAt = 0;
  }
  return pool[poolAt++];
}

const OUTCOMES = ['recalled', 'failed', 'notSent', 'unknown'];

/// A group recall's report (see `report_js` in client.rs): `counts` is [requested, recalled,
/// failed, requests, retries, notSent, unknown, lookups, aborted (0/1)]; `results` holds (msgSeq, code,
/// message index * 2 + ok, outcome index, attempts) tuples and is a view of wasm memory, read
/// before anything else runs.
export function makeReport(groupId, topicId, counts, results, messagesJson) {
  const messages = JSON.parse(messagesJson);
  const list = [];
  for (let j = 0; j < results.length; j += 5) {
    const m = results[j + 2];
    list.push({
      msgSeq: results[j],
      ok: (m & 1) === 1,
      outcome: OUTCOMES[results[j + 3]],
      code: results[j + 1],
      message: messages[m >> 1],
      attempts: results[j + 4],
    });
  }
  const [requested, recalled, failed, requests, retries, notSent, unknown, lookups, aborted] = counts;
  const report = topicId === undefined ? { groupId } : { groupId, topicId };
  return Object.assign(report, { requested, recalled, failed, notSent, unknown, requests, retries, lookups, aborted: aborted === 1, results: list });
}

/// Whether this is a browser, a page or a browser worker: where a secret key must never be.
/// Node (and Bun, Deno) and Cloudflare Workers are servers.
export function inBrowser() {
  const g = globalThis;
  try {
    if (typeof g.process === 'object' && g.process !== null && g.process.versions && g.process.versions.node) return false;
    if (typeof g.Deno === 'object') return false;
    const ua = g.navigator && typeof g.navigator.userAgent === 'string' ? g.navigator.userAgent : '';
    if (ua.startsWith('Cloudflare-Workers')) return false;
    return typeof g.document === 'object' || typeof g.importScripts === 'function';
  } catch {
    return false;
  }
}
