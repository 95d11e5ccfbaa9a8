//! The command-line renderer equals the plugin: a whisper fixture rendered by `murmur render`
//! with a preset with trigger layers, a `--set` value and an automation file, against the same
//! fixture through the CLAP build in the test host, which loads the same preset and sends the
//! automation as parameter events on the same samples. At 44.1 and 48 kHz.

// The shared host serves several test binaries; this one uses only part of it.

use std::path::Path;

use murmur::automation::Automation;
use murmur::offline::AUTOMATION_STEP;
use murmur::params::{ParamIndex, ParamSheet};
use testkit::clap::*;
use testkit::cli::{murmur, temp_dir, text};

const PRESET: &str = "Tapping Around the Head";
const SET: &str = "Voice Level=-3 dB";
/// A sweep from ear to ear, a motion change and a layer getting busier, in three notations.
const AUTOMATION: &str = "# ear to ear, then an orbit\n\
                          0       azim=-80°\n\
                          0       motion=Static\n\
                          1.5s    azim=80\n\
                          2.0     motion=Orbit\n\
                          0:01.0  Layer 1 Density=1 /s\n\
                          0:03    t1dens=12\n\
                          3500ms  dist=0.2 m\n";
/// Animate at full depth and a Wind-down ramp, added to [`AUTOMATION`].
const ANIMATE_AND_WIND_DOWN: &str = "0       anim=100%\n\
                                     1s      wind=0%\n\
                                     4s      wind=60%\n";
/// [`AUTOMATION`] in song time for a render started at 1:23 (83 s).
const AUTOMATION_FROM_1_23: &str = "1:23      azim=-80°\n\
                                    1:23      motion=Static\n\
                                    84.5s     azim=80\n\
                                    85        motion=Orbit\n\
                                    1:24.0    Layer 1 Density=1 /s\n\
                                    1:26      t1dens=12\n\
                                    86500ms   dist=0.2 m\n";
const TAIL_S: f64 = 1.0;

/// A mono 16-bit fixture as the CLI reads it.
fn read_fixture(path: &Path) -> (u32, Vec<f32>) {
    let mut reader = hound::WavReader::open(path).unwrap();
    let spec = reader.spec();
    assert_eq!((spec.channels, spec.bits_per_sample), (1, 16));
    let samples = reader
        .samples::<i16>()
        .map(|s| s.unwrap() as f32 / 32768.0)
        .collect();
    (spec.sample_rate, samples)
}

/// The CLAP value a host sends for normalized value `normalized` of `entry`.
fn clap_value(steps: Option<usize>, normalized: f32) -> f64 {
    match steps {
        Some(steps) => (normalized * steps as f32).round() as f64,
        None => normalized as f64,
    }
}

/// The fixture through the plugin, in the test host's 512-sample blocks; with `start_s`, the
/// host plays the song from there at 120 BPM.
fn render_in_host(
    rate: u32,
    voice: &[f32],
    automation: &str,
    start_s: Option<f64>,
) -> (Vec<f32>, Vec<f32>) {
    let song_start = start_s.map_or(0, |s| (s * rate as f64).round() as usize);
    let song_s = |frame: usize| (song_start + frame) as f64 / rate as f64;
    let mut sheet = ParamSheet::with_settings(&murmur::presets::find(PRESET).unwrap().settings);
    let (index, value) = sheet.parse_assignment(SET).unwrap();
    sheet.set_normalized(index, value);
    let automation = Automation::parse(automation, &sheet).unwrap();
    automation.apply(song_s(0), &mut sheet);

    let mut murmur = Murmur::new();
    murmur.select_layout(1, 2);
    let ids: Vec<u32> = sheet
        .params()
        .iter()
        .map(|e| murmur.param_by_id(&e.id).id)
        .collect();
    let mut processor = murmur.activate(rate as f64, 1);

    // The whole preset at the first sample, as a host restoring a session sends it.
    let mut last_sent: Vec<f32> = (0..ids.len())
        .map(|i| sheet.normalized(ParamIndex(i)))
        .collect();
    let mut changes: Vec<ParamChange> = last_sent
        .iter()
        .enumerate()
        .map(|(i, &normalized)| ParamChange {
            offset: 0,
            id: ids[i],
            value: clap_value(sheet.params()[i].steps, normalized),
        })
        .collect();

    // The plugin's output is one latency behind its input (the CLI compensates it): render
    // that much longer.
    let latency = murmur::engine::Engine::new(rate as f32, BLOCK)
        .unwrap()
        .latency(murmur::engine::InputChannels::Mono);
    let total = voice.len() + (TAIL_S * rate as f64).round() as usize + latency;
    let (mut left, mut right) = (Vec::with_capacity(total), Vec::with_capacity(total));
    let mut done = 0;
    while done < total {
        let frames = BLOCK.min(total - done);
        for (i, sample) in processor.inputs[0][..frames].iter_mut().enumerate() {
            *sample = voice.get(done + i).copied().unwrap_or(0.0);
        }
        // Automation on every control tick in this block, only where a value moved.
        for offset in (0..frames).filter(|o| (done + o) % AUTOMATION_STEP == 0) {
            automation.apply(song_s(done + offset), &mut sheet);
            for lane in automation.lanes() {
                let ParamIndex(i) = lane.param;
                let normalized = sheet.normalized(lane.param);
                if normalized != last_sent[i] {
                    last_sent[i] = normalized;
                    changes.push(ParamChange {
                        offset: offset as u32,
                        id: ids[i],
                        value: clap_value(sheet.params()[i].steps, normalized),
                    });
                }
            }
        }
        let transport = start_s.map(|_| Transport {
            playing: true,
            beats: song_s(done) * 2.0,
            seconds: song_s(done),
            ..Transport::default()
        });
        processor.process_block(
            frames,
            &BlockEvents {
                changes: &changes,
                transport: transport.as_ref(),
                ..BlockEvents::default()
            },
        );
        changes.clear();
        let (l, r) = processor.output(frames);
        left.extend_from_slice(l);
        right.extend_from_slice(r);
        done += frames;
    }
    murmur.deactivate(processor);
    (left.split_off(latency), right.split_off(latency))
}

#[test]
fn the_cli_renders_what_the_plugin_renders() {
    renders_alike(AUTOMATION, None);
}

/// `--start 1:23` renders what the plugin renders in a host playing from 1:23: the motion, the
/// grid and the automation (in song time) where the song is.
#[test]
fn a_render_from_a_song_position_is_the_plugin_playing_from_there() {
    renders_alike(AUTOMATION_FROM_1_23, Some("1:23"));
}

/// Animate at full depth and a Wind-down ramp on top of the same automation: the wander, the
/// settling and the fade are the same samples in both, and the fade is heard (at 60 % from 4 s,
/// the output is 22 dB down: the last second and the tail at least 10 dB under the render
/// without it).
#[test]
fn animate_and_wind_down_render_as_in_the_plugin() {
    let wound = renders_alike(&(AUTOMATION.to_owned() + ANIMATE_AND_WIND_DOWN), None);
    let plain = renders_alike(AUTOMATION, None);
    for (wound, plain) in wound.iter().zip(&plain) {
        let db = 10.0 * (wound / plain).log10();
        println!("after 4.2 s: {db:.1} dB against the render without Animate and Wind-down");
        assert!(db < -10.0, "Wind-down at 60 % is heard only {db} dB down");
    }
}

/// Renders the fixtures on the command line and in the host with `automation` (from song
/// position `start`, when given), asserts they agree, and gives each render's energy from 4.2 s
/// to its end.
fn renders_alike(automation: &str, start: Option<&str>) -> Vec<f64> {
    let mut late_energy = Vec::new();
    let dir = temp_dir("parity-clap");
    let automation_file = dir.join("sweep.txt");
    std::fs::write(&automation_file, automation).unwrap();
    let fixtures = testkit::murmur_dir().join("tests/fixtures");
    for fixture in ["whisper-44k1.wav", "whisper-48k.wav"] {
        let input = fixtures.join(fixture);
        let (rate, voice) = read_fixture(&input);
        let output = dir.join(format!("{fixture}-cli.wav"));
        let tail = TAIL_S.to_string();
        let mut args = vec![
            "render",
            input.to_str().unwrap(),
            "-o",
            output.to_str().unwrap(),
            "--preset",
            PRESET,
            "--set",
            SET,
            "--automation",
            automation_file.to_str().unwrap(),
            "--tail",
            &tail,
            "--bits",
            "32f",
        ];
        if let Some(start) = start {
            args.extend(["--start", start]);
        }
        let run = murmur(&args);
        assert!(run.status.success(), "{}", text(&run.stderr));
        let cli: Vec<f32> = hound::WavReader::open(&output)
            .unwrap()
            .samples::<f32>()
            .map(Result::unwrap)
            .collect();

        let start_s = start.map(|s| murmur::automation::parse_time(s).unwrap());
        let (left, right) = render_in_host(rate, &voice, automation, start_s);
        assert_eq!(cli.len(), 2 * left.len(), "{fixture}: length");
        let mut worst = 0.0f32;
        let mut peak = 0.0f32;
        for (frame, (l, r)) in cli.chunks(2).zip(left.iter().zip(&right)) {
            worst = worst.max((frame[0] - l).abs()).max((frame[1] - r).abs());
            peak = peak.max(l.abs()).max(r.abs());
        }
        println!("{fixture}: max |CLI − plugin| = {worst:e}, peak {peak}");
        assert!(peak > 0.05, "{fixture}: the render is audible ({peak})");
        assert!(worst <= 1e-6, "{fixture}: max |diff| {worst}");

        // The automation is heard: the sweep starts on the left and has crossed by 1.5 s.
        let energy = |from_s: f64, to_s: f64| {
            let (a, b) = (
                (from_s * rate as f64) as usize,
                (to_s * rate as f64) as usize,
            );
            let e = |x: &[f32]| x.iter().map(|v| (*v as f64).powi(2)).sum::<f64>();
            (e(&left[a..b]), e(&right[a..b]))
        };
        let (l0, r0) = energy(0.0, 0.5);
        let (l1, r1) = energy(1.3, 1.9);
        assert!(l0 > 2.0 * r0 && r1 > 2.0 * l1, "{l0} {r0} / {l1} {r1}");
        let (l, r) = energy(4.2, left.len() as f64 / rate as f64);
        late_energy.push(l + r);
    }
    let _ = std::fs::remove_dir_all(dir);
    late_energy
}
