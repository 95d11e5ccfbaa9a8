//! Shh: a whispered "shh", breathed close to the microphone.
//!
//! The postalveolar fricative /ʃ/ is turbulent noise shaped by the small cavity in front of
//! the tongue: a broad spectral peak around 2.5–4 kHz, little energy below 1.5 kHz
//! (Jongman, Wayland & Wong 2000, "Acoustic characteristics of English fricatives", JASA 108;
//! Stevens 1998, "Acoustic Phonetics"). A burst here is white noise through two cascaded RBJ
//! cookbook band-passes (Bristow-Johnson, "Audio EQ Cookbook") a little below and above that
//! peak, so the passband is broad and the skirts fall at 12 dB/octave; slow `sin²` attack and
//! release (each at least 80 ms), a breath that weakens towards its end, and a tongue that
//! drifts slightly, moving the peak by a few per cent over the burst.

use super::gesture::{
    ControlRate, Gesture, GestureClock, NoiseGesture, Ramp, gesture_length_s, noise_rate_gain,
};
use super::model::EventParams;
use crate::dsp::math::{exp2, pow, sin};
use crate::dsp::{Biquad, WhiteNoise};
use rand::RngExt;
use rand_pcg::Pcg32;
use std::f32::consts::{FRAC_PI_2, PI};

/// Shortest burst (decay 0), seconds.
pub const BURST_MIN_S: f32 = 0.3;
/// Longest burst (decay 1), seconds.
pub const BURST_MAX_S: f32 = 1.5;
/// Shortest attack and release, seconds: a breath never starts or stops abruptly.
pub const RAMP_MIN_S: f32 = 0.08;
/// Octaves the burst length strays at full timbre deviation, either way (then clamped).
const BURST_SPREAD_OCT: f32 = 0.3;
/// Share of the burst spent in the attack and in the release (before the minimum applies).
const ATTACK_SHARE: f32 = 0.3;
/// See [`ATTACK_SHARE`].
const RELEASE_SHARE: f32 = 0.4;
/// Level at the start of the release relative to the end of the attack: the breath weakens.
const SUSTAIN_END: f32 = 0.75;
/// Centres of the two band-passes at default settings, Hz: the fricative peak lies between.
const LOW_HZ: f32 = 2_600.0;
/// See [`LOW_HZ`].
const HIGH_HZ: f32 = 4_200.0;
/// Share of the single band-pass signal mixed in: breath noise beyond the fricative peak.
const BREATH: f32 = 0.15;
/// Quality of each band-pass.
const BAND_Q: f32 = 1.1;
/// Largest drift of the peak over a burst, octaves either way.
const DRIFT_OCT: f32 = 0.08;
/// Octaves the peak moves over the Tone range, either way.
const TONE_OCT: f32 = 1.0;
/// Octaves the peak falls from size 0 to size 1 (a larger mouth cavity is lower).
const SIZE_SPAN_OCT: f32 = 1.0;
/// Octaves the peak falls from full intensity to the softest breath.
const INTENSITY_SPAN_OCT: f32 = 0.4;
/// Output gain: a default burst peaks around 0.5–0.8.
const GAIN: f32 = 1.0;

/// A breathy "shh": fricative noise peaking around 3–4 kHz, with slow attack and release.
pub type Shh = Gesture<ShhBurst>;

/// The sound of one "shh" burst (timed and played by [`Gesture`]).
#[derive(Debug, Clone)]
pub struct ShhBurst {
    noise: WhiteNoise,
    low: Biquad,
    high: Biquad,
    gain: f32,
    /// The envelope, `0..=1`.
    env: Ramp,
    /// Band-pass centres at default settings for this burst, Hz.
    low_hz: f32,
    high_hz: f32,
    /// Drift of the peak: octaves at the middle of the burst, and phase of its sweep.
    drift_oct: f32,
    drift_phase: f32,
    attack_len: u32,
    release_len: u32,
}

impl ShhBurst {
    /// Envelope at sample `pos`: `sin²` attack, a slowly weakening hold, `sin²` release.
    #[inline]
    fn envelope_at(&self, clock: &GestureClock, pos: u32) -> f32 {
        let burst_len = clock.gesture_len;
        if pos >= burst_len {
            return 0.0;
        }
        let hold_len = burst_len - self.attack_len - self.release_len;
        let sustain = 1.0
            - (1.0 - SUSTAIN_END) * (pos.saturating_sub(self.attack_len) as f32 / hold_len as f32);
        let ramp = (pos as f32 / self.attack_len as f32)
            .min((burst_len - pos) as f32 / self.release_len as f32);
        let s = sin(FRAC_PI_2 * ramp.min(1.0));
        s * s * sustain.clamp(SUSTAIN_END, 1.0)
    }
}

impl ControlRate for ShhBurst {
    /// Samples between updates of envelope and filters.
    const CONTROL_SAMPLES: u32 = 64;

    /// Sets the envelope ramp and retunes both band-passes for the drift at this point.
    #[inline]
    fn control(&mut self, clock: &GestureClock) {
        let fs = clock.sample_rate;
        // The last ramp ends exactly at the end of the burst.
        let ahead = clock.ramp_len(Self::CONTROL_SAMPLES);
        self.env.head(
            self.envelope_at(clock, clock.pos),
            self.envelope_at(clock, clock.pos + ahead),
            ahead,
        );
        let drift = exp2(self.drift_oct * sin(PI * clock.at(clock.pos) + self.drift_phase));
        self.low
            .retune(&Biquad::band_pass(self.low_hz * drift, BAND_Q, fs));
        self.high
            .retune(&Biquad::band_pass(self.high_hz * drift, BAND_Q, fs));
    }

    #[inline(always)]
    fn next(&mut self) -> f32 {
        let x = self.low.process(self.noise.next());
        let y = self.gain * self.env.value * (self.high.process(x) + BREATH * x);
        self.env.advance_to_non_negative();
        y
    }
}

impl NoiseGesture for ShhBurst {
    /// Ring after the envelope has closed before the event ends, seconds.
    const TAIL_S: f32 = 0.005;

    fn new(_sample_rate: f32) -> Self {
        Self {
            noise: WhiteNoise::new(1),
            low: Biquad::default(),
            high: Biquad::default(),
            gain: 0.0,
            env: Ramp::default(),
            low_hz: LOW_HZ,
            high_hz: HIGH_HZ,
            drift_oct: 0.0,
            drift_phase: 0.0,
            attack_len: 1,
            release_len: 1,
        }
    }

    fn start(&mut self, event: &EventParams, rng: &mut Pcg32, fs: f32) -> f32 {
        let burst_s = gesture_length_s(event, BURST_MIN_S, BURST_MAX_S, BURST_SPREAD_OCT);
        let timbre = event.timbre_offset();
        // Ramps: a share of the burst, never shorter than RAMP_MIN_S, together at most 90 %.
        let attack_s = (ATTACK_SHARE * burst_s * rng.random_range(0.8f32..1.2)).max(RAMP_MIN_S);
        let release_s = (RELEASE_SHARE * burst_s * rng.random_range(0.8f32..1.2))
            .clamp(RAMP_MIN_S, 0.9 * burst_s - attack_s);
        self.drift_oct = DRIFT_OCT * rng.random_range(-1.0f32..1.0);
        self.drift_phase = rng.random_range(-0.5f32..0.5) + timbre;
        let octaves = TONE_OCT * event.tone.clamp(-1.0, 1.0)
            + SIZE_SPAN_OCT * (0.5 - event.size.clamp(0.0, 1.0))
            + INTENSITY_SPAN_OCT * (event.intensity.clamp(0.0, 1.0) - 1.0);
        let scale = event.pitch_ratio() * exp2(octaves);
        self.low_hz = LOW_HZ * scale;
        self.high_hz = HIGH_HZ * scale;
        // Noise through constant-Q bands carries power ∝ centre: brighter settings keep a
        // little of that loudness, not all of it.
        self.gain = GAIN * noise_rate_gain(fs) * pow(scale, -0.3);
        self.noise = WhiteNoise::new(rng.random::<u32>());
        self.low = Biquad::default();
        self.high = Biquad::default();
        self.attack_len = (attack_s * fs) as u32;
        self.release_len = (release_s * fs) as u32;
        burst_s
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triggers::model::TriggerModel;
    use crate::triggers::test_support::model_rules::*;
    use crate::triggers::test_support::*;
    use rand::SeedableRng;

    #[test]
    fn common() {
        common_rules::<Shh>("Shh");
        gesture_rules::<Shh>("Shh");
    }

    #[test]
    fn energy_lies_between_2_and_6_khz_without_harmonics() {
        for fs in RATES_HZ {
            let at = |tone| {
                let x = render_event::<Shh>(&event_with(|e| e.tone = tone), 1, fs, 3.0);
                (
                    band_energy_fraction(&x, fs, 2_000.0, 6_000.0),
                    spectral_flatness(&x, fs),
                )
            };
            let [dark, default, bright] = [-1.0, 0.0, 1.0].map(at);
            eprintln!(
                "shh {fs}: 2-6 kHz share / flatness at tone -1 {dark:.3?} 0 {default:.3?} +1 {bright:.3?}"
            );
            assert!(default.0 >= 0.6 && default.1 > 0.05, "{default:?}");
        }
    }

    #[test]
    fn bursts_last_300_to_1500_ms_with_slow_smooth_ramps() {
        for fs in RATES_HZ {
            let mut lengths_s = Vec::new();
            for decay in [0.0, 0.25, 0.5, 0.75, 1.0] {
                for (variation, timbre, seed) in [(0.0, 0.0, 1), (1.0, -1.0, 2), (1.0, 1.0, 3)] {
                    let mut m = Shh::new(fs);
                    let e = event_with(|e| {
                        (e.decay, e.variation, e.timbre) = (decay, variation, timbre)
                    });
                    m.start(&e, &mut Pcg32::seed_from_u64(seed));
                    let (_, env) = render_probed(&mut m, fs, |m| m.sound.env.value);
                    let burst_s = open_s(&env, fs);
                    assert!((0.3 - 2.0 / fs..=1.5).contains(&burst_s), "{burst_s}");
                    // sin² ramps reach 90 % after 0.795 of their length: at least 63 ms.
                    let top = env.iter().fold(0.0f32, |a, b| a.max(*b));
                    let rise = env.iter().position(|v| *v >= 0.9 * top).unwrap();
                    let from = (m.clock.gesture_len - m.sound.release_len) as usize;
                    let fall = m.clock.gesture_len as usize
                        - env.iter().rposition(|v| *v >= 0.9 * env[from]).unwrap();
                    assert!(
                        rise.min(fall) as f32 / fs >= 0.795 * RAMP_MIN_S,
                        "{rise} {fall}"
                    );
                    let jump = largest_step(&env);
                    assert!(jump < 0.001, "{jump}");
                    if variation == 0.0 {
                        lengths_s.push(burst_s);
                    }
                }
            }
            eprintln!("shh {fs}: burst lengths {lengths_s:.3?} s");
        }
    }
}
