//! Direct HRIR convolution with the `fft-convolver` crate: the textbook way to render a moving
//! source through a measured head.
//!
//! Every `UPDATE_PERIOD` samples (on the absolute sample count) the voice's position is looked
//! up in the SOFA fixture with `sofar`'s interpolating `filter`, each ear's delay is folded into
//! its 256-tap impulse response as leading zeros, and the new pair of responses is loaded into a
//! standby pair of convolvers. Loading clears a convolver's input history (`set_response`
//! zeroes it), so the standby pair is first primed with the most recent input (its output
//! discarded) and then crossfaded in linearly over the next `UPDATE_PERIOD` samples, after which
//! the two pairs swap roles. This is the usual two-convolver crossfade (e.g. Wefers 2015,
//! "Partitioned convolution algorithms for real-time auralization", ch. 5), done with a
//! well-tuned uniformly partitioned convolver (partition = host block size), so it is a fair
//! baseline for what a plain convolution renderer costs: both pairs run only while a fade is in
//! progress, which with continuous motion is always.
//!
//! Caveat: `sofar::reader::Sofar::filter` allocates internally (its interpolation builds two
//! vectors of the filter length), once per update. Its public API offers no way around that;
//! everything else here is allocated in `new`.

use fft_convolver::FFTConvolver;
use sofar::reader::{Filter, Sofar};

use super::{
    HRIR_LEN, UPDATE_PERIOD, VoicePath, VoiceRenderer, open_fixture, orbit_settings, sofa_query,
};

/// Length of the linear crossfade between the outgoing and incoming convolver pairs, samples.
const FADE_LEN: usize = UPDATE_PERIOD;

/// One pair of convolvers (left, right ear) and the responses they hold.
struct ConvolverPair {
    ears: [FFTConvolver<f32>; 2],
    /// The impulse responses loaded into `ears`, to skip a fade when nothing changed.
    responses: [Vec<f32>; 2],
}

/// A moving mono voice rendered by crossfading two pairs of FFT convolvers.
pub struct FftConvolverVoice {
    sofa: Sofar,
    /// Radius of the fixture's measurements, m (where the lookups are made).
    radius_m: f32,
    /// Preallocated output of `Sofar::filter`.
    filter: Filter,
    path: VoicePath,
    pairs: [ConvolverPair; 2],
    /// Index into `pairs` of the pair that plays now.
    active: usize,
    /// Samples of the current crossfade done, while one runs.
    fade: Option<usize>,
    /// The last `history.len()` input samples, a ring written at `history_pos`.
    history: Vec<f32>,
    history_pos: usize,
    /// The history in time order, and a sink for the primed convolvers' output.
    prime_in: Vec<f32>,
    prime_out: Vec<f32>,
    /// Output of the incoming pair during a fade, one host block per ear.
    incoming: [Vec<f32>; 2],
    /// Samples rendered since the start.
    elapsed: u64,
    /// Longest piece rendered at once (the host block size).
    block: usize,
}

impl FftConvolverVoice {
    /// A renderer for host blocks of `block` samples at `sample_rate` Hz. Allocates and reads
    /// the fixture.
    pub fn new(block: usize, sample_rate: f32) -> Self {
        assert!(block > 0, "block size must be at least 1");
        let sofa = open_fixture(sample_rate);
        let filter = Filter::new(sofa.filter_len());
        let radius_m = sofa.lookup().radius_max;
        let pair = || {
            let zeros = vec![0.0f32; HRIR_LEN];
            let ear = || {
                let mut convolver = FFTConvolver::default();
                // `init` allocates and fixes the capacity; `set_response` later reuses it.
                convolver
                    .init(block, &zeros)
                    .expect("block size is not zero");
                convolver
            };
            ConvolverPair {
                ears: [ear(), ear()],
                responses: [zeros.clone(), zeros.clone()],
            }
        };
        // Priming needs the last HRIR_LEN inputs; rounding up to whole partitions (512 at a
        // 512-sample block) keeps the primed convolver aligned with the host blocks. Left
        // partly filled, it would run two FFT passes on every later block (one per piece)
        // until it is next reloaded.
        let history_len = HRIR_LEN.div_ceil(block) * block;
        Self {
            sofa,
            radius_m,
            filter,
            path: VoicePath::new(&orbit_settings(), sample_rate),
            pairs: [pair(), pair()],
            active: 0,
            fade: None,
            history: vec![0.0; history_len],
            history_pos: 0,
            prime_in: vec![0.0; history_len],
            prime_out: vec![0.0; history_len],
            incoming: [vec![0.0; block], vec![0.0; block]],
            elapsed: 0,
            block,
        }
    }

    /// Looks up the position at the current sample and starts fading to its responses.
    fn update(&mut self) {
        // With FADE_LEN == UPDATE_PERIOD a fade always ends on an update; finish one that did
        // not (never expected) rather than overlap two.
        if self.fade.take().is_some() {
            self.active ^= 1;
        }
        let position = self.path.at(self.elapsed);
        let [x, y, z] = sofa_query(&position, self.radius_m);
        self.sofa.filter(x, y, z, &mut self.filter);

        let first = self.elapsed == 0;
        let target = if first { self.active } else { self.active ^ 1 };
        let file_rate = self.sofa.sample_rate();
        let pair = &mut self.pairs[target];
        let taps = [&self.filter.left, &self.filter.right];
        let delays = [self.filter.ldelay, self.filter.rdelay];
        for ((response, taps), delay_s) in pair.responses.iter_mut().zip(taps).zip(delays) {
            fold_delay(response, taps, delay_s * file_rate);
        }
        if !first && self.pairs[0].responses == self.pairs[1].responses {
            // Standing still: nothing to fade, and only the playing pair keeps running.
            return;
        }
        let pair = &mut self.pairs[target];
        for (convolver, response) in pair.ears.iter_mut().zip(&pair.responses) {
            convolver
                .set_response(response)
                .expect("the response fits the capacity set in `new`");
        }
        if first {
            // Nothing has been heard yet: the playing pair starts on the right responses.
            return;
        }

        // `set_response` cleared the incoming pair's input history: replay the recent input
        // through it (output discarded) so that its first output samples are whole.
        let (older, newer) = self.history.split_at(self.history_pos);
        self.prime_in[..newer.len()].copy_from_slice(newer);
        self.prime_in[newer.len()..].copy_from_slice(older);
        for convolver in &mut pair.ears {
            convolver
                .process(&self.prime_in, &mut self.prime_out)
                .expect("same lengths");
        }
        self.fade = Some(0);
    }

    /// Renders up to one host block that does not cross an update.
    fn render(&mut self, input: &[f32], left: &mut [f32], right: &mut [f32]) {
        let n = input.len();
        let [playing_l, playing_r] = &mut self.pairs[self.active].ears;
        playing_l.process(input, left).expect("same lengths");
        playing_r.process(input, right).expect("same lengths");

        if let Some(done) = self.fade {
            let [in_l, in_r] = &mut self.incoming;
            let (in_l, in_r) = (&mut in_l[..n], &mut in_r[..n]);
            let [next_l, next_r] = &mut self.pairs[self.active ^ 1].ears;
            next_l.process(input, in_l).expect("same lengths");
            next_r.process(input, in_r).expect("same lengths");
            // Linear crossfade, reaching exactly the incoming pair on its last sample.
            let step = 1.0 / FADE_LEN as f32;
            for k in 0..n {
                let t = (done + k + 1) as f32 * step;
                left[k] += t * (in_l[k] - left[k]);
                right[k] += t * (in_r[k] - right[k]);
            }
            let done = done + n;
            if done >= FADE_LEN {
                self.active ^= 1;
                self.fade = None;
            } else {
                self.fade = Some(done);
            }
        }

        // Keep the most recent input for priming.
        let len = self.history.len();
        let mut rest = input;
        while !rest.is_empty() {
            let take = rest.len().min(len - self.history_pos);
            self.history[self.history_pos..self.history_pos + take].copy_from_slice(&rest[..take]);
            self.history_pos = (self.history_pos + take) % len;
            rest = &rest[take..];
        }
    }
}

impl VoiceRenderer for FftConvolverVoice {
    fn process(&mut self, input: &[f32], left: &mut [f32], right: &mut [f32]) {
        let n = input.len();
        assert!(
            left.len() == n && right.len() == n,
            "input and outputs differ in length"
        );
        let mut start = 0;
        while start < n {
            let into_period = (self.elapsed % UPDATE_PERIOD as u64) as usize;
            if into_period == 0 {
                self.update();
            }
            let len = (UPDATE_PERIOD - into_period).min(n - start).min(self.block);
            let end = start + len;
            self.render(
                &input[start..end],
                &mut left[start..end],
                &mut right[start..end],
            );
            self.elapsed += len as u64;
            start = end;
        }
    }
}

/// Writes `taps` into `response` after `delay` samples of silence (rounded to whole samples;
/// the HRIR's own onset keeps its sub-sample timing), cut or zero-padded to the response's
/// length.
fn fold_delay(response: &mut [f32], taps: &[f32], delay: f32) {
    let len = response.len();
    // `max` drops a NaN; the cast saturates.
    let shift = (delay.max(0.0).round() as usize).min(len);
    let copied = (len - shift).min(taps.len());
    response[..shift].fill(0.0);
    response[shift..shift + copied].copy_from_slice(&taps[..copied]);
    response[shift + copied..].fill(0.0);
}
