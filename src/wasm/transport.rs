//! The JS runtime services the client needs. The driver loop, `fetch`, `setTimeout`, the
//! per-attempt `AbortController`s and the caller's AbortSignal live in `driver.js`: promises,
//! timers and closures cost far more as Rust-to-JS bridges in the wasm than as a few lines
//! of JS. `client` hands the driver a `step` function over a sans-IO job.
//!
//! Only globals are used (never `window`), so one build runs in pages, Web Workers,
//! Cloudflare Workers and Node.

use js_sys::Promise;
use wasm_bindgen::prelude::*;

#[wasm_bindgen(module = "/src/wasm/driver.js")]
extern "C" {
    /// Runs `step` (see driver.js for its operations) until the job is done; resolves with
    /// what the final step returns, rejects with what it throws.
    #[wasm_bindgen(js_name = runJob)]
    /// `progress`: call the AFTER step after answers were fed (an `onProgress` callback);
    /// `on_request`: the client's `onRequest` hook or undefined.
    pub fn run_job(
        step: JsValue,
        fetch: &JsValue,
        timeout_ms: f64,
        signal: &JsValue,
        progress: bool,
        on_request: &JsValue,
    ) -> Promise;

    /// A fresh u32 from the runtime's CSPRNG (crypto.getRandomValues), for `random` and jitter.
    /// A page or a browser worker (not Node, Deno or Cloudflare Workers): no secret key here.
    #[wasm_bindgen(js_name = inBrowser)]
    pub fn in_browser() -> bool;

    #[wasm_bindgen(js_name = randomU32)]
    pub fn random_u32() -> u32;

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

/// Milliseconds on the JS clock. The only clock the client reads.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}
