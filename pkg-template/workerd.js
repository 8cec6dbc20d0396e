// Cloudflare Workers entry: wrangler bundles the .wasm import as a compiled
// WebAssembly.Module, which is instantiated synchronously on import.
import wasmModule from './chat_recall_bg.wasm';
import { initSync } from './chat_recall.js';

initSync({ module: wasmModule });

export async function init() {}
export { initSync };
export * from './chat_recall.js';
export { RecallError } from './recall_error.js';
// Takes precedence over the glue's class of the same name exported by `export *` above.
export { RecallClient } from './client.js';
export default init;
