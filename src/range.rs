//! A closed range of plain values: what a parameter may hold, owned by the module whose model
//! the range belongs to (the head model's positions and head sizes, the settings' levels).

/// A closed range of plain parameter values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Range {
    pub min: f32,
    pub max: f32,
}

impl Range {
    /// `value` inside the range.
    pub fn clamp(self, value: f32) -> f32 {
        value.clamp(self.min, self.max)
    }

    /// `value` inside the range, or `default` when it is not a number.
    pub fn fix(self, value: f32, default: f32) -> f32 {
        if value.is_finite() {
            value.clamp(self.min, self.max)
        } else {
            default
        }
    }
}

/// What a setting's value is held to: a [`Range`] of plain values, or the whole numbers between
/// two bounds (`(min, max)`). `fix` returns `value` inside the bounds, or `default` when it is
/// not a number.
pub trait Bounds<T> {
    fn fix(&self, value: T, default: T) -> T;
}

impl Bounds<f32> for Range {
    fn fix(&self, value: f32, default: f32) -> f32 {
        Range::fix(*self, value, default)
    }
}

impl Bounds<u32> for (u32, u32) {
    fn fix(&self, value: u32, _default: u32) -> u32 {
        value.clamp(self.0, self.1)
    }
}
