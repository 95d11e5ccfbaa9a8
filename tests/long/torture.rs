//! Murmur tortured the way careless and unusual hosts treat a plugin, through the CLAP API of the
//! built `Murmur.clap`, for both plugins: the effect (mono and stereo input) and the Murmur
//! Triggers instrument (no input).
//!
//! 1. Automation torture, at 8, 22.05, 44.1, 48, 88.2, 96, 176.4, 192 and 384 kHz: blocks of 1 to
//!    8192 samples and empty ones; every parameter the plugin lists (stepped ones as random step
//!    indices, continuous ones as random normalized values) automated at random sample offsets,
//!    with stretches where many parameters jump between their extremes every block; MIDI
//!    note-ons and note-offs; a transport that relocates, changes tempo (20–300 BPM) and time
//!    signature, starts and stops, and wraps around loops (also inside a block). Every output
//!    sample must be finite and, while the Calm Guard has been on for longer than its 10 ms
//!    switch fade, within the ceiling the host asked for (see [`Limits`] for what the design
//!    guarantees while the ceiling glides or bypass fades).
//! 2. Hostile input into the effect (mono, stereo, and on one channel of two), with every
//!    parameter at its default and with everything that adapts or keeps state busy: stretches of
//!    NaN, ±Inf, denormals, ±1e30 and full-scale DC between stretches of a clean tone, compared
//!    with the same run with silence in their place. The output stays finite and within the
//!    ceiling throughout; input that is no audio (non-finite, denormal, beyond ±1000) is silence
//!    to the effect, sample for sample; after the DC the tone comes back as after any loud
//!    passage (see [`recovery_problems`] for the criteria). With the Calm Guard off the output
//!    stays finite, and input that is no audio is still silence.
//! 3. Lifecycle: random sequences of activate/deactivate (random rates and maximum block
//!    sizes), start/stop processing, reset, state save and load, parameter flushes and changes,
//!    and processing, in any order a host may legally use them. Nothing fails, every output
//!    sample is finite. The same with the editor opened and closed between the operations is
//!    in `torture_editor.rs`: its host is another (with the GUI extension), and each host maps
//!    a copy of the plugin library of its own, which in a debug build is large, so it runs in a
//!    process of its own.
//!
//! The library under test is the debug build `cargo test` makes, with nice-plug's
//! `assert_process_allocs`: any allocation in `process()` aborts this test binary, so every
//! block here also checks that the audio path does not allocate.
//!
//! By default (CI) each test runs briefly (a few seconds of audio per rate, 100 lifecycle
//! sequences per plugin). `MURMUR_LONG=1` runs the long version: 60 s of audio per rate and
//! plugin, 1000 sequences per plugin, longer hostile stretches. Each test prints its totals
//! (seconds of audio, blocks, events, sequences). Every run is seeded, so a failure repeats.
//!
//! Here: the plugins' setups, their parameters and the limits every output sample is held to;
//! what the host sends in `torture/host.rs`; the three suites in `torture/automation.rs`,
//! `torture/hostile.rs` and `torture/lifecycle.rs`.

use std::time::Instant;

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg32;

use testkit::clap::*;

mod automation;
mod host;
mod hostile;
mod lifecycle;

use host::{Song, SongStats, Source, block_size};

/// Every sample rate the automation torture runs at, Hz.
const RATES: [f64; 9] = [
    8_000.0, 22_050.0, 44_100.0, 48_000.0, 88_200.0, 96_000.0, 176_400.0, 192_000.0, 384_000.0,
];
/// The largest block the host sends.
const MAX_BLOCK: usize = 8192;
/// The Calm Guard's and bypass's on/off crossfades (`SWITCH_FADE_S` in `src/engine.rs`), s.
const SWITCH_FADE_S: f64 = 0.010;
/// The ceiling glides to a new value through two one-poles of 5 ms (`LEVEL_GLIDE_S`) ticked
/// every 64 samples: 120 ms later an older ceiling's share of the glide is below 1e-8 at every
/// rate, so the guard's ceiling at any sample is at most the highest ceiling the host set within
/// this time.
const CEILING_GLIDE_S: f64 = 0.120;
/// Float rounding allowed on top of a ceiling, relative.
const CEILING_ROUNDING: f32 = 1e-4;

fn long_mode() -> bool {
    std::env::var("MURMUR_LONG").is_ok_and(|v| v == "1")
}

// ---------------------------------------------------------------------------------------------
// The plugins
// ---------------------------------------------------------------------------------------------

/// One plugin in one audio layout.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Setup {
    /// The effect with a mono input.
    Mono,
    /// The effect with a stereo input.
    Stereo,
    /// The instrument (no input).
    Instrument,
}

impl Setup {
    fn create(self) -> Murmur {
        match self {
            Setup::Mono => {
                let murmur = Murmur::new();
                murmur.select_layout(1, 2);
                murmur
            }
            Setup::Stereo => {
                let murmur = Murmur::new();
                murmur.select_layout(2, 2);
                murmur
            }
            Setup::Instrument => Murmur::new_triggers(),
        }
    }

    fn input_channels(self) -> usize {
        match self {
            Setup::Mono => 1,
            Setup::Stereo => 2,
            Setup::Instrument => 0,
        }
    }
}

/// One automatable parameter as the plugin lists it.
#[derive(Debug, Clone)]
struct Param {
    id: u32,
    /// `Some(largest step index)` for stepped parameters (switches, choices, the seed).
    steps: Option<u32>,
}

/// Every parameter, and the three the output bound depends on.
struct Params {
    all: Vec<Param>,
    calm: u32,
    ceiling: u32,
    bypass: u32,
}

impl Params {
    fn of(murmur: &Murmur) -> Self {
        let all: Vec<Param> = murmur
            .all_params()
            .into_iter()
            .map(|info| {
                let steps = info
                    .has(CLAP_PARAM_IS_STEPPED)
                    .then_some(info.max_value as u32);
                if steps.is_none() {
                    assert_eq!(
                        (info.min_value, info.max_value),
                        (0.0, 1.0),
                        "{}: continuous parameters are normalized",
                        info.name
                    );
                }
                Param { id: info.id, steps }
            })
            .collect();
        assert!(
            all.len() >= 60,
            "Murmur lists only {} parameters",
            all.len()
        );
        let ceiling = murmur.param_by_id("ceil");
        check_ceiling_mapping();
        Self {
            all,
            calm: murmur.param_by_id("calm").id,
            ceiling: ceiling.id,
            bypass: murmur.param_by_id("bypass").id,
        }
    }

    /// A random value in the parameter's whole range. The Calm Guard is on and bypass off most
    /// of the time, so that most of the output is held to the ceiling.
    fn random_value(&self, param: &Param, rng: &mut Pcg32) -> f64 {
        if param.id == self.calm {
            return f64::from(u8::from(rng.random_bool(0.8)));
        }
        if param.id == self.bypass {
            return f64::from(u8::from(rng.random_bool(0.15)));
        }
        match param.steps {
            Some(steps) => f64::from(rng.random_range(0..=steps)),
            None => rng.random::<f64>(),
        }
    }

    /// The lowest or highest value.
    fn extreme(param: &Param, high: bool) -> f64 {
        match (param.steps, high) {
            (_, false) => 0.0,
            (Some(steps), true) => f64::from(steps),
            (None, true) => 1.0,
        }
    }
}

/// The ceiling in dBFS for a normalized `ceil` value: −30…0 dBFS, linear, in steps of 0.1 dB.
fn ceiling_db(normalized: f64) -> f64 {
    let db = -30.0 + 30.0 * normalized.clamp(0.0, 1.0);
    (db / 0.1).round() * 0.1
}

/// The linear ceiling for a normalized `ceil` value.
fn ceiling_gain(normalized: f64) -> f32 {
    10f64.powf(ceiling_db(normalized) / 20.0) as f32
}

/// Checks [`ceiling_db`] against the plugin: the text it shows for a few values, and the value
/// it settles on (rounded to its step) for values the host sends.
fn check_ceiling_mapping() {
    static CHECKED: std::sync::Once = std::sync::Once::new();
    CHECKED.call_once(|| {
        let murmur = Murmur::new();
        let ceiling = murmur.param_by_id("ceil");
        for (normalized, db) in [(0.0, -30.0), (0.25, -22.5), (0.5, -15.0), (1.0, 0.0)] {
            if let Some(problem) = check_text(&murmur, &ceiling, normalized, db, "the ceiling") {
                panic!("{problem}");
            }
        }
        let mut rng = Pcg32::seed_from_u64(7);
        for _ in 0..200 {
            let sent = rng.random::<f64>();
            murmur.flush_params(&[(ceiling.id, sent)]);
            let kept = -30.0 + 30.0 * murmur.value(ceiling.id);
            assert!(
                (kept - ceiling_db(sent)).abs() < 1e-3,
                "the host sent the ceiling {sent} (normalized); the plugin keeps {kept} dBFS, \
                 the test expects {} dBFS",
                ceiling_db(sent)
            );
        }
    });
}

// ---------------------------------------------------------------------------------------------
// What the design guarantees about each output sample
// ---------------------------------------------------------------------------------------------

/// A value the host sets over time, and its highest or lowest value over a trailing window:
/// `extreme(t)` covers the value in effect at `t − window` and every value set up to `t`.
struct Lane {
    window: u64,
    /// (first sample it applies to, value), in time order.
    entries: Vec<(u64, f32)>,
    highest: bool,
}

impl Lane {
    fn new(window: u64, initial: f32, highest: bool) -> Self {
        Self {
            window,
            entries: vec![(0, initial)],
            highest,
        }
    }

    /// The value from sample `at` on (changes arrive in time order; the last one at a sample
    /// wins, as in the plugin).
    fn set(&mut self, at: u64, value: f32) {
        let last = self.entries.last_mut().expect("a lane always has a value");
        assert!(at >= last.0, "lane changes out of order");
        if last.0 == at {
            last.1 = value;
        } else {
            self.entries.push((at, value));
        }
    }

    /// Forgets what no sample from `now` on can see.
    fn prune(&mut self, now: u64) {
        let horizon = now.saturating_sub(self.window);
        let keep_from = self.entries.partition_point(|e| e.0 <= horizon).max(1) - 1;
        self.entries.drain(..keep_from);
    }

    fn extreme(&self, t: u64) -> f32 {
        let horizon = t.saturating_sub(self.window);
        let first = self.entries.partition_point(|e| e.0 <= horizon).max(1) - 1;
        let fold = |a: f32, b: f32| if self.highest { a.max(b) } else { a.min(b) };
        self.entries[first..]
            .iter()
            .take_while(|e| e.0 <= t)
            .map(|e| e.1)
            .reduce(fold)
            .expect("a value is in effect")
    }

    /// `extreme` for every sample from `start` on, into `out`: constant between the samples
    /// where a value arrives or leaves the window.
    fn fill(&self, start: u64, out: &mut [f32]) {
        let end = start + out.len() as u64;
        let mut cuts: Vec<u64> = vec![start, end];
        for &(at, _) in &self.entries {
            // A value counts from when it is set, and leaves the window once a later one has
            // been in effect for a whole window: its successor's time plus the window.
            for cut in [at, at + self.window] {
                if cut > start && cut < end {
                    cuts.push(cut);
                }
            }
        }
        cuts.sort_unstable();
        cuts.dedup();
        for pair in cuts.windows(2) {
            let value = self.extreme(pair[0]);
            out[(pair[0] - start) as usize..(pair[1] - start) as usize].fill(value);
        }
    }
}

/// The bound the design puts on the output, from the parameter changes the host sent:
///
/// - while the Calm Guard is off, or has been on for less than its 10 ms switch fade (plus two
///   samples for rounding), only finiteness is guaranteed;
/// - otherwise |out| ≤ the ceiling, which glides: at most the highest ceiling set within the
///   last [`CEILING_GLIDE_S`];
/// - while bypass is on or fading (10 ms), the output crossfades towards the unprocessed input,
///   delayed by the latency: the bound is the larger of the ceiling and that input sample.
struct Limits {
    ceiling: Lane,
    calm: Lane,
    bypass: Lane,
    /// Peak of the input channels, per sample, for the latest `history.len()` samples.
    history: Vec<f32>,
    latency: u64,
    /// Scratch for one block.
    ceiling_now: Vec<f32>,
    calm_now: Vec<f32>,
    bypass_now: Vec<f32>,
}

impl Limits {
    fn new(murmur: &Murmur, params: &Params, sample_rate: f64) -> Self {
        let fade = (SWITCH_FADE_S * sample_rate).ceil() as u64 + 2;
        let glide = (CEILING_GLIDE_S * sample_rate).ceil() as u64;
        let latency = u64::from(murmur.latency());
        let switch = |id| murmur.value(id) as f32;
        Self {
            ceiling: Lane::new(glide, ceiling_gain(murmur.value(params.ceiling)), true),
            calm: Lane::new(fade, switch(params.calm), false),
            bypass: Lane::new(fade, switch(params.bypass), true),
            // A block is recorded before it is checked against the input one latency earlier.
            history: vec![0.0; (latency as usize + MAX_BLOCK + 1).next_power_of_two()],
            latency,
            ceiling_now: vec![0.0; MAX_BLOCK],
            calm_now: vec![0.0; MAX_BLOCK],
            bypass_now: vec![0.0; MAX_BLOCK],
        }
    }

    /// Notes a change the host sends to take effect at sample `at`.
    fn change(&mut self, params: &Params, at: u64, id: u32, value: f64) {
        if id == params.ceiling {
            self.ceiling.set(at, ceiling_gain(value));
        } else if id == params.calm {
            self.calm.set(at, (value >= 0.5) as u8 as f32);
        } else if id == params.bypass {
            self.bypass.set(at, (value >= 0.5) as u8 as f32);
        }
    }

    /// Records the peak input (over the channels) of the block starting at `start`.
    fn record_input(&mut self, start: u64, inputs: &[Vec<f32>], frames: usize) {
        let mask = self.history.len() - 1;
        for i in 0..frames {
            let peak = inputs.iter().fold(0.0f32, |m, c| m.max(c[i].abs()));
            self.history[(start as usize + i) & mask] = peak;
        }
    }

    /// Checks the block at `start`; returns (samples held to a ceiling, highest |out| / bound).
    fn check(&mut self, what: &str, start: u64, left: &[f32], right: &[f32]) -> (u64, f32) {
        let n = left.len();
        self.ceiling.fill(start, &mut self.ceiling_now[..n]);
        self.calm.fill(start, &mut self.calm_now[..n]);
        self.bypass.fill(start, &mut self.bypass_now[..n]);
        let mask = self.history.len() - 1;
        let (mut held, mut worst) = (0, 0.0f32);
        for (i, (&l, &r)) in left.iter().zip(right).enumerate() {
            let t = start + i as u64;
            assert!(
                l.is_finite() && r.is_finite(),
                "{what}: non-finite output ({l}, {r}) at sample {t}"
            );
            if self.calm_now[i] < 1.0 {
                continue;
            }
            let mut bound = self.ceiling_now[i];
            if self.bypass_now[i] > 0.0 && t >= self.latency {
                bound = bound.max(self.history[(t - self.latency) as usize & mask]);
            }
            let peak = l.abs().max(r.abs());
            assert!(
                peak <= bound * (1.0 + CEILING_ROUNDING),
                "{what}: output ({l}, {r}) at sample {t} exceeds the bound {bound} \
                 (ceiling {} dBFS, bypass {})",
                20.0 * self.ceiling_now[i].log10(),
                self.bypass_now[i] > 0.0
            );
            held += 1;
            worst = worst.max(peak / bound);
        }
        let next = start + n as u64;
        self.ceiling.prune(next);
        self.calm.prune(next);
        self.bypass.prune(next);
        (held, worst)
    }
}
