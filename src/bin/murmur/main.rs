//! `murmur`: the command-line renderer. It runs the plugin's own `Engine`, so a file rendered
//! here is what the plugin renders in a DAW with the same settings.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};

use clap::{Parser, Subcommand};
use murmur::engine::{Engine, InputChannels, Settings};
use murmur::params::MurmurParams;
use murmur::presets;

mod demo;
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

#[derive(Subcommand)]
enum Command {
    /// Lists the factory presets.
    Presets,
    /// Lists every parameter with its ID, range, default and unit.
    Params,
    /// Processes whisper recordings (WAV) with a preset.
    Render {
        /// Input WAV files (mono or stereo, 8–192 kHz).
        #[arg(required = true)]
        inputs: Vec<PathBuf>,
        /// Output file (one input only).
        #[arg(short = 'o', long = "output")]
        output: Option<PathBuf>,
        /// Output folder: each render is named after its input, `NAME-murmur.wav`.
        #[arg(long)]
        out_dir: Option<PathBuf>,
        /// Factory preset name (see `murmur presets`); the defaults when absent.
        #[arg(long)]
        preset: Option<String>,
        /// Seed of every random choice (1–65535); the preset's when absent.
        #[arg(long)]
        seed: Option<u32>,
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
        /// Output WAV file.
        output: Option<PathBuf>,
    },
    /// Renders a trigger bed with no input.
    Generate {
        /// Factory preset name (see `murmur presets`).
        #[arg(long)]
        preset: String,
        /// Length: seconds, or with a unit: `90s`, `20m`, `1h`.
        #[arg(long)]
        duration: String,
        /// Seed of every random choice (1–65535); the preset's when absent.
        #[arg(long)]
        seed: Option<u32>,
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
    let result = match cli.command {
        Command::Presets => {
            let mut out = std::io::stdout().lock();
            // A closed pipe (`murmur presets | head`) just ends the listing.
            let _ = presets::factory()
                .iter()
                .try_for_each(|p| writeln!(out, "{:<26} {}", p.name, p.description));
            Ok(())
        }
        Command::Params => {
            let _ = print_params(&mut std::io::stdout().lock());
            Ok(())
        }
        Command::Render {
            inputs,
            output,
            out_dir,
            preset,
            seed,
            tail,
            bits,
            overwrite,
            jobs,
        } => render(
            &inputs,
            &RenderRequest {
                output: output.as_deref(),
                out_dir: out_dir.as_deref(),
                preset: preset.as_deref(),
                seed,
                tail_s: tail,
                bits: &bits,
                overwrite,
                jobs,
            },
        ),
        Command::Demo { output } => {
            demo_to(&output.unwrap_or_else(|| PathBuf::from("target/demo/murmur-demo.wav")))
        }
        Command::Generate {
            preset,
            duration,
            seed,
            rate,
            bits,
            overwrite,
            output,
        } => generate(&preset, &duration, seed, rate, &bits, overwrite, &output),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("murmur: {message}");
            ExitCode::FAILURE
        }
    }
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

/// Seconds in `text`: a number with an optional `s`, `m` or `h`.
fn parse_duration(text: &str) -> Result<f64, String> {
    let text = text.trim();
    let (number, scale) = match text.chars().last() {
        Some('s') => (&text[..text.len() - 1], 1.0),
        Some('m') => (&text[..text.len() - 1], 60.0),
        Some('h') => (&text[..text.len() - 1], 3600.0),
        _ => (text, 1.0),
    };
    match number.trim().parse::<f64>() {
        Ok(value) if value.is_finite() && value > 0.0 => Ok(value * scale),
        _ => Err(format!("bad duration `{text}` (try 90s, 20m or 1h)")),
    }
}

fn generate(
    preset_name: &str,
    duration: &str,
    seed: Option<u32>,
    rate: u32,
    bits: &str,
    overwrite: bool,
    output: &Path,
) -> Result<(), String> {
    let mut settings = preset_settings(Some(preset_name))?;
    if let Some(seed) = seed {
        settings.seed = seed;
    }
    let seconds = parse_duration(duration)?;
    let spec = wav::spec(bits, rate)?;
    let mut engine = Engine::new(rate as f32, BLOCK).map_err(|e| e.to_string())?;
    let total = (seconds * rate as f64).round() as usize;
    wav::write_atomically(output, overwrite, |path| {
        let mut writer = wav::StereoWriter::create(path, spec)?;
        let (mut left, mut right) = (vec![0.0f32; BLOCK], vec![0.0f32; BLOCK]);
        let mut done = 0;
        while done < total {
            let n = BLOCK.min(total - done);
            left[..n].fill(0.0);
            right[..n].fill(0.0);
            engine.process(
                InputChannels::None,
                &mut left[..n],
                &mut right[..n],
                &settings,
                None,
            );
            writer.write(&left[..n], &right[..n])?;
            done += n;
        }
        writer.finish()
    })
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

/// The settings of preset `name` (the defaults without one).
fn preset_settings(name: Option<&str>) -> Result<Settings, String> {
    match name {
        None => Ok(Settings::default()),
        Some(name) => presets::find(name)
            .map(|p| p.settings)
            .ok_or_else(|| format!("unknown preset `{name}` (see `murmur presets`)")),
    }
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
/// triggers and filters to ring out.
fn render_file(
    input: &Path,
    output: &Path,
    settings: &Settings,
    tail_s: f64,
    bits: &str,
    overwrite: bool,
) -> Result<(), String> {
    let audio = wav::read(input)?;
    let rate = audio.sample_rate;
    let spec = wav::spec(bits, rate)?;
    let channels = match audio.channels.len() {
        1 => InputChannels::Mono,
        _ => InputChannels::Stereo,
    };
    let length = audio.channels[0].len();
    let total = length + (tail_s * rate as f64).round() as usize;
    let mut engine = Engine::new(rate as f32, BLOCK).map_err(|e| e.to_string())?;
    wav::write_atomically(output, overwrite, |path| {
        let mut writer = wav::StereoWriter::create(path, spec)?;
        let (mut left, mut right) = (vec![0.0f32; BLOCK], vec![0.0f32; BLOCK]);
        let mut done = 0;
        while done < total {
            let n = BLOCK.min(total - done);
            for (j, (l, r)) in left[..n].iter_mut().zip(&mut right[..n]).enumerate() {
                let at = done + j;
                let sample = |c: usize| audio.channels[c].get(at).copied().unwrap_or(0.0);
                *l = sample(0);
                *r = sample(audio.channels.len() - 1);
            }
            engine.process(channels, &mut left[..n], &mut right[..n], settings, None);
            writer.write(&left[..n], &right[..n])?;
            done += n;
        }
        writer.finish()
    })
}

/// What `murmur render` was asked for, besides the inputs.
struct RenderRequest<'a> {
    output: Option<&'a Path>,
    out_dir: Option<&'a Path>,
    preset: Option<&'a str>,
    seed: Option<u32>,
    tail_s: f64,
    bits: &'a str,
    overwrite: bool,
    /// Files rendered at once (one engine each); the machine's cores when absent.
    jobs: Option<usize>,
}

fn render(inputs: &[PathBuf], request: &RenderRequest) -> Result<(), String> {
    let mut settings = preset_settings(request.preset)?;
    if let Some(seed) = request.seed {
        settings.seed = seed;
    }
    wav::spec(request.bits, 48_000)?;
    let tail_s = request.tail_s;
    if !(tail_s.is_finite() && tail_s >= 0.0) {
        return Err(format!("bad --tail `{tail_s}` (seconds, 0 or more)"));
    }
    if request.output.is_some() && inputs.len() > 1 {
        return Err("-o names one file; with several inputs use --out-dir".to_owned());
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
    let next = AtomicUsize::new(0);
    let failed = AtomicUsize::new(0);
    std::thread::scope(|scope| {
        for _ in 0..jobs {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(input) = inputs.get(i) else { break };
                    let result = outputs[i].clone().and_then(|out| {
                        render_file(
                            input,
                            &out,
                            &settings,
                            tail_s,
                            request.bits,
                            request.overwrite,
                        )
                        .map(|()| out)
                    });
                    match result {
                        Ok(out) => println!("{} → {}", input.display(), out.display()),
                        Err(reason) => {
                            eprintln!("murmur: {}: {reason}", input.display());
                            failed.fetch_add(1, Ordering::Relaxed);
                        }
                    }
                }
            });
        }
    });
    match failed.into_inner() {
        0 => Ok(()),
        n => Err(format!("{n} of {} files failed", inputs.len())),
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
        assert!(parse_duration("-3m").is_err());
        assert!(parse_duration("soon").is_err());
    }
}
