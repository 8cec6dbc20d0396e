// The reliability report: gathers what the other benches and the hardening runs wrote and
// writes target/bench-report.json and a short Markdown table, target/bench-report.md.
// Inputs (each optional; a missing one is reported as missing, not invented):
//   target/fuzz-report.jsonl      scripts/fuzz.sh: executions and crashes per fuzz target
//   target/hostile-report.json    tests/js/hostile.test.mjs: hostile cases tried and held
//   target/worker-hostile-report.json  tests/js/worker-hostile.test.mjs: the Worker's hostile cases
//   target/bench-soak.json        the soak bench: long-run outcome figures
//   target/bench-results.jsonl    scripts/bench.sh: one JSON line per bench (rates, memory)
//   pkg/size.json                 scripts/build-pkg.sh: shipped sizes
// `node benches/report.mjs` (run by scripts/bench.sh); prints one JSON line.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const root = fileURLToPath(new URL('..', import.meta.url));
const at = (...p) => join(root, ...p);
const json = (p) => (existsSync(at(p)) ? JSON.parse(readFileSync(at(p), 'utf8')) : null);
const lines = (p) => (existsSync(at(p)) ? readFileSync(at(p), 'utf8').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l)) : []);

const fuzz = lines('target/fuzz-report.jsonl');
const hostile = json('target/hostile-report.json');
const workerHostile = json('target/worker-hostile-report.json');
const soak = json('target/bench-soak.json');
const size = json('pkg/size.json');
const benches = lines('target/bench-results.jsonl');
const bench = (name) => benches.find((b) => b.bench === name) ?? null;
const bulk = bench('bulk_recall');
const memory = bench('memory');

const report = {
  generated_at: new Date().toISOString(),
  fuzz: fuzz.length === 0 ? null : {
    targets: fuzz.length,
    total_executions: fuzz.reduce((n, f) => n + f.executions, 0),
    total_crashes: fuzz.reduce((n, f) => n + f.crashes, 0),
    per_target: fuzz.map(({ target, mode, budget, executions, crashes, seconds }) => ({ target, mode, budget, executions, crashes, seconds })),
  },
  hostile: hostile && { cases: hostile.cases, held: hostile.held, groups: hostile.groups, wasm_memory_bytes: hostile.wasm_memory_bytes, failed: hostile.failed },
  worker_hostile: workerHostile && { cases: workerHostile.cases, held: workerHostile.held, groups: workerHostile.groups, failed: workerHostile.failed,
    streamed_forever_bytes_read_max: workerHostile.streamed_forever_bytes_read_max, workerd_rss_bytes: workerHostile.workerd_rss_bytes },
  soak,
  sizes: size && { wasm_raw: size.wasm_raw, wasm_gzip: size.wasm_gzip, js_gzip: size.glue_gzip },
  rates: bulk && {
    bulk_requests_per_s: bulk.bulk?.requests_per_s,
    ceiling_requests_per_s: bulk.ceiling_requests_per_s,
    ratio_of_ceiling: bulk.bulk?.ratio_of_ceiling,
    rate_limit_rejections: bulk.bulk?.rate_limit_rejections,
    messages_with_outcome: bulk.bulk?.messages_with_outcome,
    messages: bulk.bulk?.messages,
    cpu_ratio_wasm_over_js: bulk.cpu_per_request?.ratio_wasm_over_js,
  },
  memory: memory && { rounds: memory.rounds },
  missing: Object.entries({ fuzz: fuzz.length, hostile, worker_hostile: workerHostile, soak, sizes: size, bulk }).filter(([, v]) => !v).map(([k]) => k),
};
writeFileSync(at('target/bench-report.json'), JSON.stringify(report, null, 2) + '\n');

const md = ['# chat-recall reliability report', '', `Generated ${report.generated_at}.`, ''];
const row = (...c) => `| ${c.join(' | ')} |`;
if (report.fuzz) {
  md.push('## Fuzzing (cargo-fuzz, libFuzzer)', '', row('target', 'budget', 'executions', 'crashes', 'seconds'), row('---', '---:', '---:', '---:', '---:'));
  for (const f of report.fuzz.per_target) md.push(row(f.target, f.mode === 'runs' ? `${f.budget} runs` : `${f.budget} s`, f.executions.toLocaleString('en-US'), f.crashes, f.seconds));
  md.push(row('**all**', '', report.fuzz.total_executions.toLocaleString('en-US'), report.fuzz.total_crashes, ''), '');
}
if (hostile) {
  md.push('## Hostile input (tests/js/hostile.test.mjs)', '', row('group', 'tried', 'held'), row('---', '---:', '---:'));
  for (const [g, v] of Object.entries(hostile.groups)) md.push(row(g, v.tried, v.held));
  md.push(row('**all**', hostile.cases, hostile.held), '',
    `Wasm memory: ${hostile.wasm_memory_bytes.baseline} bytes before, at most ${hostile.wasm_memory_bytes.max} during the suite (limit: baseline + ${hostile.wasm_memory_bytes.growth_limit}).`, '');
}
if (workerHostile) {
  md.push('## Hostile input to the Worker (tests/js/worker-hostile.test.mjs, real workerd)', '', row('group', 'tried', 'held'), row('---', '---:', '---:'));
  for (const [g, v] of Object.entries(workerHostile.groups)) md.push(row(g, v.tried, v.held));
  md.push(row('**all**', workerHostile.cases, workerHostile.held), '',
    `After every case nothing had reached the emulator and no event, audit row or job was stored; a body streamed for ever was cut off after at most ${workerHostile.streamed_forever_bytes_read_max} bytes had left the client.`
    + (workerHostile.workerd_rss_bytes?.end ? ` workerd's resident memory: ${workerHostile.workerd_rss_bytes.start} bytes after start-up, ${workerHostile.workerd_rss_bytes.end} at the end (peak ${workerHostile.workerd_rss_bytes.peak}; limit: start + ${workerHostile.workerd_rss_bytes.growth_limit}).` : ''), '');
}
if (soak) {
  md.push('## Soak (target/bench-soak.json)', '', row('figure', 'value'), row('---', '---:'));
  for (const [k, v] of Object.entries(soak)) if (typeof v !== 'object') md.push(row(k, v));
  md.push('');
}
if (size) md.push('## Size', '', `wasm ${size.wasm_raw} bytes raw, ${size.wasm_gzip} gzipped; shipped JS ${size.glue_gzip} bytes gzipped.`, '');
if (report.rates) {
  const r = report.rates;
  md.push('## Rates (benches/bulk_recall.mjs)', '', `${r.messages} messages: ${r.bulk_requests_per_s} requests/s against a ceiling of ${r.ceiling_requests_per_s} (${r.ratio_of_ceiling} of it), ${r.rate_limit_rejections} rate-limit rejections, ${r.messages_with_outcome} messages with an outcome; CPU per request wasm/JS ${r.cpu_ratio_wasm_over_js}.`, '');
}
if (report.missing.length) md.push(`Not measured in this run: ${report.missing.join(', ')}.`, '');
writeFileSync(at('target/bench-report.md'), md.join('\n'));

console.log(JSON.stringify({ bench: 'reliability_report', fuzz_targets: report.fuzz?.targets ?? 0, fuzz_executions: report.fuzz?.total_executions ?? 0,
  fuzz_crashes: report.fuzz?.total_crashes ?? null, hostile_cases: hostile?.cases ?? 0, hostile_held: hostile?.held ?? 0,
  worker_hostile_cases: workerHostile?.cases ?? 0, worker_hostile_held: workerHostile?.held ?? 0, missing: report.missing,
  json: 'target/bench-report.json', markdown: 'target/bench-report.md' }));
