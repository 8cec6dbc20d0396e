// EventLog: one Durable Object per SdkAppID (SQLite storage). It holds the verified webhook
// events, job progress events and the audit log, and serves the live stream (Server-Sent
// Events) of new events. Writes are synchronous SQLite statements inside the object, so a
// caller that got an answer from `recordCallback` knows the event is durable.
//
// Retention: rows older than their table's retention (EVENT_RETENTION_DAYS,
// AUDIT_RETENTION_DAYS, JOB_RETENTION_DAYS for ended jobs' index rows) are deleted by the
// object's alarm, which is armed at the oldest row's expiry. A bad retention value deletes
// nothing (see config.js `readRetentions`).
import { DurableObject } from 'cloudflare:workers';
import { readRetentions, RETENTION_RECHECK_MS } from './config.js';
import { TERMINAL } from './recall-job.js';

const MAX_PAGE = 200;
/** Events replayed to a stream that reconnects with Last-Event-ID. */
const MAX_REPLAY = 500;
const KEEPALIVE_MS = 15_000;

/**
 * Webhook delivery keys are kept at least this long, even when events go sooner: the
 * service accepts a RequestTime within ±60 s (the package's DEFAULT_MAX_SKEW_SECONDS), so a
 * retried delivery can come that long after the first; ten minutes leaves a wide margin.
 */
const MIN_DELIVERY_KEEP_MS = 10 * 60_000;
/** Rows per DELETE statement, and per alarm run (then the next run continues at once). */
const PRUNE_CHUNK = 5_000;
const PRUNE_PER_RUN = 50_000;
/** Index rows of ended jobs whose RecallJob is told to check its own expiry, per alarm run. */
const FORGET_PER_RUN = 100;

/**
 * The pruned tables: the column holding each row's time, the row key, and the retention
 * (ms, Infinity = forever) from `readRetentions`. `jobs.ended_at` is NULL while a job runs,
 * so a running job's row is never pruned.
 */
const PRUNED = [
  { table: 'events', time: 'at', key: 'id', keepMs: (r) => r.events },
  { table: 'deliveries', time: 'at', key: 'key', keepMs: (r) => Math.max(r.events, MIN_DELIVERY_KEEP_MS) },
  { table: 'audit', time: 'at', key: 'id', keepMs: (r) => r.audit },
  { table: 'jobs', time: 'ended_at', key: 'id', keepMs: (r) => r.jobs },
];

/**
 * How soon after now a prune alarm may be set for a retention: min(1 hour, retention / 10),
 * at least 1 s, so a stream of writes with a short retention does not wake the object for
 * every row.
 */
function minGapMs(keepMs) {
  return Math.max(1000, Math.min(3_600_000, keepMs / 10));
}

/** JSON that survives bigints (MsgSeqs beyond 2^53 - 1 travel as decimal strings). */
export function toJson(value) {
  return JSON.stringify(value, (_, v) => (typeof v === 'bigint' ? v.toString() : v));
}

function rowToEvent(r) {
  return { id: r.id, at: r.at, type: r.type, ...JSON.parse(r.data) };
}

function rowToAudit(r) {
  const entry = { id: r.id, at: r.at, actor: r.actor, action: r.action, summary: JSON.parse(r.summary) };
  if (r.reason !== null) entry.reason = r.reason;
  return entry;
}

export class EventLog extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    ctx.storage.transactionSync(() => this.migrate());
    /** Open SSE streams: their writers. */
    this.streams = new Set();
    this.keepalive = undefined;
    /** The pending prune alarm (ms), null when none; undefined until checked after a start. */
    this.alarmAt = undefined;
    /** Retention vars already reported as bad by this instance (one log line each). */
    this.reported = new Set();
  }

  /** The schema, by versions; each step runs once, in one transaction with the version. */
  migrate() {
    this.sql.exec('CREATE TABLE IF NOT EXISTS schema_version (k INTEGER PRIMARY KEY, v INTEGER NOT NULL)');
    const version = this.sql.exec('SELECT v FROM schema_version WHERE k = 0').toArray()[0]?.v ?? 0;
    if (version < 1) {
      // The first shape (objects made before schema_version have these tables already).
      this.sql.exec(`CREATE TABLE IF NOT EXISTS events (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, type TEXT NOT NULL,
        dedup TEXT UNIQUE, data TEXT NOT NULL)`);
      this.sql.exec(`CREATE TABLE IF NOT EXISTS audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL,
        action TEXT NOT NULL, reason TEXT, summary TEXT NOT NULL)`);
      this.sql.exec(`CREATE TABLE IF NOT EXISTS jobs (
        id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, data TEXT NOT NULL)`);
    }
    if (version < 2) {
      // Retention. Delivery keys move to their own table so that they can outlive the
      // events (events.dedup stays, unused by new rows: SQLite cannot drop a UNIQUE column
      // cheaply). Job index rows get the time their job ended (NULL while it runs).
      this.sql.exec('CREATE TABLE IF NOT EXISTS deliveries (key TEXT PRIMARY KEY, at INTEGER NOT NULL, event_id INTEGER NOT NULL)');
      this.sql.exec('INSERT OR IGNORE INTO deliveries (key, at, event_id) SELECT dedup, at, id FROM events WHERE dedup IS NOT NULL');
      this.sql.exec('ALTER TABLE jobs ADD COLUMN ended_at INTEGER');
      this.sql.exec(`UPDATE jobs SET ended_at = updated_at WHERE json_extract(data, '$.status') IN (${[...TERMINAL].map((x) => `'${x}'`).join(', ')})`);
      for (const t of PRUNED) this.sql.exec(`CREATE INDEX IF NOT EXISTS ${t.table}_${t.time} ON ${t.table} (${t.time})`);
    }
    this.sql.exec('INSERT OR REPLACE INTO schema_version (k, v) VALUES (0, 2)');
  }

  /**
   * A verified webhook delivery. `dedup` identifies the delivery (RequestTime, Sign, body
   * hash): a retried one is recorded once, also after its event was pruned (the key is
   * kept at least MIN_DELIVERY_KEEP_MS). Returns `{ id, duplicate }`.
   */
  async recordCallback(dedup, record) {
    await this.ensureArmed();
    const seen = this.sql.exec('SELECT event_id FROM deliveries WHERE key = ?', dedup).toArray();
    if (seen.length > 0) return { id: seen[0].event_id, duplicate: true };
    const at = Date.now();
    const id = this.ctx.storage.transactionSync(() => {
      const eventId = this.insert('callback', record, at);
      this.sql.exec('INSERT INTO deliveries (key, at, event_id) VALUES (?, ?, ?)', dedup, at, eventId);
      return eventId;
    });
    this.broadcast({ id, at, type: 'callback', ...record });
    await this.armAfterWrite(['events', 'deliveries'], at);
    return { id, duplicate: false };
  }

  /** Any other event (job progress). */
  async append(type, record) {
    await this.ensureArmed();
    const at = Date.now();
    const id = this.insert(type, record, at);
    this.broadcast({ id, at, type, ...record });
    await this.armAfterWrite(['events'], at);
    return { id };
  }

  insert(type, record, at) {
    return this.sql.exec('INSERT INTO events (at, type, data) VALUES (?, ?, ?) RETURNING id', at, type, toJson(record)).one().id;
  }

  /** Newest first; `cursor` is the id to continue below. */
  listEvents(cursor, limit) {
    const n = Math.min(Math.max(limit, 1), MAX_PAGE);
    const rows = this.sql.exec('SELECT id, at, type, data FROM events WHERE id < ? ORDER BY id DESC LIMIT ?', cursor ?? Number.MAX_SAFE_INTEGER, n + 1).toArray();
    const more = rows.length > n;
    const events = rows.slice(0, n).map(rowToEvent);
    return { events, nextCursor: more ? String(events[events.length - 1].id) : null };
  }

  async recordAudit({ actor, action, reason, summary }) {
    await this.ensureArmed();
    const at = Date.now();
    const row = this.sql.exec('INSERT INTO audit (at, actor, action, reason, summary) VALUES (?, ?, ?, ?, ?) RETURNING id',
      at, actor, action, reason ?? null, toJson(summary ?? {})).one();
    const entry = rowToAudit({ id: row.id, at, actor, action, reason: reason ?? null, summary: toJson(summary ?? {}) });
    this.broadcast({ id: undefined, at, type: 'audit', entry });
    await this.armAfterWrite(['audit'], at);
    return entry;
  }

  listAudit(cursor, limit) {
    const n = Math.min(Math.max(limit, 1), MAX_PAGE);
    const rows = this.sql.exec('SELECT * FROM audit WHERE id < ? ORDER BY id DESC LIMIT ?', cursor ?? Number.MAX_SAFE_INTEGER, n + 1).toArray();
    const more = rows.length > n;
    const entries = rows.slice(0, n).map(rowToAudit);
    return { entries, nextCursor: more ? String(entries[entries.length - 1].id) : null };
  }

  /** The job index behind `GET /api/jobs`: each job's latest summary. */
  async upsertJob(summary) {
    await this.ensureArmed();
    const now = Date.now();
    // The same end time as the RecallJob's own (its `finishedAt`), so both forget it together.
    const endedAt = TERMINAL.has(summary.status) ? (Number.isFinite(summary.finishedAt) ? summary.finishedAt : now) : null;
    this.sql.exec(`INSERT INTO jobs (id, created_at, updated_at, data, ended_at) VALUES (?, ?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at, data = excluded.data, ended_at = excluded.ended_at`,
    summary.id, now, now, toJson(summary), endedAt);
    if (endedAt !== null) await this.armAfterWrite(['jobs'], endedAt);
  }

  listJobs(limit) {
    const n = Math.min(Math.max(limit, 1), MAX_PAGE);
    const rows = this.sql.exec('SELECT data FROM jobs ORDER BY created_at DESC, id LIMIT ?', n).toArray();
    return { jobs: rows.map((r) => JSON.parse(r.data)) };
  }

  /** Counts for tests and the console: how many events of each type. */
  counts() {
    const out = {};
    for (const r of this.sql.exec('SELECT type, COUNT(*) AS n FROM events GROUP BY type')) out[r.type] = r.n;
    return out;
  }

  // ---- Retention: the prune alarm ----

  /**
   * The retentions, or null when a var is bad: then nothing is deleted and each bad var is
   * logged once by this instance (the message names the var, never a value or a secret).
   */
  retention() {
    // The vars are fixed for the life of this instance: read once, on the first write.
    this.retentions ??= readRetentions(this.env);
    const r = this.retentions;
    if (r.ok) return r;
    for (const info of r.errors) {
      const name = info.split(':')[0];
      if (this.reported.has(name)) continue;
      this.reported.add(name);
      console.error(`[event-log] retention off, nothing is deleted: ${info}`);
    }
    return null;
  }

  /**
   * Once per start of the object: set the prune alarm from the stored rows. An alarm set
   * before a restart is kept by the runtime; this covers one that was not, and rows
   * written while the retention was off or forever.
   */
  async ensureArmed() {
    if (this.alarmAt !== undefined) return;
    this.alarmAt = await this.ctx.storage.getAlarm();
    const r = this.retention();
    if (r === null) return;
    const next = this.nextPruneAt(r, Date.now());
    if (next !== null && (this.alarmAt === null || next < this.alarmAt || this.alarmAt < Date.now())) await this.setPruneAlarm(next);
  }

  /** After rows of `tables` were written at `at`: the alarm no later than their expiry. */
  async armAfterWrite(tables, at) {
    const r = this.retention();
    if (r === null) return;
    const now = Date.now();
    let due = Infinity;
    for (const t of PRUNED) {
      if (!tables.includes(t.table)) continue;
      const keep = t.keepMs(r);
      if (Number.isFinite(keep)) due = Math.min(due, Math.max(at + keep, now + minGapMs(keep)));
    }
    if (Number.isFinite(due) && (this.alarmAt === null || this.alarmAt === undefined || due < this.alarmAt)) await this.setPruneAlarm(due);
  }

  async setPruneAlarm(at) {
    await this.ctx.storage.setAlarm(at);
    this.alarmAt = at;
  }

  /** When the next prune is due: the earliest of each table's oldest expiry (or null). */
  nextPruneAt(r, now) {
    let next = Infinity;
    for (const t of PRUNED) {
      const keep = t.keepMs(r);
      if (!Number.isFinite(keep)) continue;
      const oldest = this.sql.exec(`SELECT MIN(${t.time}) AS m FROM ${t.table}`).one().m;
      if (oldest !== null) next = Math.min(next, Math.max(oldest + keep, now + minGapMs(keep)));
    }
    return Number.isFinite(next) ? next : null;
  }

  /**
   * Delete expired rows, each table by its own retention, in chunks of PRUNE_CHUNK and at
   * most PRUNE_PER_RUN per run (then the next run comes at once); then re-arm at the next
   * expiry. Ended jobs whose index rows go are told to check their own expiry too (their
   * own alarm normally did that already; this catches jobs that ended while the retention
   * was off or forever).
   */
  async alarm() {
    this.alarmAt = null;
    const r = this.retention();
    if (r === null) {
      // Keep everything, and look again later: a fixed value applies without new writes.
      await this.setPruneAlarm(Date.now() + RETENTION_RECHECK_MS);
      return;
    }
    const now = Date.now();
    let budget = PRUNE_PER_RUN;
    let forgotten = [];
    for (const t of PRUNED) {
      const keep = t.keepMs(r);
      if (!Number.isFinite(keep)) continue;
      // A row is expired at exactly its retention: the alarm is set for that moment.
      const cutoff = now - keep;
      const chunk = t.table === 'jobs' ? FORGET_PER_RUN : PRUNE_CHUNK;
      while (budget > 0) {
        const n = Math.min(chunk, budget);
        const gone = this.sql.exec(`DELETE FROM ${t.table} WHERE ${t.key} IN
          (SELECT ${t.key} FROM ${t.table} WHERE ${t.time} <= ? ORDER BY ${t.time} LIMIT ?) RETURNING ${t.key} AS k`, cutoff, n).toArray();
        budget -= gone.length;
        if (t.table === 'jobs') {
          forgotten = gone.map((x) => x.k);
          break; // one chunk of jobs per run: each costs a call to its RecallJob
        }
        if (gone.length < n) break;
      }
    }
    await this.forgetJobs(forgotten);
    const more = budget <= 0 || forgotten.length >= FORGET_PER_RUN;
    const next = more ? Date.now() : this.nextPruneAt(r, Date.now());
    if (next !== null) await this.setPruneAlarm(next);
  }

  /** Ask each RecallJob of `ids` to delete its storage if its own rule says it is time. */
  async forgetJobs(ids) {
    for (const id of ids) {
      try {
        await this.env.RECALL_JOB.get(this.env.RECALL_JOB.idFromName(id)).forgetIfDue();
      } catch (e) {
        // The job's own alarm remains; its index row is gone either way.
        console.error('[event-log] could not reach an ended job to forget it', e?.message ?? String(e));
      }
    }
  }

  /**
   * The live stream: `GET` with `Last-Event-ID` (or `?since=`) replays newer events first.
   * Each event is `id: N`, `event: <type>`, `data: <json>`; audit entries come as
   * `event: audit` without an id; a comment line every 15 s keeps proxies from closing it.
   */
  async fetch(request) {
    const url = new URL(request.url);
    const since = Number(request.headers.get('last-event-id') ?? url.searchParams.get('since') ?? NaN);
    const { readable, writable } = new TransformStream();
    const writer = writable.getWriter();
    const encoder = new TextEncoder();
    const sub = { writer, encoder };
    writer.write(encoder.encode(': connected\n\n')).catch(() => this.streams.delete(sub));
    if (Number.isSafeInteger(since) && since >= 0) {
      const rows = this.sql.exec('SELECT id, at, type, data FROM events WHERE id > ? ORDER BY id ASC LIMIT ?', since, MAX_REPLAY).toArray();
      for (const r of rows) this.send(sub, rowToEvent(r));
    }
    this.streams.add(sub);
    if (this.keepalive === undefined) {
      this.keepalive = setInterval(() => {
        for (const s of this.streams) this.write(s, ': keepalive\n\n');
        if (this.streams.size === 0) { clearInterval(this.keepalive); this.keepalive = undefined; }
      }, KEEPALIVE_MS);
    }
    return new Response(readable, {
      headers: { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', 'x-accel-buffering': 'no' },
    });
  }

  broadcast(event) {
    for (const s of this.streams) this.send(s, event);
  }

  send(sub, event) {
    const { id, type, ...rest } = event;
    const head = id === undefined ? '' : `id: ${id}\n`;
    this.write(sub, `${head}event: ${type}\ndata: ${toJson(id === undefined ? { type, ...rest } : { id, type, ...rest })}\n\n`);
  }

  write(sub, text) {
    sub.writer.write(sub.encoder.encode(text)).catch(() => {
      // The reader went away: forget the stream.
      this.streams.delete(sub);
    });
  }
}
