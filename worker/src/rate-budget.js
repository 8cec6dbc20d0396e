// RateBudget: one Durable Object per SdkAppID and API, the single place that decides when
// requests to that API may start, for every isolate and job of the app together.
//
// GCRA with no burst: send times are handed out evenly spaced, `interval` apart, from the
// theoretical arrival time `tat` (never earlier than now). Any window of one second then
// holds at most 1000 / interval of them. `tat` is stored, so a restarted object never hands
// out a time that was already leased.
import { DurableObject } from 'cloudflare:workers';
import { rateLimit } from './config.js';

/** Fraction of the service's limit held back for network jitter between us and the service. */
export const HEADROOM = 0.04;
const MAX_COUNT = 100;

export class RateBudget extends DurableObject {
  constructor(ctx, env) {
    super(ctx, env);
    this.sql = ctx.storage.sql;
    this.sql.exec('CREATE TABLE IF NOT EXISTS budget (k INTEGER PRIMARY KEY, tat REAL NOT NULL, leases INTEGER NOT NULL, permits INTEGER NOT NULL)');
    const row = this.sql.exec('SELECT tat, leases, permits FROM budget WHERE k = 0').toArray()[0];
    this.state = row ?? { tat: 0, leases: 0, permits: 0 };
    this.intervalMs = 1000 / (rateLimit(env) * (1 - HEADROOM));
  }

  /** `count` evenly spaced send times (unix ms), the first no earlier than now. */
  lease(count) {
    const n = Math.min(Math.max(Math.trunc(Number(count)) || 1, 1), MAX_COUNT);
    const now = Date.now();
    let tat = Math.max(this.state.tat, now);
    const slots = [];
    for (let i = 0; i < n; i++) { slots.push(tat); tat += this.intervalMs; }
    this.state = { tat, leases: this.state.leases + 1, permits: this.state.permits + n };
    this.sql.exec('INSERT OR REPLACE INTO budget (k, tat, leases, permits) VALUES (0, ?, ?, ?)', tat, this.state.leases, this.state.permits);
    return { slots, intervalMs: this.intervalMs };
  }

  stats() {
    return { leases: this.state.leases, permits: this.state.permits, intervalMs: this.intervalMs };
  }
}
