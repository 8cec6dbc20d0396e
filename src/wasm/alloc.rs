//! The wasm build's global allocator: power-of-two size classes with a free list each, in
//! the manner of Zig's WasmAllocator. It replaces std's dlmalloc, ~7 KB of wasm, with a
//! few hundred bytes. Freed blocks are reused by later allocations of the same class, so a
//! long-running worker's memory stays at its peak use per class and does not grow beyond.
//!
//! Small blocks (up to 32 KiB) are carved from 64 KiB pages; a block of 2^k bytes sits at a
//! multiple of 2^k, which covers every alignment up to its size. Larger blocks take 2^k
//! whole pages from `memory.grow`. The module is single-threaded, so no locking.

use std::alloc::{GlobalAlloc, Layout};
use std::arch::wasm32;
use std::cell::UnsafeCell;
use std::ptr;

const PAGE: usize = 65536;
/// Smallest block: 2^3 bytes, room for the free-list link.
const MIN_SHIFT: u32 = 3;
/// Small classes 2^3 ..= 2^15 bytes.
const SMALL: usize = 13;
/// Big classes of 2^0 ..= 2^16 pages.
const BIG: usize = 17;

enum Class {
    Small(usize),
    Big(usize),
}

#[inline(always)]
fn class(layout: &Layout) -> Option<Class> {
    let n = layout.size().max(layout.align());
    if n <= PAGE / 2 {
        // log2 of the next power of two, without the overflow checks (n <= 32 KiB here).
        let shift = (usize::BITS - (n.max(1 << MIN_SHIFT) - 1).leading_zeros()).max(MIN_SHIFT);
        return Some(Class::Small((shift - MIN_SHIFT) as usize));
    }
    let n = n.checked_next_power_of_two()?;
    if n < PAGE {
        return Some(Class::Small((n.trailing_zeros() - MIN_SHIFT) as usize));
    }
    if layout.align() > PAGE {
        return None;
    }
    let pages = layout.size().div_ceil(PAGE).checked_next_power_of_two()?;
    let k = pages.trailing_zeros() as usize;
    (k < BIG).then_some(Class::Big(k))
}

struct State {
    /// Next unused small block of each class; a multiple of PAGE means "take a new page".
    next: [usize; SMALL],
    /// Heads of the free lists (0 = empty); each free block holds the address of the next.
    free: [usize; SMALL],
    big_free: [usize; BIG],
}

pub struct SizeClassAlloc(UnsafeCell<State>);

// SAFETY: wasm32-unknown-unknown without atomics runs on one thread.
unsafe impl Sync for SizeClassAlloc {}

impl SizeClassAlloc {
    pub const fn new() -> Self {
        SizeClassAlloc(UnsafeCell::new(State {
            next: [0; SMALL],
            free: [0; SMALL],
            big_free: [0; BIG],
        }))
    }
}

unsafe fn pop(head: &mut usize) -> usize {
    let p = *head;
    if p != 0 {
        *head = *(p as *const usize);
    }
    p
}

unsafe fn push(head: &mut usize, p: usize) {
    *(p as *mut usize) = *head;
    *head = p;
}

unsafe fn big(s: &mut State, k: usize) -> usize {
    let p = pop(&mut s.big_free[k]);
    if p != 0 {
        return p;
    }
    let prev = wasm32::memory_grow(0, 1 << k);
    if prev == usize::MAX {
        0
    } else {
        prev * PAGE
    }
}

unsafe impl GlobalAlloc for SizeClassAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let s = &mut *self.0.get();
        let p = match class(&layout) {
            Some(Class::Small(c)) => {
                let mut p = pop(&mut s.free[c]);
                if p == 0 {
                    p = s.next[c];
                    if p % PAGE == 0 {
                        p = big(s, 0);
                        if p == 0 {
                            return ptr::null_mut();
                        }
                    }
                    s.next[c] = p + (1 << (c as u32 + MIN_SHIFT));
                }
                p
            }
            Some(Class::Big(k)) => big(s, k),
            None => 0,
        };
        p as *mut u8
    }

    unsafe fn dealloc(&self, p: *mut u8, layout: Layout) {
        let s = &mut *self.0.get();
        match class(&layout) {
            Some(Class::Small(c)) => push(&mut s.free[c], p as usize),
            Some(Class::Big(k)) => push(&mut s.big_free[k], p as usize),
            None => {}
        }
    }

    unsafe fn realloc(&self, p: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let new_layout = Layout::from_size_align_unchecked(new_size, layout.align());
        let same = match (class(&layout), class(&new_layout)) {
            (Some(Class::Small(a)), Some(Class::Small(b))) => a == b,
            (Some(Class::Big(a)), Some(Class::Big(b))) => a == b,
            _ => false,
        };
        if same {
            return p;
        }
        let q = self.alloc(new_layout);
        if !q.is_null() {
            ptr::copy_nonoverlapping(p, q, layout.size().min(new_size));
            self.dealloc(p, layout);
        }
        q
    }
}

#[global_allocator]
static ALLOC: SizeClassAlloc = SizeClassAlloc::new();
