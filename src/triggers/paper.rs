//! Paper: a sheet of paper crumpled in the hand.
//!
//! The crackle is Crinkle's power-law click machinery (Houle & Sethna 1996, "Acoustic emission
//! from crumpling paper", Phys. Rev. E 54) voiced for paper: softer, longer clicks ringing
//! through lower resonances drawn between 0.5 and 2 kHz. Under it runs the swish of the sheet
//! rubbing on itself and on the palm: low-passed noise whose smooth `sin²` envelope spans the
//! gesture.

use super::crumple::{CrumpleClicks, CrumpleVoicing};
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
/// Rate at which the swish level is calibrated, Hz: low-passed noise carries power in
/// proportion to `corner/fs`, so it is scaled by `√(fs/48k)`.
const REF_RATE_HZ: f32 = 48_000.0;
/// Samples between updates of the swish envelope (linear in between).
const CONTROL_SAMPLES: u32 = 32;

/// Crumpling paper: power-law clicks between 0.5 and 2 kHz over a smooth noise swish.
#[derive(Debug, Clone)]
pub struct Paper {
    sample_rate: f32,
    clicks: CrumpleClicks,
    noise: WhiteNoise,
    /// One-pole low-pass coefficient of the swish.
    lp_coef: f32,
    lp: f32,
    gain: f32,
    env: f32,
    env_step: f32,
    /// Exponent warping the gesture's time axis under the swish bump (< 1: an early peak).
    skew: f32,
    pos: u32,
    len: u32,
    gesture_len: u32,
}

impl Paper {
    /// Energies of the current gesture's clicks, in onset order (`10⁻³ ..= 1`).
    pub fn click_energies(&self) -> &[f32] {
        self.clicks.energies()
    }

    /// Swish envelope at sample `pos`: `sin²` over the gesture, peaking early or late.
    fn envelope_at(&self, pos: u32) -> f32 {
        if pos >= self.gesture_len {
            return 0.0;
        }
        let x = pos as f32 / self.gesture_len as f32;
        let s = sin(PI * pow(x, self.skew));
        s * s
    }
}

impl TriggerModel for Paper {
    fn new(sample_rate: f32) -> Self {
        Self {
            sample_rate,
            clicks: CrumpleClicks::new(sample_rate),
            noise: WhiteNoise::new(1),
            lp_coef: 0.0,
            lp: 0.0,
            gain: 0.0,
            env: 0.0,
            env_step: 0.0,
            skew: 1.0,
            pos: 0,
            len: 0,
            gesture_len: 0,
        }
    }

    fn start(&mut self, event: &EventParams, rng: &mut Pcg32) {
        let fs = self.sample_rate;
        self.clicks.start(&SHEET, event, rng);
        let octaves = TONE_OCT * event.tone.clamp(-1.0, 1.0)
            + SIZE_SPAN_OCT * (0.5 - event.size.clamp(0.0, 1.0))
            + 0.5 * (event.intensity.clamp(0.0, 1.0) - 1.0);
        let corner_hz = (SWISH_CORNER_HZ * event.pitch_ratio() * exp2(octaves)).min(0.45 * fs);
        self.lp_coef = 1.0 - exp(-TAU * corner_hz / fs);
        self.gain = SWISH_GAIN * (fs / REF_RATE_HZ).sqrt();
        self.skew = rng.random_range(0.6f32..1.2) * exp2(0.5 * event.timbre_offset());
        self.noise = WhiteNoise::new(rng.random::<u32>());
        self.lp = 0.0;
        self.env = 0.0;
        self.env_step = 0.0;
        self.pos = 0;
        self.len = self.clicks.len;
        self.gesture_len = self.clicks.gesture_len;
    }

    fn render(&mut self, out: &mut [f32]) -> bool {
        self.clicks.render(out);
        let n = out.len().min((self.len - self.pos) as usize);
        for y in &mut out[..n] {
            if self.pos.is_multiple_of(CONTROL_SAMPLES) {
                // Land exactly on this tick's value, then head for the next one.
                self.env = self.envelope_at(self.pos);
                self.env_step = (self.envelope_at(self.pos + CONTROL_SAMPLES) - self.env)
                    / CONTROL_SAMPLES as f32;
            }
            self.lp += self.lp_coef * (self.noise.next() - self.lp);
            *y += self.gain * self.env * self.lp;
            self.env += self.env_step;
            self.pos += 1;
        }
        self.pos < self.len
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
