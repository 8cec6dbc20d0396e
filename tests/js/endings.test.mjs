// Consistent endings (issue 8): one rule for reject vs resolve, signal reasons and network
// errors kept as `cause` with a readable message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:net';
import { importPackage } from './install.mjs';
import { startScriptedServer, recallAll } from './scripted-server.mjs';

const { RecallClient, RecallError } = await importPackage();
const APP = 1400000000;
const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

/** A 127.0.0.1 URL where nothing listens (a port just freed). */
async function deadUrl() {
  const s = createServer();
  await new Promise((r) => s.listen(0, '127.0.0.1', r));
  const { port } = s.address();
  await new Promise((r) => s.close(r));
  return `http://127.0.0.1:${port}`;
}

test('AbortSignal.timeout() comes back as kind timeout with the signal reason as cause', async () => {
  const srv = await startScriptedServer(() => 'hang');
  try {
    const c = new RecallClient({ sdkAppId: APP, identifier: 'admin', userSig: 'sig', baseUrl: srv.baseUrl, timeoutMs: 10_000 });
    const signal = AbortSignal.timeout(150);
    const e = await c.recallC2CMessage({ fromAccount: 'a', toAccount: 'b', msgKey: '1_2_3', signal }).catch((x) => x);
    assert.ok(e instanceof RecallError);
    assert.equal(e.kind, 'timeout');
    assert.equal(e.cause, signal.reason);
    assert.equal(e.cause.name, 'TimeoutError');
    assert.ok(!Object.keys(e).includes('cause'), 'cause is non-enumerable, as Error makes it');
    // A plain abort keeps kind aborted and its reason.
    const ac = new AbortController();
    const why = new Error('user closed the page');
    setTimeout(() => ac.abort(why), 50);
    const e2 = await c.recallC2CMessage({ fromAccount: 'a', toAccount: 'b', msgKey: '1_2_3', signal: ac.signal }).catch((x) => x);
    assert.equal(e2.kind, 'aborted');
    assert.equal(e2.cause, why);
  } finally { await srv.close(); }
});

test('a bulk job with requests in flight at the signal resolves: sent-but-unanswered is unknown after the grace, the rest notSent', async () => {
  const srv = await startScriptedServer((c) => (c.body.MsgSeqList?.[0]?.MsgSeq === 1 ? recallAll(c.body) : 'hang'));
  try {
    const c = new RecallClient({ sdkAppId: APP, identifier: 'admin', userSig: 'sig', baseUrl: srv.baseUrl, timeoutMs: 10_000, abortGraceMs: 100, maxRequestsPerSecond: 20 });
    const r = await c.recallGroupMessages({ groupId: 'g', msgSeqs: range(1, 200), signal: AbortSignal.timeout(300) });
    assert.equal(r.aborted, true);
    assert.equal(r.results.length, 200);
    const sent = srv.calls.length;
    assert.ok(sent >= 2, `${sent}`);
    assert.equal(r.recalled, 10);
    assert.equal(r.unknown, (sent - 1) * 10);
    assert.equal(r.notSent, 200 - sent * 10);
    assert.equal(r.recalled + r.failed + r.notSent + r.unknown, r.requested);
  } finally { await srv.close(); }
});

test('network errors read as their reason and keep the original as cause; a job where every request fails on the network resolves', async () => {
  const baseUrl = await deadUrl();
  const c = new RecallClient({ sdkAppId: APP, identifier: 'admin', userSig: 'sig', baseUrl, maxRetries: 1 });
  const e = await c.recallC2CMessage({ fromAccount: 'a', toAccount: 'b', msgKey: '1_2_3' }).catch((x) => x);
  assert.ok(e instanceof RecallError);
  assert.equal(e.kind, 'network');
  assert.equal(e.retryable, true);
  assert.match(e.info, /ECONNREFUSED/);
  assert.doesNotMatch(e.message, /fetch failed: fetch failed/);
  assert.ok(e.cause instanceof Error, 'the error fetch threw');
  // Bulk: something was attempted, so it resolves; nothing reached the service: notSent.
  const r = await c.recallGroupMessages({ groupId: 'g', msgSeqs: range(1, 30) });
  assert.equal(r.requests, 6, '3 batches, each retried once');
  assert.equal(r.notSent, 30);
  assert.ok(r.results.every((x) => x.outcome === 'notSent' && x.code === -3 && x.attempts === 2 && /ECONNREFUSED/.test(x.message)));
});

test('one rule: a group-wide service error resolves too, with report.error; invalid input and an early abort reject', async () => {
  const srv = await startScriptedServer(() => ({ json: { ActionStatus: 'FAIL', ErrorCode: 10015, ErrorInfo: 'invalid group id' } }));
  try {
    const c = new RecallClient({ sdkAppId: APP, identifier: 'admin', userSig: 'sig', baseUrl: srv.baseUrl });
    const r = await c.recallGroupMessages({ groupId: 'g', msgSeqs: range(1, 100) });
    assert.ok(r.error instanceof RecallError);
    assert.equal(r.error.code, 10015);
    assert.equal(r.failed + r.notSent, 100);
    assert.ok(r.results.every((x) => x.code === 10015));
    const bad = await c.recallGroupMessages({ groupId: 'g', msgSeqs: [0] }).catch((x) => x);
    assert.equal(bad.kind, 'invalid_input');
    const early = await c.recallGroupMessages({ groupId: 'g', msgSeqs: [1], signal: AbortSignal.abort() }).catch((x) => x);
    assert.ok(early instanceof RecallError);
    assert.equal(early.kind, 'aborted');
    assert.equal(early.report.notSent, 1);
  } finally { await srv.close(); }
});
