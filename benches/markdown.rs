//! Markdown load check (`scripts/check-markdown-load`, or
//! `cargo bench --features ssr --bench markdown`), release build, in-process only:
//!
//! 1. each of `markdown::worst_accepted_inputs()` through `markdown::render` (goal: under 100 ms
//!    per request), and the payloads, which the bounds refuse;
//! 2. while clients render the worst accepted input over and over through
//!    `markdown::render_off_thread` (tokio's blocking pool), how late a 1 ms timer on the async
//!    runtime fires: the delay a `/healthz` request would see (goal: p99 under 10 ms).
//!
//! Runs in about 15 seconds.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use nanos_store::markdown::{self, MarkdownError};

const RENDER_GOAL: Duration = Duration::from_millis(100);
const LATENCY_GOAL: Duration = Duration::from_millis(10);
/// Clients rendering at once during the latency check.
const CLIENTS: usize = 16;
const LOAD_SECONDS: u64 = 6;

fn main() {
    println!("Markdown render time, release build, median and slowest of 15 runs (goal: under {RENDER_GOAL:?} each)");
    let inputs = markdown::worst_accepted_inputs();
    let mut worst = (Duration::ZERO, String::new());
    for (name, source) in &inputs {
        let mut samples = Vec::new();
        for _ in 0..15 {
            let started = Instant::now();
            let rendered = markdown::render(source);
            samples.push(started.elapsed());
            assert!(rendered.is_ok(), "{name} is refused: {rendered:?}");
        }
        samples.sort();
        let (median, slowest) = (samples[samples.len() / 2], samples[samples.len() - 1]);
        if median > worst.0 {
            worst = (median, source.clone());
        }
        println!(
            "  {name:42} {:6} bytes  median {:>10.2?}  slowest {:>10.2?}  {}",
            source.len(),
            median,
            slowest,
            verdict(slowest < RENDER_GOAL)
        );
    }

    println!("\nThe issue's payloads, refused before parsing (goal: under {RENDER_GOAL:?})");
    for (name, source) in [
        ("\"> \" x 20,000", "> ".repeat(20_000)),
        ("\"> \" x 40,000", "> ".repeat(40_000)),
        ("\"1. \" x 20,000", "1. ".repeat(20_000)),
        ("\"- \" x 20,000 then x", "- ".repeat(20_000) + "x"),
        ("\"> \" x 200,000", "> ".repeat(200_000)),
        ("1.5 MB", "Some words. ".repeat(125_000)),
    ] {
        let started = Instant::now();
        let refused = markdown::render(&source);
        let took = started.elapsed();
        let refusal = match refused {
            Err(e @ (MarkdownError::TooDeep { .. } | MarkdownError::TooLong { .. })) => e.code(),
            other => panic!("{name} was not refused: {other:?}"),
        };
        println!(
            "  {name:42} {:7} bytes  {refusal:18} in {took:>10.2?}  {}",
            source.len(),
            verdict(took < RENDER_GOAL)
        );
    }

    runtime_latency_under_load(worst.1);
}

fn verdict(ok: bool) -> &'static str {
    if ok {
        "ok"
    } else {
        "OVER GOAL"
    }
}

fn runtime_latency_under_load(source: String) {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .expect("tokio runtime");
    runtime.block_on(async move {
        let idle = timer_delays(Duration::from_secs(2), None).await;
        let stop = Arc::new(AtomicBool::new(false));
        let rendered = Arc::new(AtomicUsize::new(0));
        let timed_out = Arc::new(AtomicUsize::new(0));
        let mut clients = Vec::new();
        for _ in 0..CLIENTS {
            let (source, stop) = (source.clone(), stop.clone());
            let (rendered, timed_out) = (rendered.clone(), timed_out.clone());
            clients.push(tokio::spawn(async move {
                while !stop.load(Ordering::Relaxed) {
                    match markdown::render_off_thread(source.clone()).await {
                        Ok(_) => rendered.fetch_add(1, Ordering::Relaxed),
                        Err(MarkdownError::TimedOut) => timed_out.fetch_add(1, Ordering::Relaxed),
                        Err(e) => panic!("the worst accepted input failed: {e:?}"),
                    };
                }
            }));
        }
        let loaded = timer_delays(Duration::from_secs(LOAD_SECONDS), Some(&rendered)).await;
        stop.store(true, Ordering::Relaxed);
        for client in clients {
            client.await.expect("client");
        }
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        println!(
            "\nAsync runtime latency: how late a 1 ms timer fires (goal: p99 under {LATENCY_GOAL:?}), {cores} cores"
        );
        print_delays("idle", &idle);
        print_delays(
            &format!("{CLIENTS} clients rendering the worst input"),
            &loaded,
        );
        let renders = rendered.load(Ordering::Relaxed);
        println!(
            "  renders during the load: {renders} ({:.1}/s), {} answered 'took too long' (429)",
            renders as f64 / LOAD_SECONDS as f64,
            timed_out.load(Ordering::Relaxed)
        );
    });
}

/// How late each of a stream of 1 ms sleeps wakes up, for `duration`; with `started`, only once a
/// render has finished (so the load is running).
async fn timer_delays(duration: Duration, started: Option<&AtomicUsize>) -> Vec<Duration> {
    if let Some(renders) = started {
        while renders.load(Ordering::Relaxed) == 0 {
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
    }
    let end = Instant::now() + duration;
    let mut delays = Vec::new();
    while Instant::now() < end {
        let started = Instant::now();
        tokio::time::sleep(Duration::from_millis(1)).await;
        delays.push(started.elapsed().saturating_sub(Duration::from_millis(1)));
    }
    delays
}

fn print_delays(label: &str, delays: &[Duration]) {
    let mut sorted = delays.to_vec();
    sorted.sort();
    let at = |q: f64| sorted[((sorted.len() - 1) as f64 * q) as usize];
    println!(
        "  {label:42} p50 {:>9.2?}  p99 {:>9.2?}  max {:>9.2?}  ({} samples)  {}",
        at(0.5),
        at(0.99),
        at(1.0),
        sorted.len(),
        verdict(at(0.99) < LATENCY_GOAL)
    );
}
