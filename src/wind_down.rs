//! Wind-down: one macro for the end of a piece. As it rises, the layers thin out, settle and
//! darken, everything moves further away, the voice's motion slows and settles, and the whole
//! output fades; at 100 % it is silent. A creator draws one long ramp and the parameter is the
//! gesture.
//!
//! Every curve is linear in the logarithm of what it moves (decibels of level, octaves of
//! density, rate and distance) because equal ratios are what hearing takes as equal steps
//! (Weber–Fechner; Stevens' loudness doubles per 10 dB): equal steps of the parameter then
//! sound like equal steps of calming, not a change that hides at one end of the ramp. Only the
//! last stretch is different: the `(1 − x)` factor of [`gain`] takes the output from the linear
//! decibel fall into silence, without a step, as the parameter reaches 100 %.

use crate::dsp::math;
use crate::settings::Settings;
use crate::settings::ranges::{DISTANCE_M, TONE};

/// Output level at 100 % before the final fade, dB (−24 dB·x, so −6 dB per quarter of the
/// ramp; with the thinning and darkening a dense bed falls by about 10 LU per quarter).
const LEVEL_DB: f32 = -24.0;
/// Density at 100 %: two octaves fewer events (a quarter)...
const DENSITY_OCTAVES: f32 = -2.0;
/// ...but never thinner than 1.5 events a second (or the layer's own density, if sparser):
/// thinning calms a dense texture (fewer events overlapping), but a sparse one only grows
/// longer gaps, and each event then stands out further over the quieter 3 s around it (by
/// 10·log10 of the thinning, about 3 LU per octave). Crinkle Close-up (1.2 crinkles a second
/// over 0.5 of paper) thinned by an octave had close crinkles 10–12 LU over the 10 s before
/// them (`murmur check`'s startle); Water Drops (3 a second) thinned to 2 or fewer had one or
/// two. With this floor, and the settling below, `check` finds no startle in a 30-minute ramp
/// on any factory preset.
const THINNEST_PER_S: f32 = 1.5;
/// Tone at 100 %: 0.8 darker on the −1 … +1 scale.
const TONE_SHIFT: f32 = -0.8;
/// Distance at 100 %: the layers one octave further away, the voice 0.7 of one.
const LAYER_DISTANCE_OCTAVES: f32 = 1.0;
const VOICE_DISTANCE_OCTAVES: f32 = 0.7;
/// The voice's motion at 100 %: two octaves slower, and a quarter of its swing.
const MOTION_RATE_OCTAVES: f32 = -2.0;
const MOTION_DEPTH_LEFT: f32 = 0.25;

/// The output gain at wind-down `x` (0…1): `10^(LEVEL_DB·x/20) · (1 − x)`; 1 at 0, 0 at 1.
pub fn gain(x: f32) -> f32 {
    let x = x.clamp(0.0, 1.0);
    math::pow(10.0, LEVEL_DB * x / 20.0) * (1.0 - x)
}

/// `settings` wound down by `settings.wind_down` (the output gain aside: see [`gain`]).
pub fn wound_down(settings: &Settings) -> Settings {
    let x = settings.wind_down;
    let mut out = *settings;
    for layer in &mut out.layers {
        let floor = layer.density_per_s.min(THINNEST_PER_S);
        layer.density_per_s = (layer.density_per_s * math::exp2(DENSITY_OCTAVES * x)).max(floor);
        // As it winds down, the events also settle: their timing grows regular (Regularity
        // moves towards 100 % in proportion) and they grow alike (Variation falls to nothing in
        // proportion). A sparse layer's loudest outliers after a gap were what `murmur check`
        // heard as startles once the layer thinned (Water Drops, 70 % Variation: a drop 10 LU
        // over the 10 s before it halfway down the ramp; with Variation halved, none), and
        // evenly spaced events hold a steadier loudness from one 30 s window to the next.
        layer.regularity += (1.0 - layer.regularity) * x;
        layer.variation *= 1.0 - x;
        layer.tone = TONE.clamp(layer.tone + TONE_SHIFT * x);
        layer.distance_m =
            DISTANCE_M.clamp(layer.distance_m * math::exp2(LAYER_DISTANCE_OCTAVES * x));
    }
    out.distance_m = DISTANCE_M.clamp(settings.distance_m * math::exp2(VOICE_DISTANCE_OCTAVES * x));
    out.motion_rate_hz *= math::exp2(MOTION_RATE_OCTAVES * x);
    out.motion_depth_deg *= 1.0 - (1.0 - MOTION_DEPTH_LEFT) * x;
    out
}

/// Steps of Wind-down the settings it moves are recomputed at (the output gain follows every
/// value): 1/1024 moves density and distance by a thousandth of an octave and Tone by 0.0008,
/// far under what can be heard, and spares the ten powers on every tick of a ramp.
const SETTINGS_STEPS: f32 = 1024.0;

/// The wound-down settings and output gain, kept between control ticks: the settings are
/// recomputed only when the settings given change beyond Wind-down's step, the gain when its
/// value changes (a held Wind-down costs one comparison of the settings per tick).
#[derive(Debug, Clone, Default)]
pub struct WindDown {
    /// The settings, at Wind-down's step, and the value, that the results are for.
    stepped_in: Option<Settings>,
    value_in: Option<f32>,
    wound: Settings,
    gain: f32,
}

impl WindDown {
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// The settings of the latest [`apply`](Self::apply).
    pub fn current(&self) -> &Settings {
        &self.wound
    }

    /// `settings` wound down, and the output gain. Call only with `settings.wind_down > 0`.
    pub fn apply(&mut self, settings: &Settings) -> (&Settings, f32) {
        let x = settings.wind_down;
        let stepped = Settings {
            wind_down: (x * SETTINGS_STEPS).round() / SETTINGS_STEPS,
            ..*settings
        };
        if self.stepped_in.as_ref() != Some(&stepped) {
            self.wound = wound_down(&stepped);
            self.stepped_in = Some(stepped);
            self.value_in = None;
        }
        if self.value_in != Some(x) {
            self.value_in = Some(x);
            self.wound.wind_down = x;
            self.gain = gain(x);
        }
        (&self.wound, self.gain)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gain_falls_in_equal_decibel_steps_and_ends_in_silence() {
        assert_eq!(gain(0.0), 1.0);
        assert_eq!(gain(1.0), 0.0);
        let db = |x: f32| 20.0 * gain(x).log10();
        // Each tenth of the first half falls by 2.4 dB plus the (1 − x) factor's share.
        for step in 0..5 {
            let x = step as f32 / 10.0;
            let fall = db(x) - db(x + 0.1);
            let expected = 2.4 + 20.0 * ((1.0 - x) / (0.9 - x)).log10();
            assert!((fall - expected).abs() < 1e-3, "{x}: {fall} dB");
        }
        // Never rising, and continuous: no step anywhere on a fine grid.
        let mut previous = gain(0.0);
        for i in 1..=10_000 {
            let g = gain(i as f32 / 10_000.0);
            assert!(
                g <= previous && previous - g < 2e-3,
                "at {i}: {previous} → {g}"
            );
            previous = g;
        }
    }

    #[test]
    fn the_cache_follows_the_settings() {
        let mut settings = Settings::default();
        settings.layers[0].density_per_s = 8.0;
        // The settings are wound down at Wind-down's step of 1/1024, the gain at the value.
        let at_step = |settings: &Settings| {
            let x = settings.wind_down;
            let mut wound = wound_down(&Settings {
                wind_down: (x * 1024.0).round() / 1024.0,
                ..*settings
            });
            wound.wind_down = x;
            wound
        };
        let mut wind = WindDown::default();
        for x in [0.3, 0.3001, 0.6, 0.6004] {
            settings.wind_down = x;
            let (wound, g) = wind.apply(&settings);
            assert_eq!((*wound, g), (at_step(&settings), gain(x)), "{x}");
            // The step is far under what can be heard: a thousandth of an octave of density
            // and distance, Tone within 0.001.
            let exact = wound_down(&settings);
            let octaves = |a: f32, b: f32| (a / b).log2().abs();
            let (w, e) = (&wound.layers[0], &exact.layers[0]);
            assert!(octaves(w.density_per_s, e.density_per_s) < 1.1e-3, "{x}");
            assert!(octaves(w.distance_m, e.distance_m) < 1.1e-3, "{x}");
            assert!((w.tone - e.tone).abs() < 1e-3, "{x}");
        }
        // A change elsewhere in the settings, at the same Wind-down, is wound down afresh.
        settings.layers[0].density_per_s = 4.0;
        let (wound, _) = wind.apply(&settings);
        assert_eq!(*wound, at_step(&settings));
        assert!((wound.layers[0].density_per_s - 4.0 * 2f32.powf(-2.0 * 0.6004)).abs() < 1e-2);
    }

    #[test]
    fn wound_down_settings_are_thinner_darker_further_and_slower() {
        let mut settings = Settings::default();
        settings.layers[0].on = true;
        settings.layers[0].density_per_s = 8.0;
        settings.layers[1].density_per_s = 2.5;
        settings.layers[2].density_per_s = 0.5;
        assert_eq!(wound_down(&settings), settings);
        settings.wind_down = 1.0;
        let wound = wound_down(&settings);
        let (before, after) = (&settings.layers[0], &wound.layers[0]);
        assert!((after.density_per_s - before.density_per_s / 4.0).abs() < 1e-6);
        // Sparse layers thin to 1.5 events a second, and no sparser layer thins.
        assert_eq!(wound.layers[1].density_per_s, 1.5);
        assert_eq!(wound.layers[2].density_per_s, 0.5);
        assert!((after.tone - (before.tone - 0.8)).abs() < 1e-6);
        assert_eq!((after.regularity, after.variation), (1.0, 0.0));
        assert!((after.distance_m - 2.0 * before.distance_m).abs() < 1e-6);
        assert!(wound.distance_m > settings.distance_m);
        assert!((wound.motion_rate_hz - settings.motion_rate_hz / 4.0).abs() < 1e-6);
        assert!((wound.motion_depth_deg - settings.motion_depth_deg / 4.0).abs() < 1e-4);
        assert_eq!(wound, wound.sanitized());
    }
}
