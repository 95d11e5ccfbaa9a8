//! The room around the listener: the voice's early reflections (`early`), a late tail shared by
//! the voice and the trigger events (`tail`), and the switching between rooms.
//!
//! The direct sound stays the heads' (`binaural`): the room only adds what arrives after it, so
//! it adds no latency. It works in control periods, as the heads do: it hears a period, and at
//! the next control tick renders it, one period late, which is exactly where the heads put the
//! direct sound.
//!
//! Distance does what a room does: the direct sound falls with the source's distance (1/r), the
//! tail does not, so the direct-to-reverberant ratio follows the distance, and at 0 dB Room
//! Level the two are equal at the design's critical distance (`design::TALKER_DIRECTIVITY`).
//!
//! Trigger events get the shared tail only, sent at their level whatever their distance: their
//! distance then shows as it does for the voice, in the ratio of their direct sound to the
//! tail. Reflections per event would cost twelve delay reads per sounding event, and events
//! are short, many and spread around the head, where the tail carries the room's size and
//! character.
//!
//! Switching: turning the room on starts it from silence (it builds up as a real room does),
//! its send opening over a few milliseconds.
//! Turning it off stops feeding it and lets it ring out, then stops it (and from then on the
//! output is Murmur's without a room, sample for sample). Changing rooms dips the room's output
//! for a few tens of milliseconds, changes the room while it is silent, and brings it back.

pub mod design;
pub mod early;
pub mod tail;

pub use design::{RoomDesign, RoomKind};

use crate::binaural::{CONTROL_PERIOD, Position};
use crate::dsp::wide::{avx_dispatch, has_avx};
use crate::dsp::{ControlRamp, DbToGain};
use early::EarlyReflections;
use tail::Tail;

/// Time constant of each of the two smoothing stages of the room's send, level and switching
/// dip, seconds: a dip settles in about 60 ms.
const GLIDE_S: f32 = 0.008;
/// The ramps: the send into the room, the switching dip, the Room Level.
const SEND: usize = 0;
const DIP: usize = 1;
const LEVEL: usize = 2;

/// The room: its reflections, its tail and its switching.
#[derive(Debug, Clone)]
pub struct Room {
    sample_rate: f32,
    /// The room that sounds (`Off`: nothing runs).
    playing: RoomKind,
    early: EarlyReflections,
    tail: Tail,
    ramps: ControlRamp<3>,
    level: DbToGain,
    /// Samples the room keeps ringing after its send closed, before it stops.
    ring_out: usize,
    /// What was heard this period: the voice (reflections and tail), the trigger events (tail).
    heard_voice: [f32; CONTROL_PERIOD],
    heard_events: [f32; CONTROL_PERIOD],
    /// The room's sound for this period, left and right.
    rendered: [[f32; CONTROL_PERIOD]; 2],
    /// The CPU has AVX: use the wider build of the period's loops.
    wide: bool,
}

impl Room {
    /// A silent room at `sample_rate` Hz (allocates the lines for the largest room).
    pub fn new(sample_rate: f32) -> Self {
        let designs = RoomKind::ALL.iter().filter_map(|kind| kind.design());
        // A first-order image is at most twice the room's largest size further than the source
        // (triangle inequality), and an ear adds at most its delay round the head.
        let longest_path = designs
            .map(|d| 2.0 * d.size_m.iter().copied().fold(0.0, f32::max))
            .fold(0.0, f32::max);
        let max_delay_s = longest_path / crate::binaural::head_model::SPEED_OF_SOUND
            + crate::binaural::head_model::max_ear_delay_s(
                crate::binaural::head_model::HEAD_RADIUS_M.max,
            )
            + 2.0 / sample_rate;
        Self {
            sample_rate,
            playing: RoomKind::Off,
            early: EarlyReflections::new(sample_rate, max_delay_s),
            tail: Tail::new(sample_rate, &design::BEDROOM),
            ramps: ControlRamp::new(GLIDE_S, sample_rate, CONTROL_PERIOD),
            level: DbToGain::new(),
            ring_out: 0,
            heard_voice: [0.0; CONTROL_PERIOD],
            heard_events: [0.0; CONTROL_PERIOD],
            rendered: [[0.0; CONTROL_PERIOD]; 2],
            wide: has_avx(),
        }
    }

    /// Stops the room and silences it.
    pub fn reset(&mut self) {
        self.stop();
    }

    /// Whether the room runs (hears, renders and adds); when it does not, it costs nothing and
    /// adds nothing.
    #[inline]
    pub fn is_running(&self) -> bool {
        self.playing != RoomKind::Off
    }

    fn stop(&mut self) {
        self.playing = RoomKind::Off;
        self.early.reset();
        self.tail.reset();
        self.ring_out = 0;
        self.heard_voice = [0.0; CONTROL_PERIOD];
        self.heard_events = [0.0; CONTROL_PERIOD];
        self.rendered = [[0.0; CONTROL_PERIOD]; 2];
    }

    /// Adds `voice` to what the room hears from sample `k0` of the period.
    #[inline]
    pub fn hear_voice(&mut self, k0: usize, voice: &[f32]) {
        add_into(&mut self.heard_voice[k0..], voice);
    }

    /// Adds trigger events (their mono sound, at their level) to what the tail hears.
    #[inline]
    pub fn hear_events(&mut self, k0: usize, events: &[f32]) {
        add_into(&mut self.heard_events[k0..], events);
    }

    /// The room's sound for samples `k0..k0 + n` of the period (left, right).
    #[inline]
    pub fn sound(&self, k0: usize, n: usize) -> [&[f32]; 2] {
        let [l, r] = &self.rendered;
        [&l[k0..k0 + n], &r[k0..k0 + n]]
    }

    /// At a control tick: follows the `wanted` room and its level, and renders the period just
    /// heard with the voice at `voice` (the position the heads had for it; `None` without a
    /// voice, when the reflections do not run). `snap` (after a reset) sits every ramp on its
    /// target.
    pub fn tick(
        &mut self,
        wanted: RoomKind,
        level_db: f32,
        voice: Option<&Position>,
        head_radius_m: f32,
        snap: bool,
    ) {
        if !self.is_running() {
            if wanted == RoomKind::Off {
                return;
            }
            // A room starts from silence. Under playback its send opens over a few
            // milliseconds: a voice that was already sounding would otherwise enter the room
            // as a step. After a reset (`snap`) it is open from the first sample.
            self.start(wanted);
            let level = self.level.gain(level_db);
            self.ramps
                .retarget([if snap { 1.0 } else { 0.0 }, 1.0, level], true);
            self.ramps.retarget([1.0, 1.0, level], false);
            self.render(voice, head_radius_m, snap);
            return;
        }
        let switching = wanted != self.playing && wanted != RoomKind::Off;
        let targets = [
            if wanted == RoomKind::Off { 0.0 } else { 1.0 },
            if switching { 0.0 } else { 1.0 },
            self.level.gain(level_db),
        ];
        // The ramps' values at the end of the last period, which the room has just played.
        let played_dip = self.ramps.end(DIP);
        let played_send = self.ramps.end(SEND);
        if switching && played_dip == 0.0 {
            // Silent: change rooms now, and come back from silence, the send opening with the
            // room (the new room's lines are empty: what enters them must enter softly).
            self.start(wanted);
            self.ramps.retarget([0.0, 0.0, targets[LEVEL]], true);
            self.ramps.retarget([1.0, 1.0, targets[LEVEL]], false);
            self.render(voice, head_radius_m, true);
            return;
        }
        self.ramps.retarget(targets, snap);
        if wanted == RoomKind::Off && played_send == 0.0 {
            if self.ring_out <= CONTROL_PERIOD {
                self.stop();
                return;
            }
            self.ring_out -= CONTROL_PERIOD;
        } else if let Some(design) = self.playing.design() {
            self.ring_out = ring_out_samples(design, self.sample_rate);
        }
        self.render(voice, head_radius_m, snap);
    }

    /// Makes `kind` the room that plays, silent.
    fn start(&mut self, kind: RoomKind) {
        self.stop();
        self.playing = kind;
        if let Some(design) = kind.design() {
            self.tail.tune(design);
            self.ring_out = ring_out_samples(design, self.sample_rate);
        }
    }

    avx_dispatch! {
        /// Renders the period heard into `rendered` and clears what was heard.
        fn render, render_avx => render_any(
            &mut self,
            voice: Option<&Position>,
            head_radius_m: f32,
            snap: bool
        )
    }

    #[inline(always)]
    fn render_any(&mut self, voice: Option<&Position>, head_radius_m: f32, snap: bool) {
        let Some(design) = self.playing.design() else {
            return;
        };
        const N: usize = CONTROL_PERIOD;
        let send: [f32; N] = self.ramps.group(SEND, 0);
        let mut voice_in = [0.0f32; N];
        let mut tail_in = [0.0f32; N];
        for j in 0..N {
            voice_in[j] = self.heard_voice[j] * send[j];
            tail_in[j] = voice_in[j] + self.heard_events[j] * send[j];
        }
        let mut early = [[0.0f32; N]; 2];
        if let Some(voice) = voice {
            self.early
                .render_period(&voice_in, design, voice, head_radius_m, snap, &mut early);
        }
        self.tail.render_period(&tail_in, &mut self.rendered);
        let dip: [f32; N] = self.ramps.group(DIP, 0);
        let level: [f32; N] = self.ramps.group(LEVEL, 0);
        for (out, early) in self.rendered.iter_mut().zip(&early) {
            for j in 0..N {
                out[j] = (out[j] + early[j]) * dip[j] * level[j];
            }
        }
        self.heard_voice = [0.0; N];
        self.heard_events = [0.0; N];
    }
}

/// Adds `x` to the start of `into`.
#[inline(always)]
fn add_into(into: &mut [f32], x: &[f32]) {
    for (h, v) in into[..x.len()].iter_mut().zip(x) {
        *h += v;
    }
}

/// How long a room rings after its input stops before it is silent enough to stop: 90 dB of
/// its longest decay (below the quietest 24-bit sample from a full-scale start), plus its
/// longest reflection.
fn ring_out_samples(design: &RoomDesign, sample_rate: f32) -> usize {
    let longest = design.t60_low_s.max(design.t60_high_s);
    ((1.5 * longest + 0.05) * sample_rate) as usize
}

/// A unit impulse through `render` (given each period's input, whether it is the first, and
/// the period to fill), `periods` long: the response, left and right.
#[cfg(test)]
fn impulse_response_of(
    periods: usize,
    mut render: impl FnMut(&[f32; CONTROL_PERIOD], bool, &mut [[f32; CONTROL_PERIOD]; 2]),
) -> [Vec<f32>; 2] {
    let mut out = [Vec::new(), Vec::new()];
    for p in 0..periods {
        let mut input = [0.0; CONTROL_PERIOD];
        if p == 0 {
            input[0] = 1.0;
        }
        let mut period = [[0.0; CONTROL_PERIOD]; 2];
        render(&input, p == 0, &mut period);
        out[0].extend_from_slice(&period[0]);
        out[1].extend_from_slice(&period[1]);
    }
    out
}
