//! Whisper cleanup speed: one second of 48 kHz audio through the de-esser and the denoiser
//! (both at 100 %, in steady state), in host blocks of 32, 128 and 512 samples; and the idle
//! stage at 0 % (a plain delay). Real-time factor = 1 s ÷ the time per second of audio (see
//! BENCHMARKS.md).

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use murmur::cleanup::Cleanup;
use std::hint::black_box;

const FS: f32 = 48_000.0;
const BLOCKS: [usize; 3] = [32, 128, 512];

fn cleanup(c: &mut Criterion) {
    let len = FS as usize;
    // A whisper-like test signal: deterministic noise with a slow level swell.
    let mut state = 0x1234_5678u32;
    let source: Vec<f32> = (0..len)
        .map(|n| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            let swell = 0.5 + 0.5 * (n as f32 * 0.0005).sin();
            (state as f32 / u32::MAX as f32 - 0.5) * 0.2 * swell
        })
        .collect();
    let mut buffer = vec![0.0; len];
    let mut group = c.benchmark_group("cleanup_1s_48k");
    group.throughput(Throughput::Elements(len as u64));
    for block_len in BLOCKS {
        for (name, amount) in [("deess_denoise_100", 1.0), ("idle_0", 0.0)] {
            let mut stage = Cleanup::new(FS);
            // Two seconds first: the noise is learnt and every crossfade is over.
            for _ in 0..2 {
                buffer.copy_from_slice(&source);
                for block in buffer.chunks_mut(block_len) {
                    stage.process(block, amount, amount);
                }
            }
            group.bench_function(BenchmarkId::new(name, block_len), |b| {
                b.iter(|| {
                    buffer.copy_from_slice(&source);
                    for block in buffer.chunks_mut(block_len) {
                        stage.process(black_box(block), amount, amount);
                    }
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, cleanup);
criterion_main!(benches);
