//! A whole-sample delay of fixed length as a ring buffer, moved through in slices: each call
//! swaps the block with the ring's oldest samples (two contiguous pieces at most), so a long
//! delay costs a memory swap per sample, not a modulo and two indexed accesses.

/// A delay of `len` samples.
#[derive(Debug, Clone)]
pub struct FixedDelay {
    ring: Vec<f32>,
    at: usize,
}

impl FixedDelay {
    /// A delay of `len` samples (at least 1), silent at first.
    pub fn new(len: usize) -> Self {
        Self {
            ring: vec![0.0; len.max(1)],
            at: 0,
        }
    }

    pub fn len(&self) -> usize {
        self.ring.len()
    }

    pub fn is_empty(&self) -> bool {
        false
    }

    pub fn reset(&mut self) {
        self.ring.fill(0.0);
        self.at = 0;
    }

    /// The last `len` samples taken, oldest first.
    pub fn recent(&self, out: &mut [f32]) {
        let (newer, older) = self.ring.split_at(self.at);
        out[..older.len()].copy_from_slice(older);
        out[older.len()..older.len() + newer.len()].copy_from_slice(newer);
    }

    /// Replaces `block` with the samples from `len` samples earlier. Inlined, so that it takes
    /// the caller's instruction set (the engine's AVX build).
    #[inline(always)]
    pub fn process(&mut self, mut block: &mut [f32]) {
        while !block.is_empty() {
            let n = (self.ring.len() - self.at).min(block.len());
            let (now, rest) = block.split_at_mut(n);
            now.swap_with_slice(&mut self.ring[self.at..self.at + n]);
            self.at = (self.at + n) % self.ring.len();
            block = rest;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delays_by_its_length_in_any_block_sizes() {
        let input: Vec<f32> = (1..=1000).map(|n| n as f32).collect();
        let mut delay = FixedDelay::new(37);
        let mut output = input.clone();
        let mut start = 0;
        for size in [1usize, 5, 36, 37, 38, 100].iter().cycle() {
            if start >= output.len() {
                break;
            }
            let end = (start + size).min(output.len());
            delay.process(&mut output[start..end]);
            start = end;
        }
        assert!(output[..37].iter().all(|&y| y == 0.0));
        assert_eq!(&output[37..], &input[..1000 - 37]);
        let mut recent = vec![0.0; 37];
        delay.recent(&mut recent);
        assert_eq!(recent, &input[1000 - 37..]);
    }
}
