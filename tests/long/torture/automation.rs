//! 1. Automation torture: random blocks, automation, notes and transport at every rate.

use super::*;

/// Totals of one automation run.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct Totals {
    pub(super) seconds: f64,
    pub(super) blocks: u64,
    pub(super) empty_blocks: u64,
    pub(super) param_events: u64,
    pub(super) notes: u64,
    pub(super) transport: SongStats,
    pub(super) held_samples: u64,
    pub(super) samples: u64,
    pub(super) worst_ratio: f32,
}

impl Totals {
    pub(super) fn add(&mut self, other: &Totals) {
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

    pub(super) fn line(&self) -> String {
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
pub(super) struct Extremes {
    pub(super) params: Vec<usize>,
    pub(super) blocks_left: u32,
    pub(super) high: bool,
}

pub(super) fn automation_torture(setup: Setup, sample_rate: f64, seconds: f64) -> Totals {
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

pub(super) fn automation_torture_at_every_rate(setup: Setup) {
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
pub(super) fn automation_torture_effect_mono() {
    automation_torture_at_every_rate(Setup::Mono);
}

#[test]
pub(super) fn automation_torture_effect_stereo() {
    automation_torture_at_every_rate(Setup::Stereo);
}

#[test]
pub(super) fn automation_torture_instrument() {
    automation_torture_at_every_rate(Setup::Instrument);
}
