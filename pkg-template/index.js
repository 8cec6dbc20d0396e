// Browser and bundler entry: call `await init()` once before using anything else.
// `init()` fetches chat_recall_bg.wasm next to this file (bundlers such as Vite follow the
// `new URL(..., import.meta.url)` inside it); pass a URL, Response, bytes or a
// WebAssembly.Module to load it from elsewhere.
import wasmInit, { initSync } from './chat_recall.js';

let ready;
export function init(input) {
  // Concurrent callers share one load; a failed load (offline, wrong URL) can be retried.
  ready ??= wasmInit(input === undefined ? undefined : { module_or_path: input }).then(
    () => undefined,
    (e) => {
      ready = undefined;
      throw e;
    },
  );
  return ready;
}
export { initSync };
export * from './chat_recall.js';
export { RecallError } from './recall_error.js';
// Takes precedence over the glue's class of the same name exported by `export *` above.
export { RecallClient } from './client.js';
export default init;
