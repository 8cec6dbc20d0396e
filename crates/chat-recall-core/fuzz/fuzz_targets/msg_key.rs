//! `requests::check_msg_key`: accepts exactly three runs of 1..=20 ASCII digits joined by `_`.
#![no_main]

use chat_recall_core::requests::check_msg_key;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|key: &str| {
    let ok = check_msg_key("msgKey", key).is_ok();
    let parts: Vec<&str> = key.split('_').collect();
    let shaped = parts.len() == 3
        && parts
            .iter()
            .all(|p| (1..=20).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()));
    assert_eq!(ok, shaped, "{key:?}");
});
