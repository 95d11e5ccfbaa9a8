//! Second-order filters from Robert Bristow-Johnson's "Audio EQ Cookbook" (band-pass with
//! constant 0 dB peak gain, low-pass, high-pass), in direct form I: every term but one comes
//! from inputs and older outputs, so each sample waits on a single multiply and add of the
//! last output (the noise models run several of these per voice, and that wait is their cost).
//! The corners here sit well above 1 % of the sample rate, where direct form I in single
//! precision is as quiet as the transposed forms.

use std::f32::consts::{PI, TAU};

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
    (w.cos(), w.sin() / (2.0 * q.max(1e-3)))
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

    /// Magnitude response at `freq_hz` (for tests and for level compensation).
    pub fn magnitude(&self, freq_hz: f32, sample_rate: f32) -> f32 {
        let w = 2.0 * PI * freq_hz / sample_rate;
        let (c1, s1, c2, s2) = (w.cos(), w.sin(), (2.0 * w).cos(), (2.0 * w).sin());
        let num = (self.b0 + self.b1 * c1 + self.b2 * c2).hypot(self.b1 * s1 + self.b2 * s2);
        let den = (1.0 + self.a1 * c1 + self.a2 * c2).hypot(self.a1 * s1 + self.a2 * s2);
        num / den
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
            let y = f.process((w * n as f32).sin());
            if n >= fs as usize / 2 {
                sum += (y * y) as f64;
                count += 1;
            }
        }
        (2.0 * sum / count as f64).sqrt() as f32
    }

    #[test]
    fn cookbook_responses() {
        let fs = 48_000.0;
        let bp = Biquad::band_pass(3_000.0, 2.0, fs);
        assert!((measured_gain(bp, 3_000.0, fs) - 1.0).abs() < 0.01);
        assert!(measured_gain(bp, 300.0, fs) < 0.1);
        assert!((bp.magnitude(3_000.0, fs) - 1.0).abs() < 1e-3);
        let lp = Biquad::low_pass(1_000.0, 0.7071, fs);
        assert!((measured_gain(lp, 100.0, fs) - 1.0).abs() < 0.01);
        assert!(measured_gain(lp, 8_000.0, fs) < 0.02);
        let hp = Biquad::high_pass(1_000.0, 0.7071, fs);
        assert!(measured_gain(hp, 100.0, fs) < 0.02);
        assert!((measured_gain(hp, 8_000.0, fs) - 1.0).abs() < 0.01);
    }
}
