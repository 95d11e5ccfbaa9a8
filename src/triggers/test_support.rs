//! Measurements shared by the trigger models' unit tests.

use super::model::{EventParams, TriggerModel};
use rand::SeedableRng;
use rand_pcg::Pcg32;
use realfft::RealFftPlanner;

/// Renders one whole event (at most `max_s` seconds) of model `M` with a generator seeded by
/// `seed`, in 64-sample blocks like the engine; returns the samples up to the event's end.
pub fn render_event<M: TriggerModel>(
    event: &EventParams,
    seed: u64,
    fs: f32,
    max_s: f32,
) -> Vec<f32> {
    let mut model = M::new(fs);
    let mut rng = Pcg32::seed_from_u64(seed);
    model.start(event, &mut rng);
    let mut out = Vec::new();
    let mut block = [0.0f32; 64];
    while out.len() < (max_s * fs) as usize {
        let alive = model.render(&mut block);
        out.extend_from_slice(&block);
        if !alive {
            assert!(block.iter().all(|x| *x == 0.0) || out.len() > 64);
            break;
        }
    }
    out
}

/// Power spectrum of `signal` (zero-padded to a power of two), with the bin spacing in Hz.
pub fn power_spectrum(signal: &[f32], fs: f32) -> (Vec<f64>, f64) {
    let n = signal.len().next_power_of_two().max(1024);
    let mut buf: Vec<f64> = signal.iter().map(|&x| x as f64).collect();
    buf.resize(n, 0.0);
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(n);
    let mut spec = fft.make_output_vec();
    fft.process(&mut buf, &mut spec).unwrap();
    (
        spec.iter().map(|c| c.norm_sqr()).collect(),
        fs as f64 / n as f64,
    )
}

/// Power-weighted mean frequency, Hz.
pub fn spectral_centroid(signal: &[f32], fs: f32) -> f64 {
    let (power, df) = power_spectrum(signal, fs);
    let total: f64 = power.iter().sum();
    power
        .iter()
        .enumerate()
        .map(|(i, p)| i as f64 * df * p)
        .sum::<f64>()
        / total
}

/// Share of the signal's energy between `lo_hz` and `hi_hz`.
pub fn band_energy_fraction(signal: &[f32], fs: f32, lo_hz: f64, hi_hz: f64) -> f64 {
    let (power, df) = power_spectrum(signal, fs);
    let total: f64 = power.iter().sum();
    let band: f64 = power
        .iter()
        .enumerate()
        .filter(|(i, _)| (lo_hz..hi_hz).contains(&(*i as f64 * df)))
        .map(|(_, p)| p)
        .sum();
    band / total
}

/// Spectral flatness (geometric over arithmetic mean of the power) between 100 Hz and 16 kHz.
pub fn spectral_flatness(signal: &[f32], fs: f32) -> f64 {
    let (power, df) = power_spectrum(signal, fs);
    let band: Vec<f64> = power
        .iter()
        .enumerate()
        .filter(|(i, _)| (100.0..16_000.0).contains(&(*i as f64 * df)))
        .map(|(_, p)| p + 1e-30)
        .collect();
    let log_mean = band.iter().map(|p| p.ln()).sum::<f64>() / band.len() as f64;
    log_mean.exp() / (band.iter().sum::<f64>() / band.len() as f64)
}

/// Normalized correlation at zero lag over the common length (1 = same shape).
pub fn correlation(a: &[f32], b: &[f32]) -> f64 {
    let n = a.len().min(b.len());
    let (mut ab, mut aa, mut bb) = (0.0f64, 0.0f64, 0.0f64);
    for i in 0..n {
        let (x, y) = (a[i] as f64, b[i] as f64);
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    ab / (aa * bb).sqrt().max(1e-30)
}

/// Largest absolute sample.
pub fn peak(signal: &[f32]) -> f32 {
    signal.iter().fold(0.0, |m, x| m.max(x.abs()))
}
