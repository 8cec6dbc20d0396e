// RateBudget: one Durable Object per SdkAppID and API, the single place that decides when
// requests to that API may start, for every isolate and job of the app together.
//
// A sliding-window log of granted send times (unix ms). The service counts arrivals in any
// window of 1000 ms; a request sent at its granted time t arrives at t + d, d spread over
// at most LATE_MS + JITTER_MS (the gate uses a time at most LATE_MS late; the network adds
// its jitter) unless its gate reports it later (below), so the arrivals in one server second
// come from grants in one span of WINDOW_MS = 1000 + LATE_MS + JITTER_MS. The log keeps at most `limit` grants in any such span, so the service never sees more
// than `limit` in its second.
//
// Why a log and not a GCRA `tat`: a time the gate could not use (no request was waiting for
// it, the isolate was busy past LATE_MS, the request was aborted) is GIVEN BACK and removed
// from the log, which frees that capacity for the grants after it. A `tat` cannot re-issue
// time it has passed, so every unused permit was capacity lost for good.
//
// Counted where they arrived: a gate tells the budget, with its next lease, when each request
// most likely reached the service (its answer less the shortest round trip), and a request
// that left or travelled late (a stalled isolate, a busy host, the network) moves later in the
// log. The grants after it then leave room for it where it landed, so the window needs no
// margin for stalls: JITTER_MS covers the network's own spread between a request's release and
// what its answer reveals. (A margin that widened with every stall or slow round trip, its
// predecessor, cost 5-10% of the limit on this 2-core host: three clients together reached
// 0.87-0.90 of it; counted where they arrived, 0.91-0.93.)
//
// A restarted object must never hand out capacity already leased: it stores a watermark
// beyond the latest grant whenever a grant passes the stored one (storage is written about
// once a second, not per lease: a write holds the answer until it is durable) and, after a
// restart, grants nothing within a window of it.
import { DurableObject } from 'cloudflare:workers';
import { rateLimit } from './config.js';

/** How late (ms) the gate may still use a granted time; later ones it gives back. */
export const LATE_MS = 20;
/**
 * Spread (ms) of the delay from a gate's release to the service's arrival count that the
 * gate's reports do not reveal (network jitter within a round trip).
 */
export const JITTER_MS = 15;
/** The span (ms) whose grants may land in one server second. */
export const WINDOW_MS = 1000 + LATE_MS + JITTER_MS;
/**
 * Grants are at least this fraction of the even spacing (window / limit) apart: given-back
 * capacity is re-issued at up to 1/0.9 of the even rate, never as one burst (at 0.75 the
 * first second of a run held 4/3 of the rate, then a dip, and the pattern echoed a window
 * later).
 */
const MIN_SPACING = 0.9;
const MAX_COUNT = 100;
const MAX_RETURNS = 1000;
/** Counters go to the log at most this often (ms), and this long after the last lease. */
const LOG_EVERY_MS = 2000;
/** How far beyond the latest grant the stored watermark reaches (ms). */
const WATERMARK_MS = 1000;

export class RateBudget extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec('CREATE TABLE IF NOT EXISTS budget (k INTEGER PRIMARY KEY, watermark REAL NOT NULL)');
    const row = this.sql.exec('SELECT watermark FROM budget WHERE k = 0').toArray()[0];
    this.watermark = row?.watermark ?? 0;
    // After a restart: every earlier grant lies before the watermark, so nothing may be
    // granted within a window of it.
    this.floor = row === undefined ? 0 : this.watermark + WINDOW_MS;
    this.limit = Math.max(1, Math.floor(rateLimit(env)));
    /** Granted times not given back, ascending; older than a window before now: pruned. */
    this.log = [];
    this.loggedAt = 0;
    this.logTimer = undefined;
    this.counters = { leases: 0, granted: 0, returned: 0, moved: 0, reports: {} };
  }

  /**
   * `count` send times (unix ms, ascending), the first no earlier than now + `leadMs` (the
   * caller's round trip, so it has not passed on arrival; ≤ 200). `returned`: times from
   * earlier leases the caller will not use, removed from the log first. `report.moves`:
   * `[granted, arrivedBy]` pairs, where requests most likely reached the service (see
   * `move`); `report.counts`: the caller's counters since its last lease (summed into
   * `stats()`, observability only).
   */
  lease(count, leadMs = 0, returned = [], report = undefined) {
    const n = Math.min(Math.max(Math.trunc(Number(count)) || 0, 0), MAX_COUNT);
    const lead = Math.min(Math.max(Number(leadMs) || 0, 0), 200);
    const now = Date.now();
    this.prune(now);
    this.giveBack(returned);
    this.move(report?.moves);
    this.addReport(report);
    const windowMs = WINDOW_MS;
    const spacingMs = (MIN_SPACING * windowMs) / this.limit;
    const slots = [];
    let last = Math.max(this.floor, now + lead - spacingMs);
    if (this.log.length > 0) last = Math.max(last, this.log[this.log.length - 1]);
    for (let i = 0; i < n; i++) {
      let t = last + spacingMs;
      // At most `limit` grants in any window: the limit-th latest must be a window back.
      if (this.log.length >= this.limit) t = Math.max(t, this.log[this.log.length - this.limit] + windowMs);
      this.log.push(t);
      slots.push(t);
      last = t;
    }
    this.counters.leases++;
    this.counters.granted += n;
    if (n > 0 && last > this.watermark) {
      this.watermark = last + WATERMARK_MS;
      this.sql.exec('INSERT OR REPLACE INTO budget (k, watermark) VALUES (0, ?)', this.watermark);
    }
    this.logStats(now);
    return { slots, lateMs: LATE_MS, intervalMs: windowMs / this.limit };
  }

  /** The span (ms) whose grants may land in one server second. */
  windowMs() {
    return WINDOW_MS;
  }

  /** Grants older than a window before now constrain no future grant. */
  prune(now) {
    let i = 0;
    while (i < this.log.length && this.log[i] < now - WINDOW_MS) i++;
    if (i > 0) this.log.splice(0, i);
  }

  /** Remove given-back times that are in the log (anything else frees nothing). */
  giveBack(returned) {
    if (!Array.isArray(returned)) return;
    for (const t of returned.slice(0, MAX_RETURNS)) {
      if (typeof t !== 'number') continue;
      const i = this.log.lastIndexOf(t);
      if (i >= 0) {
        this.log.splice(i, 1);
        this.counters.returned++;
      }
    }
  }

  /**
   * Count requests where they most likely reached the service: `[granted, arrivedBy]` pairs
   * from the gates (answer time less the shortest round trip). A request held up after its
   * release moves later in the log, so the grants after it leave room for it there.
   */
  move(moves) {
    if (!Array.isArray(moves)) return;
    for (const m of moves.slice(0, MAX_RETURNS)) {
      if (!Array.isArray(m)) continue;
      const [from, to] = m;
      if (typeof from !== 'number' || typeof to !== 'number' || !(to > from) || !Number.isFinite(to)) continue;
      const i = this.log.lastIndexOf(from);
      if (i < 0) continue;
      this.log.splice(i, 1);
      let j = this.log.length;
      while (j > 0 && this.log[j - 1] > to) j--;
      this.log.splice(j, 0, to);
      this.counters.moved++;
    }
  }

  addReport(report) {
    const counts = report?.counts;
    if (counts === null || typeof counts !== 'object') return;
    for (const [k, v] of Object.entries(counts)) {
      if (typeof v === 'number' && Number.isFinite(v) && k.length <= 32) this.counters.reports[k] = (this.counters.reports[k] ?? 0) + v;
    }
  }

  /** The counters to the log every LOG_EVERY_MS while leases come, and once after they stop. */
  logStats(now) {
    clearTimeout(this.logTimer);
    const write = () => {
      this.loggedAt = Date.now();
      console.info(`[rate-budget] ${JSON.stringify(this.stats())}`);
    };
    if (now - this.loggedAt >= LOG_EVERY_MS) write();
    else this.logTimer = setTimeout(write, LOG_EVERY_MS);
  }

  stats() {
    return { ...this.counters, reports: { ...this.counters.reports }, windowMs: WINDOW_MS, lateMs: LATE_MS, limit: this.limit, logLength: this.log.length };
  }
}
