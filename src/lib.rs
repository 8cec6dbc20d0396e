//! chat-recall: recall Tencent Cloud Chat messages from browsers, Cloudflare Workers and Node.
//!
//! `core` is a sans-IO protocol core (no clock, no randomness, no I/O): it validates input,
//! describes requests and parses responses. `wasm` binds it to JavaScript and performs fetches.

pub mod core;

#[cfg(target_arch = "wasm32")]
mod wasm;
