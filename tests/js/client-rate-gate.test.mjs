// RecallClient's `rateGate` option through the built package: every request (retries
// included) waits for the gate's permission right before its fetch, the client's own pacer
// does not throttle on top of the gate, aborting while waiting sends nothing, and a gate
// that fails makes that attempt a retryable failure.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importPackage } from './install.mjs';

const { RecallClient, RecallError } = await importPackage();
const APP = 1400000000;
const RECALL = 'group_open_http_svc/group_msg_recall';

/** An in-process service: answers every recall with RetCode 0 for each MsgSeq. */
function fakeService(log) {
  return async (url, init) => {
    const body = JSON.parse(init.body);
    log.push({ what: 'fetch', api: new URL(url).pathname.replace(/^\/v4\//, ''), seqs: body.MsgSeqList.map((m) => m.MsgSeq) });
    const answer = { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', RecallRetList: body.MsgSeqList.map((m) => ({ MsgSeq: m.MsgSeq, RetCode: 0 })) };
    return new Response(JSON.stringify(answer), { status: 200, headers: { 'content-type': 'application/json' } });
  };
}

function client(extra) {
  return new RecallClient({ sdkAppId: APP, identifier: 'administrator', userSig: 'sig', baseUrl: 'http://127.0.0.1:9', ...extra });
}
const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

test('rateGate: one permission per request, granted before its fetch, with the API path', async () => {
  const log = [];
  const permits = [];
  const gate = {
    acquire(api, signal) {
      log.push({ what: 'acquire', api, hasSignal: signal !== undefined && typeof signal.aborted === 'boolean' });
      return new Promise((resolve) => permits.push(resolve));
    },
  };
  const call = client({ rateGate: gate, fetch: fakeService(log) }).recallGroupMessages({ groupId: 'g', msgSeqs: range(1, 50) });
  // Nothing is fetched until the gate says so.
  await new Promise((r) => setTimeout(r, 50));
  assert.ok(permits.length > 0);
  assert.equal(log.filter((e) => e.what === 'fetch').length, 0);
  // Grant permits one at a time: each grant lets exactly one request go.
  let granted = 0;
  while (granted < 5) {
    await new Promise((r) => setTimeout(r, 5));
    if (permits.length === 0) continue;
    permits.shift()();
    granted++;
    await new Promise((r) => setTimeout(r, 5));
    assert.equal(log.filter((e) => e.what === 'fetch').length, granted);
  }
  // Then let the rest through as they ask.
  const drain = setInterval(() => { while (permits.length) permits.shift()(); }, 1);
  const report = await call;
  clearInterval(drain);
  assert.equal(report.recalled, 50);
  assert.equal(report.requests, 5);
  const acquires = log.filter((e) => e.what === 'acquire');
  assert.equal(acquires.length, 5);
  assert.ok(acquires.every((a) => a.api === RECALL && a.hasSignal));
  assert.ok(log.filter((e) => e.what === 'fetch').every((f) => f.api === RECALL));
});

test('rateGate: the own pacer does not throttle on top of the gate', async () => {
  // maxRequestsPerSecond 1 would space 20 requests over 19 s; with a gate that always says
  // yes, all 20 are in flight at once (the fake service holds answers until it saw them all).
  const seen = [];
  let release;
  const allIn = new Promise((r) => { release = r; });
  const held = async (url, init) => {
    seen.push(init.body);
    if (seen.length === 20) release();
    await Promise.race([allIn, new Promise((r) => setTimeout(r, 5000))]);
    const body = JSON.parse(init.body);
    return new Response(JSON.stringify({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', RecallRetList: body.MsgSeqList.map((m) => ({ MsgSeq: m.MsgSeq, RetCode: 0 })) }), { status: 200 });
  };
  let acquired = 0;
  const c = client({ maxRequestsPerSecond: 1, maxInFlight: 20, fetch: held, rateGate: { acquire() { acquired++; } } });
  const report = await c.recallGroupMessages({ groupId: 'g', msgSeqs: range(1, 200) });
  assert.equal(report.recalled, 200);
  assert.equal(acquired, 20);
  assert.equal(seen.length, 20);
  // Without the gate the same client paces: after its first request, no second one at once.
  const paced = [];
  const c2 = client({ maxRequestsPerSecond: 1, maxInFlight: 20, abortGraceMs: 100, fetch: async (u, i) => { paced.push(i.body); return new Promise(() => {}); } });
  const ac = new AbortController();
  const p = c2.recallGroupMessages({ groupId: 'g', msgSeqs: range(1, 30), signal: ac.signal });
  await new Promise((r) => setTimeout(r, 200));
  assert.equal(paced.length, 1);
  ac.abort();
  // One request went out (and never answered): the call resolves, aborted, its 10 messages
  // unknown after the abort grace, the other 20 never sent.
  const r = await p;
  assert.equal(r.aborted, true);
  assert.equal(r.unknown, 10);
  assert.equal(r.notSent, 20);
});

test('rateGate: aborting while waiting for permission sends nothing', async () => {
  const log = [];
  const gate = {
    acquire(api, signal) {
      return new Promise((_, reject) => signal.addEventListener('abort', () => reject(new Error('gate aborted'))));
    },
  };
  const ac = new AbortController();
  const p = client({ rateGate: gate, fetch: fakeService(log) }).recallGroupMessages({ groupId: 'g', msgSeqs: range(1, 30), signal: ac.signal });
  await new Promise((r) => setTimeout(r, 30));
  ac.abort();
  const e = await p.then(() => assert.fail('should reject'), (x) => x);
  assert.ok(e instanceof RecallError);
  assert.equal(e.kind, 'aborted');
  assert.equal(e.report.results.length, 30);
  assert.ok(e.report.results.every((r) => !r.ok && r.code === -2));
  assert.equal(log.length, 0, 'nothing was fetched');
});

test('rateGate: a failing gate fails that attempt as retryable; the retry goes through', async () => {
  const log = [];
  let calls = 0;
  const gate = {
    async acquire() {
      calls++;
      if (calls === 1) throw new Error('budget unreachable');
    },
  };
  const report = await client({ rateGate: gate, fetch: fakeService(log) }).recallGroupMessages({ groupId: 'g', msgSeqs: range(1, 10) });
  assert.equal(report.recalled, 10);
  assert.equal(report.retries, 1);
  assert.equal(calls, 2);
  assert.equal(log.length, 1, 'one fetch: the failed permission sent nothing');
  // A gate that never works: the message ends with one outcome, failed without an answer.
  const never = await client({ rateGate: { acquire() { throw new Error('down'); } }, fetch: fakeService(log), maxRetries: 1 })
    .recallGroupMessages({ groupId: 'g', msgSeqs: [1] }).catch((x) => x.report ?? x);
  assert.equal(never.results.length, 1);
  assert.equal(never.results[0].ok, false);
  assert.equal(never.results[0].code, -3);
  assert.equal(never.results[0].outcome, 'notSent');
  assert.match(never.results[0].message, /rateGate/);
});

test('rateGate: anything but an object with acquire() is refused, naming the field', () => {
  for (const bad of [{}, { acquire: 1 }, 5, 'gate', () => {}]) {
    assert.throws(() => client({ rateGate: bad }), (e) => e instanceof RecallError && e.kind === 'invalid_input' && /^rateGate/.test(e.info), String(bad));
  }
  // null and undefined mean "no gate".
  client({ rateGate: null });
  client({ rateGate: undefined });
});
