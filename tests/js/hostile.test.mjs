// Hostile input against the installed package: fetches that misbehave every way, answers
// that are huge, endless, nested, non-JSON, invalid UTF-8 or carry `__proto__` and integers
// past 2^53 and 2^64; forged, stale and replayed webhooks. After each case the same client
// still serves a valid call, wasm memory stays bounded (a second run of the case does not
// grow it), and refused input sends nothing.
// Writes target/hostile-report.json (cases tried and held) for scripts/bench.sh's report.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importPackage, repo } from './install.mjs';

const lib = await importPackage();
const { RecallClient, RecallError, parseCallback, generateUserSig, verifyUserSig } = lib;
const APP = 1400000000;
const KEY = 'hostile-test-key';
const TOKEN = 'hostile-token';
const TIMEOUT_MS = 300;
// How long a misbehaving fetch may take to be settled: generous for a loaded CI machine; a
// fetch that is never settled fails it.
const SETTLE_MS = 15_000;
const MiB = 1 << 20;

const wasmBytes = () => lib.initSync({ module: new Uint8Array() }).memory.buffer.byteLength;
const enc = new TextEncoder();

// ---- a client whose fetch each case replaces ----
let current;
let sent = 0;
const client = new RecallClient({
  sdkAppId: APP, identifier: 'administrator', secretKey: KEY, baseUrl: 'http://127.0.0.1:9',
  timeoutMs: TIMEOUT_MS, maxRetries: 0,
  fetch: (url, init) => { sent++; return current(url, init); },
});

/** A well-behaved service: recalls whatever it is asked to. */
async function goodFetch(url, init) {
  const api = new URL(url).pathname.replace(/^\/v4\//, '');
  const body = JSON.parse(init.body);
  const ok = { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' };
  const answer = api === 'group_open_http_svc/group_msg_recall'
    ? { ...ok, RecallRetList: body.MsgSeqList.map(({ MsgSeq }) => ({ MsgSeq, RetCode: 0 })) }
    : ok;
  return new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json' } });
}

async function servesValidCall() {
  current = goodFetch;
  const r = await client.recallGroupMessages({ groupId: '@TGS#ok', msgSeqs: [1, 2, 3] });
  assert.equal(r.recalled, 3);
  await client.recallC2CMessage({ fromAccount: 'a', toAccount: 'b', msgKey: '1_2_3' });
}

// ---- the report ----
const cases = [];
const baseline = wasmBytes();
let maxWasm = baseline;
// Wasm memory never shrinks, so "bounded" is checked two ways: running a case a second time
// must not grow it (a leak would), and it never exceeds a ceiling over the start.
const WASM_REPEAT_GROWTH_LIMIT = MiB;
const WASM_GROWTH_LIMIT = 64 * MiB;

/** Runs one hostile case twice, each time proving the client still works, then checks memory. */
function hostile(group, name, fn) {
  test(`${group}: ${name}`, async () => {
    const entry = { group, name, held: false };
    cases.push(entry);
    await fn();
    await servesValidCall();
    const first = wasmBytes();
    await fn();
    await servesValidCall();
    const w = wasmBytes();
    maxWasm = Math.max(maxWasm, w);
    assert.ok(w - first <= WASM_REPEAT_GROWTH_LIMIT, `wasm memory grew by ${(w - first) / MiB} MiB when the case ran again`);
    assert.ok(w - baseline <= WASM_GROWTH_LIMIT, `wasm memory grew by ${(w - baseline) / MiB} MiB`);
    assert.equal(Object.prototype.polluted, undefined, 'Object.prototype was polluted');
    entry.held = true;
  });
}

after(() => {
  const report = {
    suite: 'hostile', cases: cases.length, held: cases.filter((c) => c.held).length,
    wasm_memory_bytes: { baseline, max: maxWasm, end: wasmBytes(), growth_limit: WASM_GROWTH_LIMIT, repeat_growth_limit: WASM_REPEAT_GROWTH_LIMIT },
    rss_bytes: process.memoryUsage().rss,
    groups: Object.fromEntries([...new Set(cases.map((c) => c.group))].map((g) => [g, {
      tried: cases.filter((c) => c.group === g).length, held: cases.filter((c) => c.group === g && c.held).length }])),
    failed: cases.filter((c) => !c.held).map((c) => `${c.group}: ${c.name}`),
  };
  mkdirSync(join(repo, 'target'), { recursive: true });
  writeFileSync(join(repo, 'target', 'hostile-report.json'), JSON.stringify(report, null, 2) + '\n');
});

/** A one-message recall through `fetchFn`: must reject with `kind` within `ms`. */
async function expectC2C(fetchFn, kind, ms = SETTLE_MS, match) {
  current = fetchFn;
  const t0 = performance.now();
  const e = await client.recallC2CMessage({ fromAccount: 'a', toAccount: 'b', msgKey: '1_2_3' }).then(
    (v) => assert.fail(`resolved: ${JSON.stringify(v)}`), (x) => x);
  const elapsed = performance.now() - t0;
  assert.ok(e instanceof RecallError, `not a RecallError: ${e}`);
  assert.equal(e.kind, kind, e.message);
  if (match) assert.match(e.message, match);
  assert.ok(elapsed < ms, `settled after ${elapsed} ms`);
  return e;
}

/** A group recall whose answer is `bytes` (HTTP 200): every message ends with one outcome. */
async function groupRecallAnswered(bytes, seqs = [1, 2]) {
  current = async () => new Response(bytes, { status: 200 });
  const r = await client.recallGroupMessages({ groupId: 'g', msgSeqs: seqs }).catch((e) => e.report ?? e);
  assert.ok(!(r instanceof Error), `rejected without a report: ${r}`);
  assert.equal(r.results.length, seqs.length);
  assert.deepEqual(r.results.map((x) => x.msgSeq), seqs);
  // One outcome each: an unusable answer leaves its messages in doubt (notSent or unknown
  // when the look-up meets the same garbage), never counted twice or dropped.
  assert.equal(r.recalled + r.failed + r.notSent + r.unknown, seqs.length);
  assert.ok(r.results.every((x) => ['recalled', 'failed', 'notSent', 'unknown'].includes(x.outcome)));
  return r;
}

/** A response whose body stream never delivers a byte and ignores cancel. */
const silentBody = () => new ReadableStream({ pull() { return new Promise(() => {}); } });

// ---- fetches that misbehave ----
const F = 'fetch';
hostile(F, 'never settles and ignores its AbortSignal', () => expectC2C(() => new Promise(() => {}), 'timeout', SETTLE_MS));
hostile(F, 'headers arrive, the body never does', () => expectC2C(async () => new Response(silentBody(), { status: 200 }), 'timeout', SETTLE_MS));
hostile(F, 'Response-like whose arrayBuffer() never settles', () =>
  expectC2C(async () => ({ status: 200, arrayBuffer: () => new Promise(() => {}) }), 'timeout', SETTLE_MS));
hostile(F, 'body streams a few bytes then stalls forever', () => expectC2C(async () => new Response(new ReadableStream({
  start(c) { c.enqueue(enc.encode('{"ActionStatus":')); },
  pull() { return new Promise(() => {}); },
}), { status: 200 }), 'timeout', SETTLE_MS));
hostile(F, 'throws synchronously', () => expectC2C(() => { throw new Error('boom'); }, 'network'));
hostile(F, 'rejects with null', () => expectC2C(() => Promise.reject(null), 'network'));
hostile(F, 'rejects with an object whose getters throw', () => expectC2C(() => Promise.reject({ get message() { throw new Error('x'); } }), 'network'));
hostile(F, 'rejects with a revoked proxy', () => {
  const { proxy, revoke } = Proxy.revocable({}, {}); revoke();
  return expectC2C(() => Promise.reject(proxy), 'network');
});
for (const [label, value] of [['null', null], ['42', 42], ['{}', {}], ['status "200"', { status: '200' }], ['status 1e9', { status: 1e9 }],
  ['a getter that throws', { get status() { throw new Error('x'); } }]]) {
  hostile(F, `resolves to garbage: ${label}`, () => expectC2C(async () => value, 'protocol'));
}
hostile(F, 'Response-like without body or arrayBuffer', () => expectC2C(async () => ({ status: 200 }), 'protocol'));
hostile(F, 'body stream yields strings instead of bytes', () => expectC2C(async () => ({
  status: 200, body: new ReadableStream({ start(c) { c.enqueue('not bytes'); c.close(); } }) }), 'protocol'));
hostile(F, 'arrayBuffer() resolves to a number (would allocate that many bytes)', () =>
  expectC2C(async () => ({ status: 200, arrayBuffer: async () => 1e9 }), 'protocol'));
hostile(F, 'body stream errors half way', () => expectC2C(async () => new Response(new ReadableStream({
  start(c) { c.enqueue(enc.encode('{"Action')); c.error(new Error('reset')); } }), { status: 200 }), 'network'));
hostile(F, 'non-JSON answer', () => expectC2C(async () => new Response('<html>hello</html>', { status: 200 }), 'protocol'));
hostile(F, 'empty answer', () => expectC2C(async () => new Response('', { status: 200 }), 'protocol'));
hostile(F, 'streams forever (64 KiB chunks)', async () => {
  let pulled = 0;
  const chunk = new Uint8Array(64 * 1024).fill(0x20);
  const e = await expectC2C(async () => new Response(new ReadableStream({ pull(c) { pulled++; c.enqueue(chunk); } }), { status: 200 }),
    'protocol', SETTLE_MS, /larger than 1048576 bytes/);
  assert.ok(e);
  assert.ok(pulled < 64, `read ${pulled} chunks of a 1 MiB cap`);
});
hostile(F, 'a 200 MB answer is refused without being buffered', async () => {
  const before = wasmBytes();
  const rss0 = process.memoryUsage().rss;
  let sentBytes = 0;
  const chunk = new Uint8Array(MiB).fill(0x20);
  await expectC2C(async () => new Response(new ReadableStream({
    pull(c) { if (sentBytes >= 200 * MiB) { c.close(); return; } sentBytes += chunk.length; c.enqueue(chunk); },
  }), { status: 200 }), 'protocol', SETTLE_MS, /larger than/);
  assert.ok(sentBytes < 8 * MiB, `the stream was read to ${sentBytes} bytes`);
  assert.ok(wasmBytes() - before <= 2 * MiB, `wasm grew by ${wasmBytes() - before}`);
  assert.ok(process.memoryUsage().rss - rss0 < 100 * MiB);
});
hostile(F, 'a 2 MB answer given whole by arrayBuffer() is refused', () =>
  expectC2C(async () => ({ status: 200, arrayBuffer: async () => new ArrayBuffer(2 * MiB) }), 'protocol', SETTLE_MS, /larger than/));

// ---- hostile answers (bodies within the cap) ----
const A = 'answer';
const okHead = '{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"",';
hostile(A, 'deeply nested JSON (500,000 brackets)', () => groupRecallAnswered(okHead + '"RecallRetList":' + '['.repeat(500_000)));
hostile(A, 'deeply nested objects (100,000)', () => groupRecallAnswered(okHead + '"X":' + '{"a":'.repeat(100_000) + '1' + '}'.repeat(100_000) + '}'));
hostile(A, 'a 1 MB RecallRetList of unrelated seqs', async () => {
  const list = Array.from({ length: 40_000 }, (_, i) => ({ MsgSeq: i + 100, RetCode: 0 }));
  const r = await groupRecallAnswered(JSON.stringify({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', RecallRetList: list }).slice(0, MiB - 10) + ']}');
  assert.equal(r.recalled, 0);
});
hostile(A, '__proto__ keys in the answer', async () => {
  const r = await groupRecallAnswered(okHead + '"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}},"RecallRetList":[{"MsgSeq":1,"RetCode":0,"__proto__":{"ok":false}},{"MsgSeq":2,"RetCode":0}]}');
  assert.equal(r.recalled, 2);
  assert.equal({}.polluted, undefined);
});
hostile(A, 'integers past 2^53 and 2^64 in the answer', async () => {
  const r = await groupRecallAnswered(okHead + '"RecallRetList":[{"MsgSeq":18446744073709551617,"RetCode":0},{"MsgSeq":9007199254740993,"RetCode":0},{"MsgSeq":1,"RetCode":18446744073709551616},{"MsgSeq":2,"RetCode":-9223372036854775809}]}');
  assert.ok(r.results.every((x) => Number.isSafeInteger(x.code)));
});
hostile(A, 'invalid UTF-8 inside strings', () =>
  groupRecallAnswered(new Uint8Array([...enc.encode(okHead + '"ErrorInfo":"'), 0xff, 0xfe, 0xc0, 0x80, ...enc.encode('","RecallRetList":[{"MsgSeq":1,"RetCode":0}]}')])));
hostile(A, 'lone surrogate escapes in strings', () => groupRecallAnswered(okHead + '"X":"\\ud800\\udc00\\udfff","RecallRetList":[{"MsgSeq":1,"RetCode":0}]}'));
hostile(A, 'numbers with huge exponents and precision', () =>
  groupRecallAnswered(okHead + '"RecallRetList":[{"MsgSeq":1e999999,"RetCode":0},{"MsgSeq":2.0000000000000000000000001,"RetCode":-0}]}'));
hostile(A, 'history page with hostile fields', async () => {
  current = async () => new Response(okHead + '"GroupId":"g","IsFinished":1,"RspMsgList":[{"MsgSeq":18446744073709551616,"__proto__":{"polluted":1},"MsgBody":' + '['.repeat(10_000) + '}]}');
  await client.getGroupHistory({ groupId: 'g' }).catch((e) => assert.ok(e instanceof RecallError, String(e)));
});

// ---- hostile input: refused before anything is sent ----
const I = 'input';
async function refusedUnsent(call, field) {
  const before = sent;
  current = goodFetch;
  const e = await Promise.resolve().then(call).then((v) => assert.fail(`accepted: ${JSON.stringify(v)}`), (x) => x);
  assert.ok(e instanceof RecallError, String(e));
  assert.equal(e.kind, 'invalid_input', e.message);
  if (field) assert.ok(e.message.includes(field), `${e.message} does not name ${field}`);
  assert.equal(sent, before, 'something was sent');
}
hostile(I, 'MsgSeq 2^64 as a bigint', () => refusedUnsent(() => client.recallGroupMessages({ groupId: 'g', msgSeqs: [1, 2n ** 64n] }), 'msgSeqs[1]'));
hostile(I, 'MsgSeq 2^64+1 as a string', () => refusedUnsent(() => client.recallGroupMessages({ groupId: 'g', msgSeqs: ['18446744073709551617'] }), 'msgSeqs[0]'));
hostile(I, 'MsgSeq 2^53 as a number', () => refusedUnsent(() => client.recallGroupMessages({ groupId: 'g', msgSeqs: [2 ** 53] }), 'msgSeqs[0]'));
hostile(I, 'MsgKey parts past 2^64', () => refusedUnsent(() => client.recallC2CMessage({ fromAccount: 'a', toAccount: 'b', msgKey: '1_2_' + '9'.repeat(40) }), 'msgKey'));
hostile(I, 'maxRequestsPerSecond 1e-9', () => refusedUnsent(() => new RecallClient({ sdkAppId: APP, identifier: 'a', secretKey: KEY, maxRequestsPerSecond: 1e-9 }), 'maxRequestsPerSecond'));
for (const [field, value] of [['timeoutMs', 2 ** 40], ['timeoutMs', 0], ['maxInFlight', 1e6], ['maxRetries', 1e9], ['maxRequestsPerSecond', Infinity], ['userSigTtlSeconds', 2 ** 64]]) {
  hostile(I, `${field} ${value}`, () => refusedUnsent(() => new RecallClient({ sdkAppId: APP, identifier: 'a', secretKey: KEY, [field]: value }), field));
}
hostile(I, 'a lone surrogate in groupId is never sent mangled', async () => {
  const before = sent;
  let body;
  current = async (url, init) => { body = init.body; return goodFetch(url, init); };
  const r = await client.recallGroupMessages({ groupId: 'g\uD800', msgSeqs: [1] }).then((v) => v, (e) => e);
  if (r instanceof RecallError) {
    assert.equal(r.kind, 'invalid_input');
    assert.equal(sent, before);
  } else {
    // Sent: then as valid UTF-8 JSON that says exactly what was asked, not U+FFFD.
    assert.equal(JSON.parse(body).GroupId, 'g\uD800');
  }
});
hostile(I, 'lone surrogates and NULs in UserSig strings', () => {
  for (const userSig of ['\uDC00', 'eJw\uD800', '\0'.repeat(100), 'x'.repeat(1_000_000)]) {
    assert.throws(() => verifyUserSig({ sdkAppId: APP, secretKey: KEY, identifier: 'a', userSig }), RecallError);
  }
  assert.throws(() => generateUserSig({ sdkAppId: APP, secretKey: KEY, identifier: '\uD800', expireSeconds: 60 }), RecallError);
});

// ---- webhooks ----
const W = 'webhook';
const sign = (t) => createHash('sha256').update(TOKEN + t).digest('hex');
const nowS = () => Math.floor(Date.now() / 1000);
const cbUrl = (t, extra = '') => `/cb?SdkAppid=${APP}&CallbackCommand=Group.CallbackAfterRecallMsg&contenttype=json&ClientIP=1.2.3.4&OptPlatform=RESTAPI&Sign=${sign(t)}&RequestTime=${t}${extra}`;
const cbBody = JSON.stringify({ CallbackCommand: 'Group.CallbackAfterRecallMsg', Operator_Account: 'admin', Type: 'Public', GroupId: 'g', MsgSeqList: [{ MsgSeq: 130 }] });
const refused = (opts, kind) => {
  const e = (() => { try { parseCallback({ sdkAppId: APP, token: TOKEN, ...opts }); } catch (x) { return x; } return undefined; })();
  assert.ok(e instanceof RecallError, `accepted: ${JSON.stringify(opts).slice(0, 200)}`);
  if (kind) assert.equal(e.kind, kind, e.message);
};
hostile(W, 'a valid callback is accepted (control)', () => {
  const ev = parseCallback({ url: cbUrl(nowS()), body: cbBody, sdkAppId: APP, token: TOKEN });
  assert.deepEqual(ev.msgSeqs, [130]);
});
hostile(W, 'forged Sign', () => refused({ url: cbUrl(nowS()).replace(/Sign=[0-9a-f]{4}/, 'Sign=0000'), body: cbBody }, 'auth'));
hostile(W, 'Sign for another RequestTime', () => refused({ url: cbUrl(nowS()).replace(/RequestTime=\d+/, `RequestTime=${nowS() - 1}`), body: cbBody }, 'auth'));
hostile(W, 'stale RequestTime (61 s)', () => refused({ url: cbUrl(nowS() - 61), body: cbBody }, 'auth'));
hostile(W, 'RequestTime from the future (61 s)', () => refused({ url: cbUrl(nowS() + 61), body: cbBody }, 'auth'));
hostile(W, 'replayed after the window', () => {
  const t = nowS();
  const captured = { url: cbUrl(t), body: cbBody };
  parseCallback({ ...captured, sdkAppId: APP, token: TOKEN, now: t });
  refused({ ...captured, now: t + 61 }, 'auth');
});
hostile(W, 'no Sign with a token configured', () => refused({ url: cbUrl(nowS()).replace(/&Sign=[0-9a-f]+/, ''), body: cbBody }, 'auth'));
hostile(W, 'two Signs (parser differential)', () => refused({ url: cbUrl(nowS(), `&Sign=${sign(nowS())}`), body: cbBody }, 'auth'));
hostile(W, 'foreign SdkAppid', () => refused({ url: cbUrl(nowS()).replace(`SdkAppid=${APP}`, 'SdkAppid=1400000001'), body: cbBody }, 'auth'));
hostile(W, 'RequestTime past 2^64', () => refused({ url: cbUrl('18446744073709551617'), body: cbBody }, 'auth'));
hostile(W, 'a body over 64 KiB', () => refused({ url: cbUrl(nowS()), body: cbBody.slice(0, -1) + ',"pad":"' + 'x'.repeat(70_000) + '"}' }, 'invalid_input'));
hostile(W, 'a deeply nested body', () => refused({ url: cbUrl(nowS()), body: '['.repeat(60_000) }, 'invalid_input'));
hostile(W, 'invalid UTF-8 body', () => refused({ url: cbUrl(nowS()), body: new Uint8Array([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x3a, 0x31, 0x7d]) }, 'invalid_input'));
hostile(W, 'lone surrogate in the URL', () => refused({ url: cbUrl(nowS()) + '&x=\uD800', body: cbBody }));
hostile(W, 'MsgSeq past 2^53 and 2^64 in the body', () => {
  for (const seq of ['9007199254740993', '18446744073709551617', '-1', '1e400']) {
    let ev;
    try { ev = parseCallback({ url: cbUrl(nowS()), body: cbBody.replace('130', seq), sdkAppId: APP, token: TOKEN }); } catch (e) { assert.ok(e instanceof RecallError); continue; }
    assert.ok(ev.msgSeqs.every(Number.isSafeInteger), `${seq} -> ${ev.msgSeqs}`);
  }
});
hostile(W, '__proto__ keys in the body', () => {
  const body = cbBody.slice(0, -1) + ',"__proto__":{"polluted":1},"constructor":{"prototype":{"polluted":1}}}';
  const ev = parseCallback({ url: cbUrl(nowS()), body, sdkAppId: APP, token: TOKEN });
  assert.equal(ev.polluted, undefined);
  assert.equal(Object.getPrototypeOf(ev), Object.prototype);
});
hostile(W, 'a 1,000,000-byte URL', () => refused({ url: cbUrl(nowS()) + '&x=' + 'a'.repeat(1_000_000), body: cbBody }, 'invalid_input'));
