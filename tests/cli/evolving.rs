//! Animate and Wind-down from the command line, measured on the files as a listener gets them:
//! an animated hour that `murmur check` finds nothing in, and a 30-minute wind-down on every
//! factory preset that only ever falls (EBU R128 loudness of 30 s windows, stepped by 10 s,
//! measured by the `ebur128` crate on the file hound reads back), darkens, and ends in silence.

use std::path::{Path, PathBuf};

use ebur128::{EbuR128, Mode};
use murmur::presets;
use testkit::cli::{murmur, temp_dir, text};

/// Windows of the wind-down's loudness curve, and their step, seconds.
const WINDOW_S: usize = 30;
const STEP_S: usize = 10;
/// BS.1770-4's absolute gate, LUFS: blocks under it count as silence.
const ABSOLUTE_GATE_LUFS: f64 = -70.0;

fn generate(dir: &Path, name: &str, args: &[&str]) -> PathBuf {
    let out = dir.join(name);
    let mut all = vec!["generate", "--seed", "5", "--overwrite"];
    all.extend_from_slice(args);
    all.push(out.to_str().unwrap());
    let run = murmur(&all);
    assert!(
        run.status.success(),
        "murmur {all:?} failed: {}{}",
        text(&run.stdout),
        text(&run.stderr)
    );
    out
}

/// `murmur check --strict` finds nothing in `path`.
fn check_finds_nothing(path: &Path) {
    let run = murmur(&["check", "--strict", path.to_str().unwrap()]);
    assert!(
        run.status.success(),
        "check found something in {path:?}: {}{}",
        text(&run.stdout),
        text(&run.stderr)
    );
}

/// The file's stereo samples, as floats.
fn read(path: &Path) -> (Vec<f32>, u32) {
    let mut reader = hound::WavReader::open(path).unwrap();
    let spec = reader.spec();
    assert_eq!(spec.sample_format, hound::SampleFormat::Int);
    assert_eq!(spec.channels, 2, "a stereo render");
    let full = (1i64 << (spec.bits_per_sample - 1)) as f32;
    let samples = reader
        .samples::<i32>()
        .map(|s| s.unwrap() as f32 / full)
        .collect();
    (samples, spec.sample_rate)
}

#[test]
fn an_animated_hour_wakes_nobody() {
    let dir = temp_dir("animated-hour");
    for preset in ["Rain on the Window", "Scratch & Tap"] {
        let file = generate(
            &dir,
            "hour.wav",
            &[
                "--preset",
                preset,
                "--set",
                "anim=100%",
                "--duration",
                "60m",
            ],
        );
        check_finds_nothing(&file);
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The loudness of every 30 s window, stepped by 10 s, LUFS.
fn window_loudness(samples: &[f32], rate: u32) -> Vec<f64> {
    let mut meter = EbuR128::new(2, rate, Mode::I).unwrap();
    meter.set_max_window((WINDOW_S * 1000) as u32).unwrap();
    let step = STEP_S * rate as usize * 2;
    let mut curve = Vec::new();
    for (i, chunk) in samples.chunks(step).enumerate() {
        meter.add_frames_f32(chunk).unwrap();
        if (i + 1) * STEP_S >= WINDOW_S && chunk.len() == step {
            curve.push(meter.loudness_window((WINDOW_S * 1000) as u32).unwrap());
        }
    }
    curve
}

/// Spectral centroid of the mono sum of `samples` (a few seconds), Hz.
fn centroid(samples: &[f32], rate: u32) -> f64 {
    let mono: Vec<f32> = samples.chunks(2).map(|f| f[0] + f[1]).collect();
    let (power, bin_hz) = signals::measure::power_spectrum(&mono, rate as f32);
    signals::measure::centroid(&power, bin_hz)
}

/// A 30-minute ramp from 0 to 100 % on every factory preset: the loudness of 30 s windows
/// never rises by more than 1 LU (into any window above BS.1770's −70 LUFS gate), the sound
/// darkens, the last 10 s are silent, and `check`
/// finds nothing (the last sparse taps of Tapping Around the Head, 30 LU under its integrated
/// loudness, are below what `check` counts as a startle).
#[test]
fn a_wind_down_ramp_falls_asleep_on_every_preset() {
    let dir = temp_dir("wind-down");
    let ramp = dir.join("ramp.txt");
    std::fs::write(&ramp, "0:00 wind=0%\n30:00 wind=100%\n").unwrap();
    let ramp = ramp.to_str().unwrap().to_owned();
    for preset in presets::factory() {
        let file = generate(
            &dir,
            "wind.wav",
            &[
                "--preset",
                preset.name,
                "--automation",
                &ramp,
                "--duration",
                "30m",
                "--fade-in",
                "0",
                "--fade-out",
                "0",
            ],
        );
        check_finds_nothing(&file);
        let (samples, rate) = read(&file);
        let curve = window_loudness(&samples, rate);
        let audible: Vec<&f64> = curve.iter().filter(|l| l.is_finite()).collect();
        if audible.is_empty() {
            println!(
                "{}: silent throughout (a voice preset, no input)",
                preset.name
            );
            continue;
        }
        // Rises into windows under −70 LUFS, BS.1770's absolute gate (what its loudness counts
        // as silence), are a few taps in the dark: reported, not held to the 1 LU.
        let rises = |floor: f64| {
            curve
                .windows(2)
                .filter(|w| w[0].is_finite() && w[1] >= floor)
                .map(|w| w[1] - w[0])
                .fold(f64::NEG_INFINITY, f64::max)
        };
        let worst_rise = rises(ABSOLUTE_GATE_LUFS);
        let worst_rise_under_gate = rises(f64::NEG_INFINITY);
        let frames = samples.len() / 2;
        let last_10s = &samples[2 * (frames - 10 * rate as usize)..];
        let mut meter = EbuR128::new(2, rate, Mode::I).unwrap();
        meter.add_frames_f32(last_10s).unwrap();
        let last = meter.loudness_global().unwrap();
        let minute = 60 * rate as usize * 2;
        let early = centroid(&samples[minute..minute + 10 * rate as usize * 2], rate);
        let late = centroid(
            &samples[20 * minute..20 * minute + 10 * rate as usize * 2],
            rate,
        );
        let quarters: Vec<String> = (0..4)
            .map(|q| format!("{:.1}", curve[(q * curve.len() / 4).min(curve.len() - 1)]))
            .collect();
        println!(
            "{}: windows from {} LUFS by quarters; worst rise {worst_rise:+.2} LU \
             ({worst_rise_under_gate:+.2} with the windows under the gate); last 10 s \
             {last:.1} LUFS; centroid {early:.0} Hz at 1 min, {late:.0} Hz at 20 min",
            preset.name,
            quarters.join(", ")
        );
        assert!(
            worst_rise <= 1.0,
            "{}: a window rose by {worst_rise} LU",
            preset.name
        );
        assert!(
            last < -70.0,
            "{}: the last 10 s at {last} LUFS",
            preset.name
        );
        assert!(
            late < early,
            "{}: centroid {early} Hz → {late} Hz",
            preset.name
        );
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
