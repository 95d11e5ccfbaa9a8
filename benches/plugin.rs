//! The full plugin's speed: one instance of the Murmur effect, loaded from the plugin library
//! `cargo bench` builds (the release build, as a user gets it) by the CLAP host the tests use,
//! mono voice in, stereo out, 48 kHz, activated for blocks of the host's size and driven in
//! blocks of 32, 128 and 512 samples. One iteration is one second of audio (48 000 samples; the
//! last block of a second is shorter when the size does not divide it), so Criterion reports the
//! time per second of audio and the real-time factor is 1 s divided by it (see BENCHMARKS.md).
//!
//! Everything a host pays per block is in the figure: the CLAP `process` call, nice-plug's
//! wrapper around it (events, buffers, the parameters read into engine settings, the transport)
//! and the engine. The host's own share is minimal: it copies the block's input in and marks the
//! output unwritten; its buffers and event list are allocated once, at activation.
//! `plugin_engine_only_1s_48k` times the same cases through the engine alone, in the same
//! blocks, so the difference between the two groups is the cost of being a plugin.
//!
//! Cases, each with the voice orbiting the head at 0.5 Hz (deterministic noise at about
//! −25 dBFS, as in the voice bench):
//! - `tapping_moving_voice`: the Tapping Around the Head preset (Wood Tap 3/s, Nail Tap 1.5/s);
//! - `rain_moving_voice`: the Rain on the Window preset (Rain 20/s, Drops 1.5/s);
//! - `three_layers_d10_moving_voice`: Rain, Crinkle and Wood Tap at 10 events/s each.
//! - `three_layers_d10_moving_voice_bedroom`: the same in the Bedroom.
//!
//! The parameters reach the plugin as a host restoring a session sends them: `params.flush` with
//! every parameter's CLAP value before activation. nice-plug's CLAP wrapper takes the step index
//! for stepped parameters (switches, choices, integers) and the normalized value (0…1) for
//! continuous ones; the values come from the same `ParamSheet` the command-line renderer uses.
//! Before timing, each instance is checked: every value reads back through `params.get_value`,
//! and its first two seconds (which also bring it to a steady state: motion running, trigger
//! voices sounding) match the engine's own render of the same settings and input (within 1e-5:
//! the values took effect, and exactly). Once per case, a second instance with the voice silent
//! checks that the trigger layers alone are heard.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use murmur::automation::Automation;
use murmur::engine::InputChannels;
use murmur::motion::MotionMode;
use murmur::offline::OfflineRender;
use murmur::params::{ParamIndex, ParamSheet};
use murmur::presets;

// The voice bench's test signal.
mod references;

// The CLAP host of the tests.
use testkit::clap::{Murmur, Processor};

const RATE: u32 = 48_000;
const SECOND: usize = RATE as usize;
const BLOCKS: [usize; 3] = [32, 128, 512];
/// Rendered (and checked) before timing, seconds.
const WARM_UP_S: usize = 2;

/// The voice every case moves: an orbit at 0.5 Hz.
const MOVING_VOICE: &[&str] = &["motion=Orbit", "mrate=0.5"];
const THREE_LAYERS_D10: &[&str] = &[
    "t1type=Rain",
    "t1on=On",
    "t1dens=10",
    "t2type=Crinkle",
    "t2on=On",
    "t2dens=10",
    "t3type=Wood Tap",
    "t3on=On",
    "t3dens=10",
];

/// Animate at full depth and Wind-down a third of the way: what the two add to a case.
const ANIMATE_AND_WIND_DOWN: &[&str] = &["anim=100%", "wind=30%"];

/// What Animate and Wind-down cost, isolated: Animate at a depth too small to change a thing
/// (the wander still evaluated 32 times a second) and Wind-down ramping (its value new on every
/// control tick) from 0.01 % to 1 % over an hour, so that the events, which are most of the
/// cost, stay those of the case without them (under 0.1 % fewer over the bench's few minutes).
/// The case to compare it with has the same automation lane held at 0 (so both pay for reading
/// automation on every tick), and no Animate.
const ANIMATE_PROBE: &[&str] = &["anim=0.01%"];
const WIND_PROBE_RAMP: [(f64, f32); 2] = [(0.0, 0.0001), (3600.0, 0.01)];
const WIND_PROBE_HELD: [(f64, f32); 2] = [(0.0, 0.0), (3600.0, 0.0)];

struct Case {
    name: &'static str,
    /// The factory preset the values start from (the defaults if none).
    preset: Option<&'static str>,
    assignments: &'static [&'static str],
    /// More values, after the assignments.
    also: &'static [&'static str],
}

const CASES: [Case; 5] = [
    Case {
        name: "tapping_moving_voice",
        preset: Some("Tapping Around the Head"),
        assignments: &[],
        also: &[],
    },
    Case {
        name: "rain_moving_voice",
        preset: Some("Rain on the Window"),
        assignments: &[],
        also: &[],
    },
    Case {
        name: "three_layers_d10_moving_voice",
        preset: None,
        assignments: THREE_LAYERS_D10,
        also: &[],
    },
    Case {
        name: "three_layers_d10_moving_voice_bedroom",
        preset: None,
        assignments: THREE_LAYERS_D10,
        also: &["room=Bedroom"],
    },
    Case {
        name: "three_layers_d10_moving_voice_animate_wind_down",
        preset: None,
        assignments: THREE_LAYERS_D10,
        also: ANIMATE_AND_WIND_DOWN,
    },
];

impl Case {
    /// The case's parameter values, set as `murmur render --preset … --set …` sets them.
    fn sheet(&self) -> ParamSheet {
        let mut sheet = match self.preset {
            Some(name) => {
                let preset = presets::find(name).unwrap_or_else(|| panic!("the {name} preset"));
                ParamSheet::with_settings(&preset.settings)
            }
            None => ParamSheet::new(),
        };
        for text in MOVING_VOICE.iter().chain(self.assignments).chain(self.also) {
            let (index, value) = sheet.parse_assignment(text).expect("a valid assignment");
            sheet.set_normalized(index, value);
        }
        let settings = sheet.settings();
        assert_eq!(settings.motion, MotionMode::Orbit, "{}", self.name);
        assert!(
            (settings.motion_rate_hz - 0.5).abs() < 1e-4,
            "{}",
            self.name
        );
        assert!(
            settings.layers.iter().filter(|l| l.on).count() >= 2,
            "{}: trigger layers on",
            self.name
        );
        sheet
    }
}

/// A whisper-like test signal, one second: deterministic noise, about −25 dBFS RMS (the voice
/// bench's).
fn voice() -> Vec<f32> {
    references::noise(SECOND)
}

/// The CLAP value of a normalized value: the step index for stepped parameters.
fn clap_value(steps: Option<usize>, normalized: f32) -> f64 {
    match steps {
        Some(steps) => f64::from((normalized * steps as f32).round()),
        None => f64::from(normalized),
    }
}

/// One instance of the effect, mono in, with the sheet's values, activated for `block`-sample
/// blocks and processing.
fn instance(sheet: &ParamSheet, block: usize) -> (Murmur, Processor) {
    let mut murmur = Murmur::new();
    murmur.select_layout(1, 2);
    let values: Vec<(u32, f64)> = sheet
        .params()
        .iter()
        .enumerate()
        .map(|(i, entry)| {
            let normalized = sheet.normalized(ParamIndex(i));
            (
                murmur.param_by_id(&entry.id).id,
                clap_value(entry.steps, normalized),
            )
        })
        .collect();
    murmur.flush_params(&values);
    for ((id, sent), entry) in values.iter().zip(sheet.params()) {
        let read = murmur.value(*id);
        assert!(
            (read - sent).abs() <= 1e-6 * sent.abs().max(1.0),
            "{}: sent {sent}, the plugin holds {read}",
            entry.id
        );
    }
    let processor = murmur.activate_with(f64::from(RATE), 1, block);
    (murmur, processor)
}

/// Renders `seconds` of `voice` (or silence) through the plugin and through the engine alone
/// with the same values, in `block`-sample blocks; returns the plugin's RMS and the largest
/// difference between the two.
fn render_both(
    processor: &mut Processor,
    sheet: ParamSheet,
    voice: Option<&[f32]>,
    block: usize,
    seconds: usize,
) -> (f64, f32) {
    let mut engine =
        OfflineRender::new(RATE, block, sheet, Automation::none()).expect("a 48 kHz engine");
    let mut left = vec![0.0f32; block];
    let mut right = vec![0.0f32; block];
    let (mut squares, mut worst) = (0.0f64, 0.0f32);
    let total = seconds * SECOND;
    let mut at = 0;
    while at < total {
        let n = block.min(SECOND - at % SECOND);
        let input = &mut processor.inputs[0][..n];
        match voice {
            Some(voice) => input.copy_from_slice(&voice[at % SECOND..][..n]),
            None => input.fill(0.0),
        }
        left[..n].copy_from_slice(input);
        right[..n].fill(0.0);
        processor.process(n, &[]);
        engine.process(InputChannels::Mono, &mut left[..n], &mut right[..n]);
        let (l, r) = processor.output(n);
        for (plugin, alone) in l.iter().chain(r).zip(left[..n].iter().chain(&right[..n])) {
            assert!(plugin.is_finite(), "finite output");
            squares += f64::from(*plugin) * f64::from(*plugin);
            worst = worst.max((plugin - alone).abs());
        }
        at += n;
    }
    ((squares / (2 * total) as f64).sqrt(), worst)
}

fn dbfs(x: f64) -> f64 {
    20.0 * x.max(1e-30).log10()
}

/// One second of the voice through the plugin, as a host plays it.
fn plugin_second(processor: &mut Processor, voice: &[f32], block: usize) {
    let mut at = 0;
    while at < SECOND {
        let n = block.min(SECOND - at);
        processor.inputs[0][..n].copy_from_slice(&voice[at..at + n]);
        processor.process(n, &[]);
        at += n;
    }
}

/// The same second through the engine alone.
fn engine_second(
    engine: &mut OfflineRender,
    voice: &[f32],
    block: usize,
    left: &mut [f32],
    right: &mut [f32],
) {
    let mut at = 0;
    while at < SECOND {
        let n = block.min(SECOND - at);
        left[..n].copy_from_slice(&voice[at..at + n]);
        engine.process(InputChannels::Mono, &mut left[..n], &mut right[..n]);
        at += n;
    }
    black_box((&left, &right));
}

fn plugin(c: &mut Criterion) {
    let voice = voice();

    for case in &CASES {
        // The trigger layers alone, the voice silent.
        let (mut murmur, mut processor) = instance(&case.sheet(), 512);
        let (rms, worst) = render_both(&mut processor, case.sheet(), None, 512, WARM_UP_S);
        murmur.deactivate(processor);
        println!(
            "{}: silent voice: {:.1} dBFS RMS, max |plugin − engine| {worst:e}",
            case.name,
            dbfs(rms)
        );
        assert!(
            rms > 1e-4 && worst <= 1e-5,
            "{}: the trigger layers alone: RMS {rms:e}, max |plugin − engine| {worst:e}",
            case.name
        );
    }

    let mut group = c.benchmark_group("plugin_1s_48k");
    group.throughput(Throughput::Elements(SECOND as u64));
    for case in &CASES {
        for block in BLOCKS {
            let (mut murmur, mut processor) = instance(&case.sheet(), block);
            let (rms, worst) =
                render_both(&mut processor, case.sheet(), Some(&voice), block, WARM_UP_S);
            println!(
                "{}/{block}: {:.1} dBFS RMS, max |plugin − engine| {worst:e}",
                case.name,
                dbfs(rms)
            );
            assert!(
                rms > 1e-3 && worst <= 1e-5,
                "{}/{block}: RMS {rms:e}, max |plugin − engine| {worst:e}",
                case.name
            );
            group.bench_function(BenchmarkId::new(case.name, block), |b| {
                b.iter(|| plugin_second(&mut processor, &voice, block))
            });
            murmur.deactivate(processor);
        }
    }
    group.finish();

    let mut group = c.benchmark_group("plugin_engine_only_1s_48k");
    group.throughput(Throughput::Elements(SECOND as u64));
    for case in &CASES {
        for block in BLOCKS {
            let id = BenchmarkId::new(case.name, block);
            bench_engine(
                &mut group,
                id,
                case.sheet(),
                Automation::none(),
                &voice,
                block,
            );
        }
    }
    // The isolated cost: the probe beside the same case with the lane held at 0.
    for (name, also, lane) in [
        ("three_layers_d10_wind_lane_held", &[][..], WIND_PROBE_HELD),
        (
            "three_layers_d10_animate_wind_probe",
            ANIMATE_PROBE,
            WIND_PROBE_RAMP,
        ),
    ] {
        let probe = Case {
            name,
            also,
            ..CASES[2]
        };
        for block in BLOCKS {
            let sheet = probe.sheet();
            let wind = sheet.find("wind").expect("the wind parameter");
            let lane = Automation::none().with_ramp(wind, lane.to_vec());
            let id = BenchmarkId::new(probe.name, block);
            bench_engine(&mut group, id, sheet, lane, &voice, block);
        }
    }
    group.finish();
}

/// One engine-only case: the engine warmed up, then one second of audio per iteration.
fn bench_engine(
    group: &mut criterion::BenchmarkGroup<criterion::measurement::WallTime>,
    id: BenchmarkId,
    sheet: ParamSheet,
    automation: Automation,
    voice: &[f32],
    block: usize,
) {
    let mut engine = OfflineRender::new(RATE, block, sheet, automation).expect("a 48 kHz engine");
    let mut left = vec![0.0f32; block];
    let mut right = vec![0.0f32; block];
    for _ in 0..WARM_UP_S {
        engine_second(&mut engine, voice, block, &mut left, &mut right);
    }
    group.bench_function(id, |b| {
        b.iter(|| engine_second(&mut engine, voice, block, &mut left, &mut right))
    });
}

/// What the editor's loudness meter costs the audio thread while the editor is open: 40 blocks
/// of 512 stereo samples (0.43 s at 48 kHz, less than the ring holds) copied into the meter's
/// ring, the ring drained between iterations, off the clock, as the editor does.
fn loudness_feed(c: &mut Criterion) {
    let feed = murmur::loudness_feed::LoudnessFeed::default();
    let mut writer = feed.connect(48_000.0);
    let mut meter = murmur::loudness_feed::EditorMeter::default();
    let block: Vec<f32> = (0..512).map(|n| (n as f32 * 0.01).sin() * 0.1).collect();
    let mut group = c.benchmark_group("loudness_feed_40_blocks_48k");
    group.throughput(Throughput::Elements(40 * 512));
    group.bench_function("push_512", |b| {
        b.iter_batched(
            || feed.drain_into(&mut meter),
            |()| {
                for _ in 0..40 {
                    writer.push(black_box(&block), black_box(&block));
                }
            },
            criterion::BatchSize::PerIteration,
        )
    });
    group.finish();
}

criterion_group!(benches, plugin, loudness_feed);
criterion_main!(benches);
