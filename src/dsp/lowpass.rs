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

/// Samples per group of the block low-pass's scan (two SSE or one AVX register).
const GROUP: usize = 8;

/// The same low-pass for whole blocks of a multiple of 8 samples (the control period), computed
/// so that the recursion does not serialise every sample.
///
/// Run sample by sample, `y[n] = u[n] + p·y[n−1]` (with `u[n] = k·(x[n] + x[n−1])`) is a chain
/// of a multiply and an add per sample, which the processor cannot overlap. Unrolled over a
/// group of eight, `y[g+i] = Σₘ₌₀..ᵢ k·pⁱ⁻ᵐ·s[g+m] + pⁱ⁺¹·y[g−1]` (`s[n] = x[n] + x[n−1]`,
/// `k` folded into the table): the sums are independent
/// vector work, and only the last term carries from group to group (a parallel prefix
/// formulation of a first-order recursion, as in Blelloch, "Prefix sums and their
/// applications", 1990). Same filter, rounded differently: within 1e-6 of the sample-by-sample
/// form on full-scale signals.
#[derive(Debug, Clone)]
pub struct BlockLowpass {
    /// The coefficients and the state (last input and output), as the sample form keeps them.
    lp: BilinearLowpass,
    /// `spread[m][i] = k·pⁱ⁻ᵐ` for `i ≥ m`, else 0: how `s[g+m]` reaches `y[g+i]`.
    spread: [[f32; GROUP]; GROUP],
    /// `carry[i] = pⁱ⁺¹`: how the previous group's last output reaches `y[g+i]`.
    carry: [f32; GROUP],
}

impl BlockLowpass {
    /// A low-pass with corner `omega_c` (rad/s) at `sample_rate`.
    pub fn new(omega_c: f32, sample_rate: f32) -> Self {
        let mut lp = Self {
            // No pole yet: the first `set_corner` fills the tables.
            lp: BilinearLowpass {
                p: f32::NAN,
                ..BilinearLowpass::default()
            },
            spread: [[0.0; GROUP]; GROUP],
            carry: [0.0; GROUP],
        };
        lp.set_corner(omega_c, sample_rate);
        lp
    }

    /// Changes the corner, keeping the state (no click). Cheap when the corner is unchanged.
    pub fn set_corner(&mut self, omega_c: f32, sample_rate: f32) {
        let before = (self.lp.k, self.lp.p);
        self.lp.set_corner(omega_c, sample_rate);
        let p = self.lp.p;
        if (self.lp.k, p) == before {
            return;
        }
        // Powers in double precision, rounded once (the spread with the gain `k` folded in).
        let powers: [f64; GROUP + 1] = std::array::from_fn(|i| f64::from(p).powi(i as i32));
        let k = f64::from(self.lp.k);
        for (m, row) in self.spread.iter_mut().enumerate() {
            for (i, v) in row.iter_mut().enumerate() {
                *v = if i >= m {
                    (k * powers[i - m]) as f32
                } else {
                    0.0
                };
            }
        }
        for (i, v) in self.carry.iter_mut().enumerate() {
            *v = powers[i + 1] as f32;
        }
    }

    /// Clears the state.
    pub fn reset(&mut self) {
        self.lp.reset();
    }

    /// Flushes a decayed state to exactly zero (see [`BilinearLowpass::flush_tiny`]).
    pub fn flush_tiny(&mut self) {
        self.lp.flush_tiny();
    }

    /// One group's outputs from its sums `s` and the previous group's last output. A function
    /// of its own over fixed-size arrays, so that it stays eight-wide vector work wherever it
    /// is inlined (written inline in the loop over eight filters, the compiler once left it
    /// scalar).
    #[inline(always)]
    fn group(&self, s: &[f32], last: f32) -> [f32; GROUP] {
        let mut acc = [0.0f32; GROUP];
        for (row, &sm) in self.spread.iter().zip(s) {
            for i in 0..GROUP {
                acc[i] += row[i] * sm;
            }
        }
        let mut y = [0.0f32; GROUP];
        for i in 0..GROUP {
            y[i] = acc[i] + self.carry[i] * last;
        }
        y
    }

    /// Filters `x` into `y` (`N` a multiple of 8).
    #[inline(always)]
    pub fn process_block<const N: usize>(&mut self, x: &[f32; N], y: &mut [f32; N]) {
        Self::process_blocks(std::array::from_mut(self), [x], [y]);
    }

    /// Filters `x[c]` into `y[c]` with `filters[c]`, for `C` filters at once (`N` a multiple of
    /// 8): each group of every filter before the next group of any, so the filters' carries,
    /// each a chain through the whole block, overlap instead of following one another (the
    /// samples are those of `process_block` on each).
    #[inline(always)]
    pub fn process_blocks<const N: usize, const C: usize>(
        filters: &mut [Self; C],
        x: [&[f32; N]; C],
        y: [&mut [f32; N]; C],
    ) {
        const { assert!(N.is_multiple_of(GROUP)) };
        // The feed-forward sums `s[n] = x[n] + x[n−1]` first, for the whole block (a plain
        // vector loop; the gain `k` is in the spread).
        let mut sums = [[0.0f32; N]; C];
        let mut last = [0.0f32; C];
        for c in 0..C {
            let (lp, x, sums) = (&filters[c].lp, x[c], &mut sums[c]);
            sums[0] = x[0] + lp.x1;
            for j in 1..N {
                sums[j] = x[j] + x[j - 1];
            }
            last[c] = lp.y1;
        }
        for g in (0..N).step_by(GROUP) {
            for c in 0..C {
                let group = filters[c].group(&sums[c][g..g + GROUP], last[c]);
                y[c][g..g + GROUP].copy_from_slice(&group);
                last[c] = group[GROUP - 1];
            }
        }
        for c in 0..C {
            filters[c].lp.x1 = x[c][N - 1];
            filters[c].lp.y1 = last[c];
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::math::{log10, sin};

    fn gain_at(freq: f32, corner_hz: f32) -> f32 {
        let fs = 48_000.0;
        let mut lp = BilinearLowpass::new(2.0 * std::f32::consts::PI * corner_hz, fs);
        let w = 2.0 * std::f32::consts::PI * freq / fs;
        let mut peak: f32 = 0.0;
        for n in 0..48_000 {
            let y = lp.process(sin(w * n as f32));
            if n > 24_000 {
                peak = peak.max(y.abs());
            }
        }
        peak
    }

    #[test]
    fn unity_at_dc_and_minus_3_db_near_the_corner() {
        assert!((gain_at(20.0, 1000.0) - 1.0).abs() < 0.01);
        let corner_db = 20.0 * log10(gain_at(1000.0, 1000.0));
        assert!((corner_db + 3.0).abs() < 0.2, "{corner_db}");
    }

    #[test]
    fn block_form_matches_the_sample_form() {
        let fs = 48_000.0;
        let corner = 2.0 * std::f32::consts::PI * 200.0;
        let mut serial = BilinearLowpass::new(corner, fs);
        let mut block = BlockLowpass::new(corner, fs);
        let mut state = 7u32;
        let mut worst: f32 = 0.0;
        for period in 0..200 {
            if period == 100 {
                // A corner change keeps the state in both forms.
                serial.set_corner(corner * 3.0, fs);
                block.set_corner(corner * 3.0, fs);
            }
            let mut x = [0.0f32; 64];
            for v in &mut x {
                state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                *v = (state >> 8) as f32 / (1 << 23) as f32 - 1.0;
            }
            let mut y = [0.0f32; 64];
            block.process_block(&x, &mut y);
            for (&x, &y) in x.iter().zip(&y) {
                worst = worst.max((serial.process(x) - y).abs());
            }
        }
        assert!(worst < 1e-6, "{worst}");
    }
}
