//! `core::inflate` against miniz_oxide (the oracle): every zlib stream miniz_oxide writes
//! (levels 0-10) decodes to the original, and on mutated, truncated and random streams both
//! give the same result (the same bytes, or both refuse), including the output cap.
#![cfg(not(target_arch = "wasm32"))]

use chat_recall_core::inflate::zlib_decompress;
use miniz_oxide::deflate::compress_to_vec_zlib;
use miniz_oxide::inflate::decompress_to_vec_zlib_with_limit;
use proptest::prelude::*;

fn oracle(data: &[u8], limit: usize) -> Option<Vec<u8>> {
    decompress_to_vec_zlib_with_limit(data, limit).ok()
}

/// Text-like data: repeats and a small alphabet, so every block type and long matches occur.
fn arb_plain() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..600),
        proptest::collection::vec(
            proptest::sample::select(&b"TLS.sig\":{}0123456789abc "[..]),
            0..3000
        ),
        (proptest::collection::vec(any::<u8>(), 1..40), 1usize..200).prop_map(|(p, n)| p.repeat(n)),
    ]
}

/// Most damaged streams fail on the checksum alone. To compare the decoders themselves, let
/// miniz_oxide decode ignoring Adler-32 and write the right checksum into the trailer.
fn fix_adler(z: &mut [u8]) -> bool {
    use miniz_oxide::inflate::core::inflate_flags::*;
    use miniz_oxide::inflate::core::{decompress, DecompressorOxide};
    use miniz_oxide::inflate::TINFLStatus;
    let mut d = DecompressorOxide::new();
    let mut out = vec![0u8; 1 << 17];
    let flags = TINFL_FLAG_PARSE_ZLIB_HEADER
        | TINFL_FLAG_IGNORE_ADLER32
        | TINFL_FLAG_USING_NON_WRAPPING_OUTPUT_BUF;
    let (status, read, written) = decompress(&mut d, z, &mut out, 0, flags);
    if status != TINFLStatus::Done || read < 4 {
        return false;
    }
    let sum = adler32(&out[..written]);
    z[read - 4..read].copy_from_slice(&sum.to_be_bytes());
    true
}

fn adler32(data: &[u8]) -> u32 {
    let (mut a, mut b) = (1u32, 0u32);
    for &x in data {
        a = (a + u32::from(x)) % 65521;
        b = (b + a) % 65521;
    }
    b << 16 | a
}

fn check(stream: &[u8], limit: usize) -> Result<(), TestCaseError> {
    let ours = zlib_decompress(stream, limit);
    let want = oracle(stream, limit);
    prop_assert_eq!(ours, want, "stream {:02x?}", stream);
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 3000, ..ProptestConfig::default() })]

    #[test]
    fn round_trips_every_level(plain in arb_plain(), level in 0u8..=10) {
        let z = compress_to_vec_zlib(&plain, level);
        prop_assert_eq!(zlib_decompress(&z, 1 << 20), Some(plain.clone()));
        prop_assert_eq!(zlib_decompress(&z, plain.len()), Some(plain.clone()));
        if !plain.is_empty() {
            prop_assert_eq!(zlib_decompress(&z, plain.len() - 1), None);
            check(&z, plain.len() - 1)?;
        }
    }

    #[test]
    fn mutated_streams_agree(plain in arb_plain(), level in 0u8..=10, edits in proptest::collection::vec((any::<usize>(), any::<u8>(), 0u8..4), 1..4), limit in prop_oneof![Just(1usize << 20), 0usize..4000]) {
        let mut z = compress_to_vec_zlib(&plain, level);
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
        check(&z, limit)?;
        if fix_adler(&mut z) {
            check(&z, limit)?;
        }
    }

    #[test]
    fn random_streams_agree(body in proptest::collection::vec(any::<u8>(), 0..200), header in prop_oneof![Just([0x78u8, 0x9c]), Just([0x78, 0x01]), Just([0x78, 0xda]), any::<[u8; 2]>()]) {
        let mut z = header.to_vec();
        z.extend_from_slice(&body);
        check(&z, 1 << 16)?;
        if fix_adler(&mut z) {
            prop_assert!(zlib_decompress(&z, 1 << 16).is_some() || oracle(&z, 1 << 16).is_none());
            check(&z, 1 << 16)?;
        }
    }
}

#[test]
fn hand_made_streams() {
    // Empty stored block, empty input.
    assert_eq!(
        zlib_decompress(&[0x78, 0x01, 1, 0, 0, 0xff, 0xff, 0, 0, 0, 1], 10),
        Some(vec![])
    );
    assert_eq!(zlib_decompress(&[], 10), None);
    // Wrong Adler-32, preset dictionary, wrong method: refused by both.
    for z in [
        &[0x78u8, 0x01, 1, 0, 0, 0xff, 0xff, 0, 0, 0, 2][..],
        &[0x78, 0x20 | 0x1b, 3, 0, 0, 0, 0, 1],
        &[0x79, 0x01, 3, 0],
    ] {
        assert_eq!(zlib_decompress(z, 10), None);
        assert!(oracle(z, 10).is_none());
    }
}

/// Guard against a vacuous differential test: damaged streams whose checksum was repaired
/// must often decode (to garbage) in both decoders, and agree.
#[test]
fn repaired_damaged_streams_often_decode() {
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    let mut rnd = move || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed
    };
    let plain: Vec<u8> = br#"{"TLS.ver":"2.0","TLS.identifier":"administrator","TLS.sdkappid":1400000000,"TLS.expire":86400,"TLS.time":1700000000,"TLS.sig":"abc+/="}"#.repeat(3);
    let (mut decoded, mut total) = (0, 0);
    for round in 0..3000 {
        let mut z = compress_to_vec_zlib(&plain, (round % 11) as u8);
        let i = 2 + (rnd() as usize) % (z.len() - 6);
        z[i] ^= 1 << (rnd() % 8);
        if fix_adler(&mut z) {
            total += 1;
            let ours = zlib_decompress(&z, 1 << 16);
            assert_eq!(ours, oracle(&z, 1 << 16), "{z:02x?}");
            decoded += usize::from(ours.is_some());
        }
    }
    assert!(
        decoded > 300,
        "only {decoded} of {total} repaired streams decoded"
    );
    eprintln!("{decoded} of {total} repaired damaged streams decoded identically");
}
