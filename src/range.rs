//! A closed range of plain values: what a parameter may hold, owned by the module whose model
//! the range belongs to (the head model's positions and head sizes, the settings' levels).

/// A closed range of plain parameter values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub min: f32,
    pub max: f32,
}

impl Range {
    /// `value` inside the range, or `default` when it is not a number.
    pub fn fix(self, value: f32, default: f32) -> f32 {
        if value.is_finite() {
            value.clamp(self.min, self.max)
        } else {
            default
        }
    }
}
