//! Stereo input: at 0 % width it is the mono sum; at 100 % left and right become two sources
//! 45° either side of the voice.

mod common;

use common::*;
use murmur::binaural::head_model::woodworth_itd_s;
use murmur::engine::{Engine, InputChannels, Settings};

const FS: f32 = 48_000.0;

fn render_stereo(left: &[f32], right: &[f32], settings: &Settings) -> (Vec<f32>, Vec<f32>) {
    let mut engine = Engine::new(FS, 256).unwrap();
    let (mut l, mut r) = (left.to_vec(), right.to_vec());
    for (a, b) in l.chunks_mut(256).zip(r.chunks_mut(256)) {
        engine.process(InputChannels::Stereo, a, b, settings, None);
    }
    (l, r)
}

#[test]
fn zero_width_is_the_mono_sum() {
    let left = noise(FS as usize / 2, 0.1, 21);
    let right = noise(FS as usize / 2, 0.1, 22);
    let settings = Settings {
        azimuth_deg: 40.0,
        ..measuring_settings(40.0, 10.0, 0.7)
    };
    let (sl, sr) = render_stereo(&left, &right, &settings);
    let mono: Vec<f32> = left
        .iter()
        .zip(&right)
        .map(|(a, b)| 0.5 * (a + b))
        .collect();
    let (ml, mr) = render_mono(&mono, FS, &settings, 256);
    let diff = sl
        .iter()
        .zip(&ml)
        .chain(sr.iter().zip(&mr))
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(
        diff < 1e-6,
        "stereo at 0 % width differs from the mono sum by {diff}"
    );
}

#[test]
fn full_width_places_the_channels_45_degrees_either_side() {
    let signal = noise(FS as usize / 2, 0.1, 23);
    let silence = vec![0.0; signal.len()];
    let settings = Settings {
        width: 1.0,
        ..measuring_settings(0.0, 0.0, 1.0)
    };
    let expected_us = woodworth_itd_s(45f32.to_radians(), 0.0875) as f64 * 1e6;
    for (left_in, right_in, side) in [(&signal, &silence, -1.0), (&silence, &signal, 1.0)] {
        let (l, r) = render_stereo(left_in, right_in, &settings);
        let skip = (0.1 * FS) as usize;
        let itd_us = itd_s(&l[skip..], &r[skip..], FS) * 1e6;
        println!(
            "channel at {side:+}·45°: ITD {itd_us:.1} µs (Woodworth {:.1})",
            side * expected_us
        );
        assert!(
            (itd_us - side * expected_us).abs() < 20.0,
            "ITD {itd_us:.1} µs, expected {:.1}",
            side * expected_us
        );
    }
}
