//! Calm Guard: the final safety stage. Output never exceeds the ceiling, and it gets there
//! softly, with zero latency.
//!
//! Two parts, linked across both channels so the image never shifts:
//! 1. a gain rider: a peak envelope (instant attack, exponential release) sets the gain that
//!    brings the peaks down to the knee, 3 dB below the ceiling; the gain itself glides down
//!    with a 0.4 ms time constant (settled within 2 ms), and recovers as the envelope releases
//!    (150 ms time constant);
//! 2. a soft clipper for what the rider's attack lets through: identity up to the knee, then a
//!    tanh curve that approaches the ceiling but never passes it.
//!
//! Signals peaking at or below the knee pass bit-for-bit unchanged.

use crate::dsp::one_pole_coef;

/// The knee sits this far below the ceiling, dB.
pub const KNEE_BELOW_CEILING_DB: f32 = 3.0;
/// Gain-rider attack time constant, seconds.
const ATTACK_S: f32 = 0.0004;
/// Peak envelope release time constant, seconds (about 60 dB/s of recovery).
const RELEASE_S: f32 = 0.150;

/// Stereo-linked zero-latency limiter.
#[derive(Debug, Clone)]
pub struct CalmGuard {
    attack_coef: f32,
    release_mul: f32,
    envelope: f32,
    gain: f32,
}

impl CalmGuard {
    /// A guard for `sample_rate` Hz.
    pub fn new(sample_rate: f32) -> Self {
        Self {
            attack_coef: one_pole_coef(ATTACK_S, sample_rate),
            release_mul: 1.0 - one_pole_coef(RELEASE_S, sample_rate),
            envelope: 0.0,
            gain: 1.0,
        }
    }

    /// Forgets any gain reduction.
    pub fn reset(&mut self) {
        self.envelope = 0.0;
        self.gain = 1.0;
    }

    /// Flushes a fully released envelope to exactly zero (no subnormal tail).
    pub fn flush_tiny(&mut self) {
        self.envelope = crate::dsp::flush_tiny(self.envelope);
    }

    /// Current gain reduction of the rider, as a linear factor (1 = none); for meters.
    pub fn gain(&self) -> f32 {
        self.gain
    }

    /// Processes one stereo sample against `ceiling` (linear, > 0).
    #[inline(always)]
    pub fn process(&mut self, [left, right]: [f32; 2], ceiling: f32) -> [f32; 2] {
        let knee = ceiling * KNEE_GAIN;
        let peak = left.abs().max(right.abs());
        self.envelope = peak.max(self.envelope * self.release_mul);
        let target = if self.envelope > knee {
            knee / self.envelope
        } else {
            1.0
        };
        if target < self.gain {
            self.gain += self.attack_coef * (target - self.gain);
        } else {
            // Releasing: follow the envelope's own exponential decay.
            self.gain = target;
        }
        [
            soft_clip(left * self.gain, knee, ceiling),
            soft_clip(right * self.gain, knee, ceiling),
        ]
    }

    /// Processes a block in place against per-sample `ceiling`s (linear, > 0). Same samples as
    /// calling `process` for each; cheaper when the whole block stays under the knee and no gain
    /// reduction is in progress (then only the envelope needs following). Inlined, so that it
    /// takes the caller's instruction set (the engine's AVX build).
    #[inline(always)]
    pub fn process_block(&mut self, left: &mut [f32], right: &mut [f32], ceiling: &[f32]) {
        let n = left.len().min(right.len()).min(ceiling.len());
        let (left, right, ceiling) = (&mut left[..n], &mut right[..n], &ceiling[..n]);
        // `ceiling · KNEE_GAIN` rounds monotonically, so this is the smallest per-sample knee.
        let knee = lanewise(ceiling, f32::INFINITY, |m, c| m.min(c)) * KNEE_GAIN;
        let peak = lanewise(left, 0.0, |m, x| m.max(x.abs()))
            .max(lanewise(right, 0.0, |m, x| m.max(x.abs())));
        if self.gain == 1.0 && self.envelope <= knee && peak <= knee {
            // The envelope stays under every knee, so the gain stays exactly 1 and the clipper
            // is the identity: only the envelope moves.
            // The envelope is a chain through every sample: a plain comparison keeps it one
            // multiply and one select long (`f32::max`'s NaN handling costs two more
            // instructions on it). Same value as `process`: a NaN peak loses the comparison,
            // as `f32::max` ignores it, and the envelope itself is never NaN.
            for (l, r) in left.iter().zip(right.iter()) {
                let peak = l.abs().max(r.abs());
                let decayed = self.envelope * self.release_mul;
                self.envelope = if peak > decayed { peak } else { decayed };
            }
            return;
        }
        self.limit_block(left, right, ceiling);
    }

    /// `process` for every sample of a block (at most `MAX_BLOCK`; longer blocks go in
    /// parts), in passes: the envelope, the rider's targets, the rider's gain, then the gain and
    /// the clipper. The two recursions (envelope and gain) each run alone in a short loop
    /// instead of sharing one with a division and the clipper's branches; every value is
    /// computed by the same operations in the same order, so the samples are `process`'s.
    #[inline(always)]
    fn limit_block(&mut self, left: &mut [f32], right: &mut [f32], ceiling: &[f32]) {
        for ((left, right), ceiling) in left
            .chunks_mut(MAX_BLOCK)
            .zip(right.chunks_mut(MAX_BLOCK))
            .zip(ceiling.chunks(MAX_BLOCK))
        {
            let n = left.len();
            let mut envelope = [0.0f32; MAX_BLOCK];
            for j in 0..n {
                let peak = left[j].abs().max(right[j].abs());
                let decayed = self.envelope * self.release_mul;
                // `peak.max(decayed)`, as in `process_block`'s quiet path.
                self.envelope = if peak > decayed { peak } else { decayed };
                envelope[j] = self.envelope;
            }
            let mut knee = [0.0f32; MAX_BLOCK];
            let mut gain = [0.0f32; MAX_BLOCK];
            for j in 0..n {
                knee[j] = ceiling[j] * KNEE_GAIN;
                // Both sides computed, one kept: no branch, and the loop vectorises.
                let reduced = knee[j] / envelope[j];
                gain[j] = if envelope[j] > knee[j] { reduced } else { 1.0 };
            }
            // Releasing (no target below the gain before it) the gain is each target in turn,
            // and the targets below the gain are the only ones that start the rider's attack:
            // a block whose targets never fall (from the gain it starts with) is all release.
            // The test is a comparison of neighbours, which vectorises; the rider's recursion,
            // a chain of four operations through every sample, runs only when it must.
            let releasing = self.gain <= gain[0]
                && gain[..n]
                    .windows(2)
                    .fold(true, |rising, pair| rising & (pair[0] <= pair[1]));
            if releasing {
                self.gain = gain[n - 1];
            } else {
                for target in &mut gain[..n] {
                    if *target < self.gain {
                        self.gain += self.attack_coef * (*target - self.gain);
                    } else {
                        // Releasing: follow the envelope's own exponential decay.
                        self.gain = *target;
                    }
                    *target = self.gain;
                }
            }
            let mut over = false;
            for j in 0..n {
                left[j] *= gain[j];
                right[j] *= gain[j];
                // A NaN is not within the knee: it goes to the clipper, as in `process`.
                let within = (left[j].abs() <= knee[j]) & (right[j].abs() <= knee[j]);
                over |= !within;
            }
            if over {
                for j in 0..n {
                    left[j] = soft_clip(left[j], knee[j], ceiling[j]);
                    right[j] = soft_clip(right[j], knee[j], ceiling[j]);
                }
            }
        }
    }
}

/// `values` folded with `f` (a maximum or a minimum) in eight independent lanes, then across
/// them: the same value as a plain fold, since the order of a maximum's operands changes
/// nothing (and `f32::max` ignores a NaN in any order), but the compiler may not reorder a
/// floating-point fold by itself, and as one long chain it was among the guard's largest costs.
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

/// Longest block `limit_block` works on at once (the engine's control period).
const MAX_BLOCK: usize = 64;

/// 10^(−3/20): the knee relative to the ceiling.
const KNEE_GAIN: f32 = 0.707_945_8;

/// Identity up to `knee`; above it `knee + (ceiling − knee)·tanh((|x| − knee)/(ceiling − knee))`,
/// which has slope 1 at the knee (no kink) and never reaches past `ceiling`.
#[inline(always)]
pub fn soft_clip(x: f32, knee: f32, ceiling: f32) -> f32 {
    let magnitude = x.abs();
    if magnitude <= knee {
        return x;
    }
    let room = ceiling - knee;
    let y = knee + room * ((magnitude - knee) / room).tanh();
    y.min(ceiling).copysign(x)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::db_to_gain;

    #[test]
    fn knee_constant_matches_3_db() {
        assert!((KNEE_GAIN - db_to_gain(-KNEE_BELOW_CEILING_DB)).abs() < 1e-6);
    }

    #[test]
    fn never_exceeds_the_ceiling() {
        let mut guard = CalmGuard::new(48_000.0);
        let ceiling = db_to_gain(-6.0);
        let mut x = 0.123_f32;
        for n in 0..48_000 {
            // Loud pseudo-random signal with bursts up to +24 dBFS.
            x = (x * 997.0 + 0.31).fract();
            let burst = if (n / 4800) % 2 == 0 { 16.0 } else { 0.2 };
            let [l, r] = guard.process([(x - 0.5) * burst, (0.5 - x) * burst * 0.7], ceiling);
            assert!(l.abs() <= ceiling && r.abs() <= ceiling, "{n}: {l} {r}");
        }
    }

    #[test]
    fn quiet_signals_pass_unchanged() {
        let mut guard = CalmGuard::new(48_000.0);
        let ceiling = db_to_gain(-6.0);
        let knee = ceiling * KNEE_GAIN;
        for n in 0..48_000 {
            let x = knee * (n as f32 * 0.05).sin();
            assert_eq!(guard.process([x, -x], ceiling), [x, -x]);
        }
    }

    #[test]
    fn gain_reduction_settles_within_2_ms_and_recovers_in_100_to_300_ms() {
        let fs = 48_000.0;
        let mut guard = CalmGuard::new(fs);
        let ceiling = db_to_gain(-6.0);
        let knee = ceiling * KNEE_GAIN;
        // A 1 kHz tone 12 dB over the knee.
        let loud = knee * 4.0;
        let mut n = 0;
        let mut tone = |guard: &mut CalmGuard, amp: f32| {
            let x = amp * (2.0 * std::f32::consts::PI * 1000.0 * n as f32 / fs).sin();
            n += 1;
            guard.process([x, x], ceiling)
        };
        for _ in 0..(0.002 * fs) as usize {
            tone(&mut guard, loud);
        }
        // Within 2 ms: 90 % of the 12 dB reduction is in place.
        assert!(guard.gain() < db_to_gain(-12.0 * 0.9), "{}", guard.gain());
        for _ in 0..(0.1 * fs) as usize {
            tone(&mut guard, loud);
        }
        // Then silence: the gain recovers smoothly to within 1 dB of unity in 100–300 ms.
        let mut recovered_after = None;
        for i in 0..(0.5 * fs) as usize {
            tone(&mut guard, 0.0);
            if recovered_after.is_none() && guard.gain() > db_to_gain(-1.0) {
                recovered_after = Some(i as f32 / fs);
            }
        }
        let t = recovered_after.expect("never recovered");
        assert!((0.1..=0.3).contains(&t), "recovered after {t} s");
    }

    #[test]
    fn block_processing_matches_sample_processing() {
        let fs = 48_000.0;
        let (mut by_sample, mut by_block) = (CalmGuard::new(fs), CalmGuard::new(fs));
        let mut x = 0.3_f32;
        let mut k = 0;
        for block in 0..400 {
            // Quiet blocks, loud blocks (the rider's attack, then its release over the quiet
            // ones), a moving ceiling and then a fixed one, blocks of several lengths.
            let loudness = if (block / 20) % 2 == 0 { 0.2 } else { 3.0 };
            let len = [64, 1, 7, 33, 64, 64][block % 6];
            let mut l = [0.0f32; 64];
            let mut r = [0.0f32; 64];
            let mut c = [0.0f32; 64];
            for j in 0..len {
                x = (x * 997.0 + 0.31).fract();
                l[j] = (x - 0.5) * loudness;
                r[j] = (0.5 - x) * loudness * 0.5;
                c[j] = if block < 200 {
                    0.3 + 0.2 * (k as f32 * 1e-3).sin().abs()
                } else {
                    0.4
                };
                k += 1;
            }
            let expected: Vec<[f32; 2]> = (0..len)
                .map(|j| by_sample.process([l[j], r[j]], c[j]))
                .collect();
            by_block.process_block(&mut l[..len], &mut r[..len], &c[..len]);
            for j in 0..len {
                assert_eq!([l[j], r[j]], expected[j], "block {block}, sample {j}");
            }
            assert_eq!(by_block.gain(), by_sample.gain(), "block {block}");
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
