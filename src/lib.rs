//! Go's concurrency for Rust, with Go's semantics: channels, `select`, timers and
//! `context`, for async code on any runtime and for plain threads.
//!
//! # Channels
//!
//! [`bounded`]`(n)` is Go's `make(chan T, n)`; [`bounded`]`(0)` is the unbuffered channel, where
//! a send completes only when a receiver has taken the message. [`unbounded`] never blocks a
//! sender. Both halves can be cloned: many senders and many receivers.
//!
//! ```
//! use gochan::bounded;
//!
//! let (tx, rx) = bounded(0);               // ch := make(chan int)
//! std::thread::spawn(move || {
//!     for i in 0..3 {
//!         tx.send_blocking(i).unwrap();    // ch <- i
//!     }
//! });                                      // the last sender dropped closes the channel
//! let got: Vec<i32> = rx.iter().collect(); // for v := range ch
//! assert_eq!(got, vec![0, 1, 2]);
//! ```
//!
//! Every operation has three forms: async (`send`, `recv`), blocking (`send_blocking`,
//! `recv_blocking`, with `_timeout` and `_deadline` variants) and non-blocking (`try_send`,
//! `try_recv`). The async futures need no particular runtime: tokio, smol, async-std or
//! `futures::executor` all drive them.
//!
//! Where Go panics, gochan returns a value: a send on a closed channel gives the message back
//! in `Err`, a second `close()` returns `false`, and a receive on a closed, drained channel
//! returns `None` (Go's `v, ok := <-ch` with `ok == false`).
//!
//! ```
//! # futures::executor::block_on(async {
//! let (tx, rx) = gochan::bounded(1);
//! tx.send("job").await.unwrap();
//! assert!(tx.close());
//! assert_eq!(rx.recv().await, Some("job")); // buffered messages survive close
//! assert_eq!(rx.recv().await, None);
//! assert_eq!(tx.send("late").await.unwrap_err().into_inner(), "late");
//! # });
//! ```
//!
//! # Select
//!
//! [`select!`] (async) and [`select_blocking!`] (threads) wait on several operations and run
//! exactly one, chosen uniformly at random among the ready ones, like Go's `select`. Send
//! cases work too, on unbuffered channels as well; a losing send never delivers its message.
//! Timeouts are ordinary cases over [`after`].
//!
//! ```
//! use std::time::Duration;
//! use gochan::{after, bounded, select_blocking};
//!
//! let (jobs_tx, jobs) = bounded::<u32>(0);
//! let (quit_tx, quit) = bounded::<()>(0);
//! std::thread::spawn(move || {
//!     jobs_tx.send_blocking(42).unwrap();
//!     drop(quit_tx); // closing quit wakes the select below
//!     drop(jobs_tx); // a closed channel is ready too: its receive yields None
//! });
//! let mut seen = Vec::new();
//! loop {
//!     select_blocking! {
//!         recv(jobs) -> job => match job {
//!             Some(j) => seen.push(j),
//!             None => break,
//!         },
//!         recv(quit) -> _ => break,
//!         recv(after(Duration::from_secs(10))) -> _ => panic!("timed out"),
//!     }
//! }
//! assert_eq!(seen, vec![42]);
//! ```
//!
//! Note that `break` in a case body leaves the enclosing loop: the body runs in the caller's
//! scope, which is also what lets it `return`, use `?` and (in `select!`) `.await`. For a set
//! of cases known only at run time, use [`Select`] (Go's `reflect.Select`).
//!
//! # Timers
//!
//! [`after`], [`tick`], [`never`](fn@crate::never), [`time::Timer`], [`time::Ticker`] and [`time::sleep`]
//! follow Go 1.23: no stale value after `stop` or `reset`, the value is the scheduled
//! instant, slow tickers drop ticks. One lazily started thread serves every timer.
//!
//! # Guarantees
//!
//! - A select commits exactly one case; the others have no effect.
//! - A select with `default`, and every `try_` operation, is linearizable: it reports "not
//!   ready" only if at one instant nothing was ready.
//! - Dropping a pending future never loses a message: a message already handed to a dropped
//!   receive goes to another receiver or back to the front of the channel.
//! - Blocked threads and tasks use no CPU (after a spin of about a microsecond and a few
//!   yields). Blocked waiters are served in arrival order; the one exception is a select
//!   that found a peer while registering: it starts its round again, and so queues anew.
//! - Happens-before as in Go's memory model: a capacity-1 channel works as a mutex.
//!
//! Each protocol is model-checked with loom (`loom-tests/`).
//!
//! # Coming from Go
//!
//! The migration guide, `docs/migrating-from-go.md` in the repository, has one table row, with
//! its own anchor, per Go construct, from `make(chan T)` to `errgroup`, with the gochan form
//! and what differs, then the Go patterns (pipelines, fan-in, worker pools, heartbeats, rate
//! limits) as programs in `examples/`.
#![warn(missing_docs)]
// `unsafe` is denied everywhere but in the waiter of plain operations (`waiter/plain.rs`).
#![deny(unsafe_code)]

mod chan;
mod channel;
pub mod context;
mod error;
mod future;
pub mod group;
pub mod select;
mod stream;
pub mod sync;
pub mod time;
mod waiter;
mod waitgroup;

pub use channel::{bounded, unbounded, IntoIter, Iter, Receiver, Sender, TryIter};
pub use error::{RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError};
pub use future::{RecvFuture, SendFuture};
pub use select::{Select, SelectedOperation};
pub use time::{after, never, tick};

/// Items the macros expand to; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use crate::select::case::Case;
    pub use crate::select::engine::Outcome;
    pub use crate::select::future::{select_blocking, RecvArg, SelectFuture, SendArg};
}

/// Internals the loom models drive directly (built only with `--cfg loom`; also with
/// `--cfg shuttle`, where the timer thread cannot pump either).
#[cfg(any(loom, shuttle))]
#[doc(hidden)]
pub mod __loom {
    /// Plays the timer thread: delivers a due timer value to a waiting receiver.
    pub fn pump_timer(t: &crate::time::Timer) {
        t.receiver().raw().expect("a timer has a channel").pump();
    }
}
