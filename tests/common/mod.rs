//! Shared helpers for the engine property tests: rendering through the real `Engine`, test
//! signals, and the measurements (band energies, interaural delay, click metric).
#![allow(dead_code)]

use murmur::engine::{Engine, InputChannels, Settings, Transport};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg32;
use realfft::RealFftPlanner;
use realfft::num_complex::Complex;

/// The sample rates every cue test runs at.
pub const RATES: [f32; 3] = [44_100.0, 48_000.0, 96_000.0];

/// Settings for measuring the renderer alone: static source, fully wet, no limiter, no bass
/// boost, unity gains.
pub fn measuring_settings(azimuth_deg: f32, elevation_deg: f32, distance_m: f32) -> Settings {
    Settings {
        azimuth_deg,
        elevation_deg,
        distance_m,
        calm_guard: false,
        proximity: 0.0,
        ..Settings::default()
    }
}

/// Seeded white noise, uniform in ±`amplitude`.
pub fn noise(len: usize, amplitude: f32, seed: u64) -> Vec<f32> {
    let mut rng = Pcg32::seed_from_u64(seed);
    (0..len)
        .map(|_| rng.random_range(-amplitude..=amplitude))
        .collect()
}

/// A sine at `freq` Hz.
pub fn sine(len: usize, freq: f32, amplitude: f32, fs: f32) -> Vec<f32> {
    (0..len)
        .map(|n| {
            amplitude
                * (2.0 * std::f64::consts::PI * freq as f64 * n as f64 / fs as f64).sin() as f32
        })
        .collect()
}

/// Renders `left`/`right` with constant settings in host blocks of `block` samples, with the
/// engine's latency compensated as a host does: the output is aligned with the input.
fn render(
    input: InputChannels,
    mut left: Vec<f32>,
    mut right: Vec<f32>,
    fs: f32,
    settings: &Settings,
    block: usize,
) -> (Vec<f32>, Vec<f32>) {
    let mut engine = Engine::new(fs, block).expect("engine");
    let latency = engine.latency(input);
    left.resize(left.len() + latency, 0.0);
    right.resize(right.len() + latency, 0.0);
    for (l, r) in left.chunks_mut(block).zip(right.chunks_mut(block)) {
        engine.process(input, l, r, settings, None);
    }
    (left.split_off(latency), right.split_off(latency))
}

/// Renders a mono input with constant settings in host blocks of `block` samples.
pub fn render_mono(
    input: &[f32],
    fs: f32,
    settings: &Settings,
    block: usize,
) -> (Vec<f32>, Vec<f32>) {
    let silence = vec![0.0; input.len()];
    render(
        InputChannels::Mono,
        input.to_vec(),
        silence,
        fs,
        settings,
        block,
    )
}

/// Renders a stereo input with constant settings in host blocks of `block` samples.
pub fn render_stereo(
    left: &[f32],
    right: &[f32],
    fs: f32,
    settings: &Settings,
    block: usize,
) -> (Vec<f32>, Vec<f32>) {
    render(
        InputChannels::Stereo,
        left.to_vec(),
        right.to_vec(),
        fs,
        settings,
        block,
    )
}

/// Largest absolute sample difference between two stereo renders.
pub fn max_abs_diff(a: &(Vec<f32>, Vec<f32>), b: &(Vec<f32>, Vec<f32>)) -> f32 {
    a.0.iter()
        .zip(&b.0)
        .chain(a.1.iter().zip(&b.1))
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// A block-splitting renderer with settings that change at given sample positions (as a host
/// with sample-accurate automation does) and an optional transport advancing with the audio.
/// The engine's latency is compensated as a host does.
pub fn render_automated(
    input: &[f32],
    fs: f32,
    block: usize,
    changes: &[(usize, Settings)],
    transport: Option<Transport>,
) -> (Vec<f32>, Vec<f32>) {
    let mut engine = Engine::new(fs, block).expect("engine");
    let latency = engine.latency(InputChannels::Mono);
    let mut left = input.to_vec();
    left.resize(input.len() + latency, 0.0);
    let mut right = vec![0.0; left.len()];
    let total = left.len();
    let mut start = 0;
    while start < total {
        // Split at block boundaries and at every settings change.
        let mut end = (start / block + 1) * block;
        for &(at, _) in changes {
            if at > start && at < end {
                end = at;
            }
        }
        let end = end.min(total);
        let settings = changes
            .iter()
            .rev()
            .find(|(at, _)| *at <= start)
            .map(|(_, s)| *s)
            .unwrap_or_default();
        let transport = transport.map(|t| Transport {
            position_quarters: t
                .position_quarters
                .map(|p| p + start as f64 * t.tempo_bpm / 60.0 / fs as f64),
            ..t
        });
        engine.process(
            InputChannels::Mono,
            &mut left[start..end],
            &mut right[start..end],
            &settings,
            transport.as_ref(),
        );
        start = end;
    }
    (left.split_off(latency), right.split_off(latency))
}

/// Power spectrum (|X|²) of `x`, with the bin width in Hz.
pub fn power_spectrum(x: &[f32], fs: f32) -> (Vec<f64>, f64) {
    let mut planner = RealFftPlanner::<f64>::new();
    let fft = planner.plan_fft_forward(x.len());
    let mut input: Vec<f64> = x.iter().map(|&v| v as f64).collect();
    let mut spectrum = fft.make_output_vec();
    fft.process(&mut input, &mut spectrum).unwrap();
    (
        spectrum.iter().map(|c| c.norm_sqr()).collect(),
        fs as f64 / x.len() as f64,
    )
}

/// Energy of `x` between `lo` and `hi` Hz.
pub fn band_energy(x: &[f32], fs: f32, lo: f64, hi: f64) -> f64 {
    let (power, bin_hz) = power_spectrum(x, fs);
    power
        .iter()
        .enumerate()
        .filter(|(k, _)| {
            let f = *k as f64 * bin_hz;
            f >= lo && f < hi
        })
        .map(|(_, p)| p)
        .sum()
}

/// Level difference right − left in a band, dB (positive: right louder).
pub fn ild_db(left: &[f32], right: &[f32], fs: f32, lo: f64, hi: f64) -> f64 {
    10.0 * (band_energy(right, fs, lo, hi) / band_energy(left, fs, lo, hi)).log10()
}

/// Interaural time difference, seconds: positive when the left ear lags (source on the right).
///
/// The cross-correlation is computed through the cross-spectrum, its integer peak is found
/// within ±1.5 ms, and the peak is refined between the neighbouring lags by evaluating the
/// band-limited (Fourier-interpolated) correlation on a 1/64-sample grid.
pub fn itd_s(left: &[f32], right: &[f32], fs: f32) -> f64 {
    let n = (left.len() * 2).next_power_of_two();
    let mut planner = RealFftPlanner::<f64>::new();
    let forward = planner.plan_fft_forward(n);
    let spectrum = |x: &[f32]| {
        let mut input = vec![0.0; n];
        for (d, s) in input.iter_mut().zip(x) {
            *d = *s as f64;
        }
        let mut out = forward.make_output_vec();
        forward.process(&mut input, &mut out).unwrap();
        out
    };
    let (sl, sr) = (spectrum(left), spectrum(right));
    // c(τ) = Σ_t left(t + τ) · right(t): peaks at τ = the left ear's lag.
    let cross: Vec<Complex<f64>> = sl.iter().zip(&sr).map(|(l, r)| l * r.conj()).collect();
    let inverse = planner.plan_fft_inverse(n);
    let mut cc = vec![0.0; n];
    inverse.process(&mut cross.clone(), &mut cc).unwrap();
    let max_lag = (0.0015 * fs as f64) as isize;
    let at = |lag: isize| cc[lag.rem_euclid(n as isize) as usize];
    let peak = (-max_lag..=max_lag)
        .max_by(|a, b| at(*a).total_cmp(&at(*b)))
        .unwrap();
    // Band-limited interpolation: c(τ) = Σ_k w_k Re(S_k e^{2πikτ/n}).
    let interpolated = |tau: f64| {
        cross
            .iter()
            .enumerate()
            .map(|(k, s)| {
                let w = if k == 0 || k == n / 2 { 1.0 } else { 2.0 };
                let angle = 2.0 * std::f64::consts::PI * k as f64 * tau / n as f64;
                w * (s.re * angle.cos() - s.im * angle.sin())
            })
            .sum::<f64>()
    };
    let best = (-64..=64)
        .map(|i| peak as f64 + i as f64 / 64.0)
        .max_by(|a, b| interpolated(*a).total_cmp(&interpolated(*b)))
        .unwrap();
    best / fs as f64
}

/// The click metric: for every 10 ms window, the energy above 4 kHz relative to the window's
/// whole energy, dB (Hann-windowed). Returns the worst (largest) value.
pub fn worst_hf_ratio_db(x: &[f32], fs: f32) -> f64 {
    let window = (0.010 * fs as f64).round() as usize;
    let hann: Vec<f32> = (0..window)
        .map(|i| (0.5 - 0.5 * (2.0 * std::f64::consts::PI * i as f64 / window as f64).cos()) as f32)
        .collect();
    let mut worst = f64::NEG_INFINITY;
    for chunk in x.chunks_exact(window) {
        let windowed: Vec<f32> = chunk.iter().zip(&hann).map(|(a, b)| a * b).collect();
        let (power, bin_hz) = power_spectrum(&windowed, fs);
        let total: f64 = power.iter().sum();
        if total < 1e-12 {
            continue;
        }
        let high: f64 = power
            .iter()
            .enumerate()
            .filter(|(k, _)| *k as f64 * bin_hz >= 4000.0)
            .map(|(_, p)| p)
            .sum();
        worst = worst.max(10.0 * (high / total).log10());
    }
    worst
}

/// The click criterion of the motion tests: energy above 4 kHz in every 10 ms window, relative
/// to the window.
pub const CLICK_LIMIT_DB: f64 = -50.0;

/// Renders a 2 s, 500 Hz sine at 48 kHz in every motion mode at 2 Hz, at softness 0 and 100 %,
/// through `render(input, settings built on base)`, and asserts that no window of either ear
/// passes the click criterion. Returns the worst window, dB above 4 kHz.
pub fn assert_no_mode_clicks(
    base: &Settings,
    mut render: impl FnMut(&[f32], &Settings) -> (Vec<f32>, Vec<f32>),
) -> f64 {
    const FS: f32 = 48_000.0;
    let input = sine((2.0 * FS) as usize, 500.0, 0.1, FS);
    let mut worst = f64::NEG_INFINITY;
    for mode in murmur::motion::MotionMode::ALL {
        for softness in [0.0, 1.0] {
            let settings = Settings {
                motion: mode,
                motion_rate_hz: 2.0,
                softness,
                ..*base
            };
            let (l, r) = render(&input, &settings);
            for ear in [&l, &r] {
                let ratio = worst_hf_ratio_db(ear, FS);
                worst = worst.max(ratio);
                assert!(
                    ratio <= CLICK_LIMIT_DB,
                    "{mode:?} softness {softness}: {ratio:.1} dB above 4 kHz"
                );
            }
        }
    }
    worst
}

/// Largest absolute sample.
pub fn peak(x: &[f32]) -> f32 {
    x.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// Power-weighted mean frequency of `x`, Hz.
pub fn spectral_centroid(x: &[f32], fs: f32) -> f64 {
    let (power, bin_hz) = power_spectrum(x, fs);
    let total: f64 = power.iter().sum();
    power
        .iter()
        .enumerate()
        .map(|(k, p)| k as f64 * bin_hz * p)
        .sum::<f64>()
        / total
}

/// Spectral flatness (geometric over arithmetic mean of the power) between 100 Hz and 16 kHz:
/// near 1 for white noise, near 0 for a few sharp partials.
pub fn spectral_flatness(x: &[f32], fs: f32) -> f64 {
    let (power, bin_hz) = power_spectrum(x, fs);
    let band: Vec<f64> = power
        .iter()
        .enumerate()
        .filter(|(k, _)| (100.0..16_000.0).contains(&(*k as f64 * bin_hz)))
        .map(|(_, p)| p + 1e-30)
        .collect();
    let log_mean = band.iter().map(|p| p.ln()).sum::<f64>() / band.len() as f64;
    log_mean.exp() / (band.iter().sum::<f64>() / band.len() as f64)
}

/// Normalized correlation of `a` and `b` at zero lag (1 = the same waveform up to level).
pub fn correlation(a: &[f32], b: &[f32]) -> f64 {
    let (mut ab, mut aa, mut bb) = (0.0f64, 0.0f64, 0.0f64);
    for (&x, &y) in a.iter().zip(b) {
        ab += x as f64 * y as f64;
        aa += x as f64 * x as f64;
        bb += y as f64 * y as f64;
    }
    ab / (aa * bb).sqrt().max(1e-30)
}
