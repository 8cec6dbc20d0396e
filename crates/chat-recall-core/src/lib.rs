//! chat-recall-core: the sans-IO protocol core of chat-recall, for Tencent Cloud Chat's REST
//! API (recall group and one-to-one messages, read history, verify recall webhooks).
//!
//! Pure Rust with no I/O, no clock and no randomness: every function that needs the time
//! (`now`) or a random number takes it as an argument, and returns a description of what to
//! send or what was received. Scheduling time is monotonic milliseconds (`now_ms`); wall-clock
//! seconds are used only for UserSigs and webhook `RequestTime`s. The caller (the wasm glue,
//! the emulator, a test) owns the sockets and timers, in the style of `httparse` and
//! `quinn-proto`.
//!
//! # Call order
//!
//! 1. **Credentials**: [`usersig::generate`] signs a UserSig (TLSSigAPIv2) for the admin
//!    account; [`endpoint::Caller`] and [`endpoint::BaseUrl`] say who calls and where.
//! 2. **Requests**: build a validated request from [`requests`] (errors name the JS field,
//!    like `msgSeqs[3]`), take its [`requests::Request::body`] and the URL from
//!    [`endpoint::request_url`] (with a fresh `random`), and POST it.
//! 3. **Answers**: hand the HTTP status and the body bytes to the matching parser,
//!    [`responses::parse_group_recall`], [`responses::parse_sender_recall`],
//!    [`responses::parse_c2c_withdraw`], [`history::parse_group_history`] or
//!    [`history::parse_c2c_history`]; each checks the envelope ([`responses::parse_envelope`])
//!    and maps the service's ErrorCode through [`error::classify`].
//! 4. **Bulk recalls**: [`bulk::GroupRecallJob`] (or [`scheduler::SingleJob`]) drives many
//!    requests: call `poll(now_ms, pacer)` for the next [`scheduler::Action`] (send, wait,
//!    finish), feed each answer back with `on_response`, and read the report from `finish`.
//!    [`pacer`] keeps the service's rate limit and [`retry`] the backoff; the caller supplies
//!    `now_ms` and the jitter.
//! 5. **Webhooks**: [`webhook::parse_callback`] verifies a callback (SdkAppid, `Sign` and
//!    `RequestTime` unless [`webhook::CallbackAuth::Unsigned`] is chosen explicitly) and
//!    parses its body; answer with [`webhook::callback_ack`].
//!
//! # Wire formats
//!
//! JSON goes through serde and serde_json with derived types that borrow from the input
//! ([`wire`]); integers are kept exact (`u64`/`i64`, never `f64`); base64 and zlib for
//! UserSigs come from the `base64` and `miniz_oxide` crates; query strings are decoded as
//! `URLSearchParams` decodes them. Limits shared by every part live in [`limits`].

#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod arrival_window;
pub mod bulk;
pub mod endpoint;
pub mod error;
pub mod history;
pub mod limits;
pub mod pacer;
pub mod requests;
pub mod responses;
pub mod retry;
pub mod scheduler;
pub mod text;
pub mod usersig;
pub mod webhook;
pub mod wire;
