//! Ports of Go's own context tests (`context_test.go`, `x_test.go`, `afterfunc_test.go`,
//! Go 1.21–1.23), each citing its Go name; go-reference C1–C14 says what they check.
//!
//! Not ported, because Rust contexts are one concrete type: the custom (foreign) context
//! tests (TestCustomContextPropagation, TestCustomContextCause, XTestCustomContextGoroutines,
//! the `afterFuncContext` tests of afterfunc_test.go), the nil-parent and invalid-key panics
//! (TestInvalidDerivedFail, TestWithValueChecksKey: keys are types here), and TestAllocs (gc
//! allocation budgets). Timing follows Go's tests: a deadline test only asserts "done within
//! a long patience" and "not done before the deadline"; nothing asserts that anything is fast.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Barrier};
use std::thread;
use std::time::{Duration, Instant};

use gochan::context::{CancelFunc, Cause, Context, Error};
use gochan::{bounded, RecvTimeoutError, TryRecvError};

/// Go's `veryLongDuration`: how long a test waits for something that must happen.
const VERY_LONG: Duration = Duration::from_secs(5);
/// Go's `shortDuration`: a deadline that passes soon.
const SHORT: Duration = Duration::from_millis(20);
/// A pause giving something that must not happen the chance to happen.
const SETTLE: Duration = Duration::from_millis(30);

fn is_done(ctx: &Context) -> bool {
    ctx.done().try_recv() == Err(TryRecvError::Closed)
}

/// Waits up to `VERY_LONG` for `ctx` to be done.
fn wait_done(ctx: &Context) -> bool {
    matches!(
        ctx.done().recv_timeout(VERY_LONG),
        Err(RecvTimeoutError::Closed)
    )
}

fn cause_err(c: &Option<Cause>) -> Option<Error> {
    c.as_ref().and_then(|c| c.downcast_ref::<Error>().copied())
}

fn custom(msg: &str) -> Cause {
    Arc::new(std::io::Error::other(msg.to_string()))
}

fn same(a: &Option<Cause>, b: &Cause) -> bool {
    a.as_ref().is_some_and(|a| Arc::ptr_eq(a, b))
}

/// TestBackground.
#[test]
fn background() {
    let c = Context::background();
    assert!(c.deadline().is_none());
    assert_eq!(c.err(), None);
    assert!(c.cause().is_none());
    assert_eq!(c.to_string(), "context.Background");
    assert_eq!(
        c.done().recv_timeout(SETTLE),
        Err(RecvTimeoutError::Timeout)
    );
}

/// TestTODO.
#[test]
fn todo() {
    let c = Context::todo();
    assert!(c.deadline().is_none());
    assert_eq!(c.err(), None);
    assert_eq!(c.to_string(), "context.TODO");
    assert_eq!(
        c.done().recv_timeout(SETTLE),
        Err(RecvTimeoutError::Timeout)
    );
}

/// TestWithCancel, including "should propagate synchronously": no sleep between the cancel
/// and the checks. Go's foreign wrapper `otherContext{c1}` becomes a value layer, which
/// children see through in the same way.
#[test]
fn with_cancel() {
    let (c1, cancel) = Context::background().with_cancel();
    assert_eq!(c1.to_string(), "context.Background.WithCancel");
    let o = c1.with_value("other");
    let (c2, _cancel2) = o.with_cancel();
    let contexts = [&c1, &o, &c2];
    for (i, c) in contexts.iter().enumerate() {
        assert!(!is_done(c), "context {i} done before cancel");
        assert_eq!(c.err(), None, "context {i}");
    }
    cancel.cancel();
    for (i, c) in contexts.iter().enumerate() {
        assert!(
            is_done(c),
            "context {i} not done right after cancel returned"
        );
        assert_eq!(c.err(), Some(Error::Canceled), "context {i}");
    }
}

/// XTestParentFinishesChild: the parent's child set holds its cancellable children (and an
/// AfterFunc registration) and is emptied by the parent's cancel, which reaches children
/// through value layers.
#[test]
fn parent_finishes_child() {
    let (parent, cancel) = Context::background().with_cancel();
    let (cancel_child, _stop) = parent.with_cancel();
    let value_child = parent.with_value("value");
    let (timer_child, _stop2) = value_child.with_timeout(Duration::from_secs(3600));
    let after = parent.after_func(|| {});
    let all = [&parent, &cancel_child, &value_child, &timer_child];
    for c in all {
        assert!(!is_done(c));
    }
    assert_eq!(
        parent.child_count(),
        3,
        "cancel child, timer child, after_func"
    );
    assert_eq!(
        value_child.child_count(),
        3,
        "a value layer shows its parent's set"
    );
    cancel.cancel();
    assert_eq!(parent.child_count(), 0, "the parent's child set is emptied");
    for c in all {
        assert!(is_done(c), "{c} not done after the parent's cancel");
        assert_eq!(c.err(), Some(Error::Canceled), "{c}");
    }
    assert!(!after.stop(), "the after_func was started by the cancel");
    // A child of the finished parent is born finished.
    let (late, _stop3) = parent.with_cancel();
    assert!(is_done(&late));
    assert_eq!(late.err(), Some(Error::Canceled));
    assert_eq!(parent.child_count(), 0);
}

/// XTestChildFinishesFirst: cancelling a child leaves its parent alone and removes the child
/// from the parent's set; with a never-cancellable parent and with a cancellable one.
#[test]
fn child_finishes_first() {
    let (cancelable, _keep) = Context::background().with_cancel();
    for (parent, counts) in [(Context::background(), false), (cancelable, true)] {
        let (child, cancel_child) = parent.with_cancel();
        assert_eq!(parent.child_count(), usize::from(counts));
        cancel_child.cancel();
        assert_eq!(parent.child_count(), 0, "the child left the parent's set");
        assert!(!is_done(&parent));
        assert_eq!(parent.err(), None);
        assert!(is_done(&child));
        assert_eq!(child.err(), Some(Error::Canceled));
    }
}

/// Go's `testDeadline`: done within the patience, with `DeadlineExceeded`.
fn check_deadline(c: &Context, name: &str) {
    assert!(
        wait_done(c),
        "{name}: context not timed out after {VERY_LONG:?}"
    );
    assert_eq!(c.err(), Some(Error::DeadlineExceeded), "{name}");
}

/// TestDeadline, with Go's foreign wrapper replaced by a value layer, and the "inthepast"
/// and "now" cases (already done at creation).
#[test]
fn deadline() {
    let start = Instant::now();
    let (c, _k1) = Context::background().with_deadline(start + SHORT);
    assert!(
        c.to_string()
            .starts_with("context.Background.WithDeadline("),
        "{c}"
    );
    assert!(
        !is_done(&c) || Instant::now() >= start + SHORT,
        "done before the deadline"
    );
    check_deadline(&c, "WithDeadline");
    assert!(Instant::now() >= start + SHORT, "done before the deadline");

    let o = Context::background().with_value(1u8);
    let (c, _k2) = o.with_deadline(Instant::now() + SHORT);
    check_deadline(&c, "WithDeadline+otherContext");

    let (c, _k3) = o.with_deadline(Instant::now() + SHORT);
    let o = c.with_value(2u8);
    let (c, _k4) = o.with_deadline(Instant::now() + Duration::from_secs(3600));
    check_deadline(&c, "WithDeadline+otherContext+WithDeadline");

    let (c, _k5) = Context::background().with_deadline(Instant::now() - SHORT);
    assert!(is_done(&c), "inthepast: done at creation");
    check_deadline(&c, "WithDeadline+inthepast");

    let (c, _k6) = Context::background().with_deadline(Instant::now());
    assert!(is_done(&c), "now: done at creation");
    check_deadline(&c, "WithDeadline+now");
}

/// TestTimeout.
#[test]
fn timeout() {
    let start = Instant::now();
    let (c, _k1) = Context::background().with_timeout(SHORT);
    assert!(
        c.to_string()
            .starts_with("context.Background.WithDeadline("),
        "{c}"
    );
    check_deadline(&c, "WithTimeout");
    assert!(Instant::now() >= start + SHORT, "done before the deadline");

    let o = Context::background().with_value(1u8);
    let (c, _k2) = o.with_timeout(SHORT);
    check_deadline(&c, "WithTimeout+otherContext");

    let (c, _k3) = o.with_timeout(SHORT);
    let o = c.with_value(2u8);
    let (c, _k4) = o.with_timeout(Duration::from_secs(3600));
    check_deadline(&c, "WithTimeout+otherContext+WithTimeout");
}

/// TestCanceledTimeout: the cancel function of a timer context cancels with `Canceled`,
/// at once (no sleep to propagate, unlike Go's test).
#[test]
fn canceled_timeout() {
    let (c, _k1) = Context::background().with_timeout(Duration::from_secs(1));
    let o = c.with_value(1u8);
    let (c, cancel) = o.with_timeout(Duration::from_secs(2));
    cancel.cancel();
    assert!(is_done(&c), "<-c.Done() blocked, but shouldn't have");
    assert_eq!(c.err(), Some(Error::Canceled));
}

#[derive(Debug, PartialEq)]
struct Key1(Option<&'static str>);
#[derive(Debug, PartialEq)]
struct Key2(&'static str);
#[derive(Debug, PartialEq)]
struct Key3(&'static str);

/// TestValues: the nearest binding wins, distinct key types never collide, a binding to
/// "nil" (here `Key1(None)`) shadows outer ones, and values cross wrappers (Go's
/// `otherContext`, here cancel and without-cancel layers).
#[test]
fn values() {
    let check = |c: &Context, name: &str, k1: Option<&str>, k2: Option<&str>, k3: Option<&str>| {
        assert_eq!(c.value::<Key1>().and_then(|k| k.0), k1, "{name} key1");
        assert_eq!(c.value::<Key2>().map(|k| k.0), k2, "{name} key2");
        assert_eq!(c.value::<Key3>().map(|k| k.0), k3, "{name} key3");
    };
    let c0 = Context::background();
    check(&c0, "c0", None, None, None);

    let c1 = c0.with_value(Key1(Some("c1k1")));
    check(&c1, "c1", Some("c1k1"), None, None);
    let k1 = std::any::type_name::<Key1>();
    assert_eq!(
        c1.to_string(),
        format!("context.Background.WithValue({k1})")
    );

    let c2 = c1.with_value(Key2("c2k2"));
    check(&c2, "c2", Some("c1k1"), Some("c2k2"), None);
    let k2 = std::any::type_name::<Key2>();
    assert_eq!(
        c2.to_string(),
        format!("context.Background.WithValue({k1}).WithValue({k2})")
    );

    let c3 = c2.with_value(Key3("c3k4"));
    check(&c3, "c3", Some("c1k1"), Some("c2k2"), Some("c3k4"));

    let c4 = c3.with_value(Key1(None));
    check(&c4, "c4", None, Some("c2k2"), Some("c3k4"));

    let (o0, _k) = Context::background().with_cancel();
    check(&o0, "o0", None, None, None);
    let o1 = o0.with_value(Key1(Some("c1k1"))).without_cancel();
    check(&o1, "o1", Some("c1k1"), None, None);
    let (o2, _k2) = o1.with_value(Key2("o2k2")).with_cancel();
    check(&o2, "o2", Some("c1k1"), Some("o2k2"), None);
    let (o3, _k3) = o2
        .with_value(Key3("o3k3"))
        .with_timeout(Duration::from_secs(3600));
    check(&o3, "o3", Some("c1k1"), Some("o2k2"), Some("o3k3"));
    let o4 = o3.with_value(Key3("o4k3")).with_value(Key1(None));
    check(&o4, "o4", None, Some("o2k2"), Some("o4k3"));
}

/// TestSimultaneousCancels: a 4-ary tree of 101 contexts, every cancel function called at
/// once from its own thread, in a random order; all finish (no deadlock) and every done()
/// is closed. Stronger than Go: each cancel, when it returns, has closed its own subtree.
#[test]
fn simultaneous_cancels() {
    let (root, cancel) = Context::background().with_cancel();
    // (context, its cancel function, index of its parent)
    let mut nodes: Vec<(Context, Option<CancelFunc>, usize)> = vec![(root, Some(cancel), 0)];
    let mut q = 0;
    while nodes.len() < 100 {
        for _ in 0..4 {
            let (c, f) = nodes[q].0.with_cancel();
            nodes.push((c, Some(f), q));
        }
        q += 1;
    }
    assert_eq!(nodes.len(), 101);
    let all: Vec<Context> = nodes.iter().map(|n| n.0.clone()).collect();
    // The subtree of each node, for the "synchronous" check.
    let parents: Vec<usize> = nodes.iter().map(|n| n.2).collect();
    let in_subtree = |mut n: usize, root: usize| loop {
        if n == root {
            return true;
        }
        if n == 0 {
            return false;
        }
        n = parents[n];
    };
    let mut order: Vec<usize> = (0..nodes.len()).collect();
    shuffle(&mut order, 0x5eed);
    let barrier = Arc::new(Barrier::new(order.len()));
    let handles: Vec<_> = order
        .into_iter()
        .map(|i| {
            let f = nodes[i].1.take().unwrap();
            let barrier = barrier.clone();
            let all = all.clone();
            let subtree: Vec<usize> = (0..all.len()).filter(|&n| in_subtree(n, i)).collect();
            thread::spawn(move || {
                barrier.wait();
                f.cancel();
                for n in subtree {
                    assert!(
                        is_done(&all[n]),
                        "node {n} live after its ancestor {i} was cancelled"
                    );
                }
            })
        })
        .collect();
    for h in handles {
        h.join().unwrap();
    }
    for (i, c) in all.iter().enumerate() {
        assert!(is_done(c), "node {i} not done");
        assert_eq!(c.err(), Some(Error::Canceled));
        assert_eq!(c.child_count(), 0);
    }
}

/// TestInterlockedCancels: a thread cancels the child as soon as the parent's done() fires,
/// while the parent is being cancelled; no deadlock.
#[test]
fn interlocked_cancels() {
    let (parent, cancel_parent) = Context::background().with_cancel();
    let (child, cancel_child) = parent.with_cancel();
    let t = thread::spawn(move || {
        assert_eq!(parent.done().recv_blocking(), None);
        cancel_child.cancel();
    });
    cancel_parent.cancel();
    assert!(wait_done(&child), "child not cancelled");
    t.join().unwrap();
}

/// A tiny deterministic generator (xorshift) for the layered and shuffled tests.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }

    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

fn shuffle<T>(v: &mut [T], seed: u64) {
    let mut rng = Rng(seed | 1);
    for i in (1..v.len()).rev() {
        v.swap(i, rng.below(i + 1));
    }
}

#[derive(Debug, PartialEq)]
struct LayerValue(usize);

/// Go's `testLayers`: 30 random layers of values, cancels and (optionally) timeouts.
fn layers(seed: u64, timeout: bool) {
    let mut rng = Rng(seed | 1);
    let mut ctx = Context::background();
    let mut cancels: Vec<CancelFunc> = Vec::new();
    let mut vals = 0;
    let mut has_timeout = false;
    for _ in 0..30 {
        match rng.below(3) {
            0 => {
                vals += 1;
                ctx = ctx.with_value(LayerValue(vals));
            }
            1 => {
                let (c, f) = ctx.with_cancel();
                ctx = c;
                cancels.push(f);
            }
            _ if timeout => {
                let (c, f) = ctx.with_timeout(SHORT);
                ctx = c;
                cancels.push(f);
                has_timeout = true;
            }
            _ => {}
        }
    }
    let check_values = |ctx: &Context| {
        if vals > 0 {
            assert_eq!(ctx.value::<LayerValue>(), Some(&LayerValue(vals)));
        }
    };
    check_values(&ctx);
    if !has_timeout && !is_done(&ctx) {
        // Nothing could have cancelled it yet.
        assert_eq!(ctx.err(), None);
    }
    if timeout {
        if has_timeout {
            assert!(wait_done(&ctx), "seed {seed}: not timed out");
            assert_eq!(ctx.err(), Some(Error::DeadlineExceeded));
        }
        check_values(&ctx);
    } else if !cancels.is_empty() {
        let i = rng.below(cancels.len());
        cancels[i].cancel();
        assert!(
            is_done(&ctx),
            "seed {seed}: not done right after an ancestor's cancel"
        );
        assert_eq!(ctx.err(), Some(Error::Canceled));
        check_values(&ctx);
    }
}

/// TestLayersCancel.
#[test]
fn layers_cancel() {
    for seed in 1..=50 {
        layers(seed, false);
    }
}

/// TestLayersTimeout.
#[test]
fn layers_timeout() {
    for seed in 1..=10 {
        layers(seed, true);
    }
}

/// XTestCancelRemoves: a cancelled WithCancel child, a cancelled WithTimeout child and a
/// stopped AfterFunc each leave the parent's child set.
#[test]
fn cancel_removes() {
    let (ctx, _k) = Context::background().with_cancel();
    assert_eq!(ctx.child_count(), 0, "after creation");
    let (_c, cancel) = ctx.with_cancel();
    assert_eq!(ctx.child_count(), 1, "with WithCancel child");
    cancel.cancel();
    assert_eq!(ctx.child_count(), 0, "after canceling WithCancel child");

    let (ctx, _k) = Context::background().with_cancel();
    let (_c, cancel) = ctx.with_timeout(Duration::from_secs(3600));
    assert_eq!(ctx.child_count(), 1, "with WithTimeout child");
    cancel.cancel();
    assert_eq!(ctx.child_count(), 0, "after canceling WithTimeout child");

    let (ctx, _k) = Context::background().with_cancel();
    let stop = ctx.after_func(|| {});
    assert_eq!(ctx.child_count(), 1, "with AfterFunc child");
    assert!(stop.stop());
    assert_eq!(ctx.child_count(), 0, "after stopping AfterFunc child");
}

/// TestWithCancelCanceledParent: a child of a parent cancelled with a cause is born
/// cancelled, with the parent's error and cause.
#[test]
fn with_cancel_canceled_parent() {
    let (parent, pcancel) = Context::background().with_cancel_cause();
    let cause = custom("Because!");
    pcancel.cancel(Some(cause.clone()));
    let (c, _k) = parent.with_cancel();
    assert!(wait_done(&c), "child not done");
    assert_eq!(c.err(), Some(Error::Canceled));
    assert!(same(&c.cause(), &cause), "child has the parent's cause");
}

/// TestWithCancelSimultaneouslyCanceledParent: the parent is cancelled by another thread
/// while the child is created; the child always ends with the parent's error and cause.
#[test]
fn with_cancel_simultaneously_canceled_parent() {
    for _ in 0..100 {
        let (parent, pcancel) = Context::background().with_cancel_cause();
        let cause = custom("Because!");
        let c2 = cause.clone();
        let t = thread::spawn(move || pcancel.cancel(Some(c2)));
        let (c, _k) = parent.with_cancel();
        assert!(wait_done(&c), "child not done");
        assert_eq!(c.err(), Some(Error::Canceled));
        assert!(same(&c.cause(), &cause), "child has the parent's cause");
        t.join().unwrap();
    }
}

/// TestDeadlineExceededSupportsTimeout.
#[test]
fn deadline_exceeded_supports_timeout() {
    let (ctx, _k) = Context::background().with_timeout(Duration::from_nanos(1));
    assert!(wait_done(&ctx));
    let err = ctx.err().unwrap();
    assert!(err.is_timeout(), "DeadlineExceeded error is a timeout");
    assert!(!Error::Canceled.is_timeout());
}

/// What one row of TestCause expects of the inner context.
enum Want {
    Live,
    Err(Error, CauseIs),
}

enum CauseIs {
    Sentinel(Error),
    Custom(Cause),
}

fn check_cause(name: &str, ctx: &Context, want: Want) {
    match want {
        Want::Live => {
            assert_eq!(ctx.err(), None, "{name}: err");
            assert!(ctx.cause().is_none(), "{name}: cause");
        }
        Want::Err(e, c) => {
            assert_eq!(ctx.err(), Some(e), "{name}: err");
            let got = ctx.cause();
            match c {
                CauseIs::Sentinel(s) => assert_eq!(cause_err(&got), Some(s), "{name}: cause"),
                CauseIs::Custom(c) => {
                    assert!(same(&got, &c), "{name}: cause is not the custom one")
                }
            }
        }
    }
}

/// TestCause: every row of its table (go-reference C14); the first cancellation that reaches
/// a context fixes its error and cause.
#[test]
fn cause() {
    use CauseIs::{Custom, Sentinel};
    use Error::{Canceled, DeadlineExceeded};
    let bg = Context::background;
    let forever = Duration::from_secs(3600 * 24 * 365);
    let p = custom("parent cause");
    let c = custom("child cause");
    let t = custom("timeout cause");

    // WithCancel, cancel()
    let (ctx, cancel) = bg().with_cancel();
    cancel.cancel();
    check_cause("WithCancel", &ctx, Want::Err(Canceled, Sentinel(Canceled)));

    // WithCancelCause, cancel(e)
    let (ctx, cancel) = bg().with_cancel_cause();
    cancel.cancel(Some(c.clone()));
    check_cause(
        "WithCancelCause",
        &ctx,
        Want::Err(Canceled, Custom(c.clone())),
    );

    // WithCancelCause, cancel(nil)
    let (ctx, cancel) = bg().with_cancel_cause();
    cancel.cancel(None);
    check_cause(
        "WithCancelCause nil",
        &ctx,
        Want::Err(Canceled, Sentinel(Canceled)),
    );

    // parent cancelled with P before the child is cancelled with C
    let (parent, pcancel) = bg().with_cancel_cause();
    let (ctx, cancel) = parent.with_cancel_cause();
    pcancel.cancel(Some(p.clone()));
    cancel.cancel(Some(c.clone()));
    check_cause(
        "parent cause before child",
        &ctx,
        Want::Err(Canceled, Custom(p.clone())),
    );

    // child cancelled with C before the parent with P
    let (parent, pcancel) = bg().with_cancel_cause();
    let (ctx, cancel) = parent.with_cancel_cause();
    cancel.cancel(Some(c.clone()));
    pcancel.cancel(Some(p.clone()));
    check_cause(
        "parent cause after child",
        &ctx,
        Want::Err(Canceled, Custom(c.clone())),
    );

    // parent(CancelCause) P, then plain child cancel()
    let (parent, pcancel) = bg().with_cancel_cause();
    let (ctx, cancel) = parent.with_cancel();
    pcancel.cancel(Some(p.clone()));
    cancel.cancel();
    check_cause(
        "parent cause, child plain",
        &ctx,
        Want::Err(Canceled, Custom(p.clone())),
    );

    // plain child cancel() first, then parent P
    let (parent, pcancel) = bg().with_cancel_cause();
    let (ctx, cancel) = parent.with_cancel();
    cancel.cancel();
    pcancel.cancel(Some(p.clone()));
    check_cause(
        "child plain first",
        &ctx,
        Want::Err(Canceled, Sentinel(Canceled)),
    );

    // plain parent cancel(), then child(CancelCause) C
    let (parent, pcancel) = bg().with_cancel();
    let (ctx, cancel) = parent.with_cancel_cause();
    pcancel.cancel();
    cancel.cancel(Some(c.clone()));
    check_cause(
        "parent plain first",
        &ctx,
        Want::Err(Canceled, Sentinel(Canceled)),
    );

    // child(CancelCause) C, then plain parent cancel()
    let (parent, pcancel) = bg().with_cancel();
    let (ctx, cancel) = parent.with_cancel_cause();
    cancel.cancel(Some(c.clone()));
    pcancel.cancel();
    check_cause(
        "child cause first, parent plain",
        &ctx,
        Want::Err(Canceled, Custom(c.clone())),
    );

    // WithTimeout(0) then cancel()
    let (ctx, cancel) = bg().with_timeout(Duration::ZERO);
    cancel.cancel();
    check_cause(
        "WithTimeout 0",
        &ctx,
        Want::Err(DeadlineExceeded, Sentinel(DeadlineExceeded)),
    );

    // WithTimeout(forever) then cancel()
    let (ctx, cancel) = bg().with_timeout(forever);
    cancel.cancel();
    check_cause(
        "WithTimeout forever",
        &ctx,
        Want::Err(Canceled, Sentinel(Canceled)),
    );

    // WithTimeoutCause(0, T) then cancel()
    let (ctx, cancel) = bg().with_timeout_cause(Duration::ZERO, t.clone());
    cancel.cancel();
    check_cause(
        "WithTimeoutCause 0",
        &ctx,
        Want::Err(DeadlineExceeded, Custom(t.clone())),
    );

    // WithTimeoutCause(forever, T) then cancel()
    let (ctx, cancel) = bg().with_timeout_cause(forever, t.clone());
    cancel.cancel();
    check_cause(
        "WithTimeoutCause forever",
        &ctx,
        Want::Err(Canceled, Sentinel(Canceled)),
    );

    // parent CancelCause; child WithTimeoutCause(0, T); parent cancel(F)
    let f = custom("parent F");
    let (parent, pcancel) = bg().with_cancel_cause();
    let (ctx, _cancel) = parent.with_timeout_cause(Duration::ZERO, t.clone());
    pcancel.cancel(Some(f.clone()));
    check_cause(
        "parent cause, child timeout 0",
        &ctx,
        Want::Err(DeadlineExceeded, Custom(t.clone())),
    );

    // parent CancelCause; child WithTimeoutCause(forever, T); parent cancel(F)
    let (parent, pcancel) = bg().with_cancel_cause();
    let (ctx, _cancel) = parent.with_timeout_cause(forever, t.clone());
    pcancel.cancel(Some(f.clone()));
    check_cause(
        "parent cause, child timeout forever",
        &ctx,
        Want::Err(Canceled, Custom(f.clone())),
    );

    // WithoutCancel(Background)
    check_cause("WithoutCancel", &bg().without_cancel(), Want::Live);

    // WithoutCancel over a parent cancelled with F
    let (parent, pcancel) = bg().with_cancel_cause();
    let ctx = parent.without_cancel();
    pcancel.cancel(Some(f.clone()));
    check_cause("WithoutCancel canceled", &ctx, Want::Live);

    // WithoutCancel over a timed-out parent
    let (parent, _pcancel) = bg().with_timeout(Duration::ZERO);
    check_cause(
        "WithoutCancel timeout",
        &parent.without_cancel(),
        Want::Live,
    );

    // Background / TODO
    check_cause("Background", &bg(), Want::Live);
    check_cause("TODO", &Context::todo(), Want::Live);
}

/// TestCauseRace: polling the cause while another thread cancels sees nothing, then the
/// cause, never anything else.
#[test]
fn cause_race() {
    let cause = custom("TestCauseRace");
    let (ctx, cancel) = Context::background().with_cancel_cause();
    let c2 = cause.clone();
    let t = thread::spawn(move || cancel.cancel(Some(c2)));
    let deadline = Instant::now() + VERY_LONG;
    loop {
        if let Some(got) = ctx.cause() {
            assert!(Arc::ptr_eq(&got, &cause), "Cause returned something else");
            assert_eq!(ctx.err(), Some(Error::Canceled));
            break;
        }
        assert!(Instant::now() < deadline, "never cancelled");
        thread::yield_now();
    }
    t.join().unwrap();
}

/// TestWithoutCancel: values kept; no deadline, no done, no err, also over a cancelled
/// parent.
#[test]
fn without_cancel() {
    #[derive(Debug, PartialEq)]
    struct Key(&'static str);
    let ctx = Context::background()
        .with_value(Key("value"))
        .without_cancel();
    assert!(ctx.deadline().is_none());
    assert_eq!(
        ctx.done().recv_timeout(SETTLE),
        Err(RecvTimeoutError::Timeout)
    );
    assert_eq!(ctx.err(), None);
    assert_eq!(ctx.value::<Key>(), Some(&Key("value")));

    let (parent, cancel) = Context::background().with_timeout(Duration::from_secs(3600));
    let ctx = parent.with_value(Key("v2")).without_cancel();
    cancel.cancel();
    assert!(is_done(&parent));
    assert!(ctx.deadline().is_none());
    assert_eq!(ctx.err(), None);
    assert!(!is_done(&ctx));
    assert_eq!(ctx.value::<Key>(), Some(&Key("v2")));
    let shown = ctx.to_string();
    assert!(
        shown.starts_with("context.Background.WithDeadline("),
        "{shown}"
    );
    let tail = format!(".WithValue({}).WithoutCancel", std::any::type_name::<Key>());
    assert!(shown.ends_with(&tail), "{shown}");
}

/// A channel closed by an after_func, as Go's tests use `donec`.
fn done_flag() -> (impl FnOnce() + Send + 'static, gochan::Receiver<()>) {
    let (tx, rx) = bounded::<()>(0);
    (move || drop(tx), rx)
}

/// TestAfterFuncCalledAfterCancel.
#[test]
fn after_func_called_after_cancel() {
    let (ctx, cancel) = Context::background().with_cancel();
    let (f, donec) = done_flag();
    let stop = ctx.after_func(f);
    assert_eq!(
        donec.recv_timeout(SETTLE),
        Err(RecvTimeoutError::Timeout),
        "called before cancel"
    );
    cancel.cancel();
    assert_eq!(
        donec.recv_timeout(VERY_LONG),
        Err(RecvTimeoutError::Closed),
        "not called after cancel"
    );
    assert!(!stop.stop(), "stop() = true, want false");
}

/// TestAfterFuncCalledAfterTimeout.
#[test]
fn after_func_called_after_timeout() {
    let (ctx, _cancel) = Context::background().with_timeout(SHORT);
    let (f, donec) = done_flag();
    let stop = ctx.after_func(f);
    assert_eq!(
        donec.recv_timeout(VERY_LONG),
        Err(RecvTimeoutError::Closed),
        "not called after timeout"
    );
    assert!(!stop.stop(), "stop() = true, want false");
}

/// TestAfterFuncCalledImmediately.
#[test]
fn after_func_called_immediately() {
    let (ctx, cancel) = Context::background().with_cancel();
    cancel.cancel();
    let (f, donec) = done_flag();
    let stop = ctx.after_func(f);
    assert_eq!(
        donec.recv_timeout(VERY_LONG),
        Err(RecvTimeoutError::Closed),
        "not called for a cancelled context"
    );
    assert!(!stop.stop());
}

/// TestAfterFuncNotCalledAfterStop.
#[test]
fn after_func_not_called_after_stop() {
    let (ctx, cancel) = Context::background().with_cancel();
    let ran = Arc::new(AtomicBool::new(false));
    let r2 = ran.clone();
    let stop = ctx.after_func(move || r2.store(true, Ordering::SeqCst));
    assert!(stop.stop(), "stop() = false, want true");
    cancel.cancel();
    thread::sleep(SETTLE);
    assert!(!ran.load(Ordering::SeqCst), "AfterFunc called after stop");
    assert!(!stop.stop(), "stop() = true, want false");
}

/// TestAfterFuncCalledAsynchronously: cancel returns while the function is still blocked
/// (on an unbuffered send that the test performs only after cancel returns).
#[test]
fn after_func_called_asynchronously() {
    let (ctx, cancel) = Context::background().with_cancel();
    let (tx, donec) = bounded::<()>(0);
    let _stop = ctx.after_func(move || tx.send_blocking(()).unwrap());
    cancel.cancel();
    assert_eq!(
        donec.recv_timeout(VERY_LONG),
        Ok(()),
        "AfterFunc not called"
    );
}

/// AfterFunc on a context that can never be cancelled (C12.7): nothing runs, the first stop
/// returns true, later ones false.
#[test]
fn after_func_stop_on_background() {
    let ran = Arc::new(AtomicBool::new(false));
    for ctx in [
        Context::background(),
        Context::todo(),
        Context::background().without_cancel(),
    ] {
        let r2 = ran.clone();
        let stop = ctx.after_func(move || r2.store(true, Ordering::SeqCst));
        assert!(stop.stop());
        assert!(!stop.stop());
    }
    thread::sleep(SETTLE);
    assert!(!ran.load(Ordering::SeqCst));
}
