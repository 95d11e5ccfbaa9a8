//! The Calm Guard through the whole engine: the ceiling holds on anything, and signals that
//! stay 3 dB below it are not touched at all.

mod common;

use common::*;
use murmur::engine::Settings;
use murmur::motion::MotionMode;

const FS: f32 = 48_000.0;

#[test]
fn full_scale_noise_at_plus_12_db_never_exceeds_the_ceiling() {
    let len = (2.0 * FS) as usize;
    let left = noise(len, 1.0, 1);
    let right = noise(len, 1.0, 2);
    for ceiling_db in [-6.0f32, -20.0] {
        let settings = Settings {
            motion: MotionMode::Orbit,
            motion_rate_hz: 1.0,
            width: 1.0,
            voice_level_db: 12.0,
            distance_m: 0.1,
            ceiling_db,
            ..Settings::default()
        };
        let (l, r) = render_stereo(&left, &right, FS, &settings, 480);
        let ceiling = 10f32.powf(ceiling_db / 20.0);
        let worst = peak(&l).max(peak(&r));
        println!(
            "ceiling {ceiling_db} dBFS: peak {:.3} dBFS",
            20.0 * worst.log10()
        );
        assert!(
            worst <= ceiling,
            "ceiling {ceiling_db}: peak {worst} > {ceiling}"
        );
        // And it is really limiting, not muting.
        assert!(worst > 0.9 * ceiling);
    }
}

#[test]
fn signals_3_db_under_the_ceiling_pass_bit_identical() {
    let len = FS as usize;
    let input = noise(len, 0.1, 3);
    for ceiling_db in [-6.0f32, -20.0] {
        let guard_off = Settings {
            motion: MotionMode::EarToEar,
            ceiling_db,
            calm_guard: false,
            ..Settings::default()
        };
        // Scale the input so that the unguarded output peaks just under ceiling − 3 dB.
        let (l, r) = render_stereo(&input, &input, FS, &guard_off, 480);
        let knee = 10f32.powf((ceiling_db - 3.0) / 20.0);
        let scale = 0.999 * knee / peak(&l).max(peak(&r));
        let scaled: Vec<f32> = input.iter().map(|x| x * scale).collect();

        let off = render_stereo(&scaled, &scaled, FS, &guard_off, 480);
        assert!(peak(&off.0).max(peak(&off.1)) <= knee);
        let guard_on = Settings {
            calm_guard: true,
            ..guard_off
        };
        let on = render_stereo(&scaled, &scaled, FS, &guard_on, 480);
        assert!(
            off == on,
            "ceiling {ceiling_db}: the guard changed a signal below its knee"
        );
    }
}
