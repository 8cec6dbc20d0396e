// RecallClient through the built package, against a scripted server on 127.0.0.1.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { importPackage } from './install.mjs';
import { startScriptedServer, recallAll } from './scripted-server.mjs';
import { startEmulator } from './emulator.mjs';

const lib = await importPackage();
const { RecallClient, RecallError, verifyUserSig } = lib;
const APP = 1400000000;
const KEY = 'test-secret-key';

function client(baseUrl, extra = {}) {
  return new RecallClient({ sdkAppId: APP, identifier: 'administrator', secretKey: KEY, baseUrl, ...extra });
}
const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

test('1,000 MsgSeqs become 100 requests of at most 10, each with a valid UserSig and a u32 random', async () => {
  const srv = await startScriptedServer((c) => recallAll(c.body));
  try {
    const progress = [];
    const r = await client(srv.baseUrl).recallGroupMessages({ groupId: '@TGS#bulk', msgSeqs: range(1, 1000), onProgress: (p) => progress.push(p) });
    assert.equal(srv.calls.length, 100);
    const seen = [];
    for (const c of srv.calls) {
      assert.equal(c.method, 'POST');
      assert.equal(c.api, 'group_open_http_svc/group_msg_recall');
      assert.equal(c.query.get('sdkappid'), String(APP));
      assert.equal(c.query.get('identifier'), 'administrator');
      assert.equal(c.query.get('contenttype'), 'json');
      const random = c.query.get('random');
      assert.match(random, /^(0|[1-9][0-9]{0,9})$/);
      assert.ok(Number(random) <= 4294967295);
      verifyUserSig({ sdkAppId: APP, secretKey: KEY, identifier: 'administrator', userSig: c.query.get('usersig') });
      assert.equal(c.body.GroupId, '@TGS#bulk');
      assert.ok(c.body.MsgSeqList.length >= 1 && c.body.MsgSeqList.length <= 10);
      seen.push(...c.body.MsgSeqList.map((m) => m.MsgSeq));
    }
    assert.deepEqual([...seen].sort((a, b) => a - b), range(1, 1000));
    // random is drawn fresh for each request
    assert.ok(new Set(srv.calls.map((c) => c.query.get('random'))).size > 95);
    assert.equal(r.requested, 1000);
    assert.equal(r.recalled, 1000);
    assert.equal(r.failed, 0);
    assert.equal(r.requests, 100);
    assert.deepEqual(r.results.map((x) => x.msgSeq), range(1, 1000));
    assert.ok(r.results.every((x) => x.ok && x.code === 0));
    assert.deepEqual(progress.at(-1), { done: 1000, total: 1000, recalled: 1000, failed: 0, notSent: 0, unknown: 0 });
    assert.ok(r.results.every((x) => x.outcome === 'recalled' && x.attempts === 1));
    assert.deepEqual([r.notSent, r.unknown, r.lookups, r.retries, r.aborted], [0, 0, 0, 0, false]);
    assert.ok(progress.length >= 2);
  } finally { await srv.close(); }
});

test('numbers, bigints and decimal strings are one MsgSeq each; duplicates are removed in first-seen order', async () => {
  const srv = await startScriptedServer((c) => recallAll(c.body));
  try {
    const r = await client(srv.baseUrl).recallGroupMessages({ groupId: 'g', msgSeqs: [5, '3', 5n, 9007199254740991n, '5', 3], topicId: 'g@TOPIC#t', reason: 'spam' });
    assert.deepEqual(r.results.map((x) => x.msgSeq), [5, 3, 9007199254740991]);
    assert.equal(r.requested, 3);
    assert.equal(r.topicId, 'g@TOPIC#t');
    assert.equal(srv.calls[0].body.TopicId, 'g@TOPIC#t');
    assert.equal(srv.calls[0].body.Reason, 'spam');
    // Iterables work too.
    const r2 = await client(srv.baseUrl).recallGroupMessages({ groupId: 'g', msgSeqs: new Set([7, 8]) });
    assert.equal(r2.recalled, 2);
  } finally { await srv.close(); }
});

test('502s, 10002s, dropped connections and timeouts are retried; every message gets exactly one outcome', async () => {
  const tries = new Map();
  const srv = await startScriptedServer((c) => {
    const key = c.body.MsgSeqList[0].MsgSeq;
    const n = (tries.get(key) ?? 0) + 1;
    tries.set(key, n);
    const fault = Math.floor(key / 10) % 5; // batch-dependent fault on the first attempt
    if (n === 1 && fault === 1) return { status: 502, text: '<html>bad gateway</html>' };
    if (n === 1 && fault === 2) return { json: { ActionStatus: 'FAIL', ErrorCode: 10002, ErrorInfo: 'internal' } };
    if (n === 1 && fault === 3) return 'hang';
    if (n === 1 && fault === 4) return 'drop';
    return recallAll(c.body);
  });
  try {
    const seen = [];
    const r = await client(srv.baseUrl, { timeoutMs: 300, onRequest: (info) => seen.push(info) }).recallGroupMessages({ groupId: 'g', msgSeqs: range(1, 200) });
    // The hook sees every request, and each retry says how the attempt before it failed.
    assert.equal(seen.length, 36);
    assert.ok(seen.filter((i) => i.attempt === 0).every((i) => i.retryOf === undefined));
    const causes = {};
    for (const i of seen.filter((x) => x.attempt > 0)) causes[`${i.retryOf.kind}:${i.retryOf.code}`] = (causes[`${i.retryOf.kind}:${i.retryOf.code}`] ?? 0) + 1;
    assert.deepEqual(causes, { 'server:0': 4, 'server:10002': 4, 'timeout:0': 4, 'network:0': 4 });
    assert.equal(r.requested, 200);
    assert.equal(r.recalled, 200, JSON.stringify(r.results.filter((x) => !x.ok).slice(0, 3)));
    assert.equal(r.results.length, 200);
    assert.equal(new Set(r.results.map((x) => x.msgSeq)).size, 200);
    assert.equal(r.retries, 16);
    assert.equal(r.requests, 36);
    assert.equal(srv.calls.length, 36);
  } finally { await srv.close(); }
});

test('partial failures, duplicate, out-of-order and missing RecallRetList entries; a left-out seq is looked up', async () => {
  const srv = await startScriptedServer((c) => c.api === 'group_open_http_svc/group_msg_get_simple'
    ? { json: { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', GroupId: 'g', IsFinished: 1, RspMsgList: [
      { From_Account: 'a', IsPlaceMsg: 0, MsgSeq: 3, MsgRandom: 1, MsgTimeStamp: 2, MsgPriority: 1, MsgBody: [] },
    ] } }
    : { json: {
      ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '',
      RecallRetList: [{ MsgSeq: 4, RetCode: 10031 }, { MsgSeq: 1, RetCode: 0 }, { MsgSeq: 2, RetCode: 10030 }, { MsgSeq: 1, RetCode: 0 }, { MsgSeq: 99, RetCode: 0 }],
    } });
  try {
    const r = await client(srv.baseUrl).recallGroupMessages({ groupId: 'g', msgSeqs: [1, 2, 3, 4] });
    assert.deepEqual(r.results.map(({ msgSeq, ok, code, outcome }) => [msgSeq, ok, code, outcome]),
      [[1, true, 0, 'recalled'], [2, false, 10030, 'failed'], [3, false, -1, 'failed'], [4, false, 10031, 'failed']]);
    assert.match(r.results[2].message, /not reported/);
    assert.equal(r.recalled, 1);
    assert.equal(r.failed, 3);
    // One recall, then one look-up for seq 3 (the service left it out: it is there, not recalled).
    assert.equal(srv.calls.length, 2);
    assert.deepEqual([r.requests, r.lookups], [2, 1]);
    assert.deepEqual(srv.calls[1].body, { GroupId: 'g', ReqMsgNumber: 1, ReqMsgSeq: 3, WithRecalledMsg: 1 });
  } finally { await srv.close(); }
});

test('no one-second window exceeds the configured rate, as the server counts arrivals', async () => {
  // The emulator runs in its own process, so its arrival times are not skewed by this
  // process's event loop; it enforces the same limit with a sliding window and 60007.
  const rate = 40;
  const emu = await startEmulator(['--sdkappid', String(APP), '--secret-key', KEY, '--rate-limit', String(rate), '--seed-group', 'paced:Public:1000']);
  try {
    const t0 = performance.now();
    const r = await client(emu.baseUrl, { maxRequestsPerSecond: rate }).recallGroupMessages({ groupId: 'paced', msgSeqs: range(1, 1000) });
    const elapsed = performance.now() - t0;
    assert.equal(r.recalled, 1000);
    const recall = (await emu.stats()).apis['group_open_http_svc/group_msg_recall'];
    assert.equal(recall.rate_limited, 0);
    assert.ok(recall.max_arrivals_in_any_1s <= rate, `max ${recall.max_arrivals_in_any_1s} in a second`);
    assert.equal(r.requests, 100);
    // ... and the pacing still uses the allowance: 100 requests at 40/s take about 2.5 s.
    assert.ok(elapsed > 2300 && elapsed < 6000, `${elapsed} ms`);
  } finally { await emu.stop(); }
});

test('abort stops sending; requests in flight are still answered within the grace period; the report accounts for every message', async () => {
  const srv = await startScriptedServer(async (c) => { await new Promise((r) => setTimeout(r, 20)); return recallAll(c.body); });
  try {
    const ac = new AbortController();
    let sentAtAbort = 0;
    const p = client(srv.baseUrl, { maxRequestsPerSecond: 50 }).recallGroupMessages({ groupId: 'g', msgSeqs: range(1, 2000), signal: ac.signal });
    setTimeout(() => { sentAtAbort = srv.calls.length; ac.abort(); }, 250);
    // Something was sent, so the call resolves with its report (the one rule).
    const r = await p;
    assert.ok(sentAtAbort > 3 && sentAtAbort < 30, `${sentAtAbort}`);
    assert.equal(r.aborted, true);
    assert.equal(r.requested, 2000);
    assert.equal(r.results.length, 2000);
    assert.equal(r.recalled + r.failed + r.notSent + r.unknown, 2000);
    // Everything that left was answered (20 ms) within the grace period: recalled, not "aborted".
    assert.equal(r.recalled, r.requests * 10);
    assert.equal(r.unknown, 0);
    assert.equal(r.notSent, 2000 - r.recalled);
    assert.ok(r.results.filter((x) => x.outcome === 'notSent').every((x) => x.code === -2 && x.attempts === 0));
    await new Promise((res) => setTimeout(res, 300));
    assert.equal(srv.calls.length, r.requests, 'nothing is sent after abort');
    assert.ok(r.requests <= sentAtAbort + 1);
    // An already-aborted signal sends nothing: that rejects.
    const before = srv.calls.length;
    const e2 = await client(srv.baseUrl).recallGroupMessages({ groupId: 'g', msgSeqs: [1], signal: AbortSignal.abort() }).catch((x) => x);
    assert.ok(e2 instanceof RecallError);
    assert.equal(e2.kind, 'aborted');
    assert.equal(e2.report.notSent, 1);
    const e3 = await client(srv.baseUrl).recallC2CMessage({ fromAccount: 'a', toAccount: 'b', msgKey: '1_2_3', signal: AbortSignal.abort() }).catch((x) => x);
    assert.equal(e3.kind, 'aborted');
    assert.equal(srv.calls.length, before);
  } finally { await srv.close(); }
});

test('invalid input is rejected before anything is sent, naming the field', async () => {
  const srv = await startScriptedServer((c) => recallAll(c.body));
  try {
    const c = client(srv.baseUrl);
    const bad = [
      [() => c.recallGroupMessages({ groupId: '', msgSeqs: [1] }), 'groupId'],
      [() => c.recallGroupMessages({ groupId: 'g', msgSeqs: [] }), 'msgSeqs'],
      [() => c.recallGroupMessages({ groupId: 'g', msgSeqs: '123' }), 'msgSeqs'],
      [() => c.recallGroupMessages({ groupId: 'g', msgSeqs: [1, 0] }), 'msgSeqs[1]'],
      [() => c.recallGroupMessages({ groupId: 'g', msgSeqs: [1, 2.5] }), 'msgSeqs[1]'],
      [() => c.recallGroupMessages({ groupId: 'g', msgSeqs: [NaN] }), 'msgSeqs[0]'],
      [() => c.recallGroupMessages({ groupId: 'g', msgSeqs: [-1] }), 'msgSeqs[0]'],
      [() => c.recallGroupMessages({ groupId: 'g', msgSeqs: ['1e3'] }), 'msgSeqs[0]'],
      [() => c.recallGroupMessages({ groupId: 'g', msgSeqs: [2 ** 53] }), 'msgSeqs[0]'],
      [() => c.recallGroupMessages({ groupId: 'g', msgSeqs: [9007199254740992n] }), 'msgSeqs[0]'],
      [() => c.recallGroupMessages({ groupId: 'g', msgSeqs: [{}] }), 'msgSeqs[0]'],
      [() => c.recallGroupMessages({ groupId: 'g', msgSeqs: [1], reason: 'x'.repeat(5000) }), 'reason'],
      [() => c.recallGroupMessages({ groupId: 'g', msgSeqs: [1], signal: {} }), 'signal'],
      [() => c.recallGroupMessages({ groupId: 'g', msgSeqs: [1], onProgress: 5 }), 'onProgress'],
      [() => c.recallGroupMessages(null), 'args'],
      [() => c.recallC2CMessage({ fromAccount: 'a', toAccount: 'b', msgKey: '1_2' }), 'msgKey'],
      [() => c.recallC2CMessage({ fromAccount: 'a', toAccount: '', msgKey: '1_2_3' }), 'toAccount'],
      [() => c.recallGroupMessagesBySender({ groupId: 'g' }), 'senderAccount'],
      [() => c.getGroupHistory({ groupId: 'g', count: 21 }), 'count'],
      [() => c.getGroupHistory({ groupId: 'g', beforeSeq: -1 }), 'beforeSeq'],
      [() => c.getC2CHistory({ operatorAccount: 'a', peerAccount: 'b', minTime: 10, maxTime: 5 }), 'minTime'],
    ];
    for (const [call, field] of bad) {
      const e = await call().then(() => null, (x) => x);
      assert.ok(e instanceof RecallError, `${field}: ${e}`);
      assert.equal(e.kind, 'invalid_input', `${field}: ${e.message}`);
      assert.ok(e.info.includes(field), `${e.info} should name ${field}`);
    }
    assert.equal(srv.calls.length, 0);
  } finally { await srv.close(); }
});

test('client options are validated in the constructor', () => {
  const ok = { sdkAppId: APP, identifier: 'admin', userSig: 'sig' };
  const bad = [
    [{ ...ok, sdkAppId: 0 }, 'sdkAppId'], [{ ...ok, identifier: '' }, 'identifier'],
    [{ sdkAppId: APP, identifier: 'admin' }, 'userSig'], [{ ...ok, region: 'mars' }, 'region'],
    [{ ...ok, region: 'tokyo', baseUrl: 'http://x' }, 'baseUrl'], [{ ...ok, baseUrl: 'ftp://x' }, 'baseUrl'],
    [{ ...ok, maxRequestsPerSecond: 0 }, 'maxRequestsPerSecond'], [{ ...ok, maxRequestsPerSecond: NaN }, 'maxRequestsPerSecond'],
    [{ ...ok, maxInFlight: 0 }, 'maxInFlight'], [{ ...ok, timeoutMs: -1 }, 'timeoutMs'], [{ ...ok, maxRetries: 1.5 }, 'maxRetries'],
    [{ ...ok, fetch: 'no' }, 'fetch'], [{ ...ok, userSigTtlSeconds: 0 }, 'userSigTtlSeconds'],
    [{ ...ok, coldStartFactor: 0 }, 'coldStartFactor'], [{ ...ok, coldStartMs: -1 }, 'coldStartMs'],
    [{ ...ok, coldStartProbe: -1 }, 'coldStartProbe'], [{ ...ok, coldStartProbe: 1.5 }, 'coldStartProbe'],
    [{ ...ok, rateLimitRecoveryMs: 0 }, 'rateLimitRecoveryMs'], [{ ...ok, abortGraceMs: -1 }, 'abortGraceMs'],
  ];
  for (const [opts, field] of bad) {
    assert.throws(() => new RecallClient(opts), (e) => e instanceof RecallError && e.kind === 'invalid_input' && e.info.includes(field), field);
  }
  for (const region of ['china', 'singapore', 'seoul', 'tokyo', 'frankfurt', 'india', 'usa', 'jakarta']) {
    assert.ok(new RecallClient({ ...ok, region }));
  }
});

test('regions pick the documented hosts (seen through an injected fetch)', async () => {
  const hosts = {};
  for (const region of ['china', 'singapore', 'seoul', 'tokyo', 'frankfurt', 'india', 'usa', 'jakarta']) {
    const c = new RecallClient({ sdkAppId: APP, identifier: 'admin', userSig: 'sig', region, fetch: async (url) => {
      hosts[region] = new URL(url).host;
      return new Response('{"ActionStatus":"OK","ErrorCode":0,"ErrorInfo":""}');
    } });
    await c.recallGroupMessagesBySender({ groupId: 'g', senderAccount: 'u' });
  }
  assert.deepEqual(hosts, {
    china: 'console.tim.qq.com', singapore: 'adminapisgp.im.qcloud.com', seoul: 'adminapikr.im.qcloud.com',
    tokyo: 'adminapijpn.im.qcloud.com', frankfurt: 'adminapiger.im.qcloud.com', india: 'adminapiind.im.qcloud.com',
    usa: 'adminapiusa.im.qcloud.com', jakarta: 'adminapiidn.im.qcloud.com',
  });
});

test('an expired UserSig (70001) is re-signed once and retried when a secret key is held', async () => {
  let n = 0;
  const srv = await startScriptedServer((c) => (n++ === 0 ? { json: { ActionStatus: 'FAIL', ErrorCode: 70001, ErrorInfo: 'expired' } } : recallAll(c.body)));
  try {
    const r = await client(srv.baseUrl).recallGroupMessages({ groupId: 'g', msgSeqs: [1, 2] });
    assert.equal(r.recalled, 2);
    assert.equal(srv.calls.length, 2);
    // With a fixed userSig there is nothing to renew: the error is reported.
    n = 0;
    const fixed = new RecallClient({ sdkAppId: APP, identifier: 'administrator', userSig: 'given', baseUrl: srv.baseUrl });
    const fr = await fixed.recallGroupMessages({ groupId: 'g', msgSeqs: [1] });
    const e = fr.error;
    assert.ok(e instanceof RecallError);
    assert.equal(e.kind, 'auth');
    assert.equal(e.code, 70001);
    assert.equal(e.retryable, false, 'the same call cannot succeed with the same UserSig');
    assert.deepEqual(fr.results.map(({ outcome, code }) => [outcome, code]), [['failed', 70001]]);
    assert.equal(srv.calls.at(-1).query.get('usersig'), 'given');
  } finally { await srv.close(); }
});

test('permanent errors are not retried; a missing group stops the job after the requests already in flight', async () => {
  const srv = await startScriptedServer(() => ({ json: { ActionStatus: 'FAIL', ErrorCode: 10010, ErrorInfo: 'group gone' } }));
  try {
    const report = await client(srv.baseUrl).recallGroupMessages({ groupId: 'g', msgSeqs: range(1, 500) });
    const e = report.error;
    e.report = report;
    assert.ok(e instanceof RecallError);
    assert.equal(e.kind, 'not_found');
    assert.equal(e.code, 10010);
    assert.equal(e.api, 'group_open_http_svc/group_msg_recall');
    assert.equal(e.httpStatus, 200);
    assert.equal(e.retryable, false);
    // Requests paced out before the first answer came back may already be in flight; none
    // is sent after it (50 batches would otherwise go).
    assert.ok(srv.calls.length >= 1 && srv.calls.length <= 10, `${srv.calls.length}`);
    assert.equal(e.report.requests, srv.calls.length);
    assert.equal(e.report.results.length, 500);
    assert.ok(e.report.results.every((x) => !x.ok && x.code === 10010));
    // Those sent failed; the rest were never sent.
    assert.equal(report.failed, srv.calls.length * 10);
    assert.equal(report.notSent, 500 - report.failed);
  } finally { await srv.close(); }
});

test('single calls: by-sender, C2C (20023 is success), history pages; errors carry the service code', async () => {
  const srv = await startScriptedServer((c) => {
    switch (c.api) {
      case 'group_open_http_svc/delete_group_msg_by_sender':
        return {};
      case 'openim/admin_msgwithdraw':
        return c.body.MsgKey === '1_2_3' ? {} : { json: { ActionStatus: 'FAIL', ErrorCode: 20023, ErrorInfo: 'already' } };
      case 'group_open_http_svc/group_msg_get_simple':
        return { json: { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', GroupId: 'g', IsFinished: 1, RspMsgList: [
          { From_Account: 'a', IsPlaceMsg: 2, MsgSeq: 8, MsgRandom: 1, MsgTimeStamp: 2, MsgPriority: 1, MsgBody: [] },
          { From_Account: 'b', IsPlaceMsg: 0, MsgSeq: 7, MsgRandom: 1, MsgTimeStamp: 2, MsgPriority: 1, MsgBody: [{ MsgType: 'TIMTextElem', MsgContent: { Text: 'hi' } }] },
        ] } };
      case 'openim/admin_getroammsg':
        return { json: { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '', Complete: 0, MsgCnt: 1, LastMsgTime: 1700000000, LastMsgKey: '5_6_1700000000',
          MsgList: [{ From_Account: 'a', To_Account: 'b', MsgSeq: 5, MsgRandom: 6, MsgTimeStamp: 1700000000, MsgFlagBits: 8, MsgKey: '5_6_1700000000', MsgBody: [] }] } };
      default:
        return { json: { ActionStatus: 'FAIL', ErrorCode: 60009, ErrorInfo: 'bad url' } };
    }
  });
  try {
    const c = client(srv.baseUrl);
    assert.deepEqual(await c.recallGroupMessagesBySender({ groupId: 'g', senderAccount: 'spammer', topicId: 'g@TOPIC#x' }), { groupId: 'g', senderAccount: 'spammer', topicId: 'g@TOPIC#x' });
    assert.deepEqual(srv.calls.at(-1).body, { GroupId: 'g', Sender_Account: 'spammer', TopicId: 'g@TOPIC#x' });
    assert.deepEqual(await c.recallC2CMessage({ fromAccount: 'a', toAccount: 'b', msgKey: '1_2_3' }), { alreadyRecalled: false });
    assert.deepEqual(await c.recallC2CMessage({ fromAccount: 'a', toAccount: 'b', msgKey: '4_5_6' }), { alreadyRecalled: true });
    assert.deepEqual(srv.calls.at(-1).body, { From_Account: 'a', To_Account: 'b', MsgKey: '4_5_6' });
    const page = await c.getGroupHistory({ groupId: 'g', count: 2, beforeSeq: '8', withRecalled: true });
    assert.deepEqual(srv.calls.at(-1).body, { GroupId: 'g', ReqMsgNumber: 2, ReqMsgSeq: 8, WithRecalledMsg: 1 });
    assert.deepEqual(page.messages.map((m) => [m.msgSeq, m.recalled, m.fromAccount]), [[8, true, 'a'], [7, false, 'b']]);
    assert.equal(page.nextBeforeSeq, 6);
    assert.equal(page.isFinished, false);
    const roam = await c.getC2CHistory({ operatorAccount: 'a', peerAccount: 'b', minTime: 0, maxTime: 1800000000, maxCount: 10 });
    assert.deepEqual(srv.calls.at(-1).body, { Operator_Account: 'a', Peer_Account: 'b', MaxCnt: 10, MinTime: 0, MaxTime: 1800000000 });
    assert.equal(roam.complete, false);
    assert.equal(roam.lastMsgKey, '5_6_1700000000');
    assert.equal(roam.messages[0].recalled, true);
  } finally { await srv.close(); }
});

test('HTTP errors and unreadable bodies become typed errors; the injected fetch is used', async () => {
  const seen = [];
  const fake = async (url, init) => {
    seen.push({ url, init });
    if (seen.length === 1) return new Response('oops', { status: 404 });
    return new Response('{"ActionStatus":"OK","ErrorCode":0,'); // truncated, retried, then truncated again
  };
  const c = new RecallClient({ sdkAppId: APP, identifier: 'admin', userSig: 'sig', baseUrl: 'http://127.0.0.1:9', fetch: fake, maxRetries: 1 });
  const e1 = await c.recallGroupMessagesBySender({ groupId: 'g', senderAccount: 'u' }).catch((x) => x);
  assert.equal(e1.kind, 'protocol');
  assert.equal(e1.httpStatus, 404);
  assert.equal(e1.retryable, false);
  const e2 = await c.recallGroupMessagesBySender({ groupId: 'g', senderAccount: 'u' }).catch((x) => x);
  assert.equal(e2.kind, 'protocol');
  assert.equal(seen.length, 3);
  assert.equal(seen[0].init.method, 'POST');
  assert.equal(JSON.parse(seen[0].init.body).Sender_Account, 'u');
  // A fetch that throws is a network error.
  const down = new RecallClient({ sdkAppId: APP, identifier: 'admin', userSig: 'sig', baseUrl: 'http://127.0.0.1:1', maxRetries: 0 });
  const e3 = await down.recallGroupMessagesBySender({ groupId: 'g', senderAccount: 'u' }).catch((x) => x);
  assert.equal(e3.kind, 'network');
  assert.equal(e3.retryable, true);
});

test('a self-signed UserSig is renewed before it expires', async () => {
  const srv = await startScriptedServer(() => ({}));
  const realNow = Date.now;
  try {
    const start = 1_800_000_000_000;
    let offset = 0;
    Date.now = () => start + offset;
    const c = client(srv.baseUrl, { userSigTtlSeconds: 100 });
    const call = () => c.recallGroupMessagesBySender({ groupId: 'g', senderAccount: 'u' });
    const sigTime = () => lib.verifyUserSig({ sdkAppId: APP, secretKey: KEY, identifier: 'administrator', userSig: srv.calls.at(-1).query.get('usersig'), now: Math.floor((start + offset) / 1000) });
    await call();
    assert.deepEqual(sigTime(), { time: 1_800_000_000, expire: 100, expiresAt: 1_800_000_100 });
    offset = 50_000; // half the lifetime: the same UserSig is reused
    await call();
    assert.equal(sigTime().time, 1_800_000_000);
    offset = 95_000; // past 90% of it: a new one is signed before any request could carry an expiring one
    await call();
    assert.deepEqual(sigTime(), { time: 1_800_000_095, expire: 100, expiresAt: 1_800_000_195 });
  } finally {
    Date.now = realNow;
    await srv.close();
  }
});

test('after free(), calls reject with a RecallError and a second free() does nothing', async () => {
  const c = new RecallClient({ sdkAppId: APP, identifier: 'admin', userSig: 'sig', baseUrl: 'http://127.0.0.1:9' });
  assert.ok(c instanceof RecallClient);
  c.free();
  c.free();
  for (const call of [
    () => c.recallGroupMessages({ groupId: 'g', msgSeqs: [1] }),
    () => c.recallGroupMessagesBySender({ groupId: 'g', senderAccount: 'u' }),
    () => c.recallC2CMessage({ fromAccount: 'a', toAccount: 'b', msgKey: '1_2_3' }),
    () => c.getGroupHistory({ groupId: 'g' }),
    () => c.getC2CHistory({ operatorAccount: 'a', peerAccount: 'b', minTime: 0, maxTime: 1 }),
  ]) {
    const e = await call().then(() => null, (x) => x);
    assert.ok(e instanceof RecallError, String(e));
    assert.equal(e.kind, 'invalid_input');
    assert.match(e.info, /after free\(\)/);
  }
});
