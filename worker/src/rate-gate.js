// The client's side of the app-wide rate budget: a `rateGate` for RecallClient that leases
// send times in small blocks from the RateBudget Durable Object (one per SdkAppID and API),
// so a request costs a Durable Object round trip only once per block, not each time. One
// gate serves one client within one request (Workers do not share I/O between requests).
//
// A leased send time is an absolute time (ms). The object spaces them so that, used on time
// or at most `lateMs` late, no second of the service holds more than the limit (see
// rate-budget.js). A time the gate cannot use within that — nobody was waiting for it, or
// the isolate was busy until it was too late, or its request was aborted — is never used:
// it is GIVEN BACK with the next lease, and the object hands that capacity out again.

/**
 * Most times one gate holds per API at once (in hand or assigned to a waiting request),
 * about 85 ms of the whole budget: the shared queue stays short, so a time given back is
 * handed out again soon and no client books the budget far ahead; yet it covers a lease
 * round trip, so a busy client does not wait for leases.
 */
export const MAX_HELD = 16;

/** Most arrival corrections one lane sends with a lease. */
const MAX_MOVES = 256;

/** Lateness buckets (ms, upper bounds) of the permits used, for the budget's report. */
const LATE_BUCKETS = [0, 2, 5, 10, 20, 50];

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
    /** Counters since the last lease; sent with the next one (the budget sums them). */
    this.counts = {};
    /** Lease round trip (ms), smoothed: leases ask for times at least this far ahead. */
    this.rttMs = 20;
    /** The budget's even spacing of send times (ms), known after the first lease. */
    this.intervalMs = 5;
    /** How late a leased time may still be used (ms); the budget says, with each lease. */
    this.lateMs = 0;
    /** The shortest request round trip seen (ms): what an answer less it says of the arrival. */
    this.minRttMs = Infinity;
    /** Permits released to requests that have not called `fetch` yet, oldest first. */
    this.released = [];
    /** The `fetch` option for the client using this gate: the global fetch, timed. */
    this.fetch = (url, init) => this.timedFetch(url, init);
  }

  /**
   * The client's fetch: the global fetch, timed. The package calls it right after `acquire`
   * resolves, in the same order (one microtask hop), so the oldest permit released and not yet
   * fetched is this request's. When the answer comes, the request most likely reached the
   * service no later than `answer - shortest round trip`; if that is later than its permit,
   * the budget is told (with the next lease) and counts it there: a request held up between
   * its release and the service (a busy isolate or host, the network) then cannot crowd a
   * server second unseen, without widening the window for everyone.
   */
  async timedFetch(url, init) {
    const permit = this.released.shift();
    const t0 = Date.now();
    const response = await fetch(url, init);
    const t1 = Date.now();
    const rtt = t1 - t0;
    this.minRttMs = Math.min(this.minRttMs, rtt);
    if (permit !== undefined) {
      const arrivedBy = t1 - this.minRttMs;
      if (arrivedBy > permit.at + 1 && permit.lane.moves.length < MAX_MOVES) {
        permit.lane.moves.push([permit.at, arrivedBy]);
        this.count('moved');
      }
    }
    return response;
  }

  count(key, n = 1) {
    this.counts[key] = (this.counts[key] ?? 0) + n;
  }

  /**
   * One API's state: `slots` leased times not yet handed out; `waiters` acquirers without a
   * time; `due` acquirers with a time, in time order, woken by one timer (one timer per
   * lane, not per request: fewer wake-ups in a busy isolate); `returns` times to give back
   * with the next lease; whether a lease is out.
   */
  lane(api) {
    let lane = this.lanes.get(api);
    if (lane === undefined) {
      const ns = this.env.RATE_BUDGET;
      lane = { api, slots: [], waiters: [], due: [], returns: [], moves: [], timer: undefined, timerAt: Infinity, leasing: false, lastAcquireAt: 0,
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
        const i = lane.waiters.indexOf(w);
        if (i >= 0) lane.waiters.splice(i, 1);
        const j = lane.due.indexOf(w);
        if (j >= 0) {
          // Its time will not be used: the budget can hand it out again.
          lane.due.splice(j, 1);
          lane.returns.push(w.at);
          this.count('returnedAborted');
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
    // Times that passed while nobody waited for them go back to the budget.
    while (lane.slots.length > 0 && lane.slots[0] < now - this.lateMs) {
      lane.returns.push(lane.slots.shift());
      this.count('returnedUnused');
    }
    // Late requests queue again first: they may take the next times in hand.
    do {
      while (lane.waiters.length > 0 && lane.slots.length > 0) {
        const w = lane.waiters.shift();
        w.at = lane.slots.shift();
        lane.due.push(w);
      }
    } while (this.release(lane) > 0 && lane.slots.length > 0);
    if (lane.leasing) return;
    // Lease when someone waits, and ahead of time while requests keep coming and the
    // times in hand would run out within a round trip: no request waits for the lease.
    // Otherwise a lease of nothing just gives back what is to be given back.
    const ahead = Math.ceil(this.rttMs / this.intervalMs);
    const busy = now - lane.lastAcquireAt < Math.max(this.rttMs, 2 * this.intervalMs);
    // Lease again once half of what a gate may hold is used: blocks of several times, not a
    // lease for every time used.
    const room = lane.due.length + lane.slots.length <= MAX_HELD / 2;
    const prefetch = room && busy && lane.slots.length < ahead;
    if ((room && lane.waiters.length > 0) || prefetch || lane.returns.length > 0) this.lease(lane, prefetch);
  }

  /**
   * Let go every request whose time has come, and arm the lane's timer for the next one. A
   * time missed by more than `lateMs` (the isolate was busy) is not used: the budget's
   * window only covers that much lateness. Those requests queue again, first, for a new
   * time, and their old times go back to the budget.
   */
  release(lane) {
    const now = Date.now();
    let late = 0;
    while (lane.due.length > 0 && lane.due[0].at <= now) {
      const w = lane.due.shift();
      const lateness = now - w.at;
      if (lateness > this.lateMs) {
        lane.returns.push(w.at);
        lane.waiters.splice(late++, 0, w);
        this.count('returnedLate');
        this.count(`late<=${[20, 35, 50, 75, 100, 150, 250].find((b) => lateness <= b) ?? 'more'}ms`);
        continue;
      }
      w.signal?.removeEventListener('abort', w.onAbort);
      this.count(`used<=${LATE_BUCKETS.find((b) => lateness <= b) ?? 'more'}ms`);
      if (this.released.length < MAX_MOVES) this.released.push({ lane, at: w.at });
      w.resolve();
    }
    const next = lane.due.length > 0 ? lane.due[0].at : Infinity;
    if (next !== lane.timerAt) {
      clearTimeout(lane.timer);
      lane.timerAt = next;
      lane.timer = next === Infinity ? undefined : setTimeout(() => {
        lane.timerAt = Infinity;
        lane.timer = undefined;
        this.pump(lane);
      }, Math.max(next - now, 0));
    }
    return late;
  }

  /**
   * The client is done: give back every time still in hand and deliver the last arrival
   * reports, in one lease of nothing per lane. Never throws (a budget out of reach keeps the
   * times: capacity unused, never capacity used twice).
   */
  async close() {
    const pending = [];
    for (const lane of this.lanes.values()) {
      clearTimeout(lane.timer);
      lane.timer = undefined;
      lane.timerAt = Infinity;
      lane.returns.push(...lane.slots.splice(0));
      if (lane.returns.length === 0 && lane.moves.length === 0) continue;
      const report = { counts: this.counts, moves: lane.moves.splice(0) };
      this.counts = {};
      pending.push(lane.stub.lease(0, 0, lane.returns.splice(0), report).catch(() => {}));
    }
    await Promise.all(pending);
  }

  async lease(lane, prefetch) {
    lane.leasing = true;
    const returns = lane.returns.splice(0);
    const report = { counts: this.counts, moves: lane.moves.splice(0) };
    this.counts = {};
    try {
      // Enough for who waits now and, while requests keep coming, for what arrives during
      // the next two round trips.
      const ahead = lane.waiters.length > 0 || prefetch ? Math.ceil((2 * this.rttMs) / this.intervalMs) : 0;
      const room = MAX_HELD - lane.due.length - lane.slots.length;
      const count = Math.max(Math.min(lane.waiters.length + ahead, room), 0);
      const t0 = Date.now();
      const { slots, lateMs, intervalMs } = await lane.stub.lease(count, Math.ceil(this.rttMs), returns, report);
      if (count > 0) this.rttMs = 0.8 * this.rttMs + 0.2 * Math.min(Date.now() - t0, 200);
      this.lateMs = lateMs;
      this.intervalMs = intervalMs;
      this.count('leases');
      this.count('permits', slots.length);
      lane.slots.push(...slots);
    } catch (e) {
      // The budget could not be reached: fail the waiting attempts (the client retries
      // them as network failures) rather than send without permission. The times to give
      // back stay lost: capacity unused, never capacity used twice.
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
