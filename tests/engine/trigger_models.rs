//! Every trigger model answers its controls the same way: Tone tilts the spectrum (centroid down
//! ≥ 25 % at −100 %, up ≥ 25 % at +100 %), a larger Size sounds lower, Variation makes
//! consecutive events differ (and 0 % makes them alike), and Shh is noise, not partials. The
//! centroid table is printed for the record (`--nocapture`).

use murmur::engine::LayerSettings;
use murmur::triggers::synth::Synth;
use murmur::triggers::{EventParams, Placement, TriggerKind};
use rand::SeedableRng;
use rand_pcg::Pcg32;
use testkit::measure::{band_energy, correlation, spectral_centroid, spectral_flatness};
use testkit::triggers::*;

const RATES: [f32; 2] = [48_000.0, 44_100.0];

/// One whole event of `kind` (up to 3 s), mono, straight from the model.
fn event(kind: TriggerKind, fs: f32, params: &EventParams, seed: u64) -> Vec<f32> {
    let mut synth = Synth::new(kind, fs);
    synth.start(kind, fs, params, &mut Pcg32::seed_from_u64(seed));
    let mut out = Vec::new();
    let mut block = [0.0f32; 64];
    while out.len() < (3.0 * fs) as usize && synth.render(&mut block) {
        out.extend_from_slice(&block);
    }
    out
}

/// Centroid averaged over a few events (different seeds), Hz.
fn centroid(kind: TriggerKind, fs: f32, params: &EventParams) -> f64 {
    (1..=4)
        .map(|seed| spectral_centroid(&event(kind, fs, params, seed), fs))
        .sum::<f64>()
        / 4.0
}

#[test]
fn tone_tilts_every_model_by_at_least_25_percent() {
    for fs in RATES {
        println!("{fs} Hz: centroid (Hz) at Tone −100 / 0 / +100 %");
        for kind in TriggerKind::ALL {
            let at = |tone| {
                centroid(
                    kind,
                    fs,
                    &EventParams {
                        tone,
                        ..EventParams::default()
                    },
                )
            };
            let (dark, neutral, bright) = (at(-1.0), at(0.0), at(1.0));
            println!("  {kind:?}: {dark:.0} / {neutral:.0} / {bright:.0}");
            assert!(
                dark <= 0.75 * neutral,
                "{fs} Hz {kind:?}: dark {dark} vs {neutral}"
            );
            assert!(
                bright >= 1.25 * neutral,
                "{fs} Hz {kind:?}: bright {bright} vs {neutral}"
            );
        }
    }
}

#[test]
fn larger_size_is_lower_for_every_model() {
    for fs in RATES {
        for kind in TriggerKind::ALL {
            let centroids: Vec<f64> = [0.0, 0.25, 0.5, 0.75, 1.0]
                .iter()
                .map(|&size| {
                    centroid(
                        kind,
                        fs,
                        &EventParams {
                            size,
                            ..EventParams::default()
                        },
                    )
                })
                .collect();
            println!("{fs} Hz {kind:?}: size 0…100 % → {centroids:.0?}");
            assert!(
                centroids.windows(2).all(|w| w[1] < w[0]),
                "{fs} Hz {kind:?}: {centroids:?}"
            );
        }
    }
}

/// Consecutive events of a metronomic layer placed in front, cut at their onsets.
fn consecutive_events(kind: TriggerKind, fs: f32, variation: f32) -> Vec<Vec<f32>> {
    let settings = one_layer(
        0,
        LayerSettings {
            density_per_s: 0.5,
            regularity: 1.0,
            variation,
            placement: Placement::Front,
            ..layer(kind)
        },
    );
    let r = render_triggers(fs, 11.0, 512, &settings, &no_transport, &[]);
    let window = (1.9 * fs) as usize;
    r.events
        .iter()
        .map(|e| e.time_samples as usize)
        .filter(|&t| t + window <= r.left.len())
        .map(|t| r.left[t..t + window].to_vec())
        .collect()
}

#[test]
fn variation_makes_consecutive_events_differ_and_zero_makes_them_alike() {
    for fs in RATES {
        for kind in TriggerKind::ALL {
            let alike = consecutive_events(kind, fs, 0.0);
            let varied = consecutive_events(kind, fs, 0.1);
            assert!(alike.len() >= 4 && varied.len() >= 4);
            let worst_alike = alike
                .windows(2)
                .map(|w| correlation(&w[0], &w[1]))
                .fold(1.0f64, f64::min);
            let most_similar = varied
                .windows(2)
                .map(|w| correlation(&w[0], &w[1]))
                .fold(-1.0f64, f64::max);
            println!(
                "{fs} Hz {kind:?}: variation 0 % ≥ {worst_alike:.4}, 10 % ≤ {most_similar:.4}"
            );
            assert!(worst_alike > 0.999, "{fs} Hz {kind:?}: {worst_alike}");
            assert!(most_similar < 0.99, "{fs} Hz {kind:?}: {most_similar}");
        }
    }
}

#[test]
fn shh_is_breath_noise_in_the_2_to_6_khz_band() {
    for fs in RATES {
        let params = EventParams::default();
        let shh = event(TriggerKind::Shh, fs, &params, 5);
        let wood = event(TriggerKind::WoodTap, fs, &params, 5);
        let total = band_energy(&shh, fs, 0.0, fs as f64 / 2.0);
        let share = band_energy(&shh, fs, 2_000.0, 6_000.0) / total;
        let (flat_shh, flat_wood) = (spectral_flatness(&shh, fs), spectral_flatness(&wood, fs));
        println!(
            "{fs} Hz Shh: {:.0} % in 2–6 kHz, flatness {flat_shh:.3} (Wood Tap {flat_wood:.3})",
            share * 100.0
        );
        assert!(share >= 0.6, "{share}");
        assert!(flat_shh > flat_wood, "{flat_shh} vs {flat_wood}");
        let seconds = shh.len() as f32 / fs;
        assert!((0.3..=1.6).contains(&seconds), "{seconds} s");
    }
}
