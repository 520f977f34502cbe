//! Runs every program in `examples/`, so that none of them can rot.
//!
//! The examples are built once with `cargo build --examples`, then each one is run with
//! `cargo run --example NAME`, one at a time (several of them measure time, and running them
//! side by side would only add noise). Each must exit with status 0 within [`RUN_LIMIT`] and
//! print something. `every_example_has_a_test` fails when a file in `examples/` has no test
//! here, so a new example cannot be forgotten.

use std::io::Read;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Mutex, OnceLock};
use std::thread;
use std::time::{Duration, Instant};

/// How long one example may run (they all end within a few seconds).
const RUN_LIMIT: Duration = Duration::from_secs(60);
/// How long building every example may take, from cold.
const BUILD_LIMIT: Duration = Duration::from_secs(900);

const MANIFEST_DIR: &str = env!("CARGO_MANIFEST_DIR");

/// Serializes the runs, and holds the result of the one build.
static RUNS: Mutex<()> = Mutex::new(());
static BUILT: OnceLock<Result<(), String>> = OnceLock::new();

struct Output {
    status: Option<i32>,
    stdout: String,
    stderr: String,
}

/// Runs `cargo ARGS` in the package directory; `Err` if it outlives `limit` (it is killed).
fn cargo(args: &[&str], limit: Duration) -> Result<Output, String> {
    let mut child = Command::new(env!("CARGO"))
        .args(args)
        .current_dir(MANIFEST_DIR)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start cargo {args:?}: {e}"))?;
    // Read both pipes while the child runs, so a chatty child never blocks on a full pipe.
    let drain = |mut pipe: Box<dyn Read + Send>| {
        thread::spawn(move || {
            let mut s = String::new();
            let _ = pipe.read_to_string(&mut s);
            s
        })
    };
    let out = drain(Box::new(child.stdout.take().expect("piped")));
    let err = drain(Box::new(child.stderr.take().expect("piped")));
    let deadline = Instant::now() + limit;
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if Instant::now() < deadline => thread::sleep(Duration::from_millis(20)),
            Ok(None) => {
                let _ = child.kill();
                let _ = child.wait();
                let stdout = out.join().unwrap_or_default();
                return Err(format!(
                    "cargo {args:?} did not finish within {limit:?}; its output so far:\n{stdout}"
                ));
            }
            Err(e) => return Err(format!("cannot wait for cargo {args:?}: {e}")),
        }
    };
    Ok(Output {
        status: status.code(),
        stdout: out.join().unwrap_or_default(),
        stderr: err.join().unwrap_or_default(),
    })
}

fn build_examples() -> Result<(), String> {
    let o = cargo(&["build", "--examples", "--quiet"], BUILD_LIMIT)?;
    if o.status == Some(0) {
        Ok(())
    } else {
        Err(format!(
            "cargo build --examples failed ({:?}):\n{}",
            o.status, o.stderr
        ))
    }
}

fn run_example(name: &str, args: &[&str]) {
    let _one_at_a_time = RUNS.lock().unwrap_or_else(|e| e.into_inner());
    if let Err(e) = BUILT.get_or_init(build_examples) {
        panic!("{e}");
    }
    let mut all = vec!["run", "--quiet", "--example", name, "--"];
    all.extend_from_slice(args);
    let o = cargo(&all, RUN_LIMIT).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(
        o.status,
        Some(0),
        "example {name} failed\n--- stdout\n{}\n--- stderr\n{}",
        o.stdout,
        o.stderr
    );
    assert!(
        !o.stdout.trim().is_empty(),
        "example {name} printed nothing\n--- stderr\n{}",
        o.stderr
    );
}

macro_rules! examples {
    ($($name:ident),* $(,)?) => {
        const TESTED: &[&str] = &[$(stringify!($name)),*];
        $(
            #[test]
            fn $name() {
                run_example(stringify!($name), &[]);
            }
        )*
    };
}

examples!(
    async_pipeline,
    errgroup_fetch,
    fan_in_fan_out,
    or_done_tee,
    pipeline,
    prime_sieve,
    ticker_rate_limit,
    timeout_and_heartbeat,
    worker_pool_with_context,
);

/// The soak binary, for a few seconds only (its long runs are done by hand).
#[test]
fn soak() {
    run_example("soak", &["--seconds", "3"]);
}

/// Examples with a test of their own above.
const TESTED_WITH_ARGS: &[&str] = &["soak"];

#[test]
fn every_example_has_a_test() {
    let dir = Path::new(MANIFEST_DIR).join("examples");
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(&dir).expect("examples/ exists") {
        let path = entry.expect("a readable entry").path();
        if path.extension().is_some_and(|e| e == "rs") {
            let name = path.file_stem().unwrap().to_string_lossy().into_owned();
            if !TESTED.contains(&name.as_str()) && !TESTED_WITH_ARGS.contains(&name.as_str()) {
                missing.push(name);
            }
        }
    }
    assert!(
        missing.is_empty(),
        "add these examples to the list in tests/examples.rs: {missing:?}"
    );
}
