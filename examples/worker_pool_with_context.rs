//! A worker pool whose workers stop when a context is cancelled, with a deadline per job.
//!
//! Workers (threads) share one jobs channel and report on a results channel. Each worker
//! waits with `select_blocking!` on the jobs channel and on `ctx.done()`, so cancelling the
//! pool's context stops every worker, even one that is idle. Each job runs under a child
//! context with its own timeout: a slow job fails alone with `DeadlineExceeded` while the
//! pool goes on, but cancelling the pool cancels the jobs in flight too (the context tree).
//!
//! Round 1 lets the pool finish the queue. Round 2 cancels the pool by hand after a few
//! results; round 3 gives the pool a deadline that passes with jobs still queued.
//!
//! Run it with `cargo run --example worker_pool_with_context`.

use std::thread;
use std::time::{Duration, Instant};

use gochan::context::{Context, Error};
use gochan::sync::WaitGroup;
use gochan::{after, select_blocking, unbounded, Receiver, Sender};

const WORKERS: usize = 4;
/// Every job gets at most this long.
const JOB_BUDGET: Duration = Duration::from_millis(40);

#[derive(Debug)]
struct Job {
    id: usize,
    /// How long the simulated work takes.
    work: Duration,
}

#[derive(Debug)]
struct Outcome {
    worker: usize,
    job: usize,
    result: Result<(), Error>,
}

/// Does the job's work unless its context ends first.
fn run_job(ctx: &Context, job: &Job) -> Result<(), Error> {
    let (job_ctx, _cancel) = ctx.with_timeout(JOB_BUDGET); // dropping _cancel frees the timer
    select_blocking! {
        recv(after(job.work)) -> _ => Ok(()),
        recv(job_ctx.done()) -> _ => Err(job_ctx.err().expect("done means cancelled")),
    }
}

fn worker(id: usize, ctx: Context, jobs: Receiver<Job>, results: Sender<Outcome>, wg: WaitGroup) {
    thread::spawn(move || {
        loop {
            // `biased;` tries the cases in order: once the pool is cancelled, no worker takes
            // another job, even with jobs ready. (Go picks at random; it needs a second
            // select or an `if ctx.Err() != nil` check for this.)
            select_blocking! {
                biased;
                recv(ctx.done()) -> _ => break, // the pool was cancelled
                recv(jobs) -> job => match job {
                    None => break, // no more jobs: the queue was closed and drained
                    Some(job) => {
                        let result = run_job(&ctx, &job);
                        // A result of a cancelled pool is still reported: nobody drops it.
                        let _ = results.send_blocking(Outcome { worker: id, job: job.id, result });
                    }
                },
            }
        }
        wg.done();
    });
}

/// Starts a pool on `ctx`, queues `n` jobs and returns the results channel, the jobs left in
/// the queue (to count what was never started) and the group of workers.
fn start_pool(ctx: &Context, n: usize) -> (Receiver<Outcome>, Receiver<Job>, WaitGroup) {
    let (jobs_tx, jobs_rx) = unbounded();
    for id in 0..n {
        // Every fifth job is too slow for its budget.
        let ms = if id % 5 == 4 {
            80
        } else {
            10 + (id as u64 * 7) % 20
        };
        jobs_tx
            .try_send(Job {
                id,
                work: Duration::from_millis(ms),
            })
            .expect("unbounded");
    }
    drop(jobs_tx); // close the queue: workers stop once it is drained
    let (results_tx, results_rx) = unbounded();
    let wg = WaitGroup::new();
    for w in 0..WORKERS {
        wg.add(1);
        worker(
            w,
            ctx.clone(),
            jobs_rx.clone(),
            results_tx.clone(),
            wg.clone(),
        );
    }
    (results_rx, jobs_rx, wg)
}

fn report(
    round: &str,
    taken: Vec<Outcome>,
    results: &Receiver<Outcome>,
    left: &Receiver<Job>,
    start: Instant,
) {
    let (mut ok, mut slow, mut cancelled) = (0, 0, 0);
    for o in taken.into_iter().chain(results.try_iter()) {
        match o.result {
            Ok(()) => ok += 1,
            Err(Error::DeadlineExceeded) => slow += 1,
            Err(Error::Canceled) => cancelled += 1,
        }
        if o.result.is_err() {
            println!("  job {:>2} on worker {}: {:?}", o.job, o.worker, o.result);
        }
    }
    println!(
        "{round}: {ok} done, {slow} past a deadline, {cancelled} cancelled, {} never started ({:.0} ms)",
        left.len(),
        start.elapsed().as_secs_f64() * 1000.0
    );
}

fn main() {
    println!("worker pool: {WORKERS} workers, a {JOB_BUDGET:?} budget per job");

    // Round 1: enough time for everything.
    let start = Instant::now();
    let (pool, cancel) = Context::background().with_cancel();
    let (results, left, wg) = start_pool(&pool, 12);
    wg.wait_blocking();
    report(
        "round 1 (run to the end)",
        Vec::new(),
        &results,
        &left,
        start,
    );
    assert_eq!(left.len(), 0);
    drop(cancel); // Go: defer cancel()

    // Round 2: cancel by hand after four results.
    let start = Instant::now();
    let (pool, cancel) = Context::background().with_cancel();
    let (results, left, wg) = start_pool(&pool, 200);
    let mut early = Vec::new();
    while early.len() < 4 {
        early.push(results.recv_blocking().expect("the workers are running"));
    }
    println!("  main: 4 results in, cancelling the pool");
    cancel.cancel();
    wg.wait_blocking(); // returns promptly: idle and busy workers alike see ctx.done()
    assert_eq!(pool.err(), Some(Error::Canceled));
    report("round 2 (cancelled by main)", early, &results, &left, start);
    assert!(!left.is_empty(), "cancelled with work still queued");

    // Round 3: a deadline for the whole pool.
    let start = Instant::now();
    let (pool, _cancel) = Context::background().with_timeout(Duration::from_millis(120));
    let (results, left, wg) = start_pool(&pool, 40);
    wg.wait_blocking();
    assert_eq!(pool.err(), Some(Error::DeadlineExceeded));
    report(
        "round 3 (pool deadline 120 ms)",
        Vec::new(),
        &results,
        &left,
        start,
    );

    println!("summary: the pool ran to the end, then stopped on a cancel and on a deadline");
}
