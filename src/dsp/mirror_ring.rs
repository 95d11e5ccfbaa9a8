//! A delay line whose recent past is always one contiguous slice: every sample is written twice,
//! `capacity` apart, so the last `capacity` samples sit side by side wherever the ring's write
//! position is. Reads then run over plain slices, in loops that vectorise, with no modulo and
//! no wrap-around split (the classic "double-write" circular buffer).

/// A ring of `capacity` samples with mirrored writes.
#[derive(Debug, Clone)]
pub struct MirrorRing {
    /// Two copies of the ring, one after the other.
    buffer: Vec<f32>,
    capacity: usize,
    /// Where the next sample goes, `0..capacity`.
    next: usize,
}

impl MirrorRing {
    /// A silent ring holding the last `capacity` samples (at least 1).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            buffer: vec![0.0; 2 * capacity],
            capacity,
            next: 0,
        }
    }

    /// How many past samples the ring holds.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// Clears the ring.
    pub fn reset(&mut self) {
        self.buffer.fill(0.0);
        self.next = 0;
    }

    /// Appends `samples` (at most `capacity` of them), oldest first.
    #[inline(always)]
    pub fn write(&mut self, samples: &[f32]) {
        debug_assert!(samples.len() <= self.capacity);
        let mut rest = samples;
        while !rest.is_empty() {
            let n = (self.capacity - self.next).min(rest.len());
            let (now, later) = rest.split_at(n);
            let at = self.next;
            self.buffer[at..at + n].copy_from_slice(now);
            self.buffer[at + self.capacity..at + self.capacity + n].copy_from_slice(now);
            self.next = (at + n) % self.capacity;
            rest = later;
        }
    }

    /// The last `len` samples written (`len ≤ capacity`), oldest first: the newest is the
    /// slice's last element.
    #[inline(always)]
    pub fn recent(&self, len: usize) -> &[f32] {
        debug_assert!(len <= self.capacity);
        let end = self.next + self.capacity;
        &self.buffer[end - len..end]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_samples_are_contiguous_across_the_wrap() {
        let mut ring = MirrorRing::new(5);
        // A fresh ring holds silence.
        let mut written = vec![0.0; 5];
        for block in [
            &[1.0, 2.0, 3.0][..],
            &[4.0, 5.0, 6.0],
            &[7.0],
            &[8.0, 9.0, 10.0, 11.0],
        ] {
            ring.write(block);
            written.extend_from_slice(block);
            for len in 0..=5 {
                assert_eq!(
                    ring.recent(len),
                    &written[written.len() - len..],
                    "len {len}"
                );
            }
        }
        ring.reset();
        assert_eq!(ring.recent(5), &[0.0; 5]);
    }
}
