//! A tiny seeded PRNG (splitmix64): reproducible ids, demo data and fault draws without the
//! `rand` crate.

use std::sync::atomic::{AtomicU64, Ordering};

/// The splitmix64 finaliser: a good 64-bit mix of any input.
pub fn mix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Sequential generator for single-owner use (state, demo).
#[derive(Clone, Debug)]
pub struct SplitMix(u64);

impl SplitMix {
    pub fn new(seed: u64) -> Self {
        SplitMix(seed)
    }
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.0)
    }
    pub fn next_u32(&mut self) -> u32 {
        (self.next_u64() >> 32) as u32
    }
    /// Uniform in `0..n` (n > 0); the modulo bias is irrelevant here.
    pub fn below(&mut self, n: u64) -> u64 {
        if n == 0 {
            0
        } else {
            self.next_u64() % n
        }
    }
}

/// Lock-free generator shared by request handlers: draw `i` is `mix(seed ^ i)`, so a run with
/// the same seed and request order makes the same draws.
#[derive(Debug)]
pub struct SharedRng {
    seed: u64,
    counter: AtomicU64,
}

impl SharedRng {
    pub fn new(seed: u64) -> Self {
        SharedRng {
            seed,
            counter: AtomicU64::new(0),
        }
    }
    pub fn next_u64(&self) -> u64 {
        let i = self.counter.fetch_add(1, Ordering::Relaxed);
        mix(self.seed.wrapping_mul(0xD1B5_4A32_D192_ED03) ^ mix(i))
    }
    /// Uniform float in [0, 1).
    pub fn next_f64(&self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reproducible() {
        let mut a = SplitMix::new(1);
        let mut b = SplitMix::new(1);
        assert_eq!(a.next_u64(), b.next_u64());
        let s = SharedRng::new(7);
        let t = SharedRng::new(7);
        for _ in 0..10 {
            assert_eq!(s.next_u64(), t.next_u64());
            let f = s.next_f64();
            assert!((0.0..1.0).contains(&f));
            t.next_f64();
        }
    }
}
