//! chat-recall-core: the sans-IO protocol core of chat-recall. Pure Rust: every function takes `now` and `random` as
//! arguments where it needs them and returns descriptions of requests or parsed results.

#![forbid(unsafe_code)]

pub mod base64;
pub mod bulk;
pub mod endpoint;
pub mod error;
pub mod history;
pub mod inflate;
pub mod json;
pub mod pacer;
pub mod requests;
pub mod responses;
pub mod retry;
pub mod scheduler;
pub mod text;
pub mod usersig;
pub mod webhook;
