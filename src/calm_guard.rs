//! Calm Guard: the final safety stage. The output's true peak (the waveform a D/A converter or
//! a lossy decoder rebuilds between the samples, ITU-R BS.1770-4 Annex 2) never passes the
//! ceiling, and it gets there softly: a look-ahead limiter, so the gain is already down when a
//! peak arrives and nothing has to be clipped.
//!
//! Linked across both channels so the image never shifts:
//! 1. a detector: each sample's true peak, the largest of the sample and the three points
//!    between it and the next, interpolated by the loudness meter's filter
//!    ([`crate::dsp::true_peak`]). 4× at every rate, though BS.1770-4 asks only 2× from 96 kHz:
//!    2× can under-read a 20 kHz tone at 96 kHz by 0.5 dB, more than the headroom below;
//! 2. an envelope of those peaks (instant attack, 150 ms exponential release) and the gain that
//!    brings it to the ceiling, less [`HEADROOM_DB`];
//! 3. a look-ahead: each sample's gain is the smallest of the gains wanted within half the
//!    interpolator on its near side and one ramp plus half the interpolator on its far side,
//!    averaged over one ramp ([`RAMP_S`]). The gain therefore glides down over a millisecond
//!    before a peak, and is at or below what the peak wants wherever the interpolator reaches
//!    from it.
//!
//! The output is the input [`latency`](CalmGuard::latency) samples late (the ramp plus the
//! interpolator's reach); a soft clipper at the ceiling is only a backstop. Signals whose true
//! peaks stay under the ceiling (less the headroom) pass bit-for-bit unchanged, only late. The
//! output does not depend on how the host splits its blocks: every value is computed per
//! sample, and the quiet stretches that are skipped are the ones whose result is known.

use crate::dsp::math::tanh;
use crate::dsp::true_peak::{TAPS, interpolator};
use crate::dsp::{FixedDelay, one_pole_coef};

/// The gain ramp before a peak, seconds (the look-ahead beyond the interpolator's reach).
pub const RAMP_S: f32 = 0.001;
/// Peak envelope release time constant, seconds (about 60 dB/s of recovery).
const RELEASE_S: f32 = 0.150;
/// The limiter holds true peaks this far under the ceiling, dB: room for meters that read true
/// peaks higher than Murmur's interpolator does. BS.1770-4 Annex 2's own published filter reads
/// a 5 kHz tone 0.17 dB high, and content near the Nyquist frequency (noise bursts) up to 0.46
/// dB higher than this guard judges it (`tests/engine/calm_guard.rs` measures renders with that
/// filter); a little is also for the gain changing under the interpolator's window.
pub const HEADROOM_DB: f32 = 0.5;
/// 10^(−HEADROOM_DB/20).
const HEADROOM_GAIN: f32 = 0.944_060_9;
/// Points per sample the detector judges.
const OVERSAMPLING: usize = 4;
/// Longest stretch worked on at once (the engine's control period); longer blocks go in parts.
const MAX_BLOCK: usize = 64;
/// Samples judged together for whether any needs interpolating.
const GROUP: usize = 8;
/// Taps nearest each point that [`CalmGuard::could_pass`] sums; it bounds the others.
const CORE: usize = 8;
/// Samples between the newest input and the point the detector judges (the interpolator's
/// half length: the points between that sample and the next need the 16 after it).
const REACH: usize = TAPS / 2;

/// The smallest of the last `len` values pushed, in constant time per value (amortised): a
/// queue of the values that can still become the smallest, ascending from the front (the
/// "ascending minima" of Lemire 2006, "Streaming maximum-minimum filter using no more than
/// three comparisons per element"). Fixed storage, no allocation after `new`.
#[derive(Debug, Clone)]
struct MovingMin {
    len: usize,
    /// A ring of (push count, value); `mask + 1` is a power of two above `len`.
    counts: Vec<u64>,
    values: Vec<f32>,
    mask: usize,
    front: usize,
    back: usize,
    pushed: u64,
}

impl MovingMin {
    fn new(len: usize) -> Self {
        let size = (len + 1).next_power_of_two();
        Self {
            len,
            counts: vec![0; size],
            values: vec![0.0; size],
            mask: size - 1,
            front: 0,
            back: 0,
            pushed: 0,
        }
    }

    /// Forgets every value but one `value` just pushed; as if `len` of them had been pushed.
    fn fill(&mut self, value: f32) {
        self.front = 0;
        self.back = 1;
        self.pushed = self.pushed.max(self.len as u64);
        self.counts[0] = self.pushed - 1;
        self.values[0] = value;
    }

    /// Adds `value` and returns the smallest of the last `len`.
    #[inline(always)]
    fn push(&mut self, value: f32) -> f32 {
        // Values not smaller than the new one can never be the smallest again.
        while self.back != self.front && self.values[(self.back - 1) & self.mask] >= value {
            self.back -= 1;
        }
        self.counts[self.back & self.mask] = self.pushed;
        self.values[self.back & self.mask] = value;
        self.back += 1;
        self.pushed += 1;
        // The front leaves once `len` newer values have come.
        if self.counts[self.front & self.mask] + (self.len as u64) < self.pushed {
            self.front += 1;
        }
        self.values[self.front & self.mask]
    }
}

/// The sum of the last `len` values pushed, kept in f64 (each value is added and later taken
/// away once, so the sum drifts by a few units of f64's last place at most).
#[derive(Debug, Clone)]
struct MovingSum {
    values: Vec<f32>,
    at: usize,
    sum: f64,
}

impl MovingSum {
    fn new(len: usize) -> Self {
        Self {
            values: vec![1.0; len],
            at: 0,
            sum: len as f64,
        }
    }

    fn len(&self) -> usize {
        self.values.len()
    }

    /// As if `len` of `value` had been pushed: the sum is exact again.
    fn fill(&mut self, value: f32) {
        self.values.fill(value);
        self.sum = f64::from(value) * self.values.len() as f64;
    }

    #[inline(always)]
    fn push(&mut self, value: f32) -> f64 {
        self.sum += f64::from(value) - f64::from(self.values[self.at]);
        self.values[self.at] = value;
        self.at = if self.at + 1 == self.values.len() {
            0
        } else {
            self.at + 1
        };
        self.sum
    }
}

/// Stereo-linked look-ahead true-peak limiter.
#[derive(Debug, Clone)]
pub struct CalmGuard {
    /// Interpolation rows for the points between samples, and the most they can give.
    phases: Vec<[f32; TAPS]>,
    gain_bound: f32,
    /// The most the taps outside each row's [`CORE`] can give for samples of magnitude 1.
    far_bound: f32,
    release_mul: f32,
    /// The envelope's decay across a [`GROUP`] of samples, rounded down a little: no
    /// envelope decays below it within the group.
    group_decay: f32,
    /// Per channel: the last [`TAPS`] inputs, then the stretch being worked on.
    recent: [[f32; TAPS + MAX_BLOCK]; 2],
    /// The smallest gain wanted by the last `ramp + TAPS` judged samples.
    wanted: MovingMin,
    /// Those smallest gains, for the last `ramp` samples.
    held: MovingSum,
    /// The signal on its way to the output.
    delay: [FixedDelay; 2],
    envelope: f32,
    /// Samples judged since one last wanted a gain below 1 (saturating).
    since_reduced: usize,
    /// Both windows hold nothing but 1 (skipped stretches leave them so without writing).
    idle: bool,
    gain: f32,
}

impl CalmGuard {
    /// A guard for `sample_rate` Hz. Allocates.
    pub fn new(sample_rate: f32) -> Self {
        let (phases, gain_bound) = interpolator(OVERSAMPLING);
        let ramp = ((RAMP_S * sample_rate).round() as usize).max(1);
        let latency = REACH + ramp + REACH - 1;
        let release_mul = 1.0 - one_pole_coef(RELEASE_S, sample_rate);
        let core = REACH - CORE / 2..REACH + CORE / 2;
        let far_bound = phases
            .iter()
            .map(|row| {
                (row.iter().enumerate())
                    .filter(|(i, _)| !core.contains(i))
                    .map(|(_, c)| c.abs())
                    .sum::<f32>()
            })
            .fold(0.0f32, f32::max)
            * 1.001;
        Self {
            phases,
            gain_bound,
            far_bound,
            release_mul,
            group_decay: release_mul.powi(GROUP as i32) * 0.9999,
            recent: [[0.0; TAPS + MAX_BLOCK]; 2],
            wanted: MovingMin::new(ramp + TAPS),
            held: MovingSum::new(ramp),
            delay: [FixedDelay::new(latency), FixedDelay::new(latency)],
            envelope: 0.0,
            since_reduced: usize::MAX,
            idle: true,
            gain: 1.0,
        }
    }

    /// How late the output is behind the input, samples: the detector's reach, the ramp and
    /// the far half of the hold window. Constant for a guard.
    pub fn latency(&self) -> usize {
        self.delay[0].len()
    }

    /// Forgets everything it heard.
    pub fn reset(&mut self) {
        self.recent = [[0.0; TAPS + MAX_BLOCK]; 2];
        self.wanted.fill(1.0);
        self.held.fill(1.0);
        for delay in &mut self.delay {
            delay.reset();
        }
        self.envelope = 0.0;
        self.since_reduced = usize::MAX;
        self.idle = true;
        self.gain = 1.0;
    }

    /// The gain of the most recent output sample, linear (1 = none); for meters.
    pub fn gain(&self) -> f32 {
        self.gain
    }

    /// Limits a block in place against per-sample `ceiling`s (linear, > 0): on return it holds
    /// the guarded output, [`latency`](Self::latency) samples behind the input.
    #[inline(never)]
    pub fn process_block(&mut self, left: &mut [f32], right: &mut [f32], ceiling: &[f32]) {
        let mut gains = [0.0f32; MAX_BLOCK];
        let n = left.len().min(right.len()).min(ceiling.len());
        for start in (0..n).step_by(MAX_BLOCK) {
            let end = (start + MAX_BLOCK).min(n);
            let gains = &mut gains[..end - start];
            let (l, r) = (&mut left[start..end], &mut right[start..end]);
            self.delay_and_gains(l, r, &ceiling[start..end], gains);
            apply(l, r, gains, &ceiling[start..end]);
        }
    }

    /// The guard in two halves, for a caller that crossfades the guard in and out: replaces
    /// the block with the input [`latency`](Self::latency) samples earlier (unguarded) and
    /// writes each of those samples' gain into `gains`; [`apply`] then makes the guarded
    /// output. At most [`MAX_BLOCK`] samples.
    #[inline(never)]
    pub fn delay_and_gains(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        ceiling: &[f32],
        gains: &mut [f32],
    ) {
        let n = left.len();
        assert!(n <= MAX_BLOCK && right.len() == n && ceiling.len() == n && gains.len() == n);
        self.recent[0][TAPS..TAPS + n].copy_from_slice(left);
        self.recent[1][TAPS..TAPS + n].copy_from_slice(right);
        let level_floor = lanewise(ceiling, f32::INFINITY, |m, c| m.min(c)) * HEADROOM_GAIN;
        // Every point judged in this stretch lies within these samples, so none can pass the
        // loudest of them times the interpolator's bound. (A NaN is passed over here and
        // everywhere in the detector: it can raise no envelope; the clipper holds it.)
        let loudest =
            magnitude(&self.recent[0][..TAPS + n]).max(magnitude(&self.recent[1][..TAPS + n]));
        let loud = loudest * self.gain_bound > level_floor;
        if loud || !self.idle {
            self.judge(n, ceiling, loud, gains);
        } else {
            // Nothing wants a reduction and nothing did within the windows: every gain is 1.
            gains.fill(1.0);
            self.gain = 1.0;
        }
        for recent in &mut self.recent {
            recent.copy_within(n..n + TAPS, 0);
        }
        self.delay[0].process(left);
        self.delay[1].process(right);
    }

    /// The detector, envelope and look-ahead for each sample of the stretch in `recent`. With
    /// `loud` false no point can pass its level, and the envelope alone moves.
    #[inline(always)]
    fn judge(&mut self, n: usize, ceiling: &[f32], loud: bool, gains: &mut [f32]) {
        if self.idle {
            self.wanted.fill(1.0);
            self.held.fill(1.0);
            self.idle = false;
        }
        let ramp = self.held.len();
        // Both windows hold only 1 once the last reduction has left them.
        let settled = self.wanted.len + ramp;
        for group in (0..n).step_by(GROUP) {
            let end = (group + GROUP).min(n);
            // Interpolate a group only if one of its points could raise the envelope: above
            // the level and above the envelope decayed across the whole group (otherwise the
            // envelope comes out the same as for a peak of 0).
            let could_rise = loud && {
                let window = group + 1..end + TAPS;
                let loudest = magnitude(&self.recent[0][window.clone()])
                    .max(magnitude(&self.recent[1][window]));
                let floor = lanewise(&ceiling[group..end], f32::INFINITY, f32::min) * HEADROOM_GAIN;
                let decayed = self.envelope * self.group_decay;
                let threshold = floor.max(decayed);
                loudest * self.gain_bound > threshold && self.could_pass(group, threshold)
            };
            let mut peaks = [0.0f32; GROUP];
            if could_rise {
                self.true_peaks(group, &mut peaks);
            }
            for j in group..end {
                let level = ceiling[j] * HEADROOM_GAIN;
                let peak = peaks[j - group];
                let decayed = self.envelope * self.release_mul;
                let envelope = if peak > decayed { peak } else { decayed };
                // Below the level the envelope's value changes nothing (the gain is 1, and the
                // next peak over the level is above it), so it is dropped: no decaying tail.
                self.envelope = if envelope > level { envelope } else { 0.0 };
                let wanted = if self.envelope > 0.0 {
                    self.since_reduced = 0;
                    level / self.envelope
                } else {
                    self.since_reduced = self.since_reduced.saturating_add(1);
                    1.0
                };
                let hold = self.wanted.push(wanted);
                let mut sum = self.held.push(hold);
                if self.since_reduced >= settled {
                    // Only 1s in both windows: the sum is exactly `ramp` (as after `fill`),
                    // whatever its drift, so every split of the blocks gives the same gains.
                    sum = ramp as f64;
                    self.held.sum = sum;
                }
                gains[j] = (sum / ramp as f64) as f32;
            }
        }
        self.gain = gains[n - 1];
        self.idle = self.since_reduced >= settled;
    }

    /// Whether any sample of the [`GROUP`] from `group`, or any point after it, could pass
    /// `threshold`: each point's [`CORE`] taps nearest to it summed, plus the most the other
    /// taps could add (their magnitudes' sum times the loudest sample under them), with a
    /// margin far above the rounding of either sum. A quarter of the interpolation's work; a
    /// group that cannot pass needs no more (the envelope comes out as for a peak of 0).
    #[inline(always)]
    fn could_pass(&self, group: usize, threshold: f32) -> bool {
        for recent in &self.recent {
            let far = self.far_bound * magnitude(&recent[group + 1..group + GROUP + TAPS]);
            let mut most = judged_samples(recent, group);
            for row in &self.phases {
                let sums = points(recent, row, group, REACH - CORE / 2..REACH + CORE / 2);
                for (most, sum) in most.iter_mut().zip(sums) {
                    let y = (sum.abs() + far) * 1.001;
                    *most = if y > *most { y } else { *most };
                }
            }
            if most.iter().any(|&m| m > threshold) {
                return true;
            }
        }
        false
    }

    /// For the [`GROUP`] stretch samples from `group`: the largest magnitude, over both
    /// channels, of the sample [`REACH`] before each and of the points between it and the
    /// next (all taps; see [`points`]).
    #[inline(always)]
    fn true_peaks(&self, group: usize, peaks: &mut [f32; GROUP]) {
        for recent in &self.recent {
            for (peak, x) in peaks.iter_mut().zip(judged_samples(recent, group)) {
                *peak = if x > *peak { x } else { *peak };
            }
            for row in &self.phases {
                for (peak, sum) in peaks.iter_mut().zip(points(recent, row, group, 0..TAPS)) {
                    let y = sum.abs();
                    *peak = if y > *peak { y } else { *peak };
                }
            }
        }
    }
}

/// The magnitudes of the samples judged for the [`GROUP`] from `group` in a channel's
/// `recent` samples ([`REACH`] before each newest).
#[inline(always)]
fn judged_samples(recent: &[f32], group: usize) -> [f32; GROUP] {
    std::array::from_fn(|k| recent[group + k + TAPS - REACH].abs())
}

/// The points one interpolation `row` gives after each sample of the [`GROUP`] from `group`,
/// summed over `taps` only (all of them for the point itself), in tap order: each point its
/// own sum, whatever the group, eight side by side (lanes past the stretch read older samples
/// and are ignored).
#[inline(always)]
fn points(
    recent: &[f32],
    row: &[f32; TAPS],
    group: usize,
    taps: std::ops::Range<usize>,
) -> [f32; GROUP] {
    let mut sums = [0.0f32; GROUP];
    for i in taps {
        let window: &[f32; GROUP] = recent[group + 1 + i..group + 1 + i + GROUP]
            .try_into()
            .expect("GROUP samples");
        for k in 0..GROUP {
            sums[k] += row[i] * window[k];
        }
    }
    sums
}

/// The guarded output from [`CalmGuard::delay_and_gains`]' delayed samples and gains: each
/// sample times its gain, through the backstop clipper at `ceiling`.
#[inline(always)]
pub fn apply(left: &mut [f32], right: &mut [f32], gains: &[f32], ceiling: &[f32]) {
    let n = left.len();
    let (right, gains, ceiling) = (&mut right[..n], &gains[..n], &ceiling[..n]);
    let mut over = false;
    for j in 0..n {
        left[j] *= gains[j];
        right[j] *= gains[j];
        let knee = ceiling[j] * HEADROOM_GAIN;
        // A NaN is not within the knee: it goes to the clipper.
        over |= !((left[j].abs() <= knee) & (right[j].abs() <= knee));
    }
    if over {
        for j in 0..n {
            let knee = ceiling[j] * HEADROOM_GAIN;
            left[j] = soft_clip(left[j], knee, ceiling[j]);
            right[j] = soft_clip(right[j], knee, ceiling[j]);
        }
    }
}

/// The largest magnitude in `values` (a NaN is passed over), in eight lanes.
#[inline(always)]
fn magnitude(values: &[f32]) -> f32 {
    lanewise(values, 0.0, |m, x| if x.abs() > m { x.abs() } else { m })
}

/// `values` folded with `f` (a maximum or a minimum) in eight independent lanes, then across
/// them: the same value as a plain fold, but the compiler may not reorder a floating-point
/// fold by itself, and as one long chain it would be one of the guard's largest costs.
#[inline(always)]
fn lanewise(values: &[f32], start: f32, f: impl Fn(f32, f32) -> f32) -> f32 {
    let mut lanes = [start; 8];
    let mut groups = values.chunks_exact(8);
    for group in &mut groups {
        for (lane, &x) in lanes.iter_mut().zip(group) {
            *lane = f(*lane, x);
        }
    }
    let tail = groups.remainder().iter().fold(start, |m, &x| f(m, x));
    lanes.iter().fold(tail, |m, &x| f(m, x))
}

/// Identity up to `knee`; above it `knee + (ceiling − knee)·tanh((|x| − knee)/(ceiling − knee))`,
/// which has slope 1 at the knee (no kink) and never reaches past `ceiling`.
#[inline(always)]
pub fn soft_clip(x: f32, knee: f32, ceiling: f32) -> f32 {
    let magnitude = x.abs();
    if magnitude <= knee {
        return x;
    }
    let room = ceiling - knee;
    let y = knee + room * tanh((magnitude - knee) / room);
    y.min(ceiling).copysign(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::math::sin;
    use crate::dsp::{TruePeak, db_to_gain};

    const FS: f32 = 48_000.0;

    /// Runs `left`/`right` through `guard` in blocks of the given lengths, in turn.
    fn run(
        guard: &mut CalmGuard,
        left: &[f32],
        right: &[f32],
        ceiling: f32,
        blocks: &[usize],
    ) -> (Vec<f32>, Vec<f32>) {
        let (mut l, mut r) = (left.to_vec(), right.to_vec());
        let c = vec![ceiling; left.len()];
        let mut start = 0;
        for &len in blocks.iter().cycle() {
            if start >= l.len() {
                break;
            }
            let end = (start + len).min(l.len());
            guard.process_block(&mut l[start..end], &mut r[start..end], &c[start..end]);
            start = end;
        }
        (l, r)
    }

    fn true_peak(left: &[f32], right: &[f32]) -> f32 {
        let mut meter = TruePeak::new(FS, 2);
        meter.process_stereo(left, right);
        meter.peak()
    }

    /// Pseudo-random samples in ±0.5.
    fn noise(len: usize, seed: f32) -> Vec<f32> {
        let mut x = seed;
        (0..len)
            .map(|_| {
                x = (x * 997.0 + 0.31).fract();
                x - 0.5
            })
            .collect()
    }

    #[test]
    fn headroom_constant_matches_its_db() {
        assert!((HEADROOM_GAIN - db_to_gain(-HEADROOM_DB)).abs() < 1e-6);
    }

    #[test]
    fn latency_is_the_ramp_and_the_interpolator() {
        assert_eq!(CalmGuard::new(48_000.0).latency(), 48 + TAPS - 1);
        assert_eq!(CalmGuard::new(44_100.0).latency(), 44 + TAPS - 1);
        assert_eq!(CalmGuard::new(1_000.0).latency(), 1 + TAPS - 1);
    }

    #[test]
    fn true_peaks_never_pass_the_ceiling() {
        let ceiling = db_to_gain(-6.0);
        // Bursts up to +18 dBFS of noise, and quiet stretches between them.
        let mut left = noise(48_000, 0.123);
        let mut right = noise(48_000, 0.456);
        for (n, (l, r)) in left.iter_mut().zip(&mut right).enumerate() {
            let burst = if (n / 4800) % 2 == 0 { 16.0 } else { 0.2 };
            *l *= burst;
            *r *= burst * 0.7;
        }
        let mut guard = CalmGuard::new(FS);
        let (l, r) = run(&mut guard, &left, &right, ceiling, &[64]);
        let tp = true_peak(&l, &r);
        assert!(tp <= ceiling, "true peak {tp} over the ceiling {ceiling}");
        // Limiting, not muting.
        assert!(tp > ceiling * HEADROOM_GAIN * 0.99, "true peak {tp}");
    }

    #[test]
    fn peaks_between_the_samples_are_held_too() {
        // A sine at a quarter of the rate, its samples 45° off its crests: they read 3 dB
        // under the true peak. Samples 1 dB under the ceiling, true peak 2 dB over.
        let ceiling = db_to_gain(-6.0);
        let amplitude = db_to_gain(-4.0);
        let tone: Vec<f32> = (0..9600)
            .map(|n| amplitude * sin(std::f32::consts::FRAC_PI_2 * n as f32 + 0.785_398))
            .collect();
        let sample_peak = tone.iter().fold(0.0f32, |m, x| m.max(x.abs()));
        assert!(sample_peak < ceiling);
        let mut guard = CalmGuard::new(FS);
        let (l, r) = run(&mut guard, &tone, &tone, ceiling, &[64]);
        let tp = true_peak(&l, &r);
        assert!(tp <= ceiling, "true peak {tp} over {ceiling}");
        assert!(tp > ceiling * HEADROOM_GAIN * 0.99, "true peak {tp}");
    }

    #[test]
    fn quiet_signals_pass_unchanged_and_late() {
        let ceiling = db_to_gain(-6.0);
        let level = ceiling * HEADROOM_GAIN;
        // A sine whose true peak is its amplitude, just under the level.
        let tone: Vec<f32> = (0..48_000)
            .map(|n| 0.999 * level * sin(n as f32 * 0.05))
            .collect();
        let mut guard = CalmGuard::new(FS);
        let latency = guard.latency();
        let (l, r) = run(&mut guard, &tone, &tone, ceiling, &[64, 7, 33]);
        assert!(l[..latency].iter().all(|&x| x == 0.0));
        assert_eq!(&l[latency..], &tone[..tone.len() - latency]);
        assert_eq!(l, r);
    }

    #[test]
    fn the_gain_is_down_before_a_peak_and_recovers_in_100_to_300_ms() {
        let ceiling = db_to_gain(-6.0);
        // Silence, then a 1 kHz tone 12 dB over the ceiling for 100 ms, then silence.
        let onset = 4800;
        let loud = ceiling * db_to_gain(12.0);
        let tone: Vec<f32> = (0..48_000)
            .map(|n| {
                if (onset..onset + 4800).contains(&n) {
                    loud * sin(std::f32::consts::TAU * 1000.0 * n as f32 / FS)
                } else {
                    0.0
                }
            })
            .collect();
        let mut guard = CalmGuard::new(FS);
        let latency = guard.latency();
        let mut gains = Vec::new();
        let (mut l, mut r) = (tone.clone(), tone.clone());
        let c = [ceiling; 64];
        for (l, r) in l.chunks_mut(64).zip(r.chunks_mut(64)) {
            let mut g = [0.0; 64];
            guard.delay_and_gains(l, r, &c[..l.len()], &mut g[..l.len()]);
            gains.extend_from_slice(&g[..l.len()]);
        }
        // The gain at the output sample of the onset is already the full reduction, and it
        // started falling no more than the look-ahead before it.
        let at_onset = onset + latency;
        let wanted = ceiling * HEADROOM_GAIN / loud;
        assert!(gains[at_onset] <= wanted * 1.001, "{}", gains[at_onset]);
        let first_reduced = gains.iter().position(|&g| g < 1.0).unwrap();
        assert!(at_onset - first_reduced <= latency, "{first_reduced}");
        // And it recovers to within 1 dB of unity 100–300 ms after the tone ends.
        let end = onset + 4800 + latency;
        let recovered = gains[end..]
            .iter()
            .position(|&g| g > db_to_gain(-1.0))
            .unwrap();
        let t = recovered as f32 / FS;
        assert!((0.1..=0.3).contains(&t), "recovered after {t} s");
    }

    #[test]
    fn block_sizes_change_nothing() {
        let mut left = noise(96_000, 0.3);
        let right = noise(96_000, 0.7);
        for (n, l) in left.iter_mut().enumerate() {
            // Quiet and loud stretches, so the skipped and the judged paths both run.
            *l *= if (n / 3000) % 3 == 0 { 4.0 } else { 0.05 };
        }
        let ceiling = db_to_gain(-12.0);
        let reference = run(&mut CalmGuard::new(FS), &left, &right, ceiling, &[1]);
        for blocks in [&[64][..], &[7, 64, 33, 1, 50], &[13]] {
            let split = run(&mut CalmGuard::new(FS), &left, &right, ceiling, blocks);
            assert!(split == reference, "blocks {blocks:?}");
        }
    }

    #[test]
    fn nan_and_huge_inputs_stay_under_the_ceiling() {
        let ceiling = db_to_gain(-6.0);
        let mut input = noise(4800, 0.9);
        input[1000] = f32::NAN;
        input[2000] = 1e30;
        let mut guard = CalmGuard::new(FS);
        let (l, r) = run(&mut guard, &input, &input, ceiling, &[64]);
        assert!(
            l.iter().chain(&r).all(|x| x.abs() <= ceiling),
            "over the ceiling"
        );
    }

    #[test]
    fn moving_min_and_sum_match_the_plain_ones() {
        for len in [1usize, 2, 7, 80] {
            let mut min = MovingMin::new(len);
            let mut sum = MovingSum::new(len);
            min.fill(1.0);
            // The windows start full of 1s, as after `fill`.
            let mut seen = vec![1.0f32; len];
            for (k, x) in noise(2000, 0.77).into_iter().enumerate() {
                // Runs of rising, falling and repeated values, as gains make.
                let value = if k % 300 < 100 {
                    x
                } else {
                    (k % 7) as f32 * 0.1
                };
                seen.push(value);
                let window = &seen[seen.len() - len..];
                let plain_min = window.iter().copied().fold(f32::INFINITY, f32::min);
                let plain_sum: f64 = window.iter().map(|&v| f64::from(v)).sum();
                assert_eq!(min.push(value), plain_min, "len {len}, value {k}");
                assert!((sum.push(value) - plain_sum).abs() < 1e-9, "len {len}, {k}");
            }
        }
    }

    #[test]
    fn soft_clip_is_continuous_at_the_knee() {
        let (knee, ceiling) = (0.5, 0.7);
        assert!((soft_clip(knee + 1e-4, knee, ceiling) - (knee + 1e-4)).abs() < 1e-6);
        assert_eq!(soft_clip(100.0, knee, ceiling), ceiling);
        assert_eq!(soft_clip(-100.0, knee, ceiling), -ceiling);
    }
}
