//! Test signals: seeded noise and sines.

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg32;

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
