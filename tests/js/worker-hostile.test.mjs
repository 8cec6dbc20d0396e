// Hostile input against the Worker in real workerd (wrangler dev --local) with the emulator
// behind it: for every route, wrong methods, wrong or missing content types, non-JSON,
// invalid UTF-8, lone surrogates, wrong field types, unknown and prototype-polluting keys,
// integers past 2^53 and 2^64, bodies over the cap (declared, streamed for ever, or lying in
// Content-Length), deep nesting, unknown and malformed job ids, missing/wrong/foreign
// tokens, foreign origins (preflight and actual requests), forged/stale/replayed/foreign
// webhooks, and paths that are no route.
//
// Each case must answer a JSON error `{ error: { kind, code, info, api, retryable, field } }`
// naming the field, with a fitting status; afterwards nothing reached the emulator, no
// event, audit row or job was written (the EventLog's newest ids, the job index, the
// emulator's request count and an open live stream all unchanged), and the Worker serves
// valid calls (each state check is three authenticated reads; every group ends with a real
// recall through the emulator). Cases the Worker must take (a valid delivery, its replays)
// check instead that exactly what they should was recorded. workerd's resident memory is
// read at the start and the end (Linux: ss and /proc).
// Writes target/worker-hostile-report.json (cases tried and held, fields named, memory) for
// benches/report.mjs.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { connect } from 'node:net';
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { repo } from './install.mjs';
import { startStack, APP, ALICE, BOT, ORIGIN, SECRETS } from './worker-stack.mjs';

const GROUP = 'whost-group';
const UUID = '3f2a9c1e-8d4b-4e6f-a1b2-0c9d8e7f6a5b';
const MiB = 1 << 20;
/** A stream "for ever" stops here: far past any cap, so a Worker that reads it all fails. */
const FOREVER_CAP = 48 * MiB;

// ---- the report ----
const cases = [];
const fieldsSeen = new Set();
/** workerd's resident memory (bytes): after start-up, at the end, and its peak. */
const memory = {};
/** Growth of workerd's resident memory over the whole suite that counts as unbounded. */
const RSS_GROWTH_LIMIT = 256 * MiB;
after(() => {
  const groups = [...new Set(cases.map((c) => c.group))];
  const report = {
    suite: 'worker-hostile', cases: cases.length, held: cases.filter((c) => c.held).length,
    groups: Object.fromEntries(groups.map((g) => [g, {
      tried: cases.filter((c) => c.group === g).length, held: cases.filter((c) => c.group === g && c.held).length }])),
    failed: cases.filter((c) => !c.held).map((c) => `${c.group}: ${c.name}`),
    streamed_forever_bytes_read_max: cases.reduce((m, c) => Math.max(m, c.pulled ?? 0), 0),
    fields_named: [...fieldsSeen].sort(),
    workerd_rss_bytes: { ...memory, growth_limit: RSS_GROWTH_LIMIT },
  };
  mkdirSync(join(repo, 'target'), { recursive: true });
  writeFileSync(join(repo, 'target', 'worker-hostile-report.json'), JSON.stringify(report, null, 2) + '\n');
});

// ---- requests ----
const enc = new TextEncoder();
const bytes = (s) => enc.encode(s);
const auth = (token = ALICE) => ({ authorization: `Bearer ${token}` });
const JSON_TYPE = { 'content-type': 'application/json' };

/** A webhook query signed with `token` at `time` (the service's Sign = sha256(token + time)). */
function signed(command = 'C2C.CallbackAfterMsgWithDraw', { app = APP, token = SECRETS.CALLBACK_TOKEN, time = Math.floor(Date.now() / 1000), extra = '' } = {}) {
  const sign = createHash('sha256').update(`${token}${time}`).digest('hex');
  return `/callback?SdkAppid=${app}&CallbackCommand=${command}&contenttype=json&ClientIP=127.0.0.1&OptPlatform=RESTAPI&RequestTime=${time}&Sign=${sign}${extra}`;
}
const c2cEvent = (over = {}) => ({ CallbackCommand: 'C2C.CallbackAfterMsgWithDraw', From_Account: 'u1', To_Account: 'u2', MsgKey: '1_2_3', UnreadMsgNum: 0, EventTime: Date.now(), ...over });
const groupEvent = (over = {}) => ({ CallbackCommand: 'Group.CallbackAfterRecallMsg', Operator_Account: 'admin', Type: 'Public', GroupId: GROUP, MsgSeqList: [{ MsgSeq: 1 }], EventTime: Date.now(), ...over });

/** A body that streams until the reader stops pulling (or FOREVER_CAP); counts what was pulled. */
function forever() {
  const chunk = new Uint8Array(16 * 1024).fill(0x20);
  const s = { pulled: 0 };
  s.body = new ReadableStream({
    pull(c) {
      if (s.pulled >= FOREVER_CAP) { c.close(); return; }
      s.pulled += chunk.byteLength;
      c.enqueue(chunk);
    },
  });
  return s;
}

/** Bytes straight onto a socket (for lies fetch will not tell); resolves to { status, body } or null. */
function rawRequest(base, head, body, { halfClose = true } = {}) {
  const { hostname, port } = new URL(base);
  return new Promise((resolve) => {
    const sock = connect(Number(port), hostname);
    let data = Buffer.alloc(0);
    const done = () => {
      clearTimeout(timer);
      sock.destroy();
      const text = data.toString('latin1');
      const m = /^HTTP\/1\.[01] (\d{3})/.exec(text);
      if (!m) return resolve(null);
      const at = text.indexOf('\r\n\r\n');
      let rest = at < 0 ? '' : data.subarray(at + 4).toString('utf8');
      if (/\r\ntransfer-encoding: chunked/i.test(text.slice(0, at))) rest = rest.replace(/^[0-9a-f]+\r\n/i, '').replace(/\r\n0\r\n\r\n[\s\S]*$/, '');
      resolve({ status: Number(m[1]), body: rest });
    };
    const timer = setTimeout(done, 15_000);
    sock.on('data', (d) => {
      data = Buffer.concat([data, d]);
      // One answer is all we want: stop once its body is complete.
      const text = data.toString('latin1');
      const at = text.indexOf('\r\n\r\n');
      const len = /\r\ncontent-length: (\d+)/i.exec(text.slice(0, at));
      if (at >= 0 && ((len && data.length >= at + 4 + Number(len[1])) || /\r\n0\r\n\r\n/.test(text.slice(at)))) done();
    });
    sock.on('error', done);
    sock.on('close', done);
    sock.on('connect', () => { sock.write(head); if (halfClose) sock.end(body); else sock.write(body); });
  });
}

/** The workerd process serving `base` (it listens itself; wrangler only starts it). */
function workerdPid(url) {
  const out = execFileSync('ss', ['-ltnpH', `sport = :${new URL(url).port}`]).toString();
  const m = /\("workerd",pid=(\d+)/.exec(out);
  if (!m) throw new Error(`no workerd listens on ${url}: ${out}`);
  return Number(m[1]);
}

/** VmRSS and VmHWM (peak) of `pid`, in bytes. */
function rss(pid) {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (k) => Number(new RegExp(`^${k}:\\s+(\\d+) kB`, 'm').exec(status)[1]) * 1024;
  return { rss: kb('VmRSS'), peak: kb('VmHWM') };
}

// ---- the stack and its observable state ----
let stack;
let base;
let emuBase;

async function read(path) {
  const r = await fetch(`${base}${path}`, { headers: auth(), signal: AbortSignal.timeout(30_000) });
  assert.equal(r.status, 200, `a valid call after the case: ${path}`);
  return r.json();
}

/** What a refused request must leave as it was: the stored rows and what reached the emulator. */
async function state() {
  const [ev, au, jobs, emu] = await Promise.all([
    read('/api/events?limit=1'), read('/api/audit?limit=1'), read('/api/jobs?limit=200'),
    fetch(`${emuBase}/_emulator/stats`).then((r) => r.json()),
  ]);
  return { newestEvent: ev.events[0]?.id ?? 0, newestAudit: au.entries[0]?.id ?? 0, jobs: jobs.jobs.length, sentToEmulator: emu.total_requests };
}

let nextSeq = 1;
/** A real recall through the emulator: the Worker still does its job. */
async function servesValidRecall() {
  known = undefined;
  const seq = nextSeq++;
  const r = await fetch(`${base}/api/recall/group`, { method: 'POST', headers: { ...auth(), ...JSON_TYPE }, body: JSON.stringify({ groupId: GROUP, msgSeqs: [seq] }), signal: AbortSignal.timeout(60_000) });
  const j = await r.json();
  assert.equal(r.status, 200, JSON.stringify(j));
  assert.equal(j.recalled, 1, JSON.stringify(j));
}

/**
 * One hostile request. `want`: { status, field, kind } the JSON error must carry, or
 * `accept(r)` for a case the Worker must take (e.g. a retried delivery) that checks the
 * state itself. `lenient`: the HTTP layer in front of the Worker may refuse the bytes itself
 * (no JSON), as long as nothing is recorded.
 */
// The state after the last case is the state before the next (a valid recall resets it).
let known;
async function hostile(t, group, name, send, want) {
  await t.test(name, async () => {
    const entry = { group, name, held: false };
    cases.push(entry);
    const before = known ?? await state();
    known = undefined;
    const r = await send(entry);
    let now;
    if (want.accept) {
      now = await state();
      await want.accept(r, before, now);
    } else if (r === null || (want.lenient && !isJsonError(r.text))) {
      // The HTTP layer in front of the Worker (wrangler's proxy, workerd) refused the bytes
      // itself, or reset the connection: allowed where marked, as long as nothing is recorded.
      assert.ok(want.lenient, `${name}: no JSON answer${r ? `: ${r.status} ${String(r.text).slice(0, 200)}` : ''}`);
      if (r) assert.ok(r.status >= 400, `${name}: status ${r.status}`);
    } else {
      assert.equal(r.status, want.status, `${name}: ${String(r.text).slice(0, 300)}`);
      if (r.type !== undefined) assert.match(r.type, /^application\/json/, `${name}: content-type`);
      const e = JSON.parse(r.text).error;
      assert.ok(e && typeof e === 'object', `${name}: an error object`);
      assert.equal(typeof e.kind, 'string');
      assert.equal(typeof e.code, 'number');
      assert.equal(typeof e.info, 'string');
      assert.equal(typeof e.api, 'string');
      assert.equal(typeof e.retryable, 'boolean');
      if (want.kind) assert.equal(e.kind, want.kind, `${name}: kind`);
      // Every refusal names what it refused; a case may pin the exact name.
      if (want.field !== undefined) assert.equal(e.field, want.field, `${name}: field in ${JSON.stringify(e)}`);
      else assert.ok(typeof e.field === 'string' && e.field.length > 0, `${name}: no field in ${JSON.stringify(e)}`);
      fieldsSeen.add(e.field);
      if (want.info) assert.match(e.info, want.info, `${name}: info`);
      if (want.allow) assert.equal(r.headers.get('allow'), want.allow, `${name}: Allow header`);
      if (want.cors === false) assert.equal(r.headers.get('access-control-allow-origin'), null, `${name}: no CORS grant`);
    }
    if (!want.accept) {
      now = await state();
      assert.deepEqual(now, before, `${name}: nothing sent or recorded`);
    }
    assert.equal(Object.prototype.polluted, undefined);
    known = now;
    entry.held = true;
  });
}

function isJsonError(text) {
  try { return typeof JSON.parse(text).error === 'object'; } catch { return false; }
}

/** fetch, bounded; the answer as { status, type, headers, text }. */
async function req(method, path, { headers = {}, body, duplex } = {}) {
  const init = { method, headers, body, signal: AbortSignal.timeout(60_000) };
  if (duplex) init.duplex = duplex;
  const r = await fetch(`${base}${path}`, init);
  return { status: r.status, type: r.headers.get('content-type'), headers: r.headers, text: await r.text() };
}
/** A POST of a JSON text (as bytes: no content type unless given). */
const post = (path, text, headers = {}) => () => req('POST', path, { headers: { ...auth(), ...JSON_TYPE, ...headers }, body: bytes(text) });
const postJson = (path, value, headers = {}) => post(path, JSON.stringify(value), headers);
const get = (path, headers = auth()) => () => req('GET', path, { headers });

// Valid bodies per POST route: a hostile case changes one thing.
const VALID = {
  '/api/recall/group': { groupId: GROUP, msgSeqs: [250] },
  '/api/recall/sender': { groupId: GROUP, senderAccount: 'seed-user-1' },
  '/api/recall/c2c': { fromAccount: 'alice', toAccount: 'bob', msgKey: '1_2_3' },
  '/api/jobs': { kind: 'recallGroup', groupId: GROUP, msgSeqs: [251, 252] },
};
/** Every route with its methods, for the method, token and origin matrices. */
const ROUTES = [
  ['/api/recall/group', 'POST'], ['/api/recall/sender', 'POST'], ['/api/recall/c2c', 'POST'],
  ['/api/history/group?groupId=whost-group', 'GET'], ['/api/history/c2c?operatorAccount=alice&peerAccount=bob&minTime=0&maxTime=1', 'GET'],
  ['/api/events', 'GET'], ['/api/events/stream', 'GET'], ['/api/audit', 'GET'],
  ['/api/jobs', 'GET, POST'], [`/api/jobs/${UUID}`, 'GET, DELETE'],
];
const bodyFor = (path) => (VALID[path] ? bytes(JSON.stringify(VALID[path])) : undefined);
/** The method a matrix case uses on a route: POST where it takes one (so a body is sent), else its first. */
const firstMethod = (allowed) => (allowed.split(', ').includes('POST') ? 'POST' : allowed.split(', ')[0]);

test('Worker hostile input: every route refuses cleanly, nothing is sent or recorded', { timeout: 170_000 }, async (t) => {
  stack = await startStack({ withCallbacks: false, emulatorArgs: ['--seed-demo', '--seed-group', `${GROUP}:Public:400`] });
  base = stack.baseUrl;
  emuBase = stack.emu.baseUrl;
  // A live stream open through the whole run: only the valid calls may put anything on it.
  const streamRes = await fetch(`${base}/api/events/stream`, { headers: auth(BOT) });
  assert.equal(streamRes.status, 200);
  const streamReader = streamRes.body.getReader();
  let streamed = '';
  const streaming = (async () => {
    const dec = new TextDecoder();
    for (;;) {
      const { value, done } = await streamReader.read().catch(() => ({ done: true }));
      if (done) return;
      streamed += dec.decode(value, { stream: true });
    }
  })();
  const start = await state();
  await servesValidRecall();
  const pid = workerdPid(base);
  memory.start = rss(pid).rss;
  let validRecalls = 1;
  let acceptedDeliveries = 0;
  const group = async (name, fn) => {
    await t.test(name, async (tg) => {
      await fn(tg, (caseName, send, want) => hostile(tg, name, caseName, send, want));
      await servesValidRecall();
      validRecalls++;
    });
  };
  try {
    await group('methods', async (_, h) => {
      for (const [path, allowed] of ROUTES) {
        for (const m of ['GET', 'POST', 'PUT', 'PATCH', 'DELETE']) {
          if (allowed.split(', ').includes(m)) continue;
          await h(`${m} ${path}`, () => req(m, path, { headers: { ...auth(), ...JSON_TYPE }, body: m === 'GET' ? undefined : bodyFor(path) ?? bytes('{}') }),
            { status: 405, field: 'method', kind: 'invalid_input', allow: allowed });
        }
      }
      for (const m of ['GET', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
        await h(`${m} /callback`, () => req(m, signed(), { headers: JSON_TYPE, body: m === 'GET' ? undefined : bytes(JSON.stringify(c2cEvent())) }),
          { status: 405, field: 'method', allow: 'POST' });
      }
      await h('GET /api/%2e%2e/callback (the URL resolves it to /callback)', () => req('GET', '/api/%2e%2e/callback'), { status: 405, field: 'method', allow: 'POST' });
      await h('POST /health', () => req('POST', '/health', { body: bytes('{}') }), { status: 405, field: 'method', allow: 'GET' });
    });

    await group('tokens', async (_, h) => {
      const bad = [
        ['no Authorization', {}],
        ['Basic scheme', { authorization: `Basic ${Buffer.from(`alice:${ALICE}`).toString('base64')}` }],
        ['lower-case bearer', { authorization: `bearer ${ALICE}` }],
        ['empty Bearer', { authorization: 'Bearer ' }],
        ['two spaces', { authorization: `Bearer  ${ALICE}` }],
        ['wrong token', { authorization: 'Bearer wrong-token-0123456789abcdef' }],
        ['a token of another deployment', { authorization: 'Bearer alice-token-fedcba9876543210' }],
        ['a valid token plus a byte', { authorization: `Bearer ${ALICE}x` }],
        ['a valid token less a byte', { authorization: `Bearer ${ALICE.slice(0, -1)}` }],
        ['the label:token pair', { authorization: `Bearer alice:${ALICE}` }],
        ['the label', { authorization: 'Bearer alice' }],
        ['a 4 KB token', { authorization: `Bearer ${'a'.repeat(4096)}` }],
        ['two tokens', { authorization: `Bearer ${ALICE}, Bearer ${BOT}` }],
      ];
      for (const [path, allowed] of ROUTES) {
        const m = firstMethod(allowed);
        // Missing, wrong and foreign tokens on every route; every variant on the first.
        for (const [what, headers] of path === ROUTES[0][0] ? bad : bad.filter(([w]) => ['no Authorization', 'wrong token', 'a token of another deployment'].includes(w))) {
          await h(`${what}: ${m} ${path}`, () => req(m, path, { headers: { ...JSON_TYPE, ...headers }, body: m === 'POST' ? bodyFor(path) : undefined }),
            { status: 401, field: 'authorization', kind: 'auth' });
        }
      }
      await h('no token on an unknown API path', get('/api/nothing', {}), { status: 401, field: 'authorization' });
    });

    await group('origins', async (_, h) => {
      const foreign = ['http://evil.test', 'null', `${ORIGIN}.evil.test`, `${ORIGIN}/`, ORIGIN.toUpperCase(), `${ORIGIN}:8080`, 'https://console.test'];
      for (const [path, allowed] of ROUTES) {
        const m = firstMethod(allowed);
        for (const origin of path === ROUTES[0][0] ? foreign.slice(0, 3) : foreign.slice(0, 1)) {
          await h(`actual ${m} ${path} from ${origin}`, () => req(m, path, { headers: { ...auth(), ...JSON_TYPE, origin }, body: m === 'POST' ? bodyFor(path) : undefined }),
            { status: 403, field: 'origin', kind: 'permission', cors: false });
          await h(`preflight ${path} from ${origin}`, () => req('OPTIONS', path, { headers: { origin, 'access-control-request-method': m, 'access-control-request-headers': 'authorization, content-type' } }),
            { status: 403, field: 'origin', cors: false });
        }
      }
      for (const origin of foreign.slice(3)) {
        await h(`actual POST /api/recall/group from ${origin}`, postJson('/api/recall/group', VALID['/api/recall/group'], { origin }), { status: 403, field: 'origin', cors: false });
        await h(`preflight from ${origin}`, () => req('OPTIONS', '/api/recall/group', { headers: { origin, 'access-control-request-method': 'POST' } }), { status: 403, field: 'origin', cors: false });
      }
      // The console's own origin with a bad token: refused, and the console may read why.
      await h('the console origin without a token', () => req('POST', '/api/recall/group', { headers: { ...JSON_TYPE, origin: ORIGIN }, body: bodyFor('/api/recall/group') }),
        { accept: async (r) => {
          assert.equal(r.status, 401);
          assert.equal(r.headers.get('access-control-allow-origin'), ORIGIN);
          assert.equal(JSON.parse(r.text).error.field, 'authorization');
        } });
    });

    await group('content types and encodings', async (_, h) => {
      for (const path of Object.keys(VALID)) {
        const text = JSON.stringify(VALID[path]);
        for (const [what, type] of [['no content type', undefined], ['text/plain', 'text/plain'], ['form', 'application/x-www-form-urlencoded'],
          ['application/jsonx', 'application/jsonx'], ['json-patch', 'application/json-patch+json'], ['multipart', 'multipart/form-data; boundary=x']]) {
          await h(`${what}: ${path}`, () => req('POST', path, { headers: { ...auth(), ...(type ? { 'content-type': type } : {}) }, body: bytes(text) }),
            { status: 415, field: 'content-type' });
        }
        await h(`not JSON: ${path}`, post(path, 'not json'), { status: 400, field: 'body' });
        await h(`empty body: ${path}`, post(path, ''), { status: 400, field: 'body' });
        await h(`truncated JSON: ${path}`, post(path, text.slice(0, -2)), { status: 400, field: 'body' });
        await h(`JSON array: ${path}`, post(path, '[1,2]'), { status: 400, field: 'body' });
        await h(`JSON null: ${path}`, post(path, 'null'), { status: 400, field: 'body' });
        await h(`JSON with a trailing second value: ${path}`, post(path, `${text} {}`), { status: 400, field: 'body' });
        const badUtf8 = new Uint8Array([...bytes(text.slice(0, -1)), ...bytes(',"reason":"'), 0xff, 0xfe, 0xc0, 0x80, ...bytes('"}')]);
        await h(`invalid UTF-8 in a string: ${path}`, () => req('POST', path, { headers: { ...auth(), ...JSON_TYPE }, body: badUtf8 }), { status: 400, field: 'body' });
        await h(`UTF-16 body: ${path}`, () => req('POST', path, { headers: { ...auth(), 'content-type': 'application/json; charset=utf-16le' }, body: Buffer.from(text, 'utf16le') }),
          { status: 415, field: 'content-type' });
      }
      await h('charset=utf-16 but UTF-8 bytes', post('/api/recall/group', JSON.stringify(VALID['/api/recall/group']), { 'content-type': 'application/json; charset=utf-16' }),
        { status: 415, field: 'content-type' });
    });

    await group('fields', async (_, h) => {
      const R = '/api/recall/group';
      const g = (over) => postJson(R, { ...VALID[R], ...over });
      const typeCases = [
        ['groupId', 5], ['groupId', true], ['groupId', ['g']], ['groupId', { toString: 'g' }], ['groupId', ''], ['groupId', 'x'.repeat(49)],
        ['groupId', '\ud800lone'], ['topicId', 7], ['topicId', '\udc00'], ['reason', {}], ['reason', 'r'.repeat(513)], ['reason', 'spam \udfff'],
      ];
      for (const [field, v] of typeCases) await h(`${R} ${field} = ${JSON.stringify(v).slice(0, 40)}`, g({ [field]: v }), { status: 400, field });
      await h(`${R} groupId missing`, postJson(R, { msgSeqs: [1] }), { status: 400, field: 'groupId' });
      await h(`${R} groupId null`, g({ groupId: null }), { status: 400, field: 'groupId' });
      const seqCases = [
        ['a string', 'msgSeqs', 'abc'], ['an object', 'msgSeqs', { 0: 1, length: 1 }], ['empty', 'msgSeqs', []], ['null', 'msgSeqs', null],
        ['5001 entries', 'msgSeqs', Array.from({ length: 5001 }, (_, i) => i + 1)],
        ['zero', 'msgSeqs[0]', [0]], ['negative', 'msgSeqs[1]', [1, -2]], ['a fraction', 'msgSeqs[0]', [1.5]], ['true', 'msgSeqs[0]', [true]],
        ['null entry', 'msgSeqs[0]', [null]], ['an object entry', 'msgSeqs[0]', [{ MsgSeq: 1 }]], ['a nested array', 'msgSeqs[0]', [[1]]],
        ['"01"', 'msgSeqs[0]', ['01']], ['"1e3"', 'msgSeqs[0]', ['1e3']], ['" 1"', 'msgSeqs[0]', [' 1']], ['"0x10"', 'msgSeqs[0]', ['0x10']],
        ['a lone surrogate', 'msgSeqs[0]', ['1\ud800']],
      ];
      for (const [what, field, v] of seqCases) await h(`${R} msgSeqs ${what}`, g({ msgSeqs: v }), { status: 400, field });
      // Past 2^53 as a number (JSON.parse would round it) and past 2^64 either way.
      for (const [what, literal, field] of [['2^53 + 1 as a number', '9007199254740993', 'msgSeqs[0]'], ['2^64 as a number', '18446744073709551616', 'msgSeqs[0]'],
        ['1e400', '1e400', 'msgSeqs[0]'], ['2^64 as a string', '"18446744073709551616"', 'msgSeqs[0]'], ['a 400-digit string', `"${'9'.repeat(400)}"`, 'msgSeqs[0]']]) {
        await h(`${R} msgSeqs ${what}`, post(R, `{"groupId":"${GROUP}","msgSeqs":[${literal}]}`), { status: 400, field });
      }
      // Unknown and prototype-polluting keys are refused by name (a typo must not pass silently).
      for (const key of ['__proto__', 'constructor', 'prototype', 'msgseqs', 'MsgSeqList']) {
        await h(`${R} with key ${key}`, post(R, `{"groupId":"${GROUP}","msgSeqs":[260],"${key}":{"polluted":true,"groupId":"other"}}`), { status: 400, field: key });
      }
      await h(`${R} __proto__ carrying the required fields`, post(R, `{"__proto__":{"groupId":"${GROUP}","msgSeqs":[261]}}`), { status: 400, field: '__proto__' });
      const S = '/api/recall/sender';
      for (const [field, v] of [['senderAccount', 3], ['senderAccount', ''], ['senderAccount', 'a'.repeat(65)], ['senderAccount', '\ud83d'], ['groupId', []], ['topicId', false]]) {
        await h(`${S} ${field} = ${JSON.stringify(v).slice(0, 30)}`, postJson(S, { ...VALID[S], [field]: v }), { status: 400, field });
      }
      await h(`${S} senderAccount missing`, postJson(S, { groupId: GROUP }), { status: 400, field: 'senderAccount' });
      await h(`${S} with key __proto__`, post(S, `{"groupId":"${GROUP}","senderAccount":"seed-user-1","__proto__":{}}`), { status: 400, field: '__proto__' });
      const C = '/api/recall/c2c';
      for (const [field, v] of [['msgKey', 7], ['msgKey', ''], ['msgKey', 'k'.repeat(257)], ['fromAccount', null], ['toAccount', ['bob']], ['fromAccount', 'a\udc00'], ['reason', 1]]) {
        await h(`${C} ${field} = ${JSON.stringify(v).slice(0, 30)}`, postJson(C, { ...VALID[C], [field]: v }), { status: 400, field });
      }
      await h(`${C} with key constructor`, post(C, '{"fromAccount":"alice","toAccount":"bob","msgKey":"1_2_3","constructor":{"prototype":{"polluted":1}}}'), { status: 400, field: 'constructor' });
      const J = '/api/jobs';
      const jobCases = [
        ['kind', { kind: 'nope' }], ['kind', { kind: 5 }], ['kind', { groupId: GROUP, msgSeqs: [1] }], ['kind', { kind: '__proto__' }], ['kind', { kind: 'constructor' }],
        ['msgSeqs', { kind: 'recallGroup', groupId: GROUP, msgSeqs: [] }], ['msgSeqs[1]', { kind: 'recallGroup', groupId: GROUP, msgSeqs: [1, 'x'] }],
        ['msgSeqs[0]', { kind: 'recallGroup', groupId: GROUP, msgSeqs: ['18446744073709551616'] }], ['groupId', { kind: 'recallGroup', groupId: 3, msgSeqs: [1] }],
        ['groupIds[1]', { kind: 'purgeSender', senderAccount: 'u', groupIds: [GROUP, 3] }], ['groupIds[0]', { kind: 'purgeSender', senderAccount: 'u', groupIds: ['\ud800'] }],
        ['groupIds', { kind: 'purgeSender', senderAccount: 'u', groupIds: 'g' }], ['groupIds', { kind: 'purgeSender', senderAccount: 'u', groupIds: [] }],
        ['groupIds', { kind: 'purgeSender', senderAccount: 'u', groupIds: Array.from({ length: 1001 }, (_, i) => `g${i}`) }],
        ['senderAccount', { kind: 'purgeSender', groupIds: [GROUP] }], ['msgSeqs', { kind: 'purgeSender', senderAccount: 'u', groupIds: [GROUP], msgSeqs: [1] }],
        ['groupIds', { kind: 'recallGroup', groupId: GROUP, msgSeqs: [1], groupIds: [GROUP] }], ['reason', { kind: 'recallGroup', groupId: GROUP, msgSeqs: [1], reason: ['r'] }],
      ];
      for (const [field, body] of jobCases) await h(`${J} ${field}: ${JSON.stringify(body).slice(0, 60)}`, postJson(J, body), { status: 400, field });
      await h(`${J} with key __proto__`, post(J, `{"kind":"recallGroup","groupId":"${GROUP}","msgSeqs":[1],"__proto__":{"kind":"purgeSender"}}`), { status: 400, field: '__proto__' });
      await h(`${J} 200,001 MsgSeqs`, () => req('POST', J, { headers: { ...auth(), ...JSON_TYPE }, body: bytes(`{"kind":"recallGroup","groupId":"${GROUP}","msgSeqs":[${Array.from({ length: 200_001 }, (_, i) => i + 1).join(',')}]}`) }),
        { status: 400, field: 'msgSeqs' });
    });

    await group('queries', async (_, h) => {
      const HG = '/api/history/group';
      const HC = '/api/history/c2c?operatorAccount=alice&peerAccount=bob';
      const queryCases = [
        [`${HG}`, 'groupId'], [`${HG}?groupId=`, 'groupId'], [`${HG}?groupId=${'g'.repeat(49)}`, 'groupId'], [`${HG}?groupId=a&groupId=b`, 'groupId'],
        [`${HG}?groupId=${GROUP}&count=0`, 'count'], [`${HG}?groupId=${GROUP}&count=21`, 'count'], [`${HG}?groupId=${GROUP}&count=-1`, 'count'],
        [`${HG}?groupId=${GROUP}&count=1e1`, 'count'], [`${HG}?groupId=${GROUP}&count=0x10`, 'count'], [`${HG}?groupId=${GROUP}&count=%2B5`, 'count'],
        [`${HG}?groupId=${GROUP}&count=18446744073709551617`, 'count'], [`${HG}?groupId=${GROUP}&beforeSeq=18446744073709551616`, 'beforeSeq'],
        [`${HG}?groupId=${GROUP}&beforeSeq=-3`, 'beforeSeq'], [`${HG}?groupId=${GROUP}&beforeSeq=1.5`, 'beforeSeq'], [`${HG}?groupId=${GROUP}&withRecalled=maybe`, 'withRecalled'],
        [`${HG}?groupId=${GROUP}&topicId=${'t'.repeat(129)}`, 'topicId'], [`${HG}?groupId=${GROUP}&count=5&count=6`, 'count'],
        [`/api/history/c2c`, 'operatorAccount'], [`${HC}&minTime=x&maxTime=1`, 'minTime'], [`${HC}&minTime=0`, 'maxTime'],
        [`${HC}&minTime=0&maxTime=4294967296`, 'maxTime'], [`${HC}&minTime=9007199254740993&maxTime=1`, 'minTime'], [`${HC}&minTime=0&maxTime=1&maxCount=101`, 'maxCount'],
        [`${HC}&minTime=0&maxTime=1&lastMsgKey=${'k'.repeat(300)}`, 'lastMsgKey'], [`/api/history/c2c?operatorAccount=${'a'.repeat(65)}&peerAccount=bob&minTime=0&maxTime=1`, 'operatorAccount'],
        ['/api/events?limit=0', 'limit'], ['/api/events?limit=201', 'limit'], ['/api/events?limit=abc', 'limit'], ['/api/events?cursor=abc', 'cursor'], ['/api/events?cursor=0', 'cursor'],
        ['/api/events?cursor=9007199254740993', 'cursor'], ['/api/events?cursor=18446744073709551616', 'cursor'], ['/api/audit?limit=-5', 'limit'], ['/api/audit?cursor=1.5', 'cursor'],
        ['/api/audit?cursor=1&cursor=2', 'cursor'], ['/api/jobs?limit=1000', 'limit'], ['/api/events/stream?since=abc', 'since'], ['/api/events/stream?since=-1', 'since'],
        ['/api/events/stream?since=18446744073709551616', 'since'], [`/api/jobs/${UUID}?results=maybe`, 'results'],
      ];
      for (const [path, field] of queryCases) await h(`GET ${path.slice(0, 100)}`, get(path), { status: 400, field });
      for (const last of ['abc', '-1', '1e309', '18446744073709551616', '1, 2']) {
        await h(`stream with Last-Event-ID ${last}`, get('/api/events/stream', { ...auth(), 'last-event-id': last }), { status: 400, field: 'last-event-id' });
      }
    });

    await group('sizes and nesting', async (_, h) => {
      const R = '/api/recall/group';
      await h('a declared 70 KB body', postJson(R, { ...VALID[R], reason: 'x'.repeat(70_000) }), { status: 413, field: 'body' });
      await h('a declared 5 MB job body', () => req('POST', '/api/jobs', { headers: { ...auth(), ...JSON_TYPE }, body: bytes(`{"kind":"recallGroup","groupId":"${GROUP}","msgSeqs":[1],"reason":"${'x'.repeat(5 * MiB)}"}`) }),
        { status: 413, field: 'body' });
      for (const path of [R, '/api/jobs', signed()]) {
        await h(`a body streamed for ever: ${path.slice(0, 40)}`, async (entry) => {
          const s = forever();
          // The Worker answers 413 and stops reading; the connection may then be reset
          // before the answer arrives (an HTTP/1.1 upload cannot be refused any other way).
          const r = await req('POST', path, { headers: path.startsWith('/api') ? { ...auth(), ...JSON_TYPE } : JSON_TYPE, body: s.body, duplex: 'half' }).catch(() => null);
          entry.pulled = s.pulled;
          assert.ok(s.pulled < FOREVER_CAP, `the Worker read the endless body to the end (${s.pulled} bytes)`);
          return r;
        }, { status: 413, field: 'body', lenient: true });
      }
      const nest = (n) => '['.repeat(n) + '1' + ']'.repeat(n);
      await h('msgSeqs nested 30,000 deep', post(R, `{"groupId":"${GROUP}","msgSeqs":[${nest(30_000)}]}`), { status: 400, field: 'msgSeqs[0]' });
      await h('a body nested 30,000 deep', post(R, nest(30_000)), { status: 400, field: 'body' });
      await h('objects nested 10,000 deep', post(R, `${'{"a":'.repeat(10_000)}1${'}'.repeat(10_000)}`), { status: 400, field: 'a' });
      await h('a job with msgSeqs nested 1,000,000 deep', post('/api/jobs', `{"kind":"recallGroup","groupId":"${GROUP}","msgSeqs":[${nest(1_000_000)}]}`), { status: 400 });
      await h('a webhook nested 30,000 deep', () => req('POST', signed(), { headers: JSON_TYPE, body: bytes(`{"CallbackCommand":"C2C.CallbackAfterMsgWithDraw","x":${nest(30_000)}}`) }), { status: 400 });
      const { hostname, port } = new URL(base);
      const head = (path, lines) => `POST ${path} HTTP/1.1\r\nHost: ${hostname}:${port}\r\nAuthorization: Bearer ${ALICE}\r\nContent-Type: application/json\r\nConnection: close\r\n${lines}\r\n`;
      const raw = async (path, lines, body, opts) => {
        const r = await rawRequest(base, head(path, lines), body, opts);
        return r && { status: r.status, text: r.body, type: /^\s*\{/.test(r.body) ? 'application/json' : 'text/plain' };
      };
      // The client stays connected and sends nothing more: the Worker must answer anyway.
      await h('Content-Length says 1 GB, 10 bytes come, then nothing', () => raw(R, 'Content-Length: 1000000000\r\n', '{"groupId"', { halfClose: false }), { status: 413, field: 'body' });
      await h('Content-Length says 1 GB, 10 bytes come and the upload ends', () => raw(R, 'Content-Length: 1000000000\r\n', '{"groupId"'), { status: 413, field: 'body', lenient: true });
      await h('Content-Length says 10, 40 come', () => raw(R, 'Content-Length: 10\r\n', `{"groupId":"${GROUP}","msgSeqs":[270]}`), { status: 400, field: 'body' });
      await h('Content-Length says 100, 10 come, then nothing (answered once the upload stalls 5 s)', () => raw(R, 'Content-Length: 100\r\n', '{"groupId"', { halfClose: false }),
        { status: 408, field: 'body', kind: 'timeout' });
      await h('Content-Length says 100, 10 come and the upload ends', () => raw(R, 'Content-Length: 100\r\n', '{"groupId"'), { status: 400, field: 'body', lenient: true });
      await h('Content-Length and chunked together', () => raw(R, 'Content-Length: 5\r\nTransfer-Encoding: chunked\r\n', `{"gr\r\n0\r\n\r\n`), { status: 400, lenient: true });
      await h('Content-Length not a number', () => raw(R, 'Content-Length: 12abc\r\n', '{}'), { status: 400, lenient: true });
    });

    await group('job ids and unknown paths', async (_, h) => {
      // ('..' and '%2e%2e' are resolved by the URL itself, to /api/: in the paths below.)
      const ids = [UUID, UUID.toUpperCase(), 'not-a-job', `${UUID}x`, `${UUID}%0A`, '%00', `${UUID.slice(0, -1)}%2F`, '%E0%A4%A', 'x'.repeat(2000), '__proto__', 'constructor'];
      for (const id of ids) {
        await h(`GET job ${id.slice(0, 48)}`, get(`/api/jobs/${id}`), { status: 404, field: 'id', kind: 'not_found' });
        await h(`DELETE job ${id.slice(0, 48)}`, () => req('DELETE', `/api/jobs/${id}`, { headers: auth() }), { status: 404, field: 'id', kind: 'not_found' });
      }
      const paths = ['/', '/api', '/api/', '/api/jobs/..', '/api/jobs/%2e%2e', '/api/RECALL/GROUP', '/api/recall/group/', '/api/recall', '/api/jobs/a/b', '/api/jobs/', '/api/events/stream/x',
        '/callback/', '/CALLBACK', '/%00', `/${'p'.repeat(8000)}`, '/.env', '/worker.env', '/wrangler.toml', '/src/index.js'];
      for (const p of paths) {
        await h(`GET ${p.slice(0, 40)}`, get(p), { status: 404, field: 'path', kind: 'not_found' });
      }
      await h('POST an unknown API path', postJson('/api/recall/everything', { groupId: GROUP }), { status: 404, field: 'path' });
    });

    await group('webhooks', async (_, h) => {
      const body = bytes(JSON.stringify(c2cEvent({ MsgKey: 'hostile-key' })));
      const now = Math.floor(Date.now() / 1000);
      const wh = (url, b = body, headers = JSON_TYPE) => () => req('POST', url, { headers, body: b });
      const sign = (t, time = now) => createHash('sha256').update(`${t}${time}`).digest('hex');
      const cases = [
        ['forged Sign', signed(undefined, { token: 'wrong-token' }), 401, 'Sign'],
        ['Sign of another app (foreign token and SdkAppid)', signed(undefined, { token: 'foreign-token', app: 1400000001 }), 401, 'SdkAppid'],
        ['foreign SdkAppid with our Sign', signed(undefined, { app: 1400000001 }), 401, 'SdkAppid'],
        ['SdkAppid past 2^64', signed(undefined, { app: '18446744073709551617' }), 401, 'SdkAppid'],
        ['stale RequestTime', signed(undefined, { time: now - 3600 }), 401, 'RequestTime'],
        ['future RequestTime', signed(undefined, { time: now + 3600 }), 401, 'RequestTime'],
        ['RequestTime past 2^64', signed(undefined, { time: '18446744073709551616' }), 401, 'RequestTime'],
        ['RequestTime not a number', signed(undefined, { time: 'soon' }), 401, 'RequestTime'],
        ['no Sign', `/callback?SdkAppid=${APP}&CallbackCommand=C2C.CallbackAfterMsgWithDraw&RequestTime=${now}`, 401, 'Sign'],
        ['no RequestTime', `/callback?SdkAppid=${APP}&CallbackCommand=C2C.CallbackAfterMsgWithDraw&Sign=${sign(SECRETS.CALLBACK_TOKEN)}`, 401, 'RequestTime'],
        ['unsigned', `/callback?SdkAppid=${APP}&CallbackCommand=C2C.CallbackAfterMsgWithDraw`, 401, 'Sign'],
        ['Sign cut short', signed().slice(0, -2), 401, 'Sign'],
        ['two Signs', `${signed()}&Sign=${sign('wrong-token')}`, 401, 'Sign'],
        ['no SdkAppid', signed().replace(/SdkAppid=\d+&/, ''), 401, 'SdkAppid'],
      ];
      for (const [what, url, status, field] of cases) await h(what, wh(url), { status, field });
      const bodies = [
        ['non-JSON', 'not json {'], ['empty', ''], ['a JSON array', '[1,2]'], ['a missing field', JSON.stringify({ CallbackCommand: 'C2C.CallbackAfterMsgWithDraw', From_Account: 'a' })],
        ['MsgKey a number', JSON.stringify(c2cEvent({ MsgKey: 5 }))], ['From_Account an array', JSON.stringify(c2cEvent({ From_Account: ['a'] }))],
        ['MsgKey with a lone surrogate', JSON.stringify(c2cEvent({ MsgKey: 'k\ud800' }))],
        ['EventTime past 2^64', JSON.stringify(c2cEvent()).replace(/"EventTime":\d+/, '"EventTime":18446744073709551616')],
      ];
      for (const [what, b] of bodies) await h(`body: ${what}`, wh(signed(), bytes(b)), { status: 400 });
      await h('body: invalid UTF-8', wh(signed(), new Uint8Array([...bytes('{"CallbackCommand":"C2C.CallbackAfterMsgWithDraw","From_Account":"'), 0xff, 0xc0, ...bytes('","To_Account":"b","MsgKey":"k","EventTime":1}')])), { status: 400 });
      const gq = signed('Group.CallbackAfterRecallMsg');
      for (const [what, seq] of [['MsgSeq past 2^64', '18446744073709551616'], ['MsgSeq past 2^53 (the package refuses it)', '9007199254740993'], ['MsgSeq negative', '-1'], ['MsgSeq a fraction', '1.5'], ['MsgSeq 0', '0']]) {
        await h(`group body: ${what}`, wh(gq, bytes(JSON.stringify(groupEvent()).replace('"MsgSeq":1', `"MsgSeq":${seq}`))), { status: 400 });
      }
      await h('a declared 70 KB body', wh(signed(), bytes(JSON.stringify(c2cEvent({ pad: 'x'.repeat(70 * 1024) })))), { status: 413, field: 'body' });
      await h('form content type, forged Sign', wh(signed(undefined, { token: 'x' }), body, { 'content-type': 'application/x-www-form-urlencoded' }), { status: 401, field: 'Sign' });
      await h('no content type, unsigned', wh(`/callback?SdkAppid=${APP}&CallbackCommand=C2C.CallbackAfterMsgWithDraw`, body, {}), { status: 401, field: 'Sign' });
      await h('text/plain with a non-JSON body', wh(signed(), bytes('ActionStatus=OK'), { 'content-type': 'text/plain' }), { status: 400 });
      await h('a foreign browser origin', wh(signed('C2C.CallbackAfterMsgWithDraw', { token: 'x' }), body, { ...JSON_TYPE, origin: 'http://evil.test' }), { status: 401, field: 'Sign' });

      // What the Worker must take, once: a valid delivery, then its retries and replays.
      const url = signed('C2C.CallbackAfterMsgWithDraw');
      const delivery = bytes(JSON.stringify(c2cEvent({ MsgKey: 'replayed-key' })));
      await h('a valid delivery', wh(url, delivery), { accept: async (r, before, now2) => {
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(JSON.parse(r.text), { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 });
        assert.equal(now2.newestEvent, before.newestEvent + 1);
        acceptedDeliveries++;
      } });
      for (let i = 1; i <= 3; i++) {
        await h(`the same delivery replayed (${i})`, wh(url, delivery), { accept: async (r, before, now2) => {
          assert.equal(r.status, 200, r.text);
          assert.deepEqual(now2, before, 'a replay is not recorded again');
        } });
      }
      // The Sign's hex in upper case: the same Sign, so the same delivery.
      await h('the same delivery replayed with an upper-case Sign', wh(url.replace(/Sign=([0-9a-f]+)/, (_, x) => `Sign=${x.toUpperCase()}`), delivery), { accept: async (r, before, now2) => {
        assert.equal(r.status, 200, r.text);
        assert.deepEqual(now2, before, 'a replay is not recorded again');
      } });
      await h('a delivery carrying __proto__ and constructor keys', wh(gq, bytes(JSON.stringify(groupEvent()).replace('{', '{"__proto__":{"polluted":true},"constructor":{"prototype":{"polluted":true}},'))),
        { accept: async (r, before, now2) => {
          assert.equal(r.status, 200, r.text);
          assert.equal(now2.newestEvent, before.newestEvent + 1);
          const [ev] = (await read('/api/events?limit=1')).events;
          assert.equal(Object.hasOwn(ev.event, '__proto__'), false);
          assert.equal(ev.event.polluted, undefined);
          acceptedDeliveries++;
        } });
    });
  } finally {
    try {
      // Every change over the run came from the valid calls: one audit row per valid recall,
      // one event per accepted delivery, no job; the live stream carried exactly those.
      const end = await state();
      assert.equal(end.newestAudit - start.newestAudit, validRecalls, 'audit rows: only the valid recalls');
      assert.equal(end.newestEvent - start.newestEvent, acceptedDeliveries, 'events: only the accepted deliveries');
      assert.equal(end.jobs, 0, 'no job was created');
      await new Promise((r) => setTimeout(r, 300));
      const blocks = streamed.split('\n\n').filter((b) => /^event: /m.test(b));
      assert.equal(blocks.length, validRecalls + acceptedDeliveries, `the live stream: ${blocks.map((b) => b.split('\n')[0]).join(', ')}`);
      // Memory stays bounded: nothing refused is kept (bodies, streams, connections).
      const m = rss(pid);
      Object.assign(memory, { end: m.rss, peak: m.peak });
      assert.ok(m.rss - memory.start < RSS_GROWTH_LIMIT, `workerd grew by ${((m.rss - memory.start) / MiB).toFixed(1)} MiB`);
    } finally {
      await streamReader.cancel().catch(() => {});
      await streaming;
      await stack.stop();
    }
  }
});
