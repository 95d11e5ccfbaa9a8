//! The built plugin library in hosts: the CLAP and VST3 test hosts of `testkit`, the frozen
//! parameter IDs, MIDI into the instrument, parameters and state from other threads, and the
//! Linux and Windows builds checked against each other.

mod ardour;
mod clap_host;
mod param_ids;
mod portable_build;
mod threads;
mod trigger_midi;
mod vst3_host;
