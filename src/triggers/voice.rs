//! One sounding trigger event: its synthesizer, its level, and its own fixed-position binaural
//! source (echoes, ear delays and gains; the shelves are shared, see
//! [`crate::binaural::fixed_source`]). Voices live in a preallocated pool; a stolen voice fades
//! out instead of stopping.

use super::model::EventParams;
use super::synth::{Synth, TriggerKind};
use crate::binaural::head_model::HEAD_RADIUS_M;
use crate::binaural::{CONTROL_PERIOD, EarBuses, FixedSource, Position, head_model};
use crate::dsp::math::exp;
use rand_pcg::Pcg32;

/// Length of the fade of a stolen voice, seconds: short enough to free the voice quickly, long
/// enough (several periods of anything above 200 Hz) not to click.
pub const STEAL_FADE_S: f32 = 0.005;

/// What a pool slot is doing.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VoiceState {
    Idle,
    /// The event is sounding.
    Playing,
    /// Stolen: fading out, then ringing out its renderer.
    Fading,
    /// The event has ended; the renderer's delay lines are emptying.
    Tail,
}

/// One event in flight.
pub struct TriggerVoice {
    synth: Synth,
    source: FixedSource,
    sample_rate: f32,
    state: VoiceState,
    /// Layer that started it (its mix bus).
    layer: usize,
    /// Event level (linear).
    gain: f32,
    /// Fade factor while `Fading`, and its decrement per sample.
    fade: f32,
    fade_step: f32,
    /// Control ticks left before a `Tail` voice is free.
    tail_left: usize,
    /// Control ticks a voice stays in `Tail`: enough whole periods for the longest ear delay
    /// and pinna echo (plus the interpolators' reach) to empty; the shared shelves ring out on
    /// their own.
    tail_periods: usize,
    /// Recent output level (the pool steals the quietest): a peak hold updated at control
    /// ticks only, so that stealing never depends on how the host splits its blocks.
    loudness: f32,
    /// Peak output since the last control tick.
    peak_since_tick: f32,
    /// Decay of `loudness` per control period.
    loudness_release: f32,
}

/// Release time constant of a voice's loudness estimate, seconds.
const LOUDNESS_RELEASE_S: f32 = 0.050;

impl TriggerVoice {
    /// An idle voice at `sample_rate` Hz (allocates its renderer).
    pub fn new(sample_rate: f32) -> Self {
        let tail_s = head_model::max_ear_delay_s(HEAD_RADIUS_M.max)
            + head_model::PINNA_MAX_DELAY_44K / 44_100.0;
        Self {
            synth: Synth::new(TriggerKind::WoodTap, sample_rate),
            source: FixedSource::new(sample_rate),
            sample_rate,
            state: VoiceState::Idle,
            layer: 0,
            gain: 0.0,
            fade: 1.0,
            fade_step: 1.0 / (STEAL_FADE_S * sample_rate).max(1.0),
            tail_left: 0,
            // Whole periods, plus the one in which the event ended: the voice frees itself at
            // a control tick, so the moment (and with it which slot the next event takes, and
            // so the order in which voices are summed) never depends on the host's blocks.
            tail_periods: ((tail_s * sample_rate).ceil() as usize + 4).div_ceil(CONTROL_PERIOD) + 1,
            loudness: 0.0,
            peak_since_tick: 0.0,
            loudness_release: exp(-(CONTROL_PERIOD as f32) / (LOUDNESS_RELEASE_S * sample_rate)),
        }
    }

    /// What the voice is doing.
    pub fn state(&self) -> VoiceState {
        self.state
    }

    /// The layer whose bus the voice plays into.
    pub fn layer(&self) -> usize {
        self.layer
    }

    /// The event's level (linear).
    pub fn gain(&self) -> f32 {
        self.gain
    }

    /// Recent peak output level (held, releasing over about 50 ms).
    pub fn loudness(&self) -> f32 {
        self.loudness
    }

    /// Silences the voice at once (for `reset`).
    pub fn stop(&mut self) {
        self.state = VoiceState::Idle;
        self.loudness = 0.0;
    }

    /// Starts an event of `kind` on `layer` at `position`, `gain` linear.
    #[allow(clippy::too_many_arguments)]
    pub fn start(
        &mut self,
        kind: TriggerKind,
        event: &EventParams,
        rng: &mut Pcg32,
        position: &Position,
        head_radius_m: f32,
        proximity: f32,
        layer: usize,
        gain: f32,
    ) {
        self.synth.start(kind, self.sample_rate, event, rng);
        self.source
            .place(position, head_radius_m, proximity, self.sample_rate);
        self.state = VoiceState::Playing;
        self.layer = layer;
        self.gain = gain;
        self.fade = 1.0;
        self.loudness = gain;
        self.peak_since_tick = 0.0;
    }

    /// Begins the steal fade.
    pub fn steal(&mut self) {
        if self.state == VoiceState::Playing {
            self.state = VoiceState::Fading;
        }
    }

    /// Renders the next `level.len()` samples (at most a control period) at the layer level
    /// `level` (per sample) into `buses` from index `at`, and adds its mono sound to `send` (as
    /// long as `level`) when there is one.
    pub fn render_add(
        &mut self,
        level: &[f32],
        buses: &mut EarBuses,
        at: usize,
        send: Option<&mut [f32]>,
    ) {
        let n = level.len();
        let mut mono = [0.0f32; CONTROL_PERIOD];
        let mono = &mut mono[..n];
        match self.state {
            VoiceState::Idle => return,
            VoiceState::Playing => {
                if !self.synth.render(mono) {
                    self.begin_tail();
                }
                for (x, l) in mono.iter_mut().zip(level) {
                    *x *= self.gain * l;
                }
            }
            VoiceState::Fading => {
                self.synth.render(mono);
                for (x, l) in mono.iter_mut().zip(level) {
                    self.fade = (self.fade - self.fade_step).max(0.0);
                    *x *= self.gain * self.fade * l;
                }
                if self.fade == 0.0 {
                    self.begin_tail();
                }
            }
            // Zeros push the last of the event out of the echoes and delays.
            VoiceState::Tail => {}
        }
        self.peak_since_tick = mono
            .iter()
            .fold(self.peak_since_tick, |m, x| m.max(x.abs()));
        if let Some(send) = send {
            for (s, x) in send.iter_mut().zip(mono.iter()) {
                *s += x;
            }
        }
        self.source.render_add(mono, buses, at);
    }

    fn begin_tail(&mut self) {
        self.state = VoiceState::Tail;
        self.tail_left = self.tail_periods;
    }

    /// Once per control period: frees a voice whose tail has passed, and updates the
    /// loudness estimate.
    pub fn tick(&mut self) {
        if self.state == VoiceState::Tail {
            self.tail_left -= 1;
            if self.tail_left == 0 {
                self.state = VoiceState::Idle;
                self.loudness = 0.0;
            }
        }
        if self.state != VoiceState::Idle {
            self.loudness = self
                .peak_since_tick
                .max(self.loudness * self.loudness_release);
            self.peak_since_tick = 0.0;
        }
    }
}
