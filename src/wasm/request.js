// @ts-check
// The one check of `verifyCallbackRequest`'s argument that can throw, inside try/catch (see
// boundary.js for why such reads live in JS). Its own module: wasm-bindgen (0.2.130) gives
// every function the wasm imports directly from a snippet its own entry in the glue's import
// object, under the same key, and bundlers (esbuild in wrangler, Vite) warn about the
// duplicate key in every user's build. One direct import per snippet keeps the glue clean.

// A genuine fetch Request passes its own `method` getter's brand check (a Proxy or an
// object with Request.prototype as prototype does not, and would throw from the getters).
const methodGetter =
  typeof Request === 'function' ? Object.getOwnPropertyDescriptor(Request.prototype, 'method')?.get : undefined;

/**
 * Whether `v` is a real fetch Request of this platform, whose getters will not throw.
 * @param {unknown} v
 */
export function isRequest(v) {
  try {
    if (typeof Request !== 'function' || !(v instanceof Request)) return false;
    if (methodGetter) methodGetter.call(v);
    return true;
  } catch {
    return false;
  }
}
