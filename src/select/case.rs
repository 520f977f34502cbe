//! One case of a waiting operation: a receive or a send on one channel (or on none, Go's nil
//! channel). The engine (`engine.rs`) drives cases through this interface and knows nothing
//! of channels; channels know nothing of selects (crossbeam's split, STYLE.md).

use std::ops::Deref;

use crate::chan::{Chan, Deferred, RecvNow, Reg, SendNow};
use crate::error::SendError;
use crate::sync::Arc;
use crate::waiter::{Entry, Key, Owner};

/// What a case reports when it registers (internal to the select protocol).
pub enum Registered {
    Queued,
    Committed,
    Claimed,
    Retry,
}

/// The engine's view of one case.
pub trait Case {
    /// A nil case is never ready (A3.4).
    fn is_nil(&self) -> bool;
    /// Attempts the operation at once, without a record. `true` if it completed.
    fn try_now(&mut self) -> bool;
    /// Queues the case as case `index` of `owner`, or completes it if it is ready. The
    /// first case to queue makes the owner's record.
    fn register(&mut self, owner: &mut Owner<'_>, index: usize) -> Registered;
    /// The record was claimed for this case: collect the result from the slot.
    fn complete(&mut self);
    /// Takes the case off its channel's wait list (it did not win). Idempotent.
    fn withdraw(&mut self);
    /// The operation is dropped after this case was claimed: pass a received message on so
    /// that nothing is lost (G6).
    fn abandon_claimed(&mut self);
}

/// A receive case over a borrowed (`&Chan`) or owned (`Arc<Chan>`) channel.
pub struct RecvCase<T, C> {
    chan: Option<C>,
    waiting: Option<(Arc<Entry<T>>, Key)>,
    /// `Some(v)` once the case completed; `v == None` means closed.
    pub(crate) result: Option<Option<T>>,
}

impl<T, C: Deref<Target = Chan<T>>> RecvCase<T, C> {
    pub(crate) fn new(chan: Option<C>) -> Self {
        RecvCase {
            chan,
            waiting: None,
            result: None,
        }
    }

    /// Takes the result of a completed case.
    pub fn take(&mut self) -> Option<T> {
        self.result
            .take()
            .expect("the selected receive case has a result")
    }
}

impl<T, C: Deref<Target = Chan<T>>> Case for RecvCase<T, C> {
    fn is_nil(&self) -> bool {
        self.chan.is_none()
    }

    #[inline]
    fn try_now(&mut self) -> bool {
        let Some(chan) = self.chan.as_deref() else {
            return false;
        };
        match chan.try_recv() {
            RecvNow::Got(v) => self.result = Some(Some(v)),
            RecvNow::Closed => self.result = Some(None),
            RecvNow::Empty => return false,
        }
        true
    }

    fn register(&mut self, owner: &mut Owner<'_>, index: usize) -> Registered {
        let Some(chan) = self.chan.as_deref() else {
            return Registered::Queued;
        };
        let mut later = Deferred::default();
        let reg = chan.register_recv(owner, index, &mut later);
        later.run();
        match reg {
            Reg::Registered(key, entry) => {
                self.waiting = Some((entry, key));
                Registered::Queued
            }
            Reg::Committed(v) => {
                self.result = Some(v);
                Registered::Committed
            }
            Reg::Claimed => Registered::Claimed,
            Reg::Retry => Registered::Retry,
        }
    }

    fn complete(&mut self) {
        let (entry, _) = self.waiting.take().expect("a claimed case was queued");
        let v = entry.slot.lock().take();
        self.result = Some(v);
    }

    fn withdraw(&mut self) {
        if let (Some(chan), Some((entry, key))) = (self.chan.as_deref(), self.waiting.take()) {
            chan.withdraw(key, false);
            debug_assert!(
                entry.slot.lock().is_none(),
                "an unclaimed receive slot is empty"
            );
        }
    }

    fn abandon_claimed(&mut self) {
        if let (Some(chan), Some((entry, _))) = (self.chan.as_deref(), self.waiting.take()) {
            let msg = entry.slot.lock().take();
            if let Some(msg) = msg {
                chan.give_back(msg);
            }
        }
    }
}

/// A send case. The message stays with the case unless the case wins (B2.2).
pub struct SendCase<T, C> {
    chan: Option<C>,
    msg: Option<T>,
    waiting: Option<(Arc<Entry<T>>, Key)>,
    pub(crate) result: Option<Result<(), SendError<T>>>,
}

impl<T, C: Deref<Target = Chan<T>>> SendCase<T, C> {
    pub(crate) fn new(chan: Option<C>, msg: T) -> Self {
        SendCase {
            chan,
            msg: Some(msg),
            waiting: None,
            result: None,
        }
    }

    /// Takes the result of a completed case.
    pub fn take(&mut self) -> Result<(), SendError<T>> {
        self.result
            .take()
            .expect("the selected send case has a result")
    }
}

impl<T, C: Deref<Target = Chan<T>>> Case for SendCase<T, C> {
    fn is_nil(&self) -> bool {
        self.chan.is_none()
    }

    #[inline]
    fn try_now(&mut self) -> bool {
        let Some(chan) = self.chan.as_deref() else {
            return false;
        };
        let msg = self.msg.take().expect("an unsent case holds its message");
        match chan.try_send(msg) {
            SendNow::Sent => self.result = Some(Ok(())),
            SendNow::Closed(m) => self.result = Some(Err(SendError(m))),
            SendNow::Full(m) => {
                self.msg = Some(m);
                return false;
            }
        }
        true
    }

    fn register(&mut self, owner: &mut Owner<'_>, index: usize) -> Registered {
        let Some(chan) = self.chan.as_deref() else {
            return Registered::Queued;
        };
        let mut later = Deferred::default();
        let reg = chan.register_send(owner, index, &mut self.msg, &mut later);
        later.run();
        match reg {
            Reg::Registered(key, entry) => {
                self.waiting = Some((entry, key));
                Registered::Queued
            }
            Reg::Committed(r) => {
                self.result = Some(r.map_err(SendError));
                Registered::Committed
            }
            Reg::Claimed => Registered::Claimed,
            Reg::Retry => Registered::Retry,
        }
    }

    fn complete(&mut self) {
        let (entry, _) = self.waiting.take().expect("a claimed case was queued");
        let left = entry.slot.lock().take();
        self.result = Some(match left {
            None => Ok(()),
            Some(m) => Err(SendError(m)),
        });
    }

    fn withdraw(&mut self) {
        if let (Some(chan), Some((entry, key))) = (self.chan.as_deref(), self.waiting.take()) {
            chan.withdraw(key, true);
            self.msg = entry.slot.lock().take();
        }
    }

    fn abandon_claimed(&mut self) {
        // The message was sent (or is still in the slot because the channel closed, and is
        // dropped with the entry).
        self.waiting = None;
    }
}
