//! `murmur check FILE...`: reads finished files (Murmur's or anyone's) and reports their
//! loudness and everything that would wake a listener (see `startle.rs` for the rules). A file
//! that cannot be read gets its own line and the others are still checked.

use std::io::Write;
use std::path::{Path, PathBuf};

use murmur::loudness::Loudness;

use crate::pipeline::lufs;
use crate::reader::Reader;
use crate::startle::{Detector, Finding, Kind};

/// Frames read at a time.
const READ_FRAMES: usize = 8192;

/// What one file gave.
struct Checked {
    path: PathBuf,
    result: Result<(Loudness, f64, Vec<Finding>), String>,
}

/// Checks `files`; an error when a file could not be read, or with `strict` when anything was
/// found.
pub fn run(files: &[PathBuf], jump_lu: f64, json: bool, strict: bool) -> Result<(), String> {
    if !(jump_lu.is_finite() && jump_lu > 0.0) {
        return Err(format!("bad --jump {jump_lu} (LU, more than 0)"));
    }
    let mut out = std::io::stdout().lock();
    let mut checked = Vec::new();
    for path in files {
        let result = check_file(path, jump_lu);
        if !json {
            let _ = print_text(&mut out, path, &result);
        }
        checked.push(Checked {
            path: path.clone(),
            result,
        });
    }
    if json {
        let _ = writeln!(out, "{}", to_json(&checked));
    }
    let unreadable = checked.iter().filter(|c| c.result.is_err()).count();
    let found: usize = checked
        .iter()
        .filter_map(|c| c.result.as_ref().ok())
        .map(|(_, _, findings)| findings.len())
        .sum();
    if unreadable > 0 {
        return Err(format!(
            "{unreadable} of {} files could not be checked",
            files.len()
        ));
    }
    if strict && found > 0 {
        return Err(format!(
            "{found} finding{} (--strict)",
            if found == 1 { "" } else { "s" }
        ));
    }
    Ok(())
}

fn check_file(path: &Path, jump_lu: f64) -> Result<(Loudness, f64, Vec<Finding>), String> {
    let mut reader = Reader::open(path)?;
    let mut detector = Detector::new(reader.channels, reader.sample_rate, jump_lu)?;
    let mut block = Vec::with_capacity(READ_FRAMES * reader.channels);
    while reader.read(&mut block, READ_FRAMES)? > 0 {
        detector.add(&mut block);
    }
    let seconds = detector.frames() as f64 / f64::from(reader.sample_rate);
    if let Some(declared) = reader.frames
        && detector.frames() < declared
    {
        return Err(format!(
            "damaged audio data (the file ends early, after {} of {declared} frames)",
            detector.frames()
        ));
    }
    let (loudness, findings) = detector.finish();
    Ok((loudness, seconds, findings))
}

/// Seconds as `h:mm:ss.mmm`.
pub fn timestamp(seconds: f64) -> String {
    let ms = (seconds.max(0.0) * 1000.0).round() as u64;
    format!(
        "{}:{:02}:{:02}.{:03}",
        ms / 3_600_000,
        ms / 60_000 % 60,
        ms / 1000 % 60,
        ms % 1000
    )
}

fn describe(kind: &Kind) -> String {
    match kind {
        Kind::Startle {
            momentary_lufs,
            rise_lu,
        } => format!(
            "momentary loudness {} rises {rise_lu:.1} LU above the 10 s before",
            lufs(*momentary_lufs)
        ),
        Kind::HardStop { from_dbfs } => {
            format!("the sound stops abruptly (from {from_dbfs:.1} dBFS)")
        }
        Kind::Clipping { samples } => format!("{samples} samples at full scale"),
        Kind::DcOffset { channel, level } => format!(
            "channel {} is offset from zero by {:.1} dBFS ({})",
            channel + 1,
            level.abs(),
            if *level < 0.0 { "negative" } else { "positive" }
        ),
        Kind::NonFinite { samples } => format!("{samples} samples are NaN or infinite"),
    }
}

fn print_text(
    out: &mut impl Write,
    path: &Path,
    result: &Result<(Loudness, f64, Vec<Finding>), String>,
) -> std::io::Result<()> {
    let (loudness, seconds, findings) = match result {
        Ok(r) => r,
        Err(why) => return writeln!(out, "{}: {why}", path.display()),
    };
    writeln!(
        out,
        "{}: {}, {} integrated, range {:.1} LU, true peak {}",
        path.display(),
        timestamp(*seconds),
        lufs(loudness.integrated_lufs),
        loudness.range_lu,
        if loudness.true_peak_dbtp.is_finite() {
            format!("{:.1} dBTP", loudness.true_peak_dbtp)
        } else {
            "none".to_owned()
        }
    )?;
    if findings.is_empty() {
        return writeln!(out, "  nothing found");
    }
    for finding in findings {
        writeln!(
            out,
            "  {}  {}: {}",
            timestamp(finding.at_s),
            finding.kind.name(),
            describe(&finding.kind)
        )?;
    }
    Ok(())
}

/// A number for JSON (`null` where it is not finite).
fn number(x: f64) -> serde_json::Value {
    if x.is_finite() {
        serde_json::json!((x * 1000.0).round() / 1000.0)
    } else {
        serde_json::Value::Null
    }
}

fn to_json(checked: &[Checked]) -> String {
    let files: Vec<serde_json::Value> = checked
        .iter()
        .map(|c| {
            let path = c.path.display().to_string();
            match &c.result {
                Err(why) => serde_json::json!({ "path": path, "error": why }),
                Ok((l, seconds, findings)) => {
                    let findings: Vec<serde_json::Value> = findings
                        .iter()
                        .map(|f| {
                            serde_json::json!({
                                "kind": f.kind.name(),
                                "at_s": number(f.at_s),
                                "at": timestamp(f.at_s),
                                "detail": describe(&f.kind),
                            })
                        })
                        .collect();
                    serde_json::json!({
                        "path": path,
                        "seconds": number(*seconds),
                        "integrated_lufs": number(l.integrated_lufs),
                        "range_lu": number(l.range_lu),
                        "max_momentary_lufs": number(l.max_momentary_lufs),
                        "max_short_term_lufs": number(l.max_short_term_lufs),
                        "true_peak_dbtp": number(l.true_peak_dbtp),
                        "findings": findings,
                    })
                }
            }
        })
        .collect();
    serde_json::json!({ "files": files }).to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn timestamps() {
        assert_eq!(timestamp(0.0), "0:00:00.000");
        assert_eq!(timestamp(45.5704), "0:00:45.570");
        assert_eq!(timestamp(8.0 * 3600.0 + 61.25), "8:01:01.250");
    }
}
