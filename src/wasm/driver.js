// @ts-check
// The I/O half of RecallClient: the driver loop of the core's scheduler (see its module
// docs), the fetch transport, timers and AbortSignal wiring. The Rust side (client.rs) keeps
// every decision: it hands this loop a `step(op, n, a, b)` function over one sans-IO job and
// answers "what next?"; this file only performs fetches, sleeps and reports what happened.
//
// Why this stays JavaScript: it is a thin I/O shell. Promises, timers, fetch and closures
// bridged into Rust (wasm-bindgen-futures, web-sys timers) cost far more wasm and more
// boundary crossings per request than these few lines, and none of it is logic to test.
//
// The operations are `client::Op` in Rust; Rust passes their numbers in as `ops` (built from
// the enum), so nothing here mirrors them by hand. An unknown operation is an error there.
//
// Clocks: scheduling (pacing, retry backoff, sleeping) uses `performance.now()`, which is
// monotonic; wall-clock time (Date.now) is read only in Rust, for UserSig times.

/**
 * @typedef {{ Poll: number, Answer: number, Fail: number, After: number, Abort: number, Finish: number }} Ops
 * @typedef {(op: number, n: number, a?: unknown, b?: unknown) => unknown} Step
 * @typedef {[number, number, unknown, unknown]} Fed  [op, request id, a, b]
 * @typedef {{ acquire(api: string, signal?: AbortSignal): unknown }} RateGate  the caller's `rateGate`
 * @typedef {{ queue: Fed[], wake: (() => void) | null, aborted: boolean, abortSeen: boolean, done: boolean, controllers: Map<number, AbortController>, gating: Set<number>, lastError: unknown }} Inbox
 *   `aborted`: the caller's signal fired; `abortSeen`: the job was told (it then stops sending,
 *   but answers to requests in flight are still awaited for its grace period); `done`: the job
 *   is over and what is still in flight is cancelled; `gating`: ids waiting for the rate gate;
 *   `lastError`: the last error fetch threw.
 */

/**
 * Call `target[name](...args)` if it is a function, swallowing what it throws.
 * @param {any} target
 * @param {string} name
 * @param {...unknown} args
 */
function callMethod(target, name, ...args) {
  try {
    const f = target[name];
    if (typeof f === 'function') f.apply(target, args);
  } catch {
    // A broken signal-like object must not break the job.
  }
}

/**
 * The message of a thrown JS value, for error texts: the most specific one. Node's fetch
 * throws `TypeError('fetch failed')` with the real reason (`connect ECONNREFUSED ...`,
 * `other side closed`) as its cause; say the reason, not "fetch failed" twice.
 * @param {any} e
 * @returns {string}
 */
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

/** @param {Inbox} inbox */
function wakeUp(inbox) {
  const resolve = inbox.wake;
  inbox.wake = null;
  if (resolve) resolve();
}

/**
 * Sleep until an answer arrives, the caller aborts, or (if a number) `deadline`
 * (monotonic ms, the clock of `performance.now()`).
 * @param {Inbox} inbox
 * @param {unknown} deadline
 */
async function wait(inbox, deadline) {
  if (inbox.queue.length > 0 || (inbox.aborted && !inbox.abortSeen)) return;
  const woken = new Promise((resolve) => {
    inbox.wake = resolve;
  });
  // A far deadline is cut to what setTimeout can hold; the loop polls and sleeps again.
  const timer = typeof deadline === 'number' ? setTimeout(() => wakeUp(inbox), timerMs(deadline - performance.now())) : undefined;
  try {
    await woken;
  } finally {
    if (timer !== undefined) clearTimeout(timer);
  }
}

// Most bytes read from one answer. The service's answers are a few KB (a page of history is
// the largest); a bigger one is refused as a protocol error while streaming, never buffered.
const MAX_ANSWER_BYTES = 1 << 20;
const TOO_BIG = `the answer is larger than ${MAX_ANSWER_BYTES} bytes`;
// setTimeout fires at once (with a warning) past 2^31-1 ms.
const timerMs = (ms) => Math.min(Math.max(ms, 0), 2147483647);
const GAVE_UP = {};

/// The answer's bytes, read with a running count; GAVE_UP when `gaveUp` settles first (a body
/// that never arrives cannot hold the job); a string saying why the answer is unusable.
async function readBody(response, gaveUp) {
  let stream;
  try {
    stream = response.body;
  } catch {}
  if (!stream || typeof stream.getReader !== 'function') {
    // Something Response-like without a stream: its arrayBuffer() is all there is.
    const f = response.arrayBuffer;
    if (typeof f !== 'function') return 'the Response has no body and no arrayBuffer()';
    const buf = await Promise.race([f.call(response), gaveUp]);
    if (buf === GAVE_UP) return buf;
    // (Not `new Uint8Array(buf)` on anything: a number there allocates that many bytes.)
    if (!(buf instanceof ArrayBuffer)) return 'arrayBuffer() gave something that is not an ArrayBuffer';
    return buf.byteLength > MAX_ANSWER_BYTES ? TOO_BIG : new Uint8Array(buf);
  }
  const reader = stream.getReader();
  const chunks = [];
  let total = 0;
  try {
    for (;;) {
      const r = await Promise.race([reader.read(), gaveUp]);
      if (r === GAVE_UP) return r;
      if (r.done) break;
      const c = r.value;
      if (!ArrayBuffer.isView(c)) return 'the body stream gave something that is not bytes';
      total += c.byteLength;
      if (total > MAX_ANSWER_BYTES) return TOO_BIG;
      chunks.push(new Uint8Array(c.buffer, c.byteOffset, c.byteLength));
    }
  } finally {
    // Stop what is no longer read (too big, given up); a no-op on a finished stream.
    try {
      reader.cancel().catch(() => {});
    } catch {}
  }
  const bytes = new Uint8Array(total);
  let at = 0;
  for (const c of chunks) {
    bytes.set(c, at);
    at += c.byteLength;
  }
  return bytes;
}

/**
 * One POST; resolves (never rejects) to what `step` is fed: [op, id, a, b].
 * @param {Ops} ops
 * @param {Inbox} inbox
 * @param {Function | undefined} fetchFn
 * @param {RateGate | undefined} gate the caller's rateGate: its permission comes first; the timeout starts after it
 * @param {number} timeoutMs
 * @param {number} id
 * @param {string} url
 * @param {string} body
 * @param {AbortSignal} signal
 * @returns {Promise<Fed>}
 */
async function post(ops, inbox, fetchFn, gate, timeoutMs, id, url, body, signal) {
  const { Answer: ANSWER, Fail: FAIL } = ops;
  await null; // start on a later microtask, as a spawned task would
  if (gate !== undefined) {
    // While it waits for permission a request is not sent yet: an abort cancels it at once
    // (see onAbort in runJob), unlike requests in flight, which get the abort grace.
    inbox.gating.add(id);
    try {
      await gate.acquire(apiOf(url), signal);
    } catch (e) {
      // Nothing left this process: the messages were not sent ('unsent' kinds), so they can
      // be reported notSent instead of in doubt.
      if (inbox.aborted) return [FAIL, id, 'unsent_aborted', 'the operation was aborted before it was sent'];
      return [FAIL, id, 'unsent', `rateGate.acquire failed: ${errorText(e)}`];
    } finally {
      inbox.gating.delete(id);
    }
    if (inbox.aborted) return [FAIL, id, 'unsent_aborted', 'the operation was aborted before it was sent'];
  }
  const init = { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal };
  let timedOut = false;
  // Settles when the request is given up (timeout or the caller's abort), so a fetch that
  // ignores its signal is still settled by it.
  const gaveUp = new Promise((resolve) => signal.addEventListener('abort', () => resolve(GAVE_UP)));
  const timer = setTimeout(() => {
    timedOut = true;
    const c = inbox.controllers.get(id);
    if (c) c.abort();
  }, timerMs(timeoutMs));
  /** @param {unknown} e @returns {Fed} */
  const failed = (e) => {
    if (timedOut) return [FAIL, id, 'timeout', `no answer within ${Math.trunc(timeoutMs)} ms`];
    if (inbox.done) return [FAIL, id, 'aborted', 'the operation was aborted'];
    if (e !== undefined && e !== null) inbox.lastError = e;
    return [FAIL, id, neverSent(e) ? 'unsent' : 'network', errorText(e)];
  };
  try {
    /** @type {any} */
    let response;
    try {
      response = await Promise.race([fetchFn ? fetchFn.call(undefined, url, init) : fetch(url, init), gaveUp]);
    } catch (e) {
      return failed(e);
    }
    if (response === GAVE_UP) return failed();
    let status = 0;
    try {
      if (typeof response.status === 'number') status = response.status;
    } catch {}
    if (!(status >= 100 && status <= 599)) return [FAIL, id, 'protocol', 'fetch resolved to something that is not a Response'];
    let bytes;
    try {
      bytes = await readBody(response, gaveUp);
    } catch (e) {
      return failed(e);
    }
    if (bytes === GAVE_UP) return failed();
    if (typeof bytes === 'string') return [FAIL, id, 'protocol', bytes];
    return [ANSWER, id, status, bytes];
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Run one job to completion; resolves with its result or rejects with its RecallError.
 * @param {Step} step the job (client.rs)
 * @param {Ops} ops the operation numbers, from `client::Op`
 * @param {Function | undefined} fetchFn the caller's fetch, or undefined for the global one
 * @param {RateGate | undefined} gate the caller's rateGate, or undefined
 * @param {number} timeoutMs per attempt
 * @param {any} signal the caller's AbortSignal, or undefined
 * @param {boolean} progress whether to call the After step after answers were fed
 * @param {Function | undefined} onRequest the client's `onRequest` hook, or undefined
 */
export async function runJob(step, ops, fetchFn, gate, timeoutMs, signal, progress, onRequest) {
  await null; // start on a later microtask, as a spawned task would
  const { Poll: POLL, After: AFTER, Abort: ABORT, Finish: FINISH } = ops;
  /** @type {Inbox} */
  const inbox = { queue: [], wake: null, aborted: false, abortSeen: false, done: false, controllers: new Map(), gating: new Set(), lastError: undefined };
  const onAbort = () => {
    inbox.aborted = true;
    for (const id of inbox.gating) inbox.controllers.get(id)?.abort();
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
      // The abort first: answers that came with it (requests cancelled at the rate gate)
      // are then taken as answers after the abort, not as failures of a live job.
      if (inbox.aborted && !inbox.abortSeen) {
        inbox.abortSeen = true;
        step(ABORT, 0);
      }
      let fed = false;
      while (inbox.queue.length > 0) {
        const [op, id, a, b] = /** @type {Fed} */ (inbox.queue.shift());
        step(op, id, a, b);
        fed = true;
      }
      if (fed && progress) step(AFTER, 0);
      const action = step(POLL, performance.now());
      if (action === undefined) break;
      if (action === false) continue;
      if (typeof action === 'string') {
        const i = action.indexOf(' ');
        const k = action.indexOf(' ', i + 1);
        const j = action.indexOf(' ', k + 1);
        const id = Number(action.slice(0, i));
        const [attemptText, retryKind, retryCode] = action.slice(i + 1, k).split(',');
        const attempt = Number(attemptText);
        const retryOf = retryKind === undefined ? undefined : { kind: retryKind, code: Number(retryCode) };
        const url = action.slice(k + 1, j);
        const body = action.slice(j + 1);
        if (typeof onRequest === 'function') report(onRequest, url, attempt, retryOf);
        const controller = new AbortController();
        inbox.controllers.set(id, controller);
        post(ops, inbox, fetchFn, gate, timeoutMs, id, url, body, controller.signal).then((c) => {
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
      setCause(e, withoutUserSig(inbox.lastError));
    }
  } catch {}
  return e;
}

/**
 * The command path of a request URL ("group_open_http_svc/group_msg_recall"): what the rate
 * gate and the `onRequest` hook are told (a look-up goes to `group_msg_get_simple`).
 * @param {string} url
 */
function apiOf(url) {
  const q = url.indexOf('?');
  const path = q < 0 ? url : url.slice(0, q);
  const at = path.indexOf('/v4/');
  return at < 0 ? path : path.slice(at + 4);
}

/**
 * The error `fetch` threw, as a `cause` that cannot leak the UserSig: an error whose message
 * or stack holds a request URL (a fetch wrapper naming it) is replaced by a copy with the
 * `usersig` parameter redacted (name, message and code kept).
 * @param {any} err
 */
function withoutUserSig(err) {
  const pattern = /([?&]usersig=)[^&\s"']*/gi;
  let message = '';
  let stack = '';
  try {
    if (typeof err === 'string') return err.replace(pattern, '$1REDACTED');
    if (typeof err?.message === 'string') message = err.message;
    if (typeof err?.stack === 'string') stack = err.stack;
  } catch {
    return undefined;
  }
  if (!/[?&]usersig=/i.test(message + stack)) return err;
  const copy = new Error(message.replace(pattern, '$1REDACTED'));
  try {
    if (typeof err.name === 'string') copy.name = err.name;
    if (typeof err.code === 'string') Object.assign(copy, { code: err.code });
  } catch {}
  return copy;
}

/// The URL with its UserSig replaced: what hooks and logs may see.
export function redactUrl(url) {
  return url.replace(/([?&]usersig=)[^&]*/i, '$1REDACTED');
}

/// Tell the caller's `onRequest` hook about a request about to start. A throwing hook must
/// not break the job; the UserSig never reaches it.
function report(onRequest, url, attempt, retryOf) {
  try {
    const info = { api: apiOf(url), attempt, url: redactUrl(url) };
    if (retryOf !== undefined) info.retryOf = retryOf;
    onRequest(info);
  } catch {}
}

const OUTCOMES = ['recalled', 'failed', 'notSent', 'unknown'];

/**
 * A group recall's report (see `report_js` in client.rs): `counts` is [requested, recalled,
 * failed, requests, retries, notSent, unknown, lookups, aborted (0/1)]; `results` holds
 * (msgSeq, code, message index * 2 + ok, outcome index, attempts) tuples and is a view of wasm
 * memory, read before anything else runs.
 * @param {string} groupId
 * @param {string | undefined} topicId
 * @param {Float64Array} counts
 * @param {Float64Array} results
 * @param {string} messagesJson
 */
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

/**
 * Whether this is a browser, a page or a browser worker: where a secret key must never be.
 * Node (and Bun, Deno) and Cloudflare Workers are servers.
 * @returns {boolean}
 */
export function inBrowser() {
  /** @type {any} */
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
