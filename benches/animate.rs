//! What Animate and Wind-down cost per evaluation: the wander of every active layer and the
//! voice's distance (`animate::animated`), and the wound-down settings and gain
//! (`wind_down::wound_down`, `wind_down::gain`). BENCHMARKS.md turns these into a share of the
//! plugin's cost per second of audio.

use criterion::{Criterion, criterion_group, criterion_main};
use murmur::animate::animated;
use murmur::engine::{LayerSettings, Settings};
use murmur::triggers::TriggerKind;
use murmur::wind_down::{gain, wound_down};
use std::hint::black_box;

/// Three layers on (Rain, Crinkle, Wood Tap at 10 events/s), Animate 100 %, Wind-down 30 %.
fn settings() -> Settings {
    let mut settings = Settings::default();
    for (slot, kind) in settings.layers.iter_mut().zip([
        TriggerKind::Rain,
        TriggerKind::Crinkle,
        TriggerKind::WoodTap,
    ]) {
        *slot = LayerSettings {
            on: true,
            density_per_s: 10.0,
            ..LayerSettings::default_for(kind)
        };
    }
    settings.animate = 1.0;
    settings.wind_down = 0.3;
    settings
}

fn animate_and_wind_down(c: &mut Criterion) {
    let settings = settings();
    let mut group = c.benchmark_group("animate_wind_down");
    let mut t = 0.0;
    group.bench_function("animated_three_layers", |b| {
        b.iter(|| {
            t += 1.0 / 32.0;
            black_box(animated(black_box(&settings), t))
        })
    });
    let mut x = 0.0f32;
    group.bench_function("wound_down_and_gain", |b| {
        b.iter(|| {
            x = (x + 1e-4) % 1.0;
            let settings = Settings {
                wind_down: x,
                ..settings
            };
            black_box((wound_down(black_box(&settings)), gain(x)))
        })
    });
    group.finish();
}

criterion_group!(benches, animate_and_wind_down);
criterion_main!(benches);
