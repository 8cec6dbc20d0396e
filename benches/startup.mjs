// Start-up and size benchmark: `node benches/startup.mjs` after `bash scripts/build-pkg.sh`.
// Prints one JSON object: the package's sizes (raw and gzip) against the contract's budgets,
// and the time to compile + instantiate the module in Node (fresh glue instance each round).
import { readFileSync, readdirSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { join } from 'node:path';
import { pathToFileURL, fileURLToPath } from 'node:url';

const pkg = process.env.CHAT_RECALL_PKG ?? fileURLToPath(new URL('../pkg', import.meta.url));
const wasm = readFileSync(join(pkg, 'chat_recall_bg.wasm'));
// All JS the package ships: loaders, wasm-bindgen glue and its snippets (driver, RecallError).
// (Not the API reference's page scripts in api/: documentation, never loaded by the package.)
const glueFiles = readdirSync(pkg, { recursive: true }).filter((f) => String(f).endsWith('.js') && !String(f).startsWith('api/'));
const glue = Buffer.concat(glueFiles.map((f) => readFileSync(join(pkg, String(f)))));
const gz = (b) => gzipSync(b, { level: 9 }).length;

const rounds = 30;
const compile = [];
const instantiate = [];
for (let i = 0; i < rounds; i++) {
  // A fresh copy of the glue module each round (query string), so initSync really runs.
  const glueModule = await import(`${pathToFileURL(join(pkg, 'chat_recall.js')).href}?round=${i}`);
  const t0 = performance.now();
  const module = new WebAssembly.Module(wasm);
  const t1 = performance.now();
  glueModule.initSync({ module });
  const t2 = performance.now();
  compile.push(t1 - t0);
  instantiate.push(t2 - t1);
  glueModule.callbackAck(); // it works
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const compileMs = median(compile.slice(5));
const instantiateMs = median(instantiate.slice(5));
const out = {
  bench: 'startup',
  wasm_raw: wasm.length,
  wasm_gzip: gz(wasm),
  wasm_gzip_budget: 102400, // 100 KB gzipped (issue 7)
  glue_raw: glue.length,
  glue_gzip: gz(glue),
  glue_gzip_budget: 12288, // 12 KB gzipped (issue 7)
  node_compile_ms: +compileMs.toFixed(3),
  node_instantiate_ms: +instantiateMs.toFixed(3),
  node_ready_ms: +(compileMs + instantiateMs).toFixed(3),
  ready_budget_ms: 5,
};
out.met_wasm_size = out.wasm_gzip <= out.wasm_gzip_budget;
out.met_glue_size = out.glue_gzip <= out.glue_gzip_budget;
out.met_ready = out.node_ready_ms < out.ready_budget_ms;
console.log(JSON.stringify(out));
