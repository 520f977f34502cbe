//! The steps of send and receive under the channel lock (go-reference A4, A5), shared by the
//! immediate attempt (`try_*`, the first pass of a select) and by registration.
//!
//! `me` is the record of the operation doing the step, if it has one: its own entries are
//! skipped, so a select never communicates with itself (B8.1).

use std::task::Waker;
use std::time::Instant;

use super::{Chan, Deferred, State, Waiter};
use crate::sync::{Arc, SpinGuard};
use crate::waiter::list::Pick;
use crate::waiter::{Entry, Key, Link, Owner, Plain, Record};

/// Rounds of the pre-park spin: 1 + 2 + ... + 64 pauses.
#[cfg(not(any(loom, shuttle)))]
const SPIN_STEPS: u32 = 7;

/// The outcome of an immediate send.
pub(crate) enum SendNow<T> {
    Sent,
    Full(T),
    Closed(T),
}

impl<T> SendNow<T> {
    /// The result of a send that completed: `Sent` or `Closed`, never `Full`.
    pub(crate) fn into_result(self) -> Result<(), crate::error::SendError<T>> {
        match self {
            SendNow::Sent => Ok(()),
            SendNow::Closed(m) => Err(crate::error::SendError(m)),
            SendNow::Full(_) => unreachable!("a full send waits; it has no result yet"),
        }
    }
}

/// The outcome of an immediate receive.
pub(crate) enum RecvNow<T> {
    Got(T),
    Empty,
    Closed,
}

/// The outcome of registering one case of a waiting operation.
pub(crate) enum Reg<T, R> {
    /// Queued as this entry; the record waits for a claim.
    Registered(Key, Arc<Entry<T>>),
    /// The case was ready: the operation claimed its own record for it and completed it.
    Committed(R),
    /// The record had already been claimed through another case.
    Claimed,
    /// A waiting peer is queued: give up this round and retry the immediate pass, which
    /// claims the peer (a registration never claims two records at once).
    Retry,
}

/// Hands `msg` to the oldest claimable receiver (waiter invariant 3), whose waker goes to
/// `later`. `Err(msg)` if none.
pub(crate) fn hand_to_receiver<T>(
    st: &mut State<T>,
    msg: T,
    me: Option<&Arc<Record>>,
    later: &mut Deferred<T>,
) -> Result<(), T> {
    let mut msg = Some(msg);
    let taken = st.receivers.take_first(|w| {
        let e = match w {
            // Only this channel completes a plain receive: it is always there to take.
            Waiter::Plain(_) => return Pick::Take,
            Waiter::Entry(e) => e,
        };
        if e.is_from(me) {
            return Pick::Skip;
        }
        if !e.record.is_waiting() {
            return Pick::Discard;
        }
        *e.slot.lock() = msg.take();
        if e.record.try_claim(e.case) {
            Pick::Take
        } else {
            msg = e.slot.lock().take();
            Pick::Discard
        }
    });
    match taken {
        Some(Waiter::Plain(link)) => {
            let msg = msg.expect("a plain receiver is taken with the message in hand");
            later.complete_recv(link, msg);
            Ok(())
        }
        Some(Waiter::Entry(e)) => {
            later.wake(&e.record);
            keep_spare(st, e);
            Ok(())
        }
        None => Err(msg.expect("the message is put back when no claim succeeds")),
    }
}

/// Takes the message of the oldest claimable sender (waiter invariant 3), whose waker goes
/// to `later`.
fn take_from_sender<T>(
    st: &mut State<T>,
    me: Option<&Arc<Record>>,
    later: &mut Deferred<T>,
) -> Option<T> {
    let mut msg = None;
    let taken = st.senders.take_first(|w| {
        let e = match w {
            Waiter::Plain(_) => return Pick::Take,
            Waiter::Entry(e) => e,
        };
        if e.is_from(me) {
            return Pick::Skip;
        }
        if !e.record.is_waiting() {
            return Pick::Discard;
        }
        msg = e.slot.lock().take();
        if e.record.try_claim(e.case) {
            Pick::Take
        } else {
            *e.slot.lock() = msg.take();
            Pick::Discard
        }
    });
    match taken? {
        Waiter::Plain(mut link) => {
            let m = link.take_msg();
            later.complete(link);
            Some(m)
        }
        Waiter::Entry(e) => {
            later.wake(&e.record);
            keep_spare(st, e);
            Some(msg.expect("a queued sender holds its message"))
        }
    }
}

/// Keeps an entry just taken off a wait list as the channel's spare: once its owner has
/// finished with it, the next registration reuses it instead of allocating (see
/// [`new_entry`]). The owner still holds it, so nothing is dropped here.
#[inline]
pub(crate) fn keep_spare<T>(st: &mut State<T>, e: Arc<Entry<T>>) {
    if let Some(free) = st.spare.iter_mut().find(|s| s.is_none()) {
        *free = Some(e);
    }
}

/// A new entry for case `case` of `owner` (which gets its record here if it has none yet):
/// one of the channel's spares if its last owner is done with it, else a fresh allocation.
fn new_entry<T>(
    st: &mut State<T>,
    owner: &mut Owner<'_>,
    case: usize,
    msg: Option<T>,
) -> Arc<Entry<T>> {
    let mut msg = msg;
    for slot in st.spare.iter_mut() {
        if let Some(spare) = slot {
            if Entry::reuse(spare, owner, case, &mut msg) {
                return slot.take().expect("the spare was just reused");
            }
        }
    }
    Entry::new(owner.record_for_entry(), case, msg)
}

fn has_peer<T>(list: &crate::waiter::WaitList<Waiter<T>>, me: Option<&Arc<Record>>) -> bool {
    list.any(|w| match w {
        Waiter::Plain(_) => true,
        Waiter::Entry(e) => !e.is_from(me) && e.record.is_waiting(),
    })
}

impl<T> Chan<T> {
    /// A4: closed, then a waiting receiver, then buffer space.
    pub(crate) fn send_now(
        &self,
        st: &mut State<T>,
        msg: T,
        me: Option<&Arc<Record>>,
        later: &mut Deferred<T>,
    ) -> SendNow<T> {
        if st.closed {
            return SendNow::Closed(msg);
        }
        match hand_to_receiver(st, msg, me, later) {
            Ok(()) => {
                self.publish(st);
                SendNow::Sent
            }
            Err(msg) => {
                if self.has_room(st.buf.len()) {
                    st.buf.push_back(msg);
                    self.publish(st);
                    SendNow::Sent
                } else {
                    SendNow::Full(msg)
                }
            }
        }
    }

    /// A5: the buffer (refilled from a blocked sender, A5.2), a timer source, a waiting
    /// sender, then closed.
    pub(crate) fn recv_now(
        &self,
        st: &mut State<T>,
        me: Option<&Arc<Record>>,
        later: &mut Deferred<T>,
    ) -> RecvNow<T> {
        if let Some(v) = st.buf.pop_front() {
            if self.has_room(st.buf.len()) {
                if let Some(m) = take_from_sender(st, me, later) {
                    st.buf.push_back(m);
                }
            }
            shrink(&mut st.buf, self.shrink_floor);
            self.publish(st);
            return RecvNow::Got(v);
        }
        if let Some(src) = st.source.as_mut() {
            if let Some(v) = src.take(Instant::now()) {
                return RecvNow::Got(v);
            }
        }
        if let Some(m) = take_from_sender(st, me, later) {
            self.publish(st);
            return RecvNow::Got(m);
        }
        if st.closed {
            RecvNow::Closed
        } else {
            RecvNow::Empty
        }
    }

    /// An immediate send by an operation without a record (`try_send`, the first pass of a
    /// select, `send_blocking` before it waits). With no receiver queued, `send_now` can only
    /// buffer, so that case is done here without the general path's bookkeeping.
    #[inline]
    pub(crate) fn try_send(&self, msg: T) -> SendNow<T> {
        let mut st = self.lock();
        if st.receivers.len() == 0 && !st.closed && self.has_room(st.buf.len()) {
            st.buf.push_back(msg);
            self.publish_len(&st);
            return SendNow::Sent;
        }
        self.try_send_slow(st, msg)
    }

    #[inline(never)]
    fn try_send_slow(&self, st: SpinGuard<'_, State<T>>, msg: T) -> SendNow<T> {
        let mut later = Deferred::default();
        // Declared after `later`: were a panic to unwind from here, the lock is released
        // before `later` runs (channel invariant 4).
        let mut st = st;
        let out = self.send_now(&mut st, msg, None, &mut later);
        drop(st);
        later.run();
        out
    }

    /// An immediate receive by an operation without a record. With no sender queued and a
    /// message buffered, `recv_now` can only pop it, so that case is done here.
    #[inline]
    pub(crate) fn try_recv(&self) -> RecvNow<T> {
        let mut st = self.lock();
        if st.senders.len() == 0 {
            if let Some(v) = st.buf.pop_front() {
                shrink(&mut st.buf, self.shrink_floor);
                self.publish_len(&st);
                return RecvNow::Got(v);
            }
        }
        self.try_recv_slow(st)
    }

    #[inline(never)]
    fn try_recv_slow(&self, st: SpinGuard<'_, State<T>>) -> RecvNow<T> {
        let mut later = Deferred::default();
        // See `try_send_slow`.
        let mut st = st;
        let out = self.recv_now(&mut st, None, &mut later);
        drop(st);
        later.run();
        out
    }

    /// A plain receive (`recv`, `recv_blocking`): completes at once if it can (A5), with
    /// `Some(message)` or `None` for closed, or else queues a waiter woken through `waker`
    /// and returns it with its key. One pass under the lock, as Go's `chanrecv`.
    #[inline]
    pub(crate) fn recv_or_wait(&self, waker: &Waker) -> Result<Option<T>, (Key, Plain<T>)> {
        let mut st = self.lock();
        if st.senders.len() == 0 {
            // As in `try_recv`: with no sender queued, a buffered message is all there is.
            if let Some(v) = st.buf.pop_front() {
                shrink(&mut st.buf, self.shrink_floor);
                self.publish_len(&st);
                return Ok(Some(v));
            }
        }
        self.recv_or_wait_slow(st, waker)
    }

    #[inline(never)]
    fn recv_or_wait_slow(
        &self,
        st: SpinGuard<'_, State<T>>,
        waker: &Waker,
    ) -> Result<Option<T>, (Key, Plain<T>)> {
        let mut later = Deferred::default();
        // See `try_send_slow`.
        let mut st = st;
        let out = match self.recv_now(&mut st, None, &mut later) {
            RecvNow::Got(v) => Ok(Some(v)),
            RecvNow::Closed => Ok(None),
            RecvNow::Empty => {
                let (plain, link) = Plain::new(None, waker);
                let key = st.receivers.push_back(Waiter::Plain(link));
                if let Some(s) = st.source.as_mut() {
                    s.on_wait();
                }
                self.publish(&st);
                Err((key, plain))
            }
        };
        drop(st);
        later.run();
        out
    }

    /// A plain send (`send`, `send_blocking`): completes at once if it can (A4), with
    /// `Ok(())` or `Err(msg)` for closed, or else queues a waiter holding `msg`.
    #[inline]
    pub(crate) fn send_or_wait(
        &self,
        msg: T,
        waker: &Waker,
    ) -> Result<Result<(), T>, (Key, Plain<T>)> {
        let mut st = self.lock();
        if st.receivers.len() == 0 && !st.closed && self.has_room(st.buf.len()) {
            // As in `try_send`: with no receiver queued, buffering is all there is.
            st.buf.push_back(msg);
            self.publish_len(&st);
            return Ok(Ok(()));
        }
        self.send_or_wait_slow(st, msg, waker)
    }

    #[inline(never)]
    fn send_or_wait_slow(
        &self,
        st: SpinGuard<'_, State<T>>,
        msg: T,
        waker: &Waker,
    ) -> Result<Result<(), T>, (Key, Plain<T>)> {
        let mut later = Deferred::default();
        // See `try_send_slow`.
        let mut st = st;
        let out = match self.send_now(&mut st, msg, None, &mut later) {
            SendNow::Sent => Ok(Ok(())),
            SendNow::Closed(m) => Ok(Err(m)),
            SendNow::Full(m) => {
                let (plain, link) = Plain::new(Some(m), waker);
                let key = st.senders.push_back(Waiter::Plain(link));
                self.publish(&st);
                Err((key, plain))
            }
        };
        drop(st);
        later.run();
        out
    }

    /// A queued plain waiter is polled again before it completed: give it `waker` (its task
    /// may have moved). `false` if a peer has taken it off the list (the peer completes it,
    /// possibly still after this returns: the owner waits for `done`).
    pub(crate) fn rewake(&self, key: Key, send: bool, waker: &Waker) -> bool {
        let old = {
            let mut st = self.lock();
            match st.waiters(send).get_mut(key) {
                Some(Waiter::Plain(link)) => link.set_waker(waker),
                Some(Waiter::Entry(_)) => unreachable!("a plain key names a plain waiter"),
                None => return false,
            }
        };
        // A replaced waker is dropped outside the lock (channel invariant 4).
        drop(old);
        true
    }

    /// A plain waiter gives up: its link, taken off the wait list, or `None` if a peer took it
    /// first (the peer completes it, possibly still after this returns: the owner waits for
    /// `done`, and its slot then holds the result).
    pub(crate) fn unlink(&self, key: Key, send: bool) -> Option<Link<T>> {
        let mut st = self.lock();
        match st.waiters(send).remove(key) {
            Some(Waiter::Plain(link)) => {
                self.publish(&st);
                Some(link)
            }
            Some(Waiter::Entry(_)) => unreachable!("a plain key names a plain waiter"),
            None => None,
        }
    }

    /// `try_send`, retried while a short spin lasts, for a blocking sender about to park.
    /// The spin watches the lock-free snapshots and takes the lock only when they say a
    /// retry may succeed; they are hints, the retry decides. Unbuffered and sealed (timer,
    /// context) channels do not spin: nothing becomes ready for a sender that is not queued.
    pub(crate) fn send_spinning(&self, mut msg: T) -> SendNow<T> {
        if self.cap == Some(0) || self.sealed {
            return SendNow::Full(msg);
        }
        while self.spin_until(|c| c.is_closed() || c.has_room(c.len())) {
            match self.try_send(msg) {
                SendNow::Full(m) => msg = m,
                out => return out,
            }
        }
        SendNow::Full(msg)
    }

    /// `try_recv`, retried while a short spin lasts (see [`send_spinning`](Self::send_spinning)).
    pub(crate) fn recv_spinning(&self) -> RecvNow<T> {
        if self.cap == Some(0) || self.sealed {
            return RecvNow::Empty;
        }
        while self.spin_until(|c| c.len() > 0 || c.is_closed()) {
            match self.try_recv() {
                RecvNow::Empty => {}
                out => return out,
            }
        }
        RecvNow::Empty
    }

    /// Spins with a doubling pause until `ready` holds; `false` after about a microsecond
    /// (the caller then parks, G8). No spinning under the model checkers.
    fn spin_until(&self, ready: impl Fn(&Self) -> bool) -> bool {
        #[cfg(not(any(loom, shuttle)))]
        for step in 0..SPIN_STEPS {
            for _ in 0..1u32 << step {
                std::hint::spin_loop();
            }
            if ready(self) {
                return true;
            }
        }
        let _ = ready;
        false
    }

    /// Registers case `case` of a select `owner` as a receive, or completes it if it is ready
    /// (see [`Reg`]). An owner without a record has registered nothing yet, so nobody can
    /// have claimed it: its first case completes without one, and may take a waiting sender's
    /// message as an immediate receive would.
    pub(crate) fn register_recv(
        &self,
        owner: &mut Owner<'_>,
        case: usize,
        later: &mut Deferred<T>,
    ) -> Reg<T, Option<T>> {
        let mut st = self.lock();
        let me = owner.record.as_ref();
        if me.is_none() && st.senders.len() == 0 {
            // As in `try_recv`: with no sender queued, a buffered message is all there is.
            if let Some(v) = st.buf.pop_front() {
                shrink(&mut st.buf, self.shrink_floor);
                self.publish_len(&st);
                return Reg::Committed(Some(v));
            }
        }
        let ready = !st.buf.is_empty()
            || st.closed
            || st.source.as_ref().is_some_and(|s| s.ready(Instant::now()));
        if ready {
            if me.is_some_and(|me| !me.try_claim(case)) {
                return Reg::Claimed;
            }
            return match self.recv_now(&mut st, me, later) {
                RecvNow::Got(v) => Reg::Committed(Some(v)),
                RecvNow::Closed => Reg::Committed(None),
                RecvNow::Empty => unreachable!("a ready receive found nothing under the lock"),
            };
        }
        if me.is_none() {
            if let Some(v) = take_from_sender(&mut st, None, later) {
                self.publish(&st);
                return Reg::Committed(Some(v));
            }
        } else if has_peer(&st.senders, me) {
            return Reg::Retry;
        }
        if me.is_some_and(|me| !me.is_waiting()) {
            return Reg::Claimed;
        }
        let entry = new_entry(&mut st, owner, case, None);
        let key = st.receivers.push_back(Waiter::Entry(entry.clone()));
        if let Some(s) = st.source.as_mut() {
            s.on_wait();
        }
        self.publish(&st);
        Reg::Registered(key, entry)
    }

    /// Registers case `case` of `owner` as a send of `*msg`, or completes it if it is ready:
    /// `Committed(Err(msg))` when the channel is closed. The message is taken out of `msg`
    /// only when the case is queued or completes. See [`register_recv`](Self::register_recv).
    pub(crate) fn register_send(
        &self,
        owner: &mut Owner<'_>,
        case: usize,
        msg: &mut Option<T>,
        later: &mut Deferred<T>,
    ) -> Reg<T, Result<(), T>> {
        let mut st = self.lock();
        let me = owner.record.as_ref();
        if me.is_none() && st.receivers.len() == 0 && !st.closed && self.has_room(st.buf.len()) {
            // As in `try_send`: with no receiver queued, buffering is all there is.
            st.buf
                .push_back(msg.take().expect("a registering send holds its message"));
            self.publish_len(&st);
            return Reg::Committed(Ok(()));
        }
        if st.closed || self.has_room(st.buf.len()) {
            if me.is_some_and(|me| !me.try_claim(case)) {
                return Reg::Claimed;
            }
            let msg = msg.take().expect("a registering send holds its message");
            return match self.send_now(&mut st, msg, me, later) {
                SendNow::Sent => Reg::Committed(Ok(())),
                SendNow::Closed(m) => Reg::Committed(Err(m)),
                SendNow::Full(_) => unreachable!("a ready send found no room under the lock"),
            };
        }
        if me.is_none() {
            let m = msg.take().expect("a registering send holds its message");
            match hand_to_receiver(&mut st, m, None, later) {
                Ok(()) => {
                    self.publish(&st);
                    return Reg::Committed(Ok(()));
                }
                Err(m) => *msg = Some(m),
            }
        } else if has_peer(&st.receivers, me) {
            return Reg::Retry;
        }
        if me.is_some_and(|me| !me.is_waiting()) {
            return Reg::Claimed;
        }
        let msg = msg.take().expect("a registering send holds its message");
        let entry = new_entry(&mut st, owner, case, Some(msg));
        let key = st.senders.push_back(Waiter::Entry(entry.clone()));
        self.publish(&st);
        Reg::Registered(key, entry)
    }
}

/// Gives memory back as a buffer drains: once it holds at most a thirty-second of its
/// allocation, its messages move to a new allocation of an eighth of the size, but never
/// below `SHRINK_FLOOR` slots or the channel's capacity. A bounded buffer holds at most its
/// capacity (plus give-backs), so keeping that much costs nothing new; below the floor a
/// smaller buffer saves little. So a buffer that drains to empty is back at the floor after
/// a few moves, and one that never empties holds at most 32 times the room its messages
/// need.
///
/// After a move the buffer is at most a quarter full (less where the floor sets the new
/// size), so a channel that fills and drains in cycles does not move on every swing, and a
/// full drain moves fewer than C/28 messages in all, C the allocation it starts from (under
/// twice the messages it held, since a buffer grows by doubling). The messages move to a
/// new allocation rather than shrinking the old one in place: freeing the old block lets
/// the allocator hand it to the next growth, where a block shrunk in place (glibc keeps a
/// large one as a mapping of its own) has that growth fault in fresh pages. Halving in place at a quarter full, as this did before, made a
/// single-thread fill and drain of 100,000 messages 1.5 to 2 times slower, and moving at an
/// eighth still cost 5-10% in paired runs against kanal (which never gives memory back).
///
/// Every receive calls it, so the test that rules out almost every call (an allocation no
/// larger than the floor, which the channel keeps computed, or one more than a
/// thirty-second full) is inline and the move is not. Testing the fill out of line instead
/// saves a send and receive on a cap-100 channel 6 instructions (84 to 78) but calls out on
/// every receive of a large drain: a fill and drain of 100,000 messages was then 1.04-1.14
/// times kanal's time instead of 0.92-0.96, in paired runs.
#[inline]
fn shrink<T>(buf: &mut std::collections::VecDeque<T>, floor: usize) {
    if wants_shrink(buf, floor) {
        shrink_large(buf, floor);
    }
}

/// Whether [`shrink`] moves `buf` now.
#[inline]
fn wants_shrink<T>(buf: &std::collections::VecDeque<T>, floor: usize) -> bool {
    // A zero-sized message takes no memory, and its buffer's capacity is `usize::MAX`: were
    // it tested, every receive would "move" the whole buffer.
    std::mem::size_of::<T>() != 0 && buf.capacity() > floor && buf.len() <= buf.capacity() / 32
}

#[inline(never)]
fn shrink_large<T>(buf: &mut std::collections::VecDeque<T>, floor: usize) {
    let mut fresh = std::collections::VecDeque::with_capacity((buf.capacity() / 8).max(floor));
    fresh.extend(buf.drain(..));
    *buf = fresh;
}

/// See [`shrink`].
pub(crate) const SHRINK_FLOOR: usize = 1024;

// Not under Miri: plain `VecDeque` logic with no `unsafe`, and 100,000-message loops that
// Miri would take minutes over.
#[cfg(all(test, not(loom), not(miri)))]
mod tests {
    use super::*;
    use std::collections::VecDeque;

    /// Fills a buffer with `n` messages one at a time (so it grows by doubling, as a
    /// channel's does), then drains it through `shrink` as a channel of capacity `cap` does
    /// until `keep` are left: returns its allocation then and how often it moved.
    fn fill_and_drain(n: u64, cap: Option<usize>, keep: usize) -> (usize, usize) {
        let mut buf = VecDeque::new();
        for v in 0..n {
            buf.push_back(v);
        }
        let mut moves = 0;
        let mut expect = 0;
        while buf.len() > keep {
            let before = buf.capacity();
            assert_eq!(buf.pop_front(), Some(expect), "order is kept across moves");
            expect += 1;
            shrink(&mut buf, cap.unwrap_or(0).max(SHRINK_FLOOR));
            if buf.capacity() != before {
                moves += 1;
            }
        }
        assert!(
            buf.iter().copied().eq(expect..n),
            "no message is lost in a move"
        );
        (buf.capacity(), moves)
    }

    #[test]
    fn a_drained_unbounded_buffer_gives_memory_back_in_few_moves() {
        let (alloc, moves) = fill_and_drain(100_000, None, 0);
        assert!(
            alloc < 2 * SHRINK_FLOOR,
            "allocation {alloc} after a full drain"
        );
        assert!(moves <= 4, "{moves} moves for one drain");
    }

    #[test]
    fn a_partly_drained_buffer_gives_memory_back_too() {
        let (alloc, _) = fill_and_drain(100_000, None, 50);
        assert!(
            alloc < 2 * SHRINK_FLOOR,
            "allocation {alloc} holding 50 messages"
        );
        let (alloc, _) = fill_and_drain(100_000, None, 10_000);
        assert!(alloc <= 32 * 10_000, "allocation {alloc} holding 10,000");
    }

    #[test]
    fn zero_sized_messages_never_move() {
        let mut buf: VecDeque<()> = VecDeque::new();
        buf.resize(100_000, ());
        while buf.pop_front().is_some() {
            assert!(
                !wants_shrink(&buf, SHRINK_FLOOR),
                "at {} messages",
                buf.len()
            );
        }
    }

    #[test]
    fn a_bounded_buffer_keeps_its_capacity() {
        // Grown past its capacity by doubling, it moves back down to it, and no further.
        let (alloc, moves) = fill_and_drain(5_000, Some(5_000), 0);
        assert_eq!(
            (alloc, moves),
            (5_000, 1),
            "allocation {alloc} after {moves} moves"
        );
        let (alloc, moves) = fill_and_drain(500, Some(500), 0);
        assert_eq!(moves, 0, "allocation {alloc}: a small buffer never moves");
    }
}
