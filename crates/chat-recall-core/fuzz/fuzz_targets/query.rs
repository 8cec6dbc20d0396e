//! `endpoint::parse_query` (the query handling behind webhooks and the emulator, decoded as
//! URLSearchParams does): a parsed query re-encoded with `percent_encode_into` parses back to the same pairs.
#![no_main]

use chat_recall_core::endpoint::{parse_query, percent_encode_into};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|q: &str| {
    let pairs = parse_query(q);
    let mut again = String::new();
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            again.push('&');
        }
        percent_encode_into(&mut again, k);
        again.push('=');
        percent_encode_into(&mut again, v);
    }
    assert_eq!(parse_query(&again), pairs, "{again:?}");
});
