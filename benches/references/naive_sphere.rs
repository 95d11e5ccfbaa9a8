//! Murmur's own spherical-head model (Brown & Duda 1998, "A structural model for binaural sound
//! synthesis", with the near-field bass of Spagnol et al. 2017), written the obvious way: one
//! sample at a time, with every cue recomputed at every sample.
//!
//! The signal path is the same as `murmur::binaural::BinauralRenderer`'s: a proximity low shelf
//! and Brown & Duda's five pinna echoes on the mono signal, then per ear a cubic Lagrange
//! fractional delay for the interaural time difference and one first-order shelf (a bilinear
//! low-pass split into low and high bands with their own gains) for the head shadow and the
//! near-field bass. What differs is only the bookkeeping: here each sample recomputes the
//! position on the motion path, the head-model cues (trigonometry), the proximity gain, the
//! filter corners and the interpolation weights, with no control period, no smoothing ramps, no
//! tables and no block-wise loops. It uses Murmur's own public formulas and DSP blocks, so it
//! is the fair "same model, no engineering" baseline for the cost of that engineering.

use murmur::binaural::head_model::{self, PINNA_GAINS, PINNA_MAX_DELAY_44K, SPEED_OF_SOUND};
use murmur::dsp::{BilinearLowpass, DelayLine, db_to_gain, lagrange_weights};

use super::{VoicePath, VoiceRenderer, orbit_settings};

/// Extra ear delay so that the cubic interpolator always has one newer sample to read, samples
/// (`INTERPOLATION_MARGIN` in src/binaural/renderer.rs, crate-private there).
const INTERPOLATION_MARGIN: f32 = 1.0;
/// Corner of the proximity bass shelf, Hz (`PROXIMITY_CORNER_HZ` in src/binaural/renderer.rs).
const PROXIMITY_CORNER_HZ: f32 = 200.0;
/// Proximity bass at the closest distance with proximity at 100 %, dB (as in the renderer).
const PROXIMITY_MAX_DB: f32 = 6.0;
/// Distance at which the proximity bass is largest, m (as in the renderer).
const PROXIMITY_MIN_DISTANCE: f32 = 0.1;

/// Proximity bass shelf gain (linear) at `distance_m` for `proximity` in `0..=1`: the boost
/// grows with log(1/r) from 0 dB at 1 m to `PROXIMITY_MAX_DB` at 0.1 m. A copy of
/// `proximity_gain` in src/binaural/renderer.rs, which is crate-private.
fn proximity_gain(distance_m: f32, proximity: f32) -> f32 {
    let closeness = ((1.0 / distance_m).ln() / (1.0 / PROXIMITY_MIN_DISTANCE).ln()).clamp(0.0, 1.0);
    db_to_gain(PROXIMITY_MAX_DB * proximity * closeness)
}

/// A moving mono voice through the sphere model, every cue recomputed every sample.
pub struct NaiveSphere {
    path: VoicePath,
    sample_rate: f32,
    head_radius_m: f32,
    proximity: f32,
    proximity_shelf: BilinearLowpass,
    /// The signal after the proximity shelf, read by the pinna echoes.
    pinna_line: DelayLine,
    /// The signal after the pinna echoes, read by the ears' delays.
    ear_line: DelayLine,
    /// Head shadow / near-field shelf per ear (left, right).
    ear_shelves: [BilinearLowpass; 2],
    /// Samples rendered since the start.
    elapsed: u64,
}

impl NaiveSphere {
    /// A renderer at `sample_rate` Hz. `block` (the host block size) is accepted for a common
    /// interface with the other references; a per-sample renderer keeps no block buffers.
    /// Allocates its delay lines.
    pub fn new(block: usize, sample_rate: f32) -> Self {
        assert!(block > 0, "block size must be at least 1");
        let settings = orbit_settings().sanitized();
        let head = settings.head_radius_m;
        // Longest ear delay (source opposite the ear) plus the interpolator's reach.
        let ear_delay =
            head_model::max_ear_delay_s(head) * sample_rate + INTERPOLATION_MARGIN + 2.0;
        let pinna_delay = PINNA_MAX_DELAY_44K * sample_rate / 44_100.0 + 2.0;
        Self {
            path: VoicePath::new(&settings, sample_rate),
            sample_rate,
            head_radius_m: head,
            proximity: settings.proximity,
            proximity_shelf: BilinearLowpass::default(),
            pinna_line: DelayLine::new(pinna_delay.ceil() as usize),
            ear_line: DelayLine::new(ear_delay.ceil() as usize),
            ear_shelves: [BilinearLowpass::default(), BilinearLowpass::default()],
            elapsed: 0,
        }
    }
}

impl VoiceRenderer for NaiveSphere {
    fn process(&mut self, input: &[f32], left: &mut [f32], right: &mut [f32]) {
        let n = input.len();
        assert!(
            left.len() == n && right.len() == n,
            "input and outputs differ in length"
        );
        let fs = self.sample_rate;
        let head = self.head_radius_m;
        for ((&x, out_l), out_r) in input.iter().zip(left.iter_mut()).zip(right.iter_mut()) {
            let position = self.path.at(self.elapsed);
            self.elapsed += 1;
            let cues = head_model::source_cues(&position, head, fs);

            // Proximity: a low shelf whose boost grows as the voice comes close.
            let boost = proximity_gain(position.distance_m, self.proximity) - 1.0;
            self.proximity_shelf
                .set_corner(2.0 * std::f32::consts::PI * PROXIMITY_CORNER_HZ, fs);
            let low = self.proximity_shelf.process(x);
            let close = x + boost * low;
            self.pinna_line.write(close);

            // Pinna: the direct sound plus five echoes at fractional delays (linear reads, as
            // the renderer does: their error is far below the comb they form).
            let mut pinna = close;
            for (gain, delay) in PINNA_GAINS.iter().zip(cues.pinna_delays) {
                let delay = delay.max(0.0);
                let whole = delay as usize;
                pinna += gain
                    * self
                        .pinna_line
                        .read_linear_split(whole, delay - whole as f32);
            }
            self.ear_line.write(pinna);

            // Each ear: a cubic Lagrange fractional delay, then the shelf whose high band is
            // the head shadow and whose low band is the near-field bass. Brown & Duda's shadow
            // corner is β = 2c/a (rad/s).
            let corner = 2.0 * SPEED_OF_SOUND / head;
            for ((ear, shelf), out) in cues
                .ears
                .iter()
                .zip(&mut self.ear_shelves)
                .zip([&mut *out_l, &mut *out_r])
            {
                let delay = (ear.delay_s * fs + INTERPOLATION_MARGIN).max(1.0);
                let whole = delay as usize;
                let weights = lagrange_weights(delay - whole as f32);
                let delayed = self.ear_line.read_cubic_split(whole, &weights);
                shelf.set_corner(corner, fs);
                let low = shelf.process(delayed);
                *out = ear.low_gain * low + ear.high_gain * (delayed - low);
                // Silence stays exactly silent (no subnormal tails).
                shelf.flush_tiny();
            }
            self.proximity_shelf.flush_tiny();
        }
    }
}
