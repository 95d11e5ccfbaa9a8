//! The kinds of host parameter the tables in `mod.rs` and `layer.rs` are made of: how a setting
//! appears to the host (the framework parameter, its range, unit, step and value text) and how
//! the parameter's value converts to and from the setting.
//!
//! A kind is a few plain values and function pointers, cheap to make: the tables make one
//! wherever they need it, also on the audio thread, where only [`ParamKind::read`] runs.

use nice_plug::prelude::*;

use super::choices::choice_for;
use crate::format::{
    StringToValue, ValueToString, s2v_centimetres, s2v_hertz, s2v_metres, s2v_number, s2v_percent,
    v2s_decimals, v2s_percent,
};
use crate::range::Range;

/// How a setting of type `V` is shown to the host as the framework parameter `P`.
pub trait ParamKind<P, V> {
    /// The parameter named `name`, at `default`.
    fn build(&self, name: String, default: V) -> P;
    /// The parameter's current (unsmoothed) value as the setting. Runs on the audio thread once
    /// a block, so it never allocates.
    fn read(&self, param: &P) -> V;
    /// `value` as the parameter's plain value (a switch as 0 or 1, a choice as its index): how a
    /// preset becomes host values.
    fn plain(&self, value: V) -> f32;
}

/// A continuous parameter.
#[derive(Clone, Copy)]
pub struct Float {
    /// What the setting may hold, in the setting's unit.
    range: Range,
    /// The exponent of [`FloatRange::skew_factor`], for a skewed range.
    skew: Option<f32>,
    /// Host units per setting unit: 100 for metres shown as centimetres.
    scale: f32,
    unit: &'static str,
    step: Option<f32>,
    value_to_text: fn() -> ValueToString,
    text_to_value: fn() -> StringToValue,
}

impl Float {
    /// A linear range shown in the setting's own unit, without steps.
    fn new(
        range: Range,
        unit: &'static str,
        value_to_text: fn() -> ValueToString,
        text_to_value: fn() -> StringToValue,
    ) -> Self {
        Self {
            range,
            skew: None,
            scale: 1.0,
            unit,
            step: None,
            value_to_text,
            text_to_value,
        }
    }

    /// The same parameter with its range skewed by `exponent` (see [`FloatRange::skew_factor`]):
    /// below zero the low end gets more of the travel.
    pub fn skewed(self, exponent: f32) -> Self {
        Self {
            skew: Some(exponent),
            ..self
        }
    }

    /// The same parameter snapping to multiples of `step` (in host units).
    fn stepped(self, step: f32) -> Self {
        Self {
            step: Some(step),
            ..self
        }
    }
}

impl ParamKind<FloatParam, f32> for Float {
    fn build(&self, name: String, default: f32) -> FloatParam {
        let (min, max) = (self.range.min * self.scale, self.range.max * self.scale);
        let range = match self.skew {
            None => FloatRange::Linear { min, max },
            Some(exponent) => FloatRange::Skewed {
                min,
                max,
                factor: FloatRange::skew_factor(exponent),
            },
        };
        let param = FloatParam::new(name, default * self.scale, range)
            .with_unit(self.unit)
            .with_value_to_string((self.value_to_text)())
            .with_string_to_value((self.text_to_value)());
        match self.step {
            Some(step) => param.with_step_size(step),
            None => param,
        }
    }

    fn read(&self, param: &FloatParam) -> f32 {
        param.value() / self.scale
    }

    fn plain(&self, value: f32) -> f32 {
        value * self.scale
    }
}

/// Degrees, to a tenth; "°" or "deg" may follow a typed number.
pub fn degrees(range: Range) -> Float {
    Float::new(
        range,
        " °",
        || v2s_decimals(1),
        || s2v_number(&["°", "deg"]),
    )
    .stepped(0.1)
}

/// A share of `0..=1` (or `-1..=1`) shown as a whole percentage.
pub fn percent(range: Range) -> Float {
    Float::new(range, " %", v2s_percent, s2v_percent)
}

/// A level in dB, to a tenth; "dB" or "dBFS" may follow a typed number.
pub fn decibels(range: Range) -> Float {
    Float::new(
        range,
        " dB",
        || v2s_decimals(1),
        || s2v_number(&["db", "dbfs"]),
    )
    .stepped(0.1)
}

/// A trigger layer's level in dB, to a tenth; only "dB" may follow a typed number.
pub fn layer_decibels(range: Range) -> Float {
    Float::new(range, " dB", || v2s_decimals(1), || s2v_number(&["db"])).stepped(0.1)
}

/// A distance in metres, to a centimetre; typed text may be in metres or centimetres.
pub fn metres(range: Range) -> Float {
    Float::new(range, " m", || v2s_decimals(2), s2v_metres)
}

/// A length held in metres and shown in centimetres, to a hundredth; typed text may be in
/// centimetres or millimetres.
pub fn centimetres(range_m: Range) -> Float {
    Float {
        scale: 100.0,
        ..Float::new(range_m, " cm", || v2s_decimals(2), s2v_centimetres).stepped(0.01)
    }
}

/// A rate in hertz, to a hundredth; typed text may be a period in seconds.
pub fn hertz(range: Range) -> Float {
    Float::new(range, " Hz", || v2s_decimals(2), s2v_hertz)
}

/// Events per second, to a hundredth.
pub fn per_second(range: Range) -> Float {
    Float::new(
        range,
        " /s",
        || v2s_decimals(2),
        || s2v_number(&["/s", "ev/s", "hz"]),
    )
}

/// A whole number from `range.0` to `range.1`.
#[derive(Clone, Copy)]
pub struct Whole {
    range: (u32, u32),
}

pub fn whole(range: (u32, u32)) -> Whole {
    Whole { range }
}

impl ParamKind<IntParam, u32> for Whole {
    fn build(&self, name: String, default: u32) -> IntParam {
        let range = IntRange::Linear {
            min: self.range.0 as i32,
            max: self.range.1 as i32,
        };
        IntParam::new(name, default as i32, range)
    }

    fn read(&self, param: &IntParam) -> u32 {
        param.value() as u32
    }

    fn plain(&self, value: u32) -> f32 {
        value as f32
    }
}

/// On or off.
#[derive(Clone, Copy)]
pub struct Switch {
    /// The host's bypass switch: flagged as such, and shown as "Bypassed" / "Not Bypassed".
    bypass: bool,
}

pub fn switch() -> Switch {
    Switch { bypass: false }
}

/// The host's bypass switch.
pub fn bypass() -> Switch {
    Switch { bypass: true }
}

impl ParamKind<BoolParam, bool> for Switch {
    fn build(&self, name: String, default: bool) -> BoolParam {
        let param = BoolParam::new(name, default);
        if self.bypass {
            param
                .make_bypass()
                .with_value_to_string(formatters::v2s_bool_bypass())
                .with_string_to_value(formatters::s2v_bool_bypass())
        } else {
            param
        }
    }

    fn read(&self, param: &BoolParam) -> bool {
        param.value()
    }

    fn plain(&self, value: bool) -> f32 {
        if value { 1.0 } else { 0.0 }
    }
}

/// One of a host enum's choices, standing for an engine enum's value (see `choices.rs`).
#[derive(Clone, Copy)]
pub struct Choice;

pub fn choice() -> Choice {
    Choice
}

impl<P, V> ParamKind<EnumParam<P>, V> for Choice
where
    P: Enum + PartialEq + Copy + 'static,
    V: From<P> + PartialEq,
{
    fn build(&self, name: String, default: V) -> EnumParam<P> {
        EnumParam::new(name, choice_for::<P, V>(default))
    }

    fn read(&self, param: &EnumParam<P>) -> V {
        param.value().into()
    }

    fn plain(&self, value: V) -> f32 {
        choice_for::<P, V>(value).to_index() as f32
    }
}
