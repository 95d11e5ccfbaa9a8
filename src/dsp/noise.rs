//! White noise for the synthesis inner loops: Marsaglia's xorshift32 (2003, "Xorshift RNGs",
//! triple 13/17/5). One shift-xor triple per sample, fully determined by its seed, so seeded
//! renders repeat bit for bit. Each trigger event seeds its own generator from the layer's
//! portable PCG stream.

/// Uniform white noise in `[-1, 1)`.
#[derive(Debug, Clone, Copy)]
pub struct WhiteNoise {
    state: u32,
}

impl WhiteNoise {
    /// A generator seeded with `seed` (0 is replaced: xorshift never leaves the zero state).
    pub fn new(seed: u32) -> Self {
        Self {
            state: if seed == 0 { 0x9E37_79B9 } else { seed },
        }
    }

    /// The next raw 32-bit value.
    #[inline(always)]
    pub fn next_u32(&mut self) -> u32 {
        let mut x = self.state;
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        self.state = x;
        x
    }

    /// The next sample, uniform in `[-1, 1)`.
    #[inline(always)]
    #[allow(clippy::should_implement_trait)]
    pub fn next(&mut self) -> f32 {
        // The top 24 bits as a signed fraction: exact in f32.
        (self.next_u32() as i32 >> 8) as f32 * (1.0 / 8_388_608.0)
    }

    /// The next value, uniform in `[0, 1)`.
    #[inline(always)]
    pub fn next_unit(&mut self) -> f32 {
        (self.next_u32() >> 8) as f32 * (1.0 / 16_777_216.0)
    }
}

/// White noise from eight xorshift32 generators side by side, handed out in order: the eight
/// advance together (one vector operation each), so a block of noise costs a fraction of the
/// one-generator chain, whose every sample waits on the last. Sample `k` always comes from
/// lane `k mod 8`, so the stream does not depend on how it is read.
#[derive(Debug, Clone, Copy)]
pub struct WhiteNoiseBlock {
    lanes: [u32; 8],
    buffer: [f32; 8],
    used: usize,
}

impl WhiteNoiseBlock {
    /// Eight generators seeded from `seed` (through one scalar generator).
    pub fn new(seed: u32) -> Self {
        let mut seeder = WhiteNoise::new(seed);
        Self {
            lanes: std::array::from_fn(|_| seeder.next_u32() | 1),
            buffer: [0.0; 8],
            used: 8,
        }
    }

    fn refill(&mut self) {
        for (lane, out) in self.lanes.iter_mut().zip(&mut self.buffer) {
            let mut x = *lane;
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            *lane = x;
            *out = (x as i32 >> 8) as f32 * (1.0 / 8_388_608.0);
        }
        self.used = 0;
    }

    /// Overwrites `out` with the next samples, uniform in `[-1, 1)`.
    pub fn fill(&mut self, out: &mut [f32]) {
        for o in out.iter_mut() {
            if self.used == 8 {
                self.refill();
            }
            *o = self.buffer[self.used];
            self.used += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zero_mean_uniform_and_repeatable() {
        let mut a = WhiteNoise::new(7);
        let mut b = WhiteNoise::new(7);
        let n = 200_000;
        let (mut sum, mut sq, mut lo, mut hi) = (0.0f64, 0.0f64, 0.0f32, 0.0f32);
        for _ in 0..n {
            let x = a.next();
            assert_eq!(x, b.next());
            sum += x as f64;
            sq += (x * x) as f64;
            lo = lo.min(x);
            hi = hi.max(x);
        }
        assert!((sum / n as f64).abs() < 0.01);
        // Variance of U(-1, 1) is 1/3.
        assert!((sq / n as f64 - 1.0 / 3.0).abs() < 0.01);
        assert!(lo < -0.999 && hi > 0.999 && hi < 1.0);
        assert_ne!(WhiteNoise::new(8).next(), WhiteNoise::new(7).next());
    }

    #[test]
    fn block_noise_is_uniform_and_does_not_depend_on_the_reads() {
        let mut whole = vec![0.0f32; 100_003];
        WhiteNoiseBlock::new(5).fill(&mut whole);
        let mut split = vec![0.0f32; 100_003];
        let mut noise = WhiteNoiseBlock::new(5);
        for (i, part) in split.chunks_mut(13).enumerate() {
            let n = 1 + i % part.len();
            noise.fill(&mut part[..n]);
            noise.fill(&mut part[n..]);
        }
        assert!(whole == split);
        let mean = whole.iter().map(|&x| x as f64).sum::<f64>() / whole.len() as f64;
        let var = whole.iter().map(|&x| (x as f64).powi(2)).sum::<f64>() / whole.len() as f64;
        assert!(
            mean.abs() < 0.01 && (var - 1.0 / 3.0).abs() < 0.01,
            "{mean} {var}"
        );
        // Neighbouring samples (different lanes) are uncorrelated.
        let lag1 = whole.windows(2).map(|w| (w[0] * w[1]) as f64).sum::<f64>() / whole.len() as f64;
        assert!(lag1.abs() < 0.01, "{lag1}");
    }
}
