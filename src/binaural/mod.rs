//! Binaural rendering: the spherical-head model, the renderer for moving sources built on it,
//! and a cheaper one for sources that stay put (trigger events).

pub mod fixed_source;
pub mod head_model;
pub mod heads;
pub mod hrtf_set;
pub mod renderer;
pub mod sofa_renderer;

pub use fixed_source::{EarBuses, FixedSource, SharedShelves, silent_buses};
pub use head_model::{Ear, Position};
pub use renderer::{BinauralRenderer, CONTROL_PERIOD};
