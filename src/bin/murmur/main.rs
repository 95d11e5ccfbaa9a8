//! `murmur`: the command-line renderer. It runs the plugin's own `Engine`, so a file rendered
//! here is what the plugin renders in a DAW with the same settings.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use murmur::params::{MurmurParams, ParamIndex, ParamSheet};
use murmur::presets;

mod bed;
mod check;
mod demo;
mod flac_out;
mod input;
mod output;
mod pipeline;
mod progress;
mod reader;
mod render;
mod riff;
mod session;
mod setup;
mod sources;
mod startle;
use bed::{demo_to, generate};
use nice_plug::prelude::Params;
use output::{Encoding, Format, Plan};
use pipeline::Finishing;
use render::{RenderRequest, not_read_by_the_run, render};
use setup::Setup;

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
    /// Automation file: `TIME NAME=VALUE` lines, ramped between points (`--help` shows how)
    ///
    /// One point per line, `#` starting a comment:
    ///
    ///     0         azim=-90°
    ///     0:30      azim=90°          # ramps from -90° to 90° over the first 30 s
    ///     45s       motion=Orbit      # choices and switches jump at their point
    ///     2:00.5    t1dens=4
    ///
    /// TIME is seconds (`12.5`, `12.5s`, `250ms`, `2m`) or a clock (`1:30`, `1:02:03.5`);
    /// NAME=VALUE is as for --set. Continuous parameters ramp linearly, in display units, from
    /// each point to the next of the same parameter; switches and choices jump. Before its first
    /// point a parameter holds that point's value, after its last point the last one, as in a
    /// DAW's lane; a parameter's points must be in time order.
    #[arg(long, value_name = "FILE", verbatim_doc_comment)]
    automation: Option<PathBuf>,
    /// Seed of every random choice (1–65535); the preset's when absent.
    #[arg(long)]
    seed: Option<u32>,
    /// Where in the song the render starts: a time (`1:23`, `83s`, `1:02:03`). The motion,
    /// Animate, the synced trigger grid and the automation's times are where a host playing
    /// from there at 120 BPM has them, so takes rendered one after another continue one motion.
    /// Without it every render starts its motion afresh, as with a host's transport stopped.
    #[arg(long, value_name = "TIME")]
    start: Option<String>,
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
            Some(t) => pipeline::parse_time_option(t, option),
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
    /// Lists the factory presets and those saved from the plugin's editor, or prints one as a
    /// preset file.
    Presets {
        /// Prints this preset's every value as `ID=VALUE` lines (a preset file to edit).
        #[arg(long, value_name = "NAME", conflicts_with = "vst3")]
        show: Option<String>,
        /// Writes every preset (the factory's and yours) as VST3 preset files for both plugins,
        /// in DIR/Murmur/Murmur and DIR/Murmur/Murmur Triggers, where VST3 hosts' preset
        /// browsers find them when DIR is the VST3 preset folder (`~/.vst3/presets` on Linux,
        /// `Documents/VST3 Presets` on Windows, `~/Library/Audio/Presets` on macOS). Files of
        /// the same name are replaced.
        #[arg(long, value_name = "DIR")]
        vst3: Option<PathBuf>,
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
        /// Time rendered after the input ends, for triggers and filters to ring out: seconds
        /// or a time (`2s`, `500ms`, `1m`; `0` for none).
        #[arg(long, value_name = "TIME", default_value = "2s", value_parser = parse_tail)]
        tail: f64,
        #[command(flatten)]
        file: FileArgs,
        #[command(flatten)]
        finish: FinishArgs,
        /// Files rendered in parallel (at least 1); the number of cores when absent.
        #[arg(long, value_parser = clap::builder::RangedU64ValueParser::<usize>::new().range(1..))]
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
        #[arg(long, required_unless_present = "session")]
        duration: Option<String>,
        /// A session file: scenes (presets) on a timeline, crossfaded, with a wind-down at the
        /// end (see the README). Its `end` line gives the length.
        #[arg(
            long,
            value_name = "FILE",
            conflicts_with_all = ["preset", "sets", "automation", "seed", "start", "sofa", "duration"]
        )]
        session: Option<PathBuf>,
        /// Sample rate, Hz.
        #[arg(long, default_value_t = 48_000)]
        rate: u32,
        #[command(flatten)]
        file: FileArgs,
        #[command(flatten)]
        finish: FinishArgs,
        /// Output file: .wav (RF64 past 4 GiB) or .flac.
        #[arg(required_unless_present = "output_file", value_name = "OUTPUT")]
        output: Option<PathBuf>,
        /// The output file, as `render` takes it (instead of the last argument).
        #[arg(
            short = 'o',
            long = "output",
            value_name = "FILE",
            conflicts_with = "output"
        )]
        output_file: Option<PathBuf>,
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
        Command::Presets {
            vst3: Some(dir), ..
        } => write_vst3_presets(&dir),
        Command::Presets { show: None, .. } => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`murmur presets | head`) just ends the listing.
            let _ = presets::factory()
                .iter()
                .try_for_each(|p| writeln!(out, "{:<26} {}", p.name, p.description));
            // The presets saved from the plugin's editor, by name.
            if let Some(folder) = murmur::user_presets::folder() {
                let saved = murmur::user_presets::list_in(&folder);
                if !saved.is_empty() {
                    let _ = writeln!(out, "\nYour presets ({}):", folder.display());
                    let _ = saved.iter().try_for_each(|p| writeln!(out, "{}", p.name));
                }
            }
            Ok(())
        }
        Command::Presets {
            show: Some(name), ..
        } => show_preset(&name),
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
            session: Some(session),
            rate,
            file,
            finish,
            output,
            output_file,
            ..
        } => session::Session::read(&session).and_then(|plan| {
            let output = generate_output(output, output_file);
            let mut read_files = vec![session.clone()];
            read_files.extend(plan.files.iter().cloned());
            not_read_by_the_run(&output, &read_files)?;
            let finishing = Finishing {
                ceiling_dbfs: plan.ceiling_dbfs(),
                ..finish.finishing(GENERATE_FADES_S)?
            };
            let file = FileChoice::from_args(&file)?;
            bed::generate_session(&plan, rate, &file, &finishing, &output)
        }),
        Command::Generate {
            sound,
            duration: Some(duration),
            session: None,
            rate,
            file,
            finish,
            output,
            output_file,
        } => {
            let output = generate_output(output, output_file);
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
        Command::Generate { .. } => unreachable!("clap asks for --duration or --session"),
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

/// Writes every preset, factory and the user's, as `.vstpreset` files for both plugins.
fn write_vst3_presets(dir: &Path) -> Result<(), String> {
    use nice_plug::prelude::Vst3Plugin;
    let mut presets: Vec<(String, ParamSheet)> = presets::factory()
        .into_iter()
        .map(|p| (p.name.to_owned(), ParamSheet::with_settings(&p.settings)))
        .collect();
    if let Some(folder) = murmur::user_presets::folder() {
        for saved in murmur::user_presets::list_in(&folder) {
            match murmur::user_presets::load_sheet(&saved.path) {
                Ok(sheet) => presets.push((saved.name, sheet)),
                Err(why) => eprintln!("murmur: left out: {why}"),
            }
        }
    }
    let plugins = [
        ("Murmur", murmur::Murmur::VST3_CLASS_ID),
        ("Murmur Triggers", murmur::MurmurTriggers::VST3_CLASS_ID),
    ];
    for (plugin, class_id) in plugins {
        let folder = dir.join("Murmur").join(plugin);
        std::fs::create_dir_all(&folder)
            .map_err(|e| format!("cannot create {}: {e}", folder.display()))?;
        for (name, sheet) in &presets {
            let state = serde_json::to_vec(&murmur::params::preset_state(sheet))
                .map_err(|e| format!("preset {name}: {e}"))?;
            let bytes = murmur::vst3_preset::file(&class_id, &state, plugin, name);
            let file_name = murmur::user_presets::file_name(name);
            let stem = file_name.strip_suffix(".txt").unwrap_or(&file_name);
            let path = folder.join(format!("{stem}.vstpreset"));
            output::write_atomically(&path, true, |temporary| {
                std::fs::write(temporary, &bytes).map_err(|e| e.to_string())
            })?;
        }
    }
    println!(
        "{} presets for Murmur and Murmur Triggers in {}",
        presets.len(),
        dir.join("Murmur").display()
    );
    Ok(())
}

/// Prints a preset as a preset file: a factory preset's every parameter as `ID=VALUE`, or a
/// saved preset's file as it is.
fn show_preset(name: &str) -> Result<(), String> {
    let saved = murmur::user_presets::folder()
        .and_then(|folder| murmur::user_presets::find_in(&folder, name));
    if let (None, Some(saved)) = (presets::find(name), saved) {
        let text = setup::read_text_file(&saved.path, "preset")?;
        print!("{text}");
        return Ok(());
    }
    let preset = presets::find(name).ok_or_else(|| {
        setup::did_you_mean_preset(name)
            .unwrap_or_else(|| format!("unknown preset `{name}` (see `murmur presets`)"))
    })?;
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

/// Every parameter: ID, name, range and default; a choice's values listed in full on the line
/// after it.
fn print_params(out: &mut impl Write) -> std::io::Result<()> {
    let params = MurmurParams::default();
    let sheet = ParamSheet::new();
    writeln!(out, "{:<8} {:<22} {:<28} Default", "ID", "Name", "Range")?;
    for (i, (id, ptr, _group)) in params.param_map().into_iter().enumerate() {
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
        let index = ParamIndex(i);
        debug_assert_eq!(
            sheet.entry(index).id,
            id,
            "the sheet lists the parameters in order"
        );
        let choices = sheet.choices(index);
        let range = if choices.len() > 2 {
            format!("one of {} (below)", choices.len())
        } else {
            format!("{lo} … {hi}{unit}")
        };
        writeln!(out, "{id:<8} {name:<22} {range:<28} {default}{unit}")?;
        if choices.len() > 2 {
            writeln!(out, "{:<8} {}", "", choices.join(", "))?;
        }
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

/// What `render` plays after its input ends: a time, 0 or more, as a fade's.
fn parse_tail(text: &str) -> Result<f64, String> {
    pipeline::parse_time_option(text, "--tail")
}

/// `generate`'s output, given as its last argument or with `-o` (clap asks for one of them).
fn generate_output(last: Option<PathBuf>, flag: Option<PathBuf>) -> PathBuf {
    last.or(flag).expect("clap asks for an output")
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

    #[test]
    fn tails() {
        assert_eq!(parse_tail("10s"), Ok(10.0));
        assert_eq!(parse_tail("500ms"), Ok(0.5));
        assert_eq!(parse_tail("2"), Ok(2.0));
        assert_eq!(parse_tail("0"), Ok(0.0));
        assert!(parse_tail("-1s").is_err());
        assert!(parse_tail("long").is_err());
    }
}
