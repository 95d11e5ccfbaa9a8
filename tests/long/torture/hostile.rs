//! 2. Hostile input: what a broken upstream plugin or a buggy host may feed the effect.

use super::*;

/// What a broken upstream plugin or a buggy host may feed the effect.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Hostile {
    Nan,
    PositiveInfinity,
    NegativeInfinity,
    /// ±1e-40, alternating.
    Denormal,
    Huge,
    HugeNegative,
    /// ±1e30, alternating every sample: the loudest possible square wave at Nyquist.
    HugeAlternating,
    /// 1.0 on every sample.
    FullScaleDc,
}

pub(super) const HOSTILE: [Hostile; 8] = [
    Hostile::Nan,
    Hostile::PositiveInfinity,
    Hostile::NegativeInfinity,
    Hostile::Denormal,
    Hostile::Huge,
    Hostile::HugeNegative,
    Hostile::HugeAlternating,
    Hostile::FullScaleDc,
];

impl Hostile {
    pub(super) fn sample(self, n: u64) -> f32 {
        let sign = if n.is_multiple_of(2) { 1.0 } else { -1.0 };
        match self {
            Hostile::Nan => f32::NAN,
            Hostile::PositiveInfinity => f32::INFINITY,
            Hostile::NegativeInfinity => f32::NEG_INFINITY,
            Hostile::Denormal => sign * 1e-40,
            Hostile::Huge => 1e30,
            Hostile::HugeNegative => -1e30,
            Hostile::HugeAlternating => sign * 1e30,
            Hostile::FullScaleDc => 1.0,
        }
    }
}

/// Parameters around the hostile input.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Scene {
    /// Every parameter at its default.
    Defaults,
    /// Everything that keeps state busy: de-ess and denoise at 100 %, Orbit motion, full
    /// width, all three trigger layers playing.
    Busy,
}

impl Scene {
    pub(super) fn changes(self, murmur: &Murmur) -> Vec<ParamChange> {
        let set = |id: &str, text: &str| {
            let info = murmur.param_by_id(id);
            let value = murmur
                .text_to_value(info.id, text)
                .unwrap_or_else(|| panic!("{}: the host could not enter {text:?}", info.name));
            ParamChange {
                offset: 0,
                id: info.id,
                value,
            }
        };
        match self {
            Scene::Defaults => Vec::new(),
            Scene::Busy => {
                let mut changes = vec![
                    set("deess", "100"),
                    set("dnoise", "100"),
                    set("motion", "Orbit"),
                    set("mrate", "1"),
                    set("width", "100"),
                ];
                for layer in 1..=3 {
                    changes.push(set(&format!("t{layer}on"), "On"));
                    changes.push(set(&format!("t{layer}dens"), "8"));
                }
                changes
            }
        }
    }
}

/// One run of the effect: `warm` seconds of a clean tone (−20 dBFS, 440 Hz left, 660 Hz
/// right), `hostile` seconds of `kind` (or of silence, for the reference; on the left channel
/// alone with `left_only`), then `clean` seconds of the tone again. Returns the output, the
/// sample where the clean tone starts again and the plugin's latency.
pub(super) fn hostile_run(
    setup: Setup,
    sample_rate: f64,
    scene: Scene,
    calm: bool,
    kind: Option<Hostile>,
    left_only: bool,
    [warm, hostile, clean]: [f64; 3],
) -> (Vec<[f32; 2]>, u64, u64) {
    let mut murmur = setup.create();
    let mut changes = scene.changes(&murmur);
    if !calm {
        changes.push(ParamChange {
            offset: 0,
            id: murmur.param_by_id("calm").id,
            value: 0.0,
        });
    }
    let mut processor = murmur.activate_with(sample_rate, setup.input_channels(), MAX_BLOCK);
    let latency = u64::from(murmur.latency());
    let hostile_start = (warm * sample_rate) as u64;
    let clean_start = hostile_start + (hostile * sample_rate) as u64;
    let total = clean_start + (clean * sample_rate) as u64;
    // The same block sizes for the run and its reference.
    let mut rng = Pcg32::seed_from_u64(0x686f_7374 ^ sample_rate as u64);
    let mut output = Vec::with_capacity(total as usize);
    let mut done = 0u64;
    while done < total {
        let frames = block_size(&mut rng, (total - done) as usize);
        for (channel, buffer) in processor.inputs.iter_mut().enumerate() {
            let frequency = [440.0, 660.0][channel];
            for (i, x) in buffer[..frames].iter_mut().enumerate() {
                let n = done + i as u64;
                let hit = channel == 0 || !left_only;
                *x = if hit && (hostile_start..clean_start).contains(&n) {
                    kind.map_or(0.0, |kind| kind.sample(n))
                } else {
                    let phase = std::f64::consts::TAU * frequency * n as f64 / sample_rate;
                    (0.1 * phase.sin()) as f32
                };
            }
        }
        let block_changes = if done == 0 { &changes[..] } else { &[] };
        processor.process(frames, block_changes);
        let (left, right) = processor.output(frames);
        output.extend(left.iter().zip(right).map(|(&l, &r)| [l, r]));
        done += frames as u64;
    }
    murmur.deactivate(processor);
    (output, clean_start, latency)
}

impl Hostile {
    /// Input the effect must treat as no input at all: non-finite samples, samples beyond
    /// ±1000 (+60 dBFS: no audio) and denormals (flushed to zero by the processor).
    pub(super) fn is_silence(self) -> bool {
        self != Hostile::FullScaleDc
    }
}

/// Level of `samples` (RMS of both channels), dB.
pub(super) fn level_db(samples: &[[f32; 2]]) -> f64 {
    let power = samples
        .iter()
        .map(|s| f64::from(s[0]).powi(2) + f64::from(s[1]).powi(2))
        .sum::<f64>()
        / (2 * samples.len().max(1)) as f64;
    10.0 * power.max(1e-30).log10()
}

/// The default ceiling, −6 dBFS, with the rounding allowance.
pub(super) const DEFAULT_CEILING: f32 = 0.501_187_2 * (1.0 + CEILING_ROUNDING);

/// How the effect must come out of hostile input (`run`) compared with `reference`, the same
/// run with silence in place of the hostile input. Returns the problems found.
///
/// - Silence-like input (NaN, ±Inf, denormals, ±1e30): the effect replaces it with silence, so
///   every output sample, during the hostile stretch and after it, matches the reference within
///   1e-6 (−120 dBFS).
/// - Full-scale DC is loud but valid input: the Calm Guard holds it at the ceiling and then
///   recovers as it does from any loud passage, releasing at about 60 dB a second ("recover over
///   about 200 ms", README), so 100 ms after the clean tone reaches the output (after the
///   latency) it may still be several dB down. From then on it carries no DC (a 5 Hz low-pass
///   of its difference from the reference, run from 50 ms on, stays within 1e-3, −60 dBFS);
///   until 300 ms its level
///   (per 10 ms) recovers steadily (never falls more than 0.2 dB further behind the
///   reference's than 10 ms before); from 300 ms on
///   (the guard's own test allows it 100–300 ms to recover) the level is within 0.5 dB of the
///   reference's and, with every parameter at its default (nothing adaptive that may remember
///   the DC, as the denoiser's 1.5 s noise estimate does), every sample matches the reference
///   within 1e-4 (−80 dBFS).
pub(super) fn recovery_problems(
    what: &str,
    kind: Hostile,
    scene: Scene,
    run: &[[f32; 2]],
    reference: &[[f32; 2]],
    clean_at_output: usize,
    sample_rate: f64,
) -> Vec<String> {
    let mut problems = Vec::new();
    if kind.is_silence() {
        let worst = run
            .iter()
            .zip(reference)
            .enumerate()
            .map(|(t, (a, b))| ((a[0] - b[0]).abs().max((a[1] - b[1]).abs()), t))
            .fold((0.0f32, 0), |m, x| if x.0 > m.0 { x } else { m });
        if worst.0 > 1e-6 {
            let last = run
                .iter()
                .zip(reference)
                .rposition(|(a, b)| (a[0] - b[0]).abs().max((a[1] - b[1]).abs()) > 1e-6)
                .unwrap_or(0);
            problems.push(format!(
                "{what}: differs from the run with silence instead by up to {:.3e} (at sample \
                 {}), until {:.0} ms after the clean tone reaches the output (at sample \
                 {clean_at_output})",
                worst.0,
                worst.1,
                (last as f64 - clean_at_output as f64) * 1000.0 / sample_rate
            ));
        }
        return problems;
    }
    let ms = |s: f64| (s * sample_rate / 1000.0) as usize;
    let window = ms(10.0);
    let mut start = clean_at_output + ms(100.0);
    let mut deficit_before = f64::INFINITY;
    while start + window <= run.len() {
        let level = level_db(&run[start..start + window]);
        let expected = level_db(&reference[start..start + window]);
        let after_ms = (start - clean_at_output) as f64 * 1000.0 / sample_rate;
        let deficit = expected - level;
        if after_ms >= 300.0 && deficit.abs() > 0.5 {
            problems.push(format!(
                "{what}: {after_ms:.0} ms after the clean tone reaches the output, its level is \
                 {level:.2} dB, a fresh instance's {expected:.2} dB (±0.5 dB allowed)"
            ));
            break;
        }
        if after_ms < 300.0 && deficit > deficit_before + 0.2 {
            problems.push(format!(
                "{what}: {after_ms:.0} ms after the clean tone reaches the output, it is \
                 {deficit:.2} dB below a fresh instance, {deficit_before:.2} dB 10 ms before: \
                 the recovery does not proceed"
            ));
            break;
        }
        deficit_before = deficit;
        start += window;
    }
    // DC: what a 5 Hz low-pass (two one-poles) keeps of the difference from the reference. It
    // takes the tone (and the trigger layers) down by 80 dB or more, whatever the guard's gain
    // does to them, and passes an offset. It starts 50 ms into the clean tone, after the filters'
    // response to the end of the DC (a decaying transient, not an offset).
    let coef = 1.0 - (-std::f64::consts::TAU * 5.0 / sample_rate).exp();
    let mut low = [[0.0f64; 2]; 2];
    for t in clean_at_output + ms(50.0)..run.len() {
        for c in 0..2 {
            let difference = f64::from(run[t][c]) - f64::from(reference[t][c]);
            low[c][0] += coef * (difference - low[c][0]);
            low[c][1] += coef * (low[c][0] - low[c][1]);
        }
        if t >= clean_at_output + ms(100.0) && (low[0][1].abs() > 1e-3 || low[1][1].abs() > 1e-3) {
            problems.push(format!(
                "{what}: {:.0} ms after the clean tone reaches the output, it carries DC: \
                 ({:.2e}, {:.2e}) more than a fresh instance",
                (t - clean_at_output) as f64 * 1000.0 / sample_rate,
                low[0][1],
                low[1][1]
            ));
            break;
        }
    }
    if scene == Scene::Defaults {
        let from = clean_at_output + ms(300.0);
        if let Some(t) = (from..run.len()).find(|&t| {
            (run[t][0] - reference[t][0])
                .abs()
                .max((run[t][1] - reference[t][1]).abs())
                > 1e-4
        }) {
            problems.push(format!(
                "{what}: {:.0} ms after the clean tone reaches the output it still differs from \
                 a fresh instance's: ({}, {}) instead of ({}, {})",
                (t - clean_at_output) as f64 * 1000.0 / sample_rate,
                run[t][0],
                run[t][1],
                reference[t][0],
                reference[t][1]
            ));
        }
    }
    problems
}

pub(super) fn hostile_input(setup: Setup) {
    let long = long_mode();
    let rates: &[f64] = if long {
        &RATES
    } else {
        &[22_050.0, 48_000.0, 192_000.0]
    };
    // Warm-up, hostile stretch, clean tone, seconds.
    let lengths = if long {
        [0.25, 5.0, 1.5]
    } else {
        [0.25, 0.5, 1.0]
    };
    let sides: &[bool] = if setup == Setup::Stereo {
        &[false, true]
    } else {
        &[false]
    };
    let started = Instant::now();
    let (mut runs, mut seconds) = (0u64, 0.0f64);
    let mut problems = Vec::new();
    for &rate in rates {
        for scene in [Scene::Defaults, Scene::Busy] {
            for calm in [true, false] {
                for &left_only in sides {
                    let (reference, clean_start, latency) =
                        hostile_run(setup, rate, scene, calm, None, left_only, lengths);
                    let clean_at_output = (clean_start + latency) as usize;
                    for kind in HOSTILE {
                        let what = format!(
                            "{setup:?} at {rate} Hz, {scene:?}, Calm Guard {}, {kind:?}{}",
                            if calm { "on" } else { "off" },
                            if left_only { " on the left" } else { "" }
                        );
                        let (run, _, _) =
                            hostile_run(setup, rate, scene, calm, Some(kind), left_only, lengths);
                        runs += 1;
                        seconds += run.len() as f64 / rate;
                        for (t, &[l, r]) in run.iter().enumerate() {
                            assert!(
                                l.is_finite() && r.is_finite(),
                                "{what}: non-finite output ({l}, {r}) at sample {t}"
                            );
                            assert!(
                                !calm || (l.abs() <= DEFAULT_CEILING && r.abs() <= DEFAULT_CEILING),
                                "{what}: output ({l}, {r}) at sample {t} exceeds the −6 dBFS \
                                 ceiling"
                            );
                        }
                        if calm || kind.is_silence() {
                            problems.extend(recovery_problems(
                                &what,
                                kind,
                                scene,
                                &run,
                                &reference,
                                clean_at_output,
                                rate,
                            ));
                        }
                    }
                }
            }
        }
    }
    println!(
        "{setup:?} hostile input in {:.1} s: {runs} runs, {seconds:.1} s of audio",
        started.elapsed().as_secs_f64(),
    );
    assert!(problems.is_empty(), "\n  {}", problems.join("\n  "));
}

#[test]
pub(super) fn hostile_input_effect_mono() {
    hostile_input(Setup::Mono);
}

#[test]
pub(super) fn hostile_input_effect_stereo() {
    hostile_input(Setup::Stereo);
}
