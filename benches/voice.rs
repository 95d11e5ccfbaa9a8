//! Voice-path speed: one second of 48 kHz audio through the engine, as the host would drive it
//! (512-sample blocks). Criterion reports the time per second of audio; the real-time factor is
//! 1 s divided by that time (see BENCHMARKS.md).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use murmur::binaural::hrtf_set::HrtfSet;
use murmur::engine::{Engine, HrtfModel, InputChannels, Settings};
use murmur::motion::MotionMode;
use std::hint::black_box;

const FS: f32 = 48_000.0;
const BLOCK: usize = 512;

fn render_one_second(
    engine: &mut Engine,
    input: InputChannels,
    settings: &Settings,
    left: &mut [f32],
    right: &mut [f32],
    source: &[f32],
) {
    left.copy_from_slice(source);
    right.copy_from_slice(source);
    for (l, r) in left.chunks_mut(BLOCK).zip(right.chunks_mut(BLOCK)) {
        engine.process(input, l, r, settings, None);
    }
}

fn voice(c: &mut Criterion) {
    let len = FS as usize;
    // A whisper-like test signal: deterministic noise (no allocation inside the timed loop).
    let mut state = 0x1234_5678u32;
    let source: Vec<f32> = (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state as f32 / u32::MAX as f32 - 0.5) * 0.2
        })
        .collect();
    let mut left = vec![0.0; len];
    let mut right = vec![0.0; len];

    let mut group = c.benchmark_group("voice_1s_48k");
    group.throughput(Throughput::Elements(len as u64));
    let orbit = Settings {
        motion: MotionMode::Orbit,
        motion_rate_hz: 0.5,
        ..Settings::default()
    };
    let cases = [
        ("mono_orbit", InputChannels::Mono, orbit),
        ("mono_static", InputChannels::Mono, Settings::default()),
        (
            "stereo_orbit_wide",
            InputChannels::Stereo,
            Settings {
                width: 1.0,
                ..orbit
            },
        ),
    ];
    // The measured-head cases: the test fixture (a 97-direction set at 44.1 kHz, resampled).
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sphere-44k1.sofa"
    );
    let set = std::sync::Arc::new(HrtfSet::load(std::path::Path::new(fixture), FS).unwrap());
    let sofa = |settings: Settings| Settings {
        hrtf: HrtfModel::Sofa,
        ..settings
    };
    let sofa_cases = [
        ("sofa_mono_orbit", InputChannels::Mono, sofa(orbit)),
        (
            "sofa_mono_static",
            InputChannels::Mono,
            sofa(Settings::default()),
        ),
    ];
    for (name, input, settings) in cases.into_iter().chain(sofa_cases) {
        let mut engine = Engine::new(FS, BLOCK).unwrap();
        if settings.hrtf == HrtfModel::Sofa {
            engine.offer_hrtf_set(set.clone()).unwrap();
        }
        group.bench_function(BenchmarkId::from_parameter(name), |b| {
            b.iter(|| {
                render_one_second(
                    &mut engine,
                    input,
                    &settings,
                    &mut left,
                    &mut right,
                    &source,
                );
                black_box(&left);
            })
        });
    }
    group.finish();
}

criterion_group!(benches, voice);
criterion_main!(benches);
