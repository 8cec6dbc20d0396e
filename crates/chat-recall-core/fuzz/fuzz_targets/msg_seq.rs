//! `requests::parse_msg_seq`: a success is a positive integer <= 2^53-1 whose decimal form is
//! the input without leading zeros; errors name the field.
#![no_main]

use chat_recall_core::requests::parse_msg_seq;
use libfuzzer_sys::fuzz_target;

const MAX_SAFE_INTEGER: u64 = (1 << 53) - 1;

fuzz_target!(|s: &str| {
    match parse_msg_seq("msgSeqs[0]", s) {
        Ok(n) => {
            assert!((1..=MAX_SAFE_INTEGER).contains(&n));
            assert_eq!(n.to_string(), s.trim_start_matches('0'));
        }
        Err(e) => assert!(e.info.starts_with("msgSeqs[0]: "), "{e}"),
    }
});
