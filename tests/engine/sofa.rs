//! Measured HRTFs from SOFA files: the fixture set (a sphere written as SOFA by
//! `tests/fixtures/make-sofa.py`) loads, renders the interaural delay and level it encodes,
//! moves without clicks, and bad files are refused while the sphere model keeps playing.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use murmur::binaural::hrtf_set::{HrtfSet, SofaError};
use murmur::engine::{Engine, HrtfModel, InputChannels, Settings};
use testkit::measure::*;
use testkit::render::*;
use testkit::signal::*;

/// What the fixture encodes at 90° right (printed by `make-sofa.py`, see the fixtures'
/// README): the left ear 655.82 µs late, the right ear 14.995 dB louder (broadband).
const FIXTURE_ITD_S: f64 = 655.82e-6;
const FIXTURE_ILD_DB: f64 = 14.995;

fn fixture() -> PathBuf {
    testkit::fixture("sphere-44k1.sofa")
}

fn sofa_settings(azimuth_deg: f32) -> Settings {
    Settings {
        hrtf: HrtfModel::Sofa,
        ..measuring_settings(azimuth_deg, 0.0, 0.5)
    }
}

/// Renders a mono input with `set` offered to a fresh engine, latency compensated.
fn render_with_set(
    input: &[f32],
    fs: f32,
    set: Option<Arc<HrtfSet>>,
    settings: &Settings,
    block: usize,
) -> (Vec<f32>, Vec<f32>) {
    let mut engine = Engine::new(fs, block).unwrap();
    let offered = set.is_some();
    if let Some(set) = set {
        engine.offer_hrtf_set(set).unwrap();
    }
    let latency = engine.latency(InputChannels::Mono);
    let mut left = input.to_vec();
    left.resize(input.len() + latency, 0.0);
    let mut right = vec![0.0; left.len()];
    for (l, r) in left.chunks_mut(block).zip(right.chunks_mut(block)) {
        engine.process(InputChannels::Mono, l, r, settings, None);
    }
    let sofa = offered && settings.hrtf == HrtfModel::Sofa;
    assert_eq!(
        engine.sofa_active(),
        sofa,
        "the SOFA set plays exactly when chosen"
    );
    (left.split_off(latency), right.split_off(latency))
}

#[test]
fn the_fixture_loads_with_its_name_and_measurements() {
    for fs in RATES {
        let set = HrtfSet::load(&fixture(), fs).expect("the fixture loads");
        assert_eq!(set.name(), "Murmur sphere test set");
        assert_eq!(set.len(), 97);
        assert_eq!(set.sample_rate(), fs);
        // 128 taps at 44.1 kHz with the onset taken out: a few partitions at any rate.
        assert!((1..=4).contains(&set.partitions()), "{}", set.partitions());
    }
}

#[test]
fn a_source_at_90_degrees_has_the_itd_and_ild_the_fixture_encodes() {
    for fs in RATES {
        let set = Arc::new(HrtfSet::load(&fixture(), fs).unwrap());
        let input = noise(fs as usize, 0.3, 7);
        let (l, r) = render_with_set(&input, fs, Some(set), &sofa_settings(90.0), 512);
        // Skip the first 50 ms (the engine starting up).
        let skip = (0.05 * fs) as usize;
        let (l, r) = (&l[skip..], &r[skip..]);
        let itd = itd_s(l, r, fs);
        let ild = ild_db(l, r, fs, 0.0, fs as f64 / 2.0);
        println!(
            "{fs} Hz: ITD {:.2} µs (encoded {:.2}), ILD {ild:.3} dB (encoded {FIXTURE_ILD_DB})",
            itd * 1e6,
            FIXTURE_ITD_S * 1e6
        );
        assert!((itd - FIXTURE_ITD_S).abs() <= 20e-6, "{fs} Hz: ITD {itd}");
        assert!((ild - FIXTURE_ILD_DB).abs() <= 1.0, "{fs} Hz: ILD {ild}");
        // And the front is centred.
        let set = Arc::new(HrtfSet::load(&fixture(), fs).unwrap());
        let (l, r) = render_with_set(&input, fs, Some(set), &sofa_settings(0.0), 512);
        let (l, r) = (&l[skip..], &r[skip..]);
        assert!(itd_s(l, r, fs).abs() < 5e-6);
        assert!(ild_db(l, r, fs, 0.0, fs as f64 / 2.0).abs() < 0.1);
    }
}

#[test]
fn a_moving_sofa_source_does_not_click() {
    let set = Arc::new(HrtfSet::load(&fixture(), 48_000.0).unwrap());
    let base = Settings {
        hrtf: HrtfModel::Sofa,
        ..Settings::default()
    };
    let worst = assert_no_mode_clicks(&base, |input, settings| {
        render_with_set(input, 48_000.0, Some(set.clone()), settings, 512)
    });
    println!("worst window over all modes: {worst:.1} dB above 4 kHz");
}

fn write_temp(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("murmur-sofa-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join(name);
    std::fs::write(&path, bytes).unwrap();
    path
}

#[test]
fn truncated_and_foreign_files_are_refused_with_a_reason() {
    let good = std::fs::read(fixture()).unwrap();
    let cases: Vec<(&str, Vec<u8>)> = vec![
        ("half.sofa", good[..good.len() / 2].to_vec()),
        ("header-only.sofa", good[..600].to_vec()),
        ("text.sofa", b"this is not an HRTF set\n".to_vec()),
        ("empty.sofa", Vec::new()),
        ("wave.sofa", {
            let mut riff = b"RIFF\x24\x00\x00\x00WAVEfmt ".to_vec();
            riff.resize(44, 0);
            riff
        }),
    ];
    for (name, bytes) in cases {
        let path = write_temp(name, &bytes);
        let err = HrtfSet::load(&path, 48_000.0).expect_err(name);
        let message = err.to_string();
        println!("{name}: {message}");
        assert!(matches!(err, SofaError::NotSofa(_)), "{name}: {err:?}");
        assert!(message.contains("SOFA"), "{name}: {message}");
    }
    let missing = HrtfSet::load(Path::new("/nonexistent/murmur/set.sofa"), 48_000.0)
        .expect_err("a missing file");
    assert!(matches!(missing, SofaError::Unreadable(_)), "{missing:?}");
}

#[test]
fn without_a_set_the_sofa_setting_plays_the_sphere_model() {
    const FS: f32 = 48_000.0;
    let input = noise(FS as usize / 2, 0.3, 3);
    let sphere = Settings {
        hrtf: HrtfModel::Sphere,
        ..sofa_settings(60.0)
    };
    let reference = render_with_set(&input, FS, None, &sphere, 256);
    let fallback = render_with_set(&input, FS, None, &sofa_settings(60.0), 256);
    assert!(
        reference == fallback,
        "the fallback is the sphere model, bit for bit"
    );
}

#[test]
fn a_set_for_another_rate_is_given_back() {
    let set = Arc::new(HrtfSet::load(&fixture(), 44_100.0).unwrap());
    let mut engine = Engine::new(48_000.0, 256).unwrap();
    assert!(engine.offer_hrtf_set(set).is_err());
    assert!(engine.hrtf_set().is_none());
}

/// Writes a mono 32-bit float WAV.
fn write_wav(path: &Path, samples: &[f32], rate: u32) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: rate,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for &x in samples {
        writer.write_sample(x).unwrap();
    }
    writer.finalize().unwrap();
}

/// Reads a stereo 32-bit float WAV as (left, right).
fn read_wav(path: &Path) -> (Vec<f32>, Vec<f32>) {
    let samples: Vec<f32> = hound::WavReader::open(path)
        .unwrap()
        .into_samples::<f32>()
        .map(Result::unwrap)
        .collect();
    samples.chunks(2).map(|f| (f[0], f[1])).unzip()
}

#[test]
fn the_command_line_renders_with_a_sofa_file_as_the_engine_does() {
    let dir = testkit::cli::temp_dir("sofa");
    for rate in [44_100u32, 48_000] {
        let fs = rate as f32;
        let voice = noise(rate as usize, 0.3, 21);
        let input = dir.join(format!("voice-{rate}.wav"));
        write_wav(&input, &voice, rate);
        let output = dir.join(format!("out-{rate}.wav"));
        let run = testkit::cli::murmur(&[
            "render",
            input.to_str().unwrap(),
            "-o",
            output.to_str().unwrap(),
            "--bits",
            "32f",
            "--tail",
            "0",
            "--set",
            "azim=90",
            "--set",
            "calm=off",
            "--sofa",
            fixture().to_str().unwrap(),
        ]);
        assert!(run.status.success(), "{}", testkit::cli::text(&run.stderr));
        let (l, r) = read_wav(&output);
        let set = Arc::new(HrtfSet::load(&fixture(), fs).unwrap());
        let settings = Settings {
            azimuth_deg: 90.0,
            calm_guard: false,
            hrtf: HrtfModel::Sofa,
            ..Settings::default()
        };
        let (el, er) = render_with_set(&voice, fs, Some(set), &settings, 1000);
        let worst = l
            .iter()
            .zip(&el)
            .chain(r.iter().zip(&er))
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        assert!(worst <= 1e-6, "{rate} Hz: {worst}");
        let skip = (0.05 * fs) as usize;
        let itd = itd_s(&l[skip..], &r[skip..], fs);
        assert!((itd - FIXTURE_ITD_S).abs() <= 20e-6, "{rate} Hz: {itd}");
    }

    // A bad SOFA file stops the command before any input is touched.
    let broken = write_temp("cut.sofa", &std::fs::read(fixture()).unwrap()[..5000]);
    let input = dir.join("voice-48000.wav");
    let output = dir.join("never.wav");
    let run = testkit::cli::murmur(&[
        "render",
        input.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
        "--sofa",
        broken.to_str().unwrap(),
    ]);
    let stderr = testkit::cli::text(&run.stderr);
    assert!(!run.status.success());
    assert!(
        stderr.contains("cut.sofa is not a readable SOFA file"),
        "{stderr}"
    );
    assert!(!output.exists());
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn switching_between_the_sphere_and_the_set_does_not_click() {
    const FS: f32 = 48_000.0;
    let set = Arc::new(HrtfSet::load(&fixture(), FS).unwrap());
    let mut engine = Engine::new(FS, 512).unwrap();
    engine.offer_hrtf_set(set).unwrap();
    let input = sine(2 * FS as usize, 500.0, 0.1, FS);
    let (mut left, mut right) = (input.clone(), vec![0.0; input.len()]);
    let mut switches = 0;
    for (n, (l, r)) in left.chunks_mut(500).zip(right.chunks_mut(500)).enumerate() {
        // A new head every 0.25 s, in the middle of the engine's control periods.
        let sofa = (n * 500 / 12_000) % 2 == 1;
        let settings = Settings {
            hrtf: if sofa {
                HrtfModel::Sofa
            } else {
                HrtfModel::Sphere
            },
            azimuth_deg: 60.0,
            ..Settings::default()
        };
        engine.process(InputChannels::Mono, l, r, &settings, None);
        if n % 24 == 23 {
            // Late in each quarter second the new head plays alone.
            assert_eq!(engine.sofa_active(), sofa, "block {n}");
            switches += 1;
        }
    }
    assert_eq!(switches, 8);
    // From 0.1 s on: before that the output holds the latency's silence and the tone's start.
    for ear in [&left[4800..], &right[4800..]] {
        let ratio = worst_hf_ratio_db(ear, FS);
        println!("worst window: {ratio:.1} dB above 4 kHz");
        assert!(ratio <= CLICK_LIMIT_DB, "{ratio:.1} dB above 4 kHz");
    }
}

#[test]
fn a_stereo_input_at_zero_width_is_the_mono_voice() {
    const FS: f32 = 48_000.0;
    let set = Arc::new(HrtfSet::load(&fixture(), FS).unwrap());
    let voice = noise(FS as usize / 2, 0.3, 9);
    let settings = sofa_settings(-50.0);
    let (ml, mr) = render_with_set(&voice, FS, Some(set.clone()), &settings, 256);
    let mut engine = Engine::new(FS, 256).unwrap();
    engine.offer_hrtf_set(set).unwrap();
    let (mut sl, mut sr) = (voice.clone(), voice.clone());
    let latency = engine.latency(InputChannels::Stereo);
    sl.resize(voice.len() + latency, 0.0);
    sr.resize(voice.len() + latency, 0.0);
    for (l, r) in sl.chunks_mut(256).zip(sr.chunks_mut(256)) {
        engine.process(InputChannels::Stereo, l, r, &settings, None);
    }
    let worst = ml
        .iter()
        .zip(&sl[latency..])
        .chain(mr.iter().zip(&sr[latency..]))
        .map(|(a, b)| (a - b).abs())
        .fold(0.0f32, f32::max);
    assert!(worst < 1e-5, "{worst}");
}
