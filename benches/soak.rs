//! Soak: one hour of a sleep session rendered offline at 48 kHz in 512-sample host blocks,
//! timing every block. A session this long is what Murmur is made for (a whole night's bed is
//! several of them), so the last minute must cost what the first did: no state that grows, no
//! subnormal tails, no slow drift in the scheduler or the voice pool.
//!
//! The session is what a user sets up: the Sleepy Drift preset, Layer 1 switched to Rain with
//! the rain of the Rain on the Window preset (20 events/s, −18 dB, all around, 1.5 m) and Layer
//! 2's Crinkle switched on at its defaults, all through the same parameters a host (or
//! `murmur render --preset … --set …`) sets. The voice is the 48 kHz whisper fixture (4.35 s)
//! followed by 1.65 s of silence, looped: one phrase every 6 s, so every minute gets the same
//! ten phrases and the pauses let the voice path ring down to silence ten times a minute.
//!
//! Prints per-minute figures and the summary (see BENCHMARKS.md, "Soak"), and exits with status
//! 1 when the median block time of the last minute is more than 1.5× that of the first.
//! `MURMUR_SOAK_MINUTES` shortens (or lengthens) the render; the default is 60.
//!
//! Run with `cargo bench --bench soak`. Without `--bench` (as `cargo test --benches` runs it) it
//! only renders a few seconds to check that the session plays.

use std::time::Instant;

use testkit::soak_session::{RATE, session, voice_cycle};

use murmur::automation::Automation;
use murmur::engine::InputChannels;
use murmur::offline::OfflineRender;

const BLOCK: usize = 512;
/// Largest allowed ratio of the last minute's median block time to the first minute's.
const MAX_SLOWDOWN: f64 = 1.5;

fn dbfs(x: f64) -> f64 {
    20.0 * x.max(1e-30).log10()
}

fn median(values: &mut [f64]) -> f64 {
    values.sort_by(f64::total_cmp);
    let mid = values.len() / 2;
    if values.len().is_multiple_of(2) {
        0.5 * (values[mid - 1] + values[mid])
    } else {
        values[mid]
    }
}

/// Per-minute sums of the output.
#[derive(Default, Clone, Copy)]
struct MinuteSums {
    squares: [f64; 2],
    sum: [f64; 2],
    samples: usize,
    peak: f32,
    max_voices: usize,
}

fn main() {
    let benching = std::env::args().any(|a| a == "--bench");
    let minutes: usize = match std::env::var("MURMUR_SOAK_MINUTES") {
        Ok(text) => text
            .trim()
            .parse()
            .ok()
            .filter(|&m| m >= 1)
            .expect("MURMUR_SOAK_MINUTES is a whole number of minutes, at least 1"),
        Err(_) => 60,
    };
    let minute_samples = 60 * RATE as usize;
    let blocks_per_minute = minute_samples.div_ceil(BLOCK);
    let total_blocks = if benching {
        minutes * blocks_per_minute
    } else {
        // A smoke run: three seconds.
        3 * RATE as usize / BLOCK
    };

    let voice = voice_cycle();
    let mut render =
        OfflineRender::new(RATE, BLOCK, session(), Automation::none()).expect("a 48 kHz engine");
    let mut left = vec![0.0f32; BLOCK];
    let mut right = vec![0.0f32; BLOCK];
    // Allocated up front: nothing grows while the clock runs.
    let mut block_s: Vec<f64> = Vec::with_capacity(total_blocks);
    let mut block_minute: Vec<usize> = Vec::with_capacity(total_blocks);
    let mut sums = vec![MinuteSums::default(); minutes];

    let mut position = 0usize;
    let started = Instant::now();
    for _ in 0..total_blocks {
        // Blocks are cut at minute boundaries so each minute's figures are its own.
        let minute = position / minute_samples;
        let n = BLOCK.min(minute_samples - position % minute_samples);
        for (j, x) in left[..n].iter_mut().enumerate() {
            *x = voice[(position + j) % voice.len()];
        }
        let t0 = Instant::now();
        render.process(InputChannels::Mono, &mut left[..n], &mut right[..n]);
        let elapsed = t0.elapsed();
        block_s.push(elapsed.as_secs_f64());
        block_minute.push(minute);

        let s = &mut sums[minute];
        for (ch, out) in [&left[..n], &right[..n]].into_iter().enumerate() {
            for &x in out {
                s.squares[ch] += f64::from(x) * f64::from(x);
                s.sum[ch] += f64::from(x);
                s.peak = s.peak.max(x.abs());
            }
        }
        s.samples += n;
        s.max_voices = s.max_voices.max(render.engine().triggers().active_voices());
        position += n;
    }
    let wall_s = started.elapsed().as_secs_f64();
    let audio_s = position as f64 / f64::from(RATE);
    let engine_s: f64 = block_s.iter().sum();

    if !benching {
        let finite = sums[0].peak.is_finite() && sums[0].squares.iter().all(|x| x.is_finite());
        assert!(finite && sums[0].peak > 0.0, "the session plays");
        println!(
            "soak: smoke run of {audio_s:.0} s passed (run `cargo bench --bench soak` to soak)"
        );
        return;
    }

    let minute_times = |m: usize| -> Vec<f64> {
        block_s
            .iter()
            .zip(&block_minute)
            .filter(|(_, bm)| **bm == m)
            .map(|(t, _)| *t)
            .collect()
    };
    println!(
        "soak: {minutes} min of 48 kHz audio, {BLOCK}-sample blocks, Sleepy Drift + Rain + Crinkle"
    );
    println!(
        "minute  median µs  mean µs   p99 µs   max µs   RMS dBFS   DC L dBFS  DC R dBFS  peak dBFS  voices"
    );
    let mut stats = Vec::with_capacity(minutes);
    for (m, s) in sums.iter().enumerate() {
        let mut times = minute_times(m);
        let mean = times.iter().sum::<f64>() / times.len() as f64;
        let med = median(&mut times);
        let p99 = times[(times.len() * 99 / 100).min(times.len() - 1)];
        let max = times[times.len() - 1];
        let rms = ((s.squares[0] + s.squares[1]) / (2 * s.samples) as f64).sqrt();
        let dc = s.sum.map(|sum| sum / s.samples as f64);
        println!(
            "{:>6}  {:>9.2}  {:>7.2}  {:>7.2}  {:>7.1}  {:>9.2}  {:>9.1}  {:>9.1}  {:>9.2}  {:>6}",
            m + 1,
            med * 1e6,
            mean * 1e6,
            p99 * 1e6,
            max * 1e6,
            dbfs(rms),
            dbfs(dc[0].abs()),
            dbfs(dc[1].abs()),
            dbfs(f64::from(s.peak)),
            s.max_voices,
        );
        stats.push((med, mean, rms, dc));
    }

    let (first, last) = (stats[0], stats[minutes - 1]);
    let ratio = last.0 / first.0;
    let rms_db: Vec<f64> = stats.iter().map(|s| dbfs(s.2)).collect();
    let worst_dc = stats
        .iter()
        .flat_map(|s| s.3)
        .fold(0.0f64, |m, d| m.max(d.abs()));
    println!();
    println!(
        "block time, first minute: median {:.2} µs, mean {:.2} µs",
        first.0 * 1e6,
        first.1 * 1e6
    );
    println!(
        "block time, last minute:  median {:.2} µs, mean {:.2} µs",
        last.0 * 1e6,
        last.1 * 1e6
    );
    println!(
        "last / first: median {ratio:.3}×, mean {:.3}× (limit {MAX_SLOWDOWN}× on the median)",
        last.1 / first.1
    );
    println!(
        "real time: {:.0}× in the engine ({engine_s:.2} s for {audio_s:.0} s), {:.0}× wall clock ({wall_s:.2} s)",
        audio_s / engine_s,
        audio_s / wall_s
    );
    println!(
        "RMS per minute: first {:.2} dBFS, last {:.2} dBFS, min {:.2} dBFS, max {:.2} dBFS",
        rms_db[0],
        rms_db[minutes - 1],
        rms_db.iter().copied().fold(f64::INFINITY, f64::min),
        rms_db.iter().copied().fold(f64::NEG_INFINITY, f64::max)
    );
    println!(
        "DC per minute: largest |mean| {:.1} dBFS (first minute L {:.1} / R {:.1}, last minute L {:.1} / R {:.1})",
        dbfs(worst_dc),
        dbfs(first.3[0].abs()),
        dbfs(first.3[1].abs()),
        dbfs(last.3[0].abs()),
        dbfs(last.3[1].abs())
    );
    if ratio <= MAX_SLOWDOWN {
        println!("PASS: the last minute runs at {ratio:.3}× the first");
    } else {
        println!("FAIL: the last minute runs at {ratio:.3}× the first (limit {MAX_SLOWDOWN}×)");
        std::process::exit(1);
    }
}
