// The client's side of the app-wide rate budget: a `rateGate` for RecallClient that leases
// send times in small blocks from the RateBudget Durable Object (one per SdkAppID and API),
// so a request costs a Durable Object round trip only once per block, not each time. One
// gate serves one client within one request (Workers do not share I/O between requests).
//
// A leased send time is an absolute time (ms). Times are evenly spaced by the object across
// every isolate and job, so requests started at their times stay under the service's limit
// as the service counts arrivals. A time that has already passed by more than LATE_MS is
// dropped, never used late (neither when it is handed out nor when its timer fires), so
// late timers cannot bunch requests together.

/**
 * Largest block leased at once (about 170 ms of the whole budget at 192/s): small, so a
 * client that stops leaves few permits unused, yet enough to cover a slow round trip.
 */
export const MAX_BLOCK = 32;
/** A permit this late (ms) is discarded rather than used. */
export const LATE_MS = 10;

function abortError() {
  const e = new Error('the operation was aborted');
  e.name = 'AbortError';
  return e;
}

export class LeasedRateGate {
  constructor(env, sdkAppId) {
    this.env = env;
    this.sdkAppId = sdkAppId;
    /** Per API, see `lane`. */
    this.lanes = new Map();
    this.stats = { leases: 0, permits: 0, dropped: 0 };
    /** Lease round trip (ms), smoothed: leases ask for times at least this far ahead. */
    this.rttMs = 20;
    /** The budget's spacing of send times (ms), known after the first lease. */
    this.intervalMs = 5;
  }

  /**
   * One API's state: `slots` leased times not yet handed out; `waiters` acquirers without a
   * time; `due` acquirers with a time, in time order, woken by one timer (one timer per
   * lane, not per request: fewer wake-ups in a busy isolate); whether a lease is out.
   */
  lane(api) {
    let lane = this.lanes.get(api);
    if (lane === undefined) {
      const ns = this.env.RATE_BUDGET;
      lane = { api, slots: [], waiters: [], due: [], timer: undefined, timerAt: Infinity, leasing: false, lastAcquireAt: 0,
        stub: ns.get(ns.idFromName(`${this.sdkAppId}/${api}`)) };
      this.lanes.set(api, lane);
    }
    return lane;
  }

  /** The RateGate interface of the package: resolves when one request to `api` may start. */
  acquire(api, signal) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) { reject(abortError()); return; }
      const lane = this.lane(String(api));
      const w = { resolve, reject, signal, onAbort: undefined, at: 0 };
      w.onAbort = () => {
        for (const list of [lane.waiters, lane.due]) {
          const i = list.indexOf(w);
          if (i >= 0) list.splice(i, 1);
        }
        reject(abortError());
      };
      signal?.addEventListener('abort', w.onAbort, { once: true });
      lane.waiters.push(w);
      lane.lastAcquireAt = Date.now();
      this.pump(lane);
    });
  }

  /** Hand leased times to waiters in arrival order; lease more when they run out. */
  pump(lane) {
    const now = Date.now();
    while (lane.waiters.length > 0 && lane.slots.length > 0) {
      const at = lane.slots.shift();
      if (at < now - LATE_MS) { this.stats.dropped++; continue; }
      const w = lane.waiters.shift();
      w.at = at;
      lane.due.push(w);
    }
    this.release(lane);
    if (lane.leasing) return;
    // Lease when someone waits, and ahead of time while requests keep coming and the
    // times in hand would run out within a round trip: no request waits for the lease.
    const ahead = Math.ceil(this.rttMs / this.intervalMs);
    const busy = now - lane.lastAcquireAt < Math.max(this.rttMs, 2 * this.intervalMs);
    if (lane.waiters.length > 0 || (busy && lane.slots.length < ahead)) this.lease(lane);
  }

  /**
   * Let go every request whose time has come, and arm the lane's timer for the next one. A
   * time missed by more than LATE_MS (the isolate was busy) is not used: requests held up
   * together would arrive together. Those queue again, first, for a new time.
   */
  release(lane) {
    const now = Date.now();
    const late = [];
    while (lane.due.length > 0 && lane.due[0].at <= now) {
      const w = lane.due.shift();
      if (now - w.at > LATE_MS) {
        this.stats.dropped++;
        late.push(w);
        continue;
      }
      w.signal?.removeEventListener('abort', w.onAbort);
      w.resolve();
    }
    if (late.length > 0) {
      lane.waiters.unshift(...late);
      this.pump(lane);
      return;
    }
    const next = lane.due.length > 0 ? lane.due[0].at : Infinity;
    if (next !== lane.timerAt) {
      clearTimeout(lane.timer);
      lane.timerAt = next;
      lane.timer = next === Infinity ? undefined : setTimeout(() => {
        lane.timerAt = Infinity;
        lane.timer = undefined;
        this.release(lane);
      }, Math.max(next - now, 0));
    }
  }

  async lease(lane) {
    lane.leasing = true;
    try {
      // Enough for who waits now and for what arrives during the next two round trips.
      const count = Math.min(lane.waiters.length + Math.ceil((2 * this.rttMs) / this.intervalMs), MAX_BLOCK);
      const t0 = Date.now();
      const { slots, intervalMs } = await lane.stub.lease(count, Math.ceil(this.rttMs));
      this.rttMs = 0.8 * this.rttMs + 0.2 * Math.min(Date.now() - t0, 200);
      this.intervalMs = intervalMs;
      this.stats.leases++;
      this.stats.permits += slots.length;
      lane.slots.push(...slots);
    } catch (e) {
      // The budget could not be reached: fail the waiting attempts (the client retries
      // them as network failures) rather than send without permission.
      for (const w of lane.waiters.splice(0)) {
        w.signal?.removeEventListener('abort', w.onAbort);
        w.reject(new Error(`rate budget unavailable: ${e?.message ?? e}`));
      }
    } finally {
      lane.leasing = false;
    }
    this.pump(lane);
  }
}
