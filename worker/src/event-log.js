// EventLog: one Durable Object per SdkAppID (SQLite storage). It holds the verified webhook
// events, job progress events and the audit log, and serves the live stream (Server-Sent
// Events) of new events. Writes are synchronous SQLite statements inside the object, so a
// caller that got an answer from `recordCallback` knows the event is durable.
import { DurableObject } from 'cloudflare:workers';

const MAX_PAGE = 200;
/** Events replayed to a stream that reconnects with Last-Event-ID. */
const MAX_REPLAY = 500;
const KEEPALIVE_MS = 15_000;

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
    this.sql.exec(`CREATE TABLE IF NOT EXISTS events (
      id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, type TEXT NOT NULL,
      dedup TEXT UNIQUE, data TEXT NOT NULL)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS audit (
      id INTEGER PRIMARY KEY AUTOINCREMENT, at INTEGER NOT NULL, actor TEXT NOT NULL,
      action TEXT NOT NULL, reason TEXT, summary TEXT NOT NULL)`);
    this.sql.exec(`CREATE TABLE IF NOT EXISTS jobs (
      id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL, data TEXT NOT NULL)`);
    /** Open SSE streams: their writers. */
    this.streams = new Set();
    this.keepalive = undefined;
  }

  /**
   * A verified webhook delivery. `dedup` identifies the delivery (RequestTime, Sign, body
   * hash): a retried one is recorded once. Returns `{ id, duplicate }`.
   */
  recordCallback(dedup, record) {
    const seen = this.sql.exec('SELECT id FROM events WHERE dedup = ?', dedup).toArray();
    if (seen.length > 0) return { id: seen[0].id, duplicate: true };
    const id = this.insert('callback', record, dedup);
    return { id, duplicate: false };
  }

  /** Any other event (job progress). */
  append(type, record) {
    return { id: this.insert(type, record, null) };
  }

  insert(type, record, dedup) {
    const at = Date.now();
    const data = toJson(record);
    const row = this.sql.exec('INSERT INTO events (at, type, dedup, data) VALUES (?, ?, ?, ?) RETURNING id', at, type, dedup, data).one();
    this.broadcast({ id: row.id, at, type, ...record });
    return row.id;
  }

  /** Newest first; `cursor` is the id to continue below. */
  listEvents(cursor, limit) {
    const n = Math.min(Math.max(limit, 1), MAX_PAGE);
    const rows = this.sql.exec('SELECT id, at, type, data FROM events WHERE id < ? ORDER BY id DESC LIMIT ?', cursor ?? Number.MAX_SAFE_INTEGER, n + 1).toArray();
    const more = rows.length > n;
    const events = rows.slice(0, n).map(rowToEvent);
    return { events, nextCursor: more ? String(events[events.length - 1].id) : null };
  }

  recordAudit({ actor, action, reason, summary }) {
    const at = Date.now();
    const row = this.sql.exec('INSERT INTO audit (at, actor, action, reason, summary) VALUES (?, ?, ?, ?, ?) RETURNING id',
      at, actor, action, reason ?? null, toJson(summary ?? {})).one();
    const entry = rowToAudit({ id: row.id, at, actor, action, reason: reason ?? null, summary: toJson(summary ?? {}) });
    this.broadcast({ id: undefined, at, type: 'audit', entry });
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
  upsertJob(summary) {
    const now = Date.now();
    this.sql.exec(`INSERT INTO jobs (id, created_at, updated_at, data) VALUES (?, ?, ?, ?)
      ON CONFLICT(id) DO UPDATE SET updated_at = excluded.updated_at, data = excluded.data`, summary.id, now, now, toJson(summary));
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
