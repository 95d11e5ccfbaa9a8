//! The parameters of one trigger layer, three times over: declared once, in the table below.
//!
//! IDs follow the design's `tNxxx` form (`t1dens`, `t2type`, …) and are frozen like every other
//! ID. The derive macro's nested forms would add an underscore (`t1_dens`, `tdens_1`), so
//! [`LayerParams`] lists its parameters itself.

use nice_plug::prelude::*;

use super::choices::{DivisionParam, PlacementParam, TriggerKindParam};
use super::kinds::*;
use crate::settings::LayerSettings;
use crate::settings::ranges::*;

/// Declares [`LayerParams`] from the table below, one row per parameter:
///
/// ```text
/// field: framework type = "ID suffix", "Name", kind => LayerSettings field,
///     "tooltip";
/// ```
///
/// Layer N's parameter gets the ID `tN` + suffix and the name "Layer N " + name, and its default
/// from [`LayerSettings::default_for`] the layer's default trigger kind. The rows are in the
/// host's order.
macro_rules! layer_params {
    ($(
        $(#[doc = $doc:literal])*
        $field:ident: $ty:ty = $what:literal, $name:literal, $kind:expr => $setting:ident,
            $tooltip:literal;
    )*) => {
        /// One layer's parameters (N = 1, 2, 3).
        pub struct LayerParams {
            /// Layer number, 1…3 (in the IDs and names).
            number: usize,
            $($(#[doc = $doc])* pub $field: $ty,)*
        }

        impl LayerParams {
            /// Layer `number` (1…3), at the defaults of its default trigger kind.
            pub fn new(number: usize) -> Self {
                let defaults =
                    LayerSettings::default_for(LayerSettings::DEFAULT_KINDS[number - 1]);
                Self {
                    number,
                    $($field: ParamKind::<$ty, _>::build(
                        &$kind,
                        format!("Layer {number} {}", $name),
                        defaults.$setting,
                    ),)*
                }
            }

            /// The current values as engine settings. Runs on the audio thread once a block.
            pub fn settings(&self) -> LayerSettings {
                LayerSettings {
                    $($setting: ParamKind::<$ty, _>::read(&$kind, &self.$field),)*
                }
            }

            /// Layer `number`'s plain values for `layer`, by ID (see [`super::plain_values`]).
            pub fn plain_values(number: usize, layer: &LayerSettings) -> Vec<(String, f32)> {
                vec![$((
                    param_id(number, $what),
                    ParamKind::<$ty, _>::plain(&$kind, layer.$setting),
                ),)*]
            }

            /// The tooltip of the parameter with the ID suffix `what` (`dens`, `type`).
            fn tooltip(what: &str) -> Option<&'static str> {
                match what {
                    $($what => Some($tooltip),)*
                    _ => None,
                }
            }
        }

        // SAFETY: every pointer points into `self`, and the list names each parameter once.
        unsafe impl Params for LayerParams {
            fn param_map(&self) -> Vec<(String, ParamPtr, String)> {
                vec![$((param_id(self.number, $what), self.$field.as_ptr(), String::new()),)*]
            }
        }
    };
}

layer_params! {
    on: BoolParam = "on", "On", switch() => on,
        "Turns this layer's own events on. MIDI notes play it either way.";
    kind: EnumParam<TriggerKindParam> = "type", "Type", choice() => kind,
        "Which sound this layer makes.";
    level: FloatParam = "lvl", "Level", layer_decibels(LAYER_LEVEL_DB) => level_db,
        "This layer's volume.";
    /// Skewed so that the calm range (0.2–5/s) gets most of the travel.
    density: FloatParam = "dens", "Density", per_second(DENSITY_PER_S).skewed(-1.5)
        => density_per_s,
        "How many sounds per second, on average. 0 plays only from MIDI.";
    regularity: FloatParam = "reg", "Regularity", percent(UNIT) => regularity,
        "0 % is natural and random, 100 % is an even, metronomic pulse.";
    sync: BoolParam = "sync", "Sync", switch() => sync,
        "Places the sounds on the song's beat grid.";
    division: EnumParam<DivisionParam> = "div", "Division", choice() => division,
        "The beat grid the sounds fall on when synced.";
    variation: FloatParam = "var", "Variation", percent(UNIT) => variation,
        "How much each sound differs from the last in level, pitch and character.";
    tone: FloatParam = "tone", "Tone", percent(TONE) => tone,
        "Darker or brighter.";
    size: FloatParam = "size", "Size", percent(UNIT) => size,
        "The size of the object being tapped or crinkled: larger sounds lower.";
    decay: FloatParam = "dec", "Decay", percent(UNIT) => decay,
        "How long each sound rings.";
    placement: EnumParam<PlacementParam> = "plc", "Placement", choice() => placement,
        "Where the sounds appear: anywhere around the head, with the voice, at one \
         ear, in front, or sweeping side to side.";
    spread: FloatParam = "sprd", "Spread", degrees(SPREAD_DEG) => spread_deg,
        "How wide an area the sounds are scattered over.";
    /// Skewed like the voice's distance.
    distance: FloatParam = "dist", "Distance", metres(DISTANCE_M).skewed(-1.5) => distance_m,
        "How far this layer's sounds are from the centre of the head.";
}

/// The ID of layer `number`'s parameter `what`: `t2` and `dens` make `t2dens`.
pub fn param_id(number: usize, what: &str) -> String {
    format!("t{number}{what}")
}

/// The tooltip of the layer parameter with ID `id` (`t2dens`); `None` for any other ID.
pub fn tooltip(id: &str) -> Option<&'static str> {
    let what = id.strip_prefix('t')?.strip_prefix(['1', '2', '3'])?;
    LayerParams::tooltip(what)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn defaults_match_the_engine_defaults() {
        for n in 1..=3 {
            let params = LayerParams::new(n);
            assert_eq!(
                params.settings(),
                LayerSettings::default_for(LayerSettings::DEFAULT_KINDS[n - 1])
            );
        }
    }
}
