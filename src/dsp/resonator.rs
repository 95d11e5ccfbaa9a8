//! Two-pole resonator, the mode of a modal (STK `ModalBar`-style) or PhISEM (Cook 1997) model:
//! a decaying sinusoid whose frequency and 60 dB decay time are given in Hz and seconds, so the
//! same settings sound the same at every sample rate.

use crate::dsp::math::{cos, pow, sin};
use std::f32::consts::TAU;

/// `y[n] = g·x[n] + 2r·cos(ω)·y[n−1] − r²·y[n−2]`, with `g = sin ω`, so a unit impulse rings
/// as `rⁿ·sin((n+1)ω)`: peak amplitude about 1 whatever the frequency.
#[derive(Debug, Clone, Copy, Default)]
pub struct Resonator {
    gain: f32,
    a1: f32,
    a2: f32,
    y1: f32,
    y2: f32,
}

/// Pole radius that decays by 60 dB in `t60_s` seconds at `sample_rate`: `r^(T60·fs) = 10⁻³`.
#[inline]
fn t60_radius(t60_s: f32, sample_rate: f32) -> f32 {
    if t60_s <= 0.0 {
        0.0
    } else {
        pow(10f32, -3.0 / (t60_s * sample_rate))
    }
}

impl Resonator {
    /// A resonator at `freq_hz` ringing for `t60_s` seconds; frequencies at or above Nyquist
    /// are silenced (a mode the rate cannot carry is dropped rather than aliased).
    pub fn new(freq_hz: f32, t60_s: f32, sample_rate: f32) -> Self {
        let mut r = Self::default();
        r.tune(freq_hz, t60_s, sample_rate);
        r
    }

    /// Retunes, keeping the ringing state (a glide, not a restart).
    pub fn tune(&mut self, freq_hz: f32, t60_s: f32, sample_rate: f32) {
        let w = TAU * freq_hz / sample_rate;
        if !(w > 0.0 && w < std::f32::consts::PI * 0.98) {
            self.gain = 0.0;
            self.a1 = 0.0;
            self.a2 = 0.0;
            return;
        }
        let r = t60_radius(t60_s, sample_rate);
        self.gain = sin(w);
        self.a1 = 2.0 * r * cos(w);
        self.a2 = -r * r;
    }

    /// Clears the ringing.
    pub fn reset(&mut self) {
        self.y1 = 0.0;
        self.y2 = 0.0;
    }

    /// One sample.
    #[inline(always)]
    pub fn process(&mut self, x: f32) -> f32 {
        // The terms that do not need the previous output come first, so that each sample
        // waits on one multiply and one add of the last (the recursion's latency is what
        // limits a resonator bank, not its arithmetic).
        let y = (self.a2 * self.y2 + self.gain * x) + self.a1 * self.y1;
        self.y2 = self.y1;
        self.y1 = y;
        y
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::math::log10;

    #[test]
    fn rings_at_its_frequency_for_its_t60_at_any_rate() {
        for fs in [44_100.0, 48_000.0, 96_000.0] {
            let mut r = Resonator::new(1_000.0, 0.1, fs);
            let mut ir: Vec<f32> = (0..(0.2 * fs) as usize)
                .map(|n| r.process(if n == 0 { 1.0 } else { 0.0 }))
                .collect();
            let peak = |x: &[f32]| x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
            assert!((peak(&ir) - 1.0).abs() < 0.05, "{}", peak(&ir));
            // 60 dB down after T60 (measured over one period around 0.1 s).
            let at = (0.1 * fs) as usize;
            let late = peak(&ir[at..at + (fs / 1000.0) as usize + 1]);
            assert!((20.0 * log10(late) + 60.0).abs() < 0.5, "{fs}: {late}");
            // Zero crossings: 2 per cycle over the first 0.05 s → 100 ± 1.
            ir.truncate((0.05 * fs) as usize);
            let crossings = ir
                .windows(2)
                .filter(|w| (w[0] < 0.0) != (w[1] < 0.0))
                .count();
            assert!((crossings as i32 - 100).abs() <= 1, "{crossings}");
        }
    }

    #[test]
    fn modes_above_nyquist_are_silent() {
        let mut r = Resonator::new(30_000.0, 0.1, 44_100.0);
        assert_eq!(r.process(1.0), 0.0);
    }
}

/// Four resonators side by side (structure of arrays), driven by one input: one vector
/// multiply and add per sample on the recursion's path for all four, where four separate
/// resonators get interleaved by the compiler with shuffles on that path. Unused lanes have
/// zero gain and stay silent.
#[derive(Debug, Clone, Copy, Default)]
pub struct ResonatorBank4 {
    gain: [f32; 4],
    a1: [f32; 4],
    a2: [f32; 4],
    y1: [f32; 4],
    y2: [f32; 4],
}

impl ResonatorBank4 {
    /// Sets lane `lane` to `resonator`'s tuning, keeping its ringing state.
    pub fn set(&mut self, lane: usize, resonator: &Resonator) {
        self.gain[lane] = resonator.gain;
        self.a1[lane] = resonator.a1;
        self.a2[lane] = resonator.a2;
    }

    /// Clears the ringing of every lane.
    pub fn reset(&mut self) {
        self.y1 = [0.0; 4];
        self.y2 = [0.0; 4];
    }

    /// One sample of every lane, weighted by `weights` and summed.
    #[inline(always)]
    pub fn process_sum(&mut self, x: f32, weights: &[f32; 4]) -> f32 {
        // As `Resonator::process`: the recursion waits on one multiply and one add.
        let y: [f32; 4] = std::array::from_fn(|k| {
            (self.a2[k] * self.y2[k] + self.gain[k] * x) + self.a1[k] * self.y1[k]
        });
        self.y2 = self.y1;
        self.y1 = y;
        (weights[0] * y[0] + weights[1] * y[1]) + (weights[2] * y[2] + weights[3] * y[3])
    }
}

#[cfg(test)]
mod bank_tests {
    use super::*;

    #[test]
    fn a_bank_rings_like_its_resonators() {
        let fs = 48_000.0;
        let tunings = [(700.0, 0.1), (1_900.0, 0.05), (5_200.0, 0.02)];
        let mut bank = ResonatorBank4::default();
        let mut singles: Vec<Resonator> = tunings
            .iter()
            .map(|&(f, t)| Resonator::new(f, t, fs))
            .collect();
        for (lane, r) in singles.iter().enumerate() {
            bank.set(lane, r);
        }
        let weights = [0.5, -0.25, 1.0, 7.0];
        for n in 0..4_800 {
            let x = if n % 1000 == 0 { 1.0 } else { 0.0 };
            let expect: f32 = singles
                .iter_mut()
                .zip(&weights)
                .map(|(r, w)| w * r.process(x))
                .sum();
            let got = bank.process_sum(x, &weights);
            assert!((got - expect).abs() < 1e-5, "{n}: {got} vs {expect}");
        }
    }
}
