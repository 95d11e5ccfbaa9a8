//! What the audio thread shows the editor: the voice's live position, trigger events, output
//! peaks and the Calm Guard's gain reduction; and the output samples for the loudness meter
//! (through its own ring, `loudness_feed`).
//!
//! Only atomics: the audio thread never waits, never allocates, and writes only while an editor
//! is open. Events go into a fixed ring with a sequence number per slot (a seqlock, one writer):
//! when the editor falls behind, the oldest events are overwritten and the reader skips them,
//! so a slow GUI loses dots, never audio.

use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};

use crate::binaural::Position;
use crate::settings::Settings;

/// Events the ring holds; at 3 layers × 30 events/s that is over half a second of events,
/// several editor frames.
pub const EVENT_RING_LEN: usize = 64;

/// What Animate and Wind-down have made of one layer's settings, for the markers on its bars.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LiveLayer {
    pub level_db: f32,
    pub density_per_s: f32,
    pub tone: f32,
    pub spread_deg: f32,
    pub distance_m: f32,
}

/// The values Animate and Wind-down are moving, as the latest control tick used them.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct LiveValues {
    pub layers: [LiveLayer; 3],
    pub voice_distance_m: f32,
}

/// One trigger event as the editor draws it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FeedEvent {
    /// Layer index, 0…2.
    pub layer: usize,
    pub azimuth_deg: f32,
    pub distance_m: f32,
    /// Linear gain of the event (for the dot's size).
    pub gain: f32,
}

struct Slot {
    /// `2 × index + 1` while being written, `2 × index + 2` once written.
    sequence: AtomicU64,
    layer: AtomicU32,
    azimuth_deg: AtomicU32,
    distance_m: AtomicU32,
    gain: AtomicU32,
}

/// A shared f32 (its bits in an atomic).
#[derive(Default)]
struct AtomicF32(AtomicU32);

impl AtomicF32 {
    fn store(&self, value: f32) {
        self.0.store(value.to_bits(), Ordering::Relaxed);
    }

    fn load(&self) -> f32 {
        f32::from_bits(self.0.load(Ordering::Relaxed))
    }

    /// Raises the value to `value` (both non-negative: their bits order as the numbers do).
    fn raise(&self, value: f32) {
        self.0
            .fetch_max(value.max(0.0).to_bits(), Ordering::Relaxed);
    }

    /// The value, reset to 0.
    fn take(&self) -> f32 {
        f32::from_bits(self.0.swap(0, Ordering::Relaxed))
    }
}

/// The shared feed: written by the audio thread, read by the editor.
pub struct VisualFeed {
    open: AtomicBool,
    azimuth_deg: AtomicF32,
    elevation_deg: AtomicF32,
    distance_m: AtomicF32,
    peak_left: AtomicF32,
    peak_right: AtomicF32,
    /// Largest Calm Guard gain reduction since the last read, dB (positive).
    reduction_db: AtomicF32,
    /// Events pushed so far (the next event's index).
    written: AtomicU64,
    slots: [Slot; EVENT_RING_LEN],
    /// Events per layer so far, for the activity lights.
    layer_events: [AtomicU32; 3],
    /// Per layer: level, density, tone, spread and distance as Animate and Wind-down moved
    /// them; then the voice's distance.
    live: [[AtomicF32; 5]; 3],
    live_voice_distance_m: AtomicF32,
    /// Whether Animate or Wind-down is moving them (the editor draws no markers otherwise).
    moving: AtomicBool,
    /// The output samples for the editor's loudness meter.
    pub loudness: crate::loudness_feed::LoudnessFeed,
}

impl Default for VisualFeed {
    fn default() -> Self {
        Self {
            open: AtomicBool::new(false),
            azimuth_deg: AtomicF32::default(),
            elevation_deg: AtomicF32::default(),
            distance_m: AtomicF32::default(),
            peak_left: AtomicF32::default(),
            peak_right: AtomicF32::default(),
            reduction_db: AtomicF32::default(),
            written: AtomicU64::new(0),
            slots: std::array::from_fn(|_| Slot {
                sequence: AtomicU64::new(0),
                layer: AtomicU32::new(0),
                azimuth_deg: AtomicU32::new(0),
                distance_m: AtomicU32::new(0),
                gain: AtomicU32::new(0),
            }),
            layer_events: Default::default(),
            live: Default::default(),
            live_voice_distance_m: AtomicF32::default(),
            moving: AtomicBool::new(false),
            loudness: Default::default(),
        }
    }
}

impl VisualFeed {
    // ---- the editor's side -------------------------------------------------------------------

    /// Whether an editor is reading (the audio thread writes only then).
    pub fn set_open(&self, open: bool) {
        self.open.store(open, Ordering::Release);
    }

    pub fn is_open(&self) -> bool {
        self.open.load(Ordering::Acquire)
    }

    /// The voice's position at the latest block.
    pub fn position(&self) -> Position {
        Position {
            azimuth_deg: self.azimuth_deg.load(),
            elevation_deg: self.elevation_deg.load(),
            distance_m: self.distance_m.load(),
        }
    }

    /// Output peaks (left, right) since the last call, linear.
    pub fn take_peaks(&self) -> (f32, f32) {
        (self.peak_left.take(), self.peak_right.take())
    }

    /// The largest Calm Guard gain reduction since the last call, dB (0 = none).
    pub fn take_reduction_db(&self) -> f32 {
        self.reduction_db.take()
    }

    /// Events per layer so far.
    pub fn layer_events(&self) -> [u32; 3] {
        self.layer_events
            .each_ref()
            .map(|count| count.load(Ordering::Relaxed))
    }

    /// The values Animate and Wind-down are moving, while they move them.
    pub fn live(&self) -> Option<LiveValues> {
        if !self.moving.load(Ordering::Relaxed) {
            return None;
        }
        let layer = |[level, density, tone, spread, distance]: &[AtomicF32; 5]| LiveLayer {
            level_db: level.load(),
            density_per_s: density.load(),
            tone: tone.load(),
            spread_deg: spread.load(),
            distance_m: distance.load(),
        };
        Some(LiveValues {
            layers: self.live.each_ref().map(layer),
            voice_distance_m: self.live_voice_distance_m.load(),
        })
    }

    /// Calls `each` for every event after the reader's `cursor` that is still in the ring, and
    /// moves the cursor past them. Events overwritten before they were read are skipped.
    pub fn read_events(&self, cursor: &mut u64, mut each: impl FnMut(FeedEvent)) {
        let written = self.written.load(Ordering::Acquire);
        let first = (*cursor).max(written.saturating_sub(EVENT_RING_LEN as u64));
        for index in first..written {
            let slot = &self.slots[(index % EVENT_RING_LEN as u64) as usize];
            let before = slot.sequence.load(Ordering::Acquire);
            let event = FeedEvent {
                layer: slot.layer.load(Ordering::Relaxed) as usize,
                azimuth_deg: f32::from_bits(slot.azimuth_deg.load(Ordering::Relaxed)),
                distance_m: f32::from_bits(slot.distance_m.load(Ordering::Relaxed)),
                gain: f32::from_bits(slot.gain.load(Ordering::Relaxed)),
            };
            std::sync::atomic::fence(Ordering::Acquire);
            let after = slot.sequence.load(Ordering::Relaxed);
            // Complete and still this index's event (not being rewritten by a later one).
            if before == after && before == 2 * index + 2 {
                each(event);
            }
        }
        *cursor = written;
    }

    // ---- the audio thread's side -------------------------------------------------------------

    /// Publishes the voice position, this block's output peaks and the guard's gain (linear).
    pub fn publish_block(&self, position: &Position, left: &[f32], right: &[f32], guard_gain: f32) {
        self.azimuth_deg.store(position.azimuth_deg);
        self.elevation_deg.store(position.elevation_deg);
        self.distance_m.store(position.distance_m);
        let peak = |x: &[f32]| x.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        self.peak_left.raise(peak(left));
        self.peak_right.raise(peak(right));
        if guard_gain > 0.0 && guard_gain < 1.0 {
            self.reduction_db.raise(-crate::dsp::gain_to_db(guard_gain));
        }
    }

    /// Publishes the settings the latest control tick used (`live`), and whether Animate or
    /// Wind-down moved them.
    pub fn publish_live(&self, live: &Settings, moving: bool) {
        for (slots, layer) in self.live.iter().zip(&live.layers) {
            let values = [
                layer.level_db,
                layer.density_per_s,
                layer.tone,
                layer.spread_deg,
                layer.distance_m,
            ];
            for (slot, value) in slots.iter().zip(values) {
                slot.store(value);
            }
        }
        self.live_voice_distance_m.store(live.distance_m);
        self.moving.store(moving, Ordering::Relaxed);
    }

    /// Publishes one trigger event (never waits; overwrites the oldest).
    pub fn push_event(&self, event: FeedEvent) {
        let index = self.written.load(Ordering::Relaxed);
        let slot = &self.slots[(index % EVENT_RING_LEN as u64) as usize];
        slot.sequence.store(2 * index + 1, Ordering::Relaxed);
        std::sync::atomic::fence(Ordering::Release);
        slot.layer.store(event.layer as u32, Ordering::Relaxed);
        slot.azimuth_deg
            .store(event.azimuth_deg.to_bits(), Ordering::Relaxed);
        slot.distance_m
            .store(event.distance_m.to_bits(), Ordering::Relaxed);
        slot.gain.store(event.gain.to_bits(), Ordering::Relaxed);
        slot.sequence.store(2 * index + 2, Ordering::Release);
        self.written.store(index + 1, Ordering::Release);
        if let Some(count) = self.layer_events.get(event.layer) {
            count.fetch_add(1, Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn event(i: usize) -> FeedEvent {
        FeedEvent {
            layer: i % 3,
            azimuth_deg: i as f32,
            distance_m: 0.5,
            gain: 1.0,
        }
    }

    #[test]
    fn events_arrive_in_order_and_a_slow_reader_loses_only_the_oldest() {
        let feed = VisualFeed::default();
        let mut cursor = 0;
        for i in 0..10 {
            feed.push_event(event(i));
        }
        let mut seen = Vec::new();
        feed.read_events(&mut cursor, |e| seen.push(e.azimuth_deg as usize));
        assert_eq!(seen, (0..10).collect::<Vec<_>>());
        // The reader sleeps through 200 events: it gets the newest ring-full.
        for i in 10..210 {
            feed.push_event(event(i));
        }
        seen.clear();
        feed.read_events(&mut cursor, |e| seen.push(e.azimuth_deg as usize));
        assert_eq!(seen, (210 - EVENT_RING_LEN..210).collect::<Vec<_>>());
        assert_eq!(feed.layer_events(), [70, 70, 70]);
    }

    #[test]
    fn a_reader_racing_the_writer_never_sees_a_torn_event() {
        let feed = std::sync::Arc::new(VisualFeed::default());
        let writer = {
            let feed = feed.clone();
            std::thread::spawn(move || {
                for i in 0..200_000 {
                    // Every field of event i carries i, so a torn read shows up.
                    feed.push_event(FeedEvent {
                        layer: 0,
                        azimuth_deg: i as f32,
                        distance_m: i as f32,
                        gain: i as f32,
                    });
                }
            })
        };
        let mut cursor = 0;
        let mut read = 0u64;
        let mut last = -1.0f32;
        while !writer.is_finished() || read == 0 {
            feed.read_events(&mut cursor, |e| {
                assert!(e.azimuth_deg == e.distance_m && e.distance_m == e.gain);
                assert!(e.azimuth_deg > last, "out of order");
                last = e.azimuth_deg;
                read += 1;
            });
        }
        writer.join().unwrap();
        assert!(read > 0);
    }

    #[test]
    fn peaks_and_reduction_hold_until_read() {
        let feed = VisualFeed::default();
        let at = Position {
            azimuth_deg: 30.0,
            elevation_deg: 0.0,
            distance_m: 1.0,
        };
        feed.publish_block(&at, &[0.1, -0.5], &[0.2], 0.5);
        feed.publish_block(&at, &[0.3], &[-0.05], 1.0);
        let (l, r) = feed.take_peaks();
        assert_eq!((l, r), (0.5, 0.2));
        assert!((feed.take_reduction_db() - 6.0206).abs() < 1e-3);
        assert_eq!(feed.take_peaks(), (0.0, 0.0));
        assert_eq!(feed.take_reduction_db(), 0.0);
        assert_eq!(feed.position(), at);
    }
}
