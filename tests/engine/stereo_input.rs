//! Stereo input: at 0 % width it is the mono sum; at 100 % left and right become two sources
//! 45° either side of the voice.

use murmur::binaural::head_model::woodworth_itd_s;
use murmur::engine::Settings;
use testkit::measure::*;
use testkit::render::*;
use testkit::signal::*;

const FS: f32 = 48_000.0;

#[test]
fn zero_width_is_the_mono_sum() {
    let left = noise(FS as usize / 2, 0.1, 21);
    let right = noise(FS as usize / 2, 0.1, 22);
    let settings = measuring_settings(40.0, 10.0, 0.7);
    let stereo = render_stereo(&left, &right, FS, &settings, 256);
    let sum: Vec<f32> = left
        .iter()
        .zip(&right)
        .map(|(a, b)| 0.5 * (a + b))
        .collect();
    let mono = render_mono(&sum, FS, &settings, 256);
    let diff = max_abs_diff(&stereo, &mono);
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
        let (l, r) = render_stereo(left_in, right_in, FS, &settings, 256);
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
