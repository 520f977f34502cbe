//! The cancellation tree: one [`Node`] per cancellable context (`with_cancel*`,
//! `with_deadline*`), with Go's propagation rules (go-reference C4–C14).
//!
//! A node holds its children **strongly** (in a slab, O(1) insert and removal) and its parent
//! **weakly**. A child leaves its parent's set when it is cancelled, and when the last handle
//! of its context goes away without a cancel ([`Node::release`]), unless something can still
//! observe it (a `done()` receiver, an `after_func`, a child of its own): then it stays until
//! its parent or its deadline cancels it, which is Go's "not calling cancel leaks the child
//! until the parent is cancelled" (C4.3), never worse. Holding children strongly is what lets
//! an observed child outlive its handles; deciding the detach on handles (not on `Drop`) is
//! what lets loom model it (loom has no `Weak`).
//!
//! # Invariants
//!
//! 1. `phase` only moves forward: `Live` → `Walking` (the root of a cancel walk) or
//!    `Claimed` (reached by another node's walk) → `Complete`; a node born under a cancelled
//!    parent starts `Complete`. Whoever moves a node out of `Live` (under its lock) *claims*
//!    it: it sets `reason` and `summary`, takes its children, timer and keep-alive, and owes the
//!    close of its done channel. Each node is claimed exactly once, so the first
//!    cancellation fixes err and cause (C14) and each child set is walked by one thread.
//! 2. `reason` is `Some` and `summary`'s error bits are non-zero exactly when
//!    `phase != Live`, and its `COMPLETE` bit is set exactly when `phase == Complete`; both
//!    are stored (`Release`) under the lock, after the fields they summarize, so `err()`,
//!    a repeated `cancel` and a `release` of a cancelled node need no lock.
//! 3. A node that is not `Live` has an empty child set and accepts no child: a child attached
//!    later is born `Complete` with the parent's reason (C13.3). So a walk that took a set
//!    has seen every child there will ever be.
//! 4. A walk rooted at `R` is `Complete` only after every node it claimed has its done
//!    channel closed and every walk it met (rooted below `R`) is `Complete`. A `Claimed`
//!    node points at the root of the walk that claimed it. So "this node's walk is complete"
//!    means "its whole subtree is cancelled", and `cancel` returns only then, also when it
//!    lost the race to another thread (C13.1, TestSimultaneousCancels).
//! 5. `done`, once created, is never replaced: every `done()` returns the same channel.
//!    A channel created after the claim is closed before `done()` returns.
//! 6. `keep_alive` (a strong self-reference) is set only on a live, released, observed node
//!    with a pending timer, so the weak timer action can still reach it; the claim clears it.
//!
//! # Locking
//!
//! One `Mutex<State>` per node. **At most one node lock is held at any time**: attaching a
//! child locks only the parent (the child is not shared yet), a walk locks one node at a
//! time, removal from the parent takes the parent lock after the child's lock is released.
//! The only nesting is node lock → a *fresh* done channel's lock (in `done()`, to close a
//! channel nobody waits on yet); channel locks never call back into this module.
//!
//! Done channels are closed, timers cancelled and `after_func` threads spawned with no node
//! lock held.
//!
//! # Deadlock freedom
//!
//! With no lock nesting among nodes there is no lock-order cycle. The only other wait is
//! `wait_complete` (condition variable, no lock held while waiting). A walk rooted at `R`
//! waits only for walks it met while walking, i.e. walks rooted at a node it found in the set
//! of a node it claimed; such a node was claimed first by another walk *as that walk's root*
//! (a non-root node is only ever reached through its parent's set, which invariant 1 gives to
//! one walk), so it is a strict descendant of `R`. The tree never changes shape (nodes are
//! never re-parented), so "waits for" follows strict descent and has no cycle; a plain
//! `cancel` that lost the race holds nothing while it waits, so nothing waits for it. Hence
//! every wait ends. Assumption: a `Waker::wake` run by a done channel's close does not itself
//! cancel a context synchronously (it could wait on the walk running on its own thread);
//! wakers of the executors we support only schedule a task.
//!
//! The timer action runs `cancel` on the shared timer thread; cancelling a big subtree (or
//! waiting for a concurrent walk to finish) there delays other timers, which we accept.
#![forbid(unsafe_code)]

use super::{Cause, Error};
use crate::chan::Chan;
use crate::channel::{receiver_of, sealed};
use crate::sync::{downgrade, thread, upgrade, Arc, AtomicU64, AtomicUsize, Condvar, Mutex};
use crate::sync::{MutexGuard, Ordering, Weak};
use crate::time::driver::{self, TimerKey};
use crate::Receiver;

/// Why a node was cancelled: the error and the cause given with it (`None`: the cause is the
/// error itself, C6.1).
#[derive(Clone)]
pub(crate) struct Reason {
    pub(crate) err: Error,
    pub(crate) cause: Option<Cause>,
}

/// A child entry in a node's set.
enum Child {
    Node(Arc<Node>),
    /// An `after_func` registration: the function itself (C12.5). Taking it out of the set
    /// under the node lock is the once-guard between "cancel starts it" and "stop drops it".
    Func(Box<dyn FnOnce() + Send>),
}

enum Phase {
    Live,
    /// Claimed as the root of a walk that is still running.
    Walking,
    /// Claimed by the walk rooted at the pointed node.
    Claimed(Weak<Node>),
    /// Its walk is over: the node and its whole subtree are cancelled.
    Complete,
}

/// Where a child sits in its parent's slab: the slot, and the child's id, unique per parent
/// and never reused, so a stale key (the slot emptied and taken by another child) matches
/// nothing and removing a key twice is harmless.
#[derive(Clone, Copy)]
pub(crate) struct Key {
    slot: usize,
    id: u64,
}

/// The child set: a slab with a free list. No hashing, and a deterministic iteration order
/// (loom replays need one, VERIFICATION.md §2.2).
#[derive(Default)]
struct Children {
    slots: Vec<Option<(u64, Child)>>,
    free: Vec<usize>,
    len: usize,
}

impl Children {
    fn insert(&mut self, id: u64, child: Child) -> Key {
        let slot = match self.free.pop() {
            Some(slot) => {
                self.slots[slot] = Some((id, child));
                slot
            }
            None => {
                self.slots.push(Some((id, child)));
                self.slots.len() - 1
            }
        };
        self.len += 1;
        Key { slot, id }
    }

    fn remove(&mut self, key: Key) -> Option<Child> {
        let entry = self.slots.get_mut(key.slot)?;
        if !matches!(entry, Some((id, _)) if *id == key.id) {
            return None;
        }
        let (_, child) = entry.take()?;
        self.len -= 1;
        if self.len == 0 {
            // Keep the capacity, forget the holes.
            self.slots.clear();
            self.free.clear();
        } else {
            self.free.push(key.slot);
        }
        Some(child)
    }

    fn len(&self) -> usize {
        self.len
    }

    fn is_empty(&self) -> bool {
        self.len == 0
    }

    fn take_all(&mut self) -> impl Iterator<Item = Child> {
        let slots = std::mem::take(&mut self.slots);
        self.free = Vec::new();
        self.len = 0;
        slots.into_iter().flatten().map(|(_, c)| c)
    }
}

/// Everything under a node's lock.
struct State {
    phase: Phase,
    /// Invariant 2.
    reason: Option<Reason>,
    /// Children and `after_func` registrations (invariant 3).
    children: Children,
    /// Created by the first `done()` (invariant 5).
    done: Option<Arc<Chan<()>>>,
    /// The pending deadline of a `with_deadline` node.
    timer: Option<TimerKey>,
    /// Invariant 6.
    keep_alive: Option<Arc<Node>>,
    /// Threads in `wait_complete` on this node.
    waiters: usize,
}

/// One cancellable context.
pub(crate) struct Node {
    /// The nearest cancellable ancestor, for leaving its set. Weak: a parent never lives
    /// because of a child that outlived its handles.
    parent: Option<Weak<Node>>,
    /// This node's id in `parent`'s slab (see [`Key`]).
    id: u64,
    /// This node's slot in `parent`'s slab, written under the parent's lock before the node
    /// is handed out. Relaxed: whoever reads it got the node after that (through the lock or
    /// the handle's publication).
    slot: AtomicUsize,
    /// Source of the ids of this node's children. Relaxed: only uniqueness matters.
    next_id: AtomicU64,
    /// A summary of `state` for lock-free readers (invariant 2): the error in the low bits
    /// (`0` live, see `err_code`), and `COMPLETE`.
    summary: AtomicUsize,
    state: Mutex<State>,
    /// Signals `Complete` to `wait_complete`.
    cv: Condvar,
}

const LIVE: usize = 0;
const ERR_MASK: usize = 3;
const COMPLETE: usize = 4;

fn err_code(e: Error) -> usize {
    match e {
        Error::Canceled => 1,
        Error::DeadlineExceeded => 2,
    }
}

/// What a walk does once it holds no lock.
#[derive(Default)]
struct Work {
    stack: Vec<Child>,
    close: Vec<Arc<Chan<()>>>,
    timers: Vec<TimerKey>,
    funcs: Vec<Box<dyn FnOnce() + Send>>,
    keep_alive: Vec<Arc<Node>>,
    wait: Vec<Arc<Node>>,
}

impl Node {
    /// A root node (its context has no cancellable ancestor).
    pub(crate) fn root() -> Arc<Node> {
        Arc::new(Node::new(None, 0))
    }

    fn new(parent: Option<Weak<Node>>, id: u64) -> Node {
        Node {
            parent,
            id,
            slot: AtomicUsize::new(0),
            next_id: AtomicU64::new(0),
            summary: AtomicUsize::new(LIVE),
            state: Mutex::new(State {
                phase: Phase::Live,
                reason: None,
                children: Children::default(),
                done: None,
                timer: None,
                keep_alive: None,
                waiters: 0,
            }),
            cv: Condvar::new(),
        }
    }

    /// A new node under `parent`: in its set, or born cancelled with its reason if it is
    /// already cancelled (C13.3, also when that races with the parent's cancel: the parent's
    /// lock orders the two, invariant 3).
    pub(crate) fn child(parent: &Arc<Node>) -> Arc<Node> {
        // Relaxed: the counter only has to hand out distinct values.
        let id = parent.next_id.fetch_add(1, Ordering::Relaxed);
        let node = Arc::new(Node::new(Some(downgrade(parent)), id));
        let mut pg = parent.state.lock();
        if let Phase::Live = pg.phase {
            let key = pg.children.insert(id, Child::Node(node.clone()));
            node.slot.store(key.slot, Ordering::Relaxed);
        } else {
            let reason = pg.reason.clone();
            drop(pg);
            let mut g = node.state.lock();
            g.phase = Phase::Complete;
            if let Some(r) = &reason {
                node.summary
                    .store(err_code(r.err) | COMPLETE, Ordering::Release);
            }
            g.reason = reason;
        }
        node
    }

    /// The error, without locking (invariant 2).
    pub(crate) fn err(&self) -> Option<Error> {
        // Acquire pairs with the Release store in `claim`: whoever sees the error also sees
        // what the canceller did before cancelling.
        match self.summary.load(Ordering::Acquire) & ERR_MASK {
            LIVE => None,
            1 => Some(Error::Canceled),
            _ => Some(Error::DeadlineExceeded),
        }
    }

    /// The error and the cause, read together under the lock (C7.4, TestCauseRace).
    pub(crate) fn reason(&self) -> Option<Reason> {
        self.state.lock().reason.clone()
    }

    /// The done channel, created on first use (invariant 5).
    pub(crate) fn done(&self) -> Receiver<()> {
        let mut g = self.state.lock();
        let chan = match &g.done {
            Some(c) => c.clone(),
            None => {
                let c = sealed::<()>();
                if !matches!(g.phase, Phase::Live) {
                    // Nobody owes this close: the claim saw no channel. It is fresh, so
                    // closing it under our lock wakes nobody.
                    c.close();
                }
                g.done = Some(c.clone());
                c
            }
        };
        drop(g);
        receiver_of(chan)
    }

    /// The number of entries in the child set (children and `after_func` registrations).
    pub(crate) fn child_count(&self) -> usize {
        self.state.lock().children.len()
    }

    /// Records the timer of a deadline node; cancels it at once if the node was cancelled
    /// meanwhile (by its parent, or by the timer itself).
    pub(crate) fn set_timer(&self, key: TimerKey) {
        let mut g = self.state.lock();
        if let Phase::Live = g.phase {
            g.timer = Some(key);
        } else {
            drop(g);
            driver::cancel(key);
        }
    }

    /// Registers `f` to run on its own thread when this node is cancelled. Returns its key, or
    /// `None` if the node was already cancelled and `f` has been started (C12.1).
    pub(crate) fn register(&self, f: Box<dyn FnOnce() + Send>) -> Option<Key> {
        // Relaxed: as in `child`.
        let id = self.next_id.fetch_add(1, Ordering::Relaxed);
        let mut g = self.state.lock();
        if let Phase::Live = g.phase {
            Some(g.children.insert(id, Child::Func(f)))
        } else {
            drop(g);
            spawn(f);
            None
        }
    }

    /// Removes a registration; `true` iff it was still there, so `f` will never run (C12.3).
    pub(crate) fn unregister(&self, key: Key) -> bool {
        let removed = self.state.lock().children.remove(key);
        // Dropped outside the lock: the closure may own contexts.
        removed.is_some()
    }

    /// Cancels this node and its whole subtree with `err` and `cause`, unless it was
    /// cancelled already; returns once the subtree is cancelled either way (invariant 4),
    /// after leaving the parent's set (C4.1, C13.2).
    pub(crate) fn cancel(this: &Arc<Node>, err: Error, cause: Option<Cause>) {
        // Acquire pairs with the Release store of `COMPLETE`: the subtree's cancellation is
        // visible, so returning at once keeps the guarantee of invariant 4.
        if this.summary.load(Ordering::Acquire) & COMPLETE != 0 {
            return;
        }
        let reason = Reason { err, cause };
        let mut work = Work::default();
        {
            let mut g = this.state.lock();
            if !matches!(g.phase, Phase::Live) {
                let target = wait_target(this, &g);
                drop(g);
                if let Some(t) = target {
                    wait_complete(&t);
                }
                return;
            }
            claim(this, &mut g, &reason, &mut work);
            // Nothing to wait for: complete at once (no second lock).
            if work.stack.is_empty() && work.close.is_empty() {
                g.phase = Phase::Complete;
                mark_complete(this);
            } else {
                g.phase = Phase::Walking;
            }
        }
        // Marks the walk complete even if a waker panics while we close channels, so no
        // waiter is left behind.
        let guard = (!work.stack.is_empty() || !work.close.is_empty()).then(|| Completion(this));
        let root = downgrade(this);
        while let Some(child) = work.stack.pop() {
            match child {
                Child::Func(f) => work.funcs.push(f),
                Child::Node(c) => {
                    let mut cg = c.state.lock();
                    match &cg.phase {
                        Phase::Live => {
                            claim(&c, &mut cg, &reason, &mut work);
                            cg.phase = Phase::Claimed(root.clone());
                        }
                        Phase::Walking => work.wait.push(c.clone()),
                        // Cannot happen (a non-root node is reached only through its
                        // parent's set, which we own); waiting is the safe answer anyway.
                        Phase::Claimed(r) => work.wait.extend(upgrade(r)),
                        Phase::Complete => {}
                    }
                    drop(cg);
                }
            }
        }
        for c in work.close.drain(..) {
            c.close();
        }
        for k in work.timers.drain(..) {
            driver::cancel(k);
        }
        drop(std::mem::take(&mut work.keep_alive));
        for w in work.wait.drain(..) {
            wait_complete(&w);
        }
        drop(guard);
        this.leave_parent();
        // Last: a failing spawn (resource exhaustion) cannot leave the tree half cancelled.
        for f in work.funcs {
            spawn(f);
        }
    }

    /// The last handle of this node's context is gone (not cancelled). Leaves the parent's set
    /// unless something can still observe the node (module docs); drops the timer if it does.
    pub(crate) fn release(this: &Arc<Node>) {
        // Acquire: as in `cancel`. A claimed node has nothing to release.
        if this.summary.load(Ordering::Acquire) != LIVE {
            return;
        }
        let mut g = this.state.lock();
        if !matches!(g.phase, Phase::Live) {
            return;
        }
        let observed = !g.children.is_empty()
            || g.done.as_ref().is_some_and(|c| {
                // Acquire pairs with the AcqRel decrement in `Receiver::drop`.
                !c.is_closed() && c.receiver_handles.load(Ordering::Acquire) > 0
            });
        if observed {
            if g.timer.is_some() {
                // Invariant 6: the timer holds us weakly; keep us until it fires.
                g.keep_alive = Some(this.clone());
            }
            return;
        }
        let timer = g.timer.take();
        drop(g);
        if let Some(k) = timer {
            driver::cancel(k);
        }
        this.leave_parent();
    }

    fn leave_parent(&self) {
        if let Some(p) = self.parent.as_ref().and_then(upgrade) {
            let key = Key {
                // Relaxed: see the field.
                slot: self.slot.load(Ordering::Relaxed),
                id: self.id,
            };
            let removed = p.state.lock().children.remove(key);
            drop(removed);
        }
    }
}

/// Claims a live node (invariant 1). The caller sets the phase.
fn claim(node: &Arc<Node>, g: &mut MutexGuard<'_, State>, reason: &Reason, work: &mut Work) {
    g.reason = Some(reason.clone());
    // Release pairs with the Acquire loads of `summary` (`Node::err` and the fast paths).
    node.summary.store(err_code(reason.err), Ordering::Release);
    if !g.children.is_empty() {
        work.stack.extend(g.children.take_all());
    }
    if let Some(d) = &g.done {
        work.close.push(d.clone());
    }
    work.timers.extend(g.timer.take());
    work.keep_alive.extend(g.keep_alive.take());
}

/// The node whose completion a cancel that lost the race must wait for.
fn wait_target(node: &Arc<Node>, g: &State) -> Option<Arc<Node>> {
    match &g.phase {
        Phase::Walking => Some(node.clone()),
        // A root that is gone has returned from its walk.
        Phase::Claimed(r) => upgrade(r),
        Phase::Live | Phase::Complete => None,
    }
}

/// Waits until the walk rooted at `root` is complete. No lock is held by the caller.
fn wait_complete(root: &Node) {
    let mut g = root.state.lock();
    if matches!(g.phase, Phase::Complete) {
        return;
    }
    g.waiters += 1;
    while !matches!(g.phase, Phase::Complete) {
        g = crate::sync::wait(&root.cv, g);
    }
    g.waiters -= 1;
}

/// Publishes `Complete` (invariant 2); called under the node's lock.
fn mark_complete(node: &Node) {
    // Release pairs with the Acquire fast paths in `cancel` and `release`.
    node.summary.fetch_or(COMPLETE, Ordering::Release);
}

/// Marks a walk's root complete on drop, and wakes its waiters.
struct Completion<'a>(&'a Node);

impl Drop for Completion<'_> {
    fn drop(&mut self) {
        let mut g = self.0.state.lock();
        if matches!(g.phase, Phase::Complete) {
            return;
        }
        g.phase = Phase::Complete;
        mark_complete(self.0);
        let wake = g.waiters > 0;
        drop(g);
        if wake {
            self.0.cv.notify_all();
        }
    }
}

/// Runs an `after_func` on its own thread (C12.1), never inside `cancel`.
fn spawn(f: Box<dyn FnOnce() + Send>) {
    drop(thread::spawn(f));
}

impl Drop for Node {
    /// Frees a subtree of nodes that outlived their handles without recursion (a long chain
    /// must not overflow the stack).
    fn drop(&mut self) {
        // Relaxed: `&mut self` means every other access happened before. A claimed node has
        // an empty set for good (invariant 3).
        if self.summary.load(Ordering::Relaxed) != LIVE {
            return;
        }
        let mut stack = take_child_nodes(self);
        while let Some(n) = stack.pop() {
            if let Ok(n) = Arc::try_unwrap(n) {
                stack.extend(take_child_nodes(&n));
            }
        }
    }
}

/// Empties a node's set; registrations are dropped (never run) with no lock held, since a
/// closure may own contexts.
fn take_child_nodes(n: &Node) -> Vec<Arc<Node>> {
    let children = {
        let mut g = n.state.lock();
        if g.children.is_empty() {
            return Vec::new();
        }
        std::mem::take(&mut g.children)
    };
    let mut children = children;
    children
        .take_all()
        .filter_map(|c| match c {
            Child::Node(n) => Some(n),
            Child::Func(_) => None,
        })
        .collect()
}
