//! The engine and its DSP as the plugin and the command line drive it, measured from the outside:
//! binaural cues, motion, cleanup, the Calm Guard, the trigger layers, SOFA sets, real-time
//! safety, and the render hashes that pin every sound bit for bit.

mod animate;
mod binaural_cues;
mod calm_guard;
mod cleanup;
mod engine_input;
mod motion_render;
mod realtime_safety;
mod render_hashes;
mod room;
mod sofa;
mod stereo_input;
mod trigger_models;
mod trigger_render;
mod trigger_timing;
