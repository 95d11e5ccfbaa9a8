//! Batch speed of the command-line renderer, end to end: the real `murmur` binary renders 20
//! whisper files of 60 s, mono, 48 kHz, 24-bit, with the Ear to Ear Whisper preset (reading,
//! rendering and writing included), one file at a time (`--jobs 1`, the speed of one core) and
//! with every core (`--jobs` absent). The real-time factor is 1200 s of audio divided by the time
//! per batch (see BENCHMARKS.md).

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

fn render_batch(takes: &[PathBuf], out: &Path, jobs: Option<&str>) {
    let mut command = Command::new(env!("CARGO_BIN_EXE_murmur"));
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
    group.bench_function("one_core", |b| {
        b.iter(|| render_batch(&takes, &out, Some("1")))
    });
    group.bench_function("all_cores", |b| b.iter(|| render_batch(&takes, &out, None)));
    group.finish();
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, batch);
criterion_main!(benches);
