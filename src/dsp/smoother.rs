//! Parameter smoothers: a critically damped two-pole for control-rate targets (positions,
//! delays, levels), whose output has a continuous slope so that a jump in a target never becomes
//! a step in pitch or level; per-sample linear ramps between its ticks; and linear fades for
//! switches.

use super::one_pole_coef;

/// How close (relative) a `ControlSmoother` gets before it snaps onto its target.
const SETTLE_RELATIVE: f32 = 1e-6;

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
        // Land exactly on the target once within a millionth of it: an exponential approach to
        // zero would otherwise end in subnormal numbers (slow, and leaking into the audio).
        let settle = SETTLE_RELATIVE * (1.0 + target.abs());
        if (self.value - target).abs() < settle && (self.stage1 - target).abs() < settle {
            self.stage1 = target;
            self.value = target;
        }
        self.value
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ramp_ends_glide_as_the_smoother_does() {
        let mut ramp = ControlRamp::<2>::new(0.01, 48_000.0, 64);
        let mut smoothers = [ControlSmoother::new(0.01, 48_000.0 / 64.0); 2];
        ramp.retarget([0.5, -2.0], true);
        smoothers[0].snap(0.5);
        smoothers[1].snap(-2.0);
        for tick in 0..2000 {
            let targets = if tick < 1000 {
                [3.0, 1e-3]
            } else {
                [-1.0, 0.0]
            };
            ramp.retarget(targets, false);
            for (i, s) in smoothers.iter_mut().enumerate() {
                let before = s.value;
                let after = s.next(targets[i]);
                // The ramp runs from the previous tick's value to this one's, bit for bit.
                assert_eq!(ramp.end[i].to_bits(), after.to_bits(), "tick {tick}");
                assert_eq!(ramp.start[i].to_bits(), before.to_bits(), "tick {tick}");
            }
        }
        // Both settled exactly on their targets.
        assert_eq!(ramp.end, [-1.0, 0.0]);
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

/// `N` control values that glide (a `ControlSmoother` each, ticked every `period` samples) and
/// ramp linearly between ticks. The value at sample `k` of a period is `start + step·(k + 1)`,
/// computed from the index rather than accumulated, so any split of a period into blocks gives
/// the same samples, and loops over a block carry no dependency from one sample to the next.
///
/// Each value glides exactly as a [`ControlSmoother`] would; the `N` smoothers are kept as
/// arrays (one per stage) so that a tick is a few vector instructions.
#[derive(Debug, Clone)]
pub struct ControlRamp<const N: usize> {
    /// The smoothers' first stages.
    stage1: [f32; N],
    /// The smoothers' outputs: the values at the end of the current period.
    end: [f32; N],
    /// The values at the end of the previous period.
    start: [f32; N],
    step: [f32; N],
    coef: f32,
    inv_period: f32,
}

impl<const N: usize> ControlRamp<N> {
    /// Ramps for ticks every `period` samples at `sample_rate`, each gliding with two stages of
    /// time constant `glide_s`.
    pub fn new(glide_s: f32, sample_rate: f32, period: usize) -> Self {
        Self {
            stage1: [0.0; N],
            end: [0.0; N],
            start: [0.0; N],
            step: [0.0; N],
            coef: one_pole_coef(glide_s, sample_rate / period as f32),
            inv_period: 1.0 / period as f32,
        }
    }

    /// Starts a new period heading for `targets` (or sitting on them when `snap`).
    pub fn retarget(&mut self, targets: [f32; N], snap: bool) {
        if snap {
            self.stage1 = targets;
            self.end = targets;
            self.start = targets;
            self.step = [0.0; N];
            return;
        }
        let coef = self.coef;
        #[allow(clippy::needless_range_loop)] // five arrays indexed in step
        for i in 0..N {
            // `ControlSmoother::next`, without branches.
            let target = targets[i];
            let stage1 = self.stage1[i] + coef * (target - self.stage1[i]);
            let value = self.end[i] + coef * (stage1 - self.end[i]);
            let settle = SETTLE_RELATIVE * (1.0 + target.abs());
            let settled = ((value - target).abs() < settle) & ((stage1 - target).abs() < settle);
            self.start[i] = self.end[i];
            self.stage1[i] = if settled { target } else { stage1 };
            self.end[i] = if settled { target } else { value };
            self.step[i] = (self.end[i] - self.start[i]) * self.inv_period;
        }
    }

    /// Value `i` at the end of the current period (exactly the target once it has settled).
    #[inline]
    pub fn end(&self, i: usize) -> f32 {
        self.end[i]
    }

    /// Value `i` at sample `k` (0-based) of the current period.
    #[inline(always)]
    pub fn at(&self, i: usize, k: usize) -> f32 {
        // Through i32: a signed conversion is one instruction, an unsigned 64-bit one is not.
        self.start[i] + self.step[i] * (k as i32 + 1) as f32
    }

    /// Values `i` at samples `k..k + L` of the current period: the same values as
    /// [`at`](Self::at), computed from one conversion (whole numbers add exactly in `f32`), so
    /// that a group takes a few vector instructions.
    #[inline(always)]
    pub fn group<const L: usize>(&self, i: usize, k: usize) -> [f32; L] {
        let first = (k as i32 + 1) as f32;
        let mut values = [0.0; L];
        for (j, v) in values.iter_mut().enumerate() {
            *v = self.start[i] + self.step[i] * (first + j as f32);
        }
        values
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
    fn ramp_reaches_each_smoothed_value_at_the_end_of_its_period() {
        let mut ramp = ControlRamp::<1>::new(0.001, 48_000.0, 32);
        ramp.retarget([0.0], true);
        assert_eq!(ramp.at(0, 5), 0.0);
        ramp.retarget([1.0], false);
        let mut previous = 0.0;
        for k in 0..32 {
            let v = ramp.at(0, k);
            assert!(v > previous);
            previous = v;
        }
        assert!((previous - ramp.end[0]).abs() < 1e-6);
    }

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
