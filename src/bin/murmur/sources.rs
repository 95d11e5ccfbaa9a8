//! Where a render's blocks come from: a trigger bed, a voice recording through the engine, or
//! samples made beforehand (the demo). Each is made afresh for every pass of a render.

use murmur::engine::InputChannels;
use murmur::offline::OfflineRender;

use crate::input::Audio;
use crate::pipeline::Source;

/// A trigger bed: the engine with no input, its latency (the Calm Guard's look-ahead)
/// compensated as a host does, so the bed starts on its first sample.
pub struct Bed {
    render: OfflineRender,
    /// Output frames still to drop.
    to_skip: usize,
}

impl Bed {
    pub fn new(render: OfflineRender) -> Self {
        let to_skip = render.engine().latency(InputChannels::None);
        Self { render, to_skip }
    }

    fn run(&mut self, left: &mut [f32], right: &mut [f32]) {
        left.fill(0.0);
        right.fill(0.0);
        self.render.process(InputChannels::None, left, right);
    }
}

impl Source for Bed {
    fn fill(&mut self, left: &mut [f32], right: &mut [f32]) -> usize {
        while self.to_skip > 0 {
            let n = self.to_skip.min(left.len());
            let (l, r) = (&mut left[..n], &mut right[..n]);
            self.run(l, r);
            self.to_skip -= n;
        }
        self.run(left, right);
        left.len()
    }
}

/// A recording through the engine, then silence for the tail. The engine's latency is
/// compensated as a host does: the output lines up with the input.
pub struct Voice<'a> {
    audio: &'a Audio,
    render: OfflineRender,
    channels: InputChannels,
    /// Input frames fed to the engine so far.
    fed: usize,
    /// Output frames still to drop (the engine's latency).
    to_skip: usize,
    /// The dropped frames' buffers.
    skipped: (Vec<f32>, Vec<f32>),
}

impl<'a> Voice<'a> {
    pub fn new(audio: &'a Audio, render: OfflineRender) -> Self {
        let channels = match audio.channels.len() {
            1 => InputChannels::Mono,
            _ => InputChannels::Stereo,
        };
        let latency = render.engine().latency(channels);
        Self {
            audio,
            render,
            channels,
            fed: 0,
            to_skip: latency,
            skipped: (vec![0.0; latency], vec![0.0; latency]),
        }
    }

    /// Fills `left` and `right` with the next input frames (silence past the end) and runs
    /// them through the engine.
    fn run(&mut self, left: &mut [f32], right: &mut [f32]) {
        let last = self.audio.channels.len() - 1;
        let sample = |c: usize, at: usize| self.audio.channels[c].get(at).copied().unwrap_or(0.0);
        for (j, (l, r)) in left.iter_mut().zip(right.iter_mut()).enumerate() {
            *l = sample(0, self.fed + j);
            *r = sample(last, self.fed + j);
        }
        self.fed += left.len();
        self.render.process(self.channels, left, right);
    }
}

impl Source for Voice<'_> {
    fn fill(&mut self, left: &mut [f32], right: &mut [f32]) -> usize {
        if self.to_skip > 0 {
            let (mut l, mut r) = std::mem::take(&mut self.skipped);
            self.run(&mut l[..self.to_skip], &mut r[..self.to_skip]);
            self.to_skip = 0;
        }
        self.run(left, right);
        left.len()
    }
}

/// Samples rendered beforehand.
pub struct Samples<'a> {
    left: &'a [f32],
    right: &'a [f32],
    at: usize,
}

impl<'a> Samples<'a> {
    pub fn new(left: &'a [f32], right: &'a [f32]) -> Self {
        Self { left, right, at: 0 }
    }
}

impl Source for Samples<'_> {
    fn fill(&mut self, left: &mut [f32], right: &mut [f32]) -> usize {
        let n = left.len().min(self.left.len() - self.at);
        left[..n].copy_from_slice(&self.left[self.at..self.at + n]);
        right[..n].copy_from_slice(&self.right[self.at..self.at + n]);
        self.at += n;
        n
    }
}
