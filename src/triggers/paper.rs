//! Paper: a sheet of paper crumpled in the hand.
//!
//! The crackle is Crinkle's power-law click machinery (Houle & Sethna 1996, "Acoustic emission
//! from crumpling paper", Phys. Rev. E 54) voiced for paper: softer, longer clicks ringing
//! through lower resonances drawn between 0.5 and 2 kHz. Under it runs the swish of the sheet
//! rubbing on itself and on the palm: low-passed noise whose smooth `sin²` envelope spans the
//! gesture.

use super::crumple::{CrumpleClicks, CrumpleVoicing};
use super::gesture::{ControlRate, GestureClock, Ramp, noise_rate_gain};
use super::model::{EventParams, TriggerModel};
use crate::dsp::WhiteNoise;
use crate::dsp::math::{exp, exp2, pow, sin};
use rand::RngExt;
use rand_pcg::Pcg32;
use std::f32::consts::{PI, TAU};

/// Paper: duller, longer and sparser clicks than plastic, and longer gestures.
const SHEET: CrumpleVoicing = CrumpleVoicing {
    band_lo_hz: 500.0,
    band_hi_hz: 2_000.0,
    band_t60_min_s: 0.003,
    band_t60_max_s: 0.006,
    click_tau_min_s: 0.000_2,
    click_tau_max_s: 0.001,
    peak_rate_hz: 400.0,
    gesture_min_s: 0.1,
    gesture_max_s: 0.8,
    alpha: 1.4,
    gain: 0.27,
};
/// Swish low-pass corner at default settings, Hz.
const SWISH_CORNER_HZ: f32 = 2_000.0;
/// Octaves the swish corner moves over the Tone range, either way.
const TONE_OCT: f32 = 1.0;
/// Octaves the swish corner falls from size 0 to size 1 (as the click resonances do).
const SIZE_SPAN_OCT: f32 = 1.2;
/// Swish level against the clicks (whose loudest peaks around 0.5–0.8).
const SWISH_GAIN: f32 = 0.1;

/// Crumpling paper: power-law clicks between 0.5 and 2 kHz over a smooth noise swish.
#[derive(Debug, Clone)]
pub struct Paper {
    clicks: CrumpleClicks,
    swish: Swish,
    /// The swish's clock, on the clicks' gesture.
    clock: GestureClock,
}

/// The sheet rubbing on itself and on the palm: low-passed noise under a `sin²` bump.
#[derive(Debug, Clone)]
struct Swish {
    noise: WhiteNoise,
    /// One-pole low-pass coefficient.
    lp_coef: f32,
    lp: f32,
    gain: f32,
    env: Ramp,
    /// Exponent warping the gesture's time axis under the bump (< 1: an early peak).
    skew: f32,
}

impl Paper {
    /// Energies of the current gesture's clicks, in onset order (`10⁻³ ..= 1`).
    pub fn click_energies(&self) -> &[f32] {
        self.clicks.energies()
    }
}

impl Swish {
    /// Envelope at sample `pos`: `sin²` over the gesture, peaking early or late.
    #[inline]
    fn envelope_at(&self, clock: &GestureClock, pos: u32) -> f32 {
        if pos >= clock.gesture_len {
            return 0.0;
        }
        let s = sin(PI * pow(clock.at(pos), self.skew));
        s * s
    }
}

impl ControlRate for Swish {
    /// Samples between updates of the envelope (linear in between).
    const CONTROL_SAMPLES: u32 = 32;

    #[inline]
    fn control(&mut self, clock: &GestureClock) {
        let n = Self::CONTROL_SAMPLES;
        self.env.head(
            self.envelope_at(clock, clock.pos),
            self.envelope_at(clock, clock.pos + n),
            n,
        );
    }

    #[inline(always)]
    fn next(&mut self) -> f32 {
        self.lp += self.lp_coef * (self.noise.next() - self.lp);
        let y = self.gain * self.env.value * self.lp;
        self.env.advance();
        y
    }
}

impl TriggerModel for Paper {
    fn new(sample_rate: f32) -> Self {
        Self {
            clicks: CrumpleClicks::new(sample_rate),
            swish: Swish {
                noise: WhiteNoise::new(1),
                lp_coef: 0.0,
                lp: 0.0,
                gain: 0.0,
                env: Ramp::default(),
                skew: 1.0,
            },
            clock: GestureClock::silent(sample_rate),
        }
    }

    fn start(&mut self, event: &EventParams, rng: &mut Pcg32) {
        let fs = self.clock.sample_rate;
        self.clicks.start(&SHEET, event, rng);
        let octaves = TONE_OCT * event.tone.clamp(-1.0, 1.0)
            + SIZE_SPAN_OCT * (0.5 - event.size.clamp(0.0, 1.0))
            + 0.5 * (event.intensity.clamp(0.0, 1.0) - 1.0);
        let corner_hz = (SWISH_CORNER_HZ * event.pitch_ratio() * exp2(octaves)).min(0.45 * fs);
        let swish = &mut self.swish;
        swish.lp_coef = 1.0 - exp(-TAU * corner_hz / fs);
        swish.gain = SWISH_GAIN * noise_rate_gain(fs);
        swish.skew = rng.random_range(0.6f32..1.2) * exp2(0.5 * event.timbre_offset());
        swish.noise = WhiteNoise::new(rng.random::<u32>());
        swish.lp = 0.0;
        swish.env = Ramp::default();
        self.clock
            .start_with_lengths(self.clicks.gesture_len, self.clicks.len);
    }

    fn render(&mut self, out: &mut [f32]) -> bool {
        self.clicks.render(out);
        self.clock.add_to(&mut self.swish, out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triggers::crinkle::Crinkle;
    use crate::triggers::test_support::model_rules::*;

    #[test]
    fn common() {
        common_rules::<Paper>("Paper");
        gesture_rules::<Paper>("Paper");
    }

    #[test]
    fn darker_than_crinkle() {
        // Paper below 0.75 of the crinkle's centroid.
        brighter_rule::<Crinkle, Paper>(["Crinkle", "Paper"], 1.0 / 0.75, 1..9);
    }
}
