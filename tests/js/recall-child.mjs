// One bulk recall in a fresh Node process (a cold start: new runtime, new wasm instance, new
// connections), for the soak and cold-start tests and the cold benchmarks. Not a test itself.
//
//   node tests/js/recall-child.mjs '<json>'
//   json: { entry, baseUrl, groupId, from, to, options?, abortAfterMs? }
//     entry: the file URL of a module that re-exports 'chat-recall' (install.mjs's entry.mjs)
//     options: extra RecallClient options (numbers/booleans only)
// Prints one JSON line: { wallMs, firstMs, report } where report.results is compacted to
// [msgSeq, outcome, code, attempts] rows.
const arg = process.argv[2];
if (arg === undefined) process.exit(0); // picked up by `node --test tests/js/`: nothing to do

const cfg = JSON.parse(arg);
const t0 = performance.now();
const lib = await import(cfg.entry);
const client = new lib.RecallClient({
  sdkAppId: cfg.sdkAppId ?? 1400000000,
  identifier: 'administrator',
  secretKey: cfg.secretKey,
  baseUrl: cfg.baseUrl,
  ...(cfg.options ?? {}),
});
const msgSeqs = [];
for (let s = cfg.from; s <= cfg.to; s++) msgSeqs.push(s);
const ac = new AbortController();
if (cfg.abortAfterMs !== undefined) setTimeout(() => ac.abort(), cfg.abortAfterMs);
const tStart = performance.now();
let report;
try {
  report = await client.recallGroupMessages({ groupId: cfg.groupId, msgSeqs, signal: ac.signal });
} catch (e) {
  report = e.report ?? { rejected: `${e.kind}: ${e.message}` };
}
const wallMs = performance.now() - tStart;
const out = { ...report, results: (report.results ?? []).map((r) => [r.msgSeq, r.outcome, r.code, r.attempts]) };
if (out.error) out.error = { kind: out.error.kind, code: out.error.code, message: out.error.message };
process.stdout.write(`${JSON.stringify({ wallMs, loadMs: tStart - t0, report: out })}\n`);
