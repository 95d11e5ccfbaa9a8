//! Every host parameter, declared once: the voice and output parameters in the table below,
//! each trigger layer's in `layer.rs`. A row gives a parameter's ID, name, kind (range, unit and
//! value text, `kinds.rs`), the `Settings` field it fills (whose default is the parameter's) and
//! its tooltip; the struct the host sees, the conversion into `Settings`, a preset's plain values,
//! the command line's `ParamSheet` and the editor's tooltips all come from the rows.
//!
//! The IDs are what saved sessions and automation lanes store: they are frozen
//! (`tests/hosts/param_ids.rs` fails if one changes or disappears), and so is the rows' order, which is
//! the order hosts list the parameters in. Field names may be improved; IDs may not.

use nice_plug::plugin::ParamValue;
use std::sync::{Arc, RwLock};

use nice_plug::prelude::*;

mod choices;
mod kinds;
pub mod layer;
pub mod sheet;
pub mod sofa_choice;

pub use choices::{
    DivisionParam, HrtfParam, MotionParam, PlacementParam, RoomParam, SyncDivisionParam,
    TriggerKindParam,
};
use kinds::*;
pub use layer::LayerParams;
pub use sheet::{ParamEntry, ParamIndex, ParamSheet};
pub use sofa_choice::SofaChoice;

use crate::settings::Settings;
use crate::settings::ranges::*;
use crate::sofa_loader::SofaLoader;

/// Of `candidates` (each a key to compare and what to show), the one whose key is nearest
/// `wanted`, when it is near enough to be a typo of it: at least 70 % alike (Damerau–Levenshtein
/// distance over the longer length: one slip in a four-letter ID passes, another word does not).
pub fn nearest_name<S>(
    wanted: &str,
    candidates: impl IntoIterator<Item = (String, S)>,
) -> Option<S> {
    const ALIKE: f64 = 0.7;
    candidates
        .into_iter()
        .map(|(key, shown)| (strsim::normalized_damerau_levenshtein(wanted, &key), shown))
        .filter(|(alike, _)| *alike >= ALIKE)
        .max_by(|a, b| a.0.total_cmp(&b.0))
        .map(|(_, shown)| shown)
}

/// The editor window's size when a project has none saved, logical pixels.
pub const DEFAULT_EDITOR_SIZE: (u32, u32) = (960, 640);

/// Declares [`MurmurParams`] from the table below, one row per parameter:
///
/// ```text
/// field: framework type = "ID", "Name", kind => Settings field,
///     "tooltip";
/// ```
///
/// The parameter's default is the `Settings` field's in [`Settings::default`]. The three trigger
/// layers and the two persistent fields follow the rows.
macro_rules! murmur_params {
    ($(
        $(#[doc = $doc:literal])*
        $field:ident: $ty:ty = $id:literal, $name:literal, $kind:expr => $setting:ident,
            $tooltip:literal;
    )*) => {
        /// All of Murmur's host parameters, in the order hosts list them.
        ///
        /// The engine smooths every continuous value itself (so the CLI and the plugin share it),
        /// which is why no parameter here carries a framework smoother.
        #[derive(Params)]
        pub struct MurmurParams {
            $($(#[doc = $doc])* #[id = $id] pub $field: $ty,)*
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
            /// The SOFA file chosen for the `hrtf` SOFA setting, and its loader. The path is
            /// saved with the project, and kept when the file is missing, so the project finds it
            /// again once it is back.
            #[persist = "sofa-path"]
            pub sofa: SofaChoice,
        }

        impl Default for MurmurParams {
            fn default() -> Self {
                let defaults = Settings::default();
                Self {
                    $($field: ParamKind::<$ty, _>::build(
                        &$kind,
                        $name.to_owned(),
                        defaults.$setting,
                    ),)*
                    layer1: LayerParams::new(1),
                    layer2: LayerParams::new(2),
                    layer3: LayerParams::new(3),
                    editor_size: Arc::new(RwLock::new(DEFAULT_EDITOR_SIZE)),
                    sofa: SofaChoice::new(SofaLoader::new()),
                }
            }
        }

        impl MurmurParams {
            /// The current (unsmoothed) values as engine settings; the engine smooths them. Runs
            /// on the audio thread once a block.
            pub fn settings(&self) -> Settings {
                Settings {
                    $($setting: ParamKind::<$ty, _>::read(&$kind, &self.$field),)*
                    layers: [&self.layer1, &self.layer2, &self.layer3].map(LayerParams::settings),
                }
            }

            /// The plain values of the table's rows in `s`, by ID (see [`plain_values`]).
            fn row_plain_values(s: &Settings) -> Vec<(String, f32)> {
                vec![$(($id.to_owned(), ParamKind::<$ty, _>::plain(&$kind, s.$setting)),)*]
            }

            /// The tooltip of the table's row with ID `id`.
            fn row_tooltip(id: &str) -> Option<&'static str> {
                match id {
                    $($id => Some($tooltip),)*
                    _ => None,
                }
            }
        }
    };
}

murmur_params! {
    /// Which path the voice follows.
    motion: EnumParam<MotionParam> = "motion", "Motion", choice() => motion,
        "How the voice moves around the head: still, ear to ear, in circles, in a \
         figure eight, drifting, or hopping from ear to ear.";
    /// Centre azimuth of the voice, degrees (0 = front, +90 = right ear).
    azimuth: FloatParam = "azim", "Azimuth", degrees(AZIMUTH_DEG) => azimuth_deg,
        "Where the voice sits around the head: 0° in front, 90° at the right ear, \
         -90° at the left ear, 180° behind. Drag the dot in the head view.";
    /// Centre elevation of the voice, degrees (+90 = above).
    elevation: FloatParam = "elev", "Elevation", degrees(ELEVATION_DEG) => elevation_deg,
        "How high the voice is: 0° at ear height, up to 80° above, down to -40°.";
    /// Centre distance from the head's centre, metres; skewed so that the close range (where
    /// proximity matters) gets most of the travel.
    distance: FloatParam = "dist", "Distance", metres(DISTANCE_M).skewed(-1.5) => distance_m,
        "How far the voice is from the centre of the head. Below 0.3 m it is right at \
         the ear: warmer and more intimate.";
    /// Motion cycles per second when not synced; skewed towards the slow rates ASMR uses.
    motion_rate: FloatParam = "mrate", "Motion Rate", hertz(MOTION_RATE_HZ).skewed(-2.0)
        => motion_rate_hz,
        "How fast the motion goes: cycles per second (0.1 Hz is one cycle in 10 s).";
    /// Lock the motion to the host's song position.
    motion_sync: BoolParam = "msync", "Motion Sync", switch() => motion_sync,
        "Ties the motion to the song's tempo and position instead of a rate.";
    /// Length of one motion cycle when synced.
    sync_division: EnumParam<SyncDivisionParam> = "mdiv", "Sync Division", choice()
        => sync_division,
        "How long one motion cycle lasts when synced to the song.";
    /// Swing around the centre, degrees.
    motion_depth: FloatParam = "mdepth", "Motion Depth", degrees(MOTION_DEPTH_DEG)
        => motion_depth_deg,
        "How far the motion swings either side of the voice's position.";
    /// Rounding of turns and hops, `0..=1`.
    softness: FloatParam = "msoft", "Softness", percent(UNIT) => softness,
        "How gently the motion turns around and glides between points.";
    /// Sphere radius of the head model, centimetres (adult heads; 8.75 cm is Brown & Duda's
    /// average).
    head_size: FloatParam = "head", "Head Size", centimetres(HEAD_RADIUS_M) => head_radius_m,
        "The listener's head size (sphere model). The default suits most adults.";
    /// The sphere model or the loaded SOFA set.
    hrtf: EnumParam<HrtfParam> = "hrtf", "HRTF", choice() => hrtf,
        "Sphere: a model head, shaped by Head Size. SOFA: a measured head (a dummy head \
         or your own HRTF) loaded from a .sofa file.";
    /// Proximity bass when close, `0..=1`.
    proximity: FloatParam = "prox", "Proximity", percent(UNIT) => proximity,
        "Extra warmth when the voice comes very close, like a mic near the lips.";
    /// Stereo input spread, `0..=1` (0 sums to mono).
    width: FloatParam = "width", "Stereo Width", percent(UNIT) => width,
        "For stereo recordings: 0 % folds them to one voice, 100 % keeps the two \
         channels apart around the voice's position.";
    /// Voice input level, dB.
    voice_level: FloatParam = "vgain", "Voice Level", decibels(VOICE_LEVEL_DB) => voice_level_db,
        "Level of your recording going in.";
    /// Binaural share of the voice path, `0..=1`.
    voice_mix: FloatParam = "vmix", "Voice Mix", percent(UNIT) => voice_mix,
        "How much of the voice is moved around the head; the rest stays as recorded.";
    /// Sibilance control of the voice, `0..=1`.
    deess: FloatParam = "deess", "De-ess", percent(UNIT) => deess,
        "Softens harsh \"s\", \"sh\" and \"t\" sounds, only when they stand out.";
    /// Noise reduction of the voice, `0..=1`.
    denoise: FloatParam = "dnoise", "Denoise", percent(UNIT) => denoise,
        "Removes steady hiss and hum that the recording picked up. It learns the \
         noise from the pauses by itself.";
    /// Seed of every random choice (drift path, trigger sequences).
    seed: IntParam = "seed", "Seed", whole(SEED) => seed,
        "Picks one of many random variations. The same seed always renders the same.";
    /// Output safety limiter on/off.
    calm_guard: BoolParam = "calm", "Calm Guard", switch() => calm_guard,
        "Keeps the output under the ceiling, softly, so nothing ever startles a \
         listener who is drifting off.";
    /// Calm Guard ceiling, dBFS.
    ceiling: FloatParam = "ceil", "Ceiling", decibels(CEILING_DB) => ceiling_db,
        "The loudest the output may ever get.";
    /// Output level, dB (before the Calm Guard).
    output: FloatParam = "out", "Output", decibels(OUTPUT_DB) => output_db,
        "Overall output level, before Calm Guard.";
    /// The host's bypass switch.
    bypass: BoolParam = "bypass", "Bypass", bypass() => bypass,
        "Passes the input through untouched.";
    /// Depth of the slow seeded wander, `0..=1`.
    animate: FloatParam = "anim", "Animate", percent(UNIT) => animate,
        "Lets every layer's density, level, tone and spread, and the voice's distance, \
         drift slowly around what you set, like weather: from 20-second swells to \
         10-minute tides. Never the same twice, yet the same seed renders the same.";
    /// The end-of-piece macro, `0..=1`.
    wind_down: FloatParam = "wind", "Wind-down", percent(UNIT) => wind_down,
        "One slow gesture for the end of a piece: as it rises, the layers thin out, \
         soften, darken and drift further away, the voice slows and settles, and at \
         100 % everything has faded to silence. Draw one long ramp.";
    /// The room around the listener.
    room: EnumParam<RoomParam> = "room", "Room", choice() => room,
        "Puts the listener in a room: its walls answer the voice, and its tail \
         surrounds the voice and the triggers. Close sounds stay intimate and dry; far \
         ones take on the room. Off: no room at all.";
    /// Level of the room's sound, dB.
    room_level: FloatParam = "rlvl", "Room Level", decibels(ROOM_LEVEL_DB) => room_level_db,
        "How much of the room you hear. 0 dB is the room as it is, with the voice and \
         the room equally loud about a metre or two away (less in the bathroom).";
}

/// Each parameter's plain value in `settings`, by ID (a switch as 0 or 1, a choice as its
/// index): how a preset becomes host parameter values. The sheet's tests check that this names
/// every parameter once and that loading it reads back the same settings.
pub fn plain_values(s: &Settings) -> Vec<(String, f32)> {
    let mut values = MurmurParams::row_plain_values(s);
    for (n, layer) in s.layers.iter().enumerate() {
        values.extend(LayerParams::plain_values(n + 1, layer));
    }
    values
}

/// What the parameter with ID `id` does, in a creator's words (the editor shows it when the
/// pointer rests on a control); empty for an unknown ID.
pub fn tooltip(id: &str) -> &'static str {
    layer::tooltip(id)
        .or_else(|| MurmurParams::row_tooltip(id))
        .unwrap_or("")
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

/// A saved state holding `sheet`'s values for every parameter but Bypass, and nothing else (the
/// editor's size and the SOFA file stay as they are when it is loaded): a preset as a plugin
/// state, for VST3 preset files.
pub fn preset_state(sheet: &ParamSheet) -> PluginState {
    let params = sheet
        .params()
        .iter()
        .enumerate()
        .filter(|(_, entry)| entry.id != "bypass")
        .map(|(i, entry)| (entry.id.clone(), sheet.state_value(ParamIndex(i))))
        .collect();
    PluginState {
        version: env!("CARGO_PKG_VERSION").to_owned(),
        params,
        fields: Default::default(),
    }
}

/// `state` (a plugin's saved state) with every parameter but Bypass at `sheet`'s value: what
/// loading a preset does to a plugin, through the framework's own state path. The editor's
/// size, the SOFA choice and Bypass are kept.
pub fn state_with(mut state: PluginState, sheet: &ParamSheet) -> PluginState {
    state.params.extend(preset_state(sheet).params);
    state
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_engine_defaults() {
        assert_eq!(MurmurParams::default().settings(), Settings::default());
    }

    #[test]
    fn every_parameter_has_a_tooltip() {
        for entry in ParamSheet::new().params() {
            assert!(!tooltip(&entry.id).is_empty(), "{}", entry.id);
        }
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
