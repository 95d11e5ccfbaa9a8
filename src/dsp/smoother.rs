//! Parameter smoothers: a per-sample one-pole for gains and mixes, and a critically damped
//! two-pole for control-rate targets (positions, delays), whose output has a continuous slope so
//! that a jump in a target never becomes a step in pitch or level.

use super::one_pole_coef;

/// One-pole smoother, ticked once per sample: `value += coef · (target − value)`.
#[derive(Debug, Clone, Copy)]
pub struct OnePole {
    /// Current smoothed value.
    pub value: f32,
    coef: f32,
}

impl OnePole {
    /// A smoother with the given time constant (seconds) at `rate_hz` ticks per second.
    pub fn new(time_s: f32, rate_hz: f32, initial: f32) -> Self {
        Self {
            value: initial,
            coef: one_pole_coef(time_s, rate_hz),
        }
    }

    /// Jumps straight to `value` (used by `reset()`).
    pub fn snap(&mut self, value: f32) {
        self.value = value;
    }

    /// One tick towards `target`; returns the new value.
    #[inline]
    pub fn next(&mut self, target: f32) -> f32 {
        self.value += self.coef * (target - self.value);
        self.value
    }
}

/// Two cascaded one-poles (critically damped): starts moving with zero slope, so a target jump
/// gives an S-shaped glide. Ticked at control rate.
#[derive(Debug, Clone, Copy)]
pub struct ControlSmoother {
    stage1: f32,
    /// Current smoothed value.
    pub value: f32,
    coef: f32,
}

impl ControlSmoother {
    /// A smoother whose stages each have time constant `time_s` at `rate_hz` ticks per second.
    pub fn new(time_s: f32, rate_hz: f32) -> Self {
        Self {
            stage1: 0.0,
            value: 0.0,
            coef: one_pole_coef(time_s, rate_hz),
        }
    }

    /// Jumps straight to `value`.
    pub fn snap(&mut self, value: f32) {
        self.stage1 = value;
        self.value = value;
    }

    /// One control tick towards `target`; returns the new value.
    #[inline]
    pub fn next(&mut self, target: f32) -> f32 {
        self.stage1 += self.coef * (target - self.stage1);
        self.value += self.coef * (self.stage1 - self.value);
        self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pole_reaches_63_percent_after_one_time_constant() {
        let mut s = OnePole::new(0.01, 48_000.0, 0.0);
        for _ in 0..480 {
            s.next(1.0);
        }
        assert!((s.value - 0.632).abs() < 0.005, "{}", s.value);
    }

    #[test]
    fn control_smoother_starts_with_zero_slope_and_settles() {
        let mut s = ControlSmoother::new(0.01, 3000.0);
        s.snap(0.0);
        let first = s.next(1.0);
        let second = s.next(1.0);
        // The second step is larger than the first: the glide accelerates from rest.
        assert!(second - first > first, "{first} {second}");
        for _ in 0..1000 {
            s.next(1.0);
        }
        assert!((s.value - 1.0).abs() < 1e-4);
    }
}

/// A linear fade between 0 and 1 that lands exactly on its end points (for crossfades where
/// "fully on" must mean exactly 1.0, such as bypass and the Calm Guard's engagement).
#[derive(Debug, Clone, Copy)]
pub struct LinearFade {
    /// Current position, `0..=1`.
    pub value: f32,
    step: f32,
}

impl LinearFade {
    /// A fade that takes `duration_s` seconds end to end at `sample_rate`.
    pub fn new(duration_s: f32, sample_rate: f32, on: bool) -> Self {
        Self {
            value: if on { 1.0 } else { 0.0 },
            step: 1.0 / (duration_s * sample_rate).max(1.0),
        }
    }

    /// Jumps to the end point.
    pub fn snap(&mut self, on: bool) {
        self.value = if on { 1.0 } else { 0.0 };
    }

    /// One sample towards 1 (`on`) or 0.
    #[inline]
    pub fn next(&mut self, on: bool) -> f32 {
        self.value = if on {
            (self.value + self.step).min(1.0)
        } else {
            (self.value - self.step).max(0.0)
        };
        self.value
    }
}

#[cfg(test)]
mod fade_tests {
    use super::*;

    #[test]
    fn fade_lands_exactly_on_its_end_points_after_its_duration() {
        let mut fade = LinearFade::new(0.01, 48_000.0, false);
        for _ in 0..470 {
            assert!(fade.next(true) < 1.0);
        }
        for _ in 0..12 {
            fade.next(true);
        }
        assert_eq!(fade.value, 1.0);
        for _ in 0..482 {
            fade.next(false);
        }
        assert_eq!(fade.value, 0.0);
    }
}
