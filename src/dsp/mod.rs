//! Small shared DSP primitives with no framework types: delay line, smoothers, filters,
//! resonators, noise and level helpers.

use crate::dsp::math::{exp, log10, pow};

pub mod biquad;
pub mod delay_line;
pub mod fixed_delay;
pub mod lowpass;
pub mod math;
pub mod mirror_ring;
pub mod noise;
pub mod resonator;
pub mod smoother;
pub mod true_peak;
pub mod wide;

pub use biquad::{Biquad, PairedBiquad};
pub use delay_line::{DelayLine, lagrange_cubic, lagrange_weights};
pub use fixed_delay::FixedDelay;
pub use lowpass::{BilinearLowpass, BlockLowpass};
pub use mirror_ring::MirrorRing;
pub use noise::{WhiteNoise, WhiteNoiseBlock};
pub use resonator::{Resonator, ResonatorBank4};
pub use smoother::{ControlRamp, ControlSmoother, LinearFade};
pub use true_peak::TruePeak;

/// Decibels to a linear gain factor.
#[inline]
pub fn db_to_gain(db: f32) -> f32 {
    pow(10f32, db / 20.0)
}

/// [`db_to_gain`] that remembers its last conversion: a level setting rarely changes between
/// two control ticks, and the power is the dearest call of a tick.
#[derive(Debug, Clone, Copy)]
pub struct DbToGain {
    db: f32,
    gain: f32,
}

impl DbToGain {
    pub const fn new() -> Self {
        // 10^(0/20) is exactly 1.
        Self { db: 0.0, gain: 1.0 }
    }

    /// `db_to_gain(db)`, computed only when `db` differs (bit for bit) from the last one.
    #[inline]
    pub fn gain(&mut self, db: f32) -> f32 {
        if db.to_bits() != self.db.to_bits() {
            self.db = db;
            self.gain = db_to_gain(db);
        }
        self.gain
    }
}

impl Default for DbToGain {
    fn default() -> Self {
        Self::new()
    }
}

/// A linear gain factor to decibels (−inf for 0).
#[inline]
pub fn gain_to_db(gain: f32) -> f32 {
    20.0 * log10(gain)
}

/// Magnitude below which filter states are flushed to zero (−400 dBFS): far below anything
/// audible, far above the subnormal range that is slow on most CPUs and that hosts reject.
pub const TINY: f32 = 1e-20;

/// `x`, or exactly 0 when it is smaller than [`TINY`].
#[inline(always)]
pub fn flush_tiny(x: f32) -> f32 {
    if x.abs() < TINY { 0.0 } else { x }
}

/// Coefficient `k` of a one-pole smoother `y += k (x - y)` that reaches 63 % of a step after
/// `time_s` seconds when ticked `rate_hz` times per second.
#[inline]
pub fn one_pole_coef(time_s: f32, rate_hz: f32) -> f32 {
    if time_s <= 0.0 {
        1.0
    } else {
        1.0 - exp(-1.0 / (time_s * rate_hz))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn remembered_gains_are_the_conversions_of_the_latest_level() {
        let mut memo = DbToGain::new();
        assert_eq!(memo.gain(0.0), 1.0);
        for db in [-6.0f32, -6.0, 3.5, -0.0, 0.0, -60.0, -6.0] {
            assert_eq!(memo.gain(db).to_bits(), db_to_gain(db).to_bits(), "{db} dB");
        }
    }
}
