//! The sphere model for sources that do not move while they sound: a trigger event is placed
//! once, when it starts, and rings where it landed. Dozens of such sources sound at once, so
//! the model is split so that nothing recursive runs per source:
//!
//! The moving renderer's chain is linear and, for a fixed source, time-invariant: proximity
//! shelf → five pinna echoes → per-ear fractional delay → per-ear shadow / near-field shelf. Its
//! order can therefore be changed freely. Each shelf is `g_lo·LP(x) + g_hi·(x − LP(x))`, where
//! the low-pass `LP` depends only on the head size (the shadow) or on nothing at all (the
//! proximity corner), never on the source. Multiplying out the two shelves gives, per ear,
//!
//! `y = g_hi·d + (g_lo − g_hi)·LPₕ(d) + b·g_hi·LPₚ(d) + b·(g_lo − g_hi)·LPₕ(LPₚ(d))`
//!
//! with `d` the source after its pinna echoes and ear delay and `b` its proximity boost. So a
//! [`FixedSource`] only runs its (non-recursive, vectorisable) echoes and delays and adds `d`
//! into four buses per ear with those four gains, and one [`SharedShelves`] per mix runs the
//! three low-passes per ear once for all sources. The result is the moving renderer's, sample
//! for sample (to rounding), at a fraction of the cost.

use super::head_model::{self, PINNA_GAINS, PINNA_MAX_DELAY_44K, Position, SPEED_OF_SOUND};
use super::renderer::{CONTROL_PERIOD, INTERPOLATION_MARGIN, PROXIMITY_CORNER_HZ, proximity_gain};
use crate::binaural::head_model::HEAD_RADIUS_M;
use crate::dsp::wide::{avx_dispatch, has_avx};
use crate::dsp::{BilinearLowpass, lagrange_weights};

/// Bus indices: the direct part, the shadow low-pass, the proximity low-pass, and both.
const DIRECT: usize = 0;
const SHADOW: usize = 1;
const PROXIMITY: usize = 2;
const BOTH: usize = 3;

/// Four buses per ear (left, right), one control period long.
pub type EarBuses = [[[f32; CONTROL_PERIOD]; 4]; 2];

/// An empty set of buses.
pub fn silent_buses() -> EarBuses {
    [[[0.0; CONTROL_PERIOD]; 4]; 2]
}

/// One fixed source: pinna echoes, ear delays, and its four gains per ear.
#[derive(Debug, Clone)]
pub struct FixedSource {
    /// Input history (`input_history` samples) followed by the current block.
    input: Vec<f32>,
    input_history: usize,
    /// After the pinna echoes: history, then the current block.
    pinna: Vec<f32>,
    pinna_history: usize,
    /// Per echo: whole-sample delay and the weights of it and the sample before.
    pinna_whole: [usize; 5],
    pinna_near: [f32; 5],
    pinna_far: [f32; 5],
    /// Per ear: whole-sample delay, Lagrange weights (oldest first) and the bus gains.
    ear_whole: [usize; 2],
    ear_weights: [[f32; 4]; 2],
    ear_gains: [[f32; 4]; 2],
    /// The CPU has AVX: use the wider build of the loops.
    wide: bool,
}

impl FixedSource {
    /// A silent source for `sample_rate` Hz (allocates its histories).
    pub fn new(sample_rate: f32) -> Self {
        let input_history = (PINNA_MAX_DELAY_44K * sample_rate / 44_100.0).ceil() as usize + 2;
        let pinna_history = (head_model::max_ear_delay_s(HEAD_RADIUS_M.max) * sample_rate
            + INTERPOLATION_MARGIN)
            .ceil() as usize
            + 3;
        Self {
            input: vec![0.0; input_history + CONTROL_PERIOD],
            input_history,
            pinna: vec![0.0; pinna_history + CONTROL_PERIOD],
            pinna_history,
            pinna_whole: [0; 5],
            pinna_near: [0.0; 5],
            pinna_far: [0.0; 5],
            ear_whole: [1; 2],
            ear_weights: [lagrange_weights(0.0); 2],
            ear_gains: [[0.0; 4]; 2],
            wide: has_avx(),
        }
    }

    /// Silences the histories and puts the source at `position` (for a new event; real-time
    /// safe).
    pub fn place(
        &mut self,
        position: &Position,
        head_radius_m: f32,
        proximity: f32,
        sample_rate: f32,
    ) {
        self.input.fill(0.0);
        self.pinna.fill(0.0);
        let boost = proximity_gain(position.distance_m, proximity) - 1.0;
        let cues = head_model::source_cues(position, head_radius_m, sample_rate);
        for (e, delay) in cues.pinna_delays.iter().enumerate() {
            let d = delay.clamp(0.0, (self.input_history - 2) as f32);
            let frac = d - d.floor();
            self.pinna_whole[e] = d as usize;
            self.pinna_near[e] = PINNA_GAINS[e] * (1.0 - frac);
            self.pinna_far[e] = PINNA_GAINS[e] * frac;
        }
        for (side, cue) in cues.ears.iter().enumerate() {
            let d = (cue.delay_s * sample_rate + INTERPOLATION_MARGIN)
                .clamp(1.0, (self.pinna_history - 3) as f32);
            self.ear_whole[side] = d as usize;
            self.ear_weights[side] = lagrange_weights(d - d.floor());
            let shadow = cue.low_gain - cue.high_gain;
            let mut gains = [0.0; 4];
            gains[DIRECT] = cue.high_gain;
            gains[SHADOW] = shadow;
            gains[PROXIMITY] = boost * cue.high_gain;
            gains[BOTH] = boost * shadow;
            self.ear_gains[side] = gains;
        }
    }

    avx_dispatch! {
        /// Takes `input` (at most a control period) and adds the source's share of the next
        /// `input.len()` samples of `buses`, starting at index `at`.
        pub fn render_add, render_add_avx
            => render_add_any(&mut self, input: &[f32], buses: &mut EarBuses, at: usize)
    }

    #[inline(always)]
    fn render_add_any(&mut self, input: &[f32], buses: &mut EarBuses, at: usize) {
        let n = input.len();
        debug_assert!(n <= CONTROL_PERIOD && at + n <= CONTROL_PERIOD);
        let (hx, hp) = (self.input_history, self.pinna_history);
        self.input[hx..hx + n].copy_from_slice(input);

        // Pinna echoes: p[j] = x[j] + Σ gₑ·x(j − τₑ), linear between whole samples. One pass
        // over the block; every read is a fixed offset, so the loop vectorises.
        {
            let x = &self.input;
            let near: [&[f32]; 5] = std::array::from_fn(|e| {
                let start = hx - self.pinna_whole[e];
                &x[start..start + n]
            });
            let far: [&[f32]; 5] = std::array::from_fn(|e| {
                let start = hx - self.pinna_whole[e] - 1;
                &x[start..start + n]
            });
            let direct = &x[hx..hx + n];
            let (a, b) = (self.pinna_near, self.pinna_far);
            let p = &mut self.pinna[hp..hp + n];
            for j in 0..n {
                let mut acc = direct[j];
                for e in 0..5 {
                    acc += a[e] * near[e][j] + b[e] * far[e][j];
                }
                p[j] = acc;
            }
        }

        // Each ear: the fractional delay, straight into the four buses with the ear's gains.
        for (side, ear_buses) in buses.iter_mut().enumerate() {
            let w = self.ear_weights[side];
            let g = self.ear_gains[side];
            // Oldest tap first: p(j − whole − 2) … p(j − whole + 1).
            let start = hp - self.ear_whole[side] - 2;
            let t: [&[f32]; 4] = std::array::from_fn(|i| &self.pinna[start + i..start + i + n]);
            let [b0, b1, b2, b3] = ear_buses;
            let (b0, b1, b2, b3) = (
                &mut b0[at..at + n],
                &mut b1[at..at + n],
                &mut b2[at..at + n],
                &mut b3[at..at + n],
            );
            for j in 0..n {
                let d = w[0] * t[0][j] + w[1] * t[1][j] + w[2] * t[2][j] + w[3] * t[3][j];
                b0[j] += g[0] * d;
                b1[j] += g[1] * d;
                b2[j] += g[2] * d;
                b3[j] += g[3] * d;
            }
        }

        // Keep the newest samples as history for the next block.
        self.input.copy_within(n..n + hx, 0);
        self.pinna.copy_within(n..n + hp, 0);
    }
}

/// The recursive half of the fixed-source model, shared by every source: per ear, the head
/// shadow low-pass (corner `2c/a`, Brown & Duda) and the proximity low-pass.
#[derive(Debug, Clone)]
pub struct SharedShelves {
    sample_rate: f32,
    /// Per ear: the proximity low-pass of the PROXIMITY bus, of the BOTH bus, and the shadow
    /// low-pass.
    proximity_lp: [BilinearLowpass; 2],
    both_lp: [BilinearLowpass; 2],
    shadow_lp: [BilinearLowpass; 2],
    head_radius_m: f32,
}

impl SharedShelves {
    /// Shelves at `sample_rate` Hz for an average head.
    pub fn new(sample_rate: f32) -> Self {
        let proximity =
            BilinearLowpass::new(std::f32::consts::TAU * PROXIMITY_CORNER_HZ, sample_rate);
        let mut shelves = Self {
            sample_rate,
            proximity_lp: [proximity; 2],
            both_lp: [proximity; 2],
            shadow_lp: [BilinearLowpass::default(); 2],
            head_radius_m: 0.0,
        };
        shelves.set_head_radius(0.0875);
        shelves
    }

    /// Clears the filter states.
    pub fn reset(&mut self) {
        for lp in self
            .proximity_lp
            .iter_mut()
            .chain(&mut self.both_lp)
            .chain(&mut self.shadow_lp)
        {
            lp.reset();
        }
    }

    /// Whether every state is exactly zero (then silent buses give exact silence).
    pub fn is_silent(&self) -> bool {
        self.proximity_lp
            .iter()
            .chain(&self.both_lp)
            .chain(&self.shadow_lp)
            .all(BilinearLowpass::is_silent)
    }

    /// Flushes decayed states to zero (once per control period).
    pub fn flush_tiny(&mut self) {
        for lp in self
            .proximity_lp
            .iter_mut()
            .chain(&mut self.both_lp)
            .chain(&mut self.shadow_lp)
        {
            lp.flush_tiny();
        }
    }

    /// Moves the shadow corner to a head of `head_radius_m` (keeps the state: no click).
    pub fn set_head_radius(&mut self, head_radius_m: f32) {
        if head_radius_m != self.head_radius_m {
            self.head_radius_m = head_radius_m;
            let corner = 2.0 * SPEED_OF_SOUND / head_radius_m;
            for lp in &mut self.shadow_lp {
                lp.set_corner(corner, self.sample_rate);
            }
        }
    }

    /// Filters the first `left.len()` samples of `buses` and adds the result to `left` and
    /// `right`: `direct + LPₕ(shadow + LPₚ(both)) + LPₚ(proximity)` per ear.
    pub fn render_add(&mut self, buses: &EarBuses, left: &mut [f32], right: &mut [f32]) {
        let [
            [direct_l, shadow_l, proximity_l, both_l],
            [direct_r, shadow_r, proximity_r, both_r],
        ] = buses;
        let [p_l, p_r] = &mut self.proximity_lp;
        let [b_l, b_r] = &mut self.both_lp;
        let [s_l, s_r] = &mut self.shadow_lp;
        // Both ears in one loop: their six recursions are independent and overlap.
        for (j, (l, r)) in left.iter_mut().zip(right.iter_mut()).enumerate() {
            let low_l = s_l.process(shadow_l[j] + b_l.process(both_l[j]));
            let low_r = s_r.process(shadow_r[j] + b_r.process(both_r[j]));
            *l += direct_l[j] + low_l + p_l.process(proximity_l[j]);
            *r += direct_r[j] + low_r + p_r.process(proximity_r[j]);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binaural::BinauralRenderer;

    /// The split model renders what the moving renderer renders for a source at rest.
    #[test]
    fn matches_the_moving_renderer_for_a_source_at_rest() {
        for fs in [44_100.0, 48_000.0, 96_000.0] {
            for (az, el, dist) in [(0.0, 0.0, 1.0), (-90.0, 10.0, 0.3), (135.0, 40.0, 0.12)] {
                let at = Position {
                    azimuth_deg: az,
                    elevation_deg: el,
                    distance_m: dist,
                };
                let mut fixed = FixedSource::new(fs);
                fixed.place(&at, 0.09, 0.7, fs);
                let mut shelves = SharedShelves::new(fs);
                shelves.set_head_radius(0.09);
                let mut moving = BinauralRenderer::new(fs);
                let mut state = 1u32;
                let (mut fixed_out, mut moving_out) = (Vec::new(), Vec::new());
                let mut in_period = 0;
                // Blocks of varying length, as the voices see them (they add up to whole
                // control periods, the moving renderer's unit).
                for n in [64usize, 17, 1, 46, 64, 30, 34].iter().cycle().take(60) {
                    let mut input = [0.0f32; CONTROL_PERIOD];
                    for x in &mut input[..*n] {
                        state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                        *x = (state >> 8) as f32 / (1 << 24) as f32 - 0.5;
                    }
                    let mut buses = silent_buses();
                    fixed.render_add(&input[..*n], &mut buses, 0);
                    let mut a = [[0.0f32; CONTROL_PERIOD]; 2];
                    let [al, ar] = &mut a;
                    shelves.render_add(&buses, &mut al[..*n], &mut ar[..*n]);
                    let mut b = [[0.0f32; CONTROL_PERIOD]; 2];
                    let [bl, br] = &mut b;
                    if in_period == 0 {
                        moving.set_target(&at, 0.09, 0.7);
                    }
                    moving.render_add(&input[..*n], &mut bl[..*n], &mut br[..*n]);
                    in_period = (in_period + n) % CONTROL_PERIOD;
                    fixed_out.extend(al[..*n].iter().copied().zip(ar[..*n].iter().copied()));
                    moving_out.extend(bl[..*n].iter().copied().zip(br[..*n].iter().copied()));
                }
                // The moving renderer plays a control period late.
                let late = &moving_out[crate::binaural::renderer::LATENCY..];
                let mut worst: f32 = 0.0;
                for ((xl, xr), (yl, yr)) in fixed_out.iter().zip(late) {
                    worst = worst.max((xl - yl).abs()).max((xr - yr).abs());
                }
                assert!(late.len() > 2000, "{}", late.len());
                assert!(worst < 2e-5, "{fs} Hz, {az}°: {worst}");
            }
        }
    }
}

#[cfg(test)]
mod split_tests {
    use super::*;

    fn render(pieces: usize) -> Vec<f32> {
        let fs = 48_000.0;
        let mut fixed = FixedSource::new(fs);
        fixed.place(
            &Position {
                azimuth_deg: 27.0,
                elevation_deg: -0.25,
                distance_m: 0.3,
            },
            0.0875,
            1.0,
            fs,
        );
        let mut shelves = SharedShelves::new(fs);
        let mut state = 1u32;
        let mut out = Vec::new();
        for _ in 0..2000 {
            let mut input = [0.0f32; CONTROL_PERIOD];
            for x in &mut input {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                *x = (state >> 8) as f32 / (1 << 24) as f32 - 0.5;
            }
            let mut buses = silent_buses();
            for at in (0..CONTROL_PERIOD).step_by(pieces) {
                let end = (at + pieces).min(CONTROL_PERIOD);
                fixed.render_add(&input[at..end], &mut buses, at);
            }
            let (mut l, mut r) = ([0.0f32; CONTROL_PERIOD], [0.0f32; CONTROL_PERIOD]);
            for at in (0..CONTROL_PERIOD).step_by(pieces) {
                let end = (at + pieces).min(CONTROL_PERIOD);
                let mut part = silent_buses();
                for side in 0..2 {
                    for bus in 0..4 {
                        part[side][bus][..end - at].copy_from_slice(&buses[side][bus][at..end]);
                    }
                }
                shelves.render_add(&part, &mut l[at..end], &mut r[at..end]);
            }
            out.extend_from_slice(&l);
            out.extend_from_slice(&r);
        }
        out
    }

    #[test]
    fn block_splits_do_not_change_a_sample() {
        let whole = render(64);
        for pieces in [1, 2, 7] {
            let first = whole.iter().zip(&render(pieces)).position(|(a, b)| a != b);
            assert_eq!(first, None, "pieces of {pieces}");
        }
    }
}
