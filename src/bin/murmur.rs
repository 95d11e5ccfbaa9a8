//! `murmur`: the command-line renderer. It runs the plugin's own `Engine`, so a file rendered
//! here is what the plugin renders in a DAW with the same settings.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Parser, Subcommand};
use murmur::engine::{Engine, InputChannels, Settings};
use murmur::params::MurmurParams;
use murmur::presets;
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

/// The WAV layout for `--bits`.
fn wav_spec(bits: &str, rate: u32) -> Result<hound::WavSpec, String> {
    let (bits_per_sample, sample_format) = match bits {
        "16" => (16, hound::SampleFormat::Int),
        "24" => (24, hound::SampleFormat::Int),
        "32f" => (32, hound::SampleFormat::Float),
        _ => return Err(format!("bad --bits `{bits}` (16, 24 or 32f)")),
    };
    Ok(hound::WavSpec {
        channels: 2,
        sample_rate: rate,
        bits_per_sample,
        sample_format,
    })
}

/// Writes `output` through a temporary file beside it, renamed into place only when complete,
/// so an interrupted run leaves no half file.
fn write_atomically(
    output: &Path,
    overwrite: bool,
    write: impl FnOnce(&Path) -> Result<(), String>,
) -> Result<(), String> {
    if output.exists() && !overwrite {
        return Err(format!(
            "{} exists (add --overwrite to replace it)",
            output.display()
        ));
    }
    let name = output
        .file_name()
        .ok_or_else(|| format!("{} is not a file name", output.display()))?;
    let temporary = output.with_file_name(format!(
        ".{}.murmur-{}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    let result = write(&temporary).and_then(|()| {
        std::fs::rename(&temporary, output)
            .map_err(|e| format!("cannot move the render to {}: {e}", output.display()))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
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
    let preset = presets::find(preset_name)
        .ok_or_else(|| format!("unknown preset `{preset_name}` (see `murmur presets`)"))?;
    let seconds = parse_duration(duration)?;
    let spec = wav_spec(bits, rate)?;
    let mut settings: Settings = preset.settings;
    if let Some(seed) = seed {
        settings.seed = seed;
    }
    let mut engine = Engine::new(rate as f32, BLOCK).map_err(|e| e.to_string())?;
    let total = (seconds * rate as f64).round() as usize;
    write_atomically(output, overwrite, |path| {
        let mut writer = hound::WavWriter::create(path, spec)
            .map_err(|e| format!("cannot write {}: {e}", output.display()))?;
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
            for (l, r) in left[..n].iter().zip(&right[..n]) {
                write_sample(&mut writer, spec, *l)?;
                write_sample(&mut writer, spec, *r)?;
            }
            done += n;
        }
        writer
            .finalize()
            .map_err(|e| format!("cannot finish {}: {e}", output.display()))
    })
}

/// One sample in the file's format (integers rounded and clipped to full scale).
fn write_sample<W: std::io::Write + std::io::Seek>(
    writer: &mut hound::WavWriter<W>,
    spec: hound::WavSpec,
    x: f32,
) -> Result<(), String> {
    let result = match (spec.sample_format, spec.bits_per_sample) {
        (hound::SampleFormat::Float, _) => writer.write_sample(x),
        (_, bits) => {
            let full = ((1i64 << (bits - 1)) - 1) as f32;
            writer.write_sample((x.clamp(-1.0, 1.0) * full).round() as i32)
        }
    };
    result.map_err(|e| format!("write failed: {e}"))
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
