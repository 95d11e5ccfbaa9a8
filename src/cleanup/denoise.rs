//! Spectral noise reduction that learns the noise from the recording itself.
//!
//! - Noise floor per bin by minimum statistics (Martin 2001, "Noise power spectral density
//!   estimation based on optimal smoothing and minimum statistics"): the smoothed power's
//!   minimum over about 1.5 s, tracked in eight sub-windows, is the noise, since speech pauses
//!   often enough in that time for every bin to fall to the floor. Stationary hiss and hum sit
//!   at their own minimum and are learnt; speech never stays long enough to be.
//! - Gain by the decision-directed a-priori SNR with a Wiener rule (Ephraim & Malah 1984): the
//!   SNR estimate leans on the previous frame's clean estimate, which smooths the gains over time
//!   and removes the random isolated peaks heard as "musical noise".
//! - A gain floor, so noise is turned down, never gated to silence.

use realfft::num_complex::Complex;

use crate::dsp::db_to_gain;

/// Smoothing of the power spectrum, per frame (time constant ≈ 30 ms at a 5 ms hop).
const POWER_SMOOTHING: f32 = 0.85;
/// Frames the smoothing needs to settle (about 3 / (1 − smoothing)).
const SETTLE_FRAMES: usize = 20;
/// The window the minimum is taken over, seconds, and its sub-windows.
const MINIMUM_WINDOW_S: f32 = 1.5;
const SUB_WINDOWS: usize = 8;
/// The minimum of a smoothed periodogram underestimates the mean noise power; this brings it
/// back up (about 4 dB for this smoothing and window, after Martin's bias tables).
const BIAS: f32 = 2.5;
/// Decision-directed weight on the previous frame's estimate (Ephraim & Malah use 0.98).
const DECISION_DIRECTED: f32 = 0.98;
/// The lowest gain at 100 %, dB.
const FLOOR_DB: f32 = -24.0;
/// The most a bin's gain may fall from one frame to the next, dB. Rising is immediate (a
/// consonant's onset must not be dulled); falling gently keeps a learnt hum or a word's tail
/// from being cut off with a splash of sidebands.
const FALL_DB_PER_FRAME: f32 = 3.0;

/// Denoiser state for one channel.
pub struct Denoiser {
    /// Smoothed power per bin.
    power: Vec<f32>,
    /// Minimum of the current sub-window, and of each of the last `SUB_WINDOWS`.
    current_min: Vec<f32>,
    window_mins: Vec<Vec<f32>>,
    /// Noise power estimate per bin.
    noise: Vec<f32>,
    /// Previous frame's clean power estimate per bin (G² |X|²).
    previous_clean: Vec<f32>,
    /// Previous frame's gain per bin.
    previous_gain: Vec<f32>,
    /// Frames per sub-window, and frames into the current one.
    sub_window_frames: usize,
    frames_in_window: usize,
    /// Sub-windows completed (the estimate is trusted once the first is done).
    windows_done: usize,
    /// Frames seen since the last reset. The smoothing starts from the first frame, and the
    /// minimum is only tracked once the smoothing has settled: a lone early frame (or a start
    /// from zero) would pin the minimum low for a whole window.
    frames_seen: usize,
    next_window: usize,
    /// The gain floor at 100 %, and the most a gain may fall per frame (linear factors).
    floor: f32,
    fall: f32,
}

impl Denoiser {
    /// For frames of `len` samples at `sample_rate`, one every `hop` samples.
    pub fn new(sample_rate: f32, len: usize, hop: usize) -> Self {
        let bins = len / 2 + 1;
        let frames = (MINIMUM_WINDOW_S * sample_rate / hop as f32).round() as usize;
        Self {
            power: vec![0.0; bins],
            current_min: vec![f32::MAX; bins],
            window_mins: vec![vec![f32::MAX; bins]; SUB_WINDOWS],
            noise: vec![0.0; bins],
            previous_clean: vec![0.0; bins],
            previous_gain: vec![1.0; bins],
            sub_window_frames: (frames / SUB_WINDOWS).max(1),
            frames_in_window: 0,
            windows_done: 0,
            frames_seen: 0,
            next_window: 0,
            floor: db_to_gain(FLOOR_DB),
            fall: db_to_gain(-FALL_DB_PER_FRAME),
        }
    }

    pub fn reset(&mut self) {
        self.power.fill(0.0);
        self.current_min.fill(f32::MAX);
        for mins in &mut self.window_mins {
            mins.fill(f32::MAX);
        }
        self.noise.fill(0.0);
        self.previous_clean.fill(0.0);
        self.previous_gain.fill(1.0);
        self.frames_in_window = 0;
        self.windows_done = 0;
        self.frames_seen = 0;
        self.next_window = 0;
    }

    /// Learns from one frame and turns its noise down by `amount` (0…1). Returns whether the
    /// frame was left unchanged. The noise is learnt at every amount, so turning Denoise up
    /// mid-take works at once.
    pub fn process(&mut self, spectrum: &mut [Complex<f32>], amount: f32) -> bool {
        self.learn(spectrum);
        let settled = self.previous_gain.iter().all(|&g| g == 1.0);
        if (amount <= 0.0 && settled) || self.windows_done == 0 {
            for (clean, bin) in self.previous_clean.iter_mut().zip(spectrum.iter()) {
                *clean = bin.norm_sqr();
            }
            return true;
        }
        let floor = 1.0 - amount * (1.0 - self.floor);
        let fall = self.fall;
        for (((bin, noise), clean), previous) in spectrum
            .iter_mut()
            .zip(&self.noise)
            .zip(&mut self.previous_clean)
            .zip(&mut self.previous_gain)
        {
            let power = bin.norm_sqr();
            let noise = noise.max(1e-30);
            let posterior = power / noise;
            let prior = DECISION_DIRECTED * (*clean / noise)
                + (1.0 - DECISION_DIRECTED) * (posterior - 1.0).max(0.0);
            let wiener = prior / (1.0 + prior);
            // At `amount`, the gain moves from 1 towards the Wiener gain, never below the floor.
            let gain = (1.0 - amount * (1.0 - wiener))
                .max(floor)
                .max(*previous * fall);
            *previous = gain;
            *bin *= gain;
            *clean = gain * gain * power;
        }
        false
    }

    /// Minimum statistics: smoothed power, its running minimum per sub-window, and the noise as
    /// the minimum over the last sub-windows.
    fn learn(&mut self, spectrum: &[Complex<f32>]) {
        let smoothing = if self.frames_seen > 0 {
            POWER_SMOOTHING
        } else {
            0.0
        };
        self.frames_seen += 1;
        for (power, bin) in self.power.iter_mut().zip(spectrum) {
            *power = smoothing * *power + (1.0 - smoothing) * bin.norm_sqr();
        }
        if self.frames_seen < SETTLE_FRAMES {
            return;
        }
        for (current, power) in self.current_min.iter_mut().zip(&self.power) {
            *current = current.min(*power);
        }
        self.frames_in_window += 1;
        if self.frames_in_window < self.sub_window_frames {
            // Until the first sub-window closes, the running minimum is all there is.
            if self.windows_done == 0 {
                return;
            }
            // A rise of the floor shows up at the latest one sub-window later; a fall at once.
            for (noise, current) in self.noise.iter_mut().zip(&self.current_min) {
                *noise = noise.min(BIAS * current);
            }
            return;
        }
        self.frames_in_window = 0;
        std::mem::swap(
            &mut self.window_mins[self.next_window],
            &mut self.current_min,
        );
        self.current_min.fill(f32::MAX);
        self.next_window = (self.next_window + 1) % SUB_WINDOWS;
        self.windows_done += 1;
        for (k, noise) in self.noise.iter_mut().enumerate() {
            let minimum = self
                .window_mins
                .iter()
                .map(|mins| mins[k])
                .fold(f32::MAX, f32::min);
            *noise = BIAS * minimum;
        }
    }
}
