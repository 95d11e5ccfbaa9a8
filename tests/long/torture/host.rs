//! What the test host sends besides parameters: a transport that plays, loops and relocates,
//! input signals, and block sizes.

use super::*;

/// Counts of what the transport did.
#[derive(Debug, Default, Clone, Copy)]
pub(super) struct SongStats {
    pub(super) relocations: u64,
    pub(super) tempo_changes: u64,
    pub(super) play_toggles: u64,
    pub(super) loop_wraps: u64,
    /// Transport events inside blocks (loop wraps, tempo changes).
    pub(super) in_block: u64,
}

/// A sequencer's transport: plays, relocates, changes tempo and metre, loops.
pub(super) struct Song {
    pub(super) now: Transport,
    pub(super) sample_rate: f64,
    pub(super) stats: SongStats,
}

pub(super) const TIME_SIGNATURES: [(u16, u16); 7] =
    [(4, 4), (3, 4), (6, 8), (7, 8), (5, 4), (2, 2), (12, 16)];

impl Song {
    pub(super) fn new(sample_rate: f64) -> Self {
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
    pub(super) fn between_blocks(&mut self, rng: &mut Pcg32) {
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
    pub(super) fn play(
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
pub(super) struct Source {
    pub(super) phase: [f64; 2],
    pub(super) frequency: f64,
    pub(super) tone: f64,
    pub(super) noise: f64,
    pub(super) sample_rate: f64,
    pub(super) rng: Pcg32,
}

impl Source {
    pub(super) fn new(sample_rate: f64, seed: u64) -> Self {
        Self {
            phase: [0.0; 2],
            frequency: 300.0,
            tone: 0.2,
            noise: 0.02,
            sample_rate,
            rng: Pcg32::seed_from_u64(seed),
        }
    }

    pub(super) fn fill(&mut self, inputs: &mut [Vec<f32>], frames: usize) {
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

/// A host's block size: mostly ordinary, sometimes tiny, sometimes huge, now and then empty.
pub(super) fn block_size(rng: &mut Pcg32, max: usize) -> usize {
    let size = match rng.random_range(0..100u32) {
        0..3 => 0,
        3..13 => rng.random_range(1..=16),
        13..40 => rng.random_range(17..=512),
        40..80 => rng.random_range(513..=4096),
        _ => rng.random_range(4097..=MAX_BLOCK),
    };
    size.min(max)
}
