//! The engine's audio path never allocates: every motion mode, mono and stereo input, synced and
//! free-running, trigger layers with Animate and Wind-down, with settings changing every block,
//! runs inside `assert_no_alloc`, which aborts the process on any allocation. A companion check proves that the guard is really armed in
//! this test binary (otherwise the first test could not fail).

use murmur::engine::{Engine, InputChannels, Settings, Transport};
use murmur::motion::{MotionMode, SyncDivision};
use murmur::room::RoomKind;
use nice_assert_no_alloc::assert_no_alloc;
use testkit::signal::noise;

#[test]
fn processing_never_allocates() {
    let fs = 44_100.0;
    let input = noise(4096, 0.5, 3);
    let rain_layers = murmur::presets::find("Rain on the Window")
        .expect("the Rain preset")
        .settings
        .layers;
    for input_channels in [InputChannels::Mono, InputChannels::Stereo] {
        let mut engine = Engine::new(fs, 512).unwrap();
        let mut left = vec![0.0f32; 512];
        let mut right = vec![0.0f32; 512];
        for (block, chunk) in input.chunks(333).cycle().take(120).enumerate() {
            let settings = Settings {
                motion: MotionMode::ALL[block % MotionMode::ALL.len()],
                motion_sync: block % 3 == 0,
                sync_division: SyncDivision::Note(8),
                azimuth_deg: (block as f32 * 37.0) % 360.0 - 180.0,
                width: 0.5,
                calm_guard: block % 5 != 0,
                bypass: block % 7 == 0,
                voice_level_db: 12.0,
                // Animate and Wind-down, held and moving.
                animate: if block % 2 == 0 {
                    1.0
                } else {
                    block as f32 / 120.0
                },
                wind_down: (block % 11) as f32 / 10.0,
                // Rooms switching (on, off, from one to another) and their level moving.
                room: RoomKind::ALL[(block / 3) % RoomKind::ALL.len()],
                room_level_db: (block % 13) as f32 - 12.0,
                // Trigger layers playing, so that Animate and Wind-down move their scheduling.
                layers: rain_layers,
                ..Settings::default()
            };
            let transport = Transport {
                playing: block % 4 != 0,
                tempo_bpm: 90.0,
                position_quarters: Some(block as f64 * 0.25),
                quarters_per_bar: 3.0,
            };
            let n = chunk.len();
            left[..n].copy_from_slice(chunk);
            right[..n].copy_from_slice(chunk);
            assert_no_alloc(|| {
                engine.process(
                    input_channels,
                    &mut left[..n],
                    &mut right[..n],
                    &settings,
                    Some(&transport),
                );
                engine.reset();
            });
        }
    }
}

/// The measured-head path too: moving through a SOFA set, switching heads, and a second set
/// handed over while the first plays (taking over once the first has faded out).
#[test]
fn processing_with_a_sofa_set_never_allocates() {
    use murmur::binaural::hrtf_set::HrtfSet;
    use murmur::engine::HrtfModel;
    use std::sync::Arc;
    let fs = 48_000.0;
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sphere-44k1.sofa"
    );
    let load = || Arc::new(HrtfSet::load(std::path::Path::new(fixture), fs).unwrap());
    let input = noise(4096, 0.5, 5);
    for input_channels in [InputChannels::Mono, InputChannels::Stereo] {
        let mut engine = Engine::new(fs, 512).unwrap();
        engine.offer_hrtf_set(load()).unwrap();
        let second = load();
        let mut retired = Vec::new();
        let (mut left, mut right) = (vec![0.0f32; 512], vec![0.0f32; 512]);
        for (block, chunk) in input.chunks(300).cycle().take(160).enumerate() {
            if block == 60 {
                engine.offer_hrtf_set(second.clone()).unwrap();
            }
            let settings = Settings {
                motion: MotionMode::Orbit,
                motion_rate_hz: 2.0,
                width: 0.7,
                hrtf: if (block / 15) % 3 == 2 {
                    HrtfModel::Sphere
                } else {
                    HrtfModel::Sofa
                },
                ..Settings::default()
            };
            let n = chunk.len();
            left[..n].copy_from_slice(chunk);
            right[..n].copy_from_slice(chunk);
            let mut taken = None;
            assert_no_alloc(|| {
                engine.process(
                    input_channels,
                    &mut left[..n],
                    &mut right[..n],
                    &settings,
                    None,
                );
                taken = engine.take_retired_hrtf_set();
            });
            retired.extend(taken);
        }
        assert_eq!(retired.len(), 1, "the first set was given back once");
        assert!(Arc::ptr_eq(engine.hrtf_set().unwrap(), &second));
    }
}

/// Run only by the test below, in a child process: allocating inside the guard must abort.
#[test]
#[ignore = "run in a child process by allocation_guard_is_armed"]
fn allocating_inside_the_guard() {
    assert_no_alloc(|| std::hint::black_box(vec![1u8; 64]).len());
}

#[test]
fn allocation_guard_is_armed() {
    // The test's name as the harness knows it: its module path inside this test program.
    let module = module_path!().split_once("::").map_or("", |(_, path)| path);
    let name = format!("{module}::allocating_inside_the_guard");
    let child = std::process::Command::new(std::env::current_exe().unwrap())
        .args(["--exact", &name, "--ignored", "--test-threads=1"])
        .stderr(std::process::Stdio::null())
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&child.stdout);
    assert!(
        stdout.contains("running 1 test"),
        "the child process did not run {name}: {stdout}"
    );
    assert!(
        !child.status.success(),
        "an allocation inside assert_no_alloc went unnoticed"
    );
}
