//! `murmur`: the command-line renderer. It runs the plugin's own `Engine`, so a file rendered
//! here is what the plugin renders in a DAW with the same settings.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::{Args, Parser, Subcommand};
use murmur::automation::Automation;
use murmur::binaural::hrtf_set::HrtfSet;
use murmur::engine::{HrtfModel, InputChannels, Settings};
use murmur::offline::OfflineRender;
use murmur::params::{MurmurParams, ParamIndex, ParamSheet};
use murmur::presets;

mod demo;
mod input;
mod progress;
mod wav;
use nice_plug::prelude::Params;

/// Host block size the renderer uses (the output does not depend on it).
const BLOCK: usize = 1024;

#[derive(Parser)]
#[command(
    name = "murmur",
    version,
    about = "Binaural ASMR renderer: the Murmur plugin's engine on files"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

/// What a render sounds like: a preset, parameter values on top, automation over time.
#[derive(Args)]
struct SoundArgs {
    /// Factory preset name (see `murmur presets`) or a preset file of `NAME=VALUE` lines.
    #[arg(long, value_name = "NAME|FILE")]
    preset: Option<String>,
    /// Sets a parameter by ID or name, in display units: `azim=90°`, `dist=0.3 m`,
    /// `motion=Orbit`. May be given many times; applied after the preset.
    #[arg(long = "set", value_name = "NAME=VALUE")]
    sets: Vec<String>,
    /// Automation file: `TIME NAME=VALUE` lines, ramped between points (see the README).
    #[arg(long, value_name = "FILE")]
    automation: Option<PathBuf>,
    /// Seed of every random choice (1–65535); the preset's when absent.
    #[arg(long)]
    seed: Option<u32>,
    /// A measured head for the voice: a SOFA file (AES69 SimpleFreeFieldHRIR). Sets HRTF to
    /// SOFA (a `--set HRTF=Sphere` after it still wins).
    #[arg(long, value_name = "FILE")]
    sofa: Option<PathBuf>,
}

#[derive(Subcommand)]
enum Command {
    /// Lists the factory presets, or prints one as a preset file.
    Presets {
        /// Prints this preset's every value as `ID=VALUE` lines (a preset file to edit).
        #[arg(long, value_name = "NAME")]
        show: Option<String>,
    },
    /// Lists every parameter with its ID, range, default and unit.
    Params,
    /// Processes whisper recordings (WAV or FLAC) with a preset.
    Render {
        /// Input files: WAV or FLAC, mono or stereo, 8–192 kHz.
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Output file (one input only).
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
        /// Output folder: each render is named after its input, `NAME-murmur.wav`.
        #[arg(long)]
        out_dir: Option<PathBuf>,
        #[command(flatten)]
        sound: SoundArgs,
        /// Seconds rendered after the input ends, for triggers and filters to ring out.
        #[arg(long, default_value_t = 2.0)]
        tail: f64,
        /// Sample format: 16, 24 or 32f.
        #[arg(long, default_value = "24")]
        bits: String,
        /// Replace existing output files (inputs are never replaced).
        #[arg(long)]
        overwrite: bool,
        /// Files rendered in parallel; the number of cores when absent.
        #[arg(long)]
        jobs: Option<usize>,
    },
    /// Renders a 30 s binaural demo (default `target/demo/murmur-demo.wav`).
    Demo {
        /// Output WAV file, or a folder to write `murmur-demo.wav` into.
        output: Option<PathBuf>,
    },
    /// Renders a trigger bed with no input.
    Generate {
        #[command(flatten)]
        sound: SoundArgs,
        /// Length: seconds, or with a unit: `90s`, `20m`, `1h`.
        #[arg(long)]
        duration: String,
        /// Sample rate, Hz.
        #[arg(long, default_value_t = 48_000)]
        rate: u32,
        /// Sample format: 16, 24 or 32f.
        #[arg(long, default_value = "24")]
        bits: String,
        /// Replace an existing output file.
        #[arg(long)]
        overwrite: bool,
        /// Output WAV file.
        output: PathBuf,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    wav::clean_up_when_stopped();
    let result = match cli.command {
        Command::Presets { show: None } => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`murmur presets | head`) just ends the listing.
            let _ = presets::factory()
                .iter()
                .try_for_each(|p| writeln!(out, "{:<26} {}", p.name, p.description));
            Ok(())
        }
        Command::Presets { show: Some(name) } => show_preset(&name),
        Command::Params => {
            let _ = print_params(&mut std::io::stdout().lock());
            Ok(())
        }
        Command::Render {
            inputs,
            output,
            out_dir,
            sound,
            tail,
            bits,
            overwrite,
            jobs,
        } => Setup::from_args(&sound).and_then(|setup| {
            render(
                &inputs,
                &RenderRequest {
                    output: output.as_deref(),
                    out_dir: out_dir.as_deref(),
                    setup: &setup,
                    tail_s: tail,
                    bits: &bits,
                    overwrite,
                    jobs,
                },
            )
        }),
        Command::Demo { output } => demo_to(&match output {
            None => PathBuf::from("target/demo/murmur-demo.wav"),
            // A folder (existing, or written with a trailing slash) gets the default name.
            Some(dir) if dir.is_dir() || dir.as_os_str().to_string_lossy().ends_with('/') => {
                dir.join("murmur-demo.wav")
            }
            Some(file) => file,
        }),
        Command::Generate {
            sound,
            duration,
            rate,
            bits,
            overwrite,
            output,
        } => {
            if sound.preset.is_none() && sound.sets.is_empty() {
                Err("say what to generate: --preset NAME (see `murmur presets`)".to_owned())
            } else {
                Setup::from_args(&sound)
                    .and_then(|setup| generate(&setup, &duration, rate, &bits, overwrite, &output))
            }
        }
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("murmur: {message}");
            ExitCode::FAILURE
        }
    }
}

/// What every render of one command starts from: the preset, the `--set` values on top of it,
/// and the automation. Everything is checked before the first file is touched.
struct Setup {
    preset: Settings,
    /// `--set` and `--seed` values (normalized), in the order given.
    assignments: Vec<(ParamIndex, f32)>,
    automation: Automation,
    /// The `--sofa` file, prepared once per sample rate the inputs have.
    sofa: Option<SofaFile>,
}

/// A SOFA file and its sets, prepared at each rate as inputs at that rate come up.
struct SofaFile {
    path: PathBuf,
    sets: std::sync::Mutex<Vec<(u32, Arc<HrtfSet>)>>,
}

impl SofaFile {
    /// Reads `path` once to check it (at 48 kHz) before any input is touched.
    fn open(path: &Path) -> Result<Self, String> {
        let set = HrtfSet::load(path, 48_000.0)
            .map_err(|e| format!("SOFA file {} {e}", path.display()))?;
        Ok(Self {
            path: path.to_owned(),
            sets: std::sync::Mutex::new(vec![(48_000, Arc::new(set))]),
        })
    }

    /// The set prepared at `rate` Hz (loading and resampling it the first time).
    fn at(&self, rate: u32) -> Result<Arc<HrtfSet>, String> {
        let mut sets = self.sets.lock().expect("no job panics");
        if let Some((_, set)) = sets.iter().find(|(r, _)| *r == rate) {
            return Ok(set.clone());
        }
        let set = Arc::new(
            HrtfSet::load(&self.path, rate as f32)
                .map_err(|e| format!("SOFA file {} {e}", self.path.display()))?,
        );
        sets.push((rate, set.clone()));
        Ok(set)
    }
}

impl Setup {
    fn from_args(args: &SoundArgs) -> Result<Self, String> {
        let reference = ParamSheet::new();
        let (preset, mut assignments) = load_preset(args.preset.as_deref(), &reference)?;
        let sofa = args.sofa.as_deref().map(SofaFile::open).transpose()?;
        if sofa.is_some() {
            let index = reference.find("hrtf").expect("the hrtf parameter");
            assignments.push((index, 1.0));
        }
        for text in &args.sets {
            assignments.push(
                reference
                    .parse_assignment(text)
                    .map_err(|why| format!("bad --set: {why}"))?,
            );
        }
        if let Some(seed) = args.seed {
            let (lo, hi) = murmur::settings::ranges::SEED;
            if !(lo..=hi).contains(&seed) {
                return Err(format!(
                    "bad --seed {seed} (a whole number from {lo} to {hi})"
                ));
            }
            let index = reference.find("seed").expect("the seed parameter");
            assignments.push((index, reference.plain_to_normalized(index, seed as f32)));
        }
        let automation = match &args.automation {
            None => Automation::none(),
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .map_err(|e| format!("cannot read automation {}: {e}", path.display()))?;
                Automation::parse(&text, &reference)
                    .map_err(|why| format!("automation {}: {why}", path.display()))?
            }
        };
        let setup = Self {
            preset,
            assignments,
            automation,
            sofa,
        };
        if setup.sofa.is_none() && setup.sheet().settings().hrtf == HrtfModel::Sofa {
            eprintln!(
                "murmur: HRTF is SOFA but no --sofa file was given: the sphere model renders"
            );
        }
        Ok(setup)
    }

    /// The parameters as the plugin holds them after loading the preset and the values.
    fn sheet(&self) -> ParamSheet {
        let mut sheet = ParamSheet::with_settings(&self.preset);
        for &(index, normalized) in &self.assignments {
            sheet.set_normalized(index, normalized);
        }
        sheet
    }

    /// A render at `rate` Hz (with the SOFA set, if one was given).
    fn renderer(&self, rate: u32) -> Result<OfflineRender, String> {
        let mut render = OfflineRender::new(rate, BLOCK, self.sheet(), self.automation.clone())
            .map_err(|e| e.to_string())?;
        if let Some(sofa) = &self.sofa {
            render.use_hrtf_set(sofa.at(rate)?);
        }
        Ok(render)
    }
}

/// A factory preset's settings, or the defaults and a preset file's values.
fn load_preset(
    name: Option<&str>,
    reference: &ParamSheet,
) -> Result<(Settings, Vec<(ParamIndex, f32)>), String> {
    let Some(name) = name else {
        return Ok((Settings::default(), Vec::new()));
    };
    if let Some(preset) = presets::find(name) {
        return Ok((preset.settings, Vec::new()));
    }
    let path = Path::new(name);
    if !path.is_file() {
        return Err(format!(
            "unknown preset `{name}`: not a factory preset (see `murmur presets`) nor a file"
        ));
    }
    let text = std::fs::read_to_string(path)
        .map_err(|e| format!("cannot read preset {}: {e}", path.display()))?;
    let mut assignments = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let assignment = reference
            .parse_assignment(line)
            .map_err(|why| format!("preset {} line {}: {why}", path.display(), n + 1))?;
        assignments.push(assignment);
    }
    Ok((Settings::default(), assignments))
}

/// Prints a factory preset as a preset file: every parameter as `ID=VALUE`.
fn show_preset(name: &str) -> Result<(), String> {
    let preset = presets::find(name)
        .ok_or_else(|| format!("unknown preset `{name}` (see `murmur presets`)"))?;
    let sheet = ParamSheet::with_settings(&preset.settings);
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "# {}: {}", preset.name, preset.description);
    for (i, entry) in sheet.params().iter().enumerate() {
        let value = sheet.display(ParamIndex(i));
        if writeln!(out, "{:<8} = {value}", entry.id).is_err() {
            break;
        }
    }
    Ok(())
}

fn print_params(out: &mut impl Write) -> std::io::Result<()> {
    let params = MurmurParams::default();
    writeln!(out, "{:<8} {:<22} {:<28} Default", "ID", "Name", "Range")?;
    for (id, ptr, _group) in params.param_map() {
        // SAFETY: the pointers point into `params`, alive for this whole function.
        let (name, unit, lo, hi, default) = unsafe {
            (
                ptr.name().to_string(),
                ptr.unit().to_string(),
                ptr.normalized_value_to_string(0.0, false),
                ptr.normalized_value_to_string(1.0, false),
                ptr.normalized_value_to_string(ptr.default_normalized_value(), false),
            )
        };
        let range = format!("{lo} … {hi}{unit}");
        writeln!(out, "{id:<8} {name:<22} {range:<28} {default}{unit}")?;
    }
    Ok(())
}

/// A bed's length: a time as automation files write it (`90s`, `20m`, `1h`, `1:30:00`), more
/// than zero.
fn parse_duration(text: &str) -> Result<f64, String> {
    match murmur::automation::parse_time(text) {
        Some(seconds) if seconds > 0.0 => Ok(seconds),
        _ => Err(format!(
            "bad duration `{}` (try 90s, 20m or 1h)",
            text.trim()
        )),
    }
}

fn generate(
    setup: &Setup,
    duration: &str,
    rate: u32,
    bits: &str,
    overwrite: bool,
    output: &Path,
) -> Result<(), String> {
    let seconds = parse_duration(duration)?;
    let spec = wav::spec(bits, rate)?;
    let started = std::time::Instant::now();
    let mut render = setup.renderer(rate)?;
    let total = (seconds * rate as f64).round() as u64;
    let progress = progress::Progress::new(1);
    let name = output.display().to_string();
    let bar = progress.start(&name, total);
    wav::write_atomically(output, overwrite, |path| {
        let mut writer = wav::StereoWriter::create(path, spec)?;
        let (mut left, mut right) = (vec![0.0f32; BLOCK], vec![0.0f32; BLOCK]);
        let mut done = 0;
        while done < total {
            let n = (BLOCK as u64).min(total - done) as usize;
            left[..n].fill(0.0);
            right[..n].fill(0.0);
            render.process(InputChannels::None, &mut left[..n], &mut right[..n]);
            writer.write(&left[..n], &right[..n])?;
            done += n as u64;
            bar.advance(n as u64);
        }
        writer.finish()
    })?;
    drop(bar);
    progress.finish();
    let took_s = started.elapsed().as_secs_f64();
    eprintln!(
        "{}: {} of audio in {took_s:.1} s ({:.0}× real time)",
        output.display(),
        clock(seconds),
        seconds / took_s.max(1e-9)
    );
    Ok(())
}

/// Renders the demo to `output` (replacing an older demo), creating its folder.
fn demo_to(output: &Path) -> Result<(), String> {
    if let Some(dir) = output.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    }
    let (left, right) = demo::render()?;
    let spec = wav::spec("24", demo::DEMO_RATE)?;
    wav::write_atomically(output, true, |path| {
        let mut writer = wav::StereoWriter::create(path, spec)?;
        writer.write(&left, &right)?;
        writer.finish()
    })?;
    println!("demo → {}", output.display());
    Ok(())
}

/// Where the render of `input` goes.
fn output_for(
    input: &Path,
    output: Option<&Path>,
    out_dir: Option<&Path>,
) -> Result<PathBuf, String> {
    let path = match (output, out_dir) {
        (Some(file), _) => file.to_path_buf(),
        (None, Some(dir)) => {
            let stem = input
                .file_stem()
                .ok_or_else(|| format!("{} has no file name", input.display()))?;
            dir.join(format!("{}-murmur.wav", stem.to_string_lossy()))
        }
        (None, None) => {
            return Err("say where the render goes: -o FILE or --out-dir DIR".to_owned());
        }
    };
    // Never write over an input, however the two paths are spelled.
    let same = match (input.canonicalize(), path.canonicalize()) {
        (Ok(a), Ok(b)) => a == b,
        _ => false,
    };
    if same {
        return Err(format!(
            "{} is the input itself; it is never overwritten",
            path.display()
        ));
    }
    Ok(path)
}

/// Renders one whisper recording: the voice through the engine, then `tail_s` seconds for the
/// triggers and filters to ring out. Returns the seconds of audio written.
fn render_file(
    input: &Path,
    output: &Path,
    request: &RenderRequest,
    progress: &progress::Progress,
) -> Result<f64, String> {
    let audio = input::read(input)?;
    let rate = audio.sample_rate;
    let spec = wav::spec(request.bits, rate)?;
    let channels = match audio.channels.len() {
        1 => InputChannels::Mono,
        _ => InputChannels::Stereo,
    };
    let length = audio.channels[0].len();
    let total = length + (request.tail_s * rate as f64).round() as usize;
    let mut render = request.setup.renderer(rate)?;
    // The engine's latency is compensated, as a host does: the render lines up with the input.
    let latency = render.engine().latency(channels);
    let bar = progress.start(&input.display().to_string(), total as u64);
    wav::write_atomically(output, request.overwrite, |path| {
        let mut writer = wav::StereoWriter::create(path, spec)?;
        let (mut left, mut right) = (vec![0.0f32; BLOCK], vec![0.0f32; BLOCK]);
        let mut done = 0;
        while done < total + latency {
            let n = BLOCK.min(total + latency - done);
            for (j, (l, r)) in left[..n].iter_mut().zip(&mut right[..n]).enumerate() {
                let at = done + j;
                let sample = |c: usize| audio.channels[c].get(at).copied().unwrap_or(0.0);
                *l = sample(0);
                *r = sample(audio.channels.len() - 1);
            }
            render.process(channels, &mut left[..n], &mut right[..n]);
            // The first `latency` samples are the silence before the input comes out.
            let skip = latency.saturating_sub(done).min(n);
            writer.write(&left[skip..n], &right[skip..n])?;
            done += n;
            bar.advance((n - skip) as u64);
        }
        writer.finish()
    })?;
    Ok(total as f64 / rate as f64)
}

/// What `murmur render` was asked for, besides the inputs.
struct RenderRequest<'a> {
    output: Option<&'a Path>,
    out_dir: Option<&'a Path>,
    setup: &'a Setup,
    tail_s: f64,
    bits: &'a str,
    overwrite: bool,
    /// Files rendered at once (one engine each); the machine's cores when absent.
    jobs: Option<usize>,
}

fn render(inputs: &[PathBuf], request: &RenderRequest) -> Result<(), String> {
    wav::spec(request.bits, 48_000)?;
    let tail_s = request.tail_s;
    if !(tail_s.is_finite() && tail_s >= 0.0) {
        return Err(format!("bad --tail `{tail_s}` (seconds, 0 or more)"));
    }
    if request.output.is_some() && inputs.len() > 1 {
        return Err("-o names one file; with several inputs use --out-dir".to_owned());
    }
    if let Some(dir) = request.out_dir
        && !dir.is_dir()
    {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create the output folder {}: {e}", dir.display()))?;
    }
    // Every output decided first: two inputs never race for one output file.
    let outputs: Vec<Result<PathBuf, String>> = inputs
        .iter()
        .map(|input| output_for(input, request.output, request.out_dir))
        .collect();
    for (i, out) in outputs.iter().enumerate() {
        if let Ok(out) = out
            && outputs[..i].iter().any(|o| o.as_ref() == Ok(out))
        {
            return Err(format!(
                "two inputs would both be written to {}",
                out.display()
            ));
        }
    }
    let jobs = request
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, |n| n.get()))
        .clamp(1, inputs.len().max(1));
    let started = std::time::Instant::now();
    let progress = progress::Progress::new(inputs.len());
    let next = AtomicUsize::new(0);
    let failures = std::sync::Mutex::new(Vec::new());
    let audio_s = std::sync::Mutex::new(0.0f64);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(input) = inputs.get(i) else { break };
                    let result = outputs[i].clone().and_then(|out| {
                        render_file(input, &out, request, &progress).map(|s| (out, s))
                    });
                    match result {
                        Ok((out, seconds)) => {
                            *audio_s.lock().expect("no job panics") += seconds;
                            progress.done(&format!("{} → {}", input.display(), out.display()));
                        }
                        Err(reason) => {
                            progress.failed(&format!("murmur: {}: {reason}", input.display()));
                            failures.lock().expect("no job panics").push(i);
                        }
                    }
                }
            });
        }
    });
    progress.finish();
    let failed = failures.into_inner().expect("no job panics").len();
    let audio_s = audio_s.into_inner().expect("no job panics");
    let took_s = started.elapsed().as_secs_f64();
    eprintln!(
        "{} of {} files rendered ({} of audio in {:.1} s, {:.0}× real time){}",
        inputs.len() - failed,
        inputs.len(),
        clock(audio_s),
        took_s,
        audio_s / took_s.max(1e-9),
        if failed > 0 {
            format!("; {failed} failed")
        } else {
            String::new()
        }
    );
    match failed {
        0 => Ok(()),
        n => Err(format!("{n} of {} files failed", inputs.len())),
    }
}

/// Seconds as `m:ss` (or `h:mm:ss`).
fn clock(seconds: f64) -> String {
    let s = seconds.round() as u64;
    match s / 3600 {
        0 => format!("{}:{:02}", s / 60, s % 60),
        h => format!("{h}:{:02}:{:02}", s / 60 % 60, s % 60),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("90s"), Ok(90.0));
        assert_eq!(parse_duration("20m"), Ok(1200.0));
        assert_eq!(parse_duration("1.5h"), Ok(5400.0));
        assert_eq!(parse_duration("12"), Ok(12.0));
        assert_eq!(parse_duration("1:30:00"), Ok(5400.0));
        assert!(parse_duration("-3m").is_err());
        assert!(parse_duration("0s").is_err());
        assert!(parse_duration("soon").is_err());
    }
}
