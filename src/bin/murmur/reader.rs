//! Reading finished files block by block, whoever wrote them, for `murmur check`: WAV and RF64
//! (8-bit unsigned, 16/24/32-bit integer, 32/64-bit float, plain or extensible `fmt `) and FLAC
//! (through claxon). Memory stays constant however long the file.
//!
//! hound cannot read RF64, so the RIFF chunks are walked here; the header fields are the ones
//! `riff.rs` writes (EBU Tech 3306 for `ds64`).

use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::Path;

/// A file open for reading.
pub struct Reader {
    pub sample_rate: u32,
    pub channels: usize,
    /// Frames the header declares, when it does.
    pub frames: Option<u64>,
    body: Body,
}

enum Body {
    Pcm {
        input: BufReader<File>,
        sample: PcmSample,
        /// Bytes of sample data left to read.
        left: u64,
        /// Bytes the file really has for them (less than declared when truncated).
        bytes: Vec<u8>,
    },
    Flac {
        reader: Box<claxon::FlacReader<BufReader<File>>>,
        scale: f32,
        /// Interleaved samples decoded but not yet handed out.
        pending: Vec<f32>,
        taken: usize,
        buffer: Vec<i32>,
    },
}

/// How one PCM sample is stored.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum PcmSample {
    U8,
    I16,
    I24,
    I32,
    F32,
    F64,
}

impl PcmSample {
    fn bytes(self) -> usize {
        match self {
            Self::U8 => 1,
            Self::I16 => 2,
            Self::I24 => 3,
            Self::I32 | Self::F32 => 4,
            Self::F64 => 8,
        }
    }

    fn decode(self, b: &[u8]) -> f32 {
        match self {
            Self::U8 => (f32::from(b[0]) - 128.0) / 128.0,
            Self::I16 => f32::from(i16::from_le_bytes([b[0], b[1]])) / 32_768.0,
            Self::I24 => (i32::from_le_bytes([0, b[0], b[1], b[2]]) >> 8) as f32 / 8_388_608.0,
            Self::I32 => {
                (f64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]])) / 2_147_483_648.0) as f32
            }
            Self::F32 => f32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            Self::F64 => f64::from_le_bytes(b[..8].try_into().expect("8 bytes")) as f32,
        }
    }
}

/// The largest `ds64` or `fmt ` chunk believed (both are tens of bytes): a damaged size cannot
/// make the reader reserve gigabytes.
const MAX_HEADER_CHUNK: u32 = 1 << 16;

fn io(e: std::io::Error) -> String {
    if e.kind() == std::io::ErrorKind::UnexpectedEof {
        "damaged header (the file ends early)".to_owned()
    } else {
        format!("cannot read: {e}")
    }
}

impl Reader {
    /// Opens `path`, deciding the format by its content.
    pub fn open(path: &Path) -> Result<Self, String> {
        let mut input = BufReader::new(File::open(path).map_err(io)?);
        let mut magic = [0u8; 4];
        let mut got = 0;
        while got < 4 {
            let n = input.read(&mut magic[got..]).map_err(io)?;
            if n == 0 {
                break;
            }
            got += n;
        }
        input.seek(SeekFrom::Start(0)).map_err(io)?;
        match &magic[..got] {
            b"RIFF" | b"RF64" | b"BW64" => Self::open_riff(input),
            b"fLaC" => Self::open_flac(input),
            [] => Err("not a WAV, RF64 or FLAC file (the file is empty)".to_owned()),
            _ => Err("not a WAV, RF64 or FLAC file".to_owned()),
        }
    }

    fn open_riff(mut input: BufReader<File>) -> Result<Self, String> {
        let mut head = [0u8; 12];
        input.read_exact(&mut head).map_err(io)?;
        if &head[8..12] != b"WAVE" {
            return Err("not a WAV, RF64 or FLAC file".to_owned());
        }
        let mut ds64_data: Option<u64> = None;
        let mut format: Option<(PcmSample, usize, u32)> = None;
        loop {
            let mut chunk = [0u8; 8];
            input
                .read_exact(&mut chunk)
                .map_err(|_| "damaged header (no data chunk)".to_owned())?;
            let size = u32::from_le_bytes(chunk[4..8].try_into().expect("4 bytes"));
            match &chunk[..4] {
                b"ds64" | b"fmt " if size > MAX_HEADER_CHUNK => {
                    return Err(format!(
                        "damaged header (a {} chunk of {size} bytes)",
                        String::from_utf8_lossy(&chunk[..4]).trim()
                    ));
                }
                b"ds64" => {
                    let mut body = vec![0u8; size as usize];
                    input.read_exact(&mut body).map_err(io)?;
                    if body.len() < 24 {
                        return Err("damaged header (ds64 chunk too short)".to_owned());
                    }
                    ds64_data = Some(u64::from_le_bytes(body[8..16].try_into().expect("8")));
                }
                b"fmt " => {
                    let mut body = vec![0u8; size as usize];
                    input.read_exact(&mut body).map_err(io)?;
                    format = Some(parse_fmt(&body)?);
                }
                b"data" => {
                    let (sample, channels, sample_rate) =
                        format.ok_or("damaged header (data before fmt)")?;
                    let declared = match (size, ds64_data) {
                        (0xFFFF_FFFF, Some(big)) => big,
                        (size, _) => u64::from(size),
                    };
                    let frame = (sample.bytes() * channels) as u64;
                    return Ok(Self {
                        sample_rate,
                        channels,
                        frames: Some(declared / frame),
                        body: Body::Pcm {
                            input,
                            sample,
                            left: declared - declared % frame,
                            bytes: Vec::new(),
                        },
                    });
                }
                _ => input.seek_relative(i64::from(size)).map_err(io)?,
            }
            // Chunks of an odd size are followed by a pad byte.
            if size & 1 == 1 {
                input.seek_relative(1).map_err(io)?;
            }
        }
    }

    fn open_flac(input: BufReader<File>) -> Result<Self, String> {
        let reader = claxon::FlacReader::new(input).map_err(|e| match e {
            claxon::Error::IoError(e) => io(e),
            e => format!("damaged FLAC header ({e})"),
        })?;
        let info = reader.streaminfo();
        if info.bits_per_sample > 24 {
            return Err(format!(
                "unsupported FLAC encoding ({}-bit samples)",
                info.bits_per_sample
            ));
        }
        Ok(Self {
            sample_rate: info.sample_rate,
            channels: info.channels as usize,
            frames: info.samples,
            body: Body::Flac {
                reader: Box::new(reader),
                scale: 1.0 / (1u64 << (info.bits_per_sample - 1)) as f32,
                pending: Vec::new(),
                taken: 0,
                buffer: Vec::new(),
            },
        })
    }

    /// Bytes per sample of a WAV or RF64 file (`None` for FLAC).
    pub fn bytes_per_sample(&self) -> Option<usize> {
        match &self.body {
            Body::Pcm { sample, .. } => Some(sample.bytes()),
            Body::Flac { .. } => None,
        }
    }

    /// Reads up to `max_frames` frames, interleaved, into `out` (replacing its contents).
    /// Returns the frames read: 0 at the end. A file shorter than its header says is an error.
    pub fn read(&mut self, out: &mut Vec<f32>, max_frames: usize) -> Result<usize, String> {
        out.clear();
        let channels = self.channels;
        match &mut self.body {
            Body::Pcm {
                input,
                sample,
                left,
                bytes,
            } => {
                let frame = sample.bytes() * channels;
                // Bounded by the caller's block, never by the header's claims.
                let want = ((max_frames * frame) as u64).min(*left) as usize;
                bytes.resize(want, 0);
                let mut got = 0;
                while got < want {
                    let n = input.read(&mut bytes[got..]).map_err(io)?;
                    if n == 0 {
                        return Err("damaged audio data (the file ends early)".to_owned());
                    }
                    got += n;
                }
                *left -= want as u64;
                out.extend(bytes.chunks_exact(sample.bytes()).map(|b| sample.decode(b)));
                Ok(want / frame)
            }
            Body::Flac {
                reader,
                scale,
                pending,
                taken,
                buffer,
            } => {
                while *taken >= pending.len() {
                    pending.clear();
                    *taken = 0;
                    let block = reader
                        .blocks()
                        .read_next_or_eof(std::mem::take(buffer))
                        .map_err(|e| match e {
                            claxon::Error::IoError(e)
                                if e.kind() == std::io::ErrorKind::UnexpectedEof =>
                            {
                                "damaged audio data (the file ends early)".to_owned()
                            }
                            e => format!("damaged audio data ({e})"),
                        })?;
                    let Some(block) = block else {
                        return Ok(0);
                    };
                    for i in 0..block.duration() {
                        for c in 0..channels as u32 {
                            pending.push(block.sample(c, i) as f32 * *scale);
                        }
                    }
                    *buffer = block.into_buffer();
                }
                let n = (max_frames * channels).min(pending.len() - *taken);
                out.extend_from_slice(&pending[*taken..*taken + n]);
                *taken += n;
                Ok(n / channels)
            }
        }
    }
}

/// The sample layout of a `fmt ` chunk: sample type, channels, rate.
fn parse_fmt(body: &[u8]) -> Result<(PcmSample, usize, u32), String> {
    if body.len() < 16 {
        return Err("damaged header (fmt chunk too short)".to_owned());
    }
    let u16_at = |at: usize| u16::from_le_bytes([body[at], body[at + 1]]);
    let mut tag = u16_at(0);
    let channels = usize::from(u16_at(2));
    let rate = u32::from_le_bytes(body[4..8].try_into().expect("4 bytes"));
    let bits = u16_at(14);
    let block_align = usize::from(u16_at(12));
    if tag == 0xFFFE {
        if body.len() < 26 {
            return Err("damaged header (extensible fmt chunk too short)".to_owned());
        }
        tag = u16_at(24);
    }
    let sample = match (tag, bits) {
        (1, 8) => PcmSample::U8,
        (1, 16) => PcmSample::I16,
        (1, 24) => PcmSample::I24,
        (1, 32) => PcmSample::I32,
        (3, 32) => PcmSample::F32,
        (3, 64) => PcmSample::F64,
        (tag, bits) => {
            return Err(format!(
                "unsupported WAV encoding (format {tag}, {bits}-bit)"
            ));
        }
    };
    if channels == 0 || rate == 0 {
        return Err("damaged header (no channels or no sample rate)".to_owned());
    }
    // Samples in a larger container (24 bits in 4 bytes, say) are not read here.
    if block_align != channels * sample.bytes() {
        return Err(format!(
            "unsupported WAV encoding ({bits}-bit samples in {}-byte frames)",
            block_align
        ));
    }
    Ok((sample, channels, rate))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A WAV whose odd-sized chunk (a field recorder's `LIST`) is followed by its pad byte, then
    /// `fmt ` and `data`: every sample is read.
    #[test]
    fn odd_chunks_are_padded() {
        let samples: [i16; 6] = [1000, -1000, 2000, -2000, 3000, -3000];
        let mut bytes = b"RIFF\0\0\0\0WAVE".to_vec();
        bytes.extend(b"LIST");
        bytes.extend(3u32.to_le_bytes());
        bytes.extend(b"abc\0");
        bytes.extend(b"fmt ");
        bytes.extend(16u32.to_le_bytes());
        for field in [1u16, 2] {
            bytes.extend(field.to_le_bytes());
        }
        bytes.extend(48_000u32.to_le_bytes());
        bytes.extend((48_000u32 * 4).to_le_bytes());
        bytes.extend(4u16.to_le_bytes());
        bytes.extend(16u16.to_le_bytes());
        bytes.extend(b"data");
        bytes.extend(12u32.to_le_bytes());
        for s in samples {
            bytes.extend(s.to_le_bytes());
        }
        let size = (bytes.len() - 8) as u32;
        bytes[4..8].copy_from_slice(&size.to_le_bytes());
        let path = std::env::temp_dir().join(format!("murmur-reader-{}.wav", std::process::id()));
        std::fs::write(&path, &bytes).unwrap();
        let mut reader = Reader::open(&path).unwrap();
        let mut out = Vec::new();
        assert_eq!(reader.read(&mut out, 100).unwrap(), 3);
        let _ = std::fs::remove_file(&path);
        let expected: Vec<f32> = samples.iter().map(|&s| f32::from(s) / 32_768.0).collect();
        assert_eq!(out, expected);
        assert_eq!((reader.channels, reader.sample_rate), (2, 48_000));
    }
}
