//! Murmur's Windows build under Wine, driven from Linux: `murmur.exe` renders the whisper
//! fixtures to the Linux command line's samples, bit for bit, and its errors name Windows paths as Windows
//! writes them.
//!
//! `MURMUR_WINDOWS_BUNDLES` names the folder `cargo xtask windows` fills; the programs run
//! through `tools/wine/run`. `cargo xtask windows-test` runs these (TESTING.md); a plain
//! `cargo test` has no Windows build, so they are ignored there.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use testkit::cli::{murmur, temp_dir, text};

/// The Windows build's folder.
fn windows_bundles() -> PathBuf {
    let folder = std::env::var_os("MURMUR_WINDOWS_BUNDLES")
        .map(PathBuf::from)
        .expect("MURMUR_WINDOWS_BUNDLES names the Windows build (cargo xtask windows-test)");
    std::fs::canonicalize(&folder).unwrap_or_else(|e| panic!("{}: {e}", folder.display()))
}

/// Runs the Windows `murmur.exe` under Wine with `args`.
fn murmur_exe(args: &[&str]) -> Output {
    let wine_run = Path::new(env!("CARGO_MANIFEST_DIR")).join("tools/wine/run");
    Command::new(wine_run)
        .arg(windows_bundles().join("murmur.exe"))
        .args(args)
        .output()
        .expect("run murmur.exe under Wine")
}

/// How Windows programs under Wine see a Linux path: on drive Z:, with backslashes.
fn windows_path(path: &Path) -> String {
    format!("Z:{}", path.display()).replace('/', "\\")
}

fn read_float_wav(path: &Path) -> (u32, Vec<f32>) {
    let mut reader =
        hound::WavReader::open(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let rate = reader.spec().sample_rate;
    let samples = reader
        .samples::<f32>()
        .map(|s| s.expect("a float sample"))
        .collect();
    (rate, samples)
}

#[test]
#[ignore = "needs the Windows build and Wine: cargo xtask windows-test"]
fn murmur_exe_renders_the_linux_samples() {
    let dir = temp_dir("windows-render");
    let fixtures = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    for (fixture, preset) in [
        ("whisper-44k1.wav", "Ear to Ear Whisper"),
        ("whisper-48k.wav", "Tapping Around the Head"),
        ("whisper-stereo-48k.flac", "Slow Orbit"),
    ] {
        let input = fixtures.join(fixture);
        let linux_out = dir.join(format!("{fixture}-linux.wav"));
        let windows_out = dir.join(format!("{fixture}-windows.wav"));
        let common = ["--preset", preset, "--bits", "32f", "--seed", "11"];

        let run = murmur(
            &[
                &[
                    "render",
                    input.to_str().unwrap(),
                    "-o",
                    linux_out.to_str().unwrap(),
                ][..],
                &common,
            ]
            .concat(),
        );
        assert!(run.status.success(), "Linux: {}", text(&run.stderr));
        let input_w = windows_path(&input);
        let out_w = windows_path(&windows_out);
        let run = murmur_exe(&[&["render", &input_w, "-o", &out_w][..], &common].concat());
        assert!(run.status.success(), "murmur.exe: {}", text(&run.stderr));
        eprintln!("murmur.exe: {}", text(&run.stdout).trim());

        let (linux_rate, linux) = read_float_wav(&linux_out);
        let (windows_rate, windows) = read_float_wav(&windows_out);
        assert_eq!(linux_rate, windows_rate, "{fixture}: rate");
        assert_eq!(linux.len(), windows.len(), "{fixture}: samples");
        let worst = linux
            .iter()
            .zip(&windows)
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        let differing = linux
            .iter()
            .zip(&windows)
            .filter(|(a, b)| a.to_bits() != b.to_bits())
            .count();
        let peak = linux.iter().map(|x| x.abs()).fold(0.0f32, f32::max);
        eprintln!(
            "{fixture} ({preset}): {differing} of {} samples differ, by at most {worst:e}; \
             peak {peak}",
            linux.len()
        );
        assert!(peak > 0.01, "{fixture}: silent render");
        assert!(
            worst <= 1e-6,
            "{fixture}: the Windows render differs by {worst:e}"
        );
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
#[ignore = "needs the Windows build and Wine: cargo xtask windows-test"]
fn murmur_exe_names_windows_paths_in_its_errors() {
    let dir = temp_dir("windows-errors");
    let missing = windows_path(&dir.join("missing take.wav"));
    let run = murmur_exe(&[
        "render",
        &missing,
        "-o",
        &windows_path(&dir.join("out.wav")),
    ]);
    assert!(!run.status.success());
    let stderr = text(&run.stderr);
    assert!(stderr.contains(&missing), "names {missing}: {stderr}");

    // A folder that does not exist, spelled with backslashes and with forward slashes.
    let fixture =
        windows_path(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/whisper-48k.wav"));
    let nowhere = windows_path(&dir.join("no such folder"));
    for out in [format!("{nowhere}\\out.wav"), format!("{nowhere}/out.wav")] {
        let run = murmur_exe(&["render", &fixture, "-o", &out]);
        assert!(!run.status.success());
        let stderr = text(&run.stderr);
        assert!(stderr.contains(&nowhere), "names {nowhere}: {stderr}");
        assert!(!stderr.contains(&fixture), "blames the input: {stderr}");
    }

    // The output may never be the input, however Windows spells it: another case, `..`.
    let copy = dir.join("Take.wav");
    std::fs::copy(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/whisper-48k.wav"),
        &copy,
    )
    .unwrap();
    let original = std::fs::read(&copy).unwrap();
    let same = format!("{}\\sub\\..\\TAKE.WAV", windows_path(&dir));
    std::fs::create_dir_all(dir.join("sub")).unwrap();
    let run = murmur_exe(&["render", &windows_path(&copy), "-o", &same, "--overwrite"]);
    assert!(!run.status.success(), "{}", text(&run.stdout));
    eprintln!("{}", text(&run.stderr).trim());
    assert_eq!(
        std::fs::read(&copy).unwrap(),
        original,
        "the input is untouched"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
