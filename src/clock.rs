//! Time at a control tick: where the host's transport says the music is, and the free-running
//! clocks that keep the motion and the trigger grid going while it is stopped (or absent, as
//! in the command line). The trigger layers take their time as a [`GridClock`].

use crate::binaural::CONTROL_PERIOD;
use crate::motion::SyncDivision;
use crate::settings::Transport;
pub use crate::triggers::scheduler::GridClock;

/// Tempo assumed when the host reports none, BPM.
const DEFAULT_TEMPO_BPM: f64 = 120.0;
/// Bar length assumed when the host reports none, quarter notes (4/4).
const DEFAULT_QUARTERS_PER_BAR: f64 = 4.0;

/// What the transport says at one control tick.
#[derive(Debug, Clone, Copy)]
pub struct TickTime {
    pub tempo_bpm: f64,
    pub quarters_per_bar: f64,
    /// Quarter notes per sample (tempo / 60 / sample rate).
    pub quarters_per_sample: f64,
    /// Song position at the tick, quarter notes, while the transport plays and reports one.
    pub song_position: Option<f64>,
}

impl TickTime {
    /// The time `offset` samples into a block whose first sample is at `transport`.
    pub fn read(transport: Option<&Transport>, offset: usize, sample_rate: f32) -> Self {
        let tempo_bpm = transport
            .map(|t| t.tempo_bpm)
            .filter(|t| t.is_finite() && *t > 0.0)
            .unwrap_or(DEFAULT_TEMPO_BPM);
        let quarters_per_bar = transport
            .map(|t| t.quarters_per_bar)
            .filter(|q| q.is_finite() && *q > 0.0)
            .unwrap_or(DEFAULT_QUARTERS_PER_BAR);
        let quarters_per_sample = tempo_bpm / 60.0 / sample_rate as f64;
        let song_position = transport
            .filter(|t| t.playing)
            .and_then(|t| t.position_quarters)
            .filter(|p| p.is_finite())
            .map(|start| start + offset as f64 * quarters_per_sample);
        Self {
            tempo_bpm,
            quarters_per_bar,
            quarters_per_sample,
            song_position,
        }
    }
}

/// How the motion keeps time: in its own rate, or synced to the song.
#[derive(Debug, Clone, Copy)]
pub enum MotionTiming {
    /// Cycles per second.
    Free { rate_hz: f32 },
    /// One cycle per division of the song.
    Synced(SyncDivision),
}

/// The clocks that run on their own while the transport is stopped.
#[derive(Debug, Clone, Copy, Default)]
pub struct FreeClocks {
    /// Motion phase, cycles.
    motion_phase: f64,
    /// Beat-grid position, quarter notes.
    grid_quarters: f64,
    /// The song's time, samples from its start (or from `reset` without a song): Animate's
    /// time, and where a free motion lands after a relocation.
    song_samples: i64,
    /// Where the song should be at the next tick if it plays on, quarter notes (`None` while
    /// the transport is stopped).
    expected_quarters: Option<f64>,
}

/// The song's time at one control tick.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SongTime {
    /// Seconds from the song's start.
    pub seconds: f64,
    /// Whether the transport has just moved the song elsewhere (a start away from where the
    /// clock was, a relocation, a loop).
    pub relocated: bool,
}

impl FreeClocks {
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// The motion's phase at this tick (cycles) and the length of one cycle (seconds), and the
    /// free phase advanced by one control period.
    ///
    /// A free motion runs on its own rate, but when the song relocates it lands where it would
    /// be had it run at today's rate from the song's start: playing from 1:23 puts it at the
    /// same place every time, in a host as in `murmur render --start 1:23`.
    pub fn motion(
        &mut self,
        time: &TickTime,
        song: SongTime,
        timing: MotionTiming,
        sample_rate: f32,
    ) -> (f64, f64) {
        let (phase, phase_per_tick, cycle_s) = match timing {
            MotionTiming::Synced(division) => {
                let cycle_quarters = division.quarter_notes(time.quarters_per_bar);
                let phase = match time.song_position {
                    Some(position) => position / cycle_quarters,
                    // Stopped: keep moving at the synced rate so live monitoring still moves.
                    None => self.motion_phase,
                };
                let per_tick = CONTROL_PERIOD as f64 * time.quarters_per_sample / cycle_quarters;
                (phase, per_tick, cycle_quarters * 60.0 / time.tempo_bpm)
            }
            MotionTiming::Free { rate_hz } => {
                let rate = rate_hz as f64;
                if song.relocated {
                    self.motion_phase = rate * song.seconds;
                }
                (
                    self.motion_phase,
                    CONTROL_PERIOD as f64 * rate / sample_rate as f64,
                    1.0 / rate,
                )
            }
        };
        self.motion_phase = phase + phase_per_tick;
        (phase, cycle_s)
    }

    /// The song's time at this tick (Animate's time), advanced by one control period.
    ///
    /// It counts samples, and takes the song position (at the current tempo) when the song
    /// moves elsewhere: when the transport starts more than a control period away from the
    /// count, or, while it plays, when the position is more than a control period from where
    /// the last tick's position and tempo put it (a relocation, a loop). A tempo change is not a
    /// move: between moves the count, not the position the host reports at each block, keeps the
    /// time, so that no rounding of the host's can move it and any block size renders the same.
    /// Stopped, it runs on.
    pub fn song(&mut self, time: &TickTime, sample_rate: f32) -> SongTime {
        let mut relocated = false;
        let tick_quarters = CONTROL_PERIOD as f64 * time.quarters_per_sample;
        match time.song_position {
            Some(quarters) => {
                let song = (quarters * 60.0 / time.tempo_bpm * sample_rate as f64).round() as i64;
                let moved = match self.expected_quarters {
                    Some(expected) => (quarters - expected).abs() > tick_quarters,
                    None => song.abs_diff(self.song_samples) > CONTROL_PERIOD as u64,
                };
                if moved {
                    self.song_samples = song;
                    relocated = true;
                }
                self.expected_quarters = Some(quarters + tick_quarters);
            }
            None => self.expected_quarters = None,
        }
        let seconds = self.song_samples as f64 / sample_rate as f64;
        self.song_samples += CONTROL_PERIOD as i64;
        SongTime { seconds, relocated }
    }

    /// The trigger grid at this tick: the song position while the transport plays, else a free
    /// grid at the host's tempo; the free grid advanced by one control period.
    pub fn grid(&mut self, time: &TickTime) -> GridClock {
        let quarters = time.song_position.unwrap_or(self.grid_quarters);
        self.grid_quarters = quarters + CONTROL_PERIOD as f64 * time.quarters_per_sample;
        GridClock {
            quarters,
            quarters_per_sample: time.quarters_per_sample,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FS: f32 = 48_000.0;
    const STILL: SongTime = SongTime {
        seconds: 0.0,
        relocated: false,
    };

    fn playing_at(quarters: f64) -> Transport {
        Transport {
            playing: true,
            tempo_bpm: 90.0,
            position_quarters: Some(quarters),
            quarters_per_bar: 3.0,
        }
    }

    #[test]
    fn a_playing_transport_gives_the_song_position_at_the_tick() {
        let time = TickTime::read(Some(&playing_at(8.0)), 480, FS);
        let quarters_per_sample = 90.0 / 60.0 / 48_000.0;
        assert_eq!(time.quarters_per_sample, quarters_per_sample);
        assert_eq!(time.song_position, Some(8.0 + 480.0 * quarters_per_sample));
        let mut clocks = FreeClocks::default();
        assert_eq!(
            clocks.grid(&time).quarters,
            8.0 + 480.0 * quarters_per_sample
        );
        // Synced to one bar of 3/4: the phase is the position in bars.
        let (phase, cycle_s) = clocks.motion(
            &time,
            STILL,
            MotionTiming::Synced(SyncDivision::Bars(1)),
            FS,
        );
        assert_eq!(phase, time.song_position.unwrap() / 3.0);
        assert!(
            (cycle_s - 2.0).abs() < 1e-12,
            "a bar of 3/4 at 90 BPM lasts 2 s"
        );
    }

    #[test]
    fn without_a_playing_transport_the_clocks_run_on_their_own() {
        let stopped = Transport {
            playing: false,
            ..playing_at(8.0)
        };
        let mut clocks = FreeClocks::default();
        for (transport, tempo) in [(None, DEFAULT_TEMPO_BPM), (Some(&stopped), 90.0)] {
            clocks.reset();
            let time = TickTime::read(transport, 0, FS);
            assert_eq!(time.song_position, None);
            let per_tick = CONTROL_PERIOD as f64 * tempo / 60.0 / FS as f64;
            let grid: Vec<f64> = (0..3).map(|_| clocks.grid(&time).quarters).collect();
            assert_eq!(grid, [0.0, per_tick, 2.0 * per_tick]);
            let timing = MotionTiming::Free { rate_hz: 0.5 };
            let phases: Vec<f64> = (0..3)
                .map(|_| {
                    let song = clocks.song(&time, FS);
                    assert!(!song.relocated, "a stopped song never relocates");
                    clocks.motion(&time, song, timing, FS).0
                })
                .collect();
            let per_tick = CONTROL_PERIOD as f64 * 0.5 / FS as f64;
            assert_eq!(phases, [0.0, per_tick, 2.0 * per_tick]);
        }
    }

    #[test]
    fn nonsense_from_the_host_falls_back_to_defaults() {
        let broken = Transport {
            playing: true,
            tempo_bpm: f64::NAN,
            position_quarters: Some(f64::INFINITY),
            quarters_per_bar: -1.0,
        };
        let time = TickTime::read(Some(&broken), 0, FS);
        assert_eq!(time.tempo_bpm, DEFAULT_TEMPO_BPM);
        assert_eq!(time.quarters_per_bar, DEFAULT_QUARTERS_PER_BAR);
        assert_eq!(time.song_position, None);
    }

    #[test]
    fn a_free_motion_lands_where_the_song_is_after_a_relocation() {
        // 90 BPM: quarter 124.5 is 83 s into the song.
        let timing = MotionTiming::Free { rate_hz: 0.08 };
        let mut clocks = FreeClocks::default();
        let mut phases = Vec::new();
        for tick in 0..3 {
            let offset = tick * CONTROL_PERIOD;
            let time = TickTime::read(Some(&playing_at(124.5)), offset, FS);
            let song = clocks.song(&time, FS);
            assert_eq!(song.relocated, tick == 0, "tick {tick}");
            phases.push(clocks.motion(&time, song, timing, FS).0);
        }
        let per_tick = CONTROL_PERIOD as f64 * f64::from(0.08f32) / FS as f64;
        assert!(
            (phases[0] - f64::from(0.08f32) * 83.0).abs() < 1e-12,
            "{}",
            phases[0]
        );
        for pair in phases.windows(2) {
            assert!((pair[1] - pair[0] - per_tick).abs() < 1e-12);
        }

        // A loop back to the start lands on the song's start, wherever the clock had run to.
        let time = TickTime::read(Some(&playing_at(0.0)), 0, FS);
        let song = clocks.song(&time, FS);
        assert!(song.relocated);
        assert_eq!(song.seconds, 0.0);
        assert_eq!(clocks.motion(&time, song, timing, FS).0, 0.0);
    }

    #[test]
    fn a_tempo_change_while_playing_is_not_a_relocation() {
        let mut clocks = FreeClocks::default();
        let mut quarters = 0.0;
        let mut tempo = 90.0;
        for tick in 0..200 {
            let transport = Transport {
                tempo_bpm: tempo,
                ..playing_at(quarters)
            };
            let time = TickTime::read(Some(&transport), 0, FS);
            assert!(
                !clocks.song(&time, FS).relocated,
                "tick {tick} at {tempo} BPM"
            );
            quarters += CONTROL_PERIOD as f64 * time.quarters_per_sample;
            // A ramp from 90 to 150 BPM, then a step back to 60.
            tempo = if tick < 150 { tempo + 0.4 } else { 60.0 };
        }
        // A jump of a bar is one.
        let time = TickTime::read(Some(&playing_at(quarters + 3.0)), 0, FS);
        assert!(clocks.song(&time, FS).relocated);
    }
}
