//! The lifecycle torture of `torture.rs` with Murmur's editor opened and closed between the
//! operations, the way a Linux host opens it (the host of `testkit::clap` with its editor support, `testkit::clap::gui`: the
//! built `Murmur.clap` embedded in an X11 window on a private Xvfb display): activations at
//! several rates, deactivations, bursts of blocks with random automation on an audio thread of
//! their own while the host's event loop runs, processing stopped on that thread, idle turns of
//! the event loop. Every time the editor opens it must draw; every output sample must be finite;
//! the library under test aborts on any allocation in `process()`, with the editor's live view
//! reading what the audio renders.
//!
//! Without an `Xvfb` binary the test says so and passes: the editor needs a display. With
//! `MURMUR_LONG=1` it runs ten sequences instead of two.

// The GUI host serves several test binaries; this one uses only part of it.

use std::time::{Duration, Instant};

use murmur::params::MurmurParams;
use nice_plug::prelude::Params;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg32;

use testkit::clap::gui::*;
use testkit::clap::*;

/// Operations per sequence.
const OPERATIONS: usize = 40;

fn long_mode() -> bool {
    std::env::var("MURMUR_LONG").is_ok_and(|v| v == "1")
}

/// Whether an `Xvfb` binary is on the `PATH`.
fn xvfb_available() -> bool {
    std::env::var_os("PATH")
        .is_some_and(|path| std::env::split_paths(&path).any(|dir| dir.join("Xvfb").is_file()))
}

/// Every parameter as the host addresses it: CLAP id, and the largest step index of stepped
/// ones (their CLAP value is the step index; continuous ones are normalized).
fn parameters() -> Vec<(u32, Option<usize>)> {
    MurmurParams::default()
        .param_map()
        .into_iter()
        // SAFETY: the pointer is into the `MurmurParams` alive for this expression.
        .map(|(id, param, _)| (clap_param_id(&id), unsafe { param.step_count() }))
        .collect()
}

fn random_changes(
    params: &[(u32, Option<usize>)],
    frames: usize,
    rng: &mut Pcg32,
) -> Vec<ParamChange> {
    let mut changes: Vec<ParamChange> = (0..rng.random_range(0..4))
        .map(|_| {
            let (id, steps) = params[rng.random_range(0..params.len())];
            ParamChange {
                offset: rng.random_range(0..frames as u32),
                id,
                value: match steps {
                    Some(steps) => rng.random_range(0..=steps) as f64,
                    None => rng.random::<f64>(),
                },
            }
        })
        .collect();
    changes.sort_by_key(|c| c.offset);
    changes
}

#[test]
fn lifecycle_with_the_editor() {
    if !xvfb_available() {
        println!(
            "skipped: no Xvfb on the PATH (the editor needs a display; install `xvfb \
             libgl1-mesa-dri`)"
        );
        return;
    }
    let _serial = exclusive();
    let display = display();
    let params = parameters();
    assert!(params.len() >= 60, "only {} parameters", params.len());
    let sequences = if long_mode() { 10 } else { 2 };
    let started = Instant::now();
    let (mut operations, mut opened, mut blocks) = (0u64, 0u64, 0u64);
    for sequence in 0..sequences {
        let mut rng = Pcg32::seed_from_u64(0x6564_6974 ^ sequence);
        let mut plugin = Murmur::new();
        let mut editor: Option<OpenEditor> = None;
        let mut processor: Option<Processor> = None;
        let mut log: Vec<String> = Vec::new();
        for step in 0..OPERATIONS {
            operations += 1;
            // The editor opens first, then is closed or opened again every few operations.
            if step == 0 || rng.random_bool(0.2) {
                match editor.take() {
                    None => {
                        let open = plugin.open_editor(display);
                        plugin.wait_for_first_frame(display, &open);
                        editor = Some(open);
                        opened += 1;
                        log.push("open the editor".into());
                    }
                    Some(open) => {
                        plugin.close_editor(display, open);
                        log.push("close the editor".into());
                    }
                }
                continue;
            }
            match rng.random_range(0..10u32) {
                0..2 => match processor.take() {
                    None => {
                        let rate = [22_050.0, 44_100.0, 48_000.0, 96_000.0, 192_000.0]
                            [rng.random_range(0..5)];
                        processor = Some(plugin.activate_stopped(rate, 2, BLOCK));
                        log.push(format!("activate at {rate} Hz"));
                    }
                    Some(mut active) => {
                        active.ensure_stopped();
                        plugin.deactivate(active);
                        log.push("deactivate".into());
                    }
                },
                2..4 => {
                    plugin.pump_for(Duration::from_millis(rng.random_range(5..60)));
                    log.push("event loop".into());
                }
                _ => {
                    let Some(active) = &mut processor else {
                        log.push("(idle)".into());
                        continue;
                    };
                    let count = rng.random_range(1..100);
                    let stop = rng.random_bool(0.2);
                    log.push(format!(
                        "process {count} blocks{}",
                        if stop { ", then stop processing" } else { "" }
                    ));
                    let burst: Vec<(usize, Vec<ParamChange>)> = (0..count)
                        .map(|_| {
                            let frames = rng.random_range(1..=BLOCK);
                            (frames, random_changes(&params, frames, &mut rng))
                        })
                        .collect();
                    // An audio thread of the host's processes the burst while the main thread
                    // runs the event loop (and the editor draws).
                    let finite = std::thread::scope(|scope| {
                        let audio = scope.spawn(|| {
                            let mut finite = true;
                            active.ensure_started();
                            for (frames, changes) in &burst {
                                let (left, right) = active.process(*frames, changes);
                                finite &= left.iter().chain(right).all(|x| x.is_finite());
                            }
                            if stop {
                                active.ensure_stopped();
                            }
                            finite
                        });
                        while !audio.is_finished() {
                            plugin.pump();
                            std::thread::sleep(Duration::from_millis(1));
                        }
                        audio.join().expect("the audio thread does not panic")
                    });
                    assert!(
                        finite,
                        "non-finite output with the editor, after:\n  {}",
                        log.join("\n  ")
                    );
                    blocks += count as u64;
                }
            }
        }
        if let Some(open) = editor.take() {
            plugin.close_editor(display, open);
        }
        if let Some(mut active) = processor.take() {
            active.ensure_stopped();
            plugin.deactivate(active);
        }
    }
    println!(
        "lifecycle with the editor in {:.1} s: {sequences} sequences, {operations} operations, \
         the editor opened {opened} times, {blocks} blocks",
        started.elapsed().as_secs_f64()
    );
    assert!(opened >= 3, "the editor opened only {opened} times");
}
