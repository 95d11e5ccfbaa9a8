//! Renders that may not change unnoticed. Every factory preset, every motion mode, every trigger
//! model and the measured head (SOFA), through the engine at 44.1 and 48 kHz, and the command
//! line's render of the whisper fixtures: each render is reduced to a 64-bit FNV-1a hash of its
//! samples' bits and compared with `tests/fixtures/render-hashes.txt`. Each engine case is
//! rendered in blocks of 37 and of 512 samples, which must give the same samples.
//!
//! A change that claims to leave the sound alone (a refactor) keeps every hash. A change meant to
//! change the sound rewrites the file with `MURMUR_BLESS_RENDERS=1 cargo test --test
//! render_hashes` and says in its commit which renders changed and why.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;

use murmur::binaural::hrtf_set::HrtfSet;
use murmur::engine::{Engine, InputChannels, LayerSettings, Settings};
use murmur::motion::MotionMode;
use murmur::settings::HrtfModel;
use murmur::triggers::TriggerKind;

const RATES: [u32; 2] = [44_100, 48_000];
const BLOCKS: [usize; 2] = [37, 512];
/// Seconds of the whisper fixture each engine case renders.
const SECONDS: usize = 2;

fn fixtures() -> PathBuf {
    testkit::murmur_dir().join("tests/fixtures")
}

fn whisper_fixture(rate: u32) -> PathBuf {
    fixtures().join(if rate == 44_100 {
        "whisper-44k1.wav"
    } else {
        "whisper-48k.wav"
    })
}

/// FNV-1a (64 bits) over the samples' bits, little-endian: the same on every system.
fn hash(samples: impl IntoIterator<Item = f32>) -> u64 {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for sample in samples {
        for byte in sample.to_bits().to_le_bytes() {
            hash ^= u64::from(byte);
            hash = hash.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    hash
}

/// The first [`SECONDS`] of the whisper fixture at `rate`, as floats.
fn whisper(rate: u32) -> Vec<f32> {
    let path = whisper_fixture(rate);
    let mut reader =
        hound::WavReader::open(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    reader
        .samples::<i16>()
        .take(SECONDS * rate as usize)
        .map(|s| f32::from(s.expect("a fixture sample")) / 32_768.0)
        .collect()
}

/// The engine's output for `voice` and then its latency of silence, interleaved, in blocks of
/// `block`.
fn render(
    settings: &Settings,
    rate: u32,
    block: usize,
    voice: &[f32],
    head: Option<&Arc<HrtfSet>>,
) -> Vec<f32> {
    let mut engine = Engine::new(rate as f32, block).expect("an engine");
    if let Some(head) = head {
        engine
            .offer_hrtf_set(Arc::clone(head))
            .expect("the engine takes the head");
    }
    let mut left = voice.to_vec();
    left.resize(voice.len() + engine.latency(InputChannels::Mono), 0.0);
    let mut right = vec![0.0; left.len()];
    for (l, r) in left.chunks_mut(block).zip(right.chunks_mut(block)) {
        engine.process(InputChannels::Mono, l, r, settings, None);
    }
    left.iter()
        .zip(&right)
        .flat_map(|(l, r)| [*l, *r])
        .collect()
}

/// Every engine case: its name and settings.
fn engine_cases() -> Vec<(String, Settings)> {
    let mut cases: Vec<(String, Settings)> = murmur::presets::factory()
        .into_iter()
        .map(|preset| (format!("preset/{}", preset.name), preset.settings))
        .collect();
    for mode in MotionMode::ALL {
        let settings = Settings {
            motion: mode,
            ..Settings::default()
        };
        cases.push((format!("motion/{mode:?}"), settings));
    }
    for kind in TriggerKind::ALL {
        let mut settings = Settings::default();
        settings.layers[0] = LayerSettings {
            on: true,
            density_per_s: 6.0,
            ..LayerSettings::default_for(kind)
        };
        cases.push((format!("trigger/{kind:?}"), settings));
    }
    let sofa = Settings {
        hrtf: HrtfModel::Sofa,
        motion: MotionMode::Orbit,
        ..Settings::default()
    };
    cases.push(("sofa/Orbit".to_owned(), sofa));
    cases
}

/// The command line's render of the whisper fixture at `rate` (32-bit float), hashed.
fn command_line_hash(rate: u32, dir: &Path) -> u64 {
    let out = dir.join(format!("cli-{rate}.wav"));
    let run = Command::new(env!("CARGO_BIN_EXE_murmur"))
        .arg("render")
        .arg(whisper_fixture(rate))
        .arg("-o")
        .arg(&out)
        .args([
            "--preset",
            "Ear to Ear Whisper",
            "--bits",
            "32f",
            "--overwrite",
        ])
        .output()
        .expect("run murmur");
    assert!(
        run.status.success(),
        "murmur render: {}",
        String::from_utf8_lossy(&run.stderr)
    );
    let mut reader = hound::WavReader::open(&out).expect("the render reads back");
    hash(reader.samples::<f32>().map(|s| s.expect("a float sample")))
}

/// Every render's hash, by case and rate.
fn hashes() -> BTreeMap<String, u64> {
    let mut hashes = BTreeMap::new();
    for rate in RATES {
        let voice = whisper(rate);
        let head = Arc::new(
            HrtfSet::load(&fixtures().join("sphere-44k1.sofa"), rate as f32)
                .expect("the SOFA fixture loads"),
        );
        for (name, settings) in engine_cases() {
            let head = (settings.hrtf == HrtfModel::Sofa).then_some(&head);
            let by_block: Vec<u64> = BLOCKS
                .iter()
                .map(|&block| {
                    let samples = render(&settings, rate, block, &voice, head);
                    let peak = samples.iter().fold(0.0f32, |peak, x| peak.max(x.abs()));
                    assert!(peak > 1e-3, "{name} at {rate} Hz renders silence");
                    hash(samples)
                })
                .collect();
            assert!(
                by_block.iter().all(|&h| h == by_block[0]),
                "{name} at {rate} Hz: blocks of {BLOCKS:?} render different samples"
            );
            hashes.insert(format!("{name}\t{rate}"), by_block[0]);
        }
    }
    let dir = std::env::temp_dir().join(format!("murmur-render-hashes-{}", std::process::id()));
    std::fs::create_dir_all(&dir).expect("a temporary folder");
    for rate in RATES {
        hashes.insert(
            format!("cli/Ear to Ear Whisper\t{rate}"),
            command_line_hash(rate, &dir),
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
    hashes
}

#[test]
fn renders_are_the_recorded_ones() {
    let fixture = fixtures().join("render-hashes.txt");
    let ours = hashes();
    let mut text = String::from(
        "# Hashes of Murmur's renders (tests/engine/render_hashes.rs): case, sample rate, FNV-1a 64.\n",
    );
    for (case, value) in &ours {
        let _ = writeln!(text, "{case}\t{value:016x}");
    }
    if std::env::var_os("MURMUR_BLESS_RENDERS").is_some() {
        std::fs::write(&fixture, &text).expect("write the render hashes");
        eprintln!("wrote {} hashes to {}", ours.len(), fixture.display());
        return;
    }
    let recorded = std::fs::read_to_string(&fixture).expect("tests/fixtures/render-hashes.txt");
    let recorded: BTreeMap<String, String> = recorded
        .lines()
        .filter(|line| !line.starts_with('#'))
        .filter_map(|line| line.rsplit_once('\t'))
        .map(|(case, value)| (case.to_owned(), value.to_owned()))
        .collect();
    let changed: Vec<&String> = ours
        .iter()
        .filter(|(case, value)| recorded.get(*case) != Some(&format!("{value:016x}")))
        .map(|(case, _)| case)
        .collect();
    let gone: Vec<&String> = recorded
        .keys()
        .filter(|case| !ours.contains_key(*case))
        .collect();
    assert!(
        changed.is_empty() && gone.is_empty(),
        "renders changed: {changed:?}; no longer rendered: {gone:?} (if the sound is meant to \
         change, MURMUR_BLESS_RENDERS=1 rewrites the file)"
    );
    eprintln!("{} renders as recorded", ours.len());
}
