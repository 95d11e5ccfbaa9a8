//! Scratch: a fingernail or a sheet of sandpaper rubbed close to the microphone.
//!
//! PhISEM (Cook 1997, "Physically informed sonic modeling (PhISEM)", Computer Music Journal
//! 21(3)), as in STK's `Shakers` sandpaper: a "system energy" (here the energy of the stroke)
//! sets the chance, per sample, that a grain collides; each collision adds to a sound level
//! that decays exponentially; the level modulates white noise, which rings through a two-pole
//! resonance with zeros at DC and Nyquist (STK: centre 4.5 kHz, pole radius 0.6, zeros
//! `1 − z⁻²`). That filter is exactly the RBJ cookbook band-pass, used here with a low Q.
//! STK's sandpaper lets its sound level decay so slowly (0.999 per sample) that the grains
//! blur into steady noise; here each grain decays within about a millisecond, so the grit is
//! heard. The stroke's energy rises with a `sin²` attack, decays, and closes with a `sin²`
//! release; a faster (more energetic) moment is also a brighter one.

use super::gesture::{
    ControlRate, Gesture, GestureClock, NoiseGesture, Ramp, gesture_length_s, noise_rate_gain,
};
use super::model::EventParams;
use crate::dsp::math::{exp, exp2, pow, sin};
use crate::dsp::{Biquad, WhiteNoise};
use rand::RngExt;
use rand_pcg::Pcg32;
use std::f32::consts::{FRAC_PI_2, TAU};

/// Shortest stroke (decay 0), seconds.
pub const STROKE_MIN_S: f32 = 0.1;
/// Longest stroke (decay 1), seconds.
pub const STROKE_MAX_S: f32 = 0.6;
/// Octaves the stroke length strays at full timbre deviation, either way (then clamped).
const STROKE_SPREAD_OCT: f32 = 0.3;
/// Grain collisions per second at full stroke energy (STK sandpaper: 128 in 1024 per sample).
const GRAIN_RATE_HZ: f32 = 3_000.0;
/// Decay time constant of one grain's sound, seconds.
const GRAIN_TAU_S: f32 = 0.000_6;
/// Resonance centre at default settings, Hz (STK `SANDPAPR_CENTER_FREQ`).
const CENTRE_HZ: f32 = 4_500.0;
/// Resonance quality: broad (STK's pole radius 0.6 spans several kHz).
const BAND_Q: f32 = 1.2;
/// A one-pole low-pass this many times above the centre steepens the upper skirt.
const CORNER_RATIO: f32 = 2.0;
/// Octaves the centre moves from the calmest to the most energetic moment of a stroke.
const ENERGY_OCT: f32 = 0.3;
/// Octaves the resonance moves over the Tone range, either way.
const TONE_OCT: f32 = 1.0;
/// Octaves the resonance falls from size 0 to size 1 (fine grit to coarse).
const SIZE_SPAN_OCT: f32 = 1.2;
/// Octaves the resonance falls from full intensity to the softest stroke.
const INTENSITY_SPAN_OCT: f32 = 0.6;
/// Share of the stroke spent in the attack and in the release.
const ATTACK_SHARE: f32 = 0.15;
/// See [`ATTACK_SHARE`].
const RELEASE_SHARE: f32 = 0.25;
/// Energy left at the start of the release relative to the peak (the system energy decays).
const DECAY_TO: f32 = 0.35;
/// Grain sound level below which it is cut to zero (−120 dB): the filters, whose rings are
/// shorter than a grain's, are silent too and are cleared with it.
const LEVEL_FLOOR: f32 = 1e-6;
/// Most the grain sound level may pile up to (about twice its mean at full energy): a rare
/// cluster of grains stays a grain, not a pop (STK clips its output for the same reason).
const LEVEL_MAX: f32 = 2.5;
/// Output gain: a default stroke peaks around 0.5–0.8.
const GAIN: f32 = 0.45;

/// Sandpaper-like scratching: dense random grains through a broad 4.5 kHz resonance.
pub type Scratch = Gesture<ScratchStroke>;

/// The sound of one scratching stroke (timed and played by [`Gesture`]).
#[derive(Debug, Clone)]
pub struct ScratchStroke {
    noise: WhiteNoise,
    grains: WhiteNoise,
    band: Biquad,
    lp: f32,
    lp_coef: f32,
    gain: f32,
    /// Decaying sound level of the grains, and its decay per sample.
    level: f32,
    level_decay: f32,
    /// Stroke energy, `0..=1`.
    energy: Ramp,
    /// Grain probability per sample at full energy.
    grain_chance: f32,
    centre_hz: f32,
    attack_share: f32,
    release_share: f32,
}

impl ScratchStroke {
    /// Stroke energy at `x` (`0..=1` of the stroke): `sin²` attack, exponential-like decay
    /// to [`DECAY_TO`], `sin²` release.
    #[inline]
    fn energy_at(&self, x: f32) -> f32 {
        let ramp = (x / self.attack_share).min((1.0 - x) / self.release_share);
        if ramp <= 0.0 {
            return 0.0;
        }
        let s = sin(FRAC_PI_2 * ramp.min(1.0));
        let held = ((x - self.attack_share) / (1.0 - self.attack_share - self.release_share))
            .clamp(0.0, 1.0);
        s * s * pow(DECAY_TO, held)
    }
}

impl ControlRate for ScratchStroke {
    /// Samples between updates of energy and filter.
    const CONTROL_SAMPLES: u32 = 32;

    /// Sets the energy ramp and retunes the resonance for the energy at this point.
    #[inline]
    fn control(&mut self, clock: &GestureClock) {
        let fs = clock.sample_rate;
        self.energy.head(
            self.energy_at(clock.at(clock.pos)),
            self.energy_at(clock.at(clock.pos + Self::CONTROL_SAMPLES)),
            Self::CONTROL_SAMPLES,
        );
        let centre_hz = self.centre_hz * exp2(ENERGY_OCT * (self.energy.value - 0.5));
        self.band.retune(&Biquad::band_pass(centre_hz, BAND_Q, fs));
        self.lp_coef = 1.0 - exp(-TAU * (CORNER_RATIO * centre_hz).min(0.45 * fs) / fs);
    }

    #[inline(always)]
    fn next(&mut self) -> f32 {
        // A grain collides with probability ∝ energy; given that it does, u / chance is
        // uniform in [0, 1) again and sets how hard.
        let energy = self.energy.value;
        let chance = self.grain_chance * energy;
        let u = self.grains.next_unit();
        if u < chance {
            self.level = (self.level + energy * (0.3 + 0.7 * u / chance)).min(LEVEL_MAX);
        }
        self.lp += self.lp_coef * (self.level * self.noise.next() - self.lp);
        let y = self.gain * self.band.process(self.lp);
        self.level *= self.level_decay;
        if self.level < LEVEL_FLOOR && self.level != 0.0 {
            // Long without a grain: silence the grains and the filters before anything
            // turns subnormal (decided per sample, so block splits do not matter).
            self.level = 0.0;
            self.band.reset();
            self.lp = 0.0;
        }
        self.energy.advance();
        y
    }
}

impl NoiseGesture for ScratchStroke {
    /// Ring after the stroke before the event ends, seconds (grains and filters have died
    /// out).
    const TAIL_S: f32 = 0.01;

    fn new(sample_rate: f32) -> Self {
        Self {
            noise: WhiteNoise::new(1),
            grains: WhiteNoise::new(2),
            band: Biquad::default(),
            lp: 0.0,
            lp_coef: 0.0,
            gain: 0.0,
            level: 0.0,
            level_decay: exp(-1.0 / (GRAIN_TAU_S * sample_rate)),
            energy: Ramp::default(),
            grain_chance: GRAIN_RATE_HZ / sample_rate,
            centre_hz: CENTRE_HZ,
            attack_share: ATTACK_SHARE,
            release_share: RELEASE_SHARE,
        }
    }

    fn start(&mut self, event: &EventParams, rng: &mut Pcg32, fs: f32) -> f32 {
        let stroke_s = gesture_length_s(event, STROKE_MIN_S, STROKE_MAX_S, STROKE_SPREAD_OCT);
        let timbre = event.timbre_offset();
        // Each stroke sets off and stops in its own way.
        self.attack_share = ATTACK_SHARE * rng.random_range(0.7f32..1.3) * exp2(0.4 * timbre);
        self.release_share = RELEASE_SHARE * rng.random_range(0.8f32..1.2);
        let octaves = TONE_OCT * event.tone.clamp(-1.0, 1.0)
            + SIZE_SPAN_OCT * (0.5 - event.size.clamp(0.0, 1.0))
            + INTENSITY_SPAN_OCT * (event.intensity.clamp(0.0, 1.0) - 1.0);
        self.centre_hz = CENTRE_HZ * event.pitch_ratio() * exp2(octaves);
        // Noise through a constant-Q band carries power ∝ centre: level it, so that tone,
        // size and intensity change the colour and not the loudness.
        self.gain = GAIN * noise_rate_gain(fs) * (CENTRE_HZ / self.centre_hz).sqrt();
        self.noise = WhiteNoise::new(rng.random::<u32>());
        self.grains = WhiteNoise::new(rng.random::<u32>());
        self.band = Biquad::default();
        self.lp = 0.0;
        self.level = 0.0;
        stroke_s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triggers::brush::Brush;
    use crate::triggers::test_support::model_rules::*;
    use crate::triggers::test_support::*;

    #[test]
    fn common() {
        // The last grain falls at a different moment at each rate (18 ms apart in the longest
        // event of `duration_rule`), so the sounding end is not compared; the gesture rules
        // hold the reported end.
        common_rules_but_duration::<Scratch>("Scratch");
        gesture_rules::<Scratch>("Scratch");
    }

    #[test]
    fn brighter_than_brush() {
        brighter_rule::<Scratch, Brush>(["Scratch", "Brush"], 1.2, 1..9);
    }

    #[test]
    fn strokes_last_100_to_600_ms() {
        for fs in RATES_HZ {
            let mut lengths_s = Vec::new();
            for decay in [0.0, 0.25, 0.5, 0.75, 1.0] {
                for (variation, timbre) in [(0.0, 0.0), (1.0, -1.0), (1.0, 1.0)] {
                    let e = event_with(|e| {
                        (e.decay, e.variation, e.timbre) = (decay, variation, timbre)
                    });
                    let stroke_s = reported_s::<Scratch>(&e, 5, fs) - ScratchStroke::TAIL_S;
                    assert!((0.099..=0.601).contains(&stroke_s), "{stroke_s}");
                    if variation == 0.0 {
                        lengths_s.push(stroke_s);
                    }
                }
            }
            eprintln!("scratch {fs}: stroke lengths {lengths_s:.3?} s");
        }
    }
}
