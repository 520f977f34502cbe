//! Model-based tests: random sequences of channel operations on one thread, checked step by
//! step against a small sequential model of Go's channel (go-reference A4–A9, DESIGN G1–G4,
//! G6).
//!
//! The model is a `VecDeque` buffer, a capacity, a closed flag, and Go's two wait queues. A
//! single thread has no blocked peer of its own, so the wait queues are filled by operations
//! that leave a *pending* registration behind without blocking: a `Stream::poll_next` on a
//! receiver handle that returns `Pending` (the receive stays queued inside the handle) and a
//! `Sink` send whose flush returns `Pending`. With those, even the unbuffered channel has
//! rendezvous partners, and the model covers direct hand-off to the oldest waiter (A4.2),
//! hand-off on slot release (A5.2), close waking every waiter (A8.2), and a dropped handle
//! giving a message it had been handed back to the front of the channel (G6, chan invariant 3).
//!
//! After every step the test compares every observable of both channels (`len`, `is_closed`,
//! `is_full`, `is_empty`, `capacity`, handle counts, blocked counts) with the model, and
//! counts live messages: a message is alive exactly while the model holds it somewhere (the
//! buffer, a queued send, a delivered-but-unread receive, a failed send not yet reported), so
//! a lost or leaked message shows up at the step that lost it. Two channels exist so that
//! `select` can have cases on different channels.
#![cfg(not(miri))]

use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use futures::{FutureExt, SinkExt, StreamExt};
use gochan::{
    bounded, select, select_blocking, unbounded, Receiver, RecvTimeoutError, Select,
    SendTimeoutError, Sender, TryRecvError, TrySendError,
};
use proptest::prelude::*;

/// At most this many handles of one kind per channel.
const MAX_HANDLES: usize = 4;

// ---------------------------------------------------------------------------------------------
// Messages that count themselves.

/// A message with an id; `live` counts the messages of one test case that still exist.
struct Msg {
    id: u32,
    live: Arc<AtomicUsize>,
}

impl Msg {
    fn new(id: u32, live: &Arc<AtomicUsize>) -> Msg {
        live.fetch_add(1, Ordering::SeqCst);
        Msg {
            id,
            live: live.clone(),
        }
    }
}

impl Drop for Msg {
    fn drop(&mut self) {
        self.live.fetch_sub(1, Ordering::SeqCst);
    }
}

// ---------------------------------------------------------------------------------------------
// The sequential model.

/// What a receiver handle's pending `Stream` receive is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RxState {
    Idle,
    /// Queued on the channel's receive queue.
    Queued,
    /// Completed by a peer (`None`: by close); `poll_next` will return it.
    Done(Option<u32>),
}

/// What a sender handle's pending `Sink` send is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum TxState {
    Idle,
    /// Queued on the channel's send queue, with this message.
    Queued(u32),
    /// Completed by a peer or failed by close (the message comes back in `Err`).
    Done(Result<(), u32>),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SendR {
    Sent,
    Full(u32),
    Closed(u32),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum RecvR {
    Got(u32),
    Empty,
    Closed,
}

#[derive(Debug)]
struct Model {
    cap: Option<usize>,
    buf: VecDeque<u32>,
    closed: bool,
    /// Per handle, in the same order as the real handles: (handle id, pending state).
    txs: Vec<(u64, TxState)>,
    rxs: Vec<(u64, RxState)>,
    /// Go's `recvq` and `sendq`, oldest first.
    recv_q: VecDeque<u64>,
    send_q: VecDeque<(u64, u32)>,
}

impl Model {
    fn new(cap: Option<usize>, tx_id: u64, rx_id: u64) -> Model {
        Model {
            cap,
            buf: VecDeque::new(),
            closed: false,
            txs: vec![(tx_id, TxState::Idle)],
            rxs: vec![(rx_id, RxState::Idle)],
            recv_q: VecDeque::new(),
            send_q: VecDeque::new(),
        }
    }

    fn has_room(&self) -> bool {
        self.cap.map_or(true, |c| self.buf.len() < c)
    }

    fn rx_state(&mut self, id: u64) -> &mut RxState {
        &mut self.rxs.iter_mut().find(|(i, _)| *i == id).expect("rx").1
    }

    fn tx_state(&mut self, id: u64) -> &mut TxState {
        &mut self.txs.iter_mut().find(|(i, _)| *i == id).expect("tx").1
    }

    /// Hands `v` to the oldest queued receiver (A4.2).
    fn hand_to_receiver(&mut self, v: u32) -> Result<(), u32> {
        match self.recv_q.pop_front() {
            Some(id) => {
                *self.rx_state(id) = RxState::Done(Some(v));
                Ok(())
            }
            None => Err(v),
        }
    }

    /// A4: closed, then a waiting receiver, then buffer space.
    fn send(&mut self, v: u32) -> SendR {
        if self.closed {
            return SendR::Closed(v);
        }
        match self.hand_to_receiver(v) {
            Ok(()) => SendR::Sent,
            Err(v) if self.has_room() => {
                self.buf.push_back(v);
                SendR::Sent
            }
            Err(v) => SendR::Full(v),
        }
    }

    /// A5: the buffer (refilled from the oldest blocked sender, A5.2), a waiting sender, then
    /// closed.
    fn recv(&mut self) -> RecvR {
        if let Some(v) = self.buf.pop_front() {
            if self.has_room() {
                if let Some((id, m)) = self.send_q.pop_front() {
                    self.buf.push_back(m);
                    *self.tx_state(id) = TxState::Done(Ok(()));
                }
            }
            return RecvR::Got(v);
        }
        if let Some((id, m)) = self.send_q.pop_front() {
            *self.tx_state(id) = TxState::Done(Ok(()));
            return RecvR::Got(m);
        }
        if self.closed {
            RecvR::Closed
        } else {
            RecvR::Empty
        }
    }

    fn send_ready(&self) -> bool {
        self.closed || !self.recv_q.is_empty() || self.has_room()
    }

    fn recv_ready(&self) -> bool {
        !self.buf.is_empty() || !self.send_q.is_empty() || self.closed
    }

    /// A8: receivers get "closed", senders their message back; the buffer stays.
    fn close(&mut self) -> bool {
        if self.closed {
            return false;
        }
        self.closed = true;
        while let Some(id) = self.recv_q.pop_front() {
            *self.rx_state(id) = RxState::Done(None);
        }
        while let Some((id, m)) = self.send_q.pop_front() {
            *self.tx_state(id) = TxState::Done(Err(m));
        }
        true
    }

    /// A message a dropped receive had been handed: to the oldest waiting receiver, else to
    /// the front of the buffer (even past capacity), else (no receiver left) dropped.
    fn give_back(&mut self, v: u32) {
        if let Err(v) = self.hand_to_receiver(v) {
            if !self.rxs.is_empty() {
                self.buf.push_front(v);
            }
        }
    }

    fn drop_tx(&mut self, idx: usize) {
        let (id, st) = self.txs.remove(idx);
        if let TxState::Queued(_) = st {
            self.send_q.retain(|(i, _)| *i != id);
        }
        if self.txs.is_empty() {
            self.close();
        }
    }

    fn drop_rx(&mut self, idx: usize) {
        let (id, st) = self.rxs.remove(idx);
        match st {
            RxState::Queued => self.recv_q.retain(|i| *i != id),
            RxState::Done(Some(v)) => self.give_back(v),
            _ => {}
        }
        if self.rxs.is_empty() {
            // G2: the last receiver closes and drops what is buffered.
            self.close();
            self.buf.clear();
        }
    }

    /// How many messages the model holds.
    fn live(&self) -> usize {
        let held_rx = self
            .rxs
            .iter()
            .filter(|(_, s)| matches!(s, RxState::Done(Some(_))))
            .count();
        let held_tx = self
            .txs
            .iter()
            .filter(|(_, s)| matches!(s, TxState::Queued(_) | TxState::Done(Err(_))))
            .count();
        self.buf.len() + held_rx + held_tx
    }
}

// ---------------------------------------------------------------------------------------------
// Operations.

/// Which channel (0 or 1) and which handle (taken modulo the number of handles).
type Ch = usize;
type H = usize;

#[derive(Clone, Copy, Debug)]
enum Side {
    Tx,
    Rx,
}

#[derive(Clone, Copy, Debug)]
enum Op {
    TrySend(Ch, H),
    TryRecv(Ch, H),
    /// `send_blocking`, only when the model says it completes at once (else skipped).
    SendBlocking(Ch, H),
    /// `recv_blocking`, likewise.
    RecvBlocking(Ch, H),
    /// `send_timeout(.., 0)` and `recv_timeout(0)`.
    SendTimeout0(Ch, H),
    RecvTimeout0(Ch, H),
    /// `send(..)` / `recv()` polled once and dropped if pending (G6).
    PollSend(Ch, H),
    PollRecv(Ch, H),
    /// `Stream::poll_next` (may leave a queued receive in the handle).
    StreamPoll(Ch, H),
    /// `Sink::poll_ready`, then `start_send` + `poll_flush` (may leave a queued send).
    SinkSend(Ch, H),
    SinkFlush(Ch, H),
    Close(Ch, Side, H),
    Clone(Ch, Side, H),
    /// Drops one handle, but never the last one of its kind.
    DropOne(Ch, Side, H),
    /// Drops every handle of that kind: closes (G2).
    DropAll(Ch, Side),
    /// `select!`/`select_blocking!` with `default`: four cases (send A, recv A, send B, recv
    /// B), each present when its bit of `mask` is set, `None` (nil) otherwise.
    Select {
        mask: u8,
        biased: bool,
        is_async: bool,
    },
    /// The same through the `Select` builder and `try_select`.
    Builder {
        mask: u8,
        biased: bool,
    },
    /// Replaces the channel with a fresh one (so long sequences stay interesting).
    Fresh(Ch),
}

fn op_strategy() -> impl Strategy<Value = Op> {
    let ch = 0..2usize;
    let h = 0..MAX_HANDLES;
    let side = prop_oneof![Just(Side::Tx), Just(Side::Rx)];
    prop_oneof![
        8 => (ch.clone(), h.clone()).prop_map(|(c, h)| Op::TrySend(c, h)),
        8 => (ch.clone(), h.clone()).prop_map(|(c, h)| Op::TryRecv(c, h)),
        2 => (ch.clone(), h.clone()).prop_map(|(c, h)| Op::SendBlocking(c, h)),
        2 => (ch.clone(), h.clone()).prop_map(|(c, h)| Op::RecvBlocking(c, h)),
        1 => (ch.clone(), h.clone()).prop_map(|(c, h)| Op::SendTimeout0(c, h)),
        1 => (ch.clone(), h.clone()).prop_map(|(c, h)| Op::RecvTimeout0(c, h)),
        2 => (ch.clone(), h.clone()).prop_map(|(c, h)| Op::PollSend(c, h)),
        2 => (ch.clone(), h.clone()).prop_map(|(c, h)| Op::PollRecv(c, h)),
        5 => (ch.clone(), h.clone()).prop_map(|(c, h)| Op::StreamPoll(c, h)),
        5 => (ch.clone(), h.clone()).prop_map(|(c, h)| Op::SinkSend(c, h)),
        2 => (ch.clone(), h.clone()).prop_map(|(c, h)| Op::SinkFlush(c, h)),
        2 => (ch.clone(), side.clone(), h.clone()).prop_map(|(c, s, h)| Op::Close(c, s, h)),
        3 => (ch.clone(), side.clone(), h.clone()).prop_map(|(c, s, h)| Op::Clone(c, s, h)),
        3 => (ch.clone(), side.clone(), h.clone()).prop_map(|(c, s, h)| Op::DropOne(c, s, h)),
        1 => (ch.clone(), side).prop_map(|(c, s)| Op::DropAll(c, s)),
        6 => (0..16u8, any::<bool>(), any::<bool>()).prop_map(|(mask, biased, is_async)| {
            Op::Select { mask, biased, is_async }
        }),
        3 => (0..16u8, any::<bool>()).prop_map(|(mask, biased)| Op::Builder { mask, biased }),
        1 => ch.prop_map(Op::Fresh),
    ]
}

// ---------------------------------------------------------------------------------------------
// The system under test, kept in step with the model.

struct Real {
    txs: Vec<Sender<Msg>>,
    rxs: Vec<Receiver<Msg>>,
}

/// The result of a select, in model terms: case 0 = send A, 1 = recv A, 2 = send B, 3 = recv B.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Sel {
    Send(usize, Result<(), u32>),
    Recv(usize, Option<u32>),
    Default,
}

struct Harness {
    cap: Option<usize>,
    live: Arc<AtomicUsize>,
    next_msg: u32,
    next_handle: u64,
    model: [Model; 2],
    real: [Real; 2],
}

fn new_pair(cap: Option<usize>) -> (Sender<Msg>, Receiver<Msg>) {
    match cap {
        Some(c) => bounded(c),
        None => unbounded(),
    }
}

fn cx_noop() -> Context<'static> {
    Context::from_waker(futures::task::noop_waker_ref())
}

impl Harness {
    fn new(cap: Option<usize>) -> Harness {
        let (a_tx, a_rx) = new_pair(cap);
        let (b_tx, b_rx) = new_pair(cap);
        Harness {
            cap,
            live: Arc::new(AtomicUsize::new(0)),
            next_msg: 0,
            next_handle: 4,
            model: [Model::new(cap, 0, 1), Model::new(cap, 2, 3)],
            real: [
                Real {
                    txs: vec![a_tx],
                    rxs: vec![a_rx],
                },
                Real {
                    txs: vec![b_tx],
                    rxs: vec![b_rx],
                },
            ],
        }
    }

    fn msg(&mut self) -> (Msg, u32) {
        let id = self.next_msg;
        self.next_msg += 1;
        (Msg::new(id, &self.live), id)
    }

    fn handle_id(&mut self) -> u64 {
        self.next_handle += 1;
        self.next_handle
    }

    fn step(&mut self, op: Op) {
        match op {
            Op::TrySend(c, h) => {
                let Some(h) = pick(h, self.real[c].txs.len()) else {
                    return;
                };
                let (m, id) = self.msg();
                let got = match self.real[c].txs[h].try_send(m) {
                    Ok(()) => SendR::Sent,
                    Err(TrySendError::Full(m)) => SendR::Full(m.id),
                    Err(TrySendError::Closed(m)) => SendR::Closed(m.id),
                };
                assert_eq!(got, self.model[c].send(id), "try_send");
            }
            Op::TryRecv(c, h) => {
                let Some(h) = pick(h, self.real[c].rxs.len()) else {
                    return;
                };
                let got = match self.real[c].rxs[h].try_recv() {
                    Ok(m) => RecvR::Got(m.id),
                    Err(TryRecvError::Empty) => RecvR::Empty,
                    Err(TryRecvError::Closed) => RecvR::Closed,
                };
                assert_eq!(got, self.model[c].recv(), "try_recv");
            }
            Op::SendBlocking(c, h) => {
                let Some(h) = pick(h, self.real[c].txs.len()) else {
                    return;
                };
                if !self.model[c].send_ready() {
                    return; // it would block forever on this thread
                }
                let (m, id) = self.msg();
                let got = match self.real[c].txs[h].send_blocking(m) {
                    Ok(()) => SendR::Sent,
                    Err(e) => SendR::Closed(e.into_inner().id),
                };
                assert_eq!(got, self.model[c].send(id), "send_blocking");
            }
            Op::RecvBlocking(c, h) => {
                let Some(h) = pick(h, self.real[c].rxs.len()) else {
                    return;
                };
                if !self.model[c].recv_ready() {
                    return;
                }
                let got = match self.real[c].rxs[h].recv_blocking() {
                    Some(m) => RecvR::Got(m.id),
                    None => RecvR::Closed,
                };
                assert_eq!(got, self.model[c].recv(), "recv_blocking");
            }
            Op::SendTimeout0(c, h) => {
                let Some(h) = pick(h, self.real[c].txs.len()) else {
                    return;
                };
                let (m, id) = self.msg();
                let got = match self.real[c].txs[h].send_timeout(m, Duration::ZERO) {
                    Ok(()) => SendR::Sent,
                    Err(SendTimeoutError::Timeout(m)) => SendR::Full(m.id),
                    Err(SendTimeoutError::Closed(m)) => SendR::Closed(m.id),
                };
                assert_eq!(got, self.model[c].send(id), "send_timeout(0)");
            }
            Op::RecvTimeout0(c, h) => {
                let Some(h) = pick(h, self.real[c].rxs.len()) else {
                    return;
                };
                let got = match self.real[c].rxs[h].recv_timeout(Duration::ZERO) {
                    Ok(m) => RecvR::Got(m.id),
                    Err(RecvTimeoutError::Timeout) => RecvR::Empty,
                    Err(RecvTimeoutError::Closed) => RecvR::Closed,
                };
                assert_eq!(got, self.model[c].recv(), "recv_timeout(0)");
            }
            Op::PollSend(c, h) => {
                let Some(h) = pick(h, self.real[c].txs.len()) else {
                    return;
                };
                let (m, id) = self.msg();
                let got = match self.real[c].txs[h].send(m).now_or_never() {
                    Some(Ok(())) => SendR::Sent,
                    Some(Err(e)) => SendR::Closed(e.into_inner().id),
                    None => SendR::Full(id), // pending, then dropped: not sent (G6)
                };
                assert_eq!(got, self.model[c].send(id), "send().now_or_never()");
            }
            Op::PollRecv(c, h) => {
                let Some(h) = pick(h, self.real[c].rxs.len()) else {
                    return;
                };
                let got = match self.real[c].rxs[h].recv().now_or_never() {
                    Some(Some(m)) => RecvR::Got(m.id),
                    Some(None) => RecvR::Closed,
                    None => RecvR::Empty,
                };
                assert_eq!(got, self.model[c].recv(), "recv().now_or_never()");
            }
            Op::StreamPoll(c, h) => {
                let Some(h) = pick(h, self.real[c].rxs.len()) else {
                    return;
                };
                let got = match self.real[c].rxs[h].poll_next_unpin(&mut cx_noop()) {
                    Poll::Ready(v) => Poll::Ready(v.map(|m| m.id)),
                    Poll::Pending => Poll::Pending,
                };
                let model = &mut self.model[c];
                let id = model.rxs[h].0;
                let want = match model.rxs[h].1 {
                    RxState::Done(v) => {
                        model.rxs[h].1 = RxState::Idle;
                        Poll::Ready(v)
                    }
                    RxState::Queued => Poll::Pending,
                    RxState::Idle => match model.recv() {
                        RecvR::Got(v) => Poll::Ready(Some(v)),
                        RecvR::Closed => Poll::Ready(None),
                        RecvR::Empty => {
                            model.rxs[h].1 = RxState::Queued;
                            model.recv_q.push_back(id);
                            Poll::Pending
                        }
                    },
                };
                assert_eq!(got, want, "Stream::poll_next");
            }
            Op::SinkSend(c, h) => {
                let Some(h) = pick(h, self.real[c].txs.len()) else {
                    return;
                };
                let ready = self.poll_sink(c, h, true);
                if ready != Poll::Ready(Ok(())) {
                    return;
                }
                let (m, id) = self.msg();
                let tx = &mut self.real[c].txs[h];
                assert!(tx.start_send_unpin(m).is_ok(), "start_send");
                let got = match tx.poll_flush_unpin(&mut cx_noop()) {
                    Poll::Ready(r) => Poll::Ready(r.map_err(|e| e.into_inner().id)),
                    Poll::Pending => Poll::Pending,
                };
                let model = &mut self.model[c];
                let hid = model.txs[h].0;
                let want = match model.send(id) {
                    SendR::Sent => Poll::Ready(Ok(())),
                    SendR::Closed(v) => Poll::Ready(Err(v)),
                    SendR::Full(v) => {
                        model.txs[h].1 = TxState::Queued(v);
                        model.send_q.push_back((hid, v));
                        Poll::Pending
                    }
                };
                assert_eq!(got, want, "Sink::start_send + poll_flush");
            }
            Op::SinkFlush(c, h) => {
                let Some(h) = pick(h, self.real[c].txs.len()) else {
                    return;
                };
                let _ = self.poll_sink(c, h, false);
            }
            Op::Close(c, side, h) => {
                let closed = match side {
                    Side::Tx => match pick(h, self.real[c].txs.len()) {
                        Some(h) => self.real[c].txs[h].close(),
                        None => return,
                    },
                    Side::Rx => match pick(h, self.real[c].rxs.len()) {
                        Some(h) => self.real[c].rxs[h].close(),
                        None => return,
                    },
                };
                assert_eq!(closed, self.model[c].close(), "close");
            }
            Op::Clone(c, side, h) => {
                let id = self.handle_id();
                match side {
                    Side::Tx => {
                        let n = self.real[c].txs.len();
                        let Some(h) = pick(h, n).filter(|_| n < MAX_HANDLES) else {
                            return;
                        };
                        let t = self.real[c].txs[h].clone();
                        self.real[c].txs.push(t);
                        self.model[c].txs.push((id, TxState::Idle));
                    }
                    Side::Rx => {
                        let n = self.real[c].rxs.len();
                        let Some(h) = pick(h, n).filter(|_| n < MAX_HANDLES) else {
                            return;
                        };
                        let r = self.real[c].rxs[h].clone();
                        self.real[c].rxs.push(r);
                        self.model[c].rxs.push((id, RxState::Idle));
                    }
                }
            }
            Op::DropOne(c, side, h) => match side {
                Side::Tx => {
                    let n = self.real[c].txs.len();
                    if let Some(h) = pick(h, n).filter(|_| n > 1) {
                        drop(self.real[c].txs.remove(h));
                        self.model[c].drop_tx(h);
                    }
                }
                Side::Rx => {
                    let n = self.real[c].rxs.len();
                    if let Some(h) = pick(h, n).filter(|_| n > 1) {
                        drop(self.real[c].rxs.remove(h));
                        self.model[c].drop_rx(h);
                    }
                }
            },
            Op::DropAll(c, side) => match side {
                Side::Tx => {
                    while let Some(t) = self.real[c].txs.pop() {
                        drop(t);
                        let last = self.model[c].txs.len() - 1;
                        self.model[c].drop_tx(last);
                    }
                }
                Side::Rx => {
                    while let Some(r) = self.real[c].rxs.pop() {
                        drop(r);
                        let last = self.model[c].rxs.len() - 1;
                        self.model[c].drop_rx(last);
                    }
                }
            },
            Op::Select {
                mask,
                biased,
                is_async,
            } => {
                let (ma, ia) = self.msg();
                let (mb, ib) = self.msg();
                let got = run_select(&self.real, mask, biased, is_async, ma, mb);
                self.check_select(mask, biased, [ia, ib], got, "select");
            }
            Op::Builder { mask, biased } => {
                let (ma, ia) = self.msg();
                let (mb, ib) = self.msg();
                let got = run_builder(&self.real, mask, biased, ma, mb);
                self.check_select(mask, biased, [ia, ib], got, "Select::try_select");
            }
            Op::Fresh(c) => {
                self.real[c].txs.clear();
                self.real[c].rxs.clear();
                let (tx, rx) = new_pair(self.cap);
                self.real[c].txs.push(tx);
                self.real[c].rxs.push(rx);
                let (t, r) = (self.handle_id(), self.handle_id());
                self.model[c] = Model::new(self.cap, t, r);
            }
        }
    }

    /// `Sink::poll_ready` (or `poll_flush`) on sender `h` of channel `c`, checked.
    fn poll_sink(&mut self, c: usize, h: usize, ready: bool) -> Poll<Result<(), u32>> {
        let tx = &mut self.real[c].txs[h];
        let mut cx = cx_noop();
        let got = if ready {
            tx.poll_ready_unpin(&mut cx)
        } else {
            tx.poll_flush_unpin(&mut cx)
        };
        let got = match got {
            Poll::Ready(r) => Poll::Ready(r.map_err(|e| e.into_inner().id)),
            Poll::Pending => Poll::Pending,
        };
        let st = &mut self.model[c].txs[h].1;
        let want = match *st {
            TxState::Idle => Poll::Ready(Ok(())),
            TxState::Queued(_) => Poll::Pending,
            TxState::Done(r) => {
                *st = TxState::Idle;
                Poll::Ready(r)
            }
        };
        assert_eq!(got, want, "Sink::poll_ready/poll_flush");
        got
    }

    /// Checks a select's choice against the model and applies it: the chosen case must be
    /// ready (the first ready one in source order when biased), `default` only if none is
    /// (G4), and the case's effect is exactly that of the single operation (G5).
    fn check_select(&mut self, mask: u8, biased: bool, ids: [u32; 2], got: Sel, what: &str) {
        let ready: Vec<usize> = (0..4)
            .filter(|&k| {
                let c = k / 2;
                let send = k % 2 == 0;
                if mask & (1 << k) == 0 {
                    return false;
                }
                if send {
                    !self.real[c].txs.is_empty() && self.model[c].send_ready()
                } else {
                    !self.real[c].rxs.is_empty() && self.model[c].recv_ready()
                }
            })
            .collect();
        let k = match got {
            Sel::Default => {
                assert!(
                    ready.is_empty(),
                    "{what}: took default with ready cases {ready:?} (mask {mask:#b})"
                );
                return;
            }
            Sel::Send(k, _) | Sel::Recv(k, _) => k,
        };
        assert!(
            ready.contains(&k),
            "{what}: chose case {k}, ready were {ready:?}"
        );
        if biased {
            assert_eq!(
                k, ready[0],
                "{what}: biased select did not take the first ready"
            );
        }
        let c = k / 2;
        let want = if k % 2 == 0 {
            match self.model[c].send(ids[c]) {
                SendR::Sent => Sel::Send(k, Ok(())),
                SendR::Closed(v) => Sel::Send(k, Err(v)),
                SendR::Full(_) => unreachable!("a ready send was full"),
            }
        } else {
            match self.model[c].recv() {
                RecvR::Got(v) => Sel::Recv(k, Some(v)),
                RecvR::Closed => Sel::Recv(k, None),
                RecvR::Empty => unreachable!("a ready receive was empty"),
            }
        };
        assert_eq!(got, want, "{what}: effect of the chosen case");
    }

    /// Every observable of both channels against the model, and the live message count.
    fn check(&self) {
        for c in 0..2 {
            let m = &self.model[c];
            let r = &self.real[c];
            assert_eq!(r.txs.len(), m.txs.len());
            assert_eq!(r.rxs.len(), m.rxs.len());
            let full = !m.has_room();
            let check_one = |len: usize,
                             closed: bool,
                             is_full: bool,
                             empty: bool,
                             cap: Option<usize>,
                             counts: (usize, usize),
                             blocked: (usize, usize)| {
                assert_eq!(len, m.buf.len(), "len (chan {c})");
                assert_eq!(closed, m.closed, "is_closed (chan {c})");
                assert_eq!(is_full, full, "is_full (chan {c})");
                assert_eq!(empty, m.buf.is_empty(), "is_empty (chan {c})");
                assert_eq!(cap, m.cap, "capacity (chan {c})");
                assert_eq!(
                    counts,
                    (m.txs.len(), m.rxs.len()),
                    "handle counts (chan {c})"
                );
                assert_eq!(
                    blocked,
                    (m.send_q.len(), m.recv_q.len()),
                    "blocked senders/receivers (chan {c})"
                );
            };
            for t in &r.txs {
                check_one(
                    t.len(),
                    t.is_closed(),
                    t.is_full(),
                    t.is_empty(),
                    t.capacity(),
                    (t.sender_count(), t.receiver_count()),
                    (t.blocked_senders(), t.blocked_receivers()),
                );
            }
            for x in &r.rxs {
                check_one(
                    x.len(),
                    x.is_closed(),
                    x.is_full(),
                    x.is_empty(),
                    x.capacity(),
                    (x.sender_count(), x.receiver_count()),
                    (x.blocked_senders(), x.blocked_receivers()),
                );
            }
        }
        let want = self.model[0].live() + self.model[1].live();
        assert_eq!(
            self.live.load(Ordering::SeqCst),
            want,
            "live messages (model: {:?})",
            self.model
        );
    }
}

fn pick(h: usize, n: usize) -> Option<usize> {
    (n > 0).then(|| h % n)
}

/// The four-case select of [`Op::Select`].
fn run_select(real: &[Real; 2], mask: u8, biased: bool, is_async: bool, ma: Msg, mb: Msg) -> Sel {
    let a_tx = real[0].txs.first().filter(|_| mask & 1 != 0);
    let a_rx = real[0].rxs.first().filter(|_| mask & 2 != 0);
    let b_tx = real[1].txs.first().filter(|_| mask & 4 != 0);
    let b_rx = real[1].rxs.first().filter(|_| mask & 8 != 0);
    let sent = |k: usize, r: Result<(), gochan::SendError<Msg>>| {
        Sel::Send(k, r.map_err(|e| e.into_inner().id))
    };
    let got = |k: usize, v: Option<Msg>| Sel::Recv(k, v.map(|m| m.id));
    match (is_async, biased) {
        (false, false) => select_blocking! {
            send(a_tx, ma) -> r => sent(0, r),
            recv(a_rx) -> v => got(1, v),
            send(b_tx, mb) -> r => sent(2, r),
            recv(b_rx) -> v => got(3, v),
            default => Sel::Default,
        },
        (false, true) => select_blocking! {
            biased;
            send(a_tx, ma) -> r => sent(0, r),
            recv(a_rx) -> v => got(1, v),
            send(b_tx, mb) -> r => sent(2, r),
            recv(b_rx) -> v => got(3, v),
            default => Sel::Default,
        },
        (true, false) => futures::executor::block_on(async {
            select! {
                send(a_tx, ma) -> r => sent(0, r),
                recv(a_rx) -> v => got(1, v),
                send(b_tx, mb) -> r => sent(2, r),
                recv(b_rx) -> v => got(3, v),
                default => Sel::Default,
            }
        }),
        (true, true) => futures::executor::block_on(async {
            select! {
                biased;
                send(a_tx, ma) -> r => sent(0, r),
                recv(a_rx) -> v => got(1, v),
                send(b_tx, mb) -> r => sent(2, r),
                recv(b_rx) -> v => got(3, v),
                default => Sel::Default,
            }
        }),
    }
}

/// The same select through the builder: absent cases are added as nil (`None`) cases, so
/// that the builder's indices are the model's case numbers.
fn run_builder(real: &[Real; 2], mask: u8, biased: bool, ma: Msg, mb: Msg) -> Sel {
    let a_tx = real[0].txs.first().filter(|_| mask & 1 != 0);
    let a_rx = real[0].rxs.first().filter(|_| mask & 2 != 0);
    let b_tx = real[1].txs.first().filter(|_| mask & 4 != 0);
    let b_rx = real[1].rxs.first().filter(|_| mask & 8 != 0);
    let mut s = Select::new();
    s.set_biased(biased);
    assert_eq!(s.send(a_tx, ma), 0);
    assert_eq!(s.recv(a_rx), 1);
    assert_eq!(s.send(b_tx, mb), 2);
    assert_eq!(s.recv(b_rx), 3);
    match s.try_select() {
        Err(_) => Sel::Default,
        Ok(op) => match op.index() {
            0 => Sel::Send(0, op.send(a_tx.unwrap()).map_err(|e| e.into_inner().id)),
            1 => Sel::Recv(1, op.recv(a_rx.unwrap()).map(|m| m.id)),
            2 => Sel::Send(2, op.send(b_tx.unwrap()).map_err(|e| e.into_inner().id)),
            3 => Sel::Recv(3, op.recv(b_rx.unwrap()).map(|m| m.id)),
            k => panic!("Select chose case {k} of 4"),
        },
    }
}

fn run(cap: Option<usize>, ops: &[Op]) {
    let mut h = Harness::new(cap);
    h.check();
    for &op in ops {
        h.step(op);
        h.check();
    }
    // Everything the channels still hold is dropped with them: nothing leaks.
    let live = h.live.clone();
    drop(h);
    assert_eq!(live.load(Ordering::SeqCst), 0, "messages leaked");
}

fn config() -> ProptestConfig {
    ProptestConfig {
        cases: 256,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn model_unbuffered(ops in prop::collection::vec(op_strategy(), 0..=64)) {
        run(Some(0), &ops);
    }

    #[test]
    fn model_cap1(ops in prop::collection::vec(op_strategy(), 0..=64)) {
        run(Some(1), &ops);
    }

    #[test]
    fn model_cap3(ops in prop::collection::vec(op_strategy(), 0..=64)) {
        run(Some(3), &ops);
    }

    #[test]
    fn model_unbounded(ops in prop::collection::vec(op_strategy(), 0..=64)) {
        run(None, &ops);
    }
}

/// Fixed sequences for the corner cases the generator reaches only now and then.
#[test]
fn model_fixed_corners() {
    use Op::*;
    let cases: &[&[Op]] = &[
        // Unbuffered rendezvous through a queued stream receive, then a select taking it.
        &[StreamPoll(0, 0), TrySend(0, 0), StreamPoll(0, 0)],
        // A delivered message given back by a dropped receiver clone (G6), past capacity.
        &[
            Clone(0, Side::Rx, 0),
            StreamPoll(0, 1),
            TrySend(0, 0),
            TrySend(0, 0),
            SinkSend(0, 0),
            DropOne(0, Side::Rx, 1),
            TryRecv(0, 0),
            TryRecv(0, 0),
            TryRecv(0, 0),
            SinkFlush(0, 0),
        ],
        // Close wakes a queued sender with its message and a queued receiver with None.
        &[
            SinkSend(0, 0),
            StreamPoll(1, 0),
            Close(0, Side::Rx, 0),
            Close(1, Side::Tx, 0),
            SinkFlush(0, 0),
            StreamPoll(1, 0),
        ],
        // Select with send and receive on the same unbuffered channel takes default (B8).
        &[
            Select {
                mask: 0b0011,
                biased: true,
                is_async: false,
            },
            Builder {
                mask: 0b0011,
                biased: false,
            },
        ],
        // Dropping the last receiver drops the buffer and fails a queued send.
        &[
            TrySend(0, 0),
            SinkSend(0, 0),
            SinkSend(0, 0),
            DropAll(0, Side::Rx),
            SinkFlush(0, 0),
            TrySend(0, 0),
        ],
    ];
    for cap in [Some(0), Some(1), Some(3), None] {
        for ops in cases {
            run(cap, ops);
        }
    }
}
