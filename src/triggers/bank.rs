//! The three trigger layers and their shared voice pool.
//!
//! At each control tick the bank takes the layers' settings; per chunk it asks each layer's
//! scheduler for onsets, merges them with the MIDI notes in time order, and renders the voices
//! piecewise between onsets, so every event starts on its own sample. Each layer mixes into its
//! own bus, scaled by the layer's smoothed level.

use super::model::{EventParams, OVERLAPPING_EVENTS};
use super::placement::{Placer, note_azimuth_deg};
use super::pool::VoicePool;
use super::scheduler::{EventScheduler, GridClock, MAX_ONSETS_PER_CHUNK, Timing};
use crate::binaural::{CONTROL_PERIOD, Position, SharedShelves, silent_buses};
use crate::dsp::{ControlRamp, db_to_gain};
use crate::settings::{LayerSettings, Settings};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg32;

/// Number of trigger layers.
pub const LAYERS: usize = 3;
/// Lowest MIDI note that plays a layer: 36–47 play layer 1, 48–59 layer 2, 60–71 layer 3.
pub const FIRST_LAYER_NOTE: u8 = 36;
/// Deepest per-event level cut at 100 % Variation, dB (events only get quieter, so a layer's
/// loudest event stays at its Level).
pub const VARIATION_LEVEL_DB: f32 = 9.0;
/// Most MIDI notes taken per chunk (more in 64 samples is not playing, it is a flood).
pub const MAX_NOTES_PER_CHUNK: usize = 32;
/// Glide of the layer levels, seconds.
const LEVEL_GLIDE_S: f32 = 0.005;
/// Recent events kept for the editor and the tests.
pub const EVENT_LOG_LEN: usize = 256;

/// A MIDI note-on for the trigger layers.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct NoteOn {
    /// Sample offset in the block.
    pub offset: usize,
    /// MIDI note number.
    pub note: u8,
    /// Velocity, 0…1.
    pub velocity: f32,
}

/// An event that started (for the head view and the tests).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EventRecord {
    /// Samples since the last `reset` at the event's first sample.
    pub time_samples: u64,
    pub layer: usize,
    pub position: Position,
    /// Event level, linear (before the layer level).
    pub gain: f32,
    /// The MIDI note that fired it, if any.
    pub note: Option<u8>,
}

/// Per-layer state that persists between events.
struct Layer {
    scheduler: EventScheduler,
    /// Every per-event draw (position, level, pitch, timbre, the event's own seed).
    rng: Pcg32,
    placer: Placer,
    detune: f32,
    /// Key of the events' own generators.
    event_key: u64,
    events: u64,
}

impl Layer {
    fn new(sample_rate: f32, seed: u32, index: usize) -> Self {
        let key = layer_key(seed, index);
        Self {
            scheduler: EventScheduler::new(sample_rate, key),
            rng: Pcg32::seed_from_u64(key ^ 0x5EED),
            placer: Placer::default(),
            detune: 0.0,
            event_key: key,
            events: 0,
        }
    }
}

/// The random-sequence key of layer `index` under `seed`.
fn layer_key(seed: u32, index: usize) -> u64 {
    ((seed as u64) << 8 | index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ 0x4D75_726D_7572
}

/// What the bank was told at the last control tick.
#[derive(Debug, Clone, Copy)]
struct TickState {
    layers: [LayerSettings; LAYERS],
    voice: Position,
    head_radius_m: f32,
    proximity: f32,
    grid: GridClock,
}

/// One pending start in a chunk.
#[derive(Debug, Clone, Copy)]
struct Start {
    offset: usize,
    layer: usize,
    velocity: f32,
    note: Option<u8>,
}

/// The trigger generator's DSP state.
pub struct TriggerBank {
    sample_rate: f32,
    seed: u32,
    layers: [Layer; LAYERS],
    voices: VoicePool,
    /// The shelves every voice shares (see `binaural::fixed_source`).
    shelves: SharedShelves,
    levels: ControlRamp<LAYERS>,
    /// Each layer's level in dB and as a gain, converted when it changes.
    level_gains: [(f32, f32); LAYERS],
    tick: TickState,
    /// Samples rendered since `reset`.
    clock: u64,
    log: [Option<EventRecord>; EVENT_LOG_LEN],
    events_started: u64,
    fresh: bool,
    /// No layer is on, no voice sounds and the shelves are silent: chunks without notes
    /// render nothing.
    quiet: bool,
}

impl TriggerBank {
    /// A bank at `sample_rate` Hz (allocates the voice pool).
    pub fn new(sample_rate: f32) -> Self {
        let settings = Settings::default();
        Self {
            sample_rate,
            seed: settings.seed,
            layers: [0, 1, 2].map(|i| Layer::new(sample_rate, settings.seed, i)),
            voices: VoicePool::new(sample_rate),
            shelves: SharedShelves::new(sample_rate),
            levels: ControlRamp::new(LEVEL_GLIDE_S, sample_rate, CONTROL_PERIOD),
            level_gains: [(f32::NAN, 0.0); LAYERS],
            tick: TickState {
                layers: settings.layers,
                voice: Position {
                    azimuth_deg: 0.0,
                    elevation_deg: 0.0,
                    distance_m: 1.0,
                },
                head_radius_m: settings.head_radius_m,
                proximity: settings.proximity,
                grid: GridClock {
                    quarters: 0.0,
                    quarters_per_sample: 0.0,
                },
            },
            clock: 0,
            log: [None; EVENT_LOG_LEN],
            events_started: 0,
            fresh: true,
            quiet: false,
        }
    }

    /// Silences every voice and restarts every layer's sequence from the seed.
    pub fn reset(&mut self) {
        self.voices.stop_all();
        self.shelves.reset();
        self.reseed(self.seed);
        self.clock = 0;
        self.log = [None; EVENT_LOG_LEN];
        self.events_started = 0;
        self.fresh = true;
    }

    fn reseed(&mut self, seed: u32) {
        self.seed = seed;
        for (i, layer) in self.layers.iter_mut().enumerate() {
            *layer = Layer::new(self.sample_rate, seed, i);
        }
    }

    /// Events started since `reset`.
    pub fn events_started(&self) -> u64 {
        self.events_started
    }

    /// Voices sounding now (playing, fading or ringing out).
    pub fn active_voices(&self) -> usize {
        self.voices.active()
    }

    /// The most recent events, oldest first (up to `EVENT_LOG_LEN`).
    pub fn recent_events(&self) -> impl Iterator<Item = &EventRecord> {
        let split = (self.events_started % EVENT_LOG_LEN as u64) as usize;
        self.log[split..]
            .iter()
            .chain(&self.log[..split])
            .filter_map(Option::as_ref)
    }

    /// Takes the settings for the next control period. `voice` is the voice's position now,
    /// `grid` where the period's first sample lies on the beat grid.
    pub fn tick(&mut self, settings: &Settings, voice: &Position, grid: GridClock) {
        if settings.seed != self.seed {
            // A new seed is a new sequence, from its start.
            self.reseed(settings.seed);
        }
        let snap = std::mem::take(&mut self.fresh);
        for (layer, cached) in settings.layers.iter().zip(&mut self.level_gains) {
            // The conversion only when the level moves (it is most of an idle tick's cost).
            if layer.level_db != cached.0 {
                *cached = (layer.level_db, db_to_gain(layer.level_db));
            }
        }
        self.levels
            .retarget(self.level_gains.map(|(_, gain)| gain), snap);
        self.tick = TickState {
            layers: settings.layers,
            voice: *voice,
            head_radius_m: settings.head_radius_m,
            proximity: settings.proximity,
            grid,
        };
        self.voices.tick();
        self.shelves.flush_tiny();
        self.shelves.set_head_radius(settings.head_radius_m);
        // Decided once per period; an event starting (from a note) clears it at once.
        self.quiet = settings.layers.iter().all(|l| !l.on)
            && self.voices.active() == 0
            && self.shelves.is_silent();
    }

    /// Advances the clock over `n` samples that had nothing to render.
    pub fn skip(&mut self, n: usize) {
        self.clock += n as u64;
    }

    /// Whether the next chunk (with `notes`) has anything to render.
    #[inline]
    pub fn sounding(&self, notes: &[NoteOn]) -> bool {
        !(self.quiet && notes.is_empty())
    }

    /// Renders the next `left.len()` samples (`k0` samples into the control period) and adds
    /// them to `left`/`right`. `notes` are this chunk's MIDI notes, offsets relative to the
    /// chunk, in order. With a `send`, every event's mono sound (at its level) is added to it
    /// too, for the room. Returns `false` (and adds nothing) when the layers are silent.
    pub fn render_add(
        &mut self,
        left: &mut [f32],
        right: &mut [f32],
        k0: usize,
        notes: &[NoteOn],
        mut send: Option<&mut [f32]>,
    ) -> bool {
        let n = left.len();
        if !self.sounding(notes) {
            // Nothing sounds and nothing can start: the voice path pays nothing for the layers.
            self.clock += n as u64;
            return false;
        }
        let mut starts = [Start {
            offset: 0,
            layer: 0,
            velocity: 0.0,
            note: None,
        }; LAYERS * MAX_ONSETS_PER_CHUNK + MAX_NOTES_PER_CHUNK];
        let mut count = 0;
        let grid = GridClock {
            quarters: self.tick.grid.quarters + k0 as f64 * self.tick.grid.quarters_per_sample,
            ..self.tick.grid
        };
        for (index, layer) in self.layers.iter_mut().enumerate() {
            let settings = &self.tick.layers[index];
            if !settings.on {
                continue;
            }
            let timing = Timing {
                density_per_s: settings.density_per_s,
                regularity: settings.regularity,
                sync: settings.sync,
                division: settings.division,
            };
            for &offset in layer.scheduler.onsets(n, &timing, &grid).as_slice() {
                starts[count] = Start {
                    offset,
                    layer: index,
                    velocity: 1.0,
                    note: None,
                };
                count += 1;
            }
        }
        for note in notes.iter().take(MAX_NOTES_PER_CHUNK) {
            let Some(layer) = note_layer(note.note) else {
                continue;
            };
            starts[count] = Start {
                offset: note.offset.min(n.saturating_sub(1)),
                layer,
                velocity: note.velocity.clamp(0.0, 1.0),
                note: Some(note.note),
            };
            count += 1;
        }
        // Insertion sort by offset (stable: layers in order, then notes).
        let starts = &mut starts[..count];
        for i in 1..starts.len() {
            let mut j = i;
            while j > 0 && starts[j - 1].offset > starts[j].offset {
                starts.swap(j - 1, j);
                j -= 1;
            }
        }

        let mut levels = [[0.0f32; CONTROL_PERIOD]; LAYERS];
        for (layer, level) in levels.iter_mut().enumerate() {
            for (j, l) in level[..n].iter_mut().enumerate() {
                *l = self.levels.at(layer, k0 + j);
            }
        }
        let mut buses = silent_buses();
        let mut from = 0;
        for start in starts.iter() {
            if start.offset > from {
                self.voices.render_add(
                    &levels,
                    &mut buses,
                    from,
                    start.offset,
                    send.as_deref_mut(),
                );
                from = start.offset;
            }
            self.start_event(start);
        }
        self.voices.render_add(&levels, &mut buses, from, n, send);
        self.shelves.render_add(&buses, left, right);
        self.clock += n as u64;
        true
    }

    fn start_event(&mut self, start: &Start) {
        self.quiet = false;
        let settings = self.tick.layers[start.layer];
        let layer = &mut self.layers[start.layer];
        // The same draws in the same order for every event, whatever the settings, so that
        // changing one control never reshuffles the rest of the sequence.
        let step: f32 = layer.rng.random();
        let timbre: f32 = layer.rng.random_range(-1.0..=1.0);
        let level_draw: f32 = layer.rng.random();
        // Consecutive pitch draws at least half the range apart (circularly): no two
        // consecutive events alike whenever Variation is above zero.
        layer.detune = (layer.detune + 1.0 + 0.5 + step).rem_euclid(2.0) - 1.0;
        let mut position = layer.placer.place(
            settings.placement,
            settings.spread_deg,
            settings.distance_m,
            &self.tick.voice,
            settings.variation,
            &mut layer.rng,
        );
        if let Some(note) = start.note {
            position.azimuth_deg = note_azimuth_deg(note);
        }
        let event = EventParams {
            intensity: start.velocity,
            tone: settings.tone,
            size: settings.size,
            decay: settings.decay,
            variation: settings.variation,
            detune: layer.detune,
            timbre,
            length_cap_s: if settings.density_per_s > 0.0 {
                OVERLAPPING_EVENTS / settings.density_per_s
            } else {
                f32::INFINITY
            },
        };
        // At 0 % Variation every event is the same take: the same generator state.
        let take = if settings.variation > 0.0 {
            layer.events
        } else {
            0
        };
        let mut event_rng =
            Pcg32::seed_from_u64(layer.event_key ^ take.wrapping_mul(0xA076_1D64_78BD_642F));
        layer.events += 1;
        let gain = start.velocity
            * start.velocity
            * db_to_gain(-VARIATION_LEVEL_DB * settings.variation * level_draw);

        self.voices.allocate().start(
            settings.kind,
            &event,
            &mut event_rng,
            &position,
            self.tick.head_radius_m,
            self.tick.proximity,
            start.layer,
            gain,
        );
        let record = EventRecord {
            time_samples: self.clock + start.offset as u64,
            layer: start.layer,
            position,
            gain,
            note: start.note,
        };
        self.log[(self.events_started % EVENT_LOG_LEN as u64) as usize] = Some(record);
        self.events_started += 1;
    }
}

/// The layer a MIDI note plays, if any.
pub fn note_layer(note: u8) -> Option<usize> {
    let index = note.checked_sub(FIRST_LAYER_NOTE)? as usize / 12;
    (index < LAYERS).then_some(index)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn notes_map_to_layers_by_octave() {
        assert_eq!(note_layer(35), None);
        assert_eq!(note_layer(36), Some(0));
        assert_eq!(note_layer(47), Some(0));
        assert_eq!(note_layer(48), Some(1));
        assert_eq!(note_layer(71), Some(2));
        assert_eq!(note_layer(72), None);
    }
}

#[cfg(test)]
mod split_tests {
    use super::*;
    use crate::triggers::TriggerKind;

    /// Renders `seconds` through the bank in chunks of `chunk` samples (ticking every period).
    fn render(kind: TriggerKind, chunk: usize, seconds: f32) -> Vec<f32> {
        let fs = 48_000.0;
        let mut settings = Settings {
            seed: 7,
            ..Settings::default()
        };
        settings.layers[2] = LayerSettings {
            on: true,
            density_per_s: 10.0,
            ..LayerSettings::default_for(kind)
        };
        let mut bank = TriggerBank::new(fs);
        let voice = Position {
            azimuth_deg: 0.0,
            elevation_deg: 0.0,
            distance_m: 1.0,
        };
        let grid = GridClock {
            quarters: 0.0,
            quarters_per_sample: 1e-5,
        };
        let (mut left, mut right) = (Vec::new(), Vec::new());
        let total = (seconds * fs) as usize;
        let mut k = 0;
        while left.len() < total {
            if k == 0 {
                bank.tick(&settings, &voice, grid);
            }
            let n = chunk.min(CONTROL_PERIOD - k);
            let (mut l, mut r) = ([0.0f32; CONTROL_PERIOD], [0.0f32; CONTROL_PERIOD]);
            bank.render_add(&mut l[..n], &mut r[..n], k, &[], None);
            left.extend_from_slice(&l[..n]);
            right.extend_from_slice(&r[..n]);
            k = (k + n) % CONTROL_PERIOD;
        }
        left.extend_from_slice(&right);
        left
    }

    #[test]
    fn chunking_does_not_change_a_sample() {
        for kind in TriggerKind::ALL {
            let whole = render(kind, 64, 2.5);
            for chunk in [1, 2, 7] {
                let split = render(kind, chunk, 2.5);
                let first = whole.iter().zip(&split).position(|(a, b)| a != b);
                assert_eq!(first, None, "{kind:?} in chunks of {chunk}");
            }
        }
    }
}
