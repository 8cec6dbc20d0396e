// @ts-check
// The few reads of caller-supplied objects that can throw, each inside try/catch, for
// boundary.rs. Why JS: wasm-bindgen's `catch` imports that return an object leak one
// externref slot each time they catch (0.2.130: the unused return slot is never freed), so a
// flood of throwing getters would grow the table without bound. Here nothing throws across
// the boundary; failures come back as the FAILED marker or a negative code, and Rust names the
// field. These helpers only copy; every type and range rule lives in Rust (serde types).

/** Returned when reading threw (a getter, a Proxy trap, a revoked Proxy, a detached buffer). */
export const FAILED = Symbol('chat-recall: unreadable');
/** copyList / bytesOf codes. */
const UNREADABLE = -1;
const TOO_MANY = -2;
// Captured at load, so later tampering with the built-ins changes nothing here.
const hasOwn = Object.prototype.hasOwnProperty;
const call = Function.prototype.call;

/**
 * `obj[key]` if `key` is an own property of `obj`, else undefined; FAILED if reading threw.
 * @param {any} obj
 * @param {string} key
 */
export function ownGet(obj, key) {
  try {
    return call.call(hasOwn, obj, key) ? obj[key] : undefined;
  } catch {
    return FAILED;
  }
}

/**
 * Whether `v` is an array; false for anything that throws (a revoked Proxy).
 * @param {unknown} v
 */
export function isArraySafe(v) {
  try {
    return Array.isArray(v);
  } catch {
    return false;
  }
}

/** @param {unknown} v objects (not functions) become a fresh empty object: never read again */
function plain(v) {
  return typeof v === 'object' && v !== null ? {} : v;
}

/**
 * An array or iterable copied into a fresh array of at most `cap` plain values, iterating at
 * most `cap + 1` times. Returns the array (a Float64Array when every element of an array is
 * a number); null if `v` is neither; TOO_MANY past the cap;
 * UNREADABLE when the length or the iteration threw; `index + 1` (> 0) when one element threw.
 * @param {any} v
 * @param {number} cap
 * @returns {unknown[] | Float64Array | null | number}
 */
export function copyList(v, cap) {
  if (isArraySafe(v)) {
    let n;
    try {
      n = v.length;
    } catch {
      return UNREADABLE;
    }
    if (typeof n !== 'number' || !(n >= 0)) return UNREADABLE;
    if (n > cap) return TOO_MANY;
    const out = new Array(n);
    let numbers = true;
    for (let i = 0; i < n; i++) {
      let x;
      try {
        x = v[i];
      } catch {
        return i + 1;
      }
      if (typeof x !== 'number') numbers = false;
      out[i] = plain(x);
    }
    // All numbers (the common case for MsgSeqs): one typed array, copied into wasm at once.
    return numbers ? new Float64Array(out) : out;
  }
  let iterator;
  try {
    const f = v[Symbol.iterator];
    if (typeof f !== 'function') return null;
    iterator = f.call(v);
    const out = [];
    for (;;) {
      const step = iterator.next();
      if (step.done) return out;
      if (out.length >= cap) {
        try {
          if (typeof iterator.return === 'function') iterator.return();
        } catch {}
        return TOO_MANY;
      }
      out.push(plain(step.value));
    }
  } catch {
    return UNREADABLE;
  }
}

/**
 * An ArrayBuffer or ArrayBuffer view as a Uint8Array over the same bytes, checked against
 * `max` on byteLength before anything is copied. null if `v` is not bytes; TOO_MANY when
 * longer than `max`; UNREADABLE when detached or lying.
 * @param {any} v
 * @param {number} max
 * @returns {Uint8Array | null | number}
 */
export function bytesOf(v, max) {
  try {
    const view = ArrayBuffer.isView(v);
    if (!view && !(v instanceof ArrayBuffer)) return null;
    const len = v.byteLength;
    if (len > max) return TOO_MANY;
    const bytes = view ? new Uint8Array(v.buffer, v.byteOffset, len) : new Uint8Array(v, 0, len);
    // A detached buffer reads as empty; refuse rather than pass silent emptiness.
    if (bytes.byteLength !== len || (len === 0 && isDetached(view ? v.buffer : v))) return UNREADABLE;
    return bytes;
  } catch {
    return UNREADABLE;
  }
}

/** @param {ArrayBuffer} b */
function isDetached(b) {
  try {
    return /** @type {any} */ (b).detached === true;
  } catch {
    return true;
  }
}
