//! Writing the renderer's WAV files, so that an interrupted run leaves no half file.

use std::path::Path;

/// The stereo WAV layout for `--bits`.
pub fn spec(bits: &str, rate: u32) -> Result<hound::WavSpec, String> {
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
/// so an interrupted run leaves no half file. An existing `output` is refused unless
/// `overwrite`.
pub fn write_atomically(
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
    // Unique per process and per write, so parallel renders never share a temporary file.
    static WRITES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let write_id = WRITES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    let temporary = output.with_file_name(format!(
        ".{}.murmur-{}-{write_id}.tmp",
        name.to_string_lossy(),
        std::process::id()
    ));
    in_progress().push(temporary.clone());
    let result = write(&temporary).and_then(|()| {
        std::fs::rename(&temporary, output)
            .map_err(|e| format!("cannot move the render to {}: {e}", output.display()))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    in_progress().retain(|p| *p != temporary);
    result
}

/// Temporary files being written right now.
fn in_progress() -> std::sync::MutexGuard<'static, Vec<std::path::PathBuf>> {
    static FILES: std::sync::Mutex<Vec<std::path::PathBuf>> = std::sync::Mutex::new(Vec::new());
    // A job that panicked mid-write leaves a usable list.
    FILES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// On Ctrl-C or a termination request, removes every temporary file being written and exits,
/// so a stopped run leaves neither half files nor temporary ones. (A `kill -9` cannot be caught:
/// it leaves a hidden `.NAME.murmur-….tmp` beside the output, never a half output.)
pub fn clean_up_when_stopped() {
    let _ = ctrlc::set_handler(|| {
        // Held until exit: no job starts another file meanwhile.
        let files = in_progress();
        for file in files.iter() {
            let _ = std::fs::remove_file(file);
        }
        eprintln!("murmur: stopped; unfinished files removed");
        std::process::exit(130);
    });
}

/// A stereo WAV writer for `spec` (integers rounded and clipped to full scale).
pub struct StereoWriter {
    writer: hound::WavWriter<std::io::BufWriter<std::fs::File>>,
    spec: hound::WavSpec,
}

impl StereoWriter {
    pub fn create(path: &Path, spec: hound::WavSpec) -> Result<Self, String> {
        let writer =
            hound::WavWriter::create(path, spec).map_err(|e| format!("cannot write: {e}"))?;
        Ok(Self { writer, spec })
    }

    /// Appends the frames of `left` and `right`.
    pub fn write(&mut self, left: &[f32], right: &[f32]) -> Result<(), String> {
        for (l, r) in left.iter().zip(right) {
            self.sample(*l)?;
            self.sample(*r)?;
        }
        Ok(())
    }

    fn sample(&mut self, x: f32) -> Result<(), String> {
        let result = match self.spec.sample_format {
            hound::SampleFormat::Float => self.writer.write_sample(x),
            hound::SampleFormat::Int => {
                let full = ((1i64 << (self.spec.bits_per_sample - 1)) - 1) as f32;
                self.writer
                    .write_sample((x.clamp(-1.0, 1.0) * full).round() as i32)
            }
        };
        result.map_err(|e| format!("write failed: {e}"))
    }

    pub fn finish(self) -> Result<(), String> {
        self.writer
            .finalize()
            .map_err(|e| format!("cannot finish the file: {e}"))
    }
}
