//! `murmur demo`: thirty seconds that show what Murmur does, with nothing to download. A
//! built-in breathy, voice-like source (noise shaped like whispered syllables) travels from
//! ear to ear while taps step around the head, crinkles sit at the left ear and drops fall
//! here and there.

use murmur::dsp::math::{exp, sin};
use murmur::engine::{Engine, InputChannels, LayerSettings, Settings};
use murmur::motion::MotionMode;
use murmur::triggers::{Placement, TriggerKind};

/// Length of the demo, seconds.
pub const DEMO_S: f64 = 30.0;
/// Sample rate of the demo, Hz.
pub const DEMO_RATE: u32 = 48_000;
/// Syllables per second of the whisper-like source (a calm whispering pace).
const SYLLABLES_PER_S: f32 = 3.0;

/// The demo's settings: an ear-to-ear voice and three trigger layers.
pub fn settings() -> Settings {
    let mut settings = Settings {
        motion: MotionMode::EarToEar,
        motion_rate_hz: 0.1,
        distance_m: 0.35,
        seed: 2024,
        ..Settings::default()
    };
    settings.layers = [
        LayerSettings {
            on: true,
            placement: Placement::Sweep,
            spread_deg: 180.0,
            density_per_s: 2.5,
            ..LayerSettings::default_for(TriggerKind::WoodTap)
        },
        LayerSettings {
            on: true,
            placement: Placement::LeftEar,
            distance_m: 0.15,
            density_per_s: 0.6,
            level_db: -16.0,
            ..LayerSettings::default_for(TriggerKind::Crinkle)
        },
        LayerSettings {
            on: true,
            spread_deg: 180.0,
            density_per_s: 1.5,
            level_db: -15.0,
            ..LayerSettings::default_for(TriggerKind::Drops)
        },
    ];
    settings
}

/// The whisper-like source: white noise through a gentle "sh"-to-"h" band (two one-poles),
/// under a syllable envelope (raised-cosine syllables with short pauses).
pub fn whisper(len: usize, rate: f32) -> Vec<f32> {
    let mut state = 0x1357_9bdfu32;
    let (mut low, mut lower) = (0.0f32, 0.0f32);
    let k_low = 1.0 - exp(-std::f32::consts::TAU * 4_000.0 / rate);
    let k_lower = 1.0 - exp(-std::f32::consts::TAU * 600.0 / rate);
    let syllable = rate / SYLLABLES_PER_S;
    (0..len)
        .map(|n| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let noise = (state as i32 >> 8) as f32 / 8_388_608.0;
            low += k_low * (noise - low);
            lower += k_lower * (low - lower);
            // Band between about 600 Hz and 4 kHz, where whispered vowels sit.
            let band = low - lower;
            let phase = (n as f32 % syllable) / syllable;
            // Every fourth syllable is a pause: breathing room.
            let speaking = (n as f32 / syllable) as u32 % 4 != 3;
            let envelope = if speaking && phase < 0.8 {
                sin(std::f32::consts::PI * phase / 0.8).powi(2)
            } else {
                0.0
            };
            0.8 * band * envelope
        })
        .collect()
}

/// Renders the demo: stereo samples, left and right, with the engine's latency compensated as
/// a host does (the whisper starts where it starts in the input).
pub fn render() -> Result<(Vec<f32>, Vec<f32>), String> {
    let rate = DEMO_RATE as f32;
    let len = (DEMO_S * DEMO_RATE as f64) as usize;
    let settings = settings();
    let mut engine = Engine::new(rate, 1024).map_err(|e| e.to_string())?;
    let latency = engine.latency(InputChannels::Mono);
    let mut left = whisper(len, rate);
    left.resize(len + latency, 0.0);
    let mut right = vec![0.0; len + latency];
    for (l, r) in left.chunks_mut(1024).zip(right.chunks_mut(1024)) {
        engine.process(InputChannels::Mono, l, r, &settings, None);
    }
    Ok((left.split_off(latency), right.split_off(latency)))
}
