//! The JS runtime services the client needs. The driver loop, `fetch`, `setTimeout`, the
//! per-attempt `AbortController`s and the caller's AbortSignal live in `driver.js`: promises,
//! timers and closures cost far more as Rust-to-JS bridges in the wasm than as a few lines
//! of JS. `client` hands the driver a `step` function over a sans-IO job.
//!
//! Only globals are used (never `window`), so one build runs in pages, Web Workers,
//! Cloudflare Workers and Node.

use std::cell::RefCell;

use js_sys::Promise;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/wasm/driver.js")]
extern "C" {
    /// Runs `step` (operations: the `ops` table built from `client::Op`) until the job is
    /// done; resolves with what the final step returns, rejects with what it throws.
    /// `progress`: call the After step after answers were fed (an `onProgress` callback).
    #[wasm_bindgen(js_name = runJob)]
    /// `gate`: the caller's `rateGate` or undefined (asked with each request's command path);
    /// `on_request`: the client's `onRequest` hook or undefined.
    pub fn run_job(
        step: JsValue,
        ops: &JsValue,
        fetch: &JsValue,
        gate: &JsValue,
        timeout_ms: f64,
        signal: &JsValue,
        progress: bool,
        on_request: &JsValue,
    ) -> Promise;

    /// A page or a browser worker (not Node, Deno or Cloudflare Workers): no secret key here.
    #[wasm_bindgen(js_name = inBrowser)]
    pub fn in_browser() -> bool;

    /// A group recall's report object from its counts (requested, recalled, failed,
    /// requests, retries), its results as (seq, code, message index * 2 + ok) triples and
    /// the JSON array of messages the indices point into.
    #[wasm_bindgen(js_name = makeReport)]
    pub fn make_report(
        group_id: &str,
        topic_id: &JsValue,
        counts: &[f64],
        results: &[f64],
        messages: &str,
    ) -> JsValue;
}

#[wasm_bindgen]
extern "C" {
    /// `performance.now()`: monotonic milliseconds, for pacing, retries and timeouts.
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn performance_now() -> f64;
}

/// Monotonic milliseconds: every scheduling decision (pacer, retry backoff) uses this
/// clock, so a wall-clock step backwards cannot stall the pacer.
pub fn monotonic_ms() -> f64 {
    performance_now()
}

/// Wall-clock milliseconds since the Unix epoch: only for UserSig times.
pub fn wall_ms() -> f64 {
    js_sys::Date::now()
}

/// Random u32s from getrandom (crypto.getRandomValues), drawn 256 at a time: one
/// getRandomValues call per request costs more than the rest of the request's CPU work.
struct Pool {
    words: [u32; 256],
    at: usize,
    /// Mixed in when the runtime has no CSPRNG (`random` only has to differ per request).
    fallback: u32,
}

thread_local! {
    static POOL: RefCell<Pool> = const { RefCell::new(Pool { words: [0; 256], at: 256, fallback: 0 }) };
}

/// A fresh u32 for the request `random` and the retry jitter.
pub fn random_u32() -> u32 {
    POOL.with_borrow_mut(|p| {
        if p.at >= p.words.len() {
            let mut bytes = [0u8; 1024];
            if getrandom::fill(&mut bytes).is_err() {
                p.fallback = p.fallback.wrapping_mul(2_654_435_761).wrapping_add(1);
                return p.fallback ^ performance_now() as u32;
            }
            for (w, c) in p.words.iter_mut().zip(bytes.chunks_exact(4)) {
                *w = u32::from_le_bytes([c[0], c[1], c[2], c[3]]);
            }
            p.at = 0;
        }
        let w = p.words[p.at];
        p.at += 1;
        w
    })
}
