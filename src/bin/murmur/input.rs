//! Reading the renderer's input files. The format is decided by the file's content, not its
//! name: a renamed or mislabelled file still renders, and a file Murmur cannot read is named for
//! what it really is, so the user knows what to convert.

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

/// A decoded file: one vector per channel, at `sample_rate` Hz.
pub struct Audio {
    pub channels: Vec<Vec<f32>>,
    pub sample_rate: u32,
}

/// Lowest and highest sample rates a file may have, Hz.
pub const RATES_HZ: (u32, u32) = (8_000, 192_000);

/// Reads `path` (WAV: 16/24/32-bit integer or 32-bit float; FLAC: 8 to 24-bit; mono or stereo),
/// or says why not in a short lower-case reason for the caller to put after the file name.
pub fn read(path: &Path) -> Result<Audio, String> {
    let mut file = File::open(path).map_err(cannot_read)?;
    let mut head = Vec::with_capacity(HEAD_LEN);
    (&mut file)
        .take(HEAD_LEN as u64)
        .read_to_end(&mut head)
        .map_err(cannot_read)?;
    if head.is_empty() {
        return Err("not a WAV or FLAC file (the file is empty)".to_owned());
    }
    // Only bounds the memory reserved up front, so a damaged header cannot demand gigabytes.
    let size = file.metadata().map_err(cannot_read)?.len();
    match identify(&head) {
        Content::Wav => read_wav(path, rewound(file, 0)?, size),
        Content::Rf64 => read_rf64(path),
        Content::Flac => read_flac(rewound(file, 0)?, size),
        Content::Id3 => match flac_after_id3(&mut file, &head)? {
            Some(start) => read_flac(rewound(file, start)?, size),
            None => Err(elsewhere("an MP3 file")),
        },
        Content::Other(what) => Err(elsewhere(what)),
        Content::Unknown => Err("not a WAV or FLAC file".to_owned()),
    }
}

/// Bytes looked at to tell formats apart: enough for `RIFF....WAVE` and `....ftyp`.
const HEAD_LEN: usize = 12;

/// What the first bytes of a file say it is.
enum Content {
    Wav,
    /// A WAV past 4 GiB (EBU Tech 3306), as `murmur` itself writes them.
    Rf64,
    Flac,
    /// An ID3v2 tag: usually an MP3, but some taggers also put one in front of FLAC.
    Id3,
    /// A format Murmur does not read, by name (with its article).
    Other(&'static str),
    Unknown,
}

fn identify(head: &[u8]) -> Content {
    let at = |offset: usize, magic: &[u8]| head.get(offset..offset + magic.len()) == Some(magic);
    if at(0, b"RIFF") && at(8, b"WAVE") {
        Content::Wav
    } else if at(0, b"RF64") && at(8, b"WAVE") {
        Content::Rf64
    } else if at(0, b"fLaC") {
        Content::Flac
    } else if at(0, b"ID3") {
        Content::Id3
    } else if at(0, b"OggS") {
        Content::Other("an Ogg file")
    } else if matches!(head, [0xFF, 0xFB | 0xF3 | 0xF2, ..]) {
        Content::Other("an MP3 file")
    } else if at(0, b"FORM") && (at(8, b"AIFF") || at(8, b"AIFC")) {
        Content::Other("an AIFF file")
    } else if at(4, b"ftyp") {
        Content::Other("an MP4/M4A file")
    } else {
        Content::Unknown
    }
}

fn elsewhere(what: &str) -> String {
    format!("{what}; Murmur reads WAV and FLAC")
}

fn cannot_read(e: std::io::Error) -> String {
    format!("cannot read: {e}")
}

/// Where the FLAC stream starts when an ID3v2 tag (`head`) is followed by one, as libFLAC
/// accepts such files; `None` when the tag is followed by anything else (an MP3, then).
fn flac_after_id3(file: &mut File, head: &[u8]) -> Result<Option<u64>, String> {
    let Some(&[flags, a, b, c, d]) = head.get(5..10) else {
        return Ok(None);
    };
    // The tag's size is "synchsafe" (7 bits a byte) and leaves out the 10-byte header, and the
    // 10-byte footer when the flags say there is one.
    let body = [a, b, c, d]
        .iter()
        .fold(0u64, |size, byte| size << 7 | u64::from(byte & 0x7F));
    let start = 10 + body + if flags & 0x10 != 0 { 10 } else { 0 };
    file.seek(SeekFrom::Start(start)).map_err(cannot_read)?;
    let mut magic = Vec::with_capacity(4);
    file.take(4).read_to_end(&mut magic).map_err(cannot_read)?;
    Ok((magic == b"fLaC").then_some(start))
}

fn rewound(mut file: File, start: u64) -> Result<BufReader<File>, String> {
    file.seek(SeekFrom::Start(start)).map_err(cannot_read)?;
    Ok(BufReader::new(file))
}

/// Refuses a layout the engine cannot render before any audio is decoded.
fn check_layout(channels: u32, sample_rate: u32) -> Result<(), String> {
    if !(1..=2).contains(&channels) {
        return Err(format!("{channels} channels (Murmur takes mono or stereo)"));
    }
    if !(RATES_HZ.0..=RATES_HZ.1).contains(&sample_rate) {
        return Err(format!(
            "sample rate {sample_rate} Hz (Murmur renders files at {}–{} Hz)",
            RATES_HZ.0, RATES_HZ.1
        ));
    }
    Ok(())
}

fn check_not_empty(audio: Audio) -> Result<Audio, String> {
    if audio.channels[0].is_empty() {
        return Err("no audio in the file (0 samples)".to_owned());
    }
    Ok(audio)
}

/// Why a WAV file failed, where `part` ("WAV header" or "audio data") was being read.
fn wav_error(e: hound::Error, part: &str) -> String {
    match e {
        // hound reports running out of file as `UnexpectedEof` from some reads and as its own
        // error, of kind `Other`, from others.
        hound::Error::IoError(e)
            if e.kind() == std::io::ErrorKind::UnexpectedEof
                || e.to_string() == "Failed to read enough bytes." =>
        {
            format!("damaged {part} (the file ends early)")
        }
        hound::Error::IoError(e) => cannot_read(e),
        hound::Error::FormatError(reason) => format!("damaged {part} ({reason})"),
        hound::Error::Unsupported => {
            "unsupported WAV encoding (use 8/16/24/32-bit integer or 32/64-bit float)".to_owned()
        }
        e => format!("damaged {part} ({e})"),
    }
}

fn read_wav(path: &Path, mut input: BufReader<File>, size: u64) -> Result<Audio, String> {
    // hound checks the header (and names what is wrong with it) ...
    let reader = match hound::WavReader::new(&mut input) {
        Ok(reader) => reader,
        Err(e) => return read_what_hound_does_not(path).unwrap_or(Err(wav_error(e, "WAV header"))),
    };
    let spec = reader.spec();
    let samples = u64::from(reader.len());
    check_layout(spec.channels.into(), spec.sample_rate)?;
    let count = usize::from(spec.channels);
    let frame_bytes = count as u64 * u64::from(spec.bits_per_sample.div_ceil(8));
    let reserve = (samples / count as u64).min(size / frame_bytes.max(1)) as usize;
    let mut channels = vec![Vec::with_capacity(reserve); count];
    let layout = match (spec.sample_format, spec.bits_per_sample) {
        (hound::SampleFormat::Float, 32) => Pcm::F32,
        (hound::SampleFormat::Int, 16) => Pcm::I16,
        (hound::SampleFormat::Int, 24) => Pcm::I24,
        (hound::SampleFormat::Int, 32) => Pcm::I32,
        (format, bits) => {
            return read_what_hound_does_not(path).unwrap_or(Err(format!(
                "unsupported sample format ({bits}-bit {format:?}; use 8/16/24/32-bit integer or 32/64-bit float)"
            )));
        }
    };
    // ... then the samples are decoded a block at a time by Murmur's own reader where each
    // sample fills its bytes (the usual case); other containers go through hound sample by
    // sample. Both give the same values.
    let mut blocks = crate::reader::Reader::open(path)
        .ok()
        .filter(|r| r.bytes_per_sample() == Some(layout.bytes()) && r.channels == count);
    if let Some(reader) = blocks.as_mut() {
        let mut block = Vec::new();
        loop {
            let frames = reader.read(&mut block, 16_384)?;
            if frames == 0 {
                break;
            }
            for frame in block.chunks_exact(count) {
                for (channel, &x) in channels.iter_mut().zip(frame) {
                    channel.push(x);
                }
            }
        }
    } else {
        input.seek(SeekFrom::Start(0)).map_err(cannot_read)?;
        let reader = hound::WavReader::new(input).map_err(|e| wav_error(e, "WAV header"))?;
        match layout {
            Pcm::F32 => deinterleave(reader.into_samples(), &mut channels)?,
            _ => {
                let scale = layout.scale();
                let samples = reader.into_samples::<i32>();
                deinterleave(samples.map(|s| s.map(|v| v as f32 * scale)), &mut channels)?;
            }
        }
    }
    check_not_empty(Audio {
        channels,
        sample_rate: spec.sample_rate,
    })
}

/// Reads an RF64 file with Murmur's own reader (hound reads plain WAV only).
fn read_rf64(path: &Path) -> Result<Audio, String> {
    read_all(crate::reader::Reader::open(path)?)
}

/// A WAV file of 64-bit floats or 8-bit samples, which hound does not read and Murmur's own
/// reader does: read whole (`None` for any other file, whose error hound's names).
fn read_what_hound_does_not(path: &Path) -> Option<Result<Audio, String>> {
    let reader = crate::reader::Reader::open(path).ok()?;
    matches!(reader.bytes_per_sample(), Some(1 | 8)).then(|| read_all(reader))
}

/// Reads the rest of a file open in Murmur's own reader.
fn read_all(mut reader: crate::reader::Reader) -> Result<Audio, String> {
    check_layout(reader.channels as u32, reader.sample_rate)?;
    let count = reader.channels;
    let mut channels = vec![Vec::new(); count];
    let mut block = Vec::new();
    while reader.read(&mut block, 16_384)? > 0 {
        for frame in block.chunks_exact(count) {
            for (channel, &x) in channels.iter_mut().zip(frame) {
                channel.push(x);
            }
        }
    }
    check_not_empty(Audio {
        channels,
        sample_rate: reader.sample_rate,
    })
}

/// How the samples of a WAV file are stored.
#[derive(Clone, Copy)]
enum Pcm {
    I16,
    I24,
    I32,
    F32,
}

impl Pcm {
    fn bytes(self) -> usize {
        match self {
            Self::I16 => 2,
            Self::I24 => 3,
            Self::I32 | Self::F32 => 4,
        }
    }

    /// Full scale of the integer formats: 2^(bits − 1).
    fn scale(self) -> f32 {
        match self {
            Self::I16 => 1.0 / 32_768.0,
            Self::I24 => 1.0 / 8_388_608.0,
            Self::I32 | Self::F32 => 1.0 / 2_147_483_648.0,
        }
    }
}

/// Splits interleaved `samples` into `channels` (hound checks the count is a whole number of
/// frames).
fn deinterleave(
    samples: impl Iterator<Item = hound::Result<f32>>,
    channels: &mut [Vec<f32>],
) -> Result<(), String> {
    for (sample, c) in samples.zip((0..channels.len()).cycle()) {
        channels[c].push(sample.map_err(|e| wav_error(e, "audio data"))?);
    }
    Ok(())
}

/// Why a FLAC file failed, where `part` ("FLAC header" or "audio data") was being read.
fn flac_error(e: claxon::Error, part: &str) -> String {
    match e {
        claxon::Error::IoError(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
            format!("damaged {part} (the file ends early)")
        }
        claxon::Error::IoError(e) => cannot_read(e),
        claxon::Error::FormatError(reason) => format!("damaged {part} ({reason})"),
        claxon::Error::Unsupported(feature) => format!("unsupported FLAC encoding ({feature})"),
    }
}

fn read_flac(input: impl Read, size: u64) -> Result<Audio, String> {
    let options = claxon::FlacReaderOptions {
        metadata_only: false,
        read_vorbis_comment: false,
    };
    let mut reader =
        claxon::FlacReader::new_ext(input, options).map_err(|e| flac_error(e, "FLAC header"))?;
    let info = reader.streaminfo();
    check_layout(info.channels, info.sample_rate)?;
    // Claxon decodes only the depths a frame header can name short of 32 bits; it would call
    // any other depth a damaged frame.
    if ![8, 12, 16, 20, 24].contains(&info.bits_per_sample) {
        return Err(format!(
            "unsupported FLAC encoding ({}-bit samples; Murmur reads 8/12/16/20/24-bit FLAC)",
            info.bits_per_sample
        ));
    }
    // FLAC compresses, so its size bounds the length only loosely; past this the vectors grow.
    let reserve = info.samples.unwrap_or(0).min(size.saturating_mul(4)) as usize;
    let mut channels = vec![Vec::with_capacity(reserve); info.channels as usize];
    let scale = 1.0 / (1u64 << (info.bits_per_sample - 1)) as f32;
    let mut frames = reader.blocks();
    let mut buffer = Vec::new();
    while let Some(block) = frames
        .read_next_or_eof(buffer)
        .map_err(|e| flac_error(e, "audio data"))?
    {
        if block.channels() != info.channels {
            return Err(format!(
                "damaged audio data (a frame of {} channels in a {}-channel stream)",
                block.channels(),
                info.channels
            ));
        }
        for (c, channel) in (0..).zip(&mut channels) {
            channel.extend(block.channel(c).iter().map(|&v| v as f32 * scale));
        }
        buffer = block.into_buffer();
    }
    // Claxon ends quietly when a file is cut between two frames; the header knows better.
    let decoded = channels[0].len() as u64;
    if let Some(declared) = info.samples
        && decoded < declared
    {
        return Err(format!(
            "damaged audio data (the file ends early, after {decoded} of {declared} samples)"
        ));
    }
    check_not_empty(Audio {
        channels,
        sample_rate: info.sample_rate,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use testkit::flac as flac_writer;

    /// A file under the system's temporary directory, deleted when dropped.
    struct TempFile(std::path::PathBuf);

    impl TempFile {
        fn new(name: &str, bytes: &[u8]) -> Self {
            static FILES: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
            let id = FILES.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            let path = std::env::temp_dir().join(format!(
                "murmur-input-test-{}-{id}-{name}",
                std::process::id()
            ));
            std::fs::write(&path, bytes).unwrap();
            Self(path)
        }
    }

    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    fn read_bytes(name: &str, bytes: &[u8]) -> Result<Audio, String> {
        read(&TempFile::new(name, bytes).0)
    }

    fn error(name: &str, bytes: &[u8]) -> String {
        match read_bytes(name, bytes) {
            Ok(audio) => panic!(
                "{name}: read {} channels at {} Hz",
                audio.channels.len(),
                audio.sample_rate
            ),
            Err(e) => e,
        }
    }

    /// A deterministic test signal in -1..=1 that starts with -1 in every channel.
    fn signal(frames: usize, channels: usize) -> Vec<Vec<f32>> {
        (0..channels)
            .map(|c| {
                (0..frames)
                    .map(|n| match n {
                        0 => -1.0,
                        1 => 1.0,
                        _ => ((n * 7919 + c * 104_729) % 2001) as f32 / 1000.0 - 1.0,
                    })
                    .collect()
            })
            .collect()
    }

    /// `signal` as interleaved integers of `bits`, rounded and clipped to full scale.
    fn quantized(signal: &[Vec<f32>], bits: u16) -> Vec<i32> {
        let full = (1i64 << (bits - 1)) as f64;
        (0..signal[0].len())
            .flat_map(|n| signal.iter().map(move |channel| channel[n]))
            .map(|x| (f64::from(x) * full).round().clamp(-full, full - 1.0) as i32)
            .collect()
    }

    /// One quantization step of `bits`, no finer than f32 can tell apart near full scale.
    fn step(bits: u16) -> f32 {
        (1.0 / (1u64 << (bits - 1)) as f32).max(f32::EPSILON)
    }

    fn assert_decodes_to(
        audio: &Audio,
        signal: &[Vec<f32>],
        rate: u32,
        tolerance: f32,
        what: &str,
    ) {
        assert_eq!(audio.sample_rate, rate, "{what}");
        assert_eq!(audio.channels.len(), signal.len(), "{what}");
        for (decoded, original) in audio.channels.iter().zip(signal) {
            assert_eq!(decoded.len(), original.len(), "{what}");
            let worst = decoded
                .iter()
                .zip(original)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0, f32::max);
            assert!(worst <= tolerance, "{what}: off by {worst}");
            // Negative full scale is exactly representable in every format.
            assert_eq!(decoded[0], -1.0, "{what}");
        }
    }

    /// A WAV file of `signal`; `bits` "32f" for float, else 16/24/32-bit integers.
    fn wav(signal: &[Vec<f32>], rate: u32, bits: &str) -> Vec<u8> {
        let (bits_per_sample, sample_format) = match bits {
            "32f" => (32, hound::SampleFormat::Float),
            bits => (bits.parse().unwrap(), hound::SampleFormat::Int),
        };
        let spec = hound::WavSpec {
            channels: signal.len() as u16,
            sample_rate: rate,
            bits_per_sample,
            sample_format,
        };
        let mut bytes = Vec::new();
        let mut writer = hound::WavWriter::new(std::io::Cursor::new(&mut bytes), spec).unwrap();
        if sample_format == hound::SampleFormat::Float {
            for n in 0..signal[0].len() {
                for channel in signal {
                    writer.write_sample(channel[n]).unwrap();
                }
            }
        } else {
            for v in quantized(signal, bits_per_sample) {
                writer.write_sample(v).unwrap();
            }
        }
        writer.finalize().unwrap();
        bytes
    }

    /// A FLAC file of `signal` at `bits`, and the offset where each of its frames starts.
    fn flac(signal: &[Vec<f32>], rate: u32, bits: u16) -> (Vec<u8>, Vec<usize>) {
        flac_writer::flac_bytes(&quantized(signal, bits), signal.len(), bits, rate)
    }

    #[test]
    fn wav_decodes_to_its_samples() {
        for rate in [RATES_HZ.0, RATES_HZ.1] {
            for channels in [1, 2] {
                let signal = signal(3000, channels);
                for (bits, tolerance) in [
                    ("16", step(16)),
                    ("24", step(24)),
                    ("32", step(32)),
                    ("32f", 0.0),
                ] {
                    let what = format!("{rate} Hz, {channels} ch, {bits}-bit WAV");
                    let audio = read_bytes("in.wav", &wav(&signal, rate, bits)).unwrap();
                    assert_decodes_to(&audio, &signal, rate, tolerance, &what);
                }
            }
        }
    }

    #[test]
    fn flac_decodes_to_its_samples() {
        for rate in [RATES_HZ.0, RATES_HZ.1] {
            for channels in [1, 2] {
                let signal = signal(3000, channels);
                for bits in [16, 24] {
                    let what = format!("{rate} Hz, {channels} ch, {bits}-bit FLAC");
                    let (bytes, starts) = flac(&signal, rate, bits);
                    assert_eq!(starts.len(), 3, "{what}: the test wants several frames");
                    let audio = read_bytes("in.flac", &bytes).unwrap();
                    assert_decodes_to(&audio, &signal, rate, step(bits), &what);
                }
            }
        }
    }

    #[test]
    fn flac_of_other_depths_is_scaled_by_its_depth() {
        let signal = signal(2000, 2);
        for bits in [8, 12, 20] {
            let audio = read_bytes("in.flac", &flac(&signal, 44_100, bits).0).unwrap();
            assert_decodes_to(&audio, &signal, 44_100, step(bits), &format!("{bits}-bit"));
        }
    }

    #[test]
    fn content_decides_not_the_name() {
        let signal = signal(500, 2);
        let audio = read_bytes("wav-in-disguise.flac", &wav(&signal, 48_000, "24")).unwrap();
        assert_decodes_to(&audio, &signal, 48_000, step(24), "WAV named .flac");
        let audio = read_bytes("flac-in-disguise.wav", &flac(&signal, 48_000, 16).0).unwrap();
        assert_decodes_to(&audio, &signal, 48_000, step(16), "FLAC named .wav");
        let audio = read_bytes("no-extension", &flac(&signal, 48_000, 16).0).unwrap();
        assert_decodes_to(&audio, &signal, 48_000, step(16), "FLAC with no extension");
    }

    /// An ID3v2.4 tag of `body` bytes (after its 10-byte header), with a footer if `footer`.
    fn id3(body: u32, footer: bool) -> Vec<u8> {
        let mut tag = b"ID3\x04\x00".to_vec();
        tag.push(if footer { 0x10 } else { 0 });
        tag.extend([21, 14, 7, 0].map(|shift| (body >> shift & 0x7F) as u8));
        tag.resize(10 + body as usize, 0);
        if footer {
            tag.extend(b"3DI\x04\x00\x10");
            tag.extend([21, 14, 7, 0].map(|shift| (body >> shift & 0x7F) as u8));
        }
        tag
    }

    #[test]
    fn flac_behind_an_id3_tag_is_read() {
        let signal = signal(500, 1);
        for (body, footer) in [(0, false), (300, false), (200, true)] {
            let mut bytes = id3(body, footer);
            bytes.extend(flac(&signal, 22_050, 16).0);
            let audio = read_bytes("tagged.flac", &bytes).unwrap();
            let what = format!("ID3 tag of {body} bytes, footer {footer}");
            assert_decodes_to(&audio, &signal, 22_050, step(16), &what);
        }
    }

    #[test]
    fn other_formats_are_named() {
        let mut mp3 = id3(100, false);
        mp3.extend([0xFF, 0xFB, 0x90, 0x64]);
        mp3.resize(400, 0);
        let cases: [(&[u8], &str); 10] = [
            (
                b"OggS\x00\x02\x00\x00\x00\x00\x00\x00\x00\x00",
                "an Ogg file",
            ),
            (&mp3, "an MP3 file"),
            (b"ID3\x03\x00\x00", "an MP3 file"),
            (&[0xFF, 0xFB, 0x90, 0x64, 0, 0, 0, 0], "an MP3 file"),
            (&[0xFF, 0xF3, 0x48, 0xC4, 0, 0, 0, 0], "an MP3 file"),
            (&[0xFF, 0xF2], "an MP3 file"),
            (b"FORM\x00\x00\x10\x00AIFFCOMM\x00\x00", "an AIFF file"),
            (b"FORM\x00\x00\x10\x00AIFCFVER\x00\x00", "an AIFF file"),
            (
                b"\x00\x00\x00\x20ftypM4A \x00\x00\x02\x00",
                "an MP4/M4A file",
            ),
            (
                b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00",
                "an MP4/M4A file",
            ),
        ];
        for (bytes, what) in cases {
            assert_eq!(
                error("song.wav", bytes),
                format!("{what}; Murmur reads WAV and FLAC")
            );
        }
        let noise: Vec<u8> = (0..999u32).map(|i| (i * 7919 % 251) as u8).collect();
        let unknown: [&[u8]; 6] = [
            &noise,
            b"RIFF\x24\x00\x00\x00AVI LIST",
            b"FORM\x00\x00\x10\x008SVX",
            b"fLa",
            b"RIFF",
            b"\x00",
        ];
        for bytes in unknown {
            assert_eq!(error("noise.flac", bytes), "not a WAV or FLAC file");
        }
    }

    #[test]
    fn empty_and_unreadable_files_are_refused() {
        assert_eq!(
            error("empty.wav", b""),
            "not a WAV or FLAC file (the file is empty)"
        );
        let missing = std::env::temp_dir().join("murmur-input-test-no-such-file.wav");
        let e = read(&missing).err().unwrap();
        assert!(e.starts_with("cannot read: "), "{e}");
        let e = read(&std::env::temp_dir()).err().unwrap();
        assert!(e.starts_with("cannot read: "), "{e}");
    }

    #[test]
    fn truncated_wav_is_damaged() {
        let bytes = wav(&signal(1000, 2), 44_100, "24");
        for cut in [bytes.len() - 1, bytes.len() - 6, bytes.len() / 2] {
            let e = error("cut.wav", &bytes[..cut]);
            assert_eq!(
                e, "damaged audio data (the file ends early)",
                "cut at {cut}"
            );
        }
        // Cut inside the header, as a crashed recorder might leave it.
        for cut in [16, 30, 40] {
            let e = error("cut.wav", &bytes[..cut]);
            assert_eq!(
                e, "damaged WAV header (the file ends early)",
                "cut at {cut}"
            );
        }
    }

    #[test]
    fn truncated_or_corrupt_flac_is_damaged() {
        let (bytes, starts) = flac(&signal(3000, 2), 44_100, 16);
        // Inside a frame.
        for cut in [bytes.len() - 1, starts[1] + 10, starts[2] - 1] {
            let e = error("cut.flac", &bytes[..cut]);
            assert_eq!(
                e, "damaged audio data (the file ends early)",
                "cut at {cut}"
            );
        }
        // Between frames: claxon sees a clean end, the sample count in the header does not.
        let e = error("cut.flac", &bytes[..starts[2]]);
        assert_eq!(
            e,
            "damaged audio data (the file ends early, after 2048 of 3000 samples)"
        );
        // Inside the header.
        for cut in [6, 20, starts[0] - 1] {
            let e = error("cut.flac", &bytes[..cut]);
            assert_eq!(
                e, "damaged FLAC header (the file ends early)",
                "cut at {cut}"
            );
        }
        // A flipped byte in the audio fails the frame's checksum (or its decoding).
        let mut corrupt = bytes.clone();
        corrupt[starts[1] + 40] ^= 0x5A;
        let e = error("corrupt.flac", &corrupt);
        assert!(e.starts_with("damaged audio data ("), "{e}");
    }

    #[test]
    fn more_than_two_channels_are_refused() {
        let signal = signal(500, 3);
        let message = "3 channels (Murmur takes mono or stereo)";
        assert_eq!(error("3ch.wav", &wav(&signal, 48_000, "16")), message);
        assert_eq!(error("3ch.flac", &flac(&signal, 48_000, 16).0), message);
    }

    #[test]
    fn rates_outside_the_range_are_refused() {
        let signal = signal(500, 1);
        for rate in [RATES_HZ.0 - 1, 200_000] {
            let e = error("rate.wav", &wav(&signal, rate, "16"));
            assert_eq!(
                e,
                format!("sample rate {rate} Hz (Murmur renders files at 8000–192000 Hz)")
            );
        }
        let e = error("rate.flac", &flac(&signal, 7_999, 16).0);
        assert!(e.starts_with("sample rate 7999 Hz"), "{e}");
    }

    #[test]
    fn files_without_samples_are_refused() {
        let message = "no audio in the file (0 samples)";
        for channels in [1, 2] {
            let silence = vec![vec![]; channels];
            assert_eq!(error("zero.wav", &wav(&silence, 48_000, "16")), message);
            assert_eq!(error("zero.flac", &flac(&silence, 48_000, 16).0), message);
        }
    }

    #[test]
    fn unsupported_flac_depth_is_named() {
        let (mut bytes, _) = flac(&signal(100, 1), 48_000, 24);
        // The depth less one: the last bit of byte 20 and the top four of byte 21.
        for bits in [32u8, 17] {
            bytes[20] = bytes[20] & 0xFE | (bits - 1) >> 4;
            bytes[21] = bytes[21] & 0x0F | (bits - 1) << 4;
            let e = error("deep.flac", &bytes);
            let says = format!("unsupported FLAC encoding ({bits}-bit samples;");
            assert!(e.starts_with(&says), "{e}");
        }
    }

    #[test]
    fn unsupported_wav_encoding_is_named() {
        // 8-bit samples read (Murmur's own reader takes what hound does not) ...
        let audio = read_bytes("8bit.wav", &wav(&signal(100, 1), 48_000, "8")).unwrap();
        assert_eq!(audio.channels[0].len(), 100);
        // ... a compressed encoding (format 2, Microsoft ADPCM) is named as unsupported.
        let mut adpcm = wav(&signal(100, 1), 48_000, "16");
        adpcm[20..22].copy_from_slice(&2u16.to_le_bytes());
        let e = error("adpcm.wav", &adpcm);
        assert!(e.starts_with("unsupported WAV encoding"), "{e}");
    }
}
