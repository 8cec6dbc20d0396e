// Cold-start bulk-recall benchmarks (issue 8): `node benches/cold_recall.mjs`.
//
// Each job runs in a fresh Node process (tests/js/recall-child.mjs: new runtime, new wasm
// instance, no warm-up, no open connections) against the emulator. One JSON object per line
// on stdout; human-readable lines on stderr.
//
// 1. cold_10k: 10,000 messages at the default rate against --rate-limit 200 --latency-ms 50.
//    ratio = floor / wall, floor = 999/200 s + one round trip (1,000 requests at exactly
//    200/s, then the last answer). Target: ratio >= 0.97 and zero rejections (60007).
// 2. cold_10k_faults: the same with 20% faults of every kind (502, internal error, dropped
//    connection, truncated body, answer slower than the timeout): ratio, retries, look-ups,
//    and the report checked against the emulator's state.
// 3. soak_100k: 100,000 messages with 20% faults (unlimited emulator rate, client at
//    1,000/s), checked message by message; figures also written to target/bench-soak.json.
// Env: BENCH_SOAK_N overrides the soak's size; BENCH_ONLY=cold_10k,soak_100k runs only those.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { importPackage, repo } from '../tests/js/install.mjs';
import { startEmulator } from '../tests/js/emulator.mjs';
import { recallInFreshProcess, recalledSeqs, compare } from '../tests/js/cold.mjs';

const KEY = 'bench-cold-secret-key';
const RECALL_API = 'group_open_http_svc/group_msg_recall';
const LOOKUP_API = 'group_open_http_svc/group_msg_get_simple';
const log = (...a) => console.error('[cold-bench]', ...a);
const round = (x, d = 3) => Math.round(x * 10 ** d) / 10 ** d;
const lib = await importPackage();

async function job(name, emuArgs, n, options, check) {
  const emu = await startEmulator(['--secret-key', KEY, '--seed-group', `bench:Public:${n}`, ...emuArgs]);
  try {
    const r = await recallInFreshProcess({ baseUrl: emu.baseUrl, secretKey: KEY, groupId: 'bench', from: 1, to: n, options });
    const stats = await emu.stats();
    const recall = stats.apis[RECALL_API] ?? {};
    const lookup = stats.apis[LOOKUP_API] ?? {};
    const out = {
      bench: name,
      messages: n,
      wall_ms: round(r.wallMs, 1),
      process_load_ms: round(r.loadMs, 1),
      requests: r.report.requests,
      retries: r.report.retries,
      lookups: r.report.lookups,
      recalled: r.report.recalled,
      failed: r.report.failed,
      not_sent: r.report.notSent,
      unknown: r.report.unknown,
      rejections_60007: (recall.rate_limited ?? 0) + (lookup.rate_limited ?? 0),
      server_max_arrivals_in_any_1s: recall.max_arrivals_in_any_1s,
      host_load_avg_1m: round((await import('node:os')).loadavg()[0], 2),
    };
    if (check) {
      const truth = await recalledSeqs(lib, emu.baseUrl, KEY, 'bench', n);
      const cmp = compare(r.report, truth);
      Object.assign(out, { false_recalled: cmp.falseRecalled, false_not_recalled: cmp.falseNotRecalled, unknown_fraction: cmp.unknown / n });
    }
    return out;
  } finally { await emu.stop(); }
}

const floorMs = 999 / 200 * 1000 + 50; // + one round trip (the emulator adds 50 ms per answer)
const results = [];

const only = process.env.BENCH_ONLY ? new Set(process.env.BENCH_ONLY.split(',')) : null;
const wanted = (name) => !only || only.has(name);

if (wanted('cold_10k')) {
const a = await job('cold_10k', ['--rate-limit', '200', '--latency-ms', '50'], 10_000, {}, false);
a.floor_ms = floorMs;
a.ratio = round(floorMs / a.wall_ms);
a.met_ratio_0_97 = a.ratio >= 0.97;
a.met_zero_rejections = a.rejections_60007 === 0;
results.push(a);
}

if (wanted('cold_10k_faults')) {
const b = await job('cold_10k_faults', ['--rate-limit', '200', '--latency-ms', '50', '--fault-rate', '0.2', '--slow-ms', '2000'], 10_000, { timeoutMs: 1000 }, true);
b.floor_ms = floorMs;
b.ratio = round(floorMs / b.wall_ms);
results.push(b);
}

if (wanted('soak_100k')) {
const soakN = Number(process.env.BENCH_SOAK_N) || 100_000;
const c = await job('soak_100k', ['--rate-limit', '0', '--fault-rate', '0.2', '--slow-ms', '2000', '--seed', '5'], soakN, { maxRequestsPerSecond: 1000, timeoutMs: 1000 }, true);
c.met_truth = c.false_recalled === 0 && c.false_not_recalled === 0 && c.unknown_fraction <= 0.001;
results.push(c);
mkdirSync(join(repo, 'target'), { recursive: true });
writeFileSync(join(repo, 'target', 'bench-soak.json'), `${JSON.stringify(c, null, 2)}\n`);
}

for (const r of results) {
  log(`${r.bench}: ${r.wall_ms} ms${r.ratio ? `, ratio ${r.ratio}` : ''}, ${r.retries} retries, ${r.lookups} look-ups, unknown ${r.unknown}`);
  process.stdout.write(`${JSON.stringify(r)}\n`);
}
