//! CLAP note events for the test host (`testkit::clap`): what a host puts in a block's input event
//! list when a MIDI keyboard or a piano roll plays the plugin.

use clack_host::events::Match;
use clack_host::events::event_types::{NoteOffEvent, NoteOnEvent};
use clack_host::prelude::*;

/// Whether a [`Note`] starts or ends a note.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NoteKind {
    On,
    Off,
}

/// A note event inside a block: sample offset, MIDI key, velocity (0…1, as CLAP carries it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Note {
    pub time: u32,
    pub key: u8,
    pub velocity: f64,
    pub kind: NoteKind,
}

impl Note {
    pub fn on(time: u32, key: u8, velocity: f64) -> Self {
        Self {
            time,
            key,
            velocity,
            kind: NoteKind::On,
        }
    }

    /// A note-off (release velocity `velocity`), as a host sends at the end of every note.
    pub fn off(time: u32, key: u8, velocity: f64) -> Self {
        Self {
            time,
            key,
            velocity,
            kind: NoteKind::Off,
        }
    }
}

/// Appends `notes` to `events` as CLAP core note-on and note-off events on note port 0,
/// channel 0, with no note id (−1), as a host playing plain MIDI sends them.
pub fn push_notes(events: &mut EventBuffer, notes: &[Note], frames: usize) {
    for note in notes {
        assert!(
            (note.time as usize) < frames,
            "note {note:?} lies outside the {frames}-sample block"
        );
        assert!(note.key < 128, "MIDI keys are 0…127, got {}", note.key);
        let target = Pckn::new(0u16, 0u16, u16::from(note.key), Match::All);
        match note.kind {
            NoteKind::On => events.push(&NoteOnEvent::new(note.time, target, note.velocity)),
            NoteKind::Off => events.push(&NoteOffEvent::new(note.time, target, note.velocity)),
        }
    }
}
