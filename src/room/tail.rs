//! The late tail: an eight-line feedback delay network (Jot & Chaigne, "Digital delay networks
//! for designing artificial reverberators", AES 1991) with frequency-dependent decay, and a
//! binaural output whose interaural coherence follows a diffuse field at a head.
//!
//! - **Lines**: eight delays of 6.9–20.8 ms in a bedroom (prime lengths at 48 kHz, scaled for
//!   the rate and with the room's mean free path), fed back through an orthogonal 8 × 8
//!   Hadamard matrix, so the network is lossless but for its filters.
//! - **Decay**: each line's absorption filter loses `60·len/T60(f)` dB per pass, so every mode
//!   decays at the room's `T60(f)`. It is a first-order shelf, `k + (g_lo − k)·LP(x)`, from
//!   `g_lo` (the loss for `t60_low_s`) to `k` (for `t60_high_s`), halfway in dB at the design's
//!   transition: its loss in dB follows the design's decay-rate curve (`RoomDesign::t60_s`).
//! - **Two ears**: two orthogonal output taps give two uncorrelated signals `L₀`, `R₀`. Below
//!   the crossover both ears get their mid `M = (L₀ + R₀)/√2`, above it each keeps its own:
//!   `L = L₀ + LP(M − L₀)`. The coherence is then 1 at low frequencies and falls to 0 above the
//!   crossover, as a diffuse field's does between two ears (Menzer & Faller, "Binaural
//!   reverberation using a modified Jot reverberator with frequency-dependent interaural
//!   coherence matching", AES 2009; a head's diffuse-field coherence falls through zero near
//!   700 Hz). `L + R` keeps the tail's whole spectrum: the mono fold-down has no comb.
//!
//! The lines are at least a control period long, so a whole period runs as blocks: read every
//! line's period, filter, mix and write back, each step a loop that vectorises.

use super::design::{RoomDesign, decay_gain};
use crate::binaural::CONTROL_PERIOD;
use crate::dsp::{BlockLowpass, MirrorRing};
use std::f32::consts::{FRAC_1_SQRT_2, PI};

/// Delay lines.
pub const LINES: usize = 8;
/// Line lengths at 48 kHz for a bedroom, samples: primes, so no two lines share a period
/// (6.9–20.8 ms, the spacing of a small room's early echoes).
const LINE_LENGTHS_48K: [usize; LINES] = [331, 409, 491, 577, 673, 769, 877, 997];
/// Crossover of the ears' coherence, Hz (see the module notes).
pub const COHERENCE_CROSSOVER_HZ: f32 = 550.0;
/// 1/√8: the scale of the Hadamard matrix, the input spread and the output taps.
const ONE_OVER_SQRT_8: f32 = 0.353_553_38;
/// The output taps: two rows of the (Sylvester) 8 × 8 Hadamard matrix the feedback computes,
/// `H[r][i] = (−1)^popcount(r & i)`: row 1 is `[1, −1, 1, −1, …]`, row 2 `[1, 1, −1, −1, …]`.
/// Orthogonal, so the two ears' raw signals are uncorrelated, and neither is the all-ones row.
const LEFT_TAP_ROW: usize = 1;
const RIGHT_TAP_ROW: usize = 2;

/// The network and its two-ear output.
#[derive(Debug, Clone)]
pub struct Tail {
    sample_rate: f32,
    lines: [MirrorRing; LINES],
    lengths: [usize; LINES],
    /// Each line's absorption: `direct[i]·x + low[i]·LP_i(x)`, with the feedback matrix's
    /// scale 1/√8 folded in.
    absorb_lp: [BlockLowpass; LINES],
    absorb_direct: [f32; LINES],
    absorb_low: [f32; LINES],
    /// The ears' coherence low-passes (left, right).
    coherence: [BlockLowpass; 2],
    /// Gain that puts the tail's energy where the design's critical distance says.
    level: f32,
}

impl Tail {
    /// A silent tail at `sample_rate` Hz (allocates its lines), tuned for `room`.
    pub fn new(sample_rate: f32, room: &RoomDesign) -> Self {
        let longest = line_lengths(sample_rate, MAX_LINE_SCALE);
        let crossover = 2.0 * PI * COHERENCE_CROSSOVER_HZ;
        let mut tail = Self {
            sample_rate,
            lines: longest.map(MirrorRing::new),
            lengths: longest,
            absorb_lp: [(); LINES].map(|_| BlockLowpass::new(1000.0, sample_rate)),
            absorb_direct: [0.0; LINES],
            absorb_low: [0.0; LINES],
            coherence: [(); 2].map(|_| BlockLowpass::new(crossover, sample_rate)),
            level: 0.0,
        };
        tail.tune(room);
        tail
    }

    /// Silence (the tuning stays).
    pub fn reset(&mut self) {
        for line in &mut self.lines {
            line.reset();
        }
        for lp in self.absorb_lp.iter_mut().chain(&mut self.coherence) {
            lp.reset();
        }
    }

    /// Sets the absorption filters and the level for `room`. Real-time safe (a few hundred
    /// multiplications); the state is kept.
    pub fn tune(&mut self, room: &RoomDesign) {
        self.lengths = line_lengths(self.sample_rate, line_scale(room));
        let omega_t = 2.0 * PI * room.transition_hz;
        for i in 0..LINES {
            let seconds = self.lengths[i] as f32 / self.sample_rate;
            let high = decay_gain(seconds, room.t60_high_s);
            let low = decay_gain(seconds, room.t60_low_s);
            // H(s) = k(s + ωz)/(s + ωp) = k + (g_lo − k)·ωp/(s + ωp), with ωz/ωp = g_lo/k and
            // √(ωz·ωp) = ω_t (where a first-order shelf is halfway in dB).
            let pole = omega_t / (low / high).sqrt();
            self.absorb_lp[i].set_corner(pole, self.sample_rate);
            self.absorb_direct[i] = high * ONE_OVER_SQRT_8;
            self.absorb_low[i] = (low - high) * ONE_OVER_SQRT_8;
        }
        self.level = self.level_for(room);
    }

    /// The gain that makes the tail's energy per ear, for a unit impulse in, equal to the
    /// direct sound's at the design's critical distance (at 1 kHz).
    ///
    /// A lossless network holds the impulse's energy spread over its lines; each sample every
    /// line hands `1/len` of its share to the taps (|tap|² = 1, spread over 8 lines), and the
    /// energy decays as `exp(−6 ln10 · t/T60)`, so the taps' energy is
    /// `mean(1/len) · fs·T60 / (8 · 6 ln 10)` (Jot & Chaigne's energy balance).
    fn level_for(&self, room: &RoomDesign) -> f32 {
        let mean_inverse = self.lengths.iter().map(|&l| 1.0 / l as f32).sum::<f32>() / LINES as f32;
        let t60 = room.t60_s(1000.0);
        let energy = mean_inverse * self.sample_rate * t60 / (LINES as f32 * 6.0 * 10f32.ln());
        let direct = crate::binaural::head_model::distance_gain(room.critical_distance_m());
        direct / energy.sqrt()
    }

    /// Takes one period of `input` and writes the period of the tail it sounds into `out`
    /// (left, right), at the design's level. Every line is longer than a period, so the lines'
    /// outputs for the whole period are already written.
    #[inline(always)]
    pub fn render_period(
        &mut self,
        input: &[f32; CONTROL_PERIOD],
        out: &mut [[f32; CONTROL_PERIOD]; 2],
    ) {
        const N: usize = CONTROL_PERIOD;
        // Each line's output for the period, read in place.
        let output = |i: usize| -> &[f32; N] {
            self.lines[i].recent(self.lengths[i])[..N]
                .try_into()
                .expect("a line is at least a period long")
        };
        let outputs = [
            output(0),
            output(1),
            output(2),
            output(3),
            output(4),
            output(5),
            output(6),
            output(7),
        ];
        let mut low = [[0.0f32; N]; LINES];
        {
            let [l0, l1, l2, l3, l4, l5, l6, l7] = &mut low;
            BlockLowpass::process_blocks(
                &mut self.absorb_lp,
                outputs,
                [l0, l1, l2, l3, l4, l5, l6, l7],
            );
        }
        // Absorbed, and scaled by the Hadamard matrix's 1/√8 (folded into the gains).
        let mut lines = [[0.0f32; N]; LINES];
        for i in 0..LINES {
            let (direct, lowg) = (self.absorb_direct[i], self.absorb_low[i]);
            for j in 0..N {
                lines[i][j] = direct * outputs[i][j] + lowg * low[i][j];
            }
            self.absorb_lp[i].flush_tiny();
        }
        // The Hadamard matrix (three butterfly stages).
        for stride in [4, 2, 1] {
            for block in (0..LINES).step_by(2 * stride) {
                for a in block..block + stride {
                    let (low, high) = lines.split_at_mut(a + stride);
                    for (x, y) in low[a].iter_mut().zip(high[0].iter_mut()) {
                        (*x, *y) = (*x + *y, *x - *y);
                    }
                }
            }
        }
        // The ears' raw signals are two of its rows (the output taps), before the input joins.
        let ears = [lines[LEFT_TAP_ROW], lines[RIGHT_TAP_ROW]];
        // Feedback: the mixed lines plus the input.
        let mut input_share = [0.0f32; N];
        for j in 0..N {
            input_share[j] = input[j] * ONE_OVER_SQRT_8;
        }
        for (i, line) in lines.iter_mut().enumerate() {
            for j in 0..N {
                line[j] = crate::dsp::flush_tiny(line[j] + input_share[j]);
            }
            self.lines[i].write(line);
        }
        // Coherence: below the crossover both ears take the mid.
        let mut toward_mid = [[0.0f32; N]; 2];
        for j in 0..N {
            let mid = (ears[0][j] + ears[1][j]) * FRAC_1_SQRT_2;
            toward_mid[0][j] = mid - ears[0][j];
            toward_mid[1][j] = mid - ears[1][j];
        }
        {
            let [ol, or] = &mut *out;
            BlockLowpass::process_blocks(&mut self.coherence, toward_mid.each_ref(), [ol, or]);
        }
        for (o, ear) in out.iter_mut().zip(&ears) {
            for j in 0..N {
                o[j] = (o[j] + ear[j]) * self.level;
            }
        }
        for lp in &mut self.coherence {
            lp.flush_tiny();
        }
    }
}

/// The line lengths at `sample_rate` for a room `scale` times the reference's: the 48 kHz
/// primes scaled, never shorter than a control period (at very low rates the lines then
/// lengthen, and the filters, which are set from the actual lengths, keep the design's decay).
pub fn line_lengths(sample_rate: f32, scale: f32) -> [usize; LINES] {
    LINE_LENGTHS_48K
        .map(|l| ((l as f32 * scale * sample_rate / 48_000.0).round() as usize).max(CONTROL_PERIOD))
}

/// Mean free path the reference lengths are for, metres (a bedroom's: `4V/S` of 3.6 × 3.2 ×
/// 2.5 m is 2.02 m).
const REFERENCE_FREE_PATH_M: f32 = 2.0;
/// Bounds of the lines' scale.
const MIN_LINE_SCALE: f32 = 0.8;
const MAX_LINE_SCALE: f32 = 1.5;

/// How much longer than the reference a room's lines are: as its mean free path `4V/S`
/// (Kuttruff, eq. 4.6), the mean time between a sound's reflections, so a small room's echoes
/// come as densely as they do in it (and a short decay is not a handful of long steps).
pub fn line_scale(room: &RoomDesign) -> f32 {
    let [w, d, h] = room.size_m;
    let surface = 2.0 * (w * d + w * h + d * h);
    (4.0 * room.volume_m3() / surface / REFERENCE_FREE_PATH_M).clamp(MIN_LINE_SCALE, MAX_LINE_SCALE)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::room::design::{BEDROOM, OCTAVE_BANDS_HZ, RoomDesign, RoomKind};
    use signals::measure::{band_passed, schroeder_decay_time_of};

    const FS: f32 = 48_000.0;

    /// The tail's response to a unit impulse, `seconds` long (left, right).
    fn impulse_response(room: &RoomDesign, seconds: f32) -> [Vec<f32>; 2] {
        let mut tail = Tail::new(FS, room);
        let periods = (seconds * FS) as usize / CONTROL_PERIOD;
        crate::room::impulse_response_of(periods, |input, _, out| tail.render_period(input, out))
    }

    /// T20 in the octave band around `band` Hz of both ears' energy.
    fn t20([l, r]: &[Vec<f32>; 2], band: f32) -> f64 {
        let (lo, hi) = (band as f64 / 2f64.sqrt(), band as f64 * 2f64.sqrt());
        let (l, r) = (band_passed(l, FS, lo, hi), band_passed(r, FS, lo, hi));
        schroeder_decay_time_of(&[&l, &r], FS, -5.0, -25.0)
    }

    #[test]
    fn a_flat_design_decays_alike_in_every_band() {
        // The network is lossless but for its filters: with one reverberation time for every
        // frequency, every band decays at it.
        let flat = RoomDesign {
            t60_low_s: 0.5,
            t60_high_s: 0.5,
            ..BEDROOM
        };
        let response = impulse_response(&flat, 1.2);
        for band in OCTAVE_BANDS_HZ {
            let t = t20(&response, band);
            assert!((t / 0.5 - 1.0).abs() < 0.08, "{band} Hz: {t:.3} s");
        }
    }

    #[test]
    fn every_tail_decays_as_designed() {
        for kind in RoomKind::ALL {
            let Some(room) = kind.design() else { continue };
            let response = impulse_response(room, 2.0 * room.t60_low_s + 0.2);
            for (band, design) in OCTAVE_BANDS_HZ.iter().zip(room.t60_bands_s()) {
                let t = t20(&response, *band);
                assert!(
                    (t / design as f64 - 1.0).abs() <= 0.10,
                    "{kind:?} {band} Hz: {t:.3} s against {design:.3} s"
                );
            }
        }
    }

    #[test]
    fn the_tail_carries_the_energy_of_the_direct_sound_at_the_critical_distance() {
        // With one reverberation time at every frequency (the level's premise), a unit
        // impulse's tail per ear against the direct sound's energy at the design's critical
        // distance: within 2 dB.
        for room in [BEDROOM, crate::room::design::BATHROOM] {
            let flat = RoomDesign {
                t60_high_s: room.t60_s(1000.0),
                t60_low_s: room.t60_s(1000.0),
                ..room
            };
            let [l, r] = impulse_response(&flat, 2.0 * flat.t60_low_s + 0.2);
            let energy = |h: &[f32]| h.iter().map(|x| (*x as f64).powi(2)).sum::<f64>();
            let tail = (energy(&l) + energy(&r)) / 2.0;
            let direct = crate::binaural::head_model::distance_gain(flat.critical_distance_m());
            let ratio_db = 10.0 * (tail / (direct as f64).powi(2)).log10();
            assert!(ratio_db.abs() < 2.0, "{ratio_db:+.2} dB");
        }
    }
}
