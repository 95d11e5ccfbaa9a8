//! A power-of-two ring buffer read at fractional delays, for the interaural delay and the pinna
//! echoes. Delays are modulated every sample, so reads interpolate (never jump by whole samples).

/// Mono delay line; `write` one sample, then read any delay in `[1, capacity − 3]` samples.
#[derive(Debug, Clone)]
pub struct DelayLine {
    buffer: Vec<f32>,
    mask: usize,
    /// Index of the most recently written sample.
    head: usize,
}

impl DelayLine {
    /// A delay line able to read delays up to `max_delay_samples` (allocates; not for `process`).
    pub fn new(max_delay_samples: usize) -> Self {
        let len = (max_delay_samples + 4).next_power_of_two();
        Self {
            buffer: vec![0.0; len],
            mask: len - 1,
            head: 0,
        }
    }

    /// Longest delay that `read_cubic` can serve.
    pub fn max_delay(&self) -> f32 {
        (self.buffer.len() - 4) as f32
    }

    /// Silences the line.
    pub fn reset(&mut self) {
        self.buffer.fill(0.0);
        self.head = 0;
    }

    /// Pushes the newest sample.
    #[inline]
    pub fn write(&mut self, x: f32) {
        self.head = (self.head + 1) & self.mask;
        self.buffer[self.head] = x;
    }

    #[inline]
    fn at(&self, delay: usize) -> f32 {
        self.buffer[self.head.wrapping_sub(delay) & self.mask]
    }

    /// Linear interpolation at `delay` samples (≥ 0); for the short pinna echoes, whose error is
    /// far below the comb they form.
    #[inline]
    pub fn read_linear(&self, delay: f32) -> f32 {
        let whole = delay as usize;
        let frac = delay - whole as f32;
        let a = self.at(whole);
        let b = self.at(whole + 1);
        a + frac * (b - a)
    }

    /// Third-order Lagrange interpolation at `delay` samples (≥ 1): flat to within 0.1 dB up
    /// to a quarter of the sample rate, so the interaural delay keeps its timing and its timbre.
    #[inline]
    pub fn read_cubic(&self, delay: f32) -> f32 {
        let whole = delay as usize;
        let f = delay - whole as f32;
        let xm1 = self.at(whole - 1);
        let x0 = self.at(whole);
        let x1 = self.at(whole + 1);
        let x2 = self.at(whole + 2);
        // Lagrange weights for the points −1, 0, 1, 2 evaluated at f.
        let fm1 = f - 1.0;
        let fm2 = f - 2.0;
        let fp1 = f + 1.0;
        let h_m1 = -f * fm1 * fm2 * (1.0 / 6.0);
        let h0 = fp1 * fm1 * fm2 * 0.5;
        let h1 = -fp1 * f * fm2 * 0.5;
        let h2 = fp1 * f * fm1 * (1.0 / 6.0);
        h_m1 * xm1 + h0 * x0 + h1 * x1 + h2 * x2
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integer_delays_are_exact() {
        let mut line = DelayLine::new(16);
        for i in 0..40 {
            line.write(i as f32);
        }
        assert_eq!(line.read_cubic(3.0), 36.0);
        assert_eq!(line.read_linear(5.0), 34.0);
    }

    #[test]
    fn fractional_delay_of_a_ramp_is_exact() {
        // Both interpolators reproduce polynomials of their order exactly.
        let mut line = DelayLine::new(16);
        for i in 0..40 {
            line.write(i as f32);
        }
        assert!((line.read_cubic(2.25) - 36.75).abs() < 1e-4);
        assert!((line.read_linear(2.25) - 36.75).abs() < 1e-4);
    }

    #[test]
    fn cubic_delays_a_sine_by_the_fractional_amount() {
        let mut line = DelayLine::new(64);
        let w = 2.0 * std::f32::consts::PI * 0.05; // 2.4 kHz at 48 kHz
        let delay = 7.3;
        let mut worst: f32 = 0.0;
        for n in 0..200 {
            line.write((w * n as f32).sin());
            if n > 20 {
                let expect = (w * (n as f32 - delay)).sin();
                worst = worst.max((line.read_cubic(delay) - expect).abs());
            }
        }
        assert!(worst < 2e-3, "{worst}");
    }
}
