//! A power-of-two ring buffer read at fractional delays, for the interaural delay and the pinna
//! echoes. Delays are modulated every sample, so reads interpolate (never jump by whole samples).
//!
//! The buffer is stored twice over (every sample is written at `i` and `i + len`), so that any
//! read window is one contiguous run of memory with no wrap-around: the inner loops read four
//! neighbouring samples with one index computation.

/// Mono delay line; `write` one sample, then read delays up to the `max_delay_samples` it was
/// made for.
#[derive(Debug, Clone)]
pub struct DelayLine {
    /// Two copies of the ring, `2 · len` samples, plus one slot that a zero delay's cubic
    /// read may touch.
    buffer: Vec<f32>,
    len: usize,
    mask: usize,
    /// Index (in the first copy) of the most recently written sample.
    head: usize,
}

impl DelayLine {
    /// A delay line able to read delays up to `max_delay_samples` (allocates; not for `process`).
    pub fn new(max_delay_samples: usize) -> Self {
        let len = (max_delay_samples + 4).next_power_of_two();
        Self {
            buffer: vec![0.0; 2 * len + 1],
            len,
            mask: len - 1,
            head: 0,
        }
    }

    /// Silences the line.
    pub fn reset(&mut self) {
        self.buffer.fill(0.0);
        self.head = 0;
    }

    /// Pushes the newest sample.
    #[inline(always)]
    pub fn write(&mut self, x: f32) {
        self.head = (self.head + 1) & self.mask;
        let (first, second) = self.buffer.split_at_mut(self.len);
        first[self.head] = x;
        second[self.head] = x;
    }

    /// Index in the doubled buffer of the sample `whole` samples old (at most `len − 3`;
    /// longer delays read the oldest sample that still has neighbours). The indices
    /// `i − 2 ..= i + 1` are always inside the buffer: `i − 2 ≥ head + 1` and
    /// `i + 1 ≤ head + len + 1 ≤ 2·len`, the buffer's extra last slot.
    #[inline(always)]
    fn index(&self, whole: usize) -> usize {
        self.head + self.len - whole.min(self.len - 3)
    }

    /// Linear interpolation `whole + frac` samples back (`frac` in `[0, 1)`); for the short
    /// pinna echoes, whose error is far below the comb they form. Callers keep the whole-sample
    /// part apart so that the fraction does not lose precision to large offsets.
    #[inline(always)]
    pub fn read_linear_split(&self, whole: usize, frac: f32) -> f32 {
        let i = self.index(whole);
        // SAFETY: `index` keeps i − 2 ..= i + 1 inside the buffer (see there).
        let (a, b) = unsafe {
            (
                *self.buffer.get_unchecked(i),
                *self.buffer.get_unchecked(i - 1),
            )
        };
        a + frac * (b - a)
    }

    /// Third-order Lagrange interpolation `whole + f` samples back (`whole` ≥ 1), with the
    /// `lagrange_weights(f)` precomputed: flat to within 0.1 dB up to a quarter of the sample
    /// rate, so the interaural delay keeps its timing and its timbre.
    #[inline(always)]
    pub fn read_cubic_split(&self, whole: usize, weights: &[f32; 4]) -> f32 {
        let i = self.index(whole);
        // Oldest first: x[i−2] = x(n − whole − 2) … x[i+1] = x(n − whole + 1).
        // SAFETY: `index` keeps i − 2 ..= i + 1 inside the buffer (see there).
        let taps = unsafe { self.buffer.get_unchecked(i - 2..i + 2) };
        weights[0] * taps[0] + weights[1] * taps[1] + weights[2] * taps[2] + weights[3] * taps[3]
    }
}

/// Third-order Lagrange weights for a fractional delay `f` in `[0, 1)`, for the samples
/// `whole + 2, whole + 1, whole, whole − 1` back (oldest first, as `read_cubic_split` reads).
#[inline(always)]
pub fn lagrange_weights(f: f32) -> [f32; 4] {
    let fm1 = f - 1.0;
    let fm2 = f - 2.0;
    let fp1 = f + 1.0;
    [
        fp1 * f * fm1 * (1.0 / 6.0),
        -fp1 * f * fm2 * 0.5,
        fp1 * fm1 * fm2 * 0.5,
        -f * fm1 * fm2 * (1.0 / 6.0),
    ]
}

/// The same third-order Lagrange interpolation, from the four `taps` (oldest first, as for
/// [`lagrange_weights`]) at fractional delay `f`, in Farrow's polynomial form: the cubic through
/// the taps as `((c₃f + c₂)f + c₁)f + c₀`, its coefficients fixed sums of the taps (Farrow, "A
/// continuously variable digital delay element", ISCAS 1988). Fewer operations than forming the
/// weights when every sample has its own `f`; equal to the weighted sum up to rounding.
#[inline(always)]
pub fn lagrange_cubic(taps: [f32; 4], f: f32) -> f32 {
    let [t0, t1, t2, t3] = taps;
    // The cubic P with P(2) = t0, P(1) = t1, P(0) = t2 and P(−1) = t3, evaluated at f.
    let c2 = 0.5 * (t1 + t3) - t2;
    let c3 = (t0 - t3 + 3.0 * (t2 - t1)) * (1.0 / 6.0);
    let c1 = 0.5 * (t1 - t3) - c3;
    ((c3 * f + c2) * f + c1) * f + t2
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::math::sin;

    #[test]
    fn farrow_form_equals_the_weighted_sum() {
        let mut state = 3u32;
        let mut next = || {
            state = state.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
            (state >> 8) as f32 / (1 << 23) as f32 - 1.0
        };
        for _ in 0..10_000 {
            let taps = [next(), next(), next(), next()];
            let f = 0.5 * (next() + 1.0);
            let w = lagrange_weights(f);
            let weighted: f32 = w.iter().zip(&taps).map(|(w, t)| w * t).sum();
            let farrow = lagrange_cubic(taps, f);
            assert!(
                (weighted - farrow).abs() < 2e-6,
                "{taps:?} {f}: {weighted} {farrow}"
            );
        }
        // The nodes themselves come out exactly.
        let taps = [4.0, -3.0, 2.0, 7.0];
        assert_eq!(lagrange_cubic(taps, 0.0), 2.0);
        assert_eq!(lagrange_cubic(taps, 1.0), -3.0);
    }

    #[test]
    fn integer_delays_are_exact() {
        let mut line = DelayLine::new(16);
        for i in 0..40 {
            line.write(i as f32);
        }
        assert_eq!(line.read_cubic_split(3, &lagrange_weights(0.0)), 36.0);
        assert_eq!(line.read_linear_split(5, 0.0), 34.0);
    }

    #[test]
    fn fractional_delay_of_a_ramp_is_exact() {
        // Both interpolators reproduce polynomials of their order exactly.
        let mut line = DelayLine::new(16);
        for i in 0..40 {
            line.write(i as f32);
        }
        assert!((line.read_cubic_split(2, &lagrange_weights(0.25)) - 36.75).abs() < 1e-4);
        assert!((line.read_linear_split(2, 0.25) - 36.75).abs() < 1e-4);
    }

    #[test]
    fn cubic_delays_a_sine_by_the_fractional_amount() {
        let mut line = DelayLine::new(64);
        let w = 2.0 * std::f32::consts::PI * 0.05; // 2.4 kHz at 48 kHz
        let delay = 7.3;
        let mut worst: f32 = 0.0;
        for n in 0..200 {
            line.write(sin(w * n as f32));
            if n > 20 {
                let expect = sin(w * (n as f32 - delay));
                worst =
                    worst.max((line.read_cubic_split(7, &lagrange_weights(0.3)) - expect).abs());
            }
        }
        assert!(worst < 2e-3, "{worst}");
    }
}
