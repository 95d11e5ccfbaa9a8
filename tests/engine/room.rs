//! The room through the whole engine: its reverberation time per octave band, the
//! direct-to-reverberant ratio against distance, the tail's interaural coherence; no clicks
//! when it moves or switches, the same samples in any block size, the Calm Guard's ceiling,
//! no allocation, and nothing of it left once it is off.

use murmur::engine::{Engine, InputChannels, Settings};
use murmur::motion::MotionMode;
use murmur::room::RoomKind;
use murmur::room::design::OCTAVE_BANDS_HZ;
use testkit::measure::{
    band_passed, iacc, max_abs_diff, peak, schroeder_decay_time_of, worst_hf_ratio_db,
};
use testkit::render::{CLICK_LIMIT_DB, measuring_settings, render_automated, render_mono};
use testkit::signal::{noise, sine};

const FS: f32 = 48_000.0;
const ROOMS: [RoomKind; 4] = [
    RoomKind::Booth,
    RoomKind::Bedroom,
    RoomKind::LivingRoom,
    RoomKind::Bathroom,
];

/// The room's share of the engine's impulse response (on − off), left and right, for a voice
/// at `settings` position, `seconds` long.
fn room_response(settings: &Settings, seconds: f32) -> (Vec<f32>, Vec<f32>, Vec<f32>, Vec<f32>) {
    let mut impulse = vec![0.0f32; (seconds * FS) as usize];
    impulse[0] = 0.05;
    let off = Settings {
        room: RoomKind::Off,
        ..*settings
    };
    let (on_l, on_r) = render_mono(&impulse, FS, settings, 512);
    let (off_l, off_r) = render_mono(&impulse, FS, &off, 512);
    let room_l = on_l.iter().zip(&off_l).map(|(a, b)| a - b).collect();
    let room_r = on_r.iter().zip(&off_r).map(|(a, b)| a - b).collect();
    (off_l, off_r, room_l, room_r)
}

fn in_room(room: RoomKind, distance_m: f32) -> Settings {
    in_room_at(room, 30.0, distance_m)
}

fn in_room_at(room: RoomKind, azimuth_deg: f32, distance_m: f32) -> Settings {
    Settings {
        room,
        ..measuring_settings(azimuth_deg, 0.0, distance_m)
    }
}

#[test]
fn every_room_decays_as_designed_in_every_octave_band() {
    let mut failures = Vec::new();
    for room in ROOMS {
        let design = room.design().unwrap();
        let seconds = 2.0 * design.t60_low_s + 0.3;
        let (_, _, l, r) = room_response(&in_room_at(room, 0.0, 0.5), seconds);
        for (band, design_t60) in OCTAVE_BANDS_HZ.iter().zip(design.t60_bands_s()) {
            let (lo, hi) = (*band as f64 / 2f64.sqrt(), *band as f64 * 2f64.sqrt());
            let (bl, br) = (band_passed(&l, FS, lo, hi), band_passed(&r, FS, lo, hi));
            let t20 = schroeder_decay_time_of(&[&bl, &br], FS, -5.0, -25.0);
            let error = t20 / design_t60 as f64 - 1.0;
            eprintln!(
                "{room:?} {band} Hz: T20 {t20:.3} s, design {design_t60:.3} s ({:+.1} %)",
                100.0 * error
            );
            if error.abs() > 0.10 {
                failures.push(format!("{room:?} {band} Hz: {t20:.3} vs {design_t60:.3}"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn the_direct_to_reverberant_ratio_follows_the_distance() {
    let distances = [0.1, 0.15, 0.2, 0.3, 0.5, 0.7, 1.0, 1.5, 2.0, 3.0];
    let mut ratios = Vec::new();
    for d in distances {
        let settings = Settings {
            proximity: 1.0,
            ..in_room(RoomKind::Bedroom, d)
        };
        let (dl, dr, rl, rr) = room_response(&settings, 1.4);
        let energy = |x: &[f32]| x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>();
        let drr = 10.0 * ((energy(&dl) + energy(&dr)) / (energy(&rl) + energy(&rr))).log10();
        eprintln!("Bedroom DRR at {d} m: {drr:+.1} dB");
        ratios.push(drr);
    }
    assert!(ratios[0] >= 15.0, "{ratios:?}");
    assert!(ratios[0] - ratios[ratios.len() - 1] >= 20.0, "{ratios:?}");
    assert!(ratios.windows(2).all(|w| w[1] < w[0]), "{ratios:?}");
}

/// The late tail's interaural coherence in the third-octave band around `centre` Hz: the IACC
/// (ISO 3382-1, lags within ±1 ms) of both ears band-passed, from 80 ms after the sound to
/// where the band has decayed 30 dB (half its design T60), with the decay flattened (each
/// sample scaled up by the design's decay) so that the whole span counts alike. Without the
/// flattening the first few milliseconds outweigh the rest, and a short tail's estimate rests
/// on a handful of independent values.
fn late_coherence(l: &[f32], r: &[f32], design_t60: f32, centre: f64) -> f64 {
    let (lo, hi) = (centre / 2f64.powf(1.0 / 6.0), centre * 2f64.powf(1.0 / 6.0));
    let start = (0.080 * FS) as usize;
    let end = start + (0.5 * design_t60 * FS) as usize;
    let flatten = |x: &[f32]| -> Vec<f64> {
        band_passed(x, FS, lo, hi)[start..end]
            .iter()
            .enumerate()
            .map(|(n, v)| v * 10f64.powf(3.0 * n as f64 / (design_t60 * FS) as f64))
            .collect()
    };
    iacc(&flatten(l), &flatten(r), FS, 0.001)
}

#[test]
fn the_tail_is_coherent_low_and_decorrelated_high() {
    const THIRD_OCTAVES: [f64; 18] = [
        100.0, 125.0, 160.0, 200.0, 250.0, 315.0, 400.0, 500.0, 630.0, 800.0, 1000.0, 1250.0,
        1600.0, 2000.0, 2500.0, 3150.0, 4000.0, 5000.0,
    ];
    let mut failures = Vec::new();
    for room in ROOMS {
        let design = room.design().unwrap();
        let (_, _, l, r) = room_response(&in_room(room, 1.0), 2.0 * design.t60_low_s + 0.3);
        for centre in THIRD_OCTAVES {
            let c = late_coherence(&l, &r, design.t60_s(centre as f32), centre);
            eprintln!("{room:?} {centre} Hz: coherence {c:.2}");
            let (lo, hi) = (centre / 2f64.powf(1.0 / 6.0), centre * 2f64.powf(1.0 / 6.0));
            if (hi <= 300.0 && c < 0.8) || (lo >= 1400.0 && c > 0.3) {
                failures.push(format!("{room:?} {centre} Hz: {c:.2}"));
            }
        }
    }
    assert!(failures.is_empty(), "{failures:#?}");
}

#[test]
fn a_room_switched_off_rings_out_and_then_leaves_the_output_as_without_one() {
    // Bedroom for the first half second, then Off: once the room has rung out (1.5 × its
    // longest decay), every sample is the room-less render's, bit for bit.
    let input = noise((3.0 * FS) as usize, 0.1, 7);
    let base = measuring_settings(-60.0, 0.0, 1.0);
    let bedroom = Settings {
        room: RoomKind::Bedroom,
        ..base
    };
    let (l, r) = render_automated(
        &input,
        FS,
        256,
        &[(0, bedroom), ((0.5 * FS) as usize, base)],
        None,
    );
    let (l0, r0) = render_mono(&input, FS, &base, 256);
    let quiet_from = ((0.5 + 1.5 * 0.5 + 0.2) * FS) as usize;
    let differing = |a: &[f32], b: &[f32]| a.iter().zip(b).filter(|(x, y)| x != y).count();
    assert!(
        differing(&l[..quiet_from], &l0[..quiet_from]) > 0,
        "the room was heard"
    );
    assert_eq!(differing(&l[quiet_from..], &l0[quiet_from..]), 0);
    assert_eq!(differing(&r[quiet_from..], &r0[quiet_from..]), 0);
}

/// A 500 Hz sine at 0.1 for `seconds`, faded in over 50 ms: an abrupt start is a click of the
/// test signal's own, which a room rightly carries into its tail.
fn soft_sine(seconds: f32) -> Vec<f32> {
    let mut x = sine((seconds * FS) as usize, 500.0, 0.1, FS);
    let fade = (0.05 * FS) as usize;
    for (n, v) in x.iter_mut().take(fade).enumerate() {
        *v *= 0.5 - 0.5 * (std::f32::consts::PI * n as f32 / fade as f32).cos();
    }
    x
}

#[test]
fn no_motion_mode_clicks_in_a_room() {
    // Every motion mode at 2 Hz, softness 0 and 100 %, in the live bathroom and the bedroom.
    let input = soft_sine(2.0);
    for room in [RoomKind::Bathroom, RoomKind::Bedroom] {
        for mode in MotionMode::ALL {
            for softness in [0.0, 1.0] {
                let settings = Settings {
                    room,
                    motion: mode,
                    motion_rate_hz: 2.0,
                    softness,
                    ..Settings::default()
                };
                let (l, r) = render_mono(&input, FS, &settings, 128);
                for ear in [&l, &r] {
                    let worst = worst_hf_ratio_db(ear, FS);
                    assert!(
                        worst <= CLICK_LIMIT_DB,
                        "{room:?} {mode:?} softness {softness}: {worst:.1} dB above 4 kHz"
                    );
                }
            }
        }
    }
}

#[test]
fn switching_rooms_and_their_level_under_playback_does_not_click() {
    let input = soft_sine(4.0);
    let at = |s: f32| (s * FS) as usize;
    let with = |room, room_level_db| Settings {
        room,
        room_level_db,
        motion: MotionMode::Orbit,
        motion_rate_hz: 0.5,
        ..Settings::default()
    };
    let changes = [
        (0, with(RoomKind::Off, 0.0)),
        (at(0.3), with(RoomKind::Bedroom, 0.0)),
        (at(0.8), with(RoomKind::Bathroom, 0.0)),
        (at(1.3), with(RoomKind::Bathroom, -24.0)),
        (at(1.6), with(RoomKind::Bathroom, 6.0)),
        (at(2.0), with(RoomKind::Booth, 6.0)),
        (at(2.4), with(RoomKind::Off, 6.0)),
        (at(2.45), with(RoomKind::LivingRoom, 0.0)),
        (at(3.0), with(RoomKind::Off, 0.0)),
    ];
    for block in [64, 333] {
        let (l, r) = render_automated(&input, FS, block, &changes, None);
        for ear in [&l, &r] {
            let worst = worst_hf_ratio_db(ear, FS);
            assert!(
                worst <= CLICK_LIMIT_DB,
                "block {block}: {worst:.1} dB above 4 kHz"
            );
        }
    }
}

#[test]
fn a_room_renders_alike_in_any_block_size() {
    // A moving voice and three trigger layers in the living room, its level automated.
    let input = noise((1.5 * FS) as usize, 0.1, 11);
    let mut layers = Settings::default().layers;
    for layer in &mut layers {
        layer.on = true;
        layer.density_per_s = 10.0;
    }
    let settings = |room_level_db| Settings {
        room: RoomKind::LivingRoom,
        room_level_db,
        motion: MotionMode::FigureEight,
        motion_rate_hz: 1.0,
        layers,
        ..Settings::default()
    };
    let changes = [(0, settings(0.0)), ((0.7 * FS) as usize, settings(-9.0))];
    let reference = render_automated(&input, FS, 4096, &changes, None);
    for block in [1, 37, 64, 512] {
        let other = render_automated(&input, FS, block, &changes, None);
        let diff = max_abs_diff(&reference, &other);
        assert!(diff <= 1e-6, "block {block}: {diff:e}");
    }
}

#[test]
fn the_calm_guard_holds_its_ceiling_in_a_live_room() {
    // A loud close voice in the bathroom at +6 dB Room Level, ceiling −12 dBFS.
    let input = noise((2.0 * FS) as usize, 0.9, 5);
    let settings = Settings {
        room: RoomKind::Bathroom,
        room_level_db: 6.0,
        distance_m: 0.1,
        motion: MotionMode::EarToEar,
        voice_level_db: 12.0,
        ceiling_db: -12.0,
        ..Settings::default()
    };
    let (l, r) = render_mono(&input, FS, &settings, 512);
    let ceiling = 10f32.powf(-12.0 / 20.0);
    let loudest = peak(&l).max(peak(&r));
    assert!(loudest <= ceiling * 1.0001, "{loudest} over {ceiling}");
}

#[test]
fn rooms_switching_under_playback_never_allocate() {
    let mut engine = Engine::new(FS, 256).unwrap();
    let mut layers = Settings::default().layers;
    layers[0].on = true;
    layers[0].density_per_s = 20.0;
    let input = noise(256, 0.3, 2);
    for block in 0..600 {
        let settings = Settings {
            room: RoomKind::ALL[(block / 40) % RoomKind::ALL.len()],
            room_level_db: (block % 30) as f32 - 24.0,
            motion: MotionMode::Orbit,
            motion_rate_hz: 2.0,
            layers,
            ..Settings::default()
        };
        let mut left = input.clone();
        let mut right = input.clone();
        nice_assert_no_alloc::assert_no_alloc(|| {
            engine.process(InputChannels::Mono, &mut left, &mut right, &settings, None);
        });
    }
}
