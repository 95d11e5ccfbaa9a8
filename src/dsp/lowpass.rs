//! First-order low-pass by the bilinear transform, the building block of the shelves here:
//! a shelf with low gain `g_lo` and high gain `g_hi` is `g_lo·LP(x) + g_hi·(x − LP(x))`, because
//! the analog pair `ωc/(s+ωc)` and `s/(s+ωc)` sums to one and the bilinear map keeps that sum.

/// `H(z) = k(1 + z⁻¹) / (1 − p z⁻¹)`, the bilinear image of `ωc / (s + ωc)`.
#[derive(Debug, Clone, Copy, Default)]
pub struct BilinearLowpass {
    k: f32,
    p: f32,
    x1: f32,
    y1: f32,
}

impl BilinearLowpass {
    /// A low-pass with corner `omega_c` (rad/s) at `sample_rate`.
    pub fn new(omega_c: f32, sample_rate: f32) -> Self {
        let mut lp = Self::default();
        lp.set_corner(omega_c, sample_rate);
        lp
    }

    /// Changes the corner, keeping the state (no click: the output stays continuous).
    pub fn set_corner(&mut self, omega_c: f32, sample_rate: f32) {
        let two_fs = 2.0 * sample_rate;
        self.k = omega_c / (omega_c + two_fs);
        self.p = (two_fs - omega_c) / (two_fs + omega_c);
    }

    /// Clears the state.
    pub fn reset(&mut self) {
        self.x1 = 0.0;
        self.y1 = 0.0;
    }

    /// Flushes a decayed state to exactly zero (call now and then, e.g. once per control
    /// period), so that silence stays silent instead of decaying into subnormal numbers.
    pub fn flush_tiny(&mut self) {
        self.x1 = super::flush_tiny(self.x1);
        self.y1 = super::flush_tiny(self.y1);
    }

    /// Whether the state is exactly zero.
    pub fn is_silent(&self) -> bool {
        self.x1 == 0.0 && self.y1 == 0.0
    }

    /// Filters one sample.
    #[inline]
    pub fn process(&mut self, x: f32) -> f32 {
        let y = self.k * (x + self.x1) + self.p * self.y1;
        self.x1 = x;
        self.y1 = y;
        y
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn gain_at(freq: f32, corner_hz: f32) -> f32 {
        let fs = 48_000.0;
        let mut lp = BilinearLowpass::new(2.0 * std::f32::consts::PI * corner_hz, fs);
        let w = 2.0 * std::f32::consts::PI * freq / fs;
        let mut peak: f32 = 0.0;
        for n in 0..48_000 {
            let y = lp.process((w * n as f32).sin());
            if n > 24_000 {
                peak = peak.max(y.abs());
            }
        }
        peak
    }

    #[test]
    fn unity_at_dc_and_minus_3_db_near_the_corner() {
        assert!((gain_at(20.0, 1000.0) - 1.0).abs() < 0.01);
        let corner_db = 20.0 * gain_at(1000.0, 1000.0).log10();
        assert!((corner_db + 3.0).abs() < 0.2, "{corner_db}");
    }
}
