//! Sphere-model binaural renderer: one mono source in, left/right headphone signal out.
//!
//! Per ear: a fractional delay (ITD), five pinna echoes read from the same delay line, and one
//! shelf that carries the head shadow (high band) and the near-field bass (low band). A
//! proximity low shelf, the same for both ears, is applied to the mono input.
//!
//! The position may change every sample without clicks: the cues are recomputed every
//! `CONTROL_PERIOD` samples, glided with a critically damped smoother and ramped linearly per
//! sample, so delays and gains move continuously with a continuous slope.

use super::head_model::{self, Ear, PINNA_GAINS, PINNA_MAX_DELAY_44K, Position, SPEED_OF_SOUND};
use crate::dsp::{BilinearLowpass, ControlSmoother, DelayLine};

/// Samples between two cue updates. Every stateful choice is tied to the absolute sample count
/// (never to the host's block boundaries), so output does not depend on the block size.
pub const CONTROL_PERIOD: usize = 16;

/// Time constant of each of the two smoothing stages for the cues, seconds: a jump across the
/// head becomes a ~40 ms glide (audible as motion, never as a click).
const CUE_GLIDE_S: f32 = 0.010;

/// Largest head radius the renderer is sized for, metres.
pub const MAX_HEAD_RADIUS_M: f32 = 0.105;

/// Extra delay so that the cubic interpolator always has one newer sample to read.
const INTERPOLATION_MARGIN: f32 = 1.0;

/// Corner of the proximity bass shelf, Hz (the warm "close mic" region of a voice).
const PROXIMITY_CORNER_HZ: f32 = 200.0;
/// Proximity bass at the closest distance with `prox` at 100 %, dB.
const PROXIMITY_MAX_DB: f32 = 6.0;
/// Closest distance, m; the proximity boost grows with log(1/r) from 1 m down to here.
const PROXIMITY_MIN_DISTANCE: f32 = 0.1;

/// Number of smoothed cues per ear: delay, low gain, high gain, five pinna delays.
const CUES: usize = 8;
const DELAY: usize = 0;
const LOW: usize = 1;
const HIGH: usize = 2;
const PINNA: usize = 3;

/// One ear's signal path and its ramped cues.
#[derive(Debug, Clone)]
struct EarPath {
    ear: Ear,
    smoothers: [ControlSmoother; CUES],
    /// Cue values at the current sample.
    current: [f32; CUES],
    /// Per-sample increments towards the next control tick's values.
    step: [f32; CUES],
    shelf: BilinearLowpass,
}

impl EarPath {
    fn new(ear: Ear, control_rate: f32) -> Self {
        Self {
            ear,
            smoothers: [ControlSmoother::new(CUE_GLIDE_S, control_rate); CUES],
            current: [0.0; CUES],
            step: [0.0; CUES],
            shelf: BilinearLowpass::default(),
        }
    }

    fn targets(position: &Position, ear: Ear, head_radius_m: f32, fs: f32) -> [f32; CUES] {
        let cues = head_model::ear_cues(position, ear, head_radius_m, fs);
        let mut t = [0.0; CUES];
        t[DELAY] = cues.delay_s * fs + INTERPOLATION_MARGIN;
        t[LOW] = cues.low_gain;
        t[HIGH] = cues.high_gain;
        for n in 0..5 {
            t[PINNA + n] = t[DELAY] + cues.pinna_delays[n];
        }
        t
    }

    #[inline]
    fn process(&mut self, line: &DelayLine) -> f32 {
        let c = &mut self.current;
        for (value, step) in c.iter_mut().zip(&self.step) {
            *value += step;
        }
        let mut x = line.read_cubic(c[DELAY]);
        for n in 0..5 {
            x += PINNA_GAINS[n] * line.read_linear(c[PINNA + n]);
        }
        let low = self.shelf.process(x);
        c[LOW] * low + c[HIGH] * (x - low)
    }
}

/// Renders one mono source at a (moving) position to two ears.
#[derive(Debug, Clone)]
pub struct BinauralRenderer {
    sample_rate: f32,
    line: DelayLine,
    ears: [EarPath; 2],
    head_radius: ControlSmoother,
    proximity_gain: ControlSmoother,
    proximity_current: f32,
    proximity_step: f32,
    proximity_shelf: BilinearLowpass,
    /// The next control tick jumps straight to its targets (after `reset`).
    snap: bool,
}

impl BinauralRenderer {
    /// A renderer for `sample_rate` Hz (allocates its delay line).
    pub fn new(sample_rate: f32) -> Self {
        let control_rate = sample_rate / CONTROL_PERIOD as f32;
        let max_delay = head_model::max_ear_delay_s(MAX_HEAD_RADIUS_M) * sample_rate
            + PINNA_MAX_DELAY_44K * sample_rate / 44_100.0
            + INTERPOLATION_MARGIN
            + 2.0;
        Self {
            sample_rate,
            line: DelayLine::new(max_delay.ceil() as usize),
            ears: [
                EarPath::new(Ear::Left, control_rate),
                EarPath::new(Ear::Right, control_rate),
            ],
            head_radius: ControlSmoother::new(CUE_GLIDE_S, control_rate),
            proximity_gain: ControlSmoother::new(CUE_GLIDE_S, control_rate),
            proximity_current: 1.0,
            proximity_step: 0.0,
            proximity_shelf: BilinearLowpass::new(
                2.0 * std::f32::consts::PI * PROXIMITY_CORNER_HZ,
                sample_rate,
            ),
            snap: true,
        }
    }

    /// Silences all state; the next `set_target` places the source without a glide.
    pub fn reset(&mut self) {
        self.line.reset();
        for ear in &mut self.ears {
            ear.shelf.reset();
            ear.step = [0.0; CUES];
        }
        self.proximity_shelf.reset();
        self.proximity_step = 0.0;
        self.snap = true;
    }

    /// Sets where the source should be by the next control tick. Call exactly once every
    /// `CONTROL_PERIOD` samples, before rendering them.
    pub fn set_target(&mut self, position: &Position, head_radius_m: f32, proximity: f32) {
        let fs = self.sample_rate;
        let snap = std::mem::take(&mut self.snap);
        let head = if snap {
            self.head_radius.snap(head_radius_m);
            head_radius_m
        } else {
            self.head_radius.next(head_radius_m)
        };
        // Brown & Duda's shadow corner: β = 2c/a.
        let corner = 2.0 * SPEED_OF_SOUND / head;
        let inv_period = 1.0 / CONTROL_PERIOD as f32;
        for path in &mut self.ears {
            path.shelf.set_corner(corner, fs);
            let targets = EarPath::targets(position, path.ear, head, fs);
            for i in 0..CUES {
                let smoother = &mut path.smoothers[i];
                if snap {
                    smoother.snap(targets[i]);
                    path.current[i] = targets[i];
                    path.step[i] = 0.0;
                } else {
                    let next = smoother.next(targets[i]);
                    path.step[i] = (next - path.current[i]) * inv_period;
                }
            }
        }

        let boost = proximity_gain(position.distance_m, proximity);
        if snap {
            self.proximity_gain.snap(boost);
            self.proximity_current = boost;
            self.proximity_step = 0.0;
        } else {
            let next = self.proximity_gain.next(boost);
            self.proximity_step = (next - self.proximity_current) * inv_period;
        }
    }

    /// Renders one input sample to `[left, right]`.
    #[inline]
    pub fn process(&mut self, input: f32) -> [f32; 2] {
        self.proximity_current += self.proximity_step;
        let low = self.proximity_shelf.process(input);
        self.line
            .write(input + (self.proximity_current - 1.0) * low);
        [
            self.ears[0].process(&self.line),
            self.ears[1].process(&self.line),
        ]
    }
}

/// Proximity bass shelf gain (linear) at `distance_m` for `proximity` in `0..=1`.
fn proximity_gain(distance_m: f32, proximity: f32) -> f32 {
    let closeness = ((1.0 / distance_m).ln() / (1.0 / PROXIMITY_MIN_DISTANCE).ln()).clamp(0.0, 1.0);
    crate::dsp::db_to_gain(PROXIMITY_MAX_DB * proximity * closeness)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn impulse_response(position: Position, fs: f32) -> (Vec<f32>, Vec<f32>) {
        let mut r = BinauralRenderer::new(fs);
        let (mut left, mut right) = (Vec::new(), Vec::new());
        for n in 0..256 {
            if n % CONTROL_PERIOD == 0 {
                r.set_target(&position, 0.0875, 0.0);
            }
            let [l, rr] = r.process(if n == 0 { 1.0 } else { 0.0 });
            left.push(l);
            right.push(rr);
        }
        (left, right)
    }

    #[test]
    fn front_source_is_symmetric() {
        let (l, r) = impulse_response(
            Position {
                azimuth_deg: 0.0,
                elevation_deg: 20.0,
                distance_m: 1.0,
            },
            48_000.0,
        );
        for (a, b) in l.iter().zip(&r) {
            assert!((a - b).abs() < 1e-6);
        }
    }

    #[test]
    fn right_source_reaches_the_right_ear_first_and_louder() {
        let (l, r) = impulse_response(
            Position {
                azimuth_deg: 90.0,
                elevation_deg: 0.0,
                distance_m: 1.0,
            },
            48_000.0,
        );
        let onset = |x: &[f32]| x.iter().position(|v| v.abs() > 0.05).unwrap();
        assert!(onset(&r) + 20 < onset(&l), "{} {}", onset(&r), onset(&l));
        let energy = |x: &[f32]| x.iter().map(|v| v * v).sum::<f32>();
        assert!(energy(&r) > 4.0 * energy(&l));
    }

    #[test]
    fn proximity_boost_only_close_and_only_when_enabled() {
        assert_eq!(proximity_gain(1.5, 1.0), 1.0);
        assert_eq!(proximity_gain(0.1, 0.0), 1.0);
        let db = crate::dsp::gain_to_db(proximity_gain(0.1, 1.0));
        assert!((db - PROXIMITY_MAX_DB).abs() < 1e-3);
    }
}
