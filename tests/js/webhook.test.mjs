// Webhooks end to end: the emulator recalls and POSTs signed callbacks to a receiver that
// verifies them with the package's parseCallback and answers callbackAck().
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { importPackage } from './install.mjs';
import { startEmulator } from './emulator.mjs';

const lib = await importPackage();
const APP = 1400000000;
const KEY = 'webhook-test-key';
const TOKEN = 'callback-token-123';

async function startReceiver(token) {
  const events = [];
  const rejected = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      try {
        const event = lib.parseCallback({ url: req.url, body: Buffer.concat(chunks), sdkAppId: APP, token });
        events.push(event);
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(lib.callbackAck());
      } catch (e) {
        rejected.push(e);
        res.writeHead(401);
        res.end();
      }
    });
  });
  await new Promise((r) => server.listen(0, '127.0.0.1', r));
  return { url: `http://127.0.0.1:${server.address().port}/callback`, events, rejected, close: () => new Promise((r) => server.close(r)) };
}

async function until(cond, ms = 5000) {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error('timed out waiting');
    await new Promise((r) => setTimeout(r, 20));
  }
}

test('recalls fire signed webhooks that parseCallback verifies', async () => {
  const rx = await startReceiver(TOKEN);
  const emu = await startEmulator(['--sdkappid', String(APP), '--secret-key', KEY, '--seed-demo', '--callback-url', rx.url, '--callback-token', TOKEN]);
  try {
    const client = new lib.RecallClient({ sdkAppId: APP, identifier: 'administrator', secretKey: KEY, baseUrl: emu.baseUrl });
    const page = await client.getGroupHistory({ groupId: 'demo-public', count: 3 });
    const seqs = page.messages.map((m) => m.msgSeq);
    const report = await client.recallGroupMessages({ groupId: 'demo-public', msgSeqs: seqs });
    assert.equal(report.recalled, 3);
    const roam = await client.getC2CHistory({ operatorAccount: 'alice', peerAccount: 'bob', minTime: 0, maxTime: 4000000000, maxCount: 1 });
    const m = roam.messages[0];
    assert.deepEqual(await client.recallC2CMessage({ fromAccount: m.fromAccount, toAccount: m.toAccount, msgKey: m.msgKey }), { alreadyRecalled: false });
    await until(() => rx.events.length >= 2);
    const group = rx.events.find((e) => e.callbackCommand === 'Group.CallbackAfterRecallMsg');
    assert.equal(group.groupId, 'demo-public');
    assert.equal(group.sdkAppId, APP);
    assert.equal(group.operatorAccount, 'administrator');
    assert.deepEqual([...group.msgSeqs].sort(), [...seqs].sort());
    assert.equal(group.optPlatform, 'RESTAPI');
    const c2c = rx.events.find((e) => e.callbackCommand === 'C2C.CallbackAfterMsgWithDraw');
    assert.equal(c2c.msgKey, m.msgKey);
    assert.equal(c2c.fromAccount, m.fromAccount);
    assert.equal(rx.rejected.length, 0);
    const stats = await emu.stats();
    assert.equal(stats.webhooks.failed, 0);
  } finally {
    await emu.stop();
    await rx.close();
  }
});

test('a receiver with another token rejects the emulator\'s callbacks as auth errors', async () => {
  const rx = await startReceiver('some-other-token');
  const emu = await startEmulator(['--sdkappid', String(APP), '--secret-key', KEY, '--seed-demo', '--callback-url', rx.url, '--callback-token', TOKEN]);
  try {
    const client = new lib.RecallClient({ sdkAppId: APP, identifier: 'administrator', secretKey: KEY, baseUrl: emu.baseUrl });
    await client.recallGroupMessagesBySender({ groupId: 'demo-private', senderAccount: 'bob' }).catch(() => {});
    const page = await client.getGroupHistory({ groupId: 'demo-private', count: 1 });
    await client.recallGroupMessages({ groupId: 'demo-private', msgSeqs: [page.messages[0].msgSeq] });
    await until(() => rx.rejected.length >= 1);
    assert.equal(rx.events.length, 0);
    assert.ok(rx.rejected.every((e) => e instanceof lib.RecallError && e.kind === 'auth'));
  } finally {
    await emu.stop();
    await rx.close();
  }
});

const URL_BASE = 'https://app.example/cb?SdkAppid=1400000000&CallbackCommand=Group.CallbackAfterRecallMsg&contenttype=json&ClientIP=127.0.0.1&OptPlatform=IOS';
const BODY = JSON.stringify({ CallbackCommand: 'Group.CallbackAfterRecallMsg', Operator_Account: 'admin', Type: 'Public', GroupId: '1213456', MsgSeqList: [{ MsgSeq: 130 }], EventTime: 1669872112000 });

test('parseCallback: the reference Sign vector, skew window, foreign appid, no token', () => {
  const signed = `${URL_BASE}&Sign=17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061&RequestTime=1669872112`;
  const ev = lib.parseCallback({ url: signed, body: BODY, sdkAppId: APP, token: 'xxxxyyyy', now: 1669872112 + 60 });
  assert.equal(ev.optPlatform, 'iOS');
  assert.deepEqual(ev.msgSeqs, [130]);
  assert.equal(ev.eventTime, 1669872112000);
  const check = (over) => () => lib.parseCallback({ url: signed, body: BODY, sdkAppId: APP, token: 'xxxxyyyy', now: 1669872112, ...over });
  for (const over of [{ now: 1669872112 + 61 }, { now: 1669872112 - 61 }, { token: 'xxxxyyyz' }, { sdkAppId: APP + 1 }, { url: URL_BASE }]) {
    assert.throws(check(over), (e) => e instanceof lib.RecallError && e.kind === 'auth', JSON.stringify(over));
  }
  assert.doesNotThrow(check({ maxSkewSeconds: 120, now: 1669872112 + 100 }));
  // No token configured: Sign is not demanded, when the app says so explicitly
  // (secure by default: without `allowUnsigned: true` a missing token refuses).
  assert.equal(lib.parseCallback({ url: URL_BASE, body: BODY, sdkAppId: APP, allowUnsigned: true }).groupId, '1213456');
  // Bodies as bytes work too, and malformed ones are invalid_input.
  assert.equal(lib.parseCallback({ url: URL_BASE, body: new TextEncoder().encode(BODY), sdkAppId: APP, allowUnsigned: true }).groupId, '1213456');
  for (const body of ['', 'not json', '[]', '{"CallbackCommand":"Group.CallbackAfterRecallMsg"}', 'x'.repeat(100_000)]) {
    assert.throws(() => lib.parseCallback({ url: URL_BASE, body, sdkAppId: APP, allowUnsigned: true }), (e) => e instanceof lib.RecallError && e.kind === 'invalid_input');
  }
  assert.equal(lib.callbackAck(), '{"ActionStatus":"OK","ErrorInfo":"","ErrorCode":0}');
});
