// RecallJob: one Durable Object per job, driven by alarms. Its SQLite storage holds the job
// and one row per target (a MsgSeq of a group recall, or a group of a sender purge) with its
// state: 0 pending, 1 in flight, 2 settled with an outcome.
//
// Checkpoints: a batch is marked in flight before its request may start, and settled (with
// every outcome) as soon as its answer is in, in one transaction. A restart therefore never
// re-sends a settled batch. A batch left in flight by a restart is in doubt: for a group
// recall the group's history says which of its messages are recalled already (those are
// settled without sending again); the rest are sent. Every target ends with one outcome.
//
// Retention: JOB_RETENTION_DAYS after a job ended, its alarm deletes all its storage; the
// job is then forgotten (`describe` and `cancel` answer null, as for an id never started).
// A running job is never deleted, and a bad retention value deletes nothing.
import { DurableObject } from 'cloudflare:workers';
import { closeClient, eventLog, readRetentions, recallClient, RETENTION_RECHECK_MS } from './config.js';

export const JOB_LIMITS = { maxMessages: 200_000, maxGroups: 1_000 };

/** MsgSeqs per group recall request (the service's maximum). */
const BATCH = 10;
/** Batches in flight at once; the rate budget, not this, sets the pace. */
const CONCURRENCY = 24;
/** One alarm runs at most this long, then hands over to the next alarm. */
const SLICE_MS = 60_000;
/**
 * ...and starts at most this many batches: each alarm invocation has its own subrequest
 * allowance (1,000 on the free plan), which the requests, lease and event RPCs share.
 */
const SLICE_BATCHES = 400;
/** Progress events at most this often. */
const PROGRESS_EVERY_MS = 500;
/** History pages read per in-doubt batch before giving up on confirming it. */
const MAX_HISTORY_PAGES = 10;

const PENDING = 0;
const IN_FLIGHT = 1;
const SETTLED = 2;

/** The statuses of a job that has ended (also what the EventLog's job index prunes by). */
export const TERMINAL = new Set(['done', 'cancelled', 'failed']);

/** The forget alarm is never set sooner than this after now. */
const FORGET_MIN_GAP_MS = 1000;

/**
 * The outcome of one target: `recalled`; `failed` (the service answered with `code`);
 * `not_sent` (no request for it left the Worker); `unknown` (a request went out and no
 * answer came back, so it may or may not have happened).
 */
/** The package's outcome names as stored in `items.outcome`. */
const OUTCOME_NAMES = { recalled: 'recalled', failed: 'failed', notSent: 'not_sent', unknown: 'unknown' };

function outcomeOf(ok, code) {
  if (ok) return 'recalled';
  if (code === -2) return 'not_sent';
  if (code === -3) return 'unknown';
  return 'failed';
}

export class RecallJob extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    // The schema is made when a job starts, not when the object is first addressed: a
    // GET or DELETE of an id that was never started must leave no storage behind.
    this.created = this.sql.exec("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'job'").toArray().length > 0;
    if (this.created) this.createTables(); // (adds tables newer versions brought)
    this.running = false;
    this.cancelRequested = false;
    this.lastProgressAt = 0;
  }

  createTables() {
    this.sql.exec('CREATE TABLE IF NOT EXISTS job (k INTEGER PRIMARY KEY, data TEXT NOT NULL)');
    // HTTP requests and retries the job's recalls cost (the console's requests/s chart).
    this.sql.exec('CREATE TABLE IF NOT EXISTS counters (k TEXT PRIMARY KEY, n INTEGER NOT NULL)');
    this.sql.exec(`CREATE TABLE IF NOT EXISTS items (
      idx INTEGER PRIMARY KEY, target TEXT NOT NULL, batch INTEGER NOT NULL,
      state INTEGER NOT NULL DEFAULT 0, ok INTEGER, code INTEGER, message TEXT, outcome TEXT)`);
    this.sql.exec('CREATE INDEX IF NOT EXISTS items_batch ON items (batch, state)');
    this.created = true;
  }

  meta() {
    if (!this.created) return null;
    const row = this.sql.exec('SELECT data FROM job WHERE k = 0').toArray()[0];
    return row ? JSON.parse(row.data) : null;
  }

  saveMeta(meta) {
    this.sql.exec('INSERT OR REPLACE INTO job (k, data) VALUES (0, ?)', JSON.stringify(meta));
  }

  /** Create the job (all targets in one transaction) and arm the first alarm. */
  async start(id, spec) {
    const existing = this.meta();
    if (existing) return this.summary(existing);
    const meta = {
      id, kind: spec.kind, actor: spec.actor, status: 'queued', createdAt: Date.now(),
      total: spec.targets.length, slices: 0, inDoubt: 0, confirmedFromHistory: 0,
    };
    for (const k of ['groupId', 'topicId', 'senderAccount', 'reason']) if (spec[k] !== undefined) meta[k] = spec[k];
    const perBatch = spec.kind === 'recallGroup' ? BATCH : 1;
    this.ctx.storage.transactionSync(() => {
      this.createTables();
      spec.targets.forEach((t, i) => this.sql.exec('INSERT INTO items (idx, target, batch) VALUES (?, ?, ?)', i, t, Math.floor(i / perBatch)));
      this.saveMeta(meta);
    });
    await this.ctx.storage.setAlarm(Date.now());
    const summary = this.summary(meta);
    await this.publish(meta, true);
    return summary;
  }

  progress() {
    const r = this.sql.exec(`SELECT
      SUM(CASE WHEN state = ${SETTLED} THEN 1 ELSE 0 END) AS done,
      SUM(CASE WHEN outcome = 'recalled' THEN 1 ELSE 0 END) AS recalled,
      SUM(CASE WHEN state = ${SETTLED} AND outcome <> 'recalled' THEN 1 ELSE 0 END) AS failed,
      SUM(CASE WHEN outcome = 'not_sent' THEN 1 ELSE 0 END) AS notSent,
      SUM(CASE WHEN outcome = 'unknown' THEN 1 ELSE 0 END) AS unknown,
      COUNT(*) AS total FROM items`).one();
    const c = Object.fromEntries(this.sql.exec('SELECT k, n FROM counters').toArray().map((x) => [x.k, x.n]));
    return {
      done: r.done ?? 0, total: r.total, recalled: r.recalled ?? 0, failed: r.failed ?? 0, notSent: r.notSent ?? 0, unknown: r.unknown ?? 0,
      requests: c.requests ?? 0, retries: c.retries ?? 0,
    };
  }

  summary(meta) {
    const out = { id: meta.id, kind: meta.kind, status: meta.status, createdAt: meta.createdAt, actor: meta.actor, progress: this.progress() };
    for (const k of ['groupId', 'topicId', 'senderAccount', 'reason', 'startedAt', 'finishedAt', 'cancelledBy', 'error']) if (meta[k] !== undefined) out[k] = meta[k];
    out.slices = meta.slices;
    out.inDoubt = meta.inDoubt;
    out.confirmedFromHistory = meta.confirmedFromHistory;
    return out;
  }

  /** `GET /api/jobs/:id`: progress, and one outcome per target once the job has ended. */
  async describe(withResults) {
    if (!this.meta()) return null;
    await this.ensureScheduled(this.meta());
    // Read again after the await: the job may have been forgotten meanwhile.
    const meta = this.meta();
    if (!meta) return null;
    const out = this.summary(meta);
    if (withResults && TERMINAL.has(meta.status)) {
      const key = meta.kind === 'recallGroup' ? 'msgSeq' : 'groupId';
      out.results = this.sql.exec('SELECT target, ok, code, message, outcome FROM items ORDER BY idx').toArray().map((r) => ({
        [key]: key === 'msgSeq' && r.target.length < 16 ? Number(r.target) : r.target,
        ok: r.ok === 1, code: r.code, message: r.message, outcome: r.outcome,
      }));
    }
    return out;
  }

  /** `DELETE /api/jobs/:id`: no new batch starts; batches already sent finish and count. */
  async cancel(actor) {
    const meta = this.meta();
    if (!meta) return null;
    if (!TERMINAL.has(meta.status)) {
      this.cancelRequested = true;
      meta.cancelRequested = true;
      meta.cancelledBy = actor;
      this.saveMeta(meta);
      // A job that is not running right now is finished here; a running one stops itself.
      if (!this.running) await this.finish(meta, 'cancelled');
    }
    return this.summary(this.meta());
  }

  /**
   * After a restart the pending alarm may be gone with the process that ran it: re-arm it
   * for a job that has not ended and is not running here.
   */
  async ensureScheduled(meta) {
    if (this.running) return;
    if ((await this.ctx.storage.getAlarm()) !== null) return;
    // An ended job: its forget alarm (a job that ended while the retention was 0 gets one
    // once a retention is set).
    if (TERMINAL.has(meta.status)) await this.armForget(meta);
    else await this.ctx.storage.setAlarm(Date.now());
  }

  /**
   * JOB_RETENTION_DAYS in ms (Infinity = forever), or null when any retention var is bad:
   * then nothing is deleted (a typo must not wipe data) and the error is logged, naming the
   * var (never its value).
   */
  jobRetention() {
    const r = readRetentions(this.env);
    if (r.ok) return r.jobs;
    for (const info of r.errors) console.error(`[recall-job] retention off, nothing is deleted: ${info}`);
    return null;
  }

  /**
   * After the job ended: the alarm that forgets it JOB_RETENTION_DAYS after `finishedAt`
   * (at least FORGET_MIN_GAP_MS from now: a caller that is still answering about the job,
   * such as `cancel`, finds it there).
   */
  async armForget(meta, keep = this.jobRetention()) {
    if (keep === null) await this.ctx.storage.setAlarm(Date.now() + RETENTION_RECHECK_MS);
    else if (Number.isFinite(keep)) await this.ctx.storage.setAlarm(Math.max((meta.finishedAt ?? Date.now()) + keep, Date.now() + FORGET_MIN_GAP_MS));
  }

  /**
   * Delete the whole job (targets, outcomes, counters) once JOB_RETENTION_DAYS have passed
   * since it ended; otherwise (re-)arm the alarm for then. Never a job that has not ended.
   * Also called by the EventLog when it prunes the job's index row. Returns whether the job
   * is gone.
   */
  async forgetIfDue() {
    const meta = this.meta();
    if (!meta) return true;
    if (!TERMINAL.has(meta.status) || this.running) return false;
    const keep = this.jobRetention();
    const due = keep === null ? Infinity : (meta.finishedAt ?? 0) + keep;
    if (Date.now() < due) {
      await this.armForget(meta, keep);
      return false;
    }
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    this.created = false;
    return true;
  }

  async alarm() {
    const meta = this.meta();
    if (!meta || this.running) return;
    if (TERMINAL.has(meta.status)) {
      await this.forgetIfDue();
      return;
    }
    this.running = true;
    try {
      // One client for this alarm run (see config.js: nothing is shared across requests).
      try {
        this.client = recallClient(this.env);
      } catch (e) {
        // A configuration error (no SECRET_KEY...): nothing was sent; say so and stop.
        meta.error = e?.info ?? String(e);
        await this.finish(meta, 'failed');
        return;
      }
      await this.run(meta);
    } finally {
      if (this.client) await closeClient(this.client);
      this.client = undefined;
      this.running = false;
    }
  }

  async run(meta) {
    if (meta.cancelRequested) this.cancelRequested = true;
    if (meta.status === 'queued') {
      meta.status = 'running';
      meta.startedAt = Date.now();
    }
    meta.slices += 1;
    this.saveMeta(meta);
    await this.resolveInDoubt(meta);
    const sliceEnd = Date.now() + SLICE_MS;
    const batches = this.sql.exec(`SELECT DISTINCT batch FROM items WHERE state = ${PENDING} ORDER BY batch LIMIT ?`, SLICE_BATCHES).toArray().map((r) => r.batch);
    const inflight = new Set();
    for (const b of batches) {
      while (inflight.size >= CONCURRENCY) await Promise.race(inflight);
      if (this.cancelRequested || Date.now() > sliceEnd) break;
      const p = this.sendBatch(meta, b).finally(() => inflight.delete(p));
      inflight.add(p);
    }
    await Promise.all(inflight);
    if (this.cancelRequested) {
      await this.finish(this.meta(), 'cancelled');
    } else if (this.sql.exec(`SELECT COUNT(*) AS n FROM items WHERE state <> ${SETTLED}`).one().n > 0) {
      // The slice is used up: the next alarm continues from the checkpoints.
      await this.ctx.storage.setAlarm(Date.now());
      await this.publish(meta, true);
    } else {
      await this.finish(this.meta(), 'done');
    }
  }

  /** Send one batch and checkpoint its outcomes. Never throws. */
  async sendBatch(meta, batch) {
    const rows = this.sql.exec(`SELECT idx, target FROM items WHERE batch = ? AND state = ${PENDING}`, batch).toArray();
    if (rows.length === 0) return;
    // The intent, before the request may start: a restart finds this batch in doubt.
    this.sql.exec(`UPDATE items SET state = ${IN_FLIGHT} WHERE batch = ? AND state = ${PENDING}`, batch);
    let settled;
    try {
      settled = meta.kind === 'recallGroup' ? await this.recallBatch(meta, rows) : await this.purgeGroup(meta, rows[0]);
    } catch (e) {
      // A bug or a configuration error: the requests may have gone out.
      settled = rows.map((r) => ({ idx: r.idx, ok: false, code: -3, message: `job error: ${e?.info ?? e?.message ?? e}` }));
    }
    this.settle(settled);
    await this.publish(meta, false);
  }

  settle(settled) {
    this.ctx.storage.transactionSync(() => {
      for (const s of settled) {
        this.sql.exec(`UPDATE items SET state = ${SETTLED}, ok = ?, code = ?, message = ?, outcome = ? WHERE idx = ?`,
          s.ok ? 1 : 0, s.code, s.message, s.outcome ?? outcomeOf(s.ok, s.code), s.idx);
      }
    });
  }

  async recallBatch(meta, rows) {
    const args = { groupId: meta.groupId, msgSeqs: rows.map((r) => r.target) };
    if (meta.topicId !== undefined) args.topicId = meta.topicId;
    if (meta.reason !== undefined) args.reason = meta.reason;
    let report;
    try {
      report = await this.client.recallGroupMessages(args);
    } catch (e) {
      if (!e?.report) throw e;
      report = e.report;
    }
    this.count(report.requests, report.retries);
    const byTarget = new Map(report.results.map((r) => [String(r.msgSeq), r]));
    return rows.map((row) => {
      const r = byTarget.get(row.target);
      return r
        ? { idx: row.idx, ok: r.ok, code: r.code, message: r.message, outcome: OUTCOME_NAMES[r.outcome] }
        : { idx: row.idx, ok: false, code: -1, message: 'the service did not report this message' };
    });
  }

  /** Add to the job's request and retry counters. */
  count(requests, retries) {
    for (const [k, n] of [['requests', requests], ['retries', retries]]) {
      if (Number.isFinite(n) && n > 0) this.sql.exec('INSERT INTO counters (k, n) VALUES (?, ?) ON CONFLICT(k) DO UPDATE SET n = n + excluded.n', k, n);
    }
  }

  async purgeGroup(meta, row) {
    this.count(1, 0);
    try {
      await this.client.recallGroupMessagesBySender({ groupId: row.target, senderAccount: meta.senderAccount });
      return [{ idx: row.idx, ok: true, code: 0, message: '' }];
    } catch (e) {
      if (e?.name !== 'RecallError') throw e;
      const noAnswer = ['network', 'timeout', 'aborted'].includes(e.kind);
      return [{ idx: row.idx, ok: false, code: noAnswer ? -3 : e.code, message: e.info }];
    }
  }

  /**
   * Batches left in flight by an earlier run (the Worker stopped while they were out).
   * Group recalls: messages the history shows recalled are settled as recalled without
   * sending again; the others go back to pending. A history that cannot be read leaves
   * them `unknown`, never re-sent blindly. Sender purges are idempotent: pending again.
   */
  async resolveInDoubt(meta) {
    const rows = this.sql.exec(`SELECT idx, target, batch FROM items WHERE state = ${IN_FLIGHT} ORDER BY idx`).toArray();
    if (rows.length === 0) return;
    meta.inDoubt += rows.length;
    if (meta.kind !== 'recallGroup') {
      this.sql.exec(`UPDATE items SET state = ${PENDING} WHERE state = ${IN_FLIGHT}`);
      this.saveMeta(meta);
      return;
    }
    const byBatch = new Map();
    for (const r of rows) {
      if (!byBatch.has(r.batch)) byBatch.set(r.batch, []);
      byBatch.get(r.batch).push(r);
    }
    for (const batchRows of byBatch.values()) {
      let recalled;
      try {
        recalled = await this.recalledInHistory(meta, batchRows.map((r) => BigInt(r.target)));
      } catch (e) {
        this.settle(batchRows.map((r) => ({ idx: r.idx, ok: false, code: -3, message: `in doubt after a restart and the history could not be read: ${e?.info ?? e}` })));
        continue;
      }
      const settled = [];
      for (const r of batchRows) {
        if (recalled.has(r.target)) settled.push({ idx: r.idx, ok: true, code: 0, message: 'recalled (confirmed from the group history after a restart)' });
        else this.sql.exec(`UPDATE items SET state = ${PENDING} WHERE idx = ?`, r.idx);
      }
      this.settle(settled);
      meta.confirmedFromHistory = (meta.confirmedFromHistory ?? 0) + settled.length;
    }
    this.saveMeta(meta);
  }

  /** Which of `seqs` the group's history marks recalled (as decimal strings). */
  async recalledInHistory(meta, seqs) {
    const wanted = new Set(seqs.map(String));
    let min = seqs[0];
    let max = seqs[0];
    for (const s of seqs) { if (s < min) min = s; if (s > max) max = s; }
    const found = new Set();
    let before = max;
    for (let page = 0; page < MAX_HISTORY_PAGES; page++) {
      const args = { groupId: meta.groupId, beforeSeq: before.toString(), count: 20, withRecalled: true };
      if (meta.topicId !== undefined) args.topicId = meta.topicId;
      const p = await this.client.getGroupHistory(args);
      for (const m of p.messages) if (m.recalled && wanted.has(String(m.msgSeq))) found.add(String(m.msgSeq));
      if (p.isFinished || p.nextBeforeSeq === undefined || BigInt(p.nextBeforeSeq) < min) break;
      before = BigInt(p.nextBeforeSeq);
    }
    return found;
  }

  async finish(meta, status) {
    if (status !== 'done') {
      const pending = this.sql.exec(`SELECT idx FROM items WHERE state = ${PENDING}`).toArray();
      const why = status === 'cancelled' ? 'the job was cancelled' : `the job failed: ${meta.error}`;
      this.settle(pending.map((r) => ({ idx: r.idx, ok: false, code: -2, message: `not sent: ${why}` })));
    }
    meta.status = status;
    meta.finishedAt = Date.now();
    this.saveMeta(meta);
    await this.ctx.storage.deleteAlarm();
    try {
      await this.publish(meta, true);
      const p = this.progress();
      await eventLog(this.env).recordAudit({
        actor: meta.actor, action: `job.${status}`, reason: meta.reason,
        summary: { jobId: meta.id, kind: meta.kind, total: p.total, recalled: p.recalled, failed: p.failed, notSent: p.notSent, unknown: p.unknown },
      });
    } finally {
      // Last, so that even a retention of moments leaves the job until it has been reported.
      await this.armForget(meta);
    }
  }

  /** A progress event to the EventLog (throttled unless `force`) and the job index. */
  async publish(meta, force) {
    const now = Date.now();
    if (!force && now - this.lastProgressAt < PROGRESS_EVERY_MS) return;
    this.lastProgressAt = now;
    const summary = this.summary(meta);
    try {
      const log = eventLog(this.env);
      await log.append('job', { jobId: meta.id, kind: meta.kind, status: meta.status, progress: summary.progress });
      await log.upsertJob(summary);
    } catch (e) {
      // Progress is informative; the job's own storage is the record.
      console.error('job progress event failed', e?.message ?? String(e));
    }
  }
}
