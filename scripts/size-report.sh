#!/usr/bin/env bash
# Size report (issue 7): prints one JSON object with the shipped .wasm (raw and gzipped, after
# wasm-opt, from pkg/), the shipped JS (every .js in pkg/ but the API reference's, each gzipped,
# summed; the reference's scripts apart as docs_js_gzip) and what each
# crate adds: `twiggy top` over the release .wasm before wasm-bindgen/wasm-opt (it still has
# the name section), each function attributed to the crate its (demangled) path starts with.
# Crate figures are bytes of that unoptimised module's code and data (names and custom sections
# left out, as in the shipped file); `share` is their fraction of it, which
# applied to the optimised size gives an estimate of each crate's cost in the package.
# Needs: bash scripts/build-pkg.sh first; twiggy (`cargo install twiggy`, done by this script).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$HOME/.cargo/bin:$PATH"
command -v twiggy >/dev/null || cargo install --quiet --locked twiggy
[ -f pkg/chat_recall_bg.wasm ] || bash scripts/build-pkg.sh >&2
raw=target/wasm32-unknown-unknown/release/chat_recall.wasm
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT
twiggy top -n 1000000 -f json "$raw" >"$tmp"
node - "$tmp" <<'JS'
const { readFileSync, readdirSync, statSync } = require('node:fs');
const { gzipSync } = require('node:zlib');
const { join } = require('node:path');
const items = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const gz = (f) => gzipSync(readFileSync(f), { level: 9 }).length;
/** The crate a demangled name belongs to: `<a::B as c::D>::f` -> a; `a::b::f` -> a. */
function crateOf(name) {
  let n = name.replace(/^</, '').replace(/^&(mut )?/, '').replace(/^dyn /, '');
  const m = /^([A-Za-z_][A-Za-z0-9_]*)(\[[0-9a-f]+\])?::/.exec(n);
  if (m) return m[1].replace(/_/g, '-');
  if (/^data|^elem|^table|^global|^type|^import|^export|^"?custom|^producers|^name/.test(n)) return '(data, tables and sections)';
  if (/^__wbg|^__wbindgen|^__externref/.test(n)) return 'wasm-bindgen';
  return '(other)';
}
// Names and wasm-bindgen's custom section are stripped from the shipped module: left out.
const shipped = items.filter((i) => !/subsection|custom section/.test(i.name));
const total = shipped.reduce((s, i) => s + i.shallow_size, 0);
const crates = {};
for (const i of shipped) crates[crateOf(i.name)] = (crates[crateOf(i.name)] ?? 0) + i.shallow_size;
const sorted = Object.fromEntries(Object.entries(crates).sort((a, b) => b[1] - a[1])
  .map(([k, v]) => [k, { bytes: v, share: Math.round((v / total) * 1000) / 1000 }]));
// The library's JS (what an application loads) apart from the API reference's own scripts
// (pkg/api/, TypeDoc's HTML pages shipped in the tarball; never imported).
const jsFiles = [];
const docsJsFiles = [];
const walk = (d, into) => { for (const f of readdirSync(d)) { const p = join(d, f); if (p === join('pkg', 'api')) walk(p, docsJsFiles); else if (statSync(p).isDirectory()) walk(p, into); else if (p.endsWith('.js')) into.push(p); } };
walk('pkg', jsFiles);
const out = {
  wasm_raw: statSync('pkg/chat_recall_bg.wasm').size,
  wasm_gzip: gz('pkg/chat_recall_bg.wasm'),
  wasm_gzip_budget: 100 * 1024,
  js_raw: jsFiles.reduce((s, f) => s + statSync(f).size, 0),
  js_gzip: jsFiles.reduce((s, f) => s + gz(f), 0),
  js_gzip_budget: 12 * 1024,
  docs_js_gzip: docsJsFiles.reduce((s, f) => s + gz(f), 0),
  unoptimised_code_and_data_bytes: total,
  crates: sorted,
};
out.met_wasm_budget = out.wasm_gzip <= out.wasm_gzip_budget;
out.met_js_budget = out.js_gzip <= out.js_gzip_budget;
console.log(JSON.stringify(out));
JS
