// The I/O half of RecallClient: the driver loop of `core::scheduler` (see its module docs),
// the fetch transport, timers and AbortSignal wiring. The Rust side (client.rs) keeps every
// decision: it hands this loop a `step(op, n, a, b)` function over one sans-IO job and
// answers "what next?"; this file only performs fetches, sleeps and reports what happened.
// Written in JS because bridging promises, timers and closures into Rust costs far more
// wasm than these few lines of JS.

// `step` operations; keep in sync with client.rs.
const POLL = 0; // n = now (ms) -> "id url body" to send (the URL has no spaces), a number
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

/// The message of a thrown JS value, for error texts.
function errorText(e) {
  if (typeof e === 'string') return e;
  let msg = '';
  try {
    if (typeof e.message === 'string') msg = e.message;
  } catch {}
  let cause;
  try {
    if (typeof e.cause.message === 'string') cause = e.cause.message;
  } catch {}
  return cause ? `${msg} (${cause})` : msg;
}

function wakeUp(inbox) {
  const resolve = inbox.wake;
  inbox.wake = null;
  if (resolve) resolve();
}

/// Sleep until an answer arrives, the caller aborts, or (if a number) `deadline` (ms).
async function wait(inbox, deadline) {
  if (inbox.queue.length > 0 || inbox.aborted) return;
  const woken = new Promise((resolve) => {
    inbox.wake = resolve;
  });
  // A far deadline is cut to what setTimeout can hold; the loop polls and sleeps again.
  const timer = typeof deadline === 'number' ? setTimeout(() => wakeUp(inbox), timerMs(deadline - Date.now())) : undefined;
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

/// One POST; resolves (never rejects) to what `step` is fed: [op, id, a, b].
async function post(inbox, fetchFn, timeoutMs, id, url, body, signal) {
  await null; // start on a later microtask, as a spawned task would
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
  const failed = (e) => {
    if (timedOut) return [FAIL, id, 'timeout', `no answer within ${Math.trunc(timeoutMs)} ms`];
    if (inbox.aborted) return [FAIL, id, 'aborted', 'the operation was aborted'];
    return [FAIL, id, 'network', `fetch failed: ${errorText(e)}`];
  };
  try {
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

/// Run one job to completion; resolves with its result or rejects with its RecallError.
export async function runJob(step, fetchFn, timeoutMs, signal, progress) {
  await null; // start on a later microtask, as a spawned task would
  const inbox = { queue: [], wake: null, aborted: false, controllers: new Map() };
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
    let abortSeen = false;
    for (;;) {
      let fed = false;
      while (inbox.queue.length > 0) {
        const [op, id, a, b] = inbox.queue.shift();
        step(op, id, a, b);
        fed = true;
      }
      if (fed && progress) step(AFTER, 0);
      if (inbox.aborted && !abortSeen) {
        abortSeen = true;
        step(ABORT, 0);
        for (const c of inbox.controllers.values()) c.abort();
        inbox.controllers.clear();
      }
      const action = step(POLL, Date.now());
      if (action === undefined) break;
      if (action === false) continue;
      if (typeof action === 'string') {
        const i = action.indexOf(' ');
        const j = action.indexOf(' ', i + 1);
        const id = Number(action.slice(0, i));
        const url = action.slice(i + 1, j);
        const body = action.slice(j + 1);
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
    if (listening) callMethod(signal, 'removeEventListener', 'abort', onAbort);
  }
  return step(FINISH, 0);
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

/// A group recall's report (see `report_js` in client.rs): `counts` is [requested, recalled,
/// failed, requests, retries]; `results` holds (msgSeq, code, message index * 2 + ok) triples
/// and is a view of wasm memory, read before anything else runs.
export function makeReport(groupId, topicId, counts, results, messagesJson) {
  const messages = JSON.parse(messagesJson);
  const list = [];
  for (let j = 0; j < results.length; j += 3) {
    const m = results[j + 2];
    list.push({ msgSeq: results[j], ok: (m & 1) === 1, code: results[j + 1], message: messages[m >> 1] });
  }
  const [requested, recalled, failed, requests, retries] = counts;
  return topicId === undefined
    ? { groupId, requested, recalled, failed, requests, retries, results: list }
    : { groupId, topicId, requested, recalled, failed, requests, retries, results: list };
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
