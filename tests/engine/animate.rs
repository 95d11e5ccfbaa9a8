//! Animate through the real engine: an hour of a factory bed ebbs and flows (per-minute event
//! counts and short-term loudness wander) while the settings move slower than 0.05 Hz; the
//! wander follows the seed and the song position, and neither the host's block size nor a
//! relocation changes it. Wind-down thins the events and ends in silence.

use murmur::engine::{Engine, InputChannels, Settings, Transport};
use murmur::loudness::Meter;
use murmur::presets;
use signals::measure::{band_sum, power_spectrum};

const FS: f32 = 48_000.0;
const TEMPO_BPM: f64 = 96.0;

/// The host's transport, playing, at absolute sample `at` from song position 0.
fn playing(at: usize) -> Option<Transport> {
    Some(Transport {
        playing: true,
        tempo_bpm: TEMPO_BPM,
        position_quarters: Some(at as f64 * TEMPO_BPM / 60.0 / FS as f64),
        quarters_per_bar: 4.0,
    })
}

/// Runs the instrument path over samples `from..to` (song positions, in blocks of `block` from
/// `from`) and hands `each` the engine and the block's output after every block.
fn stream(
    settings: &Settings,
    (from, to): (usize, usize),
    block: usize,
    transport: fn(usize) -> Option<Transport>,
    mut each: impl FnMut(usize, &Engine, &[f32], &[f32]),
) {
    let mut engine = Engine::new(FS, block).expect("engine");
    let mut left = vec![0.0f32; block];
    let mut right = vec![0.0f32; block];
    let mut at = from;
    while at < to {
        let n = block.min(to - at);
        left[..n].fill(0.0);
        right[..n].fill(0.0);
        engine.process(
            InputChannels::None,
            &mut left[..n],
            &mut right[..n],
            settings,
            transport(at).as_ref(),
        );
        at += n;
        each(at, &engine, &left[..n], &right[..n]);
    }
}

fn rain(animate: f32) -> Settings {
    let preset = presets::find("Rain on the Window").expect("the factory preset");
    Settings {
        animate,
        ..preset.settings
    }
}

/// What an hour of `settings` did: events per minute per layer, the short-term loudness every
/// 100 ms (after the first 3 s), and each layer's live density once a second.
struct Hour {
    per_minute: [Vec<f64>; 3],
    short_term: Vec<f64>,
    density: [Vec<f32>; 3],
}

fn hour(settings: &Settings) -> Hour {
    let minute = 60 * FS as usize;
    let second = FS as usize;
    let mut meter = Meter::new(2, FS as u32).expect("meter");
    let mut hour = Hour {
        per_minute: Default::default(),
        short_term: Vec::new(),
        density: Default::default(),
    };
    let mut seen = 0u64;
    let mut counts = [0.0f64; 3];
    let mut short_term = Vec::new();
    // Blocks of 4800 samples end on every second and minute.
    stream(
        settings,
        (0, 60 * minute),
        4800,
        playing,
        |at, engine, l, r| {
            let started = engine.triggers().events_started();
            let new = (started - seen) as usize;
            seen = started;
            let recent: Vec<_> = engine.triggers().recent_events().collect();
            for event in &recent[recent.len() - new..] {
                counts[event.layer] += 1.0;
            }
            meter.add_stereo_with(l, r, |hop| short_term.push(hop.short_term_lufs));
            if at % second == 0 {
                for (layer, density) in hour.density.iter_mut().enumerate() {
                    density.push(engine.live_settings().layers[layer].density_per_s);
                }
            }
            if at % minute == 0 {
                for (layer, count) in counts.iter_mut().enumerate() {
                    hour.per_minute[layer].push(std::mem::take(count));
                }
            }
        },
    );
    hour.short_term = short_term.split_off(30);
    hour
}

/// The density in octaves, its mean removed, under a Hann window (against leakage).
fn hann(density: &[f32]) -> Vec<f32> {
    let octaves: Vec<f32> = density.iter().map(|d| d.log2()).collect();
    let mean = octaves.iter().sum::<f32>() / octaves.len() as f32;
    let n = octaves.len() as f32;
    octaves
        .iter()
        .enumerate()
        .map(|(i, v)| (v - mean) * (std::f32::consts::PI * i as f32 / n).sin().powi(2))
        .collect()
}

fn cv(x: &[f64]) -> f64 {
    let n = x.len() as f64;
    let mean = x.iter().sum::<f64>() / n;
    (x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt() / mean
}

#[test]
fn an_animated_hour_ebbs_and_flows_and_a_still_one_does_not() {
    let still = hour(&rain(0.0));
    let animated = hour(&rain(1.0));
    let on: Vec<usize> = (0..3).filter(|&l| rain(0.0).layers[l].on).collect();
    assert!(on.len() >= 2, "the preset has layers to animate");
    for &layer in &on {
        let mean = still.per_minute[layer].iter().sum::<f64>() / 60.0;
        let poisson_cv = 1.0 / mean.sqrt();
        let (cv_still, cv_animated) = (
            cv(&still.per_minute[layer]),
            cv(&animated.per_minute[layer]),
        );
        println!(
            "layer {}: {mean:.0} events/min; per-minute CV {cv_still:.3} at 0 % (Poisson \
             {poisson_cv:.3}), {cv_animated:.3} at 100 %",
            layer + 1
        );
        // At 0 % the counts scatter as Poisson counts do (the CV of 60 of them lies within
        // about ±30 % of 1/√mean).
        assert!(
            (0.6 * poisson_cv..1.5 * poisson_cv).contains(&cv_still),
            "layer {}: CV {cv_still} at 0 %, Poisson {poisson_cv}",
            layer + 1
        );
        assert!(
            cv_animated >= 0.25,
            "layer {}: CV {cv_animated} at 100 %",
            layer + 1
        );

        // The settings move slower than 0.05 Hz (the density once a second, in octaves).
        let (power, bin_hz) = power_spectrum(&hann(&animated.density[layer]), 1.0);
        let total = band_sum(&power, bin_hz, 1e-9, 0.5);
        let fast = band_sum(&power, bin_hz, 0.05, 0.5);
        println!(
            "layer {}: {:.1} dB of the density's wander above 0.05 Hz",
            layer + 1,
            10.0 * (fast / total).log10()
        );
        assert!(
            fast / total < 1e-4,
            "layer {}: {fast} of {total} above 0.05 Hz",
            layer + 1
        );
    }
    let range = |x: &[f64]| {
        let finite = x.iter().copied().filter(|v| v.is_finite());
        let max = finite.clone().fold(f64::NEG_INFINITY, f64::max);
        let min = finite.fold(f64::INFINITY, f64::min);
        max - min
    };
    let (still_lu, animated_lu) = (range(&still.short_term), range(&animated.short_term));
    println!(
        "short-term loudness over the hour: {still_lu:.1} LU at 0 %, {animated_lu:.1} LU at 100 %"
    );
    assert!(
        animated_lu >= 6.0,
        "the short-term loudness wandered over {animated_lu} LU"
    );
    assert!(
        animated_lu > still_lu + 3.0,
        "Animate widened the wander from {still_lu} LU only to {animated_lu} LU"
    );
}

/// The live settings every `every` samples over `span`, rendered in blocks of `block`.
fn live(settings: &Settings, span: (usize, usize), block: usize, every: usize) -> Vec<Settings> {
    let mut values = Vec::new();
    let mut next = span.0 + every;
    stream(settings, span, block, playing, |at, engine, _, _| {
        if at >= next {
            values.push(*engine.live_settings());
            next += every;
        }
    });
    values
}

#[test]
fn the_wander_follows_the_seed_not_the_block_size() {
    let settings = rain(1.0);
    let span = (0, 20 * FS as usize);
    let render = |settings: &Settings, block: usize| {
        let mut out = (Vec::new(), Vec::new());
        stream(settings, span, block, playing, |_, _, l, r| {
            out.0.extend_from_slice(l);
            out.1.extend_from_slice(r);
        });
        out
    };
    let reference = render(&settings, 4800);
    for block in [1, 37, 64, 4096] {
        assert!(
            render(&settings, block) == reference,
            "blocks of {block} samples differ"
        );
    }
    let other_seed = Settings {
        seed: settings.seed + 1,
        ..settings
    };
    let every = FS as usize;
    let ours = live(&settings, (0, 600 * every), 4800, every);
    let theirs = live(&other_seed, (0, 600 * every), 4800, every);
    assert_eq!(
        ours,
        live(&settings, (0, 600 * every), 4800, every),
        "the same seed repeats"
    );
    let differ = ours
        .iter()
        .zip(&theirs)
        .filter(|(a, b)| (a.layers[0].level_db - b.layers[0].level_db).abs() > 0.5)
        .count();
    assert!(
        differ > 300,
        "another seed wandered elsewhere in only {differ} of 600 s"
    );
}

#[test]
fn a_relocation_lands_on_the_wander_of_that_song_position() {
    let settings = rain(1.0);
    let second = FS as usize;
    let from_the_start = live(&settings, (0, 900 * second), 4800, second);
    // The host jumps to 10 minutes in (a fresh engine: what a relocation leaves of its past).
    let relocated = live(&settings, (600 * second, 900 * second), 4800, second);
    let compare = |a: &Settings, b: &Settings| {
        a.distance_m == b.distance_m
            && a.layers.iter().zip(&b.layers).all(|(x, y)| {
                (x.density_per_s, x.level_db, x.tone, x.spread_deg)
                    == (y.density_per_s, y.level_db, y.tone, y.spread_deg)
            })
    };
    for (i, (a, b)) in from_the_start[600..].iter().zip(&relocated).enumerate() {
        assert!(
            compare(a, b),
            "{} s into the song: {a:?} against {b:?}",
            601 + i
        );
    }
}

#[test]
fn wind_down_thins_the_events_and_ends_in_silence() {
    let minute = 60 * FS as usize;
    let events_in_two_minutes = |wind_down: f32| {
        let settings = Settings {
            wind_down,
            ..rain(0.0)
        };
        let mut count = 0;
        let mut peak = 0.0f32;
        stream(
            &settings,
            (0, 2 * minute),
            4800,
            playing,
            |_, engine, l, r| {
                count = engine.triggers().events_started();
                peak = l.iter().chain(r).fold(peak, |m, x| m.max(x.abs()));
            },
        );
        (count as f64, peak)
    };
    let (full, _) = events_in_two_minutes(0.0);
    let (half, _) = events_in_two_minutes(0.5);
    let (none, peak) = events_in_two_minutes(1.0);
    println!("events in 2 min: {full} at 0 %, {half} at 50 %, {none} at 100 % (peak {peak})");
    // Each layer two octaves fewer at 100 %, one at 50 %, but none thinner than 1.5 events a
    // second (the rain's odd close drop keeps its own): the expected counts, and Poisson
    // counts of thousands within 5 % of them.
    let expected = |x: f32| {
        let layers = rain(0.0).layers;
        let on = || layers.iter().filter(|l| l.on).map(|l| l.density_per_s);
        let thinned: f32 = on().map(|d| (d * (-2.0 * x).exp2()).max(d.min(1.5))).sum();
        f64::from(thinned / on().sum::<f32>())
    };
    assert!(expected(1.0) < 0.5, "the rain thins");
    assert!(
        (half / full / expected(0.5) - 1.0).abs() < 0.05,
        "{half} of {full} at 50 %"
    );
    assert!(
        (none / full / expected(1.0) - 1.0).abs() < 0.05,
        "{none} of {full} at 100 %, {} expected",
        expected(1.0)
    );
    assert_eq!(peak, 0.0, "Wind-down at 100 % is silent");
}
