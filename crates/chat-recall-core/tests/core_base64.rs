//! UserSig base64 through the public API, with the `base64` crate's STANDARD and
//! STANDARD_NO_PAD engines as the reference: signed userbufs are standard padded base64 and
//! come back byte for byte; a UserSig's outer base64 is read padded or not (generators
//! differ, some pad wrongly) and otherwise strictly (no other alphabet, no non-zero unused
//! bits), exactly as the engines decide.
#![cfg(not(target_arch = "wasm32"))]

use base64::engine::general_purpose::{STANDARD, STANDARD_NO_PAD};
use base64::Engine as _;
use chat_recall_core::usersig::{self, SignRequest};
use proptest::prelude::*;

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";
const ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=";

fn sign(user_buf: Option<&[u8]>) -> String {
    usersig::generate(&SignRequest {
        sdk_app_id: 1400000000,
        secret_key: KEY,
        identifier: "admin",
        expire_seconds: 86400,
        user_buf,
        now: 1700000000,
    })
    .unwrap()
}

/// TLSSigAPIv2's URL-safe spelling of standard base64.
fn escape(b64: &str) -> String {
    b64.replace('+', "*").replace('/', "-").replace('=', "_")
}

fn unescape(sig: &str) -> String {
    sig.replace('*', "+").replace('-', "/").replace('_', "=")
}

fn arb_b64ish() -> impl Strategy<Value = Vec<u8>> {
    proptest::collection::vec(
        prop_oneof![8 => proptest::sample::select(ALPHABET), 1 => any::<u8>()],
        0..24,
    )
}

/// `decode` refused `sig` for its base64 (and not for what came after).
fn refused_as_base64(sig: &str) -> bool {
    matches!(usersig::decode(sig), Err(e) if e.info == "userSig: malformed (not base64)")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 2000, ..ProptestConfig::default() })]

    /// The userbuf is written as STANDARD base64 (padded) and read back unchanged.
    #[test]
    fn userbuf_round_trips(data in proptest::collection::vec(any::<u8>(), 0..100)) {
        let sig = sign(Some(&data));
        let doc = usersig::decode(&sig).unwrap();
        prop_assert_eq!(doc.user_buf_b64, Some(STANDARD.encode(&data)));
        let info = usersig::verify(1400000000, KEY, "admin", &sig, 1700000000).unwrap();
        prop_assert_eq!(info.user_buf, Some(data));
    }

    /// Any base64-ish text as a UserSig: refused for its base64 exactly when the trimmed
    /// text is not STANDARD_NO_PAD base64 (which is also when neither STANDARD on the text
    /// nor STANDARD_NO_PAD on the trimmed text accepts it: the leniency we always had).
    #[test]
    fn outer_base64_leniency(s in arb_b64ish()) {
        let text = String::from_utf8_lossy(&s).to_string();
        let trimmed = text.trim_end_matches('=');
        let accepted = STANDARD_NO_PAD.decode(trimmed).is_ok();
        let old = STANDARD.decode(&s).or_else(|_| STANDARD_NO_PAD.decode(trimmed)).is_ok();
        prop_assert_eq!(accepted, old);
        // (Text holding TLSSigAPIv2's own symbols `* - _` would mean something else.)
        if !text.trim().is_empty() && text.trim() == text && !text.contains(['*', '-', '_']) {
            prop_assert_eq!(refused_as_base64(&escape(&text)), !accepted, "{:?}", text);
        }
    }

    /// Valid UserSigs with one symbol changed: the base64 verdict is the engine's.
    #[test]
    fn mutated_sigs(at in any::<usize>(), c in proptest::sample::select(ALPHABET)) {
        let mut b64 = unescape(&sign(None)).into_bytes();
        let i = at % b64.len();
        b64[i] = c;
        let text = String::from_utf8(b64).unwrap();
        let accepted = STANDARD_NO_PAD.decode(text.trim_end_matches('=')).is_ok();
        prop_assert_eq!(refused_as_base64(&escape(&text)), !accepted, "{:?}", text);
    }
}

#[test]
fn padded_unpadded_and_wrongly_padded_all_verify() {
    let sig = sign(Some(b"x"));
    let bare = sig.trim_end_matches('_');
    for variant in [
        sig.clone(),
        bare.to_string(),
        format!("{bare}_"),
        format!("{bare}___"),
    ] {
        assert!(
            usersig::verify(1400000000, KEY, "admin", &variant, 1700000000).is_ok(),
            "{variant}"
        );
    }
    // The HMAC inside (`TLS.sig`) is canonical padded base64 of 32 bytes.
    let doc = usersig::decode(&sig).unwrap();
    assert_eq!(STANDARD.decode(&doc.sig).unwrap().len(), 32);
    // Non-zero unused bits in the last symbol are refused, as by the engine.
    let mut odd = unescape(bare);
    let last = odd.pop().unwrap();
    let next = ALPHABET[(ALPHABET.iter().position(|&b| b == last as u8).unwrap() + 1) % 64];
    odd.push(next as char);
    assert_eq!(
        refused_as_base64(&escape(&odd)),
        STANDARD_NO_PAD.decode(&odd).is_err()
    );
}
