// One rate budget for the whole app, in real workerd against the emulator: three concurrent
// clients (two direct API callers and one durable job) recalling through the Worker never
// push the emulator past its per-second limit (zero 60007s counted by the emulator) and
// together reach at least 90% of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, measureThreeClients } from './worker-stack.mjs';

const LIMIT = 200;
/** Messages per client: 800 requests each, ~13 s together at the limit (long enough that the
 * first lease and the last answers weigh little in the aggregate). */
const N = 8000;

test('Worker rate budget: two API callers and a job together stay under the limit and reach 90% of it', { timeout: 180_000 }, async (t) => {
  // Without wrangler's DevTools proxy, as deployed: it forwards the inspector events of every
  // outbound fetch to Node and takes ~1.2 of this host's 2 cores at this rate (startWrangler).
  const stack = await startStack({ withCallbacks: false, rateLimit: LIMIT, devtools: false,
    emulatorArgs: ['--seed-group', `wrate-a:Public:${N}`, '--seed-group', `wrate-b:Public:${N}`, '--seed-group', `wrate-job:Public:${N}`] });
  try {
    const { a, b, j, api, budget } = await measureThreeClients(stack, { perCaller: N, perJob: N });
    for (const reports of [a, b]) {
      assert.equal(reports.reduce((n, r) => n + r.recalled, 0), N);
    }
    assert.equal(j.progress.recalled, N);
    assert.equal(api.rate_limited, 0, 'the emulator refused nothing with 60007');
    assert.equal(api.requests, (3 * N) / 10);
    assert.ok(api.max_arrivals_in_any_1s <= LIMIT, `at most ${LIMIT} in any second: ${api.max_arrivals_in_any_1s}`);
    // The aggregate over the whole run: requests per second between the first and the last arrival.
    const spanS = (api.last_arrival_ms - api.first_arrival_ms) / 1000;
    const rate = (api.requests - 1) / spanS;
    // Arrivals per half second over the run: where the rate was lost (start, gaps, end).
    const perHalfSecond = [];
    for (const ms of api.arrivals_ms ?? []) {
      const k = Math.floor((ms - api.first_arrival_ms) / 500);
      perHalfSecond[k] = (perHalfSecond[k] ?? 0) + 1;
    }
    t.diagnostic(JSON.stringify({ perHalfSecond: Array.from(perHalfSecond, (n) => n ?? 0) }));
    t.diagnostic(JSON.stringify({ aggregateRequestsPerSecond: +rate.toFixed(1), fractionOfLimit: +(rate / LIMIT).toFixed(3), maxInAny1s: api.max_arrivals_in_any_1s, spanS,
      budget: budget && { leases: budget.leases, granted: budget.granted, givenBack: budget.returned, windowMs: budget.windowMs, gates: budget.reports } }));
    // Every request took a granted time that was not given back (none went around the budget).
    assert.ok(budget, 'the RateBudget logged its counters');
    assert.ok(budget.granted - budget.returned >= api.requests, `permits kept ${budget.granted - budget.returned} >= requests ${api.requests}`);
    // Issue 9 asks for 90% together. The budget's window (1000 ms + 20 late + 15 jitter) caps
    // it at 0.966; measured on the 2-core host: 0.960-0.961 (with wrangler's DevTools proxy
    // on, which starves the Worker of CPU: 0.88-0.93), zero 60007, at most 200 in any second.
    assert.ok(rate >= 0.9 * LIMIT, `together at least 90% of the limit: ${rate.toFixed(1)}/s`);
  } finally {
    await stack.stop();
  }
});
