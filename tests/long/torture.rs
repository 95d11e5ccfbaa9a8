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

// The shared host serves several test binaries; this one uses only part of it.

use std::time::Instant;

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg32;

use testkit::clap::*;

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

// ---------------------------------------------------------------------------------------------
// A host's transport
// ---------------------------------------------------------------------------------------------

/// Counts of what the transport did.
#[derive(Debug, Default, Clone, Copy)]
struct SongStats {
    relocations: u64,
    tempo_changes: u64,
    play_toggles: u64,
    loop_wraps: u64,
    /// Transport events inside blocks (loop wraps, tempo changes).
    in_block: u64,
}

/// A sequencer's transport: plays, relocates, changes tempo and metre, loops.
struct Song {
    now: Transport,
    sample_rate: f64,
    stats: SongStats,
}

const TIME_SIGNATURES: [(u16, u16); 7] = [(4, 4), (3, 4), (6, 8), (7, 8), (5, 4), (2, 2), (12, 16)];

impl Song {
    fn new(sample_rate: f64) -> Self {
        Self {
            now: Transport {
                playing: true,
                ..Transport::default()
            },
            sample_rate,
            stats: SongStats::default(),
        }
    }

    /// What the user does between two blocks.
    fn between_blocks(&mut self, rng: &mut Pcg32) {
        if rng.random_bool(0.03) {
            // A relocation, sometimes into the pre-roll before the song's start.
            self.now.beats = if rng.random_bool(0.1) {
                -rng.random_range(0.0..8.0)
            } else {
                rng.random_range(0.0..2000.0)
            };
            self.now.seconds = self.now.beats * 60.0 / self.now.tempo_bpm;
            self.stats.relocations += 1;
        }
        if rng.random_bool(0.03) {
            self.now.tempo_bpm = rng.random_range(20.0..=300.0);
            self.stats.tempo_changes += 1;
        }
        if rng.random_bool(0.02) {
            self.now.playing = !self.now.playing;
            self.stats.play_toggles += 1;
        }
        if rng.random_bool(0.02) {
            self.now.time_signature = TIME_SIGNATURES[rng.random_range(0..TIME_SIGNATURES.len())];
        }
        if rng.random_bool(0.04) {
            self.now.loop_beats = if self.now.loop_beats.is_some() {
                None
            } else {
                // A loop around the playhead, from a sixteenth to two bars long.
                let length = rng.random_range(0.25..8.0);
                let start = self.now.beats - rng.random_range(0.0..length);
                Some((start, start + length))
            };
        }
    }

    /// The transport at the block's start, and moves on by `frames` samples; loop wraps (and
    /// now and then a tempo change) inside the block go into `changes`.
    fn play(
        &mut self,
        frames: usize,
        rng: &mut Pcg32,
        changes: &mut Vec<(u32, Transport)>,
    ) -> Transport {
        changes.clear();
        let start = self.now;
        if !self.now.playing {
            return start;
        }
        let mut offset = 0usize;
        let tempo_change_at =
            (frames > 1 && rng.random_bool(0.03)).then(|| rng.random_range(1..frames));
        while offset < frames {
            let beats_per_sample = self.now.tempo_bpm / 60.0 / self.sample_rate;
            let mut end = frames;
            if let Some(at) = tempo_change_at.filter(|&at| at > offset) {
                end = end.min(at);
            }
            // The loop wraps when the playhead reaches its end, also on a block's last sample
            // (then the next block starts at the loop's start).
            let mut wrap_to = None;
            if let Some((loop_start, loop_end)) = self.now.loop_beats
                && self.now.beats < loop_end
            {
                let until_end =
                    (((loop_end - self.now.beats) / beats_per_sample).ceil() as usize).max(1);
                if offset + until_end <= end {
                    end = offset + until_end;
                    wrap_to = Some(loop_start);
                }
            }
            let n = end - offset;
            self.now.beats += n as f64 * beats_per_sample;
            self.now.seconds += n as f64 / self.sample_rate;
            offset = end;
            if let Some(loop_start) = wrap_to {
                self.now.beats = loop_start;
                self.now.seconds = loop_start * 60.0 / self.now.tempo_bpm;
                self.stats.loop_wraps += 1;
            } else if offset < frames {
                self.now.tempo_bpm = rng.random_range(20.0..=300.0);
                self.stats.tempo_changes += 1;
            }
            if offset >= frames {
                break;
            }
            changes.push((offset as u32, self.now));
            self.stats.in_block += 1;
        }
        start
    }
}

// ---------------------------------------------------------------------------------------------
// Input
// ---------------------------------------------------------------------------------------------

/// A voice-like test input: tones that change pitch and level, with noise and pauses, peaking
/// below 0.5.
struct Source {
    phase: [f64; 2],
    frequency: f64,
    tone: f64,
    noise: f64,
    sample_rate: f64,
    rng: Pcg32,
}

impl Source {
    fn new(sample_rate: f64, seed: u64) -> Self {
        Self {
            phase: [0.0; 2],
            frequency: 300.0,
            tone: 0.2,
            noise: 0.02,
            sample_rate,
            rng: Pcg32::seed_from_u64(seed),
        }
    }

    fn fill(&mut self, inputs: &mut [Vec<f32>], frames: usize) {
        if inputs.is_empty() {
            return;
        }
        if self.rng.random_bool(0.05) {
            // A new phrase: another pitch and level, or a pause.
            self.frequency = self
                .rng
                .random_range(80.0..4000.0_f64)
                .min(0.45 * self.sample_rate);
            self.tone = if self.rng.random_bool(0.2) {
                0.0
            } else {
                self.rng.random_range(0.01..0.35)
            };
            self.noise = self.rng.random_range(0.0..0.1);
        }
        let step = std::f64::consts::TAU * self.frequency / self.sample_rate;
        for (channel, buffer) in inputs.iter_mut().enumerate() {
            let detune = 1.0 + 0.01 * channel as f64;
            for x in &mut buffer[..frames] {
                self.phase[channel] = (self.phase[channel] + step * detune) % std::f64::consts::TAU;
                let noise = self.noise * (self.rng.random::<f64>() * 2.0 - 1.0);
                *x = (self.tone * self.phase[channel].sin() + noise) as f32;
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// 1. Automation torture
// ---------------------------------------------------------------------------------------------

/// A host's block size: mostly ordinary, sometimes tiny, sometimes huge, now and then empty.
fn block_size(rng: &mut Pcg32, max: usize) -> usize {
    let size = match rng.random_range(0..100u32) {
        0..3 => 0,
        3..13 => rng.random_range(1..=16),
        13..40 => rng.random_range(17..=512),
        40..80 => rng.random_range(513..=4096),
        _ => rng.random_range(4097..=MAX_BLOCK),
    };
    size.min(max)
}

/// Totals of one automation run.
#[derive(Debug, Default, Clone, Copy)]
struct Totals {
    seconds: f64,
    blocks: u64,
    empty_blocks: u64,
    param_events: u64,
    notes: u64,
    transport: SongStats,
    held_samples: u64,
    samples: u64,
    worst_ratio: f32,
}

impl Totals {
    fn add(&mut self, other: &Totals) {
        self.seconds += other.seconds;
        self.blocks += other.blocks;
        self.empty_blocks += other.empty_blocks;
        self.param_events += other.param_events;
        self.notes += other.notes;
        self.transport.relocations += other.transport.relocations;
        self.transport.tempo_changes += other.transport.tempo_changes;
        self.transport.play_toggles += other.transport.play_toggles;
        self.transport.loop_wraps += other.transport.loop_wraps;
        self.transport.in_block += other.transport.in_block;
        self.held_samples += other.held_samples;
        self.samples += other.samples;
        self.worst_ratio = self.worst_ratio.max(other.worst_ratio);
    }

    fn line(&self) -> String {
        format!(
            "{:.1} s of audio, {} blocks ({} empty), {} parameter events, {} notes, transport: \
             {} relocations, {} tempo changes, {} start/stops, {} loop wraps, {} in-block \
             events; {:.0} % of samples held to the ceiling, peak/bound {:.6}",
            self.seconds,
            self.blocks,
            self.empty_blocks,
            self.param_events,
            self.notes,
            self.transport.relocations,
            self.transport.tempo_changes,
            self.transport.play_toggles,
            self.transport.loop_wraps,
            self.transport.in_block,
            100.0 * self.held_samples as f64 / self.samples.max(1) as f64,
            self.worst_ratio
        )
    }
}

/// Parameters jumping between their extremes every block, for a stretch of blocks.
struct Extremes {
    params: Vec<usize>,
    blocks_left: u32,
    high: bool,
}

fn automation_torture(setup: Setup, sample_rate: f64, seconds: f64) -> Totals {
    let what = format!("{setup:?} at {sample_rate} Hz");
    let total = (seconds * sample_rate) as u64;
    let mut murmur = setup.create();
    let params = Params::of(&murmur);
    let mut processor = murmur.activate_with(sample_rate, setup.input_channels(), MAX_BLOCK);
    // After activation: that is when the latency is known.
    let mut limits = Limits::new(&murmur, &params, sample_rate);

    let seed = 0x746f_7274 ^ (sample_rate as u64) << 8 ^ setup.input_channels() as u64;
    let mut rng = Pcg32::seed_from_u64(seed);
    let mut source = Source::new(sample_rate, seed ^ 1);
    let mut song = Song::new(sample_rate);
    let mut totals = Totals::default();
    let mut changes: Vec<ParamChange> = Vec::new();
    let mut notes: Vec<Note> = Vec::new();
    let mut transport_changes = Vec::new();
    let mut extremes: Option<Extremes> = None;
    let mut held_keys: Vec<u8> = Vec::new();

    let mut done = 0u64;
    while done < total {
        let frames = block_size(&mut rng, (total - done) as usize);
        let offset = |rng: &mut Pcg32| {
            if frames == 0 {
                0
            } else {
                rng.random_range(0..frames as u32)
            }
        };

        changes.clear();
        if rng.random_range(0..40u32) == 0 && extremes.is_none() {
            // Many parameters (a third to all of them) slam between their extremes.
            let count = rng.random_range(params.all.len() / 3..=params.all.len());
            let mut chosen: Vec<usize> = (0..params.all.len()).collect();
            for i in 0..count {
                let j = rng.random_range(i..chosen.len());
                chosen.swap(i, j);
            }
            chosen.truncate(count);
            extremes = Some(Extremes {
                params: chosen,
                blocks_left: rng.random_range(4..40),
                high: rng.random_bool(0.5),
            });
        }
        if let Some(ext) = &mut extremes {
            let at = if rng.random_bool(0.5) {
                0
            } else {
                offset(&mut rng)
            };
            for &index in &ext.params {
                let param = &params.all[index];
                changes.push(ParamChange {
                    offset: at,
                    id: param.id,
                    value: Params::extreme(param, ext.high),
                });
            }
            ext.high = !ext.high;
            ext.blocks_left -= 1;
            if ext.blocks_left == 0 {
                extremes = None;
            }
        }
        let random_changes = match rng.random_range(0..100u32) {
            0..45 => 0,
            45..95 => rng.random_range(1..=4),
            // A storm: every parameter moves, some several times.
            _ => params.all.len() * rng.random_range(1..=3),
        };
        for _ in 0..random_changes {
            let param = &params.all[rng.random_range(0..params.all.len())];
            changes.push(ParamChange {
                offset: offset(&mut rng),
                id: param.id,
                value: params.random_value(param, &mut rng),
            });
        }
        // The plugin applies a block's changes in time order (the host sorts them, stably).
        changes.sort_by_key(|c| c.offset);
        for change in &changes {
            limits.change(
                &params,
                done + u64::from(change.offset),
                change.id,
                change.value,
            );
        }

        notes.clear();
        if frames > 0 {
            let count = match rng.random_range(0..100u32) {
                0..60 => 0,
                60..98 => rng.random_range(1..=6),
                _ => 64,
            };
            for _ in 0..count {
                let at = offset(&mut rng);
                if !held_keys.is_empty() && rng.random_bool(0.4) {
                    let key = held_keys.swap_remove(rng.random_range(0..held_keys.len()));
                    notes.push(Note::off(at, key, rng.random::<f64>()));
                } else {
                    // Mostly the layers' keys (36–71), some outside them, some at velocity 0.
                    let key = rng.random_range(24..84u8);
                    let velocity = if rng.random_bool(0.1) {
                        0.0
                    } else {
                        rng.random::<f64>()
                    };
                    notes.push(Note::on(at, key, velocity));
                    if held_keys.len() < 64 {
                        held_keys.push(key);
                    }
                }
            }
        }

        song.between_blocks(&mut rng);
        let transport = song.play(frames, &mut rng, &mut transport_changes);
        // Now and then a host without a transport (free-running).
        let free_running = rng.random_bool(0.01);

        source.fill(&mut processor.inputs, frames);
        limits.record_input(done, &processor.inputs, frames);
        processor.process_block(
            frames,
            &BlockEvents {
                changes: &changes,
                notes: &notes,
                transport: (!free_running).then_some(&transport),
                transport_changes: &transport_changes,
            },
        );
        let (left, right) = processor.output(frames);
        let (held, worst) = limits.check(&what, done, left, right);

        totals.blocks += 1;
        totals.empty_blocks += u64::from(frames == 0);
        totals.param_events += changes.len() as u64;
        totals.notes += notes.len() as u64;
        totals.held_samples += held;
        totals.samples += frames as u64;
        totals.worst_ratio = totals.worst_ratio.max(worst);
        done += frames as u64;
    }
    murmur.deactivate(processor);
    totals.seconds = done as f64 / sample_rate;
    totals.transport = song.stats;
    println!("{what}: {}", totals.line());
    totals
}

fn automation_torture_at_every_rate(setup: Setup) {
    let seconds = if long_mode() { 60.0 } else { 5.0 };
    let started = Instant::now();
    let mut totals = Totals::default();
    for rate in RATES {
        totals.add(&automation_torture(setup, rate, seconds));
    }
    println!(
        "{setup:?} automation torture, all rates, in {:.1} s: {}",
        started.elapsed().as_secs_f64(),
        totals.line()
    );
    // The random switches keep the Calm Guard on most of the time: if they did not, the
    // ceiling would go untested.
    assert!(
        totals.held_samples > totals.samples / 3,
        "{setup:?}: too little of the run was held to a ceiling to test it"
    );
}

#[test]
fn automation_torture_effect_mono() {
    automation_torture_at_every_rate(Setup::Mono);
}

#[test]
fn automation_torture_effect_stereo() {
    automation_torture_at_every_rate(Setup::Stereo);
}

#[test]
fn automation_torture_instrument() {
    automation_torture_at_every_rate(Setup::Instrument);
}

// ---------------------------------------------------------------------------------------------
// 2. Hostile input
// ---------------------------------------------------------------------------------------------

/// What a broken upstream plugin or a buggy host may feed the effect.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Hostile {
    Nan,
    PositiveInfinity,
    NegativeInfinity,
    /// ±1e-40, alternating.
    Denormal,
    Huge,
    HugeNegative,
    /// ±1e30, alternating every sample: the loudest possible square wave at Nyquist.
    HugeAlternating,
    /// 1.0 on every sample.
    FullScaleDc,
}

const HOSTILE: [Hostile; 8] = [
    Hostile::Nan,
    Hostile::PositiveInfinity,
    Hostile::NegativeInfinity,
    Hostile::Denormal,
    Hostile::Huge,
    Hostile::HugeNegative,
    Hostile::HugeAlternating,
    Hostile::FullScaleDc,
];

impl Hostile {
    fn sample(self, n: u64) -> f32 {
        let sign = if n.is_multiple_of(2) { 1.0 } else { -1.0 };
        match self {
            Hostile::Nan => f32::NAN,
            Hostile::PositiveInfinity => f32::INFINITY,
            Hostile::NegativeInfinity => f32::NEG_INFINITY,
            Hostile::Denormal => sign * 1e-40,
            Hostile::Huge => 1e30,
            Hostile::HugeNegative => -1e30,
            Hostile::HugeAlternating => sign * 1e30,
            Hostile::FullScaleDc => 1.0,
        }
    }
}

/// Parameters around the hostile input.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Scene {
    /// Every parameter at its default.
    Defaults,
    /// Everything that keeps state busy: de-ess and denoise at 100 %, Orbit motion, full
    /// width, all three trigger layers playing.
    Busy,
}

impl Scene {
    fn changes(self, murmur: &Murmur) -> Vec<ParamChange> {
        let set = |id: &str, text: &str| {
            let info = murmur.param_by_id(id);
            let value = murmur
                .text_to_value(info.id, text)
                .unwrap_or_else(|| panic!("{}: the host could not enter {text:?}", info.name));
            ParamChange {
                offset: 0,
                id: info.id,
                value,
            }
        };
        match self {
            Scene::Defaults => Vec::new(),
            Scene::Busy => {
                let mut changes = vec![
                    set("deess", "100"),
                    set("dnoise", "100"),
                    set("motion", "Orbit"),
                    set("mrate", "1"),
                    set("width", "100"),
                ];
                for layer in 1..=3 {
                    changes.push(set(&format!("t{layer}on"), "On"));
                    changes.push(set(&format!("t{layer}dens"), "8"));
                }
                changes
            }
        }
    }
}

/// One run of the effect: `warm` seconds of a clean tone (−20 dBFS, 440 Hz left, 660 Hz
/// right), `hostile` seconds of `kind` (or of silence, for the reference; on the left channel
/// alone with `left_only`), then `clean` seconds of the tone again. Returns the output, the
/// sample where the clean tone starts again and the plugin's latency.
fn hostile_run(
    setup: Setup,
    sample_rate: f64,
    scene: Scene,
    calm: bool,
    kind: Option<Hostile>,
    left_only: bool,
    [warm, hostile, clean]: [f64; 3],
) -> (Vec<[f32; 2]>, u64, u64) {
    let mut murmur = setup.create();
    let mut changes = scene.changes(&murmur);
    if !calm {
        changes.push(ParamChange {
            offset: 0,
            id: murmur.param_by_id("calm").id,
            value: 0.0,
        });
    }
    let mut processor = murmur.activate_with(sample_rate, setup.input_channels(), MAX_BLOCK);
    let latency = u64::from(murmur.latency());
    let hostile_start = (warm * sample_rate) as u64;
    let clean_start = hostile_start + (hostile * sample_rate) as u64;
    let total = clean_start + (clean * sample_rate) as u64;
    // The same block sizes for the run and its reference.
    let mut rng = Pcg32::seed_from_u64(0x686f_7374 ^ sample_rate as u64);
    let mut output = Vec::with_capacity(total as usize);
    let mut done = 0u64;
    while done < total {
        let frames = block_size(&mut rng, (total - done) as usize);
        for (channel, buffer) in processor.inputs.iter_mut().enumerate() {
            let frequency = [440.0, 660.0][channel];
            for (i, x) in buffer[..frames].iter_mut().enumerate() {
                let n = done + i as u64;
                let hit = channel == 0 || !left_only;
                *x = if hit && (hostile_start..clean_start).contains(&n) {
                    kind.map_or(0.0, |kind| kind.sample(n))
                } else {
                    let phase = std::f64::consts::TAU * frequency * n as f64 / sample_rate;
                    (0.1 * phase.sin()) as f32
                };
            }
        }
        let block_changes = if done == 0 { &changes[..] } else { &[] };
        processor.process(frames, block_changes);
        let (left, right) = processor.output(frames);
        output.extend(left.iter().zip(right).map(|(&l, &r)| [l, r]));
        done += frames as u64;
    }
    murmur.deactivate(processor);
    (output, clean_start, latency)
}

impl Hostile {
    /// Input the effect must treat as no input at all: non-finite samples, samples beyond
    /// ±1000 (+60 dBFS: no audio) and denormals (flushed to zero by the processor).
    fn is_silence(self) -> bool {
        self != Hostile::FullScaleDc
    }
}

/// Level of `samples` (RMS of both channels), dB.
fn level_db(samples: &[[f32; 2]]) -> f64 {
    let power = samples
        .iter()
        .map(|s| f64::from(s[0]).powi(2) + f64::from(s[1]).powi(2))
        .sum::<f64>()
        / (2 * samples.len().max(1)) as f64;
    10.0 * power.max(1e-30).log10()
}

/// The default ceiling, −6 dBFS, with the rounding allowance.
const DEFAULT_CEILING: f32 = 0.501_187_2 * (1.0 + CEILING_ROUNDING);

/// How the effect must come out of hostile input (`run`) compared with `reference`, the same
/// run with silence in place of the hostile input. Returns the problems found.
///
/// - Silence-like input (NaN, ±Inf, denormals, ±1e30): the effect replaces it with silence, so
///   every output sample, during the hostile stretch and after it, matches the reference within
///   1e-6 (−120 dBFS).
/// - Full-scale DC is loud but valid input: the Calm Guard holds it at the ceiling and then
///   recovers as it does from any loud passage, releasing at about 60 dB a second ("recover over
///   about 200 ms", README), so 100 ms after the clean tone reaches the output (after the
///   latency) it may still be several dB down. From then on it carries no DC (a 5 Hz low-pass
///   of its difference from the reference, run from 50 ms on, stays within 1e-3, −60 dBFS);
///   until 300 ms its level
///   (per 10 ms) recovers steadily (never falls more than 0.2 dB further behind the
///   reference's than 10 ms before); from 300 ms on
///   (the guard's own test allows it 100–300 ms to recover) the level is within 0.5 dB of the
///   reference's and, with every parameter at its default (nothing adaptive that may remember
///   the DC, as the denoiser's 1.5 s noise estimate does), every sample matches the reference
///   within 1e-4 (−80 dBFS).
fn recovery_problems(
    what: &str,
    kind: Hostile,
    scene: Scene,
    run: &[[f32; 2]],
    reference: &[[f32; 2]],
    clean_at_output: usize,
    sample_rate: f64,
) -> Vec<String> {
    let mut problems = Vec::new();
    if kind.is_silence() {
        let worst = run
            .iter()
            .zip(reference)
            .enumerate()
            .map(|(t, (a, b))| ((a[0] - b[0]).abs().max((a[1] - b[1]).abs()), t))
            .fold((0.0f32, 0), |m, x| if x.0 > m.0 { x } else { m });
        if worst.0 > 1e-6 {
            let last = run
                .iter()
                .zip(reference)
                .rposition(|(a, b)| (a[0] - b[0]).abs().max((a[1] - b[1]).abs()) > 1e-6)
                .unwrap_or(0);
            problems.push(format!(
                "{what}: differs from the run with silence instead by up to {:.3e} (at sample \
                 {}), until {:.0} ms after the clean tone reaches the output (at sample \
                 {clean_at_output})",
                worst.0,
                worst.1,
                (last as f64 - clean_at_output as f64) * 1000.0 / sample_rate
            ));
        }
        return problems;
    }
    let ms = |s: f64| (s * sample_rate / 1000.0) as usize;
    let window = ms(10.0);
    let mut start = clean_at_output + ms(100.0);
    let mut deficit_before = f64::INFINITY;
    while start + window <= run.len() {
        let level = level_db(&run[start..start + window]);
        let expected = level_db(&reference[start..start + window]);
        let after_ms = (start - clean_at_output) as f64 * 1000.0 / sample_rate;
        let deficit = expected - level;
        if after_ms >= 300.0 && deficit.abs() > 0.5 {
            problems.push(format!(
                "{what}: {after_ms:.0} ms after the clean tone reaches the output, its level is \
                 {level:.2} dB, a fresh instance's {expected:.2} dB (±0.5 dB allowed)"
            ));
            break;
        }
        if after_ms < 300.0 && deficit > deficit_before + 0.2 {
            problems.push(format!(
                "{what}: {after_ms:.0} ms after the clean tone reaches the output, it is \
                 {deficit:.2} dB below a fresh instance, {deficit_before:.2} dB 10 ms before: \
                 the recovery does not proceed"
            ));
            break;
        }
        deficit_before = deficit;
        start += window;
    }
    // DC: what a 5 Hz low-pass (two one-poles) keeps of the difference from the reference. It
    // takes the tone (and the trigger layers) down by 80 dB or more, whatever the guard's gain
    // does to them, and passes an offset. It starts 50 ms into the clean tone, after the filters'
    // response to the end of the DC (a decaying transient, not an offset).
    let coef = 1.0 - (-std::f64::consts::TAU * 5.0 / sample_rate).exp();
    let mut low = [[0.0f64; 2]; 2];
    for t in clean_at_output + ms(50.0)..run.len() {
        for c in 0..2 {
            let difference = f64::from(run[t][c]) - f64::from(reference[t][c]);
            low[c][0] += coef * (difference - low[c][0]);
            low[c][1] += coef * (low[c][0] - low[c][1]);
        }
        if t >= clean_at_output + ms(100.0) && (low[0][1].abs() > 1e-3 || low[1][1].abs() > 1e-3) {
            problems.push(format!(
                "{what}: {:.0} ms after the clean tone reaches the output, it carries DC: \
                 ({:.2e}, {:.2e}) more than a fresh instance",
                (t - clean_at_output) as f64 * 1000.0 / sample_rate,
                low[0][1],
                low[1][1]
            ));
            break;
        }
    }
    if scene == Scene::Defaults {
        let from = clean_at_output + ms(300.0);
        if let Some(t) = (from..run.len()).find(|&t| {
            (run[t][0] - reference[t][0])
                .abs()
                .max((run[t][1] - reference[t][1]).abs())
                > 1e-4
        }) {
            problems.push(format!(
                "{what}: {:.0} ms after the clean tone reaches the output it still differs from \
                 a fresh instance's: ({}, {}) instead of ({}, {})",
                (t - clean_at_output) as f64 * 1000.0 / sample_rate,
                run[t][0],
                run[t][1],
                reference[t][0],
                reference[t][1]
            ));
        }
    }
    problems
}

fn hostile_input(setup: Setup) {
    let long = long_mode();
    let rates: &[f64] = if long {
        &RATES
    } else {
        &[22_050.0, 48_000.0, 192_000.0]
    };
    // Warm-up, hostile stretch, clean tone, seconds.
    let lengths = if long {
        [0.25, 5.0, 1.5]
    } else {
        [0.25, 0.5, 1.0]
    };
    let sides: &[bool] = if setup == Setup::Stereo {
        &[false, true]
    } else {
        &[false]
    };
    let started = Instant::now();
    let (mut runs, mut seconds) = (0u64, 0.0f64);
    let mut problems = Vec::new();
    for &rate in rates {
        for scene in [Scene::Defaults, Scene::Busy] {
            for calm in [true, false] {
                for &left_only in sides {
                    let (reference, clean_start, latency) =
                        hostile_run(setup, rate, scene, calm, None, left_only, lengths);
                    let clean_at_output = (clean_start + latency) as usize;
                    for kind in HOSTILE {
                        let what = format!(
                            "{setup:?} at {rate} Hz, {scene:?}, Calm Guard {}, {kind:?}{}",
                            if calm { "on" } else { "off" },
                            if left_only { " on the left" } else { "" }
                        );
                        let (run, _, _) =
                            hostile_run(setup, rate, scene, calm, Some(kind), left_only, lengths);
                        runs += 1;
                        seconds += run.len() as f64 / rate;
                        for (t, &[l, r]) in run.iter().enumerate() {
                            assert!(
                                l.is_finite() && r.is_finite(),
                                "{what}: non-finite output ({l}, {r}) at sample {t}"
                            );
                            assert!(
                                !calm || (l.abs() <= DEFAULT_CEILING && r.abs() <= DEFAULT_CEILING),
                                "{what}: output ({l}, {r}) at sample {t} exceeds the −6 dBFS \
                                 ceiling"
                            );
                        }
                        if calm || kind.is_silence() {
                            problems.extend(recovery_problems(
                                &what,
                                kind,
                                scene,
                                &run,
                                &reference,
                                clean_at_output,
                                rate,
                            ));
                        }
                    }
                }
            }
        }
    }
    println!(
        "{setup:?} hostile input in {:.1} s: {runs} runs, {seconds:.1} s of audio",
        started.elapsed().as_secs_f64(),
    );
    assert!(problems.is_empty(), "\n  {}", problems.join("\n  "));
}

#[test]
fn hostile_input_effect_mono() {
    hostile_input(Setup::Mono);
}

#[test]
fn hostile_input_effect_stereo() {
    hostile_input(Setup::Stereo);
}

// ---------------------------------------------------------------------------------------------
// 3. Lifecycle
// ---------------------------------------------------------------------------------------------

/// Largest blocks a host may announce at activation.
const MAX_FRAMES_CHOICES: [usize; 8] = [1, 16, 64, 256, 512, 1024, 4096, MAX_BLOCK];

/// What a lifecycle run did, by operation.
#[derive(Debug, Default, Clone, Copy)]
struct LifecycleTotals {
    sequences: u64,
    operations: u64,
    activations: u64,
    deactivations: u64,
    starts: u64,
    stops: u64,
    resets: u64,
    saves: u64,
    loads: u64,
    flushes: u64,
    layout_changes: u64,
    blocks: u64,
    param_events: u64,
    seconds: f64,
}

impl LifecycleTotals {
    fn line(&self) -> String {
        format!(
            "{} sequences, {} operations: {} activations, {} deactivations, {} starts, {} stops, \
             {} resets, {} state saves, {} state loads, {} parameter flushes, {} layout changes, \
             {} blocks ({:.1} s of audio), {} parameter events",
            self.sequences,
            self.operations,
            self.activations,
            self.deactivations,
            self.starts,
            self.stops,
            self.resets,
            self.saves,
            self.loads,
            self.flushes,
            self.layout_changes,
            self.blocks,
            self.seconds,
            self.param_events
        )
    }
}

/// Random changes to random parameters, at random offsets within `frames`.
fn random_changes(
    params: &Params,
    frames: usize,
    count: usize,
    rng: &mut Pcg32,
) -> Vec<ParamChange> {
    let mut changes: Vec<ParamChange> = (0..count)
        .map(|_| {
            let param = &params.all[rng.random_range(0..params.all.len())];
            ParamChange {
                offset: if frames == 0 {
                    0
                } else {
                    rng.random_range(0..frames as u32)
                },
                id: param.id,
                value: params.random_value(param, rng),
            }
        })
        .collect();
    changes.sort_by_key(|c| c.offset);
    changes
}

/// One random sequence of host operations on a fresh instance of `plugin`'s setup. `states`
/// holds states saved by this and earlier sequences (of either plugin), to load later.
fn lifecycle_sequence(
    mut setup: Setup,
    seed: u64,
    states: &mut Vec<Vec<u8>>,
    totals: &mut LifecycleTotals,
) {
    let mut rng = Pcg32::seed_from_u64(seed);
    let mut murmur = setup.create();
    let params = Params::of(&murmur);
    let mut processor: Option<Processor> = None;
    let mut song = Song::new(48_000.0);
    let mut source = Source::new(48_000.0, seed ^ 3);
    let mut transport_changes = Vec::new();
    let operations = rng.random_range(10..60);
    let mut log: Vec<String> = Vec::new();
    for _ in 0..operations {
        totals.operations += 1;
        let active = processor.is_some();
        let processing = processor.as_ref().is_some_and(Processor::is_processing);
        match rng.random_range(0..100u32) {
            // Activate, or deactivate.
            0..12 => match processor.take() {
                None => {
                    let rate = RATES[rng.random_range(0..RATES.len())];
                    let max_frames = if rng.random_bool(0.2) {
                        rng.random_range(1..=MAX_BLOCK)
                    } else {
                        MAX_FRAMES_CHOICES[rng.random_range(0..MAX_FRAMES_CHOICES.len())]
                    };
                    let mut activated =
                        murmur.activate_stopped(rate, setup.input_channels(), max_frames);
                    if rng.random_bool(0.5) {
                        activated.start_processing();
                        totals.starts += 1;
                    }
                    log.push(format!("activate at {rate} Hz, blocks ≤ {max_frames}"));
                    song = Song::new(rate);
                    source = Source::new(rate, rng.random());
                    processor = Some(activated);
                    totals.activations += 1;
                }
                Some(active) => {
                    murmur.deactivate(active);
                    log.push("deactivate".into());
                    totals.deactivations += 1;
                }
            },
            // Start or stop processing.
            12..22 if active => {
                let p = processor.as_mut().expect("active");
                if processing {
                    p.stop_processing();
                    log.push("stop processing".into());
                    totals.stops += 1;
                } else {
                    p.start_processing();
                    log.push("start processing".into());
                    totals.starts += 1;
                }
            }
            22..30 if active => {
                processor.as_mut().expect("active").reset();
                log.push("reset".into());
                totals.resets += 1;
            }
            30..38 => {
                states.push(murmur.save_state());
                if states.len() > 64 {
                    states.swap_remove(rng.random_range(0..states.len()));
                }
                log.push("save state".into());
                totals.saves += 1;
            }
            38..46 => {
                // A state saved earlier (perhaps by the other plugin), or a fresh instance's.
                let state = if states.is_empty() || rng.random_bool(0.2) {
                    setup.create().save_state()
                } else {
                    states[rng.random_range(0..states.len())].clone()
                };
                assert!(
                    murmur.load_state(&state),
                    "a state Murmur saved does not load"
                );
                log.push("load state".into());
                totals.loads += 1;
            }
            // Parameter changes outside of processing.
            46..54 if !processing => {
                let changes: Vec<(u32, f64)> =
                    random_changes(&params, 1, rng.random_range(1..20), &mut rng)
                        .iter()
                        .map(|c| (c.id, c.value))
                        .collect();
                murmur.flush_params(&changes);
                log.push(format!("flush {} parameter changes", changes.len()));
                totals.flushes += 1;
                totals.param_events += changes.len() as u64;
            }
            54..58 => {
                murmur.on_main_thread();
                let _ = murmur.latency();
                log.push("main-thread callback".into());
            }
            // The effect's other audio layout, while inactive.
            58..62 if !active && setup != Setup::Instrument => {
                setup = if setup == Setup::Mono {
                    Setup::Stereo
                } else {
                    Setup::Mono
                };
                let channels = setup.input_channels() as u32;
                murmur.select_layout(channels, 2);
                log.push(format!("select {channels} in / 2 out"));
                totals.layout_changes += 1;
            }
            _ if active => {
                let p = processor.as_mut().expect("active");
                if !p.is_processing() {
                    // A host starts processing before it sends audio.
                    p.start_processing();
                    totals.starts += 1;
                }
                let blocks = rng.random_range(1..=6);
                log.push(format!("process {blocks} blocks"));
                for _ in 0..blocks {
                    let frames = if rng.random_bool(0.05) {
                        0
                    } else {
                        rng.random_range(1..=p.max_frames())
                    };
                    let count = if rng.random_bool(0.5) {
                        0
                    } else {
                        rng.random_range(1..8)
                    };
                    let changes = random_changes(&params, frames, count, &mut rng);
                    let notes: Vec<Note> = if frames > 0 && rng.random_bool(0.3) {
                        (0..rng.random_range(1..5))
                            .map(|_| {
                                let at = rng.random_range(0..frames as u32);
                                let key = rng.random_range(36..72u8);
                                if rng.random_bool(0.7) {
                                    Note::on(at, key, rng.random())
                                } else {
                                    Note::off(at, key, rng.random())
                                }
                            })
                            .collect()
                    } else {
                        Vec::new()
                    };
                    song.between_blocks(&mut rng);
                    let transport = song.play(frames, &mut rng, &mut transport_changes);
                    source.fill(&mut p.inputs, frames);
                    p.process_block(
                        frames,
                        &BlockEvents {
                            changes: &changes,
                            notes: &notes,
                            transport: Some(&transport),
                            transport_changes: &transport_changes,
                        },
                    );
                    let (left, right) = p.output(frames);
                    if let Some(t) = left.iter().chain(right).position(|x| !x.is_finite()) {
                        panic!(
                            "{setup:?}, sequence {seed:#x}: non-finite output at sample {} of a \
                             {frames}-sample block after:\n  {}",
                            t % frames.max(1),
                            log.join("\n  ")
                        );
                    }
                    totals.blocks += 1;
                    totals.param_events += changes.len() as u64;
                    totals.seconds += frames as f64 / p.sample_rate();
                }
            }
            _ => {
                // Not possible in this state: count it as a pause of the host.
                log.push("(idle)".into());
            }
        }
    }
    if let Some(active) = processor.take() {
        murmur.deactivate(active);
        totals.deactivations += 1;
    }
    totals.sequences += 1;
}

fn lifecycle(setups: &[Setup]) {
    let per_setup = if long_mode() { 1000 } else { 100 } / setups.len() as u64;
    let started = Instant::now();
    let mut totals = LifecycleTotals::default();
    // Hosts load presets across plugins that share parameters: start with the other plugin's.
    let other = if setups.contains(&Setup::Instrument) {
        Setup::Stereo
    } else {
        Setup::Instrument
    };
    let mut states = vec![other.create().save_state()];
    for (i, &setup) in setups.iter().enumerate() {
        for sequence in 0..per_setup {
            let seed = 0x6c69_6665 ^ (i as u64) << 32 ^ sequence;
            lifecycle_sequence(setup, seed, &mut states, &mut totals);
        }
    }
    println!(
        "{setups:?} lifecycle in {:.1} s: {}",
        started.elapsed().as_secs_f64(),
        totals.line()
    );
}

#[test]
fn lifecycle_effect() {
    lifecycle(&[Setup::Mono, Setup::Stereo]);
}

#[test]
fn lifecycle_instrument() {
    lifecycle(&[Setup::Instrument]);
}
