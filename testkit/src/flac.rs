//! Writing FLAC files for the decoder tests, with `flacenc` (a dev-dependency).

use flacenc::component::BitRepr;
use flacenc::error::Verify;

/// Frames (per channel) in each FLAC frame the tests write: small, so files have several.
const FLAC_BLOCK: usize = 1024;

/// A FLAC file of the `interleaved` integer samples (`channels` channels of `bits`), and the
/// offset where each of its frames starts.
///
/// flacenc refuses rates above 96 kHz, so higher rates are encoded at 96 kHz and relabelled:
/// the rate in STREAMINFO is patched, and each frame is written again under a header with
/// the true rate (flacenc computes the checksums as it writes).
pub fn flac_bytes(
    interleaved: &[i32],
    channels: usize,
    bits: u16,
    rate: u32,
) -> (Vec<u8>, Vec<usize>) {
    let mut config = flacenc::config::Encoder::default();
    config.block_size = FLAC_BLOCK;
    config.multithread = false;
    let config = config.into_verified().unwrap();
    let source = flacenc::source::MemSource::from_samples(
        interleaved,
        channels,
        bits.into(),
        rate.min(96_000) as usize,
    );
    let stream = flacenc::encode_with_fixed_block_size(&config, source, config.block_size).unwrap();
    let mut sink = flacenc::bitsink::ByteSink::new();
    stream.write(&mut sink).unwrap();
    let frames: Vec<Vec<u8>> = (0..stream.frame_count())
        .map(|i| {
            let mut frame = stream.frame(i).unwrap().clone();
            if rate > 96_000 {
                let (header, subframes) = frame.into_parts();
                let header = flacenc::component::FrameHeader::new(
                    header.block_size(),
                    header.channel_assignment().clone(),
                    bits.into(),
                    rate as usize,
                    flacenc::component::FrameOffset::Frame(i as u32),
                )
                .unwrap();
                frame = flacenc::component::Frame::new(header, subframes.into_iter()).unwrap();
            }
            let mut sink = flacenc::bitsink::ByteSink::new();
            frame.write(&mut sink).unwrap();
            sink.as_slice().to_vec()
        })
        .collect();
    let frames_len: usize = frames.iter().map(Vec::len).sum();
    let mut bytes = sink.as_slice()[..sink.as_slice().len() - frames_len].to_vec();
    if rate > 96_000 {
        // "fLaC", the block header, block and frame sizes; then the rate's 20 bits.
        bytes[18] = (rate >> 12) as u8;
        bytes[19] = (rate >> 4) as u8;
        bytes[20] = bytes[20] & 0x0F | ((rate & 0x0F) << 4) as u8;
    }
    let mut starts = Vec::new();
    for frame in frames {
        starts.push(bytes.len());
        bytes.extend(frame);
    }
    (bytes, starts)
}
