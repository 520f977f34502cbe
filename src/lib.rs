//! Go's concurrency for Rust, with Go's semantics.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod chan;
mod channel;
mod error;
mod future;
pub mod select;
mod stream;
mod sync;
pub mod time;
mod waiter;

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

/// Internals the loom models drive directly (built only with `--cfg loom`).
#[cfg(loom)]
#[doc(hidden)]
pub mod __loom {
    /// Plays the timer thread: delivers a due timer value to a waiting receiver.
    pub fn pump_timer(t: &crate::time::Timer) {
        t.receiver().raw().expect("a timer has a channel").pump();
    }
}
