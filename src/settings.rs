//! What the engine is told each block: plain-value settings (the host parameters, or a CLI
//! preset), the host's transport, and the input layout. No framework types.

use crate::motion::{MotionMode, SyncDivision};
pub use crate::range::Range;
pub use crate::room::RoomKind;
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
    /// Room Level, dB (the room's reverberant sound against its design level).
    pub const ROOM_LEVEL_DB: Range = Range {
        min: -24.0,
        max: 6.0,
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

/// Declares a settings struct from rows `field: Type = default[, in BOUNDS];`: the struct, the
/// constructor of its defaults (named, with its arguments, after `defaults:`), and
/// `with_fields_in_bounds`, which puts every field with bounds inside them (a non-finite value
/// becomes the default). Each row is a setting's one declaration: its host parameter takes the
/// default from here (`params`).
macro_rules! settings_struct {
    (
        $(#[$meta:meta])*
        pub struct $name:ident, defaults: fn $defaults:ident($($arg:ident: $arg_ty:ty),*) {
            $(
                $(#[doc = $doc:literal])*
                $field:ident: $ty:ty = $default:expr $(, in $bounds:expr)?;
            )*
        }
    ) => {
        $(#[$meta])*
        pub struct $name {
            $($(#[doc = $doc])* pub $field: $ty,)*
        }

        impl $name {
            /// The defaults of the design's parameter table.
            pub fn $defaults($($arg: $arg_ty),*) -> Self {
                Self {
                    $($field: $default,)*
                }
            }

            /// A copy with every field that has bounds inside them, measured against `defaults`
            /// for non-finite values; the others as they are.
            fn with_fields_in_bounds(&self, defaults: &Self) -> Self {
                use ranges::*;
                let _ = defaults;
                Self {
                    $($field: settings_struct!(@fix self.$field, defaults.$field $(, $bounds)?),)*
                }
            }
        }
    };
    (@fix $value:expr, $default:expr) => { $value };
    (@fix $value:expr, $default:expr, $bounds:expr) => {
        crate::range::Bounds::fix(&$bounds, $value, $default)
    };
}

settings_struct! {
    /// Plain-value settings for one block; the engine smooths the continuous ones itself.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct Settings, defaults: fn design_defaults() {
        motion: MotionMode = MotionMode::Static;
        /// Centre azimuth, degrees (−180…180, 0 = front, +90 = right).
        azimuth_deg: f32 = 0.0, in AZIMUTH_DEG;
        /// Centre elevation, degrees (−40…80).
        elevation_deg: f32 = 0.0, in ELEVATION_DEG;
        /// Centre distance, metres (0.1…3).
        distance_m: f32 = 0.5, in DISTANCE_M;
        /// Free-running motion rate, Hz (0.01…2).
        motion_rate_hz: f32 = 0.1, in MOTION_RATE_HZ;
        /// Lock the motion to the host's song position.
        motion_sync: bool = false;
        /// Cycle length when synced.
        sync_division: SyncDivision = SyncDivision::Bars(1);
        /// Swing around the centre, degrees (0…180).
        motion_depth_deg: f32 = 90.0, in MOTION_DEPTH_DEG;
        /// Softness of turns and hops, 0…1.
        softness: f32 = 0.5, in UNIT;
        /// Head radius, metres (0.075…0.105).
        head_radius_m: f32 = 0.0875, in HEAD_RADIUS_M;
        /// Sphere model or the loaded SOFA set.
        hrtf: HrtfModel = HrtfModel::Sphere;
        /// Proximity bass amount, 0…1.
        proximity: f32 = 1.0, in UNIT;
        /// Stereo input width, 0…1.
        width: f32 = 0.0, in UNIT;
        /// Voice input level, dB (−60…+12).
        voice_level_db: f32 = 0.0, in VOICE_LEVEL_DB;
        /// Binaural share of the voice, 0…1 (the rest is the dry input).
        voice_mix: f32 = 1.0, in UNIT;
        /// De-essing of the voice, 0…1.
        deess: f32 = 0.0, in UNIT;
        /// Noise reduction of the voice, 0…1.
        denoise: f32 = 0.0, in UNIT;
        /// Seed of every random choice, 1…65535.
        seed: u32 = 1, in SEED;
        /// Calm Guard engaged.
        calm_guard: bool = true;
        /// Calm Guard ceiling, dBFS (−30…0).
        ceiling_db: f32 = -6.0, in CEILING_DB;
        /// Output level, dB (−24…+12), applied before the Calm Guard.
        output_db: f32 = 0.0, in OUTPUT_DB;
        /// Pass the input through unprocessed (crossfaded).
        bypass: bool = false;
        /// Animate: depth of the slow seeded wander of the layers and the voice's distance, 0…1.
        animate: f32 = 0.0, in UNIT;
        /// Wind-down: thinner, softer, darker, further, slower; silent at 1 (0…1).
        wind_down: f32 = 0.0, in UNIT;
        /// The room around the listener (Off: free field).
        room: RoomKind = RoomKind::Off;
        /// Level of the room's reverberant sound against its design, dB (−24…+6).
        room_level_db: f32 = 0.0, in ROOM_LEVEL_DB;
        /// The three trigger layers (each kept in bounds by [`LayerSettings::sanitized`]).
        layers: [LayerSettings; 3] = LayerSettings::DEFAULT_KINDS.map(LayerSettings::default_for);
    }
}

settings_struct! {
    /// One trigger layer's settings.
    #[derive(Debug, Clone, Copy, PartialEq)]
    pub struct LayerSettings, defaults: fn default_for(kind: TriggerKind) {
        /// The layer's own events run (MIDI notes play it either way).
        on: bool = false;
        kind: TriggerKind = kind;
        /// Layer level, dB (−60…+6).
        level_db: f32 = -12.0, in LAYER_LEVEL_DB;
        /// Mean events per second (0…30; 0 = MIDI only).
        density_per_s: f32 = 2.0, in DENSITY_PER_S;
        /// 0 = Poisson timing … 1 = metronomic.
        regularity: f32 = 0.2, in UNIT;
        /// Events on the host's beat grid.
        sync: bool = false;
        division: GridDivision = GridDivision::Eighth;
        /// Per-event randomness of level, pitch and timbre, 0…1.
        variation: f32 = 0.5, in UNIT;
        /// Spectral tilt, −1 (dark) … 1 (bright).
        tone: f32 = 0.0, in TONE;
        /// Object size, 0…1 (larger is lower).
        size: f32 = 0.5, in UNIT;
        /// Decay length, 0…1.
        decay: f32 = 0.5, in UNIT;
        placement: Placement = Placement::AroundHead;
        /// Around Head range and Sweep width, degrees either side of the front (0…180).
        spread_deg: f32 = 90.0, in SPREAD_DEG;
        /// Distance of the events, metres (0.1…3).
        distance_m: f32 = 0.3, in DISTANCE_M;
    }
}

impl LayerSettings {
    /// Default kinds of layers 1, 2 and 3 (Wood Tap, Crinkle and Drops).
    pub const DEFAULT_KINDS: [TriggerKind; 3] = [
        TriggerKind::WoodTap,
        TriggerKind::Crinkle,
        TriggerKind::Drops,
    ];

    /// A copy with every value in range (non-finite values become the defaults).
    pub fn sanitized(&self) -> LayerSettings {
        self.with_fields_in_bounds(&LayerSettings::default_for(self.kind))
    }
}

impl Default for Settings {
    fn default() -> Self {
        Self::design_defaults()
    }
}

impl Settings {
    /// A copy with every value inside its parameter range; a non-finite value becomes the
    /// default. Settings can come from saved sessions and files, so the engine never trusts them.
    pub fn sanitized(&self) -> Settings {
        Settings {
            layers: self.layers.map(|layer| layer.sanitized()),
            ..self.with_fields_in_bounds(&Settings::default())
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
