//! A small zlib/DEFLATE decoder (RFC 1950/1951) for UserSig documents, in the manner of
//! zlib's `puff`: canonical Huffman codes decoded bit by bit. Slow per byte, but its inputs
//! are a few hundred bytes, and it costs a fraction of miniz_oxide's wasm. Every read is
//! bounds-checked and the output is capped, so hostile input fails cleanly.
//!
//! Acceptance follows miniz_oxide's `decompress_to_vec_zlib_with_limit`, the oracle of the
//! native differential tests: header check (method 8, FCHECK, no preset dictionary), Adler-32
//! checked, bytes after the checksum ignored, and a Huffman code may be incomplete only when
//! it has at most one symbol.

use super::usersig::adler32;

const LEN_BASE: [u16; 29] = [
    3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
    163, 195, 227, 258,
];
const LEN_EXTRA: [u8; 29] = [
    0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0,
];
const DIST_BASE: [u16; 30] = [
    1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
    2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA: [u8; 30] = [
    0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13,
    13,
];
/// The order code-length code lengths are sent in.
const CL_ORDER: [u8; 19] = [
    16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15,
];

/// A canonical Huffman code: how many codes of each length, and the symbols in code order.
struct Huffman {
    count: [u16; 16],
    symbol: [u16; 320],
}

impl Huffman {
    /// Build from code lengths. `None` when over-subscribed, or incomplete with more than
    /// one symbol (miniz_oxide's rule).
    fn new(lengths: &[u8]) -> Option<Huffman> {
        let mut h = Huffman {
            count: [0; 16],
            symbol: [0; 320],
        };
        for &l in lengths {
            h.count[usize::from(l & 15)] += 1;
        }
        let used = lengths.len() - usize::from(h.count[0]);
        let mut left: i32 = 1;
        let mut offs = [0u16; 16];
        for len in 1..16 {
            left = (left << 1) - i32::from(h.count[len]);
            if left < 0 {
                return None;
            }
            if len < 15 {
                offs[len + 1] = offs[len] + h.count[len];
            }
        }
        if left > 0 && used > 1 {
            return None;
        }
        for (sym, &l) in lengths.iter().enumerate() {
            if l != 0 {
                let o = &mut offs[usize::from(l & 15)];
                *h.symbol.get_mut(usize::from(*o))? = sym as u16;
                *o += 1;
            }
        }
        Some(h)
    }
}

struct Inflater<'a> {
    data: &'a [u8],
    pos: usize,
    buf: u32,
    cnt: u32,
    out: Vec<u8>,
    limit: usize,
}

impl Inflater<'_> {
    /// `n` (at most 16) bits, least significant first.
    fn bits(&mut self, n: u32) -> Option<u32> {
        while self.cnt < n {
            self.buf |= u32::from(*self.data.get(self.pos)?) << self.cnt;
            self.pos += 1;
            self.cnt += 8;
        }
        let v = self.buf & ((1 << n) - 1);
        self.buf >>= n;
        self.cnt -= n;
        Some(v)
    }

    fn decode(&mut self, h: &Huffman) -> Option<usize> {
        let (mut code, mut first, mut index) = (0i32, 0i32, 0i32);
        for len in 1..16 {
            code |= self.bits(1)? as i32;
            let count = i32::from(h.count[len]);
            if code - count < first {
                return h
                    .symbol
                    .get((index + code - first) as usize)
                    .map(|&s| usize::from(s));
            }
            index += count;
            first = (first + count) << 1;
            code <<= 1;
        }
        None
    }

    fn push(&mut self, b: u8) -> Option<()> {
        if self.out.len() >= self.limit {
            return None;
        }
        self.out.push(b);
        Some(())
    }

    fn stored(&mut self) -> Option<()> {
        // Drop the rest of the current byte (fewer than 8 bits are ever buffered).
        self.buf = 0;
        self.cnt = 0;
        let h: [u8; 4] = self.data.get(self.pos..self.pos + 4)?.try_into().ok()?;
        let len = u16::from_le_bytes([h[0], h[1]]);
        if u16::from_le_bytes([h[2], h[3]]) != !len {
            return None;
        }
        self.pos += 4;
        let block = self.data.get(self.pos..self.pos + usize::from(len))?;
        if self.out.len() + block.len() > self.limit {
            return None;
        }
        self.out.extend_from_slice(block);
        self.pos += usize::from(len);
        Some(())
    }

    fn codes(&mut self, lit: &Huffman, dist: &Huffman) -> Option<()> {
        loop {
            let sym = self.decode(lit)?;
            if sym < 256 {
                self.push(sym as u8)?;
            } else if sym == 256 {
                return Some(());
            } else {
                let i = sym - 257;
                let len =
                    usize::from(*LEN_BASE.get(i)?) + self.bits(u32::from(LEN_EXTRA[i]))? as usize;
                let d = self.decode(dist)?;
                let dist =
                    usize::from(*DIST_BASE.get(d)?) + self.bits(u32::from(DIST_EXTRA[d]))? as usize;
                if dist > self.out.len() {
                    return None;
                }
                for _ in 0..len {
                    let b = *self.out.get(self.out.len() - dist)?;
                    self.push(b)?;
                }
            }
        }
    }

    fn fixed(&mut self) -> Option<()> {
        let mut l = [0u8; 288];
        for (i, x) in l.iter_mut().enumerate() {
            *x = match i {
                0..=143 => 8,
                144..=255 => 9,
                256..=279 => 7,
                _ => 8,
            };
        }
        // Fixed codes are exempt from the completeness rule: build them directly.
        let lit = Huffman::new(&l)?;
        let dist = Huffman::new(&[5; 32])?;
        self.codes(&lit, &dist)
    }

    fn dynamic(&mut self) -> Option<()> {
        let nlen = self.bits(5)? as usize + 257;
        let ndist = self.bits(5)? as usize + 1;
        let ncode = self.bits(4)? as usize + 4;
        let mut lengths = [0u8; 320];
        for &i in CL_ORDER.get(..ncode)? {
            lengths[usize::from(i)] = self.bits(3)? as u8;
        }
        let cl = Huffman::new(lengths.get(..19)?)?;
        let mut i = 0;
        while i < nlen + ndist {
            let sym = self.decode(&cl)?;
            let (value, repeat) = match sym {
                0..=15 => (sym as u8, 1),
                16 => (*lengths.get(i.checked_sub(1)?)?, 3 + self.bits(2)? as usize),
                17 => (0, 3 + self.bits(3)? as usize),
                _ => (0, 11 + self.bits(7)? as usize),
            };
            if i + repeat > nlen + ndist {
                return None;
            }
            lengths.get_mut(i..i + repeat)?.fill(value);
            i += repeat;
        }
        let lit = Huffman::new(lengths.get(..nlen)?)?;
        let dist = Huffman::new(lengths.get(nlen..nlen + ndist)?)?;
        self.codes(&lit, &dist)
    }
}

/// Decompress a zlib stream whose output is at most `limit` bytes; `None` for anything
/// malformed, truncated, with a wrong checksum, or bigger than `limit`.
pub fn zlib_decompress(data: &[u8], limit: usize) -> Option<Vec<u8>> {
    let (&cmf, &flg) = (data.first()?, data.get(1)?);
    if cmf & 15 != 8 || (u16::from(cmf) << 8 | u16::from(flg)) % 31 != 0 || flg & 32 != 0 {
        return None;
    }
    let mut z = Inflater {
        data,
        pos: 2,
        buf: 0,
        cnt: 0,
        out: Vec::new(),
        limit,
    };
    loop {
        let last = z.bits(1)?;
        match z.bits(2)? {
            0 => z.stored()?,
            1 => z.fixed()?,
            2 => z.dynamic()?,
            _ => return None,
        }
        if last == 1 {
            break;
        }
    }
    let check: [u8; 4] = data.get(z.pos..z.pos + 4)?.try_into().ok()?;
    if u32::from_be_bytes(check) != adler32(&z.out) {
        return None;
    }
    Some(z.out)
}
