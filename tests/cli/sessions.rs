//! `murmur generate --session`: scenes on a timeline, measured on the file a user gets. Each
//! scene outside its crossfades is that scene rendered alone; a crossfade neither dips nor
//! bumps the short-term loudness (EBU R128, the `ebur128` crate, on the file hound reads back);
//! the wind-down ends in silence with nothing for `check` to find; a malformed session file is
//! refused line by line with nothing written.

use std::path::Path;

use ebur128::{EbuR128, Mode};
use testkit::cli::{murmur, temp_dir, text};

const RATE: usize = 48_000;

/// Runs `murmur` with `args`, which must succeed.
fn run_ok(args: &[&str]) -> String {
    let run = murmur(args);
    assert!(
        run.status.success(),
        "murmur {args:?} failed: {}{}",
        text(&run.stdout),
        text(&run.stderr)
    );
    text(&run.stderr)
}

/// A 32-bit float WAV's interleaved stereo samples.
fn read_f32(path: &Path) -> Vec<f32> {
    let mut reader = hound::WavReader::open(path).unwrap();
    let spec = reader.spec();
    assert_eq!(
        (spec.sample_format, spec.channels, spec.sample_rate as usize),
        (hound::SampleFormat::Float, 2, RATE)
    );
    reader.samples::<f32>().map(|s| s.unwrap()).collect()
}

/// Short-term loudness (3 s) every 100 ms: `(seconds, LUFS)`.
fn short_term(samples: &[f32]) -> Vec<(f64, f64)> {
    let mut meter = EbuR128::new(2, RATE as u32, Mode::S).unwrap();
    let hop = RATE / 10 * 2;
    samples
        .chunks(hop)
        .enumerate()
        .map(|(i, chunk)| {
            meter.add_frames_f32(chunk).unwrap();
            ((i + 1) as f64 * 0.1, meter.loudness_shortterm().unwrap())
        })
        .collect()
}

/// The `q`-quantile of the readings in `[from, to)` seconds.
fn quantile(curve: &[(f64, f64)], from: f64, to: f64, q: f64) -> f64 {
    let mut values: Vec<f64> = curve
        .iter()
        .filter(|(t, _)| (from..to).contains(t))
        .map(|&(_, l)| l)
        .collect();
    values.sort_by(f64::total_cmp);
    values[((values.len() - 1) as f64 * q).round() as usize]
}

/// A scene of the session below: where it starts, how long it fades in, and how to render it
/// alone.
struct Scene<'a> {
    start_s: usize,
    crossfade_s: usize,
    until_s: usize,
    alone: Vec<&'a str>,
}

#[test]
fn a_session_is_its_scenes_crossfaded_and_falls_asleep() {
    let dir = temp_dir("session");
    // A user preset file beside the session, named relative to it.
    let shown = murmur(&["presets", "--show", "Brushing"]);
    std::fs::write(dir.join("brushing.txt"), &shown.stdout).unwrap();
    std::fs::write(
        dir.join("evening.txt"),
        "# Rain, then crinkles, then brushing, winding down\n\
         0:00  scene \"Rain on the Window\"  animate 30%  seed 11\n\
         1:30  scene \"Crinkle Close-up\"  crossfade 30s  seed 12\n\
         3:00  scene brushing.txt  crossfade 1m  animate 60%  seed 13\n\
         4:35  wind-down 50s\n\
         5:40  end\n",
    )
    .unwrap();
    let wind = dir.join("wind.txt");
    // The wind-down in the last scene's own time (it starts at 3:00). It ends 15 s before the
    // session does: silence from there.
    std::fs::write(&wind, "95 wind=0%\n145 wind=100%\n").unwrap();
    let wind = wind.to_str().unwrap();
    let brushing = dir.join("brushing.txt");
    let brushing = brushing.to_str().unwrap();
    let scenes = [
        Scene {
            start_s: 0,
            crossfade_s: 0,
            until_s: 90,
            alone: vec![
                "--preset",
                "Rain on the Window",
                "--set",
                "anim=30%",
                "--seed",
                "11",
            ],
        },
        Scene {
            start_s: 90,
            crossfade_s: 30,
            until_s: 180,
            alone: vec!["--preset", "Crinkle Close-up", "--seed", "12"],
        },
        Scene {
            start_s: 180,
            crossfade_s: 60,
            until_s: 340,
            alone: vec!["--set", "anim=60%", "--seed", "13", "--automation", wind],
        },
    ];
    let out = dir.join("evening.wav");
    let float = [
        "--bits",
        "32f",
        "--fade-in",
        "0",
        "--fade-out",
        "0",
        "--overwrite",
    ];
    let session_file = dir.join("evening.txt");
    let mut args = vec!["generate", "--session", session_file.to_str().unwrap()];
    args.extend(float);
    args.push(out.to_str().unwrap());
    run_ok(&args);
    let session = read_f32(&out);
    assert_eq!(
        session.len(),
        340 * RATE * 2,
        "the length is the end line's"
    );

    // Outside its crossfades, each scene is its render alone.
    for (i, scene) in scenes.iter().enumerate() {
        let alone_path = dir.join(format!("alone{i}.wav"));
        let duration = format!("{}", scene.until_s - scene.start_s);
        let mut args = vec!["generate"];
        if i == 2 {
            args.extend(["--preset", brushing]);
        }
        args.extend(&scene.alone);
        args.extend(["--duration", &duration]);
        args.extend(float);
        args.push(alone_path.to_str().unwrap());
        run_ok(&args);
        let alone = read_f32(&alone_path);
        let from = (scene.start_s + scene.crossfade_s) * RATE * 2;
        let to = scene.until_s * RATE * 2;
        let offset = scene.start_s * RATE * 2;
        let worst = session[from..to]
            .iter()
            .zip(&alone[from - offset..to - offset])
            .map(|(a, b)| (a - b).abs())
            .fold(0.0f32, f32::max);
        let level = signals::measure::peak(&alone[from - offset..to - offset]);
        println!("scene {i}: peak {level:.4}, worst difference from alone {worst:e}");
        assert!(level > 1e-3, "scene {i} is silent");
        assert!(
            worst <= 1e-6,
            "scene {i} differs from its render alone by {worst}"
        );
    }

    // Across each crossfade the short-term loudness stays within the two scenes' own range:
    // no more than 3 LU under the quieter, no more than 1 LU over the louder.
    let curve = short_term(&session);
    for scene in &scenes[1..] {
        let (start, end) = (
            scene.start_s as f64,
            (scene.start_s + scene.crossfade_s) as f64,
        );
        let before = (start - 30.0, start);
        let after = (end + 3.0, end + 32.0);
        let low =
            quantile(&curve, before.0, before.1, 0.0).min(quantile(&curve, after.0, after.1, 0.0));
        let high =
            quantile(&curve, before.0, before.1, 1.0).max(quantile(&curve, after.0, after.1, 1.0));
        let (dip, bump) = (
            quantile(&curve, start, end + 3.0, 0.0),
            quantile(&curve, start, end + 3.0, 1.0),
        );
        println!(
            "crossfade at {start} s: scenes {low:.1}…{high:.1} LUFS, during {dip:.1}…{bump:.1}"
        );
        assert!(dip >= low - 3.0, "a dip to {dip} under {low}");
        assert!(bump <= high + 1.0, "a bump to {bump} over {high}");
    }

    // The last 10 s are silent, and `check` finds nothing (no startle, no hard stop).
    let mut meter = EbuR128::new(2, RATE as u32, Mode::I).unwrap();
    meter.add_frames_f32(&session[330 * RATE * 2..]).unwrap();
    let last = meter.loudness_global().unwrap();
    println!("last 10 s: {last:.1} LUFS");
    assert!(last < -70.0, "the last 10 s at {last} LUFS");
    run_ok(&["check", "--strict", out.to_str().unwrap()]);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn a_malformed_session_is_refused_by_line_and_nothing_is_written() {
    let dir = temp_dir("bad-session");
    let out = dir.join("night.wav");
    for (file, says) in [
        (
            "0:00 scene \"Rain on the Window\"\n0:7x:00 scene Brushing\n1:00:00 end\n",
            "line 2: `0:7x:00` is not a time",
        ),
        (
            "0:00 scene \"Rain on the Window\"\n10:00 scene \"Rain on the Roof\"\n1:00:00 end\n",
            "line 2: unknown preset `Rain on the Roof`",
        ),
        (
            "0:00 scene \"Rain on the Window\"\n20:00 scene Brushing\n\
             15:00 scene \"Water Drops\"\n1:00:00 end\n",
            "line 3: 0:15:00 comes before 0:20:00 (line 2): scenes would overlap",
        ),
        (
            "0:00 scene \"Rain on the Window\"\n59:00 scene Brushing crossfade 2m\n1:00:00 end\n",
            "line 2: the crossfade (0:02:00) is longer than the scene (0:01:00",
        ),
        (
            "0:00 scene \"Rain on the Window\"\n30:00 wind-down 30m\n",
            "line 2: the session has no end",
        ),
    ] {
        let session = dir.join("night.txt");
        std::fs::write(&session, file).unwrap();
        let run = murmur(&[
            "generate",
            "--session",
            session.to_str().unwrap(),
            out.to_str().unwrap(),
        ]);
        let said = text(&run.stderr);
        assert!(!run.status.success(), "{file:?} was rendered");
        assert!(said.contains(says), "{file:?}: {said}");
        assert_eq!(said.lines().count(), 1, "one message: {said}");
        let left: Vec<_> = std::fs::read_dir(&dir)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["night.txt"], "{file:?} left files");
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
