// The JS boundary against hostile values (issue 7), on the installed package: every value is
// read with exceptions caught and turned into a RecallError naming the field; the shared
// instance survives 100,000 such calls; sizes are checked before copying into wasm; only own
// properties are read; iteration is bounded; async methods never throw synchronously;
// integers a JS number cannot hold are refused, never rounded; a missing token refuses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { importPackage, installedProject } from './install.mjs';

const lib = await importPackage();
const { RecallClient, RecallError } = lib;
const APP = 1400000000;
const KEY = 'boundary-test-key';
const TOKEN = 'boundary-token';
const good = { sdkAppId: APP, secretKey: KEY, identifier: 'admin', expireSeconds: 60, now: 1700000000 };

/** The wasm instance's memory, reached through the glue's own module instance. */
async function wasmMemoryBytes() {
  const glue = await import(join(installedProject(), 'node_modules/chat-recall/chat_recall.js'));
  // initSync on an initialised module returns the existing exports.
  return glue.initSync({ module: new Uint8Array(0) }).memory.buffer.byteLength;
}

const isInvalid = (field) => (e) => e instanceof RecallError && e.kind === 'invalid_input' && e.info.includes(field);

function hostileValues() {
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  const detached = new ArrayBuffer(8);
  structuredClone(detached, { transfer: [detached] });
  function* throwsMidway() { yield 1; yield 2; throw new Error('generator boom'); }
  return [
    ['getter', { ...good, get identifier() { throw new Error('boom'); } }, 'identifier', 'generateUserSig'],
    ['revoked proxy as options', revoked, 'sdkAppId', 'generateUserSig'],
    ['revoked proxy as a field', { ...good, userBuf: revoked }, 'userBuf', 'generateUserSig'],
    ['detached buffer', { ...good, userBuf: detached }, 'userBuf', 'generateUserSig'],
    ['throwing proxy traps', new Proxy(good, { getOwnPropertyDescriptor() { throw new Error('trap'); } }), 'sdkAppId', 'generateUserSig'],
    ['generator throws mid-way', { groupId: 'g', msgSeqs: throwsMidway() }, 'msgSeqs', 'recall'],
    ['element getter throws', { groupId: 'g', msgSeqs: Object.defineProperty([1, 2], 1, { get() { throw new Error('el'); } }) }, 'msgSeqs[1]', 'recall'],
    ['revoked proxy msgSeqs', { groupId: 'g', msgSeqs: revoked }, 'msgSeqs', 'recall'],
    ['detached body', { url: '/cb', body: detached, sdkAppId: APP, allowUnsigned: true }, 'body', 'parseCallback'],
  ];
}

test('hostile values become RecallErrors naming the field; async methods reject, never throw', async () => {
  const client = new RecallClient({ sdkAppId: APP, identifier: 'admin', userSig: 'sig', baseUrl: 'http://127.0.0.1:9', fetch: () => assert.fail('nothing may be sent') });
  for (const [label, value, field, fn] of hostileValues()) {
    if (fn === 'recall') {
      let p;
      assert.doesNotThrow(() => { p = client.recallGroupMessages(value); }, label);
      await assert.rejects(p, isInvalid(field), label);
    } else {
      assert.throws(() => lib[fn](value), isInvalid(field), label);
    }
  }
  // Not even hostile arguments to the other async methods throw synchronously.
  const { proxy: revoked, revoke } = Proxy.revocable({}, {});
  revoke();
  for (const m of ['recallGroupMessages', 'recallGroupMessagesBySender', 'recallC2CMessage', 'getGroupHistory', 'getC2CHistory']) {
    for (const bad of [revoked, null, 5, { get groupId() { throw new Error('x'); } }]) {
      let p;
      assert.doesNotThrow(() => { p = client[m](bad); }, m);
      await assert.rejects(p, (e) => e instanceof RecallError && e.kind === 'invalid_input', m);
    }
  }
  let p;
  assert.doesNotThrow(() => { p = lib.verifyCallbackRequest(revoked, revoked); });
  await assert.rejects(p, (e) => e instanceof RecallError && e.kind === 'invalid_input');
  assert.ok(lib.generateUserSig(good).length > 100);
});

test('the instance survives 100,000 throwing calls, then serves a valid call', async () => {
  const values = hostileValues().filter(([, , , fn]) => fn !== 'recall');
  const throwing = (n) => {
    for (let i = 0; i < n; i++) {
      const [, value, , fn] = values[i % values.length];
      try {
        lib[fn](value);
        assert.fail('should throw');
      } catch (e) {
        if (!(e instanceof RecallError)) throw e;
      }
    }
  };
  throwing(1_000); // warm-up: the allocator reaches its working size
  const before = await wasmMemoryBytes();
  const t0 = performance.now();
  throwing(100_000);
  const ms = performance.now() - t0;
  assert.equal(await wasmMemoryBytes(), before, 'wasm memory did not grow over 100,000 throwing calls (no leaked stack)');
  const client = new RecallClient({ sdkAppId: APP, identifier: 'admin', userSig: 'sig', baseUrl: 'http://127.0.0.1:9',
    fetch: async () => new Response('{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","RecallRetList":[{"MsgSeq":1,"RetCode":0}]}') });
  function* gen() { yield 1; throw new Error('mid-way'); }
  const rejecting = async (n) => {
    for (let i = 0; i < n; i++) await client.recallGroupMessages({ groupId: 'g', msgSeqs: gen() }).then(() => assert.fail('should reject'), (e) => assert.ok(e instanceof RecallError));
  };
  await rejecting(200);
  const beforeAsync = await wasmMemoryBytes();
  await rejecting(5_000);
  assert.equal(await wasmMemoryBytes(), beforeAsync, 'wasm memory did not grow over 5,000 rejected calls');
  const r = await client.recallGroupMessages({ groupId: 'g', msgSeqs: [1] });
  assert.equal(r.recalled, 1);
  assert.ok(lib.generateUserSig(good).length > 100);
  console.error(`[boundary] 100,000 throwing calls: ${Math.round(ms)} ms`);
});

test('size checks before copying: a 10 MB body, a 100 MB userSig and a 10 MB Uint8Array leave wasm memory alone', async () => {
  const before = await wasmMemoryBytes();
  const body = 'x'.repeat(10 * 1024 * 1024);
  assert.throws(() => lib.parseCallback({ url: '/cb', body, sdkAppId: APP, token: TOKEN }), isInvalid('body'));
  assert.throws(() => lib.parseCallback({ url: '/cb', body: new Uint8Array(10 * 1024 * 1024), sdkAppId: APP, token: TOKEN }), isInvalid('body'));
  const userSig = 'A'.repeat(100 * 1024 * 1024);
  assert.throws(() => lib.verifyUserSig({ sdkAppId: APP, secretKey: KEY, identifier: 'admin', userSig }), isInvalid('userSig'));
  assert.throws(() => new RecallClient({ sdkAppId: APP, identifier: 'admin', userSig }), isInvalid('userSig'));
  assert.equal(await wasmMemoryBytes(), before, 'wasm memory did not grow');
});

test('own properties only: a polluted Object.prototype changes nothing', async () => {
  const polluted = { now: 1, maxSkewSeconds: 86400, baseUrl: 'http://evil.example', fetch: () => { throw new Error('polluted fetch used'); }, token: 'evil', allowUnsigned: true };
  for (const [k, v] of Object.entries(polluted)) Object.prototype[k] = v;
  try {
    // allowUnsigned and token from the prototype are ignored: still refused for no token.
    assert.throws(() => lib.parseCallback({ url: `/cb?SdkAppid=${APP}`, body: '{}', sdkAppId: APP }), isInvalid('token'));
    // `now` and `maxSkewSeconds` from the prototype are ignored: the real clock is used.
    const requestTime = Math.floor(Date.now() / 1000);
    const sign = createHash('sha256').update(TOKEN + requestTime).digest('hex');
    const body = JSON.stringify({ CallbackCommand: 'Group.CallbackAfterRecallMsg', GroupId: 'g', MsgSeqList: [{ MsgSeq: 1 }] });
    const ok = lib.parseCallback({ url: `/cb?SdkAppid=${APP}&Sign=${sign}&RequestTime=${requestTime}`, body, sdkAppId: APP, token: TOKEN });
    assert.equal(ok.groupId, 'g');
    const old = createHash('sha256').update(TOKEN + '1000').digest('hex');
    assert.throws(() => lib.parseCallback({ url: `/cb?SdkAppid=${APP}&Sign=${old}&RequestTime=1000`, body, sdkAppId: APP, token: TOKEN }), (e) => e.kind === 'auth');
    // baseUrl and fetch from the prototype are ignored: the client's own fetch and host are used.
    const urls = [];
    const client = new RecallClient({ sdkAppId: APP, identifier: 'admin', userSig: 'sig', region: 'singapore' });
    const own = new RecallClient(Object.assign(Object.create(null), { sdkAppId: APP, identifier: 'admin', userSig: 'sig',
      fetch: async (url) => { urls.push(url); return new Response('{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}'); } }));
    await own.recallGroupMessagesBySender({ groupId: 'g', senderAccount: 'bob' });
    assert.equal(new URL(urls[0]).host, 'console.tim.qq.com');
    client.free();
    own.free();
  } finally {
    for (const k of Object.keys(polluted)) delete Object.prototype[k];
  }
});

test('an endless iterable as msgSeqs stops at the cap while iterating', async () => {
  const client = new RecallClient({ sdkAppId: APP, identifier: 'admin', userSig: 'sig', fetch: () => assert.fail('nothing may be sent') });
  let pulled = 0;
  function* endless() { for (let i = 1; ; i++) { pulled++; yield i; } }
  const e = await client.recallGroupMessages({ groupId: 'g', msgSeqs: endless() }).then(() => null, (x) => x);
  assert.ok(isInvalid('msgSeqs')(e), String(e));
  assert.match(e.info, /more than 1000000 entries/);
  assert.ok(pulled <= 1_000_001, `${pulled} pulled`);
  // An array-like with an absurd length is refused without reading it.
  const huge = await client.recallGroupMessages({ groupId: 'g', msgSeqs: new Proxy([], { get: (t, k) => (k === 'length' ? 2 ** 32 - 1 : Reflect.get(t, k)) }) }).then(() => null, (x) => x);
  assert.ok(isInvalid('msgSeqs')(huge), String(huge));
});

test('MsgSeqs: numbers, bigints and decimal strings; unsafe integers refused naming the element', async () => {
  const seen = [];
  const client = new RecallClient({ sdkAppId: APP, identifier: 'admin', userSig: 'sig',
    fetch: async (url, init) => { const b = JSON.parse(init.body); seen.push(...b.MsgSeqList.map((m) => m.MsgSeq)); return new Response(JSON.stringify({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', RecallRetList: b.MsgSeqList.map((m) => ({ MsgSeq: m.MsgSeq, RetCode: 0 })) })); } });
  const r = await client.recallGroupMessages({ groupId: 'g', msgSeqs: new Set([1, 2n, '3', 9007199254740991n]) });
  assert.equal(r.recalled, 4);
  assert.deepEqual(seen, [1, 2, 3, 9007199254740991]);
  for (const [seqs, field] of [[[1, 9007199254740993n], 'msgSeqs[1]'], [[1, 2, '9007199254740992'], 'msgSeqs[2]'], [[2 ** 53 + 2], 'msgSeqs[0]'], [[1, 0.5], 'msgSeqs[1]']]) {
    await assert.rejects(client.recallGroupMessages({ groupId: 'g', msgSeqs: seqs }), isInvalid(field), field);
  }
});

test('results: integers beyond 2^53-1 in webhooks and history are refused, never rounded', async () => {
  const url = `/cb?SdkAppid=${APP}`;
  const opts = { url, sdkAppId: APP, allowUnsigned: true };
  const group = (extra) => JSON.stringify({ CallbackCommand: 'Group.CallbackAfterRecallMsg', GroupId: 'g', MsgSeqList: [{ MsgSeq: 1 }], ...extra });
  // JSON.stringify cannot write these numbers exactly, so the bodies are written by hand.
  const bodies = [
    ['{"CallbackCommand":"Group.CallbackAfterRecallMsg","GroupId":"g","MsgSeqList":[{"MsgSeq":1},{"MsgSeq":9007199254740993}]}', 'MsgSeqList[1].MsgSeq'],
    [`${group({}).slice(0, -1)},"EventTime":9007199254740993}`, 'eventTime'],
    ['{"CallbackCommand":"C2C.CallbackAfterMsgWithDraw","From_Account":"a","To_Account":"b","MsgKey":"1_2_3","UnreadMsgNum":9007199254740993}', 'unreadMsgNum'],
  ];
  for (const [body, field] of bodies) {
    assert.throws(() => lib.parseCallback({ ...opts, body }), (e) => e instanceof RecallError && e.info.includes(field) && /2\^53-1/.test(e.info), field);
  }
  assert.deepEqual(lib.parseCallback({ ...opts, body: bodies[0][0].replace('9007199254740993', '9007199254740991') }).msgSeqs, [1, 9007199254740991]);

  const page = (seq, next) => `{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":"","GroupId":"g","IsFinished":0,"RspMsgList":[{"From_Account":"a","MsgSeq":${seq},"MsgRandom":1,"MsgTimeStamp":1,"MsgFlagBits":0,"IsPlaceMsg":0,"IsSystemMsg":0,"MsgPriority":1,"MsgBody":[]}],"NextReqMsgSeq":${next}}`;
  // (nextBeforeSeq is the smallest msgSeq - 1, so an unsafe one shows up as an unsafe msgSeq.)
  for (const [text, field] of [[page('9007199254740993', 1), 'messages[0].msgSeq'], [page(5, 1).replace('"MsgTimeStamp":1', '"MsgTimeStamp":18446744073709551615'), 'messages[0].msgTimeStamp']]) {
    const client = new RecallClient({ sdkAppId: APP, identifier: 'admin', userSig: 'sig', maxRetries: 0, fetch: async () => new Response(text) });
    await assert.rejects(client.getGroupHistory({ groupId: 'g' }), (e) => e instanceof RecallError && e.kind === 'protocol' && e.info.includes(field), field);
  }
});

test('webhooks are secure by default: a missing or empty token refuses unless allowUnsigned: true', async () => {
  const body = '{"CallbackCommand":"Group.CallbackAfterRecallMsg","GroupId":"g","MsgSeqList":[{"MsgSeq":1}]}';
  const url = `/cb?SdkAppid=${APP}`;
  for (const token of [undefined, null, '']) {
    assert.throws(() => lib.parseCallback({ url, body, sdkAppId: APP, token }), isInvalid('token'), String(token));
    await assert.rejects(lib.verifyCallbackRequest(new Request(`http://x${url}`, { method: 'POST', body }), { sdkAppId: APP, token }), isInvalid('token'));
  }
  assert.throws(() => lib.parseCallback({ url, body, sdkAppId: APP, allowUnsigned: false }), isInvalid('token'));
  assert.throws(() => lib.parseCallback({ url, body, sdkAppId: APP, token: TOKEN, allowUnsigned: true }), isInvalid('token'));
  assert.equal(lib.parseCallback({ url, body, sdkAppId: APP, allowUnsigned: true }).groupId, 'g');
});

test('verifyCallbackRequest: signed Request, streamed body, limit while reading, Content-Length, bad method', async () => {
  const requestTime = Math.floor(Date.now() / 1000);
  const sign = createHash('sha256').update(TOKEN + requestTime).digest('hex');
  const url = `https://app.example/cb?SdkAppid=${APP}&CallbackCommand=Group.CallbackAfterRecallMsg&Sign=${sign}&RequestTime=${requestTime}`;
  const body = JSON.stringify({ CallbackCommand: 'Group.CallbackAfterRecallMsg', GroupId: 'g', MsgSeqList: [{ MsgSeq: 7 }] });
  const opts = { sdkAppId: APP, token: TOKEN };
  const ev = await lib.verifyCallbackRequest(new Request(url, { method: 'POST', body }), opts);
  assert.deepEqual([ev.groupId, ev.msgSeqs], ['g', [7]]);
  // A body that arrives in chunks.
  const chunked = (chunks, onPull) => new ReadableStream({
    pull(c) { onPull?.(); const next = chunks.shift(); if (next === undefined) c.close(); else c.enqueue(next); },
  });
  const enc = new TextEncoder().encode(body);
  const streamed = new Request(url, { method: 'POST', body: chunked([enc.slice(0, 10), enc.slice(10)]), duplex: 'half' });
  assert.equal((await lib.verifyCallbackRequest(streamed, opts)).groupId, 'g');
  // An endless stream stops right after the limit: the reader pulled little more than 64 KiB.
  let pulls = 0;
  const endless = new ReadableStream({ pull(c) { pulls++; c.enqueue(new Uint8Array(4096)); } });
  await assert.rejects(lib.verifyCallbackRequest(new Request(url, { method: 'POST', body: endless, duplex: 'half' }), opts), isInvalid('body'));
  assert.ok(pulls <= 64 / 4 + 3, `${pulls} chunks pulled`);
  // A Content-Length over the limit is refused before reading: the stream is pulled only
  // once, eagerly, by the stream itself when it is built.
  let lyingPulls = 0;
  const big = new ReadableStream({ pull(c) { lyingPulls++; c.enqueue(new Uint8Array(1024)); } });
  const lying = new Request(url, { method: 'POST', body: big, duplex: 'half', headers: { 'content-length': String(1 << 20) } });
  await assert.rejects(lib.verifyCallbackRequest(lying, opts), isInvalid('body'));
  assert.ok(lyingPulls <= 1, `${lyingPulls} chunks pulled`);
  // Only POST; only a Request; bad Sign is auth.
  await assert.rejects(lib.verifyCallbackRequest(new Request(url, { method: 'GET' }), opts), isInvalid('method'));
  await assert.rejects(lib.verifyCallbackRequest({ url, method: 'POST' }, opts), isInvalid('request'));
  await assert.rejects(lib.verifyCallbackRequest(new Request(url.replace(sign, '0'.repeat(64)), { method: 'POST', body }), opts), (e) => e instanceof RecallError && e.kind === 'auth');
});

test('a backward Date.now() step does not stall the pacer (scheduling runs on performance.now())', async () => {
  const sent = [];
  const client = new RecallClient({ sdkAppId: APP, identifier: 'admin', secretKey: KEY, maxRequestsPerSecond: 50, maxInFlight: 1,
    fetch: async (url, init) => { sent.push(Date.now()); const b = JSON.parse(init.body); return new Response(JSON.stringify({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', RecallRetList: b.MsgSeqList.map((m) => ({ MsgSeq: m.MsgSeq, RetCode: 0 })) })); } });
  const realNow = Date.now;
  const t0 = performance.now();
  try {
    let calls = 0;
    // One hour back after the first few reads, and staying there.
    Date.now = () => (++calls > 3 ? realNow() - 3_600_000 : realNow());
    const seqs = Array.from({ length: 100 }, (_, i) => i + 1);
    const r = await client.recallGroupMessages({ groupId: 'g', msgSeqs: seqs });
    assert.equal(r.recalled, 100);
  } finally {
    Date.now = realNow;
  }
  const ms = performance.now() - t0;
  assert.equal(sent.length, 10);
  assert.ok(ms < 5_000, `took ${ms} ms`);
});
