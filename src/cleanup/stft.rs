//! Streaming short-time Fourier processing with overlap-add: the frame for de-essing and
//! denoising.
//!
//! A square-root Hann window on analysis and on synthesis with 75 % overlap (hop = N/4): the
//! product is a Hann window, whose copies at N/4 spacing sum to exactly 2, so with unit gains
//! the output is the input delayed by N samples (to float rounding). The latency is N whatever
//! the spectral gains, so it can be reported once.

use crate::dsp::math::cos;
use std::sync::Arc;

use realfft::num_complex::Complex;
use realfft::{ComplexToReal, RealFftPlanner, RealToComplex};

/// Frames overlap four times.
pub const OVERLAP: usize = 4;

/// The frame length for `sample_rate`: about 21 ms (1024 samples at 44.1 and 48 kHz), a power
/// of two. Long enough to resolve sibilant and hiss bands, short enough not to smear a whisper's
/// consonants.
pub fn frame_len(sample_rate: f32) -> usize {
    ((sample_rate * 0.0213).round() as usize)
        .next_power_of_two()
        .clamp(256, 8192)
}

/// One channel of streaming STFT processing.
pub struct Stft {
    len: usize,
    hop: usize,
    /// √Hann, periodic.
    window: Vec<f32>,
    /// The last `len` input samples; the newest hop is being filled.
    frame_in: Vec<f32>,
    /// Overlap-add accumulator; its first hop is complete once a frame has been added.
    accumulator: Vec<f32>,
    /// The hop being played out while the next one fills.
    ready: Vec<f32>,
    /// Samples of the current hop taken so far.
    filled: usize,
    forward: Arc<dyn RealToComplex<f32>>,
    inverse: Arc<dyn ComplexToReal<f32>>,
    time: Vec<f32>,
    spectrum: Vec<Complex<f32>>,
    scratch_forward: Vec<Complex<f32>>,
    scratch_inverse: Vec<Complex<f32>>,
}

impl Stft {
    /// A processor with frames of `len` samples (a power of two, at least 16).
    pub fn new(len: usize) -> Self {
        assert!(len.is_power_of_two() && len >= 16);
        let hop = len / OVERLAP;
        let mut planner = RealFftPlanner::<f32>::new();
        let forward = planner.plan_fft_forward(len);
        let inverse = planner.plan_fft_inverse(len);
        let window = (0..len)
            .map(|n| {
                let phase = std::f64::consts::TAU * n as f64 / len as f64;
                (0.5 - 0.5 * cos(phase)).sqrt() as f32
            })
            .collect();
        Self {
            len,
            hop,
            window,
            frame_in: vec![0.0; len],
            accumulator: vec![0.0; len],
            ready: vec![0.0; hop],
            filled: 0,
            time: forward.make_input_vec(),
            spectrum: forward.make_output_vec(),
            scratch_forward: forward.make_scratch_vec(),
            scratch_inverse: inverse.make_scratch_vec(),
            forward,
            inverse,
        }
    }

    /// Frame length N, which is also the latency in samples.
    pub fn frame_len(&self) -> usize {
        self.len
    }

    /// Samples between frames (N/4).
    pub fn hop(&self) -> usize {
        self.hop
    }

    /// Forgets all audio.
    pub fn reset(&mut self) {
        self.frame_in.fill(0.0);
        self.accumulator.fill(0.0);
        self.ready.fill(0.0);
        self.filled = 0;
    }

    /// Samples until the next frame is complete.
    pub fn until_frame(&self) -> usize {
        self.hop - self.filled
    }

    /// Forgets the output in progress.
    pub fn clear_output(&mut self) {
        self.accumulator.fill(0.0);
        self.ready.fill(0.0);
    }

    /// Starts a new frame sequence after a pause in which no input was taken: `history` holds
    /// the last N input samples, oldest first. The output is whole once `OVERLAP` frames have
    /// been added.
    pub fn restart(&mut self, history: &[f32]) {
        self.clear_output();
        self.frame_in[..self.len - self.hop].copy_from_slice(&history[self.hop..self.len]);
        self.filled = 0;
    }

    /// Replaces `samples` with the output, N samples late; `per_frame` gets each frame's
    /// spectrum to change in place (bins 0…N/2).
    pub fn process(&mut self, samples: &mut [f32], mut per_frame: impl FnMut(&mut [Complex<f32>])) {
        let mut start = 0;
        while start < samples.len() {
            let n = (self.hop - self.filled).min(samples.len() - start);
            let at = self.len - self.hop + self.filled;
            let chunk = &mut samples[start..start + n];
            self.frame_in[at..at + n].copy_from_slice(chunk);
            chunk.copy_from_slice(&self.ready[self.filled..self.filled + n]);
            self.filled += n;
            start += n;
            if self.filled == self.hop {
                self.frame(&mut per_frame);
                self.filled = 0;
            }
        }
    }

    /// Analyses the newest frame, lets `per_frame` change it, and adds it back.
    fn frame(&mut self, per_frame: &mut impl FnMut(&mut [Complex<f32>])) {
        for ((t, x), w) in self.time.iter_mut().zip(&self.frame_in).zip(&self.window) {
            *t = x * w;
        }
        self.forward
            .process_with_scratch(
                &mut self.time,
                &mut self.spectrum,
                &mut self.scratch_forward,
            )
            .expect("buffers sized by the plan");
        per_frame(&mut self.spectrum);
        // The inverse needs real DC and Nyquist bins.
        self.spectrum[0].im = 0.0;
        let last = self.spectrum.len() - 1;
        self.spectrum[last].im = 0.0;
        self.inverse
            .process_with_scratch(
                &mut self.spectrum,
                &mut self.time,
                &mut self.scratch_inverse,
            )
            .expect("buffers sized by the plan");
        // Unnormalized inverse (× N), and the Hann copies summing to 2.
        let scale = 1.0 / (self.len as f32 * 2.0);
        for ((acc, t), w) in self
            .accumulator
            .iter_mut()
            .zip(&self.time)
            .zip(&self.window)
        {
            *acc += t * w * scale;
        }
        self.ready.copy_from_slice(&self.accumulator[..self.hop]);
        self.accumulator.copy_within(self.hop.., 0);
        let len = self.len;
        self.accumulator[len - self.hop..].fill(0.0);
        self.frame_in.copy_within(self.hop.., 0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::math::sin;

    fn signal(len: usize) -> Vec<f32> {
        let mut state = 0x9e37_79b9u32;
        (0..len)
            .map(|n| {
                state ^= state << 13;
                state ^= state >> 17;
                state ^= state << 5;
                0.3 * sin(n as f32 * 0.01) + 0.2 * (state as f32 / u32::MAX as f32 - 0.5)
            })
            .collect()
    }

    #[test]
    fn unit_gains_give_the_input_exactly_one_frame_late() {
        for len in [256usize, 1024, 4096] {
            let input = signal(20 * len);
            let mut stft = Stft::new(len);
            let mut output = input.clone();
            // Odd block sizes: the result must not depend on them.
            let mut start = 0;
            for (i, block) in [1usize, 77, 300, 5, 1024].iter().cycle().enumerate() {
                if start >= output.len() {
                    break;
                }
                let end = (start + block + i % 3).min(output.len());
                stft.process(&mut output[start..end], |_| {});
                start = end;
            }
            let worst = output[len..]
                .iter()
                .zip(&input)
                .map(|(y, x)| (y - x).abs())
                .fold(0.0f32, f32::max);
            assert!(worst < 1e-6, "{len}: {worst}");
            // Before one frame has passed, only silence (to float rounding) comes out.
            assert!(output[..len].iter().all(|&y| y.abs() < 1e-6));
        }
    }

    #[test]
    fn frame_lengths_follow_the_rate() {
        assert_eq!(frame_len(8_000.0), 256);
        assert_eq!(frame_len(44_100.0), 1024);
        assert_eq!(frame_len(48_000.0), 1024);
        assert_eq!(frame_len(96_000.0), 2048);
        assert_eq!(frame_len(192_000.0), 4096);
    }
}
