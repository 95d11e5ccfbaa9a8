//! `murmur generate` and `murmur demo`: sound with no input, a trigger bed of any length or
//! the 30 s demo.

use std::path::Path;

use murmur::presets;

use crate::output::{self, Encoding, Plan};
use crate::pipeline::{self, Finishing, Source};
use crate::session::{Session, SessionSource};
use crate::setup::Setup;
use crate::{FileChoice, clock, demo, parse_duration, progress, sources};

pub(crate) fn generate(
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
    let frames = (seconds * f64::from(rate)).round() as u64;
    write_bed(frames, rate, file, finishing, output, &mut || {
        Ok(Box::new(sources::Bed::new(setup.renderer(rate)?)))
    })
}

/// `murmur generate --session`: the session's scenes, crossfaded, into `output`.
pub(crate) fn generate_session(
    session: &Session,
    rate: u32,
    file: &FileChoice,
    finishing: &Finishing,
    output: &Path,
) -> Result<(), String> {
    // An unusable rate is refused here, before any file is touched.
    session.renderer(0, rate)?;
    for notice in &session.notices {
        eprintln!("murmur: {notice}");
    }
    let frames = session.timeline(rate).end;
    write_bed(frames, rate, file, finishing, output, &mut || {
        Ok(Box::new(SessionSource::new(session, rate)))
    })
}

/// Writes `frames` frames of a bed at `rate` from the sources `make_source` makes (one per
/// pass), with the progress bar and the summary `generate` prints.
fn write_bed<'a>(
    frames: u64,
    rate: u32,
    file: &FileChoice,
    finishing: &Finishing,
    output: &Path,
    make_source: &mut dyn FnMut() -> Result<Box<dyn Source + 'a>, String>,
) -> Result<(), String> {
    let seconds = frames as f64 / f64::from(rate);
    output::check_destination(output)?;
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
        pipeline::render_into(path, &plan, finishing, make_source, &bar)
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
pub(crate) fn demo_to(output: &Path, overwrite: bool) -> Result<(), String> {
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
pub(crate) fn remove_empty_folders(folder: &Path) {
    let mut at = Some(folder);
    while let Some(dir) = at {
        if dir.as_os_str().is_empty() || std::fs::remove_dir(dir).is_err() {
            break;
        }
        at = dir.parent();
    }
}
