// One rate budget for the whole app, in real workerd against the emulator: three concurrent
// clients (two direct API callers and one durable job) recalling through the Worker never
// push the emulator past its per-second limit (zero 60007s counted by the emulator) and
// together reach at least 90% of it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack, ALICE, BOT } from './worker-stack.mjs';

const RECALL = 'group_open_http_svc/group_msg_recall';
const LIMIT = 200;
const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => a + i);

/** The emulator's arrivals and the aggregate rate over the span all three were sending. */
export async function measureThreeClients(stack, { perCaller = 4000, perJob = 4000 } = {}) {
  const { call } = stack;
  // Two direct callers: each recalls its own group in calls of 2,000 MsgSeqs (200 requests).
  const caller = async (groupId, token) => {
    const reports = [];
    for (let at = 1; at <= perCaller; at += 2000) {
      const r = await call('POST', '/api/recall/group', { token, body: { groupId, msgSeqs: range(at, Math.min(at + 1999, perCaller)) } });
      assert.equal(r.status, 200, r.text);
      reports.push(r.json);
    }
    return reports;
  };
  const job = async () => {
    const r = await call('POST', '/api/jobs', { token: ALICE, body: { kind: 'recallGroup', groupId: 'wrate-job', msgSeqs: range(1, perJob) } });
    assert.equal(r.status, 202, r.text);
    for (;;) {
      const j = await call('GET', `/api/jobs/${r.json.id}?results=false`, { token: ALICE });
      if (j.json.status === 'done') return j.json;
      await new Promise((res) => setTimeout(res, 200));
    }
  };
  const [a, b, j] = await Promise.all([caller('wrate-a', ALICE), caller('wrate-b', BOT), job()]);
  const stats = await (await fetch(`${stack.emu.baseUrl}/_emulator/stats?arrivals=1`)).json();
  const api = stats.apis[RECALL];
  return { a, b, j, api };
}

test('Worker rate budget: two API callers and a job together stay under the limit and reach 90% of it', { timeout: 180_000 }, async (t) => {
  const stack = await startStack({ withCallbacks: false, rateLimit: LIMIT,
    emulatorArgs: ['--seed-group', 'wrate-a:Public:4000', '--seed-group', 'wrate-b:Public:4000', '--seed-group', 'wrate-job:Public:4000'] });
  try {
    const { a, b, j, api } = await measureThreeClients(stack);
    for (const reports of [a, b]) {
      assert.equal(reports.reduce((n, r) => n + r.recalled, 0), 4000);
    }
    assert.equal(j.progress.recalled, 4000);
    assert.equal(api.rate_limited, 0, 'the emulator refused nothing with 60007');
    assert.equal(api.requests, 1200);
    assert.ok(api.max_arrivals_in_any_1s <= LIMIT, `at most ${LIMIT} in any second: ${api.max_arrivals_in_any_1s}`);
    // The aggregate over the whole run: requests per second between the first and the last arrival.
    const spanS = (api.last_arrival_ms - api.first_arrival_ms) / 1000;
    const rate = (api.requests - 1) / spanS;
    t.diagnostic(JSON.stringify({ aggregateRequestsPerSecond: +rate.toFixed(1), fractionOfLimit: +(rate / LIMIT).toFixed(3), maxInAny1s: api.max_arrivals_in_any_1s, spanS }));
    assert.ok(rate >= 0.9 * LIMIT, `together at least 90% of the limit: ${rate.toFixed(1)}/s`);
  } finally {
    await stack.stop();
  }
});
