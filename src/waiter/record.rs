//! The claim-once waiter record and the per-case entry that carries a message.
//!
//! # Invariants
//!
//! 1. `Record::state` moves at most once away from `WAITING`: either to `ABORTED` (by the
//!    owner, when it gives up: timeout, drop, retry) or to `claimed(case)` (by whoever wins the
//!    compare-and-swap: a peer on that case's channel, a `close`, or the owner itself when it
//!    finds a case ready while registering). This is Go's select-done flag (B10.6).
//! 2. Every claim of an entry is made while holding the lock of the channel whose wait list
//!    holds that entry. So at most one peer per channel races with the owner, and the owner's
//!    own registration and withdrawal on a channel are ordered with every claim there.
//! 3. Slot protocol: a claimer does its slot work *before* its claim and undoes it if the
//!    claim fails, all under the channel lock (invariant 2). For an entry on a **receive**
//!    wait list it writes the message in; for an entry on a **send** wait list it takes the
//!    owner's message out. `close` claims without touching the slot.
//! 4. So once the owner observes `claimed(its case)`, its slot is final: a receive slot that
//!    is empty means "closed", a send slot that still holds the message means "closed" (and
//!    the message goes back to the caller).
//! 5. The owner touches a slot only after observing `claimed(its case)`, or after taking the
//!    entry off the wait list under the channel lock (withdrawal).
//! 6. The claimer takes the waker out right after the claim, still under the channel lock,
//!    and wakes it once the lock is released; the owner re-reads the state after each change
//!    of waker, so a wake-up is never lost (a waker set after the claimer took the old one is
//!    followed by a re-read that sees the claim: the waker lock orders the two). So a record claimed by a peer ends with no waker, except one its owner
//!    set late, which the owner then takes back itself (`recycle` vs `recycle_claimed`).
//! 7. A record or entry dropped under a channel lock holds no waker: an entry taken off a
//!    wait list is kept as the channel's spare, and reused only once nobody else holds it;
//!    its record is then either reused too or released waker-free (invariant 6, and
//!    `recycle` takes the waker of every record that was not claimed by a peer).
//!
//! Orderings: the claim is an `AcqRel` compare-and-swap and the owner reads the state with
//! `Acquire`; together with the slot mutex this orders the slot writes before the owner's reads.

use std::task::Waker;

use crate::sync::{Arc, AtomicUsize, Ordering, SpinLock};

const WAITING: usize = 0;
const ABORTED: usize = 1;
const FIRST_CASE: usize = 2;

/// One blocked operation: claimed at most once, woken by its claimer.
#[derive(Debug)]
pub struct Record {
    /// `WAITING`, `ABORTED`, or `FIRST_CASE + case` once claimed (invariant 1).
    state: AtomicUsize,
    /// The waker of the task or thread that owns the record. Protected by its own lock, a leaf
    /// in the lock order (taken under a channel lock, never the other way round).
    waker: SpinLock<Option<Waker>>,
}

/// Records no longer referenced by anyone, kept per thread for the next wait (at most
/// `SPARE_LIMIT`): a wait then costs one allocation, its entry, instead of two. A record is
/// kept only when its `Arc` is unique, so no peer can still see it (a claimer keeps no clone:
/// it takes the waker and wakes that); under the model checkers every record is fresh.
#[cfg(not(any(loom, shuttle)))]
mod spare {
    use super::Record;
    use std::cell::RefCell;
    use std::sync::Arc;

    const SPARE_LIMIT: usize = 4;

    thread_local! {
        static SPARE: RefCell<Vec<Arc<Record>>> = const { RefCell::new(Vec::new()) };
    }

    /// A unique record from the pool, if there is one. No user code runs under the borrow.
    pub(super) fn take() -> Option<Arc<Record>> {
        SPARE.try_with(|s| s.borrow_mut().pop()).ok().flatten()
    }

    /// Keeps `record` if it is unique and waker-free, else drops it.
    pub(super) fn put(record: Arc<Record>) {
        if Arc::strong_count(&record) != 1 || Arc::weak_count(&record) != 0 {
            return;
        }
        let _ = SPARE.try_with(|s| {
            let mut s = s.borrow_mut();
            if s.len() < SPARE_LIMIT {
                s.push(record);
            }
        });
    }
}

/// An operation registering its cases: its waker, and its record, made by the first case
/// that needs one (so the record can come with a reused entry, `Entry::reuse`).
#[derive(Debug)]
pub struct Owner<'a> {
    pub(crate) record: Option<Arc<Record>>,
    pub(crate) waker: &'a Waker,
}

impl<'a> Owner<'a> {
    pub(crate) fn new(waker: &'a Waker) -> Owner<'a> {
        Owner {
            record: None,
            waker,
        }
    }

    /// The record for a new entry: the owner's, made now if it has none yet.
    #[inline]
    pub(crate) fn record_for_entry(&mut self) -> Arc<Record> {
        let waker = self.waker;
        self.record
            .get_or_insert_with(|| Record::new(waker))
            .clone()
    }
}

impl Record {
    /// A new record in the waiting state, woken through `waker`.
    pub(crate) fn new(waker: &Waker) -> Arc<Record> {
        #[cfg(not(any(loom, shuttle)))]
        if let Some(mut r) = spare::take() {
            if let Some(rec) = Arc::get_mut(&mut r) {
                *rec.state.get_mut() = WAITING;
                *rec.waker.get_mut() = Some(waker.clone());
                return r;
            }
        }
        Arc::new(Record::fresh(waker))
    }

    fn fresh(waker: &Waker) -> Record {
        Record {
            state: AtomicUsize::new(WAITING),
            waker: SpinLock::new(Some(waker.clone())),
        }
    }

    /// The owner is done with `record`: it goes back to this thread's pool if nobody else
    /// holds it. Its waker is dropped here, outside the pool's borrow (it may run user code).
    /// If somebody else still holds it (an entry still queued elsewhere, or a channel's spare
    /// entry), the waker is taken out now: the owner needs no more wake-ups, and a
    /// record dropped later, under a channel lock, then runs no user code.
    pub(crate) fn recycle(record: Arc<Record>) {
        Record::finish(record, true);
    }

    /// [`recycle`](Self::recycle) for a record that a peer (or a close) claimed, and whose
    /// waker the claimer took with its claim: a shared record keeps its waker
    /// slot as it is, which saves a lock. The owner must not have set a waker after that
    /// claimer may have taken the old one (`Engine` tracks this).
    pub(crate) fn recycle_claimed(record: Arc<Record>) {
        Record::finish(record, false);
    }

    fn finish(record: Arc<Record>, take_waker: bool) {
        let mut record = record;
        match unique_mut(&mut record) {
            Some(rec) => {
                let waker = rec.waker.get_mut_or_lock().take();
                drop(waker);
                #[cfg(not(any(loom, shuttle)))]
                spare::put(record);
            }
            None if take_waker => {
                let waker = record.waker.lock().take();
                drop(waker);
            }
            None => {}
        }
    }

    /// Drops a record that a channel's spare entry held, from under the channel lock: a
    /// unique one goes back to the pool (it has no waker: its owner's `recycle` took it).
    fn release(record: Arc<Record>) {
        #[cfg(not(any(loom, shuttle)))]
        {
            let mut record = record;
            if let Some(rec) = unique_mut(&mut record) {
                debug_assert!(
                    rec.waker.get_mut().is_none(),
                    "a released record has no waker"
                );
                spare::put(record);
            }
        }
        #[cfg(any(loom, shuttle))]
        drop(record);
    }

    /// Claims the record for `case`. Returns `false` if it was already claimed or aborted.
    /// The caller holds the lock of the channel on which `case` is registered (invariant 2).
    #[inline]
    pub(crate) fn try_claim(&self, case: usize) -> bool {
        // AcqRel: Release publishes the claimer's slot work (invariant 3) to the owner's
        // Acquire load in `selected`; Acquire orders the claimer after the owner's
        // registration, which filled the send slot.
        self.state
            .compare_exchange(
                WAITING,
                FIRST_CASE + case,
                Ordering::AcqRel,
                Ordering::Acquire,
            )
            .is_ok()
    }

    /// The owner gives up. `Ok` if nobody had claimed the record; otherwise `Err(case)` with
    /// the case that was claimed, which the owner must then complete (or pass on).
    #[inline]
    pub(crate) fn try_abort(&self) -> Result<(), usize> {
        match self
            .state
            .compare_exchange(WAITING, ABORTED, Ordering::AcqRel, Ordering::Acquire)
        {
            Ok(_) => Ok(()),
            Err(s) => {
                debug_assert!(
                    s >= FIRST_CASE,
                    "a record is aborted only by its owner, once"
                );
                Err(s - FIRST_CASE)
            }
        }
    }

    /// The case that claimed the record, if any.
    #[inline]
    pub(crate) fn selected(&self) -> Option<usize> {
        // Acquire pairs with the AcqRel claim in `try_claim`.
        let s = self.state.load(Ordering::Acquire);
        s.checked_sub(FIRST_CASE)
    }

    /// Whether the record can still be claimed.
    #[inline]
    pub(crate) fn is_waiting(&self) -> bool {
        // Relaxed: only a hint for skipping stale entries; every decision is taken by the
        // compare-and-swap in `try_claim`.
        self.state.load(Ordering::Relaxed) == WAITING
    }

    /// Replaces the stored waker (a task may move between polls). The caller re-reads
    /// `selected` afterwards, since a claimer may have taken the previous waker meanwhile.
    pub(crate) fn set_waker(&self, waker: &Waker) {
        let mut slot = self.waker.lock();
        match &*slot {
            Some(w) if w.will_wake(waker) => {}
            _ => *slot = Some(waker.clone()),
        }
    }

    /// Takes the owner's waker, for the claimer to wake once it has released the channel
    /// lock (invariant 6). Called right after a successful claim, under that lock: the claimer
    /// then holds no reference to the record when it wakes, and the waker it wakes is the one
    /// the owner had set before the claim (a later one is the owner's to take back).
    #[inline]
    pub(crate) fn take_waker(&self) -> Option<Waker> {
        self.waker.lock().take()
    }
}

/// `Arc::get_mut`, after a plain load of the count: `get_mut` alone pays a compare-and-swap
/// even to find the value shared. Records and entries have no weak references.
fn unique_mut<X>(a: &mut Arc<X>) -> Option<&mut X> {
    if Arc::strong_count(a) != 1 {
        return None;
    }
    Arc::get_mut(a)
}

/// One case of a blocked operation, queued on one channel's wait list.
#[derive(Debug)]
pub(crate) struct Entry<T> {
    /// The operation this case belongs to.
    pub(crate) record: Arc<Record>,
    /// The case's index within its select.
    pub(crate) case: usize,
    /// The hand-off slot (invariants 3 and 4).
    pub(crate) slot: SpinLock<Option<T>>,
}

impl<T> Entry<T> {
    pub(crate) fn new(record: Arc<Record>, case: usize, msg: Option<T>) -> Arc<Entry<T>> {
        Arc::new(Entry {
            record,
            case,
            slot: SpinLock::new(msg),
        })
    }

    /// Turns `spare`, a finished entry, into a new one for case `case` of `owner` if nobody
    /// else holds it, saving an allocation; `false` (and `msg` untouched) if it is still
    /// shared. An owner without a record yet takes the entry's record too, reset, if nobody
    /// else holds that; otherwise the entry's old record goes to [`Record::release`].
    pub(crate) fn reuse(
        spare: &mut Arc<Entry<T>>,
        owner: &mut Owner<'_>,
        case: usize,
        msg: &mut Option<T>,
    ) -> bool {
        let Some(e) = unique_mut(spare) else {
            return false;
        };
        let replaced = match &owner.record {
            Some(r) => Some(std::mem::replace(&mut e.record, r.clone())),
            None => {
                let reused = match unique_mut(&mut e.record) {
                    Some(rec) => {
                        // Unique: nobody can observe the reset, and it has no waker to drop
                        // here, under the channel lock (invariant 7).
                        debug_assert!(
                            rec.waker.get_mut_or_lock().is_none(),
                            "a spare's record has no waker"
                        );
                        *rec = Record::fresh(owner.waker);
                        true
                    }
                    None => false,
                };
                let old = if reused {
                    None
                } else {
                    Some(std::mem::replace(&mut e.record, Record::new(owner.waker)))
                };
                owner.record = Some(e.record.clone());
                old
            }
        };
        if let Some(old) = replaced {
            Record::release(old);
        }
        e.case = case;
        let left = std::mem::replace(&mut *e.slot.get_mut_or_lock(), msg.take());
        debug_assert!(left.is_none(), "a spare entry's slot is empty");
        true
    }

    /// Whether this entry belongs to the operation owning `record` (a select never
    /// communicates with itself: go-reference B8.1).
    pub(crate) fn is_from(&self, record: Option<&Arc<Record>>) -> bool {
        record.is_some_and(|r| Arc::ptr_eq(r, &self.record))
    }
}

#[cfg(all(test, not(any(loom, shuttle))))]
mod tests {
    use super::*;
    use std::task::{Wake, Waker};

    struct Noop;

    impl Wake for Noop {
        fn wake(self: Arc<Self>) {}
    }

    fn noop() -> Waker {
        Waker::from(Arc::new(Noop))
    }

    #[test]
    fn a_recycled_record_comes_back_waiting_with_the_new_waker() {
        let r = Record::new(&noop());
        assert!(r.try_claim(3));
        let addr = Arc::as_ptr(&r) as usize;
        Record::recycle(r);
        // Without the pool, the allocator would hand the freed block to this one.
        let other = Arc::new(Record {
            state: AtomicUsize::new(WAITING),
            waker: SpinLock::new(None),
        });
        let again = Record::new(&noop());
        // The pool gave the same allocation back, reset.
        assert_eq!(Arc::as_ptr(&again) as usize, addr);
        assert_ne!(Arc::as_ptr(&other) as usize, addr);
        assert!(again.is_waiting());
        assert_eq!(again.selected(), None);
        assert!(again.waker.lock().is_some());
    }

    #[test]
    fn a_record_someone_else_holds_is_not_recycled() {
        let r = Record::new(&noop());
        assert!(r.try_claim(0));
        let peer = r.clone();
        Record::recycle(r);
        let fresh = Record::new(&noop());
        assert!(!Arc::ptr_eq(&fresh, &peer));
        // The peer still sees the claim for case 0, but no waker: the owner, done with the
        // record, took it out, so a later drop of the peer's clone runs no user code.
        assert_eq!(peer.selected(), Some(0));
        assert!(peer.waker.lock().is_none());
    }
}
