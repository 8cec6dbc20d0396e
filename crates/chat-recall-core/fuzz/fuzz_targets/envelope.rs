//! `responses::parse_envelope(api, http_status, body)` for every API: the second byte picks
//! the API. Never panics; non-200 is never a success.
#![no_main]

use chat_recall_core::endpoint::Api;
use chat_recall_core::responses::parse_envelope;
use chat_recall_core_fuzz::{assert_non_200_is_err, status_and_body};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (status, rest) = status_and_body(data);
    let Some((a, body)) = rest.split_first() else {
        return;
    };
    let api = Api::ALL[usize::from(*a) % Api::ALL.len()];
    let r = parse_envelope(api, status, body);
    assert_non_200_is_err(status, &r);
});
