//! Measurements shared by the trigger models' unit tests (on the test kit's spectra, padded for
//! events of any length), and the rules every model is held to (`model_rules`).

use super::model::{EventParams, TriggerModel};
use crate::dsp::math::log10;
use rand::SeedableRng;
use rand_pcg::Pcg32;
pub use signals::measure::padded_power_spectrum as power_spectrum;
use signals::measure::{band_sum, centroid, flatness};
pub use signals::measure::{correlation, peak};

/// Renders one whole event (at most `max_s` seconds) of model `M` with a generator seeded by
/// `seed`, in 64-sample blocks like the engine; returns the samples up to the event's end.
pub fn render_event<M: TriggerModel>(
    event: &EventParams,
    seed: u64,
    fs: f32,
    max_s: f32,
) -> Vec<f32> {
    let mut model = M::new(fs);
    let mut rng = Pcg32::seed_from_u64(seed);
    model.start(event, &mut rng);
    let mut out = Vec::new();
    let mut block = [0.0f32; 64];
    while out.len() < (max_s * fs) as usize {
        let alive = model.render(&mut block);
        out.extend_from_slice(&block);
        if !alive {
            assert!(block.iter().all(|x| *x == 0.0) || out.len() > 64);
            break;
        }
    }
    out
}

/// Power-weighted mean frequency of an event, Hz.
pub fn spectral_centroid(signal: &[f32], fs: f32) -> f64 {
    let (power, bin_hz) = power_spectrum(signal, fs);
    centroid(&power, bin_hz)
}

/// Share of an event's energy between `lo_hz` and `hi_hz`.
pub fn band_energy_fraction(signal: &[f32], fs: f32, lo_hz: f64, hi_hz: f64) -> f64 {
    let (power, bin_hz) = power_spectrum(signal, fs);
    band_sum(&power, bin_hz, lo_hz, hi_hz) / power.iter().sum::<f64>()
}

/// Spectral flatness of an event between 100 Hz and 16 kHz.
pub fn spectral_flatness(signal: &[f32], fs: f32) -> f64 {
    let (power, bin_hz) = power_spectrum(signal, fs);
    flatness(&power, bin_hz)
}

/// The indices of the (first) peak sample and of the last sample above −60 dB of it.
pub fn peak_to_60_db(signal: &[f32]) -> (usize, usize) {
    let top = peak(signal);
    let at_peak = signal.iter().position(|x| x.abs() == top).unwrap();
    let last = signal.iter().rposition(|x| x.abs() > 1e-3 * top).unwrap();
    (at_peak, last)
}

/// The default event with `edit` applied.
pub fn event_with(edit: impl FnOnce(&mut EventParams)) -> EventParams {
    let mut e = EventParams::default();
    edit(&mut e);
    e
}

/// Renders a started model one sample at a time until it reports the end, which must come
/// within 3 s; returns the samples before the end and `probe` of the model after each.
pub fn render_probed<M: TriggerModel>(
    model: &mut M,
    fs: f32,
    mut probe: impl FnMut(&M) -> f32,
) -> (Vec<f32>, Vec<f32>) {
    let (mut out, mut probed, mut x) = (Vec::new(), Vec::new(), [0.0]);
    while model.render(&mut x) {
        out.push(x[0]);
        probed.push(probe(model));
        assert!((out.len() as f32) < 3.0 * fs, "no end within 3 s");
    }
    (out, probed)
}

/// Seconds of one event of model `M`, up to and including the sample on which `render`
/// reports the end.
pub fn reported_s<M: TriggerModel>(event: &EventParams, seed: u64, fs: f32) -> f32 {
    let mut model = M::new(fs);
    model.start(event, &mut Pcg32::seed_from_u64(seed));
    (render_probed(&mut model, fs, |_| 0.0).0.len() + 1) as f32 / fs
}

/// Seconds during which an envelope traced by [`render_probed`] is open (above zero).
pub fn open_s(envelope: &[f32], fs: f32) -> f32 {
    envelope.iter().filter(|v| **v > 0.0).count() as f32 / fs
}

/// Largest change of an envelope from one sample to the next.
pub fn largest_step(envelope: &[f32]) -> f32 {
    envelope
        .windows(2)
        .map(|w| (w[1] - w[0]).abs())
        .fold(0.0, f32::max)
}

/// The 60 dB decay time, seconds, of `signal` band-passed around `freq_hz`: a line fitted
/// to the per-period peak envelope in dB between 5 and 45 dB below its maximum.
pub fn t60_around(signal: &[f32], freq_hz: f32, fs: f32) -> f32 {
    let mut bp = crate::dsp::Biquad::band_pass(freq_hz, 2.0, fs);
    let filtered: Vec<f32> = signal.iter().map(|x| bp.process(*x)).collect();
    let period = (fs / freq_hz).ceil() as usize;
    let env: Vec<(f32, f32)> = filtered
        .chunks(period)
        .enumerate()
        .map(|(i, c)| ((i * period) as f32 / fs, 20.0 * log10(peak(c).max(1e-12))))
        .collect();
    let top = env.iter().fold(f32::MIN, |m, e| m.max(e.1));
    let start = env.iter().position(|e| e.1 == top).unwrap();
    let fit: Vec<(f32, f32)> = env[start..]
        .iter()
        .copied()
        .skip_while(|e| e.1 > top - 5.0)
        .take_while(|e| e.1 > top - 45.0)
        .collect();
    let n = fit.len() as f32;
    let (mt, md) = fit
        .iter()
        .fold((0.0, 0.0), |s, e| (s.0 + e.0 / n, s.1 + e.1 / n));
    let (sxy, sxx) = fit.iter().fold((0.0, 0.0), |s, e| {
        (s.0 + (e.0 - mt) * (e.1 - md), s.1 + (e.0 - mt) * (e.0 - mt))
    });
    -60.0 / (sxy / sxx)
}

/// Rules every trigger model is held to (tone, size, variation, duration, level, block
/// split), run by every model's tests (the scratch's all but the duration); the noise gestures
/// add `gesture_rules`, and the comparisons of two models share `brighter_rule`.
pub(crate) mod model_rules {
    use super::*;
    use rand_pcg::Pcg32;
    use std::ops::Range;

    /// The rates every model is checked at.
    pub(crate) const RATES_HZ: [f32; 2] = [44_100.0, 48_000.0];

    /// Renders one event and checks it is finite and ends within 3 s.
    pub(crate) fn render<M: TriggerModel>(event: &EventParams, seed: u64, fs: f32) -> Vec<f32> {
        let out = render_event::<M>(event, seed, fs, 3.5);
        assert!(out.iter().all(|x| x.is_finite()));
        assert!(
            out.len() as f32 <= 3.0 * fs + 64.0,
            "{} s",
            out.len() as f32 / fs
        );
        out
    }

    /// Seconds up to and including the last non-zero sample.
    pub(crate) fn sounding_s(signal: &[f32], fs: f32) -> f32 {
        signal.iter().rposition(|x| *x != 0.0).map_or(0, |i| i + 1) as f32 / fs
    }

    /// Centroid averaged over `seeds`, so the stochastic models are judged on their mean.
    fn centroid<M: TriggerModel>(event: &EventParams, seeds: Range<u64>, fs: f32) -> f64 {
        let n = seeds.end - seeds.start;
        seeds
            .map(|seed| spectral_centroid(&render::<M>(event, seed, fs), fs))
            .sum::<f64>()
            / n as f64
    }

    /// Tone −1 is at most 0.75 of the centroid at tone 0, tone +1 at least 1.25 of it.
    pub(crate) fn tone_rule<M: TriggerModel>(name: &str) {
        for fs in RATES_HZ {
            let at = |tone| {
                centroid::<M>(
                    &EventParams {
                        tone,
                        ..Default::default()
                    },
                    0..4,
                    fs,
                )
            };
            let (dark, mid, bright) = (at(-1.0), at(0.0), at(1.0));
            eprintln!(
                "{name} {fs} Hz: centroid at tone -1/0/+1 = {dark:.0}/{mid:.0}/{bright:.0} Hz"
            );
            assert!(
                dark <= 0.75 * mid && bright >= 1.25 * mid,
                "{dark} {mid} {bright}"
            );
        }
    }

    /// Larger is lower: the centroid falls strictly over sizes 0, 0.25, 0.5, 0.75, 1.
    pub(crate) fn size_rule<M: TriggerModel>(name: &str) {
        for fs in RATES_HZ {
            let centroids: Vec<f64> = [0.0, 0.25, 0.5, 0.75, 1.0]
                .map(|size| {
                    centroid::<M>(
                        &EventParams {
                            size,
                            ..Default::default()
                        },
                        0..4,
                        fs,
                    )
                })
                .to_vec();
            eprintln!("{name} {fs} Hz: centroid over sizes 0..1 = {centroids:.0?} Hz");
            assert!(centroids.windows(2).all(|w| w[1] < w[0]), "{centroids:?}");
        }
    }

    /// Variation 0 ignores the draws (up to their extremes); variation 0.1 keeps two
    /// consecutive events apart.
    pub(crate) fn variation_rule<M: TriggerModel>(name: &str) {
        for fs in RATES_HZ {
            let draw = |variation, detune, timbre| EventParams {
                variation,
                detune,
                timbre,
                ..Default::default()
            };
            for ((d1, t1), (d2, t2)) in [((-0.7, 0.4), (0.9, -0.6)), ((-0.25, -1.0), (0.25, 1.0))] {
                let a = render::<M>(&draw(0.0, d1, t1), 7, fs);
                let b = render::<M>(&draw(0.0, d2, t2), 7, fs);
                assert_eq!(a, b, "{name}: variation 0 follows the draws");
            }
            let a = render::<M>(&draw(0.1, -0.25, 0.3), 1, fs);
            let b = render::<M>(&draw(0.1, 0.25, -0.3), 2, fs);
            let r = correlation(&a, &b);
            eprintln!("{name} {fs} Hz: correlation at variation 0.1 = {r:.3}");
            assert!(r < 0.99, "{r}");
        }
    }

    /// Events last as long in seconds at both rates, end within 3 s and end quietly.
    pub(crate) fn duration_rule<M: TriggerModel>(name: &str) {
        let longest = EventParams {
            size: 1.0,
            decay: 1.0,
            tone: -1.0,
            variation: 1.0,
            detune: -1.0,
            ..Default::default()
        };
        for event in [EventParams::default(), longest] {
            let lengths = RATES_HZ.map(|fs| {
                let out = render::<M>(&event, 3, fs);
                let end = (sounding_s(&out, fs) * fs) as usize;
                let tail = peak(&out[end - (fs / 1000.0) as usize..end]);
                assert!(tail < 1e-3 * peak(&out), "tail {tail} of {}", peak(&out));
                sounding_s(&out, fs)
            });
            eprintln!("{name}: event lasts {lengths:.4?} s at {RATES_HZ:?} Hz");
            assert!((lengths[0] - lengths[1]).abs() <= 0.002, "{lengths:?}");
        }
    }

    /// Peaks between 0.2 and 1 at default settings, whatever the intensity and seed.
    pub(crate) fn level_rule<M: TriggerModel>(name: &str) {
        for fs in RATES_HZ {
            let mut range = (f32::MAX, 0.0f32);
            for intensity in [0.0, 0.5, 1.0] {
                for seed in 0..8 {
                    let event = EventParams {
                        intensity,
                        ..Default::default()
                    };
                    let p = peak(&render::<M>(&event, seed, fs));
                    range = (range.0.min(p), range.1.max(p));
                }
            }
            eprintln!("{name} {fs} Hz: peak range {range:.3?}");
            assert!(range.0 >= 0.2 && range.1 <= 1.0, "{range:?}");
        }
    }

    /// Never above 1, over the corners of every control.
    pub(crate) fn ceiling_rule<M: TriggerModel>(name: &str) {
        let mut loudest = 0.0f32;
        for corner in 0..64u32 {
            let bit = |b: u32| if corner >> b & 1 == 1 { 1.0 } else { 0.0 };
            let event = EventParams {
                intensity: bit(0),
                tone: 2.0 * bit(1) - 1.0,
                size: bit(2),
                decay: bit(3),
                variation: 1.0,
                detune: 2.0 * bit(4) - 1.0,
                timbre: 2.0 * bit(5) - 1.0,
                ..EventParams::default()
            };
            for seed in 0..2 {
                loudest = loudest.max(peak(&render::<M>(&event, seed, 48_000.0)));
            }
        }
        eprintln!("{name}: loudest corner peak {loudest:.3}");
        assert!(loudest <= 1.0, "{loudest}");
    }

    /// The samples do not depend on how the render calls split the event.
    pub(crate) fn split_rule<M: TriggerModel>(name: &str) {
        use rand::SeedableRng;
        let event = EventParams {
            variation: 0.5,
            detune: 0.3,
            timbre: -0.4,
            ..Default::default()
        };
        let whole = render::<M>(&event, 11, 48_000.0);
        let mut model = M::new(48_000.0);
        model.start(&event, &mut Pcg32::seed_from_u64(11));
        let mut split = Vec::new();
        let mut buffer = [0.0f32; 64];
        for &n in [7usize, 64, 13, 1, 33].iter().cycle() {
            if split.len() >= whole.len() {
                break;
            }
            model.render(&mut buffer[..n]);
            split.extend_from_slice(&buffer[..n]);
        }
        split.truncate(whole.len());
        assert!(whole == split, "{name}: output depends on the block split");
    }

    /// `Bright`'s centroid at default settings, averaged over `seeds`, is above `ratio` times
    /// `Dark`'s at both rates.
    pub(crate) fn brighter_rule<Bright: TriggerModel, Dark: TriggerModel>(
        names: [&str; 2],
        ratio: f64,
        seeds: Range<u64>,
    ) {
        let event = EventParams::default();
        for fs in RATES_HZ {
            let bright = centroid::<Bright>(&event, seeds.clone(), fs);
            let dark = centroid::<Dark>(&event, seeds.clone(), fs);
            let [b, d] = names;
            eprintln!("{fs} Hz: centroid {b} {bright:.0} Hz, {d} {dark:.0} Hz");
            assert!(bright > ratio * dark, "{b} {bright}, {d} {dark}");
        }
    }

    /// Ends, by the model's own report, within 3 s and as long in seconds at both rates, at
    /// decay 0, 0.5 and 1 with the variation draws at rest and at their extremes.
    pub(crate) fn reported_end_rule<M: TriggerModel>(name: &str) {
        for decay in [0.0, 0.5, 1.0] {
            for (variation, timbre) in [(0.0, 0.0), (1.0, 1.0), (1.0, -1.0)] {
                let e =
                    event_with(|e| (e.decay, e.variation, e.timbre) = (decay, variation, timbre));
                let d = RATES_HZ.map(|fs| reported_s::<M>(&e, 3, fs));
                assert!(d[0] <= 3.0 && (d[0] - d[1]).abs() <= 0.002, "{name}: {d:?}");
            }
        }
    }

    /// Over 20 seeds at intensities 0.2 and 1: peaks between 0.2 and 1, no subnormal sample,
    /// and the last 2 ms rendered stay below −60 dB of the peak.
    pub(crate) fn clean_level_rule<M: TriggerModel>(name: &str) {
        for fs in RATES_HZ {
            let (mut lo, mut hi) = (f32::MAX, 0.0f32);
            for seed in 0..20 {
                for intensity in [0.2, 1.0] {
                    let x = render::<M>(&event_with(|e| e.intensity = intensity), seed, fs);
                    assert!(x.iter().all(|v| *v == 0.0 || v.is_normal()), "{name}");
                    let tail = peak(&x[x.len() - (0.002 * fs) as usize..]);
                    assert!(tail < 1e-3 * peak(&x), "{name}: tail {tail}");
                    (lo, hi) = (lo.min(peak(&x)), hi.max(peak(&x)));
                }
            }
            eprintln!("{name} {fs} Hz: peaks {lo:.2}..{hi:.2}");
            assert!(lo >= 0.2 && hi <= 1.0, "{lo} {hi}");
        }
    }

    /// The rules the noise gestures (brush, scratch, shh, paper, crinkle) keep besides the
    /// common ones: their reported end and their clean level.
    pub(crate) fn gesture_rules<M: TriggerModel>(name: &str) {
        reported_end_rule::<M>(name);
        clean_level_rule::<M>(name);
    }

    /// Runs every common rule.
    pub(crate) fn common_rules<M: TriggerModel>(name: &str) {
        common_rules_but_duration::<M>(name);
        duration_rule::<M>(name);
    }

    /// Runs every common rule but [`duration_rule`], for a model whose sound stops on its last
    /// random grain, at a moment that differs between the rates (its reported end is held by
    /// [`reported_end_rule`]).
    pub(crate) fn common_rules_but_duration<M: TriggerModel>(name: &str) {
        tone_rule::<M>(name);
        size_rule::<M>(name);
        variation_rule::<M>(name);
        level_rule::<M>(name);
        ceiling_rule::<M>(name);
        split_rule::<M>(name);
    }
}
