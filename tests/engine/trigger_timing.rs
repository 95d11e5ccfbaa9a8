//! When trigger events start: Poisson counts at every density, the Regularity morph from
//! Poisson to metronome, and synced events on the host's beat grid — at 48 and 44.1 kHz,
//! through the real engine (the event log records each event's first sample).

use murmur::engine::{LayerSettings, Transport};
use murmur::triggers::{GridDivision, TriggerKind};
use testkit::triggers::*;

const RATES: [f32; 2] = [48_000.0, 44_100.0];

fn timing_layer(density: f32, regularity: f32) -> LayerSettings {
    LayerSettings {
        density_per_s: density,
        regularity,
        // The shortest model keeps the renders quick; timing does not depend on the model.
        decay: 0.0,
        ..layer(TriggerKind::NailTap)
    }
}

#[test]
fn event_counts_follow_the_density() {
    let seconds = 60.0;
    for fs in RATES {
        for density in [0.5f32, 2.0, 10.0, 30.0] {
            let settings = one_layer(0, timing_layer(density, 0.0));
            let render = render_triggers(fs, seconds, 512, &settings, &no_transport, &[]);
            let expected = (density * seconds) as f64;
            let count = render.events.len() as f64;
            println!(
                "{fs} Hz, λ = {density}/s: {count} events in {seconds} s (expected {expected})"
            );
            assert!(
                (count - expected).abs() <= 3.0 * expected.sqrt(),
                "{fs} Hz, λ = {density}: {count} events, expected {expected} ± {}",
                3.0 * expected.sqrt()
            );
        }
    }
}

#[test]
fn regularity_morphs_poisson_into_a_metronome() {
    for fs in RATES {
        let mut previous = f64::INFINITY;
        for regularity in [0.0f32, 0.25, 0.5, 0.75, 1.0] {
            let settings = one_layer(1, timing_layer(10.0, regularity));
            let render = render_triggers(fs, 60.0, 512, &settings, &no_transport, &[]);
            let cv = interval_cv(&onset_times(&render.events, fs));
            println!("{fs} Hz, regularity {regularity}: CV {cv:.4}");
            match regularity {
                0.0 => assert!((0.8..=1.2).contains(&cv), "{fs} Hz Poisson CV {cv}"),
                1.0 => assert!(cv < 0.05, "{fs} Hz metronome CV {cv}"),
                _ => {}
            }
            assert!(
                cv < previous,
                "{fs} Hz: CV {cv} at {regularity} not below {previous}"
            );
            previous = cv;
        }
    }
}

#[test]
fn synced_events_land_on_the_beat_grid() {
    for fs in RATES {
        for (division, tempo) in [
            (GridDivision::Eighth, 120.0),
            (GridDivision::Sixteenth, 97.0),
            (GridDivision::Quarter, 140.5),
        ] {
            let settings = one_layer(
                2,
                LayerSettings {
                    sync: true,
                    division,
                    ..timing_layer(2.0, 1.0)
                },
            );
            // Playback starts 1.3 quarters into the song.
            let start_q = 1.3;
            let qps = tempo / 60.0 / fs as f64;
            let transport = |sample: usize| {
                Some(Transport {
                    playing: true,
                    tempo_bpm: tempo,
                    position_quarters: Some(start_q + sample as f64 * qps),
                    quarters_per_bar: 4.0,
                })
            };
            let render = render_triggers(fs, 10.0, 441, &settings, &transport, &[]);
            let step = division.quarters();
            // Every grid step after the start fires once, on its sample.
            let first_step = (start_q / step).ceil() as i64;
            let last_sample = 10.0 * fs as f64;
            let expected: Vec<f64> = (first_step..)
                .map(|k| (k as f64 * step - start_q) / qps)
                .take_while(|s| *s < last_sample)
                .collect();
            assert_eq!(render.events.len(), expected.len(), "{fs} Hz {division:?}");
            for (event, want) in render.events.iter().zip(&expected) {
                let error = event.time_samples as f64 - want;
                assert!(
                    error.abs() <= 1.0,
                    "{fs} Hz {division:?}: {error} samples off the grid"
                );
            }
        }
    }
}

#[test]
fn humanized_sync_skips_and_jitters_but_stays_near_the_grid() {
    let fs = 48_000.0;
    let tempo = 120.0;
    let qps = tempo / 60.0 / fs as f64;
    let transport = |sample: usize| {
        Some(Transport {
            playing: true,
            tempo_bpm: tempo,
            position_quarters: Some(sample as f64 * qps),
            quarters_per_bar: 4.0,
        })
    };
    let settings = one_layer(
        0,
        LayerSettings {
            sync: true,
            division: GridDivision::Eighth,
            ..timing_layer(2.0, 0.0)
        },
    );
    let render = render_triggers(fs, 30.0, 512, &settings, &transport, &[]);
    let steps = 30.0 * 4.0; // eighths at 120 BPM
    let count = render.events.len() as f64;
    // Half the steps skipped on average at 0 % Regularity.
    assert!(
        (count - steps * 0.5).abs() < 3.0 * (steps * 0.25).sqrt(),
        "{count}"
    );
    let step_samples = 0.5 / qps;
    let mut off_grid = 0;
    for event in &render.events {
        let from_grid = event.time_samples as f64 / step_samples;
        let error_s = (from_grid - from_grid.round()) * step_samples / fs as f64;
        assert!(error_s.abs() <= 0.040 + 1.0 / fs as f64, "{error_s} s");
        off_grid += usize::from(error_s.abs() > 0.002);
    }
    assert!(off_grid > render.events.len() / 2, "hardly any jitter");
}

#[test]
fn density_zero_means_midi_only() {
    let settings = one_layer(0, timing_layer(0.0, 0.0));
    let render = render_triggers(
        48_000.0,
        5.0,
        512,
        &settings,
        &no_transport,
        &[(1000, 40, 1.0)],
    );
    assert_eq!(render.events.len(), 1);
    assert_eq!(render.events[0].time_samples, 1000);
    assert_eq!(render.events[0].note, Some(40));
}
