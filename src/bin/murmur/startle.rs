//! What wakes a listener, found in a finished file: loudness jumps (startles), hard stops,
//! clipping, DC offset and broken (non-finite) samples. Blocks of any length go in; the
//! findings, each at its time, and the file's loudness come out. Memory is constant.
//!
//! The rules, with the reasons for their constants:
//! - **Startle**: a momentary loudness (EBU, 400 ms) more than `jump` LU (10 by default) above
//!   the median short-term loudness (3 s) of the 10 s before it. The median, not the mean, so a
//!   single earlier event does not hide the next. Only short-term readings of 3 s of the file
//!   count (earlier ones would hear the silence before its start), and startles are looked for
//!   once there is a second of them, from 4 s on. The rise must also stand over the momentary
//!   loudness of one second before, so a slow swell or fade-in is not a startle. A jump that
//!   stays more than [`AUDIBLE_BELOW_INTEGRATED_LU`] below the file's integrated loudness is
//!   too quiet to wake anyone (the last sparse taps of a wind-down). The time reported is the
//!   onset: the first 10 ms block of the 400 ms window that carries more than the window's mean
//!   power.
//! - **Hard stop**: the sound was playing (the median 10 ms level of the previous 5 s no more
//!   than [`PLAYING_BELOW_INTEGRATED_DB`] below the integrated loudness, with no pause in
//!   those 5 s: no 100 ms more than [`STOP_PAUSE_DB`] below that median; and not already
//!   falling), then within 50 ms the level falls more than 30 dB below it and stays there for
//!   a second. (Single events, a tap or one scratch, and whispered phrases with their pauses
//!   end quickly by nature and are kept out; a bed or a piece cut off is caught.) Past the end of the file is silence, so a file that ends while playing ends in a
//!   hard stop. A fade of a few seconds falls far less than 30 dB in any 50 ms while audible.
//! - **Clipping**: three or more consecutive samples of a channel at full scale (−0.001 dBFS),
//!   the usual sign of a clipped waveform (a single sample at full scale can be a clean peak).
//! - **DC offset**: the mean of a channel's 100 ms blocks stays on one side of zero beyond
//!   −50 dBFS for 3 s or more (low notes average out over a block, or change sign within 3 s).
//! - **Broken samples**: NaN or infinity (they are measured as silence).

use murmur::loudness::{HopReading, Loudness, Meter};

/// A startle's default height above the recent short-term loudness, LU.
pub const DEFAULT_JUMP_LU: f64 = 10.0;
/// A jump that peaks more than this far below the file's integrated loudness is no startle,
/// LU: the relative gate EBU Tech 3342 uses for loudness range, under which sound is not
/// counted as part of the programme. Played at a bedside level (a programme near 40 dB SPL) it
/// is under the noise of a quiet bedroom; a wind-down's last sparse taps are such sounds.
pub const AUDIBLE_BELOW_INTEGRATED_LU: f64 = 20.0;
/// Blocks of the level used for hard stops and onsets, seconds.
const LEVEL_BLOCK_S: f64 = 0.01;
/// How far the level must fall for a hard stop, dB.
const STOP_DROP_DB: f64 = 30.0;
/// Within how many level blocks (50 ms).
const STOP_FALL_BLOCKS: usize = 5;
/// The level before a stop is the median of this many blocks (5 s: a sound that had been
/// playing, not one gesture, event or phrase)...
const STOP_BEFORE_BLOCKS: usize = 500;
/// ...and it stays down for this many (1 s).
const STOP_HOLD_BLOCKS: usize = 100;
/// A pause: 100 ms (this many level blocks) more than [`STOP_PAUSE_DB`] below the median of
/// the time before a stop. Sound that was playing has none.
const PAUSE_BLOCKS: usize = 10;
const STOP_PAUSE_DB: f64 = 20.0;
/// A stop counts only if the sound before it was within this many dB of the integrated
/// loudness (or above −60 dBFS for a file with no loudness): quiet tails are not stops.
const PLAYING_BELOW_INTEGRATED_DB: f64 = 20.0;
/// The lowest level that counts as playing, dBFS.
const PLAYING_FLOOR_DBFS: f64 = -60.0;
/// Full scale for clipping: −0.001 dBFS (a 16-bit file's +32767 is −0.0003 dBFS).
const CLIP_LEVEL: f32 = 0.999_885;
/// Consecutive samples at full scale that make a clip.
const CLIP_RUN: u32 = 3;
/// Findings of one kind closer than this are one finding, seconds.
const MERGE_S: f64 = 0.1;
/// DC blocks, seconds.
const DC_BLOCK_S: f64 = 0.1;
/// A block mean beyond this is offset: −50 dBFS.
const DC_LEVEL: f64 = 0.003_162;
/// Offset blocks in a row that make a DC offset (3 s).
const DC_BLOCKS: u32 = 30;
/// History of short-term readings for the startle's median: 10 s of 100 ms hops.
const HISTORY_HOPS: usize = 100;
/// A startle rises by `jump` over the momentary loudness this many hops (1 s) before it too.
const RISE_HOPS: usize = 10;
/// Whole short-term readings needed before startles are looked for (1 s of them, so the first
/// judgment is at 4 s).
const MIN_HISTORY_HOPS: usize = 10;
/// The short-term window, seconds: readings that end earlier than this in the file reach back
/// past its start, where the meter hears silence, and read low.
const SHORT_TERM_S: f64 = 3.0;

/// One thing found, at `at_s` seconds from the start.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    pub at_s: f64,
    pub kind: Kind,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Kind {
    Startle {
        /// Momentary loudness reached, LUFS.
        momentary_lufs: f64,
        /// Height above the median short-term loudness before it, LU.
        rise_lu: f64,
    },
    HardStop {
        /// The level before the stop, dBFS (10 ms RMS, median of 500 ms).
        from_dbfs: f64,
    },
    Clipping {
        /// Samples at full scale in runs of three or more.
        samples: u64,
    },
    DcOffset {
        channel: usize,
        /// The offset, dBFS (signed: below zero for a negative offset).
        level: f64,
    },
    NonFinite {
        samples: u64,
    },
}

impl Kind {
    /// The kind's name in reports and JSON.
    pub fn name(&self) -> &'static str {
        match self {
            Self::Startle { .. } => "startle",
            Self::HardStop { .. } => "hard stop",
            Self::Clipping { .. } => "clipping",
            Self::DcOffset { .. } => "DC offset",
            Self::NonFinite { .. } => "non-finite samples",
        }
    }
}

/// Per channel: the current run at full scale and the DC block.
#[derive(Default, Clone)]
struct ChannelState {
    clip_run: u32,
    dc_sum: f64,
    /// Consecutive offset blocks and their sign, and the first one's mean and start frame.
    dc_run: u32,
    dc_sign: f64,
    dc_first_mean: f64,
    dc_first_frame: u64,
    dc_sum_run: f64,
    dc_reported: bool,
}

/// Finds startles, hard stops, clipping, DC and broken samples in one file.
pub struct Detector {
    rate: f64,
    channels: usize,
    jump_lu: f64,
    meter: Meter,
    frames: u64,
    findings: Vec<Finding>,
    /// Short-term readings of the last 10 s.
    short_terms: std::collections::VecDeque<f64>,
    /// Momentary readings of the last second.
    momentaries: std::collections::VecDeque<f64>,
    /// A startle is under way until the momentary loudness falls back below its threshold.
    startled: bool,
    level_frames: usize,
    level_fill: usize,
    level_sum: f64,
    /// 10 ms levels (power, mean over channels) of the last 12 s; `levels_start` is the block
    /// index of the first.
    levels: std::collections::VecDeque<f64>,
    levels_start: u64,
    /// The next level block to judge for a hard stop, and the first one that may be judged.
    stop_next: u64,
    /// Hard-stop candidates: block, level before (dB), judged against the loudness at the end.
    stops: Vec<(u64, f64)>,
    channel: Vec<ChannelState>,
    dc_frames: usize,
    dc_fill: usize,
    /// This block's 100 ms readings, kept between blocks so the vector is made once.
    hops: Vec<HopReading>,
}

impl Detector {
    pub fn new(channels: usize, sample_rate: u32, jump_lu: f64) -> Result<Self, String> {
        let rate = f64::from(sample_rate);
        Ok(Self {
            rate,
            channels,
            jump_lu,
            meter: Meter::new(channels, sample_rate)?,
            frames: 0,
            findings: Vec::new(),
            short_terms: std::collections::VecDeque::with_capacity(HISTORY_HOPS + 1),
            momentaries: std::collections::VecDeque::with_capacity(RISE_HOPS + 1),
            startled: false,
            level_frames: ((rate * LEVEL_BLOCK_S).round() as usize).max(1),
            level_fill: 0,
            level_sum: 0.0,
            levels: std::collections::VecDeque::new(),
            levels_start: 0,
            stop_next: STOP_BEFORE_BLOCKS as u64,
            stops: Vec::new(),
            channel: vec![ChannelState::default(); channels],
            dc_frames: ((rate * DC_BLOCK_S).round() as usize).max(1),
            dc_fill: 0,
            hops: Vec::new(),
        })
    }

    /// Examines interleaved frames (non-finite samples are counted, then measured as silence).
    pub fn add(&mut self, samples: &mut [f32]) {
        let channels = self.channels;
        for frame in samples.chunks_exact_mut(channels) {
            let at_s = self.frames as f64 / self.rate;
            let mut power = 0.0;
            for (c, x) in frame.iter_mut().enumerate() {
                if !x.is_finite() {
                    self.note(at_s, Kind::NonFinite { samples: 1 });
                    *x = 0.0;
                }
                power += f64::from(*x) * f64::from(*x);
                self.clip(c, *x, at_s);
                self.channel[c].dc_sum += f64::from(*x);
            }
            self.level_sum += power / channels as f64;
            self.level_fill += 1;
            if self.level_fill == self.level_frames {
                let level = self.level_sum / self.level_frames as f64;
                self.push_level(level);
                self.level_sum = 0.0;
                self.level_fill = 0;
            }
            self.dc_fill += 1;
            if self.dc_fill == self.dc_frames {
                self.dc_block();
                self.dc_fill = 0;
            }
            self.frames += 1;
        }
        let mut hops = std::mem::take(&mut self.hops);
        self.meter
            .add_interleaved_with(samples, |hop| hops.push(hop));
        for hop in hops.drain(..) {
            self.hop(hop);
        }
        self.hops = hops;
    }

    /// Adds `kind` at `at_s`, or merges it into the same kind found less than 100 ms before.
    fn note(&mut self, at_s: f64, kind: Kind) {
        let last = self
            .findings
            .iter_mut()
            .rev()
            .find(|f| std::mem::discriminant(&f.kind) == std::mem::discriminant(&kind));
        if let Some(last) = last {
            match (&mut last.kind, &kind) {
                (Kind::Clipping { samples }, Kind::Clipping { samples: more })
                | (Kind::NonFinite { samples }, Kind::NonFinite { samples: more })
                    if at_s - last.at_s < MERGE_S + *samples as f64 / self.rate =>
                {
                    *samples += more;
                    return;
                }
                _ => (),
            }
        }
        self.findings.push(Finding { at_s, kind });
    }

    fn clip(&mut self, c: usize, x: f32, at_s: f64) {
        let state = &mut self.channel[c];
        if x.abs() < CLIP_LEVEL {
            state.clip_run = 0;
            return;
        }
        state.clip_run += 1;
        let run = state.clip_run;
        if run == CLIP_RUN {
            let start = at_s - f64::from(CLIP_RUN - 1) / self.rate;
            self.note(
                start,
                Kind::Clipping {
                    samples: u64::from(CLIP_RUN),
                },
            );
        } else if run > CLIP_RUN {
            self.note(at_s, Kind::Clipping { samples: 1 });
        }
    }

    fn dc_block(&mut self) {
        let block_start = self.frames + 1 - self.dc_frames as u64;
        let frames = self.dc_frames as f64;
        let mut found = Vec::new();
        for (c, state) in self.channel.iter_mut().enumerate() {
            let mean = state.dc_sum / frames;
            state.dc_sum = 0.0;
            let sign = mean.signum();
            if mean.abs() < DC_LEVEL || (state.dc_run > 0 && sign != state.dc_sign) {
                state.dc_run = 0;
                state.dc_reported = false;
                if mean.abs() < DC_LEVEL {
                    continue;
                }
            }
            if state.dc_run == 0 {
                state.dc_sign = sign;
                state.dc_first_mean = mean;
                state.dc_first_frame = block_start;
                state.dc_sum_run = 0.0;
            } else {
                state.dc_sum_run += mean;
            }
            state.dc_run += 1;
            if state.dc_run >= DC_BLOCKS && !state.dc_reported {
                state.dc_reported = true;
                // The first block may hold the offset for only part of its length: place the
                // onset where the part its mean implies begins.
                let level = state.dc_sum_run / f64::from(state.dc_run - 1);
                let share = (state.dc_first_mean / level).clamp(0.0, 1.0);
                let onset = state.dc_first_frame as f64 + (1.0 - share) * frames;
                found.push((
                    onset / self.rate,
                    Kind::DcOffset {
                        channel: c,
                        level: level.signum() * 20.0 * level.abs().log10(),
                    },
                ));
            }
        }
        for (at_s, kind) in found {
            self.findings.push(Finding { at_s, kind });
        }
    }

    fn level_db(power: f64) -> f64 {
        10.0 * power.log10()
    }

    fn push_level(&mut self, power: f64) {
        self.levels.push_back(power);
        // Enough for a stop's 5 s before and 1.05 s after, and a startle's onset.
        while self.levels.len() > 2 * (STOP_BEFORE_BLOCKS + STOP_HOLD_BLOCKS) {
            self.levels.pop_front();
            self.levels_start += 1;
        }
        self.judge_stops(false);
    }

    /// Judges every block whose 1.05 s after it are known (all of them at the end, where the
    /// file is followed by silence).
    fn judge_stops(&mut self, at_end: bool) {
        let known = self.levels_start + self.levels.len() as u64;
        let needed = (STOP_FALL_BLOCKS + STOP_HOLD_BLOCKS) as u64;
        while self.stop_next + if at_end { 0 } else { needed } <= known
            && self.stop_next < known + u64::from(at_end)
        {
            let k = self.stop_next;
            self.stop_next += 1;
            let level = |block: u64| -> f64 {
                if block < self.levels_start {
                    return f64::NEG_INFINITY;
                }
                self.levels
                    .get((block - self.levels_start) as usize)
                    .map_or(f64::NEG_INFINITY, |&p| Self::level_db(p))
            };
            let just_before = level(k - 1);
            let after = (k + STOP_FALL_BLOCKS as u64..k + needed)
                .map(level)
                .fold(f64::NEG_INFINITY, f64::max);
            // Cheap first: the level must fall far below where it just was (the sound before a
            // stop is within 6 dB above that, see below).
            if after >= just_before + 6.0 - STOP_DROP_DB {
                continue;
            }
            let mut levels: Vec<f64> = (k - STOP_BEFORE_BLOCKS as u64..k).map(level).collect();
            let mid = levels.len() / 2;
            levels.select_nth_unstable_by(mid, f64::total_cmp);
            let before = levels[mid];
            if !before.is_finite() || just_before < before - 6.0 {
                continue;
            }
            // Playing means sounding without a pause: no 100 ms of the time before falls
            // [`STOP_PAUSE_DB`] below its median. Whispered phrases pause between words and
            // breaths, sparse events between each other; a steady bed does not.
            let paused = (k - STOP_BEFORE_BLOCKS as u64..k)
                .step_by(PAUSE_BLOCKS)
                .any(|start| {
                    let power = (start..start + PAUSE_BLOCKS as u64)
                        .map(|b| 10f64.powf(level(b) / 10.0))
                        .sum::<f64>()
                        / PAUSE_BLOCKS as f64;
                    10.0 * power.log10() < before - STOP_PAUSE_DB
                });
            if paused {
                continue;
            }
            let after = (k + STOP_FALL_BLOCKS as u64..k + needed)
                .map(level)
                .fold(f64::NEG_INFINITY, f64::max);
            if after < before - STOP_DROP_DB {
                // The stop is where the level first falls that far.
                let at = (k..k + needed)
                    .find(|&b| level(b) < before - STOP_DROP_DB)
                    .unwrap_or(k);
                self.stops.push((at, before));
                self.stop_next = k + needed;
            }
        }
    }

    fn hop(&mut self, hop: HopReading) {
        if self.short_terms.len() >= MIN_HISTORY_HOPS {
            let mut history: Vec<f64> = self.short_terms.iter().copied().collect();
            let mid = history.len() / 2;
            history.select_nth_unstable_by(mid, f64::total_cmp);
            let median = history[mid];
            let rise = hop.momentary_lufs - median;
            // A slow swell (a fade-in) is no startle: the rise must also stand over the
            // momentary loudness of a second ago.
            let a_second_ago = self
                .momentaries
                .front()
                .copied()
                .unwrap_or(f64::NEG_INFINITY);
            let sudden = hop.momentary_lufs - a_second_ago > self.jump_lu;
            if rise > self.jump_lu && sudden && hop.momentary_lufs.is_finite() {
                if !self.startled {
                    self.startled = true;
                    let at_s = self.onset(hop.end_frame);
                    self.findings.push(Finding {
                        at_s,
                        kind: Kind::Startle {
                            momentary_lufs: hop.momentary_lufs,
                            rise_lu: rise,
                        },
                    });
                }
            } else if rise <= self.jump_lu {
                self.startled = false;
            }
        }
        self.momentaries.push_back(hop.momentary_lufs);
        if self.momentaries.len() > RISE_HOPS {
            self.momentaries.pop_front();
        }
        // Only whole readings: one whose window reaches back past the start would make the
        // file's first seconds (a fade-in, the first events) the yardstick for what follows.
        if hop.end_frame as f64 >= SHORT_TERM_S * self.rate {
            self.short_terms.push_back(hop.short_term_lufs);
            if self.short_terms.len() > HISTORY_HOPS {
                self.short_terms.pop_front();
            }
        }
    }

    /// Where the loud part of the 400 ms ending at `end_frame` begins: the first 10 ms block
    /// with more than the window's mean power.
    fn onset(&self, end_frame: u64) -> f64 {
        let block_s = self.level_frames as f64 / self.rate;
        let last = end_frame / self.level_frames as u64;
        let first = last.saturating_sub(40).max(self.levels_start);
        let blocks: Vec<(u64, f64)> = (first..last)
            .filter_map(|b| {
                self.levels
                    .get((b - self.levels_start) as usize)
                    .map(|&p| (b, p))
            })
            .collect();
        if blocks.is_empty() {
            return end_frame as f64 / self.rate;
        }
        let mean = blocks.iter().map(|(_, p)| p).sum::<f64>() / blocks.len() as f64;
        let start = blocks
            .iter()
            .find(|(_, p)| *p > mean)
            .map_or(first, |(b, _)| *b);
        start as f64 * block_s
    }

    /// The findings in time order, and the file's loudness.
    pub fn finish(mut self) -> (Loudness, Vec<Finding>) {
        // A last, partial level block, then silence after the end.
        if self.level_fill > 0 {
            let level = self.level_sum / self.level_fill as f64;
            self.push_level(level);
        }
        self.judge_stops(true);
        let loudness = self.meter.loudness();
        let gate = if loudness.integrated_lufs.is_finite() {
            (loudness.integrated_lufs - PLAYING_BELOW_INTEGRATED_DB).max(PLAYING_FLOOR_DBFS)
        } else {
            PLAYING_FLOOR_DBFS
        };
        if loudness.integrated_lufs.is_finite() {
            let audible = loudness.integrated_lufs - AUDIBLE_BELOW_INTEGRATED_LU;
            self.findings.retain(|f| match f.kind {
                Kind::Startle { momentary_lufs, .. } => momentary_lufs >= audible,
                _ => true,
            });
        }
        let block_s = self.level_frames as f64 / self.rate;
        for &(block, before) in &self.stops {
            if before >= gate {
                self.findings.push(Finding {
                    at_s: block as f64 * block_s,
                    kind: Kind::HardStop { from_dbfs: before },
                });
            }
        }
        self.findings.sort_by(|a, b| a.at_s.total_cmp(&b.at_s));
        (loudness, self.findings)
    }

    /// Frames examined so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const RATE: u32 = 48_000;

    /// Stereo noise at `dbfs` RMS from Murmur's seeded generator (uniform: √3 × RMS peak).
    fn noise(seconds: f64, dbfs: f64, seed: u32) -> Vec<f32> {
        let mut generator = murmur::dsp::WhiteNoise::new(seed);
        let amplitude = (10f64.powf(dbfs / 20.0) * 3f64.sqrt()) as f32;
        (0..(seconds * f64::from(RATE)) as usize * 2)
            .map(|_| generator.next() * amplitude)
            .collect()
    }

    fn examine(mut samples: Vec<f32>) -> Vec<Finding> {
        let mut detector = Detector::new(2, RATE, DEFAULT_JUMP_LU).unwrap();
        for block in samples.chunks_mut(2 * 4_000) {
            detector.add(block);
        }
        detector.finish().1
    }

    fn at(findings: &[Finding], name: &str) -> Vec<f64> {
        findings
            .iter()
            .filter(|f| f.kind.name() == name)
            .map(|f| f.at_s)
            .collect()
    }

    /// Steady noise faded in and out over 5 s: nothing to report.
    #[test]
    fn a_steady_faded_bed_has_nothing() {
        let mut bed = noise(60.0, -30.0, 7);
        let fade = 5 * RATE as usize;
        let frames = bed.len() / 2;
        for i in 0..frames {
            let g = (i.min(frames - 1 - i) as f64 / fade as f64).min(1.0);
            let g = (std::f64::consts::FRAC_PI_2 * g).sin() as f32;
            bed[2 * i] *= g;
            bed[2 * i + 1] *= g;
        }
        assert_eq!(examine(bed), vec![]);
    }

    /// A 20 LU jump at 30.23 s and a hard stop at 45.57 s (the file goes on in silence).
    #[test]
    fn a_jump_and_a_stop_are_found_at_their_times() {
        let mut file = noise(30.23, -40.0, 1);
        file.extend(noise(45.57 - 30.23, -20.0, 2));
        file.extend(vec![0.0; 2 * 10 * RATE as usize]);
        let findings = examine(file);
        let startles = at(&findings, "startle");
        let stops = at(&findings, "hard stop");
        assert_eq!(startles.len(), 1, "{findings:?}");
        assert!((startles[0] - 30.23).abs() <= 0.05, "{findings:?}");
        assert_eq!(stops.len(), 1, "{findings:?}");
        assert!((stops[0] - 45.57).abs() <= 0.05, "{findings:?}");
        assert_eq!(findings.len(), 2, "{findings:?}");
    }

    /// The same 12 LU jump over a quiet stretch is a startle 12 LU under the file's
    /// integrated loudness, and none 25 LU under it (below the programme, as EBU Tech 3342
    /// gates it).
    #[test]
    fn a_jump_far_below_the_programme_wakes_nobody() {
        for (quiet_db, startles) in [(-42.0, 1), (-55.0, 0)] {
            // The programme (about −28 LUFS), faded out over 5 s.
            let mut file = noise(60.0, -30.0, 1);
            let frames = file.len() / 2;
            let fade = 5 * RATE as usize;
            for i in frames - fade..frames {
                let g = ((frames - i) as f32 / fade as f32).powi(2);
                file[2 * i] *= g;
                file[2 * i + 1] *= g;
            }
            file.extend(noise(20.0, quiet_db - 12.0, 2));
            file.extend(noise(1.0, quiet_db, 3));
            file.extend(noise(20.0, quiet_db - 12.0, 4));
            let findings = examine(file);
            assert_eq!(
                at(&findings, "startle").len(),
                startles,
                "{quiet_db}: {findings:?}"
            );
        }
    }

    /// A file that ends while playing ends in a hard stop, at its end.
    #[test]
    fn ending_while_playing_is_a_hard_stop() {
        let findings = examine(noise(20.0, -25.0, 3));
        assert_eq!(findings.len(), 1, "{findings:?}");
        assert_eq!(findings[0].kind.name(), "hard stop");
        assert!((findings[0].at_s - 20.0).abs() <= 0.05, "{findings:?}");
    }

    /// Phrases (400 ms of sound, 150 ms pauses) that end in silence are no hard stop; the
    /// same level held steadily and cut is.
    #[test]
    fn phrases_end_but_do_not_stop() {
        let mut file = Vec::new();
        for phrase in 0..6 {
            let mut sound = noise(6.0, -25.0, phrase + 10);
            for (i, x) in sound.iter_mut().enumerate() {
                let t = (i / 2) as f64 / f64::from(RATE);
                if t % 0.55 > 0.4 || t > 4.0 {
                    *x = 0.0;
                }
            }
            file.extend(sound);
        }
        assert_eq!(examine(file), vec![]);
    }

    /// Clipping at 12.345 s, DC from 20.07 s, NaN at 33.3 s, each once at its time; nothing
    /// else in a faded bed.
    #[test]
    fn clipping_dc_and_broken_samples() {
        let mut file = noise(50.0, -30.0, 5);
        let frames = file.len() / 2;
        let fade = 3 * RATE as usize;
        for i in 0..frames {
            let g = (i.min(frames - 1 - i) as f64 / fade as f64).min(1.0) as f32;
            file[2 * i] *= g;
            file[2 * i + 1] *= g;
        }
        let clip_at = (12.345 * f64::from(RATE)) as usize;
        for i in clip_at..clip_at + 40 {
            file[2 * i] = if i % 20 < 10 { 1.0 } else { -1.0 };
        }
        let dc_from = (20.07 * f64::from(RATE)) as usize;
        for i in dc_from..dc_from + 5 * RATE as usize {
            file[2 * i + 1] += 0.02;
        }
        let nan_at = (33.3 * f64::from(RATE)) as usize;
        file[2 * nan_at] = f32::NAN;
        let findings = examine(file);
        let one = |name: &str, when: f64| {
            let times = at(&findings, name);
            assert_eq!(times.len(), 1, "{name}: {findings:?}");
            assert!((times[0] - when).abs() <= 0.05, "{name}: {findings:?}");
        };
        one("clipping", 12.345);
        one("DC offset", 20.07);
        one("non-finite samples", 33.3);
        assert_eq!(findings.len(), 3, "{findings:?}");
    }
}
