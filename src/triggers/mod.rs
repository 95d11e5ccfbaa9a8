//! The trigger generator: nine synthesized ASMR trigger models, the scheduler that decides
//! when events start, where each event is placed, and the voice pool that renders them.

pub mod bank;
pub mod gesture;
pub mod modal;
pub mod model;
pub mod placement;
pub mod pool;
pub mod scheduler;
pub mod synth;
pub mod voice;

pub mod brush;
pub mod crinkle;
pub mod crumple;
pub mod drops;
pub mod nail_tap;
pub mod paper;
pub mod rain;
pub mod scratch;
pub mod shh;
pub mod wood_tap;

pub use bank::{EventRecord, NoteOn, TriggerBank};
pub use model::{EventParams, TriggerModel};
pub use placement::Placement;
pub use scheduler::GridDivision;
pub use synth::TriggerKind;

#[cfg(test)]
pub mod test_support;
