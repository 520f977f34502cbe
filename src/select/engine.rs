//! The wait protocol behind every send, receive and select (go-reference B10, adapted so that
//! only one channel lock is held at a time).
//!
//! 1. **Immediate pass.** Try each non-nil case once, in a fresh uniformly random order (or in
//!    source order when biased); the first that can proceed completes (B2.1, B10.2, B10.4).
//! 2. **Registration pass.** Make one [`Record`] and register every case on its channel, in
//!    the same order. Under each channel's lock a case that has become ready claims the record
//!    for itself and completes (`Committed`); a case that finds a waiting peer asks for a
//!    retry, since taking the peer would need two claims at once.
//! 3. **Wait.** The first peer to claim the record completes exactly that case (waiter
//!    invariant 1); the engine then withdraws every other case (B10.7). A select that has a
//!    `default` aborts its record right after step 2 instead of waiting.
//!
//! # Why `default` is linearizable (G4, B3.4)
//!
//! Registration on channel *i* happens at instant *tᵢ*, under its lock, and found case *i* not
//! ready. After *tᵢ* the case can only become ready through a peer that finds the entry (a
//! sender, a receiver freeing a slot, a close) and would claim the record. If the abort after
//! the last registration *tₙ* succeeds, nobody claimed, so at *tₙ* no case was ready.
//!
//! # Cancel safety (G6)
//!
//! Dropping a waiting operation aborts its record. If the abort fails, a case was claimed: a
//! received message goes back to the channel (`abandon_claimed`), a send has happened.

use std::task::{Context, Poll};

use super::case::{Case, Registered};
use super::rng;
use crate::sync::Arc;
use crate::waiter::{Owner, Record};

/// How an operation ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Outcome {
    /// This case completed.
    Case(usize),
    /// Nothing was ready and the select has a `default`.
    Default,
}

/// The state of one waiting operation, kept between polls.
#[derive(Debug)]
pub(crate) struct Engine {
    has_default: bool,
    biased: bool,
    /// The record of the current wait, and the cases registered under it.
    waiting: Option<(Arc<Record>, Queued)>,
    done: bool,
}

impl Engine {
    pub(crate) fn new(has_default: bool, biased: bool) -> Engine {
        Engine {
            has_default,
            biased,
            waiting: None,
            done: false,
        }
    }

    /// Drives the operation; see the module docs.
    pub(crate) fn poll<C: Case + ?Sized>(
        &mut self,
        cx: &mut Context<'_>,
        cases: &mut [&mut C],
    ) -> Poll<Outcome> {
        self.poll_from(cx, cases)
    }

    #[inline(never)]
    fn poll_from<C: Case + ?Sized>(
        &mut self,
        cx: &mut Context<'_>,
        cases: &mut [&mut C],
    ) -> Poll<Outcome> {
        assert!(!self.done, "a completed select was polled again");
        if let Some((record, _)) = &self.waiting {
            // A waker set here may land after the claimer took the old one: then the
            // re-read sees the claim (the waker lock orders the two), and `finish` must
            // take the new waker back itself.
            let (claimed, late_waker) = match record.selected() {
                Some(k) => (Some(k), false),
                None => {
                    record.set_waker(cx.waker());
                    (record.selected(), true)
                }
            };
            return match claimed {
                Some(k) => Poll::Ready(self.finish(cases, k, late_waker)),
                None => Poll::Pending,
            };
        }
        let mut order = rng::Order::new(cases.len(), self.biased);
        let mut rounds = 0u32;
        loop {
            // 1. Immediate pass. It tries every case, even one whose snapshots say it is not
            // ready: a closed channel or a due timer does not show in them, and a case
            // skipped here would lose to a later one (`biased;`) or be chosen less often
            // than uniformly (B2.1).
            if let Some(done) = self.immediate(cx, cases, &order) {
                return done;
            }
            // 2. Registration pass. The first case to queue makes the record; a case that
            // commits before any was made needs none (nobody can have seen the operation).
            let mut owner = Owner::new(cx.waker());
            let mut queued = Queued::default();
            let mut retry = false;
            for k in 0..order.len() {
                let i = order.get(k);
                if cases[i].is_nil() {
                    continue;
                }
                match cases[i].register(&mut owner, i) {
                    Registered::Queued => queued.push(i),
                    Registered::Committed => {
                        withdraw(cases, &queued, usize::MAX);
                        if let Some(record) = owner.record {
                            Record::recycle(record);
                        }
                        self.done = true;
                        return Poll::Ready(Outcome::Case(i));
                    }
                    Registered::Claimed => {
                        let record = owner.record.expect("only a made record is claimed");
                        let k = record.selected().expect("a claimed record names its case");
                        self.waiting = Some((record, queued));
                        return Poll::Ready(self.finish(cases, k, false));
                    }
                    Registered::Retry => {
                        retry = true;
                        break;
                    }
                }
            }
            let record = owner.record;
            if retry || self.has_default {
                if let Some(record) = record {
                    match record.try_abort() {
                        Ok(()) => {
                            withdraw(cases, &queued, usize::MAX);
                            Record::recycle(record);
                        }
                        Err(k) => {
                            self.waiting = Some((record, queued));
                            return Poll::Ready(self.finish(cases, k, false));
                        }
                    }
                }
                if !retry {
                    self.done = true;
                    return Poll::Ready(Outcome::Default);
                }
                rounds += 1;
                if rounds % 16 == 0 {
                    crate::sync::thread::yield_now();
                }
                order = rng::Order::new(cases.len(), self.biased);
                continue;
            }
            // 3. Wait. Some case queued (the immediate pass returned if every case is nil),
            // so the record exists.
            let record = record.unwrap_or_else(|| Record::new(cx.waker()));
            self.waiting = Some((record, queued));
            return Poll::Pending;
        }
    }

    /// Step 1: tries each case once in `order`. `Some` if the operation is over (a case
    /// completed, or there is only `default`), or waits forever (only nil cases).
    fn immediate<C: Case + ?Sized>(
        &mut self,
        cx: &mut Context<'_>,
        cases: &mut [&mut C],
        order: &rng::Order,
    ) -> Option<Poll<Outcome>> {
        let mut any = false;
        for k in 0..order.len() {
            let i = order.get(k);
            if cases[i].is_nil() {
                continue;
            }
            any = true;
            if cases[i].try_now() {
                self.done = true;
                return Some(Poll::Ready(Outcome::Case(i)));
            }
        }
        if any {
            return None;
        }
        if self.has_default {
            self.done = true;
            return Some(Poll::Ready(Outcome::Default));
        }
        // Only nil cases, or none: wait forever (B6.1, B6.2). Nothing will wake us.
        self.waiting = Some((Record::new(cx.waker()), Queued::default()));
        Some(Poll::Pending)
    }

    /// Case `k` was claimed by a peer (or a close), which wakes the owner with the waker it
    /// finds: complete the case and withdraw the others. `late_waker`: a waker was set after
    /// the claim, so the claimer may not take it.
    fn finish<C: Case + ?Sized>(
        &mut self,
        cases: &mut [&mut C],
        k: usize,
        late_waker: bool,
    ) -> Outcome {
        let (record, queued) = self.waiting.take().expect("finish follows a wait");
        cases[k].complete();
        withdraw(cases, &queued, k);
        if late_waker {
            Record::recycle(record);
        } else {
            Record::recycle_claimed(record);
        }
        self.done = true;
        Outcome::Case(k)
    }

    /// The operation is dropped before completing (see "Cancel safety").
    pub(crate) fn cancel<C: Case + ?Sized>(&mut self, cases: &mut [&mut C]) {
        let Some((record, queued)) = self.waiting.take() else {
            return;
        };
        match record.try_abort() {
            Ok(()) => withdraw(cases, &queued, usize::MAX),
            Err(k) => {
                cases[k].abandon_claimed();
                withdraw(cases, &queued, k);
            }
        }
        Record::recycle(record);
        self.done = true;
    }

    /// Gives up waiting, but completes a case that was claimed meanwhile (used by timeouts,
    /// which must report a completed operation rather than pass it on).
    pub(crate) fn abort<C: Case + ?Sized>(&mut self, cases: &mut [&mut C]) -> Option<usize> {
        let (record, queued) = self.waiting.take()?;
        match record.try_abort() {
            Ok(()) => {
                withdraw(cases, &queued, usize::MAX);
                Record::recycle(record);
                self.done = true;
                None
            }
            Err(k) => {
                self.waiting = Some((record, queued));
                Some(match self.finish(cases, k, false) {
                    Outcome::Case(k) => k,
                    Outcome::Default => unreachable!("finish completes a case"),
                })
            }
        }
    }

    /// Whether the operation is queued and waiting for a peer.
    pub(crate) fn is_waiting(&self) -> bool {
        self.waiting.is_some()
    }
}

/// The cases registered in the current round, in registration order. Up to eight live
/// inline, so a select over a few channels allocates only its record and its entries.
#[derive(Debug, Default)]
struct Queued {
    inline: [u16; 8],
    len: usize,
    more: Vec<usize>,
}

impl Queued {
    #[inline]
    fn push(&mut self, i: usize) {
        if self.len < self.inline.len() && self.more.is_empty() && i <= u16::MAX as usize {
            self.inline[self.len] = i as u16;
            self.len += 1;
        } else {
            self.more.push(i);
        }
    }

    #[inline]
    fn iter(&self) -> impl Iterator<Item = usize> + '_ {
        self.inline[..self.len]
            .iter()
            .map(|&i| i as usize)
            .chain(self.more.iter().copied())
    }
}

fn withdraw<C: Case + ?Sized>(cases: &mut [&mut C], queued: &Queued, except: usize) {
    for i in queued.iter() {
        if i != except {
            cases[i].withdraw();
        }
    }
}
