//! The machinery the noise gestures share: Brush, Scratch and Shh are each one [`Gesture`],
//! and Paper's swish runs on the same clock.
//!
//! A gesture is a stroke, a scratch or a breath: noise shaped by controls (an envelope, filter
//! centres, a stroke's energy) that change smoothly over the gesture. Evaluating their shapes
//! every sample would cost transcendentals per sample, so a model evaluates them at control
//! ticks, every [`ControlRate::CONTROL_SAMPLES`] samples counted from the event's start (so the
//! output does not depend on how the host splits its blocks), and ramps linearly in between
//! (`Ramp`). A gesture's length follows Decay (`gesture_length_s`); after it the event rings
//! for a short tail ([`NoiseGesture::TAIL_S`]) while the filters die out.
//!
//! The level calibration of white noise across sample rates (`noise_rate_gain`) lives here
//! too: every model that filters noise uses it, gestures or not.

use super::model::{EventParams, TriggerModel};
use crate::dsp::math::exp2;
use rand_pcg::Pcg32;

/// Rate at which noise levels are calibrated, Hz. White noise of unit variance spreads its
/// power evenly up to `fs/2`, so a band (or a low-pass) of fixed width in Hz holds power in
/// proportion to `bandwidth/fs`: noise is scaled by `√(fs/48k)` ([`noise_rate_gain`]) to
/// sound as loud at every rate as at 48 kHz.
pub(crate) const NOISE_REFERENCE_RATE_HZ: f32 = 48_000.0;

/// The gain `√(fs/48k)` that keeps band-limited white noise at its 48 kHz level at
/// `sample_rate` Hz (see [`NOISE_REFERENCE_RATE_HZ`]).
#[inline]
pub(crate) fn noise_rate_gain(sample_rate: f32) -> f32 {
    (sample_rate / NOISE_REFERENCE_RATE_HZ).sqrt()
}

/// A gesture's length for `event`, seconds: from `min_s` at decay 0 to `max_s` at decay 1,
/// strayed by the timbre draw up to `spread_oct` octaves either way and clamped to that range,
/// then shortened to the layer's length cap (never below `min_s`).
pub(crate) fn gesture_length_s(
    event: &EventParams,
    min_s: f32,
    max_s: f32,
    spread_oct: f32,
) -> f32 {
    let length_s = (min_s + (max_s - min_s) * event.decay.clamp(0.0, 1.0))
        * exp2(spread_oct * event.timbre_offset());
    event.capped_length_s(length_s.clamp(min_s, max_s), min_s)
}

/// Where an event is: its sample rate, the position, and the lengths of the gesture and of
/// the whole event (the gesture and its tail), in samples.
#[derive(Debug, Clone, Copy)]
pub struct GestureClock {
    /// Sample rate, Hz.
    pub(crate) sample_rate: f32,
    /// Samples rendered since the event started.
    pub(crate) pos: u32,
    /// Length of the gesture, at least one sample.
    pub(crate) gesture_len: u32,
    /// Length of the whole event; rendering ends here.
    pub(crate) len: u32,
}

impl GestureClock {
    /// A clock at `sample_rate` Hz with nothing to play.
    pub(crate) fn silent(sample_rate: f32) -> Self {
        Self {
            sample_rate,
            pos: 0,
            gesture_len: 1,
            len: 0,
        }
    }

    /// Restarts for a gesture of `gesture_s` seconds followed by `tail_s` seconds of ring.
    pub(crate) fn start(&mut self, gesture_s: f32, tail_s: f32) {
        let fs = self.sample_rate;
        self.pos = 0;
        self.gesture_len = ((gesture_s * fs) as u32).max(1);
        self.len = ((gesture_s + tail_s) * fs) as u32;
    }

    /// Restarts for a gesture of `gesture_len` samples in an event of `len`, lengths measured
    /// elsewhere (Paper's swish follows its clicks' gesture).
    pub(crate) fn start_with_lengths(&mut self, gesture_len: u32, len: u32) {
        self.pos = 0;
        self.gesture_len = gesture_len;
        self.len = len;
    }

    /// How far into the gesture sample `pos` lies: 0 at its start, 1 at its end.
    #[inline]
    pub(crate) fn at(&self, pos: u32) -> f32 {
        pos as f32 / self.gesture_len as f32
    }

    /// Samples from now to the next control tick `every` samples ahead, but never past the end
    /// of the gesture (and at least one): a ramp of this length ends exactly on the gesture's
    /// end.
    #[inline]
    pub(crate) fn ramp_len(&self, every: u32) -> u32 {
        every.min(self.gesture_len.saturating_sub(self.pos)).max(1)
    }

    /// Overwrites `out` with the next samples of `sound`, zeros past the event's end. Returns
    /// `false` once the event has ended.
    #[inline]
    pub(crate) fn render<S: ControlRate>(&mut self, sound: &mut S, out: &mut [f32]) -> bool {
        let n = self.run(sound, out, |y, x| *y = x);
        out[n..].fill(0.0);
        self.pos < self.len
    }

    /// Adds the next samples of `sound` to `out`. Returns `false` once the event has ended.
    #[inline]
    pub(crate) fn add_to<S: ControlRate>(&mut self, sound: &mut S, out: &mut [f32]) -> bool {
        self.run(sound, out, |y, x| *y += x);
        self.pos < self.len
    }

    /// Writes `sound`'s samples into `out` with `write` up to the event's end, updating its
    /// controls on every tick; returns the samples written.
    #[inline(always)]
    fn run<S: ControlRate>(
        &mut self,
        sound: &mut S,
        out: &mut [f32],
        write: impl Fn(&mut f32, f32),
    ) -> usize {
        let n = out.len().min((self.len - self.pos) as usize);
        for y in &mut out[..n] {
            if self.pos.is_multiple_of(S::CONTROL_SAMPLES) {
                sound.control(self);
            }
            write(y, sound.next());
            self.pos += 1;
        }
        n
    }
}

/// A control value set at control ticks and ramped linearly to the next one.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Ramp {
    /// The value at the current sample.
    pub(crate) value: f32,
    /// Its change per sample until the next tick.
    step: f32,
}

impl Ramp {
    /// Lands exactly on `now`, then heads for `next`, `samples` ahead.
    #[inline]
    pub(crate) fn head(&mut self, now: f32, next: f32, samples: u32) {
        self.value = now;
        self.step = (next - now) / samples as f32;
    }

    /// One sample on.
    #[inline(always)]
    pub(crate) fn advance(&mut self) {
        self.value += self.step;
    }

    /// One sample on, never below zero: rounding cannot take an envelope that closes on zero
    /// below it.
    #[inline(always)]
    pub(crate) fn advance_to_non_negative(&mut self) {
        self.value = (self.value + self.step).max(0.0);
    }
}

/// A sound computed at control rate, driven by a [`GestureClock`].
///
/// The render loop that calls `control` and `next` is compiled with this module, away from the
/// model's own: implementations mark both `#[inline]`, and the shapes `control` evaluates too,
/// so that the loop is built as one piece (as fast as a loop written in the model).
pub trait ControlRate {
    /// Samples between control ticks.
    const CONTROL_SAMPLES: u32;

    /// Sets the controls at a tick (`clock.pos` is a multiple of
    /// [`CONTROL_SAMPLES`](Self::CONTROL_SAMPLES)), ramps included.
    fn control(&mut self, clock: &GestureClock);

    /// The next sample.
    fn next(&mut self) -> f32;
}

/// A noise gesture that is a whole trigger model: [`Gesture`] times it and plays it.
pub trait NoiseGesture: ControlRate {
    /// Ring after the gesture before the event ends, seconds.
    const TAIL_S: f32;

    /// A silent gesture for `sample_rate` Hz.
    fn new(sample_rate: f32) -> Self;

    /// Draws this event's gesture (every random choice from `rng`, as
    /// [`TriggerModel::start`]) and returns its length, seconds.
    fn start(&mut self, event: &EventParams, rng: &mut Pcg32, sample_rate: f32) -> f32;
}

/// A trigger model made of one noise gesture.
#[derive(Debug, Clone)]
pub struct Gesture<S> {
    pub(crate) clock: GestureClock,
    pub(crate) sound: S,
}

impl<S: NoiseGesture> TriggerModel for Gesture<S> {
    fn new(sample_rate: f32) -> Self {
        Self {
            clock: GestureClock::silent(sample_rate),
            sound: S::new(sample_rate),
        }
    }

    fn start(&mut self, event: &EventParams, rng: &mut Pcg32) {
        let gesture_s = self.sound.start(event, rng, self.clock.sample_rate);
        self.clock.start(gesture_s, S::TAIL_S);
    }

    fn render(&mut self, out: &mut [f32]) -> bool {
        self.clock.render(&mut self.sound, out)
    }
}
