//! Sphere-model binaural renderer: one mono source in, left/right headphone signal out.
//!
//! Mono part (shared by both ears): a proximity low shelf, then Brown & Duda's five pinna
//! echoes. Per ear: a fractional delay (ITD) and one shelf that carries the head shadow (high
//! band) and the near-field bass (low band). All of it is linear, so the order only matters for
//! cost: the shared part runs once per sample.
//!
//! The position may change every sample without clicks: the cues are recomputed every
//! `CONTROL_PERIOD` samples, glided with a critically damped smoother and ramped linearly per
//! sample, so delays and gains move continuously, without steps.

use super::head_model::{self, PINNA_GAINS, PINNA_MAX_DELAY_44K, Position, SPEED_OF_SOUND};
use crate::dsp::{BilinearLowpass, ControlRamp, ControlSmoother, DelayLine, lagrange_weights};
use crate::settings::ranges::HEAD_RADIUS_M;

/// Samples between two cue updates. Every stateful choice is tied to the absolute sample count
/// (never to the host's block boundaries), so output does not depend on the block size.
pub const CONTROL_PERIOD: usize = 64;

/// Time constant of each of the two smoothing stages for the cues, seconds: a jump across the
/// head becomes a ~40 ms glide (audible as motion, never as a click).
const CUE_GLIDE_S: f32 = 0.010;

/// Extra delay so that the cubic interpolator always has one newer sample to read.
pub(crate) const INTERPOLATION_MARGIN: f32 = 1.0;

/// Corner of the proximity bass shelf, Hz (the warm "close mic" region of a voice).
pub(crate) const PROXIMITY_CORNER_HZ: f32 = 200.0;
/// Proximity bass at the closest distance with `prox` at 100 %, dB.
const PROXIMITY_MAX_DB: f32 = 6.0;
/// Closest distance, m; the proximity boost grows with log(1/r) from 1 m down to here.
const PROXIMITY_MIN_DISTANCE: f32 = 0.1;

/// Shared cues: proximity gain, then the five pinna echo delays.
const PROXIMITY: usize = 0;
const PINNA: usize = 1;
/// Per-ear cues: delay (samples), low-band gain, high-band gain.
const DELAY: usize = 0;
const LOW: usize = 1;
const HIGH: usize = 2;

/// One ear's delay and shelf.
#[derive(Debug, Clone)]
struct EarPath {
    cues: ControlRamp<3>,
    shelf: BilinearLowpass,
}

/// Every per-sample value of one control period, filled at the tick by loops with no
/// dependencies (which the compiler vectorises), so the audio loops only look them up.
#[derive(Debug, Clone)]
struct PeriodTable {
    proximity_boost: [f32; CONTROL_PERIOD],
    pinna_whole: [[i32; CONTROL_PERIOD]; 5],
    pinna_frac: [[f32; CONTROL_PERIOD]; 5],
    ear_whole: [[i32; CONTROL_PERIOD]; 2],
    /// Lagrange weights per ear, one array per tap (oldest first).
    ear_weights: [[[f32; CONTROL_PERIOD]; 4]; 2],
    ear_low: [[f32; CONTROL_PERIOD]; 2],
    ear_high: [[f32; CONTROL_PERIOD]; 2],
}

/// Fills `out[k]` with the ramp value `i` at every sample of the period.
#[inline(always)]
fn ramp_values<const N: usize>(ramp: &ControlRamp<N>, i: usize, out: &mut [f32; CONTROL_PERIOD]) {
    for (k, v) in out.iter_mut().enumerate() {
        *v = ramp.at(i, k);
    }
}

/// Longest delay a table entry may hold, samples (far beyond any delay line here, far below
/// the largest `i32`).
const MAX_TABLE_DELAY: f32 = 1_048_576.0;

/// Splits delays into whole samples and fractions (delays are clamped to
/// `[0, MAX_TABLE_DELAY]`; a NaN becomes 0).
#[inline(always)]
pub(crate) fn split_delays(
    delays: &[f32; CONTROL_PERIOD],
    whole: &mut [i32; CONTROL_PERIOD],
    frac: &mut [f32; CONTROL_PERIOD],
) {
    for k in 0..CONTROL_PERIOD {
        // `max` returns the non-NaN operand, so `d` is finite and in range (`clamp` would keep
        // a NaN).
        #[allow(clippy::manual_clamp)]
        let d = delays[k].max(0.0).min(MAX_TABLE_DELAY);
        // SAFETY: `d` is finite, non-negative and below 2³¹ (the conversion's requirement).
        whole[k] = unsafe { d.to_int_unchecked::<i32>() };
        frac[k] = d - whole[k] as f32;
    }
}

impl PeriodTable {
    fn new() -> Self {
        Self {
            proximity_boost: [0.0; CONTROL_PERIOD],
            pinna_whole: [[0; CONTROL_PERIOD]; 5],
            pinna_frac: [[0.0; CONTROL_PERIOD]; 5],
            ear_whole: [[1; CONTROL_PERIOD]; 2],
            ear_weights: [[[0.0; CONTROL_PERIOD]; 4]; 2],
            ear_low: [[0.0; CONTROL_PERIOD]; 2],
            ear_high: [[0.0; CONTROL_PERIOD]; 2],
        }
    }

    fn fill(&mut self, shared: &ControlRamp<6>, ears: &[EarPath; 2]) {
        ramp_values(shared, PROXIMITY, &mut self.proximity_boost);
        for v in &mut self.proximity_boost {
            *v -= 1.0;
        }
        let mut delays = [0.0f32; CONTROL_PERIOD];
        for e in 0..5 {
            ramp_values(shared, PINNA + e, &mut delays);
            split_delays(&delays, &mut self.pinna_whole[e], &mut self.pinna_frac[e]);
        }
        for (side, path) in ears.iter().enumerate() {
            let mut frac = [0.0f32; CONTROL_PERIOD];
            ramp_values(&path.cues, DELAY, &mut delays);
            split_delays(&delays, &mut self.ear_whole[side], &mut frac);
            let [w0, w1, w2, w3] = &mut self.ear_weights[side];
            for k in 0..CONTROL_PERIOD {
                [w0[k], w1[k], w2[k], w3[k]] = lagrange_weights(frac[k]);
            }
            ramp_values(&path.cues, LOW, &mut self.ear_low[side]);
            ramp_values(&path.cues, HIGH, &mut self.ear_high[side]);
        }
    }
}

/// Renders one mono source at a (moving) position to two ears.
///
/// Works a block at a time, where a block never crosses a control tick: each stage writes its
/// whole block into a delay line before the next stage reads it, so the reads of one sample do
/// not wait for the previous one (only the one-pole filters are sample-serial).
#[derive(Debug, Clone)]
pub struct BinauralRenderer {
    sample_rate: f32,
    /// Input after the proximity shelf, read by the pinna echoes.
    pinna_line: DelayLine,
    /// Input after the pinna, read by the ears' delays.
    ear_line: DelayLine,
    shared: ControlRamp<6>,
    ears: [EarPath; 2],
    /// The current period's per-sample values (boxed: a few kilobytes).
    table: Box<PeriodTable>,
    head_radius: ControlSmoother,
    proximity_shelf: BilinearLowpass,
    /// Samples rendered since the last control tick.
    elapsed: usize,
    /// The next control tick jumps straight to its targets (after `reset`).
    snap: bool,
}

impl BinauralRenderer {
    /// A renderer for `sample_rate` Hz (allocates its delay lines).
    pub fn new(sample_rate: f32) -> Self {
        let control_rate = sample_rate / CONTROL_PERIOD as f32;
        // Reads of a block's first sample happen after the whole block is written.
        let block_margin = CONTROL_PERIOD as f32;
        let ear_delay = head_model::max_ear_delay_s(HEAD_RADIUS_M.max) * sample_rate
            + INTERPOLATION_MARGIN
            + block_margin
            + 2.0;
        let pinna_delay = PINNA_MAX_DELAY_44K * sample_rate / 44_100.0 + block_margin + 2.0;
        let ear = || EarPath {
            cues: ControlRamp::new(CUE_GLIDE_S, sample_rate, CONTROL_PERIOD),
            shelf: BilinearLowpass::default(),
        };
        Self {
            sample_rate,
            pinna_line: DelayLine::new(pinna_delay.ceil() as usize),
            ear_line: DelayLine::new(ear_delay.ceil() as usize),
            shared: ControlRamp::new(CUE_GLIDE_S, sample_rate, CONTROL_PERIOD),
            ears: [ear(), ear()],
            table: Box::new(PeriodTable::new()),
            head_radius: ControlSmoother::new(CUE_GLIDE_S, control_rate),
            proximity_shelf: BilinearLowpass::new(
                2.0 * std::f32::consts::PI * PROXIMITY_CORNER_HZ,
                sample_rate,
            ),
            elapsed: 0,
            snap: true,
        }
    }

    /// Silences all state; the next `set_target` places the source without a glide.
    pub fn reset(&mut self) {
        self.pinna_line.reset();
        self.ear_line.reset();
        for ear in &mut self.ears {
            ear.shelf.reset();
        }
        self.proximity_shelf.reset();
        self.elapsed = 0;
        self.snap = true;
    }

    /// Sets where the source should be by the next control tick. Call exactly once every
    /// `CONTROL_PERIOD` samples, before rendering them.
    pub fn set_target(&mut self, position: &Position, head_radius_m: f32, proximity: f32) {
        let fs = self.sample_rate;
        let snap = std::mem::take(&mut self.snap);
        self.elapsed = 0;
        let head = if snap {
            self.head_radius.snap(head_radius_m);
            head_radius_m
        } else {
            self.head_radius.next(head_radius_m)
        };
        // Brown & Duda's shadow corner: β = 2c/a.
        let corner = 2.0 * SPEED_OF_SOUND / head;
        let cues = head_model::source_cues(position, head, fs);
        for (path, ear) in self.ears.iter_mut().zip(&cues.ears) {
            path.shelf.set_corner(corner, fs);
            let delay = ear.delay_s * fs + INTERPOLATION_MARGIN;
            path.cues
                .retarget([delay, ear.low_gain, ear.high_gain], snap);
        }
        let mut shared = [0.0; 6];
        shared[PROXIMITY] = proximity_gain(position.distance_m, proximity);
        shared[PINNA..].copy_from_slice(&cues.pinna_delays);
        self.shared.retarget(shared, snap);
        self.table.fill(&self.shared, &self.ears);
        // Silence stays exactly silent (no subnormal tails).
        self.proximity_shelf.flush_tiny();
        for path in &mut self.ears {
            path.shelf.flush_tiny();
        }
    }

    /// Renders `input` and adds it to `left` and `right` (all the same length, at most what is
    /// left of the current control period).
    pub fn render_add(&mut self, input: &[f32], left: &mut [f32], right: &mut [f32]) {
        let n = input.len();
        let k0 = self.elapsed;
        debug_assert!(k0 + n <= CONTROL_PERIOD && left.len() == n && right.len() == n);
        self.elapsed += n;

        let t = &*self.table;

        // Proximity shelf into the pinna line (and the direct sound of the pinna stage).
        let mut pinna = [0.0f32; CONTROL_PERIOD];
        for (j, &x) in input.iter().enumerate() {
            let low = self.proximity_shelf.process(x);
            pinna[j] = x + t.proximity_boost[k0 + j] * low;
            self.pinna_line.write(pinna[j]);
        }

        // Pinna echoes into the ear line. Sample j sits `n − 1 − j` behind the line's head.
        for (j, out) in pinna[..n].iter_mut().enumerate() {
            let (k, behind) = (k0 + j, n - 1 - j);
            let mut x = *out;
            for (e, gain) in PINNA_GAINS.iter().enumerate() {
                let whole = behind + t.pinna_whole[e][k] as usize;
                let echo = self.pinna_line.read_linear_split(whole, t.pinna_frac[e][k]);
                x += gain * echo;
            }
            *out = x;
        }
        for &x in &pinna[..n] {
            self.ear_line.write(x);
        }

        // Each ear: delay, then the shadow / near-field shelf. Both ears in one loop, so that
        // their two (sample-serial) filters overlap.
        let [ear_l, ear_r] = &mut self.ears;
        for j in 0..n {
            let (k, behind) = (k0 + j, n - 1 - j);
            let line = &self.ear_line;
            let weights = |side: usize| {
                let w = &t.ear_weights[side];
                [w[0][k], w[1][k], w[2][k], w[3][k]]
            };
            let x_l = line.read_cubic_split(behind + t.ear_whole[0][k] as usize, &weights(0));
            let x_r = line.read_cubic_split(behind + t.ear_whole[1][k] as usize, &weights(1));
            let low_l = ear_l.shelf.process(x_l);
            let low_r = ear_r.shelf.process(x_r);
            left[j] += t.ear_low[0][k] * low_l + t.ear_high[0][k] * (x_l - low_l);
            right[j] += t.ear_low[1][k] * low_r + t.ear_high[1][k] * (x_r - low_r);
        }
    }
}

/// Proximity bass shelf gain (linear) at `distance_m` for `proximity` in `0..=1`.
pub(crate) fn proximity_gain(distance_m: f32, proximity: f32) -> f32 {
    let closeness = ((1.0 / distance_m).ln() / (1.0 / PROXIMITY_MIN_DISTANCE).ln()).clamp(0.0, 1.0);
    crate::dsp::db_to_gain(PROXIMITY_MAX_DB * proximity * closeness)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn impulse_response(position: Position, fs: f32) -> (Vec<f32>, Vec<f32>) {
        let mut r = BinauralRenderer::new(fs);
        let (mut left, mut right) = (vec![0.0; 256], vec![0.0; 256]);
        let mut input = vec![0.0; 256];
        input[0] = 1.0;
        for ((x, l), rr) in input
            .chunks(CONTROL_PERIOD)
            .zip(left.chunks_mut(CONTROL_PERIOD))
            .zip(right.chunks_mut(CONTROL_PERIOD))
        {
            r.set_target(&position, 0.0875, 0.0);
            r.render_add(x, l, rr);
        }
        (left, right)
    }

    #[test]
    fn front_source_is_symmetric() {
        let (l, r) = impulse_response(
            Position {
                azimuth_deg: 0.0,
                elevation_deg: 20.0,
                distance_m: 1.0,
            },
            48_000.0,
        );
        for (a, b) in l.iter().zip(&r) {
            assert!((a - b).abs() < 1e-6);
        }
    }

    #[test]
    fn right_source_reaches_the_right_ear_first_and_louder() {
        let (l, r) = impulse_response(
            Position {
                azimuth_deg: 90.0,
                elevation_deg: 0.0,
                distance_m: 1.0,
            },
            48_000.0,
        );
        let onset = |x: &[f32]| x.iter().position(|v| v.abs() > 0.05).unwrap();
        assert!(onset(&r) + 20 < onset(&l), "{} {}", onset(&r), onset(&l));
        let energy = |x: &[f32]| x.iter().map(|v| v * v).sum::<f32>();
        assert!(energy(&r) > 4.0 * energy(&l));
    }

    #[test]
    fn proximity_boost_only_close_and_only_when_enabled() {
        assert_eq!(proximity_gain(1.5, 1.0), 1.0);
        assert_eq!(proximity_gain(0.1, 0.0), 1.0);
        let db = crate::dsp::gain_to_db(proximity_gain(0.1, 1.0));
        assert!((db - PROXIMITY_MAX_DB).abs() < 1e-3);
    }
}
