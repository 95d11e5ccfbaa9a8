//! The automated-processing run behind the `processes_*` tests in `clap_host.rs`: ten seconds of a
//! 300 Hz tone through Murmur's CLAP build while the test host automates its parameters.

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg32;

use super::*;

/// The parameters the processing test automates.
const AUTOMATED: &[&str] = &[
    "azim", "elev", "dist", "motion", "mrate", "msoft", "vgain", "width", "out", "deess", "dnoise",
];

/// −6 dBFS, the default Calm Guard ceiling, with a little room for float rounding.
const DEFAULT_CEILING: f32 = 0.5012;

/// How a random value for one automated parameter is drawn.
struct Automated {
    id: u32,
    /// `Some(steps)` for stepped parameters: a random step index.
    steps: Option<u32>,
    /// Normalized range to draw continuous values from.
    low: f64,
    high: f64,
}

fn automation_targets(murmur: &Murmur) -> Vec<Automated> {
    AUTOMATED
        .iter()
        .map(|&id| {
            let info = murmur.param_by_id(id);
            if info.has(CLAP_PARAM_IS_STEPPED) {
                return Automated {
                    id: info.id,
                    steps: Some(info.max_value as u32),
                    low: 0.0,
                    high: 0.0,
                };
            }
            // Gains stay within ±6 dB so that every second of output remains clearly audible.
            let (low, high) = if id == "vgain" || id == "out" {
                let norm = |text: &str| {
                    murmur.text_to_value(info.id, text).unwrap_or_else(|| {
                        panic!("{}: the host could not enter {text:?}", info.name)
                    })
                };
                (norm("-6"), norm("6"))
            } else {
                (0.0, 1.0)
            };
            assert!(
                low < high,
                "{}: bad normalized range {low}..{high}",
                info.name
            );
            Automated {
                id: info.id,
                steps: None,
                low,
                high,
            }
        })
        .collect()
}

fn rms(samples: &[f32]) -> f64 {
    let sum: f64 = samples.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
    (sum / samples.len().max(1) as f64).sqrt()
}

/// Runs 10 s of a 300 Hz sine with a little noise through Murmur in 512-sample blocks while
/// randomly automating the voice's position, motion and gains.
pub fn process_with_automation(sample_rate: f64, input_channels: usize) {
    const SECONDS: usize = 10;
    let rate = sample_rate as usize;
    let total = SECONDS * rate;

    let mut murmur = Murmur::new();
    if input_channels == 1 {
        murmur.select_layout(1, 2);
    } else {
        murmur.select_layout(2, 2);
    }
    let targets = automation_targets(&murmur);
    let mut processor = murmur.activate(sample_rate, input_channels);

    let mut rng = Pcg32::seed_from_u64(0x6d75_726d_7572 ^ rate as u64 ^ input_channels as u64);
    let mut left = Vec::with_capacity(total);
    let mut right = Vec::with_capacity(total);
    let mut changes = Vec::new();
    let mut events_sent = 0;
    let phase_step = 2.0 * std::f64::consts::PI * 300.0 / sample_rate;

    let mut done = 0;
    while done < total {
        let frames = BLOCK.min(total - done);
        for (channel, buffer) in processor.inputs.iter_mut().enumerate() {
            for (i, sample) in buffer[..frames].iter_mut().enumerate() {
                let n = (done + i) as f64;
                let sine = 0.25 * (phase_step * n + channel as f64 * 0.3).sin();
                let noise = 0.02 * (rng.random::<f64>() * 2.0 - 1.0);
                *sample = (sine + noise) as f32;
            }
        }

        // About one block in eight carries changes, so positions hold long enough to be heard.
        changes.clear();
        let count = if rng.random_range(0..8u32) == 0 {
            rng.random_range(1..=2u32)
        } else {
            0
        };
        for _ in 0..count {
            let target = &targets[rng.random_range(0..targets.len())];
            let value = match target.steps {
                Some(steps) => f64::from(rng.random_range(0..=steps)),
                None => target.low + (target.high - target.low) * rng.random::<f64>(),
            };
            changes.push(ParamChange {
                offset: rng.random_range(0..frames as u32),
                id: target.id,
                value,
            });
        }
        events_sent += changes.len();

        processor.process(frames, &changes);
        let (l, r) = processor.output(frames);
        for (i, (&l, &r)) in l.iter().zip(r).enumerate() {
            let at = done + i;
            assert!(
                l.is_finite() && r.is_finite(),
                "{sample_rate} Hz, {input_channels} in: non-finite output ({l}, {r}) at sample {at}"
            );
            assert!(
                l.abs() <= DEFAULT_CEILING && r.abs() <= DEFAULT_CEILING,
                "{sample_rate} Hz, {input_channels} in: output ({l}, {r}) at sample {at} exceeds \
                 the default −6 dBFS ceiling"
            );
        }
        left.extend_from_slice(l);
        right.extend_from_slice(r);
        done += frames;
    }
    murmur.deactivate(processor);
    assert!(events_sent > 50, "the test sent too few parameter changes");

    let mut balances = Vec::new();
    for second in 0..SECONDS {
        let span = second * rate..(second + 1) * rate;
        let (l, r) = (rms(&left[span.clone()]), rms(&right[span]));
        let both = ((l * l + r * r) / 2.0).sqrt();
        assert!(
            both > 1e-3,
            "{sample_rate} Hz, {input_channels} in: second {second} is nearly silent (RMS {both:.2e})"
        );
        balances.push(20.0 * (r.max(1e-12) / l.max(1e-12)).log10());
    }
    let lowest = balances.iter().copied().fold(f64::INFINITY, f64::min);
    let highest = balances.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    assert!(
        highest - lowest > 1.0,
        "{sample_rate} Hz, {input_channels} in: the voice does not move; per-second R/L balance \
         in dB stays within {lowest:.2}..{highest:.2}: {balances:.2?}"
    );
}
