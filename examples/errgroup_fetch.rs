//! Fetching several URLs with an errgroup: Go's `golang.org/x/sync/errgroup` examples.
//!
//! The fetches are simulated (a sleep per URL, no network). `gochan::group::Group` does not
//! spawn: `wait` polls the fetch futures itself, on whatever runs it, so the same code runs
//! here on `futures::executor::block_on`, then on a plain thread with `wait_blocking`, then
//! inside a tokio runtime.
//!
//! Part 1 ("just errors"): five fetches, at most three at a time (`set_limit`), all succeed.
//! Part 2 (`with_context`): one server fails fast; the first error cancels the group's
//! context, the slower fetches see it and stop, and `wait` returns that first error.
//!
//! Run it with `cargo run --example errgroup_fetch`.

use std::fmt;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gochan::context::{self, Context};
use gochan::group::Group;
use gochan::{after, select};

#[derive(Debug, Clone, PartialEq)]
enum FetchError {
    /// The server answered with an error status.
    Status(&'static str, u16),
    /// The fetch gave up because the group's context was cancelled.
    Canceled(&'static str, context::Error),
}

impl fmt::Display for FetchError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FetchError::Status(url, code) => write!(f, "{url}: HTTP {code}"),
            FetchError::Canceled(url, e) => write!(f, "{url}: {e}"),
        }
    }
}

/// Waits `d`, or less if `ctx` is cancelled first: Go's
/// `select { case <-time.After(d): case <-ctx.Done(): return ctx.Err() }`.
async fn sleep_ctx(ctx: &Context, d: Duration) -> Result<(), context::Error> {
    select! {
        recv(after(d)) -> _ => Ok(()),
        recv(ctx.done()) -> _ => Err(ctx.err().expect("done means cancelled")),
    }
}

/// A simulated fetch: `latency` of waiting, then the page or an error status.
async fn fetch(
    ctx: Context,
    url: &'static str,
    latency: Duration,
    status: u16,
) -> Result<String, FetchError> {
    sleep_ctx(&ctx, latency)
        .await
        .map_err(|e| FetchError::Canceled(url, e))?;
    if status != 200 {
        return Err(FetchError::Status(url, status));
    }
    Ok(format!("<html>{url}</html>"))
}

const SITES: [(&str, u64, u16); 5] = [
    ("https://example.com/", 40, 200),
    ("https://example.org/", 60, 200),
    ("https://example.net/", 30, 200),
    ("https://example.edu/", 50, 200),
    ("https://example.info/", 20, 200),
];

/// Part 1: every page, at most `limit` fetches at once. Returns the pages and the peak.
fn fetch_all(limit: usize) -> (Result<(), FetchError>, Vec<String>, usize) {
    let pages = Arc::new(Mutex::new(Vec::new()));
    let (active, peak) = (Arc::new(AtomicUsize::new(0)), Arc::new(AtomicUsize::new(0)));
    let mut g = Group::new();
    g.set_limit(limit);
    for (url, ms, status) in SITES {
        let (pages, active, peak) = (pages.clone(), active.clone(), peak.clone());
        g.go(async move {
            let now = active.fetch_add(1, Ordering::SeqCst) + 1;
            peak.fetch_max(now, Ordering::SeqCst);
            let page = fetch(
                Context::background(),
                url,
                Duration::from_millis(ms),
                status,
            )
            .await;
            active.fetch_sub(1, Ordering::SeqCst);
            pages.lock().unwrap().push(page?);
            Ok(())
        });
    }
    let result = g.wait_blocking(); // on this thread, no runtime
    let pages = std::mem::take(&mut *pages.lock().unwrap());
    (result, pages, peak.load(Ordering::SeqCst))
}

/// Part 2: one server fails after 30 ms; the others would take up to 2 s.
async fn search(parent: &Context) -> (Result<(), FetchError>, Vec<String>) {
    let log = Arc::new(Mutex::new(Vec::new()));
    let (mut g, ctx) = Group::with_context(parent);
    let backends = [
        ("https://images.example/", 2000, 200),
        ("https://video.example/", 30, 503), // fails fast
        ("https://web.example/", 1500, 200),
        ("https://news.example/", 10, 200),
    ];
    for (url, ms, status) in backends {
        let (ctx, log) = (ctx.clone(), log.clone());
        g.go(async move {
            let start = Instant::now();
            let r = fetch(ctx, url, Duration::from_millis(ms), status).await;
            let line = match &r {
                Ok(_) => format!("{url} ok in {:.0} ms", ms_since(start)),
                Err(e) => format!("{e} (after {:.0} ms)", ms_since(start)),
            };
            log.lock().unwrap().push(line);
            r.map(drop)
        });
    }
    let result = g.wait().await;
    assert!(ctx.err().is_some(), "the group's context ends with wait");
    let log = std::mem::take(&mut *log.lock().unwrap());
    (result, log)
}

fn ms_since(start: Instant) -> f64 {
    start.elapsed().as_secs_f64() * 1000.0
}

fn main() {
    println!("errgroup: simulated fetches, the group drives them itself");

    println!("part 1: fetch {} pages, at most 3 at a time", SITES.len());
    let start = Instant::now();
    let (result, pages, peak) = fetch_all(3);
    for page in &pages {
        println!("  got {page}");
    }
    println!(
        "  wait: {result:?}; {} pages in {:.0} ms, at most {peak} at once",
        pages.len(),
        ms_since(start)
    );
    assert_eq!(result, Ok(()));
    assert_eq!(pages.len(), SITES.len());
    assert!(peak <= 3);

    println!("part 2: search 4 backends with a group context (futures::executor)");
    let start = Instant::now();
    let (result, log) = futures::executor::block_on(search(&Context::background()));
    for line in &log {
        println!("  {line}");
    }
    let took = start.elapsed();
    println!(
        "  wait: {}",
        result
            .as_ref()
            .map_or_else(|e| e.to_string(), |_| "ok".into())
    );
    assert_eq!(
        result,
        Err(FetchError::Status("https://video.example/", 503))
    );
    assert!(
        took < Duration::from_secs(1),
        "the slow fetches were cancelled"
    );
    println!(
        "  the group returned after {:.0} ms, not 2000",
        took.as_secs_f64() * 1000.0
    );

    println!("part 3: the same search inside a tokio runtime");
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .build()
        .expect("a tokio runtime");
    let (result, log) = rt.block_on(search(&Context::background()));
    assert_eq!(log.len(), 4);
    println!(
        "  wait: {}",
        result
            .as_ref()
            .map_or_else(|e| e.to_string(), |_| "ok".into())
    );
    assert!(result.is_err());

    println!("summary: 5 pages fetched 3 at a time; a failing backend cancelled its siblings, on two executors");
}
