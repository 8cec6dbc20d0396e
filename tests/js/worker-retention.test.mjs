// Retention in the Worker, in real workerd (wrangler dev --local) against the emulator, with
// retentions of seconds (0.0001 days = 8.64 s): events and audit entries older than their
// retention leave /api/events and /api/audit while newer ones stay; a webhook delivery
// retried after its event was pruned is still a duplicate; an ended job is forgotten (404,
// gone from the index) while a running one is kept; pruning goes on after a restart; `0`
// keeps everything; a bad value answers 500 naming the var and deletes nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { repo } from './install.mjs';
import { startStack, assertNoSecrets, installWorkerDeps, waitFor as waitUntil, workerDir, APP, ALICE, SECRETS } from './worker-stack.mjs';
import { startWrangler } from './workerd-harness.mjs';

const SHORT = { EVENT_RETENTION_DAYS: '0.0001', AUDIT_RETENTION_DAYS: '0.0002', JOB_RETENTION_DAYS: '0.0001' };
const EVENT_MS = 8640;
const AUDIT_MS = 17_280;
const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** A signed C2C recall webhook as the service sends it (RequestTime now). */
function delivery(msgKey) {
  const time = Math.floor(Date.now() / 1000);
  const sign = createHash('sha256').update(`${SECRETS.CALLBACK_TOKEN}${time}`).digest('hex');
  return {
    url: `/callback?SdkAppid=${APP}&CallbackCommand=C2C.CallbackAfterMsgWithDraw&contenttype=json&ClientIP=127.0.0.1&OptPlatform=RESTAPI&RequestTime=${time}&Sign=${sign}`,
    body: JSON.stringify({ CallbackCommand: 'C2C.CallbackAfterMsgWithDraw', From_Account: 'u1', To_Account: 'u2', MsgKey: msgKey, UnreadMsgNum: 0, EventTime: Date.now() }),
  };
}

async function send(stack, d) {
  return stack.call('POST', d.url, { raw: d.body, headers: { 'content-type': 'application/json' } });
}

/** Retention runs on alarms of seconds: wait up to 30 s, polling every 250 ms. */
const waitFor = (what, f) => waitUntil(what, f, { timeoutMs: 30_000, everyMs: 250 });

test('retention vars: one parser, bad values named', async () => {
  const { retentionMs, readRetentions } = await import(pathToFileURL(join(repo, 'worker', 'src', 'config.js')).href);
  const ms = (v) => retentionMs({ EVENT_RETENTION_DAYS: v }, 'EVENT_RETENTION_DAYS');
  assert.equal(ms(undefined), 30 * 86_400_000);
  assert.equal(ms(''), 30 * 86_400_000, 'empty counts as unset');
  assert.equal(retentionMs({}, 'AUDIT_RETENTION_DAYS'), 365 * 86_400_000);
  assert.equal(ms('0.0001'), EVENT_MS);
  assert.equal(ms('2.5'), 2.5 * 86_400_000);
  assert.equal(ms('36500'), 36_500 * 86_400_000);
  assert.equal(ms('0'), Infinity, '0 keeps forever');
  for (const bad of ['abc', '-1', 'NaN', 'Infinity', '-Infinity', '36501', '1e3', '0x10', ' ', 'true']) {
    assert.throws(() => ms(bad), (e) => e.status === 500 && e.kind === 'server' && e.info.startsWith('EVENT_RETENTION_DAYS: ') && !e.info.includes(bad.trim() || '\u0000'), `${JSON.stringify(bad)} is refused`);
  }
  const r = readRetentions({ JOB_RETENTION_DAYS: '-1', AUDIT_RETENTION_DAYS: 'abc' });
  assert.equal(r.ok, false);
  assert.deepEqual(r.errors.map((e) => e.split(':')[0]), ['AUDIT_RETENTION_DAYS', 'JOB_RETENTION_DAYS']);
});

test('Worker retention in real workerd: pruning, dedup, jobs, restart, forever, bad values', { timeout: 240_000 }, async (t) => {
  const stack = await startStack({
    withCallbacks: false,
    // 20 requests/s: a 5,000-message job runs ~25 s, longer than the jobs' retention.
    rateLimit: 20,
    emulatorArgs: ['--seed-group', 'wret-a:Public:100', '--seed-group', 'wret-long:Public:5000'],
    vars: SHORT,
  });
  const events = async () => {
    const r = await stack.call('GET', '/api/events?limit=200', { token: ALICE });
    assert.equal(r.status, 200, r.text);
    return r.json.events;
  };
  const audit = async () => {
    const r = await stack.call('GET', '/api/audit?limit=200', { token: ALICE });
    assert.equal(r.status, 200, r.text);
    return r.json.entries;
  };
  const keys = async () => (await events()).filter((e) => e.type === 'callback').map((e) => e.event.msgKey);
  const jobIds = async () => (await stack.call('GET', '/api/jobs?limit=200', { token: ALICE })).json.jobs.map((j) => j.id);
  const getJob = (id) => stack.call('GET', `/api/jobs/${id}?results=false`, { token: ALICE });
  const startJob = async (groupId, msgSeqs) => {
    const r = await stack.call('POST', '/api/jobs', { token: ALICE, body: { kind: 'recallGroup', groupId, msgSeqs } });
    assert.equal(r.status, 202, r.text);
    return r.json.id;
  };
  const jobEnded = async (id) => waitFor(`job ${id} to end`, async () => {
    const j = await getJob(id);
    return ['done', 'cancelled'].includes(j.json?.status) && j.json;
  });
  try {
    await t.test('events and audit entries go after their own retention; newer ones stay; a retried delivery is still a duplicate', async () => {
      const old = delivery('wret-old');
      assert.equal((await send(stack, old)).status, 200);
      const recall = await stack.call('POST', '/api/recall/group', { token: ALICE, body: { groupId: 'wret-a', msgSeqs: [1], reason: 'retention' } });
      assert.equal(recall.status, 200, recall.text);
      const auditAt = Date.now();
      const entryOf = (list) => list.find((e) => e.action === 'recall.group' && e.reason === 'retention');
      assert.ok(entryOf(await audit()));
      await sleep(5000);
      assert.equal((await send(stack, delivery('wret-new'))).status, 200);
      assert.deepEqual((await keys()).sort(), ['wret-new', 'wret-old']);

      // The old event goes after ~8.6 s; the newer one (5 s younger) and the audit entry
      // (17.3 s) are still there at that moment.
      const left = await waitFor('the old event to be pruned', async () => { const k = await keys(); return !k.includes('wret-old') && k; });
      assert.deepEqual(left, ['wret-new']);
      assert.ok(Date.now() - auditAt < AUDIT_MS, 'still within the audit retention');
      assert.ok(entryOf(await audit()), 'the audit entry outlives the events (its own retention)');

      // The service retries within its ±60 s RequestTime window: the delivery key outlived
      // its event, so the retry is acknowledged and not recorded again.
      const retried = await send(stack, old);
      assert.equal(retried.status, 200, retried.text);
      assert.deepEqual(retried.json, { ActionStatus: 'OK', ErrorInfo: '', ErrorCode: 0 });
      assert.ok(!(await keys()).includes('wret-old'), 'the retried delivery was not recorded again');

      await waitFor('the audit entry to be pruned', async () => !entryOf(await audit()));
      assert.ok(Date.now() - auditAt >= AUDIT_MS - 1000, 'not before its retention');
    });

    await t.test('an ended job is forgotten after JOB_RETENTION_DAYS (404, gone from the index); a running one is kept', async () => {
      const long = await startJob('wret-long', range(1, 5000));
      const short = await startJob('wret-a', range(2, 11));
      const ended = await jobEnded(short);
      assert.equal(ended.status, 'done');
      assert.ok((await jobIds()).includes(short));
      const unknown = await getJob(randomUUID());
      assert.equal(unknown.status, 404);
      await waitFor('the ended job to be forgotten', async () => (await getJob(short)).status === 404);
      assert.ok(Date.now() - ended.finishedAt >= EVENT_MS - 1000, 'not before its retention');
      const gone = await getJob(short);
      // The same answer as for an id never started (but for the id in the text).
      assert.deepEqual({ ...gone.json.error, info: gone.json.error.info.replace(short, 'ID') }, { ...unknown.json.error, info: unknown.json.error.info.replace(/[0-9a-f-]{36}/, 'ID') });
      await waitFor('its index row to go', async () => !(await jobIds()).includes(short));
      const del = await stack.call('DELETE', `/api/jobs/${short}`, { token: ALICE });
      assert.equal(del.status, 404, del.text);

      // The long job started as long ago as the short one: it runs on, kept and listed.
      const running = await getJob(long);
      assert.equal(running.status, 200, running.text);
      assert.equal(running.json.status, 'running', 'still running past the jobs\' retention');
      assert.ok(running.json.progress.done < 5000);
      assert.ok(Date.now() - running.json.startedAt > EVENT_MS, 'started longer ago than the retention');
      assert.ok((await jobIds()).includes(long));
      assert.equal((await stack.call('DELETE', `/api/jobs/${long}`, { token: ALICE })).status, 200);
      const cancelled = await jobEnded(long);
      assert.equal(cancelled.status, 'cancelled');
      await waitFor('the cancelled job to be forgotten', async () => (await getJob(long)).status === 404);
      await waitFor('its index row to go', async () => !(await jobIds()).includes(long));
    });

    await t.test('rows written before a restart are still pruned after it', async () => {
      assert.equal((await send(stack, delivery('wret-restart'))).status, 200);
      const job = await startJob('wret-a', range(12, 21));
      await jobEnded(job);
      await stack.restartWorker();
      // Only reads from here on: the alarms set before the restart do the work.
      await waitFor('the event written before the restart to be pruned', async () => !(await keys()).includes('wret-restart'));
      await waitFor('the job ended before the restart to leave the index', async () => !(await jobIds()).includes(job));
      assert.equal((await getJob(job)).status, 404);
    });

    await t.test('a bad value answers 500 naming the var, and nothing is deleted', async () => {
      assert.equal((await send(stack, delivery('wret-kept'))).status, 200);
      const job = await startJob('wret-a', range(22, 31));
      const ended = await jobEnded(job);
      const jobsBefore = (await jobIds()).length;
      // The alarms for these rows are set; they fire under the bad values.
      await stack.restartWorker({ vars: { EVENT_RETENTION_DAYS: 'abc', AUDIT_RETENTION_DAYS: '-1' } });
      const cb = await send(stack, delivery('wret-refused'));
      assert.equal(cb.status, 500, cb.text);
      assert.equal(cb.json.error.kind, 'server');
      assert.match(cb.json.error.info, /^EVENT_RETENTION_DAYS: is not a decimal number of days/);
      const read = await stack.call('GET', '/api/events', { token: ALICE });
      assert.equal(read.status, 500);
      assert.match(read.json.error.info, /^EVENT_RETENTION_DAYS: /);
      // Admin actions are refused before anything is sent or created.
      const sentBefore = (await stack.emu.stats()).apis['group_open_http_svc/group_msg_recall'].requests;
      const recall = await stack.call('POST', '/api/recall/group', { token: ALICE, body: { groupId: 'wret-a', msgSeqs: [40] } });
      assert.equal(recall.status, 500);
      assert.match(recall.json.error.info, /^EVENT_RETENTION_DAYS: /);
      const refusedJob = await stack.call('POST', '/api/jobs', { token: ALICE, body: { kind: 'recallGroup', groupId: 'wret-a', msgSeqs: [41, 42] } });
      assert.equal(refusedJob.status, 500);
      assert.match(refusedJob.json.error.info, /^EVENT_RETENTION_DAYS: /);
      await sleep(1000);
      assert.equal((await stack.emu.stats()).apis['group_open_http_svc/group_msg_recall'].requests, sentBefore, 'nothing was sent');
      // Past both rows' expiry, the Durable Objects met the bad values and kept everything.
      await waitFor('the EventLog and the RecallJob to meet the bad values', () => {
        const log = stack.log();
        return /\[event-log\] retention off, nothing is deleted: EVENT_RETENTION_DAYS: /.test(log)
          && /\[event-log\] retention off, nothing is deleted: AUDIT_RETENTION_DAYS: must not be negative/.test(log)
          && /\[recall-job\] retention off, nothing is deleted: EVENT_RETENTION_DAYS: /.test(log);
      });
      assert.ok(Date.now() - ended.finishedAt > EVENT_MS);
      // Reads are refused too (every admin request checks the configuration first).
      const read2 = await getJob(job);
      assert.equal(read2.status, 500);
      assert.match(read2.json.error.info, /^EVENT_RETENTION_DAYS: /);
      // Back to good values that keep everything: the rows are all there.
      await stack.restartWorker({ vars: { EVENT_RETENTION_DAYS: '0', AUDIT_RETENTION_DAYS: '0', JOB_RETENTION_DAYS: '0' } });
      assert.ok((await keys()).includes('wret-kept'));
      assert.ok(!(await keys()).includes('wret-refused'));
      assert.ok((await jobIds()).includes(job));
      assert.equal((await jobIds()).length, jobsBefore, 'the refused job was not created');
      assert.equal((await stack.call('GET', `/api/jobs/${job}`, { token: ALICE })).json.results.length, 10);
    });

    await t.test('0 keeps forever', async () => {
      assert.equal((await send(stack, delivery('wret-forever'))).status, 200);
      const job = await startJob('wret-a', range(32, 41));
      const ended = await jobEnded(job);
      const auditBefore = (await audit()).length;
      await sleep(Math.max(0, ended.finishedAt + EVENT_MS + 3000 - Date.now()));
      assert.ok((await keys()).includes('wret-forever'));
      assert.ok((await keys()).includes('wret-kept'));
      assert.equal((await getJob(job)).status, 200);
      assert.ok((await jobIds()).includes(job));
      assert.equal((await audit()).length, auditBefore);
    });

    await t.test('no response and no log line holds a secret or a UserSig', () => {
      assertNoSecrets(assert, stack.responses(), 'responses');
      assertNoSecrets(assert, stack.log(), 'the wrangler log');
    });
  } finally {
    await stack.stop();
  }
});

// The EventLog class itself, in real workerd, with rows no HTTP route could write in a test's
// time: a small Worker (written here, to a temporary folder) binds subclasses of it that can
// seed rows directly and record what each alarm run deleted. `LegacyEventLog` lays out the
// storage as the Worker before retention left it (events.dedup, jobs without ended_at)
// before the EventLog's constructor runs its migration.
const FIXTURE = (src) => `
import { EventLog } from ${JSON.stringify(join(src, 'event-log.js'))};
export { RecallJob } from ${JSON.stringify(join(src, 'recall-job.js'))};

export class TestEventLog extends EventLog {
  async alarm() {
    const before = this.sql.exec('SELECT COUNT(*) AS n FROM events').one().n;
    await super.alarm();
    const after = this.sql.exec('SELECT COUNT(*) AS n FROM events').one().n;
    this.sql.exec('CREATE TABLE IF NOT EXISTS test_runs (run INTEGER PRIMARY KEY AUTOINCREMENT, deleted INTEGER NOT NULL)');
    this.sql.exec('INSERT INTO test_runs (deleted) VALUES (?)', before - after);
  }
  /** n events written at time at, in one statement, bypassing the write path (no alarm is armed). */
  seed(n, at) {
    this.sql.exec("WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < ?) INSERT INTO events (at, type, data) SELECT ?, 'job', '{}' FROM c", n, at);
  }
  async state() {
    const count = (t) => this.sql.exec('SELECT COUNT(*) AS n FROM ' + t).one().n;
    const runs = this.sql.exec("SELECT name FROM sqlite_master WHERE name = 'test_runs'").toArray().length
      ? this.sql.exec('SELECT deleted FROM test_runs ORDER BY run').toArray().map((r) => r.deleted) : [];
    return { events: count('events'), deliveries: count('deliveries'), runs, alarm: await this.ctx.storage.getAlarm(),
      version: this.sql.exec('SELECT v FROM schema_version').one().v,
      jobs: this.sql.exec('SELECT id, ended_at FROM jobs ORDER BY id').toArray() };
  }
}

export class LegacyEventLog extends TestEventLog {
  constructor(ctx, env) {
    const sql = ctx.storage.sql;
    if (sql.exec("SELECT 1 FROM sqlite_master WHERE name = 'events'").toArray().length === 0) {
      const at = Date.now() - 60_000;
      sql.exec('CREATE TABLE events (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, type TEXT NOT NULL, dedup TEXT UNIQUE, data TEXT NOT NULL)');
      sql.exec('CREATE TABLE audit (id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL, action TEXT NOT NULL, reason TEXT, summary TEXT NOT NULL)');
      sql.exec('CREATE TABLE jobs (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, data TEXT NOT NULL)');
      for (const k of ['legacy-1', 'legacy-2']) sql.exec("INSERT INTO events (at, type, dedup, data) VALUES (?, 'callback', ?, '{}')", at, k);
      sql.exec("INSERT INTO events (at, type, data) VALUES (?, 'job', '{}')", at);
      sql.exec("INSERT INTO jobs VALUES ('job-done', ?, ?, json_object('status', 'done'))", at, at);
      sql.exec("INSERT INTO jobs VALUES ('job-running', ?, ?, json_object('status', 'running'))", at, at);
    }
    super(ctx, env);
  }
}

export default {
  async fetch(request, env) {
    const url = new URL(request.url);
    if (url.pathname === '/health') return new Response('ok');
    const ns = url.searchParams.get('legacy') ? env.LEGACY : env.LOG;
    const log = ns.get(ns.idFromName('x'));
    const op = url.pathname.slice(1);
    let out;
    if (op === 'seed') out = await log.seed(Number(url.searchParams.get('n')), Date.now() - Number(url.searchParams.get('ageMs')));
    else if (op === 'append') out = await log.append('job', { probe: true });
    else if (op === 'callback') out = await log.recordCallback(url.searchParams.get('key'), { command: 'x' });
    else out = await log.state();
    return Response.json(out ?? null);
  },
};
`;

const FIXTURE_TOML = `name = "chat-recall-retention-fixture"
main = "index.js"
compatibility_date = "2025-01-01"
[vars]
SDK_APP_ID = "${APP}"
EVENT_RETENTION_DAYS = "0.0001"
AUDIT_RETENTION_DAYS = "0.0001"
JOB_RETENTION_DAYS = "0.0001"
[[durable_objects.bindings]]
name = "LOG"
class_name = "TestEventLog"
[[durable_objects.bindings]]
name = "LEGACY"
class_name = "LegacyEventLog"
[[durable_objects.bindings]]
name = "RECALL_JOB"
class_name = "RecallJob"
[[migrations]]
tag = "v1"
new_sqlite_classes = ["TestEventLog", "LegacyEventLog", "RecallJob"]
`;

test('EventLog pruning in bounded runs, and the migration of pre-retention storage', { timeout: 120_000 }, async (t) => {
  installWorkerDeps();
  const dir = mkdtempSync(join(tmpdir(), 'chat-recall-retention-'));
  writeFileSync(join(dir, 'index.js'), FIXTURE(join(workerDir, 'src')));
  writeFileSync(join(dir, 'wrangler.toml'), FIXTURE_TOML);
  const wr = await startWrangler(dir, { configs: ['wrangler.toml'], readyPath: '/health', timeoutMs: 60_000, args: ['--persist-to', join(dir, 'state')] });
  const get = async (path) => {
    const r = await fetch(`${wr.baseUrl}${path}`, { signal: AbortSignal.timeout(60_000) });
    assert.equal(r.status, 200, await r.clone().text());
    return r.json();
  };
  try {
    await t.test('60,000 expired rows go in runs of at most 50,000; then the alarm waits for the next expiry, and none when empty', async () => {
      await get('/seed?n=60000&ageMs=86400000');
      assert.equal((await get('/state')).alarm, null, 'seeding bypasses the write path');
      const appendedAt = Date.now();
      await get('/append');
      const s = await waitFor('the expired rows to go', async () => { const x = await get('/state'); return x.events === 1 && x; });
      assert.deepEqual(s.runs.filter((n) => n > 0), [50_000, 10_000], 'the second run came at once for the rest');
      // Next: the appended row's expiry (8.64 s after it was written).
      assert.ok(s.alarm >= appendedAt + EVENT_MS && s.alarm <= Date.now() + EVENT_MS, `alarm at ${s.alarm - appendedAt} ms after the append`);
      const empty = await waitFor('the last row to go', async () => { const x = await get('/state'); return x.events === 0 && x; });
      assert.equal(empty.alarm, null, 'nothing left: no alarm');
      // A run that found nothing due (an alarm a millisecond early) re-arms and changes nothing.
      assert.deepEqual(empty.runs.filter((n) => n > 0), [50_000, 10_000, 1]);
    });

    await t.test('pre-retention storage: delivery keys copied once and honoured after their events go; ended jobs get their end time', async () => {
      const s = await get('/state?legacy=1');
      assert.equal(s.version, 2);
      assert.equal(s.deliveries, 2, 'the two legacy delivery keys');
      assert.deepEqual(s.jobs.map((j) => [j.id, j.ended_at === null]), [['job-done', false], ['job-running', true]]);
      assert.deepEqual(await get('/callback?legacy=1&key=legacy-1'), { id: 1, duplicate: true });
      // A write arms the alarm; the 60 s old events go, their keys (kept 10 min) stay.
      const fresh = await get('/callback?legacy=1&key=fresh');
      assert.equal(fresh.duplicate, false);
      const after = await waitFor('the legacy rows to be pruned', async () => { const x = await get('/state?legacy=1'); return x.events === 1 && x; });
      assert.equal(after.deliveries, 3);
      assert.deepEqual(after.jobs.map((j) => j.id), ['job-running'], 'the ended job\'s row went, the running one stays');
      assert.deepEqual(await get('/callback?legacy=1&key=legacy-2'), { id: 2, duplicate: true });
      assert.equal((await get('/state?legacy=1')).events, 1, 'nothing recorded again');
    });
  } finally {
    await wr.stop();
  }
});
