//! L4: Go's `select`: the [`select!`](crate::select!) and
//! [`select_blocking!`](crate::select_blocking!) macros, the run-time [`Select`] builder, and
//! the engine they share with every plain send and receive.

mod builder;
pub(crate) mod case;
pub(crate) mod engine;
pub(crate) mod future;
mod macros;
mod rng;

pub use builder::{Select, SelectBuilderFuture, SelectedOperation};
pub use future::SelectFuture;
pub use rng::seed;
