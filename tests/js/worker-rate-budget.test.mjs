// The RateBudget's arithmetic on its own, in Node with a hand-set clock (the object reads
// Date.now()): at most `limit` grants in any window, given-back times handed out again,
// the window widening after a reported stall and shrinking back, and a restarted object
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
const { RateBudget, LATE_MS, JITTER_MS } = await import(pathToFileURL(join(repo, 'worker', 'src', 'rate-budget.js')).href);

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
  assert.equal(b.windowMs(), windowMs, 'no stall reported: the least window');
  assert.ok(slots.length > 2 * LIMIT);
  assert.ok(maxInSpan(slots, windowMs) <= LIMIT, `at most ${LIMIT} in any ${windowMs} ms`);
  // ...and no burst: the times are at least 3/4 of the even spacing apart.
  const sorted = [...slots].sort((a, b) => a - b);
  for (let i = 1; i < sorted.length; i++) assert.ok(sorted[i] - sorted[i - 1] >= (0.75 * windowMs) / LIMIT - 1e-9);
  // Asked for more than it can give, it gives the whole of it: the limit per window.
  const spanMs = sorted.at(-1) - sorted[0];
  assert.ok((slots.length - 1) / spanMs >= (0.99 * LIMIT) / windowMs, `${slots.length} times over ${spanMs} ms`);
});

test('RateBudget: times given back are handed out again; unknown ones free nothing', () => {
  const kept = budget();
  const given = budget();
  // Both asked for a little more than the limit for 3 s: their grants run at the limit.
  const g = [];
  for (let i = 0; i < 60; i++) {
    kept.lease(11);
    g.push(...given.lease(11).slots);
    clock += 50;
  }
  // 50 times that have just passed are given back: their requests never left.
  const back = g.filter((t) => t <= clock).slice(-50);
  assert.equal(back.length, 50);
  const a = kept.lease(100, 0, [1, 2, back[0] + 0.5]).slots;
  const b = given.lease(100, 0, [...back, 1, 2]).slots;
  assert.equal(kept.stats().returned, 0, 'a time that was not granted frees nothing');
  assert.equal(given.stats().returned, 50);
  // The window holds 50 places more: the next 100 times come sooner.
  assert.ok(b.at(-1) < a.at(-1) - 50, `with 50 times back the next 100 end ${a.at(-1) - b.at(-1)} ms earlier`);
  assert.ok(maxInSpan([...g.filter((t) => !back.includes(t)), ...b], given.windowMs()) <= LIMIT);
  // Given back twice, a time frees one place only.
  given.lease(0, 0, back);
  assert.equal(given.stats().returned, 50);
});

test('RateBudget: a reported stall widens the window, which shrinks back with time', () => {
  const b = budget();
  const least = 1000 + LATE_MS + JITTER_MS;
  b.lease(1, 0, [], { stallMs: 10, counts: { 'used<=10ms': 1 } });
  assert.equal(b.windowMs(), least, 'a stall within the margin changes nothing');
  b.lease(1, 0, [], { stallMs: 200, counts: { returnedLate: 3 } });
  assert.equal(b.windowMs(), 1000 + LATE_MS + 300, 'one and a half times the stall');
  clock += 5000;
  assert.ok(Math.abs(b.windowMs() - (least + (300 - JITTER_MS) / 2)) < 1e-6, 'half of the extra margin after one half-life');
  clock += 60_000;
  assert.ok(b.windowMs() - least < 0.1);
  // A round trip 120 ms longer than the gate's shortest: a request may have arrived that late.
  b.lease(1, 0, [], { rttSpreadMs: 120 });
  assert.equal(b.windowMs(), 1000 + LATE_MS + 120);
  b.lease(1, 0, [], { stallMs: 1e9 });
  assert.ok(b.windowMs() <= 1000 + LATE_MS + 400, 'the margin is bounded');
  const s = b.stats();
  assert.deepEqual(s.reports, { 'used<=10ms': 1, returnedLate: 3 });
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
