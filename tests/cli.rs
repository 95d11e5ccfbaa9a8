//! The `murmur` command line: listings, trigger beds that repeat byte for byte for a seed, and
//! refusals that leave existing files alone.

#[path = "common/frozen_params.rs"]
mod frozen_params;

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn murmur(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_murmur"))
        .args(args)
        .output()
        .expect("run murmur")
}

fn temp_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("murmur-cli-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

fn generate(out: &Path, seed: &str) -> Output {
    murmur(&[
        "generate",
        "--preset",
        "Scratch & Tap",
        "--duration",
        "3s",
        "--seed",
        seed,
        out.to_str().unwrap(),
    ])
}

#[test]
fn presets_and_params_are_listed() {
    let presets = murmur(&["presets"]);
    assert!(presets.status.success());
    let listing = text(&presets.stdout);
    assert_eq!(listing.lines().count(), murmur::presets::factory().len());
    for preset in murmur::presets::factory() {
        assert!(listing.contains(preset.name), "{}", preset.name);
    }
    let params = murmur(&["params"]);
    assert!(params.status.success());
    let listing = text(&params.stdout);
    for (id, name) in frozen_params::FROZEN {
        assert!(
            listing
                .lines()
                .any(|l| l.starts_with(&format!("{id} ")) && l.contains(name)),
            "{id} {name}"
        );
    }
}

#[test]
fn the_same_seed_gives_the_same_bytes_and_another_seed_does_not() {
    let dir = temp_dir("seed");
    let (a, b, c) = (dir.join("a.wav"), dir.join("b.wav"), dir.join("c.wav"));
    for (path, seed) in [(&a, "42"), (&b, "42"), (&c, "43")] {
        let run = generate(path, seed);
        assert!(run.status.success(), "{}", text(&run.stderr));
    }
    let reader = hound::WavReader::open(&a).unwrap();
    let spec = reader.spec();
    assert_eq!(
        (spec.channels, spec.sample_rate, spec.bits_per_sample),
        (2, 48_000, 24)
    );
    assert_eq!(reader.duration(), 3 * 48_000);
    let peak = reader
        .into_samples::<i32>()
        .map(|s| s.unwrap().abs())
        .max()
        .unwrap();
    assert!(peak > 1_000, "silent bed");
    let read = |path: &PathBuf| std::fs::read(path).unwrap();
    assert!(read(&a) == read(&b), "same seed, different bytes");
    assert!(read(&a) != read(&c), "another seed, the same bytes");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn existing_files_and_bad_arguments_are_refused_without_touching_anything() {
    let dir = temp_dir("refuse");
    let existing = dir.join("keep.wav");
    std::fs::write(&existing, b"precious").unwrap();
    let run = generate(&existing, "1");
    assert!(!run.status.success());
    assert!(
        text(&run.stderr).contains("--overwrite"),
        "{}",
        text(&run.stderr)
    );
    assert_eq!(std::fs::read(&existing).unwrap(), b"precious");

    let missing = dir.join("new.wav");
    for (args, says) in [
        (
            vec!["--preset", "Thunderstorm", "--duration", "3s"],
            "unknown preset",
        ),
        (
            vec!["--preset", "Brushing", "--duration", "soon"],
            "bad duration",
        ),
        (
            vec!["--preset", "Brushing", "--duration", "3s", "--bits", "12"],
            "bad --bits",
        ),
    ] {
        let mut all = vec!["generate"];
        all.extend(args);
        all.push(missing.to_str().unwrap());
        let run = murmur(&all);
        assert!(!run.status.success());
        assert!(text(&run.stderr).contains(says), "{}", text(&run.stderr));
        assert!(!missing.exists());
    }
    // Nothing but the file that was there: no temporary files left behind.
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);

    let overwritten = murmur(&[
        "generate",
        "--preset",
        "Brushing",
        "--duration",
        "1s",
        "--overwrite",
        existing.to_str().unwrap(),
    ]);
    assert!(
        overwritten.status.success(),
        "{}",
        text(&overwritten.stderr)
    );
    assert_eq!(
        hound::WavReader::open(&existing).unwrap().duration(),
        48_000
    );
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 1);
    let _ = std::fs::remove_dir_all(dir);
}
