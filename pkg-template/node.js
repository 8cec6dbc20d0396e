// Node 20+ entry: the module is compiled and instantiated on import; `init()` is a no-op
// kept so the same code runs everywhere.
import { readFileSync } from 'node:fs';
import { initSync } from './chat_recall.js';

initSync({ module: readFileSync(new URL('./chat_recall_bg.wasm', import.meta.url)) });

export async function init() {}
export { initSync };
export * from './chat_recall.js';
export { RecallError } from './recall_error.js';
// Takes precedence over the glue's class of the same name exported by `export *` above.
export { RecallClient } from './client.js';
export default init;
