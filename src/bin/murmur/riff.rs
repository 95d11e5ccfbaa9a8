//! WAV and RF64 files of any length, written block by block.
//!
//! A plain WAV stores its sizes in 32 bits, so it ends at 4 GiB (about 6 h 12 min of 48 kHz
//! 24-bit stereo). RF64 (EBU Tech 3306) is the same file with `RF64` in place of `RIFF`, the
//! 32-bit sizes set to 0xFFFFFFFF and the true 64-bit sizes in a `ds64` chunk placed right after
//! the `WAVE` tag. As Tech 3306 recommends, every file starts with a 28-byte `JUNK` chunk where
//! `ds64` would go, so a WAV that outgrows 4 GiB becomes RF64 by rewriting its header in place.
//!
//! No crate writes RF64 (hound writes WAV only) and the header is a few fixed fields, so this
//! is written here; independent readers (libsndfile's `sndfile-info`, sox) check it in the tests.

use std::io::{Seek, SeekFrom, Write};

use crate::output::{Encoding, Quantizer};

/// Bytes of the `ds64` chunk's body (RIFF size, data size, sample count: 64 bits each; an empty
/// table of other chunk sizes), which the `JUNK` chunk reserves.
const DS64_BODY: u32 = 28;
/// What a 32-bit size field says in RF64: "see ds64".
const SEE_DS64: u32 = 0xFFFF_FFFF;
/// `KSDATAFORMAT_SUBTYPE_PCM` and `_IEEE_FLOAT` (mmreg.h): the format tag, then a fixed tail.
const SUBTYPE_TAIL: [u8; 14] = [
    0x00, 0x00, 0x00, 0x00, 0x10, 0x00, 0x80, 0x00, 0x00, 0xAA, 0x00, 0x38, 0x9B, 0x71,
];

/// Which header a file gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Riff {
    /// `RIFF` with 32-bit sizes (and a `JUNK` chunk reserving room for `ds64`).
    Wav,
    /// `RF64` with the sizes in `ds64` (EBU Tech 3306).
    Rf64,
}

/// The largest data chunk a plain WAV can describe: the RIFF size (file length − 8) must fit
/// in 32 bits.
pub fn wav_can_hold(encoding: Encoding, channels: u16, frames: u64) -> bool {
    let data = data_bytes(encoding, channels, frames);
    header_len(encoding) as u64 - 8 + data + (data & 1) <= u64::from(u32::MAX)
}

fn data_bytes(encoding: Encoding, channels: u16, frames: u64) -> u64 {
    frames * u64::from(channels) * encoding.bytes() as u64
}

/// Bytes before the first sample.
pub fn header_len(encoding: Encoding) -> usize {
    12 + 8 + DS64_BODY as usize + 8 + fmt_body(encoding, 2, 1).len() + 8
}

/// The `fmt ` chunk's body: PCMWAVEFORMAT for 16-bit integers, WAVEFORMATEXTENSIBLE for 24-bit
/// integers and 32-bit floats (as Microsoft asks for more than 16 bits, and as hound writes).
fn fmt_body(encoding: Encoding, channels: u16, rate: u32) -> Vec<u8> {
    let bytes = encoding.bytes() as u16;
    let mut fmt = Vec::with_capacity(40);
    let tag: u16 = match encoding {
        Encoding::Int16 => 1,
        Encoding::Int24 | Encoding::Float32 => 0xFFFE,
    };
    fmt.extend(tag.to_le_bytes());
    fmt.extend(channels.to_le_bytes());
    fmt.extend(rate.to_le_bytes());
    fmt.extend((rate * u32::from(channels * bytes)).to_le_bytes());
    fmt.extend((channels * bytes).to_le_bytes());
    fmt.extend((bytes * 8).to_le_bytes());
    if tag == 0xFFFE {
        fmt.extend(22u16.to_le_bytes());
        fmt.extend((bytes * 8).to_le_bytes());
        // Channel mask: front left, front right.
        fmt.extend(if channels == 2 { 3u32 } else { 4u32 }.to_le_bytes());
        let subtype: u16 = if encoding == Encoding::Float32 { 3 } else { 1 };
        fmt.extend(subtype.to_le_bytes());
        fmt.extend(SUBTYPE_TAIL);
    }
    fmt
}

/// The header of a file holding `frames` frames of `channels` channels.
pub fn header(encoding: Encoding, channels: u16, rate: u32, frames: u64, kind: Riff) -> Vec<u8> {
    let data = data_bytes(encoding, channels, frames);
    let fmt = fmt_body(encoding, channels, rate);
    let len = 12 + 8 + DS64_BODY as usize + 8 + fmt.len() + 8;
    // The RIFF size counts everything after its own field, the data's pad byte included.
    let riff_size = len as u64 - 8 + data + (data & 1);
    let size32 = |size: u64| match kind {
        Riff::Wav => u32::try_from(size).expect("a WAV this large is written as RF64"),
        Riff::Rf64 => SEE_DS64,
    };
    let mut out = Vec::with_capacity(len);
    out.extend(match kind {
        Riff::Wav => b"RIFF",
        Riff::Rf64 => b"RF64",
    });
    out.extend(size32(riff_size).to_le_bytes());
    out.extend(b"WAVE");
    match kind {
        Riff::Wav => {
            out.extend(b"JUNK");
            out.extend(DS64_BODY.to_le_bytes());
            out.extend([0; DS64_BODY as usize]);
        }
        Riff::Rf64 => {
            out.extend(b"ds64");
            out.extend(DS64_BODY.to_le_bytes());
            out.extend(riff_size.to_le_bytes());
            out.extend(data.to_le_bytes());
            out.extend(frames.to_le_bytes());
            out.extend(0u32.to_le_bytes());
        }
    }
    out.extend(b"fmt ");
    out.extend((fmt.len() as u32).to_le_bytes());
    out.extend(fmt);
    out.extend(b"data");
    out.extend(size32(data).to_le_bytes());
    debug_assert_eq!(out.len(), len);
    out
}

/// A WAV or RF64 file being written.
pub struct RiffWriter<W: Write + Seek> {
    out: W,
    encoding: Encoding,
    channels: u16,
    rate: u32,
    frames: u64,
    /// RF64 from the start (asked for), rather than only when the data outgrows WAV.
    rf64: bool,
    /// The block's bytes, reused.
    bytes: Vec<u8>,
    quantizer: Quantizer,
}

impl<W: Write + Seek> RiffWriter<W> {
    /// Starts a file on `out` (a placeholder header; [`finish`](Self::finish) writes the real
    /// one).
    pub fn new(
        mut out: W,
        encoding: Encoding,
        channels: u16,
        rate: u32,
        rf64: bool,
    ) -> std::io::Result<Self> {
        let kind = if rf64 { Riff::Rf64 } else { Riff::Wav };
        out.write_all(&header(encoding, channels, rate, 0, kind))?;
        Ok(Self {
            out,
            encoding,
            channels,
            rate,
            frames: 0,
            rf64,
            bytes: Vec::new(),
            quantizer: Quantizer::new(encoding),
        })
    }

    /// Appends interleaved samples (a whole number of frames).
    pub fn write_interleaved(&mut self, samples: &[f32]) -> std::io::Result<()> {
        self.bytes.clear();
        self.encoding
            .append_le(samples, &mut self.quantizer, &mut self.bytes);
        self.out.write_all(&self.bytes)?;
        self.frames += (samples.len() / usize::from(self.channels)) as u64;
        Ok(())
    }

    /// Writes the pad byte and the final header; says which header it became.
    pub fn finish(mut self) -> std::io::Result<(W, Riff)> {
        let data = data_bytes(self.encoding, self.channels, self.frames);
        if data & 1 == 1 {
            self.out.write_all(&[0])?;
        }
        let kind = if self.rf64 || !wav_can_hold(self.encoding, self.channels, self.frames) {
            Riff::Rf64
        } else {
            Riff::Wav
        };
        self.out.seek(SeekFrom::Start(0))?;
        self.out.write_all(&header(
            self.encoding,
            self.channels,
            self.rate,
            self.frames,
            kind,
        ))?;
        self.out.flush()?;
        Ok((self.out, kind))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn u32_at(bytes: &[u8], at: usize) -> u32 {
        u32::from_le_bytes(bytes[at..at + 4].try_into().unwrap())
    }

    fn u64_at(bytes: &[u8], at: usize) -> u64 {
        u64::from_le_bytes(bytes[at..at + 8].try_into().unwrap())
    }

    /// Eight hours of 48 kHz 24-bit stereo (8.3 GB): the header of the RF64 it becomes, field by
    /// field, without writing the file.
    #[test]
    fn an_eight_hour_header_is_rf64_with_64_bit_sizes() {
        let frames = 8 * 3600 * 48_000u64;
        assert!(!wav_can_hold(Encoding::Int24, 2, frames));
        let h = header(Encoding::Int24, 2, 48_000, frames, Riff::Rf64);
        let data = frames * 6;
        assert_eq!(&h[0..4], b"RF64");
        assert_eq!(u32_at(&h, 4), 0xFFFF_FFFF);
        assert_eq!(&h[8..12], b"WAVE");
        assert_eq!(&h[12..16], b"ds64", "ds64 is the first chunk (Tech 3306)");
        assert_eq!(u32_at(&h, 16), 28);
        assert_eq!(u64_at(&h, 20), h.len() as u64 - 8 + data, "RIFF size");
        assert_eq!(u64_at(&h, 28), data, "data size");
        assert_eq!(u64_at(&h, 36), frames, "sample count");
        assert_eq!(u32_at(&h, 44), 0, "no table");
        assert_eq!(&h[48..52], b"fmt ");
        assert_eq!(u32_at(&h, 52), 40);
        assert_eq!(u32_at(&h, 60), 48_000);
        assert_eq!(&h[h.len() - 8..h.len() - 4], b"data");
        assert_eq!(u32_at(&h, h.len() - 4), 0xFFFF_FFFF);
        assert_eq!(h.len(), header_len(Encoding::Int24));
    }

    /// The limit sits where the RIFF size stops fitting in 32 bits, for every encoding.
    #[test]
    fn wav_holds_up_to_4_gib() {
        for encoding in [Encoding::Int16, Encoding::Int24, Encoding::Float32] {
            let frame = 2 * encoding.bytes() as u64;
            let room = u64::from(u32::MAX) - (header_len(encoding) as u64 - 8);
            let most = room / frame;
            assert!(wav_can_hold(encoding, 2, most), "{encoding:?}");
            assert!(!wav_can_hold(encoding, 2, most + 1), "{encoding:?}");
            let h = header(encoding, 2, 44_100, most, Riff::Wav);
            assert_eq!(&h[0..4], b"RIFF");
            assert_eq!(&h[12..16], b"JUNK");
            assert_eq!(u32_at(&h, 4) as u64, h.len() as u64 - 8 + most * frame);
            assert_eq!(u32_at(&h, h.len() - 4) as u64, most * frame);
        }
    }

    /// A small file read back by hound (an independent WAV reader) sample for sample; the RF64
    /// version has the same bytes after its header.
    #[test]
    fn small_files_read_back() {
        let samples: Vec<f32> = (0..2 * 3001)
            .map(|n| ((n * 37 % 101) as f32 - 50.0) / 50.0)
            .collect();
        for encoding in [Encoding::Int16, Encoding::Int24, Encoding::Float32] {
            let write = |rf64| {
                let mut w =
                    RiffWriter::new(std::io::Cursor::new(Vec::new()), encoding, 2, 44_100, rf64)
                        .unwrap();
                for block in samples.chunks(2 * 500) {
                    w.write_interleaved(block).unwrap();
                }
                let (cursor, kind) = w.finish().unwrap();
                assert_eq!(kind == Riff::Rf64, rf64);
                cursor.into_inner()
            };
            let (wav, rf64) = (write(false), write(true));
            let mut reader = hound::WavReader::new(std::io::Cursor::new(&wav)).unwrap();
            assert_eq!(reader.duration(), 3001);
            let read: Vec<f32> = match encoding {
                Encoding::Float32 => reader.samples::<f32>().map(Result::unwrap).collect(),
                _ => {
                    let full = encoding.full_scale();
                    reader
                        .samples::<i32>()
                        .map(|s| s.unwrap() as f32 / full)
                        .collect()
                }
            };
            // Rounding, and at 16 bits up to one step of dither.
            let step = match encoding {
                Encoding::Float32 => 0.0,
                Encoding::Int16 => 1.5 / encoding.full_scale(),
                Encoding::Int24 => 1.0 / encoding.full_scale(),
            };
            for (a, b) in read.iter().zip(&samples) {
                assert!((a - b).abs() <= step, "{encoding:?}: {a} {b}");
            }
            let start = header_len(encoding);
            assert_eq!(wav[start..], rf64[start..]);
        }
    }
}
