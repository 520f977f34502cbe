//! L1: waiter records, wait lists and the thread parker.
//!
//! A blocked `select` (over one case or many) owns one [`Record`]. It puts one [`Entry`] per
//! case on the wait list of that case's channel; the entries share the record. A peer that
//! finds an entry completes the operation *on behalf of* the waiter (Go's direct hand-off,
//! go-reference A6) after winning the record's claim, and then wakes it. A blocked plain
//! `recv` or `send` waits in a [`Plain`] waiter instead, which only its one channel
//! completes (`plain.rs`).
//!
//! A plain send or receive, which waits on one channel only, needs none of the claim
//! machinery: its waiter ([`Plain`], `plain.rs`) is completed under that channel's lock and
//! holds its slot and waker in cells. That file is the crate's only `unsafe` code; a
//! select's entries keep their slots in small mutexes, and the claim protocol of `record.rs`
//! says who may touch them and when.

pub(crate) mod list;
mod parker;
mod plain;
mod record;

pub(crate) use list::{Key, WaitList};
pub(crate) use parker::block_on;
pub(crate) use plain::{Link, Plain};
pub(crate) use record::{Entry, Owner, Record};
