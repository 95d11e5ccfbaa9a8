//! Nail Tap: a fingernail tapping a hard plastic or glass surface (a phone case, a glass).
//!
//! A click (a sub-millisecond burst of band-passed noise: the nail's own contact noise) over four
//! short modes of a thin free-free bar, whose ratios `1 : 2.757 : 5.404 : 8.933` are
//! `(3.0112 : 5 : 7 : 9)²` (Euler–Bernoulli beam; Fletcher & Rossing 1998, "The Physics of
//! Musical Instruments", §2.15). Hard materials ring briefly when held (every mode's T60 stays
//! under 25 ms), and the nail's contact is far shorter than a fingertip's, so the modes are
//! struck much brighter than the wood tap's (same raised-cosine contact, van den Doel, Kry &
//! Pai 2001). The modal core is the wood tap's [`ModalBank`].

use super::gesture::{NOISE_REFERENCE_RATE_HZ, noise_rate_gain};
use super::modal::{ModalBank, ModalVoicing, Struck};
use super::model::{EventParams, TriggerModel};
use crate::dsp::math::exp2;
use crate::dsp::{Biquad, WhiteNoise};
use rand::RngExt;
use rand_pcg::Pcg32;
use std::f32::consts::FRAC_1_SQRT_2;

/// Highest upper corner of a noise band, Hz, so a band holds the same content at every rate.
const BAND_LOWPASS_MAX_HZ: f32 = 16_000.0;

/// White noise between two second-order Butterworth corners (cookbook high- and low-pass),
/// at a level independent of the sample rate (see [`noise_rate_gain`]).
#[derive(Debug, Clone, Copy)]
pub(crate) struct NoiseBand {
    noise: WhiteNoise,
    highpass: Biquad,
    lowpass: Biquad,
    gain: f32,
}

impl NoiseBand {
    /// Noise seeded by `seed` between `low_hz` and `high_hz` (capped at 16 kHz).
    pub(crate) fn new(seed: u32, low_hz: f32, high_hz: f32, sample_rate: f32) -> Self {
        Self {
            noise: WhiteNoise::new(seed),
            highpass: Biquad::high_pass(low_hz, FRAC_1_SQRT_2, sample_rate),
            lowpass: Biquad::low_pass(high_hz.min(BAND_LOWPASS_MAX_HZ), FRAC_1_SQRT_2, sample_rate),
            gain: noise_rate_gain(sample_rate),
        }
    }

    /// The next sample.
    #[inline(always)]
    pub(crate) fn next(&mut self) -> f32 {
        self.gain
            * self
                .lowpass
                .process(self.highpass.process(self.noise.next()))
    }
}

/// Upper corner of a burst as a multiple of its lower corner: a band of two octaves.
const BURST_BAND_RATIO: f32 = 4.0;

/// A short band of white noise with a linearly falling envelope: a click.
#[derive(Debug, Clone, Copy)]
pub(crate) struct NoiseBurst {
    band: NoiseBand,
    envelope: f32,
    envelope_step: f32,
    remaining_samples: u32,
}

impl NoiseBurst {
    /// A silent burst.
    pub(crate) fn new() -> Self {
        Self {
            band: NoiseBand::new(1, 1_000.0, 4_000.0, NOISE_REFERENCE_RATE_HZ),
            envelope: 0.0,
            envelope_step: 0.0,
            remaining_samples: 0,
        }
    }

    /// Starts a burst of `duration_s` seconds of noise seeded by `seed`, band-passed from
    /// `highpass_hz` two octaves up, starting near `peak` (linear) and falling to silence.
    pub(crate) fn start(
        &mut self,
        seed: u32,
        highpass_hz: f32,
        duration_s: f32,
        peak: f32,
        sample_rate: f32,
    ) {
        let samples = (duration_s * sample_rate).round().max(1.0);
        self.band = NoiseBand::new(
            seed,
            highpass_hz,
            BURST_BAND_RATIO * highpass_hz,
            sample_rate,
        );
        self.envelope = peak;
        self.envelope_step = peak / samples;
        self.remaining_samples = samples as u32;
    }

    /// Adds the next samples of the burst to `out`; `false` once it has ended.
    pub(crate) fn add_to(&mut self, out: &mut [f32]) -> bool {
        let live = out.len().min(self.remaining_samples as usize);
        for o in &mut out[..live] {
            *o += self.envelope * self.band.next();
            self.envelope -= self.envelope_step;
        }
        self.remaining_samples -= live as u32;
        self.remaining_samples > 0
    }
}

/// A hard, bright, heavily damped material: keratin on plastic or glass.
const NAIL: ModalVoicing = ModalVoicing {
    // Free-free bar mode ratios, `(βₙ/β₁)²` with `βₙL = 3.0112, 5, 7, 9` (Fletcher & Rossing).
    mode_ratios: [1.0, 2.757, 5.404, 8.933],
    mode_gains: [1.0, 0.8, 0.65, 0.5],
    fundamental_max_hz: 3_200.0,
    fundamental_min_hz: 800.0,
    // Still short at decay 1: a held object is damped.
    t60_min_s: 0.006,
    t60_max_s: 0.024,
    damping_exponent: 0.3,
    contact_soft_s: 0.3e-3,
    contact_hard_s: 0.06e-3,
    contact_max_periods: 0.6,
    hardness_timbre: 0.4,
    // A nail lands near an edge.
    strike_position: 0.3,
    strike_timbre: 0.12,
    tone_tilt: 0.6,
    tone_contact_octaves: 0.8,
    tone_pitch_octaves: 0.25,
    contact_noise: 0.2,
    peak: 0.7,
};

/// Click length at the softest and hardest tap, seconds.
const CLICK_SOFT_S: f32 = 0.7e-3;
const CLICK_HARD_S: f32 = 0.3e-3;

/// Click lower corner at tone 0 and a fundamental of [`CLICK_REFERENCE_HZ`], Hz; it moves an
/// octave per unit of tone, and half an octave per octave of the fundamental (a smaller object
/// clicks higher).
const CLICK_HIGHPASS_HZ: f32 = 3_000.0;
const CLICK_REFERENCE_HZ: f32 = 1_600.0;

/// Click starting level at the softest and hardest tap, linear.
const CLICK_SOFT_PEAK: f32 = 0.1;
const CLICK_HARD_PEAK: f32 = 0.3;

/// A fingernail tap on hard plastic or glass.
#[derive(Debug, Clone, Copy)]
pub struct NailTap {
    sample_rate: f32,
    bank: ModalBank,
    click: NoiseBurst,
}

impl TriggerModel for NailTap {
    fn new(sample_rate: f32) -> Self {
        Self {
            sample_rate,
            bank: ModalBank::new(sample_rate),
            click: NoiseBurst::new(),
        }
    }

    fn start(&mut self, event: &EventParams, rng: &mut Pcg32) {
        let tone = event.tone.clamp(-1.0, 1.0);
        let Struck {
            fundamental_hz,
            hardness,
        } = NAIL.strike(&mut self.bank, event, rng);
        let lerp = |soft: f32, hard: f32| soft + (hard - soft) * hardness;
        self.click.start(
            rng.random::<u32>(),
            CLICK_HIGHPASS_HZ * exp2(tone) * (fundamental_hz / CLICK_REFERENCE_HZ).sqrt(),
            lerp(CLICK_SOFT_S, CLICK_HARD_S),
            lerp(CLICK_SOFT_PEAK, CLICK_HARD_PEAK),
            self.sample_rate,
        );
    }

    fn render(&mut self, out: &mut [f32]) -> bool {
        let ringing = self.bank.render(out);
        let clicking = self.click.add_to(out);
        ringing || clicking
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::math::pow;
    use crate::triggers::test_support::model_rules::*;
    use crate::triggers::test_support::*;
    use crate::triggers::wood_tap::WoodTap;

    #[test]
    fn common() {
        common_rules::<NailTap>("NailTap");
    }

    #[test]
    fn brighter_than_wood() {
        brighter_rule::<NailTap, WoodTap>(["NailTap", "WoodTap"], 1.0, 1..2);
    }

    #[test]
    fn rings_under_30_ms() {
        for fs in RATES_HZ {
            for size in [0.0, 1.0] {
                let event = EventParams {
                    size,
                    decay: 1.0,
                    ..Default::default()
                };
                let out = render::<NailTap>(&event, 1, fs);
                // Broadband: from the peak to the last sample above −60 dB of it.
                let (at_peak, last) = peak_to_60_db(&out);
                let broadband_s = (last - at_peak) as f32 / fs;
                let f1 = NAIL.fundamental_max_hz
                    * pow(NAIL.fundamental_min_hz / NAIL.fundamental_max_hz, size);
                let t60 = t60_around(&out, f1, fs);
                eprintln!(
                    "NailTap {fs} Hz size {size}: −60 dB after {broadband_s:.4} s, \
                     fundamental T60 {t60:.4} s"
                );
                assert!(broadband_s < 0.030 && t60 < 0.030, "{broadband_s} {t60}");
            }
        }
    }
}
