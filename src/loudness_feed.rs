//! The editor's loudness meter: the audio thread hands its output samples over through a
//! wait-free ring (`rtrb`), and the editor measures them (momentary, short-term and integrated
//! loudness, true peak: [`crate::loudness::Meter`]) on its own thread, each frame.
//!
//! The audio thread only copies samples into the ring, and only while an editor is open: no
//! allocation, no lock, no measuring. The ring is made in `activate` (where allocating is
//! allowed) for half a second of audio; if the editor falls further behind, the samples that do
//! not fit are dropped (the meter skips them) and the audio never waits. Only the editor and
//! `activate` take the lock around the ring's reading end.

use std::sync::Mutex;

use crate::loudness::{HopReading, Meter};

/// Seconds of audio the ring holds: many editor frames...
const RING_S: f32 = 0.5;
/// ...but no more frames than this: 1 MiB of stereo samples, reached above 262 kHz (at the
/// highest rate, 1.536 MHz, it holds 85 ms, still five editor frames).
const RING_MAX_FRAMES: usize = 1 << 17;

/// The reading end of the ring, with the rate its samples are at.
struct Reader {
    consumer: rtrb::Consumer<f32>,
    sample_rate: u32,
    /// Counts the rings made, so the editor knows to start a new measurement.
    generation: u64,
}

/// Shared between the plugin and its editor.
#[derive(Default)]
pub struct LoudnessFeed {
    reader: Mutex<Option<Reader>>,
}

/// The audio thread's end of the ring.
pub struct LoudnessWriter {
    producer: rtrb::Producer<f32>,
}

impl LoudnessWriter {
    /// Copies a stereo block in (interleaved), as much of it as fits.
    pub fn push(&mut self, left: &[f32], right: &[f32]) {
        let frames = (self.producer.slots() / 2).min(left.len()).min(right.len());
        if frames == 0 {
            return;
        }
        if let Ok(chunk) = self.producer.write_chunk_uninit(2 * frames) {
            chunk.fill_from_iter(
                left[..frames]
                    .iter()
                    .zip(&right[..frames])
                    .flat_map(|(l, r)| [*l, *r]),
            );
        }
    }
}

impl LoudnessFeed {
    /// A new ring for audio at `sample_rate` Hz (called from `activate`); its writing end is for
    /// the audio thread.
    pub fn connect(&self, sample_rate: f32) -> LoudnessWriter {
        let frames = ((sample_rate * RING_S).ceil() as usize).min(RING_MAX_FRAMES);
        let (producer, consumer) = rtrb::RingBuffer::new(2 * frames.max(64));
        let mut reader = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        let generation = reader.as_ref().map_or(0, |r| r.generation + 1);
        *reader = Some(Reader {
            consumer,
            sample_rate: sample_rate.round() as u32,
            generation,
        });
        LoudnessWriter { producer }
    }

    /// Measures every sample waiting in the ring with `meter` (the editor's side).
    pub fn drain_into(&self, meter: &mut EditorMeter) {
        let mut reader = self.reader.lock().unwrap_or_else(|p| p.into_inner());
        let Some(reader) = reader.as_mut() else {
            return;
        };
        if meter.generation != Some(reader.generation) || meter.meter.is_none() {
            meter.start(reader.sample_rate, reader.generation);
        }
        let waiting = reader.consumer.slots() & !1;
        if waiting == 0 {
            return;
        }
        let Ok(chunk) = reader.consumer.read_chunk(waiting) else {
            return;
        };
        let (first, second) = chunk.as_slices();
        meter.add(first);
        meter.add(second);
        chunk.commit_all();
    }
}

/// What the editor's meter shows, measured on the editor's thread.
#[derive(Default)]
pub struct EditorMeter {
    meter: Option<Meter>,
    sample_rate: u32,
    generation: Option<u64>,
    /// The latest 100 ms reading.
    last: Option<HopReading>,
    /// Samples of an odd count left over from the last slice (a frame split across the ring's
    /// two slices).
    carry: Option<f32>,
}

impl EditorMeter {
    fn start(&mut self, sample_rate: u32, generation: u64) {
        self.meter = Meter::new(2, sample_rate).ok();
        self.sample_rate = sample_rate;
        self.generation = Some(generation);
        self.last = None;
        self.carry = None;
    }

    fn add(&mut self, samples: &[f32]) {
        let Some(meter) = self.meter.as_mut() else {
            return;
        };
        let mut samples = samples;
        let last = &mut self.last;
        if let Some(left) = self.carry.take() {
            let Some((&right, rest)) = samples.split_first() else {
                self.carry = Some(left);
                return;
            };
            meter.add_interleaved_with(&[left, right], |h| *last = Some(h));
            samples = rest;
        }
        let whole = samples.len() & !1;
        meter.add_interleaved_with(&samples[..whole], |h| *last = Some(h));
        if whole < samples.len() {
            self.carry = Some(samples[whole]);
        }
    }

    /// Starts the measurement again (the meter's reset button).
    pub fn reset(&mut self) {
        if let Some(generation) = self.generation {
            self.start(self.sample_rate, generation);
        }
    }

    /// Momentary, short-term and integrated loudness (LUFS) and the true peak (dBTP) so far;
    /// `None` before any audio.
    pub fn readings(&self) -> Option<Readings> {
        let meter = self.meter.as_ref()?;
        let last = self.last?;
        let loudness = meter.loudness();
        Some(Readings {
            momentary_lufs: last.momentary_lufs,
            short_term_lufs: last.short_term_lufs,
            integrated_lufs: loudness.integrated_lufs,
            true_peak_dbtp: loudness.true_peak_dbtp,
        })
    }
}

/// The four numbers the editor shows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Readings {
    pub momentary_lufs: f64,
    pub short_term_lufs: f64,
    pub integrated_lufs: f64,
    pub true_peak_dbtp: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A −23 dBFS stereo 1 kHz tone pushed in blocks of odd sizes, drained at odd moments: the
    /// editor's meter reads −23.0 LUFS (EBU Tech 3341 case 1). (That pushing allocates nothing
    /// is proven through the plugin: the editor tests process audio with the editor open, under
    /// `assert_process_allocs`.)
    #[test]
    fn the_tone_reads_minus_23() {
        let feed = LoudnessFeed::default();
        let mut writer = feed.connect(48_000.0);
        let mut meter = EditorMeter::default();
        let amplitude = 10f32.powf(-23.0 / 20.0);
        let tone: Vec<f32> = (0..48_000 * 20)
            .map(|n| amplitude * (std::f32::consts::TAU * 1000.0 * n as f32 / 48_000.0).sin())
            .collect();
        let mut at = 0;
        for (i, block) in std::iter::repeat([511usize, 64, 1024, 7])
            .flatten()
            .enumerate()
        {
            if at >= tone.len() {
                break;
            }
            let end = (at + block).min(tone.len());
            writer.push(&tone[at..end], &tone[at..end]);
            at = end;
            if i % 9 == 0 {
                feed.drain_into(&mut meter);
            }
        }
        feed.drain_into(&mut meter);
        let readings = meter.readings().unwrap();
        // The tone reads −23 on every scale (true peak: its amplitude, within Tech 3341's
        // tolerance).
        for (name, value, tolerance) in [
            ("integrated", readings.integrated_lufs, 0.1),
            ("momentary", readings.momentary_lufs, 0.1),
            ("short-term", readings.short_term_lufs, 0.1),
            ("true peak", readings.true_peak_dbtp, 0.1),
        ] {
            assert!((value + 23.0).abs() <= tolerance, "{name}: {readings:?}");
        }
        meter.reset();
        assert_eq!(meter.readings(), None);
    }

    /// A new ring (the plugin activated again at another rate) starts a new measurement.
    #[test]
    fn a_new_ring_starts_again() {
        let feed = LoudnessFeed::default();
        let mut writer = feed.connect(44_100.0);
        let mut meter = EditorMeter::default();
        writer.push(&[0.5; 8_000], &[0.5; 8_000]);
        feed.drain_into(&mut meter);
        assert!(meter.readings().is_some());
        let _writer = feed.connect(96_000.0);
        feed.drain_into(&mut meter);
        assert_eq!(meter.readings(), None);
        assert_eq!(meter.sample_rate, 96_000);
    }
}
