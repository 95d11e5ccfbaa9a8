//! When a layer's events start.
//!
//! Free-running: a renewal process whose intervals are `T·(r + (1 − r)·E)`, with `T = 1/λ`
//! the mean interval at Density λ, `r` the Regularity and `E` a unit exponential. At `r = 0`
//! it is a Poisson process (coefficient of variation 1); at `r = 1` a metronome (0); between,
//! the coefficient of variation is `1 − r` and no two events come closer than `r·T`, which
//! keeps "humanized" rhythms from clumping. The wait is counted in expected intervals, so an
//! automated Density bends the process without restarting it.
//!
//! Synced: every step of the host's beat grid at the layer's Division is a candidate. At 100 %
//! Regularity every step fires, on the sample; below, steps are skipped and jittered (by up to
//! half the steps and ±40 ms at 0 %). The humanizing draws are keyed by the step's index, so
//! the same song position always gets the same pattern, wherever playback started.

use crate::dsp::math::ln;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg32;

/// Most events one layer may start in one chunk of (at most) a control period.
pub const MAX_ONSETS_PER_CHUNK: usize = 16;
/// Largest timing jitter of a synced step at 0 % Regularity, seconds.
const SYNC_JITTER_MAX_S: f64 = 0.040;
/// Largest jitter as a share of the step (keeps steps in order).
const SYNC_JITTER_MAX_STEP: f64 = 0.25;
/// Share of synced steps skipped at 0 % Regularity.
const SYNC_SKIP_MAX: f64 = 0.5;

/// Grid step lengths of the layer's Division.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GridDivision {
    Whole,
    Half,
    Quarter,
    Eighth,
    Sixteenth,
    ThirtySecond,
}

impl GridDivision {
    /// Every division, longest first.
    pub const ALL: [GridDivision; 6] = [
        GridDivision::Whole,
        GridDivision::Half,
        GridDivision::Quarter,
        GridDivision::Eighth,
        GridDivision::Sixteenth,
        GridDivision::ThirtySecond,
    ];

    /// Length of one step, quarter notes.
    pub fn quarters(self) -> f64 {
        match self {
            GridDivision::Whole => 4.0,
            GridDivision::Half => 2.0,
            GridDivision::Quarter => 1.0,
            GridDivision::Eighth => 0.5,
            GridDivision::Sixteenth => 0.25,
            GridDivision::ThirtySecond => 0.125,
        }
    }
}

/// How a layer wants its events timed (plain values, already in range).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Timing {
    /// Mean events per second when free-running; 0 = MIDI only (in both modes).
    pub density_per_s: f32,
    /// 0 = Poisson, 1 = metronomic.
    pub regularity: f32,
    /// Events on the host's grid.
    pub sync: bool,
    pub division: GridDivision,
}

/// Where a chunk lies on the beat grid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct GridClock {
    /// Song position of the chunk's first sample, quarter notes.
    pub quarters: f64,
    /// Quarter notes per sample (tempo / 60 / sample rate).
    pub quarters_per_sample: f64,
}

/// Sample offsets of the events starting in one chunk, in order.
#[derive(Debug, Clone, Copy)]
pub struct Onsets {
    offsets: [usize; MAX_ONSETS_PER_CHUNK],
    len: usize,
}

impl Onsets {
    fn new() -> Self {
        Self {
            offsets: [0; MAX_ONSETS_PER_CHUNK],
            len: 0,
        }
    }

    fn push(&mut self, offset: usize) {
        if self.len < MAX_ONSETS_PER_CHUNK {
            self.offsets[self.len] = offset;
            self.len += 1;
        }
    }

    /// The offsets, ascending.
    pub fn as_slice(&self) -> &[usize] {
        &self.offsets[..self.len]
    }
}

/// One layer's event clock.
#[derive(Debug, Clone)]
pub struct EventScheduler {
    sample_rate: f64,
    /// Free-running: expected intervals left until the next event.
    wait_units: f64,
    rng: Pcg32,
    /// Key of the synced steps' humanizing draws.
    step_key: u64,
    /// Synced: the last step that fired.
    last_step: Option<i64>,
}

impl EventScheduler {
    /// A scheduler at `sample_rate` Hz whose random draws are fixed by `key` (the seed and the
    /// layer index).
    pub fn new(sample_rate: f32, key: u64) -> Self {
        let mut scheduler = Self {
            sample_rate: sample_rate as f64,
            wait_units: 0.0,
            rng: Pcg32::seed_from_u64(key),
            step_key: key,
            last_step: None,
        };
        scheduler.reset(key);
        scheduler
    }

    /// Restarts the sequence from its beginning for `key`.
    pub fn reset(&mut self, key: u64) {
        self.rng = Pcg32::seed_from_u64(key);
        self.step_key = key.wrapping_mul(0x9E37_79B9_7F4A_7C15);
        self.last_step = None;
        // The first event comes one random interval after the start, as every later one.
        self.wait_units = 0.0;
        self.wait_units = self.draw_interval(0.0);
    }

    /// A fresh interval in expected intervals: `r + (1 − r)·E`.
    fn draw_interval(&mut self, regularity: f32) -> f64 {
        let r = regularity as f64;
        let u: f64 = self.rng.random();
        // 1 − u is in (0, 1]: the logarithm is finite.
        let exponential = -ln(1.0 - u);
        r + (1.0 - r) * exponential
    }

    /// The events starting in the next `len` samples (`len` ≤ a control period).
    pub fn onsets(&mut self, len: usize, timing: &Timing, grid: &GridClock) -> Onsets {
        let mut onsets = Onsets::new();
        if timing.density_per_s <= 0.0 {
            return onsets;
        }
        if timing.sync {
            self.synced(len, timing, grid, &mut onsets);
        } else {
            self.free(len, timing, &mut onsets);
        }
        onsets
    }

    fn free(&mut self, len: usize, timing: &Timing, onsets: &mut Onsets) {
        let units_per_sample = timing.density_per_s as f64 / self.sample_rate;
        let mut t = 0.0f64;
        loop {
            let until = self.wait_units / units_per_sample;
            // An onset exactly on the chunk's end belongs to the next chunk.
            if t + until >= len as f64 || onsets.len == MAX_ONSETS_PER_CHUNK {
                self.wait_units -= (len as f64 - t) * units_per_sample;
                self.wait_units = self.wait_units.max(0.0);
                return;
            }
            t += until;
            onsets.push(t as usize);
            self.wait_units = self.draw_interval(timing.regularity);
        }
    }

    fn synced(&mut self, len: usize, timing: &Timing, grid: &GridClock, onsets: &mut Onsets) {
        let step = timing.division.quarters();
        let qps = grid.quarters_per_sample;
        if !(qps > 0.0 && grid.quarters.is_finite()) {
            return;
        }
        let looseness = 1.0 - timing.regularity as f64;
        let max_jitter = looseness
            * (SYNC_JITTER_MAX_S * qps * self.sample_rate).min(SYNC_JITTER_MAX_STEP * step);
        let start = grid.quarters;
        let end = start + len as f64 * qps;
        // A relocation (loop, jump back, jump ahead) forgets which step fired last.
        if let Some(last) = self.last_step {
            let at = last as f64 * step;
            if at > end + step || at < start - 4.0 * step - max_jitter {
                self.last_step = None;
            }
        }
        let first = ((start - max_jitter) / step).floor() as i64;
        let last = ((end + max_jitter) / step).ceil() as i64;
        for index in first..=last.min(first + 4 * MAX_ONSETS_PER_CHUNK as i64) {
            if self.last_step.is_some_and(|fired| index <= fired) {
                continue;
            }
            let (skip, jitter) = self.humanize(index, looseness);
            let onset = index as f64 * step + jitter * max_jitter;
            // The first sample at or after the onset.
            let offset = ((onset - start) / qps).ceil();
            if offset >= len as f64 {
                break;
            }
            // Steps before the chunk fired in an earlier chunk, or lie before the start of
            // playback. Only a step that missed the previous chunk by rounding (the host's
            // positions need not add up exactly) fires now.
            if offset < -1.0 {
                continue;
            }
            self.last_step = Some(index);
            if !skip {
                onsets.push(offset.max(0.0) as usize);
            }
        }
    }

    /// Whether grid step `index` is skipped and its jitter in `-1..=1`, fixed by the step.
    fn humanize(&self, index: i64, looseness: f64) -> (bool, f64) {
        if looseness <= 0.0 {
            return (false, 0.0);
        }
        let mut rng = Pcg32::seed_from_u64(
            self.step_key ^ (index as u64).wrapping_mul(0xD6E8_FEB8_6659_FD93),
        );
        let skip = rng.random::<f64>() < SYNC_SKIP_MAX * looseness;
        let jitter = rng.random::<f64>() * 2.0 - 1.0;
        (skip, jitter)
    }
}
