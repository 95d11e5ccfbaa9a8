//! Whisper cleanup: de-essing and denoising on one STFT, with a constant latency of one frame.
//!
//! The latency is the same at every setting, including 0 %, so a host compensates it once. At
//! 0 % the output is the input from a plain delay line of the same length (exactly the input,
//! one frame late) and no spectrum is computed, so an unused cleanup costs next to nothing.
//! The delay line also holds the frame of history the analysis resumes from.
//!
//! Turning an amount up starts the analysis: the delay line keeps playing while the first four
//! frames fill the overlap-add, then a one-frame crossfade leads to the processed signal. Turning both
//! amounts back to 0 returns to the delay line once every frame still sounding was left
//! unchanged, which is seamless (an unchanged frame is the input to float rounding).

pub mod deess;
pub mod denoise;
pub mod stft;

use crate::dsp::FixedDelay;
use crate::dsp::math::cos;
use deess::DeEsser;
use denoise::Denoiser;
use stft::{OVERLAP, Stft, frame_len};

/// Which path the output takes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Mode {
    /// Nothing to do: the delay line, no analysis.
    Idle,
    /// Analysing, with the delay line still playing until `frames` reach `OVERLAP`.
    WarmingUp { frames: usize },
    /// Crossfading (over one frame) from the delay line to the processed signal, `done`
    /// samples in.
    FadingIn { done: usize },
    /// The processed signal.
    Active,
}

/// The cleanup stage for one channel.
pub struct Cleanup {
    stft: Stft,
    deesser: DeEsser,
    denoiser: Denoiser,
    /// The input, one frame late, for the untouched path.
    delay: FixedDelay,
    /// Room for one hop of the untouched path's output.
    direct: Vec<f32>,
    /// Room for one frame of input history (when analysis resumes).
    history: Vec<f32>,
    /// Consecutive frames left unchanged.
    unchanged_frames: usize,
    mode: Mode,
}

impl Cleanup {
    pub fn new(sample_rate: f32) -> Self {
        let len = frame_len(sample_rate);
        let stft = Stft::new(len);
        let hop = stft.hop();
        Self {
            deesser: DeEsser::new(sample_rate, len, hop),
            denoiser: Denoiser::new(sample_rate, len, hop),
            delay: FixedDelay::new(len),
            direct: vec![0.0; hop],
            history: vec![0.0; len],
            unchanged_frames: OVERLAP,
            mode: Mode::Idle,
            stft,
        }
    }

    /// The latency in samples, the same at every setting.
    pub fn latency(&self) -> usize {
        self.stft.frame_len()
    }

    pub fn reset(&mut self) {
        self.stft.reset();
        self.deesser.reset();
        self.denoiser.reset();
        self.delay.reset();
        self.unchanged_frames = OVERLAP;
        self.mode = Mode::Idle;
    }

    /// Whether the spectral path is running (for tests and meters).
    pub fn is_active(&self) -> bool {
        self.mode != Mode::Idle
    }

    /// Cleans `samples` in place (the result one frame late). `deess` and `denoise` are the
    /// amounts, 0…1.
    pub fn process(&mut self, samples: &mut [f32], deess: f32, denoise: f32) {
        let (deess, denoise) = (deess.clamp(0.0, 1.0), denoise.clamp(0.0, 1.0));
        let wanted = deess > 0.0 || denoise > 0.0;
        let mut start = 0;
        while start < samples.len() {
            // Chunks end at frame boundaries, where the mode may change.
            let n = self.stft.until_frame().min(samples.len() - start);
            let chunk = &mut samples[start..start + n];
            start += n;
            if self.mode == Mode::Idle && wanted {
                // Analysis resumes from the last frame of input, which the delay line holds.
                // The noise learnt before is kept: turning Denoise off and on again does not
                // have to learn it again (the estimate follows a changed floor by itself).
                self.delay.recent(&mut self.history);
                self.stft.restart(&self.history);
                self.unchanged_frames = 0;
                self.mode = Mode::WarmingUp { frames: 0 };
            }
            if self.mode == Mode::Idle {
                // The delay line alone, one frame late.
                self.delay.process(chunk);
                continue;
            }
            // The delay line, one frame late, beside the analysis.
            let direct = &mut self.direct[..n];
            direct.copy_from_slice(chunk);
            self.delay.process(direct);
            let frame_ends = n == self.stft.until_frame();
            let (deesser, denoiser, unchanged) = (
                &mut self.deesser,
                &mut self.denoiser,
                &mut self.unchanged_frames,
            );
            self.stft.process(chunk, |spectrum| {
                let quiet = denoiser.process(spectrum, denoise);
                let calm = deesser.process(spectrum, deess);
                *unchanged = if quiet && calm { *unchanged + 1 } else { 0 };
            });
            match self.mode {
                Mode::WarmingUp { frames } => {
                    chunk.copy_from_slice(&self.direct[..n]);
                    let frames = frames + usize::from(frame_ends);
                    self.mode = if frames >= OVERLAP {
                        Mode::FadingIn { done: 0 }
                    } else {
                        Mode::WarmingUp { frames }
                    };
                }
                Mode::FadingIn { done } => {
                    // A raised-cosine crossfade over one frame: no corner in the level.
                    let fade = self.delay.len();
                    for (j, (y, d)) in chunk.iter_mut().zip(&self.direct).enumerate() {
                        let x = ((done + j + 1) as f32 / fade as f32).min(1.0);
                        let w = 0.5 - 0.5 * cos(std::f32::consts::PI * x);
                        *y = *d + (*y - *d) * w;
                    }
                    let done = done + n;
                    self.mode = if done >= fade {
                        Mode::Active
                    } else {
                        Mode::FadingIn { done }
                    };
                }
                Mode::Active => {
                    // Every frame still sounding unchanged: the delay line from here on.
                    if !wanted && self.unchanged_frames >= OVERLAP && frame_ends {
                        self.mode = Mode::Idle;
                    }
                }
                Mode::Idle => unreachable!("handled above"),
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::math::sin;

    fn noise(len: usize, amplitude: f32) -> Vec<f32> {
        let mut state = 0x2545_f491u32;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                amplitude * (state as f32 / u32::MAX as f32 * 2.0 - 1.0)
            })
            .collect()
    }

    #[test]
    fn at_zero_the_output_is_the_input_exactly_one_frame_late() {
        for rate in [44_100.0f32, 48_000.0, 96_000.0] {
            let mut cleanup = Cleanup::new(rate);
            let latency = cleanup.latency();
            let input = noise(10 * latency + 333, 0.5);
            let mut output = input.clone();
            for block in output.chunks_mut(100) {
                cleanup.process(block, 0.0, 0.0);
            }
            assert!(output[..latency].iter().all(|&y| y == 0.0));
            assert_eq!(
                &output[latency..],
                &input[..input.len() - latency],
                "{rate}"
            );
            // And no spectrum was computed.
            assert!(!cleanup.is_active());
        }
    }

    #[test]
    fn turning_the_amounts_up_and_down_never_clicks() {
        // A 440 Hz tone while the amounts jump between 0 and 100 % every 8000 samples (the
        // denoiser learns the tone as hum and turns it down at 100 %). A click is a kink in the
        // waveform: its second difference would jump far above the tone's own (A·ω² ≈ 0.0010).
        let rate = 48_000.0;
        let mut cleanup = Cleanup::new(rate);
        let omega = std::f32::consts::TAU * 440.0 / rate;
        let input: Vec<f32> = (0..192_000).map(|n| 0.3 * sin(omega * n as f32)).collect();
        let mut output = input.clone();
        for (i, block) in output.chunks_mut(8_000).enumerate() {
            let amount = if i % 2 == 0 { 0.0 } else { 1.0 };
            // Within a block, host-sized pieces.
            for piece in block.chunks_mut(480) {
                cleanup.process(piece, amount, amount);
            }
        }
        // From where the tone starts coming out (its own start is a kink).
        let kink = output[cleanup.latency()..]
            .windows(3)
            .map(|w| (w[2] - 2.0 * w[1] + w[0]).abs())
            .fold(0.0f32, f32::max);
        let own = 0.3 * omega * omega;
        assert!(
            kink < 1.5 * own,
            "second difference {kink} vs the tone's {own}"
        );
        // The tone is turned down while Denoise is up (as hum), and whole again after (late in
        // blocks 22 and 23, once the fades are over).
        let level = |from: usize, to: usize| {
            let x = &output[from..to];
            (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt()
        };
        let (up, down) = (level(180_000, 183_000), level(189_000, 191_500));
        assert!((up - 0.3 / 2f32.sqrt()).abs() < 0.01, "untouched {up}");
        assert!(down < 0.5 * up, "denoised {down} vs {up}");
        assert!(output.iter().all(|y| y.is_finite()));
    }
}
