//! Context operations: gochan next to tokio-util's `CancellationToken`, side by side in one
//! run.
//!
//! Each cell is nanoseconds per operation, the median of `GOCHAN_BENCH_RUNS` (default 5) runs
//! of `GOCHAN_BENCH_OPS` (default 200 000) operations, on one thread; the tree cells time only
//! the cancel of a tree built beforehand (nanoseconds per node, and milliseconds per tree).
//! tokio-util has no deadlines, so the timeout row has no peer. Output is markdown on stdout.
//!
//! ```sh
//! cargo bench --bench context
//! GOCHAN_BENCH_RUNS=3 GOCHAN_BENCH_OPS=50000 cargo bench --bench context
//! ```

use std::hint::black_box;
use std::time::{Duration, Instant};

use gochan::context::Context;
use tokio_util::sync::CancellationToken;

fn env(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// The median of `runs` measurements of `f`, each returning (elapsed, operations).
fn median(runs: usize, mut f: impl FnMut() -> (Duration, usize)) -> f64 {
    let mut v: Vec<f64> = (0..runs)
        .map(|_| {
            let (d, n) = f();
            d.as_nanos() as f64 / n as f64
        })
        .collect();
    v.sort_by(|a, b| a.partial_cmp(b).unwrap());
    v[v.len() / 2]
}

fn timed(ops: usize, mut op: impl FnMut()) -> (Duration, usize) {
    let start = Instant::now();
    for _ in 0..ops {
        op();
    }
    (start.elapsed(), ops)
}

const FANOUT: usize = 316; // 1 + 316 + 316² = 100 173 nodes

fn gochan_tree() -> (
    Context,
    gochan::context::CancelFunc,
    Vec<Context>,
    Vec<gochan::context::CancelFunc>,
) {
    let (root, cancel) = Context::background().with_cancel();
    let mut keep = Vec::with_capacity(FANOUT * (FANOUT + 1));
    let mut funcs = Vec::with_capacity(FANOUT * (FANOUT + 1));
    for _ in 0..FANOUT {
        let (c, f) = root.with_cancel();
        for _ in 0..FANOUT {
            let (g, gf) = c.with_cancel();
            keep.push(g);
            funcs.push(gf);
        }
        keep.push(c);
        funcs.push(f);
    }
    (root, cancel, keep, funcs)
}

fn tokio_tree() -> (CancellationToken, Vec<CancellationToken>) {
    let root = CancellationToken::new();
    let mut keep = Vec::with_capacity(FANOUT * (FANOUT + 1));
    for _ in 0..FANOUT {
        let c = root.child_token();
        for _ in 0..FANOUT {
            keep.push(c.child_token());
        }
        keep.push(c);
    }
    (root, keep)
}

fn chain_len() -> usize {
    100_000
}

fn main() {
    let runs = env("GOCHAN_BENCH_RUNS", 5);
    let ops = env("GOCHAN_BENCH_OPS", 200_000);
    let mut rows: Vec<(&str, f64, Option<f64>, &str)> = Vec::new();

    let (parent, _pc) = Context::background().with_cancel();
    let tparent = CancellationToken::new();

    eprintln!("root + cancel");
    let g = median(runs, || {
        timed(ops, || {
            let (c, f) = Context::background().with_cancel();
            f.cancel();
            black_box(c);
        })
    });
    let t = median(runs, || {
        timed(ops, || {
            let c = CancellationToken::new();
            c.cancel();
            black_box(c);
        })
    });
    rows.push((
        "`background().with_cancel()` + cancel / `new()` + cancel",
        g,
        Some(t),
        "ns/op",
    ));

    eprintln!("child + cancel");
    let g = median(runs, || {
        timed(ops, || {
            let (c, f) = parent.with_cancel();
            f.cancel();
            black_box(c);
        })
    });
    let t = median(runs, || {
        timed(ops, || {
            let c = tparent.child_token();
            c.cancel();
            black_box(c);
        })
    });
    rows.push((
        "child `with_cancel()` + cancel / `child_token()` + cancel",
        g,
        Some(t),
        "ns/op",
    ));

    eprintln!("child of a child + cancel");
    let g = median(runs, || {
        timed(ops, || {
            let (c, f) = parent.with_cancel();
            let (gc, gf) = c.with_cancel();
            f.cancel();
            black_box((gc, gf));
        })
    });
    let t = median(runs, || {
        timed(ops, || {
            let c = tparent.child_token();
            let gc = c.child_token();
            c.cancel();
            black_box(gc);
        })
    });
    rows.push(("child of a child, outer cancelled", g, Some(t), "ns/op"));

    eprintln!("child dropped uncancelled");
    let g = median(runs, || {
        timed(ops, || {
            let (c, f) = parent.with_cancel();
            f.disarm();
            black_box(c);
        })
    });
    let t = median(runs, || {
        timed(ops, || {
            black_box(tparent.child_token());
        })
    });
    rows.push((
        "child created and dropped without cancel",
        g,
        Some(t),
        "ns/op",
    ));

    eprintln!("with_timeout(1h) + cancel");
    let g = median(runs, || {
        timed(ops, || {
            let (c, f) = parent.with_timeout(Duration::from_secs(3600));
            f.cancel();
            black_box(c);
        })
    });
    rows.push((
        "child `with_timeout(1h)` + cancel (timer armed and removed)",
        g,
        None,
        "ns/op",
    ));

    eprintln!("done() + cancel + recv");
    let g = median(runs, || {
        timed(ops, || {
            let (c, f) = parent.with_cancel();
            let d = c.done();
            f.cancel();
            black_box(d.try_recv().is_err());
        })
    });
    let t = median(runs, || {
        timed(ops, || {
            let c = tparent.child_token();
            let fut = c.cancelled();
            c.cancel();
            futures::executor::block_on(fut);
        })
    });
    rows.push((
        "child, `done()`, cancel, observe / `cancelled()` awaited",
        g,
        Some(t),
        "ns/op",
    ));

    eprintln!("cancel of a 100k-node tree");
    let tree_runs = runs;
    let mut g_ms = Vec::new();
    let g = median(tree_runs, || {
        let (root, cancel, keep, funcs) = gochan_tree();
        let n = keep.len() + 1;
        let start = Instant::now();
        cancel.cancel();
        let d = start.elapsed();
        g_ms.push(d.as_secs_f64() * 1e3);
        drop((root, keep, funcs));
        (d, n)
    });
    let mut t_ms = Vec::new();
    let t = median(tree_runs, || {
        let (root, keep) = tokio_tree();
        let n = keep.len() + 1;
        let start = Instant::now();
        root.cancel();
        let d = start.elapsed();
        t_ms.push(d.as_secs_f64() * 1e3);
        drop(keep);
        (d, n)
    });
    rows.push((
        "cancel of a 100 173-node tree (root, 316 × 316)",
        g,
        Some(t),
        "ns/node",
    ));

    eprintln!("cancel of a 100k-deep chain");
    let g = median(tree_runs, || {
        let (root, cancel) = Context::background().with_cancel();
        let mut keep = Vec::with_capacity(chain_len());
        let mut funcs = Vec::with_capacity(chain_len());
        let mut cur = root.clone();
        for _ in 0..chain_len() {
            let (c, f) = cur.with_cancel();
            keep.push(c.clone());
            funcs.push(f);
            cur = c;
        }
        let start = Instant::now();
        cancel.cancel();
        let d = start.elapsed();
        drop((keep, funcs, cur));
        (d, chain_len())
    });
    let t = median(tree_runs, || {
        let root = CancellationToken::new();
        let mut keep = Vec::with_capacity(chain_len());
        let mut cur = root.clone();
        for _ in 0..chain_len() {
            let c = cur.child_token();
            keep.push(c.clone());
            cur = c;
        }
        let start = Instant::now();
        root.cancel();
        let d = start.elapsed();
        drop((keep, cur));
        (d, chain_len())
    });
    rows.push(("cancel of a 100 000-deep chain", g, Some(t), "ns/node"));

    println!("| operation | gochan | tokio-util | gochan / tokio-util |");
    println!("|---|---:|---:|---:|");
    for (name, g, t, unit) in rows {
        match t {
            Some(t) => println!("| {name} | {g:.0} {unit} | {t:.0} {unit} | {:.2} |", g / t),
            None => println!("| {name} | {g:.0} {unit} | n/a | n/a |"),
        }
    }
    g_ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    t_ms.sort_by(|a, b| a.partial_cmp(b).unwrap());
    println!();
    println!(
        "Tree cancel, median wall time: gochan {:.2} ms, tokio-util {:.2} ms ({runs} runs, {ops} ops per cell elsewhere).",
        g_ms[g_ms.len() / 2],
        t_ms[t_ms.len() / 2]
    );
}
