//! Reading and writing WAV files for the renderer, and writing them so that an interrupted run
//! leaves no half file.

use std::path::Path;

/// A decoded file: one vector per channel, at `sample_rate` Hz.
pub struct Audio {
    pub channels: Vec<Vec<f32>>,
    pub sample_rate: u32,
}

/// Lowest and highest sample rates a file may have, Hz.
pub const RATES_HZ: (u32, u32) = (8_000, 192_000);

/// Reads `path` (16/24/32-bit integer or 32-bit float WAV, mono or stereo), or says why not.
pub fn read(path: &Path) -> Result<Audio, String> {
    // Whether the file can be read at all, apart from whether it is a WAV file.
    let file = std::fs::File::open(path).map_err(|e| format!("cannot read: {e}"))?;
    let size = file
        .metadata()
        .map_err(|e| format!("cannot read: {e}"))?
        .len();
    if size == 0 {
        return Err("not a WAV file we can read (the file is empty)".to_owned());
    }
    let reader = hound::WavReader::new(std::io::BufReader::new(file))
        .map_err(|e| format!("not a WAV file we can read ({e})"))?;
    let spec = reader.spec();
    if !(1..=2).contains(&spec.channels) {
        return Err(format!(
            "{} channels (Murmur takes mono or stereo)",
            spec.channels
        ));
    }
    if !(RATES_HZ.0..=RATES_HZ.1).contains(&spec.sample_rate) {
        return Err(format!(
            "sample rate {} Hz (Murmur renders files at {}–{} Hz)",
            spec.sample_rate, RATES_HZ.0, RATES_HZ.1
        ));
    }
    let interleaved: Vec<f32> = match (spec.sample_format, spec.bits_per_sample) {
        (hound::SampleFormat::Float, 32) => reader
            .into_samples::<f32>()
            .collect::<Result<_, _>>()
            .map_err(|e| format!("damaged audio data ({e})"))?,
        (hound::SampleFormat::Int, bits @ (16 | 24 | 32)) => {
            let scale = 1.0 / (1u64 << (bits - 1)) as f32;
            reader
                .into_samples::<i32>()
                .map(|s| s.map(|v| v as f32 * scale))
                .collect::<Result<_, _>>()
                .map_err(|e| format!("damaged audio data ({e})"))?
        }
        (format, bits) => {
            return Err(format!(
                "unsupported sample format ({bits}-bit {format:?}; use 16/24/32-bit integer or 32-bit float)"
            ));
        }
    };
    if interleaved.is_empty() {
        return Err("no audio in the file (0 samples)".to_owned());
    }
    let count = spec.channels as usize;
    let channels = (0..count)
        .map(|c| interleaved.iter().skip(c).step_by(count).copied().collect())
        .collect();
    Ok(Audio {
        channels,
        sample_rate: spec.sample_rate,
    })
}

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
    let result = write(&temporary).and_then(|()| {
        std::fs::rename(&temporary, output)
            .map_err(|e| format!("cannot move the render to {}: {e}", output.display()))
    });
    if result.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    result
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
