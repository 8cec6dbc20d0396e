// Memory stability: a long-running worker must not grow. Runs rounds of 20,000 client calls
// of several kinds (bulk recall with progress, history, invalid input, UserSig signing and
// checking) through the built package with an in-memory fetch, and prints the wasm linear
// memory and the process RSS after each round, once garbage is collected.
// `node --expose-gc benches/memory.mjs` (run by scripts/bench.sh).
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

const pkg = process.env.CHAT_RECALL_PKG ?? fileURLToPath(new URL('../pkg', import.meta.url));
const lib = await import(join(pkg, 'node.js'));
const gc = globalThis.gc ?? (() => {});
const answer = new TextEncoder().encode(JSON.stringify({ ActionStatus: 'OK', ErrorCode: 0, ErrorInfo: '',
  RecallRetList: Array.from({ length: 10 }, (_, i) => ({ MsgSeq: i + 1, RetCode: i % 3 ? 0 : 10030 })) }));
const fakeFetch = async () => ({ status: 200, arrayBuffer: async () => answer.buffer.slice(0) });
const client = new lib.RecallClient({ sdkAppId: 1400000000, identifier: 'administrator', secretKey: 'k',
  baseUrl: 'http://127.0.0.1:1', maxRequestsPerSecond: 100000, fetch: fakeFetch });
const seqs = Array.from({ length: 10 }, (_, i) => i + 1);
const calls = [
  () => client.recallGroupMessages({ groupId: '@TGS#mem', msgSeqs: seqs, onProgress: () => {} }),
  () => client.getGroupHistory({ groupId: '@TGS#mem' }), // the answer is not a page: an error path
  () => client.recallGroupMessages({ groupId: '', msgSeqs: seqs }),
  async () => lib.verifyUserSig({ sdkAppId: 1400000000, secretKey: 'k', identifier: 'a',
    userSig: lib.generateUserSig({ sdkAppId: 1400000000, secretKey: 'k', identifier: 'a', expireSeconds: 60 }) }),
];
const wasmBytes = () => lib.initSync({ module: new Uint8Array() }).memory.buffer.byteLength;
const settle = async () => { for (let i = 0; i < 3; i++) { gc(); await new Promise((r) => setTimeout(r, 30)); } };
async function round(n) {
  const pending = [];
  for (let i = 0; i < n; i++) {
    pending.push(calls[i % calls.length]().catch(() => {}));
    if (pending.length >= 64) await Promise.all(pending.splice(0));
  }
  await Promise.all(pending);
}
await round(5000);
await settle();
const rounds = [];
for (let r = 0; r < 5; r++) {
  await round(20000);
  await settle();
  rounds.push({ wasm_bytes: wasmBytes(), rss_mb: +(process.memoryUsage().rss / 1e6).toFixed(1) });
}
const growth = rounds.at(-1).wasm_bytes - rounds[0].wasm_bytes;
console.log(JSON.stringify({ bench: 'memory', calls_per_round: 20000, gc_exposed: globalThis.gc !== undefined, rounds,
  wasm_growth_bytes_after_first_round: growth, flat: growth === 0 }));
