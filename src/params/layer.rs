//! The parameters of one trigger layer, three times over.
//!
//! IDs follow the design's `tNxxx` form (`t1dens`, `t2type`, …) and are frozen like every other
//! ID. The derive macro's nested forms would add an underscore (`t1_dens`, `tdens_1`), so this
//! struct lists its parameters itself.

use nice_plug::prelude::*;

use super::choice_index;
use super::choices::{DivisionParam, PlacementParam, TriggerKindParam, choice_for};
use crate::format::{s2v_metres, s2v_number, s2v_percent, v2s_decimals, v2s_percent};
use crate::settings::LayerSettings;
use crate::settings::ranges::*;

/// Density, 0…30 events/s, skewed so the calm range (0.2–5/s) gets most of the travel.
pub fn density_range() -> FloatRange {
    FloatRange::Skewed {
        min: DENSITY_PER_S.min,
        max: DENSITY_PER_S.max,
        factor: FloatRange::skew_factor(-1.5),
    }
}

/// One layer's parameters (N = 1, 2, 3).
pub struct LayerParams {
    /// Layer number, 1…3 (in the IDs and names).
    number: usize,
    pub on: BoolParam,
    pub kind: EnumParam<TriggerKindParam>,
    pub level: FloatParam,
    pub density: FloatParam,
    pub regularity: FloatParam,
    pub sync: BoolParam,
    pub division: EnumParam<DivisionParam>,
    pub variation: FloatParam,
    pub tone: FloatParam,
    pub size: FloatParam,
    pub decay: FloatParam,
    pub placement: EnumParam<PlacementParam>,
    pub spread: FloatParam,
    pub distance: FloatParam,
}

fn percent(name: String, default: f32, min: f32) -> FloatParam {
    FloatParam::new(name, default, FloatRange::Linear { min, max: 1.0 })
        .with_unit(" %")
        .with_value_to_string(v2s_percent())
        .with_string_to_value(s2v_percent())
}

impl LayerParams {
    /// Layer `number` (1…3) with the design's defaults.
    pub fn new(number: usize) -> Self {
        let d = LayerSettings::default_for(LayerSettings::DEFAULT_KINDS[number - 1]);
        let name = |what: &str| format!("Layer {number} {what}");
        Self {
            number,
            on: BoolParam::new(name("On"), d.on),
            kind: EnumParam::new(name("Type"), choice_for(d.kind)),
            level: FloatParam::new(
                name("Level"),
                d.level_db,
                FloatRange::Linear {
                    min: LAYER_LEVEL_DB.min,
                    max: LAYER_LEVEL_DB.max,
                },
            )
            .with_unit(" dB")
            .with_step_size(0.1)
            .with_value_to_string(v2s_decimals(1))
            .with_string_to_value(s2v_number(&["db"])),
            density: FloatParam::new(name("Density"), d.density_per_s, density_range())
                .with_unit(" /s")
                .with_value_to_string(v2s_decimals(2))
                .with_string_to_value(s2v_number(&["/s", "ev/s", "hz"])),
            regularity: percent(name("Regularity"), d.regularity, 0.0),
            sync: BoolParam::new(name("Sync"), d.sync),
            division: EnumParam::new(name("Division"), DivisionParam::Eighth),
            variation: percent(name("Variation"), d.variation, 0.0),
            tone: percent(name("Tone"), d.tone, TONE.min),
            size: percent(name("Size"), d.size, 0.0),
            decay: percent(name("Decay"), d.decay, 0.0),
            placement: EnumParam::new(name("Placement"), PlacementParam::AroundHead),
            spread: FloatParam::new(
                name("Spread"),
                d.spread_deg,
                FloatRange::Linear {
                    min: SPREAD_DEG.min,
                    max: SPREAD_DEG.max,
                },
            )
            .with_unit(" °")
            .with_step_size(0.1)
            .with_value_to_string(v2s_decimals(1))
            .with_string_to_value(s2v_number(&["°", "deg"])),
            distance: FloatParam::new(name("Distance"), d.distance_m, super::distance_range())
                .with_unit(" m")
                .with_value_to_string(v2s_decimals(2))
                .with_string_to_value(s2v_metres()),
        }
    }

    /// The current values as engine settings.
    pub fn settings(&self) -> LayerSettings {
        LayerSettings {
            on: self.on.value(),
            kind: self.kind.value().into(),
            level_db: self.level.value(),
            density_per_s: self.density.value(),
            regularity: self.regularity.value(),
            sync: self.sync.value(),
            division: self.division.value().into(),
            variation: self.variation.value(),
            tone: self.tone.value(),
            size: self.size.value(),
            decay: self.decay.value(),
            placement: self.placement.value().into(),
            spread_deg: self.spread.value(),
            distance_m: self.distance.value(),
        }
    }
}

impl LayerParams {
    /// Layer `number`'s plain values for `layer`, by ID (see [`super::plain_values`]).
    pub fn plain_values(number: usize, layer: &LayerSettings) -> Vec<(String, f32)> {
        let switch = |on: bool| if on { 1.0 } else { 0.0 };
        [
            ("on", switch(layer.on)),
            ("type", choice_index::<TriggerKindParam, _>(layer.kind)),
            ("lvl", layer.level_db),
            ("dens", layer.density_per_s),
            ("reg", layer.regularity),
            ("sync", switch(layer.sync)),
            ("div", choice_index::<DivisionParam, _>(layer.division)),
            ("var", layer.variation),
            ("tone", layer.tone),
            ("size", layer.size),
            ("dec", layer.decay),
            ("plc", choice_index::<PlacementParam, _>(layer.placement)),
            ("sprd", layer.spread_deg),
            ("dist", layer.distance_m),
        ]
        .into_iter()
        .map(|(what, value)| (format!("t{number}{what}"), value))
        .collect()
    }
}

// SAFETY: every pointer points into `self`, and the list names each parameter once.
unsafe impl Params for LayerParams {
    fn param_map(&self) -> Vec<(String, ParamPtr, String)> {
        let id = |what: &str| format!("t{}{what}", self.number);
        vec![
            (id("on"), self.on.as_ptr(), String::new()),
            (id("type"), self.kind.as_ptr(), String::new()),
            (id("lvl"), self.level.as_ptr(), String::new()),
            (id("dens"), self.density.as_ptr(), String::new()),
            (id("reg"), self.regularity.as_ptr(), String::new()),
            (id("sync"), self.sync.as_ptr(), String::new()),
            (id("div"), self.division.as_ptr(), String::new()),
            (id("var"), self.variation.as_ptr(), String::new()),
            (id("tone"), self.tone.as_ptr(), String::new()),
            (id("size"), self.size.as_ptr(), String::new()),
            (id("dec"), self.decay.as_ptr(), String::new()),
            (id("plc"), self.placement.as_ptr(), String::new()),
            (id("sprd"), self.spread.as_ptr(), String::new()),
            (id("dist"), self.distance.as_ptr(), String::new()),
        ]
    }
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
