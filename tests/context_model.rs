//! Model-based test of the context tree (go-reference C4–C14, DESIGN G9): random sequences of
//! child creation (`with_cancel`, `with_cancel_cause`, `with_timeout(1h)`, `with_timeout(0)`
//! with and without a cause, `with_value`, `without_cancel`), cancels, dropped and disarmed
//! cancel functions, dropped context handles, `done()` receivers kept past their context, and
//! `after_func` with `stop`, checked after every step against a reference tree:
//!
//! - a context is cancelled iff it or an ancestor was cancelled, not counting ancestors above
//!   a `without_cancel` (C4, C10); a child of a cancelled context is born cancelled (C13.3);
//! - its error and cause are those of the first cancellation that reached it (C14), a missing
//!   cause being the error itself (C6.1);
//! - `done()` is closed exactly when it is cancelled, also through a receiver kept after the
//!   context's handle was dropped;
//! - the deadline is inherited, and a child's own deadline only ever shrinks it (C8.1); a
//!   zero timeout is born cancelled with `DeadlineExceeded` (C8.2);
//! - values are found through every layer, nearest first (C11);
//! - an `after_func` runs exactly once after a cancel unless `stop` came first, and `stop`
//!   returns `true` exactly when it prevented the run (C12).
//!
//! Handles and nodes never interfere: dropping a context handle changes nothing observable
//! through the other handles, which is what the model assumes.
#![cfg(not(miri))]

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use gochan::context::{AfterFunc, CancelCauseFunc, CancelFunc, Cause, Context, Error};
use gochan::{Receiver, TryRecvError};
use proptest::prelude::*;

/// A cause with an identity, so the model can tell causes apart.
#[derive(Debug)]
struct MyCause(u32);

impl std::fmt::Display for MyCause {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "cause {}", self.0)
    }
}

impl std::error::Error for MyCause {}

#[derive(Debug, PartialEq, Eq)]
struct ValA(u32);
#[derive(Debug, PartialEq, Eq)]
struct ValB(u32);

const HOUR: Duration = Duration::from_secs(3600);

// ---------------------------------------------------------------------------------------------
// The reference tree.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Background,
    /// `with_cancel` / `with_cancel_cause` / `with_timeout*`: owns a cancellation node.
    Owning,
    Value {
        b: bool,
        v: u32,
    },
    WithoutCancel,
}

/// The first cancellation that reached a node: its error and its cause's id (`None`: the
/// error is the cause).
type Reason = (Error, Option<u32>);

#[derive(Debug)]
struct MNode {
    parent: Option<usize>,
    kind: Kind,
    /// For owning nodes only.
    reason: Option<Reason>,
    /// As observed when the context was made (checked to be inherited and to only shrink).
    deadline: Option<Instant>,
    children: Vec<usize>,
}

#[derive(Debug, Default)]
struct Tree {
    nodes: Vec<MNode>,
}

impl Tree {
    /// The owning node whose cancellation this context reports, if any.
    fn node_of(&self, i: usize) -> Option<usize> {
        match self.nodes[i].kind {
            Kind::Background | Kind::WithoutCancel => None,
            Kind::Owning => Some(i),
            Kind::Value { .. } => self.node_of(self.nodes[i].parent.unwrap()),
        }
    }

    fn reason(&self, i: usize) -> Option<Reason> {
        self.node_of(i).and_then(|n| self.nodes[n].reason)
    }

    fn value(&self, i: usize, b: bool) -> Option<u32> {
        let mut cur = Some(i);
        while let Some(c) = cur {
            if let Kind::Value { b: vb, v } = self.nodes[c].kind {
                if vb == b {
                    return Some(v);
                }
            }
            cur = self.nodes[c].parent;
        }
        None
    }

    fn add(&mut self, parent: usize, kind: Kind, deadline: Option<Instant>) -> usize {
        // C13.3: an owning child of a cancelled context is born with its reason.
        let reason = match kind {
            Kind::Owning => self.reason(parent),
            _ => None,
        };
        let id = self.nodes.len();
        self.nodes.push(MNode {
            parent: Some(parent),
            kind,
            reason,
            deadline,
            children: Vec::new(),
        });
        self.nodes[parent].children.push(id);
        id
    }

    /// Cancels owning node `i` and everything below it down to `without_cancel` boundaries;
    /// nodes cancelled before keep their reason (C14).
    fn cancel(&mut self, i: usize, r: Reason) {
        debug_assert_eq!(self.nodes[i].kind, Kind::Owning);
        let mut stack = vec![i];
        while let Some(n) = stack.pop() {
            match self.nodes[n].kind {
                Kind::WithoutCancel | Kind::Background => continue,
                Kind::Owning => {
                    if self.nodes[n].reason.is_none() {
                        self.nodes[n].reason = Some(r);
                    }
                }
                Kind::Value { .. } => {}
            }
            stack.extend(self.nodes[n].children.iter().copied());
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Operations.

#[derive(Clone, Copy, Debug)]
enum Make {
    Cancel,
    CancelCause,
    Timeout1h,
    Timeout0,
    Timeout0Cause,
    Value(bool, u32),
    WithoutCancel,
}

#[derive(Clone, Copy, Debug)]
enum Op {
    /// A child of context `i` (modulo the number of contexts; skipped if its handle is gone).
    Child(usize, Make),
    /// Calls the cancel function of context `i`, with a cause if it takes one and `cause`.
    CancelNow(usize, bool),
    /// Drops it (which cancels).
    DropCancel(usize),
    /// Disarms it (it will never cancel).
    Disarm(usize),
    /// Drops the context handle.
    DropCtx(usize),
    /// Keeps a `done()` receiver of context `i` (checked until the end).
    KeepDone(usize),
    /// Registers an `after_func` on context `i`.
    AfterFunc(usize),
    /// Stops `after_func` registration `k`.
    Stop(usize),
}

fn make_strategy() -> impl Strategy<Value = Make> {
    prop_oneof![
        4 => Just(Make::Cancel),
        3 => Just(Make::CancelCause),
        2 => Just(Make::Timeout1h),
        1 => Just(Make::Timeout0),
        1 => Just(Make::Timeout0Cause),
        2 => (any::<bool>(), 0..100u32).prop_map(|(b, v)| Make::Value(b, v)),
        1 => Just(Make::WithoutCancel),
    ]
}

fn op_strategy() -> impl Strategy<Value = Op> {
    let i = 0..64usize;
    prop_oneof![
        8 => (i.clone(), make_strategy()).prop_map(|(i, m)| Op::Child(i, m)),
        4 => (i.clone(), any::<bool>()).prop_map(|(i, c)| Op::CancelNow(i, c)),
        2 => i.clone().prop_map(Op::DropCancel),
        1 => i.clone().prop_map(Op::Disarm),
        2 => i.clone().prop_map(Op::DropCtx),
        1 => i.clone().prop_map(Op::KeepDone),
        2 => i.clone().prop_map(Op::AfterFunc),
        1 => i.prop_map(Op::Stop),
    ]
}

// ---------------------------------------------------------------------------------------------
// The system under test, beside the model.

enum Canceller {
    Plain(CancelFunc),
    Cause(CancelCauseFunc),
}

struct After {
    handle: AfterFunc,
    node: usize,
    runs: Arc<AtomicUsize>,
    /// `stop` returned `true`: it must never run.
    stopped: bool,
    /// Whether it must run (eventually): its context was cancelled while it was registered.
    must_run: bool,
    /// For a never-cancellable context: whether `stop` was called before.
    stop_called: bool,
}

struct Harness {
    tree: Tree,
    ctxs: Vec<Option<Context>>,
    cancels: Vec<Option<Canceller>>,
    causes: Vec<Cause>,
    dones: Vec<(usize, Receiver<()>)>,
    afters: Vec<After>,
}

impl Harness {
    fn new() -> Harness {
        let mut tree = Tree::default();
        tree.nodes.push(MNode {
            parent: None,
            kind: Kind::Background,
            reason: None,
            deadline: None,
            children: Vec::new(),
        });
        Harness {
            tree,
            ctxs: vec![Some(Context::background())],
            cancels: vec![None],
            causes: Vec::new(),
            dones: Vec::new(),
            afters: Vec::new(),
        }
    }

    fn new_cause(&mut self) -> (Cause, u32) {
        let id = self.causes.len() as u32;
        let c: Cause = Arc::new(MyCause(id));
        self.causes.push(c.clone());
        (c, id)
    }

    fn pick(&self, i: usize) -> usize {
        i % self.ctxs.len()
    }

    /// After a cancel: every `after_func` of a context now cancelled and not stopped must run.
    fn settle_afters(&mut self) {
        for a in &mut self.afters {
            if !a.stopped && self.tree.reason(a.node).is_some() {
                a.must_run = true;
            }
        }
    }

    fn do_cancel(&mut self, i: usize, with_cause: bool, drop_it: bool) {
        let Some(c) = self.cancels[i].take() else {
            return;
        };
        let mut cause = None;
        match (&c, drop_it) {
            (_, true) => drop(c),
            (Canceller::Plain(f), false) => {
                f.cancel();
                self.cancels[i] = Some(c);
            }
            (Canceller::Cause(f), false) => {
                if with_cause {
                    let (cs, id) = self.new_cause();
                    cause = Some(id);
                    f.cancel(Some(cs));
                } else {
                    f.cancel(None);
                }
                self.cancels[i] = Some(c);
            }
        }
        let n = self.tree.node_of(i).expect("a cancel function has a node");
        // Only a cause function records a cause.
        self.tree.cancel(n, (Error::Canceled, cause));
        self.settle_afters();
    }

    fn step(&mut self, op: Op) {
        match op {
            Op::Child(i, make) => {
                let i = self.pick(i);
                let Some(parent) = self.ctxs[i].clone() else {
                    return;
                };
                let parent_deadline = self.tree.nodes[i].deadline;
                let before = Instant::now();
                let (ctx, canceller, kind) = match make {
                    Make::Cancel => {
                        let (c, f) = parent.with_cancel();
                        (c, Some(Canceller::Plain(f)), Kind::Owning)
                    }
                    Make::CancelCause => {
                        let (c, f) = parent.with_cancel_cause();
                        (c, Some(Canceller::Cause(f)), Kind::Owning)
                    }
                    Make::Timeout1h => {
                        let (c, f) = parent.with_timeout(HOUR);
                        (c, Some(Canceller::Plain(f)), Kind::Owning)
                    }
                    Make::Timeout0 => {
                        let (c, f) = parent.with_timeout(Duration::ZERO);
                        (c, Some(Canceller::Plain(f)), Kind::Owning)
                    }
                    Make::Timeout0Cause => {
                        let (cs, _) = self.new_cause();
                        let (c, f) = parent.with_timeout_cause(Duration::ZERO, cs);
                        (c, Some(Canceller::Plain(f)), Kind::Owning)
                    }
                    Make::Value(b, v) => {
                        let c = if b {
                            parent.with_value(ValB(v))
                        } else {
                            parent.with_value(ValA(v))
                        };
                        (c, None, Kind::Value { b, v })
                    }
                    Make::WithoutCancel => (parent.without_cancel(), None, Kind::WithoutCancel),
                };
                let after = Instant::now();
                // The deadline: inherited, or own if earlier (C8.1), none under without_cancel.
                let got = ctx.deadline();
                let want_own = match make {
                    Make::Timeout1h => Some((before + HOUR, after + HOUR)),
                    Make::Timeout0 | Make::Timeout0Cause => Some((before, after)),
                    _ => None,
                };
                match (make, want_own, parent_deadline) {
                    (Make::WithoutCancel, _, _) => {
                        assert_eq!(got, None, "without_cancel has no deadline")
                    }
                    (_, None, p) => assert_eq!(got, p, "{make:?} inherits the deadline"),
                    (_, Some((lo, hi)), p) => {
                        let d = got.expect("a timeout has a deadline");
                        match p {
                            Some(p) if p < lo => assert_eq!(d, p, "C8.1: the parent's is earlier"),
                            _ => assert!(
                                lo <= d && d <= hi,
                                "own deadline {d:?} not in [{lo:?}, {hi:?}]"
                            ),
                        }
                    }
                }
                let id = self.tree.add(i, kind, got);
                // A zero timeout is cancelled at once, unless born cancelled already.
                if let Make::Timeout0 | Make::Timeout0Cause = make {
                    let cause = match make {
                        Make::Timeout0Cause => Some(self.causes.len() as u32 - 1),
                        _ => None,
                    };
                    self.tree.cancel(id, (Error::DeadlineExceeded, cause));
                }
                self.ctxs.push(Some(ctx));
                self.cancels.push(canceller);
            }
            Op::CancelNow(i, with_cause) => {
                let i = self.pick(i);
                self.do_cancel(i, with_cause, false);
            }
            Op::DropCancel(i) => {
                let i = self.pick(i);
                self.do_cancel(i, false, true);
            }
            Op::Disarm(i) => {
                let i = self.pick(i);
                match self.cancels[i].take() {
                    Some(Canceller::Plain(f)) => f.disarm(),
                    Some(Canceller::Cause(f)) => f.disarm(),
                    None => {}
                }
            }
            Op::DropCtx(i) => {
                let i = self.pick(i);
                if i != 0 {
                    self.ctxs[i] = None;
                }
            }
            Op::KeepDone(i) => {
                let i = self.pick(i);
                if let Some(c) = &self.ctxs[i] {
                    self.dones.push((i, c.done()));
                }
            }
            Op::AfterFunc(i) => {
                let i = self.pick(i);
                let Some(c) = &self.ctxs[i] else {
                    return;
                };
                let runs = Arc::new(AtomicUsize::new(0));
                let r = runs.clone();
                let handle = c.after_func(move || {
                    r.fetch_add(1, Ordering::SeqCst);
                });
                let must_run = self.tree.reason(i).is_some();
                self.afters.push(After {
                    handle,
                    node: i,
                    runs,
                    stopped: false,
                    must_run,
                    stop_called: false,
                });
            }
            Op::Stop(k) => {
                if self.afters.is_empty() {
                    return;
                }
                let k = k % self.afters.len();
                let never = self.tree.node_of(self.afters[k].node).is_none();
                let a = &mut self.afters[k];
                let got = a.handle.stop();
                // C12.3: true iff this stop kept it from running; for a context that is
                // never cancelled, the first stop returns true.
                let want = if never {
                    !a.stop_called
                } else {
                    !a.must_run && !a.stopped
                };
                a.stop_called = true;
                assert_eq!(got, want, "AfterFunc::stop on context {}", a.node);
                if got {
                    a.stopped = true;
                }
            }
        }
    }

    fn check(&self) {
        for (i, c) in self.ctxs.iter().enumerate() {
            let Some(c) = c else { continue };
            let r = self.tree.reason(i);
            assert_eq!(c.err(), r.map(|r| r.0), "err of context {i} ({c})");
            match (c.cause(), r) {
                (None, None) => {}
                (Some(cause), Some((err, None))) => assert_eq!(
                    cause.downcast_ref::<Error>(),
                    Some(&err),
                    "cause of context {i}: the error itself"
                ),
                (Some(cause), Some((_, Some(id)))) => assert_eq!(
                    cause.downcast_ref::<MyCause>().map(|m| m.0),
                    Some(id),
                    "cause of context {i}"
                ),
                (got, want) => panic!("cause of context {i}: got {got:?}, want {want:?}"),
            }
            let done = c.done().try_recv();
            let want = if r.is_some() {
                TryRecvError::Closed
            } else {
                TryRecvError::Empty
            };
            assert_eq!(done, Err(want), "done() of context {i}");
            assert_eq!(c.deadline(), self.tree.nodes[i].deadline, "deadline of {i}");
            assert_eq!(
                c.value::<ValA>().map(|v| v.0),
                self.tree.value(i, false),
                "value::<ValA> of {i}"
            );
            assert_eq!(
                c.value::<ValB>().map(|v| v.0),
                self.tree.value(i, true),
                "value::<ValB> of {i}"
            );
        }
        for (i, d) in &self.dones {
            let want = if self.tree.reason(*i).is_some() {
                TryRecvError::Closed
            } else {
                TryRecvError::Empty
            };
            assert_eq!(
                d.try_recv(),
                Err(want),
                "kept done() receiver of context {i}"
            );
        }
        for a in &self.afters {
            assert!(
                a.runs.load(Ordering::SeqCst) <= 1,
                "an after_func ran twice"
            );
            if a.stopped {
                assert_eq!(a.runs.load(Ordering::SeqCst), 0, "a stopped after_func ran");
            }
        }
    }

    /// The `after_func`s that must run have run once (they run on their own threads); the
    /// others have not.
    fn finish(&self) {
        let limit = Instant::now() + Duration::from_secs(20);
        for a in &self.afters {
            let want = usize::from(a.must_run);
            while a.runs.load(Ordering::SeqCst) < want && Instant::now() < limit {
                std::thread::sleep(Duration::from_millis(1));
            }
        }
        for (k, a) in self.afters.iter().enumerate() {
            assert_eq!(
                a.runs.load(Ordering::SeqCst),
                usize::from(a.must_run),
                "after_func {k} on context {} (stopped: {})",
                a.node,
                a.stopped
            );
        }
    }
}

fn run(ops: &[Op]) {
    let mut h = Harness::new();
    h.check();
    for &op in ops {
        h.step(op);
        h.check();
    }
    h.finish();
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn context_tree_model(ops in prop::collection::vec(op_strategy(), 0..=64)) {
        run(&ops);
    }
}

/// Fixed sequences for corners the generator reaches rarely.
#[test]
fn context_tree_fixed_corners() {
    use Make::*;
    use Op::*;
    let cases: &[&[Op]] = &[
        // C14: the child's own cancel comes first, then the parent's: the child keeps its own.
        &[
            Child(0, CancelCause),
            Child(1, CancelCause),
            CancelNow(2, true),
            CancelNow(1, true),
        ],
        // without_cancel cuts the tree; a child under it starts a new one.
        &[
            Child(0, Cancel),
            Child(1, WithoutCancel),
            Child(2, Cancel),
            CancelNow(1, false),
        ],
        // A kept done() receiver outlives its context handle and still closes.
        &[
            Child(0, Cancel),
            Child(1, Value(false, 3)),
            Child(2, Cancel),
            KeepDone(3),
            DropCtx(3),
            DropCtx(2),
            CancelNow(1, false),
        ],
        // A zero timeout under a cancelled parent keeps the parent's reason.
        &[
            Child(0, CancelCause),
            CancelNow(1, true),
            Child(1, Timeout0Cause),
        ],
        // Nested timeouts: the inner one is the parent's (C8.1).
        &[
            Child(0, Timeout1h),
            Child(1, Timeout1h),
            Child(2, Value(true, 1)),
            Child(3, Timeout0),
        ],
        // after_func: stop before and after the cancel.
        &[
            Child(0, Cancel),
            AfterFunc(1),
            AfterFunc(1),
            Stop(0),
            CancelNow(1, false),
            Stop(1),
            AfterFunc(1),
            Stop(2),
            AfterFunc(0),
            Stop(3),
            Stop(3),
        ],
        // Dropping the cancel function cancels; disarming does not.
        &[
            Child(0, Cancel),
            Child(0, Cancel),
            DropCancel(1),
            Disarm(2),
            CancelNow(2, false),
        ],
    ];
    for ops in cases {
        run(ops);
    }
}
