//! Go's `context` package: cancellation trees, deadlines and request-scoped values.
//!
//! A [`Context`] carries a cancellation signal, an optional deadline and values down a call
//! tree. Derive children with [`Context::with_cancel`], [`Context::with_deadline`],
//! [`Context::with_timeout`] or [`Context::with_value`]; cancelling a context cancels every
//! context derived from it, synchronously, and never its parent.
//!
//! | Go | gochan |
//! |---|---|
//! | `context.Background()`, `context.TODO()` | [`Context::background`], [`Context::todo`] |
//! | `ctx, cancel := context.WithCancel(parent)` | `let (ctx, cancel) = parent.with_cancel();` |
//! | `defer cancel()` | dropping the [`CancelFunc`] (or calling [`CancelFunc::cancel`]) |
//! | `context.WithCancelCause`, `cancel(err)` | [`Context::with_cancel_cause`], [`CancelCauseFunc::cancel`] |
//! | `context.WithDeadline`, `WithTimeout` (+ `Cause`) | [`Context::with_deadline`], [`Context::with_timeout`] and the `_cause` forms |
//! | `context.WithoutCancel` | [`Context::without_cancel`] |
//! | `context.WithValue(ctx, key, v)`, `ctx.Value(key)` | [`Context::with_value`], [`Context::value`] (keyed by the value's type) |
//! | `<-ctx.Done()`, `ctx.Err()`, `context.Cause(ctx)`, `ctx.Deadline()` | [`Context::done`], [`Context::err`], [`Context::cause`], [`Context::deadline`] |
//! | `context.AfterFunc(ctx, f)`, `stop()` | [`Context::after_func`], [`AfterFunc::stop`] |
//! | `context.Canceled`, `context.DeadlineExceeded` | [`Error::Canceled`], [`Error::DeadlineExceeded`] |
//!
//! `done()` is an ordinary [`Receiver`], so cancellation is one more `recv` case in a
//! `select!`:
//!
//! ```
//! use std::time::Duration;
//! use gochan::context::{Context, Error};
//!
//! let (ctx, cancel) = Context::background().with_timeout(Duration::from_secs(3600));
//! let (tx, rx) = gochan::bounded::<u32>(0);
//! let worker = std::thread::spawn(move || loop {
//!     gochan::select_blocking! {
//!         recv(ctx.done()) -> _ => return ctx.err(),
//!         recv(rx) -> v => assert_eq!(v, Some(7)),
//!     }
//! });
//! tx.send_blocking(7).unwrap();
//! cancel.cancel();
//! assert_eq!(worker.join().unwrap(), Some(Error::Canceled));
//! ```
//!
//! # Differences from Go
//!
//! - Dropping a [`CancelFunc`] cancels: it is Go's `defer cancel()`, built in. To hand
//!   cancellation to someone else, move the `CancelFunc` there (it is `Send + Sync`); to give
//!   up the right to cancel, call [`CancelFunc::disarm`] (the context then ends only with its
//!   parent or its deadline, like a Go context whose `cancel` is never called).
//! - Values are keyed by their type ([`Context::with_value`]); wrap a value in a newtype to
//!   give it its own key, as Go code does with an unexported key type.
//! - Contexts are one concrete type, so there are no custom (foreign) context types and no
//!   watcher threads (C15): propagation is always synchronous.
//! - `done()` of a context that can never be cancelled is [`never`](crate::never)`()`, a
//!   receiver that never fires (Go returns a nil channel, which behaves the same in `select`).
//! - Causes are `Arc<dyn Error + Send + Sync>` ([`Cause`]); the causes of the two sentinel
//!   errors are an [`Error`] inside, found with `downcast_ref::<Error>()`.
//!
//! # Resources
//!
//! A context is an `Arc`: cloning is cheap, and [`Context::background`] allocates nothing. A
//! child that is cancelled, or whose every handle is dropped, leaves its parent's child set,
//! and its timer is removed, so creating and dropping children leaks nothing. One exception,
//! Go's own (C4.3): a child whose `CancelFunc` was disarmed and whose handles are gone while
//! something still observes it (a `done()` receiver, a pending [`Context::after_func`], a child
//! of its own) stays registered until its parent or its deadline cancels it.
#![forbid(unsafe_code)]

mod tree;
mod wire;

use std::any::Any;
use std::fmt;
use std::time::{Duration, Instant};

use crate::sync::{Arc, AtomicBool, Ordering};
use crate::time::driver;
use crate::Receiver;
use tree::{Node, Reason};

pub use wire::{decode_grpc_timeout, encode_grpc_timeout, WireError};

/// Why a context was cancelled, beyond its [`Error`]: Go's `context.Cause`.
///
/// A cancellation without an explicit cause has its error as the cause, as a shared
/// `Arc<Error>`; find it with `downcast_ref::<Error>()`.
///
/// # Examples
///
/// ```
/// use std::sync::Arc;
/// use gochan::context::{Cause, Context};
///
/// let cause: Cause = Arc::new(std::io::Error::other("disk full"));
/// let (ctx, cancel) = Context::background().with_cancel_cause();
/// cancel.cancel(Some(cause.clone()));
/// assert!(Arc::ptr_eq(&ctx.cause().unwrap(), &cause));
/// ```
pub type Cause = std::sync::Arc<dyn std::error::Error + Send + Sync>;

/// The error of a cancelled context: Go's `context.Canceled` and `context.DeadlineExceeded`.
///
/// # Examples
///
/// ```
/// use gochan::context::Error;
/// assert_eq!(Error::Canceled.to_string(), "context canceled");
/// assert_eq!(Error::DeadlineExceeded.to_string(), "context deadline exceeded");
/// assert!(Error::DeadlineExceeded.is_timeout());
/// ```
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Error {
    /// Cancelled by a cancel function (its own or an ancestor's).
    Canceled,
    /// A deadline (its own or an ancestor's) passed.
    DeadlineExceeded,
}

impl Error {
    /// Whether this is a timeout: `true` for [`Error::DeadlineExceeded`]
    /// (Go's `Timeout()`, TestDeadlineExceededSupportsTimeout).
    ///
    /// # Examples
    ///
    /// ```
    /// use gochan::context::Error;
    /// assert!(Error::DeadlineExceeded.is_timeout());
    /// assert!(!Error::Canceled.is_timeout());
    /// ```
    pub fn is_timeout(&self) -> bool {
        matches!(self, Error::DeadlineExceeded)
    }

    /// This error as a [`Cause`]: one shared `Arc` per variant, allocated once.
    fn as_cause(self) -> Cause {
        use crate::sync::real::OnceLock;
        static CANCELED: OnceLock<Cause> = OnceLock::new();
        static DEADLINE: OnceLock<Cause> = OnceLock::new();
        let cell = match self {
            Error::Canceled => &CANCELED,
            Error::DeadlineExceeded => &DEADLINE,
        };
        cell.get_or_init(|| std::sync::Arc::new(self)).clone()
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Error::Canceled => "context canceled",
            Error::DeadlineExceeded => "context deadline exceeded",
        })
    }
}

impl std::error::Error for Error {}

/// A cancellation signal, a deadline and values, passed down a call tree: Go's
/// `context.Context`.
///
/// Cheap to clone (an `Arc`), `Send + Sync`. See the [module docs](self) for the Go mapping.
///
/// # Examples
///
/// ```
/// use gochan::context::{Context, Error};
///
/// let root = Context::background();
/// let (parent, cancel_parent) = root.with_cancel();
/// let (child, _cancel_child) = parent.with_cancel();
/// cancel_parent.cancel();
/// // Synchronous: when cancel returns, every descendant is cancelled.
/// assert_eq!(child.err(), Some(Error::Canceled));
/// assert_eq!(child.done().try_recv(), Err(gochan::TryRecvError::Closed));
/// assert_eq!(root.err(), None);
/// ```
#[derive(Clone)]
pub struct Context {
    repr: Repr,
}

#[derive(Clone)]
enum Repr {
    Background,
    Todo,
    Layer(Arc<Layer>),
}

/// One derived context.
struct Layer {
    /// The context this one was derived from (values and `Display` walk it).
    parent: Context,
    kind: Kind,
    /// The nearest cancellable node: this layer's own for `Cancel`/`Deadline`, the parent's
    /// for `Value`, none for `WithoutCancel` (and under a never-cancellable root).
    node: Option<Arc<Node>>,
    /// The effective deadline (C8.1: only ever shrinks down the tree).
    deadline: Option<Instant>,
}

enum Kind {
    Cancel,
    Deadline(Instant),
    Value {
        value: Box<dyn Any + Send + Sync>,
        type_name: &'static str,
    },
    WithoutCancel,
}

impl Drop for Layer {
    fn drop(&mut self) {
        if matches!(self.kind, Kind::Cancel | Kind::Deadline(_)) {
            if let Some(n) = &self.node {
                // The last handle of this context: leave the parent unless observed.
                Node::release(n);
            }
        }
        // Free a chain of layers iteratively (a 100 000-deep chain must not overflow).
        let mut parent = std::mem::take(&mut self.parent);
        while let Repr::Layer(arc) = std::mem::replace(&mut parent.repr, Repr::Background) {
            match Arc::try_unwrap(arc) {
                Ok(mut layer) => {
                    parent = std::mem::take(&mut layer.parent);
                    // `layer` drops here with a background parent: no recursion.
                }
                Err(_shared) => break,
            }
        }
    }
}

impl Default for Context {
    /// [`Context::background`].
    fn default() -> Context {
        Context::background()
    }
}

impl Context {
    /// The root of every context tree: never cancelled, no deadline, no values. Allocates
    /// nothing. Go's `context.Background()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use gochan::context::Context;
    /// let bg = Context::background();
    /// assert_eq!(bg.err(), None);
    /// assert!(bg.deadline().is_none());
    /// assert_eq!(bg.to_string(), "context.Background");
    /// ```
    pub const fn background() -> Context {
        Context {
            repr: Repr::Background,
        }
    }

    /// Like [`Context::background`], for code not yet sure which context to use: Go's
    /// `context.TODO()`.
    ///
    /// # Examples
    ///
    /// ```
    /// use gochan::context::Context;
    /// assert_eq!(Context::todo().to_string(), "context.TODO");
    /// assert!(Context::todo().cause().is_none());
    /// ```
    pub const fn todo() -> Context {
        Context { repr: Repr::Todo }
    }

    fn layer(&self) -> Option<&Layer> {
        match &self.repr {
            Repr::Layer(l) => Some(l),
            _ => None,
        }
    }

    /// The nearest cancellable node.
    fn node(&self) -> Option<&Arc<Node>> {
        self.layer().and_then(|l| l.node.as_ref())
    }

    fn derive(&self, kind: Kind, node: Option<Arc<Node>>, deadline: Option<Instant>) -> Context {
        Context {
            repr: Repr::Layer(Arc::new(Layer {
                parent: self.clone(),
                kind,
                node,
                deadline,
            })),
        }
    }

    fn new_node(&self) -> Arc<Node> {
        match self.node() {
            Some(p) => Node::child(p),
            None => Node::root(),
        }
    }

    /// A child that is cancelled when the returned [`CancelFunc`] is called or dropped, or
    /// when this context is cancelled, whichever comes first: Go's `WithCancel` (C5).
    ///
    /// Its error is [`Error::Canceled`] after its own cancel; if this context is cancelled
    /// first (or already was), the child takes this context's error and cause. Deadline and
    /// values are this context's.
    ///
    /// Dropping the `CancelFunc` cancels: bind it to a named variable (`_cancel`, not `_`).
    ///
    /// # Examples
    ///
    /// ```
    /// use gochan::context::{Context, Error};
    /// let (ctx, cancel) = Context::background().with_cancel();
    /// assert_eq!(ctx.err(), None);
    /// cancel.cancel();
    /// assert_eq!(ctx.err(), Some(Error::Canceled));
    /// assert_eq!(ctx.done().recv_blocking(), None);
    /// assert_eq!(ctx.to_string(), "context.Background.WithCancel");
    /// ```
    #[must_use = "dropping the CancelFunc cancels the context at once"]
    pub fn with_cancel(&self) -> (Context, CancelFunc) {
        let node = self.new_node();
        let ctx = self.derive(Kind::Cancel, Some(node.clone()), self.deadline());
        (ctx, CancelFunc { node: Some(node) })
    }

    /// Like [`Context::with_cancel`], but the cancel function records a cause, seen through
    /// [`Context::cause`]: Go's `WithCancelCause` (C6). The error stays
    /// [`Error::Canceled`]; a `None` cause records `Canceled`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use gochan::context::{Cause, Context, Error};
    /// let (ctx, cancel) = Context::background().with_cancel_cause();
    /// let why: Cause = Arc::new(std::fmt::Error);
    /// cancel.cancel(Some(why.clone()));
    /// cancel.cancel(None); // the first cancellation stays
    /// assert_eq!(ctx.err(), Some(Error::Canceled));
    /// assert!(Arc::ptr_eq(&ctx.cause().unwrap(), &why));
    /// ```
    #[must_use = "dropping the CancelCauseFunc cancels the context at once"]
    pub fn with_cancel_cause(&self) -> (Context, CancelCauseFunc) {
        let node = self.new_node();
        let ctx = self.derive(Kind::Cancel, Some(node.clone()), self.deadline());
        (ctx, CancelCauseFunc { node: Some(node) })
    }

    /// A child that is also cancelled, with [`Error::DeadlineExceeded`], at `deadline`: Go's
    /// `WithDeadline` (C8).
    ///
    /// Deadlines only shrink: if this context's deadline is strictly earlier, the child is a
    /// plain [`with_cancel`](Context::with_cancel) child with no timer of its own. A deadline
    /// that has already passed gives a child that is already done. The returned
    /// [`CancelFunc`] cancels with [`Error::Canceled`] and removes the timer.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use gochan::context::{Context, Error};
    /// let past = Instant::now();
    /// let (ctx, _cancel) = Context::background().with_deadline(past);
    /// assert_eq!(ctx.err(), Some(Error::DeadlineExceeded));
    /// assert_eq!(ctx.deadline(), Some(past));
    ///
    /// let soon = Instant::now() + Duration::from_millis(10);
    /// let (ctx, _cancel) = Context::background().with_deadline(soon);
    /// assert_eq!(ctx.done().recv_blocking(), None); // closed at the deadline
    /// assert!(Instant::now() >= soon);
    /// assert_eq!(ctx.err(), Some(Error::DeadlineExceeded));
    /// ```
    #[must_use = "dropping the CancelFunc cancels the context at once"]
    pub fn with_deadline(&self, deadline: Instant) -> (Context, CancelFunc) {
        self.deadline_child(deadline, None)
    }

    /// Like [`Context::with_deadline`], with `cause` as the cause when the deadline passes:
    /// Go's `WithDeadlineCause`. The cause is not used by the cancel function (whose cause is
    /// `Canceled`, C8.3), and is dropped when this context's deadline is earlier (C8.1).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Instant;
    /// use gochan::context::{Cause, Context, Error};
    /// let why: Cause = Arc::new(std::fmt::Error);
    /// let (ctx, _cancel) = Context::background().with_deadline_cause(Instant::now(), why.clone());
    /// assert_eq!(ctx.err(), Some(Error::DeadlineExceeded));
    /// assert!(Arc::ptr_eq(&ctx.cause().unwrap(), &why));
    /// ```
    #[must_use = "dropping the CancelFunc cancels the context at once"]
    pub fn with_deadline_cause(&self, deadline: Instant, cause: Cause) -> (Context, CancelFunc) {
        self.deadline_child(deadline, Some(cause))
    }

    fn deadline_child(&self, deadline: Instant, cause: Option<Cause>) -> (Context, CancelFunc) {
        if self.deadline().is_some_and(|p| p < deadline) {
            // C8.1: the parent's deadline comes first; the cause is dropped.
            return self.with_cancel();
        }
        let node = self.new_node();
        let ctx = self.derive(Kind::Deadline(deadline), Some(node.clone()), Some(deadline));
        if deadline <= Instant::now() {
            // C8.2: already expired (a no-op if it was born cancelled by its parent).
            Node::cancel(&node, Error::DeadlineExceeded, cause);
        } else {
            // The action holds the node weakly: a dropped context is not kept for its timer.
            let weak = crate::sync::downgrade(&node);
            let key = driver::schedule(deadline, move || {
                if let Some(n) = crate::sync::upgrade(&weak) {
                    Node::cancel(&n, Error::DeadlineExceeded, cause);
                }
            });
            node.set_timer(key);
        }
        (ctx, CancelFunc { node: Some(node) })
    }

    /// [`with_deadline`](Context::with_deadline)`(now + timeout)`: Go's `WithTimeout` (C9).
    /// A zero timeout gives a context that is already done; a timeout so large that
    /// `now + timeout` does not fit an `Instant` means no deadline.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use gochan::context::{Context, Error};
    /// let (ctx, _cancel) = Context::background().with_timeout(Duration::from_millis(5));
    /// assert_eq!(ctx.done().recv_blocking(), None);
    /// assert_eq!(ctx.err(), Some(Error::DeadlineExceeded));
    /// assert!(ctx.to_string().starts_with("context.Background.WithDeadline("));
    /// ```
    #[must_use = "dropping the CancelFunc cancels the context at once"]
    pub fn with_timeout(&self, timeout: Duration) -> (Context, CancelFunc) {
        match Instant::now().checked_add(timeout) {
            Some(d) => self.with_deadline(d),
            None => self.with_cancel(),
        }
    }

    /// [`with_deadline_cause`](Context::with_deadline_cause)`(now + timeout, cause)`: Go's
    /// `WithTimeoutCause`.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use std::time::Duration;
    /// use gochan::context::{Cause, Context, Error};
    /// let why: Cause = Arc::new(std::fmt::Error);
    /// let (ctx, _cancel) = Context::background().with_timeout_cause(Duration::ZERO, why.clone());
    /// assert_eq!(ctx.err(), Some(Error::DeadlineExceeded));
    /// assert!(Arc::ptr_eq(&ctx.cause().unwrap(), &why));
    /// ```
    #[must_use = "dropping the CancelFunc cancels the context at once"]
    pub fn with_timeout_cause(&self, timeout: Duration, cause: Cause) -> (Context, CancelFunc) {
        match Instant::now().checked_add(timeout) {
            Some(d) => self.with_deadline_cause(d, cause),
            None => self.with_cancel(),
        }
    }

    /// A child that keeps this context's values but is never cancelled and has no deadline,
    /// even if this context is already done: Go's `WithoutCancel` (C11).
    ///
    /// # Examples
    ///
    /// ```
    /// use gochan::context::Context;
    /// let (ctx, cancel) = Context::background().with_value(7u8).with_cancel();
    /// drop(cancel); // cancels
    /// let detached = ctx.without_cancel();
    /// assert_eq!(detached.err(), None);
    /// assert!(detached.cause().is_none());
    /// assert_eq!(detached.value::<u8>(), Some(&7));
    /// ```
    pub fn without_cancel(&self) -> Context {
        self.derive(Kind::WithoutCancel, None, None)
    }

    /// A child carrying `value`, found by [`Context::value`] with its type as the key: Go's
    /// `WithValue` (C10). The nearest binding of a type wins; cancellation and deadline are
    /// this context's.
    ///
    /// Use a newtype per key (`struct RequestId(u64)`), as Go code uses an unexported key
    /// type, so that unrelated packages cannot collide.
    ///
    /// # Examples
    ///
    /// ```
    /// use gochan::context::Context;
    /// #[derive(Debug, PartialEq)]
    /// struct User(&'static str);
    /// let ctx = Context::background().with_value(User("ann"));
    /// let inner = ctx.with_value(User("bob")).with_value(3u32);
    /// assert_eq!(inner.value::<User>(), Some(&User("bob")));
    /// assert_eq!(ctx.value::<User>(), Some(&User("ann")));
    /// assert_eq!(ctx.value::<u32>(), None);
    /// ```
    pub fn with_value<V: Send + Sync + 'static>(&self, value: V) -> Context {
        self.derive(
            Kind::Value {
                value: Box::new(value),
                type_name: std::any::type_name::<V>(),
            },
            self.node().cloned(),
            self.deadline(),
        )
    }

    /// The value of type `V` bound nearest to this context, if any: Go's `ctx.Value(key)`.
    /// Values cross every kind of context (cancel, deadline, without-cancel).
    ///
    /// # Examples
    ///
    /// ```
    /// use gochan::context::Context;
    /// let (ctx, _cancel) = Context::background().with_value("trace-42").with_cancel();
    /// assert_eq!(ctx.without_cancel().value::<&str>(), Some(&"trace-42"));
    /// ```
    pub fn value<V: 'static>(&self) -> Option<&V> {
        let mut cur = self;
        while let Some(l) = cur.layer() {
            if let Kind::Value { value, .. } = &l.kind {
                if let Some(v) = value.downcast_ref::<V>() {
                    return Some(v);
                }
            }
            cur = &l.parent;
        }
        None
    }

    /// A receiver that is closed when this context is cancelled: Go's `ctx.Done()`.
    ///
    /// Every call returns a handle on the same channel; use it in `select!` as
    /// `recv(ctx.done()) -> _ => ...`, or wait with `.recv().await` / `.recv_blocking()`,
    /// which return `None` once the context is cancelled. For a context that can never be
    /// cancelled ([`Context::background`], [`Context::without_cancel`]) it is
    /// [`never`](crate::never)`()`, which never fires and allocates nothing. The channel is
    /// created on the first call.
    ///
    /// # Examples
    ///
    /// ```
    /// use gochan::context::Context;
    /// let (ctx, cancel) = Context::background().with_cancel();
    /// let done = ctx.done();
    /// assert!(done.try_recv().is_err() && !done.is_closed());
    /// cancel.cancel();
    /// assert!(done.is_closed());
    /// assert!(ctx.done().same_channel(&done));
    /// ```
    pub fn done(&self) -> Receiver<()> {
        match self.node() {
            Some(n) => n.done(),
            None => crate::time::never(),
        }
    }

    /// `None` while the context is live; once it is cancelled, why, forever: Go's
    /// `ctx.Err()`. Takes no lock.
    ///
    /// # Examples
    ///
    /// ```
    /// use gochan::context::{Context, Error};
    /// let (ctx, cancel) = Context::background().with_cancel();
    /// assert_eq!(ctx.err(), None);
    /// drop(cancel);
    /// assert_eq!(ctx.err(), Some(Error::Canceled));
    /// ```
    pub fn err(&self) -> Option<Error> {
        self.node().and_then(|n| n.err())
    }

    /// `None` while the context is live; once it is cancelled, the cause given with the
    /// first cancellation that reached it, or its error if none was given: Go's
    /// `context.Cause` (C7, C14).
    ///
    /// # Examples
    ///
    /// ```
    /// use gochan::context::{Context, Error};
    /// let (ctx, cancel) = Context::background().with_cancel();
    /// assert!(ctx.cause().is_none());
    /// cancel.cancel();
    /// let cause = ctx.cause().unwrap();
    /// assert_eq!(cause.downcast_ref::<Error>(), Some(&Error::Canceled));
    /// ```
    pub fn cause(&self) -> Option<Cause> {
        let Reason { err, cause } = self.node()?.reason()?;
        Some(cause.unwrap_or_else(|| err.as_cause()))
    }

    /// The instant by which work on behalf of this context should stop, if any: Go's
    /// `ctx.Deadline()`. The nearest (earliest) deadline of the context and its ancestors.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use gochan::context::Context;
    /// let d = Instant::now() + Duration::from_secs(60);
    /// let (ctx, _c1) = Context::background().with_deadline(d);
    /// let (later, _c2) = ctx.with_deadline(d + Duration::from_secs(60));
    /// assert_eq!(later.deadline(), Some(d)); // deadlines only shrink
    /// ```
    pub fn deadline(&self) -> Option<Instant> {
        self.layer().and_then(|l| l.deadline)
    }

    /// Runs `f` on a thread of its own, once, after this context is cancelled: Go's
    /// `context.AfterFunc` (C12).
    ///
    /// If the context is already cancelled, `f` starts at once. Cancelling never waits for
    /// `f`. [`AfterFunc::stop`] unregisters it. The registration counts as a child of the
    /// context until it runs or is stopped. On a context that can never be cancelled nothing
    /// is registered and `f` never runs.
    ///
    /// `f` may own a clone of the context; the context then lives until it is cancelled or
    /// the registration is stopped.
    ///
    /// # Examples
    ///
    /// ```
    /// use gochan::context::Context;
    /// let (ctx, cancel) = Context::background().with_cancel();
    /// let (tx, rx) = gochan::bounded(1);
    /// let _stop = ctx.after_func(move || tx.send_blocking("cleaned up").unwrap());
    /// cancel.cancel();
    /// assert_eq!(rx.recv_blocking(), Some("cleaned up"));
    /// ```
    pub fn after_func(&self, f: impl FnOnce() + Send + 'static) -> AfterFunc {
        let reg = match self.node() {
            None => Reg::Never(AtomicBool::new(false)),
            Some(n) => match n.register(Box::new(f)) {
                Some(key) => Reg::Pending {
                    node: n.clone(),
                    key,
                },
                None => Reg::Started,
            },
        };
        AfterFunc { reg }
    }

    /// The number of children and `after_func` registrations in the child set of this
    /// context's nearest cancellable context (0 for one that can never be cancelled). For
    /// tests of "a child leaves its parent's set".
    #[doc(hidden)]
    pub fn child_count(&self) -> usize {
        self.node().map_or(0, |n| n.child_count())
    }
}

impl fmt::Display for Context {
    /// Go's `String()`: the chain of constructors from the root, for example
    /// `context.Background.WithValue(u32).WithCancel`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut chain = Vec::new();
        let mut cur = self;
        while let Some(l) = cur.layer() {
            chain.push(l);
            cur = &l.parent;
        }
        f.write_str(match cur.repr {
            Repr::Todo => "context.TODO",
            _ => "context.Background",
        })?;
        for l in chain.into_iter().rev() {
            match &l.kind {
                Kind::Cancel => f.write_str(".WithCancel")?,
                Kind::Deadline(d) => {
                    let left = d.saturating_duration_since(Instant::now());
                    write!(f, ".WithDeadline({d:?} [{left:?}])")?
                }
                Kind::Value { type_name, .. } => write!(f, ".WithValue({type_name})")?,
                Kind::WithoutCancel => f.write_str(".WithoutCancel")?,
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Context {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("chain", &format_args!("{self}"))
            .field("err", &self.err())
            .finish()
    }
}

/// Cancels its context: Go's `CancelFunc`, returned by [`Context::with_cancel`],
/// [`Context::with_deadline`] and [`Context::with_timeout`].
///
/// Dropping it cancels (Go's `defer cancel()`). To let someone else cancel, move it to them
/// (it is `Send + Sync`; share it behind an `Arc` if several may cancel); to never cancel,
/// [`disarm`](CancelFunc::disarm) it.
///
/// # Examples
///
/// ```
/// use gochan::context::{Context, Error};
/// let (ctx, cancel) = Context::background().with_cancel();
/// std::thread::spawn(move || cancel.cancel()).join().unwrap();
/// assert_eq!(ctx.err(), Some(Error::Canceled));
/// ```
pub struct CancelFunc {
    /// `None` once disarmed.
    node: Option<Arc<Node>>,
}

impl CancelFunc {
    /// Cancels the context and its descendants with [`Error::Canceled`], stops its timer and
    /// removes it from its parent. Idempotent: after the first cancellation (by any route)
    /// nothing changes. When it returns, the context and every descendant are cancelled and
    /// their `done()` closed (also while another thread is cancelling part of the tree). It
    /// does not wait for `after_func` functions.
    ///
    /// # Examples
    ///
    /// ```
    /// use gochan::context::Context;
    /// let (ctx, cancel) = Context::background().with_cancel();
    /// cancel.cancel();
    /// cancel.cancel();
    /// assert!(ctx.err().is_some());
    /// ```
    pub fn cancel(&self) {
        if let Some(n) = &self.node {
            Node::cancel(n, Error::Canceled, None);
        }
    }

    /// Gives up the right to cancel: drops this function without cancelling. The context
    /// then ends only when its parent is cancelled or its deadline passes (like a Go context
    /// whose `cancel` is never called). If every handle of the context is dropped too, it
    /// leaves its parent's child set.
    ///
    /// # Examples
    ///
    /// ```
    /// use gochan::context::Context;
    /// let (parent, cancel_parent) = Context::background().with_cancel();
    /// let (child, cancel_child) = parent.with_cancel();
    /// cancel_child.disarm();
    /// assert_eq!(child.err(), None);
    /// cancel_parent.cancel();
    /// assert!(child.err().is_some());
    /// ```
    pub fn disarm(mut self) {
        self.node = None;
    }
}

impl Drop for CancelFunc {
    fn drop(&mut self) {
        self.cancel();
    }
}

impl fmt::Debug for CancelFunc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelFunc")
            .field("armed", &self.node.is_some())
            .finish()
    }
}

/// Cancels its context with a cause: Go's `CancelCauseFunc`, returned by
/// [`Context::with_cancel_cause`].
///
/// Dropping it cancels with no cause (the cause is then `Canceled`); see [`CancelFunc`] for
/// handing it elsewhere and [`CancelCauseFunc::disarm`].
///
/// # Examples
///
/// ```
/// use gochan::context::{Context, Error};
/// let (ctx, cancel) = Context::background().with_cancel_cause();
/// drop(cancel);
/// assert_eq!(ctx.cause().unwrap().downcast_ref::<Error>(), Some(&Error::Canceled));
/// ```
pub struct CancelCauseFunc {
    /// `None` once disarmed.
    node: Option<Arc<Node>>,
}

impl CancelCauseFunc {
    /// Cancels the context and its descendants with [`Error::Canceled`] and `cause` (`None`
    /// records `Canceled` as the cause). Idempotent: the first cancellation's error and cause
    /// stay (C6.3). Synchronous as [`CancelFunc::cancel`].
    ///
    /// # Examples
    ///
    /// ```
    /// use std::sync::Arc;
    /// use gochan::context::{Cause, Context};
    /// let (ctx, cancel) = Context::background().with_cancel_cause();
    /// let first: Cause = Arc::new(std::fmt::Error);
    /// cancel.cancel(Some(first.clone()));
    /// cancel.cancel(Some(Arc::new(std::io::Error::other("late"))));
    /// assert!(Arc::ptr_eq(&ctx.cause().unwrap(), &first));
    /// ```
    pub fn cancel(&self, cause: Option<Cause>) {
        if let Some(n) = &self.node {
            Node::cancel(n, Error::Canceled, cause);
        }
    }

    /// Drops this function without cancelling; see [`CancelFunc::disarm`].
    ///
    /// # Examples
    ///
    /// ```
    /// use gochan::context::Context;
    /// let (ctx, cancel) = Context::background().with_cancel_cause();
    /// cancel.disarm();
    /// assert_eq!(ctx.err(), None);
    /// ```
    pub fn disarm(mut self) {
        self.node = None;
    }
}

impl Drop for CancelCauseFunc {
    fn drop(&mut self) {
        self.cancel(None);
    }
}

impl fmt::Debug for CancelCauseFunc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CancelCauseFunc")
            .field("armed", &self.node.is_some())
            .finish()
    }
}

/// The registration made by [`Context::after_func`]: Go's `stop` function.
///
/// Dropping it keeps the registration (as discarding `stop` does in Go).
///
/// # Examples
///
/// ```
/// use gochan::context::Context;
/// let (ctx, cancel) = Context::background().with_cancel();
/// let reg = ctx.after_func(|| unreachable!("stopped before the cancel"));
/// assert_eq!(ctx.child_count(), 1);
/// assert!(reg.stop());
/// assert_eq!(ctx.child_count(), 0);
/// cancel.cancel();
/// assert!(!reg.stop());
/// ```
pub struct AfterFunc {
    reg: Reg,
}

enum Reg {
    /// The context can never be cancelled: the flag says whether `stop` was called.
    Never(AtomicBool),
    Pending {
        node: Arc<Node>,
        key: tree::Key,
    },
    /// The context was already cancelled at registration: the function was started.
    Started,
}

impl AfterFunc {
    /// Unregisters the function. Returns `true` iff this call prevented it from running;
    /// `false` if it has already been started or `stop` was already called (C12.3). Does not
    /// wait for a started function to finish.
    ///
    /// # Examples
    ///
    /// ```
    /// use gochan::context::Context;
    /// let bg = Context::background();
    /// let reg = bg.after_func(|| unreachable!());
    /// assert!(reg.stop()); // never-cancellable context: nothing was registered
    /// assert!(!reg.stop());
    /// ```
    pub fn stop(&self) -> bool {
        match &self.reg {
            // Relaxed: the flag orders nothing but itself; `swap` makes exactly one caller
            // see `false`.
            Reg::Never(stopped) => !stopped.swap(true, Ordering::Relaxed),
            Reg::Pending { node, key } => node.unregister(*key),
            Reg::Started => false,
        }
    }
}

impl fmt::Debug for AfterFunc {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("AfterFunc")
    }
}
