//! What the engine is told each block: plain-value settings (the host parameters, or a CLI
//! preset), the host's transport, and the input layout. No framework types.

use crate::motion::{MotionMode, SyncDivision};
pub use crate::range::Range;
use crate::triggers::{GridDivision, Placement, TriggerKind};

/// The design's parameter ranges in the engine's units, shared by the host parameters and the
/// engine's own checks, so the table lives in one place. Where a source may be and how large a
/// head may be belong to the head model, which the renderers are built for; they are listed
/// here too.
pub mod ranges {
    use super::Range;

    pub use crate::binaural::head_model::{AZIMUTH_DEG, DISTANCE_M, ELEVATION_DEG, HEAD_RADIUS_M};

    pub const MOTION_RATE_HZ: Range = Range {
        min: 0.01,
        max: 2.0,
    };
    pub const MOTION_DEPTH_DEG: Range = Range {
        min: 0.0,
        max: 180.0,
    };
    /// Softness, proximity, width and voice mix.
    pub const UNIT: Range = Range { min: 0.0, max: 1.0 };
    pub const VOICE_LEVEL_DB: Range = Range {
        min: -60.0,
        max: 12.0,
    };
    pub const CEILING_DB: Range = Range {
        min: -30.0,
        max: 0.0,
    };
    pub const OUTPUT_DB: Range = Range {
        min: -24.0,
        max: 12.0,
    };
    pub const LAYER_LEVEL_DB: Range = Range {
        min: -60.0,
        max: 6.0,
    };
    /// Trigger events per second (0 = MIDI only).
    pub const DENSITY_PER_S: Range = Range {
        min: 0.0,
        max: 30.0,
    };
    /// Trigger tone, dark (−1) … bright (+1); the host shows −100…100 %.
    pub const TONE: Range = Range {
        min: -1.0,
        max: 1.0,
    };
    pub const SPREAD_DEG: Range = Range {
        min: 0.0,
        max: 180.0,
    };
    /// Seed values (whole numbers).
    pub const SEED: (u32, u32) = (1, 65535);
}

/// Which head renders the voice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum HrtfModel {
    /// The spherical-head model (Brown & Duda), shaped by the head size.
    #[default]
    Sphere,
    /// The measured set of a loaded SOFA file (the sphere until one is loaded).
    Sofa,
}

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
    /// Sphere model or the loaded SOFA set.
    pub hrtf: HrtfModel,
    /// Proximity bass amount, 0…1.
    pub proximity: f32,
    /// Stereo input width, 0…1.
    pub width: f32,
    /// Voice input level, dB (−60…+12).
    pub voice_level_db: f32,
    /// Binaural share of the voice, 0…1 (the rest is the dry input).
    pub voice_mix: f32,
    /// De-essing of the voice, 0…1.
    pub deess: f32,
    /// Noise reduction of the voice, 0…1.
    pub denoise: f32,
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
    /// The three trigger layers.
    pub layers: [LayerSettings; 3],
}

/// One trigger layer's settings.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LayerSettings {
    /// The layer's own events run (MIDI notes play it either way).
    pub on: bool,
    pub kind: TriggerKind,
    /// Layer level, dB (−60…+6).
    pub level_db: f32,
    /// Mean events per second (0…30; 0 = MIDI only).
    pub density_per_s: f32,
    /// 0 = Poisson timing … 1 = metronomic.
    pub regularity: f32,
    /// Events on the host's beat grid.
    pub sync: bool,
    pub division: GridDivision,
    /// Per-event randomness of level, pitch and timbre, 0…1.
    pub variation: f32,
    /// Spectral tilt, −1 (dark) … 1 (bright).
    pub tone: f32,
    /// Object size, 0…1 (larger is lower).
    pub size: f32,
    /// Decay length, 0…1.
    pub decay: f32,
    pub placement: Placement,
    /// Around Head range and Sweep width, degrees either side of the front (0…180).
    pub spread_deg: f32,
    /// Distance of the events, metres (0.1…3).
    pub distance_m: f32,
}

impl LayerSettings {
    /// The design's defaults for a layer of `kind` (Wood Tap, Crinkle and Drops for layers
    /// 1, 2 and 3).
    pub fn default_for(kind: TriggerKind) -> Self {
        Self {
            on: false,
            kind,
            level_db: -12.0,
            density_per_s: 2.0,
            regularity: 0.2,
            sync: false,
            division: GridDivision::Eighth,
            variation: 0.5,
            tone: 0.0,
            size: 0.5,
            decay: 0.5,
            placement: Placement::AroundHead,
            spread_deg: 90.0,
            distance_m: 0.3,
        }
    }

    /// Default kinds of layers 1, 2 and 3.
    pub const DEFAULT_KINDS: [TriggerKind; 3] = [
        TriggerKind::WoodTap,
        TriggerKind::Crinkle,
        TriggerKind::Drops,
    ];

    /// A copy with every value in range (non-finite values become the defaults).
    pub fn sanitized(&self) -> LayerSettings {
        use ranges::*;
        let d = LayerSettings::default_for(self.kind);
        LayerSettings {
            level_db: LAYER_LEVEL_DB.fix(self.level_db, d.level_db),
            density_per_s: DENSITY_PER_S.fix(self.density_per_s, d.density_per_s),
            regularity: UNIT.fix(self.regularity, d.regularity),
            variation: UNIT.fix(self.variation, d.variation),
            tone: TONE.fix(self.tone, d.tone),
            size: UNIT.fix(self.size, d.size),
            decay: UNIT.fix(self.decay, d.decay),
            spread_deg: SPREAD_DEG.fix(self.spread_deg, d.spread_deg),
            distance_m: DISTANCE_M.fix(self.distance_m, d.distance_m),
            ..*self
        }
    }
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
            hrtf: HrtfModel::Sphere,
            proximity: 1.0,
            width: 0.0,
            voice_level_db: 0.0,
            voice_mix: 1.0,
            deess: 0.0,
            denoise: 0.0,
            seed: 1,
            calm_guard: true,
            ceiling_db: -6.0,
            output_db: 0.0,
            bypass: false,
            layers: LayerSettings::DEFAULT_KINDS.map(LayerSettings::default_for),
        }
    }
}

impl Settings {
    /// A copy with every value inside its parameter range; a non-finite value becomes the
    /// default. Settings can come from saved sessions and files, so the engine never trusts them.
    pub fn sanitized(&self) -> Settings {
        use ranges::*;
        let d = Settings::default();
        Settings {
            azimuth_deg: AZIMUTH_DEG.fix(self.azimuth_deg, d.azimuth_deg),
            elevation_deg: ELEVATION_DEG.fix(self.elevation_deg, d.elevation_deg),
            distance_m: DISTANCE_M.fix(self.distance_m, d.distance_m),
            motion_rate_hz: MOTION_RATE_HZ.fix(self.motion_rate_hz, d.motion_rate_hz),
            motion_depth_deg: MOTION_DEPTH_DEG.fix(self.motion_depth_deg, d.motion_depth_deg),
            softness: UNIT.fix(self.softness, d.softness),
            head_radius_m: HEAD_RADIUS_M.fix(self.head_radius_m, d.head_radius_m),
            proximity: UNIT.fix(self.proximity, d.proximity),
            width: UNIT.fix(self.width, d.width),
            voice_level_db: VOICE_LEVEL_DB.fix(self.voice_level_db, d.voice_level_db),
            voice_mix: UNIT.fix(self.voice_mix, d.voice_mix),
            deess: UNIT.fix(self.deess, d.deess),
            denoise: UNIT.fix(self.denoise, d.denoise),
            seed: self.seed.clamp(SEED.0, SEED.1),
            ceiling_db: CEILING_DB.fix(self.ceiling_db, d.ceiling_db),
            output_db: OUTPUT_DB.fix(self.output_db, d.output_db),
            layers: self.layers.map(|layer| layer.sanitized()),
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
    /// No voice input: only the trigger layers sound (the instrument plugin).
    None,
}
