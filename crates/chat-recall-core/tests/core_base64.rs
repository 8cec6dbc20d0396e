//! `core::base64` against the `base64` crate's STANDARD / STANDARD_NO_PAD engines (the
//! oracle): same text out, same bytes back, same refusals.
#![cfg(not(target_arch = "wasm32"))]

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine as _;
use chat_recall_core::base64 as ours;
use proptest::prelude::*;

const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";

fn arb_b64ish() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop_oneof![8 => proptest::sample::select(ALPHABET), 1 => any::<u8>()],
        0..24,
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 4000, ..ProptestConfig::default() })]

    #[test]
    fn encode_round_trips(data in proptest::collection::vec(any::<u8>(), 0..100)) {
        let enc = ours::encode(&data);
        prop_assert_eq!(&enc, &STANDARD.encode(&data));
        prop_assert_eq!(ours::decode(enc.as_bytes()), Some(data.clone()));
        prop_assert_eq!(ours::decode_unpadded(enc.trim_end_matches('=').as_bytes()), Some(data));
    }

    #[test]
    fn decode_agrees(s in arb_b64ish()) {
        prop_assert_eq!(ours::decode(&s), STANDARD.decode(&s).ok(), "{:?}", String::from_utf8_lossy(&s));
        prop_assert_eq!(ours::decode_unpadded(&s), STANDARD_NO_PAD.decode(&s).ok(), "{:?}", String::from_utf8_lossy(&s));
    }

    /// usersig::decode used to try STANDARD, then STANDARD_NO_PAD on the input with its
    /// trailing `=` trimmed; trimming and decoding unpadded is the same thing.
    #[test]
    fn usersig_leniency_unchanged(s in arb_b64ish()) {
        let trimmed = String::from_utf8_lossy(&s).trim_end_matches('=').to_string();
        let old = STANDARD.decode(&s).or_else(|_| STANDARD_NO_PAD.decode(trimmed.as_bytes())).ok();
        prop_assert_eq!(ours::decode_unpadded(trimmed.as_bytes()), old);
    }

    /// Valid encodings with one symbol changed: the refusals (trailing bits, padding) agree.
    #[test]
    fn mutated_agree(data in proptest::collection::vec(any::<u8>(), 0..20), at in any::<usize>(), c in proptest::sample::select(ALPHABET)) {
        let mut s = STANDARD.encode(&data).into_bytes();
        if !s.is_empty() {
            let i = at % s.len();
            s[i] = c;
        }
        prop_assert_eq!(ours::decode(&s), STANDARD.decode(&s).ok(), "{:?}", String::from_utf8_lossy(&s));
        prop_assert_eq!(ours::decode_unpadded(&s), STANDARD_NO_PAD.decode(&s).ok(), "{:?}", String::from_utf8_lossy(&s));
    }
}
