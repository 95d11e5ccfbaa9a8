//! The spherical-head formulas: where a source is, as seen by each ear.
//!
//! Brown & Duda 1998, "A structural model for binaural sound synthesis": interaural delay,
//! head shadow and pinna echoes; Duda & Martens 1998 and Spagnol et al. 2017 for the near field.
//! Angles: azimuth 0 = front, +90° = right ear; elevation +90° = above.

use crate::dsp::math::{acos, cos, exp, sin, sin_cos};
use crate::range::Range;
use std::f32::consts::{FRAC_PI_2, PI};

/// Speed of sound, m/s (dry air at 20 °C).
pub const SPEED_OF_SOUND: f32 = 343.0;

/// Pinna echo gains ρₙ (Brown & Duda 1998, table 1).
pub const PINNA_GAINS: [f32; 5] = [0.5, -1.0, 0.5, -0.25, 0.25];
/// Pinna echo delay swing Aₙ, samples at 44.1 kHz.
const PINNA_A: [f32; 5] = [1.0, 5.0, 5.0, 5.0, 5.0];
/// Pinna echo base delay Bₙ, samples at 44.1 kHz.
const PINNA_B: [f32; 5] = [2.0, 4.0, 7.0, 11.0, 13.0];
/// Pinna echo elevation scaling Dₙ: 1 for the first echo, ½ for the others (`pinna_delays`
/// takes its sines from these two values).
const PINNA_D: [f32; 5] = [1.0, 0.5, 0.5, 0.5, 0.5];
/// The rate at which Brown & Duda's pinna delays are given.
const PINNA_RATE: f32 = 44_100.0;
/// Longest pinna echo, samples at 44.1 kHz (max of A + B).
pub const PINNA_MAX_DELAY_44K: f32 = 18.0;

/// High-frequency loss for sources behind the head, dB at azimuth 180°. The sphere is
/// front/back symmetric; real pinnae shade rear sources by roughly 5–10 dB above 3 kHz.
pub const REAR_SHADE_DB: f32 = 8.0;

/// Distance at which the voice plays at unity gain, m (the `dist` default).
pub const REFERENCE_DISTANCE: f32 = 0.5;
/// Soft core of the 1/r law, m: below about this distance the gain stops growing, so a voice
/// dragged onto the ear gets close and warm but never startlingly loud (+8.9 dB at 0.1 m).
pub const DISTANCE_CORE: f32 = 0.15;
/// Distance at which the near-field correction is unity (the usual far-field HRTF radius).
pub const FAR_FIELD_DISTANCE: f32 = 1.0;
/// Closest a source may come to an ear for the near-field model, m (the surface plus a pinna).
const MIN_EAR_CLEARANCE: f32 = 0.025;
/// Largest near-field bass change per ear, as a gain factor (+12 dB).
const MAX_NEAR_FIELD_GAIN: f32 = 3.98;

/// Which ear.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ear {
    Left,
    Right,
}

impl Ear {
    /// +1 for the right ear (on the +x axis), −1 for the left.
    pub fn axis_sign(self) -> f32 {
        match self {
            Ear::Left => -1.0,
            Ear::Right => 1.0,
        }
    }
}

/// Where a source may be around the head: azimuth, degrees (0 ahead, positive to the right).
pub const AZIMUTH_DEG: Range = Range {
    min: -180.0,
    max: 180.0,
};
/// Elevation, degrees: from below the ears to nearly overhead.
pub const ELEVATION_DEG: Range = Range {
    min: -40.0,
    max: 80.0,
};
/// Distance from the head's centre, m.
pub const DISTANCE_M: Range = Range { min: 0.1, max: 3.0 };
/// Head (sphere) radius, m; the renderers size their delay lines for the largest. The host
/// shows it in centimetres.
pub const HEAD_RADIUS_M: Range = Range {
    min: 0.075,
    max: 0.105,
};

/// A source position around the head.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Position {
    /// Degrees, 0 = front, +90 = right, ±180 = behind.
    pub azimuth_deg: f32,
    /// Degrees, +90 = above.
    pub elevation_deg: f32,
    /// Metres from the centre of the head.
    pub distance_m: f32,
}

impl Position {
    /// Unit direction vector `(right, front, up)`.
    pub fn direction(&self) -> [f32; 3] {
        self.direction_and_cosines().0
    }

    /// The direction, with the cosines of the azimuth and the elevation it was made from.
    fn direction_and_cosines(&self) -> ([f32; 3], f32, f32) {
        let (sin_az, cos_az) = sin_cos(self.azimuth_deg.to_radians());
        let (sin_el, cos_el) = sin_cos(self.elevation_deg.to_radians());
        ([cos_el * sin_az, cos_el * cos_az, sin_el], cos_az, cos_el)
    }
}

/// Everything the renderer needs for one ear at one position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EarCues {
    /// Propagation delay to this ear, seconds (Brown & Duda eq. 2).
    pub delay_s: f32,
    /// Low-frequency gain (near-field correction × distance gain).
    pub low_gain: f32,
    /// High-frequency gain (head shadow α × rear shading × distance gain).
    pub high_gain: f32,
}

/// Angle between the source direction and the ear's axis, radians in `[0, π]`, as its cosine.
pub fn ear_incidence_cos(direction: [f32; 3], ear: Ear) -> f32 {
    (ear.axis_sign() * direction[0]).clamp(-1.0, 1.0)
}

/// Delay from the head's centre to an ear at incidence angle `theta` (radians), seconds:
/// `(a/c)(1 − cos θ)` on the lit side, `(a/c)(1 + θ − π/2)` around the sphere beyond it.
/// The difference between the two ears is Woodworth's `(a/c)(φ + sin φ)`.
pub fn ear_delay_s(theta: f32, head_radius_m: f32) -> f32 {
    ear_delay_from_angle(theta, cos(theta), head_radius_m)
}

/// [`ear_delay_s`] for an angle whose cosine is already known.
fn ear_delay_from_angle(theta: f32, cos_theta: f32, head_radius_m: f32) -> f32 {
    let a_over_c = head_radius_m / SPEED_OF_SOUND;
    if theta < FRAC_PI_2 {
        a_over_c * (1.0 - cos_theta)
    } else {
        a_over_c * (1.0 + theta - FRAC_PI_2)
    }
}

/// Woodworth's interaural time difference for lateral angle `phi` (radians, `|φ| ≤ π/2`).
pub fn woodworth_itd_s(phi: f32, head_radius_m: f32) -> f32 {
    head_radius_m / SPEED_OF_SOUND * (phi + sin(phi))
}

/// Head-shadow high-frequency gain α(θ) = 1.05 + 0.95 cos(θ · 180°/150°): +6 dB facing the
/// source, about −11 dB on the far side (minimum at θ = 150°).
pub fn shadow_alpha(theta: f32) -> f32 {
    1.05 + 0.95 * cos(theta * SHADOW_ANGLE_SCALE)
}

/// 180°/150°: the shadow's cosine reaches its minimum at θ = 150°.
const SHADOW_ANGLE_SCALE: f32 = 180.0 / 150.0;
/// cos and sin of π · 180°/150° (= 216°): the turn from one ear's shadow angle to the other's.
const COS_SHADOW_TURN: f32 = -0.809_017;
const SIN_SHADOW_TURN: f32 = -0.587_785_24;

/// Pinna echo delays at the host rate: τₙ = Aₙ cos(θ/2) sin(Dₙ(90° − φ)) + Bₙ (samples at
/// 44.1 kHz, rescaled), θ the source azimuth, φ the elevation.
///
/// Both ears get the same echoes: the pinna cue is a spectral (elevation, front/back) cue, and
/// ear-specific echo patterns would smear the interaural correlation peak away from the ITD.
pub fn pinna_delays(
    cos_azimuth: f32,
    sin_elevation: f32,
    cos_elevation: f32,
    sample_rate: f32,
) -> [f32; 5] {
    // cos(θ/2) from cos θ without another trig call (θ within ±180°, so cos(θ/2) ≥ 0).
    let cos_half = ((1.0 + cos_azimuth) * 0.5).max(0.0).sqrt();
    let scale = sample_rate / PINNA_RATE;
    // sin(Dₙ(90° − φ)) for the two values of Dₙ without a trig call: sin(90° − φ) = cos φ, and
    // by the half-angle formula sin((90° − φ)/2) = √((1 − cos(90° − φ))/2) = √((1 − sin φ)/2)
    // (90° − φ is within 0…180°, so the half angle's sine is not negative).
    let sine_whole = cos_elevation;
    let sine_half = ((1.0 - sin_elevation) * 0.5).max(0.0).sqrt();
    let mut out = [0.0; 5];
    for n in 0..5 {
        let sine = if PINNA_D[n] == 1.0 {
            sine_whole
        } else {
            debug_assert_eq!(PINNA_D[n], 0.5);
            sine_half
        };
        out[n] = (PINNA_A[n] * cos_half * sine + PINNA_B[n]) * scale;
    }
    out
}

/// Spreading gain for a source at `distance_m`: 1/r with a soft core, unity at the reference.
pub fn distance_gain(distance_m: f32) -> f32 {
    let core2 = DISTANCE_CORE * DISTANCE_CORE;
    ((REFERENCE_DISTANCE * REFERENCE_DISTANCE + core2) / (distance_m * distance_m + core2)).sqrt()
}

/// Straight-line distance from a source at `distance_m` to an ear at incidence `cos_theta`.
fn ear_distance(distance_m: f32, cos_theta: f32, head_radius_m: f32) -> f32 {
    let r = distance_m;
    let a = head_radius_m;
    (r * r - 2.0 * r * a * cos_theta + a * a).max(0.0).sqrt()
}

/// Near-field low-frequency gain for one ear (the distance-variation function's DC gain,
/// Spagnol et al. 2017): below ~1 m the ear facing the source is much closer than the head's
/// centre and the far ear further, so bass level differs between the ears while the ITD hardly
/// changes (Brungart & Rabinowitz 1999). Relative to the far-field response at 1 m.
pub fn near_field_gain(distance_m: f32, cos_theta: f32, head_radius_m: f32) -> f32 {
    let r = distance_m.max(head_radius_m + MIN_EAR_CLEARANCE);
    let here = r / ear_distance(r, cos_theta, head_radius_m);
    let far = FAR_FIELD_DISTANCE / ear_distance(FAR_FIELD_DISTANCE, cos_theta, head_radius_m);
    (here / far).clamp(1.0 / MAX_NEAR_FIELD_GAIN, MAX_NEAR_FIELD_GAIN)
}

/// High-frequency gain for sources behind the head: 0 dB in the front half, falling to
/// −`REAR_SHADE_DB` directly behind.
pub fn rear_shade_gain(direction: [f32; 3]) -> f32 {
    let behind = (-direction[1]).max(0.0);
    exp(-REAR_SHADE_DB * behind * (std::f32::consts::LN_10 / 20.0))
}

/// Everything the renderer needs for one source position.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SourceCues {
    /// Left, then right.
    pub ears: [EarCues; 2],
    /// Pinna echo delays, samples at the host rate (the same for both ears).
    pub pinna_delays: [f32; 5],
}

/// All cues for a source: the direction and the shared factors are computed once.
pub fn source_cues(position: &Position, head_radius_m: f32, sample_rate: f32) -> SourceCues {
    // The cosines are kept for the pinna delays (the elevation's sine is the direction's `up`).
    let (direction, cos_az, cos_el) = position.direction_and_cosines();
    let sin_el = direction[2];
    let common_gain = distance_gain(position.distance_m);
    let rear = rear_shade_gain(direction);
    let [left, right] = ear_delays_and_shadows(direction, head_radius_m);
    let ear = |ear: Ear, (delay_s, alpha): (f32, f32)| {
        let cos_theta = ear_incidence_cos(direction, ear);
        EarCues {
            delay_s,
            low_gain: common_gain * near_field_gain(position.distance_m, cos_theta, head_radius_m),
            high_gain: common_gain * alpha * rear,
        }
    };
    // The azimuth's cosine in the horizontal plane (where the elevation leaves one).
    let cos_azimuth = if cos_el > 1e-6 { cos_az } else { 1.0 };
    SourceCues {
        ears: [ear(Ear::Left, left), ear(Ear::Right, right)],
        pinna_delays: pinna_delays(cos_azimuth, sin_el, cos_el, sample_rate),
    }
}

/// Each ear's delay round the sphere (seconds, [`ear_delay_s`]) and head shadow
/// ([`shadow_alpha`]) for a source in unit `direction` (left, right), from one inverse cosine
/// and one sine and cosine.
///
/// The ears face opposite ways, so the right ear's angle is π minus the left's, and its shadow
/// cos(1.2(π − θ)) = cos 1.2π · cos 1.2θ + sin 1.2π · sin 1.2θ comes from the left ear's sine
/// and cosine.
#[inline]
pub fn ear_delays_and_shadows(direction: [f32; 3], head_radius_m: f32) -> [(f32, f32); 2] {
    let cos_left = ear_incidence_cos(direction, Ear::Left);
    let theta_left = acos(cos_left);
    let (sin_shadow, cos_shadow) = sin_cos(theta_left * SHADOW_ANGLE_SCALE);
    let cos_shadow_right = COS_SHADOW_TURN * cos_shadow + SIN_SHADOW_TURN * sin_shadow;
    [
        (
            ear_delay_from_angle(theta_left, cos_left, head_radius_m),
            1.05 + 0.95 * cos_shadow,
        ),
        (
            ear_delay_from_angle(PI - theta_left, -cos_left, head_radius_m),
            1.05 + 0.95 * cos_shadow_right,
        ),
    ]
}

/// The longest ear delay the model can ask for, seconds (largest head, source opposite).
pub fn max_ear_delay_s(max_head_radius_m: f32) -> f32 {
    ear_delay_s(PI, max_head_radius_m)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::math::{asin, log10};

    const A: f32 = 0.0875;

    fn at(azimuth_deg: f32) -> Position {
        Position {
            azimuth_deg,
            elevation_deg: 0.0,
            distance_m: 1.0,
        }
    }

    #[test]
    fn interaural_delay_is_woodworths_656_us_at_90_degrees() {
        let left = source_cues(&at(90.0), A, 48_000.0).ears[0].delay_s;
        let right = source_cues(&at(90.0), A, 48_000.0).ears[1].delay_s;
        let itd_us = (left - right) * 1e6;
        assert!((itd_us - 655.8).abs() < 1.0, "{itd_us}");
    }

    #[test]
    fn interaural_delay_follows_woodworth_everywhere() {
        for az in [-150.0f32, -90.0, -60.0, -30.0, 0.0, 30.0, 60.0, 90.0, 150.0] {
            let left = source_cues(&at(az), A, 48_000.0).ears[0].delay_s;
            let right = source_cues(&at(az), A, 48_000.0).ears[1].delay_s;
            let lateral = asin(sin(az.to_radians()));
            let expect = woodworth_itd_s(lateral, A);
            assert!(((left - right) - expect).abs() < 1e-7, "az {az}");
        }
    }

    #[test]
    fn shadow_is_plus_6_db_facing_and_about_minus_11_db_opposite() {
        assert!((shadow_alpha(0.0) - 2.0).abs() < 1e-6);
        assert!((shadow_alpha(PI) - 0.281).abs() < 1e-3);
        assert!((shadow_alpha(150f32.to_radians()) - 0.1).abs() < 1e-5);
    }

    #[test]
    fn near_field_is_unity_at_one_metre_and_boosts_the_near_ear_close_up() {
        assert!((near_field_gain(1.0, 1.0, A) - 1.0).abs() < 1e-6);
        assert!((near_field_gain(1.0, -1.0, A) - 1.0).abs() < 1e-6);
        let near = near_field_gain(0.15, 1.0, A);
        let far = near_field_gain(0.15, -1.0, A);
        let ild_db = 20.0 * log10(near / far);
        assert!(ild_db > 8.0 && ild_db < 14.0, "{ild_db}");
    }

    #[test]
    fn distance_gain_is_unity_at_half_a_metre_and_falls_about_6_db_per_doubling() {
        assert!((distance_gain(0.5) - 1.0).abs() < 1e-6);
        let per_doubling = 20.0 * log10(distance_gain(1.0) / distance_gain(2.0));
        assert!((per_doubling - 6.0).abs() < 0.3, "{per_doubling}");
    }

    #[test]
    fn both_ears_shadows_come_from_one_angle() {
        let turn = std::f64::consts::PI * 180.0 / 150.0;
        assert!((COS_SHADOW_TURN as f64 - cos(turn)).abs() < 1e-7);
        assert!((SIN_SHADOW_TURN as f64 - sin(turn)).abs() < 1e-7);
        for az in [-170.0f32, -90.0, -45.0, 0.0, 20.0, 90.0, 135.0, 180.0] {
            for el in [-60.0f32, 0.0, 45.0] {
                let position = Position {
                    azimuth_deg: az,
                    elevation_deg: el,
                    distance_m: 1.0,
                };
                let cues = source_cues(&position, A, 48_000.0);
                let direction = position.direction();
                for (side, ear) in [Ear::Left, Ear::Right].into_iter().enumerate() {
                    let theta = acos(ear_incidence_cos(direction, ear));
                    let expected =
                        distance_gain(1.0) * shadow_alpha(theta) * rear_shade_gain(direction);
                    let got = cues.ears[side].high_gain;
                    assert!(
                        (got - expected).abs() < 1e-5,
                        "{az}° {el}° {ear:?}: {got} {expected}"
                    );
                }
            }
        }
    }

    #[test]
    fn pinna_delays_follow_brown_and_duda_at_every_elevation() {
        for az in [-180.0f32, -60.0, 0.0, 90.0] {
            for el in [-90.0f32, -40.0, 0.0, 30.0, 89.0, 90.0] {
                let position = Position {
                    azimuth_deg: az,
                    elevation_deg: el,
                    distance_m: 1.0,
                };
                let got = source_cues(&position, A, 44_100.0).pinna_delays;
                let from_top = FRAC_PI_2 - el.to_radians();
                // Straight above or below, the azimuth is taken as the front.
                let azimuth = if el.abs() == 90.0 {
                    0.0
                } else {
                    az.to_radians()
                };
                let cos_half = cos(azimuth * 0.5).abs();
                for n in 0..5 {
                    let expected = PINNA_A[n] * cos_half * sin(PINNA_D[n] * from_top) + PINNA_B[n];
                    assert!(
                        (got[n] - expected).abs() < 1e-4,
                        "{az}° {el}° echo {n}: {} {expected}",
                        got[n]
                    );
                }
            }
        }
    }

    #[test]
    fn pinna_delays_scale_with_the_sample_rate() {
        let d44 = pinna_delays(0.0, 0.0, 1.0, 44_100.0);
        let d96 = pinna_delays(0.0, 0.0, 1.0, 96_000.0);
        for n in 0..5 {
            assert!((d96[n] / d44[n] - 96.0 / 44.1).abs() < 1e-4);
        }
    }

    #[test]
    fn rear_shading_only_behind() {
        assert_eq!(rear_shade_gain(at(30.0).direction()), 1.0);
        let behind = 20.0 * log10(rear_shade_gain(at(180.0).direction()));
        assert!((behind + REAR_SHADE_DB).abs() < 1e-3);
    }
}
