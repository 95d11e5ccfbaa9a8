//! Measured binaural cues of the sphere renderer, through the whole engine: interaural time
//! and level differences, near field, distance law, elevation and front/back.
//! Every property is measured at 44.1, 48 and 96 kHz.

use murmur::binaural::head_model::woodworth_itd_s;
use testkit::measure::*;
use testkit::render::*;
use testkit::signal::*;

/// Renders `seconds` of noise at a fixed position; returns the ears after the first 0.1 s.
fn ears(
    fs: f32,
    azimuth: f32,
    elevation: f32,
    distance: f32,
    head_cm: f32,
) -> (Vec<f32>, Vec<f32>) {
    let len = (0.5 * fs) as usize;
    let mut settings = measuring_settings(azimuth, elevation, distance);
    settings.head_radius_m = head_cm / 100.0;
    let (l, r) = render_mono(&noise(len, 0.05, 11), fs, &settings, 512);
    let skip = (0.1 * fs) as usize;
    (l[skip..].to_vec(), r[skip..].to_vec())
}

fn measured_itd_us(fs: f32, azimuth: f32, distance: f32, head_cm: f32) -> f64 {
    let (l, r) = ears(fs, azimuth, 0.0, distance, head_cm);
    let n = (0.2 * fs) as usize;
    itd_s(&l[..n], &r[..n], fs) * 1e6
}

#[test]
fn itd_matches_woodworth_within_20_us() {
    let mut table = String::new();
    for fs in RATES {
        for az in [0.0f32, 30.0, -30.0, 60.0, -60.0, 90.0, -90.0, 150.0, -150.0] {
            let measured = measured_itd_us(fs, az, 1.0, 8.75);
            // Woodworth takes the lateral angle: 150° is as lateral as 30°.
            let lateral = az.to_radians().sin().asin();
            let expected = woodworth_itd_s(lateral, 0.0875) as f64 * 1e6;
            table += &format!("{fs} Hz {az:>5}°: {measured:8.1} µs (Woodworth {expected:8.1})\n");
            assert!(
                (measured - expected).abs() <= 20.0,
                "{fs} Hz, azimuth {az}°: measured {measured:.1} µs, expected {expected:.1} µs"
            );
            // Positive azimuth: the right ear leads (the left lags).
            if az > 0.0 {
                assert!(measured > 0.0);
            }
        }
    }
    println!("{table}");
}

#[test]
fn itd_is_656_us_at_90_degrees_and_scales_with_head_size() {
    for fs in RATES {
        let itd = measured_itd_us(fs, 90.0, 1.0, 8.75);
        assert!((itd - 656.0).abs() <= 20.0, "{fs} Hz: {itd:.1} µs");
        for head_cm in [7.5f32, 10.5] {
            let scaled = measured_itd_us(fs, 90.0, 1.0, head_cm);
            let expected = 656.0 * head_cm as f64 / 8.75;
            println!("{fs} Hz: head {head_cm} cm: ITD {scaled:.1} µs (expected {expected:.1})");
            assert!(
                (scaled - expected).abs() <= 20.0,
                "{fs} Hz, head {head_cm} cm: {scaled:.1} µs, expected {expected:.1}"
            );
        }
    }
}

#[test]
fn ild_is_large_at_high_frequencies_and_small_at_low_ones_at_the_side() {
    for fs in RATES {
        for az in [90.0f32, -90.0] {
            let (l, r) = ears(fs, az, 0.0, 1.0, 8.75);
            let sign = az.signum() as f64;
            let high = sign * ild_db(&l, &r, fs, 4000.0, 8000.0);
            let low = sign * ild_db(&l, &r, fs, 100.0, 300.0);
            println!("{fs} Hz {az}°: ILD 4–8 kHz {high:.1} dB, 100–300 Hz {low:.2} dB");
            assert!(
                (12.0..=25.0).contains(&high),
                "{fs} Hz {az}°: 4–8 kHz ILD {high:.1} dB"
            );
            assert!(low.abs() < 2.0, "{fs} Hz {az}°: 100–300 Hz ILD {low:.2} dB");
        }
    }
}

#[test]
fn front_source_has_no_ild_in_any_band() {
    for fs in RATES {
        let (l, r) = ears(fs, 0.0, 0.0, 1.0, 8.75);
        let mut lo = 62.5;
        while lo * 2.0 <= (fs as f64 / 2.0).min(20_000.0) {
            let ild = ild_db(&l, &r, fs, lo, lo * 2.0);
            assert!(
                ild.abs() < 0.5,
                "{fs} Hz, band {lo}–{} Hz: {ild:.2} dB",
                lo * 2.0
            );
            lo *= 2.0;
        }
    }
}

#[test]
fn near_field_adds_low_frequency_ild_but_keeps_the_itd() {
    for fs in RATES {
        let (l, r) = ears(fs, 90.0, 0.0, 0.15, 8.75);
        let low = ild_db(&l, &r, fs, 100.0, 300.0);
        println!("{fs} Hz: near-field 100–300 Hz ILD {low:.1} dB");
        assert!(low >= 6.0, "{fs} Hz: near-field low ILD {low:.1} dB");
        let near = measured_itd_us(fs, 90.0, 0.15, 8.75);
        let far = measured_itd_us(fs, 90.0, 1.0, 8.75);
        println!("{fs} Hz: ITD at 0.15 m {near:.1} µs, at 1 m {far:.1} µs");
        assert!(
            (near - far).abs() <= 0.15 * far,
            "{fs} Hz: near-field ITD {near:.1} µs vs far {far:.1} µs"
        );
    }
}

#[test]
fn level_falls_about_6_db_per_doubling_of_distance() {
    for fs in RATES {
        for az in [0.0f32, 90.0] {
            let level = |d: f32| {
                let (l, r) = ears(fs, az, 0.0, d, 8.75);
                let e: f64 = l.iter().chain(&r).map(|x| (*x as f64).powi(2)).sum();
                10.0 * e.log10()
            };
            let levels: Vec<f64> = [0.25, 0.5, 1.0, 2.0].into_iter().map(level).collect();
            let drops: Vec<String> = levels
                .windows(2)
                .map(|p| format!("{:.2}", p[0] - p[1]))
                .collect();
            println!(
                "{fs} Hz {az}°: dB per doubling 0.25→2 m: {}",
                drops.join(", ")
            );
            for pair in levels.windows(2) {
                let drop = pair[0] - pair[1];
                assert!(
                    (drop - 6.0).abs() <= 2.0,
                    "{fs} Hz {az}°: {drop:.2} dB per doubling"
                );
            }
        }
    }
}

/// Energy per third-octave band between `lo` and `hi` Hz, dB.
fn third_octaves(x: &[f32], fs: f32, lo: f64, hi: f64) -> Vec<f64> {
    let mut bands = Vec::new();
    let mut f = lo;
    while f * 2f64.powf(1.0 / 3.0) <= hi {
        let upper = f * 2f64.powf(1.0 / 3.0);
        bands.push(10.0 * band_energy(x, fs, f, upper).log10());
        f = upper;
    }
    bands
}

#[test]
fn elevation_changes_the_spectrum_and_stays_symmetric() {
    for fs in RATES {
        let (l0, _) = ears(fs, 0.0, 0.0, 1.0, 8.75);
        let (l60, r60) = ears(fs, 0.0, 60.0, 1.0, 8.75);
        let flat = third_octaves(&l0, fs, 4000.0, 12_000.0);
        let raised = third_octaves(&l60, fs, 4000.0, 12_000.0);
        let biggest = flat
            .iter()
            .zip(&raised)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0, f64::max);
        println!("{fs} Hz: elevation 60° vs 0°: largest third-octave change {biggest:.1} dB");
        assert!(
            biggest >= 3.0,
            "{fs} Hz: elevation changes 4–12 kHz by only {biggest:.1} dB"
        );
        let mut lo = 62.5;
        while lo * 2.0 <= (fs as f64 / 2.0).min(20_000.0) {
            let ild = ild_db(&l60, &r60, fs, lo, lo * 2.0);
            assert!(
                ild.abs() < 0.5,
                "{fs} Hz, elevated, band {lo} Hz: ILD {ild:.2} dB"
            );
            lo *= 2.0;
        }
    }
}

#[test]
fn sources_behind_are_darker_than_in_front() {
    for fs in RATES {
        let energy = |az: f32| {
            let (l, r) = ears(fs, az, 0.0, 1.0, 8.75);
            band_energy(&l, fs, 3000.0, 10_000.0) + band_energy(&r, fs, 3000.0, 10_000.0)
        };
        let difference = 10.0 * (energy(30.0) / energy(150.0)).log10();
        println!("{fs} Hz: 3–10 kHz, 30° vs 150°: {difference:.1} dB");
        assert!(
            difference >= 3.0,
            "{fs} Hz: rear is only {difference:.1} dB darker"
        );
    }
}

#[test]
fn odd_sample_rates_keep_the_itd_and_stay_finite() {
    // Below 44.1 kHz a broadband measurement leans towards the head shadow's low-frequency
    // delay (the sphere's low-frequency ITD is larger than Woodworth's high-frequency one,
    // Kuhn 1977), so the bound here is relative: within 10 % (20 % at 8 kHz).
    for fs in [
        8_000.0f32,
        22_050.0,
        32_000.0,
        88_200.0,
        192_000.0,
        384_000.0,
        768_000.0,
        // The rate Steinberg's validator tries, and the highest the engine takes.
        1_234_567.8,
        1_536_000.0,
    ] {
        let (l, r) = ears(fs, 60.0, 0.0, 1.0, 8.75);
        assert!(
            l.iter().chain(&r).all(|x| x.is_finite()),
            "{fs} Hz: non-finite output"
        );
        let n = (0.2 * fs) as usize;
        let itd_us = itd_s(&l[..n], &r[..n], fs) * 1e6;
        let expected = woodworth_itd_s(60f32.to_radians(), 0.0875) as f64 * 1e6;
        println!("{fs} Hz: ITD at 60° {itd_us:.1} µs (Woodworth {expected:.1})");
        let tolerance = if fs < 20_000.0 { 0.2 } else { 0.1 };
        assert!(
            (itd_us - expected).abs() <= tolerance * expected,
            "{fs} Hz: {itd_us:.1} µs"
        );
    }
}
