//! Brush: a soft brush stroked across the microphone.
//!
//! Bristles dragged over a surface make noise whose spectrum rises with their speed (friction
//! noise, as in the PhISEM family of Cook 1997, "Physically informed sonic modeling", Computer
//! Music Journal 21(3)). A stroke here is white noise with a raised-cosine (`sin²`) attack and
//! release, through an RBJ cookbook band-pass (Bristow-Johnson, "Audio EQ Cookbook") whose
//! centre follows the stroke speed: the hand speeds up and slows down over the stroke, so the
//! centre glides from about 0.8 kHz up to 4 kHz and back. A one-pole low-pass an octave above
//! the centre steepens the upper skirt, so that the sound follows the band rather than the
//! white excitation. Filter and envelope are updated every 32 samples, linear in between.

use super::gesture::{
    ControlRate, Gesture, GestureClock, NoiseGesture, Ramp, gesture_length_s, noise_rate_gain,
};
use super::model::EventParams;
use crate::dsp::math::{exp, exp2, pow, sin};
use crate::dsp::{Biquad, WhiteNoise};
use rand::RngExt;
use rand_pcg::Pcg32;
use std::f32::consts::{FRAC_PI_2, PI, TAU};

/// Shortest stroke (decay 0), seconds.
pub const STROKE_MIN_S: f32 = 0.15;
/// Longest stroke (decay 1), seconds.
pub const STROKE_MAX_S: f32 = 0.8;
/// Octaves the stroke length strays at full timbre deviation, either way (clamped to the
/// range above).
const STROKE_SPREAD_OCT: f32 = 0.3;
/// Band-pass centre at the slowest and at the fastest point of a default stroke, Hz.
const SLOW_HZ: f32 = 800.0;
/// See [`SLOW_HZ`].
const FAST_HZ: f32 = 4_000.0;
/// Band-pass quality: broad, as friction noise is.
const BAND_Q: f32 = 1.2;
/// The low-pass corner sits this many times above the band-pass centre.
const CORNER_RATIO: f32 = 2.0;
/// Octaves the band moves over the Tone range, either way.
const TONE_OCT: f32 = 1.0;
/// Octaves the band falls from size 0 (a fine brush) to size 1 (a broad one).
const SIZE_SPAN_OCT: f32 = 1.2;
/// Octaves the fastest point falls from full intensity to the softest stroke.
const INTENSITY_SPAN_OCT: f32 = 0.7;
/// Share of the stroke spent in the attack and in the release at default timbre.
const ATTACK_SHARE: f32 = 0.3;
/// See [`ATTACK_SHARE`].
const RELEASE_SHARE: f32 = 0.4;
/// Output gain: a default stroke peaks around 0.5–0.8.
const GAIN: f32 = 0.85;

/// Brushing: a noise stroke whose band rises and falls with the speed of the hand.
pub type Brush = Gesture<BrushStroke>;

/// The sound of one brush stroke (timed and played by [`Gesture`]).
#[derive(Debug, Clone)]
pub struct BrushStroke {
    noise: WhiteNoise,
    band: Biquad,
    lp: f32,
    lp_coef: f32,
    gain: f32,
    /// The envelope, `0..=1`.
    env: Ramp,
    /// Band centre at the slowest and fastest point of this stroke, Hz.
    slow_hz: f32,
    fast_hz: f32,
    /// Exponent warping the stroke's time axis (< 1: the hand is fastest early).
    skew: f32,
    attack_share: f32,
    release_share: f32,
}

impl BrushStroke {
    /// Envelope at `x` (`0..=1` of the stroke): `sin²` attack, hold, `sin²` release.
    #[inline]
    fn envelope(&self, x: f32) -> f32 {
        let ramp = (x / self.attack_share).min((1.0 - x) / self.release_share);
        if ramp <= 0.0 {
            0.0
        } else if ramp >= 1.0 {
            1.0
        } else {
            let s = sin(FRAC_PI_2 * ramp);
            s * s
        }
    }

    /// Hand speed at `x` (`0..=1` of the stroke), `0..=1`: rises and falls over the stroke.
    #[inline]
    fn speed(&self, x: f32) -> f32 {
        sin(PI * pow(x.clamp(0.0, 1.0), self.skew))
    }
}

impl ControlRate for BrushStroke {
    /// Samples between filter and envelope updates.
    const CONTROL_SAMPLES: u32 = 32;

    /// Retunes the filters for the speed at this point and sets the envelope ramp.
    #[inline]
    fn control(&mut self, clock: &GestureClock) {
        let fs = clock.sample_rate;
        let centre_hz =
            self.slow_hz * pow(self.fast_hz / self.slow_hz, self.speed(clock.at(clock.pos)));
        self.band.retune(&Biquad::band_pass(centre_hz, BAND_Q, fs));
        self.lp_coef = 1.0 - exp(-TAU * (CORNER_RATIO * centre_hz).min(0.45 * fs) / fs);
        // The last ramp ends exactly at the end of the stroke.
        let ahead = clock.ramp_len(Self::CONTROL_SAMPLES);
        self.env.head(
            self.envelope(clock.at(clock.pos)),
            self.envelope(clock.at(clock.pos + ahead)),
            ahead,
        );
    }

    #[inline(always)]
    fn next(&mut self) -> f32 {
        self.lp += self.lp_coef * (self.noise.next() - self.lp);
        let y = self.gain * self.env.value * self.band.process(self.lp);
        self.env.advance_to_non_negative();
        y
    }
}

impl NoiseGesture for BrushStroke {
    /// Ring after the envelope has closed before the event ends, seconds: the band-pass has
    /// rung out (well under a millisecond for this Q) long before.
    const TAIL_S: f32 = 0.005;

    fn new(_sample_rate: f32) -> Self {
        Self {
            noise: WhiteNoise::new(1),
            band: Biquad::default(),
            lp: 0.0,
            lp_coef: 0.0,
            gain: 0.0,
            env: Ramp::default(),
            slow_hz: SLOW_HZ,
            fast_hz: FAST_HZ,
            skew: 1.0,
            attack_share: ATTACK_SHARE,
            release_share: RELEASE_SHARE,
        }
    }

    fn start(&mut self, event: &EventParams, rng: &mut Pcg32, fs: f32) -> f32 {
        let stroke_s = gesture_length_s(event, STROKE_MIN_S, STROKE_MAX_S, STROKE_SPREAD_OCT);
        let timbre = event.timbre_offset();
        // Each stroke has its own gait: where the hand is fastest, how it sets off and stops.
        self.skew = rng.random_range(0.8f32..1.25) * exp2(0.5 * timbre);
        self.attack_share = ATTACK_SHARE * rng.random_range(0.8f32..1.2);
        self.release_share = RELEASE_SHARE * rng.random_range(0.8f32..1.2);
        let octaves = TONE_OCT * event.tone.clamp(-1.0, 1.0)
            + SIZE_SPAN_OCT * (0.5 - event.size.clamp(0.0, 1.0));
        let scale = event.pitch_ratio() * exp2(octaves);
        // A harder stroke is a faster one: it reaches higher.
        let fast_oct = INTENSITY_SPAN_OCT * (event.intensity.clamp(0.0, 1.0) - 1.0);
        self.slow_hz = SLOW_HZ * scale;
        self.fast_hz = (FAST_HZ * scale * exp2(fast_oct)).max(self.slow_hz);
        // Band-passed noise power grows with the centre: level it at the stroke's top speed.
        self.gain = GAIN * noise_rate_gain(fs) * (FAST_HZ / self.fast_hz).sqrt();
        self.noise = WhiteNoise::new(rng.random::<u32>());
        self.band = Biquad::default();
        self.lp = 0.0;
        stroke_s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triggers::model::TriggerModel;
    use crate::triggers::test_support::model_rules::*;
    use crate::triggers::test_support::*;
    use rand::SeedableRng;

    /// Renders one sample at a time; returns the output and the envelope at each sample.
    fn with_envelope(e: &EventParams, seed: u64, fs: f32) -> (Vec<f32>, Vec<f32>) {
        let mut m = Brush::new(fs);
        m.start(e, &mut Pcg32::seed_from_u64(seed));
        render_probed(&mut m, fs, |m| m.sound.env.value)
    }

    #[test]
    fn common() {
        common_rules::<Brush>("Brush");
        gesture_rules::<Brush>("Brush");
    }

    #[test]
    fn strokes_last_150_to_800_ms_with_a_smooth_envelope() {
        for fs in RATES_HZ {
            let mut lengths_s = Vec::new();
            for decay in [0.0, 0.25, 0.5, 0.75, 1.0] {
                for (variation, timbre) in [(0.0, 0.0), (1.0, -1.0), (1.0, 1.0)] {
                    let e = event_with(|e| {
                        (e.decay, e.variation, e.timbre) = (decay, variation, timbre)
                    });
                    let (_, env) = with_envelope(&e, 5, fs);
                    let stroke_s = open_s(&env, fs);
                    assert!((0.15 - 2.0 / fs..=0.8).contains(&stroke_s), "{stroke_s}");
                    // No step: at most 1/500 of full scale per sample at 44.1 kHz and up.
                    let jump = largest_step(&env);
                    assert!(jump < 0.002, "{jump}");
                    if variation == 0.0 {
                        lengths_s.push(stroke_s);
                    }
                }
            }
            eprintln!("brush {fs}: stroke lengths {lengths_s:.3?} s");
        }
    }

    #[test]
    fn the_band_is_highest_mid_stroke() {
        for fs in RATES_HZ {
            for seed in 0..5 {
                let (x, _) = with_envelope(&EventParams::default(), seed, fs);
                let n = x.len();
                let first = spectral_centroid(&x[..n / 10], fs);
                let middle = spectral_centroid(&x[n / 3..2 * n / 3], fs);
                let last = spectral_centroid(&x[n - n / 10..], fs);
                if seed == 0 {
                    eprintln!(
                        "brush {fs}: centroid first {first:.0} middle {middle:.0} last {last:.0}"
                    );
                }
                assert!(middle > 1.3 * first.max(last), "{first} {middle} {last}");
            }
        }
    }
}
