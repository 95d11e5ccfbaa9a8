//! What the engine is told each block: plain-value settings (the host parameters, or a CLI
//! preset), the host's transport, and the input layout. No framework types.

use crate::motion::{MotionMode, SyncDivision};

/// Plain-value settings for one block; the engine smooths the continuous ones itself.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Settings {
    pub motion: MotionMode,
    /// Centre azimuth, degrees (−180…180, 0 = front, +90 = right).
    pub azimuth_deg: f32,
    /// Centre elevation, degrees (−40…80).
    pub elevation_deg: f32,
    /// Centre distance, metres (0.1…3).
    pub distance_m: f32,
    /// Free-running motion rate, Hz (0.01…2).
    pub motion_rate_hz: f32,
    /// Lock the motion to the host's song position.
    pub motion_sync: bool,
    /// Cycle length when synced.
    pub sync_division: SyncDivision,
    /// Swing around the centre, degrees (0…180).
    pub motion_depth_deg: f32,
    /// Softness of turns and hops, 0…1.
    pub softness: f32,
    /// Head radius, metres (0.075…0.105).
    pub head_radius_m: f32,
    /// Proximity bass amount, 0…1.
    pub proximity: f32,
    /// Stereo input width, 0…1.
    pub width: f32,
    /// Voice input level, dB (−60…+12).
    pub voice_level_db: f32,
    /// Binaural share of the voice, 0…1 (the rest is the dry input).
    pub voice_mix: f32,
    /// Seed of every random choice, 1…65535.
    pub seed: u32,
    /// Calm Guard engaged.
    pub calm_guard: bool,
    /// Calm Guard ceiling, dBFS (−30…0).
    pub ceiling_db: f32,
    /// Output level, dB (−24…+12), applied before the Calm Guard.
    pub output_db: f32,
    /// Pass the input through unprocessed (crossfaded).
    pub bypass: bool,
}

impl Default for Settings {
    /// The defaults of the design's parameter table.
    fn default() -> Self {
        Self {
            motion: MotionMode::Static,
            azimuth_deg: 0.0,
            elevation_deg: 0.0,
            distance_m: 0.5,
            motion_rate_hz: 0.1,
            motion_sync: false,
            sync_division: SyncDivision::Bars(1),
            motion_depth_deg: 90.0,
            softness: 0.5,
            head_radius_m: 0.0875,
            proximity: 1.0,
            width: 0.0,
            voice_level_db: 0.0,
            voice_mix: 1.0,
            seed: 1,
            calm_guard: true,
            ceiling_db: -6.0,
            output_db: 0.0,
            bypass: false,
        }
    }
}

impl Settings {
    /// A copy with every value inside its parameter range; a non-finite value becomes the
    /// default. Settings can come from saved sessions and files, so the engine never trusts them.
    pub fn sanitized(&self) -> Settings {
        let d = Settings::default();
        let fix = |value: f32, default: f32, min: f32, max: f32| {
            if value.is_finite() {
                value.clamp(min, max)
            } else {
                default
            }
        };
        Settings {
            azimuth_deg: fix(self.azimuth_deg, d.azimuth_deg, -180.0, 180.0),
            elevation_deg: fix(self.elevation_deg, d.elevation_deg, -40.0, 80.0),
            distance_m: fix(self.distance_m, d.distance_m, 0.1, 3.0),
            motion_rate_hz: fix(self.motion_rate_hz, d.motion_rate_hz, 0.01, 2.0),
            motion_depth_deg: fix(self.motion_depth_deg, d.motion_depth_deg, 0.0, 180.0),
            softness: fix(self.softness, d.softness, 0.0, 1.0),
            head_radius_m: fix(self.head_radius_m, d.head_radius_m, 0.075, 0.105),
            proximity: fix(self.proximity, d.proximity, 0.0, 1.0),
            width: fix(self.width, d.width, 0.0, 1.0),
            voice_level_db: fix(self.voice_level_db, d.voice_level_db, -60.0, 12.0),
            voice_mix: fix(self.voice_mix, d.voice_mix, 0.0, 1.0),
            seed: self.seed.clamp(1, 65535),
            ceiling_db: fix(self.ceiling_db, d.ceiling_db, -30.0, 0.0),
            output_db: fix(self.output_db, d.output_db, -24.0, 12.0),
            ..*self
        }
    }
}

/// The host's transport at the first sample of a block.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transport {
    /// Whether the song position is advancing.
    pub playing: bool,
    /// Tempo, BPM.
    pub tempo_bpm: f64,
    /// Song position in quarter notes, when the host reports one.
    pub position_quarters: Option<f64>,
    /// Bar length in quarter notes (4 for 4/4, 3 for 6/8).
    pub quarters_per_bar: f64,
}

/// How many input channels carry the voice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputChannels {
    /// One voice channel, read from the left buffer.
    Mono,
    /// Two channels, rendered as two sources around the voice position.
    Stereo,
}
