//! Motion paths: where the voice is at a given phase of its cycle.
//!
//! A path is a pure function of the phase (cycles, unbounded), so a render is repeatable and a
//! path locked to the host's song position lands at the same place after a relocation. The
//! engine only decides where the phase comes from: a free-running accumulator at `mrate`, or the
//! song position divided by the sync division.

use crate::dsp::math::{exp2, sin};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg32;
use std::f64::consts::TAU;

use crate::binaural::Position;
use crate::binaural::head_model::{DISTANCE_M, ELEVATION_DEG};

/// Shortest Ear Hop glide, seconds, whatever the softness: a hop is never a jump.
pub const MIN_HOP_GLIDE_S: f64 = 0.020;

/// Which path the voice follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum MotionMode {
    /// Stays at the centre position.
    #[default]
    Static,
    /// Sweeps between centre − depth and centre + depth.
    EarToEar,
    /// Circles the head once per cycle.
    Orbit,
    /// Traces a figure eight: a side-to-side swing with an up-and-down swing at twice the rate.
    FigureEight,
    /// Wanders smoothly through seeded random points, one per cycle.
    Drift,
    /// Holds at one side, glides to the other, holds, glides back.
    EarHop,
}

impl MotionMode {
    /// Every mode, in the order the host lists them.
    pub const ALL: [MotionMode; 6] = [
        MotionMode::Static,
        MotionMode::EarToEar,
        MotionMode::Orbit,
        MotionMode::FigureEight,
        MotionMode::Drift,
        MotionMode::EarHop,
    ];
}

/// Length of one motion cycle when locked to the host's transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncDivision {
    /// This many bars (of the host's time signature).
    Bars(u32),
    /// A note value: 2 = half note, 4 = quarter note, 8 = eighth note.
    Note(u32),
}

impl Default for SyncDivision {
    fn default() -> Self {
        SyncDivision::Bars(1)
    }
}

impl SyncDivision {
    /// The cycle length in quarter notes.
    pub fn quarter_notes(self, quarters_per_bar: f64) -> f64 {
        match self {
            SyncDivision::Bars(bars) => bars as f64 * quarters_per_bar,
            SyncDivision::Note(denominator) => 4.0 / denominator as f64,
        }
    }
}

/// Everything about a path except its centre and phase.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PathShape {
    pub mode: MotionMode,
    /// Swing around the centre, degrees (0…180).
    pub depth_deg: f32,
    /// Rounding of turns and share of a hop spent gliding, 0…1.
    pub softness: f32,
    /// Seed for Drift's random points.
    pub seed: u32,
    /// Duration of one cycle, seconds (for Ear Hop's minimum glide).
    pub cycle_s: f64,
}

/// The position on the path at `phase` (cycles) around `centre`. Elevation and distance are
/// kept inside the parameter ranges.
pub fn path_position(centre: &Position, shape: &PathShape, phase: f64) -> Position {
    let depth = shape.depth_deg as f64;
    let cycle_phase = fraction(phase);
    let (d_az, d_el, dist_scale) = match shape.mode {
        MotionMode::Static => (0.0, 0.0, 1.0),
        MotionMode::EarToEar => {
            let corner = 0.25 * shape.softness.clamp(0.0, 1.0) as f64;
            (depth * soft_triangle(cycle_phase, corner), 0.0, 1.0)
        }
        MotionMode::Orbit => (360.0 * cycle_phase, 0.0, 1.0),
        MotionMode::FigureEight => {
            let lift = (depth / 3.0).min(30.0);
            (
                depth * sin(TAU * cycle_phase),
                lift * sin(2.0 * TAU * cycle_phase),
                1.0,
            )
        }
        MotionMode::Drift => {
            let [az, el, dist] = drift(shape.seed, phase);
            // Distance wanders by up to ±0.4 octave at full depth.
            (
                depth * az,
                depth * 0.25 * el,
                exp2(0.4 * dist * depth / 180.0),
            )
        }
        MotionMode::EarHop => {
            let half_s = 0.5 * shape.cycle_s.max(1e-9);
            let glide = (shape.softness as f64)
                .max(MIN_HOP_GLIDE_S / half_s)
                .min(1.0);
            (depth * ear_hop(cycle_phase, glide), 0.0, 1.0)
        }
    };
    Position {
        azimuth_deg: wrap_degrees(centre.azimuth_deg as f64 + d_az) as f32,
        elevation_deg: ((centre.elevation_deg as f64 + d_el) as f32)
            .clamp(ELEVATION_DEG.min, ELEVATION_DEG.max),
        distance_m: ((centre.distance_m as f64 * dist_scale) as f32)
            .clamp(DISTANCE_M.min, DISTANCE_M.max),
    }
}

/// Wraps an angle to `[-180, 180)` degrees.
pub fn wrap_degrees(deg: f64) -> f64 {
    360.0 * fraction((deg + 180.0) / 360.0) - 180.0
}

/// `x` modulo 1, in `[0, 1)`: `x.rem_euclid(1.0)` without its software `fmod` (a tenth of the
/// motion's cost per control tick). Exact for `x ≥ 0` (subtracting the integer part rounds
/// nothing); a tiny negative `x` would round up to 1, which wraps to 0.
#[inline]
fn fraction(x: f64) -> f64 {
    let f = x - floor(x);
    if f < 1.0 { f } else { 0.0 }
}

/// `x.floor()` without a call: x86-64's baseline instruction set has no rounding instruction,
/// so `f64::floor` is a library call there (a tenth of the motion's cost per control tick).
/// Below 2⁵² in magnitude the conversion to an integer is exact; from there on every `f64` is
/// a whole number already (and a NaN stays NaN).
#[inline]
fn floor(x: f64) -> f64 {
    if x.abs() < 4_503_599_627_370_496.0 {
        let truncated = x as i64 as f64;
        if truncated > x {
            truncated - 1.0
        } else {
            truncated
        }
    } else {
        x
    }
}

/// A triangle wave in `[-1, 1]` (0 at phase 0, rising) whose corners are rounded into parabolas
/// `corner` cycles wide on each side (0…0.25). The velocity is continuous for `corner > 0`;
/// the peaks are rescaled to stay at ±1.
pub fn soft_triangle(phase: f64, corner: f64) -> f64 {
    let q = fraction(phase);
    let (peak_at, sign) = if q < 0.5 { (0.25, 1.0) } else { (0.75, -1.0) };
    let d = q - peak_at;
    let w = corner.clamp(0.0, 0.25);
    let x = if d.abs() < w {
        // Velocity ramps linearly from +4 to −4 across the corner.
        1.0 - 2.0 * w - 2.0 * d * d / w
    } else {
        1.0 - 4.0 * d.abs()
    };
    sign * x / (1.0 - 2.0 * w)
}

/// Ear Hop in `[-1, 1]`: holds at +1 (right), then glides to −1 over the last `glide` share of
/// the half cycle with a smoothstep (continuous velocity), holds, glides back.
pub fn ear_hop(phase: f64, glide: f64) -> f64 {
    let q = fraction(phase);
    let (from, to) = if q < 0.5 { (1.0, -1.0) } else { (-1.0, 1.0) };
    let u = (q * 2.0).fract();
    let start = 1.0 - glide;
    if u < start {
        from
    } else {
        let t = (u - start) / glide;
        from + (to - from) * t * t * (3.0 - 2.0 * t)
    }
}

/// Drift's smooth random walk: seeded random points in `[-1, 1]³` at whole phases joined by
/// Catmull-Rom splines (continuous velocity). Each point depends only on (seed, index), so any
/// phase can be evaluated directly.
fn drift(seed: u32, phase: f64) -> [f64; 3] {
    let index = floor(phase);
    let t = phase - index;
    let index = index as i64;
    let p = [-1, 0, 1, 2].map(|k| drift_point(seed, index + k));
    let mut out = [0.0; 3];
    for (axis, value) in out.iter_mut().enumerate() {
        let (p0, p1, p2, p3) = (p[0][axis], p[1][axis], p[2][axis], p[3][axis]);
        *value = 0.5
            * (2.0 * p1
                + (-p0 + p2) * t
                + (2.0 * p0 - 5.0 * p1 + 4.0 * p2 - p3) * t * t
                + (-p0 + 3.0 * p1 - 3.0 * p2 + p3) * t * t * t);
    }
    out
}

fn drift_point(seed: u32, index: i64) -> [f64; 3] {
    let mut rng = Pcg32::seed_from_u64(((seed as u64) << 40) ^ (index as u64));
    [0; 3].map(|_| rng.random_range(-1.0..=1.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn floor_matches_the_library_floor() {
        for x in [
            0.0f64,
            -0.0,
            0.5,
            -0.5,
            1.0,
            -1.0,
            2.999_999,
            -2.000_001,
            1e15 + 0.5,
            -1e15 - 0.5,
            4_503_599_627_370_495.5,
            9e15,
            -9e15,
            1e300,
            -1e300,
            f64::INFINITY,
            f64::NEG_INFINITY,
        ] {
            assert_eq!(floor(x), x.floor(), "{x}");
        }
        assert!(floor(f64::NAN).is_nan());
    }

    fn centre() -> Position {
        Position {
            azimuth_deg: 0.0,
            elevation_deg: 0.0,
            distance_m: 0.5,
        }
    }

    fn shape(mode: MotionMode, softness: f32) -> PathShape {
        PathShape {
            mode,
            depth_deg: 90.0,
            softness,
            seed: 7,
            cycle_s: 10.0,
        }
    }

    /// Largest change of azimuth (wrapped), elevation and distance between neighbouring phases.
    fn largest_step(shape: &PathShape, steps: usize) -> f64 {
        let mut worst: f64 = 0.0;
        let mut prev = path_position(&centre(), shape, 0.0);
        for i in 1..=steps {
            let p = path_position(&centre(), shape, i as f64 / steps as f64);
            let d_az = wrap_degrees((p.azimuth_deg - prev.azimuth_deg) as f64).abs();
            let d_el = (p.elevation_deg - prev.elevation_deg).abs() as f64;
            let d_r = 100.0 * (p.distance_m - prev.distance_m).abs() as f64;
            worst = worst.max(d_az).max(d_el).max(d_r);
            prev = p;
        }
        worst
    }

    #[test]
    fn every_path_is_continuous() {
        for mode in [
            MotionMode::EarToEar,
            MotionMode::Orbit,
            MotionMode::FigureEight,
            MotionMode::Drift,
            MotionMode::EarHop,
        ] {
            for softness in [0.0, 1.0] {
                // 200 000 steps per cycle: a continuous path moves < 1° per step (an Ear Hop
                // at softness 0 glides 180° in 20 ms = 400 steps of this 10 s cycle).
                let step = largest_step(&shape(mode, softness), 200_000);
                assert!(step < 1.0, "{mode:?} softness {softness}: {step}°");
            }
        }
    }

    #[test]
    fn soft_paths_have_continuous_velocity() {
        // Second differences stay small when the velocity has no jumps.
        for mode in [
            MotionMode::EarToEar,
            MotionMode::Drift,
            MotionMode::EarHop,
            MotionMode::Orbit,
            MotionMode::FigureEight,
        ] {
            let s = shape(mode, 0.3);
            let n = 20_000;
            // Azimuth, elevation (degrees) and distance (centimetres) at step i.
            let at = |i: usize| {
                let p = path_position(&centre(), &s, i as f64 / n as f64);
                [
                    p.azimuth_deg as f64,
                    p.elevation_deg as f64,
                    100.0 * p.distance_m as f64,
                ]
            };
            let mut worst: f64 = 0.0;
            for i in 1..2 * n {
                let (prev, here, next) = (at(i - 1), at(i), at(i + 1));
                for axis in 0..3 {
                    let a = wrap_degrees(next[axis] - here[axis]);
                    let b = wrap_degrees(here[axis] - prev[axis]);
                    worst = worst.max((a - b).abs());
                }
            }
            assert!(worst < 0.01, "{mode:?}: {worst}");
        }
    }

    #[test]
    fn hard_triangle_has_a_corner() {
        // With no softness Ear to Ear turns instantly: the opposite of the test above.
        let d = |p: f64| soft_triangle(p, 0.0);
        let before = d(0.25) - d(0.2499);
        let after = d(0.2501) - d(0.25);
        assert!(before > 0.0 && after < 0.0);
    }

    #[test]
    fn ear_to_ear_reaches_both_ears() {
        let s = shape(MotionMode::EarToEar, 0.5);
        assert!((path_position(&centre(), &s, 0.25).azimuth_deg - 90.0).abs() < 1e-3);
        assert!((path_position(&centre(), &s, 0.75).azimuth_deg + 90.0).abs() < 1e-3);
    }

    #[test]
    fn orbit_makes_one_revolution_per_cycle() {
        let s = shape(MotionMode::Orbit, 0.5);
        let quarter = path_position(&centre(), &s, 1.25);
        assert!((quarter.azimuth_deg - 90.0).abs() < 1e-3);
    }

    #[test]
    fn ear_hop_glide_is_never_shorter_than_20_ms() {
        // 0.5 Hz → a half cycle of 1 s; 20 ms is 2 % of it.
        let s = PathShape {
            cycle_s: 2.0,
            ..shape(MotionMode::EarHop, 0.0)
        };
        let n = 100_000;
        let moving = (0..n)
            .filter(|&i| {
                let a = path_position(&centre(), &s, i as f64 / n as f64).azimuth_deg;
                let b = path_position(&centre(), &s, (i + 1) as f64 / n as f64).azimuth_deg;
                a != b
            })
            .count();
        let glide_s = moving as f64 / n as f64 * 2.0 / 2.0;
        assert!((glide_s - MIN_HOP_GLIDE_S).abs() < 0.001, "{glide_s}");
    }

    #[test]
    fn drift_is_seeded_and_stays_near_the_centre() {
        let a = shape(MotionMode::Drift, 0.5);
        let b = PathShape { seed: 8, ..a };
        let pa = path_position(&centre(), &a, 3.3);
        assert_eq!(pa, path_position(&centre(), &a, 3.3));
        assert_ne!(pa, path_position(&centre(), &b, 3.3));
        for i in 0..1000 {
            let p = path_position(&centre(), &a, i as f64 * 0.037);
            assert!(p.azimuth_deg.abs() <= 90.0 * 1.25 + 1e-3);
        }
    }

    #[test]
    fn sync_divisions_in_quarter_notes() {
        assert_eq!(SyncDivision::Bars(1).quarter_notes(4.0), 4.0);
        assert_eq!(SyncDivision::Bars(2).quarter_notes(3.0), 6.0);
        assert_eq!(SyncDivision::Note(8).quarter_notes(4.0), 0.5);
    }
}
