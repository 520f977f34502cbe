//! Sanity tests of the linearizability checker itself (`src/lincheck.rs`), without loom: it
//! must reject hand-made histories that no interleaving explains, accept ones that some
//! interleaving does, and accept every sequential run of the fixed scenarios. They use real
//! threads, so they run in the normal test suite and are compiled out under `--cfg loom`.
#![cfg(not(loom))]

use gochan_loom_tests::lincheck::{
    check, run_sequential, scenarios, Case, Chans, Final, History, Init, Op, Recorder, Res, Step,
    A, B,
};

fn open() -> [Init; 2] {
    [Init::default(), Init::default()]
}

fn end(a: &[u8], a_closed: bool, b: &[u8], b_closed: bool) -> Option<[Final; 2]> {
    Some([
        Final {
            buf: a.to_vec(),
            closed: a_closed,
        },
        Final {
            buf: b.to_vec(),
            closed: b_closed,
        },
    ])
}

/// Store buffering: each thread sends on one channel, then finds the other empty. Some send
/// must come first in any order, and the other thread's receive comes after it.
#[test]
fn rejects_store_buffering_both_empty() {
    let h = History {
        threads: vec![
            vec![(Op::TrySend(A, 1), Res::Sent), (Op::TryRecv(B), Res::Empty)],
            vec![(Op::TrySend(B, 2), Res::Sent), (Op::TryRecv(A), Res::Empty)],
        ],
        end: end(&[1], false, &[2], false),
    };
    for cap in [Some(1), None] {
        let err = check(cap, &open(), &h).expect_err("store buffering must be rejected");
        println!("{err}");
    }
    // Without the end state it is still rejected: the results alone are contradictory.
    let h = History { end: None, ..h };
    assert!(check(Some(1), &open(), &h).is_err());
}

/// The same shape with one receive succeeding is fine.
#[test]
fn accepts_store_buffering_one_sees() {
    let h = History {
        threads: vec![
            vec![
                (Op::TrySend(A, 1), Res::Sent),
                (Op::TryRecv(B), Res::Got(2)),
            ],
            vec![(Op::TrySend(B, 2), Res::Sent), (Op::TryRecv(A), Res::Empty)],
        ],
        end: end(&[1], false, &[], false),
    };
    // The only order: thread 1 sends on B and finds A empty, then thread 0 sends on A and
    // receives from B.
    let steps = check(Some(1), &open(), &h).expect("linearizable");
    assert_eq!(
        steps,
        vec![Step::One(1), Step::One(1), Step::One(0), Step::One(0)]
    );
}

/// A9.1 (TestNonblockRecvRace): a value buffered before a concurrent close is received;
/// "closed" first would lose it.
#[test]
fn rejects_lost_value_at_close() {
    let init = [
        Init {
            buf: vec![1],
            closed: false,
        },
        Init::default(),
    ];
    let h = History {
        threads: vec![
            vec![(Op::Close(A), Res::Closed(true))],
            vec![(Op::TryRecv(A), Res::RecvClosed)],
        ],
        end: end(&[], true, &[], false),
    };
    assert!(check(Some(1), &init, &h).is_err());
    // The end state alone also betrays it: the value must still be there.
    let h = History {
        threads: vec![vec![(Op::Close(A), Res::Closed(true))], vec![]],
        end: end(&[], true, &[], false),
    };
    assert!(check(Some(1), &init, &h).is_err());
}

/// G4: a select with `default` may not take `default` when a case was ready throughout.
#[test]
fn rejects_false_default() {
    let init = [
        Init {
            buf: vec![1],
            closed: false,
        },
        Init {
            buf: vec![],
            closed: true,
        },
    ];
    let h = History {
        threads: vec![vec![(
            Op::Select(Case::Recv(A), Case::Recv(B)),
            Res::Default,
        )]],
        end: end(&[1], false, &[], true),
    };
    assert!(check(Some(1), &init, &h).is_err());
    // The other thread drained A meanwhile; B is closed, so still no `default`.
    let h = History {
        threads: vec![
            vec![(Op::Select(Case::Recv(A), Case::Recv(B)), Res::Default)],
            vec![(Op::TryRecv(A), Res::Got(1))],
        ],
        end: end(&[], false, &[], true),
    };
    assert!(check(Some(1), &init, &h).is_err());
}

/// Two closes cannot both report that they closed the channel (A8.1); a message cannot be
/// received twice.
#[test]
fn rejects_double_close_and_duplicate() {
    let h = History {
        threads: vec![
            vec![(Op::Close(A), Res::Closed(true))],
            vec![(Op::Close(A), Res::Closed(true))],
        ],
        end: end(&[], true, &[], false),
    };
    assert!(check(None, &open(), &h).is_err());
    let h = History {
        threads: vec![
            vec![
                (Op::TrySend(A, 1), Res::Sent),
                (Op::TryRecv(A), Res::Got(1)),
            ],
            vec![(Op::TryRecv(A), Res::Got(1))],
        ],
        end: end(&[], false, &[], false),
    };
    assert!(check(None, &open(), &h).is_err());
}

/// FIFO (G1): one thread's two sends cannot be received out of order by another.
#[test]
fn rejects_fifo_violation() {
    let h = History {
        threads: vec![
            vec![
                (Op::TrySend(A, 1), Res::Sent),
                (Op::TrySend(A, 2), Res::Sent),
            ],
            vec![(Op::TryRecv(A), Res::Got(2)), (Op::TryRecv(A), Res::Got(1))],
        ],
        end: end(&[], false, &[], false),
    };
    assert!(check(None, &open(), &h).is_err());
}

/// On an unbuffered channel a `try_send` and a `try_recv` never meet (neither waits), but a
/// select with `default` may meet a peer during its registration: a rendezvous step.
#[test]
fn rendezvous_needs_a_select() {
    let plain = History {
        threads: vec![
            vec![(Op::TrySend(A, 1), Res::Sent)],
            vec![(Op::TryRecv(A), Res::Got(1))],
        ],
        end: end(&[], false, &[], false),
    };
    assert!(check(Some(0), &open(), &plain).is_err());
    let with_select = History {
        threads: vec![
            vec![(Op::TrySend(A, 1), Res::Sent)],
            vec![(
                Op::Select(Case::Recv(A), Case::Recv(B)),
                Res::SelRecv(0, Some(1)),
            )],
        ],
        end: end(&[], false, &[], false),
    };
    let steps = check(Some(0), &open(), &with_select).expect("a rendezvous");
    assert_eq!(steps, vec![Step::Pair(0, 1)]);
    // Not on a buffered channel, where the send simply comes first; and not on a closed one.
    assert_eq!(
        check(Some(1), &open(), &with_select).unwrap(),
        vec![Step::One(0), Step::One(1)]
    );
    let closed = [
        Init {
            buf: vec![],
            closed: true,
        },
        Init::default(),
    ];
    assert!(check(Some(0), &closed, &with_select).is_err());
}

/// Every sequential run of every scenario, on every flavor, is accepted, and a run through
/// the recorder on real channels gives the same history (with the same select seed).
#[test]
fn accepts_sequential_runs_of_scenarios() {
    for cap in [Some(0), Some(1), None] {
        for s in scenarios() {
            gochan::select::seed(7);
            let h = run_sequential(cap, &s);
            check(cap, &s.init, &h).unwrap_or_else(|e| panic!("{} (cap {cap:?}): {e}", s.name));
            gochan::select::seed(7);
            let chans = Chans::new(cap, &s.init);
            let mut recs: Vec<Recorder> = s.threads.iter().map(|_| Recorder::new()).collect();
            for (t, ops) in s.threads.iter().enumerate() {
                for &op in ops {
                    recs[t].run(&chans, op);
                }
            }
            let again: Vec<_> = recs.into_iter().map(Recorder::into_ops).collect();
            assert_eq!(again, h.threads, "{}", s.name);
        }
    }
}

/// The scenarios on real OS threads, many times: every history must be accepted. (The loom
/// run explores the interleavings; this only adds real hardware.)
#[test]
fn scenarios_on_os_threads() {
    let rounds = if cfg!(miri) { 2 } else { 300 };
    for cap in [Some(0), Some(1), None] {
        for s in scenarios() {
            for _ in 0..rounds {
                let chans = Chans::new(cap, &s.init);
                let handles: Vec<_> = s
                    .threads
                    .iter()
                    .cloned()
                    .map(|ops| {
                        let chans = chans.clone();
                        std::thread::spawn(move || {
                            let mut rec = Recorder::new();
                            for op in ops {
                                rec.run(&chans, op);
                            }
                            rec.into_ops()
                        })
                    })
                    .collect();
                let threads = handles.into_iter().map(|h| h.join().unwrap()).collect();
                let h = History {
                    threads,
                    end: Some(chans.observe_end()),
                };
                check(cap, &s.init, &h).unwrap_or_else(|e| panic!("{} (cap {cap:?}): {e}", s.name));
            }
        }
    }
}
