//! MIDI notes play the trigger layers sample-accurately, through the CLAP API of both plugins
//! (the Murmur effect with a silent input, and the Murmur Triggers instrument with no input), at
//! 48 and 44.1 kHz:
//!
//! 1. timing: with every layer at density 0 (MIDI only), a note at sample offset k starts its
//!    event k samples after the same note at offset 0 in a fresh instance, ±1 sample, for offsets
//!    across a 512-sample block and in a later block; before the event the output is exactly
//!    silent. Notes play layer 3 while it is switched off and layer 1 while it is on.
//! 2. velocity: the same note at velocities 0.2…1.0 (Variation 0, so the events differ only by
//!    how hard they are played) peaks strictly higher with every step;
//! 3. real-time safety: all three layers at maximum density and level, a flood of notes and
//!    parameter changes in every block, for several seconds. The library under test is built
//!    with nice-plug's `assert_process_allocs`, so an allocation in `process()` aborts this test
//!    binary; every output sample is also checked to be finite and within the Calm Guard ceiling.
//!
//! The host lives in `testkit::clap` (notes in `testkit::clap::notes`).

// The shared host serves several test binaries; this one uses only part of it.

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg32;

use testkit::clap::*;

/// The sample rates the timing and velocity tests run at.
const RATES: [f64; 2] = [48_000.0, 44_100.0];
/// An output sample above this (−100 dBFS) is sound: far below any event's level, far above the
/// rounding noise of a silent path (which is exactly zero here anyway).
const THRESHOLD: f32 = 1e-5;
/// A note this many samples into the run lies in the fourth block.
const LATE_OFFSET: usize = 3 * BLOCK + 123;
/// Note offsets checked against the note at offset 0.
const OFFSETS: [usize; 5] = [1, 37, 300, 511, LATE_OFFSET];
/// −6 dBFS, the default Calm Guard ceiling (10^(−6/20) = 0.501187).
const CEILING: f32 = 0.501_187;

// ---------------------------------------------------------------------------------------------
// Driving either plugin
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone, Copy, PartialEq)]
enum Plugin {
    /// The effect, fed silence on a stereo input.
    Effect,
    /// The instrument, which has no audio input.
    Instrument,
}

const PLUGINS: [Plugin; 2] = [Plugin::Effect, Plugin::Instrument];

impl Plugin {
    fn create(self) -> Murmur {
        match self {
            Plugin::Effect => {
                let murmur = Murmur::new();
                murmur.select_layout(2, 2);
                murmur
            }
            Plugin::Instrument => Murmur::new_triggers(),
        }
    }

    fn input_channels(self) -> usize {
        match self {
            Plugin::Effect => 2,
            Plugin::Instrument => 0,
        }
    }
}

/// A parameter value as a host user would set it.
#[derive(Debug, Clone, Copy)]
enum Value {
    /// A stepped parameter's step: an enum's variant index, 0/1 for a switch.
    Step(u32),
    /// A continuous parameter's plain value as typed into the host (converted by the plugin's
    /// own text parser, so the test does not depend on the ranges' skew).
    Text(&'static str),
}

/// The same setting on all three layers (`t1…`, `t2…`, `t3…`).
fn every_layer(what: &str, value: Value) -> Vec<(String, Value)> {
    (1..=3).map(|n| (format!("t{n}{what}"), value)).collect()
}

/// `settings` as parameter-value events at `offset`.
fn changes(murmur: &Murmur, settings: &[(String, Value)], offset: u32) -> Vec<ParamChange> {
    settings
        .iter()
        .map(|(id, value)| {
            let info = murmur.param_by_id(id);
            let value = match *value {
                Value::Step(step) => {
                    assert!(
                        f64::from(step) <= info.max_value,
                        "{id}: step {step} out of range"
                    );
                    f64::from(step)
                }
                Value::Text(text) => murmur
                    .text_to_value(info.id, text)
                    .unwrap_or_else(|| panic!("{id}: the plugin does not parse {text:?}")),
            };
            ParamChange {
                offset,
                id: info.id,
                value,
            }
        })
        .collect()
}

/// A note somewhere in a run: absolute sample position, key, velocity.
#[derive(Debug, Clone, Copy)]
struct Played {
    at: usize,
    key: u8,
    velocity: f64,
}

/// Renders `frames` samples from a fresh instance of `plugin` at `rate`. `settings` arrive with
/// the first block (at offset 0, in the same event list as any note there); the input is silent.
/// `split` puts a change of a parameter no note here depends on (layer 2's Tone) at that sample:
/// with sample-accurate automation the plugin then processes the block in two parts, and a note
/// after the change must keep its place.
fn render(
    plugin: Plugin,
    rate: f64,
    settings: &[(String, Value)],
    notes: &[Played],
    split: Option<usize>,
    frames: usize,
) -> (Vec<f32>, Vec<f32>) {
    let mut murmur = plugin.create();
    let setup = changes(&murmur, settings, 0);
    let splitter = murmur.param_by_id("t2tone").id;
    let mut processor = murmur.activate(rate, plugin.input_channels());
    let (mut left, mut right) = (Vec::with_capacity(frames), Vec::with_capacity(frames));
    let mut start = 0;
    while start < frames {
        let n = BLOCK.min(frames - start);
        for input in &mut processor.inputs {
            input.fill(0.0);
        }
        let block_notes: Vec<Note> = notes
            .iter()
            .filter(|p| (start..start + n).contains(&p.at))
            .map(|p| Note::on((p.at - start) as u32, p.key, p.velocity))
            .collect();
        let mut block_changes = if start == 0 {
            setup.clone()
        } else {
            Vec::new()
        };
        if let Some(at) = split.filter(|at| (start..start + n).contains(at)) {
            block_changes.push(ParamChange {
                offset: (at - start) as u32,
                id: splitter,
                value: 0.65,
            });
        }
        processor.process_with_notes(n, &block_changes, &block_notes);
        let (l, r) = processor.output(n);
        left.extend_from_slice(l);
        right.extend_from_slice(r);
        start += n;
    }
    murmur.deactivate(processor);
    (left, right)
}

/// First sample where either channel is above [`THRESHOLD`].
fn onset((left, right): &(Vec<f32>, Vec<f32>)) -> Option<usize> {
    left.iter()
        .zip(right)
        .position(|(l, r)| l.abs().max(r.abs()) > THRESHOLD)
}

/// First sample where either channel is not exactly zero.
fn first_nonzero((left, right): &(Vec<f32>, Vec<f32>)) -> Option<usize> {
    left.iter()
        .zip(right)
        .position(|(l, r)| *l != 0.0 || *r != 0.0)
}

fn peak((left, right): &(Vec<f32>, Vec<f32>)) -> f32 {
    left.iter().chain(right).fold(0.0, |m, x| m.max(x.abs()))
}

/// Every layer MIDI-only and Wood Tap (a short, sharp onset); Calm Guard at its defaults.
fn midi_only() -> Vec<(String, Value)> {
    let mut settings = every_layer("dens", Value::Text("0"));
    settings.extend(every_layer("type", Value::Step(0)));
    settings
}

/// The notes the tests play: a note for layer 3 (front) while the layer is off (its default), and
/// one for layer 1 while it is switched on: notes play a layer either way.
fn note_cases() -> [(u8, Vec<(String, Value)>); 2] {
    let mut layer_1_on = midi_only();
    layer_1_on.push(("t1on".to_owned(), Value::Step(1)));
    [(60, midi_only()), (36, layer_1_on)]
}

// ---------------------------------------------------------------------------------------------
// 1. Timing
// ---------------------------------------------------------------------------------------------

#[test]
fn notes_start_their_events_on_their_sample() {
    // Room for the effect's latency (one cleanup frame, 1024 samples at these rates).
    let frames = LATE_OFFSET + 2 * BLOCK + 2048;
    // Every offset as it is, then two behind a parameter change earlier in their block (one of
    // them right before the note).
    let cases: Vec<(usize, Option<usize>)> = OFFSETS
        .iter()
        .map(|&offset| (offset, None))
        .chain([(300, Some(200)), (LATE_OFFSET, Some(LATE_OFFSET - 1))])
        .collect();
    let mut problems = Vec::new();
    for plugin in PLUGINS {
        for rate in RATES {
            for (key, settings) in note_cases() {
                let at = |offset: usize| Played {
                    at: offset,
                    key,
                    velocity: 1.0,
                };
                let reference = render(plugin, rate, &settings, &[at(0)], None, frames);
                let Some(delay) = onset(&reference) else {
                    problems.push(format!(
                        "{plugin:?} {rate} Hz note {key}: a note at offset 0 gives no sound \
                         (peak {:e})",
                        peak(&reference)
                    ));
                    continue;
                };
                if first_nonzero(&reference) != Some(delay) {
                    problems.push(format!(
                        "{plugin:?} {rate} Hz note {key}: at offset 0 the output is non-zero from \
                         {:?}, before the onset at {delay}",
                        first_nonzero(&reference)
                    ));
                }
                eprintln!(
                    "{plugin:?} {rate} Hz note {key}: offset 0 → onset {delay} (first non-zero \
                     {:?}, peak {:.4})",
                    first_nonzero(&reference),
                    peak(&reference)
                );
                for &(offset, split) in &cases {
                    let run = render(plugin, rate, &settings, &[at(offset)], split, frames);
                    let found = onset(&run);
                    let nonzero = first_nonzero(&run);
                    eprintln!(
                        "{plugin:?} {rate} Hz note {key}: offset {offset} (block split at \
                         {split:?}) → onset {found:?} (onset − offset = {:?}, first non-zero \
                         {nonzero:?})",
                        found.map(|o| o as isize - offset as isize)
                    );
                    let Some(found) = found else {
                        problems.push(format!(
                            "{plugin:?} {rate} Hz note {key}: a note at offset {offset} gives no \
                             sound"
                        ));
                        continue;
                    };
                    let lag = found as isize - offset as isize;
                    if (lag - delay as isize).abs() > 1 {
                        problems.push(format!(
                            "{plugin:?} {rate} Hz note {key}: the note at offset {offset} sounds \
                             at {found}, {lag} samples after its offset; at offset 0 the event \
                             starts {delay} samples after the note"
                        ));
                    }
                    // Nothing may sound before the event, not even below the threshold: the
                    // output before the onset is exact digital silence.
                    if let Some(early) = nonzero.filter(|&n| n < found) {
                        problems.push(format!(
                            "{plugin:?} {rate} Hz note {key}: the note at offset {offset} sounds \
                             from {found}, but sample {early} before it is already non-zero \
                             ({}, {})",
                            run.0[early], run.1[early]
                        ));
                    }
                }
            }
        }
    }
    assert!(problems.is_empty(), "\n  {}", problems.join("\n  "));
}

// ---------------------------------------------------------------------------------------------
// 2. Velocity
// ---------------------------------------------------------------------------------------------

#[test]
fn velocity_scales_the_event_level() {
    const VELOCITIES: [f64; 5] = [0.2, 0.4, 0.6, 0.8, 1.0];
    let frames = (0.5 * 48_000.0) as usize;
    let mut problems = Vec::new();
    for plugin in PLUGINS {
        for rate in RATES {
            for (key, mut settings) in note_cases() {
                // Variation 0: every event is the same take, so only the velocity differs.
                settings.extend(every_layer("var", Value::Text("0")));
                let peaks: Vec<f32> = VELOCITIES
                    .iter()
                    .map(|&velocity| {
                        let note = Played {
                            at: 100,
                            key,
                            velocity,
                        };
                        peak(&render(plugin, rate, &settings, &[note], None, frames))
                    })
                    .collect();
                let loudest = peaks[VELOCITIES.len() - 1];
                let relative: Vec<String> = peaks
                    .iter()
                    .zip(VELOCITIES)
                    .map(|(p, v)| format!("{v}: {p:.5} ({:+.1} dB)", 20.0 * (p / loudest).log10()))
                    .collect();
                eprintln!(
                    "{plugin:?} {rate} Hz note {key}: peaks by velocity {}",
                    relative.join(", ")
                );
                if peaks[0] <= THRESHOLD || !peaks.windows(2).all(|w| w[0] < w[1]) {
                    problems.push(format!(
                        "{plugin:?} {rate} Hz note {key}: peaks by velocity {VELOCITIES:?} are \
                         {peaks:?}, not strictly increasing and audible"
                    ));
                }
            }
        }
    }
    assert!(problems.is_empty(), "\n  {}", problems.join("\n  "));
}

// ---------------------------------------------------------------------------------------------
// 3. Real-time safety under a flood of notes
// ---------------------------------------------------------------------------------------------

/// Trigger models (`tNtype` steps) and placements (`tNplc` steps).
const MODELS: u32 = 9;
const PLACEMENTS: u32 = 6;

fn flood(plugin: Plugin, rate: f64) {
    const SECONDS: f64 = 3.0;
    const NOTES_PER_BLOCK: usize = 20;
    let total = (SECONDS * rate) as usize;

    let mut murmur = plugin.create();
    // Everything at its most demanding: three layers at 30 events/s and +6 dB, right at the
    // ear (0.1 m, the loudest), with the Calm Guard holding −6 dBFS.
    let mut loud = Vec::new();
    for (what, value) in [
        ("on", Value::Step(1)),
        ("dens", Value::Text("30")),
        ("lvl", Value::Text("6")),
        ("dist", Value::Text("0.1")),
    ] {
        loud.extend(every_layer(what, value));
    }
    loud.push(("calm".to_owned(), Value::Step(1)));
    loud.push(("ceil".to_owned(), Value::Text("-6")));
    let setup = changes(&murmur, &loud, 0);
    let type_ids: Vec<u32> = (1..=3)
        .map(|n| murmur.param_by_id(&format!("t{n}type")).id)
        .collect();
    let placement_ids: Vec<u32> = (1..=3)
        .map(|n| murmur.param_by_id(&format!("t{n}plc")).id)
        .collect();
    let mut processor = murmur.activate(rate, plugin.input_channels());

    let mut rng = Pcg32::seed_from_u64(0x7269_6767 ^ rate as u64);
    let (mut notes_sent, mut loudest, mut sum_squares) = (0usize, 0.0f32, 0.0f64);
    let mut done = 0;
    let mut block = 0u32;
    while done < total {
        let frames = BLOCK.min(total - done);
        // The effect's voice input carries noise, so the voice path and the layers both load
        // the Calm Guard.
        for input in &mut processor.inputs {
            for x in &mut input[..frames] {
                *x = rng.random_range(-0.5..0.5);
            }
        }
        let mut block_changes = if block == 0 {
            setup.clone()
        } else {
            Vec::new()
        };
        // Each layer steps through all nine models and six placements, at varying offsets.
        for layer in 0..3u32 {
            block_changes.push(ParamChange {
                offset: rng.random_range(0..frames as u32),
                id: type_ids[layer as usize],
                value: f64::from((block / 2 + layer * 3) % MODELS),
            });
            block_changes.push(ParamChange {
                offset: rng.random_range(0..frames as u32),
                id: placement_ids[layer as usize],
                value: f64::from((block / 3 + layer) % PLACEMENTS),
            });
        }
        // Mostly layer notes (36–71), some outside them (ignored), some at velocity 0
        // (ignored as a note-off).
        let notes: Vec<Note> = (0..NOTES_PER_BLOCK)
            .map(|_| {
                let key = rng.random_range(30..78u8);
                let velocity = if rng.random_range(0..10u32) == 0 {
                    0.0
                } else {
                    rng.random_range(0.05..=1.0)
                };
                Note::on(rng.random_range(0..frames as u32), key, velocity)
            })
            .collect();
        notes_sent += notes.len();

        processor.process_with_notes(frames, &block_changes, &notes);
        let (l, r) = processor.output(frames);
        for (i, (&l, &r)) in l.iter().zip(r).enumerate() {
            assert!(
                l.is_finite() && r.is_finite(),
                "{plugin:?} {rate} Hz: non-finite output ({l}, {r}) at sample {}",
                done + i
            );
            assert!(
                l.abs() <= CEILING + 1e-4 && r.abs() <= CEILING + 1e-4,
                "{plugin:?} {rate} Hz: output ({l}, {r}) at sample {} exceeds the −6 dBFS ceiling",
                done + i
            );
            loudest = loudest.max(l.abs()).max(r.abs());
            sum_squares += f64::from(l) * f64::from(l) + f64::from(r) * f64::from(r);
        }
        done += frames;
        block += 1;
    }
    murmur.deactivate(processor);
    let rms = (sum_squares / (2 * total) as f64).sqrt();
    eprintln!(
        "{plugin:?} {rate} Hz: {block} blocks, {notes_sent} notes, peak {loudest:.4}, RMS {rms:.4}"
    );
    assert!(
        block / 2 >= MODELS && block / 3 >= PLACEMENTS,
        "too few blocks to cycle every layer through all models and placements"
    );
    // The flood must actually sound, or the test would prove nothing about the layers.
    assert!(rms > 1e-3, "{plugin:?} {rate} Hz: the flood is silent");
}

#[test]
fn a_flood_of_notes_and_changes_stays_real_time_safe_and_under_the_ceiling() {
    for plugin in PLUGINS {
        for rate in RATES {
            flood(plugin, rate);
        }
    }
}
