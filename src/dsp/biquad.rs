//! Second-order filters from Robert Bristow-Johnson's "Audio EQ Cookbook" (band-pass with
//! constant 0 dB peak gain, low-pass, high-pass), in direct form I: every term but one comes
//! from inputs and older outputs, so each sample waits on a single multiply and add of the
//! last output (the noise models run several of these per voice, and that wait is their cost).
//! The corners here sit well above 1 % of the sample rate, where direct form I in single
//! precision is as quiet as the transposed forms.

use crate::dsp::math::{cos, sin};
use std::f32::consts::TAU;

/// A biquad in direct form I.
#[derive(Debug, Clone, Copy, Default)]
pub struct Biquad {
    b0: f32,
    b1: f32,
    b2: f32,
    a1: f32,
    a2: f32,
    x1: f32,
    x2: f32,
    y1: f32,
    y2: f32,
}

/// `(cos ω, α)` for the cookbook formulas, with the frequency kept below Nyquist.
fn omega(freq_hz: f32, q: f32, sample_rate: f32) -> (f32, f32) {
    let f = freq_hz.clamp(1.0, 0.49 * sample_rate);
    let w = TAU * f / sample_rate;
    (cos(w), sin(w) / (2.0 * q.max(1e-3)))
}

impl Biquad {
    fn normalized(b: [f32; 3], a: [f32; 3]) -> Self {
        Self {
            b0: b[0] / a[0],
            b1: b[1] / a[0],
            b2: b[2] / a[0],
            a1: a[1] / a[0],
            a2: a[2] / a[0],
            x1: 0.0,
            x2: 0.0,
            y1: 0.0,
            y2: 0.0,
        }
    }

    /// Band-pass with 0 dB gain at `freq_hz` and quality `q`.
    pub fn band_pass(freq_hz: f32, q: f32, sample_rate: f32) -> Self {
        let (c, alpha) = omega(freq_hz, q, sample_rate);
        Self::normalized([alpha, 0.0, -alpha], [1.0 + alpha, -2.0 * c, 1.0 - alpha])
    }

    /// Low-pass at `freq_hz` with quality `q` (0.7071 = Butterworth).
    pub fn low_pass(freq_hz: f32, q: f32, sample_rate: f32) -> Self {
        let (c, alpha) = omega(freq_hz, q, sample_rate);
        let b = (1.0 - c) / 2.0;
        Self::normalized([b, 2.0 * b, b], [1.0 + alpha, -2.0 * c, 1.0 - alpha])
    }

    /// High-pass at `freq_hz` with quality `q`.
    pub fn high_pass(freq_hz: f32, q: f32, sample_rate: f32) -> Self {
        let (c, alpha) = omega(freq_hz, q, sample_rate);
        let b = (1.0 + c) / 2.0;
        Self::normalized([b, -2.0 * b, b], [1.0 + alpha, -2.0 * c, 1.0 - alpha])
    }

    /// Takes `other`'s coefficients and keeps this filter's state (for swept filters).
    pub fn retune(&mut self, other: &Biquad) {
        let (x1, x2, y1, y2) = (self.x1, self.x2, self.y1, self.y2);
        *self = *other;
        (self.x1, self.x2, self.y1, self.y2) = (x1, x2, y1, y2);
    }

    /// Clears the state.
    pub fn reset(&mut self) {
        (self.x1, self.x2, self.y1, self.y2) = (0.0, 0.0, 0.0, 0.0);
    }

    /// Filters one sample.
    #[inline(always)]
    pub fn process(&mut self, x: f32) -> f32 {
        let early = self.b0 * x + self.b1 * self.x1 + self.b2 * self.x2 - self.a2 * self.y2;
        let y = early - self.a1 * self.y1;
        (self.x2, self.x1) = (self.x1, x);
        (self.y2, self.y1) = (self.y1, y);
        y
    }
}

/// A biquad that works out samples in pairs: the odd sample of each pair comes from the
/// recursion unrolled by one step (`y[n+1]` from `y[n−1]`, `y[n−2]`), so both samples of a pair
/// wait on the same older outputs and the loop's latency per sample halves. Which formula a
/// sample gets depends only on its parity since `reset`, never on how the calls split the
/// stream, so split renders are the same samples. For a filter with fixed coefficients over
/// long runs (a noise band).
#[derive(Debug, Clone, Copy, Default)]
pub struct PairedBiquad {
    b: [f32; 3],
    a: [f32; 2],
    /// Unrolled step: input weights for `x[k] … x[k−3]`, output weights for `y[k−2]`, `y[k−3]`.
    c: [f32; 4],
    d: [f32; 2],
    /// `x[k−1], x[k−2], x[k−3]` and `y[k−1], y[k−2], y[k−3]` for the next sample `k`.
    x: [f32; 3],
    y: [f32; 3],
    /// The next sample is odd.
    odd: bool,
}

impl PairedBiquad {
    /// `filter`'s response, silent, at an even sample.
    pub fn new(filter: &Biquad) -> Self {
        let (b0, b1, b2, a1, a2) = (filter.b0, filter.b1, filter.b2, filter.a1, filter.a2);
        Self {
            b: [b0, b1, b2],
            a: [a1, a2],
            c: [b0, b1 - a1 * b0, b2 - a1 * b1, -a1 * b2],
            d: [a1 * a1 - a2, a1 * a2],
            ..Self::default()
        }
    }

    #[inline(always)]
    fn even(&self, x: f32, [x1, x2, _]: [f32; 3], [y1, y2, _]: [f32; 3]) -> f32 {
        let early = self.b[0] * x + self.b[1] * x1 + self.b[2] * x2 - self.a[1] * y2;
        early - self.a[0] * y1
    }

    #[inline(always)]
    fn odd(&self, x: f32, [x1, x2, x3]: [f32; 3], [_, y2, y3]: [f32; 3]) -> f32 {
        let inputs = self.c[0] * x + self.c[1] * x1 + self.c[2] * x2 + self.c[3] * x3;
        inputs + self.d[1] * y3 + self.d[0] * y2
    }

    /// One sample on its own (at whichever parity is next).
    #[inline(always)]
    fn single(&mut self, x: f32) -> f32 {
        let y = if self.odd {
            self.odd(x, self.x, self.y)
        } else {
            self.even(x, self.x, self.y)
        };
        self.x = [x, self.x[0], self.x[1]];
        self.y = [y, self.y[0], self.y[1]];
        self.odd = !self.odd;
        y
    }

    /// Filters `io` in place.
    #[inline]
    pub fn process_block(&mut self, io: &mut [f32]) {
        let mut rest = io;
        if self.odd && !rest.is_empty() {
            rest[0] = self.single(rest[0]);
            rest = &mut rest[1..];
        }
        let mut pairs = rest.chunks_exact_mut(2);
        // The history in locals for the loop.
        let (mut x, mut y) = (self.x, self.y);
        for pair in &mut pairs {
            let (xe, xo) = (pair[0], pair[1]);
            let ye = self.even(xe, x, y);
            // The odd sample's history: x[k] = xe, and the outputs before the pair.
            let yo = self.odd(xo, [xe, x[0], x[1]], [ye, y[0], y[1]]);
            x = [xo, xe, x[0]];
            y = [yo, ye, y[0]];
            pair[0] = ye;
            pair[1] = yo;
        }
        (self.x, self.y) = (x, y);
        if let [last] = pairs.into_remainder() {
            *last = self.single(*last);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn measured_gain(mut f: Biquad, freq: f32, fs: f32) -> f32 {
        let w = TAU * freq / fs;
        // RMS over the second half second (after the transient), as an amplitude.
        let (mut sum, mut count) = (0.0f64, 0);
        for n in 0..(fs as usize) {
            let y = f.process(sin(w * n as f32));
            if n >= fs as usize / 2 {
                sum += (y * y) as f64;
                count += 1;
            }
        }
        (2.0 * sum / count as f64).sqrt() as f32
    }

    #[test]
    fn paired_biquad_matches_the_plain_one_and_any_split() {
        let fs = 48_000.0;
        let plain = Biquad::band_pass(3_000.0, 0.667, fs);
        let mut reference = plain;
        let mut state = 7u32;
        let input: Vec<f32> = (0..4_801)
            .map(|_| {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                (state >> 8) as f32 / (1 << 24) as f32 - 0.5
            })
            .collect();
        let expect: Vec<f32> = input.iter().map(|&x| reference.process(x)).collect();
        let run = |pieces: &[usize]| {
            let mut f = PairedBiquad::new(&plain);
            let mut out = input.clone();
            let mut at = 0;
            for &n in pieces.iter().cycle() {
                let end = (at + n).min(out.len());
                f.process_block(&mut out[at..end]);
                at = end;
                if at == out.len() {
                    break;
                }
            }
            out
        };
        let whole = run(&[4_801]);
        for (a, b) in whole.iter().zip(&expect) {
            assert!((a - b).abs() < 1e-5, "{a} vs {b}");
        }
        for pieces in [&[1usize][..], &[3, 64, 7, 2]] {
            assert!(run(pieces) == whole, "{pieces:?}");
        }
    }

    #[test]
    fn cookbook_responses() {
        let fs = 48_000.0;
        let bp = Biquad::band_pass(3_000.0, 2.0, fs);
        assert!((measured_gain(bp, 3_000.0, fs) - 1.0).abs() < 0.01);
        assert!(measured_gain(bp, 300.0, fs) < 0.1);
        let lp = Biquad::low_pass(1_000.0, std::f32::consts::FRAC_1_SQRT_2, fs);
        assert!((measured_gain(lp, 100.0, fs) - 1.0).abs() < 0.01);
        assert!(measured_gain(lp, 8_000.0, fs) < 0.02);
        let hp = Biquad::high_pass(1_000.0, std::f32::consts::FRAC_1_SQRT_2, fs);
        assert!(measured_gain(hp, 100.0, fs) < 0.02);
        assert!((measured_gain(hp, 8_000.0, fs) - 1.0).abs() < 0.01);
    }
}
