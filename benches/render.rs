//! Speed of the command-line renderer, end to end, through the real `murmur` binary:
//! - a batch: 20 whisper files of 60 s, mono, 48 kHz, 24-bit, with the Ear to Ear Whisper preset
//!   (reading, rendering, measuring and writing included), on one core (`taskset -c 0`,
//!   `--jobs 1`) and on every core (`--jobs` absent);
//! - a bed: `generate` of 10 minutes with three trigger layers (Wood Tap, Crinkle and Drops at
//!   their defaults) at 48 kHz into 24-bit WAV, on one core and on two.
//!
//! The real-time factor is the seconds of audio divided by the time per run (BENCHMARKS.md).
//! Without `taskset` (util-linux) the one-core cases are skipped.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};

const FILES: usize = 20;
const SECONDS: usize = 60;
const RATE: u32 = 48_000;

/// 20 different 60 s takes made from the whisper fixture: each loops the fixture from its own
/// offset, at its own level.
fn make_takes(dir: &Path) -> Vec<PathBuf> {
    let fixture = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/whisper-48k.wav");
    let voice: Vec<i32> = hound::WavReader::open(&fixture)
        .expect("the 48 kHz whisper fixture")
        .samples::<i16>()
        .map(|s| i32::from(s.expect("fixture samples")) << 8)
        .collect();
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: RATE,
        bits_per_sample: 24,
        sample_format: hound::SampleFormat::Int,
    };
    (0..FILES)
        .map(|k| {
            let path = dir.join(format!("take{k:02}.wav"));
            let mut writer = hound::WavWriter::create(&path, spec).expect("write a take");
            let offset = k * 7919;
            for n in 0..SECONDS * RATE as usize {
                let sample = voice[(n + offset) % voice.len()];
                writer
                    .write_sample(sample / (1 + k as i32 % 3))
                    .expect("write a take");
            }
            writer.finalize().expect("finish a take");
            path
        })
        .collect()
}

/// `murmur`, on the first core only when `one_core`.
fn murmur(one_core: bool) -> Command {
    if one_core {
        let mut command = Command::new("taskset");
        command.args(["-c", "0", env!("CARGO_BIN_EXE_murmur")]);
        command
    } else {
        Command::new(env!("CARGO_BIN_EXE_murmur"))
    }
}

fn has_taskset() -> bool {
    Command::new("taskset").arg("-V").output().is_ok()
}

fn render_batch(takes: &[PathBuf], out: &Path, jobs: Option<&str>) {
    let mut command = murmur(jobs == Some("1"));
    command
        .arg("render")
        .args(takes)
        .args(["--preset", "Ear to Ear Whisper", "--overwrite", "--out-dir"])
        .arg(out);
    if let Some(jobs) = jobs {
        command.args(["--jobs", jobs]);
    }
    let run = command.output().expect("run murmur");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

fn batch(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("murmur-bench-render-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("out")).expect("a bench folder");
    let takes = make_takes(&dir);
    let out = dir.join("out");

    let mut group = c.benchmark_group("render_20_files_60s_mono_48k");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(20));
    if has_taskset() {
        group.bench_function("one_core", |b| {
            b.iter(|| render_batch(&takes, &out, Some("1")))
        });
    }
    group.bench_function("all_cores", |b| b.iter(|| render_batch(&takes, &out, None)));
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

fn generate_bed(out: &Path, one_core: bool) {
    let run = murmur(one_core)
        .args(["generate", "--duration", "10m", "--overwrite"])
        .args(["--set", "t1on=on", "--set", "t2on=on", "--set", "t3on=on"])
        .arg(out)
        .output()
        .expect("run murmur");
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
}

fn bed(c: &mut Criterion) {
    let dir = std::env::temp_dir().join(format!("murmur-bench-bed-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("a bench folder");
    let out = dir.join("bed.wav");
    let mut group = c.benchmark_group("generate_10min_three_layers_48k_24bit");
    group.sample_size(10);
    group.warm_up_time(Duration::from_secs(1));
    group.measurement_time(Duration::from_secs(15));
    if has_taskset() {
        group.bench_function("one_core", |b| b.iter(|| generate_bed(&out, true)));
    }
    group.bench_function("two_cores", |b| b.iter(|| generate_bed(&out, false)));
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, batch, bed);
criterion_main!(benches);
