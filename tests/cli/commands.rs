//! The `murmur` command line: listings, trigger beds that repeat byte for byte for a seed, preset
//! files and `--set` values that change what is rendered, and refusals that leave existing files
//! alone.

use std::path::{Path, PathBuf};
use std::process::Output;

use testkit::cli::{murmur, temp_dir, text};

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
    for (id, name) in testkit::frozen_params::FROZEN {
        assert!(
            listing
                .lines()
                .any(|l| l.starts_with(&format!("{id} ")) && l.contains(name)),
            "{id} {name}"
        );
    }
    // A choice's values are listed in full, not as its first and last.
    let lines: Vec<&str> = listing.lines().collect();
    let layer_type = lines.iter().position(|l| l.starts_with("t1type ")).unwrap();
    let listed = lines[layer_type + 1];
    for model in [
        "Wood Tap", "Nail Tap", "Crinkle", "Paper", "Brush", "Scratch", "Drops", "Rain", "Shh",
    ] {
        assert!(listed.contains(model), "{model}: {listed}");
    }
}

#[test]
fn values_beyond_a_range_are_clamped_and_said() {
    // One rule, the README's: a value beyond a parameter's range is clamped to its end, as a
    // host does, for --seed as for --set; and the run says so.
    let dir = temp_dir("clamped");
    let bed = |name: &str, extra: &[&str]| {
        let out = dir.join(name);
        let mut args = vec!["generate", "--preset", "Scratch & Tap", "--duration", "1s"];
        args.extend_from_slice(extra);
        args.push(out.to_str().unwrap());
        let run = murmur(&args);
        assert!(run.status.success(), "{name}: {}", text(&run.stderr));
        (std::fs::read(out).unwrap(), text(&run.stderr))
    };
    let (lowest, _) = bed("one.wav", &["--seed", "1"]);
    let (zero, said) = bed("zero.wav", &["--seed", "0"]);
    assert!(zero == lowest, "--seed 0 is not --seed 1");
    assert!(said.contains("seed=0 is beyond Seed's range: 1"), "{said}");
    let (_, said) = bed("far.wav", &["--set", "seed=70000", "--set", "t1reg=0.5"]);
    assert!(
        said.contains("seed=70000 is beyond Seed's range: 65535"),
        "{said}"
    );
    assert!(said.contains("t1reg=0.5 is 0.5 %"), "{said}");
    let (_, said) = bed("plain.wav", &["--set", "seed=7", "--set", "t1reg=50%"]);
    assert!(!said.contains("murmur:"), "{said}");
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_help_carries_the_automation_format() {
    for command in ["render", "generate"] {
        let help = murmur(&[command, "--help"]);
        assert!(help.status.success());
        let help = text(&help.stdout);
        for shown in ["0:30      azim=90°", "TIME is seconds", "as for --set"] {
            assert!(help.contains(shown), "{command}: {shown}");
        }
        let option = help.split("--automation <FILE>").nth(1).unwrap();
        let option = option.split("\n      --").next().unwrap();
        assert!(
            !option.contains("README"),
            "{command} sends the reader elsewhere"
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
fn preset_files_and_set_values_are_what_is_rendered() {
    let dir = temp_dir("preset-file");
    // A factory preset printed as a preset file renders the same bytes as the preset itself.
    let shown = murmur(&["presets", "--show", "scratch & tap"]);
    assert!(shown.status.success(), "{}", text(&shown.stderr));
    let listing = text(&shown.stdout);
    assert!(listing.starts_with("# Scratch & Tap: "), "{listing}");
    assert!(
        listing
            .lines()
            .any(|l| l.starts_with("t1type") && l.ends_with("= Scratch"))
    );
    let file = dir.join("mine.txt");
    std::fs::write(&file, &shown.stdout).unwrap();
    let bed = |name: &str, extra: &[&str]| {
        let out = dir.join(name);
        let mut args = vec!["generate", "--duration", "2s", "--seed", "5"];
        args.extend_from_slice(extra);
        args.push(out.to_str().unwrap());
        let run = murmur(&args);
        assert!(run.status.success(), "{name}: {}", text(&run.stderr));
        let samples: Vec<i32> = hound::WavReader::open(&out)
            .unwrap()
            .into_samples::<i32>()
            .map(Result::unwrap)
            .collect();
        (std::fs::read(&out).unwrap(), samples)
    };
    let (by_name, samples) = bed("by-name.wav", &["--preset", "Scratch & Tap"]);
    let (by_file, _) = bed("by-file.wav", &["--preset", file.to_str().unwrap()]);
    assert!(by_name == by_file, "the preset file renders differently");
    // The same preset and an automation saved by Windows Notepad (a byte-order mark first, CRLF
    // line ends) read as the plain files do.
    let notepad = |name: &str, content: &str| {
        let path = dir.join(name);
        let saved = format!("\u{feff}{}", content.replace('\n', "\r\n"));
        std::fs::write(&path, saved).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let listing_bom = notepad("notepad.txt", &listing);
    let (by_notepad, _) = bed("by-notepad.wav", &["--preset", &listing_bom]);
    assert!(
        by_name == by_notepad,
        "a preset file with a byte-order mark"
    );
    let sweep = "0 t1dens=2\n1.5 t1dens=9\n";
    let plain_sweep = dir.join("sweep.txt");
    std::fs::write(&plain_sweep, sweep).unwrap();
    let notepad_sweep = notepad("sweep-notepad.txt", sweep);
    let preset = ["--preset", "Scratch & Tap", "--automation"];
    let (swept, _) = bed(
        "swept.wav",
        &[&preset[..], &[plain_sweep.to_str().unwrap()]].concat(),
    );
    let (swept_bom, _) = bed("swept-bom.wav", &[&preset[..], &[&*notepad_sweep]].concat());
    assert!(
        swept == swept_bom,
        "an automation file with a byte-order mark"
    );
    assert!(swept != by_name, "the automation changed nothing");
    assert!(samples.iter().any(|s| s.abs() > 1_000), "silent bed");
    // Every layer switched off by name and by ID: the bed would be silent, so `generate`
    // refuses, names the presets that have layers, and writes nothing.
    let all_off = [
        "--preset",
        "Scratch & Tap",
        "--set",
        "Layer 1 On=Off",
        "--set",
        "t2on=off",
        "--set",
        "t3on = Off",
    ];
    let off = dir.join("off.wav");
    let mut args = vec!["generate", "--duration", "2s"];
    args.extend(all_off);
    args.push(off.to_str().unwrap());
    let run = murmur(&args);
    assert!(!run.status.success());
    let says = text(&run.stderr);
    assert!(says.contains("no trigger layer is on"), "{says}");
    for preset in murmur::presets::factory() {
        let has_layers = preset
            .settings
            .layers
            .iter()
            .any(|l| l.on && l.density_per_s > 0.0);
        assert_eq!(
            says.contains(preset.name),
            has_layers,
            "{}: {says}",
            preset.name
        );
    }
    assert!(!off.exists());
    // One layer back on by name: sound again.
    let mut one_on = all_off.to_vec();
    one_on.extend(["--set", "Layer 2 On=On"]);
    let (_, one) = bed("one.wav", &one_on);
    assert!(one.iter().any(|&s| s != 0), "a layer on, yet silence");
    // A preset file with a bad line is named with its line.
    std::fs::write(&file, "# mine\nazim=90\nt1dens=lots\n").unwrap();
    let run = murmur(&[
        "generate",
        "--preset",
        file.to_str().unwrap(),
        "--duration",
        "1s",
        "x.wav",
    ]);
    assert!(!run.status.success());
    assert!(
        text(&run.stderr).contains("line 3: `lots` is not a value of t1dens"),
        "{}",
        text(&run.stderr)
    );
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
            vec!["--preset", "Rain on the Windw", "--duration", "3s"],
            "did you mean `Rain on the Window`?",
        ),
        (
            vec![
                "--preset",
                "Brushing",
                "--set",
                "azm=30",
                "--duration",
                "3s",
            ],
            "did you mean `azim`?",
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
    // `-o FILE` names the output as `render`'s does; with a last argument as well, it is
    // refused.
    let bed = |extra: &[&str]| {
        let mut args = vec!["generate", "--preset", "Brushing", "--duration", "1s"];
        args.extend_from_slice(extra);
        murmur(&args)
    };
    let flagged = dir.join("flagged.wav");
    let run = bed(&["-o", flagged.to_str().unwrap()]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    assert_eq!(hound::WavReader::open(&flagged).unwrap().duration(), 48_000);
    let also = dir.join("also.wav");
    let twice = bed(&[
        "--output",
        missing.to_str().unwrap(),
        also.to_str().unwrap(),
    ]);
    assert!(!twice.status.success());
    assert!(
        text(&twice.stderr).contains("cannot be used with"),
        "{}",
        text(&twice.stderr)
    );
    assert!(!missing.exists() && !also.exists());
    let _ = std::fs::remove_file(&flagged);
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_demo_is_thirty_seconds_that_move_and_stay_under_the_ceiling() {
    let dir = temp_dir("demo");
    // A folder gets the default name (the folder is made).
    let folder = format!("{}/", dir.join("demo").display());
    let run = murmur(&["demo", &folder]);
    assert!(run.status.success(), "{}", text(&run.stderr));
    let out = dir.join("demo/murmur-demo.wav");
    let reader = hound::WavReader::open(&out).unwrap();
    let spec = reader.spec();
    assert_eq!((spec.channels, spec.sample_rate), (2, 48_000));
    assert_eq!(reader.duration(), 30 * 48_000);
    let full = (1 << 23) as f32;
    let samples: Vec<f32> = reader
        .into_samples::<i32>()
        .map(|s| s.unwrap() as f32 / full)
        .collect();
    let peak = samples.iter().fold(0.0f32, |m, x| m.max(x.abs()));
    let rms = (samples.iter().map(|x| x * x).sum::<f32>() / samples.len() as f32).sqrt();
    // The Calm Guard's default ceiling is −6 dBFS; a whisper demo sits well below it on average.
    assert!(peak <= 0.502, "{peak}");
    assert!(rms > 0.01, "{rms}");
    // The voice sweeps ear to ear (0.1 Hz): the left/right balance of 1 s windows swings.
    let balances: Vec<f32> = samples
        .chunks(2 * 48_000)
        .map(|w| {
            let (l, r) = w
                .chunks(2)
                .fold((0.0, 0.0), |(l, r), f| (l + f[0] * f[0], r + f[1] * f[1]));
            10.0 * (l / r).log10()
        })
        .collect();
    let (lo, hi) = balances
        .iter()
        .fold((f32::MAX, f32::MIN), |(a, b), x| (a.min(*x), b.max(*x)));
    assert!(lo < -6.0 && hi > 6.0, "balance {lo:.1} … {hi:.1} dB");
    let _ = std::fs::remove_dir_all(dir);
}
