// Bulk-recall benchmark (issue 3): `node benches/bulk_recall.mjs`.
//
// Needs: `npm ci` (repo root), `bash scripts/build-pkg.sh`, and
// `cargo build --release -p chat-recall-emulator`.
//
// 1. Bulk: 10,000 messages recalled through the built package's RecallClient against the
//    emulator at the service's real limit (--rate-limit 200, --latency-ms 50). Throughput is
//    measured at the emulator (arrival times), not at the client.
// 2. Baseline: one 10-message call at a time (maxInFlight 1), as the existing SDKs do.
// 3. CPU per request: the package's RecallClient with an in-memory fetch vs the same steps in
//    plain JavaScript (validate, URL + body, UserSig, parse + merge), same process.
//
// Human-readable lines go to stderr; one JSON object goes to stdout.
// Env: BENCH_PKG=direct imports ../pkg/node.js instead of installing the packed tarball;
//      CHAT_RECALL_EMULATOR=path overrides the emulator binary;
//      BENCH_ONLY=cpu runs just part 3 (no emulator), for iterating on CPU work;
//      BENCH_CPU_ROUNDS=n overrides the number of CPU rounds (default 3).

import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import os from 'node:os';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createInterface } from 'node:readline';
import { importPackage, repo } from '../tests/js/install.mjs';
import { makeInstantFetch } from './instant-fetch.mjs';

const SDK_APP_ID = 1400000000;
const ADMIN = 'administrator';
const SECRET_KEY = '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e';
const CEILING = 200;
const LATENCY_MS = 50;
const BULK_GROUP = 'bench-bulk';
const BULK_MESSAGES = 10_000;
const BASE_GROUP = 'bench-baseline';
const BASE_MESSAGES = 300;
const RECALL_API = 'group_open_http_svc/group_msg_recall';
const CPU_REQUESTS = 20_000;
const CPU_WARMUP_REQUESTS = 4_000;
const CPU_ROUNDS = Number(process.env.BENCH_CPU_ROUNDS) || 3;
const CPU_IN_FLIGHT = 64;

const log = (...a) => console.error('[bench]', ...a);
const round = (x, d = 3) => (Number.isFinite(x) ? Math.round(x * 10 ** d) / 10 ** d : x);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- the emulator

let emulator; // the child process, killed on every way out
function killEmulator() {
  if (emulator && emulator.exitCode === null && emulator.signalCode === null) {
    emulator.kill('SIGTERM');
  }
}
process.on('exit', killEmulator);
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.on(sig, () => {
    killEmulator();
    process.exit(130);
  });
}

async function startEmulator() {
  const bin = process.env.CHAT_RECALL_EMULATOR || join(repo, 'target', 'release', 'chat-recall-emulator');
  if (!existsSync(bin)) throw new Error(`${bin} not found: run \`cargo build --release -p chat-recall-emulator\``);
  const args = [
    '--listen', '127.0.0.1:0', '--sdkappid', String(SDK_APP_ID), '--admin', ADMIN, '--secret-key', SECRET_KEY,
    '--rate-limit', String(CEILING), '--latency-ms', String(LATENCY_MS), '--seed', '1',
    '--seed-group', `${BULK_GROUP}:Public:${BULK_MESSAGES}`, '--seed-group', `${BASE_GROUP}:Public:${BASE_MESSAGES}`,
  ];
  emulator = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  createInterface({ input: emulator.stderr }).on('line', (l) => log(`emulator: ${l}`));
  const lines = createInterface({ input: emulator.stdout });
  const first = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error('the emulator did not start within 10 s')), 10_000);
    emulator.once('exit', (code) => reject(new Error(`the emulator exited with ${code} before listening`)));
    lines.once('line', (l) => {
      clearTimeout(timer);
      resolve(l);
    });
  });
  const m = /^listening on (http:\/\/127\.0\.0\.1:\d+)$/.exec(first.trim());
  if (!m) throw new Error(`unexpected first line from the emulator: ${first}`);
  return m[1];
}

async function control(base, method, path) {
  const r = await fetch(base + path, { method });
  if (!r.ok) throw new Error(`${method} ${path}: HTTP ${r.status}`);
  return r.json();
}

/** Emulator-side view of one phase: arrivals of the recall API, rejections, request log. */
async function emulatorPhase(base) {
  const stats = await control(base, 'GET', '/_emulator/stats?arrivals=1');
  const a = stats.apis[RECALL_API] ?? {};
  // Pacing diagnostics: gaps between consecutive arrivals (even spacing at 198/s is ~5 ms).
  const arr = a.arrivals_ms ?? [];
  const gaps = arr.slice(1).map((t, i) => t - arr[i]).sort((x, y) => x - y);
  const pct = (q) => (gaps.length ? gaps[Math.min(gaps.length - 1, Math.floor(q * gaps.length))] : null);
  const reqLog = await control(base, 'GET', `/_emulator/requests?api=${encodeURIComponent(RECALL_API)}`);
  const recs = reqLog.requests;
  const randoms = new Set(recs.map((r) => r.random));
  const n = a.requests ?? 0;
  const spanS = ((a.last_arrival_ms ?? 0) - (a.first_arrival_ms ?? 0)) / 1000;
  return {
    requests: n,
    span_s: spanS,
    requests_per_s: spanS > 0 ? n / spanS : NaN,
    rate_limited: a.rate_limited ?? 0,
    error_codes: a.error_codes ?? {},
    max_arrivals_in_any_1s: a.max_arrivals_in_any_1s ?? 0,
    logged: recs.length,
    with_u32_random: recs.filter((r) => Number.isInteger(r.random)).length,
    with_valid_usersig: recs.filter((r) => r.usersig_ok === true).length,
    distinct_randoms: randoms.size,
    auth_rejections: a.auth_rejections ?? {},
    gaps_ms: { p50: pct(0.5), p99: pct(0.99), max: gaps.length ? gaps[gaps.length - 1] : null, over_10ms: gaps.filter((g) => g > 10).length, lost_to_gaps_over_10ms: gaps.filter((g) => g > 10).reduce((x, g) => x + g - 5, 0) },
  };
}

// ---------------------------------------------------------------- plain-JS reference

/**
 * The same per-request steps as the package's core, written the way a careful plain-JS client
 * would: validate the MsgSeqs and group id, reuse (or renew) a UserSig, build the URL with an
 * encoded query (the UserSig part built once per UserSig, as the package does) and the JSON body, POST through the injected fetch (with the same per-attempt
 * AbortController + timeout timer and CSPRNG `random` as the package's transport when
 * `transport` is true), parse the envelope and merge RetCodes into per-seq outcomes.
 */
function makePlainJsClient({ fetch, baseUrl, sdkAppId, identifier, secretKey, maxInFlight, transport, timeoutMs = 10_000 }) {
  const require = createRequire(join(repo, 'package.json'));
  const TLSSigAPIv2 = require('tls-sig-api-v2');
  const signer = new TLSSigAPIv2.Api(sdkAppId, secretKey);
  const ttl = 86_400;
  let sig = null;
  let signedAt = 0;
  const userSig = () => {
    const now = Math.floor(Date.now() / 1000);
    if (!sig || now >= signedAt + (ttl * 9) / 10) {
      sig = signer.genUserSig(identifier, ttl);
      signedAt = now;
    }
    return sig;
  };
  // The encoded UserSig part of the URL is built once per UserSig, as the package does.
  let urlSig = null;
  let urlHead = '';
  const urlPrefix = () => {
    const s = userSig();
    if (s !== urlSig) {
      urlSig = s;
      urlHead = `${prefix}${encodeURIComponent(s)}&random=`;
    }
    return urlHead;
  };
  const base = baseUrl.replace(/\/+$/, '');
  const prefix = `${base}/v4/${RECALL_API}?sdkappid=${sdkAppId}&identifier=${encodeURIComponent(identifier)}&usersig=`;
  const rnd = new Uint32Array(1);
  const random = () => (transport ? (crypto.getRandomValues(rnd), rnd[0]) : (Math.random() * 4294967296) >>> 0);
  const decoder = new TextDecoder();

  const toSeq = (v, i) => {
    let n;
    if (typeof v === 'number') n = v;
    else if (typeof v === 'bigint') n = Number(v);
    else if (typeof v === 'string' && /^[1-9][0-9]{0,15}$/.test(v)) n = Number(v);
    else throw new TypeError(`msgSeqs[${i}]: must be a positive integer`);
    if (!Number.isSafeInteger(n) || n < 1) throw new TypeError(`msgSeqs[${i}]: must be a positive safe integer`);
    return n;
  };
  const checkGroupId = (g) => {
    if (typeof g !== 'string' || g.length === 0 || g.length > 128 || /[\s\u0000-\u001f\u007f]/.test(g)) {
      throw new TypeError('groupId: must be a non-empty string of at most 128 bytes without spaces or control characters');
    }
  };

  async function post(url, body) {
    if (!transport) return fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body });
    const ac = new AbortController();
    const timer = setTimeout(() => ac.abort(), timeoutMs);
    try {
      return await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body, signal: ac.signal });
    } finally {
      clearTimeout(timer);
    }
  }

  async function recallGroupMessages({ groupId, msgSeqs }) {
    checkGroupId(groupId);
    const seqs = [];
    const outcome = new Map();
    for (let i = 0; i < msgSeqs.length; i++) {
      const s = toSeq(msgSeqs[i], i);
      if (!outcome.has(s)) {
        outcome.set(s, null);
        seqs.push(s);
      }
    }
    let requests = 0;
    let next = 0;
    const worker = async () => {
      while (next < seqs.length) {
        const chunk = seqs.slice(next, next + 10);
        next += 10;
        const url = `${urlPrefix()}${random()}&contenttype=json`;
        const body = JSON.stringify({ GroupId: groupId, MsgSeqList: chunk.map((s) => ({ MsgSeq: s })) });
        requests++;
        const res = await post(url, body);
        const text = decoder.decode(await res.arrayBuffer());
        if (res.status !== 200) throw new Error(`HTTP ${res.status}`);
        const v = JSON.parse(text);
        if (typeof v !== 'object' || v === null || typeof v.ErrorCode !== 'number') throw new Error('not a service envelope');
        if (v.ErrorCode !== 0 || v.ActionStatus !== 'OK') {
          for (const s of chunk) outcome.set(s, { msgSeq: s, ok: false, code: v.ErrorCode, message: String(v.ErrorInfo ?? '') });
          continue;
        }
        if (!Array.isArray(v.RecallRetList)) throw new Error('RecallRetList missing');
        for (const r of v.RecallRetList) {
          if (!Number.isSafeInteger(r?.MsgSeq) || !Number.isSafeInteger(r?.RetCode)) throw new Error('bad RecallRetList entry');
          if (!chunk.includes(r.MsgSeq)) continue;
          outcome.set(r.MsgSeq, { msgSeq: r.MsgSeq, ok: r.RetCode === 0, code: r.RetCode, message: r.RetCode === 0 ? '' : 'not recalled' });
        }
        for (const s of chunk) if (outcome.get(s) === null) outcome.set(s, { msgSeq: s, ok: false, code: -1, message: 'not reported' });
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, maxInFlight) }, worker));
    const results = seqs.map((s) => outcome.get(s));
    const recalled = results.filter((r) => r.ok).length;
    return { groupId, requested: seqs.length, recalled, failed: results.length - recalled, requests, retries: 0, results };
  }
  return { recallGroupMessages };
}

// ---------------------------------------------------------------- in-memory service


async function cpuRun(makeClient, requests) {
  const fetch = makeInstantFetch();
  const client = makeClient(fetch);
  const seqs = Array.from({ length: requests * 10 }, (_, i) => i + 1);
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await client.recallGroupMessages({ groupId: 'cpu-bench-group', msgSeqs: seqs });
  const wall = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  const expectRecalled = requests * 9;
  if (r.requests !== requests || r.recalled !== expectRecalled || r.results.length !== requests * 10 || fetch.calls() !== requests) {
    throw new Error(`cpu run: unexpected report requests=${r.requests} recalled=${r.recalled} results=${r.results.length} fetches=${fetch.calls()}`);
  }
  return { wallMsPerReq: wall / requests, cpuMsPerReq: (cpu.user + cpu.system) / 1000 / requests };
}

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// ---------------------------------------------------------------- main

/** Part 3: CPU per request, wasm client vs plain JS, in-memory fetch, same process. */
async function cpuPhase(RecallClient) {
  const memBase = 'http://127.0.0.1:9';
  const cpuOpts = { sdkAppId: SDK_APP_ID, identifier: ADMIN, secretKey: SECRET_KEY, baseUrl: memBase, maxInFlight: CPU_IN_FLIGHT };
  const variants = {
    wasm: (fetch) => new RecallClient({ ...cpuOpts, fetch, maxRequestsPerSecond: 100_000 }),
    js_same_transport: (fetch) => makePlainJsClient({ ...cpuOpts, fetch, transport: true }),
    js_minimal: (fetch) => makePlainJsClient({ ...cpuOpts, fetch, transport: false }),
  };
  for (const [name, make] of Object.entries(variants)) await cpuRun(make, CPU_WARMUP_REQUESTS).catch((e) => { throw new Error(`${name} warm-up: ${e.message}`); });
  const samples = Object.fromEntries(Object.keys(variants).map((k) => [k, []]));
  for (let i = 0; i < CPU_ROUNDS; i++) {
    // Alternate the order so drift (GC, JIT, thermal) does not favour one side.
    const order = i % 2 === 0 ? Object.keys(variants) : Object.keys(variants).reverse();
    for (const name of order) samples[name].push(await cpuRun(variants[name], CPU_REQUESTS));
  }
  const cpu = {};
  for (const [name, xs] of Object.entries(samples)) {
    cpu[name] = { cpu_ms_per_request: median(xs.map((x) => x.cpuMsPerReq)), wall_ms_per_request: median(xs.map((x) => x.wallMsPerReq)) };
    log(`cpu: ${name}: ${round(cpu[name].cpu_ms_per_request * 1000, 2)} µs CPU, ${round(cpu[name].wall_ms_per_request * 1000, 2)} µs wall per request (median of ${CPU_ROUNDS} × ${CPU_REQUESTS})`);
  }
  const ratio = cpu.wasm.cpu_ms_per_request / cpu.js_same_transport.cpu_ms_per_request;
  const ratioMinimal = cpu.wasm.cpu_ms_per_request / cpu.js_minimal.cpu_ms_per_request;
  log(`cpu: wasm/js = ${round(ratio)} (same transport), ${round(ratioMinimal)} (minimal JS without timeout timer/AbortController)`);
  return { cpu, ratio, ratioMinimal };
}


async function main() {
  const tStart = performance.now();
  const lib = process.env.BENCH_PKG === 'direct' ? await import(pathToFileURL(join(repo, 'pkg', 'node.js')).href) : await importPackage();
  const { RecallClient } = lib;
  log(`package loaded (${process.env.BENCH_PKG === 'direct' ? 'pkg/node.js' : 'installed from the packed tarball'})`);
  if (process.env.BENCH_ONLY === 'cpu') {
    const { cpu, ratio, ratioMinimal } = await cpuPhase(RecallClient);
    const us = (x) => round(x * 1000, 2);
    process.stdout.write(JSON.stringify({ bench: 'bulk_recall_cpu', wasm_us: us(cpu.wasm.cpu_ms_per_request), js_us: us(cpu.js_same_transport.cpu_ms_per_request), js_minimal_us: us(cpu.js_minimal.cpu_ms_per_request), ratio_wasm_over_js: round(ratio, 3), ratio_wasm_over_js_minimal: round(ratioMinimal, 3) }) + '\n');
    return;
  }

  const base = await startEmulator();
  log(`emulator at ${base} (--rate-limit ${CEILING} --latency-ms ${LATENCY_MS})`);
  const clientOpts = { sdkAppId: SDK_APP_ID, identifier: ADMIN, secretKey: SECRET_KEY, baseUrl: base };

  // --- baseline: one call (10 messages) at a time
  await control(base, 'POST', '/_emulator/reset-stats');
  const baseClient = new RecallClient({ ...clientOpts, maxInFlight: 1 });
  const tb0 = performance.now();
  let baseRecalled = 0;
  for (let s = 1; s <= BASE_MESSAGES; s += 10) {
    const seqs = Array.from({ length: Math.min(10, BASE_MESSAGES - s + 1) }, (_, i) => s + i);
    const r = await baseClient.recallGroupMessages({ groupId: BASE_GROUP, msgSeqs: seqs });
    baseRecalled += r.recalled;
  }
  const baseWall = (performance.now() - tb0) / 1000;
  const baseEmu = await emulatorPhase(base);
  log(`baseline: ${baseEmu.requests} requests, ${round(baseEmu.requests_per_s, 1)} req/s = ${round(baseEmu.requests_per_s / CEILING)} of the ceiling, ${round(baseWall, 2)} s`);

  // --- bulk: 10,000 messages in one call; a clean window first
  await sleep(1100);
  await control(base, 'POST', '/_emulator/reset-stats');
  const bulkClient = new RecallClient(clientOpts);
  const seqs = Array.from({ length: BULK_MESSAGES }, (_, i) => i + 1);
  let progressCalls = 0;
  const t0 = performance.now();
  const report = await bulkClient.recallGroupMessages({ groupId: BULK_GROUP, msgSeqs: seqs, onProgress: () => progressCalls++ });
  const wall = (performance.now() - t0) / 1000;
  const bulkEmu = await emulatorPhase(base);
  const outcomes = report.results.length;
  const codes = {};
  for (const r of report.results) codes[r.code] = (codes[r.code] ?? 0) + 1;
  log(`bulk: ${bulkEmu.requests} requests in ${round(bulkEmu.span_s, 3)} s at the emulator = ${round(bulkEmu.requests_per_s, 1)} req/s (${round(bulkEmu.requests_per_s / CEILING, 4)} of ${CEILING}); wall ${round(wall, 3)} s`);
  log(`bulk: ${report.recalled} recalled, ${report.failed} failed, ${outcomes} outcomes, ${report.retries} retries, ${bulkEmu.rate_limited} rate-limited, max ${bulkEmu.max_arrivals_in_any_1s} arrivals in any 1 s`);
  log(`bulk: inter-arrival gaps ms p50 ${bulkEmu.gaps_ms.p50}, p99 ${bulkEmu.gaps_ms.p99}, max ${bulkEmu.gaps_ms.max}; ${bulkEmu.gaps_ms.over_10ms} gaps over 10 ms (load ${round(os.loadavg()[0], 2)} on ${os.cpus().length} CPUs)`);
  log(`bulk: request log: ${bulkEmu.with_u32_random}/${bulkEmu.logged} with a u32 random (${bulkEmu.distinct_randoms} distinct), ${bulkEmu.with_valid_usersig}/${bulkEmu.logged} with a valid UserSig`);

  // The emulator is no longer needed.
  killEmulator();

  const { cpu, ratio, ratioMinimal } = await cpuPhase(RecallClient);

  const ratioBulk = bulkEmu.requests_per_s / CEILING;
  const result = {
    bench: 'bulk_recall',
    ceiling_requests_per_s: CEILING,
    emulator_latency_ms: LATENCY_MS,
    bulk: {
      messages: BULK_MESSAGES,
      requests: bulkEmu.requests,
      requests_per_s: round(bulkEmu.requests_per_s, 2),
      ratio_of_ceiling: round(ratioBulk, 4),
      first_to_last_arrival_s: round(bulkEmu.span_s, 3),
      wall_time_s: round(wall, 3),
      rate_limit_rejections: bulkEmu.rate_limited,
      error_codes: bulkEmu.error_codes,
      retries: report.retries,
      client_requests: report.requests,
      messages_with_outcome: outcomes,
      recalled: report.recalled,
      failed: report.failed,
      outcome_codes: codes,
      max_arrivals_in_any_1s: bulkEmu.max_arrivals_in_any_1s,
      progress_callbacks: progressCalls,
      requests_logged: bulkEmu.logged,
      requests_with_u32_random: bulkEmu.with_u32_random,
      distinct_randoms: bulkEmu.distinct_randoms,
      requests_with_valid_usersig: bulkEmu.with_valid_usersig,
      inter_arrival_gaps_ms: bulkEmu.gaps_ms,
    },
    baseline_one_at_a_time: {
      messages: BASE_MESSAGES,
      requests: baseEmu.requests,
      requests_per_s: round(baseEmu.requests_per_s, 2),
      ratio_of_ceiling: round(baseEmu.requests_per_s / CEILING, 4),
      wall_time_s: round(baseWall, 3),
      recalled: baseRecalled,
      rate_limit_rejections: baseEmu.rate_limited,
    },
    cpu_per_request: {
      requests_per_round: CPU_REQUESTS,
      rounds: CPU_ROUNDS,
      in_flight: CPU_IN_FLIGHT,
      wasm_ms: round(cpu.wasm.cpu_ms_per_request, 5),
      js_ms: round(cpu.js_same_transport.cpu_ms_per_request, 5),
      js_minimal_ms: round(cpu.js_minimal.cpu_ms_per_request, 5),
      ratio_wasm_over_js: round(ratio, 3),
      ratio_wasm_over_js_minimal: round(ratioMinimal, 3),
      wall_ms: { wasm: round(cpu.wasm.wall_ms_per_request, 5), js: round(cpu.js_same_transport.wall_ms_per_request, 5), js_minimal: round(cpu.js_minimal.wall_ms_per_request, 5) },
    },
    targets: {
      ratio_of_ceiling_min: 0.98,
      met_ratio: ratioBulk >= 0.98,
      met_zero_rejections: bulkEmu.rate_limited === 0,
      met_all_accounted: outcomes === BULK_MESSAGES,
      met_cpu_not_slower: ratio <= 1,
    },
    machine: { cpus: os.cpus().length, loadavg_1m_at_end: round(os.loadavg()[0], 2) },
    total_bench_s: round((performance.now() - tStart) / 1000, 1),
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

main().then(
  () => {
    killEmulator();
    process.exit(0);
  },
  (e) => {
    console.error('[bench] failed:', e?.stack ?? e);
    killEmulator();
    process.exit(1);
  },
);
