//! The room through the whole engine: its reverberation time per octave band, the
//! direct-to-reverberant ratio against distance, the tail's interaural coherence.

use murmur::engine::Settings;
use murmur::room::RoomKind;
use murmur::room::design::OCTAVE_BANDS_HZ;
use testkit::measure::{band_passed, iacc, schroeder_decay_time_of};
use testkit::render::{measuring_settings, render_mono};

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
