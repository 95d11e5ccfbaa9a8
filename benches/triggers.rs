//! Trigger generator speed: one second of 48 kHz audio from the instrument path (no voice
//! input), in host blocks of 32, 128 and 512 samples, in steady state (the layers run for two
//! seconds before timing, and keep running between iterations). Each model alone at 10
//! events/s, and the heavy case: three layers (Rain, Crinkle, Wood Tap) at 30 events/s each.
//! The real-time factor is 1 s divided by the time per iteration (see BENCHMARKS.md).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use murmur::engine::{Engine, InputChannels, LayerSettings, Settings};
use murmur::triggers::TriggerKind;
use std::hint::black_box;

const FS: f32 = 48_000.0;
const BLOCKS: [usize; 3] = [32, 128, 512];

fn render_seconds(
    engine: &mut Engine,
    settings: &Settings,
    block: usize,
    left: &mut [f32],
    right: &mut [f32],
) {
    for (l, r) in left.chunks_mut(block).zip(right.chunks_mut(block)) {
        engine.process(InputChannels::None, l, r, settings, None);
    }
}

fn with_layers(layers: &[(TriggerKind, f32)]) -> Settings {
    let mut settings = Settings::default();
    for (slot, &(kind, density)) in settings.layers.iter_mut().zip(layers) {
        *slot = LayerSettings {
            on: true,
            density_per_s: density,
            ..LayerSettings::default_for(kind)
        };
    }
    settings
}

fn triggers(c: &mut Criterion) {
    let len = FS as usize;
    let mut left = vec![0.0; len];
    let mut right = vec![0.0; len];
    let mut group = c.benchmark_group("triggers_1s_48k");
    group.throughput(Throughput::Elements(len as u64));
    let mut cases: Vec<(String, Settings)> = TriggerKind::ALL
        .iter()
        .map(|&kind| (format!("{kind:?}_d10"), with_layers(&[(kind, 10.0)])))
        .collect();
    cases.push((
        "three_layers_d30".to_owned(),
        with_layers(&[
            (TriggerKind::Rain, 30.0),
            (TriggerKind::Crinkle, 30.0),
            (TriggerKind::WoodTap, 30.0),
        ]),
    ));
    for block in BLOCKS {
        for (name, settings) in &cases {
            let mut engine = Engine::new(FS, block).unwrap();
            for _ in 0..2 {
                render_seconds(&mut engine, settings, block, &mut left, &mut right);
            }
            group.bench_function(BenchmarkId::new(name, block), |b| {
                b.iter(|| {
                    render_seconds(&mut engine, settings, block, &mut left, &mut right);
                    black_box(&left);
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, triggers);
criterion_main!(benches);
