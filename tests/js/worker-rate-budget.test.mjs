// The RateBudget's arithmetic on its own, in Node with a hand-set clock (the object reads
// Date.now()): at most `limit` grants in any window, given-back times handed out again,
// requests counted where their gates report they arrived, and a restarted object
// never granting within a window of what it leased before. The same class runs in workerd
// in the worker-rate suite; here `cloudflare:workers` (the DurableObject base class) and the
// Worker's config module are replaced by minimal stand-ins.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { register } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repo } from './install.mjs';

const hooks = `
export async function resolve(specifier, context, next) {
  if (specifier === 'cloudflare:workers') {
    return { url: 'data:text/javascript,export class DurableObject { constructor(ctx, env) { this.ctx = ctx; this.env = env; } }', shortCircuit: true };
  }
  if (specifier === './config.js' && context.parentURL?.endsWith('/rate-budget.js')) {
    return { url: 'data:text/javascript,export const rateLimit = (env) => Number(env.RATE_LIMIT_PER_SECOND);', shortCircuit: true };
  }
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(hooks)}`);
const { RateBudget, LATE_MS, JITTER_MS, WINDOW_MS } = await import(pathToFileURL(join(repo, 'worker', 'src', 'rate-budget.js')).href);

const LIMIT = 200;
let clock = 1_700_000_000_000;
const realNow = Date.now;
const realInfo = console.info;
Date.now = () => clock;
console.info = () => {};
after(() => { Date.now = realNow; console.info = realInfo; });

/** Durable Object storage's `sql.exec` for the one table the budget keeps. */
function fakeStorage() {
  let row;
  return { sql: { exec(query, ...args) {
    if (query.startsWith('INSERT')) row = { watermark: args[0] };
    return { toArray: () => (query.startsWith('SELECT') && row ? [row] : []) };
  } } };
}
const budget = (storage = fakeStorage()) => new RateBudget({ storage }, { RATE_LIMIT_PER_SECOND: String(LIMIT) });

/** The most of `times` in any half-open span of `spanMs`. */
function maxInSpan(times, spanMs) {
  const t = [...times].sort((a, b) => a - b);
  let best = 0;
  for (let hi = 0, lo = 0; hi < t.length; hi++) {
    while (t[hi] - t[lo] >= spanMs) lo++;
    best = Math.max(best, hi - lo + 1);
  }
  return best;
}

test('RateBudget: never more than the limit in any window, whatever the leases ask', () => {
  const b = budget();
  const slots = [];
  let seed = 7;
  const rnd = (n) => { seed = (Math.imul(seed, 1103515245) + 12345) >>> 0; return (seed >>> 8) % n; };
  for (let i = 0; i < 400; i++) {
    const { slots: s } = b.lease(1 + rnd(32), rnd(50));
    for (const t of s) assert.ok(t >= clock, 'no time in the past');
    slots.push(...s);
    clock += rnd(25);
  }
  const windowMs = 1000 + LATE_MS + JITTER_MS;
  assert.equal(b.windowMs(), windowMs);
  assert.equal(WINDOW_MS, windowMs);
  assert.ok(slots.length > 2 * LIMIT);
  assert.ok(maxInSpan(slots, windowMs) <= LIMIT, `at most ${LIMIT} in any ${windowMs} ms`);
  // ...and no burst: the times are at least 0.9 of the even spacing apart.
  const sorted = [...slots].sort((a, b) => a - b);
  for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i] - sorted[i - 1] >= (0.9 * windowMs) / LIMIT - 1e-3); // (ms since 1970: float steps of ~2e-4)
  // Asked for more than it can give, it gives the whole of it: the limit per window.
  const spanMs = sorted.at(-1) - sorted[0];
  assert.ok((slots.length - 1) / spanMs >= (0.99 * LIMIT) / windowMs, `${slots.length} times over ${spanMs} ms`);
});

test('RateBudget: times given back are handed out again; unknown ones free nothing', () => {
  const kept = budget();
  const given = budget();
  // A full window booked at once: the limit's worth of times, then the window is full.
  const t0 = clock;
  const g = [];
  for (const b of [kept, given]) {
    const slots = [...b.lease(100).slots, ...b.lease(100).slots];
    assert.equal(slots.length, LIMIT);
    if (b === given) g.push(...slots);
  }
  clock = g[99] + 1;
  // 50 times that have just passed are given back: their requests never left.
  const back = g.slice(50, 100);
  const a = kept.lease(1, 0, [1, 2, back[0] + 0.5]).slots[0];
  const b = given.lease(1, 0, [...back, 1, 2]).slots[0];
  assert.equal(kept.stats().returned, 0, 'a time that was not granted frees nothing');
  assert.equal(given.stats().returned, 50);
  // Without them, the next time waits for the window to move on; with them, it comes at once.
  assert.ok(a >= t0 + WINDOW_MS, `kept: ${a - t0} ms`);
  assert.ok(b < t0 + WINDOW_MS - 50, `with 50 times back: ${b - t0} ms`);
  assert.ok(maxInSpan([...g.filter((t) => !back.includes(t)), b], given.windowMs()) <= LIMIT);
  // Given back twice, a time frees one place only.
  given.lease(0, 0, back);
  assert.equal(given.stats().returned, 50);
});

test('RateBudget: a request reported late is counted where it arrived; nonsense reports move nothing', () => {
  const b = budget();
  // A full window of grants.
  const g = [];
  while (g.length < LIMIT) g.push(...b.lease(20).slots);
  const first = g[0];
  // The first request was held up 300 ms on its way (a stalled isolate): its gate says so.
  clock = first + 400;
  b.lease(0, 0, [], { moves: [[first, first + 300], [first, first - 5], ['x', 1], [12345, 99999], null], counts: { moved: 1 } });
  assert.equal(b.stats().moved, 1, 'only the one real, later move');
  // The window that holds the late arrival holds no more than the limit with what comes next.
  const next = b.lease(20).slots;
  const arrivals = [...g.slice(1), first + 300, ...next];
  assert.ok(maxInSpan(arrivals, WINDOW_MS) <= LIMIT, `at most ${LIMIT} counting the late one where it arrived`);
  // Without the report, the next grants would have come 300 ms sooner for that place.
  const plain = budget();
  const h = [];
  clock = first;
  while (h.length < LIMIT) h.push(...plain.lease(20).slots);
  clock = first + 400;
  const plainNext = plain.lease(20).slots;
  assert.ok(next[0] >= plainNext[0], 'the late arrival keeps its place in the window');
  assert.deepEqual(b.stats().reports, { moved: 1 });
});

test('RateBudget: a restarted object grants nothing within a window of what it leased', () => {
  const storage = fakeStorage();
  const first = budget(storage);
  let last = 0;
  for (let i = 0; i < 5; i++) last = first.lease(100).slots.at(-1);
  const again = budget(storage);
  const next = again.lease(1).slots[0];
  assert.ok(next >= last + 1000 + LATE_MS + JITTER_MS, `after a restart: ${next - last} ms after the last grant`);
});

test('LeasedRateGate: closing gives back the times it still holds and delivers its last reports', async () => {
  const { LeasedRateGate } = await import(pathToFileURL(join(repo, 'worker', 'src', 'rate-gate.js')).href);
  const b = budget();
  // The RATE_BUDGET namespace, its stub calling the real object (as Durable Object RPC would).
  const env = { RATE_BUDGET: { idFromName: (n) => n, get: () => ({ lease: async (...args) => b.lease(...args) }) } };
  const gate = new LeasedRateGate(env, 1400000000);
  // One request: the gate leases a block ahead (it prefetches while requests keep coming).
  const api = 'group_open_http_svc/group_msg_recall';
  const acquired = gate.acquire(api);
  await new Promise((r) => setImmediate(r));
  const granted = b.stats().granted;
  assert.ok(granted >= 2, `leased ${granted}`);
  // The request's time comes (on the hand-set clock), and it goes.
  const lane = gate.lane(api);
  assert.equal(lane.due.length, 1);
  clock = lane.due[0].at;
  gate.pump(lane);
  await acquired;
  await gate.close();
  assert.equal(b.stats().returned, granted - 1, 'all but the one used went back');
});
