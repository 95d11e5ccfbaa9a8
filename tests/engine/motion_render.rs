//! Motion through the whole engine: no clicks in any mode, output independent of the host's
//! block size (also under sample-accurate automation), and transport sync.

use murmur::binaural::CONTROL_PERIOD;
use murmur::engine::{Engine, InputChannels, Settings, Transport};
use murmur::motion::{MotionMode, SyncDivision};
use testkit::measure::*;
use testkit::render::*;
use testkit::signal::*;

const FS: f32 = 48_000.0;

fn moving(mode: MotionMode, softness: f32) -> Settings {
    Settings {
        motion: mode,
        motion_rate_hz: 2.0,
        softness,
        ..Settings::default()
    }
}

#[test]
fn no_motion_mode_clicks_on_a_500_hz_sine() {
    let worst = assert_no_mode_clicks(&Settings::default(), |input, settings| {
        render_mono(input, FS, settings, 512)
    });
    println!("worst window over all modes: {worst:.1} dB above 4 kHz");
}

#[test]
fn a_180_degree_jump_inside_one_block_does_not_click() {
    let input = sine(FS as usize, 500.0, 0.1, FS);
    for (from, to) in [(-90.0, 90.0), (0.0, 180.0), (90.0, -90.0)] {
        let start = Settings {
            azimuth_deg: from,
            ..Settings::default()
        };
        let jumped = Settings {
            azimuth_deg: to,
            ..Settings::default()
        };
        // The jump lands in the middle of a 512-sample host block.
        let (l, r) = render_automated(&input, FS, 512, &[(0, start), (10_000, jumped)], None);
        for ear in [&l, &r] {
            let ratio = worst_hf_ratio_db(ear, FS);
            println!("jump {from}° → {to}°: {ratio:.1} dB above 4 kHz");
            assert!(ratio <= CLICK_LIMIT_DB, "jump {from}→{to}: {ratio:.1} dB");
        }
    }
}

#[test]
fn distance_elevation_and_head_jumps_do_not_click() {
    let input = sine(FS as usize, 500.0, 0.1, FS);
    let base = Settings {
        azimuth_deg: 70.0,
        ..Settings::default()
    };
    let jumps = [
        Settings {
            distance_m: 3.0,
            ..base
        },
        Settings {
            distance_m: 0.1,
            ..base
        },
        Settings {
            elevation_deg: 80.0,
            ..base
        },
        Settings {
            elevation_deg: -40.0,
            head_radius_m: 0.105,
            ..base
        },
        Settings {
            width: 1.0,
            voice_mix: 0.0,
            ..base
        },
    ];
    for jumped in jumps {
        let start = Settings {
            distance_m: 0.1,
            ..base
        };
        let (l, r) = render_automated(&input, FS, 512, &[(0, start), (10_000, jumped)], None);
        for ear in [&l, &r] {
            let ratio = worst_hf_ratio_db(ear, FS);
            assert!(ratio <= CLICK_LIMIT_DB, "jump to {jumped:?}: {ratio:.1} dB");
        }
    }
}

#[test]
fn bypass_passes_the_input_and_switches_without_clicks() {
    let input = sine(FS as usize, 500.0, 0.1, FS);
    let bypassed = Settings {
        bypass: true,
        ..Settings::default()
    };
    let (l, r) = render_mono(&input, FS, &bypassed, 256);
    assert_eq!(l, input);
    assert_eq!(r, input);

    let on = Settings {
        azimuth_deg: 60.0,
        ..Settings::default()
    };
    let off = Settings { bypass: true, ..on };
    let changes = [(0, on), (12_000, off), (30_000, on)];
    let (l, r) = render_automated(&input, FS, 512, &changes, None);
    for ear in [&l, &r] {
        let ratio = worst_hf_ratio_db(ear, FS);
        assert!(ratio <= CLICK_LIMIT_DB, "bypass switch: {ratio:.1} dB");
    }
    // About 10 ms after switching to bypass the output is the input. Settings act on the
    // engine's input one latency before the output it shows in, so the bypass starts that much
    // earlier in the compensated output.
    let latency = murmur::engine::Engine::new(FS, 512)
        .unwrap()
        .latency(murmur::engine::InputChannels::Mono);
    let settled = 12_000 - latency + (0.011 * FS) as usize;
    assert_eq!(
        &l[settled..30_000 - latency],
        &input[settled..30_000 - latency]
    );
}

fn automated_changes() -> Vec<(usize, Settings)> {
    let mut changes = Vec::new();
    for (i, mode) in MotionMode::ALL.iter().enumerate() {
        let at = i * 7_919 + 1; // odd offsets, never on a block boundary
        changes.push((
            at,
            Settings {
                motion: *mode,
                motion_rate_hz: 0.5 + i as f32 * 0.3,
                azimuth_deg: -150.0 + 57.0 * i as f32,
                distance_m: 0.2 + 0.3 * i as f32,
                voice_level_db: -3.0 * i as f32,
                softness: 0.2 * i as f32,
                width: 0.1 * i as f32,
                ..Settings::default()
            },
        ));
    }
    changes
}

#[test]
fn output_does_not_depend_on_the_host_block_size() {
    let input = noise((1.5 * FS) as usize, 0.3, 5);
    let constant = [(0, moving(MotionMode::Orbit, 0.5))];
    let automated = automated_changes();
    let synced = Settings {
        motion: MotionMode::FigureEight,
        motion_sync: true,
        sync_division: SyncDivision::Note(4),
        ..Settings::default()
    };
    let transport = Transport {
        playing: true,
        tempo_bpm: 97.0,
        position_quarters: Some(3.3),
        quarters_per_bar: 4.0,
    };
    type Case<'a> = (&'a str, &'a [(usize, Settings)], Option<Transport>);
    let cases: [Case; 3] = [
        ("constant", &constant, None),
        ("automated", &automated, None),
        ("synced", &[(0, synced)], Some(transport)),
    ];
    for (name, changes, transport) in cases {
        let reference = render_automated(&input, FS, 1, changes, transport);
        for block in [17, 64, 512, 4096] {
            let rendered = render_automated(&input, FS, block, changes, transport);
            let diff = max_abs_diff(&reference, &rendered);
            assert!(diff <= 1e-6, "{name}, block {block}: max difference {diff}");
        }
    }
}

/// Drives the engine in control-period blocks along a transport and returns the azimuth at the
/// start of each block.
fn synced_azimuths(
    engine: &mut Engine,
    settings: &Settings,
    start_quarters: f64,
    blocks: usize,
) -> Vec<f32> {
    let tempo = 120.0;
    let mut l = [0.0f32; CONTROL_PERIOD];
    let mut r = [0.0f32; CONTROL_PERIOD];
    (0..blocks)
        .map(|b| {
            let transport = Transport {
                playing: true,
                tempo_bpm: tempo,
                position_quarters: Some(
                    start_quarters + (b * CONTROL_PERIOD) as f64 * tempo / 60.0 / FS as f64,
                ),
                quarters_per_bar: 4.0,
            };
            engine.process(
                InputChannels::Mono,
                &mut l,
                &mut r,
                settings,
                Some(&transport),
            );
            engine.position().azimuth_deg
        })
        .collect()
}

#[test]
fn synced_orbit_turns_once_per_bar_and_follows_relocation() {
    let settings = Settings {
        motion: MotionMode::Orbit,
        motion_sync: true,
        sync_division: SyncDivision::Bars(1),
        ..Settings::default()
    };
    let mut engine = Engine::new(FS, 512).unwrap();
    // 4 s at 120 BPM from bar 1: two revolutions, one every 2 s.
    let blocks = (4.0 * FS) as usize / CONTROL_PERIOD;
    let azimuths = synced_azimuths(&mut engine, &settings, 0.0, blocks);
    for (b, az) in azimuths.iter().enumerate() {
        let t = (b * CONTROL_PERIOD) as f64 / FS as f64;
        let expected = murmur::motion::wrap_degrees(360.0 * t / 2.0);
        let error = murmur::motion::wrap_degrees(*az as f64 - expected).abs();
        assert!(
            error < 1e-3,
            "t = {t:.4} s: azimuth {az}, expected {expected}"
        );
    }
    // Whole revolutions: the same azimuth at 0 s, 2 s and 4 s − one block.
    let per_rev = (2.0 * FS) as usize / CONTROL_PERIOD;
    assert_eq!(azimuths[0], azimuths[per_rev]);

    // Relocate back and forth: the path is where it was at the same song position.
    let at_bar_3 = synced_azimuths(&mut engine, &settings, 9.0, 50);
    synced_azimuths(&mut engine, &settings, 2.5, 50);
    let again = synced_azimuths(&mut engine, &settings, 9.0, 50);
    assert_eq!(at_bar_3, again);
    let mut fresh = Engine::new(FS, 512).unwrap();
    assert_eq!(at_bar_3, synced_azimuths(&mut fresh, &settings, 9.0, 50));
}

#[test]
fn renders_are_repeatable_after_reset() {
    let input = noise(FS as usize, 0.2, 9);
    let settings = moving(MotionMode::Drift, 0.7);
    let mut engine = Engine::new(FS, 1024).unwrap();
    let render = |engine: &mut Engine| {
        let mut l = input.clone();
        let mut r = vec![0.0; input.len()];
        for (a, b) in l.chunks_mut(1024).zip(r.chunks_mut(1024)) {
            engine.process(InputChannels::Mono, a, b, &settings, None);
        }
        (l, r)
    };
    let first = render(&mut engine);
    engine.reset();
    assert_eq!(first, render(&mut engine));
}

#[test]
fn the_click_metric_flags_a_real_click() {
    // The same sine with one hard 180° azimuth swap done without any glide (a polarity and
    // delay jump) must fail the criterion, or the tests above prove nothing.
    let mut x = sine(FS as usize, 500.0, 0.1, FS);
    for v in &mut x[10_000..] {
        *v = -*v * 0.5;
    }
    assert!(worst_hf_ratio_db(&x, FS) > CLICK_LIMIT_DB);
    assert!(worst_hf_ratio_db(&sine(FS as usize, 500.0, 0.1, FS), FS) < -90.0);
}
