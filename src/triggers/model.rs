//! What every trigger model shares: the per-event parameters, the model interface, and the
//! mappings of the layer's Variation control onto pitch and timbre.
//!
//! A model synthesizes one event (a tap, a crinkle gesture, a drop…) as a mono signal; the
//! layer places it and renders it binaurally. Models are plain fixed-size values (no heap), so
//! a voice can switch model on the audio thread without allocating.

use crate::dsp::math::exp2;
use rand_pcg::Pcg32;

/// Widest pitch deviation Variation gives an event, octaves either way at 100 %.
pub const VARIATION_PITCH_OCTAVES: f32 = 0.5;

/// Everything an event is told when it starts. The layer draws the random parts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventParams {
    /// How hard the event is played, `0..=1` (MIDI velocity, or 1 for scheduled events).
    /// Models use it for timbre only (harder is brighter); the voice applies the level.
    pub intensity: f32,
    /// Spectral tilt, `-1` (dark) `..= 1` (bright).
    pub tone: f32,
    /// Object size, `0..=1`: larger is lower.
    pub size: f32,
    /// Decay length, `0..=1`: longer rings and gestures.
    pub decay: f32,
    /// The layer's Variation, `0..=1`: how far this event may stray from the nominal sound.
    pub variation: f32,
    /// This event's pitch draw, `-1..=1`; the layer keeps consecutive draws apart, so that no
    /// two consecutive events are alike whenever `variation` is above zero.
    pub detune: f32,
    /// This event's timbre draw, `-1..=1` (strike position, brightness, gesture shape).
    pub timbre: f32,
    /// Longest this event should last, seconds (infinite: no limit). At high densities the
    /// layer asks for shorter events, so that about [`OVERLAPPING_EVENTS`] overlap at most:
    /// a hand cannot make thirty half-second squeezes a second, and a pile of them is a wash,
    /// not a texture. Models whose length is free (gestures, showers) shorten to it; models
    /// with a set length range keep to their range.
    pub length_cap_s: f32,
}

/// How many of a layer's events may overlap, on average, before they are shortened.
pub const OVERLAPPING_EVENTS: f32 = 3.0;

impl Default for EventParams {
    /// The design's defaults, at full intensity, with no deviation.
    fn default() -> Self {
        Self {
            intensity: 1.0,
            tone: 0.0,
            size: 0.5,
            decay: 0.5,
            variation: 0.0,
            detune: 0.0,
            timbre: 0.0,
            length_cap_s: f32::INFINITY,
        }
    }
}

impl EventParams {
    /// This event's pitch factor from Variation: `2^(±0.5·variation·detune)` octaves.
    pub fn pitch_ratio(&self) -> f32 {
        exp2(VARIATION_PITCH_OCTAVES * self.variation * self.detune)
    }

    /// `length_s` shortened to the length cap, but never below `min_s`.
    pub fn capped_length_s(&self, length_s: f32, min_s: f32) -> f32 {
        length_s.min(self.length_cap_s.max(min_s))
    }

    /// This event's timbre deviation, `variation · timbre`, in `-1..=1`.
    pub fn timbre_offset(&self) -> f32 {
        self.variation * self.timbre
    }
}

/// One kind of synthesized trigger.
///
/// `new` may allocate nothing (models are fixed-size values); `start` and `render` run on the
/// audio thread and must not allocate, lock or loop without bound. Every time constant is given
/// in seconds or Hz and converted with the sample rate, so an event lasts and sounds the same
/// at every rate.
pub trait TriggerModel {
    /// A silent model for `sample_rate` Hz.
    fn new(sample_rate: f32) -> Self
    where
        Self: Sized;

    /// Starts a new event, replacing whatever was sounding. `rng` is this event's own
    /// generator: every random choice (noise seeds included) comes from it, so the same
    /// generator state gives the same event.
    fn start(&mut self, event: &EventParams, rng: &mut Pcg32);

    /// Overwrites `out` with the next samples of the event. Returns `false` once the event has
    /// ended; from then on `out` is all zeros. Output peaks roughly between 0.3 and 1.0 at
    /// default settings, whatever the intensity.
    fn render(&mut self, out: &mut [f32]) -> bool;
}
