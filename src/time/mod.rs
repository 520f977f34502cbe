//! Go's `time` channels with Go 1.23 semantics, without a runtime: [`after`], [`tick`],
//! [`never`](fn@crate::never), [`Timer`], [`Ticker`] and [`sleep`].
//!
//! One timer thread, started on first use, serves the whole process. A timer channel computes
//! its value when it is received, so after [`Timer::stop`] or [`Timer::reset`] returns no stale
//! value can be received (D4.2, D5.2), and the value is the *scheduled* instant, not the
//! instant of delivery (D2.4). Timer channels can be used in any `select!` case.
//!
//! Timers never fire early. They are usually late by well under a millisecond; under load the
//! lateness has no bound.
#![forbid(unsafe_code)]

pub(crate) mod driver;
mod source;

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use crate::chan::Chan;
use crate::channel::{nil_receiver, receiver_of};
use crate::future::OwnedRecv;
use crate::sync::{downgrade, Arc};
use crate::Receiver;
use source::TimerSource;

#[doc(hidden)]
pub use driver::pending_timers;

/// `now + d`, or `None` ("never") when that overflows (D3: a huge duration never fires).
fn deadline_after(d: Duration) -> Option<Instant> {
    Instant::now().checked_add(d)
}

fn timer_chan(deadline: Option<Instant>, period: Option<Duration>) -> Arc<Chan<Instant>> {
    let chan = Arc::new(Chan::new(Some(0), true, None));
    chan.set_source(Box::new(TimerSource::new(
        downgrade(&chan),
        deadline,
        period,
    )));
    chan
}

/// A channel that delivers one value, the instant `d` after now: Go's `time.After`.
///
/// Nothing is scheduled on the timer thread until a receiver waits, and dropping the receiver
/// removes the timer (Go 1.23 collects unreferenced timers too, D2.3).
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// let start = Instant::now();
/// let at = gochan::after(Duration::from_millis(5)).recv_blocking().unwrap();
/// assert!(at >= start + Duration::from_millis(5));
/// ```
pub fn after(d: Duration) -> Receiver<Instant> {
    receiver_of(timer_chan(deadline_after(d), None))
}

/// A channel that delivers the instants `start + k·d`, dropping ticks a slow receiver missed:
/// Go's `time.Tick`. A zero `d` gives a channel that never delivers (Go returns nil, D8.5).
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let t = gochan::tick(Duration::from_millis(2));
/// let a = t.recv_blocking().unwrap();
/// let b = t.recv_blocking().unwrap();
/// assert!(b > a);
/// ```
pub fn tick(d: Duration) -> Receiver<Instant> {
    if d.is_zero() {
        return nil_receiver();
    }
    receiver_of(timer_chan(deadline_after(d), Some(d)))
}

/// A channel that never delivers and never closes: Go's nil channel, as a receiver.
///
/// It allocates nothing. In a `select!` its case never fires.
///
/// # Examples
///
/// ```
/// let rx = gochan::never::<i32>();
/// assert!(rx.try_recv().unwrap_err().is_empty());
/// ```
pub fn never<T>() -> Receiver<T> {
    nil_receiver()
}

/// A one-shot timer: Go's `time.Timer`, with Go 1.23 semantics.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use gochan::time::Timer;
/// let t = Timer::new(Duration::from_secs(3600));
/// assert!(t.stop(), "it was pending");
/// assert!(!t.stop(), "already stopped");
/// assert!(t.receiver().try_recv().is_err());
/// ```
#[derive(Debug)]
pub struct Timer {
    rx: Receiver<Instant>,
}

impl Timer {
    /// A timer that fires once, `d` from now.
    ///
    /// The value it delivers is the scheduled instant, not the instant of delivery (D2.4).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use gochan::time::Timer;
    /// let start = Instant::now();
    /// let t = Timer::new(Duration::from_millis(5));
    /// let fired = t.receiver().recv_blocking().unwrap();
    /// assert!(fired >= start + Duration::from_millis(5));
    /// assert!(start.elapsed() >= Duration::from_millis(5));
    /// ```
    pub fn new(d: Duration) -> Timer {
        Timer { rx: after(d) }
    }

    /// The channel on which the timer delivers (Go's `t.C`).
    ///
    /// It is never closed: a timer delivers one value per setting, then stays silent.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use gochan::time::Timer;
    /// let t = Timer::new(Duration::from_secs(3600));
    /// assert!(t.receiver().try_recv().unwrap_err().is_empty(), "not due yet");
    /// t.reset(Duration::from_millis(1));
    /// assert!(t.receiver().recv_blocking().is_some());
    /// // One-shot: no second value, and no close either.
    /// let err = t.receiver().recv_timeout(Duration::from_millis(10)).unwrap_err();
    /// assert!(err.is_timeout());
    /// ```
    pub fn receiver(&self) -> &Receiver<Instant> {
        &self.rx
    }

    fn chan(&self) -> &Chan<Instant> {
        self.rx.raw().expect("a timer has a channel")
    }

    /// Stops the timer. Returns `true` if this call stopped it before its value was
    /// received, `false` if it had been received or stopped already (D4). Afterwards no value
    /// can be received until [`reset`](Self::reset).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// use gochan::time::Timer;
    /// let t = Timer::new(Duration::from_millis(1));
    /// std::thread::sleep(Duration::from_millis(20)); // due, but nobody has received it
    /// assert!(t.stop(), "its value had not been received");
    /// // Go 1.23: no stale value survives the stop.
    /// let err = t.receiver().recv_timeout(Duration::from_millis(20)).unwrap_err();
    /// assert!(err.is_timeout());
    /// assert!(!t.stop(), "already stopped");
    /// ```
    pub fn stop(&self) -> bool {
        self.chan().control(None)
    }

    /// Re-arms the timer to fire `d` from now. Returns whether it was pending (D5). No value
    /// of the earlier setting can be received afterwards.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let t = gochan::time::Timer::new(Duration::from_millis(1));
    /// t.receiver().recv_blocking().unwrap();
    /// assert!(!t.reset(Duration::from_millis(1)), "the value had been received");
    /// assert!(t.receiver().recv_blocking().is_some());
    /// ```
    pub fn reset(&self, d: Duration) -> bool {
        match deadline_after(d) {
            Some(at) => self.chan().control(Some((at, None))),
            None => self.stop(),
        }
    }
}

/// A periodic timer: Go's `time.Ticker`, with Go 1.23 semantics.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// let t = gochan::time::Ticker::new(Duration::from_millis(1));
/// t.receiver().recv_blocking().unwrap();
/// t.stop();
/// assert!(t.receiver().recv_timeout(Duration::from_millis(20)).is_err());
/// ```
#[derive(Debug)]
pub struct Ticker {
    rx: Receiver<Instant>,
}

impl Ticker {
    /// A ticker delivering every `d`, starting `d` from now.
    ///
    /// # Panics
    ///
    /// If `d` is zero, as Go's `NewTicker` does (D8.1): a zero period is a bug, not a state.
    /// Use [`tick`] for a form that returns a silent channel instead.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// use gochan::time::Ticker;
    /// let start = Instant::now();
    /// let t = Ticker::new(Duration::from_millis(2));
    /// let a = t.receiver().recv_blocking().unwrap();
    /// let b = t.receiver().recv_blocking().unwrap();
    /// assert!(a >= start + Duration::from_millis(2));
    /// assert!(b >= a + Duration::from_millis(2), "ticks are a period apart at least");
    ///
    /// // A zero period panics.
    /// assert!(std::panic::catch_unwind(|| Ticker::new(Duration::ZERO)).is_err());
    /// ```
    pub fn new(d: Duration) -> Ticker {
        assert!(
            !d.is_zero(),
            "gochan::time::Ticker::new: the period must be positive"
        );
        Ticker {
            rx: receiver_of(timer_chan(deadline_after(d), Some(d))),
        }
    }

    /// The channel on which ticks arrive (Go's `t.C`).
    ///
    /// It is never closed, not even by [`stop`](Self::stop).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let t = gochan::time::Ticker::new(Duration::from_millis(1));
    /// let ticks: Vec<_> = t.receiver().iter().take(3).collect();
    /// assert!(ticks.windows(2).all(|w| w[1] > w[0]));
    /// assert!(!t.receiver().is_closed());
    /// ```
    pub fn receiver(&self) -> &Receiver<Instant> {
        &self.rx
    }

    fn chan(&self) -> &Chan<Instant> {
        self.rx.raw().expect("a ticker has a channel")
    }

    /// Stops the ticker: no tick can be received afterwards, stale ones included (D8.3).
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::Duration;
    /// let t = gochan::time::Ticker::new(Duration::from_millis(1));
    /// std::thread::sleep(Duration::from_millis(10)); // a tick is due, not yet received
    /// t.stop();
    /// let err = t.receiver().recv_timeout(Duration::from_millis(20)).unwrap_err();
    /// assert!(err.is_timeout());
    /// ```
    pub fn stop(&self) {
        self.chan().control(None);
    }

    /// Restarts the ticker with period `d`; the next tick comes `d` from now (D8.4).
    ///
    /// # Panics
    ///
    /// If `d` is zero, as Go's `Ticker.Reset` does.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::time::{Duration, Instant};
    /// let t = gochan::time::Ticker::new(Duration::from_secs(3600));
    /// t.stop();
    /// let before = Instant::now();
    /// t.reset(Duration::from_millis(2)); // restarts a stopped ticker, with the new period
    /// let a = t.receiver().recv_blocking().unwrap();
    /// let b = t.receiver().recv_blocking().unwrap();
    /// assert!(a >= before + Duration::from_millis(2));
    /// assert!(b >= a + Duration::from_millis(2));
    /// ```
    pub fn reset(&self, d: Duration) {
        assert!(
            !d.is_zero(),
            "gochan::time::Ticker::reset: the period must be positive"
        );
        match deadline_after(d) {
            Some(at) => self.chan().control(Some((at, Some(d)))),
            None => self.chan().control(None),
        };
    }
}

/// Waits for `d`: Go's `time.Sleep`, as a future that needs no runtime.
///
/// # Cancel safety
///
/// Dropping it cancels the timer; nothing else happens.
///
/// # Examples
///
/// ```
/// use std::time::{Duration, Instant};
/// let start = Instant::now();
/// futures::executor::block_on(gochan::time::sleep(Duration::from_millis(3)));
/// assert!(start.elapsed() >= Duration::from_millis(3));
/// ```
pub fn sleep(d: Duration) -> Sleep {
    let chan = timer_chan(deadline_after(d), None);
    Sleep {
        recv: OwnedRecv::owned(chan),
    }
}

/// The future returned by [`sleep`].
///
/// It resolves to `()` once `d` has passed; it needs no runtime, so any executor can drive it.
///
/// # Cancel safety
///
/// Dropping it cancels the timer; nothing else happens.
///
/// # Examples
///
/// ```
/// use std::future::Future;
/// use std::pin::Pin;
/// use std::task::Context;
/// use std::time::{Duration, Instant};
///
/// let waker = futures::task::noop_waker();
/// let mut cx = Context::from_waker(&waker);
/// let mut long = gochan::time::sleep(Duration::from_secs(3600));
/// assert!(Pin::new(&mut long).poll(&mut cx).is_pending());
/// drop(long); // cancels its timer
///
/// let start = Instant::now();
/// futures::executor::block_on(gochan::time::sleep(Duration::from_millis(5)));
/// assert!(start.elapsed() >= Duration::from_millis(5));
/// ```
#[must_use = "futures do nothing unless you `.await` or poll them"]
#[derive(Debug)]
pub struct Sleep {
    recv: OwnedRecv<Instant>,
}

impl Future for Sleep {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        Pin::new(&mut self.recv).poll(cx).map(|_| ())
    }
}
