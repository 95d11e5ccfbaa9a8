//! Small shared DSP primitives with no framework types: delay line, smoothers, filters,
//! resonators, noise and level helpers.

pub mod biquad;
pub mod delay_line;
pub mod fixed_delay;
pub mod lowpass;
pub mod noise;
pub mod resonator;
pub mod smoother;

pub use biquad::{Biquad, PairedBiquad};
pub use delay_line::{DelayLine, lagrange_cubic, lagrange_weights};
pub use fixed_delay::FixedDelay;
pub use lowpass::{BilinearLowpass, BlockLowpass};
pub use noise::{WhiteNoise, WhiteNoiseBlock};
pub use resonator::{Resonator, ResonatorBank4};
pub use smoother::{ControlRamp, ControlSmoother, LinearFade};

/// Decibels to a linear gain factor.
#[inline]
pub fn db_to_gain(db: f32) -> f32 {
    10f32.powf(db / 20.0)
}

/// A linear gain factor to decibels (−inf for 0).
#[inline]
pub fn gain_to_db(gain: f32) -> f32 {
    20.0 * gain.log10()
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
        1.0 - (-1.0 / (time_s * rate_hz)).exp()
    }
}
