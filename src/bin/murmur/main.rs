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
use murmur::engine::{HrtfModel, Settings};
use murmur::offline::OfflineRender;
use murmur::params::{MurmurParams, ParamIndex, ParamSheet};
use murmur::presets;

mod check;
mod demo;
mod flac_out;
mod input;
mod output;
mod pipeline;
mod progress;
mod reader;
mod riff;
mod sources;
mod startle;
use nice_plug::prelude::Params;
use output::{Encoding, Format, Plan};
use pipeline::{BLOCK, Finishing};

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

impl SoundArgs {
    /// The files these options read (a preset file, the automation, the SOFA set).
    fn read_files(&self) -> Vec<PathBuf> {
        let preset = self
            .preset
            .as_deref()
            .map(PathBuf::from)
            .filter(|p| p.is_file());
        preset
            .into_iter()
            .chain(self.automation.clone())
            .chain(self.sofa.clone())
            .collect()
    }
}

/// Refuses `output` if it is one of the files the run reads.
fn not_read_by_the_run(output: &Path, read_files: &[PathBuf]) -> Result<(), String> {
    match read_files.iter().find(|f| output::same_file(f, output)) {
        Some(file) => Err(format!(
            "{} is read by this run ({}); it is never overwritten",
            output.display(),
            file.display()
        )),
        None => Ok(()),
    }
}

/// Whether two output names would be one file: the same file, or on the file systems macOS
/// and Windows use by default, names that differ only in case.
fn one_file(a: &Path, b: &Path) -> bool {
    a == b
        || output::same_file(a, b)
        || (cfg!(any(windows, target_os = "macos"))
            && a.to_string_lossy().to_lowercase() == b.to_string_lossy().to_lowercase())
}

/// How the output file is stored.
#[derive(Args)]
struct FileArgs {
    /// Sample format: 16, 24 or 32f.
    #[arg(long, default_value = "24")]
    bits: String,
    /// Container: wav, rf64 or flac. By default the output's extension decides (.wav, .flac);
    /// a WAV that would pass 4 GiB is written as RF64.
    #[arg(long, value_name = "FORMAT")]
    format: Option<String>,
    /// Replace existing output files (inputs are never replaced).
    #[arg(long)]
    overwrite: bool,
}

/// Loudness and fades: what is done to the render on its way to the file.
#[derive(Args)]
struct FinishArgs {
    /// Integrated loudness to land on (ITU-R BS.1770-4): LUFS such as -16, or youtube,
    /// spotify (-14), apple, podcast (-16), broadcast (-23).
    #[arg(long, value_name = "LUFS|NAME", allow_hyphen_values = true)]
    loudness: Option<String>,
    /// The highest true peak a loudness target may lift the render to, dBTP.
    #[arg(long, value_name = "dBTP", default_value_t = -1.0, allow_hyphen_values = true)]
    true_peak: f64,
    /// Equal-power fade at the start: seconds or a time (`3s`, `1m`; `0` for none).
    #[arg(long, value_name = "TIME")]
    fade_in: Option<String>,
    /// Equal-power fade at the end: seconds or a time (`10s`, `2m`; `0` for none).
    #[arg(long, value_name = "TIME")]
    fade_out: Option<String>,
}

impl FinishArgs {
    /// The finishing asked for, with `default_fades_s` (in, out) where no fade is given.
    fn finishing(&self, default_fades_s: (f64, f64)) -> Result<Finishing, String> {
        let fade = |text: &Option<String>, option: &str, default: f64| match text {
            Some(t) => pipeline::parse_fade(t, option),
            None => Ok(default),
        };
        if self.loudness.is_none() && self.true_peak != -1.0 {
            return Err("--true-peak limits a --loudness target: give one".to_owned());
        }
        Ok(Finishing {
            fade_in_s: fade(&self.fade_in, "--fade-in", default_fades_s.0)?,
            fade_out_s: fade(&self.fade_out, "--fade-out", default_fades_s.1)?,
            target: self
                .loudness
                .as_deref()
                .map(|t| pipeline::parse_target(t, self.true_peak))
                .transpose()?,
            ceiling_dbfs: None,
        })
    }
}

/// Fades `generate` gives a bed unless told otherwise, seconds: a bed never starts or stops
/// abruptly.
const GENERATE_FADES_S: (f64, f64) = (2.0, 10.0);

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
        /// Output folder: each render is named after its input, `NAME-murmur.wav` (or .flac).
        #[arg(long)]
        out_dir: Option<PathBuf>,
        #[command(flatten)]
        sound: SoundArgs,
        /// Seconds rendered after the input ends, for triggers and filters to ring out.
        #[arg(long, default_value_t = 2.0)]
        tail: f64,
        #[command(flatten)]
        file: FileArgs,
        #[command(flatten)]
        finish: FinishArgs,
        /// Files rendered in parallel; the number of cores when absent.
        #[arg(long)]
        jobs: Option<usize>,
    },
    /// Renders a 30 s binaural demo (default `target/demo/murmur-demo.wav`).
    Demo {
        /// Output file (.wav or .flac), or a folder to write `murmur-demo.wav` into.
        output: Option<PathBuf>,
        /// Replace an existing demo.
        #[arg(long)]
        overwrite: bool,
    },
    /// Renders a trigger bed with no input (faded in over 2 s and out over 10 s unless told).
    Generate {
        #[command(flatten)]
        sound: SoundArgs,
        /// Length: seconds, or with a unit: `90s`, `20m`, `1h`.
        #[arg(long)]
        duration: String,
        /// Sample rate, Hz.
        #[arg(long, default_value_t = 48_000)]
        rate: u32,
        #[command(flatten)]
        file: FileArgs,
        #[command(flatten)]
        finish: FinishArgs,
        /// Output file: .wav (RF64 past 4 GiB) or .flac.
        output: PathBuf,
    },
    /// Checks finished files (WAV, RF64, FLAC; anyone's) for what wakes a listener: loudness
    /// jumps, hard stops, clipping, DC offset, broken samples.
    Check {
        /// Files to check.
        #[arg(required = true)]
        files: Vec<PathBuf>,
        /// A momentary loudness this many LU above the median short-term loudness of the 10 s
        /// before it is a startle.
        #[arg(long, value_name = "LU", default_value_t = startle::DEFAULT_JUMP_LU)]
        jump: f64,
        /// One JSON document on stdout instead of text.
        #[arg(long)]
        json: bool,
        /// Exit non-zero when anything is found.
        #[arg(long)]
        strict: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    output::clean_up_when_stopped();
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
            file,
            finish,
            jobs,
        } => Setup::from_args(&sound).and_then(|setup| {
            let finishing = finish.finishing((0.0, 0.0))?;
            render(
                &inputs,
                &RenderRequest {
                    output: output.as_deref(),
                    out_dir: out_dir.as_deref(),
                    setup: &setup,
                    tail_s: tail,
                    file: FileChoice::from_args(&file)?,
                    finishing: setup.with_ceiling(finishing),
                    jobs,
                    read_files: sound.read_files(),
                },
            )
        }),
        Command::Demo { output, overwrite } => demo_to(
            &match output {
                None => PathBuf::from("target/demo/murmur-demo.wav"),
                // A folder (existing, or written with a trailing slash) gets the default name.
                Some(dir)
                    if dir.is_dir() || dir.as_os_str().to_string_lossy().ends_with(['/', '\\']) =>
                {
                    dir.join("murmur-demo.wav")
                }
                Some(file) => file,
            },
            overwrite,
        ),
        Command::Generate {
            sound,
            duration,
            rate,
            file,
            finish,
            output,
        } => {
            if sound.preset.is_none() && sound.sets.is_empty() {
                Err("say what to generate: --preset NAME (see `murmur presets`)".to_owned())
            } else {
                Setup::from_args(&sound).and_then(|setup| {
                    not_read_by_the_run(&output, &sound.read_files())?;
                    let finishing = setup.with_ceiling(finish.finishing(GENERATE_FADES_S)?);
                    let file = FileChoice::from_args(&file)?;
                    generate(&setup, &duration, rate, &file, &finishing, &output)
                })
            }
        }
        Command::Check {
            files,
            jump,
            json,
            strict,
        } => check::run(&files, jump, json, strict),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("murmur: {message}");
            ExitCode::FAILURE
        }
    }
}

/// `--bits`, `--format` and `--overwrite`, checked.
struct FileChoice {
    encoding: Encoding,
    /// The container asked for with `--format`.
    format: Option<Format>,
    overwrite: bool,
}

impl FileChoice {
    fn from_args(args: &FileArgs) -> Result<Self, String> {
        Ok(Self {
            encoding: Encoding::parse(&args.bits)?,
            format: args.format.as_deref().map(Format::parse).transpose()?,
            overwrite: args.overwrite,
        })
    }

    /// The container of `path`.
    fn format_of(&self, path: &Path) -> Result<Format, String> {
        output::format_for(path, self.format)
    }

    /// The whole plan for `frames` frames at `rate` into `path`, room on its disk checked.
    fn plan(&self, path: &Path, rate: u32, frames: u64) -> Result<Plan, String> {
        let format = self.format_of(path)?;
        let mut notices = Vec::new();
        let plan = Plan::new(
            path,
            format,
            self.encoding,
            rate,
            frames,
            self.format == Some(Format::Wav),
            &mut |notice| notices.push(notice),
        )?;
        plan.check_room()?;
        // Said only once the render is sure to go ahead.
        for notice in notices {
            eprintln!("murmur: {notice}");
        }
        Ok(plan)
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

    /// `finishing` with the Calm Guard's ceiling when the settings have it on.
    fn with_ceiling(&self, finishing: Finishing) -> Finishing {
        let settings = self.sheet().settings();
        Finishing {
            ceiling_dbfs: settings
                .calm_guard
                .then_some(f64::from(settings.ceiling_db)),
            ..finishing
        }
    }

    /// Whether a bed with these settings makes any sound: a layer on with events of its own
    /// (density above 0; at 0 a layer plays only MIDI, which `generate` has none of), or
    /// automation that may switch one on.
    fn has_a_playing_layer(&self) -> bool {
        let settings = self.sheet().settings();
        !self.automation.is_empty()
            || settings
                .layers
                .iter()
                .any(|layer| layer.on && layer.density_per_s > 0.0)
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
    file: &FileChoice,
    finishing: &Finishing,
    output: &Path,
) -> Result<(), String> {
    let seconds = parse_duration(duration)?;
    if !setup.has_a_playing_layer() {
        let with_layers: Vec<&str> = presets::factory()
            .iter()
            .filter(|p| {
                p.settings
                    .layers
                    .iter()
                    .any(|l| l.on && l.density_per_s > 0.0)
            })
            .map(|p| p.name)
            .collect();
        return Err(format!(
            "no trigger layer is on, so the bed would be silent; switch one on (--set t1on=on) \
             or use a preset with layers: {}",
            with_layers.join(", ")
        ));
    }
    // An unusable rate is refused here, before any file is touched.
    setup.renderer(rate)?;
    output::check_destination(output)?;
    let frames = (seconds * f64::from(rate)).round() as u64;
    let plan = file.plan(output, rate, frames)?;
    // Checked before any audio is made (the writer checks again when it starts).
    if output.exists() && !file.overwrite {
        return Err(format!(
            "{} exists (add --overwrite to replace it)",
            output.display()
        ));
    }
    let started = std::time::Instant::now();
    let progress = progress::Progress::new(1);
    let passes = if finishing.target.is_some() { 2 } else { 1 };
    let bar = progress.start(&output.display().to_string(), passes * frames);
    let report = output::write_atomically(output, file.overwrite, |path| {
        pipeline::render_into(
            path,
            &plan,
            finishing,
            &mut || Ok(Box::new(sources::Bed::new(setup.renderer(rate)?))),
            &bar,
        )
    })?;
    drop(bar);
    progress.finish();
    let took_s = started.elapsed().as_secs_f64();
    println!("{}: {}", output.display(), report.summary());
    if let Some(why) = &report.short_of_target {
        eprintln!("murmur: {}: {why}", output.display());
    }
    eprintln!(
        "{}: {} of audio in {took_s:.1} s ({:.0}× real time)",
        output.display(),
        clock(seconds),
        seconds / took_s.max(1e-9)
    );
    Ok(())
}

/// Renders the demo to `output` (replacing an older demo only with `overwrite`), creating its
/// folder.
fn demo_to(output: &Path, overwrite: bool) -> Result<(), String> {
    let file = FileChoice {
        encoding: Encoding::Int24,
        format: None,
        overwrite,
    };
    let frames = (demo::DEMO_S * f64::from(demo::DEMO_RATE)) as u64;
    // Everything that can refuse the demo is asked before its folder is made.
    let format = file.format_of(output)?;
    if output.is_dir() {
        output::check_destination(output)?;
    }
    if output.exists() && !overwrite {
        return Err(format!(
            "{} exists (add --overwrite to replace it)",
            output.display()
        ));
    }
    let folder = output::folder_of(output);
    let made = if folder.is_dir() {
        None
    } else {
        std::fs::create_dir_all(&folder)
            .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
        Some(folder)
    };
    let result = (|| {
        let plan = Plan::new(
            output,
            format,
            file.encoding,
            demo::DEMO_RATE,
            frames,
            false,
            &mut |_| (),
        )?;
        let (left, right) = demo::render()?;
        let finishing = Finishing {
            fade_in_s: 0.0,
            fade_out_s: 0.0,
            target: None,
            ceiling_dbfs: None,
        };
        let progress = progress::Progress::new(1);
        let bar = progress.start("demo", frames);
        output::write_atomically(output, overwrite, |path| {
            pipeline::render_into(
                path,
                &plan,
                &finishing,
                &mut || Ok(Box::new(sources::Samples::new(&left, &right))),
                &bar,
            )
        })
    })();
    match result {
        Ok(report) => {
            println!("demo → {}", output.display());
            println!("{}: {}", output.display(), report.summary());
            Ok(())
        }
        Err(why) => {
            if let Some(folder) = made {
                remove_empty_folders(&folder);
            }
            Err(why)
        }
    }
}

/// Removes `folder` and the parents this run made, as long as they are empty.
fn remove_empty_folders(folder: &Path) {
    let mut at = Some(folder);
    while let Some(dir) = at {
        if dir.as_os_str().is_empty() || std::fs::remove_dir(dir).is_err() {
            break;
        }
        at = dir.parent();
    }
}

/// Where the render of `input` goes.
fn output_for(
    input: &Path,
    output: Option<&Path>,
    out_dir: Option<&Path>,
    format: Option<Format>,
) -> Result<PathBuf, String> {
    match (output, out_dir) {
        (Some(file), _) => Ok(file.to_path_buf()),
        (None, Some(dir)) => {
            let stem = input
                .file_stem()
                .ok_or_else(|| format!("{} has no file name", input.display()))?;
            let extension = format.unwrap_or(Format::Wav).extension();
            Ok(dir.join(format!("{}-murmur.{extension}", stem.to_string_lossy())))
        }
        (None, None) => Err("say where the render goes: -o FILE or --out-dir DIR".to_owned()),
    }
}

/// Renders one whisper recording: the voice through the engine, then `tail_s` seconds for the
/// triggers and filters to ring out. Returns the seconds of audio written.
fn render_file(
    input: &Path,
    output: &Path,
    request: &RenderRequest,
    progress: &progress::Progress,
) -> Result<(f64, pipeline::Report), String> {
    let audio = input::read(input).map_err(|why| format!("{}: {why}", input.display()))?;
    let rate = audio.sample_rate;
    let length = audio.channels[0].len();
    let total = length + (request.tail_s * f64::from(rate)).round() as usize;
    let plan = request.file.plan(output, rate, total as u64)?;
    request
        .setup
        .renderer(rate)
        .map_err(|why| format!("{}: {why}", input.display()))?;
    let passes = if request.finishing.target.is_some() {
        2
    } else {
        1
    };
    let bar = progress.start(&input.display().to_string(), passes * total as u64);
    let report = output::write_atomically(output, request.file.overwrite, |path| {
        pipeline::render_into(
            path,
            &plan,
            &request.finishing,
            &mut || {
                Ok(Box::new(sources::Voice::new(
                    &audio,
                    request.setup.renderer(rate)?,
                )))
            },
            &bar,
        )
    })?;
    Ok((total as f64 / f64::from(rate), report))
}

/// What `murmur render` was asked for, besides the inputs.
struct RenderRequest<'a> {
    output: Option<&'a Path>,
    out_dir: Option<&'a Path>,
    setup: &'a Setup,
    tail_s: f64,
    file: FileChoice,
    finishing: Finishing,
    /// Files rendered at once (one engine each); the machine's cores when absent.
    jobs: Option<usize>,
    /// The preset, automation and SOFA files the run reads: never outputs either.
    read_files: Vec<PathBuf>,
}

/// Every output of a `render` run, decided and checked against every input before any work.
fn outputs_for(inputs: &[PathBuf], request: &RenderRequest) -> Result<Vec<PathBuf>, String> {
    if request.output.is_some() && request.out_dir.is_some() {
        return Err("-o and --out-dir both say where the render goes: give one".to_owned());
    }
    if request.output.is_some() && inputs.len() > 1 {
        return Err("-o names one file; with several inputs use --out-dir".to_owned());
    }
    if let Some(dir) = request.out_dir
        && dir.exists()
        && !dir.is_dir()
    {
        return Err(format!(
            "--out-dir {} is a file, not a folder",
            dir.display()
        ));
    }
    let outputs = inputs
        .iter()
        .map(|input| output_for(input, request.output, request.out_dir, request.file.format))
        .collect::<Result<Vec<_>, _>>()?;
    for (i, out) in outputs.iter().enumerate() {
        if request.output.is_some() {
            output::check_destination(out)?;
        }
        request.file.format_of(out)?;
        // No output may be an input of this run, whatever the order of the files.
        if let Some(input) = inputs.iter().find(|input| output::same_file(input, out)) {
            let also = if input == out {
                String::new()
            } else {
                format!(" (the same file as {})", input.display())
            };
            return Err(format!(
                "{} is an input of this run{also}; inputs are never overwritten",
                out.display(),
            ));
        }
        not_read_by_the_run(out, &request.read_files)?;
        if outputs[..i].iter().any(|o| one_file(o, out)) {
            return Err(format!(
                "two inputs would both be written to {}",
                out.display()
            ));
        }
    }
    Ok(outputs)
}

fn render(inputs: &[PathBuf], request: &RenderRequest) -> Result<(), String> {
    let tail_s = request.tail_s;
    if !(tail_s.is_finite() && tail_s >= 0.0) {
        return Err(format!("bad --tail `{tail_s}` (seconds, 0 or more)"));
    }
    let outputs = outputs_for(inputs, request)?;
    // The output folder is made only now that the run is known to be sound, and removed again
    // if nothing was written into it.
    let made_folder = match request.out_dir {
        Some(dir) if !dir.is_dir() => {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("cannot create the output folder {}: {e}", dir.display()))?;
            Some(dir)
        }
        _ => None,
    };
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
                    let out = &outputs[i];
                    match render_file(input, out, request, &progress) {
                        Ok((seconds, report)) => {
                            *audio_s.lock().expect("no job panics") += seconds;
                            progress.done(&format!("{} → {}", input.display(), out.display()));
                            progress.done_detail(&format!(
                                "{}: {}",
                                out.display(),
                                report.summary()
                            ));
                            if let Some(why) = &report.short_of_target {
                                progress.failed(&format!("murmur: {}: {why}", out.display()));
                            }
                        }
                        Err(reason) => {
                            progress.failed(&format!("murmur: {reason}"));
                            failures.lock().expect("no job panics").push(i);
                        }
                    }
                }
            });
        }
    });
    progress.finish();
    if let Some(dir) = made_folder {
        remove_empty_folders(dir);
    }
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
