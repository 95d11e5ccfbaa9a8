//! Drops: single water drops, each heard as the air bubble it traps, after van den Doel 2005
//! ("Physically based models for liquid sounds", ACM Transactions on Applied Perception 2(4)).
//!
//! A bubble of radius `r` (metres) rings at the Minnaert frequency `f₀ = 3.26 / r` Hz, decays
//! as `exp(−d·t)` with `d = 0.13/r + 0.0072·r^−1.5` per second (viscous and thermal losses),
//! and its pitch rises as it nears the surface, `f(t) = f₀·(1 + σt)` with `σ = ξ·d`, `ξ ≈ 0.1`
//! (all three from van den Doel's single-bubble model). A faint band of noise marks the drop's
//! impact, louder for a harder drop. The sine is a rotating complex phasor, itself rotated each sample for
//! the linear glide and renormalized each block: no transcendental per sample.

use super::model::{EventParams, TriggerModel};
use super::nail_tap::NoiseBurst;
use crate::dsp::math::{cos, exp, exp2, ln, pow, sin};
use rand::RngExt;
use rand_pcg::Pcg32;
use std::f32::consts::TAU;

/// Minnaert's constant for an air bubble in water, Hz·m: `f₀ = MINNAERT_HZ_M / r`.
const MINNAERT_HZ_M: f32 = 3.26;

/// Viscous damping term, m/s: contributes `VISCOUS_DAMPING_M_PER_S / r` per second.
const VISCOUS_DAMPING_M_PER_S: f32 = 0.13;

/// Thermal damping term, m^1.5/s: contributes `THERMAL_DAMPING / r^1.5` per second.
const THERMAL_DAMPING: f32 = 0.0072;

/// Rise of the pitch relative to the damping, `σ = ξ·d` (van den Doel 2005: ξ ≈ 0.1).
pub(crate) const RISE_XI: f32 = 0.1;

/// Smallest bubble, metres: `f₀` ≤ 9.3 kHz, so with its 92 % rise it stays under 18 kHz.
pub(crate) const RADIUS_FLOOR_M: f32 = 0.35e-3;

/// Largest bubble, metres (296 Hz).
pub(crate) const RADIUS_CEIL_M: f32 = 12e-3;

/// Level, relative to the start, at which a bubble is cut: −80 dB.
const END_LEVEL: f32 = 1e-4;

/// The glide stops here, Hz, however long a bubble rings, well below any Nyquist frequency.
const GLIDE_MAX_HZ: f32 = 18_000.0;

/// Samples between renormalizations of the phasors, which is also the step of the rising
/// glide (counted from the bubble's start so the output does not depend on the caller's block
/// size). Eight samples: the pitch rises in steps of under 1 %, every sixth of a millisecond,
/// indistinguishable from a continuous glide, and each sample is one complex multiply.
const RENORMALIZE_SAMPLES: u32 = 8;

/// Minnaert resonance of a bubble of `radius_m` metres, Hz.
pub(crate) fn minnaert_hz(radius_m: f32) -> f32 {
    MINNAERT_HZ_M / radius_m
}

/// Amplitude damping of a bubble of `radius_m` metres, 1/s (van den Doel 2005).
pub(crate) fn damping_per_s(radius_m: f32) -> f32 {
    VISCOUS_DAMPING_M_PER_S / radius_m + THERMAL_DAMPING * pow(radius_m, -1.5)
}

/// One ringing bubble: `amplitude · exp(−d·t) · sin(2π ∫ f₀(1 + σt) dt)`.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Bubble {
    /// The oscillator phasor `z` (unit length); the output is its imaginary part.
    z_re: f32,
    z_im: f32,
    /// This sample's rotation `e^{iω}`.
    w_re: f32,
    w_im: f32,
    /// The rotation of the rotation per glide step, `e^{i·8Δω}`: the linear glide.
    dw_re: f32,
    dw_im: f32,
    /// The current `ω` and its per-sample step, radians, to stop the glide at its ceiling.
    omega: f32,
    omega_step: f32,
    omega_max: f32,
    amplitude: f32,
    decay_per_sample: f32,
    remaining_samples: u32,
    until_renormalize: u32,
}

impl Bubble {
    /// Starts a bubble of `radius_m` metres peaking at `amplitude`, with its damping scaled by
    /// `damping_scale` (1 = free bubble in water) and pitch rise `σ = rise_xi · d`.
    pub(crate) fn start(
        &mut self,
        radius_m: f32,
        damping_scale: f32,
        rise_xi: f32,
        amplitude: f32,
        sample_rate: f32,
    ) {
        let damping = damping_per_s(radius_m) * damping_scale;
        let omega = TAU * minnaert_hz(radius_m) / sample_rate;
        let omega_step = omega * rise_xi * damping / sample_rate;
        *self = Self {
            z_re: 1.0,
            z_im: 0.0,
            w_re: cos(omega),
            w_im: sin(omega),
            dw_re: cos(omega_step * RENORMALIZE_SAMPLES as f32),
            dw_im: sin(omega_step * RENORMALIZE_SAMPLES as f32),
            omega,
            omega_step,
            omega_max: TAU * GLIDE_MAX_HZ / sample_rate,
            amplitude,
            decay_per_sample: exp(-damping / sample_rate),
            remaining_samples: (-ln(END_LEVEL) / damping * sample_rate).round() as u32,
            until_renormalize: RENORMALIZE_SAMPLES,
        };
    }

    /// Samples left before the bubble falls 80 dB below its start.
    pub(crate) fn remaining_samples(&self) -> u32 {
        self.remaining_samples
    }

    /// Adds the next samples to `out`; `false` once the bubble has ended. The samples do not
    /// depend on how the calls split the event.
    pub(crate) fn add_to(&mut self, out: &mut [f32]) -> bool {
        let live = out.len().min(self.remaining_samples as usize);
        let mut done = 0;
        while done < live {
            if self.until_renormalize == 0 {
                self.renormalize();
            }
            let run = (live - done).min(self.until_renormalize as usize);
            let (mut zr, mut zi, wr, wi) = (self.z_re, self.z_im, self.w_re, self.w_im);
            let mut amplitude = self.amplitude;
            for o in &mut out[done..done + run] {
                *o += amplitude * zi;
                (zr, zi) = (zr * wr - zi * wi, zr * wi + zi * wr);
                amplitude *= self.decay_per_sample;
            }
            (self.z_re, self.z_im) = (zr, zi);
            self.amplitude = amplitude;
            self.until_renormalize -= run as u32;
            done += run;
        }
        self.remaining_samples -= live as u32;
        self.remaining_samples > 0
    }

    /// Every [`RENORMALIZE_SAMPLES`]: one glide step of the rotation, one Newton step back to
    /// unit length for both phasors (undoing the rounding drift: |z|² stays within 1e-6 of 1,
    /// so one step is exact to f32), and the glide stops once it reaches its ceiling.
    fn renormalize(&mut self) {
        let z = 1.5 - 0.5 * (self.z_re * self.z_re + self.z_im * self.z_im);
        self.z_re *= z;
        self.z_im *= z;
        // One glide step.
        (self.w_re, self.w_im) = (
            self.w_re * self.dw_re - self.w_im * self.dw_im,
            self.w_re * self.dw_im + self.w_im * self.dw_re,
        );
        let w = 1.5 - 0.5 * (self.w_re * self.w_re + self.w_im * self.w_im);
        self.w_re *= w;
        self.w_im *= w;
        self.omega += self.omega_step * RENORMALIZE_SAMPLES as f32;
        if self.omega > self.omega_max {
            self.dw_re = 1.0;
            self.dw_im = 0.0;
        }
        self.until_renormalize = RENORMALIZE_SAMPLES;
    }
}

/// Bubble radius at size 0, metres (6.5 kHz).
const RADIUS_SMALL_M: f32 = 0.5e-3;

/// Bubble radius at size 1, metres (650 Hz).
const RADIUS_LARGE_M: f32 = 5e-3;

/// The radius scales by `2^(−TONE_RADIUS_OCTAVES · tone)`: a darker drop is a bigger bubble.
pub(crate) const TONE_RADIUS_OCTAVES: f32 = 0.65;

/// The damping scales by `2^(DECAY_DAMPING_OCTAVES · (1 − 2·decay))`: decay 0.5 is the free
/// bubble of the formula; shorter or longer stand for a shallower or more reverberant vessel.
const DECAY_DAMPING_OCTAVES: f32 = 0.8;

/// How far the timbre draw moves `ξ`, relative, either way.
const RISE_TIMBRE: f32 = 0.5;

/// Bubble starting amplitude, linear.
const BUBBLE_PEAK: f32 = 0.8;

/// Impact tick: length, seconds; level at full intensity, linear; lower corner at tone 0, Hz
/// (moving an octave per unit of tone).
const TICK_S: f32 = 0.3e-3;
const TICK_PEAK: f32 = 0.15;
const TICK_HIGHPASS_HZ: f32 = 4_000.0;

/// A water drop: an impact tick and the bubble it traps.
#[derive(Debug, Clone, Copy)]
pub struct Drops {
    sample_rate: f32,
    bubble: Bubble,
    tick: NoiseBurst,
    radius_m: f32,
}

impl Drops {
    /// The current event's bubble radius, metres.
    pub fn radius_m(&self) -> f32 {
        self.radius_m
    }
}

impl TriggerModel for Drops {
    fn new(sample_rate: f32) -> Self {
        Self {
            sample_rate,
            bubble: Bubble::default(),
            tick: NoiseBurst::new(),
            radius_m: RADIUS_SMALL_M,
        }
    }

    fn start(&mut self, event: &EventParams, rng: &mut Pcg32) {
        let tone = event.tone.clamp(-1.0, 1.0);
        let size = event.size.clamp(0.0, 1.0);
        let decay = event.decay.clamp(0.0, 1.0);
        let timbre = event.timbre_offset().clamp(-1.0, 1.0);
        // Radius on a log scale; a higher pitch draw is a smaller bubble.
        self.radius_m = (RADIUS_SMALL_M
            * pow(RADIUS_LARGE_M / RADIUS_SMALL_M, size)
            * exp2(-TONE_RADIUS_OCTAVES * tone)
            / event.pitch_ratio())
        .clamp(RADIUS_FLOOR_M, RADIUS_CEIL_M);
        let damping_scale = exp2(DECAY_DAMPING_OCTAVES * (1.0 - 2.0 * decay));
        self.bubble.start(
            self.radius_m,
            damping_scale,
            RISE_XI * (1.0 + RISE_TIMBRE * timbre),
            BUBBLE_PEAK,
            self.sample_rate,
        );
        self.tick.start(
            rng.random::<u32>(),
            TICK_HIGHPASS_HZ * exp2(tone),
            TICK_S,
            TICK_PEAK * event.intensity.clamp(0.0, 1.0),
            self.sample_rate,
        );
    }

    fn render(&mut self, out: &mut [f32]) -> bool {
        out.fill(0.0);
        let ticking = self.tick.add_to(out);
        let ringing = self.bubble.add_to(out);
        ticking || ringing
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triggers::test_support::model_rules::*;
    use rand::SeedableRng;

    #[test]
    fn common() {
        common_rules::<Drops>("Drops");
    }

    /// Mean frequency, Hz, from the zero crossings between `from_s` and `to_s`.
    fn crossing_hz(signal: &[f32], fs: f32, from_s: f32, to_s: f32) -> f32 {
        let span = &signal[(from_s * fs) as usize..(to_s * fs) as usize];
        // Crossing instants, interpolated between samples.
        let times: Vec<f32> = span
            .windows(2)
            .enumerate()
            .filter(|(_, w)| (w[0] <= 0.0) != (w[1] <= 0.0))
            .map(|(i, w)| i as f32 + w[0] / (w[0] - w[1]))
            .collect();
        let n = times.len() - 1;
        n as f32 / (2.0 * (times[n] - times[0]) / fs)
    }

    #[test]
    fn starts_at_minnaert_and_rises() {
        for fs in RATES_HZ {
            for size in [0.5, 1.0] {
                // Intensity 0 silences the impact tick, leaving the bubble alone.
                let event = EventParams {
                    size,
                    intensity: 0.0,
                    ..Default::default()
                };
                let mut drop = Drops::new(fs);
                drop.start(&event, &mut Pcg32::seed_from_u64(1));
                let out = render::<Drops>(&event, 1, fs);
                let want = minnaert_hz(drop.radius_m());
                let early = crossing_hz(&out, fs, 0.0, 0.003);
                let end_s = out.len() as f32 / fs;
                let late = crossing_hz(&out, fs, 0.5 * end_s, 0.5 * end_s + 0.003);
                let error = early / want - 1.0;
                eprintln!(
                    "Drops {fs} Hz: r = {:.2} mm, Minnaert {want:.0} Hz, first 3 ms {early:.0} Hz \
                     ({:+.1} %), at {:.3} s {late:.0} Hz",
                    drop.radius_m() * 1e3,
                    100.0 * error,
                    0.5 * end_s
                );
                assert!(error.abs() < 0.05 && late > early, "{early} {want} {late}");
            }
        }
    }

    #[test]
    fn radius_follows_size() {
        let mut drop = Drops::new(48_000.0);
        let mut rng = Pcg32::seed_from_u64(1);
        for (size, want_m) in [(0.0, RADIUS_SMALL_M), (1.0, RADIUS_LARGE_M)] {
            drop.start(
                &EventParams {
                    size,
                    ..Default::default()
                },
                &mut rng,
            );
            assert!((drop.radius_m() / want_m - 1.0).abs() < 1e-4);
        }
    }
}
