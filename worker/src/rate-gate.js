// The client's side of the app-wide rate budget: a `rateGate` for RecallClient that leases
// send times in small blocks from the RateBudget Durable Object (one per SdkAppID and API),
// so a request costs a Durable Object round trip only once per block, not each time. One
// gate serves one client within one request (Workers do not share I/O between requests).
//
// A leased send time is an absolute time (ms). Times are evenly spaced by the object across
// every isolate and job, so requests started at their times stay under the service's limit
// as the service counts arrivals. A time that has already passed by more than LATE_MS is
// dropped, never used late, so late timers cannot bunch requests together.

/** Largest block leased at once: small, so permits are not hoarded by one isolate. */
export const MAX_BLOCK = 10;
/** A permit this late (ms) is discarded rather than used. */
export const LATE_MS = 25;

function abortError() {
  const e = new Error('the operation was aborted');
  e.name = 'AbortError';
  return e;
}

export class LeasedRateGate {
  constructor(env, sdkAppId) {
    this.env = env;
    this.sdkAppId = sdkAppId;
    /** Per API: leased times not yet handed out, waiting acquirers, whether a lease is out. */
    this.lanes = new Map();
    this.stats = { leases: 0, permits: 0, dropped: 0 };
  }

  lane(api) {
    let lane = this.lanes.get(api);
    if (lane === undefined) {
      const ns = this.env.RATE_BUDGET;
      lane = { api, slots: [], waiters: [], leasing: false, stub: ns.get(ns.idFromName(`${this.sdkAppId}/${api}`)) };
      this.lanes.set(api, lane);
    }
    return lane;
  }

  /** The RateGate interface of the package: resolves when one request to `api` may start. */
  acquire(api, signal) {
    return new Promise((resolve, reject) => {
      if (signal?.aborted) { reject(abortError()); return; }
      const lane = this.lane(String(api));
      const w = { resolve, reject, timer: undefined, signal, onAbort: undefined };
      w.onAbort = () => {
        clearTimeout(w.timer);
        const i = lane.waiters.indexOf(w);
        if (i >= 0) lane.waiters.splice(i, 1);
        reject(abortError());
      };
      signal?.addEventListener('abort', w.onAbort, { once: true });
      lane.waiters.push(w);
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
      const go = () => {
        w.signal?.removeEventListener('abort', w.onAbort);
        w.resolve();
      };
      if (at <= now) go();
      else w.timer = setTimeout(go, at - now);
    }
    if (lane.waiters.length > 0 && !lane.leasing) this.lease(lane);
  }

  async lease(lane) {
    lane.leasing = true;
    try {
      const count = Math.min(Math.max(lane.waiters.length, 1), MAX_BLOCK);
      const { slots } = await lane.stub.lease(count);
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
