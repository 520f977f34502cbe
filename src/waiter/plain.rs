//! The waiter of a plain send or receive: one allocation that its owner (the operation's
//! future) holds, and that one channel's wait list points to while it waits.
//!
//! A select waits on several channels at once, so its entries share a claim-once [`Record`]
//! (`record.rs`): peers on different channels race for it. A plain operation waits on one
//! channel only, and every peer that can complete it holds that channel's lock, so the lock
//! alone orders them. Its waiter therefore needs no claim compare-and-swap, no slot lock, no
//! waker lock and no reference count: a flag, a slot and a waker, in cells.
//!
//! # Invariants
//!
//! 1. A waiter has one [`Link`], made with it. Its owner (a [`Plain`]) pushes the link on
//!    one channel's wait list, under that channel's lock, and nothing else ever holds it.
//! 2. The slot and the waker are touched only by whoever holds the link (a peer or a close,
//!    under the channel lock, since the link lives on the wait list), or by the owner once no
//!    link exists any more (4). The link is unique, so two accesses never overlap.
//! 3. A peer completes a waiter by consuming its link. It takes the link off the list under
//!    the lock (that is the linearization point: the operation is then committed to it), and
//!    may finish after releasing the lock: its slot work (a receive's message in, a send's
//!    message out, nothing for a close), then the waker taken, then `done` stored
//!    (`Release`) as its very last access. Between the two it runs no user code and waits
//!    for nothing (channel invariant 4), so the window is short. A link dropped without
//!    being consumed (only a panic in that window could) completes the waiter with its
//!    slot as it is, which reads as "closed" (5), rather than leave its owner waiting.
//! 4. The owner touches the slot, and frees the waiter, only once no link exists: it loaded
//!    `done == true` (`Acquire`, pairing with 3), or it took the link off the list itself,
//!    under the lock, and handed it back ([`Plain::unlinked`]). An owner that finds, under
//!    the lock, that its link has left the list while `done` is still false is inside the
//!    window of 3: it waits for `done` ([`Plain::wait_done`]). A waiter that is still linked
//!    and not done is leaked rather than freed; the owners in `future.rs` never let that
//!    happen (they unlink, or wait, before they drop).
//! 5. As for records (waiter invariant 4): after a completion, an empty receive slot means
//!    "closed", and a send slot that still holds the message means "closed".
//!
//! [`Record`]: super::Record
#![allow(unsafe_code)]

use std::ptr::NonNull;
use std::task::Waker;

use crate::sync::{AtomicBool, Ordering, UnsafeCell};

/// The shared allocation.
struct Waiter<T> {
    /// Set by the peer that consumed the link (invariant 3).
    done: AtomicBool,
    /// The message: a send's until a peer takes it, a receive's once a peer puts it in.
    slot: UnsafeCell<Option<T>>,
    waker: UnsafeCell<Option<Waker>>,
}

/// The owner's handle on a waiter of a plain operation.
pub(crate) struct Plain<T> {
    ptr: NonNull<Waiter<T>>,
    /// Whether the link may still exist (invariant 4).
    linked: bool,
}

/// The wait list's handle on a waiter: the right to complete it (invariant 1).
pub(crate) struct Link<T> {
    ptr: NonNull<Waiter<T>>,
}

// SAFETY: a `Plain` or a `Link` moves a `T` (and a `Waker`, which is `Send + Sync`) between
// threads, so `T: Send` is needed and enough. Through `&Plain` the only access is the atomic
// `done`; through `&Link` there is none. Every access to the cells goes through `&mut Plain`
// or `Link` by value or `&mut`, and invariants 2 and 4 keep those from overlapping.
unsafe impl<T: Send> Send for Plain<T> {}
// SAFETY: see above.
unsafe impl<T: Send> Sync for Plain<T> {}
// SAFETY: see above.
unsafe impl<T: Send> Send for Link<T> {}
// SAFETY: see above.
unsafe impl<T: Send> Sync for Link<T> {}

impl<T> Plain<T> {
    /// A waiter holding `msg` (a send's message, `None` for a receive) and woken through
    /// `waker`, and its one link, for the caller to push on a wait list.
    pub(crate) fn new(msg: Option<T>, waker: &Waker) -> (Plain<T>, Link<T>) {
        let ptr = blocks::alloc(Waiter {
            done: AtomicBool::new(false),
            slot: UnsafeCell::new(msg),
            waker: UnsafeCell::new(Some(waker.clone())),
        });
        (Plain { ptr, linked: true }, Link { ptr })
    }

    fn waiter(&self) -> &Waiter<T> {
        // SAFETY: the allocation lives until `self` drops it (invariant 4); only the atomic
        // is read through this shared reference, the cells are reached through raw pointers.
        unsafe { self.ptr.as_ref() }
    }

    /// Whether a peer has completed the waiter (or a close has).
    #[inline]
    pub(crate) fn is_done(&self) -> bool {
        // Acquire pairs with the Release store in `Link::finish` (invariant 3).
        self.waiter().done.load(Ordering::Acquire)
    }

    /// Waits until the peer that took the link off the wait list has finished (invariant 3):
    /// the caller saw, under the channel lock, that its link was gone. The peer runs a few
    /// instructions without waiting for anything (a `close` finishes all its waiters before
    /// it wakes any), so this spins, then yields in case the peer's thread was preempted.
    /// Like the channel's spin lock, it relies on the scheduler to run a preempted peer
    /// again: a waiting thread at a strictly higher real-time priority on the same core would
    /// keep it from doing so.
    pub(crate) fn wait_done(&self) {
        let mut spins = 0u32;
        while !self.is_done() {
            if spins < 64 {
                spins += 1;
                crate::sync::spin_hint();
            } else {
                crate::sync::thread::yield_now();
            }
        }
    }

    /// The owner took the waiter's link off the wait list itself (it gave up waiting).
    pub(crate) fn unlinked(&mut self, link: Link<T>) {
        assert_eq!(link.ptr, self.ptr, "a waiter gets its own link back");
        // The link is back with its owner: it completes nothing.
        std::mem::forget(link);
        self.linked = false;
    }

    /// Takes the slot's content once no link exists (invariant 4): the operation's result
    /// after a completion (5), or a send's message after the owner unlinked it.
    ///
    /// # Panics
    ///
    /// If the waiter may still be linked: neither completed nor unlinked by its owner.
    pub(crate) fn take_slot(&mut self) -> Option<T> {
        assert!(
            !self.linked || self.is_done(),
            "a waiter's slot is read only once it is not linked"
        );
        self.linked = false;
        // SAFETY: no link exists (checked above), so nobody else reaches the cell (2, 4).
        self.waiter().slot.with_mut(|p| unsafe { (*p).take() })
    }
}

impl<T> Drop for Plain<T> {
    fn drop(&mut self) {
        if self.linked && !self.is_done() {
            // A peer may still reach it: leaking is the only safe choice (invariant 4).
            debug_assert!(
                std::thread::panicking(),
                "a waiter is dropped while still linked"
            );
            return;
        }
        // SAFETY: made by `blocks::alloc` in `new`; no link exists any more (invariant 4),
        // so this is the last reference.
        unsafe { blocks::free(self.ptr) };
    }
}

impl<T> Link<T> {
    /// Completes a waiting receive with `msg`; returns the waker to wake once the channel
    /// lock is released.
    #[inline]
    pub(crate) fn complete_recv(self, msg: T) -> Option<Waker> {
        // SAFETY: the link is unique and the owner waits for `done` (2, 4).
        self.cells().slot.with_mut(|p| unsafe { *p = Some(msg) });
        self.finish()
    }

    /// Takes a waiting send's message, under the channel lock (a receive that refills the
    /// buffer needs it there); [`finish`](Self::finish) completes the send later.
    #[inline]
    pub(crate) fn take_msg(&mut self) -> T {
        // SAFETY: as in `complete_recv`.
        let msg = self.cells().slot.with_mut(|p| unsafe { (*p).take() });
        msg.expect("a waiting send holds its message")
    }

    /// Replaces the waker of a waiter that is still linked (its task moved, or a spurious
    /// poll brought a new one); returns the old waker for the caller to drop after unlocking.
    pub(crate) fn set_waker(&mut self, waker: &Waker) -> Option<Waker> {
        // SAFETY: the link is unique and still exists, so the owner is not touching the cell.
        self.cells().waker.with_mut(|p| unsafe {
            match &*p {
                Some(w) if w.will_wake(waker) => None,
                _ => (*p).replace(waker.clone()),
            }
        })
    }

    fn cells(&self) -> &Waiter<T> {
        // SAFETY: the owner frees the allocation only once no link exists (invariant 4).
        unsafe { self.ptr.as_ref() }
    }

    /// Completes the waiter with its slot as it is: a send whose message was taken
    /// ([`take_msg`](Self::take_msg)), or any waiter of a channel that closed (5). Takes the
    /// waker and publishes the completion: the last access (invariant 3).
    #[inline]
    pub(crate) fn finish(self) -> Option<Waker> {
        let waker = self.finish_in_place();
        std::mem::forget(self);
        waker
    }

    fn finish_in_place(&self) -> Option<Waker> {
        let w = self.cells();
        // SAFETY: as in `complete_recv`.
        let waker = w.waker.with_mut(|p| unsafe { (*p).take() });
        // Release: the slot work above happens before the owner's Acquire load of `done`.
        w.done.store(true, Ordering::Release);
        waker
    }
}

impl<T> Drop for Link<T> {
    /// A link is consumed by [`Link::finish`] or handed back to its owner; only a panic
    /// between a removal and the completion (a bug) drops one. Completing it here, with its
    /// slot as it is (which reads as "closed"), keeps the owner from waiting forever for
    /// `done`. The waker is dropped, not woken: this may run under a channel lock.
    fn drop(&mut self) {
        drop(self.finish_in_place());
    }
}

/// Memory for waiters. A waiter lives from a registration to its completion, so a steady
/// stream of waits would allocate and free one block per wait; instead each thread keeps up
/// to `KEEP` freed blocks, by layout, for its next waits. Under the model checkers every
/// waiter is a plain `Box` (their threads share one OS thread, and one execution's memory
/// must not outlive it).
#[cfg(not(any(loom, shuttle)))]
mod blocks {
    use std::alloc::Layout;
    use std::cell::Cell;
    use std::ptr::NonNull;

    const KEEP: usize = 4;

    /// A kept block and its layout.
    type Kept = Option<(Layout, NonNull<u8>)>;

    /// Freed blocks and their layouts, one per cell; given back to the allocator when the
    /// thread exits. Cells of a `Copy` value: a lookup reads and writes them without a
    /// borrow flag.
    struct Cache([Cell<Kept>; KEEP]);

    impl Drop for Cache {
        fn drop(&mut self) {
            for (layout, ptr) in self.0.iter().filter_map(Cell::take) {
                // SAFETY: allocated with this layout by `alloc` below, and owned by the cache.
                unsafe { std::alloc::dealloc(ptr.as_ptr(), layout) };
            }
        }
    }

    thread_local! {
        static CACHE: Cache = const { Cache([const { Cell::new(None) }; KEEP]) };
    }

    /// Moves `value` into a block: a cached one of its layout, or a new one.
    #[inline]
    pub(super) fn alloc<W>(value: W) -> NonNull<W> {
        let layout = Layout::new::<W>();
        assert!(layout.size() != 0, "a waiter is never zero-sized");
        let cached = CACHE
            .try_with(|c| {
                c.0.iter().find_map(|cell| match cell.get() {
                    Some((l, p)) if l == layout => {
                        cell.set(None);
                        Some(p)
                    }
                    _ => None,
                })
            })
            .ok()
            .flatten();
        let ptr = match cached {
            Some(p) => p.cast::<W>(),
            None => {
                // SAFETY: a waiter is never zero-sized (it holds an atomic and a waker).
                let p = unsafe { std::alloc::alloc(layout) };
                match NonNull::new(p) {
                    Some(p) => p.cast::<W>(),
                    None => std::alloc::handle_alloc_error(layout),
                }
            }
        };
        // SAFETY: the block is fresh or was freed by `free`, and has `W`'s layout.
        unsafe { ptr.as_ptr().write(value) };
        ptr
    }

    /// Drops the value in `ptr` and keeps its block for this thread's next wait.
    ///
    /// # Safety
    ///
    /// `ptr` came from [`alloc`] and nobody else uses it any more.
    #[inline]
    pub(super) unsafe fn free<W>(ptr: NonNull<W>) {
        // SAFETY: the caller's contract. The value (a waker, a message) is dropped before the
        // cache is touched, so its `Drop` may itself wait on a channel.
        unsafe { std::ptr::drop_in_place(ptr.as_ptr()) };
        let layout = Layout::new::<W>();
        let block = ptr.cast::<u8>();
        let kept = CACHE
            .try_with(|c| match c.0.iter().find(|cell| cell.get().is_none()) {
                Some(cell) => {
                    cell.set(Some((layout, block)));
                    true
                }
                None => false,
            })
            .unwrap_or(false);
        if !kept {
            // SAFETY: allocated with this layout by `alloc`.
            unsafe { std::alloc::dealloc(block.as_ptr(), layout) };
        }
    }

    /// How many blocks this thread keeps, of `W`'s layout and in all.
    #[cfg(test)]
    pub(super) fn kept<W>() -> (usize, usize) {
        CACHE.with(|c| {
            let all = c.0.iter().filter_map(Cell::get);
            let of_w = all
                .clone()
                .filter(|(l, _)| *l == Layout::new::<W>())
                .count();
            (of_w, all.count())
        })
    }
}

#[cfg(any(loom, shuttle))]
mod blocks {
    use std::ptr::NonNull;

    pub(super) fn alloc<W>(value: W) -> NonNull<W> {
        NonNull::from(Box::leak(Box::new(value)))
    }

    /// # Safety
    ///
    /// `ptr` came from [`alloc`] and nobody else uses it any more.
    pub(super) unsafe fn free<W>(ptr: NonNull<W>) {
        // SAFETY: made by `Box::leak` in `alloc`; the caller's contract.
        drop(unsafe { Box::from_raw(ptr.as_ptr()) });
    }
}

impl<T> std::fmt::Debug for Link<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Link").finish_non_exhaustive()
    }
}

impl<T> std::fmt::Debug for Plain<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Plain")
            .field("done", &self.is_done())
            .finish_non_exhaustive()
    }
}

#[cfg(all(test, not(any(loom, shuttle))))]
mod tests {
    use super::*;

    fn noop() -> Waker {
        use std::sync::Arc;
        use std::task::Wake;
        struct Noop;
        impl Wake for Noop {
            fn wake(self: Arc<Self>) {}
        }
        Waker::from(Arc::new(Noop))
    }

    #[test]
    fn a_completed_receive_holds_the_message_and_gives_up_the_waker() {
        let (mut owner, link) = Plain::new(None, &noop());
        assert!(!owner.is_done());
        let waker = link.complete_recv(7u32);
        assert!(waker.is_some());
        assert!(owner.is_done());
        assert_eq!(owner.take_slot(), Some(7));
    }

    #[test]
    fn a_completed_send_gave_its_message_away() {
        let (mut owner, mut link) = Plain::new(Some(String::from("m")), &noop());
        let msg = link.take_msg();
        assert_eq!(msg, "m");
        assert!(
            !owner.is_done(),
            "taking the message does not complete the send"
        );
        drop(link.finish());
        owner.wait_done();
        assert_eq!(owner.take_slot(), None);
    }

    #[test]
    fn a_closed_send_keeps_its_message_and_an_unlinked_one_gets_it_back() {
        let (mut owner, link) = Plain::new(Some(1u8), &noop());
        drop(link.finish());
        assert_eq!(owner.take_slot(), Some(1));
        let (mut owner, link) = Plain::new(Some(2u8), &noop());
        owner.unlinked(link);
        assert_eq!(owner.take_slot(), Some(2));
    }

    #[test]
    #[should_panic(expected = "not linked")]
    fn the_slot_of_a_linked_waiter_is_out_of_reach() {
        let (mut owner, link) = Plain::new(Some(1u8), &noop());
        let _keep = link;
        // Neither completed nor unlinked: the owner may not touch the slot (it then leaks
        // the waiter, since the link still exists).
        let _ = owner.take_slot();
    }

    #[test]
    fn a_freed_waiter_block_is_reused_by_the_next_wait_on_this_thread() {
        let (mut first, link) = Plain::new(None::<u64>, &noop());
        let addr = first.ptr.as_ptr() as usize;
        first.unlinked(link);
        drop(first);
        // Without the cache, the allocator could hand this block to the next allocation.
        let other = Box::new([0u8; 40]);
        let (mut again, link) = Plain::new(None::<u64>, &noop());
        assert_eq!(
            again.ptr.as_ptr() as usize,
            addr,
            "the cached block comes back"
        );
        assert!(!again.is_done(), "and comes back reset");
        again.unlinked(link);
        assert_eq!(again.take_slot(), None);
        drop(other);
    }

    #[test]
    fn the_block_cache_is_keyed_by_layout_and_bounded() {
        // A thread of its own, so its cache starts empty.
        std::thread::spawn(|| {
            type Wide = Waiter<[u64; 8]>;
            type Narrow = Waiter<u64>;
            fn make<T>(n: usize) -> Vec<Plain<T>> {
                (0..n)
                    .map(|_| {
                        let (mut p, link) = Plain::new(None::<T>, &noop());
                        p.unlinked(link);
                        p
                    })
                    .collect()
            }
            assert_eq!(blocks::kept::<Narrow>(), (0, 0));
            drop(make::<u64>(6));
            assert_eq!(
                blocks::kept::<Narrow>(),
                (4, 4),
                "four kept, two given back"
            );
            let wide = make::<[u64; 8]>(1);
            assert_eq!(
                blocks::kept::<Narrow>(),
                (4, 4),
                "another layout takes none"
            );
            let narrow = make::<u64>(3);
            assert_eq!(
                blocks::kept::<Narrow>(),
                (1, 1),
                "a wait takes a kept block"
            );
            drop(wide);
            assert_eq!(blocks::kept::<Wide>(), (1, 2));
            drop(narrow);
            assert_eq!(blocks::kept::<Narrow>(), (3, 4), "never more than four");
        })
        .join()
        .unwrap();
    }

    #[test]
    fn a_link_dropped_without_completion_completes_its_waiter_as_closed() {
        let (mut owner, link) = Plain::new(Some(5u8), &noop());
        drop(link);
        owner.wait_done();
        assert_eq!(owner.take_slot(), Some(5), "a send's message comes back");
    }

    #[test]
    fn set_waker_keeps_an_equivalent_waker() {
        let w = noop();
        let (mut owner, mut link) = Plain::new(None::<u8>, &w);
        // `will_wake` is best-effort, and Miri makes a new vtable per use, so it never holds
        // there.
        #[cfg(not(miri))]
        assert!(link.set_waker(&w).is_none(), "the same waker is kept");
        assert!(
            link.set_waker(&noop()).is_some(),
            "another waker replaces it"
        );
        owner.unlinked(link);
        assert_eq!(owner.take_slot(), None);
    }
}
