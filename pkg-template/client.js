// RecallClient as exported: the wasm-bindgen class plus compositions of its calls. They are
// JS because what they add is host work (the page's URL, async generators, AbortSignal,
// looping over pages) while every request still goes through the core's validation, pacing,
// retries and outcomes: no wasm size, no extra crossings. Adds: calls after free() reject with
// a RecallError (a second free() is a no-op); a relative baseUrl resolves against the page
// (browsers only); unknown option names are warned about once; recallGroupMessagesBySender
// resolves what it did; purgeSender, groupHistory, c2cHistory.
import { RecallClient as WasmRecallClient } from './chat_recall.js';
import { RecallError } from './recall_error.js';

const freed = new WeakSet();

/** Every option the constructor reads: add new ones here too. */
const KNOWN_OPTIONS = ['sdkAppId', 'identifier', 'userSig', 'secretKey', 'userSigTtlSeconds', 'region', 'baseUrl',
  'maxRequestsPerSecond', 'maxInFlight', 'timeoutMs', 'maxRetries', 'fetch', 'rateGate',
  'abortGraceMs', 'coldStartFactor', 'coldStartMs', 'coldStartProbe', 'rateLimitRecoveryMs', 'onRequest'];
const warned = new Set();

/** Case-insensitive edit distance, to name the closest known option. */
function distance(a, b) {
  a = a.toLowerCase();
  b = b.toLowerCase();
  let row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const next = [i];
    for (let j = 1; j <= b.length; j++) next[j] = Math.min(row[j] + 1, next[j - 1] + 1, row[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    row = next;
  }
  return row[b.length];
}

function warnUnknownOptions(options) {
  if (options === null || typeof options !== 'object') return;
  for (const key of Object.keys(options)) {
    if (KNOWN_OPTIONS.includes(key) || warned.has(key)) continue;
    warned.add(key);
    const closest = KNOWN_OPTIONS.reduce((best, k) => (distance(key, k) < distance(key, best) ? k : best));
    console.warn(`chat-recall: RecallClient ignores the unknown option "${key}" (did you mean "${closest}"?)`);
  }
}

// The wasm side takes only absolute http(s) URLs; elsewhere than a page it refuses, naming baseUrl.
function withAbsoluteBaseUrl(options) {
  const base = options?.baseUrl;
  if (typeof base !== 'string' || /^[a-z][a-z0-9+.-]*:/i.test(base)) return options;
  const page = globalThis.document?.baseURI ?? globalThis.location?.href;
  if (typeof page !== 'string' || !/^https?:/i.test(page)) return options;
  return { ...options, baseUrl: new URL(base, page).href };
}

const invalid = (field, problem) => new RecallError({ kind: 'invalid_input', info: `${field}: ${problem}` });

function aborted(signal) {
  return signal?.aborted ? new RecallError({ kind: 'aborted', info: 'aborted by the caller\'s signal' }) : undefined;
}

export class RecallClient extends WasmRecallClient {
  constructor(options) {
    warnUnknownOptions(options);
    super(withAbsoluteBaseUrl(options));
  }

  free() {
    if (freed.has(this)) return;
    freed.add(this);
    super.free();
  }

  async *#groupPages({ groupId, topicId, withRecalled, count, beforeSeq, signal }) {
    let before = beforeSeq;
    for (;;) {
      const page = await this.getGroupHistory({ groupId, topicId, withRecalled, count, beforeSeq: before, signal });
      yield page;
      if (page.isFinished || page.nextBeforeSeq === undefined) return;
      // A service handing out a newer seq must not loop us.
      if (before !== undefined && page.nextBeforeSeq >= Number(before)) {
        throw new RecallError({ kind: 'protocol', info: `getGroupHistory: page before ${before} points to ${page.nextBeforeSeq}` });
      }
      before = page.nextBeforeSeq;
    }
  }

  async *groupHistory(args) {
    const signal = args?.signal;
    for await (const page of this.#groupPages(args ?? {})) {
      for (const m of page.messages) {
        const stop = aborted(signal);
        if (stop) throw stop;
        yield m;
      }
    }
  }

  async *c2cHistory(args) {
    const { operatorAccount, peerAccount, minTime, maxCount, signal } = args ?? {};
    let { maxTime, lastMsgKey } = args ?? {};
    for (;;) {
      const page = await this.getC2CHistory({ operatorAccount, peerAccount, minTime, maxTime, maxCount, lastMsgKey, signal });
      for (const m of page.messages) {
        const stop = aborted(signal);
        if (stop) throw stop;
        yield m;
      }
      if (page.complete) return;
      if (page.lastMsgKey === undefined || page.lastMsgTime === undefined) {
        throw new RecallError({ kind: 'protocol', info: 'getC2CHistory: an incomplete page without lastMsgKey/lastMsgTime' });
      }
      ({ lastMsgKey, lastMsgTime: maxTime } = page);
    }
  }

  async purgeSender(args) {
    if (args === null || typeof args !== 'object') throw invalid('args', 'must be an object');
    const { groupId, senderAccount, topicId, since, signal, onProgress, reason } = args;
    if (typeof senderAccount !== 'string' || senderAccount === '') throw invalid('senderAccount', 'must be a non-empty string');
    if (since !== undefined && !(Number.isFinite(since) && since >= 0)) throw invalid('since', 'must be unix seconds (a number >= 0)');
    if (onProgress !== undefined && typeof onProgress !== 'function') throw invalid('onProgress', 'must be a function');
    const report = (p) => {
      try { onProgress?.(p); } catch { /* a failing callback must not stop the purge */ }
    };
    const seqs = [];
    const scanned = { pages: 0, messages: 0 };
    for await (const page of this.#groupPages({ groupId, topicId, withRecalled: false, signal })) {
      scanned.pages++;
      // Newest first: with `since`, the first older message ends the scan.
      const older = since === undefined ? -1 : page.messages.findIndex((m) => m.msgTimeStamp < since);
      const fresh = older < 0 ? page.messages : page.messages.slice(0, older);
      for (const m of fresh) {
        // Recalled messages and holes (isPlaceMsg != 0) have nothing left to recall.
        if (m.fromAccount === senderAccount && m.isPlaceMsg === 0 && !m.recalled) seqs.push(m.msgSeq);
      }
      scanned.messages += fresh.length;
      report({ phase: 'scan', pages: scanned.pages, messages: scanned.messages, found: seqs.length });
      if (older >= 0) break;
    }
    if (seqs.length === 0) {
      return { groupId, ...(topicId === undefined ? {} : { topicId }), requested: 0, recalled: 0, failed: 0, requests: 0, retries: 0, results: [], senderAccount, scanned };
    }
    try {
      const result = await this.recallGroupMessages({ groupId, topicId, reason, msgSeqs: seqs, signal,
        onProgress: onProgress && ((p) => report({ phase: 'recall', ...p })) });
      return { ...result, senderAccount, scanned };
    } catch (e) {
      if (e instanceof RecallError && e.report) Object.assign(e.report, { senderAccount, scanned });
      throw e;
    }
  }
}

for (const name of ['recallGroupMessages', 'recallGroupMessagesBySender', 'recallC2CMessage', 'getGroupHistory', 'getC2CHistory']) {
  const method = WasmRecallClient.prototype[name];
  Object.defineProperty(RecallClient.prototype, name, {
    value: function (args) {
      if (freed.has(this)) {
        return Promise.reject(new RecallError({ kind: 'invalid_input', info: `client: ${name}() called after free()` }));
      }
      const result = method.call(this, args);
      if (name !== 'recallGroupMessagesBySender') return result;
      return result.then(() => ({ groupId: args.groupId, senderAccount: args.senderAccount, ...(args.topicId == null ? {} : { topicId: args.topicId }) }));
    },
    writable: true,
    configurable: true,
  });
}
if (typeof Symbol.dispose === 'symbol') RecallClient.prototype[Symbol.dispose] = RecallClient.prototype.free;
