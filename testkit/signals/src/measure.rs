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

/// `x` band-passed to `lo..hi` Hz: a fourth-order Butterworth high-pass at `lo` and low-pass
/// at `hi` (two biquads each, Q 0.541 and 1.307), run over `x` backward in time (ISO 3382-1's
/// time-reversed filtering: the filters' own ringing then falls before the sound, and cannot
/// lengthen a short decay). IIR filters' responses die away
/// exponentially; a brick-wall FFT filter's sinc tails, falling only 20 dB a decade, would
/// smear a loud start over a decaying end.
pub fn band_passed(x: &[f32], fs: f32, lo: f64, hi: f64) -> Vec<f64> {
    const BUTTERWORTH_4_Q: [f64; 2] = [0.541_196_1, 1.306_563];
    let mut y: Vec<f64> = x.iter().rev().map(|&v| v as f64).collect();
    for q in BUTTERWORTH_4_Q {
        biquad(&mut y, &rbj(lo, q, fs as f64, true));
        biquad(&mut y, &rbj(hi, q, fs as f64, false));
    }
    y.reverse();
    y
}

/// RBJ cookbook high-pass (`high`) or low-pass at `f` Hz, quality `q`: `[b0, b1, b2, a1, a2]`
/// normalised by `a0`.
fn rbj(f: f64, q: f64, fs: f64, high: bool) -> [f64; 5] {
    let w = 2.0 * std::f64::consts::PI * f / fs;
    let (sin, cos) = w.sin_cos();
    let alpha = sin / (2.0 * q);
    let a0 = 1.0 + alpha;
    let (b0, b1) = if high {
        ((1.0 + cos) / 2.0, -(1.0 + cos))
    } else {
        ((1.0 - cos) / 2.0, 1.0 - cos)
    };
    [
        b0 / a0,
        b1 / a0,
        b0 / a0,
        -2.0 * cos / a0,
        (1.0 - alpha) / a0,
    ]
}

/// Runs `x` through a biquad `[b0, b1, b2, a1, a2]` in place (direct form I).
fn biquad(x: &mut [f64], c: &[f64; 5]) {
    let (mut x1, mut x2, mut y1, mut y2) = (0.0, 0.0, 0.0, 0.0);
    for v in x.iter_mut() {
        let y = c[0] * *v + c[1] * x1 + c[2] * x2 - c[3] * y1 - c[4] * y2;
        (x2, x1, y2, y1) = (x1, *v, y1, y);
        *v = y;
    }
}

/// Reverberation time from the `top`…`bottom` dB span of the Schroeder decay curve of the
/// impulse response `h` (sampled at `fs`): the energy still to come at each instant, by
/// backward integration (Schroeder, "New method of measuring reverberation time", JASA 1965),
/// a least-squares line through the span, extrapolated to 60 dB (ISO 3382-1: T20 is
/// `top` = −5, `bottom` = −25). Seconds.
pub fn schroeder_decay_time(h: &[f64], fs: f32, top: f64, bottom: f64) -> f64 {
    schroeder_decay_time_of(&[h], fs, top, bottom)
}

/// [`schroeder_decay_time`] of the summed energy of several responses of the same length (both
/// ears of a binaural response: the energy at the head, as an omnidirectional microphone in its
/// place would gather it).
pub fn schroeder_decay_time_of(hs: &[&[f64]], fs: f32, top: f64, bottom: f64) -> f64 {
    let len = hs[0].len();
    let mut remaining = vec![0.0; len];
    let mut sum = 0.0;
    for n in (0..len).rev() {
        sum += hs.iter().map(|h| h[n] * h[n]).sum::<f64>();
        remaining[n] = sum;
    }
    let total = remaining[0];
    let points: Vec<(f64, f64)> = remaining
        .iter()
        .enumerate()
        .map(|(n, e)| (n as f64 / fs as f64, 10.0 * (e / total).log10()))
        .filter(|(_, db)| *db <= top && *db >= bottom)
        .collect();
    let count = points.len() as f64;
    let mean_t = points.iter().map(|p| p.0).sum::<f64>() / count;
    let mean_db = points.iter().map(|p| p.1).sum::<f64>() / count;
    let slope = points
        .iter()
        .map(|(t, db)| (t - mean_t) * (db - mean_db))
        .sum::<f64>()
        / points
            .iter()
            .map(|(t, _)| (t - mean_t).powi(2))
            .sum::<f64>();
    -60.0 / slope
}

/// Interaural coherence of `left` and `right` between `lo` and `hi` Hz: the magnitude of their
/// cross-spectrum summed over the band, over the geometric mean of their powers there (1 for
/// the same signal, or one delayed by less than the band's period; 0 for independent noise).
pub fn band_coherence(left: &[f32], right: &[f32], fs: f32, lo: f64, hi: f64) -> f64 {
    let n = left.len().min(right.len());
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(n);
    let spectrum = |x: &[f32]| {
        let mut input: Vec<f64> = x[..n].iter().map(|&v| v as f64).collect();
        let mut out = fft.make_output_vec();
        fft.process(&mut input, &mut out).unwrap();
        out
    };
    let (l, r) = (spectrum(left), spectrum(right));
    let bin_hz = fs as f64 / n as f64;
    let mut cross = Complex::new(0.0, 0.0);
    let (mut pl, mut pr) = (0.0, 0.0);
    for k in 0..l.len() {
        let f = k as f64 * bin_hz;
        if f >= lo && f < hi {
            cross += l[k] * r[k].conj();
            pl += l[k].norm_sqr();
            pr += r[k].norm_sqr();
        }
    }
    cross.norm() / (pl * pr).sqrt()
}

#[cfg(test)]
mod room_measure_tests {
    use super::*;

    #[test]
    fn schroeder_reads_an_exponential_decay() {
        // Noise decaying 60 dB in 0.4 s: the decay curve is a line, T20 = 0.4 s.
        let fs = 48_000.0;
        let noise = crate::signal::noise(48_000, 1.0, 3);
        let h: Vec<f64> = noise
            .iter()
            .enumerate()
            .map(|(n, &x)| x as f64 * 10f64.powf(-3.0 * n as f64 / fs as f64 / 0.4))
            .collect();
        let t20 = schroeder_decay_time(&h, fs, -5.0, -25.0);
        assert!((t20 - 0.4).abs() < 0.02, "{t20}");
    }

    #[test]
    fn coherence_of_the_same_and_of_independent_noise() {
        let fs = 48_000.0;
        let a = crate::signal::noise(48_000, 1.0, 1);
        let b = crate::signal::noise(48_000, 1.0, 2);
        assert!(band_coherence(&a, &a, fs, 1000.0, 1250.0) > 0.999);
        assert!(band_coherence(&a, &b, fs, 1000.0, 1250.0) < 0.1);
    }
}

/// Interaural cross-correlation coefficient of `left` and `right`: the largest magnitude of
/// their normalised cross-correlation over lags up to `max_lag_s` either way (ISO 3382-1's
/// IACC, whose lags span ±1 ms).
pub fn iacc(left: &[f64], right: &[f64], fs: f32, max_lag_s: f64) -> f64 {
    let n = left.len().min(right.len());
    let max_lag = (max_lag_s * fs as f64).round() as isize;
    let norm = (left[..n].iter().map(|x| x * x).sum::<f64>()
        * right[..n].iter().map(|x| x * x).sum::<f64>())
    .sqrt();
    (-max_lag..=max_lag)
        .map(|lag| {
            let mut sum = 0.0;
            for i in 0..n as isize {
                let j = i + lag;
                if j >= 0 && j < n as isize {
                    sum += left[i as usize] * right[j as usize];
                }
            }
            (sum / norm).abs()
        })
        .fold(0.0, f64::max)
}
