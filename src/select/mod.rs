//! L4: Go's `select`: the [`select!`](crate::select!) and
//! [`select_blocking!`](crate::select_blocking!) macros, the run-time [`Select`] builder, and
//! the engine they share with every plain send and receive.

pub(crate) mod case;
pub(crate) mod engine;
mod rng;

pub use rng::seed;
