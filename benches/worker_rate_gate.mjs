// Rate gate benchmark, in real workerd against the emulator:
//  - added latency per request: RecallClient inside a Worker recalling one message per
//    request, one request at a time (far below the limit, so no pacing wait), with the
//    RateBudget gate and without it, alternating; the difference is the gate's cost
//    (a lease round trip per block, amortised);
//  - the aggregate rate of three clients (two direct API callers and one job through the
//    Worker) as a fraction of the emulator's limit, with its 60007 count.
// Prints one JSON object. `node benches/worker_rate_gate.mjs`.
import { startStack, startBaseline, measureThreeClients } from '../tests/js/worker-stack.mjs';

const LIMIT = 200;
const PER_ROUND = Number(process.env.PER_ROUND ?? 100);
const ROUNDS = Number(process.env.ROUNDS ?? 4);
const pct = (sorted, p) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
const summary = (ms) => {
  const s = [...ms].sort((a, b) => a - b);
  return { mean: +(s.reduce((a, b) => a + b, 0) / s.length).toFixed(3), p50: +pct(s, 50).toFixed(3), p99: +pct(s, 99).toFixed(3), n: s.length };
};

const stack = await startStack({ withCallbacks: false, rateLimit: LIMIT, devtools: false,
  emulatorArgs: ['--seed-group', `wgate-lat:Public:${PER_ROUND * ROUNDS * 2 + 10}`,
    '--seed-group', 'wrate-a:Public:4000', '--seed-group', 'wrate-b:Public:4000', '--seed-group', 'wrate-job:Public:4000'] });
let baseline;
try {
  baseline = await startBaseline(stack);
  const lat = { gate: [], none: [] };
  let next = 1;
  for (let i = 0; i < ROUNDS; i++) {
    for (const gate of [1, 0]) {
      const r = await fetch(`${baseline.baseUrl}/recall?gate=${gate}&groupId=wgate-lat&from=${next}&count=${PER_ROUND}`);
      const body = await r.json();
      if (!r.ok) throw new Error(JSON.stringify(body));
      next += PER_ROUND;
      (gate ? lat.gate : lat.none).push(...body.ms);
    }
  }
  const withGate = summary(lat.gate);
  const without = summary(lat.none);
  await fetch(`${stack.emu.baseUrl}/_emulator/reset-stats`, { method: 'POST' });
  const { api, budget } = await measureThreeClients(stack);
  const rate = (api.requests - 1) / ((api.last_arrival_ms - api.first_arrival_ms) / 1000);
  console.log(JSON.stringify({
    bench: 'worker_rate_gate',
    // wrangler without its DevTools proxy (as deployed; see tests/js/workerd-harness.mjs).
    wranglerDevtools: false,
    perRequestMs: { withGate, withoutGate: without },
    addedLatencyMs: { mean: +(withGate.mean - without.mean).toFixed(3), p50: +(withGate.p50 - without.p50).toFixed(3) },
    threeClients: { requests: api.requests, requestsPerSecond: +rate.toFixed(1), fractionOfLimit: +(rate / LIMIT).toFixed(3), rateLimited60007: api.rate_limited, maxArrivalsInAny1s: api.max_arrivals_in_any_1s },
    // The budget's own figures for that run: permits granted and given back (late past
    // lateMs, passed unused, aborted) and the lateness of the times the gates released.
    budget: budget && { leases: budget.leases, permitsGranted: budget.granted, permitsGivenBack: budget.returned, windowMsAtEnd: budget.windowMs, lateMs: budget.lateMs, gates: budget.reports },
    met_under_limit: api.rate_limited === 0 && api.max_arrivals_in_any_1s <= LIMIT,
    met_90pct: rate >= 0.9 * LIMIT,
    loadavg: (await import('node:os')).loadavg().map((x) => +x.toFixed(2)),
  }));
} finally {
  await baseline?.stop();
  await stack.stop();
}
