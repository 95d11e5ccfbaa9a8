//! De-essing in the frequency domain: when the sibilant band (≈4–10 kHz) carries more energy
//! than the voice's body (300 Hz–3 kHz), that band alone is turned down, by more the more it
//! dominates. Nothing below 3.5 kHz is touched, and a frame without sibilance is left exactly
//! as it is.

use crate::dsp::math::{cos, exp, log10};
use realfft::num_complex::Complex;

/// The body of the voice that sibilance is compared with, Hz.
const REFERENCE_HZ: (f32, f32) = (300.0, 3_000.0);
/// The band measured for sibilance, Hz.
const SIBILANT_HZ: (f32, f32) = (4_000.0, 10_000.0);
/// The band turned down: full reduction inside, raised-cosine edges outside (Hz), so no step
/// appears in the spectrum.
const CUT_HZ: (f32, f32) = (4_500.0, 9_500.0);
const EDGE_HZ: (f32, f32) = (3_500.0, 11_000.0);
/// Sibilance starts when the sibilant band is this much louder than the body, dB.
const THRESHOLD_DB: f32 = 0.0;
/// dB of reduction per dB of excess, and the most at 100 %.
const RATIO: f32 = 3.0;
const MAX_REDUCTION_DB: f32 = 18.0;
/// How fast the reduction lets go after a sibilant, seconds (fast enough not to dull the next
/// vowel, slow enough not to flutter).
const RELEASE_S: f32 = 0.04;

/// De-esser state for one channel.
pub struct DeEsser {
    reference: (usize, usize),
    sibilant: (usize, usize),
    /// Per-bin share of the reduction (1 inside the cut band, tapering to 0 at its edges).
    shape: Vec<f32>,
    /// Reduction now, dB.
    reduction_db: f32,
    release: f32,
}

impl DeEsser {
    /// For frames of `len` samples at `sample_rate`, one every `hop` samples.
    pub fn new(sample_rate: f32, len: usize, hop: usize) -> Self {
        let bins = len / 2 + 1;
        let bin_hz = sample_rate / len as f32;
        let bin = |hz: f32| ((hz / bin_hz).round() as usize).min(bins - 1);
        let shape = (0..bins)
            .map(|k| {
                let hz = k as f32 * bin_hz;
                let rise = |from: f32, to: f32| {
                    let x = ((hz - from) / (to - from)).clamp(0.0, 1.0);
                    0.5 - 0.5 * cos(std::f32::consts::PI * x)
                };
                rise(EDGE_HZ.0, CUT_HZ.0) * (1.0 - rise(CUT_HZ.1, EDGE_HZ.1))
            })
            .collect();
        Self {
            reference: (bin(REFERENCE_HZ.0), bin(REFERENCE_HZ.1)),
            sibilant: (bin(SIBILANT_HZ.0), bin(SIBILANT_HZ.1)),
            shape,
            reduction_db: 0.0,
            release: exp(-(hop as f32) / (RELEASE_S * sample_rate)),
        }
    }

    pub fn reset(&mut self) {
        self.reduction_db = 0.0;
    }

    /// Turns the sibilant band of one frame down by `amount` (0…1) of the full reduction.
    /// Returns whether the frame was left unchanged.
    pub fn process(&mut self, spectrum: &mut [Complex<f32>], amount: f32) -> bool {
        let energy = |(from, to): (usize, usize)| -> f32 {
            spectrum[from..=to].iter().map(|c| c.norm_sqr()).sum()
        };
        let (body, sibilant) = (energy(self.reference), energy(self.sibilant));
        // Below 8 kHz of bandwidth there is no sibilant band to speak of.
        let target = if amount > 0.0 && self.sibilant.1 > self.sibilant.0 && sibilant > 0.0 {
            let excess = 10.0 * log10(sibilant / body.max(1e-20)) - THRESHOLD_DB;
            amount * (RATIO * excess).clamp(0.0, MAX_REDUCTION_DB)
        } else {
            0.0
        };
        // Instant attack (the frame itself is the look-ahead), smooth release.
        self.reduction_db = target.max(self.reduction_db * self.release);
        if self.reduction_db < 1e-3 {
            self.reduction_db = 0.0;
            return true;
        }
        let depth = 1.0 - crate::dsp::db_to_gain(-self.reduction_db);
        for (bin, share) in spectrum.iter_mut().zip(&self.shape) {
            if *share > 0.0 {
                *bin *= 1.0 - depth * share;
            }
        }
        false
    }
}
