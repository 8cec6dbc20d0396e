// RecallClient as the package exports it: the wasm-bindgen class plus one guarantee that class
// lacks. After free(), a call rejects with a RecallError (kind "invalid_input") instead of
// wasm-bindgen's plain "null pointer passed to rust" Error, and a second free() is a no-op.
import { RecallClient as WasmRecallClient } from './chat_recall.js';
import { RecallError } from './recall_error.js';

const freed = new WeakSet();

export class RecallClient extends WasmRecallClient {
  free() {
    if (freed.has(this)) return;
    freed.add(this);
    super.free();
  }
}

for (const name of ['recallGroupMessages', 'recallGroupMessagesBySender', 'recallC2CMessage', 'getGroupHistory', 'getC2CHistory']) {
  const method = WasmRecallClient.prototype[name];
  Object.defineProperty(RecallClient.prototype, name, {
    value: function (args) {
      if (freed.has(this)) {
        return Promise.reject(new RecallError({ kind: 'invalid_input', info: `client: ${name}() called after free()` }));
      }
      return method.call(this, args);
    },
    writable: true,
    configurable: true,
  });
}
if (typeof Symbol.dispose === 'symbol') RecallClient.prototype[Symbol.dispose] = RecallClient.prototype.free;
