//! chat-recall: recall Tencent Cloud Chat messages from browsers, Cloudflare Workers and Node.
//!
//! The protocol is the sans-IO crate `chat-recall-core` (no clock, no randomness, no I/O): it validates input,
//! describes requests and parses responses. `wasm` binds it to JavaScript and performs fetches.

// The protocol itself lives in the `chat-recall-core` crate; this crate is the wasm glue.
pub use chat_recall_core as protocol;

// Public only so the wasm-bindgen-test suites can reach the bindings; not a Rust API.
#[cfg(target_arch = "wasm32")]
#[doc(hidden)]
pub mod wasm;
