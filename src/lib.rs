//! Go's concurrency for Rust, with Go's semantics.
#![warn(missing_docs)]
#![forbid(unsafe_code)]

mod chan;
mod channel;
mod error;
mod future;
pub mod select;
mod sync;
mod waiter;

pub use channel::{bounded, unbounded, IntoIter, Iter, Receiver, Sender, TryIter};
pub use error::{RecvTimeoutError, SendError, SendTimeoutError, TryRecvError, TrySendError};
pub use future::{RecvFuture, SendFuture};
