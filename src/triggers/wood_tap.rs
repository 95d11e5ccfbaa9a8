//! Wood Tap: a fingertip or stick knocking on a small block of wood, as a modal model.
//!
//! Four two-pole resonators tuned to the wood ratios of STK's `ModalBar` ("Wood1" preset, Cook
//! & Scavone, The Synthesis ToolKit) are struck by a raised-cosine contact force
//! `1 − cos(2πt/τ)`, the impact model of van den Doel, Kry & Pai 2001 ("FoleyAutomatic"): the
//! shorter the contact τ, the more of the high modes it reaches, so a hard strike is bright.
//! Higher modes die faster, as internal friction in wood grows with frequency (Aramaki et al.
//! 2011, "Controlling the perceived material in an impact sound synthesizer"); the strike
//! position weights the modes as in `ModalBar::setStrikePosition`.
//!
//! The modal core ([`ModalBank`]) is shared with the nail tap.

use super::model::{EventParams, TriggerModel};
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
        (PI * x).sin() / (PI * x)
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
            let sum = n - (n * theta).sin() / (2.0 * (0.5 * theta).sin());
            self.pulse_cos = (0.5 * theta).cos();
            self.pulse_cos_prev = self.pulse_cos;
            self.pulse_twice_cos_step = 2.0 * theta.cos();
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
                let drop_db = -END_LEVEL_DB + 20.0 * (a / loudest).log10();
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

/// Frequency ratios of the four modes (STK `ModalBar`, "Wood1").
const MODE_RATIOS: [f32; MODE_COUNT] = [1.0, 2.777, 7.378, 15.377];

/// Relative mode gains before strike position, tone and contact: a bright knock whose upper
/// modes are tamed by the contact's spectrum.
const MODE_GAINS: [f32; MODE_COUNT] = [1.0, 0.7, 0.6, 0.5];

/// Fundamental of the smallest block (size 0), Hz.
const FUNDAMENTAL_MAX_HZ: f32 = 1_500.0;

/// Fundamental of the largest block (size 1), Hz.
const FUNDAMENTAL_MIN_HZ: f32 = 250.0;

/// Fundamental 60 dB decay at decay 0, seconds.
const T60_MIN_S: f32 = 0.020;

/// Fundamental 60 dB decay at decay 1, seconds.
const T60_MAX_S: f32 = 0.150;

/// Mode `k` rings for `T60 · ratioₖ^−DAMPING_EXPONENT`: about STK Wood1's pole radii
/// (0.996, 0.994, 0.994, 0.99), whose T60s fall to 0.4 of the fundamental's by the fourth mode.
const DAMPING_EXPONENT: f32 = 0.35;

/// Contact time of the softest strike (intensity 0), seconds: a fingertip.
const CONTACT_SOFT_S: f32 = 1.2e-3;

/// Contact time of the hardest strike (intensity 1), seconds: a fingernail or a stick.
const CONTACT_HARD_S: f32 = 0.2e-3;

/// Longest contact, in periods of the fundamental: a small (high) block is struck briefly
/// (Hertzian contact time shortens with the struck mass), and the fundamental stays inside
/// the contact spectrum's main lobe, so no tap is left without a strong mode.
const CONTACT_MAX_PERIODS: f32 = 0.6;

/// How far the timbre draw moves the hardness (0..1 scale) either way.
const HARDNESS_TIMBRE: f32 = 0.4;

/// Nominal strike position along the bar, 0..1 (STK Wood1's 0.57).
const STRIKE_POSITION: f32 = 0.57;

/// How far the timbre draw moves the strike position either way.
const STRIKE_TIMBRE: f32 = 0.12;

/// Smallest strike-position weight of a mode: a tap never silences a mode outright.
const STRIKE_FLOOR: f32 = 0.35;

/// Mode-gain tilt per unit of tone: gains scale by `ratioₖ^(TONE_TILT · tone)`.
const TONE_TILT: f32 = 0.5;

/// Contact time scales by `2^(−TONE_CONTACT_OCTAVES · tone)`: dark tone softens the strike.
const TONE_CONTACT_OCTAVES: f32 = 0.8;

/// Whole-spectrum transposition per unit of tone, octaves.
const TONE_PITCH_OCTAVES: f32 = 0.25;

/// Amplitude wobble of the contact pulse (white noise), so repeated taps are never identical.
const CONTACT_NOISE: f32 = 0.2;

/// Summed mode amplitude the bank is scaled to; the ring peaks a little below it.
const PEAK: f32 = 0.9;

/// Strike-position weights of the four modes, after `ModalBar::setStrikePosition` (which
/// shapes the first three; the fourth is left alone), floored so no mode vanishes.
pub(crate) fn strike_weights(position: f32) -> [f32; MODE_COUNT] {
    let p = PI * position;
    [
        (p).sin(),
        (0.05 + 3.9 * p).sin(),
        (-0.05 + 11.0 * p).sin(),
        1.0,
    ]
    .map(|w| STRIKE_FLOOR + (1.0 - STRIKE_FLOOR) * w.abs())
}

/// A knock on a small wooden block.
#[derive(Debug, Clone, Copy)]
pub struct WoodTap {
    bank: ModalBank,
}

impl TriggerModel for WoodTap {
    fn new(sample_rate: f32) -> Self {
        Self {
            bank: ModalBank::new(sample_rate),
        }
    }

    fn start(&mut self, event: &EventParams, rng: &mut Pcg32) {
        let tone = event.tone.clamp(-1.0, 1.0);
        let size = event.size.clamp(0.0, 1.0);
        let decay = event.decay.clamp(0.0, 1.0);
        let timbre = event.timbre_offset().clamp(-1.0, 1.0);
        // Log mappings: equal steps of size or decay are equal musical steps.
        let fundamental_hz = FUNDAMENTAL_MAX_HZ
            * (FUNDAMENTAL_MIN_HZ / FUNDAMENTAL_MAX_HZ).powf(size)
            * event.pitch_ratio()
            * (TONE_PITCH_OCTAVES * tone).exp2();
        let t60_s = T60_MIN_S * (T60_MAX_S / T60_MIN_S).powf(decay);
        let hardness = (event.intensity.clamp(0.0, 1.0) + HARDNESS_TIMBRE * timbre).clamp(0.0, 1.0);
        let contact_s = (CONTACT_SOFT_S
            * (CONTACT_HARD_S / CONTACT_SOFT_S).powf(hardness)
            * (-TONE_CONTACT_OCTAVES * tone).exp2())
        .min(CONTACT_MAX_PERIODS / fundamental_hz);
        let weights = strike_weights(STRIKE_POSITION + STRIKE_TIMBRE * timbre);
        let mut modes = [ModeSpec::default(); MODE_COUNT];
        for (k, mode) in modes.iter_mut().enumerate() {
            let ratio = MODE_RATIOS[k];
            *mode = ModeSpec {
                freq_hz: fundamental_hz * ratio,
                gain: MODE_GAINS[k] * weights[k] * ratio.powf(TONE_TILT * tone),
                t60_s: t60_s * ratio.powf(-DAMPING_EXPONENT),
            };
        }
        self.bank
            .strike(&modes, contact_s, CONTACT_NOISE, PEAK, rng.random::<u32>());
    }

    fn render(&mut self, out: &mut [f32]) -> bool {
        self.bank.render(out)
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::model_rules::*;
    use super::super::test_support::*;
    use super::*;

    #[test]
    fn common() {
        common_rules::<WoodTap>("WoodTap");
    }

    #[test]
    fn strongest_peaks_sit_at_the_wood_ratios() {
        for fs in RATES_HZ {
            let out = render::<WoodTap>(&EventParams::default(), 1, fs);
            let (power, df) = power_spectrum(&out, fs);
            // Local maxima, strongest first, keeping only one per 10 % band.
            let mut peaks: Vec<(f64, f64)> = (1..power.len() - 1)
                .filter(|&i| power[i] > power[i - 1] && power[i] >= power[i + 1])
                .map(|i| (power[i], i as f64 * df))
                .collect();
            peaks.sort_by(|a, b| b.0.total_cmp(&a.0));
            let mut kept: Vec<f64> = Vec::new();
            for (_, f) in peaks {
                if kept.iter().all(|k| (f / k).ln().abs() > 0.1) && kept.len() < MODE_COUNT {
                    kept.push(f);
                }
            }
            kept.sort_by(f64::total_cmp);
            let ratios: Vec<f64> = kept.iter().map(|f| f / kept[0]).collect();
            eprintln!("WoodTap {fs} Hz: peaks {kept:.0?} Hz, ratios {ratios:.3?}");
            for (r, want) in ratios.iter().zip(MODE_RATIOS) {
                assert!((r / want as f64 - 1.0).abs() < 0.02, "{ratios:?}");
            }
        }
    }

    #[test]
    fn fundamental_t60_follows_decay() {
        for fs in RATES_HZ {
            for (decay, want_s) in [(0.0, T60_MIN_S), (1.0, T60_MAX_S)] {
                let event = EventParams {
                    decay,
                    ..Default::default()
                };
                let out = render::<WoodTap>(&event, 1, fs);
                let f1 = FUNDAMENTAL_MAX_HZ * (FUNDAMENTAL_MIN_HZ / FUNDAMENTAL_MAX_HZ).sqrt();
                let t60 = t60_around(&out, f1, fs);
                eprintln!("WoodTap {fs} Hz: decay {decay}: fundamental T60 {t60:.4} s");
                assert!((t60 / want_s - 1.0).abs() < 0.15, "{t60} vs {want_s}");
            }
        }
    }

    #[test]
    fn harder_is_brighter() {
        let fs = 48_000.0;
        let at = |intensity| {
            spectral_centroid(
                &render::<WoodTap>(
                    &EventParams {
                        intensity,
                        ..Default::default()
                    },
                    1,
                    fs,
                ),
                fs,
            )
        };
        assert!(at(1.0) > 1.1 * at(0.0), "{} {}", at(1.0), at(0.0));
    }
}
