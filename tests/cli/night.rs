//! A whole night of sound from the command line: WAV that becomes RF64 past 4 GiB, FLAC,
//! loudness targets, fades, `murmur check`, and the refusals that keep every file whole and
//! every input untouched. Files are read back by independent readers: hound and claxon, and
//! Debian's `sndfile-info` and `flac` where installed (CI installs them; skipped with a note
//! otherwise). `MURMUR_LONG=1` adds the renders past 4 GiB and the 8-hour memory check.

use std::path::{Path, PathBuf};
use std::process::Output;

use testkit::cli::{murmur, temp_dir, text};

use murmur::loudness::Meter;

fn long() -> bool {
    std::env::var_os("MURMUR_LONG").is_some()
}

fn ok(run: &Output) -> String {
    assert!(
        run.status.success(),
        "murmur failed: {}{}",
        text(&run.stdout),
        text(&run.stderr)
    );
    text(&run.stdout) + &text(&run.stderr)
}

fn refused(run: &Output, says: &str) {
    assert!(!run.status.success(), "accepted: {}", text(&run.stdout));
    let stderr = text(&run.stderr);
    assert!(stderr.contains(says), "wanted `{says}` in: {stderr}");
    assert_eq!(
        stderr.lines().filter(|l| l.starts_with("murmur: ")).count(),
        1,
        "one clear line: {stderr}"
    );
}

fn p(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// Runs an installed program, or says it is missing (`None`).
fn tool(program: &str, args: &[&str]) -> Option<Output> {
    match std::process::Command::new(program).args(args).output() {
        Ok(output) => Some(output),
        Err(_) => {
            eprintln!("note: `{program}` is not installed; its check is skipped");
            None
        }
    }
}

/// The frame count libsndfile reads from a file.
fn sndfile_frames(path: &Path) -> Option<u64> {
    let out = tool("sndfile-info", &[p(path)])?;
    let info = text(&out.stdout);
    let line = info
        .lines()
        .find(|l| l.trim_start().starts_with("Frames"))
        .unwrap_or_else(|| panic!("sndfile-info says: {info}"));
    Some(line.split(':').nth(1).unwrap().trim().parse().unwrap())
}

/// A WAV's integer samples (hound).
fn wav_ints(path: &Path) -> Vec<i32> {
    hound::WavReader::open(path)
        .unwrap()
        .into_samples::<i32>()
        .map(Result::unwrap)
        .collect()
}

/// A FLAC's samples (claxon, which checks every frame's CRC).
fn flac_ints(path: &Path) -> (claxon::metadata::StreamInfo, Vec<i32>) {
    let mut reader = claxon::FlacReader::open(path).unwrap();
    let info = reader.streaminfo();
    (info, reader.samples().map(Result::unwrap).collect())
}

fn generate(dir: &Path, name: &str, extra: &[&str]) -> (PathBuf, Output) {
    let out = dir.join(name);
    let mut args = vec!["generate", "--seed", "9"];
    if !extra.contains(&"--duration") {
        args.extend(["--duration", "4s"]);
    }
    if !extra.contains(&"--preset") {
        args.extend(["--preset", "Scratch & Tap"]);
    }
    args.extend_from_slice(extra);
    args.push(p(&out));
    let run = murmur(&args);
    (out, run)
}

#[test]
fn flac_and_rf64_hold_the_same_samples_as_wav() {
    let dir = temp_dir("night-formats");
    for bits in ["16", "24"] {
        let (wav, run) = generate(&dir, &format!("bed{bits}.wav"), &["--bits", bits]);
        ok(&run);
        let (flac, run) = generate(&dir, &format!("bed{bits}.flac"), &["--bits", bits]);
        ok(&run);
        let reference = wav_ints(&wav);
        assert_eq!(reference.len(), 2 * 4 * 48_000);
        assert!(reference.iter().any(|&s| s != 0));
        let (info, decoded) = flac_ints(&flac);
        assert_eq!(info.bits_per_sample.to_string(), bits);
        assert_eq!(info.samples, Some(4 * 48_000));
        assert_eq!(decoded, reference, "{bits}-bit FLAC");
        if let Some(out) = tool("flac", &["-t", "-s", p(&flac)]) {
            assert!(out.status.success(), "flac -t: {}", text(&out.stderr));
        }
        // RF64 asked for: the same data after its header; libsndfile reads every frame.
        let (rf64, run) = generate(&dir, &format!("bed{bits}.rf64"), &["--bits", bits]);
        ok(&run);
        let (a, b) = (std::fs::read(&wav).unwrap(), std::fs::read(&rf64).unwrap());
        assert_eq!(&b[..4], b"RF64");
        assert_eq!(a.len(), b.len());
        let data = 4 * 48_000 * 2 * if bits == "16" { 2 } else { 3 };
        assert!(
            a[a.len() - data..] == b[b.len() - data..],
            "the samples differ"
        );
        assert_eq!(&b[b.len() - data - 8..b.len() - data - 4], b"data");
        if let Some(frames) = sndfile_frames(&rf64) {
            assert_eq!(frames, 4 * 48_000);
        }
        // An RF64 file renders as an input too, exactly as its WAV twin.
        let outs = [
            dir.join(format!("from-rf64-{bits}.wav")),
            dir.join(format!("from-wav-{bits}.wav")),
        ];
        for (input, out) in [&rf64, &wav].into_iter().zip(&outs) {
            ok(&murmur(&[
                "render",
                p(input),
                "-o",
                p(out),
                "--preset",
                "Slow Orbit",
                "--tail",
                "0",
            ]));
        }
        assert!(
            wav_ints(&outs[0]) == wav_ints(&outs[1]),
            "RF64 input renders differently"
        );
        if let Some(frames) = sndfile_frames(&wav) {
            assert_eq!(frames, 4 * 48_000);
        }
    }
    // `--format flac` names the default output of a render, and RF64 may be named .wav.
    let (_, run) = generate(&dir, "asked.wav", &["--format", "rf64"]);
    ok(&run);
    assert_eq!(&std::fs::read(dir.join("asked.wav")).unwrap()[..4], b"RF64");
    let whisper = Path::new("tests/fixtures/whisper-44k1.wav");
    let run = murmur(&[
        "render",
        p(whisper),
        "--out-dir",
        p(&dir),
        "--format",
        "flac",
        "--preset",
        "Slow Orbit",
    ]);
    ok(&run);
    let (info, _) = flac_ints(&dir.join("whisper-44k1-murmur.flac"));
    assert_eq!(info.sample_rate, 44_100);
}

#[test]
fn a_wav_past_4_gib_is_refused_before_any_work_when_wav_is_forced() {
    let dir = temp_dir("night-4gib");
    let started = std::time::Instant::now();
    let (out, run) = generate(
        &dir,
        "night.wav",
        &["--duration", "7h", "--bits", "16", "--format", "wav"],
    );
    refused(&run, "more than a WAV file can hold (4 GiB)");
    assert!(started.elapsed().as_secs() < 20, "refused only after work");
    assert!(!out.exists());
    assert_eq!(std::fs::read_dir(&dir).unwrap().count(), 0);
}

#[test]
fn a_night_past_4_gib_is_rf64_that_every_reader_reads_whole() {
    if !long() {
        eprintln!("note: MURMUR_LONG=1 renders past 4 GiB");
        return;
    }
    let dir = temp_dir("night-rf64");
    // 4 h 15 min of 24-bit stereo at 48 kHz: 4.4 GB.
    let (out, run) = generate(
        &dir,
        "night.wav",
        &["--duration", "4:15:00", "--fade-out", "30s"],
    );
    let said = ok(&run);
    assert!(said.contains("writing RF64 (EBU Tech 3306)"), "{said}");
    let frames = 4 * 3600 * 48_000 + 15 * 60 * 48_000;
    // The 24-bit header (an extensible `fmt `) is 104 bytes.
    assert_eq!(std::fs::metadata(&out).unwrap().len(), 104 + 6 * frames);
    if let Some(read) = sndfile_frames(&out) {
        assert_eq!(read, frames);
    }
    let run = murmur(&["check", p(&out)]);
    assert!(ok(&run).contains("4:15:00.000"));
    let _ = std::fs::remove_dir_all(&dir);
}

/// Peak resident memory of a run, KiB, read by GNU time.
fn peak_kib(args: &[&str]) -> Option<u64> {
    let mut all = vec!["-f", "%M", env!("CARGO_BIN_EXE_murmur")];
    all.extend_from_slice(args);
    let out = tool("/usr/bin/time", &all)?;
    assert!(out.status.success(), "{}", text(&out.stderr));
    text(&out.stderr).lines().last()?.trim().parse().ok()
}

#[test]
fn memory_stays_constant_from_one_hour_to_eight() {
    if !long() {
        eprintln!("note: MURMUR_LONG=1 renders one and eight hours");
        return;
    }
    let dir = temp_dir("night-memory");
    let (one, eight) = (dir.join("1h.wav"), dir.join("8h.wav"));
    let run = |duration: &str, out: &Path| {
        peak_kib(&[
            "generate",
            "--preset",
            "Rain on the Window",
            "--duration",
            duration,
            p(out),
        ])
    };
    let (Some(a), Some(b)) = (run("1h", &one), run("8h", &eight)) else {
        return;
    };
    eprintln!("peak resident memory: 1 h {a} KiB, 8 h {b} KiB");
    assert!((b as f64) < 1.1 * a as f64, "1 h: {a} KiB, 8 h: {b} KiB");
    // 8.3 GB: RF64, read whole by libsndfile.
    let mut magic = [0u8; 4];
    std::io::Read::read_exact(&mut std::fs::File::open(&eight).unwrap(), &mut magic).unwrap();
    assert_eq!(&magic, b"RF64");
    if let Some(frames) = sndfile_frames(&eight) {
        assert_eq!(frames, 8 * 3600 * 48_000);
    }
    let _ = std::fs::remove_dir_all(&dir);
}

/// Integrated loudness and true peak of a WAV (the library meter: BS.1770-4 through ebur128).
fn loudness_of(path: &Path) -> (f64, f64) {
    let mut reader = hound::WavReader::open(path).unwrap();
    let spec = reader.spec();
    let full = (1i64 << (spec.bits_per_sample - 1)) as f32;
    let samples: Vec<f32> = match spec.sample_format {
        hound::SampleFormat::Float => reader.samples::<f32>().map(Result::unwrap).collect(),
        hound::SampleFormat::Int => reader
            .samples::<i32>()
            .map(|s| s.unwrap() as f32 / full)
            .collect(),
    };
    let mut meter = Meter::new(2, spec.sample_rate).unwrap();
    meter.add_interleaved_with(&samples, |_| ());
    let l = meter.loudness();
    (l.integrated_lufs, l.true_peak_dbtp)
}

/// Every factory preset rendered with `--loudness -16`: on target (±0.5 LU) with the true peak
/// at or below −1 dBTP, or the run says why not, and the file still stays under both limits.
#[test]
fn every_preset_lands_on_the_target_or_says_why() {
    let dir = temp_dir("night-loudness");
    let whisper = Path::new("tests/fixtures/whisper-48k.wav");
    let mut table = Vec::new();
    for (i, preset) in murmur::presets::factory().iter().enumerate() {
        let out = dir.join(format!("{i}.wav"));
        let run = murmur(&[
            "render",
            p(whisper),
            "-o",
            p(&out),
            "--preset",
            preset.name,
            "--loudness",
            "-16",
            "--tail",
            "6",
        ]);
        let said = ok(&run);
        let (lufs, tp) = loudness_of(&out);
        assert!(tp <= -1.0 + 0.01, "{}: true peak {tp}", preset.name);
        if preset.settings.calm_guard {
            let ceiling = f64::from(preset.settings.ceiling_db);
            assert!(
                tp <= ceiling + 0.01,
                "{}: {tp} over the ceiling",
                preset.name
            );
        }
        if said.contains("reached") {
            assert!(said.contains("of the -16.0 LUFS asked"), "{said}");
            assert!(lufs < -16.0, "{}", preset.name);
        } else {
            assert!((lufs + 16.0).abs() <= 0.5, "{}: {lufs} LUFS", preset.name);
        }
        table.push(format!("{:<26} {lufs:6.1} LUFS {tp:6.1} dBTP", preset.name));
    }
    eprintln!("{}", table.join("\n"));
}

#[test]
fn fades_end_a_bed_softly_and_check_hears_the_difference() {
    let dir = temp_dir("night-fades");
    let (faded, run) = generate(
        &dir,
        "faded.wav",
        &[
            "--duration",
            "20s",
            "--fade-in",
            "2s",
            "--fade-out",
            "4s",
            "--preset",
            "Rain on the Window",
        ],
    );
    ok(&run);
    let (abrupt, run) = generate(
        &dir,
        "abrupt.wav",
        &[
            "--duration",
            "20s",
            "--fade-in",
            "0",
            "--fade-out",
            "0",
            "--preset",
            "Rain on the Window",
        ],
    );
    ok(&run);
    let (a, b) = (wav_ints(&faded), wav_ints(&abrupt));
    let rms =
        |s: &[i32]| (s.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / s.len() as f64).sqrt();
    let frames = a.len() / 2;
    let ms = |m: usize| 2 * m * 48;
    // The first and last 100 ms of the faded bed are far below its middle; the abrupt one's
    // are not.
    let middle = rms(&a[frames..frames + ms(500)]);
    assert!(rms(&a[..ms(100)]) < middle / 10.0);
    assert!(rms(&a[a.len() - ms(100)..]) < middle / 10.0);
    assert!(rms(&b[b.len() - ms(100)..]) > middle / 3.0);
    // Between the fades, the same samples.
    assert!(
        a[ms(3000)..ms(15000)] == b[ms(3000)..ms(15000)],
        "the middle differs"
    );
    let run = murmur(&["check", "--strict", p(&faded), p(&abrupt)]);
    let report = text(&run.stdout);
    assert!(!run.status.success(), "--strict with a finding");
    let abrupt_part = report.split(p(&abrupt)).nth(1).unwrap();
    assert!(abrupt_part.contains("0:00:20.000  hard stop"), "{report}");
    let faded_part = report.split(p(&abrupt)).next().unwrap();
    assert!(faded_part.contains("nothing found"), "{report}");
}

/// Writes an interleaved stereo file: 24-bit WAV through hound, or FLAC/RF64 through murmur's
/// own formats is not needed here: the checker must read anyone's files.
fn write_wav(path: &Path, samples: &[f32], float: bool) {
    let spec = hound::WavSpec {
        channels: 2,
        sample_rate: 48_000,
        bits_per_sample: if float { 32 } else { 24 },
        sample_format: if float {
            hound::SampleFormat::Float
        } else {
            hound::SampleFormat::Int
        },
    };
    let mut w = hound::WavWriter::create(path, spec).unwrap();
    for &x in samples {
        if float {
            w.write_sample(x).unwrap();
        } else {
            w.write_sample((x.clamp(-1.0, 1.0) * 8_388_607.0).round() as i32)
                .unwrap();
        }
    }
    w.finalize().unwrap();
}

/// Stereo noise at `dbfs` RMS from Murmur's seeded generator (uniform, so √3 × RMS peak).
fn noise(seconds: f64, dbfs: f64, seed: u32) -> Vec<f32> {
    let mut generator = murmur::dsp::WhiteNoise::new(seed);
    let amplitude = (10f64.powf(dbfs / 20.0) * 3f64.sqrt()) as f32;
    (0..(seconds * 48_000.0) as usize * 2)
        .map(|_| generator.next() * amplitude)
        .collect()
}

/// A file with a 20 LU jump at 40.2 s, a clipped burst at 62.5 s, a DC offset from 70.03 s and
/// a hard stop at 85.55 s: `check` reports each at its time (±50 ms) and nothing else, in
/// text and JSON; a damaged file beside it gets its own line and the rest is still checked.
#[test]
fn check_finds_each_trouble_at_its_time() {
    let dir = temp_dir("night-check");
    let mut file = noise(40.2, -42.0, 1);
    let frames_before = file.len() / 2;
    for i in 0..frames_before {
        // A gentle fade-in over the first 5 s: the start is no startle.
        let g = (i as f32 / (5.0 * 48_000.0)).min(1.0);
        file[2 * i] *= g;
        file[2 * i + 1] *= g;
    }
    file.extend(noise(85.55 - 40.2, -22.0, 2));
    file.extend(vec![0.0; 2 * 48_000 * 5]);
    let at = |s: f64| (s * 48_000.0) as usize;
    for i in at(62.5)..at(62.5) + 30 {
        file[2 * i] = 1.0;
    }
    for i in at(70.03)..at(78.0) {
        file[2 * i + 1] += 0.05;
    }
    let wav = dir.join("trouble.wav");
    write_wav(&wav, &file, true);
    let damaged = dir.join("damaged.wav");
    let bytes = std::fs::read(&wav).unwrap();
    std::fs::write(&damaged, &bytes[..bytes.len() / 2]).unwrap();
    let calm = dir.join("calm.wav");
    write_wav(
        &calm,
        &noise(30.0, -30.0, 3)
            .iter()
            .enumerate()
            .map(|(i, x)| {
                let t = (i / 2) as f32 / 48_000.0;
                x * (t / 3.0).min(1.0).min((30.0 - t) / 5.0)
            })
            .collect::<Vec<f32>>(),
        false,
    );

    let run = murmur(&["check", "--json", p(&damaged), p(&wav), p(&calm)]);
    assert!(!run.status.success(), "a damaged file makes the run fail");
    let json: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
    let files = json["files"].as_array().unwrap();
    assert!(
        files[0]["error"].as_str().unwrap().contains("ends early"),
        "{json}"
    );
    let findings = files[1]["findings"].as_array().unwrap();
    let expected = [
        ("startle", 40.2),
        ("clipping", 62.5),
        ("DC offset", 70.03),
        ("hard stop", 85.55),
    ];
    assert_eq!(findings.len(), expected.len(), "{json:#}");
    for (finding, (kind, time)) in findings.iter().zip(expected) {
        assert_eq!(finding["kind"], kind, "{json:#}");
        let at_s = finding["at_s"].as_f64().unwrap();
        assert!((at_s - time).abs() <= 0.05, "{kind} at {at_s}, not {time}");
    }
    assert_eq!(
        files[2]["findings"].as_array().unwrap().len(),
        0,
        "{json:#}"
    );
    let lufs = files[2]["integrated_lufs"].as_f64().unwrap();
    // White noise at −30 dBFS RMS: K-weighting lifts its highs by about 5 dB.
    assert!((-30.0..-20.0).contains(&lufs), "{lufs}");
    // Text: times as h:mm:ss.mmm; the damaged file named with its reason.
    let run = murmur(&["check", p(&wav), p(&damaged)]);
    let report = text(&run.stdout);
    assert!(report.contains("0:01:25.55"), "{report}");
    assert!(
        report.contains("damaged.wav: damaged audio data (the file ends early"),
        "{report}"
    );
    // The same audio as FLAC and RF64 (written by murmur itself from a bed) reads too.
    let (flac, run) = generate(&dir, "bed.flac", &[]);
    ok(&run);
    let (rf64, run) = generate(&dir, "bed.rf64", &[]);
    ok(&run);
    let run = murmur(&["check", "--strict", p(&flac), p(&rf64)]);
    let report = ok(&run);
    assert_eq!(report.matches("nothing found").count(), 2, "{report}");
    assert_eq!(report.matches("0:00:04.000").count(), 2, "{report}");
}

#[test]
fn outputs_are_never_inputs_and_refusals_leave_nothing_behind() {
    let dir = temp_dir("night-refusals");
    let whisper = std::fs::read("tests/fixtures/whisper-44k1.wav").unwrap();
    let a = dir.join("a.wav");
    let a_out = dir.join("a-murmur.wav");
    std::fs::write(&a, &whisper).unwrap();
    std::fs::write(&a_out, &whisper).unwrap();
    // A second `render *.wav --out-dir . --overwrite` in the same folder: a-murmur.wav is an
    // input, and would be the output of a.wav.
    let run = murmur(&[
        "render",
        p(&a),
        p(&a_out),
        "--out-dir",
        p(&dir),
        "--overwrite",
    ]);
    refused(&run, "is an input of this run");
    assert_eq!(std::fs::read(&a_out).unwrap(), whisper);
    assert!(!dir.join("a-murmur-murmur.wav").exists());
    // The same in the other order.
    let run = murmur(&[
        "render",
        p(&a_out),
        p(&a),
        "--out-dir",
        p(&dir),
        "--overwrite",
    ]);
    refused(&run, "is an input of this run");
    // Nor is any file the run reads: the automation, a preset file.
    let automation = dir.join("sweep.txt");
    std::fs::write(&automation, "0 azim=-90\n1 azim=90\n").unwrap();
    let run = murmur(&[
        "render",
        p(&a),
        "-o",
        p(&automation),
        "--format",
        "wav",
        "--automation",
        p(&automation),
        "--overwrite",
    ]);
    refused(&run, "is read by this run");
    assert_eq!(
        std::fs::read(&automation).unwrap(),
        b"0 azim=-90\n1 azim=90\n"
    );
    let (_, run) = generate(
        &dir,
        "sweep.txt",
        &[
            "--format",
            "wav",
            "--automation",
            p(&automation),
            "--overwrite",
        ],
    );
    refused(&run, "is read by this run");
    // The demo replaces nothing without --overwrite.
    let important = dir.join("important.wav");
    std::fs::write(&important, b"keep me").unwrap();
    refused(&murmur(&["demo", p(&important)]), "exists (add --overwrite");
    assert_eq!(std::fs::read(&important).unwrap(), b"keep me");
    // Formats follow the extension or are refused.
    refused(
        &murmur(&["render", p(&a), "-o", p(&dir.join("x.mp3"))]),
        "MP3 output is not supported",
    );
    let flac_demo = dir.join("demo.flac");
    ok(&murmur(&["demo", p(&flac_demo)]));
    assert_eq!(&std::fs::read(&flac_demo).unwrap()[..4], b"fLaC");
    let (_, run) = generate(&dir, "x.flac", &["--format", "ogg"]);
    refused(&run, "unknown --format `ogg`");
    let (_, run) = generate(&dir, "x.flac", &["--bits", "32f"]);
    refused(&run, "FLAC holds integers only");
    let (_, run) = generate(&dir, "x.wav", &["--loudness", "3"]);
    refused(&run, "above 0 LUFS");
    let (_, run) = generate(&dir, "x.wav", &["--loudness", "-16", "--true-peak", "0.5"]);
    refused(&run, "bad --true-peak");
    // A render that cannot fit on its disk is refused before it starts.
    let started = std::time::Instant::now();
    let (_, run) = generate(&dir, "forever.wav", &["--duration", "1000000h"]);
    refused(&run, "not enough room");
    assert!(started.elapsed().as_secs() < 20);
    // -o and --out-dir together; a missing input with a new --out-dir: no folder is left.
    let dd = dir.join("dd");
    refused(
        &murmur(&[
            "render",
            p(&a),
            "-o",
            p(&dir.join("x.wav")),
            "--out-dir",
            p(&dd),
        ]),
        "give one",
    );
    assert!(!dd.exists());
    let nd = dir.join("nd");
    let run = murmur(&["render", p(&dir.join("missing.wav")), "--out-dir", p(&nd)]);
    assert!(!run.status.success());
    assert!(
        text(&run.stderr).contains("missing.wav: cannot read"),
        "{}",
        text(&run.stderr)
    );
    assert!(!nd.exists(), "an empty folder was left behind");
    // The output's folder is blamed, not the input; a folder is not a file name.
    let nodir = dir.join("nodir/sub/out.wav");
    refused(
        &murmur(&["render", p(&a), "-o", p(&nodir)]),
        "nodir/sub does not exist",
    );
    refused(&murmur(&["render", p(&a), "-o", p(&dir)]), "is a folder");
    // A folder that cannot be written.
    refused(
        &murmur(&["render", p(&a), "-o", "/proc/murmur-out.wav"]),
        "/proc/murmur-out.wav: cannot write into /proc",
    );
    let left: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .filter(|n| n.ends_with(".tmp"))
        .collect();
    assert!(left.is_empty(), "{left:?}");
}

/// A disk that fills up mid-write (the file-size limit of `ulimit -f`): a clear message, a
/// failed run, and neither the output nor its temporary file left.
#[test]
fn a_full_disk_ends_cleanly() {
    let dir = temp_dir("night-full");
    let out = dir.join("bed.wav");
    let script = format!(
        "ulimit -f 2000; exec '{}' generate --preset 'Rain on the Window' --duration 2m '{}'",
        env!("CARGO_BIN_EXE_murmur"),
        p(&out)
    );
    let run = std::process::Command::new("sh")
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(!run.status.success());
    let stderr = text(&run.stderr);
    assert!(
        stderr.contains("bed.wav: cannot write: File too large"),
        "{stderr}"
    );
    assert_eq!(
        std::fs::read_dir(&dir).unwrap().count(),
        0,
        "something was left"
    );
}

/// Ten minutes of every factory preset with the Calm Guard on, checked: nothing that would
/// wake a listener. The trigger presets as beds (`generate`, the preset's own seed); the voice
/// presets on ten minutes of the whisper fixture with 1.65 s of silence after each phrase (as
/// the soak bench loops it).
#[test]
fn ten_minutes_of_every_factory_preset_check_clean() {
    let dir = temp_dir("night-presets");
    let mut reader = hound::WavReader::open("tests/fixtures/whisper-48k.wav").unwrap();
    let spec = reader.spec();
    let phrase: Vec<i32> = reader.samples::<i32>().map(Result::unwrap).collect();
    let whisper = dir.join("whisper-10min.wav");
    let mut writer = hound::WavWriter::create(&whisper, spec).unwrap();
    let period = phrase.len() + (1.65 * f64::from(spec.sample_rate)) as usize;
    for n in 0..600 * spec.sample_rate as usize {
        let at = n % period;
        writer
            .write_sample(phrase.get(at).copied().unwrap_or(0))
            .unwrap();
    }
    writer.finalize().unwrap();

    // Each render is checked and removed before the next (ten minutes of 24-bit stereo is
    // 173 MB).
    let mut found = Vec::new();
    for (i, preset) in murmur::presets::factory().iter().enumerate() {
        assert!(preset.settings.calm_guard, "{}", preset.name);
        let out = dir.join(format!("{i}.wav"));
        let has_layers = preset
            .settings
            .layers
            .iter()
            .any(|l| l.on && l.density_per_s > 0.0);
        let run = if has_layers {
            murmur(&[
                "generate",
                "--preset",
                preset.name,
                "--duration",
                "10m",
                p(&out),
            ])
        } else {
            murmur(&[
                "render",
                p(&whisper),
                "-o",
                p(&out),
                "--preset",
                preset.name,
            ])
        };
        ok(&run);
        let run = murmur(&["check", "--json", "--strict", p(&out)]);
        let json: serde_json::Value = serde_json::from_slice(&run.stdout).unwrap();
        let file = &json["files"][0];
        let findings = file["findings"].as_array().unwrap();
        eprintln!(
            "{:<26} {:6.1} LUFS {:6.1} dBTP, {} findings",
            preset.name,
            file["integrated_lufs"].as_f64().unwrap_or(f64::NAN),
            file["true_peak_dbtp"].as_f64().unwrap_or(f64::NAN),
            findings.len()
        );
        if !findings.is_empty() || !run.status.success() {
            found.push(format!(
                "{}: {findings:?} {}",
                preset.name,
                text(&run.stderr)
            ));
        }
        std::fs::remove_file(&out).unwrap();
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(found.is_empty(), "{found:#?}");
}
