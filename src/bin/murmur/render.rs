//! `murmur render`: whisper recordings through the engine, several at once. Every output is
//! decided and checked against every file the run reads before any work.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};

use crate::output::{self, Format};
use crate::pipeline::{self, Finishing};
use crate::setup::Setup;
use crate::{FileChoice, bed::remove_empty_folders, clock, input, progress, sources};

/// Refuses `output` if it is one of the files the run reads.
pub(crate) fn not_read_by_the_run(output: &Path, read_files: &[PathBuf]) -> Result<(), String> {
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
pub(crate) struct RenderRequest<'a> {
    pub(crate) output: Option<&'a Path>,
    pub(crate) out_dir: Option<&'a Path>,
    pub(crate) setup: &'a Setup,
    pub(crate) tail_s: f64,
    pub(crate) file: FileChoice,
    pub(crate) finishing: Finishing,
    /// Files rendered at once (one engine each); the machine's cores when absent.
    pub(crate) jobs: Option<usize>,
    /// The preset, automation and SOFA files the run reads: never outputs either.
    pub(crate) read_files: Vec<PathBuf>,
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
pub(crate) fn render(inputs: &[PathBuf], request: &RenderRequest) -> Result<(), String> {
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
