//! The Engine: owns all DSP state and renders blocks from plain settings.
//!
//! The plugin, the tests, the benchmarks and the command-line renderer all drive this type, so
//! an offline render and a DAW render of the same settings are the same samples. It has no
//! framework types; the plugin glue converts host parameters to [`Settings`] and the host's
//! transport to [`Transport`].
//!
//! Signal flow per sample: whisper cleanup (de-ess, denoise; one frame of latency) → input
//! level → binaural render (one source per input channel) → voice mix against the dry voice →
//! plus the trigger layers → output level → Calm Guard (a look-ahead of about 1.6 ms) → bypass
//! crossfade.
//!
//! With a voice input (the effect), everything leaves one cleanup frame and the guard's
//! look-ahead late: the trigger layers and the bypassed input go through delays of the same
//! length, so the latency reported to the host is one constant and everything stays aligned
//! after its compensation. Without an input (the instrument) only the guard's look-ahead
//! delays the output, with or without the guard on, so that the plugin and the command line
//! render the same samples with the true-peak ceiling held.
//! Every smoother and every control tick is tied to the absolute sample count, so the output is
//! identical whatever the host's block size.

use std::sync::Arc;

use crate::animate::Animation;
use crate::binaural::heads::Heads;
use crate::binaural::hrtf_set::HrtfSet;
use crate::binaural::sofa_renderer;
use crate::binaural::{CONTROL_PERIOD, Position};
use crate::calm_guard::{self, CalmGuard};
use crate::cleanup::Cleanup;
use crate::clock::{FreeClocks, MotionTiming, TickTime};
use crate::dsp::wide::{avx_dispatch, has_avx};
use crate::dsp::{ControlRamp, DbToGain, FixedDelay, LinearFade, flush_tiny};
use crate::motion::{PathShape, path_position};
use crate::room::Room;
pub use crate::settings::{HrtfModel, InputChannels, LayerSettings, Settings, Transport};
use crate::sofa_loader::SetTaker;
use crate::triggers::bank::MAX_NOTES_PER_CHUNK;
pub use crate::triggers::{EventRecord, NoteOn, TriggerBank};
use crate::wind_down::WindDown;

// Both heads lag by the same period, so either can take over from the other mid-voice.
const _: () = assert!(crate::binaural::renderer::LATENCY == sofa_renderer::LATENCY);

/// Lowest sample rate the engine accepts, Hz.
pub const MIN_SAMPLE_RATE: f32 = 1_000.0;
/// Highest sample rate the engine accepts, Hz: 32 × 48 kHz, above the 1 234 567.8 Hz that
/// Steinberg's VST3 validator activates every plugin at.
pub const MAX_SAMPLE_RATE: f32 = 1_536_000.0;
/// Half the angle between the two sources of a stereo input at 100 % width, degrees.
pub const STEREO_SPREAD_DEG: f32 = 45.0;
/// Time constant of each of the two stages of the gain and mix smoothers, seconds.
const LEVEL_GLIDE_S: f32 = 0.005;
/// Indices into the engine's smoothed levels.
const VOICE_GAIN: usize = 0;
const VOICE_MIX: usize = 1;
const OUTPUT_GAIN: usize = 2;
const CEILING: usize = 3;
/// Wind-down's fade, applied after the Calm Guard (see [`Engine::guard_and_bypass`]).
const WIND_GAIN: usize = 4;
/// Length of the bypass and Calm Guard on/off crossfades, seconds.
const SWITCH_FADE_S: f32 = 0.010;

/// Why an engine could not be made.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum EngineError {
    /// The sample rate is outside 1 kHz…1.536 MHz (or not a number).
    UnsupportedSampleRate(f32),
    /// The maximum block size is zero.
    ZeroBlockSize,
}

impl std::fmt::Display for EngineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            EngineError::UnsupportedSampleRate(rate) => write!(
                f,
                "unsupported sample rate {rate} Hz (Murmur runs at {MIN_SAMPLE_RATE}–{MAX_SAMPLE_RATE} Hz)"
            ),
            EngineError::ZeroBlockSize => write!(f, "the maximum block size must be at least 1"),
        }
    }
}

impl std::error::Error for EngineError {}

/// All of Murmur's DSP state.
pub struct Engine {
    sample_rate: f32,
    /// The sphere model and the SOFA set the voice goes through, and the switch between them.
    heads: Heads,
    guard: CalmGuard,
    /// Smoothed voice gain, voice mix, output gain, ceiling and Wind-down's fade (indexed by
    /// `VOICE_GAIN` …).
    levels: ControlRamp<5>,
    /// The voice level, output level and ceiling settings as gains.
    level_gains: [DbToGain; 3],
    guard_fade: LinearFade,
    bypass_fade: LinearFade,
    /// Samples left until the next control tick.
    until_tick: usize,
    /// The motion's and the trigger grid's time while the transport is stopped.
    clocks: FreeClocks,
    /// The settings as Animate moves them, while it is up.
    animation: Animation,
    /// The settings as Wind-down moves them, while it is up.
    wind_down: WindDown,
    /// The voice position at the last control tick.
    position: Position,
    /// The first control tick after `reset` snaps the smoothers to the settings.
    fresh: bool,
    /// Non-finite (or beyond ±`MAX_INPUT`) input samples replaced by silence since the last
    /// `reset`.
    non_finite_inputs: u64,
    /// The trigger layers and their voices.
    triggers: TriggerBank,
    /// The room around the listener (idle while Off).
    room: Room,
    /// The trigger events' send into the room, as late as their direct sound (the effect's).
    room_send_delay: FixedDelay,
    /// Whisper cleanup, one per input channel.
    cleanup: [Cleanup; 2],
    /// The raw input, as late as the output; the trigger layers, one cleanup frame late. The
    /// trigger delay only runs while there is sound in it: a silent ring needs no feeding.
    bypass_delay: [FixedDelay; 2],
    trigger_delay: [FixedDelay; 2],
    /// Samples of trigger sound still in the delay after the layers fell quiet.
    trigger_tail: usize,
    /// The voice for the dry mix, delayed by the heads' latency (one control period) so that
    /// it plays in time with them.
    voice_delay: [FixedDelay; 2],
    /// The CPU has AVX: use the wider build of the per-chunk loops.
    wide: bool,
    /// The settings last handed to `process`, and the same sanitised.
    settings_in: Settings,
    settings: Settings,
}

impl Engine {
    /// An engine for `sample_rate` Hz and host blocks of up to `max_block` samples. Allocates;
    /// call from the host's activation, never from the audio thread. The engine works in
    /// control periods of its own, so it keeps no buffer sized by `max_block` and `process`
    /// accepts blocks of any length; `max_block` is only checked to be at least 1.
    pub fn new(sample_rate: f32, max_block: usize) -> Result<Self, EngineError> {
        if !(MIN_SAMPLE_RATE..=MAX_SAMPLE_RATE).contains(&sample_rate) {
            return Err(EngineError::UnsupportedSampleRate(sample_rate));
        }
        if max_block == 0 {
            return Err(EngineError::ZeroBlockSize);
        }
        let defaults = Settings::default();
        let mut engine = Self {
            sample_rate,
            heads: Heads::new(sample_rate),
            guard: CalmGuard::new(sample_rate),
            levels: ControlRamp::new(LEVEL_GLIDE_S, sample_rate, CONTROL_PERIOD),
            level_gains: [DbToGain::new(); 3],
            guard_fade: LinearFade::new(SWITCH_FADE_S, sample_rate, true),
            bypass_fade: LinearFade::new(SWITCH_FADE_S, sample_rate, false),
            until_tick: 0,
            clocks: FreeClocks::default(),
            animation: Animation::default(),
            wind_down: WindDown::default(),
            position: Position {
                azimuth_deg: defaults.azimuth_deg,
                elevation_deg: defaults.elevation_deg,
                distance_m: defaults.distance_m,
            },
            fresh: true,
            non_finite_inputs: 0,
            triggers: TriggerBank::new(sample_rate),
            room: Room::new(sample_rate),
            room_send_delay: FixedDelay::new(1),
            cleanup: [Cleanup::new(sample_rate), Cleanup::new(sample_rate)],
            bypass_delay: [FixedDelay::new(1), FixedDelay::new(1)],
            trigger_delay: [FixedDelay::new(1), FixedDelay::new(1)],
            trigger_tail: 0,
            voice_delay: [
                FixedDelay::new(sofa_renderer::LATENCY),
                FixedDelay::new(sofa_renderer::LATENCY),
            ],
            wide: has_avx(),
            settings_in: defaults,
            settings: defaults,
        };
        let voice = engine.cleanup[0].latency() + sofa_renderer::LATENCY;
        let whole = engine.latency(InputChannels::Mono);
        engine.bypass_delay = [FixedDelay::new(whole), FixedDelay::new(whole)];
        engine.trigger_delay = [FixedDelay::new(voice), FixedDelay::new(voice)];
        // The room hears the voice as the heads do, one period before they play it, and the
        // events one period before their direct sound: their send waits the cleanup's frame.
        engine.room_send_delay = FixedDelay::new(engine.cleanup[0].latency());
        engine.reset();
        Ok(engine)
    }

    /// The sample rate this engine was made for, Hz.
    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// Clears all audio state and restarts the motion at phase 0. Real-time safe.
    pub fn reset(&mut self) {
        self.heads.reset();
        self.guard.reset();
        self.until_tick = 0;
        self.clocks.reset();
        self.animation.reset();
        self.wind_down.reset();
        self.fresh = true;
        self.non_finite_inputs = 0;
        self.triggers.reset();
        self.room.reset();
        self.room_send_delay.reset();
        for cleanup in &mut self.cleanup {
            cleanup.reset();
        }
        for delay in self.bypass_delay.iter_mut().chain(&mut self.trigger_delay) {
            delay.reset();
        }
        self.trigger_tail = 0;
        for delay in &mut self.voice_delay {
            delay.reset();
        }
    }

    /// The latency of the output behind the input, samples: the Calm Guard's look-ahead, plus
    /// one cleanup frame and one SOFA partition with a voice input (whichever head plays).
    /// Constant for an engine.
    pub fn latency(&self, input: InputChannels) -> usize {
        let guard = self.guard.latency();
        match input {
            InputChannels::None => guard,
            InputChannels::Mono | InputChannels::Stereo => {
                self.cleanup[0].latency() + sofa_renderer::LATENCY + guard
            }
        }
    }

    /// Hands over a SOFA set to play when the `hrtf` setting is SOFA. Real-time safe: a set
    /// arriving while another plays waits until the old one has faded out. Gives the set back
    /// if one is already waiting (offer it again later), or if it was prepared for another
    /// sample rate (drop it, away from the audio thread).
    pub fn offer_hrtf_set(&mut self, set: Arc<HrtfSet>) -> Result<(), Arc<HrtfSet>> {
        self.heads.offer_set(set)
    }

    /// Whether `set` was prepared for this engine's rate (only such sets can play).
    pub fn accepts_hrtf_set(&self, set: &HrtfSet) -> bool {
        self.heads.accepts_set(set)
    }

    /// A set this engine no longer uses, if there is one: drop it away from the audio thread.
    pub fn take_retired_hrtf_set(&mut self) -> Option<Arc<HrtfSet>> {
        self.heads.take_retired_set()
    }

    /// The SOFA set the engine holds (playing or ready to), if any.
    pub fn hrtf_set(&self) -> Option<&Arc<HrtfSet>> {
        self.heads.set()
    }

    /// Whether the voice is rendered through a SOFA set now (fully or fading in).
    pub fn sofa_active(&self) -> bool {
        self.heads.sofa_active()
    }

    /// The voice position at the most recent control tick (for the editor and tests).
    pub fn position(&self) -> Position {
        self.position
    }

    /// The Calm Guard's gain now, linear (1 = no reduction); for the editor's meter.
    pub fn guard_gain(&self) -> f32 {
        self.guard.gain()
    }

    /// Non-finite (or beyond ±[`MAX_INPUT`]) input samples that were replaced by silence since
    /// the last `reset`.
    pub fn non_finite_inputs(&self) -> u64 {
        self.non_finite_inputs
    }

    /// The settings the latest control tick used: the host's, sanitised, or as Animate and
    /// Wind-down moved them.
    pub fn live_settings(&self) -> &Settings {
        if self.settings.wind_down > 0.0 {
            self.wind_down.current()
        } else if self.settings.animate > 0.0 {
            self.animation.current()
        } else {
            &self.settings
        }
    }

    /// Whether Animate or Wind-down moves the settings (so that [`live_settings`] may differ
    /// from the host's).
    ///
    /// [`live_settings`]: Self::live_settings
    pub fn is_moving_settings(&self) -> bool {
        self.settings.animate > 0.0 || self.settings.wind_down > 0.0
    }

    /// The trigger layers (event counts, recent events).
    pub fn triggers(&self) -> &TriggerBank {
        &self.triggers
    }

    /// Processes one block in place. `left`/`right` hold the input (for `Mono`, only `left`;
    /// for `None`, nothing) and receive the stereo output. `transport` is the host's transport
    /// at `left[0]`.
    pub fn process(
        &mut self,
        input: InputChannels,
        left: &mut [f32],
        right: &mut [f32],
        settings: &Settings,
        transport: Option<&Transport>,
    ) {
        self.process_with_notes(input, left, right, settings, transport, &[]);
    }

    /// [`process`](Self::process) with MIDI notes for the trigger layers; `notes` are in
    /// order of their offsets within the block.
    pub fn process_with_notes(
        &mut self,
        input: InputChannels,
        left: &mut [f32],
        right: &mut [f32],
        settings: &Settings,
        transport: Option<&Transport>,
        notes: &[NoteOn],
    ) {
        // Hosts hand over the same settings block after block: sanitising them again (which
        // builds every default) cost a tenth of a 32-sample block.
        if *settings != self.settings_in {
            self.settings_in = *settings;
            self.settings = settings.sanitized();
        }
        let settings = &self.settings.clone();
        let len = left.len().min(right.len());
        let mut start = 0;
        let mut next_note = 0;
        while start < len {
            if self.until_tick == 0 {
                self.control_tick(input, settings, transport, start);
                self.until_tick = CONTROL_PERIOD;
            }
            // Chunks never cross a control tick.
            let n = self.until_tick.min(len - start);
            let k0 = CONTROL_PERIOD - self.until_tick;
            let end = start + n;
            // This chunk's notes, relative to the chunk (a note out of order plays at once).
            // The buffer is only filled when the chunk has notes.
            let mut buffer: [NoteOn; MAX_NOTES_PER_CHUNK];
            let chunk_notes: &[NoteOn] = if next_note < notes.len() && notes[next_note].offset < end
            {
                buffer = [NoteOn {
                    offset: 0,
                    note: 0,
                    velocity: 0.0,
                }; MAX_NOTES_PER_CHUNK];
                let mut note_count = 0;
                while next_note < notes.len() && notes[next_note].offset < end {
                    if note_count < MAX_NOTES_PER_CHUNK {
                        buffer[note_count] = NoteOn {
                            offset: notes[next_note].offset.saturating_sub(start),
                            ..notes[next_note]
                        };
                        note_count += 1;
                    }
                    next_note += 1;
                }
                &buffer[..note_count]
            } else {
                &[]
            };
            self.render_chunk(Chunk {
                input,
                left: &mut left[start..end],
                right: &mut right[start..end],
                settings,
                k0,
                notes: chunk_notes,
            });
            self.until_tick -= n;
            start = end;
        }
    }

    avx_dispatch! {
        /// Renders up to one control period.
        fn render_chunk, render_chunk_avx => render_chunk_any(&mut self, chunk: Chunk)
    }

    /// One chunk: the voice (for the effect), the trigger layers on top, then the Calm Guard and
    /// the bypass into the host's buffers.
    #[inline(always)]
    fn render_chunk_any(&mut self, chunk: Chunk) {
        let n = chunk.left.len();
        let mut frame = ChunkFrame::silent();
        let has_input = chunk.input != InputChannels::None;
        if has_input {
            self.render_voice(&chunk, &mut frame);
        }
        self.add_triggers(&mut frame, chunk.k0, n, chunk.notes, has_input);
        if self.room.is_running() {
            self.add_room(&mut frame, chunk.k0, n);
        }
        self.guard_and_bypass(&mut frame, chunk, has_input);
    }

    /// The room's sound, at the output level, added to `frame.out` (the voice's share of it
    /// already at the voice level and mix: the room heard it so).
    #[inline(always)]
    fn add_room(&mut self, frame: &mut ChunkFrame, k0: usize, n: usize) {
        let [room_l, room_r] = self.room.sound(k0, n);
        let [out_l, out_r] = &mut frame.out;
        for j in 0..n {
            let out = self.levels.at(OUTPUT_GAIN, k0 + j);
            out_l[j] += room_l[j] * out;
            out_r[j] += room_r[j] * out;
        }
    }

    /// The effect's voice into `frame.out`, at the voice and output levels and mixed against the
    /// dry voice, and the raw input, one cleanup frame late, into `frame.raw` for the bypass. A
    /// mono input lives in the left arrays only.
    #[inline(always)]
    fn render_voice(&mut self, chunk: &Chunk, frame: &mut ChunkFrame) {
        let n = chunk.left.len();
        let k0 = chunk.k0;
        let stereo = chunk.input == InputChannels::Stereo;
        let [raw_l, raw_r] = &mut frame.raw;
        let [out_l, out_r] = &mut frame.out;
        let mut in_l = [0.0f32; CONTROL_PERIOD];
        let mut in_r = [0.0f32; CONTROL_PERIOD];
        self.non_finite_inputs += sanitize(chunk.left, &mut in_l[..n]);
        if stereo {
            self.non_finite_inputs += sanitize(chunk.right, &mut in_r[..n]);
        }
        // The effect's input: the raw signal into the bypass delay, the voice through the
        // cleanup (both one frame late). Both heads take the cleaned voice as it is (each adds
        // one control period of latency itself: the SOFA convolution's partition, the sphere
        // model's period); the dry mix takes it through a delay of the same length.
        let mut early_l = [0.0f32; CONTROL_PERIOD];
        let mut early_r = [0.0f32; CONTROL_PERIOD];
        for (side, (voice, raw, early)) in [
            (&mut in_l, &mut *raw_l, &mut early_l),
            (&mut in_r, &mut *raw_r, &mut early_r),
        ]
        .into_iter()
        .enumerate()
        .take(if stereo { 2 } else { 1 })
        {
            raw[..n].copy_from_slice(&voice[..n]);
            self.bypass_delay[side].process(&mut raw[..n]);
            self.cleanup[side].process(
                &mut voice[..n],
                chunk.settings.deess,
                chunk.settings.denoise,
            );
            early[..n].copy_from_slice(&voice[..n]);
            self.voice_delay[side].process(&mut voice[..n]);
        }
        self.render_heads(stereo, &mut early_l, &mut early_r, out_l, out_r, n);
        if self.room.is_running() {
            // The room hears the voice the heads take (a stereo voice as the sum of its halves),
            // at the voice level and mix: what it adds is part of the moved voice.
            let mut heard = [0.0f32; CONTROL_PERIOD];
            for j in 0..n {
                let k = k0 + j;
                let voice = if stereo {
                    early_l[j] + early_r[j]
                } else {
                    early_l[j]
                };
                heard[j] = voice * self.levels.at(VOICE_GAIN, k) * self.levels.at(VOICE_MIX, k);
            }
            self.room.hear_voice(k0, &heard[..n]);
        }

        // Voice level, voice mix against the dry voice, and output level, in one pass (no
        // sample-to-sample dependency: vectorised): g·o·(dry + (wet − dry)·mix).
        let dry_r = if stereo { &in_r } else { &in_l };
        for j in 0..n {
            let k = k0 + j;
            let level = self.levels.at(VOICE_GAIN, k) * self.levels.at(OUTPUT_GAIN, k);
            let mix = self.levels.at(VOICE_MIX, k);
            out_l[j] = level * (in_l[j] + (out_l[j] - in_l[j]) * mix);
            out_r[j] = level * (dry_r[j] + (out_r[j] - dry_r[j]) * mix);
        }
    }

    /// The trigger layers, at the output level, added to `frame.out` after the voice mix (which
    /// only blends the voice path). The effect delays them by its voice latency.
    #[inline(always)]
    fn add_triggers(
        &mut self,
        frame: &mut ChunkFrame,
        k0: usize,
        n: usize,
        notes: &[NoteOn],
        delayed: bool,
    ) {
        let sounding = self.triggers.sounding(notes);
        if !(sounding || (delayed && self.trigger_tail > 0)) {
            self.triggers.skip(n);
            return;
        }
        let mut triggers_l = [0.0f32; CONTROL_PERIOD];
        let mut triggers_r = [0.0f32; CONTROL_PERIOD];
        let room = self.room.is_running();
        let mut send = [0.0f32; CONTROL_PERIOD];
        if sounding {
            self.triggers.render_add(
                &mut triggers_l[..n],
                &mut triggers_r[..n],
                k0,
                notes,
                room.then_some(&mut send[..n]),
            );
        } else {
            self.triggers.skip(n);
        }
        if delayed {
            self.trigger_delay[0].process(&mut triggers_l[..n]);
            self.trigger_delay[1].process(&mut triggers_r[..n]);
            if room {
                self.room_send_delay.process(&mut send[..n]);
            }
            self.trigger_tail = if sounding {
                self.trigger_delay[0].len()
            } else {
                self.trigger_tail.saturating_sub(n)
            };
        }
        if room {
            self.room.hear_events(k0, &send[..n]);
        }
        let [out_l, out_r] = &mut frame.out;
        for j in 0..n {
            let out = self.levels.at(OUTPUT_GAIN, k0 + j);
            out_l[j] += triggers_l[j] * out;
            out_r[j] += triggers_r[j] * out;
        }
    }

    /// The Calm Guard on `frame.out`, crossfaded with the unguarded signal while it switches,
    /// faded by Wind-down, then crossfaded with the raw input while the bypass switches, into
    /// the chunk's buffers.
    ///
    /// Wind-down fades after the guard, as a fader after a limiter: the whole sound grows
    /// quieter as it is. Before the guard it would un-squash the peaks the guard had been
    /// holding, and a bed's loudest events would stand out more as it faded (a close crinkle
    /// rose 10 LU over its bed, a startle). A gain of exactly 1 (no Wind-down) leaves every
    /// sample as it was.
    #[inline(always)]
    fn guard_and_bypass(&mut self, frame: &mut ChunkFrame, chunk: Chunk, has_input: bool) {
        let Chunk {
            input,
            left,
            right,
            settings,
            k0,
            ..
        } = chunk;
        let n = left.len();
        let ChunkFrame {
            raw: [raw_l, raw_r],
            out: [out_l, out_r],
        } = frame;
        let mut ceiling = [0.0f32; CONTROL_PERIOD];
        for (j, c) in ceiling[..n].iter_mut().enumerate() {
            *c = self.levels.at(CEILING, k0 + j);
        }
        let steady = settings.calm_guard
            && self.guard_fade.value == 1.0
            && !settings.bypass
            && self.bypass_fade.value == 0.0;
        if steady {
            // The usual case: guard fully on, not bypassed, no crossfade to compute.
            self.guard
                .process_block(&mut out_l[..n], &mut out_r[..n], &ceiling[..n]);
            for j in 0..n {
                let wind = self.levels.at(WIND_GAIN, k0 + j);
                left[j] = flush_tiny(out_l[j] * wind);
                right[j] = flush_tiny(out_r[j] * wind);
            }
            return;
        }
        let raw_r = if input == InputChannels::Stereo {
            raw_r
        } else {
            &*raw_l
        };
        // The guard runs whether on or not, so that it is ready when switched on and the
        // output is equally late either way.
        let mut gains = [0.0f32; CONTROL_PERIOD];
        self.guard.delay_and_gains(
            &mut out_l[..n],
            &mut out_r[..n],
            &ceiling[..n],
            &mut gains[..n],
        );
        let mut guarded_l = *out_l;
        let mut guarded_r = *out_r;
        calm_guard::apply(
            &mut guarded_l[..n],
            &mut guarded_r[..n],
            &gains[..n],
            &ceiling[..n],
        );
        for j in 0..n {
            let signal = [out_l[j], out_r[j]];
            let guarded = [guarded_l[j], guarded_r[j]];
            let engaged = self.guard_fade.next(settings.calm_guard);
            let [l, r] = crossfade(signal, guarded, engaged);
            let wind = self.levels.at(WIND_GAIN, k0 + j);
            let signal = [l * wind, r * wind];

            let bypassed = self.bypass_fade.next(settings.bypass);
            // Without an input (the instrument) the bypass passes silence.
            let untouched = if has_input {
                [raw_l[j], raw_r[j]]
            } else {
                [0.0, 0.0]
            };
            let [l, r] = crossfade(signal, untouched, bypassed);
            left[j] = flush_tiny(l);
            right[j] = flush_tiny(r);
        }
    }

    /// The heads' voice (before the voice level) into `wet_l`/`wet_r`: the sphere model, the
    /// SOFA set, or both crossfading. `early_*` is the cleaned voice, one period ahead of the
    /// dry voice (a mono voice is in `early_l` only); stereo halves it in place.
    #[inline(always)]
    fn render_heads(
        &mut self,
        stereo: bool,
        early_l: &mut [f32; CONTROL_PERIOD],
        early_r: &mut [f32; CONTROL_PERIOD],
        wet_l: &mut [f32; CONTROL_PERIOD],
        wet_r: &mut [f32; CONTROL_PERIOD],
        n: usize,
    ) {
        if stereo {
            // Each channel at half level: at 0 % width the two sources coincide and sum to the
            // mono mix at the input's level.
            for x in early_l[..n].iter_mut().chain(&mut early_r[..n]) {
                *x *= 0.5;
            }
        }
        let sources: &[&[f32; CONTROL_PERIOD]] = if stereo {
            &[early_l, early_r]
        } else {
            &[early_l]
        };
        self.heads.render_add(sources, wet_l, wet_r, n);
    }

    /// Advances the motion and hands the renderers their next targets. `offset` is the sample
    /// index within the current block (for the transport position).
    fn control_tick(
        &mut self,
        input: InputChannels,
        settings: &Settings,
        transport: Option<&Transport>,
        offset: usize,
    ) {
        let time = TickTime::read(transport, offset, self.sample_rate);
        let song = self.clocks.song(&time, self.sample_rate);
        // At 0 % the settings go through untouched: the output is what it was without Animate.
        let animated;
        let settings = if settings.animate > 0.0 {
            animated = *self.animation.apply(settings, song.seconds);
            &animated
        } else {
            settings
        };
        let wound;
        let mut wind_gain = 1.0;
        let settings = if settings.wind_down > 0.0 {
            let (moved, gain) = self.wind_down.apply(settings);
            (wound, wind_gain) = (*moved, gain);
            &wound
        } else {
            settings
        };
        let snap = std::mem::take(&mut self.fresh);
        if snap {
            self.guard_fade.snap(settings.calm_guard);
            self.bypass_fade.snap(settings.bypass);
        }
        self.heads.choose(
            input != InputChannels::None,
            settings.hrtf == HrtfModel::Sofa,
            snap,
        );
        let [voice_level, output, ceiling] = &mut self.level_gains;
        self.levels.retarget(
            [
                voice_level.gain(settings.voice_level_db),
                settings.voice_mix,
                output.gain(settings.output_db),
                ceiling.gain(settings.ceiling_db),
                wind_gain,
            ],
            snap,
        );
        let timing = if settings.motion_sync {
            MotionTiming::Synced(settings.sync_division)
        } else {
            MotionTiming::Free {
                rate_hz: settings.motion_rate_hz,
            }
        };
        let (phase, cycle_s) = self.clocks.motion(&time, song, timing, self.sample_rate);

        let centre = Position {
            azimuth_deg: settings.azimuth_deg,
            elevation_deg: settings.elevation_deg,
            distance_m: settings.distance_m,
        };
        let shape = PathShape {
            mode: settings.motion,
            depth_deg: settings.motion_depth_deg,
            softness: settings.softness,
            seed: settings.seed,
            cycle_s,
        };
        self.position = path_position(&centre, &shape, phase);

        // Synced triggers follow the song position; stopped, a free grid at the host's tempo.
        let grid = self.clocks.grid(&time);
        self.triggers.tick(settings, &self.position, grid);

        let head = settings.head_radius_m;
        let was_running = self.room.is_running();
        let voice = (input != InputChannels::None).then_some(&self.position);
        self.room
            .tick(settings.room, settings.room_level_db, voice, head, snap);
        if self.room.is_running() && !was_running {
            // Nothing the send held from an earlier room may reach this one.
            self.room_send_delay.reset();
        }
        let proximity = settings.proximity;
        let (sources, spread) = match input {
            InputChannels::Mono => (1, 0.0),
            InputChannels::Stereo => (2, STEREO_SPREAD_DEG * settings.width),
            InputChannels::None => (0, 0.0),
        };
        for side in 0..sources {
            let mut at = self.position;
            if sources == 2 {
                at.azimuth_deg += if side == 0 { -spread } else { spread };
            }
            self.heads.set_target(side, &at, head, proximity);
        }
    }
}

impl SetTaker for Engine {
    fn take_retired_set(&mut self) -> Option<Arc<HrtfSet>> {
        self.take_retired_hrtf_set()
    }

    fn accepts_set(&self, set: &HrtfSet) -> bool {
        self.accepts_hrtf_set(set)
    }

    fn offer_set(&mut self, set: Arc<HrtfSet>) -> Result<(), Arc<HrtfSet>> {
        self.offer_hrtf_set(set)
    }
}

/// One stretch of a host block that does not cross a control tick.
struct Chunk<'a> {
    input: InputChannels,
    /// The input (for the effect) on entry, the output on return.
    left: &'a mut [f32],
    right: &'a mut [f32],
    settings: &'a Settings,
    /// The chunk's first sample within the control period.
    k0: usize,
    /// The chunk's notes, with offsets relative to it.
    notes: &'a [NoteOn],
}

/// The signals one chunk is built in, at most a control period long.
struct ChunkFrame {
    /// The input, delayed as the voice is, for the bypass (left, right; a mono input in left).
    raw: [[f32; CONTROL_PERIOD]; 2],
    /// The output being built, left and right.
    out: [[f32; CONTROL_PERIOD]; 2],
}

impl ChunkFrame {
    fn silent() -> Self {
        Self {
            raw: [[0.0; CONTROL_PERIOD]; 2],
            out: [[0.0; CONTROL_PERIOD]; 2],
        }
    }
}

/// Input samples beyond ±1000 (+60 dBFS) are not audio (a broken plugin upstream, garbage
/// memory): like non-finite ones they become silence. Passed on, a burst of them would hold the
/// Calm Guard down for seconds after it ends, since its release recovers about 60 dB a second.
pub const MAX_INPUT: f32 = 1_000.0;

/// Copies `input` to `out`, replacing non-finite samples and samples beyond ±[`MAX_INPUT`] with
/// silence; returns how many were. Subnormal samples (below −758 dBFS) become silence too,
/// uncounted: every filter they reached would run several times slower on them.
#[inline]
fn sanitize(input: &[f32], out: &mut [f32]) -> u64 {
    // `|x| <= MAX_INPUT` is false for NaN too.
    let usual = |x: f32| x.abs() <= MAX_INPUT && (x == 0.0 || x.abs() >= f32::MIN_POSITIVE);
    let all_usual = input.iter().fold(true, |ok, &x| ok & usual(x));
    if all_usual {
        out.copy_from_slice(input);
        return 0;
    }
    let mut replaced = 0;
    for (o, &x) in out.iter_mut().zip(input) {
        let valid = x.abs() <= MAX_INPUT;
        *o = if usual(x) { x } else { 0.0 };
        replaced += u64::from(!valid);
    }
    replaced
}

/// `a` at `t = 0`, exactly `b` at `t = 1`, linear between.
#[inline]
fn crossfade(a: [f32; 2], b: [f32; 2], t: f32) -> [f32; 2] {
    if t <= 0.0 {
        a
    } else if t >= 1.0 {
        b
    } else {
        [a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_silences_what_is_no_audio_and_counts_the_broken() {
        let tiny = f32::MIN_POSITIVE / 8.0;
        let input = [
            0.5,
            tiny,
            -tiny,
            f32::NAN,
            2e3,
            -0.0,
            f32::MIN_POSITIVE,
            -1e3,
        ];
        let mut out = [1.0f32; 8];
        // NaN and beyond ±1000 are counted; subnormals are silenced without being counted.
        assert_eq!(sanitize(&input, &mut out), 2);
        assert_eq!(
            out,
            [0.5, 0.0, 0.0, 0.0, 0.0, -0.0, f32::MIN_POSITIVE, -1e3]
        );
        // Ordinary audio is copied as it is.
        let clean = [0.25f32, -0.125, 0.0, 1e-20];
        let mut copy = [9.0f32; 4];
        assert_eq!(sanitize(&clean, &mut copy), 0);
        assert_eq!(copy, clean);
    }
}
