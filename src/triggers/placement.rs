//! Where each event lands around the head.

use crate::binaural::Position;
use rand::RngExt;
use rand_pcg::Pcg32;

/// Azimuth step between successive events of a Sweep, degrees: twelve stations around the head
/// (a clock face), so a sweep circles once every twelve events.
pub const SWEEP_STEP_DEG: f32 = 30.0;
/// Elevation range of Around Head events, degrees: mostly ear level, a little above (where
/// hands and objects usually are in ASMR).
const AROUND_ELEVATION_DEG: (f32, f32) = (-10.0, 25.0);
/// Random wander of the fixed placements (ears, front), degrees, at 100 % Variation.
const FIXED_JITTER_DEG: f32 = 10.0;
/// Azimuth step per semitone of a MIDI note's pitch class, degrees (C = front, clockwise).
pub const MIDI_AZIMUTH_STEP_DEG: f32 = 30.0;

/// How a layer places its events.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Placement {
    /// Random azimuth within ±Spread of the front (all around at 180°).
    AroundHead,
    /// The voice's direction when the event starts (at the layer's distance).
    FollowVoice,
    LeftEar,
    RightEar,
    Front,
    /// Successive events step around the head (back and forth within ±Spread below 180°).
    Sweep,
}

impl Placement {
    /// Every placement, in the order the host lists them.
    pub const ALL: [Placement; 6] = [
        Placement::AroundHead,
        Placement::FollowVoice,
        Placement::LeftEar,
        Placement::RightEar,
        Placement::Front,
        Placement::Sweep,
    ];
}

/// Azimuth of a MIDI note: the pitch class, C = front, each semitone 30° clockwise, wrapped
/// into −180…180 (F♯ is straight behind).
pub fn note_azimuth_deg(note: u8) -> f32 {
    let azimuth = (note % 12) as f32 * MIDI_AZIMUTH_STEP_DEG;
    if azimuth > 180.0 {
        azimuth - 360.0
    } else {
        azimuth
    }
}

/// A layer's placement state (the sweep's station).
#[derive(Debug, Clone)]
pub struct Placer {
    sweep_deg: f32,
    sweep_direction: f32,
}

impl Default for Placer {
    fn default() -> Self {
        Self {
            sweep_deg: 0.0,
            sweep_direction: 1.0,
        }
    }
}

impl Placer {
    /// Starts the sweep again from the front.
    pub fn reset(&mut self) {
        *self = Self::default();
    }

    /// The next event's position. `voice` is the voice's position now, `variation` the
    /// layer's Variation (0…1), which lets the fixed placements wander a little.
    pub fn place(
        &mut self,
        placement: Placement,
        spread_deg: f32,
        distance_m: f32,
        voice: &Position,
        variation: f32,
        rng: &mut Pcg32,
    ) -> Position {
        // Every placement draws the same two numbers, so switching placement never shifts the
        // random sequence of later events.
        let a: f32 = rng.random_range(-1.0..=1.0);
        let b: f32 = rng.random();
        let jitter = FIXED_JITTER_DEG * variation;
        let at = |azimuth_deg: f32, elevation_deg: f32| Position {
            azimuth_deg,
            elevation_deg,
            distance_m,
        };
        match placement {
            Placement::AroundHead => {
                let (lo, hi) = AROUND_ELEVATION_DEG;
                at(a * spread_deg, lo + (hi - lo) * b)
            }
            Placement::FollowVoice => at(voice.azimuth_deg, voice.elevation_deg),
            Placement::LeftEar => at(-90.0 + a * jitter, (b - 0.5) * jitter),
            Placement::RightEar => at(90.0 + a * jitter, (b - 0.5) * jitter),
            Placement::Front => at(a * jitter, (b - 0.5) * jitter),
            Placement::Sweep => at(self.next_sweep(spread_deg), 0.0),
        }
    }

    /// The sweep's next station: round the head at 180° Spread, back and forth within ±Spread
    /// below.
    fn next_sweep(&mut self, spread_deg: f32) -> f32 {
        let here = self.sweep_deg;
        if spread_deg >= 180.0 {
            let next = here + SWEEP_STEP_DEG;
            self.sweep_deg = if next > 180.0 { next - 360.0 } else { next };
            return here;
        }
        let here = here.clamp(-spread_deg, spread_deg);
        let mut next = here + self.sweep_direction * SWEEP_STEP_DEG;
        if next > spread_deg || next < -spread_deg {
            self.sweep_direction = -self.sweep_direction;
            next = (here + self.sweep_direction * SWEEP_STEP_DEG).clamp(-spread_deg, spread_deg);
        }
        self.sweep_deg = next;
        here
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    fn voice() -> Position {
        Position {
            azimuth_deg: 42.0,
            elevation_deg: 7.0,
            distance_m: 0.6,
        }
    }

    #[test]
    fn midi_pitch_classes_walk_clockwise_from_the_front() {
        assert_eq!(note_azimuth_deg(60), 0.0);
        assert_eq!(note_azimuth_deg(63), 90.0);
        assert_eq!(note_azimuth_deg(66), 180.0);
        assert_eq!(note_azimuth_deg(69), -90.0);
        assert_eq!(note_azimuth_deg(71), -30.0);
    }

    #[test]
    fn around_head_stays_within_the_spread_and_covers_it() {
        let mut placer = Placer::default();
        let mut rng = Pcg32::seed_from_u64(3);
        let (mut lo, mut hi) = (0.0f32, 0.0f32);
        for _ in 0..500 {
            let p = placer.place(Placement::AroundHead, 60.0, 0.3, &voice(), 0.5, &mut rng);
            assert!(p.azimuth_deg.abs() <= 60.0 && p.distance_m == 0.3);
            lo = lo.min(p.azimuth_deg);
            hi = hi.max(p.azimuth_deg);
        }
        assert!(lo < -55.0 && hi > 55.0, "{lo} {hi}");
    }

    #[test]
    fn sweep_steps_round_the_head_or_back_and_forth() {
        let mut placer = Placer::default();
        let mut rng = Pcg32::seed_from_u64(3);
        let mut sweep = |spread| {
            placer
                .place(Placement::Sweep, spread, 1.0, &voice(), 0.0, &mut rng)
                .azimuth_deg
        };
        let round: Vec<f32> = (0..13).map(|_| sweep(180.0)).collect();
        assert_eq!(round[..7], [0.0, 30.0, 60.0, 90.0, 120.0, 150.0, 180.0]);
        assert_eq!(round[7..], [-150.0, -120.0, -90.0, -60.0, -30.0, 0.0]);
        let mut placer = Placer::default();
        let mut sweep = |spread| {
            placer
                .place(Placement::Sweep, spread, 1.0, &voice(), 0.0, &mut rng)
                .azimuth_deg
        };
        let pendulum: Vec<f32> = (0..7).map(|_| sweep(60.0)).collect();
        assert_eq!(pendulum, [0.0, 30.0, 60.0, 30.0, 0.0, -30.0, -60.0]);
    }

    #[test]
    fn fixed_placements_and_follow_voice() {
        let mut placer = Placer::default();
        let mut rng = Pcg32::seed_from_u64(3);
        let mut at = |p| placer.place(p, 90.0, 0.2, &voice(), 0.0, &mut rng);
        assert_eq!(at(Placement::LeftEar).azimuth_deg, -90.0);
        assert_eq!(at(Placement::RightEar).azimuth_deg, 90.0);
        assert_eq!(at(Placement::Front).azimuth_deg, 0.0);
        let follow = at(Placement::FollowVoice);
        assert_eq!((follow.azimuth_deg, follow.elevation_deg), (42.0, 7.0));
        assert_eq!(follow.distance_m, 0.2);
    }
}
