//! The crumpling machinery shared by Crinkle and Paper.
//!
//! Crumpling is a crackling noise (Houle & Sethna 1996, "Acoustic emission from crumpling
//! paper", Phys. Rev. E 54): the sheet gives way in discrete buckling events, each a short
//! click, at random times, whose energies follow a power law `p(E) ∝ E^−α`, α ≈ 1.3–1.6, over
//! several decades. A gesture's clicks arrive as a Poisson process whose rate rises and falls
//! over the gesture (drawn by thinning), energies come from the inverse CDF of a bounded Pareto
//! law, and each click is a decaying noise burst of amplitude `√E` rung through three low-Q
//! two-pole resonances (PhISEM-style, Cook 1997). A [`CrumpleVoicing`] sets the material.

use super::gesture::NOISE_REFERENCE_RATE_HZ;
use super::model::EventParams;
use crate::dsp::math::{cos, exp, exp2, ln, log10, pow, sin};
use crate::dsp::{Resonator, ResonatorBank4, WhiteNoise, flush_tiny};
use rand::RngExt;
use rand_pcg::Pcg32;
use std::f32::consts::{PI, TAU};

/// Most clicks one gesture can hold; later clicks of a denser gesture are dropped.
pub const MAX_CLICKS: usize = 1024;
/// Resonances every click rings through.
pub(crate) const CRUMPLE_BANDS: usize = 3;
/// Octaves the resonances move over the Tone range, either way.
const TONE_OCT: f32 = 1.0;
/// Octaves the resonances fall from size 0 to size 1.
const SIZE_SPAN_OCT: f32 = 1.2;
/// Octaves the resonances fall from full intensity to the softest touch.
const INTENSITY_SPAN_OCT: f32 = 0.5;
/// Octaves the gesture length strays at full timbre deviation, either way.
const GESTURE_SPREAD_OCT: f32 = 0.4;
/// Change of the power-law exponent at full timbre deviation, either way.
const ALPHA_SPREAD: f32 = 0.1;
/// Decades of click energy below the loudest possible click.
pub(crate) const ENERGY_DECADES: f32 = 3.0;
/// A click's excitation is cut once 60 dB below its onset: `ln(1000)` time constants.
const CLICK_CUT_TAUS: f32 = 6.9;
/// Silence after the gesture before the event ends, seconds (several T60s: inaudible stop).
const TAIL_S: f32 = 0.01;
/// Shortest gesture when the layer asks for short events, seconds: still a few dozen clicks.
const GESTURE_MIN_S: f32 = 0.06;
/// Longest gesture whatever the settings, seconds (events end within 3 s).
const GESTURE_MAX_S: f32 = 2.5;
/// Arrival draws per gesture at most, so that `start` runs in bounded time.
const MAX_DRAWS: usize = 4 * MAX_CLICKS;
/// Decay of the shortest ring after a burst before the resonators are cleared, dB: the longest
/// ring (twice as long) is 120 dB down, the state far above subnormals (−760 dB).
const RESET_DECAY_DB: f32 = 240.0;

/// The constants a crumpled material is made of (Crinkle and Paper differ only in these).
#[derive(Debug, Clone, Copy)]
pub(crate) struct CrumpleVoicing {
    /// Range the resonance centres are drawn from at default settings, Hz.
    pub band_lo_hz: f32,
    /// Upper end of that range, Hz.
    pub band_hi_hz: f32,
    /// Shortest resonance ring (60 dB decay), seconds.
    pub band_t60_min_s: f32,
    /// Longest resonance ring, seconds.
    pub band_t60_max_s: f32,
    /// Decay time constant of the softest click's noise burst, seconds.
    pub click_tau_min_s: f32,
    /// Decay time constant of the loudest click's burst, seconds (bigger buckles last longer).
    pub click_tau_max_s: f32,
    /// Click rate at the height of a gesture, clicks per second.
    pub peak_rate_hz: f32,
    /// Gesture length at decay 0, seconds.
    pub gesture_min_s: f32,
    /// Gesture length at decay 1, seconds.
    pub gesture_max_s: f32,
    /// Power-law exponent α of the click energies.
    pub alpha: f32,
    /// Output gain, set so that a gesture peaks between about 0.3 and 0.9.
    pub gain: f32,
}

/// The running state of a gesture, cleared at every start.
#[derive(Debug, Clone, Copy, Default)]
struct Playhead {
    /// Next click to start.
    next: usize,
    /// Burst envelope: level, decay per sample, and the level where it is cut to zero.
    env: f32,
    env_decay: f32,
    env_floor: f32,
    /// Excitation high-pass: last input and output.
    prev: f32,
    hp: f32,
    /// Sample at which the resonances have rung out and are cleared.
    quiet_from: u32,
    pos: u32,
}

/// Power-law crackle through a small resonance bank: the click machinery of Crinkle and Paper.
#[derive(Debug, Clone)]
pub(crate) struct CrumpleClicks {
    sample_rate: f32,
    /// Onset of each click, samples from the event start, ascending.
    pub(crate) times: [u32; MAX_CLICKS],
    /// Energy of each click, `10^−ENERGY_DECADES ..= 1`.
    energies: [f32; MAX_CLICKS],
    pub(crate) count: usize,
    /// Amplitude of the gesture's loudest click is brought to 1 by this factor.
    amp_norm: f32,
    tau_min_s: f32,
    tau_max_s: f32,
    /// The resonances, in the first `CRUMPLE_BANDS` lanes.
    bands: ResonatorBank4,
    band_gain: [f32; 4],
    noise: WhiteNoise,
    /// Excitation high-pass coefficient.
    hp_coef: f32,
    /// Samples from the end of a burst until the resonators are cleared.
    reset_samples: u32,
    now: Playhead,
    /// Length of the whole event, samples.
    pub(crate) len: u32,
    /// Length of the gesture (the part where clicks may start), samples.
    pub(crate) gesture_len: u32,
}

impl CrumpleClicks {
    /// A silent click generator at `sample_rate` Hz.
    pub(crate) fn new(sample_rate: f32) -> Self {
        Self {
            sample_rate,
            times: [0; MAX_CLICKS],
            energies: [0.0; MAX_CLICKS],
            count: 0,
            amp_norm: 1.0,
            tau_min_s: 0.0,
            tau_max_s: 0.0,
            bands: ResonatorBank4::default(),
            band_gain: [0.0; 4],
            noise: WhiteNoise::new(1),
            hp_coef: 0.0,
            reset_samples: 0,
            now: Playhead::default(),
            len: 0,
            gesture_len: 0,
        }
    }

    /// Draws a gesture of `voicing` for `event`: its clicks, energies and resonances.
    pub(crate) fn start(&mut self, voicing: &CrumpleVoicing, event: &EventParams, rng: &mut Pcg32) {
        let fs = self.sample_rate;
        let timbre = event.timbre_offset();
        // Logarithmic in Decay, like every time control here: equal steps of the control are
        // equal ratios of length.
        let ratio = voicing.gesture_max_s / voicing.gesture_min_s;
        let gesture_s = (voicing.gesture_min_s
            * pow(ratio, event.decay.clamp(0.0, 1.0))
            * exp2(GESTURE_SPREAD_OCT * timbre))
        .min(GESTURE_MAX_S);
        let gesture_s = event.capped_length_s(gesture_s, GESTURE_MIN_S);
        // Harder squeezes give shorter, brighter clicks.
        let intensity = event.intensity.clamp(0.0, 1.0);
        self.tau_min_s = voicing.click_tau_min_s * (1.5 - 0.5 * intensity);
        self.tau_max_s = voicing.click_tau_max_s * (1.5 - 0.5 * intensity);
        // The last click must have died away before the gesture ends.
        let click_room_s = 1.5 * CLICK_CUT_TAUS * self.tau_max_s;

        // Gesture shape: a skewed bump (fast grip, slower release) whose skew follows the
        // timbre draw, modulated by one to three squeezes of the hand.
        let skew = 0.7 * exp2(0.6 * timbre);
        let squeezes = rng.random_range(1.0f32..3.0);
        let phase = rng.random_range(0.0f32..(2.0 * PI));
        let depth = rng.random_range(0.3f32..0.7);
        let shape = |x: f32| {
            let bump = sin(PI * pow(x.max(0.0), skew));
            bump * bump * (1.0 - depth * (0.5 + 0.5 * cos(2.0 * PI * squeezes * x + phase)))
        };

        // Poisson arrivals at the peak rate, each kept with probability shape(t) (thinning):
        // an inhomogeneous Poisson process whose rate follows the shape.
        let alpha = voicing.alpha + ALPHA_SPREAD * timbre;
        let e_min = pow(10f32, -ENERGY_DECADES);
        let a = pow(e_min, 1.0 - alpha);
        let mut t = 0.0f32;
        let mut e_max = e_min;
        self.count = 0;
        for _ in 0..MAX_DRAWS {
            let u: f32 = rng.random();
            t += -ln(1.0 - u) / voicing.peak_rate_hz;
            if t >= gesture_s - click_room_s || self.count == MAX_CLICKS {
                break;
            }
            let keep: f32 = rng.random();
            if keep >= shape(t / gesture_s) {
                continue;
            }
            // Inverse CDF of p(E) ∝ E^−α on [e_min, 1]: E = (a − u·(a − 1))^(1/(1−α)).
            let u: f32 = rng.random();
            let e = pow(a - u * (a - 1.0), 1.0 / (1.0 - alpha)).clamp(e_min, 1.0);
            self.times[self.count] = (t * fs) as u32;
            self.energies[self.count] = e;
            e_max = e_max.max(e);
            self.count += 1;
        }
        // Calibrated at the noise reference rate: bursts are scaled by `√(48k/fs)`, so that
        // they ring the resonators (unit-peak impulse responses) equally loud at every rate.
        self.amp_norm = (NOISE_REFERENCE_RATE_HZ / fs).sqrt() / e_max.sqrt();

        // Resonances: one drawn in each third of the range, moved by tone, size, intensity.
        let octaves = TONE_OCT * event.tone.clamp(-1.0, 1.0)
            + SIZE_SPAN_OCT * (0.5 - event.size.clamp(0.0, 1.0))
            + INTENSITY_SPAN_OCT * (intensity - 1.0);
        let scale = event.pitch_ratio() * exp2(octaves);
        let span = voicing.band_hi_hz / voicing.band_lo_hz;
        // One-pole high-pass on the excitation with its corner at the top of the band range:
        // no DC into the resonators, and above the corner their skirts fall at 12 dB/octave,
        // so the spectrum follows the resonances rather than the white excitation.
        let corner_hz = (voicing.band_hi_hz * scale).min(0.45 * fs);
        let hp = exp(-TAU * corner_hz / fs);
        self.hp_coef = hp;
        let mut gain_sum = 0.0;
        self.bands = ResonatorBank4::default();
        self.band_gain = [0.0; 4];
        for b in 0..CRUMPLE_BANDS {
            let slot = (b as f32 + rng.random::<f32>()) / CRUMPLE_BANDS as f32;
            let freq_hz = (voicing.band_lo_hz * pow(span, slot) * scale).min(0.45 * fs);
            let t60_s = rng.random_range(voicing.band_t60_min_s..voicing.band_t60_max_s);
            self.bands.set(b, &Resonator::new(freq_hz, t60_s, fs));
            // Undo the excitation high-pass's gain at the centre, so that every band rings
            // at its drawn weight.
            let w = TAU * freq_hz / fs;
            let hp_gain = hp * 2.0 * sin(0.5 * w) / (1.0 - 2.0 * hp * cos(w) + hp * hp).sqrt();
            let weight = rng.random_range(0.5f32..1.0);
            self.band_gain[b] = weight / hp_gain;
            gain_sum += weight;
        }
        for g in &mut self.band_gain {
            *g *= voicing.gain / gain_sum;
        }
        self.reset_samples = (voicing.band_t60_min_s * RESET_DECAY_DB / 60.0 * fs) as u32;

        self.noise = WhiteNoise::new(rng.random::<u32>());
        self.now = Playhead::default();
        self.gesture_len = (gesture_s * fs) as u32;
        self.len = ((gesture_s + TAIL_S) * fs) as u32;
    }

    /// The energies of the current gesture's clicks, in onset order (`10⁻³ ..= 1`).
    pub(crate) fn energies(&self) -> &[f32] {
        &self.energies[..self.count]
    }

    /// Starts click `next`: its burst adds to whatever is still sounding.
    fn onset(&mut self) {
        let energy = self.energies[self.now.next];
        let amp = energy.sqrt() * self.amp_norm;
        // Louder clicks last longer: the time constant follows log-energy.
        let level = 1.0 + log10(energy) / ENERGY_DECADES;
        let tau_s = self.tau_min_s + (self.tau_max_s - self.tau_min_s) * level.clamp(0.0, 1.0);
        self.now.env += amp;
        self.now.env_decay = exp(-1.0 / (tau_s * self.sample_rate));
        self.now.env_floor = amp * exp(-CLICK_CUT_TAUS);
        self.now.quiet_from = u32::MAX;
        self.now.next += 1;
    }

    /// Overwrites `out` with the next samples; `false` once the event has ended.
    pub(crate) fn render(&mut self, out: &mut [f32]) -> bool {
        let n = out.len().min((self.len - self.now.pos) as usize);
        let mut i = 0;
        while i < n {
            if self.now.pos == self.now.quiet_from {
                // Rung out since the last burst: clear the resonators before their states
                // turn subnormal (at a set sample, so block splits do not matter).
                self.bands.reset();
                self.now = Playhead {
                    pos: self.now.pos,
                    next: self.now.next,
                    ..Playhead::default()
                };
            }
            while self.now.next < self.count && self.times[self.now.next] <= self.now.pos {
                self.onset();
            }
            // Up to the next click or reset: a stretch with no decisions but the burst's end.
            let mut run = n - i;
            if self.now.next < self.count {
                run = run.min((self.times[self.now.next] - self.now.pos) as usize);
            }
            if self.now.quiet_from > self.now.pos {
                run = run.min((self.now.quiet_from - self.now.pos) as usize);
            }
            i += self.run(&mut out[i..i + run]);
        }
        out[n..].fill(0.0);
        self.now.pos < self.len
    }

    /// Renders `out` (no click starts and no reset falls inside it), stopping early right
    /// after a burst ends; returns the samples rendered. The state lives in locals meanwhile,
    /// so the loop is only arithmetic.
    fn run(&mut self, out: &mut [f32]) -> usize {
        let c = self.hp_coef;
        let gains = self.band_gain;
        let mut bands = self.bands;
        let Playhead {
            mut env,
            env_decay,
            mut env_floor,
            mut prev,
            mut hp,
            ..
        } = self.now;
        let mut done = out.len();
        for (k, y) in out.iter_mut().enumerate() {
            let x = env * self.noise.next();
            env *= env_decay;
            // Flushed: between clicks the high-pass decays towards zero within a few samples.
            // `c·hp + c·(x − prev)`: one multiply and one add on the recursion's path.
            hp = flush_tiny(c * hp + c * (x - prev));
            prev = x;
            *y = bands.process_sum(hp, &gains);
            if env < env_floor {
                // The burst ends (once: the floor is cleared); the resonances ring out.
                env = 0.0;
                env_floor = 0.0;
                self.now.quiet_from = self.now.pos + k as u32 + self.reset_samples;
                done = k + 1;
                break;
            }
        }
        self.bands = bands;
        self.now.env = env;
        self.now.env_floor = env_floor;
        self.now.prev = prev;
        self.now.hp = hp;
        self.now.pos += done as u32;
        done
    }
}
