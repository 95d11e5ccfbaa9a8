//! 3. Lifecycle: random sequences of what hosts do to an instance.

use super::*;

/// Largest blocks a host may announce at activation.
pub(super) const MAX_FRAMES_CHOICES: [usize; 8] = [1, 16, 64, 256, 512, 1024, 4096, MAX_BLOCK];

/// What a lifecycle run did, by operation.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct LifecycleTotals {
    pub(super) sequences: u64,
    pub(super) operations: u64,
    pub(super) activations: u64,
    pub(super) deactivations: u64,
    pub(super) starts: u64,
    pub(super) stops: u64,
    pub(super) resets: u64,
    pub(super) saves: u64,
    pub(super) loads: u64,
    pub(super) flushes: u64,
    pub(super) layout_changes: u64,
    pub(super) blocks: u64,
    pub(super) param_events: u64,
    pub(super) seconds: f64,
}

impl LifecycleTotals {
    pub(super) fn line(&self) -> String {
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
pub(super) fn random_changes(
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
pub(super) fn lifecycle_sequence(
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

pub(super) fn lifecycle(setups: &[Setup]) {
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
pub(super) fn lifecycle_effect() {
    lifecycle(&[Setup::Mono, Setup::Stereo]);
}

#[test]
pub(super) fn lifecycle_instrument() {
    lifecycle(&[Setup::Instrument]);
}
