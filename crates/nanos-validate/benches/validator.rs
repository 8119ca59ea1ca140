//! Validator benchmarks (`cargo bench -p nanos-validate --bench validator`):
//!
//! 1. metadata-mode validation of a 50,000-entry archive (goal: under 100 ms);
//! 2. full-mode throughput on a 500 MiB archive, side by side with `unzip -tq` on the same file
//!    (goal: faster than `unzip -tq`).
//!
//! The archives are generated into a temporary directory on each run. `NANOS_BENCH_FULL_MIB`
//! changes the size of the second archive.

use std::io::Write;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use nanos_validate::source::{block_on, FileSource};
use nanos_validate::{validate, Mode, Options};

const MANIFEST: &str =
    "[meta]\ntitle = \"Bench\"\nauthor = \"bench\"\nversion = \"1.0.0\"\n[script]\n";

fn main() {
    let dir = tempfile::tempdir().expect("temp dir");
    metadata_mode(dir.path());
    let mib: u64 = std::env::var("NANOS_BENCH_FULL_MIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(500);
    full_mode(dir.path(), mib);
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn metadata_mode(dir: &Path) {
    let path = dir.join("many.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let options = zip::write::SimpleFileOptions::default();
    zip.start_file("Package.toml", options).unwrap();
    zip.write_all(MANIFEST.as_bytes()).unwrap();
    for i in 1..50_000 {
        zip.start_file(
            format!("Client/assets/{:03}/file-{i:05}.lua", i % 500),
            options,
        )
        .unwrap();
        zip.write_all(b"return {}").unwrap();
    }
    zip.finish().unwrap();
    let size = std::fs::metadata(&path).unwrap().len();

    let source = FileSource::open(&path).unwrap();
    let options = Options::default();
    let mut samples = Vec::new();
    for _ in 0..20 {
        let start = Instant::now();
        let report = block_on(validate(&source, &options)).unwrap();
        samples.push(start.elapsed());
        assert!(report.valid, "{:?}", report.diagnostics);
    }
    println!(
        "metadata mode, 50000 entries ({:.1} MiB archive): median {:.1} ms over {} runs (goal < 100 ms)",
        size as f64 / 1048576.0,
        median(samples.clone()).as_secs_f64() * 1000.0,
        samples.len()
    );
}

fn full_mode(dir: &Path, mib: u64) {
    let path = dir.join("big.zip");
    let mut zip = zip::ZipWriter::new(std::fs::File::create(&path).unwrap());
    let options = zip::write::SimpleFileOptions::default().compression_level(Some(6));
    zip.start_file("Package.toml", options).unwrap();
    zip.write_all(MANIFEST.as_bytes()).unwrap();
    // Files that compress about as well as game assets: half noise, half repeated structure.
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut chunk = vec![0u8; 1024 * 1024];
    for file in 0..mib {
        for (i, byte) in chunk.iter_mut().enumerate() {
            *byte = if (i / 64) % 2 == 0 {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            } else {
                b"Vector(0, 0, 0) Rotator(0, 90, 0) "[i % 34]
            };
        }
        zip.start_file(format!("Assets/blob-{file:04}.uasset"), options)
            .unwrap();
        zip.write_all(&chunk).unwrap();
    }
    zip.finish().unwrap();
    let size = std::fs::metadata(&path).unwrap().len();
    let unpacked = (mib * 1024 * 1024) as f64;

    let source = FileSource::open(&path).unwrap();
    let options = Options {
        mode: Mode::Full,
        ..Options::default()
    };
    let mut ours = Vec::new();
    let mut unzip = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        let report = block_on(validate(&source, &options)).unwrap();
        ours.push(start.elapsed());
        assert!(report.valid, "{:?}", report.diagnostics);

        let start = Instant::now();
        match Command::new("unzip").arg("-tq").arg(&path).output() {
            Ok(out) if out.status.success() => unzip.push(start.elapsed()),
            Ok(out) => panic!("unzip -tq failed: {}", String::from_utf8_lossy(&out.stdout)),
            Err(e) => {
                println!("unzip is not installed ({e}); install it to compare");
                break;
            }
        }
    }
    let ours = median(ours);
    println!(
        "full mode, {mib} MiB unpacked ({:.0} MiB archive): median {:.2} s, {:.0} MiB/s unpacked",
        size as f64 / 1048576.0,
        ours.as_secs_f64(),
        unpacked / 1048576.0 / ours.as_secs_f64()
    );
    if !unzip.is_empty() {
        let theirs = median(unzip);
        println!(
            "unzip -tq on the same file: median {:.2} s, {:.0} MiB/s unpacked; nanos-store is {:.2}x unzip's speed",
            theirs.as_secs_f64(),
            unpacked / 1048576.0 / theirs.as_secs_f64(),
            theirs.as_secs_f64() / ours.as_secs_f64()
        );
    }
}
