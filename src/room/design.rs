//! The rooms a creator picks from: each a shoebox with its walls' absorption, where the listener
//! sits in it, and its late reverberation time.
//!
//! Coordinates are metres from the room's back-left corner at floor level: x to the right, y to
//! the front, z up. The listener faces the front wall, so a position's `(right, front, up)`
//! direction (`Position::direction`) is the room's `(x, y, z)` seen from the head.

use crate::dsp::math::pow;

/// The room setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RoomKind {
    /// Free field: no room at all (the output is Murmur's without a room, sample for sample).
    #[default]
    Off,
    /// A treated vocal booth: small, dead, close.
    Booth,
    /// A furnished bedroom: soft, short.
    Bedroom,
    /// A larger furnished room.
    LivingRoom,
    /// Tiles: small and live.
    Bathroom,
}

impl RoomKind {
    /// Every room, Off first.
    pub const ALL: [RoomKind; 5] = [
        RoomKind::Off,
        RoomKind::Booth,
        RoomKind::Bedroom,
        RoomKind::LivingRoom,
        RoomKind::Bathroom,
    ];

    /// The room's design, `None` for Off.
    pub fn design(self) -> Option<&'static RoomDesign> {
        match self {
            RoomKind::Off => None,
            RoomKind::Booth => Some(&BOOTH),
            RoomKind::Bedroom => Some(&BEDROOM),
            RoomKind::LivingRoom => Some(&LIVING_ROOM),
            RoomKind::Bathroom => Some(&BATHROOM),
        }
    }
}

/// The six surfaces, in the order of [`RoomDesign::absorption`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Surface {
    Left,
    Right,
    Back,
    Front,
    Floor,
    Ceiling,
}

impl Surface {
    pub const ALL: [Surface; 6] = [
        Surface::Left,
        Surface::Right,
        Surface::Back,
        Surface::Front,
        Surface::Floor,
        Surface::Ceiling,
    ];

    /// The axis the surface is perpendicular to (0 = x, 1 = y, 2 = z) and whether it is the far
    /// one (at the room's size rather than at 0).
    pub fn axis(self) -> (usize, bool) {
        match self {
            Surface::Left => (0, false),
            Surface::Right => (0, true),
            Surface::Back => (1, false),
            Surface::Front => (1, true),
            Surface::Floor => (2, false),
            Surface::Ceiling => (2, true),
        }
    }
}

/// Octave bands the reverberation time is designed and measured in (ISO 3382), Hz.
pub const OCTAVE_BANDS_HZ: [f32; 5] = [250.0, 500.0, 1000.0, 2000.0, 4000.0];

/// One room.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RoomDesign {
    /// Inner size, metres: width, depth, height.
    pub size_m: [f32; 3],
    /// The centre of the listener's head, metres (see the module notes).
    pub listener_m: [f32; 3],
    /// Energy absorption coefficient of each surface (in [`Surface::ALL`]'s order) at low and
    /// at high frequencies: its reflections are a first-order shelf between the two, with the
    /// head shadow's corner (see `early`).
    pub absorption: [[f32; 2]; 6],
    /// Late reverberation time at low and at high frequencies, seconds, and the frequency of the
    /// transition between them, Hz (see [`RoomDesign::t60_s`]).
    pub t60_low_s: f32,
    pub t60_high_s: f32,
    pub transition_hz: f32,
}

/// Directivity factor behind the reverberant level at 0 dB Room Level: a talker facing the
/// listener (a voice's directivity index is about 5 dB at 1 kHz and 9 dB at 4 kHz, where a
/// whisper's energy lies; Q = 10^(DI/10)). It sets the critical distance, where the direct
/// and the reverberant sound are equally loud: `0.057·√(Q·V/T60)` m (Sabine's diffuse field,
/// e.g. Kuttruff, *Room Acoustics*, eq. 5.44).
pub const TALKER_DIRECTIVITY: f32 = 8.0;

impl RoomDesign {
    /// Volume, m³.
    pub fn volume_m3(&self) -> f32 {
        self.size_m[0] * self.size_m[1] * self.size_m[2]
    }

    /// The design's reverberation time at `freq_hz`, seconds: the decay rate (dB per second,
    /// `60/T60`) is a first-order low shelf in frequency, from `60/t60_low_s` well below
    /// `transition_hz` to `60/t60_high_s` well above it, halfway at the transition,
    ///
    /// `60/T60(f) = 60/T_high + (60/T_low − 60/T_high) · f_t² / (f_t² + f²)`,
    ///
    /// which is the shape the tail's first-order absorption filters give the decay (Jot &
    /// Chaigne 1991: the decay rate of a delay line is its filter's loss in dB per second).
    pub fn t60_s(&self, freq_hz: f32) -> f32 {
        let low = 1.0 / self.t60_low_s;
        let high = 1.0 / self.t60_high_s;
        let ft2 = self.transition_hz * self.transition_hz;
        1.0 / (high + (low - high) * ft2 / (ft2 + freq_hz * freq_hz))
    }

    /// The design's reverberation time in each of [`OCTAVE_BANDS_HZ`], seconds.
    pub fn t60_bands_s(&self) -> [f32; 5] {
        OCTAVE_BANDS_HZ.map(|f| self.t60_s(f))
    }

    /// The critical distance at 1 kHz, metres (see [`TALKER_DIRECTIVITY`]).
    pub fn critical_distance_m(&self) -> f32 {
        0.057 * (TALKER_DIRECTIVITY * self.volume_m3() / self.t60_s(1000.0)).sqrt()
    }

    /// Pressure reflection coefficient of `surface` at low and at high frequencies: `√(1 − α)`.
    pub fn reflection(&self, surface: Surface) -> [f32; 2] {
        let [low, high] = self.absorption[surface as usize];
        let reflected = |alpha: f32| (1.0 - alpha).max(0.0).sqrt();
        [reflected(low), reflected(high)]
    }

    /// Where a source at `offset` (metres from the head's centre, room axes) sits in the room:
    /// kept at least `WALL_CLEARANCE_M` inside every surface, so a source set beyond a wall is
    /// heard through the room as if at the wall.
    pub fn source_in_room(&self, offset: [f32; 3]) -> [f32; 3] {
        let mut inside = [0.0f32; 3];
        for (axis, at) in inside.iter_mut().enumerate() {
            *at = (self.listener_m[axis] + offset[axis])
                .clamp(WALL_CLEARANCE_M, self.size_m[axis] - WALL_CLEARANCE_M);
        }
        inside
    }
}

/// How close to a surface a source may come, metres.
pub const WALL_CLEARANCE_M: f32 = 0.05;

/// Gain per pass through a delay of `delay_s` seconds for a reverberation time `t60_s`: −60 dB
/// over `t60_s`, `10^(−3·delay/T60)`.
pub fn decay_gain(delay_s: f32, t60_s: f32) -> f32 {
    pow(10.0, -3.0 * delay_s / t60_s)
}

// Absorption coefficients are typical published values (for example the tables in Cox &
// D'Antonio, *Acoustic Absorbers and Diffusers*, appendix; Vorländer, *Auralization*, table
// A.1) at 125–250 Hz and 2–4 kHz, rounded; the reverberation times are those such rooms
// measure, chosen so the tail and the walls agree in character.

/// A vocal booth: foam on the walls and ceiling, carpet.
pub const BOOTH: RoomDesign = RoomDesign {
    size_m: [1.8, 1.6, 2.2],
    listener_m: [0.9, 0.6, 1.2],
    absorption: [
        [0.35, 0.85],
        [0.35, 0.85],
        [0.35, 0.85],
        [0.35, 0.85],
        [0.10, 0.50],
        [0.40, 0.90],
    ],
    t60_low_s: 0.15,
    t60_high_s: 0.12,
    transition_hz: 600.0,
};

/// A bedroom: plaster, curtains on the left, carpet, the listener sitting up in bed.
pub const BEDROOM: RoomDesign = RoomDesign {
    size_m: [3.6, 3.2, 2.5],
    listener_m: [1.7, 1.2, 1.0],
    absorption: [
        [0.15, 0.55],
        [0.10, 0.06],
        [0.10, 0.06],
        [0.10, 0.06],
        [0.08, 0.55],
        [0.10, 0.05],
    ],
    t60_low_s: 0.50,
    t60_high_s: 0.32,
    transition_hz: 1000.0,
};

/// A living room: plaster, bookshelves at the back, a wooden floor with a rug, on the sofa.
pub const LIVING_ROOM: RoomDesign = RoomDesign {
    size_m: [5.5, 4.6, 2.6],
    listener_m: [2.6, 1.4, 1.1],
    absorption: [
        [0.10, 0.07],
        [0.10, 0.07],
        [0.20, 0.35],
        [0.10, 0.07],
        [0.12, 0.35],
        [0.10, 0.05],
    ],
    t60_low_s: 0.65,
    t60_high_s: 0.42,
    transition_hz: 1200.0,
};

/// A tiled bathroom.
pub const BATHROOM: RoomDesign = RoomDesign {
    size_m: [2.4, 2.0, 2.4],
    listener_m: [1.2, 0.9, 1.2],
    absorption: [
        [0.01, 0.03],
        [0.01, 0.03],
        [0.01, 0.03],
        [0.01, 0.03],
        [0.01, 0.03],
        [0.05, 0.05],
    ],
    t60_low_s: 1.00,
    t60_high_s: 0.70,
    transition_hz: 2500.0,
};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_listener_stands_inside_the_room_away_from_the_walls() {
        for kind in RoomKind::ALL {
            let Some(room) = kind.design() else { continue };
            for axis in 0..3 {
                let at = room.listener_m[axis];
                assert!(
                    at > 0.3 && at < room.size_m[axis] - 0.3,
                    "{kind:?} axis {axis}"
                );
            }
        }
    }

    #[test]
    fn the_design_curve_runs_from_the_low_to_the_high_time() {
        let t = BEDROOM;
        assert!((t.t60_s(1.0) - t.t60_low_s).abs() < 1e-4);
        assert!((t.t60_s(1e6) - t.t60_high_s).abs() < 1e-3);
        // Halfway in decay rate at the transition.
        let mid = 2.0 / (1.0 / t.t60_low_s + 1.0 / t.t60_high_s);
        assert!((t.t60_s(t.transition_hz) - mid).abs() < 1e-5);
    }

    #[test]
    fn critical_distances_follow_sabine() {
        // 0.057·√(8·28.8/0.3902) for the bedroom (T60 at its 1 kHz transition: 2/(1/0.5 + 1/0.32)),
        // worked by hand: 1.385 m.
        assert!((BEDROOM.critical_distance_m() - 1.385).abs() < 0.01);
        // The live bathroom is the wettest, the living room the driest.
        assert!(BATHROOM.critical_distance_m() < BOOTH.critical_distance_m());
        assert!(LIVING_ROOM.critical_distance_m() > BEDROOM.critical_distance_m());
    }

    #[test]
    fn a_source_beyond_a_wall_stays_inside() {
        let inside = BEDROOM.source_in_room([0.0, 10.0, -5.0]);
        assert_eq!(inside[0], BEDROOM.listener_m[0]);
        assert_eq!(inside[1], BEDROOM.size_m[1] - WALL_CLEARANCE_M);
        assert_eq!(inside[2], WALL_CLEARANCE_M);
    }
}
