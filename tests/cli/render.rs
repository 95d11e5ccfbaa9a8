//! `murmur render`: every WAV and FLAC format and rate in and out at the input's rate with the
//! tail added, the same samples as the engine renders directly, bad inputs refused one by one
//! with a clear reason while the other files are still processed and nothing is overwritten, and
//! a stopped render leaving no partial output.

use std::path::Path;
use std::process::Output;

use testkit::cli::{murmur, temp_dir, text};

use murmur::engine::{Engine, InputChannels};
use murmur::params::ParamSheet;

/// `murmur render INPUT -o OUTPUT --bits 32f` plus `extra`.
fn render_float(input: &Path, output: &Path, extra: &[&str]) -> Output {
    let mut args = vec![
        "render",
        input.to_str().unwrap(),
        "-o",
        output.to_str().unwrap(),
        "--bits",
        "32f",
    ];
    args.extend_from_slice(extra);
    murmur(&args)
}

/// A breathy test signal: seeded noise, `len` frames of `channels` channels.
fn signal(len: usize, channels: usize) -> Vec<Vec<f32>> {
    let mut state = 0x2545_f491u32;
    (0..channels)
        .map(|_| {
            (0..len)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 17;
                    state ^= state << 5;
                    (state as i32 >> 8) as f32 / 8_388_608.0 * 0.3
                })
                .collect()
        })
        .collect()
}

/// Writes `channels` as a WAV of `bits` (`32f` for float).
fn write_wav(path: &Path, channels: &[Vec<f32>], rate: u32, bits: &str) {
    let (bits_per_sample, sample_format) = match bits {
        "32f" => (32, hound::SampleFormat::Float),
        b => (b.parse().unwrap(), hound::SampleFormat::Int),
    };
    let spec = hound::WavSpec {
        channels: channels.len() as u16,
        sample_rate: rate,
        bits_per_sample,
        sample_format,
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    for i in 0..channels[0].len() {
        for channel in channels {
            match sample_format {
                hound::SampleFormat::Float => writer.write_sample(channel[i]).unwrap(),
                hound::SampleFormat::Int => {
                    let full = ((1i64 << (bits_per_sample - 1)) - 1) as f32;
                    writer
                        .write_sample((channel[i] * full).round() as i32)
                        .unwrap()
                }
            }
        }
    }
    writer.finalize().unwrap();
}

/// Writes `channels` as a WAV of 64-bit floats (hound writes none): a plain `fmt ` chunk of
/// format 3 (IEEE float), by hand.
fn write_wav_f64(path: &Path, channels: &[Vec<f32>], rate: u32) {
    let count = channels.len() as u16;
    let data_len = (channels[0].len() * channels.len() * 8) as u32;
    let mut bytes = Vec::new();
    bytes.extend(b"RIFF");
    bytes.extend((36 + data_len).to_le_bytes());
    bytes.extend(b"WAVEfmt ");
    bytes.extend(16u32.to_le_bytes());
    bytes.extend(3u16.to_le_bytes());
    bytes.extend(count.to_le_bytes());
    bytes.extend(rate.to_le_bytes());
    bytes.extend((rate * 8 * u32::from(count)).to_le_bytes());
    bytes.extend((8 * count).to_le_bytes());
    bytes.extend(64u16.to_le_bytes());
    bytes.extend(b"data");
    bytes.extend(data_len.to_le_bytes());
    for i in 0..channels[0].len() {
        for channel in channels {
            bytes.extend(f64::from(channel[i]).to_le_bytes());
        }
    }
    std::fs::write(path, bytes).unwrap();
}

/// Writes `channels` as a FLAC file of `bits` integer bits.
fn write_flac(path: &Path, channels: &[Vec<f32>], rate: u32, bits: u16) {
    let full = ((1i64 << (bits - 1)) - 1) as f32;
    let interleaved: Vec<i32> = (0..channels[0].len())
        .flat_map(|i| channels.iter().map(move |c| (c[i] * full).round() as i32))
        .collect();
    let (bytes, _) = testkit::flac::flac_bytes(&interleaved, channels.len(), bits, rate);
    std::fs::write(path, bytes).unwrap();
}

/// The render's samples, interleaved, and its spec.
fn read_wav(path: &Path) -> (hound::WavSpec, Vec<f32>) {
    let reader = hound::WavReader::open(path).unwrap();
    let spec = reader.spec();
    let samples = match spec.sample_format {
        hound::SampleFormat::Float => reader.into_samples::<f32>().map(Result::unwrap).collect(),
        hound::SampleFormat::Int => {
            let scale = 1.0 / (1u64 << (spec.bits_per_sample - 1)) as f32;
            reader
                .into_samples::<i32>()
                .map(|s| s.unwrap() as f32 * scale)
                .collect()
        }
    };
    (spec, samples)
}

#[test]
fn every_format_and_rate_comes_out_at_its_rate_with_the_tail() {
    let dir = temp_dir("formats");
    for rate in [8_000u32, 22_050, 44_100, 48_000, 96_000, 192_000] {
        for (channels, bits) in [
            (1, "16"),
            (2, "24"),
            (1, "32"),
            (2, "32f"),
            (1, "flac16"),
            (2, "flac24"),
        ] {
            let len = rate as usize / 4;
            let input = match bits.strip_prefix("flac") {
                Some(depth) => {
                    let input = dir.join(format!("in-{rate}-{channels}-{bits}.flac"));
                    write_flac(&input, &signal(len, channels), rate, depth.parse().unwrap());
                    input
                }
                None => {
                    let input = dir.join(format!("in-{rate}-{channels}-{bits}.wav"));
                    write_wav(&input, &signal(len, channels), rate, bits);
                    input
                }
            };
            let output = dir.join(format!("out-{rate}-{channels}-{bits}.wav"));
            let run = render_float(
                &input,
                &output,
                &["--preset", "Slow Orbit", "--tail", "500ms"],
            );
            assert!(
                run.status.success(),
                "{rate} {channels} {bits}: {}",
                text(&run.stderr)
            );
            let (spec, samples) = read_wav(&output);
            assert_eq!((spec.channels, spec.sample_rate), (2, rate));
            assert_eq!(
                samples.len() / 2,
                len + rate as usize / 2,
                "{rate} {channels} {bits}"
            );
            assert!(samples.iter().all(|x| x.is_finite()));
            assert!(
                samples.iter().any(|x| x.abs() > 0.01),
                "{rate}: silent render"
            );
        }
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn wavs_of_64_bit_floats_and_of_8_bits_render_as_their_samples_do() {
    // hound reads neither; the render reads them as the 32-bit float file of the same values.
    let dir = temp_dir("wide-and-narrow");
    let render = |input: &Path, name: &str| {
        let out = dir.join(name);
        let run = render_float(input, &out, &["--preset", "Slow Orbit", "--tail", "0"]);
        assert!(run.status.success(), "{name}: {}", text(&run.stderr));
        std::fs::read(out).unwrap()
    };
    let input = signal(24_000, 2);
    let float = dir.join("float.wav");
    write_wav(&float, &input, 48_000, "32f");
    let double = dir.join("double.wav");
    write_wav_f64(&double, &input, 48_000);
    assert!(render(&float, "float-out.wav") == render(&double, "double-out.wav"));
    // 8-bit samples are unsigned bytes, `(b − 128)/128`: the same values as 32-bit floats.
    let bytes = dir.join("bytes.wav");
    write_wav(&bytes, &input, 48_000, "8");
    let quantized: Vec<Vec<f32>> = input
        .iter()
        .map(|c| c.iter().map(|x| (x * 127.0).round() / 128.0).collect())
        .collect();
    let float_of_bytes = dir.join("float-of-bytes.wav");
    write_wav(&float_of_bytes, &quantized, 48_000, "32f");
    assert!(render(&bytes, "bytes-out.wav") == render(&float_of_bytes, "fb-out.wav"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn the_render_is_what_the_engine_renders() {
    let dir = temp_dir("parity");
    for rate in [44_100u32, 48_000] {
        let input = dir.join(format!("voice-{rate}.wav"));
        let voice = signal(rate as usize, 1);
        write_wav(&input, &voice, rate, "32f");
        let output = dir.join(format!("out-{rate}.wav"));
        let run = render_float(
            &input,
            &output,
            &[
                "--preset",
                "Tapping Around the Head",
                "--seed",
                "9",
                "--tail",
                "1",
            ],
        );
        assert!(run.status.success(), "{}", text(&run.stderr));
        let (_, rendered) = read_wav(&output);

        // The preset as the plugin holds it once loaded (normalized values, snapped), seed 9.
        let mut settings = ParamSheet::with_settings(
            &murmur::presets::find("Tapping Around the Head")
                .unwrap()
                .settings,
        )
        .settings();
        settings.seed = 9;
        let total = 2 * rate as usize;
        // Another block size than the CLI's: the engine's output does not depend on it. The
        // CLI compensates the engine's latency, as a host does.
        let mut engine = Engine::new(rate as f32, 333).unwrap();
        let latency = engine.latency(InputChannels::Mono);
        let mut left: Vec<f32> = voice[0].clone();
        left.resize(total + latency, 0.0);
        let mut right = left.clone();
        for (l, r) in left.chunks_mut(333).zip(right.chunks_mut(333)) {
            engine.process(InputChannels::Mono, l, r, &settings, None);
        }
        let (left, right) = (left.split_off(latency), right.split_off(latency));
        let worst = rendered
            .chunks(2)
            .zip(left.iter().zip(&right))
            .map(|(frame, (l, r))| (frame[0] - l).abs().max((frame[1] - r).abs()))
            .fold(0.0f32, f32::max);
        assert_eq!(rendered.len(), 2 * total);
        assert!(worst <= 1e-6, "{rate} Hz: {worst}");
    }
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn bad_inputs_are_named_the_rest_is_rendered_and_nothing_is_overwritten() {
    let dir = temp_dir("bad");
    let good = dir.join("good.wav");
    write_wav(&good, &signal(4_800, 1), 48_000, "16");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("empty.wav", vec![], "the file is empty"),
        (
            "truncated.wav",
            b"RIFF\x24\x00\x00\x00WAVEfmt ".to_vec(),
            "damaged WAV header",
        ),
        (
            "noise.wav",
            (0..999u32).map(|i| (i * 7919 % 251) as u8).collect(),
            "not a WAV or FLAC file",
        ),
        (
            "song.mp3",
            b"ID3\x03\x00\x00\x00\x00\x00\x00 not a wav".to_vec(),
            "an MP3 file; Murmur reads WAV and FLAC",
        ),
        (
            "take.ogg",
            b"OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00".to_vec(),
            "an Ogg file",
        ),
        (
            "notes.txt",
            b"whisper take 3: redo".to_vec(),
            "not a WAV or FLAC file",
        ),
        (
            "cut.flac",
            b"fLaC\x00\x00\x00\x22\x04".to_vec(),
            "damaged FLAC header",
        ),
    ];
    let mut args = vec!["render".to_owned()];
    for (name, bytes, _) in &cases {
        std::fs::write(dir.join(name), bytes).unwrap();
        args.push(dir.join(name).to_str().unwrap().to_owned());
    }
    // A header with no samples.
    let zero = dir.join("zero.wav");
    write_wav(&zero, &[vec![]], 48_000, "16");
    args.push(zero.to_str().unwrap().to_owned());
    args.push(good.to_str().unwrap().to_owned());
    // A FLAC take saved with a .wav name: read by its contents.
    let misnamed = dir.join("misnamed.wav");
    write_flac(&misnamed, &signal(4_800, 2), 44_100, 16);
    args.push(misnamed.to_str().unwrap().to_owned());
    let out_dir = dir.join("out");
    std::fs::create_dir_all(&out_dir).unwrap();
    args.extend(["--out-dir".to_owned(), out_dir.to_str().unwrap().to_owned()]);
    let run = murmur(&args.iter().map(String::as_str).collect::<Vec<_>>());
    let errors = text(&run.stderr);
    assert!(!run.status.success());
    for (name, _, says) in &cases {
        let line = errors
            .lines()
            .find(|l| l.contains(name))
            .unwrap_or_else(|| panic!("{errors}"));
        assert!(line.contains(says), "{line}");
    }
    assert!(
        errors
            .lines()
            .any(|l| l.contains("zero.wav") && l.contains("0 samples")),
        "{errors}"
    );
    // The good files were still rendered, and only they; the summary counts them.
    let mut written: Vec<_> = std::fs::read_dir(&out_dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    written.sort();
    assert_eq!(written, ["good-murmur.wav", "misnamed-murmur.wav"]);
    assert!(
        errors.contains("2 of 10 files rendered") && errors.contains("8 failed"),
        "{errors}"
    );

    // Refusals that stop before any file: unknown preset, bad --set values, a bad automation
    // line, bad --bits, a seed out of range.
    let automation = dir.join("automation.txt");
    std::fs::write(&automation, "0 azim=-90\n0:10 azim=north\n").unwrap();
    let automation = automation.to_str().unwrap();
    for (flag, value, says) in [
        ("--preset", "Thunderstorm", "unknown preset `Thunderstorm`"),
        (
            "--set",
            "azim=north",
            "bad --set: `north` is not a value of azim",
        ),
        ("--set", "wobble=3", "no parameter is called `wobble`"),
        ("--set", "azim", "`azim` is not NAME=VALUE"),
        ("--set", "motion=Spiral", "one of Static, Ear to Ear"),
        (
            "--automation",
            automation,
            "line 2: `north` is not a value of azim",
        ),
        (
            "--automation",
            "/no/such/automation.txt",
            "cannot read automation",
        ),
        ("--bits", "12", "bad --bits"),
    ] {
        let run = murmur(&[
            "render",
            good.to_str().unwrap(),
            "--out-dir",
            dir.to_str().unwrap(),
            flag,
            value,
        ]);
        assert!(!run.status.success());
        assert!(text(&run.stderr).contains(says), "{}", text(&run.stderr));
        assert!(!dir.join("good-murmur.wav").exists(), "{flag} {value}");
    }
    // The input itself is never the output, even with --overwrite.
    let before = std::fs::read(&good).unwrap();
    let run = murmur(&[
        "render",
        good.to_str().unwrap(),
        "-o",
        good.to_str().unwrap(),
        "--overwrite",
    ]);
    assert!(!run.status.success());
    assert!(
        text(&run.stderr).contains("never overwritten"),
        "{}",
        text(&run.stderr)
    );
    assert_eq!(std::fs::read(&good).unwrap(), before);
    // An output folder that cannot be written: a clear reason, no file.
    let run = murmur(&[
        "render",
        good.to_str().unwrap(),
        "--out-dir",
        "/proc/murmur-no-such-dir",
    ]);
    assert!(!run.status.success());
    assert!(
        text(&run.stderr).contains("cannot create the output folder /proc/murmur-no-such-dir"),
        "{}",
        text(&run.stderr)
    );
    // An existing folder without write permission (when not running as root, who may write
    // anywhere): the same.
    let locked = dir.join("locked");
    std::fs::create_dir_all(&locked).unwrap();
    let mut permissions = std::fs::metadata(&locked).unwrap().permissions();
    permissions.set_readonly(true);
    std::fs::set_permissions(&locked, permissions.clone()).unwrap();
    if std::fs::write(locked.join("probe"), b"").is_err() {
        let run = murmur(&[
            "render",
            good.to_str().unwrap(),
            "--out-dir",
            locked.to_str().unwrap(),
        ]);
        assert!(!run.status.success());
        assert!(
            text(&run.stderr).contains("cannot write"),
            "{}",
            text(&run.stderr)
        );
        assert_eq!(std::fs::read_dir(&locked).unwrap().count(), 0);
    }
    #[allow(clippy::permissions_set_readonly_false)]
    permissions.set_readonly(false);
    std::fs::set_permissions(&locked, permissions).unwrap();
    let _ = std::fs::remove_dir_all(dir);
}

/// Files in `dir`, sorted.
fn listing(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    names
}

/// Starts a long `generate` into `dir/bed.wav` and waits until its temporary file is being
/// written.
fn start_long_render(dir: &Path) -> std::process::Child {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_murmur"))
        .args([
            "generate",
            "--preset",
            "Rain on the Window",
            "--duration",
            "2h",
        ])
        .arg(dir.join("bed.wav"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    for _ in 0..600 {
        let growing = std::fs::read_dir(dir).unwrap().any(|e| {
            let e = e.unwrap();
            e.file_name().to_string_lossy().ends_with(".tmp")
                && e.metadata().unwrap().len() > 100_000
        });
        if growing {
            return child;
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("the render never started writing: {:?}", listing(dir));
}

#[test]
fn a_stopped_render_leaves_no_partial_output() {
    let dir = temp_dir("stopped");
    // Ctrl-C or `kill`: the temporary file is removed too. (Unix signals; on Windows a killed
    // process is only ever ended hard, as below.)
    #[cfg(unix)]
    for signal in ["-INT", "-TERM"] {
        let mut child = start_long_render(&dir);
        // The shell's own `kill`: no process tools need be installed.
        let sent = std::process::Command::new("sh")
            .args(["-c", &format!("kill {signal} {}", child.id())])
            .status()
            .unwrap();
        assert!(sent.success());
        let status = child.wait().unwrap();
        assert!(!status.success(), "{signal}");
        assert!(listing(&dir).is_empty(), "{signal}: {:?}", listing(&dir));
    }
    // `kill -9` (on Windows `TerminateProcess`) cannot be caught: no output file, only the hidden
    // temporary one.
    let mut child = start_long_render(&dir);
    child.kill().unwrap();
    child.wait().unwrap();
    let left = listing(&dir);
    assert_eq!(left.len(), 1, "{left:?}");
    assert!(left[0].starts_with(".bed.wav.murmur-") && left[0].ends_with(".tmp"));
    let _ = std::fs::remove_dir_all(dir);
}

#[test]
fn parallel_jobs_render_the_same_files() {
    let dir = temp_dir("jobs");
    let mut inputs = Vec::new();
    for i in 0..5 {
        let input = dir.join(format!("take{i}.wav"));
        write_wav(&input, &signal(24_000 + 1_000 * i, 1 + i % 2), 48_000, "24");
        inputs.push(input.to_str().unwrap().to_owned());
    }
    let render = |jobs: &str, out: &str| {
        let out_dir = dir.join(out);
        std::fs::create_dir_all(&out_dir).unwrap();
        let mut args: Vec<&str> = vec!["render"];
        args.extend(inputs.iter().map(String::as_str));
        let out_dir_text = out_dir.to_str().unwrap().to_owned();
        args.extend([
            "--out-dir",
            &out_dir_text,
            "--preset",
            "Water Drops",
            "--jobs",
            jobs,
        ]);
        let run = murmur(&args);
        assert!(run.status.success(), "{}", text(&run.stderr));
        out_dir
    };
    let (serial, parallel) = (render("1", "serial"), render("3", "parallel"));
    for i in 0..5 {
        let name = format!("take{i}-murmur.wav");
        let a = std::fs::read(serial.join(&name)).unwrap();
        let b = std::fs::read(parallel.join(&name)).unwrap();
        assert!(a == b, "{name} differs between one job and three");
    }
    // No temporary files left anywhere.
    assert_eq!(std::fs::read_dir(&parallel).unwrap().count(), 5);
    // No jobs at all is not a number of jobs.
    let none = dir.join("none");
    let run = murmur(&[
        "render",
        &inputs[0],
        "--out-dir",
        none.to_str().unwrap(),
        "--jobs",
        "0",
    ]);
    assert!(!run.status.success());
    assert!(
        text(&run.stderr).contains("--jobs"),
        "{}",
        text(&run.stderr)
    );
    assert!(!none.exists());
    // Two inputs that would share an output name are refused before anything is written.
    let other = dir.join("other");
    std::fs::create_dir_all(&other).unwrap();
    std::fs::copy(&inputs[0], other.join("take0.wav")).unwrap();
    let clash = dir.join("clash");
    let run = murmur(&[
        "render",
        &inputs[0],
        other.join("take0.wav").to_str().unwrap(),
        "--out-dir",
        clash.to_str().unwrap(),
    ]);
    assert!(!run.status.success());
    assert!(
        text(&run.stderr).contains("both be written"),
        "{}",
        text(&run.stderr)
    );
    assert!(!clash.exists() || std::fs::read_dir(&clash).unwrap().count() == 0);
    let _ = std::fs::remove_dir_all(dir);
}
