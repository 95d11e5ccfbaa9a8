//! Renders one mono source through a measured HRTF set: uniformly partitioned convolution
//! (overlap-save, one partition per control period), filters blended from the nearest
//! measurements and crossfaded whenever they change, and each ear's delay applied apart, as a
//! smoothed fractional delay (so a moving source glides in time instead of combing between two
//! differently delayed responses).
//!
//! Latency: one partition (`PARTITION` samples). The engine delays the sphere model's path by
//! the same amount, so switching between the two keeps the voice in place.

use crate::dsp::math::cos;
use std::sync::Arc;

use realfft::num_complex::Complex32;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

use super::head_model::{self, Position};
use super::hrtf_set::{BINS, Blend, HrtfSet, MAX_EAR_DELAY_S, MAX_HRIR_S, PARTITION};
use super::renderer::{INTERPOLATION_MARGIN, PROXIMITY_CORNER_HZ, proximity_gain, split_delays};
use crate::dsp::{BilinearLowpass, ControlRamp, DelayLine, lagrange_weights};

/// Samples of latency the convolution adds.
pub const LATENCY: usize = PARTITION;

/// Glide of the ear delays and the level, seconds (as the sphere model's cues).
const CUE_GLIDE_S: f32 = 0.010;
/// Ramped cues: the two ear delays (samples) and the level.
const DELAY: [usize; 2] = [0, 1];
const GAIN: usize = 2;

/// Per-sample values of one period, filled at the tick.
#[derive(Debug, Clone)]
struct PeriodTable {
    whole: [[i32; PARTITION]; 2],
    weights: [[[f32; PARTITION]; 4]; 2],
    gain: [f32; PARTITION],
    boost: [f32; PARTITION],
}

/// One source through an [`HrtfSet`].
pub struct SofaRenderer {
    sample_rate: f32,
    max_partitions: usize,
    forward: Arc<dyn RealToComplex<f32>>,
    inverse: Arc<dyn ComplexToReal<f32>>,
    scratch: Vec<Complex32>,
    /// The previous period's input, then the current one's (the overlap-save window).
    window: [f32; 2 * PARTITION],
    frame: [f32; 2 * PARTITION],
    /// Spectra of the most recent windows, a ring of `max_partitions`.
    history: Vec<Complex32>,
    newest: usize,
    /// Blended filters `[ear][partition][bin]`: playing now, and the next ones.
    current: Vec<Complex32>,
    next: Vec<Complex32>,
    /// What `current` holds (none after a reset).
    blend: Option<Blend>,
    sum: [Complex32; BINS],
    /// Output of the convolution for this period, per ear.
    ears: [DelayLine; 2],
    cues: ControlRamp<3>,
    table: Box<PeriodTable>,
    /// Rising half of the filter crossfade, per sample of a period.
    fade_in: [f32; PARTITION],
    proximity_shelf: BilinearLowpass,
    elapsed: usize,
    snap: bool,
}

impl SofaRenderer {
    /// A renderer for sets prepared at `sample_rate` (allocates; not for the audio thread).
    pub fn new(sample_rate: f32) -> Self {
        let max_partitions = ((MAX_HRIR_S * sample_rate).ceil() as usize)
            .div_ceil(PARTITION)
            .max(1);
        let mut planner = RealFftPlanner::<f32>::new();
        let forward = planner.plan_fft_forward(2 * PARTITION);
        let inverse = planner.plan_fft_inverse(2 * PARTITION);
        let scratch_len = forward
            .get_scratch_len()
            .max(inverse.get_scratch_len())
            .max(1);
        let filters = 2 * max_partitions * BINS;
        let line = PARTITION as f32 + MAX_EAR_DELAY_S * sample_rate + INTERPOLATION_MARGIN + 4.0;
        let mut fade_in = [0.0f32; PARTITION];
        for (k, f) in fade_in.iter_mut().enumerate() {
            // Raised cosine across the period, ending exactly on 1.
            let x = (k + 1) as f32 / PARTITION as f32;
            *f = 0.5 - 0.5 * cos(std::f32::consts::PI * x);
        }
        Self {
            sample_rate,
            max_partitions,
            forward,
            inverse,
            scratch: vec![Complex32::default(); scratch_len],
            window: [0.0; 2 * PARTITION],
            frame: [0.0; 2 * PARTITION],
            history: vec![Complex32::default(); max_partitions * BINS],
            newest: 0,
            current: vec![Complex32::default(); filters],
            next: vec![Complex32::default(); filters],
            blend: None,
            sum: [Complex32::default(); BINS],
            ears: [
                DelayLine::new(line.ceil() as usize),
                DelayLine::new(line.ceil() as usize),
            ],
            cues: ControlRamp::new(CUE_GLIDE_S, sample_rate, PARTITION),
            table: Box::new(PeriodTable {
                whole: [[0; PARTITION]; 2],
                weights: [[[0.0; PARTITION]; 4]; 2],
                gain: [0.0; PARTITION],
                boost: [0.0; PARTITION],
            }),
            fade_in,
            proximity_shelf: BilinearLowpass::new(
                2.0 * std::f32::consts::PI * PROXIMITY_CORNER_HZ,
                sample_rate,
            ),
            elapsed: 0,
            snap: true,
        }
    }

    /// Control periods after a reset until the output is whole: the convolution history (one
    /// period per partition), the partition of latency, and the longest ear delay.
    pub fn warmup_periods(set: &HrtfSet) -> usize {
        set.partitions() + 2 + (set.max_delay() / PARTITION as f32).ceil() as usize
    }

    /// Whether `set` can play through this renderer (prepared at the same rate).
    pub fn accepts(&self, set: &HrtfSet) -> bool {
        set.sample_rate() == self.sample_rate && set.partitions() <= self.max_partitions
    }

    /// Silences all state; the next `set_target` places the source without a glide.
    pub fn reset(&mut self) {
        self.window.fill(0.0);
        self.history.fill(Complex32::default());
        self.blend = None;
        for ear in &mut self.ears {
            ear.reset();
        }
        self.proximity_shelf.reset();
        self.elapsed = 0;
        self.snap = true;
    }

    /// Convolves the period just rendered and heads for `position`. Call exactly once every
    /// `PARTITION` samples, before rendering them, with a set this renderer `accepts`.
    pub fn set_target(&mut self, set: &HrtfSet, position: &Position, proximity: f32) {
        debug_assert!(self.accepts(set));
        let snap = std::mem::take(&mut self.snap);
        self.elapsed = 0;
        let partitions = set.partitions().min(self.max_partitions);
        let size = partitions * BINS;

        // The newest window's spectrum joins the history.
        self.newest = (self.newest + 1) % self.max_partitions;
        self.frame = self.window;
        let slot = &mut self.history[self.newest * BINS..][..BINS];
        self.forward
            .process_with_scratch(&mut self.frame, slot, &mut self.scratch)
            .expect("buffers sized for the plan");
        self.window.copy_within(PARTITION.., 0);

        // The filters for the new position.
        let blend = set.blend(position);
        let changed = self.blend != Some(blend);
        if changed {
            for ear in 0..2 {
                let next = &mut self.next[ear * size..][..size];
                next.fill(Complex32::default());
                for (&index, &weight) in blend.index.iter().zip(&blend.weight) {
                    if weight == 0.0 {
                        continue;
                    }
                    for (n, s) in next.iter_mut().zip(set.spectra(index as usize, ear)) {
                        *n += s * weight;
                    }
                }
            }
        }
        let fade = changed && self.blend.is_some();
        if changed && !fade {
            std::mem::swap(&mut self.current, &mut self.next);
        }

        for ear in 0..2 {
            let mut out = [0.0f32; PARTITION];
            self.convolve(ear, partitions, false, &mut out);
            if fade {
                let mut faded = [0.0f32; PARTITION];
                self.convolve(ear, partitions, true, &mut faded);
                for ((o, f), w) in out.iter_mut().zip(&faded).zip(&self.fade_in) {
                    *o += (f - *o) * w;
                }
            }
            for &y in &out {
                self.ears[ear].write(y);
            }
        }
        if fade {
            std::mem::swap(&mut self.current, &mut self.next);
        }
        self.blend = Some(blend);

        // Delays and level.
        let mut delays = [INTERPOLATION_MARGIN; 2];
        for (&index, &weight) in blend.index.iter().zip(&blend.weight) {
            let d = set.delays(index as usize);
            delays[0] += weight * d[0];
            delays[1] += weight * d[1];
        }
        let gain = head_model::distance_gain(position.distance_m);
        self.cues.retarget([delays[0], delays[1], gain], snap);
        let boost = proximity_gain(position.distance_m, proximity) - 1.0;
        self.fill_table(boost);
        self.proximity_shelf.flush_tiny();
    }

    /// One ear's output for the newest window, through `current` (or `next`).
    fn convolve(&mut self, ear: usize, partitions: usize, next: bool, out: &mut [f32; PARTITION]) {
        let size = partitions * BINS;
        let filters = if next { &self.next } else { &self.current };
        let filters = &filters[ear * size..][..size];
        self.sum.fill(Complex32::default());
        for p in 0..partitions {
            let at = (self.newest + self.max_partitions - p) % self.max_partitions;
            let x = &self.history[at * BINS..][..BINS];
            let h = &filters[p * BINS..][..BINS];
            for ((s, x), h) in self.sum.iter_mut().zip(x).zip(h) {
                *s += x * h;
            }
        }
        // A real signal's DC and Nyquist bins are real.
        self.sum[0].im = 0.0;
        self.sum[BINS - 1].im = 0.0;
        self.inverse
            .process_with_scratch(&mut self.sum, &mut self.frame, &mut self.scratch)
            .expect("buffers sized for the plan");
        // Overlap-save: the second half is the linear convolution of the newest period.
        out.copy_from_slice(&self.frame[PARTITION..]);
    }

    fn fill_table(&mut self, boost: f32) {
        let t = &mut *self.table;
        for (ear, &cue) in DELAY.iter().enumerate() {
            let mut delays = [0.0f32; PARTITION];
            for (k, d) in delays.iter_mut().enumerate() {
                *d = self.cues.at(cue, k);
            }
            let mut frac = [0.0f32; PARTITION];
            split_delays(&delays, &mut t.whole[ear], &mut frac);
            let [w0, w1, w2, w3] = &mut t.weights[ear];
            for k in 0..PARTITION {
                [w0[k], w1[k], w2[k], w3[k]] = lagrange_weights(frac[k]);
            }
        }
        for k in 0..PARTITION {
            t.gain[k] = self.cues.at(GAIN, k);
        }
        t.boost.fill(boost);
    }

    /// Takes `input` into the convolution and adds the output to `left` and `right` (all the
    /// same length, at most what is left of the current period).
    pub fn render_add(&mut self, input: &[f32], left: &mut [f32], right: &mut [f32]) {
        let n = input.len();
        let k0 = self.elapsed;
        debug_assert!(k0 + n <= PARTITION && left.len() == n && right.len() == n);
        self.elapsed += n;
        let t = &*self.table;
        for (j, &x) in input.iter().enumerate() {
            let low = self.proximity_shelf.process(x);
            self.window[PARTITION + k0 + j] = x + t.boost[k0 + j] * low;
        }
        let [line_l, line_r] = &self.ears;
        for j in 0..n {
            let k = k0 + j;
            // The period's convolved block ends at the lines' heads: sample k of the period
            // sits `PARTITION − 1 − k` behind them.
            let behind = PARTITION - 1 - k;
            let weights = |ear: usize| {
                let w = &t.weights[ear];
                [w[0][k], w[1][k], w[2][k], w[3][k]]
            };
            let l = line_l.read_cubic_split(behind + t.whole[0][k] as usize, &weights(0));
            let r = line_r.read_cubic_split(behind + t.whole[1][k] as usize, &weights(1));
            left[j] += t.gain[k] * l;
            right[j] += t.gain[k] * r;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture() -> HrtfSet {
        let bytes = include_bytes!("../../tests/fixtures/sphere-44k1.sofa");
        HrtfSet::from_bytes(bytes, 48_000.0, "fixture").unwrap()
    }

    /// The response to an impulse at `at`, rendered in chunks of `chunk` samples.
    fn impulse_response(set: &HrtfSet, at: usize, chunk: usize) -> [Vec<f32>; 2] {
        let position = Position {
            azimuth_deg: 50.0,
            elevation_deg: 10.0,
            distance_m: 0.5,
        };
        let mut renderer = SofaRenderer::new(48_000.0);
        let len = 2048;
        let mut input = vec![0.0f32; len];
        input[at] = 1.0;
        let (mut left, mut right) = (vec![0.0f32; len], vec![0.0f32; len]);
        let mut start = 0;
        while start < len {
            if start % PARTITION == 0 {
                renderer.set_target(set, &position, 0.0);
            }
            let end = (start + chunk)
                .min(len)
                .min((start / PARTITION + 1) * PARTITION);
            renderer.render_add(
                &input[start..end],
                &mut left[start..end],
                &mut right[start..end],
            );
            start = end;
        }
        [left[at..].to_vec(), right[at..].to_vec()]
    }

    #[test]
    fn the_response_does_not_depend_on_where_in_a_period_the_input_lands() {
        let set = fixture();
        let reference = impulse_response(&set, 64, 64);
        let energy: f32 = reference[0].iter().map(|x| x * x).sum();
        assert!(energy > 0.01, "{energy}");
        // Nothing comes out before the partition of latency.
        assert!(reference[1][..LATENCY - 1].iter().all(|&x| x == 0.0));
        for (at, chunk) in [(64 + 17, 64), (64 * 5 + 63, 64), (200, 7), (333, 1)] {
            let moved = impulse_response(&set, at, chunk);
            for ear in 0..2 {
                let n = 2048 - 383;
                for (a, b) in moved[ear][..n].iter().zip(&reference[ear][..n]) {
                    assert!((a - b).abs() < 1e-6, "impulse at {at}, chunks of {chunk}");
                }
            }
        }
    }

    #[test]
    fn a_set_for_another_rate_is_not_accepted() {
        let set = fixture();
        assert!(SofaRenderer::new(48_000.0).accepts(&set));
        assert!(!SofaRenderer::new(44_100.0).accepts(&set));
    }
}
