//! Early reflections: the six first-order image sources of a shoebox room (Allen & Berkley,
//! "Image method for efficiently simulating small-room acoustics", JASA 1979), each heard
//! through the sphere head like any source, with its own interaural delay and level.
//!
//! A reflection off surface `s` comes from the source mirrored in `s`: it arrives its extra path
//! (image distance − source distance) after the direct sound, at the spreading gain of its whole
//! path (the direct sound's 1/r law, `head_model::distance_gain`), times the surface's pressure
//! reflection coefficient, from the image's direction.
//!
//! Each reflection and ear is one first-order shelf of the source, delayed:
//!
//! `y = g_hi·x(t − d) + (g_lo − g_hi)·LP(x(t − d))`,
//!
//! with `g_lo` the path's gain times the surface's low-frequency reflection and `g_hi` times its
//! high-frequency reflection, the head shadow α and the rear shading (Brown & Duda's shelf, whose
//! corner `LP` is the head's `2c/a`). Both the surface and the head are first-order shelves; the
//! surface shares the head's corner, so that the pair is one shelf, exact at low and at high
//! frequencies. The low-pass is the same for every path, and linear, so each ear sums its six
//! delayed reads twice (once at `g_hi`, once at `g_lo − g_hi`) and low-passes the second sum
//! once: every path is one interpolated read of the source, its delay and gains ramping per
//! sample from one control tick to the next, so a moving source's reflections glide.

use super::design::{RoomDesign, Surface};
use crate::binaural::head_model::{self, SPEED_OF_SOUND, distance_gain, rear_shade_gain};
use crate::binaural::{CONTROL_PERIOD, Position};
use crate::dsp::{BlockLowpass, ControlRamp, MirrorRing};

/// First-order reflections: one per surface.
pub const REFLECTIONS: usize = 6;
/// Paths: each reflection at each ear (reflection `r`, ear `e` is path `2r + e`).
const PATHS: usize = 2 * REFLECTIONS;
/// The ramps: every path's delay, then its direct gain, then its low-pass gain.
const DELAY: usize = 0;
const DIRECT: usize = PATHS;
const LOW: usize = 2 * PATHS;
const CUES: usize = 3 * PATHS;

/// Time constant of each of the two smoothing stages of the reflections' cues, seconds: the
/// direct sound's (`renderer::CUE_GLIDE_S`), so the reflections glide with it.
const CUE_GLIDE_S: f32 = 0.010;

/// The renderer's interpolation margin (its cubic reads one newer sample), so a reflection's
/// delay counts from the same instant as the direct sound's.
const MARGIN: f32 = 1.0;

/// One first-order reflection, seen from the head.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reflection {
    /// The surface it comes off.
    pub surface: Surface,
    /// Distance from the image source to the head's centre, metres.
    pub distance_m: f32,
    /// How much longer its path is than the direct sound's, metres.
    pub extra_path_m: f32,
    /// Unit direction from the head, `(right, front, up)`.
    pub direction: [f32; 3],
}

/// The six first-order image sources for a source at `position` (around the head, as the
/// renderer takes it) in `room`.
pub fn first_order(room: &RoomDesign, position: &Position) -> [Reflection; REFLECTIONS] {
    // Plain loops: this runs at every control tick, and the closures of `array::map` and
    // `from_fn` were not inlined into it.
    let towards = position.direction();
    let mut offset = [0.0f32; 3];
    for (o, t) in offset.iter_mut().zip(towards) {
        *o = t * position.distance_m;
    }
    let source = room.source_in_room(offset);
    let listener = room.listener_m;
    let mut to_source = [0.0f32; 3];
    for ((d, s), l) in to_source.iter_mut().zip(source).zip(listener) {
        *d = s - l;
    }
    let direct = length(to_source);
    let mut reflections = [Reflection {
        surface: Surface::Left,
        distance_m: 0.0,
        extra_path_m: 0.0,
        direction: [0.0; 3],
    }; REFLECTIONS];
    for (reflection, surface) in reflections.iter_mut().zip(Surface::ALL) {
        let (axis, far) = surface.axis();
        let wall = if far { room.size_m[axis] } else { 0.0 };
        // The image: the source mirrored in the surface's plane.
        let mut to_image = to_source;
        to_image[axis] = 2.0 * wall - source[axis] - listener[axis];
        let distance_m = length(to_image);
        let mut direction = [0.0f32; 3];
        for (d, c) in direction.iter_mut().zip(to_image) {
            *d = c / distance_m.max(1e-6);
        }
        *reflection = Reflection {
            surface,
            distance_m,
            extra_path_m: (distance_m - direct).max(0.0),
            direction,
        };
    }
    reflections
}

fn length(v: [f32; 3]) -> f32 {
    (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt()
}

/// What one path does at one ear: its delay (samples, counted as the direct sound's are) and
/// the gains of the source and of its low-pass.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PathCue {
    pub delay_samples: f32,
    pub direct_gain: f32,
    pub low_pass_gain: f32,
}

/// The cues of `reflection` at the two ears (left, right).
pub fn path_cues(
    room: &RoomDesign,
    reflection: &Reflection,
    head_radius_m: f32,
    sample_rate: f32,
) -> [PathCue; 2] {
    let [low, high] = room.reflection(reflection.surface);
    let spread = distance_gain(reflection.distance_m);
    let surface_high = spread * high * rear_shade_gain(reflection.direction);
    let extra_s = reflection.extra_path_m / SPEED_OF_SOUND;
    let cue = |(ear_delay_s, alpha): (f32, f32)| {
        let high_gain = surface_high * alpha;
        PathCue {
            delay_samples: (extra_s + ear_delay_s) * sample_rate + MARGIN,
            direct_gain: high_gain,
            low_pass_gain: spread * low - high_gain,
        }
    };
    let [left, right] = head_model::ear_delays_and_shadows(reflection.direction, head_radius_m);
    [cue(left), cue(right)]
}

/// The early reflections of one source.
#[derive(Debug, Clone)]
pub struct EarlyReflections {
    sample_rate: f32,
    /// The source heard.
    source: MirrorRing,
    /// Each ear's low-pass at the head's shadow corner (left, right).
    low_pass: [BlockLowpass; 2],
    cues: ControlRamp<CUES>,
    /// Longest delay a path may ask for, samples.
    max_delay: f32,
}

impl EarlyReflections {
    /// Reflections at `sample_rate` Hz whose delays reach up to `max_delay_s` (allocates).
    pub fn new(sample_rate: f32, max_delay_s: f32) -> Self {
        let max_delay = (max_delay_s * sample_rate).ceil();
        let capacity = max_delay as usize + 2 + CONTROL_PERIOD;
        Self {
            sample_rate,
            source: MirrorRing::new(capacity),
            low_pass: [(); 2].map(|_| {
                BlockLowpass::new(shadow_corner(head_model::HEAD_RADIUS_M.min), sample_rate)
            }),
            cues: ControlRamp::new(CUE_GLIDE_S, sample_rate, CONTROL_PERIOD),
            max_delay,
        }
    }

    /// Silence.
    pub fn reset(&mut self) {
        self.source.reset();
        for lp in &mut self.low_pass {
            lp.reset();
        }
    }

    /// Heads for the reflections of a source at `position` in `room` (or sits on them when
    /// `snap`), then renders `input`, the period just heard, into `out` (replacing it): one
    /// period late, as the direct sound is.
    #[inline(always)]
    pub fn render_period(
        &mut self,
        input: &[f32; CONTROL_PERIOD],
        room: &RoomDesign,
        position: &Position,
        head_radius_m: f32,
        snap: bool,
        out: &mut [[f32; CONTROL_PERIOD]; 2],
    ) {
        let mut targets = [0.0; CUES];
        for (r, reflection) in first_order(room, position).iter().enumerate() {
            let cues = path_cues(room, reflection, head_radius_m, self.sample_rate);
            for (e, cue) in cues.iter().enumerate() {
                let path = 2 * r + e;
                targets[DELAY + path] = cue.delay_samples.clamp(0.0, self.max_delay);
                targets[DIRECT + path] = cue.direct_gain;
                targets[LOW + path] = cue.low_pass_gain;
            }
        }
        self.cues.retarget(targets, snap);
        self.source.write(input);
        let source = self.source.recent(self.source.capacity());
        // Each ear's two sums: at the paths' direct gains (into `out`), at their low-pass gains.
        *out = [[0.0; CONTROL_PERIOD]; 2];
        let mut to_low_pass = [[0.0f32; CONTROL_PERIOD]; 2];
        for path in 0..PATHS {
            let ear = path % 2;
            add_path(
                source,
                &self.cues,
                path,
                &mut out[ear],
                &mut to_low_pass[ear],
            );
        }
        let corner = shadow_corner(head_radius_m);
        for lp in &mut self.low_pass {
            lp.set_corner(corner, self.sample_rate);
        }
        let mut low_passed = [[0.0f32; CONTROL_PERIOD]; 2];
        {
            let [ll, lr] = &mut low_passed;
            BlockLowpass::process_blocks(&mut self.low_pass, to_low_pass.each_ref(), [ll, lr]);
        }
        for (o, low) in out.iter_mut().zip(&low_passed) {
            for j in 0..CONTROL_PERIOD {
                o[j] += low[j];
            }
        }
        for lp in &mut self.low_pass {
            lp.flush_tiny();
        }
    }
}

/// Brown & Duda's head-shadow corner, `2c/a` rad/s.
fn shadow_corner(head_radius_m: f32) -> f32 {
    2.0 * SPEED_OF_SOUND / head_radius_m
}

/// Adds one path over the period: `source` ends with the period's last sample; sample `k`
/// reads it `delay(k)` samples before its own, linearly between the two whole samples around
/// it, and adds the read times the path's direct gain to `direct`, times its low-pass gain to
/// `to_low_pass`.
///
/// The delay ramps slowly, so a period nearly always reads one whole-sample delay: one run of
/// contiguous reads that vectorises. When it crosses whole samples the period goes in runs, one
/// per whole delay.
#[inline(always)]
fn add_path(
    source: &[f32],
    cues: &ControlRamp<CUES>,
    path: usize,
    direct: &mut [f32; CONTROL_PERIOD],
    to_low_pass: &mut [f32; CONTROL_PERIOD],
) {
    let delay: [f32; CONTROL_PERIOD] = cues.group(DELAY + path, 0);
    let direct_gain: [f32; CONTROL_PERIOD] = cues.group(DIRECT + path, 0);
    let low_gain: [f32; CONTROL_PERIOD] = cues.group(LOW + path, 0);
    // The index of the period's first sample in the line.
    let first = source.len() - CONTROL_PERIOD;
    let whole_of = |k: usize| delay[k] as usize;
    let mut start = 0;
    while start < CONTROL_PERIOD {
        let whole = whole_of(start);
        let mut end = CONTROL_PERIOD;
        if whole_of(CONTROL_PERIOD - 1) != whole {
            end = start + 1;
            while end < CONTROL_PERIOD && whole_of(end) == whole {
                end += 1;
            }
        }
        // Sample k reads the line at `first + k − whole` and the one before it. Every slice is
        // exactly the run's length, so the loop has no bounds checks and vectorises.
        let at = first + start - whole;
        let n = end - start;
        let (now, before) = (&source[at..at + n], &source[at - 1..at - 1 + n]);
        let (delay, direct_gain, low_gain) = (
            &delay[start..end],
            &direct_gain[start..end],
            &low_gain[start..end],
        );
        let (direct, to_low_pass) = (&mut direct[start..end], &mut to_low_pass[start..end]);
        let whole = whole as f32;
        for j in 0..n {
            let frac = delay[j] - whole;
            let read = now[j] + frac * (before[j] - now[j]);
            direct[j] += direct_gain[j] * read;
            to_low_pass[j] += low_gain[j] * read;
        }
        start = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::room::design::{BEDROOM, LIVING_ROOM};

    const FS: f32 = 48_000.0;

    #[test]
    fn image_sources_mirror_the_source_in_each_surface() {
        // Bedroom 3.6 × 3.2 × 2.5 m, head at (1.7, 1.2, 1.0); a source 1 m to the right is at
        // (2.7, 1.2, 1.0). Its images, worked by hand: left wall (−2.7, 1.2, 1.0), 4.4 m away;
        // right wall (4.5, 1.2, 1.0), 2.8 m; back (2.7, −1.2, 1.0), √(1 + 2.4²) = 2.6 m; front
        // (2.7, 5.2, 1.0), √(1 + 4²) = 4.123 m; floor (2.7, 1.2, −1.0), √(1 + 2²) = 2.236 m;
        // ceiling (2.7, 1.2, 4.0), √(1 + 3²) = 3.162 m.
        let right = Position {
            azimuth_deg: 90.0,
            elevation_deg: 0.0,
            distance_m: 1.0,
        };
        let expected = [4.4, 2.8, 2.6, 4.123, 2.236, 3.162];
        for (reflection, want) in first_order(&BEDROOM, &right).iter().zip(expected) {
            assert!(
                (reflection.distance_m - want).abs() < 1e-3,
                "{reflection:?} vs {want}"
            );
            assert!((reflection.extra_path_m - (want - 1.0)).abs() < 1e-3);
            let norm: f32 = reflection.direction.iter().map(|c| c * c).sum();
            assert!((norm - 1.0).abs() < 1e-5);
        }
        // The left wall's image is to the left, the ceiling's above.
        let images = first_order(&BEDROOM, &right);
        assert!(images[0].direction[0] < -0.99);
        assert!(images[5].direction[2] > 0.9);
    }

    #[test]
    fn reflections_glide_when_the_source_moves() {
        // A source jumping across the head: every path's delay and gains move continuously, the
        // largest step between two samples a small fraction of the jump.
        let mut early = EarlyReflections::new(FS, 0.05);
        let input = [0.0; CONTROL_PERIOD];
        let mut out = [[0.0; CONTROL_PERIOD]; 2];
        let at = |azimuth_deg| Position {
            azimuth_deg,
            elevation_deg: 0.0,
            distance_m: 2.0,
        };
        early.render_period(&input, &LIVING_ROOM, &at(-90.0), 0.0875, true, &mut out);
        let before: [f32; CUES] = std::array::from_fn(|i| early.cues.at(i, CONTROL_PERIOD - 1));
        let mut worst_step = [0.0f32; CUES];
        let mut last = before;
        for _ in 0..200 {
            early.render_period(&input, &LIVING_ROOM, &at(90.0), 0.0875, false, &mut out);
            for k in 0..CONTROL_PERIOD {
                for i in 0..CUES {
                    let v = early.cues.at(i, k);
                    worst_step[i] = worst_step[i].max((v - last[i]).abs());
                    last[i] = v;
                }
            }
        }
        for i in 0..CUES {
            let jump = (last[i] - before[i]).abs();
            if jump > 1e-3 {
                assert!(
                    worst_step[i] < jump / 100.0,
                    "cue {i}: {} of {jump}",
                    worst_step[i]
                );
            }
        }
    }

    /// The response of `room`'s reflections to an impulse at the head's input, per ear.
    fn impulse_response(room: &RoomDesign, at: &Position, periods: usize) -> [Vec<f32>; 2] {
        let mut early = EarlyReflections::new(FS, 0.05);
        crate::room::impulse_response_of(periods, |input, first, out| {
            early.render_period(input, room, at, 0.0875, first, out)
        })
    }

    #[test]
    fn each_reflection_arrives_at_its_image_delay_with_its_level() {
        // One surface reflecting at a time (the others absorb everything), a source 1.2 m away
        // at 40° right, 10° up, in the bedroom. Expected, from the geometry worked here (not the
        // renderer's): arrival = extra path / c + the ear's delay round the sphere; level
        // (the response's sum, its gain at 0 Hz) = (0.5 m / image distance) · √(1 − α_low).
        let source = Position {
            azimuth_deg: 40.0,
            elevation_deg: 10.0,
            distance_m: 1.2,
        };
        let (sin_az, cos_az) = 40f32.to_radians().sin_cos();
        let (sin_el, cos_el) = 10f32.to_radians().sin_cos();
        let offset = [1.2 * cos_el * sin_az, 1.2 * cos_el * cos_az, 1.2 * sin_el];
        let s: [f32; 3] = std::array::from_fn(|a| BEDROOM.listener_m[a] + offset[a]);
        for (index, surface) in Surface::ALL.into_iter().enumerate() {
            let mut only = BEDROOM;
            for (i, alpha) in only.absorption.iter_mut().enumerate() {
                if i != index {
                    *alpha = [1.0, 1.0];
                }
            }
            let [l, r] = impulse_response(&only, &source, 40);
            let (axis, far) = surface.axis();
            let mut image = s;
            image[axis] = if far {
                2.0 * BEDROOM.size_m[axis] - s[axis]
            } else {
                -s[axis]
            };
            let v: [f32; 3] = std::array::from_fn(|a| image[a] - BEDROOM.listener_m[a]);
            let distance = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
            let extra = (distance - 1.2) / SPEED_OF_SOUND * FS;
            // The ears sit on the x axis: the angle from each ear's axis.
            let sideways = v[0] / distance;
            let mut arrivals = [0usize; 2];
            for (e, (h, axis_sign)) in [(&l, -1.0f32), (&r, 1.0)].into_iter().enumerate() {
                let theta = (axis_sign * sideways).clamp(-1.0, 1.0).acos();
                let a_over_c = 0.0875 / SPEED_OF_SOUND;
                let round_head = if theta < std::f32::consts::FRAC_PI_2 {
                    a_over_c * (1.0 - theta.cos())
                } else {
                    a_over_c * (1.0 + theta - std::f32::consts::FRAC_PI_2)
                };
                let expected = extra + round_head * FS + MARGIN;
                let peak = (0..h.len())
                    .max_by(|&a, &b| h[a].abs().total_cmp(&h[b].abs()))
                    .unwrap();
                arrivals[e] = peak;
                assert!(
                    (peak as f32 - expected).abs() <= 1.0,
                    "{surface:?} ear {e}: peak at {peak}, image delay {expected:.2}"
                );
                let level: f32 = h.iter().sum();
                let want = 0.5 / distance * (1.0 - BEDROOM.absorption[index][0]).sqrt();
                let error_db = 20.0 * (level / want).log10();
                assert!(
                    error_db.abs() <= 1.0,
                    "{surface:?} ear {e}: {error_db:+.2} dB"
                );
            }
            match surface {
                Surface::Left => assert!(arrivals[0] < arrivals[1], "{arrivals:?}"),
                Surface::Right => assert!(arrivals[1] < arrivals[0], "{arrivals:?}"),
                _ => {}
            }
        }
    }
}
