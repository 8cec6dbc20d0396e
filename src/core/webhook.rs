//! Webhooks (third-party callbacks): signature, parsing and the acknowledgement.

use sha2::{Digest, Sha256};

/// `Sign` = lowercase hex of SHA-256 over `token + RequestTime` (a plain hash, not an HMAC).
pub fn compute_sign(token: &str, request_time: &str) -> String {
    let digest = Sha256::new().chain_update(token.as_bytes()).chain_update(request_time.as_bytes()).finalize();
    let mut out = String::with_capacity(64);
    for b in digest {
        out.push(char::from(b"0123456789abcdef"[(b >> 4) as usize]));
        out.push(char::from(b"0123456789abcdef"[(b & 15) as usize]));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reference_vector() {
        assert_eq!(compute_sign("xxxxyyyy", "1669872112"), "17773bc39a671d7b9aa835458704d2a6db81360a5940292b587d6d760d484061");
    }
}
