// The Worker's admin API in real workerd against the emulator: missing, wrong and
// foreign-origin callers are refused; recalls and history go through the emulator with
// correct per-message results; every action lands in the audit log; bad input of every kind
// gets a JSON error naming the field and the Worker keeps working; no response or log line
// holds the secret key or a UserSig.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, assertNoSecrets, ALICE, BOT, ORIGIN } from './worker-stack.mjs';

const GROUP = 'wapi-group';

test('Worker admin API: auth, CORS, recalls, history, audit, bad input', { timeout: 120_000 }, async (t) => {
  const stack = await startStack({ withCallbacks: false, emulatorArgs: ['--seed-demo', '--seed-group', `${GROUP}:Public:200`] });
  const { call } = stack;
  try {
    await t.test('missing, malformed, wrong and foreign-origin callers are refused', async () => {
      const cases = [
        [{}, 401],
        [{ authorization: 'Basic abc' }, 401],
        [{ authorization: 'Bearer ' }, 401],
        [{ authorization: 'Bearer wrong-token-0123456789abcdef' }, 401],
        [{ authorization: `Bearer ${ALICE}x` }, 401],
        [{ authorization: `Bearer ${ALICE}`, origin: 'http://evil.test' }, 403],
      ];
      for (const [headers, status] of cases) {
        const r = await call('GET', '/api/events', { headers });
        assert.equal(r.status, status, JSON.stringify(headers));
        assert.ok(['auth', 'permission'].includes(r.json.error.kind));
        assert.ok(!r.headers.get('access-control-allow-origin'));
      }
      // A foreign origin's preflight is refused; the console's passes and names it.
      const bad = await call('OPTIONS', '/api/recall/group', { headers: { origin: 'http://evil.test', 'access-control-request-method': 'POST' } });
      assert.equal(bad.status, 403);
      const ok = await call('OPTIONS', '/api/recall/group', { headers: { origin: ORIGIN, 'access-control-request-method': 'POST' } });
      assert.equal(ok.status, 204);
      assert.equal(ok.headers.get('access-control-allow-origin'), ORIGIN);
      assert.match(ok.headers.get('access-control-allow-headers'), /authorization/);
      const cors = await call('GET', '/api/events', { token: ALICE, headers: { origin: ORIGIN } });
      assert.equal(cors.status, 200);
      assert.equal(cors.headers.get('access-control-allow-origin'), ORIGIN);
      // Even an error answer is readable by the console.
      const corsErr = await call('GET', '/api/events', { headers: { origin: ORIGIN } });
      assert.equal(corsErr.status, 401);
      assert.equal(corsErr.headers.get('access-control-allow-origin'), ORIGIN);
    });

    await t.test('group recall through the emulator: one correct result per message', async () => {
      const r = await call('POST', '/api/recall/group', { token: ALICE, body: { groupId: GROUP, msgSeqs: [1, 2, '3', 2, 999, 4, 5, 6, 7, 8, 9, 10, 11, 12], reason: 'cleanup' } });
      assert.equal(r.status, 200, r.text);
      assert.equal(r.json.requested, 13);
      assert.equal(r.json.recalled, 12);
      assert.equal(r.json.failed, 1);
      assert.equal(r.json.results.length, 13);
      assert.deepEqual(r.json.results.find((x) => x.msgSeq === 999), { msgSeq: 999, ok: false, outcome: 'failed', code: 10030, message: r.json.results.find((x) => x.msgSeq === 999).message, attempts: 1 });
      assert.ok(r.json.results.filter((x) => x.msgSeq !== 999).every((x) => x.ok && x.code === 0));
      // Again: already recalled, so not there to recall any more.
      const again = await call('POST', '/api/recall/group', { token: BOT, body: { groupId: GROUP, msgSeqs: [1] } });
      assert.equal(again.json.results[0].code, 10030);
      // The history agrees.
      const h = await call('GET', `/api/history/group?groupId=${GROUP}&beforeSeq=12&count=20&withRecalled=true`, { token: ALICE });
      assert.equal(h.status, 200, h.text);
      const bySeq = new Map(h.json.messages.map((m) => [m.msgSeq, m]));
      for (let s = 1; s <= 12; s++) assert.equal(bySeq.get(s).recalled, true, `seq ${s}`);
      const fresh = await call('GET', `/api/history/group?groupId=${GROUP}&count=5`, { token: ALICE });
      assert.equal(fresh.json.messages.length, 5);
      assert.equal(fresh.json.messages[0].msgSeq, 200);
    });

    await t.test('sender purge and C2C recall through the emulator', async () => {
      const s = await call('POST', '/api/recall/sender', { token: ALICE, body: { groupId: GROUP, senderAccount: 'seed-user-1', reason: 'spammer' } });
      assert.equal(s.status, 200, s.text);
      assert.deepEqual(s.json, { ok: true, groupId: GROUP, senderAccount: 'seed-user-1' });
      const now = Math.floor(Date.now() / 1000);
      const h = await call('GET', `/api/history/c2c?operatorAccount=alice&peerAccount=bob&minTime=${now - 86400 * 365}&maxTime=${now + 60}&maxCount=5`, { token: ALICE });
      assert.equal(h.status, 200, h.text);
      assert.ok(h.json.messages.length > 0);
      const m = h.json.messages.find((x) => !x.recalled);
      const first = await call('POST', '/api/recall/c2c', { token: ALICE, body: { fromAccount: m.fromAccount, toAccount: m.toAccount, msgKey: m.msgKey } });
      assert.equal(first.status, 200, first.text);
      assert.deepEqual(first.json, { alreadyRecalled: false });
      const second = await call('POST', '/api/recall/c2c', { token: ALICE, body: { fromAccount: m.fromAccount, toAccount: m.toAccount, msgKey: m.msgKey } });
      assert.deepEqual(second.json, { alreadyRecalled: true });
      const missing = await call('GET', '/api/history/group?groupId=no-such-group', { token: ALICE });
      assert.ok(missing.status >= 400 && missing.status < 500, missing.text);
      assert.equal(typeof missing.json.error.code, 'number');
      assert.ok(missing.json.error.code > 0);
    });

    await t.test('every admin action is in the audit log with who, what, reason and counts', async () => {
      const r = await call('GET', '/api/audit?limit=200', { token: ALICE });
      assert.equal(r.status, 200);
      const entries = r.json.entries;
      const group = entries.find((e) => e.action === 'recall.group' && e.reason === 'cleanup');
      assert.equal(group.actor, 'alice');
      assert.deepEqual({ requested: group.summary.requested, recalled: group.summary.recalled, failed: group.summary.failed }, { requested: 13, recalled: 12, failed: 1 });
      assert.ok(entries.find((e) => e.action === 'recall.group' && e.actor === 'bot'));
      assert.ok(entries.find((e) => e.action === 'recall.sender' && e.reason === 'spammer'));
      assert.equal(entries.filter((e) => e.action === 'recall.c2c').length, 2);
      assert.ok(entries.every((e) => typeof e.at === 'number' && e.id > 0));
      // Cursor pagination: newest first, no overlap.
      const p1 = await call('GET', '/api/audit?limit=2', { token: ALICE });
      const p2 = await call('GET', `/api/audit?limit=2&cursor=${p1.json.nextCursor}`, { token: ALICE });
      assert.equal(p1.json.entries.length, 2);
      assert.ok(p2.json.entries[0].id < p1.json.entries[1].id);
    });

    await t.test('bad input: a JSON error naming the field, nothing half-written, the Worker keeps working', async () => {
      const auditBefore = (await call('GET', '/api/audit?limit=200', { token: ALICE })).json.entries.length;
      const nested = '['.repeat(20000) + ']'.repeat(20000);
      const cases = [
        ['GET', '/api/recall/group', undefined, 405, 'method'],
        ['PUT', '/api/jobs', { kind: 'recallGroup' }, 405, 'method'],
        ['POST', '/api/recall/group', 'not json', 400, 'body', { raw: 'not json' }],
        ['POST', '/api/recall/group', '{}', 415, 'content-type', { raw: '{}', headers: { 'content-type': 'text/plain' } }],
        ['POST', '/api/recall/group', [1, 2], 400, 'body'],
        ['POST', '/api/recall/group', nested, 400, 'groupId', { raw: `{"groupId":${nested}}` }],
        ['POST', '/api/recall/group', { groupId: 5, msgSeqs: [1] }, 400, 'groupId'],
        ['POST', '/api/recall/group', { groupId: GROUP }, 400, 'msgSeqs'],
        ['POST', '/api/recall/group', { groupId: GROUP, msgSeqs: 'abc' }, 400, 'msgSeqs'],
        ['POST', '/api/recall/group', { groupId: GROUP, msgSeqs: [1, -2] }, 400, 'msgSeqs[1]'],
        ['POST', '/api/recall/group', { groupId: GROUP, msgSeqs: [1.5] }, 400, 'msgSeqs[0]'],
        ['POST', '/api/recall/group', { groupId: GROUP, msgSeqs: [1], reason: {} }, 400, 'reason'],
        ['POST', '/api/recall/group', { groupId: GROUP, msgSeqs: Array.from({ length: 5001 }, (_, i) => i + 1) }, 400, 'msgSeqs'],
        ['POST', '/api/recall/group', { groupId: GROUP, msgSeqs: [1], pad: 'x'.repeat(70_000) }, 413, 'body'],
        ['POST', '/api/recall/sender', { groupId: GROUP }, 400, 'senderAccount'],
        ['POST', '/api/recall/c2c', { fromAccount: 'a', toAccount: 'b', msgKey: 7 }, 400, 'msgKey'],
        ['GET', '/api/history/group', undefined, 400, 'groupId'],
        ['GET', `/api/history/group?groupId=${GROUP}&count=500`, undefined, 400, 'count'],
        ['GET', `/api/history/group?groupId=${GROUP}&withRecalled=maybe`, undefined, 400, 'withRecalled'],
        ['GET', '/api/history/c2c?operatorAccount=a&peerAccount=b&minTime=x&maxTime=1', undefined, 400, 'minTime'],
        ['GET', '/api/events?limit=0', undefined, 400, 'limit'],
        ['GET', '/api/events?cursor=abc', undefined, 400, 'cursor'],
        ['POST', '/api/jobs', { kind: 'nope' }, 400, 'kind'],
        ['POST', '/api/jobs', { kind: 'recallGroup', groupId: GROUP, msgSeqs: [] }, 400, 'msgSeqs'],
        ['POST', '/api/jobs', { kind: 'recallGroup', groupId: GROUP, msgSeqs: [1, 'x'] }, 400, 'msgSeqs[1]'],
        ['POST', '/api/jobs', { kind: 'purgeSender', senderAccount: 'u', groupIds: [GROUP, 3] }, 400, 'groupIds[1]'],
        ['POST', '/api/jobs', { kind: 'purgeSender', groupIds: [GROUP] }, 400, 'senderAccount'],
        ['GET', '/api/jobs/not-a-job', undefined, 404, 'id'],
        ['GET', '/api/jobs/00000000-0000-4000-8000-000000000000', undefined, 404, 'id'],
        ['DELETE', '/api/jobs/00000000-0000-4000-8000-000000000000', undefined, 404, 'id'],
        ['GET', '/api/jobs/%E0%A4%A', undefined, 404, 'id'],
        ['GET', '/api/nothing', undefined, 404, 'path'],
      ];
      for (const [method, path, body, status, field, opts = {}] of cases) {
        const r = await call(method, path, { token: ALICE, body: opts.raw === undefined ? body : undefined, ...opts });
        assert.equal(r.status, status, `${method} ${path}: ${r.text.slice(0, 300)}`);
        assert.ok(r.json && r.json.error, `${method} ${path}: JSON error`);
        const e = r.json.error;
        assert.equal(typeof e.kind, 'string');
        assert.equal(typeof e.code, 'number');
        assert.equal(typeof e.retryable, 'boolean');
        assert.ok(e.field === field || e.info.startsWith(`${field}:`) || e.info.includes(field), `${method} ${path}: names ${field}: ${JSON.stringify(e)}`);
      }
      // Nothing was recorded for refused requests, no job exists, and the Worker still works.
      const after = await call('GET', '/api/audit?limit=200', { token: ALICE });
      assert.equal(after.json.entries.length, auditBefore);
      assert.deepEqual((await call('GET', '/api/jobs', { token: ALICE })).json.jobs, []);
      const ok = await call('POST', '/api/recall/group', { token: ALICE, body: { groupId: GROUP, msgSeqs: [150] } });
      assert.equal(ok.json.recalled, 1);
    });

    await t.test('no response and no log line holds the secret key, a token or a UserSig', () => {
      assertNoSecrets(assert, stack.responses(), 'responses');
      assertNoSecrets(assert, stack.log(), 'the wrangler log');
    });
  } finally {
    await stack.stop();
  }
});
