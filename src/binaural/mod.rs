//! Binaural rendering: the spherical-head model and the renderer built on it.

pub mod head_model;
pub mod renderer;

pub use head_model::{Ear, Position};
pub use renderer::{BinauralRenderer, CONTROL_PERIOD};
