// A/B of the client's CPU per request between builds of the package, in one process:
//   node --single-threaded benches/cpu_ab.mjs /path/to/pkgA /path/to/pkgB ...
// (default: ./pkg). Each round runs one recallGroupMessages of N*10 seqs (N requests, 64 in
// flight) per package against an in-memory fetch, alternating the order; it prints the median
// and minimum µs per request. The first round is a warm-up and checks that every package
// returns the same report. Env: N (default 10000), R rounds (default 9).
// Build a second package from another commit with wasm-bindgen + wasm-opt as
// scripts/build-pkg.sh does, into a directory outside pkg/.
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { repo } from '../tests/js/install.mjs';
import { makeInstantFetch } from './instant-fetch.mjs';

const dirs = process.argv.length > 2 ? process.argv.slice(2).map((d) => resolve(d)) : [join(repo, 'pkg')];
const libs = [];
for (const d of dirs) libs.push((await import(pathToFileURL(join(d, 'node.js')).href)).RecallClient);
const N = Number(process.env.N || 10000);
const R = Number(process.env.R || 9);
const res = dirs.map(() => []);
const wres = dirs.map(() => []);
let ref;
for (let round = -1; round < R; round++) {
  const order = round % 2 ? libs.map((_, i) => i) : libs.map((_, i) => i).reverse();
  for (const k of order) {
    const c = new libs[k]({ sdkAppId: 1400000000, identifier: 'administrator', secretKey: '5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e', baseUrl: 'http://127.0.0.1:9', maxInFlight: 64, fetch: makeInstantFetch(), maxRequestsPerSecond: 100000 });
    const seqs = Array.from({ length: N * 10 }, (_, i) => i + 1);
    const c0 = process.cpuUsage();
    const w0 = performance.now();
    const r = await c.recallGroupMessages({ groupId: 'cpu-bench-group', msgSeqs: seqs });
    const cu = process.cpuUsage(c0);
    const wall = ((performance.now() - w0) * 1000) / N;
    if (r.recalled !== N * 9 || r.results.length !== N * 10) throw new Error(`unexpected report from ${dirs[k]}`);
    if (round >= 0) { res[k].push((cu.user + cu.system) / N); wres[k].push(wall); }
    if (round === -1) {
      const t = JSON.stringify(r);
      ref ??= t;
      if (t !== ref) throw new Error(`reports differ: ${dirs[k]}`);
    }
  }
}
const med = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
dirs.forEach((d, k) => console.log(`${d}: cpu µs/request median ${med(res[k]).toFixed(2)} min ${Math.min(...res[k]).toFixed(2)}; wall median ${med(wres[k]).toFixed(2)} min ${Math.min(...wres[k]).toFixed(2)}`));
