//! UserSig zlib through the public API (miniz_oxide inside): a document compressed at any
//! level (0-10) verifies; damaged, truncated and random streams are refused or read, never a
//! panic, with the same verdict as miniz_oxide itself; the inflated size is bounded
//! (`MAX_INFLATED_LEN`), so a small hostile UserSig cannot allocate without limit; a zlib
//! header with CINFO > 7 or a preset dictionary is refused.
#![cfg(not(target_arch = "wasm32"))]

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use chat_recall_core::usersig::{self, SignRequest, MAX_INFLATED_LEN};
use miniz_oxide::deflate::compress_to_vec_zlib;
use miniz_oxide::inflate::decompress_to_vec_zlib;
use proptest::prelude::*;

const KEY: &str = "5bd2850fff3ecb11d7c805251c51ee463a25727bddc2385f3fa8bfee1bb93b5e";

fn sign(user_buf: Option<&[u8]>) -> String {
    usersig::generate(&SignRequest {
        sdk_app_id: 1400000000,
        secret_key: KEY,
        identifier: "administrator",
        expire_seconds: 86400,
        user_buf,
        now: 1700000000,
    })
    .unwrap()
}

fn escape(b64: &str) -> String {
    b64.replace('+', "*").replace('/', "-").replace('=', "_")
}

fn unescape(sig: &str) -> String {
    sig.replace('*', "+").replace('-', "/").replace('_', "=")
}

/// The zlib stream inside a UserSig, and a UserSig around a zlib stream.
fn stream_of(sig: &str) -> Vec<u8> {
    STANDARD.decode(unescape(sig)).unwrap()
}
fn sig_of(stream: &[u8]) -> String {
    escape(&STANDARD.encode(stream))
}

fn not_zlib(sig: &str) -> bool {
    matches!(usersig::decode(sig), Err(e) if e.info == "userSig: malformed (not a zlib stream)")
}

fn verify(sig: &str) -> bool {
    usersig::verify(1400000000, KEY, "administrator", sig, 1700000000).is_ok()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1000, ..ProptestConfig::default() })]

    /// Any compression level verifies (the Node, Python and Java libraries compress; Go
    /// writes stored blocks, as we do).
    #[test]
    fn every_level_verifies(user_buf in proptest::option::of(proptest::collection::vec(any::<u8>(), 0..1024)), level in 0u8..=10) {
        let json = decompress_to_vec_zlib(&stream_of(&sign(user_buf.as_deref()))).unwrap();
        let sig = sig_of(&compress_to_vec_zlib(&json, level));
        prop_assert!(verify(&sig));
        let info = usersig::verify(1400000000, KEY, "administrator", &sig, 1700000000).unwrap();
        prop_assert_eq!(info.user_buf, user_buf);
    }

    /// Damaged streams: never a panic; refused as "not a zlib stream" exactly when
    /// miniz_oxide refuses them (within the bound).
    #[test]
    fn damaged_streams(level in 0u8..=10, edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..4), 1..4)) {
        let json = decompress_to_vec_zlib(&stream_of(&sign(Some(b"room")))).unwrap();
        let mut z = compress_to_vec_zlib(&json, level);
        for (at, b, kind) in edits {
            if z.is_empty() { break; }
            let i = at % z.len();
            match kind {
                0 => z[i] ^= 1 << (b % 8),
                1 => z[i] = b,
                2 => z.truncate(i),
                _ => { z.remove(i); }
            }
        }
        if z.is_empty() { return Ok(()); }
        let sig = sig_of(&z);
        let miniz_ok = miniz_oxide::inflate::decompress_to_vec_zlib_with_limit(&z, MAX_INFLATED_LEN).is_ok();
        prop_assert_eq!(not_zlib(&sig), !miniz_ok);
        let _ = usersig::verify(1400000000, KEY, "administrator", &sig, 1700000000);
    }

    #[test]
    fn random_streams(body in proptest::collection::vec(any::<u8>(), 0..200), header in prop_oneof![Just([0x78u8, 0x9c]), Just([0x78, 0x01]), Just([0x78, 0xda]), any::<[u8; 2]>()]) {
        let mut z = header.to_vec();
        z.extend_from_slice(&body);
        let _ = usersig::decode(&sig_of(&z));
    }
}

#[test]
fn stored_blocks_as_written_by_go() {
    // What we write: zlib header 78 01 and a final stored block, as Tencent's Go library.
    let z = stream_of(&sign(None));
    assert_eq!(&z[..3], &[0x78, 0x01, 0x01]);
    assert!(verify(&sig_of(&z)));
}

#[test]
fn inflated_size_is_bounded() {
    // A valid document padded with whitespace to just under / over the bound: a few hundred
    // bytes of UserSig that would inflate past it are refused before they are read.
    let json = decompress_to_vec_zlib(&stream_of(&sign(None))).unwrap();
    let mut fits = json.clone();
    fits.resize(MAX_INFLATED_LEN, b' ');
    assert!(verify(&sig_of(&compress_to_vec_zlib(&fits, 9))));
    let mut over = json.clone();
    over.resize(MAX_INFLATED_LEN + 1, b' ');
    let sig = sig_of(&compress_to_vec_zlib(&over, 9));
    assert!(sig.len() < 400, "{}", sig.len());
    assert!(not_zlib(&sig));
    // A bomb: 64 MiB of spaces compresses to ~64 KiB, still refused by the same bound
    // (it is over the UserSig length limit first; the bound holds even without it).
    let bomb = compress_to_vec_zlib(&vec![b' '; 1 << 20], 10);
    assert!(usersig::decode(&sig_of(&bomb)).is_err());
}

#[test]
fn hand_made_streams() {
    let json = decompress_to_vec_zlib(&stream_of(&sign(None))).unwrap();
    let good = compress_to_vec_zlib(&json, 6);
    assert!(verify(&sig_of(&good)));
    // Wrong Adler-32.
    let mut bad_sum = good.clone();
    let n = bad_sum.len();
    bad_sum[n - 1] ^= 1;
    assert!(not_zlib(&sig_of(&bad_sum)));
    // CINFO > 7 (a window larger than deflate allows): header 0x88 with a valid FCHECK.
    let mut big_window = good.clone();
    big_window[0] = 0x88;
    big_window[1] = (31 - ((0x88u16 << 8) % 31) as u8 % 31) % 31;
    assert_eq!(
        (u16::from(big_window[0]) << 8 | u16::from(big_window[1])) % 31,
        0
    );
    assert!(not_zlib(&sig_of(&big_window)));
    // Preset dictionary (FDICT), wrong method, empty.
    assert!(not_zlib(&sig_of(&[0x78, 0x20 | 0x1b, 3, 0, 0, 0, 0, 1])));
    assert!(not_zlib(&sig_of(&[0x79, 0x01, 3, 0, 0, 0, 0, 1])));
    assert!(usersig::decode("").is_err());
}
