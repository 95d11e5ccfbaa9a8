//! FLAC files written as they are rendered, with `flacenc` (a pure-Rust encoder): frames of
//! [`FRAME_LEN`] samples are encoded as soon as they are full, so memory stays constant however
//! long the render. The STREAMINFO block (length, MD5 of the samples, frame sizes) is known only
//! at the end; it is written as a placeholder first and filled in by [`FlacWriter::finish`].

use std::io::{Seek, SeekFrom, Write};

use flacenc::component::{BitRepr, Stream, StreamInfo};
use flacenc::error::Verify;
use flacenc::source::{Context, Fill, FrameBuf};

use crate::output::{Encoding, Quantizer};

/// Samples per channel in one FLAC frame: libFLAC's default for 44.1/48 kHz.
pub const FRAME_LEN: usize = 4096;
/// The highest rate `flacenc` encodes, Hz (FLAC itself allows more).
pub const MAX_RATE_HZ: u32 = 96_000;

/// A FLAC stream being written.
pub struct FlacWriter<W: Write + Seek> {
    out: W,
    config: flacenc::error::Verified<flacenc::config::Encoder>,
    info: StreamInfo,
    channels: usize,
    quantizer: Quantizer,
    /// Interleaved samples of the frame being filled.
    pending: Vec<i32>,
    frame: FrameBuf,
    /// Counts frames and computes the MD5 of every sample.
    context: Context,
    sink: flacenc::bitsink::ByteSink,
}

impl<W: Write + Seek> FlacWriter<W> {
    /// Starts a stream of `encoding` (16 or 24-bit integers) at `rate` Hz on `out`.
    pub fn new(mut out: W, encoding: Encoding, channels: u16, rate: u32) -> Result<Self, String> {
        let bits = match encoding {
            Encoding::Int16 => 16,
            Encoding::Int24 => 24,
            Encoding::Float32 => {
                return Err("FLAC holds integers only: use --bits 16 or 24".to_owned());
            }
        };
        if rate > MAX_RATE_HZ {
            return Err(format!(
                "FLAC at {rate} Hz: the encoder takes up to {MAX_RATE_HZ} Hz (use --format wav)"
            ));
        }
        let channels = usize::from(channels);
        let info = StreamInfo::new(rate as usize, channels, bits).map_err(|e| e.to_string())?;
        let mut config = flacenc::config::Encoder::default();
        config.block_size = FRAME_LEN;
        config.multithread = false;
        let config = config.into_verified().map_err(|(_, e)| e.to_string())?;
        out.write_all(&stream_header(&info)?)
            .map_err(|e| e.to_string())?;
        Ok(Self {
            out,
            config,
            info,
            channels,
            quantizer: Quantizer::new(encoding),
            pending: Vec::with_capacity(FRAME_LEN * channels),
            frame: FrameBuf::with_size(channels, FRAME_LEN).map_err(|e| e.to_string())?,
            context: Context::new(bits, channels),
            sink: flacenc::bitsink::ByteSink::new(),
        })
    }

    /// Appends interleaved samples (a whole number of frames).
    pub fn write_interleaved(&mut self, samples: &[f32]) -> Result<(), String> {
        let frame_samples = FRAME_LEN * self.channels;
        let mut rest = samples;
        while !rest.is_empty() {
            let take = (frame_samples - self.pending.len()).min(rest.len());
            let quantizer = &mut self.quantizer;
            self.pending
                .extend(rest[..take].iter().map(|&x| quantizer.quantize(x)));
            rest = &rest[take..];
            if self.pending.len() == frame_samples {
                self.encode_pending()?;
            }
        }
        Ok(())
    }

    fn encode_pending(&mut self) -> Result<(), String> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let mut target = (&mut self.frame, &mut self.context);
        target
            .fill_interleaved(&self.pending)
            .map_err(|e| e.to_string())?;
        self.pending.clear();
        let number = self.context.current_frame_number().unwrap_or(0);
        let frame = flacenc::encode_fixed_size_frame(&self.config, &self.frame, number, &self.info)
            .map_err(|e| e.to_string())?;
        self.info.update_frame_info(&frame);
        self.sink.clear();
        frame.write(&mut self.sink).map_err(|e| e.to_string())?;
        self.out
            .write_all(self.sink.as_slice())
            .map_err(|e| e.to_string())
    }

    /// Encodes the last, shorter frame and writes the final STREAMINFO.
    pub fn finish(mut self) -> Result<W, String> {
        self.encode_pending()?;
        self.info.set_md5_digest(&self.context.md5_digest());
        // Every frame but the last is FRAME_LEN long, and the format leaves the last one out
        // of the minimum block size (decoders refuse a minimum under 16); the encoder's own
        // bookkeeping counts the last one in.
        self.info
            .set_block_sizes(FRAME_LEN, FRAME_LEN)
            .map_err(|e| e.to_string())?;
        let header = stream_header(&self.info)?;
        let io = |e: std::io::Error| e.to_string();
        self.out.seek(SeekFrom::Start(0)).map_err(io)?;
        self.out.write_all(&header).map_err(io)?;
        self.out.flush().map_err(io)?;
        Ok(self.out)
    }
}

/// `fLaC` and the STREAMINFO block: the same length whatever the fields hold.
fn stream_header(info: &StreamInfo) -> Result<Vec<u8>, String> {
    let mut sink = flacenc::bitsink::ByteSink::new();
    Stream::with_stream_info(info.clone())
        .write(&mut sink)
        .map_err(|e| e.to_string())?;
    Ok(sink.as_slice().to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(bytes: &[u8]) -> (claxon::metadata::StreamInfo, Vec<i32>) {
        let mut reader = claxon::FlacReader::new(std::io::Cursor::new(bytes)).unwrap();
        let info = reader.streaminfo();
        let samples = reader.samples().map(Result::unwrap).collect();
        (info, samples)
    }

    /// Blocks of odd lengths, a last frame shorter than the rest: claxon (an independent
    /// decoder, which checks each frame's CRC) reads back every sample, and STREAMINFO has the
    /// length and an MD5 that matches the samples.
    #[test]
    fn streamed_flac_decodes_to_its_samples() {
        for encoding in [Encoding::Int16, Encoding::Int24] {
            let frames = 3 * FRAME_LEN + 777;
            let samples: Vec<f32> = (0..2 * frames)
                .map(|n| (n as f32 * 0.013).sin() * 0.7 + ((n * 7919) % 13) as f32 * 1e-3)
                .collect();
            let mut w =
                FlacWriter::new(std::io::Cursor::new(Vec::new()), encoding, 2, 48_000).unwrap();
            for block in samples.chunks(2 * 1000 + 6) {
                w.write_interleaved(block).unwrap();
            }
            let bytes = w.finish().unwrap().into_inner();
            let (info, decoded) = decode(&bytes);
            assert_eq!(info.samples, Some(frames as u64), "{encoding:?}");
            assert_eq!(info.bits_per_sample, 8 * encoding.bytes() as u32);
            let mut quantizer = Quantizer::new(encoding);
            let expected: Vec<i32> = samples.iter().map(|&x| quantizer.quantize(x)).collect();
            assert_eq!(decoded, expected, "{encoding:?}");
            assert_ne!(info.md5sum, [0; 16]);
        }
    }

    /// A last frame of a single sample (or none at all): STREAMINFO still says 4096 for the
    /// smallest block (the last is exempt), so claxon, which refuses a minimum under 16, reads it.
    #[test]
    fn a_tiny_last_frame_still_decodes() {
        for frames in [2 * FRAME_LEN + 1, 7, 0] {
            let samples = vec![0.25f32; 2 * frames];
            let mut w =
                FlacWriter::new(std::io::Cursor::new(Vec::new()), Encoding::Int16, 2, 44_100)
                    .unwrap();
            w.write_interleaved(&samples).unwrap();
            let bytes = w.finish().unwrap().into_inner();
            let (info, decoded) = decode(&bytes);
            // No samples at all reads as an unknown length (0 in STREAMINFO).
            assert_eq!(info.samples.unwrap_or(0), frames as u64);
            assert_eq!(decoded.len(), 2 * frames);
        }
    }

    #[test]
    fn float_and_high_rates_are_refused() {
        let cursor = || std::io::Cursor::new(Vec::new());
        let e = FlacWriter::new(cursor(), Encoding::Float32, 2, 48_000).err();
        assert!(e.unwrap().contains("--bits 16 or 24"));
        let e = FlacWriter::new(cursor(), Encoding::Int24, 2, 192_000).err();
        assert!(e.unwrap().contains("96000 Hz"));
    }
}
