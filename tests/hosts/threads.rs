//! Parameters and state changed from other threads while the audio thread processes, as hosts
//! and Murmur's editor do: a gesture in the editor (VST3) or a host's own controls write a
//! parameter's atomics from the GUI thread while the audio thread reads `params.settings()`
//! each block; a host restores a project or a preset on its main thread (CLAP `state.load`,
//! which nice-plug applies at once, even while the plugin processes) and saves one there too.
//!
//! 1. A writer thread sets every parameter to one of two distinct valid values, alternately,
//!    as fast as it can, while the audio thread renders: every value the audio thread reads (in
//!    the engine settings and straight from the parameters) is one of the two (no torn or
//!    in-between value), so inside its range, and the output is finite.
//! 2. The same with a restoring thread that also sets the persistent fields (`editor-size`,
//!    `sofa-path`: nice-plug's `deserialize_fields`, as its state load does; the SOFA loader
//!    is active, so every new path starts a background load) and a saving thread that reads
//!    them back (`serialize_fields`) with the parameters' saved values: each is one of the two.
//! 3. Through the real CLAP plugin: the host's main thread loads two saved states in turn while
//!    its audio thread processes blocks; after each load the parameter values and the saved
//!    state are exactly those of the state loaded, and the output stays finite.
//!
//! Each test runs until both sides have done a minimum amount of work (blocks, passes), not for
//! a time, so it proves overlap by construction and ends on any machine.
//!
//! Not part of `cargo test` (each needs a nightly toolchain and a full instrumented rebuild):
//!
//! - ThreadSanitizer: `RUSTFLAGS=-Zsanitizer=thread cargo +nightly test -Zbuild-std
//!   --target x86_64-unknown-linux-gnu --test threads` (with `CARGO_TARGET_DIR` set apart; the
//!   nightly `rust-src` component is needed, since without `-Zbuild-std` the standard library
//!   is not instrumented and TSan reports false races). It rebuilds the standard library and
//!   every dependency instrumented (about 15 minutes on two cores, several GB). Tests 1 and 2
//!   pass under it with no race reported. Test 3 cannot run there: the instrumented plugin
//!   library, loaded with `dlopen`, does not find the TSan runtime's symbols
//!   (`undefined symbol: __tsan_func_entry`).
//! - Miri: `cargo +nightly miri test --test threads` needs the nightly `miri` component and the
//!   same full rebuild of the dependencies (with their MIR); for lack of disk space it was not
//!   tried. Miri cannot load a plugin library, so test 3 is skipped under it; tests 1 and 2
//!   shrink to a few blocks and passes (`BLOCKS`, `PASSES`).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::thread;

use murmur::engine::{Engine, InputChannels};
use murmur::params::{MurmurParams, plain_values};
// serde_json's `from_str`, as nice-plug re-exports it for persistent fields.
use nice_plug::params::persist::deserialize_field as from_json;
use nice_plug::prelude::{ParamPtr, Params};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg32;

use testkit::clap::{BLOCK, Murmur, ParamChange};

/// Work each side must do at least (Miri runs the same code, a few steps only).
const BLOCKS: u64 = if cfg!(miri) { 2 } else { 3000 };
const PASSES: u64 = if cfg!(miri) { 2 } else { 1000 };
const MINI_BLOCK: usize = if cfg!(miri) { 16 } else { BLOCK };

/// Tells the other threads to stop when dropped, also when the test fails on this thread (a
/// scope waits for its threads, which would otherwise run on forever).
struct StopOnDrop<'a>(&'a AtomicBool);

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

/// Two distinct valid values of one parameter, as the parameter stores them once set.
#[derive(Debug, Clone)]
struct Pair {
    id: String,
    normalized: [f32; 2],
    plain: [f32; 2],
}

impl Pair {
    /// Whether `plain` is one of the two plain values (settings carry some values in other units,
    /// such as the head radius in metres: a relative tolerance far below the distance between
    /// the two values).
    fn holds_plain(&self, value: f32) -> bool {
        self.plain
            .iter()
            .any(|p| (p - value).abs() <= 1e-5 * p.abs().max(1.0))
    }

    fn holds_normalized(&self, value: f32) -> bool {
        self.normalized.contains(&value)
    }
}

/// For each parameter (in `param_map` order), two values: a third of the way and all the way
/// up for stepped ones (switches: off and on), 0.25 and 0.8 normalized for continuous ones.
fn pairs(params: &MurmurParams) -> Vec<Pair> {
    params
        .param_map()
        .into_iter()
        .map(|(id, ptr, _)| {
            // SAFETY (every `unsafe` here): `ptr` points into `params`, borrowed for the call.
            let targets = match unsafe { ptr.step_count() } {
                Some(steps) => [(steps / 3) as f32 / steps as f32, 1.0],
                None => [0.25, 0.8],
            };
            let plain = targets.map(|n| unsafe { ptr.preview_plain(n) });
            let normalized = plain.map(|p| unsafe { ptr.preview_normalized(p) });
            assert_ne!(plain[0], plain[1], "{id}: the two values must differ");
            Pair {
                id,
                normalized,
                plain,
            }
        })
        .collect()
}

/// Sets every parameter to value `which` of its pair, as nice-plug does for a host or editor
/// change (`_internal_set_normalized_value`, the call behind `ParamSetter` in VST3 and behind a
/// host's parameter change).
fn set_all(map: &[(String, ParamPtr, String)], pairs: &[Pair], which: usize) {
    for ((_, ptr, _), pair) in map.iter().zip(pairs) {
        // SAFETY: `ptr` points into parameters the caller keeps alive.
        unsafe { ptr._internal_set_normalized_value(pair.normalized[which]) };
    }
}

/// What the audio thread reads of the parameters this block: the engine settings, as each
/// parameter's plain value, and each parameter's stored values. Returns the first value that is
/// neither of its pair's two.
fn torn_value(
    params: &MurmurParams,
    map: &[(String, ParamPtr, String)],
    pairs: &[Pair],
) -> Option<String> {
    let settings = params.settings();
    for (id, value) in plain_values(&settings) {
        let pair = pairs.iter().find(|p| p.id == id).expect("a known id");
        if !pair.holds_plain(value) {
            return Some(format!(
                "settings give {id} = {value}, not one of {:?}",
                pair.plain
            ));
        }
    }
    for ((id, ptr, _), pair) in map.iter().zip(pairs) {
        // SAFETY: `ptr` points into `params`, alive for the call.
        let (plain, unmodulated, normalized, unmodulated_normalized) = unsafe {
            (
                ptr.modulated_plain_value(),
                ptr.unmodulated_plain_value(),
                ptr.modulated_normalized_value(),
                ptr.unmodulated_normalized_value(),
            )
        };
        if !(pair.holds_plain(plain) && pair.holds_plain(unmodulated)) {
            return Some(format!(
                "{id} reads {plain} (unmodulated {unmodulated}), not one of {:?}",
                pair.plain
            ));
        }
        if !(pair.holds_normalized(normalized) && pair.holds_normalized(unmodulated_normalized)) {
            return Some(format!(
                "{id} reads normalized {normalized} (unmodulated {unmodulated_normalized}), not \
                 one of {:?}",
                pair.normalized
            ));
        }
    }
    None
}

/// The audio thread's side: renders blocks with the settings of the moment until it has done
/// `BLOCKS` and `others_done()` holds, checking every read and the output. Returns the blocks
/// rendered.
fn render_until(
    params: &MurmurParams,
    pairs: &[Pair],
    mut each_block: impl FnMut(&mut Engine),
    others_done: impl Fn() -> bool,
) -> u64 {
    let map = params.param_map();
    let mut engine = Engine::new(48_000.0, MINI_BLOCK).expect("an engine");
    let mut rng = Pcg32::seed_from_u64(3);
    let (mut left, mut right) = (vec![0.0f32; MINI_BLOCK], vec![0.0f32; MINI_BLOCK]);
    let mut blocks = 0;
    while blocks < BLOCKS || !others_done() {
        if let Some(problem) = torn_value(params, &map, pairs) {
            panic!("block {blocks}: {problem}");
        }
        for (l, r) in left.iter_mut().zip(&mut right) {
            *l = rng.random_range(-0.25..0.25);
            *r = rng.random_range(-0.25..0.25);
        }
        each_block(&mut engine);
        engine.process(
            InputChannels::Stereo,
            &mut left,
            &mut right,
            &params.settings(),
            None,
        );
        if let Some(i) = left.iter().chain(&right).position(|x| !x.is_finite()) {
            panic!("block {blocks}: output sample {i} is not finite");
        }
        blocks += 1;
    }
    blocks
}

#[test]
fn editor_changes_on_another_thread_reach_the_audio_thread_whole() {
    let params = Arc::new(MurmurParams::default());
    let pairs = pairs(&params);
    set_all(&params.param_map(), &pairs, 0);
    let stop = AtomicBool::new(false);
    let passes = AtomicU64::new(0);
    let blocks = thread::scope(|scope| {
        let _stop = StopOnDrop(&stop);
        let writer = scope.spawn(|| {
            // The GUI thread: one pass sets every parameter to its other value.
            let map = params.param_map();
            let mut pass = 0;
            while !stop.load(Ordering::Relaxed) {
                pass += 1;
                set_all(&map, &pairs, (pass % 2) as usize);
                passes.store(pass, Ordering::Relaxed);
            }
        });
        render_until(
            &params,
            &pairs,
            |_| {},
            // A writer that ended early failed: stop and let the scope report it.
            || passes.load(Ordering::Relaxed) >= PASSES || writer.is_finished(),
        )
    });
    eprintln!(
        "threads: {blocks} blocks rendered while the editor thread made {} passes over all {} \
         parameters",
        passes.load(Ordering::Relaxed),
        pairs.len()
    );
}

#[test]
fn a_state_restored_and_saved_on_other_threads_reaches_the_audio_thread_whole() {
    let params = Arc::new(MurmurParams::default());
    let pairs = pairs(&params);
    set_all(&params.param_map(), &pairs, 0);
    // As the plugin's activation does: from now on, every new SOFA path loads in the background.
    let loader = params.sofa.loader().clone();
    let mut receiver = loader.take_receiver().expect("a fresh loader");
    assert!(loader.activate(48_000.0).is_none());

    let sizes = [(1000u32, 700u32), (1300, 900)];
    let paths = ["/nonexistent/murmur/a.sofa", "/nonexistent/murmur/b.sofa"];
    let fields: Vec<_> = (0..2)
        .map(|k| {
            [
                ("editor-size", format!("[{},{}]", sizes[k].0, sizes[k].1)),
                ("sofa-path", format!("\"{}\"", paths[k])),
            ]
            .into_iter()
            .map(|(key, value)| (key.to_owned(), value))
            .collect::<std::collections::BTreeMap<_, _>>()
        })
        .collect();
    params.deserialize_fields(&fields[0]);

    let stop = AtomicBool::new(false);
    let (restores, saves) = (AtomicU64::new(0), AtomicU64::new(0));
    let blocks = thread::scope(|scope| {
        let _stop = StopOnDrop(&stop);
        let restorer = scope.spawn(|| {
            // The host's main thread restoring states A and B in turn, as nice-plug's state load
            // does: every parameter's plain value, then the persistent fields.
            let map = params.param_map();
            let mut pass = 0;
            while !stop.load(Ordering::Relaxed) {
                pass += 1;
                let which = (pass % 2) as usize;
                set_all(&map, &pairs, which);
                params.deserialize_fields(&fields[which]);
                restores.store(pass, Ordering::Relaxed);
            }
        });
        let saver = scope.spawn(|| {
            // A thread saving the project meanwhile: what it saves is state A's or state B's.
            let map = params.param_map();
            let mut count = 0;
            while !stop.load(Ordering::Relaxed) {
                let saved = params.serialize_fields();
                let size: (u32, u32) = from_json(&saved["editor-size"]).unwrap();
                let path: String = from_json(&saved["sofa-path"]).unwrap();
                assert!(sizes.contains(&size), "saved editor size {size:?}");
                assert!(paths.contains(&path.as_str()), "saved SOFA path {path:?}");
                for ((id, ptr, _), pair) in map.iter().zip(&pairs) {
                    // SAFETY: `ptr` points into `params`, alive in this scope.
                    let plain = unsafe { ptr.unmodulated_plain_value() };
                    assert!(pair.holds_plain(plain), "saved {id} = {plain}");
                }
                count += 1;
                saves.store(count, Ordering::Relaxed);
            }
        });
        render_until(
            &params,
            &pairs,
            // As the plugin's process does: take any set the loader finished.
            |engine| receiver.exchange(engine),
            || {
                (restores.load(Ordering::Relaxed) >= PASSES / 4
                    && saves.load(Ordering::Relaxed) >= PASSES / 4)
                    || restorer.is_finished()
                    || saver.is_finished()
            },
        )
    });
    eprintln!(
        "threads: {blocks} blocks rendered while {} states were restored and {} saved",
        restores.load(Ordering::Relaxed),
        saves.load(Ordering::Relaxed)
    );
}

/// The plugin as a CLAP host drives it: `state.load` and `state.save` on the main thread (the
/// thread that made the instance) while the audio thread calls `process`.
#[test]
#[cfg_attr(miri, ignore = "Miri cannot load the plugin library")]
fn states_loaded_on_the_main_thread_while_the_audio_thread_processes() {
    // Two states, A and B, each with every parameter at one of its pair's values: set through
    // automation on a helper instance and saved, so they are in Murmur's own format.
    let reference = MurmurParams::default();
    let pairs = pairs(&reference);
    let states: Vec<Vec<u8>> = (0..2)
        .map(|which| {
            let mut helper = Murmur::new();
            helper.select_layout(2, 2);
            let changes: Vec<ParamChange> = pairs
                .iter()
                .map(|pair| {
                    let info = helper.param_by_id(&pair.id);
                    // CLAP values: normalized, times the step count for stepped parameters.
                    let steps = (info.max_value - info.min_value).max(1.0);
                    let stepped = info.has(testkit::clap::CLAP_PARAM_IS_STEPPED);
                    let normalized = pair.normalized[which] as f64;
                    ParamChange {
                        offset: 0,
                        id: info.id,
                        value: if stepped {
                            (normalized * steps).round()
                        } else {
                            normalized
                        },
                    }
                })
                .collect();
            let mut processor = helper.activate(48_000.0, 2);
            processor.process(BLOCK, &changes);
            helper.deactivate(processor);
            helper.save_state()
        })
        .collect();

    let mut murmur = Murmur::new();
    murmur.select_layout(2, 2);
    // What each state reads back as, loaded while nothing else runs.
    let expected: Vec<_> = states
        .iter()
        .map(|state| {
            assert!(murmur.load_state(state));
            (murmur.all_values(), murmur.save_state())
        })
        .collect();
    assert_ne!(expected[0].0, expected[1].0, "the two states differ");

    let processor = murmur.activate(48_000.0, 2);
    let stop = AtomicBool::new(false);
    let blocks = AtomicU64::new(0);
    let loads = thread::scope(|scope| {
        let stop_audio = StopOnDrop(&stop);
        let audio = scope.spawn(|| {
            let mut processor = processor;
            let mut rng = Pcg32::seed_from_u64(5);
            while !stop.load(Ordering::Relaxed) {
                for channel in &mut processor.inputs {
                    for sample in channel.iter_mut() {
                        *sample = rng.random_range(-0.25..0.25);
                    }
                }
                processor.process(BLOCK, &[]);
                let (left, right) = processor.output(BLOCK);
                let block = blocks.load(Ordering::Relaxed);
                if let Some(i) = left.iter().chain(right).position(|x| !x.is_finite()) {
                    panic!("block {block}: output sample {i} is not finite");
                }
                blocks.store(block + 1, Ordering::Relaxed);
            }
            processor
        });
        let mut loads = 0u64;
        while loads < PASSES || blocks.load(Ordering::Relaxed) < BLOCKS / 4 {
            let which = (loads % 2) as usize;
            assert!(murmur.load_state(&states[which]), "load {loads} refused");
            let values = murmur.all_values();
            let saved = murmur.save_state();
            assert!(
                values == expected[which].0 && saved == expected[which].1,
                "load {loads} (state {which}) while processing reads back differently"
            );
            loads += 1;
            if audio.is_finished() {
                break;
            }
        }
        drop(stop_audio);
        let processor = audio.join().expect("the audio thread");
        murmur.deactivate(processor);
        loads
    });
    eprintln!(
        "threads: {loads} states loaded while the audio thread processed {} blocks",
        blocks.load(Ordering::Relaxed)
    );
}
