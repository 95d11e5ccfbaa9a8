//! Soak: a long sleep session through the engine, checking what must hold at its end as at its
//! start. Sleep beds run for an hour or a night, so anything that grows, drifts or leaks shows
//! up only late: level creeping, DC building up, subnormal tails, voices that never free.
//!
//! The session is what a user sets up: the Sleepy Drift preset, Layer 1 switched to Rain with
//! the rain of the Rain on the Window preset (20 events/s, −18 dB, all around, 1.5 m) and Layer
//! 2's Crinkle switched on at its defaults, through the same parameters a host sets. The voice
//! is the 48 kHz whisper fixture (4.35 s) and 1.65 s of silence, looped: ten phrases a minute,
//! so every minute gets the same input and the pauses let the voice path ring down to silence.
//! 48 kHz in 512-sample blocks, the plugin's usual case.
//!
//! Ten minutes by default; `MURMUR_LONG=1` renders the full hour. The time the render takes is
//! not checked here: `cargo bench --bench soak` times the same session block by block.

use std::sync::OnceLock;

use testkit::soak_session::{RATE, voice_cycle};

use murmur::dsp::db_to_gain;
use murmur::engine::{Engine, InputChannels, Settings};
use murmur::triggers::bank::{EVENT_LOG_LEN, LAYERS};
use murmur::triggers::pool::MAX_VOICES;

const BLOCK: usize = 512;
const MINUTE: usize = 60 * RATE as usize;
/// Where the pauses are measured within a cycle, seconds of input: from 75 ms after the
/// phrase's last sample (4.353 s; the sphere model and its proximity filter ring for a few
/// milliseconds) to the cycle's end. There the output is the trigger layers alone.
const PAUSE_S: (f64, f64) = (4.43, 6.0);

fn session() -> Settings {
    testkit::soak_session::session().settings()
}

fn minutes() -> usize {
    if std::env::var("MURMUR_LONG").is_ok_and(|v| v == "1") {
        60
    } else {
        10
    }
}

fn dbfs(x: f64) -> f64 {
    20.0 * x.max(1e-30).log10()
}

/// What one minute of output looked like.
#[derive(Debug, Default, Clone, Copy)]
struct Minute {
    samples: usize,
    squares: [f64; 2],
    sum: [f64; 2],
    /// Squares and samples in the voice's pauses (the trigger layers alone).
    pause_squares: f64,
    pause_samples: usize,
    peak: f32,
    non_finite: usize,
    subnormal: usize,
    /// Active trigger voices, summed over blocks (for the mean), and the most at once.
    voice_blocks: usize,
    voices_sum: usize,
    voices_max: usize,
    /// Events started in the minute, per layer.
    events: [u64; LAYERS],
    /// The output samples, hashed in time order (left, right, left, …).
    hash: u64,
}

impl Minute {
    fn rms_db(&self) -> f64 {
        dbfs(((self.squares[0] + self.squares[1]) / (2 * self.samples) as f64).sqrt())
    }
    fn pause_rms_db(&self) -> f64 {
        dbfs((self.pause_squares / (2 * self.pause_samples) as f64).sqrt())
    }
    fn dc(&self) -> [f64; 2] {
        self.sum.map(|s| s / self.samples as f64)
    }
    fn mean_voices(&self) -> f64 {
        self.voices_sum as f64 / self.voice_blocks as f64
    }
}

struct Soak {
    settings: Settings,
    minutes: Vec<Minute>,
    non_finite_inputs: u64,
    /// Samples after the layers were switched off and the voice fell silent until the output
    /// was exactly zero with no trigger voice left (`None`: not within the time allowed).
    ring_out: Option<usize>,
}

fn hash(mut h: u64, x: f32) -> u64 {
    // FNV-1a over the sample's bits.
    for byte in x.to_bits().to_le_bytes() {
        h = (h ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01B3);
    }
    h
}

/// Renders `minutes` of the session in host blocks of `block` samples (a divisor of a minute);
/// with `stop`, then switches the layers off and feeds silence to see everything ring out.
fn render(minutes: usize, block: usize, stop: bool) -> Soak {
    assert!(MINUTE.is_multiple_of(block));
    let settings = session();
    let voice = voice_cycle();
    let mut engine = Engine::new(RATE as f32, block).expect("a 48 kHz engine");
    let latency = engine.latency(InputChannels::Mono);
    let cycle = voice.len();
    let pause = (
        (PAUSE_S.0 * f64::from(RATE)) as usize,
        (PAUSE_S.1 * f64::from(RATE)) as usize,
    );
    let mut left = vec![0.0f32; block];
    let mut right = vec![0.0f32; block];
    let mut stats = vec![Minute::default(); minutes];
    let mut position = 0;
    for minute in stats.iter_mut() {
        minute.hash = 0xCBF2_9CE4_8422_2325;
        let mut events_before = engine.triggers().events_started();
        for _ in 0..MINUTE / block {
            for (j, x) in left.iter_mut().enumerate() {
                *x = voice[(position + j) % cycle];
            }
            right.fill(0.0);
            engine.process(InputChannels::Mono, &mut left, &mut right, &settings, None);

            let triggers = engine.triggers();
            let started = triggers.events_started();
            let new = (started - events_before) as usize;
            let logged = (started as usize).min(EVENT_LOG_LEN);
            assert!(new <= logged, "more events in a block than the log holds");
            for event in triggers.recent_events().skip(logged - new) {
                minute.events[event.layer] += 1;
            }
            events_before = started;
            let voices = triggers.active_voices();
            minute.voices_sum += voices;
            minute.voices_max = minute.voices_max.max(voices);
            minute.voice_blocks += 1;

            for (j, (&l, &r)) in left.iter().zip(&right).enumerate() {
                minute.hash = hash(hash(minute.hash, l), r);
                for (ch, x) in [l, r].into_iter().enumerate() {
                    minute.squares[ch] += f64::from(x) * f64::from(x);
                    minute.sum[ch] += f64::from(x);
                    minute.peak = minute.peak.max(x.abs());
                    minute.non_finite += usize::from(!x.is_finite());
                    minute.subnormal += usize::from(x.is_subnormal());
                }
                // The output is `latency` samples behind the input it plays.
                let in_cycle = (position + j + cycle - latency % cycle) % cycle;
                if (pause.0..pause.1).contains(&in_cycle) {
                    minute.pause_squares +=
                        f64::from(l) * f64::from(l) + f64::from(r) * f64::from(r);
                    minute.pause_samples += 1;
                }
            }
            minute.samples += block;
            position += block;
        }
    }

    let mut ring_out = None;
    if stop {
        let mut quiet = settings;
        for layer in &mut quiet.layers {
            layer.on = false;
        }
        let mut last_sound = 0;
        let allowed = 10 * RATE as usize;
        let mut n = 0;
        while n < allowed {
            left.fill(0.0);
            right.fill(0.0);
            engine.process(InputChannels::Mono, &mut left, &mut right, &quiet, None);
            if let Some(j) = left
                .iter()
                .zip(&right)
                .rposition(|(l, r)| *l != 0.0 || *r != 0.0)
            {
                last_sound = n + j + 1;
            }
            n += block;
            if engine.triggers().active_voices() == 0 && last_sound + RATE as usize <= n {
                // A whole second of exact zeros with no voice left.
                ring_out = Some(last_sound);
                break;
            }
        }
    }

    Soak {
        settings,
        minutes: stats,
        non_finite_inputs: engine.non_finite_inputs(),
        ring_out,
    }
}

/// The session's render, shared by the tests below (made once, by whichever asks first).
fn soak() -> &'static Soak {
    static SOAK: OnceLock<Soak> = OnceLock::new();
    SOAK.get_or_init(|| {
        let soak = render(minutes(), BLOCK, true);
        eprintln!("minute  RMS dBFS  pauses dBFS  DC L dBFS  DC R dBFS  peak dBFS  voices mean/max  events");
        for (m, s) in soak.minutes.iter().enumerate() {
            let dc = s.dc();
            eprintln!(
                "{:>6}  {:>8.2}  {:>11.2}  {:>9.1}  {:>9.1}  {:>9.2}  {:>9.2} / {:<4} {:?}",
                m + 1,
                s.rms_db(),
                s.pause_rms_db(),
                dbfs(dc[0].abs()),
                dbfs(dc[1].abs()),
                dbfs(f64::from(s.peak)),
                s.mean_voices(),
                s.voices_max,
                s.events
            );
        }
        eprintln!("ring-out: {:?} samples", soak.ring_out);
        soak
    })
}

#[test]
fn every_sample_is_finite_and_never_subnormal() {
    let soak = soak();
    assert_eq!(soak.non_finite_inputs, 0, "the voice input is clean");
    for (m, minute) in soak.minutes.iter().enumerate() {
        assert_eq!(minute.non_finite, 0, "minute {}: non-finite output", m + 1);
        // Hosts and the next plugin in the chain pay for subnormals; the engine flushes them.
        assert_eq!(minute.subnormal, 0, "minute {}: subnormal output", m + 1);
    }
}

#[test]
fn the_calm_guard_holds_the_ceiling_to_the_end() {
    let soak = soak();
    let ceiling = db_to_gain(soak.settings.ceiling_db);
    for (m, minute) in soak.minutes.iter().enumerate() {
        assert!(
            minute.peak <= ceiling * (1.0 + 1e-6),
            "minute {}: peak {:.2} dBFS over the {} dB ceiling",
            m + 1,
            dbfs(f64::from(minute.peak)),
            soak.settings.ceiling_db
        );
    }
}

/// Every minute gets the same ten phrases and the same settings, so the output level can only
/// move with where Drift has taken the voice and with the trigger layers' randomness. Drift at
/// the preset's 70° depth keeps the voice within ±88° of the front and scales its distance by
/// at most 2^±(0.4·1.25·70/180) (±1.2 dB of distance gain at the spline's extreme overshoot),
/// but a minute holds nearly two of its 33 s cycles, about three random points, so a minute's
/// mean sits far inside that swing. The whisper is 16 dB above the layers, which are stationary
/// random processes (1300 events a minute). An hour stays within −0.3/+0.6 dB of its first
/// minute (0.13 dB standard deviation), so ±1 dB leaves room for other seeds; a leak, a gain
/// that creeps or a stuck voice moves the level for good and soon passes it.
///
/// The pauses hear the layers alone. Only about 30 Crinkle events (up to 4.5 dB apart at 50 %
/// Variation, at any distance from either ear) fall in a minute's pauses, so their level varies
/// more, 0.4 dB standard deviation over the hour: ±2 dB of the first minute's.
#[test]
fn the_output_level_holds_from_the_first_minute_to_the_last() {
    let soak = soak();
    let first = soak.minutes[0];
    for (m, minute) in soak.minutes.iter().enumerate() {
        let drift = minute.rms_db() - first.rms_db();
        assert!(
            drift.abs() <= 1.0,
            "minute {}: {:.2} dBFS, {drift:+.2} dB from the first minute",
            m + 1,
            minute.rms_db()
        );
        let bed = minute.pause_rms_db() - first.pause_rms_db();
        assert!(
            bed.abs() <= 2.0,
            "minute {}: the layers at {:.2} dBFS in the pauses, {bed:+.2} dB from the first minute",
            m + 1,
            minute.pause_rms_db()
        );
    }
    // The layers are heard: the pauses are not silent, and sit under the voice.
    assert!(first.pause_rms_db() > -60.0, "{:.1}", first.pause_rms_db());
    assert!(first.pause_rms_db() < first.rms_db());
}

/// Nothing in the engine passes a constant: the whisper (its offset removed), the synthesized
/// triggers and the filters are all zero-mean, so a minute's mean is only the low-frequency
/// remainder of a minute of sound, far under −60 dBFS. DC building up (an integrator leaking, a
/// filter state creeping) grows minute after minute; it must stay under −60 dBFS and the later
/// half of the session may not average more than the earlier half by more than 6 dB.
#[test]
fn no_dc_builds_up() {
    let soak = soak();
    for (m, minute) in soak.minutes.iter().enumerate() {
        for (ch, dc) in minute.dc().into_iter().enumerate() {
            assert!(
                dbfs(dc.abs()) < -60.0,
                "minute {}, channel {ch}: mean {:.1} dBFS",
                m + 1,
                dbfs(dc.abs())
            );
        }
    }
    let half = soak.minutes.len() / 2;
    let mean_abs = |minutes: &[Minute]| {
        minutes
            .iter()
            .flat_map(|m| m.dc())
            .map(f64::abs)
            .sum::<f64>()
            / (2 * minutes.len()) as f64
    };
    let (early, late) = (
        mean_abs(&soak.minutes[..half]),
        mean_abs(&soak.minutes[half..]),
    );
    assert!(
        dbfs(late) <= dbfs(early) + 6.0,
        "DC grows: {:.1} dBFS early, {:.1} dBFS late",
        dbfs(early),
        dbfs(late)
    );
}

/// The trigger layers' state stays what the settings ask for: the scheduler keeps its density
/// (a renewal process with coefficient of variation 1 − Regularity, so a minute's count is
/// λ·60 ± 5·√(λ·60)·(1 − r) in all but one minute in a million), the voice pool never fills
/// (the density caps overlapping events at about three per layer), and the voices sounding at
/// once stay as many at the end as at the start: within 15 % of the first minute's mean. An
/// hour's minutes average 3.6 to 4.0 voices; a single voice that never ends adds one, over 25 %.
#[test]
fn the_trigger_state_stays_bounded() {
    let soak = soak();
    for (m, minute) in soak.minutes.iter().enumerate() {
        for (layer, &events) in minute.events.iter().enumerate() {
            let settings = soak.settings.layers[layer];
            let expected = if settings.on {
                f64::from(settings.density_per_s) * 60.0
            } else {
                0.0
            };
            let spread = 5.0 * expected.sqrt() * f64::from(1.0 - settings.regularity);
            assert!(
                (events as f64 - expected).abs() <= spread,
                "minute {}, layer {}: {events} events, expected {expected} ± {spread:.0}",
                m + 1,
                layer + 1
            );
        }
        assert!(
            minute.voices_max < MAX_VOICES,
            "minute {}: {} voices at once",
            m + 1,
            minute.voices_max
        );
    }
    let first = soak.minutes[0].mean_voices();
    let last = soak.minutes[soak.minutes.len() - 1].mean_voices();
    assert!(
        (last - first).abs() <= 0.15 * first,
        "voices sounding on average: {first:.2} in the first minute, {last:.2} in the last"
    );
}

/// After the session, switching the layers off with the voice silent leaves nothing behind: no
/// voice left in the pool and exact zeros within the longest event's ring-out (Crinkle's tail
/// and the renderer's delays: well under 2 s).
#[test]
fn stopping_after_the_session_leaves_nothing_sounding() {
    let soak = soak();
    let ring_out = soak.ring_out.expect("still sounding 10 s after the stop");
    assert!(
        ring_out < 2 * RATE as usize,
        "{ring_out} samples to silence"
    );
}

/// The same session renders the same first minute, whatever the host's block size.
#[test]
fn the_same_seed_renders_the_same_first_minute() {
    let again = render(1, 300, false);
    assert_eq!(
        again.minutes[0].hash,
        soak().minutes[0].hash,
        "the first minute differs in blocks of 300"
    );
}
