//! Murmur: binaural ASMR trigger generator and soft-panner (CLAP + VST3).
//!
//! This file is only the plugin glue: the two plugins' descriptions (the Murmur effect and the
//! Murmur Triggers instrument), activate/reset/process, MIDI to engine notes, and the exports. The DSP lives in [`engine`] and below, free of framework types, so the command-line
//! renderer, the tests and the benchmarks run exactly the same code.

use nice_plug::prelude::*;
use std::num::NonZeroU32;
use std::sync::Arc;

pub mod animate;
pub mod automation;
pub mod binaural;
pub mod calm_guard;
mod clap_export;
pub mod cleanup;
pub mod clock;
pub mod dsp;
pub mod editor;
pub mod engine;
pub mod format;
pub mod loudness;
pub mod loudness_feed;
pub mod motion;
pub mod offline;
pub mod params;
pub mod presets;
pub mod range;
pub mod room;
pub mod settings;
pub mod sofa_loader;
pub mod triggers;
pub mod user_presets;
pub mod visual_feed;
pub mod vst3_preset;
pub mod wind_down;

use engine::{Engine, InputChannels, NoteOn};
use params::MurmurParams;
use visual_feed::{FeedEvent, VisualFeed};

/// Most MIDI notes taken per host block; more are dropped (the list is preallocated).
const MAX_NOTES_PER_BLOCK: usize = 1024;
/// Events (parameter changes and notes) the wrapper's per-block queue holds before it grows, on
/// the audio thread. Sized for the densest automation a validator sends: Steinberg's "All
/// Parameters, Change every 1 Samples" puts a point for each of Murmur's 68 parameters at each of
/// 64 samples (4352 events), with a full block of notes besides. nice-plug's default, 1024,
/// allocated there. It costs memory, not time: 24-byte note events, about 0.4 MiB per VST3
/// instance (two queues) and 0.2 MiB per CLAP one.
const INPUT_EVENT_CAPACITY: usize = 8192;

/// What both plugins share: the parameters, the engine and the MIDI note list.
struct PluginCore {
    params: Arc<MurmurParams>,
    /// Made in `activate` (it allocates); `None` until then.
    engine: Option<Engine>,
    input: InputChannels,
    /// This block's note-ons (capacity reserved up front: filling it never allocates).
    notes: Vec<NoteOn>,
    /// What the editor draws, written after each block while it is open.
    feed: Arc<VisualFeed>,
    /// Trigger events already sent to the feed.
    events_fed: u64,
    /// Where loaded SOFA sets arrive (and used ones leave) on the audio thread.
    sofa: sofa_loader::SofaReceiver,
    /// The audio thread's end of the loudness meter's ring (made in `activate`).
    loudness: Option<loudness_feed::LoudnessWriter>,
}

impl PluginCore {
    fn new(input: InputChannels) -> Self {
        let params = Arc::new(MurmurParams::default());
        let sofa = params
            .sofa
            .loader()
            .take_receiver()
            .expect("new parameters have a fresh loader");
        Self {
            params,
            engine: None,
            input,
            notes: Vec::with_capacity(MAX_NOTES_PER_BLOCK),
            feed: Arc::new(VisualFeed::default()),
            events_fed: 0,
            sofa,
            loudness: None,
        }
    }

    /// Tells an open editor about the block just rendered: the voice's position, the output
    /// peaks, the guard's gain and the trigger events that started. Atomics only.
    fn feed_editor(&mut self, left: &[f32], right: &[f32]) {
        let Some(engine) = &self.engine else { return };
        let started = engine.triggers().events_started();
        if !self.feed.is_open() {
            self.events_fed = started;
            return;
        }
        self.feed
            .publish_block(&engine.position(), left, right, engine.guard_gain());
        self.feed
            .publish_live(engine.live_settings(), engine.is_moving_settings());
        if let Some(loudness) = &mut self.loudness {
            loudness.push(left, right);
        }
        // After a reset the count starts again from zero.
        let new = started.saturating_sub(self.events_fed.min(started));
        let logged = started.min(triggers::bank::EVENT_LOG_LEN as u64);
        for record in engine
            .triggers()
            .recent_events()
            .skip(logged.saturating_sub(new) as usize)
        {
            self.feed.push_event(FeedEvent {
                layer: record.layer,
                azimuth_deg: record.position.azimuth_deg,
                distance_m: record.position.distance_m,
                gain: record.gain,
            });
        }
        self.events_fed = started;
    }

    /// Makes the engine for this layout and rate, and tells the host its latency (the Calm
    /// Guard's look-ahead, plus one cleanup frame and one SOFA partition for the effect; the
    /// same at every setting).
    fn activate<P: Plugin>(
        &mut self,
        input: InputChannels,
        buffer_config: &BufferConfig,
        context: &mut impl ActivateContext<P>,
    ) -> bool {
        self.input = input;
        match Engine::new(
            buffer_config.sample_rate,
            buffer_config.max_buffer_size as usize,
        ) {
            Ok(mut engine) => {
                context.set_latency_samples(engine.latency(input) as u32);
                // The chosen SOFA set, if it is ready at this rate; otherwise it loads in the
                // background and arrives through `sofa` (the sphere plays until then).
                self.sofa.clear();
                if let Some(set) = self
                    .params
                    .sofa
                    .loader()
                    .activate(buffer_config.sample_rate)
                {
                    let _ = engine.offer_hrtf_set(set);
                }
                self.engine = Some(engine);
                self.loudness = Some(self.feed.loudness.connect(buffer_config.sample_rate));
                true
            }
            Err(err) => {
                nice_error!("Murmur cannot activate: {err}");
                self.engine = None;
                false
            }
        }
    }

    fn reset(&mut self) {
        if let Some(engine) = &mut self.engine {
            engine.reset();
        }
    }

    fn process<P: Plugin>(
        &mut self,
        buffer: &mut Buffer,
        context: &mut impl ProcessContext<P>,
    ) -> ProcessStatus {
        self.notes.clear();
        while let Some(event) = context.next_event() {
            if let NoteEvent::NoteOn {
                timing,
                key,
                velocity,
                ..
            } = event
                && let Some(note) = key.number()
                && velocity > 0.0
                && self.notes.len() < MAX_NOTES_PER_BLOCK
            {
                self.notes.push(NoteOn {
                    offset: timing as usize,
                    note,
                    velocity,
                });
            }
        }
        let Some(engine) = &mut self.engine else {
            return ProcessStatus::Error("Murmur was not activated");
        };
        self.sofa.exchange(engine);
        let settings = self.params.settings();
        let transport = engine_transport(context.transport());
        let [left, right, ..] = buffer.as_slice() else {
            return ProcessStatus::Error("Murmur needs two output channels");
        };
        engine.process_with_notes(
            self.input,
            left,
            right,
            &settings,
            Some(&transport),
            &self.notes,
        );
        self.feed_editor(left, right);
        ProcessStatus::Normal
    }
}

/// The host's transport in the engine's terms.
fn engine_transport(transport: &Transport) -> engine::Transport {
    let numerator = transport.time_sig_numerator.unwrap_or(4).max(1) as f64;
    let denominator = transport.time_sig_denominator.unwrap_or(4).max(1) as f64;
    engine::Transport {
        playing: transport.playing,
        tempo_bpm: transport.tempo.unwrap_or(120.0),
        position_quarters: transport.pos_beats(),
        quarters_per_bar: numerator * 4.0 / denominator,
    }
}

/// The parts of `Plugin` both plugins share: vendor details, MIDI and automation, the
/// parameters, state checks, and reset/process through the shared core.
macro_rules! shared_plugin_items {
    () => {
        const VENDOR: &'static str = "Murmur";
        const URL: &'static str = env!("CARGO_PKG_HOMEPAGE");
        const EMAIL: &'static str = "murmur@example.invalid";
        const VERSION: &'static str = env!("CARGO_PKG_VERSION");

        // Notes fire the trigger layers.
        const MIDI_INPUT: MidiConfig = MidiConfig::Basic;
        const SAMPLE_ACCURATE_AUTOMATION: bool = true;
        const INPUT_EVENT_CAPACITY: usize = INPUT_EVENT_CAPACITY;

        type Editor = editor::MurmurEditor;
        type SysExMessage = ();
        type BackgroundTask = ();

        fn params(&self) -> Arc<dyn Params> {
            self.core.params.clone()
        }

        fn editor(&mut self, _async_executor: AsyncExecutor<Self>) -> Option<Self::Editor> {
            Some(editor::MurmurEditor::new(
                self.core.params.clone(),
                self.core.feed.clone(),
                Self::EDITOR,
            ))
        }

        fn filter_state(state: &mut PluginState) {
            params::sanitize_state(state);
        }

        fn reset(&mut self) {
            self.core.reset();
        }

        fn process(
            &mut self,
            buffer: &mut Buffer,
            _aux: &mut AuxiliaryBuffers,
            context: &mut impl ProcessContext<Self>,
        ) -> ProcessStatus {
            self.core.process(buffer, context)
        }
    };
}

/// The effect: a voice in, moved around the head, with the trigger layers mixed in.
pub struct Murmur {
    core: PluginCore,
}

impl Default for Murmur {
    fn default() -> Self {
        Self {
            core: PluginCore::new(InputChannels::Stereo),
        }
    }
}

impl Plugin for Murmur {
    shared_plugin_items!();

    const NAME: &'static str = "Murmur";

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(2),
            main_output_channels: NonZeroU32::new(2),
            ..AudioIOLayout::const_default()
        },
        AudioIOLayout {
            main_input_channels: NonZeroU32::new(1),
            main_output_channels: NonZeroU32::new(2),
            ..AudioIOLayout::const_default()
        },
    ];

    fn activate(
        &mut self,
        audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        let input = match audio_io_layout.main_input_channels.map(NonZeroU32::get) {
            Some(1) => InputChannels::Mono,
            _ => InputChannels::Stereo,
        };
        self.core.activate(input, buffer_config, context)
    }
}

impl ClapPlugin for Murmur {
    const CLAP_ID: &'static str = "audio.murmur.murmur";
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("Binaural ASMR trigger generator and soft-panner");
    const CLAP_MANUAL_URL: Option<&'static str> = None;
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::AudioEffect,
        ClapFeature::Stereo,
        ClapFeature::Mono,
    ];
}

impl Murmur {
    const EDITOR: editor::EditorKind = editor::EditorKind::Effect;
}

impl Vst3Plugin for Murmur {
    const VST3_CLASS_ID: [u8; 16] = *b"MurmurBinauralFx";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] =
        &[Vst3SubCategory::Fx, Vst3SubCategory::Spatial];
}

/// The instrument: the same engine and parameters with no voice input, for hosts that only
/// send MIDI to instruments. The trigger layers are all it plays.
pub struct MurmurTriggers {
    core: PluginCore,
}

impl Default for MurmurTriggers {
    fn default() -> Self {
        Self {
            core: PluginCore::new(InputChannels::None),
        }
    }
}

impl MurmurTriggers {
    const EDITOR: editor::EditorKind = editor::EditorKind::Triggers;
}

impl Plugin for MurmurTriggers {
    shared_plugin_items!();

    const NAME: &'static str = "Murmur Triggers";

    const AUDIO_IO_LAYOUTS: &'static [AudioIOLayout] = &[AudioIOLayout {
        main_input_channels: None,
        main_output_channels: NonZeroU32::new(2),
        ..AudioIOLayout::const_default()
    }];

    fn activate(
        &mut self,
        _audio_io_layout: &AudioIOLayout,
        buffer_config: &BufferConfig,
        context: &mut impl ActivateContext<Self>,
    ) -> bool {
        self.core
            .activate(InputChannels::None, buffer_config, context)
    }
}

impl ClapPlugin for MurmurTriggers {
    const CLAP_ID: &'static str = "audio.murmur.triggers";
    const CLAP_DESCRIPTION: Option<&'static str> =
        Some("Binaural ASMR triggers (tapping, crinkles, brushing, drops, shh) played by MIDI");
    const CLAP_MANUAL_URL: Option<&'static str> = None;
    const CLAP_SUPPORT_URL: Option<&'static str> = None;
    const CLAP_FEATURES: &'static [ClapFeature] = &[
        ClapFeature::Instrument,
        ClapFeature::Synthesizer,
        ClapFeature::Stereo,
    ];
}

impl Vst3Plugin for MurmurTriggers {
    const VST3_CLASS_ID: [u8; 16] = *b"MurmurTriggerIns";
    const VST3_SUBCATEGORIES: &'static [Vst3SubCategory] = &[
        Vst3SubCategory::Instrument,
        Vst3SubCategory::Synth,
        Vst3SubCategory::Spatial,
    ];
}

// The CLAP entry point, with preset discovery (`clap_export.rs`).
nice_export_vst3!(Murmur, MurmurTriggers);
