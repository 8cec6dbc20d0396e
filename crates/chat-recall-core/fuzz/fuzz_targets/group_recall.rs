//! `responses::parse_group_recall(http_status, body)`: any status and body; never panics, non-200 is never a success.
#![no_main]

use chat_recall_core::responses::parse_group_recall;
use chat_recall_core_fuzz::{assert_non_200_is_err, status_and_body};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (status, body) = status_and_body(data);
    let r = parse_group_recall(status, body);
    assert_non_200_is_err(status, &r);
});
