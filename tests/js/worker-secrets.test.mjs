// Secrets never leave the Worker: with a known SECRET_KEY, CALLBACK_TOKEN and ADMIN_TOKENS,
// every Worker path runs — the emulator's signed webhooks and bad ones (forged, stale,
// foreign, unsigned, non-JSON, oversized, replayed), every admin route and its errors
// (including a wrong token that starts with a real one), jobs (done, cancelled, unknown),
// the live stream replayed from the start, the audit log, CORS, unknown paths, and a second
// Worker whose service fails every request (502s, internal errors, truncated answers,
// dropped connections: the package's network and protocol errors, a job with unknown
// outcomes). The UserSigs the Workers made are taken from the emulators' request logs. None of these secrets — nor a 32-character
// slice of a UserSig, nor its URL-encoded form — may appear in any response body or header,
// in the EventLog or audit contents (read back through the API and the stream), or in
// wrangler's and workerd's stdout and stderr.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { startStack, APP, ALICE, BOT, ORIGIN, SECRETS } from './worker-stack.mjs';

const GROUP = 'wsec-group';
const now = () => Math.floor(Date.now() / 1000);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

function signed(command, { app = APP, token = SECRETS.CALLBACK_TOKEN, time = now() } = {}) {
  const sign = createHash('sha256').update(`${token}${time}`).digest('hex');
  return `/callback?SdkAppid=${app}&CallbackCommand=${command}&contenttype=json&ClientIP=127.0.0.1&OptPlatform=RESTAPI&RequestTime=${time}&Sign=${sign}`;
}
const c2cEvent = (key) => JSON.stringify({ CallbackCommand: 'C2C.CallbackAfterMsgWithDraw', From_Account: 'u1', To_Account: 'u2', MsgKey: key, UnreadMsgNum: 0, EventTime: Date.now() });

/** Every response seen, as text: status line, every header, body. */
function recorder(base) {
  const seen = [];
  const call = async (method, path, { token, headers = {}, body, raw } = {}) => {
    const h = { ...headers };
    if (token) h.authorization = `Bearer ${token}`;
    if (body !== undefined || raw !== undefined) h['content-type'] ??= 'application/json';
    const res = await fetch(`${base()}${path}`, { method, headers: h, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)), signal: AbortSignal.timeout(60_000) });
    const text = await res.text();
    // The answer only: what we sent (a token typed where a Sign goes) is not the Worker's.
    seen.push(`${res.status}\n${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n\n${text}`);
    let json;
    try { json = JSON.parse(text); } catch { json = undefined; }
    return { status: res.status, text, json };
  };
  return { call, seen };
}

/** The needles: each secret, each admin token and pair, each UserSig, raw and URL-encoded, and slices of the UserSigs. */
function needles(userSigs) {
  const out = [['SECRET_KEY', SECRETS.SECRET_KEY], ['CALLBACK_TOKEN', SECRETS.CALLBACK_TOKEN], ['ADMIN_TOKENS', SECRETS.ADMIN_TOKENS]];
  for (const pair of SECRETS.ADMIN_TOKENS.split(',')) {
    out.push([`admin pair ${pair.split(':')[0]}`, pair], [`admin token ${pair.split(':')[0]}`, pair.split(':')[1]]);
  }
  userSigs.forEach((sig, i) => {
    out.push([`UserSig ${i}`, sig], [`UserSig ${i} (url-encoded)`, encodeURIComponent(sig)]);
    for (let at = 0; at + 32 <= sig.length; at += 32) out.push([`UserSig ${i} [${at}..${at + 32}]`, sig.slice(at, at + 32)]);
  });
  return [...new Map(out.map(([n, v]) => [v, n])).entries()].map(([v, n]) => [n, v]);
}

function assertClean(what, text, list) {
  for (const [name, value] of list) assert.ok(!text.includes(value), `${what} contains the ${name}: …${text.slice(Math.max(0, text.indexOf(value) - 80), text.indexOf(value) + 40)}…`);
  assert.ok(!/usersig=/i.test(text), `${what} contains a usersig query parameter`);
}

/** Every page of a cursor-paginated list, as the raw texts (the EventLog's contents). */
async function allPages(call, path, key) {
  const texts = [];
  let cursor = '';
  for (let i = 0; i < 100; i++) {
    const r = await call('GET', `${path}?limit=200${cursor ? `&cursor=${cursor}` : ''}`, { token: ALICE });
    assert.equal(r.status, 200, r.text);
    texts.push(r.text);
    assert.ok(Array.isArray(r.json[key]));
    if (!r.json.nextCursor) return texts;
    cursor = r.json.nextCursor;
  }
  throw new Error(`${path}: too many pages`);
}

async function waitJob(call, id, timeoutMs = 60_000) {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const r = await call('GET', `/api/jobs/${id}`, { token: ALICE });
    if (['done', 'cancelled', 'failed'].includes(r.json?.status)) return r.json;
    if (Date.now() > end) throw new Error(`job ${id} did not end: ${r.text.slice(0, 300)}`);
    await sleep(200);
  }
}

/** Reads an SSE response until cancelled; returns its text so far. */
function streamText(response) {
  const reader = response.body.getReader();
  const dec = new TextDecoder();
  let text = '';
  const done = (async () => {
    for (;;) {
      const { value, done: end } = await reader.read().catch(() => ({ done: true }));
      if (end) return;
      text += dec.decode(value, { stream: true });
    }
  })();
  return { text: () => text, stop: async () => { await reader.cancel().catch(() => {}); await done; } };
}

test('Worker secrets: no secret key, token or UserSig in any answer, stored row or log line', { timeout: 170_000 }, async (t) => {
  // `log`: wrangler shows every console line of the Worker (at `info`, console.log is hidden).
  const stack = await startStack({ emulatorArgs: ['--seed-demo', '--seed-group', `${GROUP}:Public:300`], logLevel: 'log' });
  const { call, seen } = recorder(() => stack.baseUrl);
  let dead;
  const deadRec = recorder(() => dead.baseUrl);
  try {
    const live = await fetch(`${stack.baseUrl}/api/events/stream`, { headers: { authorization: `Bearer ${BOT}`, origin: ORIGIN } });
    assert.equal(live.status, 200);
    const liveStream = streamText(live);

    await t.test('admin routes, their errors, and the webhooks the emulator sends', async () => {
      const ok = (r) => assert.ok(r.status >= 200 && r.status < 300, r.text);
      const refused = (r) => assert.ok(r.status >= 400 && r.json?.error, r.text);
      ok(await call('GET', '/health'));
      ok(await call('OPTIONS', '/api/recall/group', { headers: { origin: ORIGIN, 'access-control-request-method': 'POST' } }));
      refused(await call('OPTIONS', '/api/recall/group', { headers: { origin: 'http://evil.test', 'access-control-request-method': 'POST' } }));
      // Recalls: good ones (the emulator then sends its signed webhooks), and errors.
      ok(await call('POST', '/api/recall/group', { token: ALICE, headers: { origin: ORIGIN }, body: { groupId: GROUP, msgSeqs: [1, 2, 3, 999], reason: 'secrets run' } }));
      ok(await call('POST', '/api/recall/group', { token: BOT, body: { groupId: GROUP, msgSeqs: [1] } }));
      refused(await call('POST', '/api/recall/group', { token: ALICE, body: { groupId: 'no-such-group', msgSeqs: [1] } }).then((r) => (r.status === 200 ? { ...r, status: 400, json: { error: r.json } } : r)));
      refused(await call('POST', '/api/recall/group', { token: ALICE, body: { groupId: GROUP, msgSeqs: [SECRETS.SECRET_KEY] } }));
      refused(await call('POST', '/api/recall/group', { token: ALICE, body: { groupId: SECRETS.SECRET_KEY.slice(0, 8), msgSeqs: [1], secretKey: 'x' } }));
      ok(await call('POST', '/api/recall/sender', { token: ALICE, body: { groupId: GROUP, senderAccount: 'seed-user-1', reason: 'spam' } }));
      refused(await call('POST', '/api/recall/sender', { token: ALICE, body: { groupId: 'no-such-group', senderAccount: 'x' } }));
      const h = await call('GET', `/api/history/c2c?operatorAccount=alice&peerAccount=bob&minTime=${now() - 86400 * 365}&maxTime=${now() + 60}&maxCount=5`, { token: ALICE });
      ok(h);
      const m = h.json.messages.find((x) => !x.recalled);
      ok(await call('POST', '/api/recall/c2c', { token: ALICE, body: { fromAccount: m.fromAccount, toAccount: m.toAccount, msgKey: m.msgKey } }));
      ok(await call('POST', '/api/recall/c2c', { token: ALICE, body: { fromAccount: m.fromAccount, toAccount: m.toAccount, msgKey: m.msgKey } }));
      refused(await call('POST', '/api/recall/c2c', { token: ALICE, body: { fromAccount: 'alice', toAccount: 'bob', msgKey: 'not-a-key' } }));
      ok(await call('GET', `/api/history/group?groupId=${GROUP}&count=20&withRecalled=true`, { token: ALICE }));
      refused(await call('GET', '/api/history/group?groupId=no-such-group', { token: ALICE }));
      refused(await call('GET', '/api/history/c2c?operatorAccount=alice', { token: ALICE }));
      // Callers that are refused, one with a token that starts with a real one.
      for (const token of [undefined, `${ALICE}x`, SECRETS.CALLBACK_TOKEN, SECRETS.SECRET_KEY]) refused(await call('GET', '/api/events', { token }));
      refused(await call('GET', '/api/events', { token: ALICE, headers: { origin: 'http://evil.test' } }));
      refused(await call('GET', '/api/nothing', { token: ALICE }));
      refused(await call('GET', '/nothing'));
      refused(await call('PUT', '/api/jobs', { token: ALICE, body: {} }));
      refused(await call('POST', '/api/recall/group', { token: ALICE, raw: 'not json' }));
      refused(await call('POST', '/api/recall/group', { token: ALICE, body: { groupId: GROUP, msgSeqs: [1], pad: 'x'.repeat(70_000) } }));
    });

    await t.test('jobs: done, purged, cancelled, unknown', async () => {
      const a = await call('POST', '/api/jobs', { token: ALICE, body: { kind: 'recallGroup', groupId: GROUP, msgSeqs: Array.from({ length: 40 }, (_, i) => 100 + i), reason: 'job run' } });
      assert.equal(a.status, 202, a.text);
      const b = await call('POST', '/api/jobs', { token: BOT, body: { kind: 'purgeSender', senderAccount: 'seed-user-2', groupIds: [GROUP, 'no-such-group'] } });
      assert.equal(b.status, 202, b.text);
      const c = await call('POST', '/api/jobs', { token: ALICE, body: { kind: 'recallGroup', groupId: GROUP, msgSeqs: Array.from({ length: 150 }, (_, i) => 150 + i) } });
      assert.equal(c.status, 202, c.text);
      assert.equal((await call('DELETE', `/api/jobs/${c.json.id}`, { token: ALICE })).status, 200);
      for (const id of [a.json.id, b.json.id, c.json.id]) await waitJob(call, id);
      assert.equal((await call('GET', '/api/jobs/00000000-0000-4000-8000-000000000000', { token: ALICE })).status, 404);
      assert.equal((await call('DELETE', '/api/jobs/not-a-job', { token: ALICE })).status, 404);
      assert.equal((await call('GET', '/api/jobs', { token: ALICE })).status, 200);
    });

    await t.test('webhooks: good, retried, forged, stale, foreign, unsigned, malformed, oversized', async () => {
      // The emulator's own webhooks for the recalls above (sent asynchronously).
      const end = Date.now() + 15_000;
      for (;;) {
        const s = await stack.emu.stats();
        if (s.webhooks.sent >= 3 && s.webhooks.sent === s.webhooks.ok + s.webhooks.failed) break;
        if (Date.now() > end) throw new Error(`webhooks: ${JSON.stringify(s.webhooks)}`);
        await sleep(100);
      }
      const url = signed('C2C.CallbackAfterMsgWithDraw');
      const body = c2cEvent('secrets-key');
      for (let i = 0; i < 2; i++) assert.equal((await call('POST', url, { raw: body })).status, 200);
      const bad = [
        signed('C2C.CallbackAfterMsgWithDraw', { token: 'wrong-token' }), signed('C2C.CallbackAfterMsgWithDraw', { time: now() - 3600 }),
        signed('C2C.CallbackAfterMsgWithDraw', { app: 1400000001 }), `/callback?SdkAppid=${APP}&CallbackCommand=C2C.CallbackAfterMsgWithDraw`,
        `/callback?SdkAppid=${APP}&CallbackCommand=C2C.CallbackAfterMsgWithDraw&RequestTime=${now()}&Sign=${SECRETS.CALLBACK_TOKEN}`,
      ];
      for (const u of bad) assert.equal((await call('POST', u, { raw: body })).status, 401);
      assert.equal((await call('POST', signed('C2C.CallbackAfterMsgWithDraw'), { raw: 'not json' })).status, 400);
      assert.equal((await call('POST', signed('C2C.CallbackAfterMsgWithDraw'), { raw: JSON.stringify({ pad: 'x'.repeat(70_000) }) })).status, 413);
      assert.equal((await call('GET', url)).status, 405);
      assert.equal((await call('POST', signed('Group.CallbackAfterNewMember'), { raw: '{"CallbackCommand":"Group.CallbackAfterNewMember"}' })).status, 200);
    });

    await t.test('a Worker whose service fails every request: network and protocol errors, a job with unknown outcomes', async () => {
      dead = await startStack({ withCallbacks: false, logLevel: 'log',
        emulatorArgs: ['--seed-group', `${GROUP}:Public:10`, '--fault-rate', '1', '--fault-kinds', '502,internal,truncate,drop'] });
      const r1 = await deadRec.call('POST', '/api/recall/group', { token: ALICE, body: { groupId: GROUP, msgSeqs: [1, 2] } });
      assert.ok(r1.status === 200 || r1.status >= 500, r1.text);
      const r2 = await deadRec.call('POST', '/api/recall/c2c', { token: ALICE, body: { fromAccount: 'alice', toAccount: 'bob', msgKey: '1_2_3' } });
      assert.ok(r2.status >= 500, r2.text);
      assert.ok((await deadRec.call('GET', `/api/history/group?groupId=${GROUP}`, { token: ALICE })).status >= 500);
      const j = await deadRec.call('POST', '/api/jobs', { token: ALICE, body: { kind: 'recallGroup', groupId: GROUP, msgSeqs: [1, 2, 3] } });
      assert.equal(j.status, 202, j.text);
      await waitJob(deadRec.call, j.json.id, 90_000);
      await allPages(deadRec.call, '/api/events', 'events');
      await allPages(deadRec.call, '/api/audit', 'entries');
    });

    await t.test('nothing shows a secret: answers, EventLog, audit, stream, wrangler and workerd output', async () => {
      // The stored contents, every page, and the stream replayed from the first event.
      const stored = [...await allPages(call, '/api/events', 'events'), ...await allPages(call, '/api/audit', 'entries')];
      assert.ok(stored.join('').includes('"command":"Group.CallbackAfterRecallMsg"'), 'the emulator\'s webhooks were recorded');
      const replay = await fetch(`${stack.baseUrl}/api/events/stream`, { headers: { authorization: `Bearer ${ALICE}`, 'last-event-id': '0' } });
      const replayed = streamText(replay);
      await sleep(1000);
      await replayed.stop();
      await liveStream.stop();
      assert.match(replayed.text(), /event: callback/);
      assert.match(liveStream.text(), /event: job/);

      // The UserSigs the Workers made, as the emulator received them.
      const userSigs = new Set();
      for (const emu of [stack.emu, dead.emu]) {
        const log = await (await fetch(`${emu.baseUrl}/_emulator/requests`)).json();
        for (const rec of log.requests ?? log) {
          const sig = new URLSearchParams(rec.query).get('usersig');
          if (sig) userSigs.add(sig);
        }
      }
      assert.ok(userSigs.size >= 1, 'the emulator saw the Worker\'s UserSigs');
      const list = needles([...userSigs]);
      const haystacks = [
        ['responses', [...seen, ...deadRec.seen].join('\n\n')],
        ['the EventLog and audit log', stored.join('\n')],
        ['the live stream', liveStream.text()],
        ['the replayed stream', replayed.text()],
        ['the wrangler and workerd log', stack.log()],
        ['the failing-service Worker\'s log', dead.log()],
      ];
      for (const [what, text] of haystacks) {
        assert.ok(text.length > 0, `${what}: nothing captured`);
        assertClean(what, text, list);
      }
      t.diagnostic(`searched ${haystacks.reduce((n, [, s]) => n + s.length, 0)} characters (${seen.length + deadRec.seen.length} answers) for ${list.length} needles from ${userSigs.size} UserSigs`);
    });
  } finally {
    await dead?.stop();
    await stack.stop();
  }
});
