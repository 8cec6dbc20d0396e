// RateBudget: one Durable Object per SdkAppID and API, the single place that decides when
// requests to that API may start, for every isolate and job of the app together.
//
// GCRA with no burst: send times are handed out evenly spaced, `interval` apart, from the
// theoretical arrival time `tat` (never earlier than now). Any window of one second then
// holds at most 1000 / interval of them. A restarted object must never hand out a time that
// was already leased: it stores a watermark one second beyond `tat` whenever `tat` passes
// the stored one, so storage is written about once a second, not on every lease (a write
// holds the answer until it is durable).
import { DurableObject } from 'cloudflare:workers';
import { rateLimit } from './config.js';

/** Fraction of the service's limit held back for network jitter between us and the service. */
export const HEADROOM = 0.04;
const MAX_COUNT = 100;
/** How far beyond `tat` the stored watermark reaches (ms). */
const WATERMARK_MS = 1000;

export class RateBudget extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec('CREATE TABLE IF NOT EXISTS budget (k INTEGER PRIMARY KEY, watermark REAL NOT NULL)');
    const row = this.sql.exec('SELECT watermark FROM budget WHERE k = 0').toArray()[0];
    // After a restart: nothing before the watermark, which lies beyond every leased time.
    this.watermark = row?.watermark ?? 0;
    this.state = { tat: this.watermark, leases: 0, permits: 0 };
    this.intervalMs = 1000 / (rateLimit(env) * (1 - HEADROOM));
  }

  /**
   * `count` evenly spaced send times (unix ms), the first no earlier than now + `leadMs`
   * (the caller's round trip, so the first time has not passed when it arrives; ≤ 200).
   */
  lease(count, leadMs = 0) {
    const n = Math.min(Math.max(Math.trunc(Number(count)) || 1, 1), MAX_COUNT);
    const lead = Math.min(Math.max(Number(leadMs) || 0, 0), 200);
    const now = Date.now();
    let tat = Math.max(this.state.tat, now + lead);
    const slots = [];
    for (let i = 0; i < n; i++) { slots.push(tat); tat += this.intervalMs; }
    this.state = { tat, leases: this.state.leases + 1, permits: this.state.permits + n };
    if (tat > this.watermark) {
      this.watermark = tat + WATERMARK_MS;
      this.sql.exec('INSERT OR REPLACE INTO budget (k, watermark) VALUES (0, ?)', this.watermark);
    }
    return { slots, intervalMs: this.intervalMs };
  }

  stats() {
    return { leases: this.state.leases, permits: this.state.permits, intervalMs: this.intervalMs };
  }
}
