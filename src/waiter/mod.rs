//! L1: waiter records, wait lists and the thread parker.
//!
//! A blocked operation (one `recv`, one `send`, or one `select` over many cases) owns one
//! [`Record`]. It puts one [`Entry`] per case on the wait list of that case's channel (a
//! plain send or receive keeps its record inside that one entry; a select's entries share
//! theirs). A peer that finds the entry completes the operation *on behalf of* the waiter
//! (Go's direct hand-off, go-reference A6) after winning the record's claim, and then wakes
//! it.
//!
//! The whole crate is written without `unsafe`: the hand-off slots are small mutexes, and the
//! claim protocol below says who may touch them and when.

pub(crate) mod list;
mod parker;
mod record;

pub(crate) use list::{Key, WaitList};
pub(crate) use parker::block_on;
pub(crate) use record::{Entry, Owner, Record};
