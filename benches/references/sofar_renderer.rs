//! The `sofar` crate's own HRTF renderer: uniformly partitioned convolution in the frequency
//! domain (Wefers 2015, "Partitioned convolution algorithms for real-time auralization",
//! ch. 5) with a built-in filter crossfade and per-ear delay lines.
//!
//! It plays the same SOFA fixture, resampled to 48 kHz, with the same 256 taps per ear and the
//! same update schedule as the `fft-convolver` reference: every `UPDATE_PERIOD` samples (on the
//! absolute sample count) the voice's position is looked up with `sofar`'s interpolating
//! `filter` and handed to the renderer, which crossfades linearly from the old filter to the new
//! one. The partition length is the host block size (the renderer only takes whole partitions).
//! This is the renderer a `sofar` user gets out of the box, used as its documentation and
//! examples use it, so it is a fair baseline for an off-the-shelf SOFA renderer. It keeps one
//! input history for both filters, so unlike two independent convolvers it needs no priming
//! before a fade.
//!
//! Allocation: `Renderer::set_filter` reuses the storage of filters that finished fading and
//! only allocates while it has none; `new` runs two updates to give it that storage, so the
//! renderer itself does not allocate in `process`. `Sofar::filter` does (its interpolation
//! builds two vectors of the filter length), once per update; `sofar`'s public API offers no
//! way around that.

use sofar::reader::{Filter, Sofar};
use sofar::render::{FadeCurve, FilterTransition, Renderer, RendererPlan};

use super::{
    HRIR_LEN, UPDATE_PERIOD, VoicePath, VoiceRenderer, open_fixture, orbit_settings, sofa_query,
};

/// A moving mono voice rendered by `sofar::render::Renderer`.
pub struct SofarVoice {
    sofa: Sofar,
    /// Radius of the fixture's measurements, m (where the lookups are made).
    radius_m: f32,
    /// Preallocated output of `Sofar::filter`, and the filter handed over last.
    filter: Filter,
    last: Filter,
    path: VoicePath,
    renderer: Renderer,
    /// Samples rendered since the start.
    elapsed: u64,
    /// The renderer's partition length (the host block size).
    block: usize,
    /// Input of the partition being collected, and the last partition's output, played while
    /// the next is collected: the host may hand over any number of samples (the last block of
    /// a second at 512 samples is 384 long), the renderer only takes whole partitions. This
    /// costs one partition of latency and two copies, as in any host wrapper around it.
    pending: Vec<f32>,
    ready: [Vec<f32>; 2],
    fill: usize,
}

impl SofarVoice {
    /// A renderer for host blocks of `block` samples at `sample_rate` Hz. `block` must divide
    /// `UPDATE_PERIOD` (32, 128 and 512 do), so that every update falls on a partition
    /// boundary, where the renderer applies it. Allocates and reads the fixture.
    pub fn new(block: usize, sample_rate: f32) -> Self {
        assert!(
            block > 0 && UPDATE_PERIOD.is_multiple_of(block),
            "block size {block} does not divide the update period {UPDATE_PERIOD}"
        );
        let sofa = open_fixture(sample_rate);
        let radius_m = sofa.lookup().radius_max;
        let plan = RendererPlan::builder(HRIR_LEN)
            .with_sample_rate(sample_rate)
            .with_partition_len(block)
            .build()
            .expect("a valid plan");
        // Before each fade the renderer warms the incoming filter's delay lines for as many
        // samples as its longest delay; shortening the fade by the longest delay in the file
        // keeps warm-up and fade inside one update period, so fades never queue up behind each
        // other (the fixture's delays are all zero: the fade is the whole period).
        let max_delay_s = sofa.max_delay();
        let warmup = (max_delay_s * sample_rate).ceil() as usize;
        let transition = FilterTransition::Crossfade {
            duration_samples: UPDATE_PERIOD.saturating_sub(warmup).max(1),
            curve: FadeCurve::Linear,
        };
        let renderer = Renderer::builder(&plan)
            .with_filter_transition(transition)
            .with_max_delay(max_delay_s)
            .build()
            .expect("a valid renderer");

        let mut voice = Self {
            sofa,
            radius_m,
            filter: Filter::new(HRIR_LEN),
            last: Filter::new(HRIR_LEN),
            path: VoicePath::new(&orbit_settings(), sample_rate),
            renderer,
            elapsed: 0,
            block,
            pending: vec![0.0; block],
            ready: [vec![0.0; block], vec![0.0; block]],
            fill: 0,
        };

        // `set_filter` takes its storage from filters retired by finished fades and allocates
        // only when there is none. Two updates and one whole fade leave it one filter playing
        // and one retired, which later updates cycle through without allocating.
        voice.look_up(0);
        for _ in 0..2 {
            voice
                .renderer
                .set_filter(&voice.filter)
                .expect("the filter fits the plan");
        }
        let silence = vec![0.0f32; block];
        let (mut left, mut right) = (vec![0.0f32; block], vec![0.0f32; block]);
        for _ in 0..UPDATE_PERIOD / block {
            voice
                .renderer
                .process_block(&silence, &mut left, &mut right)
                .expect("whole partitions");
        }
        voice.renderer.reset();
        voice.copy_to_last();
        voice
    }

    /// Fills `filter` with the interpolated HRIRs (zero-padded to `HRIR_LEN` taps by
    /// `Sofar::filter`) and delays at the position `sample` samples into the render.
    fn look_up(&mut self, sample: u64) {
        let position = self.path.at(sample);
        let [x, y, z] = sofa_query(&position, self.radius_m);
        self.sofa.filter(x, y, z, &mut self.filter);
    }

    fn copy_to_last(&mut self) {
        self.last.left.copy_from_slice(&self.filter.left);
        self.last.right.copy_from_slice(&self.filter.right);
        self.last.ldelay = self.filter.ldelay;
        self.last.rdelay = self.filter.rdelay;
    }

    /// Hands the filter at the current position to the renderer, which fades to it.
    fn update(&mut self) {
        self.look_up(self.elapsed);
        let unchanged = self.filter.left == self.last.left
            && self.filter.right == self.last.right
            && self.filter.ldelay == self.last.ldelay
            && self.filter.rdelay == self.last.rdelay;
        if unchanged {
            // Standing still: no fade, so only one filter keeps running.
            return;
        }
        self.renderer
            .set_filter(&self.filter)
            .expect("the filter fits the plan and the delay lines");
        self.copy_to_last();
    }
}

impl VoiceRenderer for SofarVoice {
    fn process(&mut self, input: &[f32], left: &mut [f32], right: &mut [f32]) {
        let n = input.len();
        assert!(
            left.len() == n && right.len() == n,
            "input and outputs differ in length"
        );
        let mut i = 0;
        while i < n {
            let take = (self.block - self.fill).min(n - i);
            let (from, to) = (self.fill, self.fill + take);
            self.pending[from..to].copy_from_slice(&input[i..i + take]);
            left[i..i + take].copy_from_slice(&self.ready[0][from..to]);
            right[i..i + take].copy_from_slice(&self.ready[1][from..to]);
            self.fill = to;
            i += take;
            if self.fill == self.block {
                if self.elapsed.is_multiple_of(UPDATE_PERIOD as u64) {
                    self.update();
                }
                let [l, r] = &mut self.ready;
                self.renderer
                    .process_block(&self.pending, l, r)
                    .expect("whole partitions");
                self.elapsed += self.block as u64;
                self.fill = 0;
            }
        }
    }
}
