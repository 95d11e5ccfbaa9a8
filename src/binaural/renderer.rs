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
//!
//! The renderer works on whole control periods on the absolute sample grid: it collects a
//! period of input and renders it at the next control tick, so its output is one period
//! ([`LATENCY`]) late. Every loop then has the same fixed length whatever the host's block
//! size, and the output does not depend on how the host cuts its blocks.

use super::head_model::{self, PINNA_GAINS, PINNA_MAX_DELAY_44K, Position, SPEED_OF_SOUND};
use crate::binaural::head_model::HEAD_RADIUS_M;
use crate::dsp::math::{exp, ln};
use crate::dsp::wide::{avx_dispatch, has_avx};
use crate::dsp::{BlockLowpass, ControlRamp, ControlSmoother, lagrange_cubic};

/// Samples between two cue updates. Every stateful choice is tied to the absolute sample count
/// (never to the host's block boundaries), so output does not depend on the block size.
pub const CONTROL_PERIOD: usize = 64;

/// The renderer's output lags its input by one control period (see the module notes).
pub const LATENCY: usize = CONTROL_PERIOD;

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

/// The cues, all in one ramp (one tick updates them all): the proximity gain, the five pinna
/// echo delays, then per ear (left, right) its delay (samples), low-band and high-band gains.
const PROXIMITY: usize = 0;
const PINNA: usize = 1;
const EARS: usize = PINNA + 5;
const CUES: usize = EARS + 2 * 3;
const DELAY: usize = 0;
const LOW: usize = 1;
const HIGH: usize = 2;

/// Index of an ear's cue (`side` 0 for the left ear, 1 for the right).
const fn ear_cue(side: usize, cue: usize) -> usize {
    EARS + 3 * side + cue
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

/// Samples per group of a period's delay reads: one AVX register, or two SSE ones.
const GROUP: usize = 8;

/// The whole samples of a delay that is finite, non-negative and below 2³¹ (the callers clamp
/// their delays to far less).
#[inline(always)]
fn whole_samples(delay: f32) -> usize {
    // SAFETY: the conversion's requirement is a finite value in range, which the callers'
    // clamps guarantee (through i32: one instruction per vector).
    unsafe { delay.to_int_unchecked::<i32>() as usize }
}

/// The whole-sample delays that delays from `first` to `last` span, in order (for delays that
/// are monotonic in between: a linear ramp, clamped; rising or falling).
#[inline(always)]
fn whole_span(first: f32, last: f32) -> (usize, usize) {
    let (first, last) = (whole_samples(first), whole_samples(last));
    (first.min(last), first.max(last))
}

/// Reads a period through delays that are monotonic over it. Delays ramp slowly, so nearly
/// every period has one whole-sample delay and `read::<CONTROL_PERIOD>(0, whole)` reads it as
/// one contiguous window, in a loop that vectorises. Otherwise the period goes in groups of
/// [`GROUP`] samples (`read::<GROUP>(start, whole)`), and in the group where the delay crosses
/// a whole sample each whole delay is read in turn and each sample keeps the read that matches
/// its own. `keep(k, value)` takes the value of sample `k`.
///
/// A macro rather than a function taking closures: the compiler does not always inline
/// closures into the AVX build of the period, and a closure left out of line loses AVX and
/// is called once per read.
macro_rules! read_through_delays {
    ($delays:expr, |$start:ident, $whole:ident, $len:ident| $read:expr, |$k:ident, $value:ident| $keep:expr) => {{
        let delays: &[f32; CONTROL_PERIOD] = $delays;
        let (first, last) = whole_span(delays[0], delays[CONTROL_PERIOD - 1]);
        if first == last {
            let ($start, $whole) = (0usize, first);
            const $len: usize = CONTROL_PERIOD;
            let values: [f32; CONTROL_PERIOD] = $read;
            for ($k, $value) in values.into_iter().enumerate() {
                $keep;
            }
        } else {
            for $start in (0..CONTROL_PERIOD).step_by(GROUP) {
                let (first, last) = whole_span(delays[$start], delays[$start + GROUP - 1]);
                for $whole in first..=last {
                    const $len: usize = GROUP;
                    let values: [f32; GROUP] = $read;
                    for (j, $value) in values.into_iter().enumerate() {
                        let $k = $start + j;
                        if first == last || whole_samples(delays[$k]) == $whole {
                            $keep;
                        }
                    }
                }
            }
        }
    }};
}

/// One pinna echo over `L` samples, as if every sample's whole delay were `whole`: `gain`
/// times `x` read linearly between `whole` and `whole + 1` samples before `at + j`.
#[inline(always)]
fn pinna_echo<const L: usize>(
    x: &[f32],
    at: usize,
    delays: &[f32],
    whole: usize,
    gain: f32,
) -> [f32; L] {
    let near = &x[at - whole..][..L];
    let far = &x[at - whole - 1..][..L];
    let delays = &delays[..L];
    let mut echo = [0.0f32; L];
    for j in 0..L {
        let frac = delays[j] - whole as f32;
        let (a, b) = (near[j], far[j]);
        echo[j] = gain * (a + frac * (b - a));
    }
    echo
}

/// One ear's cubic (Lagrange) delay read over `L` samples, as if every sample's whole delay
/// were `whole`: the taps `whole + 2 … whole − 1` samples before `at + j`, oldest first.
#[inline(always)]
fn ear_read<const L: usize>(p: &[f32], at: usize, delays: &[f32], whole: usize) -> [f32; L] {
    let taps = &p[at - whole - 2..][..L + 3];
    let delays = &delays[..L];
    let mut value = [0.0f32; L];
    for j in 0..L {
        let four = [taps[j], taps[j + 1], taps[j + 2], taps[j + 3]];
        value[j] = lagrange_cubic(four, delays[j] - whole as f32);
    }
    value
}

/// Renders one mono source at a (moving) position to two ears, one control period late.
///
/// Each stage writes the whole period before the next reads it, so the reads of one sample do
/// not wait for the previous one; the recursive shelves run in their block form.
#[derive(Debug, Clone)]
pub struct BinauralRenderer {
    sample_rate: f32,
    /// The input of the period being collected.
    heard: Box<[f32; CONTROL_PERIOD]>,
    /// The last complete period, rendered (left, right): played during the current one.
    rendered: Box<[[f32; CONTROL_PERIOD]; 2]>,
    /// After the proximity shelf: `input_history` samples of history, then the period.
    input: Vec<f32>,
    input_history: usize,
    /// After the pinna echoes: `pinna_history` samples of history, then the period.
    pinna: Vec<f32>,
    pinna_history: usize,
    cues: ControlRamp<CUES>,
    /// Per ear, the shelf's low-pass.
    ear_shelves: [BlockLowpass; 2],
    head_radius: ControlSmoother,
    proximity_shelf: BlockLowpass,
    /// The last `proximity_gain`, with its distance and control (as bits): a voice often keeps
    /// its distance while it moves, and the gain costs a logarithm and an exponential.
    proximity_memo: ([u32; 2], f32),
    /// Samples collected since the last control tick.
    elapsed: usize,
    /// The next control tick jumps straight to its targets (after `reset`).
    snap: bool,
    /// The CPU has AVX: use the wider build of the period's loops.
    wide: bool,
}

impl BinauralRenderer {
    /// A renderer for `sample_rate` Hz (allocates its histories).
    pub fn new(sample_rate: f32) -> Self {
        let control_rate = sample_rate / CONTROL_PERIOD as f32;
        // The linear reads take the sample beyond the whole delay too.
        let input_history = (PINNA_MAX_DELAY_44K * sample_rate / 44_100.0).ceil() as usize + 2;
        // The cubic reads take two samples beyond the whole delay.
        let pinna_history = (head_model::max_ear_delay_s(HEAD_RADIUS_M.max) * sample_rate
            + INTERPOLATION_MARGIN)
            .ceil() as usize
            + 3;
        Self {
            sample_rate,
            heard: Box::new([0.0; CONTROL_PERIOD]),
            rendered: Box::new([[0.0; CONTROL_PERIOD]; 2]),
            input: vec![0.0; input_history + CONTROL_PERIOD],
            input_history,
            pinna: vec![0.0; pinna_history + CONTROL_PERIOD],
            pinna_history,
            cues: ControlRamp::new(CUE_GLIDE_S, sample_rate, CONTROL_PERIOD),
            ear_shelves: [
                BlockLowpass::new(1.0, sample_rate),
                BlockLowpass::new(1.0, sample_rate),
            ],
            head_radius: ControlSmoother::new(CUE_GLIDE_S, control_rate),
            proximity_shelf: BlockLowpass::new(
                2.0 * std::f32::consts::PI * PROXIMITY_CORNER_HZ,
                sample_rate,
            ),
            proximity_memo: ([1.0f32.to_bits(), 0], 1.0),
            elapsed: 0,
            snap: true,
            wide: has_avx(),
        }
    }

    /// Silences all state; the next `set_target` places the source without a glide.
    pub fn reset(&mut self) {
        self.heard.fill(0.0);
        for ear in self.rendered.iter_mut() {
            ear.fill(0.0);
        }
        self.input.fill(0.0);
        self.pinna.fill(0.0);
        for shelf in &mut self.ear_shelves {
            shelf.reset();
        }
        self.proximity_shelf.reset();
        self.elapsed = 0;
        self.snap = true;
    }

    /// Sets where the source should be by the next control tick, and renders the period just
    /// collected towards it. Call exactly once every `CONTROL_PERIOD` samples, before rendering
    /// them.
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
        let mut targets = [0.0; CUES];
        let key = [position.distance_m.to_bits(), proximity.to_bits()];
        if self.proximity_memo.0 != key {
            self.proximity_memo = (key, proximity_gain(position.distance_m, proximity));
        }
        targets[PROXIMITY] = self.proximity_memo.1;
        targets[PINNA..EARS].copy_from_slice(&cues.pinna_delays);
        for (side, ear) in cues.ears.iter().enumerate() {
            self.ear_shelves[side].set_corner(corner, fs);
            targets[ear_cue(side, DELAY)] = ear.delay_s * fs + INTERPOLATION_MARGIN;
            targets[ear_cue(side, LOW)] = ear.low_gain;
            targets[ear_cue(side, HIGH)] = ear.high_gain;
        }
        self.cues.retarget(targets, snap);
        self.render_period();
        // Silence stays exactly silent (no subnormal tails).
        self.proximity_shelf.flush_tiny();
        for shelf in &mut self.ear_shelves {
            shelf.flush_tiny();
        }
    }

    /// Takes `input` into the period being collected and adds as many samples of the last
    /// rendered period to `left` and `right` (all the same length, at most what is left of the
    /// current control period).
    pub fn render_add(&mut self, input: &[f32], left: &mut [f32], right: &mut [f32]) {
        let n = input.len();
        let k0 = self.elapsed;
        debug_assert!(k0 + n <= CONTROL_PERIOD && left.len() == n && right.len() == n);
        self.elapsed += n;
        self.heard[k0..k0 + n].copy_from_slice(input);
        let [out_l, out_r] = &*self.rendered;
        for (y, x) in left.iter_mut().zip(&out_l[k0..k0 + n]) {
            *y += x;
        }
        for (y, x) in right.iter_mut().zip(&out_r[k0..k0 + n]) {
            *y += x;
        }
    }

    avx_dispatch! {
        /// Renders the collected period into `rendered`.
        fn render_period, render_period_avx => render_period_any(&mut self)
    }

    /// The period's per-sample cues are the ramps' values, computed where they are used (in
    /// loops that vectorise) rather than kept in tables.
    #[inline(always)]
    fn render_period_any(&mut self) {
        const N: usize = CONTROL_PERIOD;
        let (hx, hp) = (self.input_history, self.pinna_history);
        let cues = &self.cues;

        // Proximity shelf: x + boost·LP(x).
        let mut low = [0.0f32; N];
        self.proximity_shelf.process_block(&self.heard, &mut low);
        {
            let x = &mut self.input[hx..hx + N];
            for j in 0..N {
                let boost = cues.at(PROXIMITY, j) - 1.0;
                x[j] = self.heard[j] + boost * low[j];
            }
        }

        // Pinna echoes: p[j] = x[j] + Σ gₑ·x(j − τₑ), linear between whole samples. The linear
        // read takes the sample beyond the whole delay too, which the history holds.
        let x = &self.input;
        let p = &mut self.pinna[hp..hp + N];
        let max_pinna = (hx - 1) as f32;
        p.copy_from_slice(&x[hx..hx + N]);
        for (e, &gain) in PINNA_GAINS.iter().enumerate() {
            let mut delays = cues.group::<N>(PINNA + e, 0);
            for d in &mut delays {
                // `max` first: a NaN becomes 0.
                #[allow(clippy::manual_clamp)]
                let clamped = d.max(0.0).min(max_pinna);
                *d = clamped;
            }
            read_through_delays!(
                &delays,
                |start, whole, L| pinna_echo::<L>(x, hx + start, &delays[start..], whole, gain),
                |k, echo| p[k] += echo
            );
        }

        // Each ear: the fractional delay (oldest tap p(j − whole − 2) … newest p(j − whole + 1),
        // at least one sample back), then the shadow / near-field shelf.
        let p = &self.pinna;
        let max_ear = (hp - 2) as f32;
        let mut delayed = [[0.0f32; N]; 2];
        for (side, delayed) in delayed.iter_mut().enumerate() {
            let mut delays = cues.group::<N>(ear_cue(side, DELAY), 0);
            for d in &mut delays {
                // `max` first: a NaN becomes 1.
                #[allow(clippy::manual_clamp)]
                let clamped = d.max(1.0).min(max_ear);
                *d = clamped;
            }
            read_through_delays!(
                &delays,
                |start, whole, L| ear_read::<L>(p, hp + start, &delays[start..], whole),
                |k, value| delayed[k] = value
            );
        }
        // Both ears' shelves in one pass (their low-passes share the head's corner).
        let mut low = [[0.0f32; N]; 2];
        let [low_l, low_r] = &mut low;
        BlockLowpass::process_blocks(
            &mut self.ear_shelves,
            [&delayed[0], &delayed[1]],
            [low_l, low_r],
        );
        for (side, out) in self.rendered.iter_mut().enumerate() {
            let (delayed, low) = (&delayed[side], &low[side]);
            for j in 0..N {
                let (gl, gh) = (
                    cues.at(ear_cue(side, LOW), j),
                    cues.at(ear_cue(side, HIGH), j),
                );
                out[j] = gl * low[j] + gh * (delayed[j] - low[j]);
            }
        }

        // Keep the newest samples as history for the next period.
        self.input.copy_within(N..N + hx, 0);
        self.pinna.copy_within(N..N + hp, 0);
    }
}

/// Proximity bass shelf gain (linear) at `distance_m` for `proximity` in `0..=1`.
pub(crate) fn proximity_gain(distance_m: f32, proximity: f32) -> f32 {
    // From a metre out, or with the control at zero, there is no boost (and nothing to compute
    // at the control tick).
    if distance_m >= 1.0 || proximity == 0.0 {
        return 1.0;
    }
    let closeness = (ln(1.0 / distance_m) / ln(1.0 / PROXIMITY_MIN_DISTANCE)).clamp(0.0, 1.0);
    // 10^(dB/20) as an exponential (cheaper than a power).
    let db = PROXIMITY_MAX_DB * proximity * closeness;
    exp(db * (std::f32::consts::LN_10 / 20.0))
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

    /// Every sample keeps the read made with its own whole-sample delay, for delays that rise
    /// or fall across whole samples anywhere in a period (or stay within one).
    #[test]
    fn each_sample_keeps_the_read_of_its_own_whole_delay() {
        for (first, last) in [
            (3.2, 3.9),
            (3.9, 3.2),
            (2.5, 6.25),
            (6.25, 2.5),
            (4.0, 5.0),
            (7.99, 7.0),
        ] {
            let step = (last - first) / (CONTROL_PERIOD - 1) as f32;
            let delays: [f32; CONTROL_PERIOD] = std::array::from_fn(|k| first + step * k as f32);
            let mut kept = [f32::NAN; CONTROL_PERIOD];
            // A read that tells which whole delay and which sample it was made for.
            fn read<const L: usize>(start: usize, whole: usize) -> [f32; L] {
                std::array::from_fn(|j| (whole * 1000 + start + j) as f32)
            }
            read_through_delays!(
                &delays,
                |start, whole, L| read::<L>(start, whole),
                |k, value| kept[k] = value
            );
            for (k, (&kept, &delay)) in kept.iter().zip(&delays).enumerate() {
                let own = (delay as usize * 1000 + k) as f32;
                assert_eq!(kept, own, "{first} → {last}, sample {k}");
            }
        }
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
