// Secrets never leak: every public path of the installed package runs with a known secret
// key, UserSig and callback token, and everything it produces (returned values, thrown
// RecallErrors and their message, stack, JSON and util.inspect output with depth Infinity,
// reports, progress events, console output, and what goes over the wire) is searched for
// them. The UserSig may appear in exactly one place: the `usersig` parameter of the URL sent.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { createHash } from 'node:crypto';
import { importPackage } from './install.mjs';

const lib = await importPackage();
const { RecallClient, RecallError, generateUserSig, verifyUserSig, parseCallback, callbackAck } = lib;
const APP = 1400000000;
const SECRET_KEY = 'sk-9f1c2e7a-SECRET-KEY-d4b8';
const TOKEN = 'tok-CALLBACK-TOKEN-55e1';
const NOW = Math.floor(Date.now() / 1000);
const USERSIG = generateUserSig({ sdkAppId: APP, secretKey: SECRET_KEY, identifier: 'administrator', expireSeconds: 86400 });
const EXPIRED_SIG = generateUserSig({ sdkAppId: APP, secretKey: SECRET_KEY, identifier: 'administrator', expireSeconds: 60, now: NOW - 3600 });
const SECRETS = { secretKey: SECRET_KEY, userSig: USERSIG, expiredUserSig: EXPIRED_SIG, token: TOKEN };
// A UserSig travels percent-encoded in URLs; look for that form too.
const needles = Object.entries(SECRETS).flatMap(([name, s]) => [[name, s], [`${name} (url-encoded)`, encodeURIComponent(s)]]);

/** Everything a value shows, however it is looked at. */
function renderings(v) {
  const out = [inspect(v, { depth: Infinity, showHidden: true, getters: true }), String(v)];
  try { out.push(JSON.stringify(v)); } catch {}
  if (v instanceof Error) {
    out.push(v.message, String(v.stack));
    for (const k of Object.getOwnPropertyNames(v)) out.push(inspect(v[k], { depth: Infinity, showHidden: true }));
  }
  return out;
}

let observed = 0;
function assertClean(what, v) {
  observed++;
  for (const text of renderings(v)) {
    for (const [name, s] of needles) {
      assert.ok(!String(text).includes(s), `${what} shows the ${name}: ${String(text).slice(0, 300)}`);
    }
  }
}

// Console output of the library is captured and searched too.
const logged = [];
const originals = {};
before(() => {
  for (const m of ['log', 'info', 'warn', 'error', 'debug', 'trace']) {
    originals[m] = console[m];
    console[m] = (...args) => { logged.push(args.map((a) => inspect(a, { depth: Infinity })).join(' ')); };
  }
});
after(() => {
  Object.assign(console, originals);
  for (const line of logged) assertClean('console output', line);
});

/** Runs `fn`, returning what it returned or threw (both are searched). */
async function outcome(fn) {
  try { return await fn(); } catch (e) { return e; }
}

/** A fetch that records what was sent and answers with `answer(api, body, url)`. */
function recordingFetch(answer, wire) {
  return async (url, init) => {
    wire.push({ url, init: inspect(init, { depth: Infinity }) });
    const api = new URL(url).pathname.replace(/^\/v4\//, '');
    const a = await answer(api, JSON.parse(init.body), url);
    return a instanceof Response ? a : new Response(JSON.stringify(a), { status: 200 });
  };
}

/** The UserSig only in the usersig parameter of the URL; the key and token never. */
function assertWireClean(wire) {
  for (const { url, init } of wire) {
    const u = new URL(url);
    const sig = u.searchParams.get('usersig');
    u.searchParams.delete('usersig');
    assertClean('the request URL without usersig', u.href);
    assertClean('the request init', init);
    assert.ok(!sig.includes(SECRET_KEY) && !sig.includes(TOKEN));
  }
}

const ok = { ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '' };
const fail = (code, info) => ({ ActionStatus: 'FAIL', ErrorCode: code, ErrorInfo: info });

for (const creds of [{ secretKey: SECRET_KEY }, { userSig: USERSIG }, { secretKey: SECRET_KEY, userSig: EXPIRED_SIG }]) {
  const label = Object.keys(creds).join('+');
  test(`RecallClient with ${label}: results, errors, reports, progress and the wire`, async () => {
    const wire = [];
    const mk = (answer, extra = {}) => new RecallClient({ sdkAppId: APP, identifier: 'administrator', baseUrl: 'http://127.0.0.1:9',
      timeoutMs: 200, maxRetries: 1, ...creds, ...extra, fetch: recordingFetch(answer, wire) });
    const echo = (api, body, url) => fail(70009, `signature check failed for ${url}`);
    const scenarios = [
      ['success', mk((api, body) => api.endsWith('group_msg_recall') ? { ...ok, RecallRetList: body.MsgSeqList.map(({ MsgSeq }) => ({ MsgSeq, RetCode: 0 })) } : ok)],
      ['UserSig rejected (70009), service echoes the URL', mk(echo)],
      ['UserSig expired (70001)', mk(() => fail(70001, 'usersig expired'))],
      ['partial failures', mk((api, body) => ({ ...ok, RecallRetList: body.MsgSeqList.map(({ MsgSeq }) => ({ MsgSeq, RetCode: 10030 })) }))],
      ['fetch throws an error naming the URL', mk(async (api, body, url) => { throw new Error(`cannot reach ${url}`); })],
      ['fetch never answers', mk(() => new Promise(() => {}))],
      ['non-JSON answer', mk(() => new Response('<html>oops</html>', { status: 502 }))],
    ];
    for (const [name, c] of scenarios) {
      const progress = [];
      const results = [
        await outcome(() => c.recallGroupMessages({ groupId: '@TGS#g', msgSeqs: [1, 2, 3], onProgress: (p) => progress.push(p) })),
        await outcome(() => c.recallGroupMessagesBySender({ groupId: '@TGS#g', senderAccount: 'bob' })),
        await outcome(() => c.recallC2CMessage({ fromAccount: 'a', toAccount: 'b', msgKey: '1_2_3' })),
        await outcome(() => c.getGroupHistory({ groupId: '@TGS#g' })),
        await outcome(() => c.getC2CHistory({ operatorAccount: 'a', peerAccount: 'b', minTime: 0, maxTime: NOW })),
        await outcome(() => c.recallGroupMessages({ groupId: '@TGS#g', msgSeqs: [1], signal: AbortSignal.abort() })),
        await outcome(() => c.recallGroupMessages({ groupId: '', msgSeqs: [0] })),
      ];
      for (const r of results) assertClean(`${label} / ${name}: result ${inspect(r).slice(0, 60)}`, r);
      for (const e of results.filter((r) => r instanceof RecallError && r.report)) assertClean(`${name}: report`, e.report);
      assertClean(`${name}: progress events`, progress);
      assertClean(`${name}: the client object`, c);
      c.free();
      assertClean(`${name}: a call after free()`, await outcome(() => c.recallC2CMessage({ fromAccount: 'a', toAccount: 'b', msgKey: '1_2_3' })));
    }
    assert.ok(wire.length > 10);
    assertWireClean(wire);
  });
}

test('RecallClient construction errors never echo the credentials', async () => {
  const bad = [
    { baseUrl: 'ftp://x' }, { region: 'mars' }, { identifier: '' }, { sdkAppId: 0 }, { maxRequestsPerSecond: 1e-9 },
    { secretKey: undefined, userSig: `${USERSIG} with spaces` }, { secretKey: undefined, userSig: SECRET_KEY + '\n' },
    { secretKey: undefined, userSig: USERSIG + '\uD800' }, { secretKey: SECRET_KEY, userSigTtlSeconds: 1 }, { secretKey: SECRET_KEY + '\uD800' },
    { secretKey: SECRET_KEY, fetch: SECRET_KEY }, { secretKey: SECRET_KEY, timeoutMs: SECRET_KEY },
  ];
  for (const o of bad) {
    const e = await outcome(() => new RecallClient({ sdkAppId: APP, identifier: 'administrator', secretKey: SECRET_KEY, ...o }));
    assert.ok(e instanceof RecallError, inspect(o));
    assertClean(`constructor error for ${Object.keys(o)}`, e);
  }
});

test('generateUserSig and verifyUserSig: results and errors', async () => {
  const calls = [
    () => verifyUserSig({ sdkAppId: APP, secretKey: SECRET_KEY, identifier: 'administrator', userSig: USERSIG }),
    () => verifyUserSig({ sdkAppId: APP, secretKey: SECRET_KEY, identifier: 'administrator', userSig: EXPIRED_SIG }),
    () => verifyUserSig({ sdkAppId: APP, secretKey: 'another key', identifier: 'administrator', userSig: USERSIG }),
    () => verifyUserSig({ sdkAppId: APP, secretKey: SECRET_KEY, identifier: 'someone-else', userSig: USERSIG }),
    () => verifyUserSig({ sdkAppId: APP + 1, secretKey: SECRET_KEY, identifier: 'administrator', userSig: USERSIG }),
    () => verifyUserSig({ sdkAppId: APP, secretKey: SECRET_KEY, identifier: 'administrator', userSig: USERSIG.slice(0, -9) }),
    () => verifyUserSig({ sdkAppId: APP, secretKey: SECRET_KEY, identifier: 'administrator', userSig: SECRET_KEY }),
    () => generateUserSig({ sdkAppId: APP, secretKey: SECRET_KEY, identifier: '', expireSeconds: 60 }),
    () => generateUserSig({ sdkAppId: APP, secretKey: SECRET_KEY, identifier: 'a', expireSeconds: -1 }),
    () => generateUserSig({ sdkAppId: 0, secretKey: SECRET_KEY, identifier: 'a', expireSeconds: 60 }),
    () => generateUserSig({ sdkAppId: APP, secretKey: SECRET_KEY + 'x'.repeat(2000), identifier: 'a', expireSeconds: 60 }),
  ];
  for (const [i, f] of calls.entries()) assertClean(`UserSig call ${i}`, await outcome(f));
});

test('parseCallback with a token: events and every refusal', async () => {
  const sign = (t, token = TOKEN) => createHash('sha256').update(token + t).digest('hex');
  const body = JSON.stringify({ CallbackCommand: 'Group.CallbackAfterRecallMsg', Operator_Account: 'admin', Type: 'Public', GroupId: 'g', MsgSeqList: [{ MsgSeq: 1 }] });
  const url = (t, s = sign(t)) => `/cb?SdkAppid=${APP}&CallbackCommand=Group.CallbackAfterRecallMsg&contenttype=json&Sign=${s}&RequestTime=${t}`;
  const cases = [
    { url: url(NOW), body },
    { url: url(NOW, sign(NOW, 'wrong')), body },
    { url: url(NOW - 3600), body },
    { url: url(NOW).replace(/&Sign=[^&]+/, ''), body },
    { url: url(NOW) + `&Sign=${TOKEN}`, body },
    { url: url(NOW, TOKEN), body },
    { url: url(NOW), body: '{' },
    { url: url(NOW), body, token: '' },
    { url: url(NOW), body, sdkAppId: 1 },
  ];
  for (const [i, c] of cases.entries()) {
    assertClean(`parseCallback case ${i}`, await outcome(() => parseCallback({ sdkAppId: APP, token: TOKEN, ...c })));
  }
  assertClean('callbackAck', callbackAck());
  // The control case really was accepted (so the search above saw an event, not only errors).
  assert.deepEqual(parseCallback({ sdkAppId: APP, token: TOKEN, ...cases[0] }).msgSeqs, [1]);
});

test('the search above looked at many values', () => {
  assert.ok(observed > 150, `${observed}`);
});
