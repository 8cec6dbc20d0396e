//! The sans-IO protocol core. Pure Rust: every function takes `now` and `random` as
//! arguments where it needs them and returns descriptions of requests or parsed results.

pub mod error;
pub mod text;
pub mod json;
pub mod base64;
pub mod inflate;
pub mod endpoint;
pub mod usersig;
pub mod webhook;
pub mod requests;
pub mod responses;
pub mod history;
pub mod pacer;
pub mod retry;
pub mod scheduler;
pub mod bulk;
