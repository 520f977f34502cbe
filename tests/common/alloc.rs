//! A counting global allocator for the tests that check memory: each test binary that needs
//! it declares `#[global_allocator] static ALLOC: CountingAlloc = CountingAlloc;`.
//!
//! Counts are per thread (bytes allocated minus bytes freed, and the number of allocations),
//! so that a loop on one thread can be checked while other tests run on other threads.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

pub struct CountingAlloc;

thread_local! {
    static NET_BYTES: Cell<isize> = const { Cell::new(0) };
    static ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

/// Bytes allocated minus bytes freed by this thread so far.
pub fn net_bytes() -> isize {
    NET_BYTES.with(Cell::get)
}

/// Allocations (and reallocations) made by this thread so far.
pub fn allocations() -> usize {
    ALLOCATIONS.with(Cell::get)
}

// SAFETY: every call is forwarded unchanged to `System`; the bookkeeping touches only
// const-initialized thread-local `Cell`s without destructors, which never allocate.
unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        // SAFETY: the caller upholds `GlobalAlloc::alloc`'s contract, passed on as is.
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let _ = NET_BYTES.try_with(|n| n.set(n.get() + layout.size() as isize));
            let _ = ALLOCATIONS.try_with(|n| n.set(n.get() + 1));
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        // SAFETY: `ptr` came from `alloc` above, i.e. from `System`, with this layout.
        unsafe { System.dealloc(ptr, layout) };
        let _ = NET_BYTES.try_with(|n| n.set(n.get() - layout.size() as isize));
    }
}
