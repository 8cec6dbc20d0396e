// The package as its users meet it (issue 12), in Node against the emulator, imported by name:
// purgeSender on a 6,000-message group (every message's state checked afterwards), the
// service's by-sender call for contrast (it only reaches the last 1,000), the history
// iterators (same messages as paging by hand, `signal` honoured), the one-time warning for
// unknown option names, and a relative baseUrl refused outside browsers.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { importPackage } from './install.mjs';
import { startEmulator } from './emulator.mjs';

const lib = await importPackage();
const APP = 1400000000;
const KEY = 'dx-test-key';
// --seed-group: MsgSeq k is sent by seed-user-(k % 4 + 1), one second apart, oldest first;
// so in a 6,000-message group each of the four senders has exactly 1,500 messages.
const BIG = 6000;
const SENDER = 'seed-user-1';
const senderOf = (seq) => `seed-user-${(seq % 4) + 1}`;

let emu;
before(async () => {
  emu = await startEmulator(['--sdkappid', String(APP), '--secret-key', KEY, '--seed-demo',
    '--seed-group', `dx-purge:Public:${BIG}`, '--seed-group', `dx-by-sender:Public:${BIG}`,
    '--seed-group', 'dx-since:Public:400', '--seed-group', 'dx-abort:Public:400']);
});
after(async () => { await emu?.stop(); });

const client = (extra = {}) => new lib.RecallClient({ sdkAppId: APP, identifier: 'administrator', secretKey: KEY, baseUrl: emu.baseUrl, ...extra });

/** Every message of a group with its state, by paging by hand (withRecalled). */
async function allMessages(c, groupId) {
  const out = [];
  let beforeSeq;
  for (;;) {
    const page = await c.getGroupHistory({ groupId, beforeSeq, withRecalled: true });
    out.push(...page.messages);
    if (page.isFinished || page.nextBeforeSeq === undefined) return out;
    beforeSeq = page.nextBeforeSeq;
  }
}

test('purgeSender recalls all 1,500 messages of a sender in a 6,000-message group, and nothing else', { timeout: 120_000 }, async () => {
  const c = client();
  const progress = [];
  const report = await c.purgeSender({ groupId: 'dx-purge', senderAccount: SENDER, onProgress: (p) => progress.push(p) });
  assert.equal(report.groupId, 'dx-purge');
  assert.equal(report.senderAccount, SENDER);
  assert.equal(report.requested, 1500);
  assert.equal(report.recalled, 1500);
  assert.equal(report.failed, 0);
  assert.equal(report.results.length, 1500);
  assert.ok(report.results.every((r) => r.ok && r.code === 0 && senderOf(r.msgSeq) === SENDER));
  assert.equal(new Set(report.results.map((r) => r.msgSeq)).size, 1500);
  assert.equal(report.requests, 150, '10 MsgSeqs per request');
  assert.deepEqual(report.scanned, { pages: 300, messages: BIG });
  // Progress: one scan step per page (counts only grow), then the recall's own.
  const scans = progress.filter((p) => p.phase === 'scan');
  assert.equal(scans.length, 300);
  assert.deepEqual(scans.at(-1), { phase: 'scan', pages: 300, messages: BIG, found: 1500 });
  assert.deepEqual(progress.at(-1), { phase: 'recall', done: 1500, total: 1500, recalled: 1500, failed: 0, notSent: 0, unknown: 0 });

  // Every one of the 6,000 messages: recalled exactly when the sender wrote it.
  const all = await allMessages(c, 'dx-purge');
  assert.equal(all.length, BIG);
  const wrong = all.filter((m) => m.recalled !== (m.fromAccount === SENDER) || m.fromAccount !== senderOf(m.msgSeq));
  assert.deepEqual(wrong.slice(0, 5), [], `${wrong.length} messages in the wrong state`);
  assert.equal(all.filter((m) => m.recalled).length, 1500);

  // Run again: nothing left to find, an empty report, nothing sent to the recall API.
  const again = await c.purgeSender({ groupId: 'dx-purge', senderAccount: SENDER });
  assert.deepEqual([again.groupId, again.senderAccount, again.requested, again.recalled, again.failed, again.requests, again.retries, again.results],
    ['dx-purge', SENDER, 0, 0, 0, 0, 0, []]);
  assert.equal(again.scanned.messages, BIG - 1500, 'recalled messages are left out of the scan');
  c.free();
});

test('recallGroupMessagesBySender is the service\'s last-1,000 variant: it reaches 250 of the 1,500', { timeout: 60_000 }, async () => {
  const c = client();
  assert.deepEqual(await c.recallGroupMessagesBySender({ groupId: 'dx-by-sender', senderAccount: SENDER }), { groupId: 'dx-by-sender', senderAccount: SENDER });
  const all = await allMessages(c, 'dx-by-sender');
  const recalled = all.filter((m) => m.recalled);
  assert.equal(recalled.length, 250);
  assert.ok(recalled.every((m) => m.fromAccount === SENDER && m.msgSeq > BIG - 1000));
  c.free();
});

test('purgeSender: `since` stops the scan at the first older message; bad input is refused before sending', async () => {
  const c = client();
  const newest = (await c.getGroupHistory({ groupId: 'dx-since', count: 1 })).messages[0];
  // Messages are one second apart: the last 100 seconds hold MsgSeq 301..=400.
  const since = newest.msgTimeStamp - 99;
  const report = await c.purgeSender({ groupId: 'dx-since', senderAccount: SENDER, since });
  assert.equal(report.scanned.messages, 100);
  assert.equal(report.recalled, 25);
  assert.ok(report.results.every((r) => r.msgSeq > 300 && senderOf(r.msgSeq) === SENDER));
  const all = await allMessages(c, 'dx-since');
  assert.equal(all.filter((m) => m.recalled).length, 25);

  const before = (await emu.stats()).total_requests;
  for (const [args, field] of [
    [{ groupId: 'dx-since' }, 'senderAccount'],
    [{ groupId: 'dx-since', senderAccount: '' }, 'senderAccount'],
    [{ groupId: 'dx-since', senderAccount: SENDER, since: -1 }, 'since'],
    [{ groupId: 'dx-since', senderAccount: SENDER, since: '2024-01-01' }, 'since'],
    [{ groupId: 'dx-since', senderAccount: SENDER, onProgress: 'log' }, 'onProgress'],
    [{ senderAccount: SENDER }, 'groupId'],
    [undefined, 'args'],
  ]) {
    await assert.rejects(c.purgeSender(args), (e) => e instanceof lib.RecallError && e.kind === 'invalid_input' && e.info.startsWith(`${field}:`), JSON.stringify(args));
  }
  assert.equal((await emu.stats()).total_requests, before, 'nothing was sent for bad input');
  c.free();
});

test('purgeSender: aborting during the scan rejects with kind "aborted" and recalls nothing', async () => {
  const c = client();
  const ac = new AbortController();
  const err = await c.purgeSender({ groupId: 'dx-abort', senderAccount: SENDER, signal: ac.signal,
    onProgress: (p) => { if (p.phase === 'scan' && p.pages === 3) ac.abort(); } }).catch((e) => e);
  assert.ok(err instanceof lib.RecallError, String(err));
  assert.equal(err.kind, 'aborted');
  const all = await allMessages(c, 'dx-abort');
  assert.equal(all.filter((m) => m.recalled).length, 0);
  c.free();
});

test('groupHistory / c2cHistory iterate the same messages as paging by hand, and honour signal', async () => {
  const c = client();
  const iterated = [];
  for await (const m of c.groupHistory({ groupId: 'demo-public', count: 7 })) iterated.push(m);
  assert.deepEqual(iterated, await allMessages(c, 'demo-public').then((ms) => ms.filter((m) => !m.recalled)));
  assert.equal(iterated.length, 60);
  assert.deepEqual(iterated.map((m) => m.msgSeq), Array.from({ length: 60 }, (_, i) => 60 - i), 'newest first, none twice');

  // From a given beforeSeq, with recalled ones.
  const fromTen = [];
  for await (const m of c.groupHistory({ groupId: 'demo-public', beforeSeq: 10, withRecalled: true })) fromTen.push(m.msgSeq);
  assert.deepEqual(fromTen, [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);

  // c2cHistory: every page of alice<->bob (40 messages), small pages.
  const byPages = [];
  let page = await c.getC2CHistory({ operatorAccount: 'alice', peerAccount: 'bob', minTime: 0, maxTime: 4000000000, maxCount: 6 });
  byPages.push(...page.messages);
  while (!page.complete) {
    page = await c.getC2CHistory({ operatorAccount: 'alice', peerAccount: 'bob', minTime: 0, maxTime: page.lastMsgTime, lastMsgKey: page.lastMsgKey, maxCount: 6 });
    byPages.push(...page.messages);
  }
  const c2c = [];
  for await (const m of c.c2cHistory({ operatorAccount: 'alice', peerAccount: 'bob', minTime: 0, maxTime: 4000000000, maxCount: 6 })) c2c.push(m);
  assert.equal(c2c.length, 40);
  assert.deepEqual(c2c, byPages);

  // Aborting while the caller holds a message: the next step throws "aborted".
  const ac = new AbortController();
  const seen = [];
  const err = await (async () => {
    for await (const m of c.groupHistory({ groupId: 'demo-public', count: 20, signal: ac.signal })) {
      seen.push(m.msgSeq);
      if (seen.length === 5) ac.abort();
    }
  })().catch((e) => e);
  assert.ok(err instanceof lib.RecallError && err.kind === 'aborted', String(err));
  assert.equal(seen.length, 5);
  // Bad input rejects on the first step, naming the field.
  await assert.rejects(c.groupHistory({ groupId: 'demo-public', count: 21 }).next(), (e) => e.kind === 'invalid_input' && /count/.test(e.info));
  await assert.rejects(c.c2cHistory({ operatorAccount: 'alice', peerAccount: 'bob', maxTime: 1 }).next(), (e) => e.kind === 'invalid_input' && /minTime/.test(e.info));
  // After free(), iteration rejects like every other call.
  c.free();
  await assert.rejects(c.groupHistory({ groupId: 'demo-public' }).next(), (e) => e instanceof lib.RecallError && /after free/.test(e.info));
  await assert.rejects(c.purgeSender({ groupId: 'demo-public', senderAccount: 'alice' }), (e) => e instanceof lib.RecallError && /after free/.test(e.info));
});

test('unknown option names are warned about once, naming the closest known option; known ones never', async () => {
  const warnings = [];
  const original = console.warn;
  console.warn = (...a) => warnings.push(a.join(' '));
  try {
    client({ retries: 2, timeout: 5000 }).free();
    client({ retries: 5, maxRetries: 1, timeoutMs: 1000, maxInFlight: 4, maxRequestsPerSecond: 50, userSigTtlSeconds: 3600, fetch }).free();
    client({ reigon: 'usa' }).free();
  } finally {
    console.warn = original;
  }
  assert.deepEqual(warnings, [
    'chat-recall: RecallClient ignores the unknown option "retries" (did you mean "maxRetries"?)',
    'chat-recall: RecallClient ignores the unknown option "timeout" (did you mean "timeoutMs"?)',
    'chat-recall: RecallClient ignores the unknown option "reigon" (did you mean "region"?)',
  ]);
});

test('a relative baseUrl is refused outside browsers, naming baseUrl (Node has no page to resolve it against)', () => {
  assert.throws(() => new lib.RecallClient({ sdkAppId: APP, identifier: 'administrator', secretKey: KEY, baseUrl: '/im-proxy' }),
    (e) => e instanceof lib.RecallError && e.kind === 'invalid_input' && /^baseUrl: /.test(e.info));
});
