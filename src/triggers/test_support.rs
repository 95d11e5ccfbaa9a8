//! Measurements shared by the trigger models' unit tests, and the rules every model is held
//! to (`model_rules`).

use super::model::{EventParams, TriggerModel};
use rand::SeedableRng;
use rand_pcg::Pcg32;
use realfft::RealFftPlanner;

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

/// Power spectrum of `signal` (zero-padded to a power of two), with the bin spacing in Hz.
pub fn power_spectrum(signal: &[f32], fs: f32) -> (Vec<f64>, f64) {
    let n = signal.len().next_power_of_two().max(1024);
    let mut buf: Vec<f64> = signal.iter().map(|&x| x as f64).collect();
    buf.resize(n, 0.0);
    let fft = RealFftPlanner::<f64>::new().plan_fft_forward(n);
    let mut spec = fft.make_output_vec();
    fft.process(&mut buf, &mut spec).unwrap();
    (
        spec.iter().map(|c| c.norm_sqr()).collect(),
        fs as f64 / n as f64,
    )
}

/// Power-weighted mean frequency, Hz.
pub fn spectral_centroid(signal: &[f32], fs: f32) -> f64 {
    let (power, df) = power_spectrum(signal, fs);
    let total: f64 = power.iter().sum();
    power
        .iter()
        .enumerate()
        .map(|(i, p)| i as f64 * df * p)
        .sum::<f64>()
        / total
}

/// Share of the signal's energy between `lo_hz` and `hi_hz`.
pub fn band_energy_fraction(signal: &[f32], fs: f32, lo_hz: f64, hi_hz: f64) -> f64 {
    let (power, df) = power_spectrum(signal, fs);
    let total: f64 = power.iter().sum();
    let band: f64 = power
        .iter()
        .enumerate()
        .filter(|(i, _)| (lo_hz..hi_hz).contains(&(*i as f64 * df)))
        .map(|(_, p)| p)
        .sum();
    band / total
}

/// Spectral flatness (geometric over arithmetic mean of the power) between 100 Hz and 16 kHz.
pub fn spectral_flatness(signal: &[f32], fs: f32) -> f64 {
    let (power, df) = power_spectrum(signal, fs);
    let band: Vec<f64> = power
        .iter()
        .enumerate()
        .filter(|(i, _)| (100.0..16_000.0).contains(&(*i as f64 * df)))
        .map(|(_, p)| p + 1e-30)
        .collect();
    let log_mean = band.iter().map(|p| p.ln()).sum::<f64>() / band.len() as f64;
    log_mean.exp() / (band.iter().sum::<f64>() / band.len() as f64)
}

/// Normalized correlation at zero lag over the common length (1 = same shape).
pub fn correlation(a: &[f32], b: &[f32]) -> f64 {
    let n = a.len().min(b.len());
    let (mut ab, mut aa, mut bb) = (0.0f64, 0.0f64, 0.0f64);
    for i in 0..n {
        let (x, y) = (a[i] as f64, b[i] as f64);
        ab += x * y;
        aa += x * x;
        bb += y * y;
    }
    ab / (aa * bb).sqrt().max(1e-30)
}

/// Largest absolute sample.
pub fn peak(signal: &[f32]) -> f32 {
    signal.iter().fold(0.0, |m, x| m.max(x.abs()))
}

/// Rules every trigger model is held to (tone, size, variation, duration, level, block
/// split); the tap, drop and rain tests all run them.
pub(crate) mod model_rules {
    use super::*;
    use rand_pcg::Pcg32;

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

    fn centroid<M: TriggerModel>(event: &EventParams, fs: f32) -> f64 {
        // Averaged over a few seeds so the stochastic models are judged on their mean.
        (0..4)
            .map(|seed| spectral_centroid(&render::<M>(event, seed, fs), fs))
            .sum::<f64>()
            / 4.0
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
                        fs,
                    )
                })
                .to_vec();
            eprintln!("{name} {fs} Hz: centroid over sizes 0..1 = {centroids:.0?} Hz");
            assert!(centroids.windows(2).all(|w| w[1] < w[0]), "{centroids:?}");
        }
    }

    /// Variation 0 ignores the draws; variation 0.1 keeps two consecutive events apart.
    pub(crate) fn variation_rule<M: TriggerModel>(name: &str) {
        for fs in RATES_HZ {
            let draw = |variation, detune, timbre| EventParams {
                variation,
                detune,
                timbre,
                ..Default::default()
            };
            let a = render::<M>(&draw(0.0, -0.7, 0.4), 7, fs);
            let b = render::<M>(&draw(0.0, 0.9, -0.6), 7, fs);
            assert_eq!(a, b);
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

    /// Runs every common rule.
    pub(crate) fn common_rules<M: TriggerModel>(name: &str) {
        tone_rule::<M>(name);
        size_rule::<M>(name);
        variation_rule::<M>(name);
        duration_rule::<M>(name);
        level_rule::<M>(name);
        ceiling_rule::<M>(name);
        split_rule::<M>(name);
    }
}
