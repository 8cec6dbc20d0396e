//! Standard base64 (RFC 4648 §4, `A–Z a–z 0–9 + /`), small enough for the wasm budget. Same
//! results as the `base64` crate's `STANDARD` (padded, canonical) and `STANDARD_NO_PAD`
//! engines, which the native tests use as the oracle: decoding is strict (no whitespace, no
//! other alphabet, non-zero unused bits in the last symbol refused).

const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Encode with `=` padding.
pub fn encode(data: &[u8]) -> String {
    let mut out = String::with_capacity(data.len().div_ceil(3) * 4);
    for chunk in data.chunks(3) {
        let b = [
            chunk.first().copied().unwrap_or(0),
            chunk.get(1).copied().unwrap_or(0),
            chunk.get(2).copied().unwrap_or(0),
        ];
        let n = u32::from(b[0]) << 16 | u32::from(b[1]) << 8 | u32::from(b[2]);
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Decode padded base64: the length a multiple of 4 and exactly the padding needed.
pub fn decode(s: &[u8]) -> Option<Vec<u8>> {
    if s.len() % 4 != 0 {
        return None;
    }
    let pad = s.iter().rev().take(2).take_while(|&&c| c == b'=').count();
    // What is left has `len % 4` of 0, 3 or 2 exactly as `pad` is 0, 1 or 2.
    decode_unpadded(s.get(..s.len() - pad)?)
}

/// Decode base64 without padding (no `=` anywhere).
pub fn decode_unpadded(s: &[u8]) -> Option<Vec<u8>> {
    if s.len() % 4 == 1 {
        return None;
    }
    let mut out = Vec::with_capacity(s.len() / 4 * 3 + 2);
    let (mut acc, mut bits) = (0u32, 0u32);
    for &c in s {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            _ => return None,
        };
        acc = acc << 6 | u32::from(v);
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    // The unused low bits of the last symbol must be zero (canonical encoding).
    if acc != 0 {
        return None;
    }
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rfc4648_vectors() {
        for (plain, enc) in [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foob", "Zm9vYg=="),
            ("fooba", "Zm9vYmE="),
            ("foobar", "Zm9vYmFy"),
        ] {
            assert_eq!(encode(plain.as_bytes()), enc);
            assert_eq!(decode(enc.as_bytes()).as_deref(), Some(plain.as_bytes()));
            assert_eq!(
                decode_unpadded(enc.trim_end_matches('=').as_bytes()).as_deref(),
                Some(plain.as_bytes())
            );
        }
        for bad in [
            "Zg", "Zg=", "Zg===", "Zh==", "Z===", "Zm9v\n", "Zm=v", "====", "Zm-v",
        ] {
            assert_eq!(decode(bad.as_bytes()), None, "{bad}");
        }
        assert_eq!(decode_unpadded(b"Zg=="), None);
        assert_eq!(decode_unpadded(b"Z"), None);
    }
}
