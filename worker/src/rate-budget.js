// RateBudget: one Durable Object per SdkAppID and API, the single place that decides when
// requests to that API may start, for every isolate and job of the app together.
//
// A sliding-window log of granted send times (unix ms). The service counts arrivals in any
// window of 1000 ms; a request sent at its granted time t arrives at t + d, d spread over
// at most LATE_MS + margin (the gate uses a time at most LATE_MS late; network jitter and a
// late wake-up of the sender between its release and its fetch add the margin), so the
// arrivals in one server second come from grants in one span of 1000 + LATE_MS + margin
// ms. The log keeps at most `limit` grants in any such span, so the service never sees more
// than `limit` in its second.
//
// Why a log and not a GCRA `tat`: a time the gate could not use (no request was waiting for
// it, the isolate was busy past LATE_MS, the request was aborted) is GIVEN BACK and removed
// from the log, which frees that capacity for the grants after it. A `tat` cannot re-issue
// time it has passed, so every unused permit was capacity lost for good.
//
// The margin adapts: JITTER_MS on a host that keeps up; when a gate reports that it released
// times late (its isolate or host falls behind, and a released request may wait as long
// again before it leaves), the margin grows to that stall and decays with a half-life.
//
// A restarted object must never hand out capacity already leased: it stores a watermark
// beyond the latest grant whenever a grant passes the stored one (storage is written about
// once a second, not per lease: a write holds the answer until it is durable) and, after a
// restart, grants nothing within the widest window of it.
import { DurableObject } from 'cloudflare:workers';
import { rateLimit } from './config.js';

/** How late (ms) the gate may still use a granted time; later ones it gives back. */
export const LATE_MS = 20;
/**
 * Spread (ms) of the delay from the gate's release to the service's arrival count on a
 * host that keeps up: network jitter, and a late wake-up of the sender between its release
 * and its fetch. The least margin; see `windowMs` for a host that falls behind.
 */
export const JITTER_MS = 30;
/**
 * The margin after a reported stall, per ms of it: a request released just before a stall
 * leaves after it, on top of the network's own jitter.
 */
const STALL_FACTOR = 1.5;
/** The most stall margin (ms) the window takes on. */
const MAX_JITTER_MS = 400;
/** Half-life (ms) of a reported stall in the margin: the window shrinks back as it passes. */
const STALL_HALF_LIFE_MS = 5000;
/**
 * Grants are at least this fraction of the even spacing (window / limit) apart: given-back
 * capacity is re-issued at up to 4/3 of the even rate, never as one burst.
 */
const MIN_SPACING = 0.75;
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
    this.floor = row === undefined ? 0 : this.watermark + 1000 + LATE_MS + MAX_JITTER_MS;
    this.limit = Math.max(1, Math.floor(rateLimit(env)));
    /** Stall margin (ms) now, and when it was last raised (see `noteStall`). */
    this.jitter = { ms: JITTER_MS, at: 0 };
    /** Granted times not given back, ascending; older than a window before now: pruned. */
    this.log = [];
    this.loggedAt = 0;
    this.logTimer = undefined;
    this.counters = { leases: 0, granted: 0, returned: 0, reports: {} };
  }

  /**
   * `count` send times (unix ms, ascending), the first no earlier than now + `leadMs` (the
   * caller's round trip, so it has not passed on arrival; ≤ 200). `returned`: times from
   * earlier leases the caller will not use, removed from the log first. `report`: the
   * caller's counters since its last lease (summed into `stats()`, observability only),
   * `stallMs`, the latest it released a time since then, and `rttSpreadMs`, the most a
   * request's round trip exceeded its shortest (see `windowMs`).
   */
  lease(count, leadMs = 0, returned = [], report = undefined) {
    const n = Math.min(Math.max(Math.trunc(Number(count)) || 0, 0), MAX_COUNT);
    const lead = Math.min(Math.max(Number(leadMs) || 0, 0), 200);
    const now = Date.now();
    this.prune(now);
    this.giveBack(returned);
    this.addReport(report, now);
    const windowMs = this.windowMs(now);
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

  /**
   * The span (ms) whose grants may land in one server second: 1000 + LATE_MS + the stall
   * margin. A gate that releases times late is in an isolate (or on a host) that falls behind;
   * a request it releases may then wait as long again before it leaves, so the margin grows
   * to 1.5 times the stall reported. A round trip longer than usual by D says a request may
   * have reached the service up to D late (a busy host outside the isolate, the network):
   * the margin grows to D. Either way it then shrinks back with a half-life. Where the host is that busy
   * the clients cannot use the full rate anyway; the margin costs least exactly there.
   */
  windowMs(now = Date.now()) {
    const extra = (this.jitter.ms - JITTER_MS) * 0.5 ** (Math.max(now - this.jitter.at, 0) / STALL_HALF_LIFE_MS);
    return 1000 + LATE_MS + JITTER_MS + extra;
  }

  /** Widen the margin to `marginMs` if it is wider than the margin now. */
  noteStall(marginMs, now) {
    const current = this.windowMs(now) - 1000 - LATE_MS;
    const reported = Math.min(Math.max(marginMs, 0), MAX_JITTER_MS);
    if (reported > current) this.jitter = { ms: reported, at: now };
  }

  /** Grants older than the widest window before now constrain no future grant. */
  prune(now) {
    let i = 0;
    while (i < this.log.length && this.log[i] < now - (1000 + LATE_MS + MAX_JITTER_MS)) i++;
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

  addReport(report, now) {
    if (report === null || typeof report !== 'object') return;
    // A release late by S: a released request may wait as long again (1.5 S). A round trip
    // longer than the gate's shortest by D: a request may have reached the service D late.
    const stall = Number.isFinite(report.stallMs) ? report.stallMs * STALL_FACTOR : 0;
    const spread = Number.isFinite(report.rttSpreadMs) ? report.rttSpreadMs : 0;
    if (stall > 0 || spread > 0) this.noteStall(Math.max(stall, spread), now);
    const counts = report.counts;
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
    return { ...this.counters, reports: { ...this.counters.reports }, windowMs: Math.round(this.windowMs()), lateMs: LATE_MS, limit: this.limit, logLength: this.log.length };
  }
}
