// The Worker's webhook receiver in real workerd (wrangler dev --local) against the emulator:
// the emulator's own signed webhooks land in /api/events and in the live stream; a retried
// delivery is recorded once; forged, stale, foreign, non-JSON, oversized and unsigned
// requests are refused and not recorded; without CALLBACK_TOKEN every callback is refused
// unless ALLOW_UNSIGNED_CALLBACKS=true.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startStack, assertNoSecrets, waitFor, APP, ALICE, SECRETS } from './worker-stack.mjs';

const GROUP = 'wcb-group';

function signedQuery(command, { app = APP, token = SECRETS.CALLBACK_TOKEN, time = Math.floor(Date.now() / 1000) } = {}) {
  const sign = createHash('sha256').update(`${token}${time}`).digest('hex');
  return `/callback?SdkAppid=${app}&CallbackCommand=${command}&contenttype=json&ClientIP=127.0.0.1&OptPlatform=RESTAPI&RequestTime=${time}&Sign=${sign}`;
}

const c2cBody = (key) => JSON.stringify({ CallbackCommand: 'C2C.CallbackAfterMsgWithDraw', From_Account: 'u1', To_Account: 'u2', MsgKey: key, UnreadMsgNum: 0, EventTime: Date.now() });

/** Reads an SSE response into parsed events as they come. */
function sseReader(response) {
  const events = [];
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  const done = (async () => {
    for (;;) {
      const { value, done: end } = await reader.read().catch(() => ({ done: true }));
      if (end) return;
      buf += decoder.decode(value, { stream: true });
      let at;
      while ((at = buf.indexOf('\n\n')) >= 0) {
        const block = buf.slice(0, at);
        buf = buf.slice(at + 2);
        const data = block.split('\n').filter((l) => l.startsWith('data: ')).map((l) => l.slice(6)).join('\n');
        if (data) events.push(JSON.parse(data));
      }
    }
  })();
  return { events, cancel: () => reader.cancel().catch(() => {}), done };
}


test('Worker webhook receiver: signed emulator webhooks recorded once, bad ones refused', { timeout: 120_000 }, async (t) => {
  const stack = await startStack({ emulatorArgs: ['--seed-group', `${GROUP}:Public:50`] });
  try {
    const events = async () => (await stack.call('GET', '/api/events?limit=200', { token: ALICE })).json.events;

    await t.test('the emulator\'s signed webhooks land in /api/events and in the live stream', async () => {
      const res = await fetch(`${stack.baseUrl}/api/events/stream`, { headers: { authorization: `Bearer ${ALICE}` } });
      assert.equal(res.status, 200);
      assert.match(res.headers.get('content-type'), /text\/event-stream/);
      const sse = sseReader(res);
      try {
        const r = await stack.call('POST', '/api/recall/group', { token: ALICE, body: { groupId: GROUP, msgSeqs: [1, 2, 3], reason: 'spam' } });
        assert.equal(r.status, 200, r.text);
        assert.equal(r.json.recalled, 3);
        const recorded = await waitFor('the group webhook', async () => (await events()).find((e) => e.type === 'callback' && e.command === 'Group.CallbackAfterRecallMsg'));
        assert.equal(recorded.event.groupId, GROUP);
        assert.deepEqual(recorded.event.msgSeqs, [1, 2, 3]);
        assert.equal(recorded.event.sdkAppId, APP);
        assert.equal(typeof recorded.id, 'number');
        const streamed = await waitFor('the stream event', () => sse.events.find((e) => e.type === 'callback' && e.id === recorded.id));
        assert.deepEqual(streamed.event, recorded.event);
        // The audit entry for the recall went out on the stream too.
        await waitFor('the audit entry on the stream', () => sse.events.find((e) => e.type === 'audit' && e.entry.action === 'recall.group'));
        // The event is stored before the ack leaves the Worker, so the emulator may count the
        // acknowledged delivery a moment after the event is visible: wait for it.
        await waitFor('the emulator to count an acknowledged webhook', async () => (await stack.emu.stats()).webhooks.ok >= 1);
      } finally {
        await sse.cancel();
      }
    });

    await t.test('a retried delivery (same RequestTime, Sign and body) is recorded once', async () => {
      const before = (await events()).length;
      const url = signedQuery('C2C.CallbackAfterMsgWithDraw');
      const body = c2cBody('retried-key');
      for (let i = 0; i < 3; i++) {
        const r = await stack.call('POST', url, { raw: body, headers: { 'content-type': 'application/json' } });
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(r.json, { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 });
      }
      const after = await events();
      assert.equal(after.length, before + 1);
      assert.equal(after[0].event.msgKey, 'retried-key');
      // The same body with another RequestTime is another delivery.
      const other = signedQuery('C2C.CallbackAfterMsgWithDraw', { time: Math.floor(Date.now() / 1000) - 5 });
      assert.equal((await stack.call('POST', other, { raw: body, headers: { 'content-type': 'application/json' } })).status, 200);
      assert.equal((await events()).length, before + 2);
    });

    await t.test('an unknown callback command is acknowledged and recorded as unknown', async () => {
      const r = await stack.call('POST', signedQuery('Group.CallbackAfterNewMember'), { raw: JSON.stringify({ CallbackCommand: 'Group.CallbackAfterNewMember', GroupId: 'x' }) });
      assert.equal(r.status, 200, r.text);
      const [newest] = await events();
      assert.equal(newest.command, 'Group.CallbackAfterNewMember');
      assert.equal(newest.unknown, true);
    });

    await t.test('forged, stale, foreign, non-JSON, oversized and unsigned requests are refused and not recorded', async () => {
      const before = (await events()).length;
      const body = c2cBody('bad');
      const time = Math.floor(Date.now() / 1000);
      const cases = [
        ['forged Sign', signedQuery('C2C.CallbackAfterMsgWithDraw', { token: 'wrong-token' }), body, 401],
        ['stale RequestTime', signedQuery('C2C.CallbackAfterMsgWithDraw', { time: time - 3600 }), body, 401],
        ['foreign SdkAppid', signedQuery('C2C.CallbackAfterMsgWithDraw', { app: 1400000001 }), body, 401],
        ['non-JSON body', signedQuery('C2C.CallbackAfterMsgWithDraw'), 'not json {', 400],
        ['JSON array body', signedQuery('C2C.CallbackAfterMsgWithDraw'), '[1,2]', 400],
        ['a missing field', signedQuery('C2C.CallbackAfterMsgWithDraw'), JSON.stringify({ From_Account: 'a' }), 400],
        ['oversized body', signedQuery('C2C.CallbackAfterMsgWithDraw'), JSON.stringify({ pad: 'x'.repeat(70 * 1024) }), 413],
        ['unsigned', `/callback?SdkAppid=${APP}&CallbackCommand=C2C.CallbackAfterMsgWithDraw`, body, 401],
      ];
      for (const [what, url, b, status] of cases) {
        const r = await stack.call('POST', url, { raw: b, headers: { 'content-type': 'application/json' } });
        assert.equal(r.status, status, `${what}: ${r.text}`);
        assert.equal(typeof r.json.error.kind, 'string', what);
        assert.equal(typeof r.json.error.info, 'string', what);
      }
      // Wrong method: a JSON error too.
      const g = await stack.call('GET', '/callback');
      assert.equal(g.status, 405);
      assert.equal(g.json.error.field, 'method');
      // A body that lies about its length (chunked, no Content-Length) is cut off while read.
      const big = new ReadableStream({ start(c) { for (let i = 0; i < 80; i++) c.enqueue(new Uint8Array(1024).fill(32)); c.close(); } });
      const r = await fetch(`${stack.baseUrl}${signedQuery('C2C.CallbackAfterMsgWithDraw')}`, { method: 'POST', body: big, duplex: 'half', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(30_000) });
      assert.equal(r.status, 413);
      assert.equal((await events()).length, before, 'nothing refused was recorded');
    });

    await t.test('no response and no log line holds a secret or a UserSig', () => {
      assertNoSecrets(assert, stack.responses(), 'responses');
      assertNoSecrets(assert, stack.log(), 'the wrangler log');
    });
  } finally {
    await stack.stop();
  }
});

test('Worker webhook receiver without CALLBACK_TOKEN: refused unless ALLOW_UNSIGNED_CALLBACKS=true', { timeout: 120_000 }, async (t) => {
  const unsignedUrl = `/callback?SdkAppid=${APP}&CallbackCommand=C2C.CallbackAfterMsgWithDraw`;
  for (const allow of [undefined, 'true']) {
    const stack = await startStack({ withCallbacks: false, vars: { CALLBACK_TOKEN: undefined, ALLOW_UNSIGNED_CALLBACKS: allow } });
    try {
      await t.test(`ALLOW_UNSIGNED_CALLBACKS=${allow ?? '(unset)'}`, async () => {
        const r = await stack.call('POST', unsignedUrl, { raw: c2cBody('unsigned') });
        const list = (await stack.call('GET', '/api/events', { token: ALICE })).json.events;
        if (allow) {
          assert.equal(r.status, 200, r.text);
          assert.equal(list.length, 1);
          // Still checked: the SdkAppid.
          const foreign = await stack.call('POST', `/callback?SdkAppid=1&CallbackCommand=C2C.CallbackAfterMsgWithDraw`, { raw: c2cBody('x') });
          assert.equal(foreign.status, 401);
        } else {
          assert.equal(r.status, 401);
          assert.match(r.json.error.info, /CALLBACK_TOKEN/);
          assert.equal(list.length, 0);
        }
      });
    } finally {
      await stack.stop();
    }
  }
});
