//! Every host parameter, with the IDs from the design's parameter table.
//!
//! The `#[id]` strings are what saved sessions and automation lanes store: they are frozen
//! (`tests/param_ids.rs` fails if one changes or disappears). Field names and display names may
//! be improved; IDs may not.

use nice_plug::plugin::ParamValue;
use std::sync::{Arc, RwLock};

use nice_plug::prelude::*;

mod choices;
pub mod layer;
pub mod sheet;
pub mod sofa_choice;

pub use choices::{
    DivisionParam, HrtfParam, MotionParam, PlacementParam, SyncDivisionParam, TriggerKindParam,
    choice_for,
};
pub use layer::LayerParams;
pub use sheet::{ParamEntry, ParamIndex, ParamSheet};

use crate::format::{
    s2v_centimetres, s2v_hertz, s2v_metres, s2v_number, s2v_percent, v2s_decimals, v2s_percent,
};
use crate::settings::Range;
use crate::settings::Settings;
use crate::settings::ranges::*;
use crate::sofa_loader::SofaLoader;
pub use sofa_choice::SofaChoice;

/// The editor window's size when a project has none saved, logical pixels.
pub const DEFAULT_EDITOR_SIZE: (u32, u32) = (960, 640);

/// All of Murmur's host parameters.
///
/// The engine smooths every continuous value itself (so the CLI and the plugin share it), which
/// is why no parameter here carries a framework smoother.
#[derive(Params)]
pub struct MurmurParams {
    /// Which path the voice follows.
    #[id = "motion"]
    pub motion: EnumParam<MotionParam>,
    /// Centre azimuth of the voice, degrees (0 = front, +90 = right ear).
    #[id = "azim"]
    pub azimuth: FloatParam,
    /// Centre elevation of the voice, degrees (+90 = above).
    #[id = "elev"]
    pub elevation: FloatParam,
    /// Centre distance from the head's centre, metres.
    #[id = "dist"]
    pub distance: FloatParam,
    /// Motion cycles per second when not synced.
    #[id = "mrate"]
    pub motion_rate: FloatParam,
    /// Lock the motion to the host's song position.
    #[id = "msync"]
    pub motion_sync: BoolParam,
    /// Length of one motion cycle when synced.
    #[id = "mdiv"]
    pub sync_division: EnumParam<SyncDivisionParam>,
    /// Swing around the centre, degrees.
    #[id = "mdepth"]
    pub motion_depth: FloatParam,
    /// Rounding of turns and hops, `0..=1`.
    #[id = "msoft"]
    pub softness: FloatParam,
    /// Sphere radius of the head model, centimetres.
    #[id = "head"]
    pub head_size: FloatParam,
    /// The sphere model or the loaded SOFA set.
    #[id = "hrtf"]
    pub hrtf: EnumParam<HrtfParam>,
    /// Proximity bass when close, `0..=1`.
    #[id = "prox"]
    pub proximity: FloatParam,
    /// Stereo input spread, `0..=1` (0 sums to mono).
    #[id = "width"]
    pub width: FloatParam,
    /// Voice input level, dB.
    #[id = "vgain"]
    pub voice_level: FloatParam,
    /// Binaural share of the voice path, `0..=1`.
    #[id = "vmix"]
    pub voice_mix: FloatParam,
    /// Sibilance control of the voice, `0..=1`.
    #[id = "deess"]
    pub deess: FloatParam,
    /// Noise reduction of the voice, `0..=1`.
    #[id = "dnoise"]
    pub denoise: FloatParam,
    /// Seed of every random choice (drift path, trigger sequences).
    #[id = "seed"]
    pub seed: IntParam,
    /// Output safety limiter on/off.
    #[id = "calm"]
    pub calm_guard: BoolParam,
    /// Calm Guard ceiling, dBFS.
    #[id = "ceil"]
    pub ceiling: FloatParam,
    /// Output level, dB (before the Calm Guard).
    #[id = "out"]
    pub output: FloatParam,
    /// The host's bypass switch.
    #[id = "bypass"]
    pub bypass: BoolParam,
    /// Trigger layer 1 (`t1on` … `t1dist`).
    #[nested(group = "Layer 1")]
    pub layer1: LayerParams,
    /// Trigger layer 2 (`t2on` … `t2dist`).
    #[nested(group = "Layer 2")]
    pub layer2: LayerParams,
    /// Trigger layer 3 (`t3on` … `t3dist`).
    #[nested(group = "Layer 3")]
    pub layer3: LayerParams,
    /// The editor window's size (logical pixels), saved with the project; at first
    /// [`DEFAULT_EDITOR_SIZE`].
    #[persist = "editor-size"]
    pub editor_size: Arc<RwLock<(u32, u32)>>,
    /// The SOFA file chosen for the `hrtf` SOFA setting, and its loader. The path is saved
    /// with the project, and kept when the file is missing, so the project finds it again once
    /// it is back.
    #[persist = "sofa-path"]
    pub sofa: SofaChoice,
}

/// Voice distance, 0.1…3 m, skewed so the close range (where proximity matters) gets most travel.
pub fn distance_range() -> FloatRange {
    FloatRange::Skewed {
        min: DISTANCE_M.min,
        max: DISTANCE_M.max,
        factor: FloatRange::skew_factor(-1.5),
    }
}

/// Free-running motion rate, 0.01…2 Hz, skewed towards the slow rates ASMR uses.
pub fn motion_rate_range() -> FloatRange {
    FloatRange::Skewed {
        min: MOTION_RATE_HZ.min,
        max: MOTION_RATE_HZ.max,
        factor: FloatRange::skew_factor(-2.0),
    }
}

/// Head radius, 7.5…10.5 cm (adult heads; 8.75 cm is Brown & Duda's average).
pub fn head_size_range() -> FloatRange {
    FloatRange::Linear {
        min: HEAD_RADIUS_M.min * 100.0,
        max: HEAD_RADIUS_M.max * 100.0,
    }
}

fn degrees(name: &str, default: f32, Range { min, max }: Range) -> FloatParam {
    FloatParam::new(name, default, FloatRange::Linear { min, max })
        .with_unit(" °")
        .with_step_size(0.1)
        .with_value_to_string(v2s_decimals(1))
        .with_string_to_value(s2v_number(&["°", "deg"]))
}

fn percent(name: &str, default: f32) -> FloatParam {
    FloatParam::new(
        name,
        default,
        FloatRange::Linear {
            min: UNIT.min,
            max: UNIT.max,
        },
    )
    .with_unit(" %")
    .with_value_to_string(v2s_percent())
    .with_string_to_value(s2v_percent())
}

fn decibels(name: &str, default: f32, Range { min, max }: Range) -> FloatParam {
    FloatParam::new(name, default, FloatRange::Linear { min, max })
        .with_unit(" dB")
        .with_step_size(0.1)
        .with_value_to_string(v2s_decimals(1))
        .with_string_to_value(s2v_number(&["db", "dbfs"]))
}

impl Default for MurmurParams {
    fn default() -> Self {
        Self {
            motion: EnumParam::new("Motion", MotionParam::Static),
            azimuth: degrees("Azimuth", 0.0, AZIMUTH_DEG),
            elevation: degrees("Elevation", 0.0, ELEVATION_DEG),
            distance: FloatParam::new("Distance", 0.5, distance_range())
                .with_unit(" m")
                .with_value_to_string(v2s_decimals(2))
                .with_string_to_value(s2v_metres()),
            motion_rate: FloatParam::new("Motion Rate", 0.1, motion_rate_range())
                .with_unit(" Hz")
                .with_value_to_string(v2s_decimals(2))
                .with_string_to_value(s2v_hertz()),
            motion_sync: BoolParam::new("Motion Sync", false),
            sync_division: EnumParam::new("Sync Division", SyncDivisionParam::Bar1),
            motion_depth: degrees("Motion Depth", 90.0, MOTION_DEPTH_DEG),
            softness: percent("Softness", 0.5),
            head_size: FloatParam::new("Head Size", 8.75, head_size_range())
                .with_unit(" cm")
                .with_step_size(0.01)
                .with_value_to_string(v2s_decimals(2))
                .with_string_to_value(s2v_centimetres()),
            hrtf: EnumParam::new("HRTF", HrtfParam::Sphere),
            proximity: percent("Proximity", 1.0),
            width: percent("Stereo Width", 0.0),
            voice_level: decibels("Voice Level", 0.0, VOICE_LEVEL_DB),
            voice_mix: percent("Voice Mix", 1.0),
            deess: percent("De-ess", 0.0),
            denoise: percent("Denoise", 0.0),
            seed: IntParam::new(
                "Seed",
                1,
                IntRange::Linear {
                    min: SEED.0 as i32,
                    max: SEED.1 as i32,
                },
            ),
            calm_guard: BoolParam::new("Calm Guard", true),
            ceiling: decibels("Ceiling", -6.0, CEILING_DB),
            output: decibels("Output", 0.0, OUTPUT_DB),
            bypass: BoolParam::new("Bypass", false)
                .make_bypass()
                .with_value_to_string(formatters::v2s_bool_bypass())
                .with_string_to_value(formatters::s2v_bool_bypass()),
            layer1: LayerParams::new(1),
            layer2: LayerParams::new(2),
            layer3: LayerParams::new(3),
            editor_size: Arc::new(RwLock::new(DEFAULT_EDITOR_SIZE)),
            sofa: SofaChoice::new(SofaLoader::new()),
        }
    }
}

impl MurmurParams {
    /// The current (unsmoothed) values as engine settings; the engine smooths them.
    pub fn settings(&self) -> Settings {
        Settings {
            motion: self.motion.value().into(),
            azimuth_deg: self.azimuth.value(),
            elevation_deg: self.elevation.value(),
            distance_m: self.distance.value(),
            motion_rate_hz: self.motion_rate.value(),
            motion_sync: self.motion_sync.value(),
            sync_division: self.sync_division.value().into(),
            motion_depth_deg: self.motion_depth.value(),
            softness: self.softness.value(),
            head_radius_m: self.head_size.value() / 100.0,
            hrtf: self.hrtf.value().into(),
            proximity: self.proximity.value(),
            width: self.width.value(),
            voice_level_db: self.voice_level.value(),
            voice_mix: self.voice_mix.value(),
            deess: self.deess.value(),
            denoise: self.denoise.value(),
            seed: self.seed.value() as u32,
            calm_guard: self.calm_guard.value(),
            ceiling_db: self.ceiling.value(),
            output_db: self.output.value(),
            bypass: self.bypass.value(),
            layers: [&self.layer1, &self.layer2, &self.layer3].map(LayerParams::settings),
        }
    }
}

/// Each parameter's plain value in `settings`, by ID (a switch as 0 or 1, a choice as its
/// index): how a preset becomes host parameter values. The sheet's tests check that this names
/// every parameter once and that loading it reads back the same settings.
pub fn plain_values(s: &Settings) -> Vec<(String, f32)> {
    let switch = |on: bool| if on { 1.0 } else { 0.0 };
    let mut values: Vec<(String, f32)> = [
        ("motion", choice_index::<MotionParam, _>(s.motion)),
        ("azim", s.azimuth_deg),
        ("elev", s.elevation_deg),
        ("dist", s.distance_m),
        ("mrate", s.motion_rate_hz),
        ("msync", switch(s.motion_sync)),
        (
            "mdiv",
            choice_index::<SyncDivisionParam, _>(s.sync_division),
        ),
        ("mdepth", s.motion_depth_deg),
        ("msoft", s.softness),
        ("head", s.head_radius_m * 100.0),
        ("hrtf", choice_index::<HrtfParam, _>(s.hrtf)),
        ("prox", s.proximity),
        ("width", s.width),
        ("vgain", s.voice_level_db),
        ("vmix", s.voice_mix),
        ("deess", s.deess),
        ("dnoise", s.denoise),
        ("seed", s.seed as f32),
        ("calm", switch(s.calm_guard)),
        ("ceil", s.ceiling_db),
        ("out", s.output_db),
        ("bypass", switch(s.bypass)),
    ]
    .into_iter()
    .map(|(id, value)| (id.to_owned(), value))
    .collect();
    for (n, layer) in s.layers.iter().enumerate() {
        values.extend(LayerParams::plain_values(n + 1, layer));
    }
    values
}

/// The index of the host choice `P` that stands for `value` (the first choice if none does).
fn choice_index<P: Enum + Copy, V: From<P> + PartialEq>(value: V) -> f32 {
    choice_for::<P, V>(value).to_index() as f32
}

/// Keeps every value of a saved state inside its parameter's range before it is loaded: a
/// session file edited by hand or written by an older version must not push the engine (or the
/// values a host displays) outside the table. Non-finite numbers become the default.
///
/// nice-plug runs this (as `Plugin::filter_state`) on every state before loading it, so this is
/// also where a state saved by an older version is migrated once a parameter changes
/// incompatibly (an id renamed, a range or unit changed, a choice removed, a persistent field in
/// a new format): tell it by `state.version` and rewrite its `params` and `fields`. Projects
/// saved by 0.1.0 must keep loading with their values (`tests/fixtures/state-0.1.0.json`).
pub fn sanitize_state(state: &mut PluginState) {
    let reference = MurmurParams::default();
    for (id, param, _group) in reference.param_map() {
        let Some(value) = state.params.get_mut(&id) else {
            continue;
        };
        // SAFETY: `param` points into `reference`, which lives until the end of this function.
        let (min, max, default) = unsafe {
            (
                param.preview_plain(0.0),
                param.preview_plain(1.0),
                param.default_plain_value(),
            )
        };
        match value {
            ParamValue::F32(v) if !v.is_finite() => *v = default,
            ParamValue::F32(v) => *v = v.clamp(min, max),
            ParamValue::I32(v) => *v = (*v).clamp(min.round() as i32, max.round() as i32),
            ParamValue::Bool(_) | ParamValue::String(_) => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_engine_defaults() {
        assert_eq!(MurmurParams::default().settings(), Settings::default());
    }

    #[test]
    fn the_editor_size_is_saved_with_the_project() {
        let params = MurmurParams::default();
        assert_eq!(*params.editor_size.read().unwrap(), DEFAULT_EDITOR_SIZE);
        *params.editor_size.write().unwrap() = (1200, 810);
        let fields = params.serialize_fields();
        assert!(fields.contains_key("editor-size"), "{fields:?}");
        let restored = MurmurParams::default();
        restored.deserialize_fields(&fields);
        assert_eq!(*restored.editor_size.read().unwrap(), (1200, 810));
    }

    #[test]
    fn saved_values_are_kept_in_range() {
        let mut state = PluginState {
            version: String::new(),
            params: [
                ("ceil", ParamValue::F32(1e30)),
                ("dist", ParamValue::F32(-5.0)),
                ("out", ParamValue::F32(f32::NAN)),
                ("azim", ParamValue::F32(33.3)),
                ("seed", ParamValue::I32(-7)),
                ("mdiv", ParamValue::I32(99)),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
            fields: Default::default(),
        };
        sanitize_state(&mut state);
        let f = |id: &str| match state.params[id] {
            ParamValue::F32(v) => v,
            ParamValue::I32(v) => v as f32,
            _ => unreachable!(),
        };
        assert_eq!(f("ceil"), 0.0);
        assert!((f("dist") - 0.1).abs() < 1e-6);
        assert_eq!(f("out"), 0.0);
        assert_eq!(f("azim"), 33.3);
        assert_eq!(f("seed"), 1.0);
        assert_eq!(f("mdiv"), 6.0);
    }
}
