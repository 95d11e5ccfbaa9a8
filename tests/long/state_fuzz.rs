//! Whatever bytes a host hands Murmur as its state, loading them must never crash or hang the
//! host, and a state Murmur refuses must leave every setting as it was. A project file can be
//! damaged on disk, cut short by a full disk, edited by hand or written by another version, and
//! the host passes it on as it is.
//!
//! The inputs go through the real CLAP plugin (`state.load` of the built `Murmur.clap`, framed as
//! nice-plug frames its CLAP state: a little-endian u64 length, then the JSON document), in one
//! instance that keeps its settings from one input to the next, as a host restoring one preset
//! after another does. Three seeded generators:
//!
//! - arbitrary bytes, framed or not, and shuffled JSON tokens;
//! - structure-aware mutations of states Murmur saved (the default state, the 0.1.0 fixture, a
//!   minimal one): values of the wrong JSON type, huge, negative and non-finite numbers, unknown,
//!   duplicated, removed and renamed keys, unknown choice ids, very long strings, deep nesting,
//!   the persistent fields `editor-size` and `sofa-path` with wrong types and values (devices,
//!   folders, missing files), then byte flips, cuts, insertions, bad UTF-8 and a wrong length;
//! - state documents written from scratch, naming random parameters with random values.
//!
//! For every input:
//!
//! 1. the load returns (no panic: a panic inside the plugin aborts this process; no hang: the run
//!    ends, and the slowest load is reported);
//! 2. refused: every parameter value and the saved state are exactly what they were;
//! 3. accepted: exactly when the bytes hold a state document (a well-formed document with odd
//!    values is accepted and kept in range, not refused), and then every value is finite and
//!    inside its range, and is exactly what the document asks for: a named value of the right
//!    kind clamped into its range (a non-finite one becomes the default, an unknown choice id
//!    changes nothing), every other parameter as it was, and the persistent fields as the
//!    document gives them when they parse; the state Murmur then saves names every parameter once
//!    with a finite plain value inside its range, and loads back without changing anything;
//! 4. every 32 inputs the plugin processes a block, which must be finite. The instance is
//!    deactivated and reactivated (at 48 and 44.1 kHz in turn) every 2048 inputs, so states
//!    also load while it is inactive, and a project's SOFA path is loaded in the background.
//!
//! Default mode: 50,000 inputs in all. `MURMUR_LONG=1`: 1,000,000. `MURMUR_FUZZ_SEED=<n>`
//! varies the seed. A failing input is written to `$TMPDIR/murmur-state-fuzz/`. The plugin's
//! own log (a warning for every state it refuses) goes to `/dev/null` unless `NICE_LOG` says
//! otherwise: set `NICE_LOG=stderr` to read it, for example the message of a panic.
//!
//! The saved state of Murmur 0.1.0 in `tests/fixtures/state-0.1.0.json` must load with the values
//! it holds (`state_fuzz/release_0_1_0.rs`).
//!
//! Here: the run and its tests; the JSON tree in `state_fuzz/json.rs`, the model of what a state
//! should load to in `state_fuzz/model.rs`, the inputs in `state_fuzz/generators.rs`.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use murmur::params::MurmurParams;
use murmur::params::SofaChoice;
use murmur::sofa_loader::{SofaLoader, SofaStatus};
use nice_plug::params::persist::PersistentField;
// serde_json's `from_str` and `to_string`, as nice-plug re-exports them for persistent fields.
use nice_plug::params::persist::{deserialize_field as from_json, serialize_field as to_json};
use nice_plug::plugin::{ParamValue, PluginState};
use nice_plug::prelude::{ParamPtr, Params};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64;

use testkit::clap::{BLOCK, Murmur, ParamChange, Processor, check_text, clap_param_id};

mod generators;
mod json;
mod model;
mod release_0_1_0;

use generators::*;
use json::*;
use model::*;
use release_0_1_0::fixture_path;

// ---------------------------------------------------------------------------------------------
// Run settings
// ---------------------------------------------------------------------------------------------

pub(super) fn long_mode() -> bool {
    std::env::var_os("MURMUR_LONG").is_some_and(|v| v != "0" && !v.is_empty())
}

/// Inputs for one generator: `default` in the default mode, `long` with `MURMUR_LONG=1`.
pub(super) fn inputs(default: usize, long: usize) -> usize {
    if long_mode() { long } else { default }
}

pub(super) fn base_seed() -> u64 {
    match std::env::var("MURMUR_FUZZ_SEED") {
        Ok(text) => text
            .trim()
            .parse()
            .unwrap_or_else(|_| panic!("MURMUR_FUZZ_SEED={text:?} is not a number")),
        Err(_) => 0x6d75_726d_7572,
    }
}

/// nice-plug refuses a CLAP state whose length prefix is above this, before reading it.
pub(super) const MAX_STATE_BYTES: u64 = 268_435_456;

/// Sends the plugin's log to `/dev/null` (unless `NICE_LOG` is set): its debug build logs a
/// warning for every state it refuses, on the process's real stderr (the test harness captures
/// only this executable's own output), which would bury the test output under tens of thousands
/// of lines. Every test here calls this before anything else.
pub(super) fn quiet_plugin_log() {
    static DONE: OnceLock<()> = OnceLock::new();
    DONE.get_or_init(|| {
        if std::env::var_os("NICE_LOG").is_none() {
            // SAFETY: nothing else in this process touches the environment meanwhile: every test
            // of this executable calls this first, and the others wait for `get_or_init`; the
            // plugin library, which reads the variable, is not loaded yet.
            unsafe { std::env::set_var("NICE_LOG", "/dev/null") };
        }
    });
}

/// A state as nice-plug's CLAP state extension frames it.
pub(super) fn framed(json: &[u8]) -> Vec<u8> {
    let mut bytes = (json.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(json);
    bytes
}

/// What the plugin reads of `bytes` as its JSON document: `None` when it must refuse them before
/// parsing (no complete length, or a length above nice-plug's limit); a length beyond the end
/// reads to the end.
pub(super) fn payload(bytes: &[u8]) -> Option<&[u8]> {
    let length = u64::from_le_bytes(bytes.get(..8)?.try_into().ok()?);
    if length > MAX_STATE_BYTES {
        return None;
    }
    let rest = &bytes[8..];
    Some(&rest[..rest.len().min(length as usize)])
}

// ---------------------------------------------------------------------------------------------
// The run
// ---------------------------------------------------------------------------------------------

/// Reports an input that has been loading for over a minute (where it is saved, what it was),
/// so that a hang can be reproduced. It never fails the test: a hang is a test that never ends.
struct Watchdog {
    shared: Arc<Watched>,
    thread: Option<JoinHandle<()>>,
}

/// The input in progress: its number plus one, the bytes and what they are; and the end.
#[derive(Default)]
struct Watched {
    progress: AtomicU64,
    done: AtomicBool,
    input: Mutex<(Vec<u8>, String)>,
}

impl Watchdog {
    fn start(name: String) -> Self {
        let shared = Arc::new(Watched::default());
        let watched = shared.clone();
        let thread = std::thread::spawn(move || {
            let (mut last, mut since, mut reported) = (u64::MAX, Instant::now(), false);
            while !watched.done.load(Ordering::Relaxed) {
                std::thread::park_timeout(Duration::from_secs(1));
                let now = watched.progress.load(Ordering::Relaxed);
                if now != last {
                    (last, since, reported) = (now, Instant::now(), false);
                } else if !reported && since.elapsed() > Duration::from_secs(60) {
                    let (bytes, what) = &*watched.input.lock().unwrap();
                    let path = save_input(&format!("{name}-stuck"), bytes);
                    eprintln!(
                        "state_fuzz {name}: input {} ({what}) has run for over a minute; saved \
                         to {}",
                        now.wrapping_sub(1),
                        path.display()
                    );
                    reported = true;
                }
            }
        });
        Self {
            shared,
            thread: Some(thread),
        }
    }

    fn begin(&self, index: usize, bytes: &[u8], what: &str) {
        let mut input = self.shared.input.lock().unwrap();
        input.0.clear();
        input.0.extend_from_slice(bytes);
        input.1.clear();
        input.1.push_str(what);
        self.shared
            .progress
            .store(index as u64 + 1, Ordering::Relaxed);
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.shared.done.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            thread.thread().unpark();
            let _ = thread.join();
        }
    }
}

fn save_input(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join("murmur-state-fuzz");
    let _ = std::fs::create_dir_all(&dir);
    let path = dir.join(format!("{name}.bin"));
    let _ = std::fs::write(&path, bytes);
    path
}

/// What the plugin holds between inputs.
struct Known {
    values: Vec<f64>,
    saved: Vec<u8>,
    fields: Fields,
}

impl Known {
    fn read(murmur: &Murmur, model: &Model) -> Self {
        let saved = murmur.save_state();
        let state = parse_saved(&saved).expect("Murmur's own state parses");
        Self {
            values: model.values(murmur),
            fields: Fields::of(&state).expect("Murmur's own fields parse"),
            saved,
        }
    }
}

/// A state Murmur saved: checks its frame and parses it.
fn parse_saved(saved: &[u8]) -> Result<PluginState, String> {
    let json = payload(saved).ok_or("the saved state has no valid length")?;
    if json.len() + 8 != saved.len() {
        return Err(format!(
            "the saved state's length says {} bytes, it has {}",
            json.len(),
            saved.len() - 8
        ));
    }
    let text = std::str::from_utf8(json).map_err(|e| format!("saved state is not UTF-8: {e}"))?;
    from_json(text).map_err(|e| format!("saved state does not parse: {e}"))
}

/// The state document in `bytes` as nice-plug parses it: `Ok(Some)` a state, `Ok(None)` not a
/// state, `Err` undecided (the document is not valid UTF-8 throughout: serde_json only checks
/// the strings it keeps, so bad bytes inside an ignored string are accepted), with the state it
/// holds if it is one.
fn document(bytes: &[u8]) -> Result<Option<PluginState>, Option<PluginState>> {
    let Some(json) = payload(bytes) else {
        return Ok(None);
    };
    match std::str::from_utf8(json) {
        Ok(text) => Ok(from_json(text).ok()),
        Err(_) => Err(from_json(&String::from_utf8_lossy(json)).ok()),
    }
}

struct Run {
    name: String,
    model: Model,
    known: Known,
    failures: Vec<String>,
    accepted: usize,
    refused: usize,
    blocks: usize,
    slowest: (Duration, usize, String),
}

impl Run {
    fn fail(&mut self, murmur: &Murmur, index: usize, bytes: &[u8], what: &str, problem: String) {
        let path = save_input(&format!("{}-{index}", self.name), bytes);
        self.failures.push(format!(
            "input {index} ({what}, saved to {}): {problem}",
            path.display()
        ));
        // Carry on from what the plugin holds now, so one failure is reported once.
        self.known = Known::read(murmur, &self.model);
    }

    fn check(&mut self, murmur: &Murmur, bytes: &[u8], accepted: bool) -> Result<(), String> {
        let values = self.model.values(murmur);
        let document = document(bytes);
        if !accepted {
            self.refused += 1;
            if let Ok(Some(_)) = document {
                return Err("refused a well-formed state document".into());
            }
            let changed: Vec<String> = self
                .model
                .params
                .iter()
                .zip(values.iter().zip(&self.known.values))
                .filter(|(_, (now, before))| now.to_bits() != before.to_bits())
                .map(|(p, (now, before))| format!("{} {before} -> {now}", p.spec.id))
                .collect();
            if !changed.is_empty() {
                return Err(format!("refused, yet changed {changed:?}"));
            }
            if murmur.save_state() != self.known.saved {
                return Err("refused, yet the saved state changed".into());
            }
            return Ok(());
        }
        self.accepted += 1;
        let state = match document {
            Ok(Some(state)) | Err(Some(state)) => state,
            _ => return Err("accepted bytes that hold no state document".into()),
        };
        let expected = self.model.expected(&self.known.values, &state);
        for ((p, &value), expected) in self.model.params.iter().zip(&values).zip(&expected) {
            if !(value.is_finite() && value >= p.clap_min && value <= p.clap_max) {
                return Err(format!(
                    "{} is {value}, outside {}..={}",
                    p.spec.id, p.clap_min, p.clap_max
                ));
            }
            let tolerance = if p.steps.is_some() { 1e-3 } else { 1e-6 };
            match *expected {
                Expected::Unchanged(before) if value.to_bits() != before.to_bits() => {
                    return Err(format!(
                        "{} changed from {before} to {value} though the state sets no valid \
                         value for it ({:?})",
                        p.spec.id,
                        state.params.get(&p.spec.id)
                    ));
                }
                Expected::Near(want) if (value - want).abs() > tolerance => {
                    return Err(format!(
                        "{} is {value}, the state's {:?} means {want}",
                        p.spec.id,
                        state.params.get(&p.spec.id)
                    ));
                }
                _ => {}
            }
        }

        let saved = murmur.save_state();
        let saved_state = parse_saved(&saved)?;
        if saved_state.version != env!("CARGO_PKG_VERSION") {
            return Err(format!("saved version {:?}", saved_state.version));
        }
        if saved_state.params.len() != self.model.params.len() {
            return Err(format!(
                "the saved state names {} parameters, Murmur has {}",
                saved_state.params.len(),
                self.model.params.len()
            ));
        }
        for p in &self.model.params {
            let plain = match (&p.spec.kind, saved_state.params.get(&p.spec.id)) {
                (Kind::Float, Some(ParamValue::F32(v))) => *v,
                (Kind::Int, Some(ParamValue::I32(v))) => *v as f32,
                (Kind::Bool, Some(ParamValue::Bool(_))) => continue,
                (Kind::Choice(ids), Some(ParamValue::String(id))) if ids.contains(&id.as_str()) => {
                    continue;
                }
                (_, other) => return Err(format!("saved {} as {other:?}", p.spec.id)),
            };
            if !(plain.is_finite() && plain >= p.spec.min && plain <= p.spec.max) {
                return Err(format!(
                    "saved {} as {plain}, outside {}..={}",
                    p.spec.id, p.spec.min, p.spec.max
                ));
            }
        }
        let fields = Fields::of(&saved_state)?;
        let expected_fields = self.known.fields.after(&state);
        if fields != expected_fields {
            return Err(format!(
                "saved fields {fields:?}, the state means {expected_fields:?}"
            ));
        }

        // What Murmur saves, it loads back as it is.
        if !murmur.load_state(&saved) {
            return Err("refused the state it just saved".into());
        }
        if self.model.values(murmur) != values {
            return Err("loading the state it just saved changed values".into());
        }
        if murmur.save_state() != saved {
            return Err("loading the state it just saved changed the saved state".into());
        }
        self.known = Known {
            values,
            saved,
            fields,
        };
        Ok(())
    }
}

/// Seed states: Murmur's default state, the 0.1.0 fixture, and a minimal document in nice-plug's
/// older form (no version, a choice by index).
fn seed_states(murmur: &Murmur) -> Vec<Json> {
    let default = murmur.save_state();
    vec![
        parse_json(&default[8..]),
        parse_json(&std::fs::read(fixture_path()).expect("read the 0.1.0 state fixture")),
        parse_json(
            br#"{"params": {"azim": {"f32": -30.0}, "motion": {"i32": 2}, "seed": {"i32": 9}},
                "fields": {}}"#,
        ),
    ]
}

fn process_block(processor: &mut Processor, rng: &mut Pcg64) -> Result<(), String> {
    for channel in &mut processor.inputs {
        for sample in channel.iter_mut() {
            *sample = rng.random_range(-0.25..0.25);
        }
    }
    processor.process(BLOCK, &[]);
    let (left, right) = processor.output(BLOCK);
    match left.iter().chain(right).position(|x| !x.is_finite()) {
        Some(i) => Err(format!("output sample {i} is not finite")),
        None => Ok(()),
    }
}

fn fuzz(strategy: Strategy, count: usize) {
    quiet_plugin_log();
    let name = format!("{strategy:?}").to_lowercase();
    let seed = base_seed().wrapping_add(strategy as u64);
    let mut rng = Pcg64::seed_from_u64(seed);
    let mut murmur = Murmur::new();
    murmur.select_layout(2, 2);
    let model = Model::new(&murmur);
    let vocabulary = Vocabulary::new(&model);
    let seeds = seed_states(&murmur);
    let mut processor = Some(murmur.activate(48_000.0, 2));
    let mut rates = [44_100.0, 48_000.0].into_iter().cycle();
    let known = Known::read(&murmur, &model);
    let mut run = Run {
        name: format!("{name}-{seed}"),
        model,
        known,
        failures: Vec::new(),
        accepted: 0,
        refused: 0,
        blocks: 0,
        slowest: (Duration::ZERO, 0, String::new()),
    };
    let watchdog = Watchdog::start(run.name.clone());
    let start = Instant::now();
    let mut tried = 0;
    for index in 0..count {
        // Inactive for 128 inputs out of every 2048, then active at the other rate.
        match index % 2048 {
            0 if index > 0 => murmur.deactivate(processor.take().expect("active")),
            128 if processor.is_none() => {
                processor = Some(murmur.activate(rates.next().unwrap(), 2));
            }
            _ => {}
        }
        let (bytes, what) = input(strategy, &mut rng, &seeds, &vocabulary);
        watchdog.begin(index, &bytes, &what);
        let started = Instant::now();
        let accepted = murmur.load_state(&bytes);
        let took = started.elapsed();
        if took > run.slowest.0 {
            run.slowest = (took, index, what.clone());
        }
        tried += 1;
        if let Err(problem) = run.check(&murmur, &bytes, accepted) {
            let problem = format!("(accepted: {accepted}) {problem}");
            run.fail(&murmur, index, &bytes, &what, problem);
        }
        if index % 32 == 31
            && let Some(processor) = processor.as_mut()
        {
            run.blocks += 1;
            if let Err(problem) = process_block(processor, &mut rng) {
                run.fail(
                    &murmur,
                    index,
                    &bytes,
                    &what,
                    format!("after it: {problem}"),
                );
            }
        }
        if run.failures.len() >= 10 {
            break;
        }
    }
    drop(watchdog);
    if let Some(processor) = processor.take() {
        murmur.deactivate(processor);
    }
    let (slowest, slowest_index, slowest_what) = &run.slowest;
    eprintln!(
        "state_fuzz {}: {tried} inputs (seed {seed}) in {:.1} s: {} accepted, {} refused, {} \
         blocks processed; slowest load {:.2} ms (input {slowest_index}: {})",
        name,
        start.elapsed().as_secs_f64(),
        run.accepted,
        run.refused,
        run.blocks,
        slowest.as_secs_f64() * 1e3,
        slowest_what.chars().take(200).collect::<String>(),
    );
    assert!(
        run.failures.is_empty(),
        "{} of {tried} inputs broke a property (seed {seed}):\n{}",
        run.failures.len(),
        run.failures.join("\n")
    );
}

#[test]
fn arbitrary_bytes_are_refused_and_change_nothing() {
    fuzz(Strategy::Arbitrary, inputs(10_000, 200_000));
}

#[test]
fn mutated_saved_states_load_in_range_or_change_nothing() {
    fuzz(Strategy::Mutated, inputs(30_000, 600_000));
}

#[test]
fn generated_state_documents_load_exactly_in_range() {
    fuzz(Strategy::Generated, inputs(10_000, 200_000));
}

// ---------------------------------------------------------------------------------------------
// A project's SOFA path that names no regular file
// ---------------------------------------------------------------------------------------------

/// A project may name a device, a pipe or a folder as its SOFA file (edited by hand, or damaged).
/// The loader must refuse it at once: `/dev/zero` would otherwise be read until memory runs out,
/// and a named pipe would block the loader for good (the editor saying "Loading…" forever).
/// The path stays the project's choice, as a missing file's does.
#[test]
fn a_sofa_path_naming_a_device_a_pipe_or_a_folder_is_refused() {
    quiet_plugin_log();
    let dir = std::env::temp_dir().join(format!("murmur-sofa-pipe-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let pipe = dir.join("kemar.sofa");
    let made = std::process::Command::new("mkfifo").arg(&pipe).status();
    assert!(
        made.is_ok_and(|s| s.success()),
        "mkfifo {} failed",
        pipe.display()
    );
    for path in [
        "/dev/zero",
        "/dev/urandom",
        "/dev/null",
        "/",
        &dir.to_string_lossy(),
        &pipe.to_string_lossy(),
    ] {
        let loader = SofaLoader::new();
        let choice = SofaChoice::new(loader.clone());
        choice.set(path.to_owned());
        assert!(loader.activate(48_000.0).is_none());
        // A bound, not a timing goal: a refusal takes no time; a load that never ends stays
        // `Loading`, which is what this catches.
        let status = loader.settled(Duration::from_secs(60));
        assert!(
            matches!(&status, SofaStatus::Failed { message, .. } if message.contains("cannot be read")),
            "{path}: {status:?}"
        );
        assert_eq!(choice.map(|p| p.clone()), path);
    }
    let _ = std::fs::remove_dir_all(&dir);
}
