//! Rendering through the real `Engine` as a host drives it: in host blocks, with its latency
//! compensated, with settings that change at given samples; and the settings that measure the
//! binaural renderer alone.

use murmur::engine::{Engine, InputChannels, Settings, Transport};

use crate::measure::worst_hf_ratio_db;
use crate::signal::sine;

/// The sample rates every cue test runs at.
pub const RATES: [f32; 3] = [44_100.0, 48_000.0, 96_000.0];

/// Settings for measuring the renderer alone: static source, fully wet, no limiter, no bass
/// boost, unity gains.
pub fn measuring_settings(azimuth_deg: f32, elevation_deg: f32, distance_m: f32) -> Settings {
    Settings {
        azimuth_deg,
        elevation_deg,
        distance_m,
        calm_guard: false,
        proximity: 0.0,
        ..Settings::default()
    }
}

/// Renders `left`/`right` with constant settings in host blocks of `block` samples, with the
/// engine's latency compensated as a host does: the output is aligned with the input.
fn render(
    input: InputChannels,
    mut left: Vec<f32>,
    mut right: Vec<f32>,
    fs: f32,
    settings: &Settings,
    block: usize,
) -> (Vec<f32>, Vec<f32>) {
    let mut engine = Engine::new(fs, block).expect("engine");
    let latency = engine.latency(input);
    left.resize(left.len() + latency, 0.0);
    right.resize(right.len() + latency, 0.0);
    for (l, r) in left.chunks_mut(block).zip(right.chunks_mut(block)) {
        engine.process(input, l, r, settings, None);
    }
    (left.split_off(latency), right.split_off(latency))
}

/// Renders a mono input with constant settings in host blocks of `block` samples.
pub fn render_mono(
    input: &[f32],
    fs: f32,
    settings: &Settings,
    block: usize,
) -> (Vec<f32>, Vec<f32>) {
    let silence = vec![0.0; input.len()];
    render(
        InputChannels::Mono,
        input.to_vec(),
        silence,
        fs,
        settings,
        block,
    )
}

/// Renders a stereo input with constant settings in host blocks of `block` samples.
pub fn render_stereo(
    left: &[f32],
    right: &[f32],
    fs: f32,
    settings: &Settings,
    block: usize,
) -> (Vec<f32>, Vec<f32>) {
    render(
        InputChannels::Stereo,
        left.to_vec(),
        right.to_vec(),
        fs,
        settings,
        block,
    )
}

/// A block-splitting renderer with settings that change at given sample positions (as a host
/// with sample-accurate automation does) and an optional transport advancing with the audio.
/// The engine's latency is compensated as a host does.
pub fn render_automated(
    input: &[f32],
    fs: f32,
    block: usize,
    changes: &[(usize, Settings)],
    transport: Option<Transport>,
) -> (Vec<f32>, Vec<f32>) {
    let mut engine = Engine::new(fs, block).expect("engine");
    let latency = engine.latency(InputChannels::Mono);
    let mut left = input.to_vec();
    left.resize(input.len() + latency, 0.0);
    let mut right = vec![0.0; left.len()];
    let total = left.len();
    let mut start = 0;
    while start < total {
        // Split at block boundaries and at every settings change.
        let mut end = (start / block + 1) * block;
        for &(at, _) in changes {
            if at > start && at < end {
                end = at;
            }
        }
        let end = end.min(total);
        let settings = changes
            .iter()
            .rev()
            .find(|(at, _)| *at <= start)
            .map(|(_, s)| *s)
            .unwrap_or_default();
        let transport = transport.map(|t| Transport {
            position_quarters: t
                .position_quarters
                .map(|p| p + start as f64 * t.tempo_bpm / 60.0 / fs as f64),
            ..t
        });
        engine.process(
            InputChannels::Mono,
            &mut left[start..end],
            &mut right[start..end],
            &settings,
            transport.as_ref(),
        );
        start = end;
    }
    (left.split_off(latency), right.split_off(latency))
}
/// The click criterion of the motion tests: energy above 4 kHz in every 10 ms window, relative
/// to the window.
pub const CLICK_LIMIT_DB: f64 = -50.0;

/// Renders a 2 s, 500 Hz sine at 48 kHz in every motion mode at 2 Hz, at softness 0 and 100 %,
/// through `render(input, settings built on base)`, and asserts that no window of either ear
/// passes the click criterion. Returns the worst window, dB above 4 kHz.
pub fn assert_no_mode_clicks(
    base: &Settings,
    mut render: impl FnMut(&[f32], &Settings) -> (Vec<f32>, Vec<f32>),
) -> f64 {
    const FS: f32 = 48_000.0;
    let input = sine((2.0 * FS) as usize, 500.0, 0.1, FS);
    let mut worst = f64::NEG_INFINITY;
    for mode in murmur::motion::MotionMode::ALL {
        for softness in [0.0, 1.0] {
            let settings = Settings {
                motion: mode,
                motion_rate_hz: 2.0,
                softness,
                ..*base
            };
            let (l, r) = render(&input, &settings);
            for ear in [&l, &r] {
                let ratio = worst_hf_ratio_db(ear, FS);
                worst = worst.max(ratio);
                assert!(
                    ratio <= CLICK_LIMIT_DB,
                    "{mode:?} softness {softness}: {ratio:.1} dB above 4 kHz"
                );
            }
        }
    }
    worst
}
