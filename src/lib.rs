//! chat-recall: recall Tencent Cloud Chat messages from browsers, Cloudflare Workers and Node.
//!
//! `core` is a sans-IO protocol core (no clock, no randomness, no I/O): it validates input,
//! describes requests and parses responses. `wasm` binds it to JavaScript and performs fetches.

pub mod core;

// Public only so the wasm-bindgen-test suites can reach the bindings; not a Rust API.
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod wasm;
