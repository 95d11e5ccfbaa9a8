//! Animate: a slow, seeded wander of each layer's density, level, tone and spread and of the
//! voice's distance around the values set, so that a bed ebbs and flows like weather instead of
//! holding one intensity for hours.
//!
//! Each wander is 1/f-like noise: the sum of [`OCTAVES`] octaves of smooth value noise with
//! knots [`FASTEST_KNOT_S`] (20 s) to 640 s apart, equal in power per octave (the construction
//! of Voss's 1/f noise, with the octaves smoothed instead of held). Each octave interpolates
//! seeded random knots with the uniform cubic B-spline: a C² curve whose spectrum falls as
//! sinc⁴, so that nothing moves faster than the 20 s knots allow (above 0.05 Hz the fastest
//! octave is 54 dB down). A wander is a pure function of the seed, its stream and the time: a
//! render repeats exactly, and after a relocation in the host it takes up the value the song
//! position had before.

use crate::dsp::math;
use crate::range::Range;
use crate::settings::ranges::{DENSITY_PER_S, DISTANCE_M, LAYER_LEVEL_DB, SPREAD_DEG, TONE};
use crate::settings::{LayerSettings, Settings};

/// Octaves of the wander: knots 20, 40, 80, 160, 320 and 640 s apart.
pub const OCTAVES: usize = 6;
/// Knot spacing of the fastest octave, seconds.
pub const FASTEST_KNOT_S: f64 = 20.0;
/// The wander is evaluated at multiples of this time, seconds: between them it moves by less
/// than 0.1 % of its range, and 32 evaluations a second cost the audio thread next to nothing.
pub const STEP_S: f64 = 1.0 / 32.0;

// Depths at Animate 100 %, for a wander at its extremes (±1; its standard deviation is about
// half that).

/// Density: up to 1.5 octaves either way (×0.35 … ×2.8): the difference between a sparse and a
/// busy stretch of rain.
const DENSITY_OCTAVES: f32 = 1.5;
/// Layer level: ±6 dB.
const LEVEL_DB: f32 = 6.0;
/// Tone: ±0.4 on its −1 (dark) … +1 (bright) scale.
const TONE_DEPTH: f32 = 0.4;
/// Spread: ±50 % of the set spread.
const SPREAD: f32 = 0.5;
/// Voice distance: half an octave either way (0.5 m wanders between 0.35 and 0.71 m).
const DISTANCE_OCTAVES: f32 = 0.5;
/// Scales the sum of the octaves (standard deviation about 1) before `tanh` keeps it within
/// ±1: the wander's standard deviation comes out near 0.5, and its extremes are soft.
const SUM_SCALE: f32 = 0.6;

/// What each layer's wanders move, in stream order.
const LAYER_STREAMS: u32 = 4;
/// The voice distance's stream, after the layers'.
const DISTANCE_STREAM: u32 = 3 * LAYER_STREAMS;

/// The wander of `stream` under `seed` at `t_s` seconds: within −1…1, mean 0, standard deviation
/// about 0.5.
pub fn wander(seed: u32, stream: u32, t_s: f64) -> f32 {
    let mut sum = 0.0f32;
    for octave in 0..OCTAVES {
        let spacing = FASTEST_KNOT_S * (1u32 << octave) as f64;
        let u = t_s / spacing;
        let knot = u.floor();
        let f = (u - knot) as f32;
        let knot = knot as i64;
        let value = |offset: i64| knot_value(seed, stream, octave as u32, knot + offset);
        // Uniform cubic B-spline basis (de Boor), weights of knots i−1, i, i+1, i+2.
        let g = 1.0 - f;
        let w0 = g * g * g / 6.0;
        let w1 = (3.0 * f * f * f - 6.0 * f * f + 4.0) / 6.0;
        let w2 = (-3.0 * f * f * f + 3.0 * f * f + 3.0 * f + 1.0) / 6.0;
        let w3 = f * f * f / 6.0;
        sum += w0 * value(-1) + w1 * value(0) + w2 * value(1) + w3 * value(2);
    }
    math::tanh(SUM_SCALE * sum)
}

/// A knot's value, uniform in −1…1: SplitMix64's finaliser (Steele, Lea & Flood 2014) over the
/// knot's coordinates, so that any knot is reached without walking to it.
fn knot_value(seed: u32, stream: u32, octave: u32, knot: i64) -> f32 {
    let mut x = (u64::from(seed) << 40) ^ (u64::from(stream) << 32) ^ (u64::from(octave) << 28);
    x = x.wrapping_add((knot as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15));
    x ^= x >> 30;
    x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
    x ^= x >> 27;
    x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
    x ^= x >> 31;
    (x >> 40) as f32 / (1u64 << 23) as f32 - 1.0
}

/// The animated settings, kept between control ticks: the wanders are recomputed only when the
/// wander's step or what it moves changes (32 times a second, not on every tick of a ramp of
/// some other parameter, such as a Wind-down ramp).
#[derive(Debug, Clone, Default)]
pub struct Animation {
    /// The step (time / `STEP_S`) and the inputs the cached wander is for.
    key: Option<(i64, Inputs)>,
    /// The settings as animated at that key: the source of the moved values.
    moved: Settings,
    /// The latest result: the settings given, with the moved values.
    animated: Settings,
}

/// What the wander reads: the seed, the depth, and the values it moves.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Inputs {
    seed: u32,
    animate: f32,
    distance_m: f32,
    /// Per layer: on, density, level, tone, spread.
    layers: [(bool, f32, f32, f32, f32); 3],
}

impl Inputs {
    fn of(settings: &Settings) -> Self {
        Self {
            seed: settings.seed,
            animate: settings.animate,
            distance_m: settings.distance_m,
            layers: settings
                .layers
                .map(|l| (l.on, l.density_per_s, l.level_db, l.tone, l.spread_deg)),
        }
    }
}

impl Animation {
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// The settings of the latest [`apply`](Self::apply).
    pub fn current(&self) -> &Settings {
        &self.animated
    }

    /// `settings` with Animate applied at `t_s` seconds of song time. Call only with
    /// `settings.animate > 0`: at 0 the settings are used as they are.
    pub fn apply(&mut self, settings: &Settings, t_s: f64) -> &Settings {
        let key = ((t_s / STEP_S).floor() as i64, Inputs::of(settings));
        if self.key != Some(key) {
            self.key = Some(key);
            self.moved = animated(settings, key.0 as f64 * STEP_S);
        }
        self.animated = *settings;
        for (layer, moved) in self.animated.layers.iter_mut().zip(&self.moved.layers) {
            layer.density_per_s = moved.density_per_s;
            layer.level_db = moved.level_db;
            layer.tone = moved.tone;
            layer.spread_deg = moved.spread_deg;
        }
        self.animated.distance_m = self.moved.distance_m;
        &self.animated
    }
}

/// `settings` with every wander applied at `t_s`, at the depth `settings.animate` asks for.
pub fn animated(settings: &Settings, t_s: f64) -> Settings {
    let amount = settings.animate;
    let seed = settings.seed;
    let mut out = *settings;
    for (index, layer) in out.layers.iter_mut().enumerate() {
        if layer.on {
            let first = index as u32 * LAYER_STREAMS;
            let w = |k: u32| amount * wander(seed, first + k, t_s);
            animate_layer(layer, [w(0), w(1), w(2), w(3)]);
        }
    }
    let w = amount * wander(seed, DISTANCE_STREAM, t_s);
    out.distance_m = around_in_octaves(settings.distance_m, DISTANCE_OCTAVES * w, DISTANCE_M);
    out
}

/// One layer moved by its four scaled wanders (density, level, tone, spread).
fn animate_layer(layer: &mut LayerSettings, [density, level, tone, spread]: [f32; 4]) {
    // 0 events/s (MIDI only) stays 0.
    layer.density_per_s = around_in_octaves(
        layer.density_per_s,
        DENSITY_OCTAVES * density,
        DENSITY_PER_S,
    );
    layer.level_db = around(layer.level_db, LEVEL_DB * level, LAYER_LEVEL_DB);
    layer.tone = around(layer.tone, TONE_DEPTH * tone, TONE);
    layer.spread_deg = around(
        layer.spread_deg,
        SPREAD * spread * layer.spread_deg,
        SPREAD_DEG,
    );
}

/// `value` moved by `excursion`, inside `range`. An excursion towards an end of the range is
/// eased into the room left before it (`room · tanh(excursion / room)`) rather than cut off at
/// the end: a cut would put corners into the wander, and corners are fast movement. Near the
/// middle of a range the easing changes next to nothing.
fn around(value: f32, excursion: f32, range: Range) -> f32 {
    let room = if excursion > 0.0 {
        range.max - value
    } else {
        value - range.min
    };
    let eased = if room.is_infinite() {
        excursion
    } else if room > 0.0 {
        room * math::tanh(excursion / room)
    } else {
        0.0
    };
    range.clamp(value + eased)
}

/// [`around`] for a value that moves by ratios: `value · 2^octaves`, eased in octaves.
fn around_in_octaves(value: f32, octaves: f32, range: Range) -> f32 {
    if value <= 0.0 || octaves == 0.0 {
        return range.clamp(value);
    }
    let in_octaves = |v: f32| {
        if v > 0.0 {
            math::log2(v)
        } else {
            f32::NEG_INFINITY
        }
    };
    let octave_range = Range {
        min: in_octaves(range.min),
        max: in_octaves(range.max),
    };
    range.clamp(math::exp2(around(math::log2(value), octaves, octave_range)))
}

#[cfg(test)]
mod tests {
    use super::*;
    use realfft::RealFftPlanner;

    /// The wander of `stream` sampled once a second for `seconds`.
    fn sampled(seed: u32, stream: u32, seconds: usize) -> Vec<f64> {
        (0..seconds)
            .map(|t| f64::from(wander(seed, stream, t as f64)))
            .collect()
    }

    /// Power per FFT bin of `x` (mean removed, Hann window against leakage), and the bin width
    /// in Hz for 1 sample/s.
    fn power_spectrum(x: &[f64]) -> (Vec<f64>, f64) {
        let mean = x.iter().sum::<f64>() / x.len() as f64;
        let n = x.len() as f64;
        let mut input: Vec<f64> = x
            .iter()
            .enumerate()
            .map(|(i, v)| (v - mean) * (std::f64::consts::PI * i as f64 / n).sin().powi(2))
            .collect();
        let fft = RealFftPlanner::<f64>::new().plan_fft_forward(input.len());
        let mut spectrum = fft.make_output_vec();
        fft.process(&mut input, &mut spectrum).unwrap();
        (
            spectrum.iter().map(|c| c.norm_sqr()).collect(),
            1.0 / x.len() as f64,
        )
    }

    fn band_power(power: &[f64], bin_hz: f64, low_hz: f64, high_hz: f64) -> f64 {
        power
            .iter()
            .enumerate()
            .filter(|(k, _)| (low_hz..high_hz).contains(&(*k as f64 * bin_hz)))
            .map(|(_, p)| p)
            .sum()
    }

    #[test]
    fn a_wander_stays_within_one_and_centres_on_zero() {
        let x = sampled(7, 0, 8 * 3600);
        let mean = x.iter().sum::<f64>() / x.len() as f64;
        let sd = (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / x.len() as f64).sqrt();
        assert!(x.iter().all(|v| v.abs() <= 1.0));
        assert!(mean.abs() < 0.2, "mean {mean}");
        assert!((0.3..0.7).contains(&sd), "standard deviation {sd}");
    }

    #[test]
    fn nothing_moves_faster_than_the_twenty_second_knots() {
        // Four hours, once a second (the octaves' slowest knots are 640 s apart).
        for stream in [0, 5, DISTANCE_STREAM] {
            let (power, bin_hz) = power_spectrum(&sampled(3, stream, 4 * 3600));
            let total: f64 = power.iter().sum();
            let fast = band_power(&power, bin_hz, 0.05, 1.0);
            println!(
                "stream {stream}: {:.1} dB above 0.05 Hz",
                10.0 * (fast / total).log10()
            );
            assert!(
                fast / total < 1e-4,
                "stream {stream}: {:.2e} of the power above 0.05 Hz",
                fast / total
            );
        }
    }

    #[test]
    fn each_octave_of_time_scales_carries_similar_power() {
        // 1/f: the same power in every octave band from 40 s to 20 min periods, within a factor
        // of four either way (one seed's knots are a small sample of the slow octaves).
        let mut bands = vec![0.0; 5];
        for seed in 1..=8 {
            let (power, bin_hz) = power_spectrum(&sampled(seed, 1, 8 * 3600));
            for (octave, band) in bands.iter_mut().enumerate() {
                let low = 1.0 / (1280.0 / (1 << octave) as f64);
                *band += band_power(&power, bin_hz, low, 2.0 * low);
            }
        }
        let mean = bands.iter().sum::<f64>() / bands.len() as f64;
        for (octave, band) in bands.iter().enumerate() {
            assert!(
                (0.25..4.0).contains(&(band / mean)),
                "octave {octave}: {:.2} of the mean band power ({bands:?})",
                band / mean
            );
        }
    }

    #[test]
    fn seeds_and_streams_wander_apart_and_the_same_seed_repeats() {
        let a = sampled(11, 2, 3600);
        assert_eq!(a, sampled(11, 2, 3600));
        let correlation = |x: &[f64], y: &[f64]| {
            let dot = |p: &[f64], q: &[f64]| p.iter().zip(q).map(|(u, v)| u * v).sum::<f64>();
            dot(x, y) / (dot(x, x) * dot(y, y)).sqrt()
        };
        for other in [sampled(12, 2, 3600), sampled(11, 3, 3600)] {
            let r = correlation(&a, &other);
            assert!(r.abs() < 0.6, "correlation {r}");
            assert!(a.iter().zip(&other).any(|(x, y)| (x - y).abs() > 0.3));
        }
    }

    #[test]
    fn the_wander_is_continuous_at_knots_and_before_zero() {
        for t in [-40.0, -20.0, 0.0, 20.0, 640.0, 1280.0] {
            let before = wander(5, 0, t - 1e-6);
            let after = wander(5, 0, t + 1e-6);
            assert!(
                (before - after).abs() < 1e-4,
                "at {t} s: {before} → {after}"
            );
        }
    }

    fn busy() -> Settings {
        let mut settings = Settings::default();
        for layer in &mut settings.layers {
            layer.on = true;
        }
        settings
    }

    #[test]
    fn at_zero_nothing_moves_and_off_layers_never_move() {
        let mut settings = busy();
        assert_eq!(animated(&settings, 1234.5), settings);
        settings.animate = 1.0;
        settings.layers[1].on = false;
        let moved = animated(&settings, 1234.5);
        assert_eq!(moved.layers[1], settings.layers[1]);
        assert_ne!(moved.layers[0], settings.layers[0]);
        assert_ne!(moved.distance_m, settings.distance_m);
    }

    #[test]
    fn the_animated_settings_stay_in_their_ranges() {
        let mut settings = busy();
        settings.animate = 1.0;
        settings.distance_m = DISTANCE_M.max;
        for layer in &mut settings.layers {
            layer.density_per_s = DENSITY_PER_S.max;
            layer.level_db = LAYER_LEVEL_DB.max;
            layer.tone = TONE.max;
            layer.spread_deg = SPREAD_DEG.max;
        }
        for t in (0..3600).step_by(7) {
            let moved = animated(&settings, t as f64);
            assert_eq!(moved, moved.sanitized(), "at {t} s");
        }
    }

    #[test]
    fn the_cache_follows_the_step_and_the_settings() {
        let mut settings = busy();
        settings.animate = 0.5;
        let mut animation = Animation::default();
        let at =
            |animation: &mut Animation, settings: &Settings, t: f64| *animation.apply(settings, t);
        assert_eq!(
            at(&mut animation, &settings, 100.0),
            animated(&settings, 100.0)
        );
        // Within one step the result holds; the next step is evaluated afresh.
        assert_eq!(
            at(&mut animation, &settings, 100.0 + STEP_S / 2.0),
            animated(&settings, 100.0)
        );
        assert_eq!(
            at(&mut animation, &settings, 100.0 + STEP_S),
            animated(&settings, 100.0 + STEP_S)
        );
        settings.animate = 1.0;
        assert_eq!(
            at(&mut animation, &settings, 100.0 + STEP_S),
            animated(&settings, 100.0 + STEP_S)
        );
        // What the wander leaves alone (a Wind-down ramp, the azimuth) comes through as given,
        // with the wander kept; what it moves is evaluated afresh.
        settings.wind_down = 0.25;
        settings.azimuth_deg = 30.0;
        let moved = at(&mut animation, &settings, 100.0 + STEP_S);
        assert_eq!(moved, animated(&settings, 100.0 + STEP_S));
        assert_eq!((moved.wind_down, moved.azimuth_deg), (0.25, 30.0));
        settings.layers[1].level_db -= 3.0;
        assert_eq!(
            at(&mut animation, &settings, 100.0 + STEP_S),
            animated(&settings, 100.0 + STEP_S)
        );
    }
}
