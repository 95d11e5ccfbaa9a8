//! Murmur.vst3 in a real DAW: Ardour 7 (Debian's `ardour`), headless through its Lua session
//! (`ardour7-lua`). The test installs nothing: without `ardour7-lua` it says it is skipped and
//! passes; `.ci/run` installs the package so CI runs it.
//!
//! The test build's plugin library goes into a `Murmur.vst3` bundle in a fresh folder, Ardour's
//! own scanner (`ardour-vst3-scanner`) indexes it into a cache there (Ardour's configuration and
//! cache folders are pointed there too, so nothing of the user's is read or written), and
//! `tests/hosts/ardour/render.lua` makes a 48 kHz session: one stereo track playing a 300 Hz
//! tone at −1 dBFS (`play_file.lua.in`, since Ardour's Lua cannot import a file without its
//! editor) into Murmur, Azimuth set through Ardour by the parameter's name, the master exported
//! with Ardour's stock WAV preset. The renders must be binaural (at 90° the right ear louder, at
//! −90° the left, by the same amount) and within the Calm Guard's −6 dBFS ceiling.
//!
//! Ardour 7.3 now and then aborts around an export (a double free in its export graph, seen
//! with no plugin in the session too), so a render is tried up to five times.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, SystemTime};

const LUA: &str = "ardour7-lua";
const ARDOUR_LIBS: &str = "/usr/lib/ardour7";
const SAMPLE_RATE: u32 = 48_000;
const SECONDS: f64 = 3.0;
const ATTEMPTS: usize = 5;
/// The Calm Guard's default ceiling, −6 dBFS, and two steps of 16 bits for the export's dither.
const CEILING: f32 = 0.501_187 + 2.0 / 32_768.0;

/// `ardour7-lua` on the `PATH`, if Ardour is installed.
fn ardour_lua() -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|dir| Path::new(dir).join(LUA))
        .find(|path| path.is_file())
}

/// A Murmur.vst3 bundle holding the test build's library, its file times in the past: Ardour
/// takes a scan's cache only if it is newer than the module, to the second.
fn bundle(folder: &Path) -> PathBuf {
    let bundle = folder.join("Murmur.vst3");
    let contents = bundle.join("Contents/x86_64-linux");
    std::fs::create_dir_all(&contents).unwrap();
    let module = contents.join("Murmur.so");
    std::fs::copy(testkit::plugin_files::built_plugin_library(), &module).unwrap();
    let earlier = SystemTime::now() - Duration::from_secs(10);
    std::fs::File::options()
        .write(true)
        .open(&module)
        .and_then(|f| f.set_modified(earlier))
        .unwrap();
    bundle
}

/// Three seconds of a 300 Hz tone at −1 dBFS, mono, as a 32-bit float WAV.
fn tone(path: &Path) {
    let spec = hound::WavSpec {
        channels: 1,
        sample_rate: SAMPLE_RATE,
        bits_per_sample: 32,
        sample_format: hound::SampleFormat::Float,
    };
    let mut writer = hound::WavWriter::create(path, spec).unwrap();
    let amplitude = 10f64.powf(-1.0 / 20.0);
    for n in 0..(SECONDS * f64::from(SAMPLE_RATE)) as usize {
        let phase = std::f64::consts::TAU * 300.0 * n as f64 / f64::from(SAMPLE_RATE);
        writer
            .write_sample((amplitude * phase.sin()) as f32)
            .unwrap();
    }
    writer.finalize().unwrap();
}

/// What every Ardour process of this test runs with: its configuration, cache and VST3 search
/// path in `work`.
fn ardour_command(program: &Path, work: &Path) -> Command {
    let mut command = Command::new(program);
    command
        .env("XDG_CONFIG_HOME", work.join("config"))
        .env("XDG_CACHE_HOME", work.join("cache"))
        .env("VST3_PATH", work.join("vst3"));
    command
}

/// The left and right channels of an export of `seconds`, with Murmur's `params` set.
fn render(lua: &Path, work: &Path, name: &str, params: &[&str]) -> (Vec<f32>, Vec<f32>) {
    let script = testkit::murmur_dir().join("tests/hosts/ardour/render.lua");
    let output = work.join("out").join(format!("{name}.wav"));
    let mut last = String::new();
    for attempt in 1..=ATTEMPTS {
        let session = work.join("sessions").join(format!("{name}-{attempt}"));
        let _ = std::fs::remove_file(&output);
        let run = ardour_command(lua, work)
            .arg("--")
            .arg(&script)
            .arg(&session)
            .arg(work.join("out"))
            .arg(name)
            .arg(SECONDS.to_string())
            .args(params)
            .output()
            .unwrap();
        if run.status.success() && output.is_file() {
            println!("{name}: rendered on attempt {attempt}");
            let mut reader = hound::WavReader::open(&output).unwrap();
            assert_eq!(reader.spec().sample_rate, SAMPLE_RATE);
            assert_eq!(reader.spec().channels, 2);
            let samples: Vec<f32> = reader
                .samples::<i16>()
                .map(|s| f32::from(s.unwrap()) / 32_768.0)
                .collect();
            let left = samples.iter().step_by(2).copied().collect();
            let right = samples.iter().skip(1).step_by(2).copied().collect();
            return (left, right);
        }
        last = format!(
            "{}\n{}",
            run.status,
            String::from_utf8_lossy(&run.stderr)
                .lines()
                .rev()
                .take(15)
                .collect::<Vec<_>>()
                .join("\n")
        );
        println!("{name}: attempt {attempt} failed: {}", run.status);
    }
    panic!("Ardour did not render {name} in {ATTEMPTS} attempts; the last: {last}");
}

fn rms_db(signal: &[f32]) -> f64 {
    let energy: f64 = signal.iter().map(|&x| f64::from(x).powi(2)).sum();
    10.0 * (energy / signal.len().max(1) as f64).log10()
}

fn peak(signal: &[f32]) -> f32 {
    signal.iter().fold(0.0f32, |p, &x| p.max(x.abs()))
}

#[test]
fn ardour_renders_murmur_vst3_binaurally_within_the_ceiling() {
    let Some(lua) = ardour_lua() else {
        println!("skipped: {LUA} is not installed (Debian's `ardour` package has it)");
        return;
    };
    let work = testkit::plugin_files::fresh_temp_dir("murmur-ardour");
    let bundle = bundle(&work.join("vst3"));
    tone(&work.join("tone.wav"));
    let scripts = work.join("config/ardour7/scripts");
    std::fs::create_dir_all(&scripts).unwrap();
    let player =
        std::fs::read_to_string(testkit::murmur_dir().join("tests/hosts/ardour/play_file.lua.in"))
            .unwrap()
            .replace("@WAVFILE@", &work.join("tone.wav").to_string_lossy());
    std::fs::write(scripts.join("murmur_test_player.lua"), player).unwrap();

    // Ardour's scanner indexes the bundle; its exit code does not say whether it could.
    let scan = ardour_command(&Path::new(ARDOUR_LIBS).join("ardour-vst3-scanner"), &work)
        .env("LD_LIBRARY_PATH", ARDOUR_LIBS)
        .arg("-v")
        .arg(&bundle)
        .output()
        .unwrap();
    let cache: Vec<PathBuf> = std::fs::read_dir(work.join("cache/ardour7/vst"))
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    let cached = cache
        .iter()
        .find(|p| p.extension().is_some_and(|e| e == "v3i"));
    let cached = cached.unwrap_or_else(|| {
        panic!(
            "the scanner cached nothing: {}",
            String::from_utf8_lossy(&scan.stderr)
        )
    });
    let listed = std::fs::read_to_string(cached).unwrap();
    assert!(listed.contains("name=\"Murmur\""), "{listed}");

    let (l_right, r_right) = render(&lua, &work, "azimuth-90", &["Azimuth=90"]);
    let (l_left, r_left) = render(&lua, &work, "azimuth-minus-90", &["Azimuth=-90"]);
    let to_the_right = rms_db(&r_right) - rms_db(&l_right);
    let to_the_left = rms_db(&l_left) - rms_db(&r_left);
    let loudest = [&l_right, &r_right, &l_left, &r_left].map(|c| peak(c));
    println!(
        "Azimuth 90°: right ear {to_the_right:+.2} dB; −90°: left ear {to_the_left:+.2} dB; \
         peaks {loudest:?}"
    );
    assert!(
        to_the_right > 1.5,
        "at 90° the right ear is only {to_the_right:.2} dB louder"
    );
    assert!(
        to_the_left > 1.5,
        "at −90° the left ear is only {to_the_left:.2} dB louder"
    );
    assert!(
        (to_the_right - to_the_left).abs() < 0.5,
        "the head is not symmetric"
    );
    assert!(rms_db(&r_right) > -20.0, "the render is nearly silent");
    for (channel, &p) in loudest.iter().enumerate() {
        assert!(
            p <= CEILING,
            "channel {channel} peaks at {p}, over the ceiling"
        );
    }
    let _ = std::fs::remove_dir_all(work);
}
