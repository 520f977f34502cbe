//! Memory held by a channel's buffer: an unbounded channel gives memory back after a drain,
//! and a bounded channel filled and drained in cycles does not reallocate on every cycle.
//! (The sizes themselves are measured by `benches/memory.rs`; nothing here is timed.)

mod common;

use common::alloc::{allocations, net_bytes, CountingAlloc};

#[global_allocator]
static ALLOC: CountingAlloc = CountingAlloc;

#[test]
fn an_unbounded_channel_gives_memory_back_after_a_drain() {
    let (tx, rx) = gochan::unbounded::<u64>();
    let base = net_bytes();
    for i in 0..100_000 {
        tx.try_send(i).unwrap();
    }
    let full = net_bytes() - base;
    assert!(
        full >= 100_000 * 8,
        "the buffer holds the messages ({full} bytes)"
    );
    for i in 0..100_000 {
        assert_eq!(rx.try_recv(), Ok(i));
    }
    let drained = net_bytes() - base;
    assert!(
        drained <= 32 * 1024,
        "after the drain the channel still holds {drained} bytes (full: {full})"
    );
}

#[test]
fn fill_and_drain_cycles_do_not_reallocate() {
    for (tx, rx) in [gochan::bounded::<u64>(100), gochan::unbounded::<u64>()] {
        let cycle = || {
            for i in 0..100 {
                tx.try_send(i).unwrap();
            }
            for i in 0..100 {
                assert_eq!(rx.try_recv(), Ok(i));
            }
        };
        cycle(); // the buffer grows to its working size once
        let before = allocations();
        for _ in 0..1_000 {
            cycle();
        }
        let made = allocations() - before;
        assert_eq!(
            made, 0,
            "1,000 fill-and-drain cycles allocated {made} times"
        );
    }
}
