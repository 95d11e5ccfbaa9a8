//! What `murmur` writes, decided and checked before any audio is made: the container (WAV, RF64
//! or FLAC, from `--format` or the file's extension), the sample encoding, whether the file
//! system has room, and that no output is one of the run's inputs. Files are written through a
//! hidden temporary file renamed into place only when whole, so a failed or stopped run leaves
//! nothing half-written.

use std::fs::File;
use std::io::BufWriter;
use std::path::{Path, PathBuf};

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg32;

use crate::flac_out::FlacWriter;
use crate::riff::{self, RiffWriter};

/// How samples are stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Int16,
    Int24,
    Float32,
}

impl Encoding {
    /// The encoding `--bits` names: 16, 24 or 32f.
    pub fn parse(bits: &str) -> Result<Self, String> {
        match bits.trim() {
            "16" => Ok(Self::Int16),
            "24" => Ok(Self::Int24),
            "32f" | "32F" => Ok(Self::Float32),
            other => Err(format!("bad --bits `{other}` (16, 24 or 32f)")),
        }
    }

    /// Bytes per sample.
    pub fn bytes(self) -> usize {
        match self {
            Self::Int16 => 2,
            Self::Int24 => 3,
            Self::Float32 => 4,
        }
    }

    /// The integer full scale maps to (1.0 for floats).
    pub fn full_scale(self) -> f32 {
        match self {
            Self::Int16 => 32_767.0,
            Self::Int24 => 8_388_607.0,
            Self::Float32 => 1.0,
        }
    }

    /// Appends `samples` as little-endian bytes, integers through `quantizer`.
    pub fn append_le(self, samples: &[f32], quantizer: &mut Quantizer, out: &mut Vec<u8>) {
        out.reserve(samples.len() * self.bytes());
        match self {
            Self::Int16 => {
                for &x in samples {
                    out.extend_from_slice(&(quantizer.quantize(x) as i16).to_le_bytes());
                }
            }
            Self::Int24 => {
                for &x in samples {
                    out.extend_from_slice(&quantizer.quantize(x).to_le_bytes()[..3]);
                }
            }
            Self::Float32 => {
                for &x in samples {
                    out.extend_from_slice(&x.to_le_bytes());
                }
            }
        }
    }
}

/// Seed of the 16-bit dither: fixed, so a render's bytes repeat.
const DITHER_SEED: u64 = 0x4d75_726d_7572;

/// Float samples to an integer encoding: rounded and clipped at ±full scale, with TPDF dither
/// at 16 bits.
///
/// At 16 bits plain rounding leaves an error that follows the signal: the quiet end of a sleep
/// piece fading out turns into distortion and then cuts to silence. Triangular dither of ±1 LSB
/// (the difference of two uniform draws) makes the error a steady noise at −101 dBFS whatever
/// the signal (Lipshitz, Wannamaker & Vanderkooy, "Quantization and Dither: A Theoretical
/// Survey", JAES 1992). Exact zeros stay zero, so silence is digital silence. At 24 bits the
/// error is far below anything heard, and no dither is added.
pub struct Quantizer {
    full: f32,
    dither: Option<Pcg32>,
}

impl Quantizer {
    /// A quantizer for `encoding` (floats are not quantized), its dither starting from the
    /// fixed seed.
    pub fn new(encoding: Encoding) -> Self {
        Self {
            full: encoding.full_scale(),
            dither: (encoding == Encoding::Int16).then(|| Pcg32::seed_from_u64(DITHER_SEED)),
        }
    }

    /// `x` (full scale ±1) as an integer.
    #[inline]
    pub fn quantize(&mut self, x: f32) -> i32 {
        let scaled = x.clamp(-1.0, 1.0) * self.full;
        let dithered = match &mut self.dither {
            Some(rng) if scaled != 0.0 => scaled + rng.random::<f32>() - rng.random::<f32>(),
            _ => scaled,
        };
        dithered.round().clamp(-self.full, self.full) as i32
    }
}

/// The container of an output file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Wav,
    Rf64,
    Flac,
}

impl Format {
    /// The format `--format` names.
    pub fn parse(text: &str) -> Result<Self, String> {
        match text.trim().to_ascii_lowercase().as_str() {
            "wav" => Ok(Self::Wav),
            "rf64" => Ok(Self::Rf64),
            "flac" => Ok(Self::Flac),
            other => Err(format!("unknown --format `{other}` (wav, rf64 or flac)")),
        }
    }

    /// The extension a render named after its input gets.
    pub fn extension(self) -> &'static str {
        match self {
            Self::Wav | Self::Rf64 => "wav",
            Self::Flac => "flac",
        }
    }
}

/// Extensions of formats Murmur reads or plays elsewhere but does not write.
const NOT_WRITTEN: [(&str, &str); 9] = [
    ("mp3", "MP3"),
    ("ogg", "Ogg"),
    ("oga", "Ogg"),
    ("opus", "Opus"),
    ("m4a", "AAC/M4A"),
    ("aac", "AAC/M4A"),
    ("aif", "AIFF"),
    ("aiff", "AIFF"),
    ("wma", "WMA"),
];

/// The container for `path`: its extension decides, `--format` (`asked`) must agree with it or
/// name the format of a file with no audio extension.
pub fn format_for(path: &Path, asked: Option<Format>) -> Result<Format, String> {
    let extension = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase());
    let by_name = match extension.as_deref() {
        Some("wav" | "wave" | "bwf") => Some(Format::Wav),
        Some("rf64") => Some(Format::Rf64),
        Some("flac") => Some(Format::Flac),
        Some(other) => {
            if let Some((_, name)) = NOT_WRITTEN.iter().find(|(e, _)| *e == other) {
                return Err(format!(
                    "{}: {name} output is not supported (Murmur writes WAV, RF64 and FLAC)",
                    path.display()
                ));
            }
            None
        }
        None => None,
    };
    match (by_name, asked) {
        (None, None) => Err(format!(
            "{}: say the format: end the name in .wav or .flac, or add --format wav|rf64|flac",
            path.display()
        )),
        (None, Some(asked)) => Ok(asked),
        (Some(named), None) => Ok(named),
        // RF64 files are usually named .wav.
        (Some(Format::Wav), Some(Format::Rf64)) => Ok(Format::Rf64),
        (Some(named), Some(asked)) if named == asked => Ok(named),
        (Some(named), Some(asked)) => Err(format!(
            "{}: --format {} does not match the name's extension ({})",
            path.display(),
            format!("{asked:?}").to_lowercase(),
            format!("{named:?}").to_lowercase(),
        )),
    }
}

/// One output file, fully decided.
#[derive(Debug, Clone)]
pub struct Plan {
    pub path: PathBuf,
    pub format: Format,
    pub encoding: Encoding,
    pub rate: u32,
    /// Frames the file will hold.
    pub frames: u64,
}

/// Room kept free beyond the expected size: 1 % and 64 MiB.
fn margin(bytes: u64) -> u64 {
    bytes / 100 + (64 << 20)
}

/// FLAC's size is known only once encoded; Murmur's beds (noise-like rain and crinkles) shrink
/// to 60–75 % of PCM. Room is asked for this share of the PCM size.
const FLAC_SHARE_OF_PCM: f64 = 0.8;

impl Plan {
    /// Settles the container for `frames` frames: a WAV that would pass 4 GiB becomes RF64
    /// (`notice` tells the user), or is refused if `wav_forced` (the user said `--format wav`).
    /// FLAC is refused at 32-bit float and above the encoder's rates.
    pub fn new(
        path: &Path,
        format: Format,
        encoding: Encoding,
        rate: u32,
        frames: u64,
        wav_forced: bool,
        notice: &mut dyn FnMut(String),
    ) -> Result<Self, String> {
        let at = |why: String| format!("{}: {why}", path.display());
        let mut format = format;
        if format == Format::Wav && !riff::wav_can_hold(encoding, 2, frames) {
            let size = gigabytes(pcm_bytes(encoding, frames));
            if wav_forced {
                return Err(at(format!(
                    "{size} is more than a WAV file can hold (4 GiB); use --format rf64 or \
                     flac, or leave --format out to get RF64"
                )));
            }
            notice(at(format!(
                "{size} is past the 4 GiB a WAV file can hold: writing RF64 (EBU Tech 3306), \
                 which libsndfile, sox, ffmpeg and most DAWs read"
            )));
            format = Format::Rf64;
        }
        if format == Format::Flac {
            if encoding == Encoding::Float32 {
                return Err(at(
                    "FLAC holds integers only: use --bits 16 or 24".to_owned()
                ));
            }
            if rate > crate::flac_out::MAX_RATE_HZ {
                return Err(at(format!(
                    "FLAC at {rate} Hz: the encoder takes up to {} Hz (use --format wav)",
                    crate::flac_out::MAX_RATE_HZ
                )));
            }
        }
        Ok(Self {
            path: path.to_owned(),
            format,
            encoding,
            rate,
            frames,
        })
    }

    /// Bytes the file is expected to take (FLAC: an estimate).
    pub fn expected_bytes(&self) -> u64 {
        let pcm = pcm_bytes(self.encoding, self.frames) + riff::header_len(self.encoding) as u64;
        match self.format {
            Format::Flac => (pcm as f64 * FLAC_SHARE_OF_PCM) as u64,
            Format::Wav | Format::Rf64 => pcm,
        }
    }

    /// Refuses the file if the file system it goes to lacks room for it (with a margin). Where
    /// the free space cannot be read, the write goes ahead (a full disk still fails cleanly).
    pub fn check_room(&self) -> Result<(), String> {
        let folder = folder_of(&self.path);
        let Ok(free) = fs4::available_space(&folder) else {
            return Ok(());
        };
        let needed = self.expected_bytes();
        if free < needed + margin(needed) {
            return Err(format!(
                "{}: not enough room: about {} needed, {} free on its file system",
                self.path.display(),
                gigabytes(needed),
                gigabytes(free)
            ));
        }
        Ok(())
    }
}

fn pcm_bytes(encoding: Encoding, frames: u64) -> u64 {
    frames * 2 * encoding.bytes() as u64
}

/// Bytes as "4.84 GB" (or MB below a gigabyte).
pub fn gigabytes(bytes: u64) -> String {
    if bytes >= 1_000_000_000 {
        format!("{:.2} GB", bytes as f64 / 1e9)
    } else {
        format!("{:.1} MB", bytes as f64 / 1e6)
    }
}

/// The folder a file goes into (`.` for a bare name).
pub fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// Checks that `path` can be an output: its folder exists and can be written, and it is not a
/// folder itself.
pub fn check_destination(path: &Path) -> Result<(), String> {
    if path.is_dir() {
        return Err(format!(
            "{} is a folder: name a file in it (or use --out-dir)",
            path.display()
        ));
    }
    let folder = folder_of(path);
    if !folder.is_dir() {
        return Err(format!(
            "{}: the folder {} does not exist",
            path.display(),
            folder.display()
        ));
    }
    check_writable(&folder).map_err(|why| format!("{}: {why}", path.display()))
}

/// Checks that files can be created in `folder` (by creating and removing an empty hidden
/// one), so a folder that cannot be written is named before any work.
pub fn check_writable(folder: &Path) -> Result<(), String> {
    let probe = folder.join(format!(".murmur-probe-{}", std::process::id()));
    match File::create(&probe) {
        Ok(_) => {
            let _ = std::fs::remove_file(&probe);
            Ok(())
        }
        Err(e) => Err(format!("cannot write into {}: {e}", folder.display())),
    }
}

/// Whether `a` and `b` name the same file, however they are spelled (relative, `..`, symbolic
/// links, hard links); a file that does not exist yet is compared through its folder.
pub fn same_file(a: &Path, b: &Path) -> bool {
    #[cfg(unix)]
    if let (Ok(x), Ok(y)) = (std::fs::metadata(a), std::fs::metadata(b)) {
        use std::os::unix::fs::MetadataExt;
        return x.dev() == y.dev() && x.ino() == y.ino();
    }
    match (resolved(a), resolved(b)) {
        (Some(x), Some(y)) => x == y,
        _ => false,
    }
}

/// `path` made absolute with its links resolved (through its folder when it does not exist).
fn resolved(path: &Path) -> Option<PathBuf> {
    if let Ok(p) = path.canonicalize() {
        return Some(p);
    }
    let name = path.file_name()?;
    Some(folder_of(path).canonicalize().ok()?.join(name))
}

/// A file being written: WAV/RF64 or FLAC.
pub enum Writer {
    Riff(RiffWriter<BufWriter<File>>),
    Flac(Box<FlacWriter<BufWriter<File>>>),
}

/// Bytes buffered before each write to the file system.
const WRITE_BUFFER: usize = 1 << 20;

impl Writer {
    /// Creates the file at `path` for `plan`.
    pub fn create(path: &Path, plan: &Plan) -> Result<Self, String> {
        let file = File::create(path).map_err(|e| format!("cannot write: {e}"))?;
        let out = BufWriter::with_capacity(WRITE_BUFFER, file);
        let io = |e: std::io::Error| format!("cannot write: {e}");
        Ok(match plan.format {
            Format::Wav | Format::Rf64 => Self::Riff(
                RiffWriter::new(
                    out,
                    plan.encoding,
                    2,
                    plan.rate,
                    plan.format == Format::Rf64,
                )
                .map_err(io)?,
            ),
            Format::Flac => {
                Self::Flac(Box::new(FlacWriter::new(out, plan.encoding, 2, plan.rate)?))
            }
        })
    }

    /// Appends interleaved stereo samples.
    pub fn write(&mut self, interleaved: &[f32]) -> Result<(), String> {
        match self {
            Self::Riff(w) => w
                .write_interleaved(interleaved)
                .map_err(|e| format!("cannot write: {e}")),
            Self::Flac(w) => w
                .write_interleaved(interleaved)
                .map_err(|e| format!("cannot write: {e}")),
        }
    }

    /// Completes the file and pushes it to the disk.
    pub fn finish(self) -> Result<(), String> {
        let io = |e: std::io::Error| format!("cannot finish the file: {e}");
        let out = match self {
            Self::Riff(w) => w.finish().map_err(io)?.0,
            Self::Flac(w) => (*w)
                .finish()
                .map_err(|e| format!("cannot finish the file: {e}"))?,
        };
        let file = out
            .into_inner()
            .map_err(|e| format!("cannot finish the file: {}", e.error()))?;
        file.sync_all().map_err(io)
    }
}

/// Writes `output` through a temporary file beside it, renamed into place only when complete,
/// so an interrupted run leaves no half file. An existing `output` is refused unless
/// `overwrite`.
pub fn write_atomically<T>(
    output: &Path,
    overwrite: bool,
    write: impl FnOnce(&Path) -> Result<T, String>,
) -> Result<T, String> {
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
    // Removes the temporary file however the write ends short of the rename: an error, or a
    // panic unwinding through here.
    struct Unfinished<'a>(&'a Path);
    impl Drop for Unfinished<'_> {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(self.0);
            in_progress().retain(|p| p != self.0);
        }
    }
    let unfinished = Unfinished(&temporary);
    let written = write(&temporary).map_err(|why| format!("{}: {why}", output.display()))?;
    std::fs::rename(&temporary, output)
        .map_err(|e| format!("cannot move the render to {}: {e}", output.display()))?;
    // Renamed: nothing is left at the temporary path, and it is no longer in progress.
    drop(unfinished);
    Ok(written)
}

/// Temporary files being written right now.
fn in_progress() -> std::sync::MutexGuard<'static, Vec<PathBuf>> {
    static FILES: std::sync::Mutex<Vec<PathBuf>> = std::sync::Mutex::new(Vec::new());
    // A job that panicked mid-write leaves a usable list.
    FILES
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// On Ctrl-C or a termination request, removes every temporary file being written and exits,
/// so a stopped run leaves neither half files nor temporary ones. (A `kill -9` cannot be caught:
/// it leaves a hidden `.NAME.murmur-….tmp` beside the output, never a half output.)
///
/// Also makes a write past the process's file-size limit (`ulimit -f`) an error the run reports
/// and cleans up after, rather than a signal that kills it on the spot.
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
    #[cfg(unix)]
    // SAFETY: setting a signal's disposition to "ignore" at start-up, before any thread runs.
    unsafe {
        libc::signal(libc::SIGXFSZ, libc::SIG_IGN);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sixteen_bits_are_dithered_without_bias_and_repeatably() {
        const LSB: f32 = 1.0 / 32_767.0;
        let n = 200_000;
        // A steady quarter of a step: plain rounding loses it; dithered, the mean keeps it and
        // the error is TPDF's: uniform rounding noise plus the dither, 3/12 of a step squared.
        let mut dithered = Quantizer::new(Encoding::Int16);
        let codes: Vec<i32> = (0..n).map(|_| dithered.quantize(0.25 * LSB)).collect();
        let mean = codes.iter().map(|&c| f64::from(c)).sum::<f64>() / n as f64;
        let power = codes
            .iter()
            .map(|&c| (f64::from(c) - 0.25).powi(2))
            .sum::<f64>()
            / n as f64;
        assert!((mean - 0.25).abs() < 0.01, "mean {mean}");
        assert!((power / 0.25 - 1.0).abs() < 0.05, "error power {power}");
        assert!(codes.iter().all(|c| (-1..=2).contains(c)));
        let mut plain = Quantizer::new(Encoding::Int24);
        assert_eq!(plain.quantize(0.25 / 8_388_607.0), 0);
        // The same bytes every time, exact zeros stay silent, full scale stays in range.
        let mut again = Quantizer::new(Encoding::Int16);
        let repeat: Vec<i32> = (0..n).map(|_| again.quantize(0.25 * LSB)).collect();
        assert_eq!(codes, repeat);
        assert_eq!(again.quantize(0.0), 0);
        for x in [1.0, 2.0, -1.0, -2.0] {
            let code = again.quantize(x);
            assert!(code.abs() <= 32_767, "{x}: {code}");
        }
    }

    #[test]
    fn the_extension_decides_and_format_must_agree() {
        let f = |name: &str, asked: Option<&str>| {
            format_for(Path::new(name), asked.map(|a| Format::parse(a).unwrap()))
        };
        assert_eq!(f("a.wav", None), Ok(Format::Wav));
        assert_eq!(f("a.WAV", None), Ok(Format::Wav));
        assert_eq!(f("a.flac", None), Ok(Format::Flac));
        assert_eq!(f("a.rf64", None), Ok(Format::Rf64));
        assert_eq!(f("a.wav", Some("rf64")), Ok(Format::Rf64));
        assert_eq!(f("a", Some("flac")), Ok(Format::Flac));
        assert_eq!(f("a.out", Some("wav")), Ok(Format::Wav));
        let e = f("a.mp3", None).unwrap_err();
        assert_eq!(
            e,
            "a.mp3: MP3 output is not supported (Murmur writes WAV, RF64 and FLAC)"
        );
        assert!(
            f("a.mp3", Some("wav"))
                .unwrap_err()
                .contains("not supported")
        );
        let e = f("a.flac", Some("wav")).unwrap_err();
        assert!(e.contains("does not match"), "{e}");
        assert!(f("a", None).unwrap_err().contains("say the format"));
        assert!(
            Format::parse("ogg")
                .unwrap_err()
                .contains("unknown --format `ogg`")
        );
    }

    #[test]
    fn a_wav_past_4_gib_becomes_rf64_or_is_refused() {
        let frames = 7 * 3600 * 48_000u64;
        let mut notices = Vec::new();
        let plan = Plan::new(
            Path::new("night.wav"),
            Format::Wav,
            Encoding::Int16,
            48_000,
            frames,
            false,
            &mut |n| notices.push(n),
        )
        .unwrap();
        assert_eq!(plan.format, Format::Rf64);
        assert_eq!(notices.len(), 1);
        assert!(
            notices[0].starts_with("night.wav: 4.84 GB is past"),
            "{notices:?}"
        );
        let e = Plan::new(
            Path::new("night.wav"),
            Format::Wav,
            Encoding::Int16,
            48_000,
            frames,
            true,
            &mut |_| (),
        )
        .unwrap_err();
        assert!(e.contains("more than a WAV file can hold"), "{e}");
        let short = Plan::new(
            Path::new("nap.wav"),
            Format::Wav,
            Encoding::Int24,
            48_000,
            3600 * 48_000,
            true,
            &mut |_| panic!("no notice for an hour"),
        )
        .unwrap();
        assert_eq!(short.format, Format::Wav);
    }

    #[test]
    fn a_file_is_the_same_however_it_is_spelled() {
        let dir = std::env::temp_dir().join(format!("murmur-same-{}", std::process::id()));
        std::fs::create_dir_all(dir.join("sub")).unwrap();
        let file = dir.join("a.wav");
        std::fs::write(&file, b"x").unwrap();
        assert!(same_file(&file, &dir.join("sub/../a.wav")));
        assert!(!same_file(&file, &dir.join("b.wav")));
        // Neither exists: compared through the folder.
        assert!(same_file(&dir.join("new.wav"), &dir.join("sub/../new.wav")));
        #[cfg(unix)]
        {
            std::fs::hard_link(&file, dir.join("link.wav")).unwrap();
            assert!(same_file(&file, &dir.join("link.wav")));
        }
        let _ = std::fs::remove_dir_all(&dir);
    }
}
