//! The modal core of the taps: a bank of four resonators struck by a raised-cosine contact
//! force `1 − cos(2πt/τ)` (van den Doel, Kry & Pai 2001, "FoleyAutomatic"): the shorter the
//! contact τ, the more of the high modes it reaches, so a hard strike is bright. Higher modes
//! die faster (internal friction grows with frequency; Aramaki et al. 2011), and the strike
//! position weights the modes as in STK's `ModalBar::setStrikePosition`. A [`ModalVoicing`]
//! is a material: Wood Tap and Nail Tap differ only in theirs.

use super::model::EventParams;
use crate::dsp::math::{cos, exp2, log10, pow, sin};
use crate::dsp::{Resonator, ResonatorBank4, WhiteNoise};
use rand::RngExt;
use rand_pcg::Pcg32;
use std::f32::consts::{PI, TAU};

/// Modes per modal event: four keep a tap under ~25 flops a sample.
pub(crate) const MODE_COUNT: usize = 4;

/// Modes above this frequency, Hz, are dropped whatever the sample rate, so an event sounds
/// the same at 44.1 and 96 kHz (a 96 kHz render must not add modes 44.1 kHz cannot carry).
const AUDIBLE_LIMIT_HZ: f32 = 20_000.0;

/// Width of the fade, Hz, below [`AUDIBLE_LIMIT_HZ`] over which a rising mode is faded out
/// rather than switched off.
const AUDIBLE_FADE_HZ: f32 = 4_000.0;

/// Level, dB relative to the loudest mode, at which the ring is cut: inaudible, click-free.
const END_LEVEL_DB: f32 = -80.0;

/// One mode of a modal event.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct ModeSpec {
    /// Frequency, Hz.
    pub freq_hz: f32,
    /// Relative amplitude before the contact filtering, linear.
    pub gain: f32,
    /// 60 dB decay time, seconds.
    pub t60_s: f32,
}

/// Magnitude spectrum of a unit-area raised-cosine pulse of `width_s` seconds at `freq_hz`:
/// `|sinc(fτ) / (1 − (fτ)²)|` (the Hann window's transform). 1 at DC, first null at `2/τ`.
pub(crate) fn contact_spectrum(freq_hz: f32, width_s: f32) -> f32 {
    let x = freq_hz * width_s;
    if (x - 1.0).abs() < 1e-3 {
        return 0.5;
    }
    let sinc = if x < 1e-6 {
        1.0
    } else {
        sin(PI * x) / (PI * x)
    };
    (sinc / (1.0 - x * x)).abs()
}

/// A bank of resonators struck by a raised-cosine contact pulse, with a little noise riding on
/// the pulse so no two strikes are identical. Rings until every mode is 80 dB below the
/// loudest, then stops.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ModalBank {
    sample_rate: f32,
    /// The modes, one per lane (their input gains are applied as output weights: the
    /// resonators are linear).
    modes: ResonatorBank4,
    /// Per-mode input gains: relative gains scaled so the ring peaks near the target level.
    input_gains: [f32; MODE_COUNT],
    /// `cos(θ(n + ½))` and `cos(θ(n − ½))` of the pulse, `θ = 2π / width`, generated
    /// recursively (no transcendental per sample).
    pulse_cos: f32,
    pulse_cos_prev: f32,
    /// `2 cos θ`, the recursion's coefficient.
    pulse_twice_cos_step: f32,
    /// Gives the sampled pulse unit area.
    pulse_scale: f32,
    pulse_left_samples: u32,
    noise: WhiteNoise,
    noise_depth: f32,
    remaining_samples: u32,
}

impl ModalBank {
    /// A silent bank for `sample_rate` Hz.
    pub(crate) fn new(sample_rate: f32) -> Self {
        Self {
            sample_rate,
            modes: ResonatorBank4::default(),
            input_gains: [0.0; MODE_COUNT],
            pulse_cos: 1.0,
            pulse_cos_prev: 1.0,
            pulse_twice_cos_step: 2.0,
            pulse_scale: 0.0,
            pulse_left_samples: 0,
            noise: WhiteNoise::new(1),
            noise_depth: 0.0,
            remaining_samples: 0,
        }
    }

    /// Strikes `modes` with a contact pulse of `contact_s` seconds whose amplitude wobbles by
    /// `noise_depth` (0..1) of white noise seeded by `noise_seed`. The mode gains are scaled so
    /// the summed mode amplitudes reach `peak`.
    pub(crate) fn strike(
        &mut self,
        modes: &[ModeSpec; MODE_COUNT],
        contact_s: f32,
        noise_depth: f32,
        peak: f32,
        noise_seed: u32,
    ) {
        let fs = self.sample_rate;
        // The pulse is sampled at sample midpoints over its exact (fractional) width, so its
        // spectrum, and the tap's brightness, do not step with the rounding of its length.
        let width_samples = contact_s * fs;
        let pulse_samples = (width_samples - 0.5).ceil().max(1.0) as u32;
        let theta = TAU / width_samples;
        if pulse_samples == 1 || theta >= PI {
            // Shorter than two samples: an impulse.
            self.pulse_cos = 0.0;
            self.pulse_cos_prev = 0.0;
            self.pulse_twice_cos_step = 0.0;
            self.pulse_scale = 1.0;
        } else {
            // Σ cos(θ(n + ½)) over n < N = sin(Nθ) / (2 sin(θ/2)): scaled to unit area.
            let n = pulse_samples as f32;
            let sum = n - sin(n * theta) / (2.0 * sin(0.5 * theta));
            self.pulse_cos = cos(0.5 * theta);
            self.pulse_cos_prev = self.pulse_cos;
            self.pulse_twice_cos_step = 2.0 * cos(theta);
            self.pulse_scale = 1.0 / sum;
        }
        // Amplitude each mode will ring with: its gain through the contact's spectrum.
        let mut amplitudes = [0.0f32; MODE_COUNT];
        self.modes.reset();
        for (k, mode) in modes.iter().enumerate() {
            let audible = ((AUDIBLE_LIMIT_HZ - mode.freq_hz) / AUDIBLE_FADE_HZ).clamp(0.0, 1.0);
            self.input_gains[k] = mode.gain * audible;
            amplitudes[k] = self.input_gains[k] * contact_spectrum(mode.freq_hz, contact_s);
            self.modes
                .set(k, &Resonator::new(mode.freq_hz, mode.t60_s, fs));
        }
        let sum: f32 = amplitudes.iter().sum();
        let loudest = amplitudes.iter().fold(0.0f32, |m, a| m.max(*a));
        let scale = if sum > 0.0 { peak / sum } else { 0.0 };
        for g in &mut self.input_gains {
            *g *= scale;
        }
        // The ring ends when every mode has fallen 80 dB below the loudest one.
        let mut ring_s = 0.0f32;
        for (mode, a) in modes.iter().zip(amplitudes) {
            if a > 0.0 {
                let drop_db = -END_LEVEL_DB + 20.0 * log10(a / loudest);
                ring_s = ring_s.max(mode.t60_s * drop_db.max(0.0) / 60.0);
            }
        }
        self.pulse_left_samples = pulse_samples;
        self.noise = WhiteNoise::new(noise_seed);
        self.noise_depth = noise_depth;
        self.remaining_samples = pulse_samples + (ring_s * fs).round() as u32;
    }

    /// Overwrites `out` with the next samples (zeros past the end); `false` once ended.
    pub(crate) fn render(&mut self, out: &mut [f32]) -> bool {
        let live = out.len().min(self.remaining_samples as usize);
        let mut i = 0;
        while i < live && self.pulse_left_samples > 0 {
            let x = (1.0 - self.pulse_cos)
                * self.pulse_scale
                * (1.0 + self.noise_depth * self.noise.next());
            let next = self.pulse_twice_cos_step * self.pulse_cos - self.pulse_cos_prev;
            self.pulse_cos_prev = self.pulse_cos;
            self.pulse_cos = next;
            self.pulse_left_samples -= 1;
            out[i] = self.modes.process_sum(x, &self.input_gains);
            i += 1;
        }
        for o in &mut out[i..live] {
            *o = self.modes.process_sum(0.0, &self.input_gains);
        }
        out[live..].fill(0.0);
        self.remaining_samples -= live as u32;
        if self.remaining_samples == 0 {
            // Stopped at −80 dB: clear the residue so nothing decays into subnormals.
            self.modes.reset();
            return false;
        }
        true
    }
}

/// Smallest strike-position weight of a mode: a tap never silences a mode outright.
const STRIKE_FLOOR: f32 = 0.35;

/// Strike-position weights of the four modes, after `ModalBar::setStrikePosition` (which
/// shapes the first three; the fourth is left alone), floored so no mode vanishes.
pub(crate) fn strike_weights(position: f32) -> [f32; MODE_COUNT] {
    let p = PI * position;
    [sin(p), sin(0.05 + 3.9 * p), sin(-0.05 + 11.0 * p), 1.0]
        .map(|w| STRIKE_FLOOR + (1.0 - STRIKE_FLOOR) * w.abs())
}

/// The constants a struck material is made of.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ModalVoicing {
    /// Mode frequencies relative to the fundamental.
    pub mode_ratios: [f32; MODE_COUNT],
    /// Relative mode gains before strike position, tone and contact.
    pub mode_gains: [f32; MODE_COUNT],
    /// Fundamental of the smallest object (size 0) and of the largest (size 1), Hz.
    pub fundamental_max_hz: f32,
    pub fundamental_min_hz: f32,
    /// Fundamental 60 dB decay at decay 0 and 1, seconds.
    pub t60_min_s: f32,
    pub t60_max_s: f32,
    /// Mode `k` rings for `T60 · ratioₖ^−damping_exponent` (losses grow with frequency).
    pub damping_exponent: f32,
    /// Contact time of the softest (intensity 0) and hardest (intensity 1) strike, seconds.
    pub contact_soft_s: f32,
    pub contact_hard_s: f32,
    /// Longest contact, in periods of the fundamental: a small (high) object is struck
    /// briefly, and the fundamental stays inside the contact spectrum's main lobe.
    pub contact_max_periods: f32,
    /// How far the timbre draw moves the hardness (0..1 scale) either way.
    pub hardness_timbre: f32,
    /// Nominal strike position, 0..1, and how far the timbre draw moves it either way.
    pub strike_position: f32,
    pub strike_timbre: f32,
    /// Mode-gain tilt per unit of tone: gains scale by `ratioₖ^(tone_tilt · tone)`.
    pub tone_tilt: f32,
    /// Contact time scales by `2^(−tone_contact_octaves · tone)`: dark tone softens the strike.
    pub tone_contact_octaves: f32,
    /// Whole-spectrum transposition per unit of tone, octaves.
    pub tone_pitch_octaves: f32,
    /// Amplitude wobble of the contact pulse (white noise), so repeated taps are never
    /// identical.
    pub contact_noise: f32,
    /// Summed mode amplitude the bank is scaled to.
    pub peak: f32,
}

/// What a strike came out as, for parts a model adds (the nail's click).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Struck {
    pub fundamental_hz: f32,
    /// 0 = softest … 1 = hardest.
    pub hardness: f32,
}

impl ModalVoicing {
    /// Strikes `bank` for `event`. Log mappings: equal steps of size or decay are equal
    /// musical steps.
    pub(crate) fn strike(
        &self,
        bank: &mut ModalBank,
        event: &EventParams,
        rng: &mut Pcg32,
    ) -> Struck {
        let tone = event.tone.clamp(-1.0, 1.0);
        let size = event.size.clamp(0.0, 1.0);
        let decay = event.decay.clamp(0.0, 1.0);
        let timbre = event.timbre_offset().clamp(-1.0, 1.0);
        let fundamental_hz = self.fundamental_max_hz
            * pow(self.fundamental_min_hz / self.fundamental_max_hz, size)
            * event.pitch_ratio()
            * exp2(self.tone_pitch_octaves * tone);
        let t60_s = self.t60_min_s * pow(self.t60_max_s / self.t60_min_s, decay);
        let hardness =
            (event.intensity.clamp(0.0, 1.0) + self.hardness_timbre * timbre).clamp(0.0, 1.0);
        let contact_s = (self.contact_soft_s
            * pow(self.contact_hard_s / self.contact_soft_s, hardness)
            * exp2(-self.tone_contact_octaves * tone))
        .min(self.contact_max_periods / fundamental_hz);
        let weights = strike_weights(self.strike_position + self.strike_timbre * timbre);
        let modes: [ModeSpec; MODE_COUNT] = std::array::from_fn(|k| {
            let ratio = self.mode_ratios[k];
            ModeSpec {
                freq_hz: fundamental_hz * ratio,
                gain: self.mode_gains[k] * weights[k] * pow(ratio, self.tone_tilt * tone),
                t60_s: t60_s * pow(ratio, -self.damping_exponent),
            }
        });
        bank.strike(
            &modes,
            contact_s,
            self.contact_noise,
            self.peak,
            rng.random::<u32>(),
        );
        Struck {
            fundamental_hz,
            hardness,
        }
    }
}
