//! A small linearizability checker for gochan's non-blocking operations (DESIGN G4, G5;
//! go-reference A9, B3.4).
//!
//! A *scenario* is an initial state of two channels (`A` = 0, `B` = 1) of one flavor and a
//! short list of operations per thread. Every operation terminates: `try_send`, `try_recv`,
//! `close`, and a two-case `select` with `default`. Running a scenario records a
//! [`History`]: each thread's results in program order, and the state of both channels after
//! every thread has finished (drained with `try_recv`). The [`check`] function then searches,
//! by brute force, for an interleaving of the per-thread sequences that respects program
//! order and reproduces every recorded result and the final state on a sequential model of
//! Go's channel ([`Model`]). If there is none, the history is not linearizable.
//!
//! # The sequential model
//!
//! Go's channel restricted to non-blocking operations (A4, A5, A8, A9): a FIFO buffer of
//! capacity `cap` (`None` = unbounded), and a closed flag. With only non-blocking operations
//! nobody waits, so the wait queues are always empty and an unbuffered channel never
//! communicates, *with one exception*: gochan's select with `default` registers its cases
//! before it gives up (`src/select/engine.rs`, step 2), and a peer that finds such a
//! registration completes with it. On an unbuffered channel that is a rendezvous of two
//! operations at one instant, which no sequence of single operations explains. The model
//! therefore also has a *paired* step: a send (a `try_send`, or a send case of a select) and a
//! receive (likewise) on the same open unbuffered channel, from two different threads, at
//! least one of them a select, complete together, the receive getting the send's value.
//! This is how linearizability is defined for rendezvous ("dual") objects, and it is
//! consistent with G4: it only adds successes, never a false "not ready".
//!
//! # What is and is not checked
//!
//! Threads record only program order, not real time, so what is checked is that a single
//! total order of all operations, consistent with each thread's order, explains every result
//! (sequential consistency of the history). The final state is observed after every thread
//! has been joined, so it must be the state at the end of that order. Recording real-time
//! order under loom would need a shared clock, whose synchronization would hide exactly the
//! weak-memory bugs the models look for.
//!
//! A select's choice among several ready cases is not checked (any ready case is accepted);
//! under `--cfg loom` gochan's selects are biased, and the single-thread model test
//! (`tests/model.rs`) checks the choice.

use std::collections::VecDeque;
use std::fmt;

use gochan::{bounded, select_blocking, unbounded, Receiver, Sender, TryRecvError, TrySendError};

/// A channel of a scenario: `A` or `B`.
pub type Chan = usize;
/// The first channel.
pub const A: Chan = 0;
/// The second channel.
pub const B: Chan = 1;

/// One case of a select.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Case {
    /// `send(tx, v)`.
    Send(Chan, u8),
    /// `recv(rx)`.
    Recv(Chan),
}

/// An operation that always terminates.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Op {
    /// `tx.try_send(v)`.
    TrySend(Chan, u8),
    /// `rx.try_recv()`.
    TryRecv(Chan),
    /// `tx.close()`.
    Close(Chan),
    /// `select_blocking! { case 0, case 1, default }`.
    Select(Case, Case),
}

/// The result of an operation.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Res {
    /// `try_send` sent.
    Sent,
    /// `try_send` found no room (and no waiting receiver).
    Full,
    /// `try_send` found the channel closed.
    SendClosed,
    /// `try_recv` received `v`.
    Got(u8),
    /// `try_recv` found nothing.
    Empty,
    /// `try_recv` found the channel closed and drained.
    RecvClosed,
    /// `close` returned this.
    Closed(bool),
    /// The select chose send case `k`; `true` if the message was sent, `false` if the
    /// channel was closed (the case is ready, and the message comes back in `Err`).
    SelSend(usize, bool),
    /// The select chose receive case `k`; `None` if the channel was closed and drained.
    SelRecv(usize, Option<u8>),
    /// The select took `default`.
    Default,
}

/// The initial state of one channel.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Init {
    /// Buffered messages (put in with `try_send`; entries past the capacity are left out).
    pub buf: Vec<u8>,
    /// Whether the channel starts closed (after the buffer is filled).
    pub closed: bool,
}

/// The state of one channel after every thread finished: what a drain with `try_recv`
/// found, and whether it ended on "closed".
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Final {
    /// The messages drained, in order.
    pub buf: Vec<u8>,
    /// Whether the channel was closed.
    pub closed: bool,
}

/// What one run of a scenario recorded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct History {
    /// Per thread, each operation and its result, in program order.
    pub threads: Vec<Vec<(Op, Res)>>,
    /// The state of both channels at the end, if observed.
    pub end: Option<[Final; 2]>,
}

/// A history recorder for one thread: results in program order.
#[derive(Debug, Default)]
pub struct Recorder {
    ops: Vec<(Op, Res)>,
}

impl Recorder {
    /// A recorder with nothing recorded.
    pub fn new() -> Recorder {
        Recorder::default()
    }

    /// Runs `op` on `chans` and records its result.
    pub fn run(&mut self, chans: &Chans, op: Op) -> Res {
        let r = chans.exec(op);
        self.ops.push((op, r));
        r
    }

    /// The recorded operations.
    pub fn into_ops(self) -> Vec<(Op, Res)> {
        self.ops
    }
}

// ---------------------------------------------------------------------------------------------
// The sequential model.

/// One channel of the sequential model.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SeqChan {
    /// `None` is unbounded.
    pub cap: Option<usize>,
    /// The buffer, oldest first.
    pub buf: VecDeque<u8>,
    /// Whether the channel is closed.
    pub closed: bool,
}

impl SeqChan {
    fn has_room(&self) -> bool {
        self.cap.is_none_or(|c| self.buf.len() < c)
    }

    fn send(&mut self, v: u8) -> Res {
        if self.closed {
            Res::SendClosed
        } else if self.has_room() {
            self.buf.push_back(v);
            Res::Sent
        } else {
            Res::Full
        }
    }

    fn recv(&mut self) -> Res {
        match self.buf.pop_front() {
            Some(v) => Res::Got(v),
            None if self.closed => Res::RecvClosed,
            None => Res::Empty,
        }
    }

    fn send_ready(&self) -> bool {
        self.closed || self.has_room()
    }

    fn recv_ready(&self) -> bool {
        self.closed || !self.buf.is_empty()
    }
}

/// The sequential model of two channels of one flavor.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Model {
    /// Channels `A` and `B`.
    pub chans: [SeqChan; 2],
}

impl Model {
    /// Two channels of capacity `cap` in the states `init`.
    pub fn new(cap: Option<usize>, init: &[Init; 2]) -> Model {
        let mk = |i: &Init| {
            let mut c = SeqChan {
                cap,
                buf: VecDeque::new(),
                closed: false,
            };
            for &v in &i.buf {
                let _ = c.send(v);
            }
            c.closed = i.closed;
            c
        };
        Model {
            chans: [mk(&init[0]), mk(&init[1])],
        }
    }

    /// Every (result, next state) that `op` can have from this state: one for the plain
    /// operations, one per ready case (or `default`) for a select.
    pub fn step(&self, op: Op) -> Vec<(Res, Model)> {
        let mut next = self.clone();
        match op {
            Op::TrySend(c, v) => {
                let r = next.chans[c].send(v);
                vec![(r, next)]
            }
            Op::TryRecv(c) => {
                let r = next.chans[c].recv();
                vec![(r, next)]
            }
            Op::Close(c) => {
                let was = next.chans[c].closed;
                next.chans[c].closed = true;
                vec![(Res::Closed(!was), next)]
            }
            Op::Select(c0, c1) => {
                let mut out = Vec::new();
                for (k, case) in [c0, c1].into_iter().enumerate() {
                    let mut next = self.clone();
                    match case {
                        Case::Send(c, v) if self.chans[c].send_ready() => {
                            let ok = next.chans[c].send(v) == Res::Sent;
                            out.push((Res::SelSend(k, ok), next));
                        }
                        Case::Recv(c) if self.chans[c].recv_ready() => {
                            let got = match next.chans[c].recv() {
                                Res::Got(v) => Some(v),
                                _ => None,
                            };
                            out.push((Res::SelRecv(k, got), next));
                        }
                        _ => {}
                    }
                }
                if out.is_empty() {
                    out.push((Res::Default, self.clone()));
                }
                out
            }
        }
    }

    /// Whether the channels are in the observed final state.
    pub fn matches(&self, end: &[Final; 2]) -> bool {
        self.chans
            .iter()
            .zip(end)
            .all(|(c, f)| c.closed == f.closed && c.buf.iter().copied().eq(f.buf.iter().copied()))
    }
}

/// The send half of `op`, if it can be the sender of a rendezvous: (channel, value, the
/// result it must have recorded).
fn pair_send(op: Op) -> Option<Vec<(Chan, u8, Res)>> {
    match op {
        Op::TrySend(c, v) => Some(vec![(c, v, Res::Sent)]),
        Op::Select(c0, c1) => Some(
            [c0, c1]
                .into_iter()
                .enumerate()
                .filter_map(|(k, case)| match case {
                    Case::Send(c, v) => Some((c, v, Res::SelSend(k, true))),
                    Case::Recv(_) => None,
                })
                .collect(),
        ),
        _ => None,
    }
}

/// The receive half of `op` for a rendezvous on `c` with value `v`: the result it must have
/// recorded.
fn pair_recv(op: Op, c: Chan, v: u8) -> Vec<Res> {
    match op {
        Op::TryRecv(d) if d == c => vec![Res::Got(v)],
        Op::Select(c0, c1) => [c0, c1]
            .into_iter()
            .enumerate()
            .filter_map(|(k, case)| match case {
                Case::Recv(d) if d == c => Some(Res::SelRecv(k, Some(v))),
                _ => None,
            })
            .collect(),
        _ => Vec::new(),
    }
}

/// One step of a linearization: the thread (and, for a rendezvous, the second thread).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Step {
    /// Thread `t` ran its next operation.
    One(usize),
    /// Thread `s` sent and thread `r` received at one instant (unbuffered rendezvous).
    Pair(usize, usize),
}

/// Why a history was rejected.
#[derive(Clone, Debug)]
pub struct NotLinearizable {
    /// The rejected history.
    pub history: History,
    /// The model's initial state.
    pub initial: Model,
}

impl fmt::Display for NotLinearizable {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "no interleaving of the threads explains this history on the sequential model"
        )?;
        writeln!(f, "  initial state: {:?}", self.initial.chans)?;
        for (t, ops) in self.history.threads.iter().enumerate() {
            writeln!(f, "  thread {t}: {ops:?}")?;
        }
        write!(f, "  end: {:?}", self.history.end)
    }
}

/// Searches for a linearization of `history` on two channels of capacity `cap` starting in
/// `init`. Returns the steps of one, or why there is none.
pub fn check(
    cap: Option<usize>,
    init: &[Init; 2],
    history: &History,
) -> Result<Vec<Step>, Box<NotLinearizable>> {
    let initial = Model::new(cap, init);
    let mut pos = vec![0; history.threads.len()];
    let mut steps = Vec::new();
    if search(&initial, history, &mut pos, &mut steps) {
        Ok(steps)
    } else {
        Err(Box::new(NotLinearizable {
            history: history.clone(),
            initial,
        }))
    }
}

fn search(state: &Model, h: &History, pos: &mut [usize], steps: &mut Vec<Step>) -> bool {
    let done = pos.iter().zip(&h.threads).all(|(&p, ops)| p == ops.len());
    if done {
        return h.end.as_ref().is_none_or(|end| state.matches(end));
    }
    let next = |t: usize, pos: &[usize]| h.threads[t].get(pos[t]).copied();
    for t in 0..h.threads.len() {
        let Some((op, recorded)) = next(t, pos) else {
            continue;
        };
        for (r, s) in state.step(op) {
            if r != recorded {
                continue;
            }
            pos[t] += 1;
            steps.push(Step::One(t));
            if search(&s, h, pos, steps) {
                return true;
            }
            steps.pop();
            pos[t] -= 1;
        }
    }
    // Rendezvous on an open unbuffered channel, one side at least a select.
    for s in 0..h.threads.len() {
        let Some((sop, srec)) = next(s, pos) else {
            continue;
        };
        let Some(sends) = pair_send(sop) else {
            continue;
        };
        for (c, v, want_s) in sends {
            let ch = &state.chans[c];
            if want_s != srec || ch.cap != Some(0) || ch.closed {
                continue;
            }
            for r in 0..h.threads.len() {
                let Some((rop, rrec)) = next(r, pos) else {
                    continue;
                };
                if r == s || !(matches!(sop, Op::Select(..)) || matches!(rop, Op::Select(..))) {
                    continue;
                }
                if !pair_recv(rop, c, v).contains(&rrec) {
                    continue;
                }
                pos[s] += 1;
                pos[r] += 1;
                steps.push(Step::Pair(s, r));
                if search(state, h, pos, steps) {
                    return true;
                }
                steps.pop();
                pos[s] -= 1;
                pos[r] -= 1;
            }
        }
    }
    false
}

// ---------------------------------------------------------------------------------------------
// Running operations on real channels.

/// The two channels of a scenario: one handle of each kind per channel. Clone it for each
/// thread.
#[derive(Clone, Debug)]
pub struct Chans {
    /// Senders of `A` and `B`.
    pub tx: [Sender<u8>; 2],
    /// Receivers of `A` and `B`.
    pub rx: [Receiver<u8>; 2],
}

impl Chans {
    /// Two channels of capacity `cap` (`None` = unbounded) in the states `init`.
    pub fn new(cap: Option<usize>, init: &[Init; 2]) -> Chans {
        let mk = || match cap {
            Some(c) => bounded(c),
            None => unbounded(),
        };
        let (ta, ra) = mk();
        let (tb, rb) = mk();
        let chans = Chans {
            tx: [ta, tb],
            rx: [ra, rb],
        };
        for (c, i) in init.iter().enumerate() {
            for &v in &i.buf {
                let _ = chans.tx[c].try_send(v);
            }
            if i.closed {
                chans.tx[c].close();
            }
        }
        chans
    }

    /// Runs `op` and returns its result.
    pub fn exec(&self, op: Op) -> Res {
        match op {
            Op::TrySend(c, v) => match self.tx[c].try_send(v) {
                Ok(()) => Res::Sent,
                Err(TrySendError::Full(_)) => Res::Full,
                Err(TrySendError::Closed(_)) => Res::SendClosed,
            },
            Op::TryRecv(c) => match self.rx[c].try_recv() {
                Ok(v) => Res::Got(v),
                Err(TryRecvError::Empty) => Res::Empty,
                Err(TryRecvError::Closed) => Res::RecvClosed,
            },
            Op::Close(c) => Res::Closed(self.tx[c].close()),
            Op::Select(c0, c1) => self.select(c0, c1),
        }
    }

    /// A select with `default` over the two cases. The macro has four case slots (send A,
    /// receive A, send B, receive B); the two cases fill theirs, the others are nil (`None`,
    /// never ready), so one expansion serves every combination.
    fn select(&self, c0: Case, c1: Case) -> Res {
        // Slot s (0..4) holds case k of the op, if any.
        let mut slot: [Option<(usize, u8)>; 4] = [None; 4];
        for (k, case) in [c0, c1].into_iter().enumerate() {
            let (s, v) = match case {
                Case::Send(c, v) => (2 * c, v),
                Case::Recv(c) => (2 * c + 1, 0),
            };
            assert!(
                slot[s].is_none(),
                "a scenario select has two identical cases"
            );
            slot[s] = Some((k, v));
        }
        let tx = |c: usize| slot[2 * c].map(|_| &self.tx[c]);
        let rx = |c: usize| slot[2 * c + 1].map(|_| &self.rx[c]);
        let k = |s: usize| slot[s].expect("a chosen slot holds a case").0;
        let v = |s: usize| slot[s].map_or(0, |x| x.1);
        select_blocking! {
            send(tx(A), v(0)) -> r => Res::SelSend(k(0), r.is_ok()),
            recv(rx(A)) -> m => Res::SelRecv(k(1), m),
            send(tx(B), v(2)) -> r => Res::SelSend(k(2), r.is_ok()),
            recv(rx(B)) -> m => Res::SelRecv(k(3), m),
            default => Res::Default,
        }
    }

    /// Drains both channels with `try_recv`: the final state of a run.
    pub fn observe_end(&self) -> [Final; 2] {
        let one = |rx: &Receiver<u8>| {
            let mut buf = Vec::new();
            loop {
                match rx.try_recv() {
                    Ok(v) => buf.push(v),
                    Err(e) => {
                        return Final {
                            buf,
                            closed: e.is_closed(),
                        }
                    }
                }
            }
        };
        [one(&self.rx[0]), one(&self.rx[1])]
    }
}

/// A scenario: the initial state of both channels and each thread's operations.
#[derive(Clone, Debug)]
pub struct Scenario {
    /// A short name for the log.
    pub name: &'static str,
    /// The initial states of `A` and `B`.
    pub init: [Init; 2],
    /// Each thread's operations, in program order.
    pub threads: Vec<Vec<Op>>,
}

/// Runs every thread's operations one after the other on this thread (thread 0 first): a
/// sequential run, whose history any correct checker accepts.
pub fn run_sequential(cap: Option<usize>, s: &Scenario) -> History {
    let chans = Chans::new(cap, &s.init);
    let threads = s
        .threads
        .iter()
        .map(|ops| {
            let mut rec = Recorder::new();
            for &op in ops {
                rec.run(&chans, op);
            }
            rec.into_ops()
        })
        .collect();
    History {
        threads,
        end: Some(chans.observe_end()),
    }
}

/// The fixed scenarios (two threads, two or three operations each). They are listed rather
/// than generated at random so that loom replays and CI logs stay stable.
#[rustfmt::skip]
pub fn scenarios() -> Vec<Scenario> {
    use Case::{Recv, Send};
    use Op::*;
    let open = Init::default;
    let with = |buf: &[u8]| Init {
        buf: buf.to_vec(),
        closed: false,
    };
    let closed = || Init {
        buf: Vec::new(),
        closed: true,
    };
    let sc = |name, init: [Init; 2], t0: &[Op], t1: &[Op]| Scenario {
        name,
        init,
        threads: vec![t0.to_vec(), t1.to_vec()],
    };
    vec![
        sc("send_send_vs_recv_recv", [open(), open()],
            &[TrySend(A, 1), TrySend(A, 2)], &[TryRecv(A), TryRecv(A)]),
        sc("send_close_vs_recv_recv", [open(), open()],
            &[TrySend(A, 1), Close(A)], &[TryRecv(A), TryRecv(A)]),
        // TestNonblockRecvRace (A9.1): a buffered value survives a concurrent close.
        sc("nonblock_recv_race", [with(&[1]), open()],
            &[Close(A)], &[TryRecv(A), TryRecv(A)]),
        sc("close_close_vs_close", [open(), open()],
            &[Close(A), TrySend(A, 1)], &[Close(A), TryRecv(A)]),
        // Store buffering: both receives cannot miss both sends.
        sc("store_buffering", [open(), open()],
            &[TrySend(A, 1), TryRecv(B)], &[TrySend(B, 2), TryRecv(A)]),
        sc("sends_vs_select_recv_recv", [open(), open()],
            &[TrySend(A, 1), TrySend(B, 2)], &[Select(Recv(A), Recv(B)), Select(Recv(A), Recv(B))]),
        // TestNonblockSelectRace (A9.1): one of the two is ready at every instant.
        sc("nonblock_select_race", [with(&[1]), open()],
            &[TryRecv(A), Close(B)], &[Select(Recv(A), Recv(B))]),
        sc("select_send_recv_crossed", [open(), open()],
            &[Select(Send(A, 1), Recv(B))], &[Select(Send(B, 2), Recv(A))]),
        sc("three_sends_vs_select_same_chan", [open(), open()],
            &[TrySend(A, 1), TrySend(A, 2), TrySend(A, 3)], &[Select(Recv(A), Send(A, 9)), TryRecv(A)]),
        sc("close_then_send_vs_select", [open(), open()],
            &[Close(A), TrySend(B, 1)], &[Select(Send(A, 5), Recv(B)), TryRecv(B)]),
        sc("drain_vs_select_on_closed", [with(&[1]), closed()],
            &[TryRecv(A), TryRecv(B)], &[Select(Recv(A), Recv(B))]),
        sc("send_close_vs_select_both_ends", [open(), open()],
            &[TrySend(A, 1), Close(A)], &[Select(Recv(A), Send(A, 2)), TryRecv(A)]),
        sc("select_sends_vs_select_recvs", [open(), open()],
            &[Select(Send(A, 1), Send(B, 2))], &[Select(Recv(A), Recv(B)), Select(Recv(A), Recv(B))]),
        sc("recvs_vs_select_two_sends", [open(), open()],
            &[TryRecv(A), TryRecv(B)], &[Select(Send(A, 1), Send(B, 2)), TryRecv(A)]),
        sc("close_b_send_a_vs_select_close_a", [open(), open()],
            &[Close(B), TrySend(A, 1)], &[Select(Recv(A), Recv(B)), Close(A)]),
        sc("full_send_recv_vs_recv_send", [with(&[1]), open()],
            &[TrySend(A, 2), TryRecv(A)], &[TryRecv(A), TrySend(A, 3)]),
        sc("select_recv_vs_send_close", [open(), open()],
            &[Select(Recv(A), Recv(B))], &[TrySend(A, 1), Close(B)]),
        sc("send_select_vs_recv_send_close", [open(), open()],
            &[TrySend(A, 1), Select(Send(A, 2), Recv(B))], &[TryRecv(A), TrySend(B, 3), Close(A)]),
        sc("close_vs_two_selects_both_ends", [open(), open()],
            &[Close(A)], &[Select(Send(A, 1), Recv(A)), Select(Send(A, 2), Recv(A))]),
        sc("two_closes_vs_two_selects", [with(&[1]), with(&[2])],
            &[Select(Recv(A), Recv(B)), Select(Recv(A), Recv(B))], &[Close(A), Close(B)]),
    ]
}

/// A few scenarios with three threads (loom's main thread and two spawned ones), one or two
/// operations each: where a third party changes the state between two others.
#[rustfmt::skip]
pub fn scenarios_three_threads() -> Vec<Scenario> {
    use Case::{Recv, Send};
    use Op::*;
    let open = Init::default;
    let with = |buf: &[u8]| Init {
        buf: buf.to_vec(),
        closed: false,
    };
    let sc = |name, init: [Init; 2], t0: &[Op], t1: &[Op], t2: &[Op]| Scenario {
        name,
        init,
        threads: vec![t0.to_vec(), t1.to_vec(), t2.to_vec()],
    };
    vec![
        // TestNonblockSelectRace2 (A9.1): a value moves from A to B while a select looks.
        sc("3t_value_moves_vs_select", [with(&[1]), open()],
            &[Select(Recv(A), Recv(B))], &[TryRecv(A)], &[TrySend(B, 2)]),
        sc("3t_two_senders_one_select", [open(), open()],
            &[Select(Recv(A), Recv(B))], &[TrySend(A, 1)], &[TrySend(B, 2)]),
        sc("3t_close_vs_send_vs_recv", [open(), open()],
            &[TrySend(A, 1), TrySend(A, 2)], &[Close(A)], &[TryRecv(A), TryRecv(A)]),
        sc("3t_select_send_vs_two_receivers", [open(), open()],
            &[Select(Send(A, 1), Send(B, 2))], &[TryRecv(A)], &[TryRecv(B)]),
        sc("3t_selects_on_both_ends", [open(), open()],
            &[Select(Send(A, 1), Recv(B))], &[Select(Recv(A), Send(B, 2))], &[Close(A)]),
        sc("3t_three_closers", [with(&[1]), open()],
            &[Close(A)], &[Close(A), TryRecv(A)], &[Select(Recv(A), Send(A, 3))]),
    ]
}
