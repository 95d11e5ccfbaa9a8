//! Measurements of what Murmur renders: spectra and band energies, interaural time and level
//! differences, the click metric, levels and correlation.

use realfft::RealFftPlanner;
use realfft::num_complex::Complex;

/// Power spectrum (|X|²) of `x`, with the bin width in Hz.
pub fn power_spectrum(x: &[f32], fs: f32) -> (Vec<f64>, f64) {
    power_spectrum_of_length(x, fs, x.len())
}

/// Power spectrum of `x` zero-padded to a power of two of at least 1024 samples, with the bin
/// width in Hz: for events of any length, whose spectra are compared by shape.
pub fn padded_power_spectrum(x: &[f32], fs: f32) -> (Vec<f64>, f64) {
    power_spectrum_of_length(x, fs, x.len().next_power_of_two().max(1024))
}

/// Power spectrum of `x` zero-padded to `n` samples.
fn power_spectrum_of_length(x: &[f32], fs: f32, n: usize) -> (Vec<f64>, f64) {
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(n);
    let mut input: Vec<f64> = x.iter().map(|&v| v as f64).collect();
    input.resize(n, 0.0);
    let mut spectrum = fft.make_output_vec();
    fft.process(&mut input, &mut spectrum).unwrap();
    (
        spectrum.iter().map(|c| c.norm_sqr()).collect(),
        fs as f64 / n as f64,
    )
}

/// Energy of `x` between `lo` and `hi` Hz.
pub fn band_energy(x: &[f32], fs: f32, lo: f64, hi: f64) -> f64 {
    let (power, bin_hz) = power_spectrum(x, fs);
    band_sum(&power, bin_hz, lo, hi)
}

/// The power between `lo` and `hi` Hz of a spectrum with bins `bin_hz` apart.
pub fn band_sum(power: &[f64], bin_hz: f64, lo: f64, hi: f64) -> f64 {
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

/// Largest absolute sample difference between two stereo renders.
pub fn max_abs_diff(a: &(Vec<f32>, Vec<f32>), b: &(Vec<f32>, Vec<f32>)) -> f32 {
    a.0.iter()
        .zip(&b.0)
        .chain(a.1.iter().zip(&b.1))
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f32::max)
}

/// Largest absolute sample.
pub fn peak(x: &[f32]) -> f32 {
    x.iter().fold(0.0, |m, v| m.max(v.abs()))
}

/// Power-weighted mean frequency of `x`, Hz.
pub fn spectral_centroid(x: &[f32], fs: f32) -> f64 {
    let (power, bin_hz) = power_spectrum(x, fs);
    centroid(&power, bin_hz)
}

/// Power-weighted mean frequency of a spectrum with bins `bin_hz` apart, Hz.
pub fn centroid(power: &[f64], bin_hz: f64) -> f64 {
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
    flatness(&power, bin_hz)
}

/// [`spectral_flatness`] of a spectrum with bins `bin_hz` apart.
pub fn flatness(power: &[f64], bin_hz: f64) -> f64 {
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
