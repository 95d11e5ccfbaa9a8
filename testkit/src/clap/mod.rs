//! A minimal CLAP host for Murmur's tests: loads the CLAP build of the plugin from disk as
//! `Murmur.clap` ([`bundle`]), runs one instance of either plugin in it (the effect or the
//! Triggers instrument) through `clack-host`, and reaches its parameter, state and
//! audio-ports-config extensions through their raw C ABI ([`abi`]). Blocks of any size up to the
//! one chosen at activation (empty ones too) carry parameter changes, notes ([`notes`]) and the
//! host's transport; the processor can be started, stopped and reset between them, as hosts do.
//! Also reads parameter text and derives the CLAP ids of string parameter ids.
//!
//! The host offers `clap.gui` and answers the plugin's main-thread callbacks when its event loop
//! turns ([`Murmur::pump`]); [`gui`] opens the editor in it on a private X display.

pub mod abi;
pub mod automation;
pub mod bundle;
pub mod expected_params;
#[cfg(target_os = "linux")]
pub mod gui;
pub mod notes;
pub mod presets;

use std::ffi::{CStr, CString, c_char, c_void};
use std::sync::Mutex;
use std::sync::atomic::{AtomicBool, AtomicU32, Ordering};

use clack_extensions::gui::{GuiSize, HostGui, HostGuiImpl, PluginGui};

use clack_host::events::event_types::{ParamValueEvent, TransportEvent, TransportFlags};
use clack_host::events::{EventFlags, EventHeader};
use clack_host::prelude::*;
use clack_host::stream::{InputStream, OutputStream};
use clack_host::utils::{BeatTime, SecondsTime};

use abi::{
    AudioPortsConfigExt, CLAP_NAME_SIZE, LatencyExt, ParamsExt, RawAudioPortsConfig, RawParamInfo,
    StateExt, c_text,
};
pub use abi::{
    CLAP_PARAM_IS_AUTOMATABLE, CLAP_PARAM_IS_BYPASS, CLAP_PARAM_IS_HIDDEN, CLAP_PARAM_IS_STEPPED,
};
use bundle::bundle;
pub use notes::Note;
pub use notes::NoteKind;

// ---------------------------------------------------------------------------------------------
// The host's side
// ---------------------------------------------------------------------------------------------

/// What the plugin may ask of the host from any thread; the test's event loop
/// ([`Murmur::pump`]) acts on it.
#[derive(Default)]
pub struct HostShared {
    callback_requested: AtomicBool,
    /// Main-thread callbacks run so far.
    pub callbacks: AtomicU32,
    /// Set when the plugin reports that its window went away without the host closing it.
    pub closed_by_plugin: AtomicBool,
    /// Sizes the editor asked its parent window to take (the test's windows keep their size).
    pub resize_requests: Mutex<Vec<GuiSize>>,
}

impl SharedHandler<'_> for HostShared {
    fn request_restart(&self) {}
    fn request_process(&self) {}
    fn request_callback(&self) {
        self.callback_requested.store(true, Ordering::Release);
    }
}

impl HostGuiImpl for HostShared {
    fn resize_hints_changed(&self) {}

    fn request_resize(&self, new_size: GuiSize) -> Result<(), HostError> {
        self.resize_requests
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .push(new_size);
        Err(HostError::Message(
            "the test host's window has a fixed size",
        ))
    }

    fn request_show(&self) -> Result<(), HostError> {
        Ok(())
    }

    fn request_hide(&self) -> Result<(), HostError> {
        Ok(())
    }

    fn closed(&self, _was_destroyed: bool) {
        self.closed_by_plugin.store(true, Ordering::Release);
    }
}

/// The test host's handlers: nice-plug's `gui.create` needs the host's `clap.gui`, and its
/// editor asks for main-thread callbacks.
pub struct Host;

impl HostHandlers for Host {
    type Shared<'a> = HostShared;
    type MainThread<'a> = ();
    type AudioProcessor<'a> = ();

    fn declare_extensions(builder: &mut HostExtensions<Self>, _shared: &Self::Shared<'_>) {
        builder.register::<HostGui>();
    }
}

// ---------------------------------------------------------------------------------------------
// A minimal host around one plugin instance
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct ParamInfo {
    pub id: u32,
    pub flags: u32,
    pub name: String,
    pub min_value: f64,
    pub max_value: f64,
    pub default_value: f64,
}

impl ParamInfo {
    pub fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }
}

#[derive(Debug, Clone)]
pub struct PortsConfig {
    id: u32,
    name: String,
    main_input_channels: Option<u32>,
    main_output_channels: Option<u32>,
}

pub struct Murmur {
    instance: PluginInstance<Host>,
    params: ParamsExt,
    state: StateExt,
    ports_config: Option<AudioPortsConfigExt>,
    latency: Option<LatencyExt>,
    gui: Option<PluginGui>,
}

impl Murmur {
    /// The Murmur effect (`audio.murmur.murmur`).
    pub fn new() -> Self {
        Self::instantiate(&bundle().plugin_id)
    }

    /// The Murmur Triggers instrument (`audio.murmur.triggers`): no audio input, so activate it
    /// with 0 input channels.
    pub fn new_triggers() -> Self {
        Self::instantiate(&bundle().triggers_id)
    }

    fn instantiate(plugin_id: &CStr) -> Self {
        let bundle = bundle();
        let instance = PluginInstance::<Host>::new(
            |_| HostShared::default(),
            |_| (),
            &bundle.entry,
            plugin_id,
            &bundle.host_info,
        )
        .unwrap_or_else(|e| panic!("instantiate {plugin_id:?}: {e}"));
        let handle = instance.plugin_shared_handle();
        let params = handle
            .get_extension::<ParamsExt>()
            .expect("Murmur implements clap.params");
        let state = handle
            .get_extension::<StateExt>()
            .expect("Murmur implements clap.state");
        let ports_config = handle.get_extension::<AudioPortsConfigExt>();
        let latency = handle.get_extension::<LatencyExt>();
        let gui = handle.get_extension::<PluginGui>();
        Self {
            instance,
            params,
            state,
            ports_config,
            latency,
            gui,
        }
    }

    /// What the plugin asked of the host so far.
    pub fn shared<R>(&self, f: impl FnOnce(&HostShared) -> R) -> R {
        f(self.instance.access_shared_handler(|shared| shared))
    }

    /// One turn of the host's event loop: runs the main-thread callback the plugin asked for, if
    /// any (nice-plug forwards the editor's requests and the audio thread's parameter
    /// notifications through it).
    pub fn pump(&mut self) {
        let requested = self.shared(|s| s.callback_requested.swap(false, Ordering::AcqRel));
        if requested {
            self.instance.call_on_main_thread_callback();
            self.shared(|s| s.callbacks.fetch_add(1, Ordering::Relaxed));
        }
    }

    /// The plugin's `clap.gui` and a main-thread handle to call it with.
    pub fn gui(&mut self) -> (PluginGui, PluginMainThreadHandle<'_>) {
        let gui = self.gui.expect("Murmur implements clap.gui");
        (gui, self.instance.plugin_handle())
    }

    /// The latency the plugin reports through `clap.latency` (0 without the extension).
    pub fn latency(&self) -> u32 {
        let Some(latency) = &self.latency else {
            return 0;
        };
        let (vtable, plugin) = latency.raw();
        // SAFETY: a vtable function of the live plugin, called on its main thread.
        unsafe { (vtable.get.expect("clap.latency has get"))(plugin) }
    }

    pub fn param_count(&self) -> u32 {
        let (vtable, plugin) = self.params.raw();
        unsafe { vtable.count.expect("params.count")(plugin) }
    }

    pub fn param_info(&self, index: u32) -> ParamInfo {
        assert!(index < self.param_count());
        let (vtable, plugin) = self.params.raw();
        // SAFETY: all-zero is a valid bit pattern for this plain C struct.
        let mut raw: RawParamInfo = unsafe { std::mem::zeroed() };
        let ok = unsafe { vtable.get_info.expect("params.get_info")(plugin, index, &mut raw) };
        assert!(ok, "params.get_info({index}) failed");
        ParamInfo {
            id: raw.id,
            flags: raw.flags,
            name: c_text(&raw.name),
            min_value: raw.min_value,
            max_value: raw.max_value,
            default_value: raw.default_value,
        }
    }

    pub fn all_params(&self) -> Vec<ParamInfo> {
        (0..self.param_count())
            .map(|i| self.param_info(i))
            .collect()
    }

    pub fn value(&self, id: u32) -> f64 {
        let (vtable, plugin) = self.params.raw();
        let mut value = f64::NAN;
        let ok = unsafe { vtable.get_value.expect("params.get_value")(plugin, id, &mut value) };
        assert!(ok, "params.get_value({id}) failed");
        value
    }

    /// Every parameter's current value, by CLAP id, in the plugin's order.
    pub fn all_values(&self) -> Vec<(u32, String, f64)> {
        self.all_params()
            .into_iter()
            .map(|p| (p.id, p.name, self.value(p.id)))
            .collect()
    }

    pub fn value_to_text(&self, id: u32, value: f64) -> String {
        let (vtable, plugin) = self.params.raw();
        let mut buffer = [0 as c_char; CLAP_NAME_SIZE];
        let ok = unsafe {
            vtable.value_to_text.expect("params.value_to_text")(
                plugin,
                id,
                value,
                buffer.as_mut_ptr(),
                buffer.len() as u32,
            )
        };
        assert!(ok, "params.value_to_text({id}, {value}) failed");
        c_text(&buffer)
    }

    pub fn text_to_value(&self, id: u32, text: &str) -> Option<f64> {
        let (vtable, plugin) = self.params.raw();
        let text = CString::new(text).expect("no NUL in text");
        let mut value = f64::NAN;
        let ok = unsafe {
            vtable.text_to_value.expect("params.text_to_value")(
                plugin,
                id,
                text.as_ptr(),
                &mut value,
            )
        };
        ok.then_some(value)
    }

    /// `params.flush`: parameter changes outside of `process`, as a host sends automation or
    /// a control surface's moves while the plugin is not processing (all at time 0).
    pub fn flush_params(&self, changes: &[(u32, f64)]) {
        let mut events = EventBuffer::with_capacity(changes.len());
        for &(id, value) in changes {
            events.push(&ParamValueEvent::new(
                0,
                ClapId::new(id),
                Pckn::match_all(),
                value,
            ));
        }
        let input = InputEvents::from_buffer(&events);
        let mut output = OutputEvents::void();
        let (vtable, plugin) = self.params.raw();
        // SAFETY: a vtable function of the live plugin, called on its main thread with event
        // lists that outlive the call.
        unsafe {
            vtable.flush.expect("params.flush")(
                plugin,
                std::ptr::from_ref(input.as_raw()).cast(),
                std::ptr::from_ref(output.as_raw()).cast(),
            )
        };
    }

    /// `clap_plugin.on_main_thread`, whether the plugin asked for it or not (harmless when
    /// nothing is pending).
    pub fn on_main_thread(&mut self) {
        self.instance.call_on_main_thread_callback();
    }

    pub fn save_state(&self) -> Vec<u8> {
        let (vtable, plugin) = self.state.raw();
        let mut bytes = Vec::new();
        let mut stream = OutputStream::from_writer(&mut bytes);
        let raw_stream = std::ptr::from_mut(stream.as_raw_mut()) as *const c_void;
        let ok = unsafe { vtable.save.expect("state.save")(plugin, raw_stream) };
        assert!(ok, "state.save failed");
        bytes
    }

    pub fn load_state(&self, bytes: &[u8]) -> bool {
        let (vtable, plugin) = self.state.raw();
        let mut reader = bytes;
        let mut stream = InputStream::from_reader(&mut reader);
        let raw_stream = std::ptr::from_mut(stream.as_raw_mut()) as *const c_void;
        unsafe { vtable.load.expect("state.load")(plugin, raw_stream) }
    }

    pub fn ports_configs(&self) -> Vec<PortsConfig> {
        let Some(ext) = self.ports_config else {
            return Vec::new();
        };
        let (vtable, plugin) = ext.raw();
        let count = unsafe { vtable.count.expect("audio_ports_config.count")(plugin) };
        (0..count)
            .map(|index| {
                // SAFETY: all-zero is a valid bit pattern for this plain C struct.
                let mut raw: RawAudioPortsConfig = unsafe { std::mem::zeroed() };
                let ok =
                    unsafe { vtable.get.expect("audio_ports_config.get")(plugin, index, &mut raw) };
                assert!(ok, "audio_ports_config.get({index}) failed");
                PortsConfig {
                    id: raw.id,
                    name: c_text(&raw.name),
                    main_input_channels: raw.has_main_input.then_some(raw.main_input_channel_count),
                    main_output_channels: raw
                        .has_main_output
                        .then_some(raw.main_output_channel_count),
                }
            })
            .collect()
    }

    /// Selects the audio-ports configuration with this main input/output channel count.
    pub fn select_layout(&self, inputs: u32, outputs: u32) {
        let configs = self.ports_configs();
        let config = configs
            .iter()
            .find(|c| c.main_input_channels == Some(inputs) && c.main_output_channels == Some(outputs))
            .unwrap_or_else(|| {
                panic!("Murmur offers no {inputs} in / {outputs} out audio-ports configuration; it offers {configs:?}")
            });
        let ext = self.ports_config.expect("audio-ports-config extension");
        let (vtable, plugin) = ext.raw();
        let ok = unsafe { vtable.select.expect("audio_ports_config.select")(plugin, config.id) };
        assert!(
            ok,
            "selecting audio-ports configuration {:?} failed",
            config.name
        );
    }

    pub fn param_by_id(&self, id: &str) -> ParamInfo {
        let hash = clap_param_id(id);
        self.all_params()
            .into_iter()
            .find(|p| p.id == hash)
            .unwrap_or_else(|| panic!("Murmur has no parameter with id {id:?}"))
    }

    /// Activates with `input_channels` channels on the main input (0: no input port, as the
    /// instrument has none) and a stereo output, for blocks of up to [`BLOCK`] samples, and
    /// starts processing.
    pub fn activate(&mut self, sample_rate: f64, input_channels: usize) -> Processor {
        self.activate_with(sample_rate, input_channels, BLOCK)
    }

    /// [`activate`](Self::activate) for host blocks of up to `max_frames` samples.
    pub fn activate_with(
        &mut self,
        sample_rate: f64,
        input_channels: usize,
        max_frames: usize,
    ) -> Processor {
        let mut processor = self.activate_stopped(sample_rate, input_channels, max_frames);
        processor.start_processing();
        processor
    }

    /// Activates for host blocks of up to `max_frames` samples without starting processing, as
    /// a host does before its audio engine runs: call [`Processor::start_processing`] before
    /// the first block.
    pub fn activate_stopped(
        &mut self,
        sample_rate: f64,
        input_channels: usize,
        max_frames: usize,
    ) -> Processor {
        assert!(max_frames >= 1, "CLAP hosts promise at least 1 frame");
        let processor = self
            .instance
            .activate(
                |_, _| (),
                PluginAudioConfiguration {
                    sample_rate,
                    min_frames_count: 1,
                    max_frames_count: max_frames as u32,
                },
            )
            .expect("activate Murmur");
        Processor {
            processor: Some(PluginAudioProcessor::Stopped(processor)),
            input_ports: AudioPorts::with_capacity(input_channels, usize::from(input_channels > 0)),
            output_ports: AudioPorts::with_capacity(2, 1),
            inputs: vec![vec![0.0; max_frames]; input_channels],
            outputs: vec![vec![0.0; max_frames]; 2],
            events: EventBuffer::with_capacity(64),
            sample_rate,
            steady_time: 0,
        }
    }

    /// Stops processing if it runs, then deactivates.
    pub fn deactivate(&mut self, mut processor: Processor) {
        let processor = processor.processor.take().expect("an audio processor");
        self.instance.deactivate(processor.into_stopped());
    }
}

/// The default (and, for [`Murmur::activate`], the largest) number of samples per block.
pub const BLOCK: usize = 512;

/// A parameter change inside a block: sample offset, CLAP id, CLAP value (normalized for
/// continuous parameters, the step index for stepped ones).
#[derive(Debug, Clone, Copy)]
pub struct ParamChange {
    pub offset: u32,
    pub id: u32,
    pub value: f64,
}

/// The host's transport as the test host reports it: every field a sequencer knows.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transport {
    pub playing: bool,
    pub tempo_bpm: f64,
    /// Song position, quarter notes.
    pub beats: f64,
    /// Song position, seconds.
    pub seconds: f64,
    /// Active loop range, quarter notes.
    pub loop_beats: Option<(f64, f64)>,
    /// Numerator and denominator.
    pub time_signature: (u16, u16),
}

impl Default for Transport {
    /// Stopped at the start of the song, 120 BPM, 4/4.
    fn default() -> Self {
        Self {
            playing: false,
            tempo_bpm: 120.0,
            beats: 0.0,
            seconds: 0.0,
            loop_beats: None,
            time_signature: (4, 4),
        }
    }
}

impl Transport {
    /// The CLAP transport event at sample offset `time`, with the bar derived from the position
    /// and time signature as a sequencer derives it.
    pub fn event(&self, time: u32) -> TransportEvent {
        let (numerator, denominator) = self.time_signature;
        let quarters_per_bar = f64::from(numerator) * 4.0 / f64::from(denominator.max(1));
        let bar = (self.beats / quarters_per_bar).floor();
        let mut flags = TransportFlags::HAS_TEMPO
            | TransportFlags::HAS_BEATS_TIMELINE
            | TransportFlags::HAS_SECONDS_TIMELINE
            | TransportFlags::HAS_TIME_SIGNATURE;
        if self.playing {
            flags |= TransportFlags::IS_PLAYING;
        }
        let (loop_start, loop_end) = self.loop_beats.unwrap_or((0.0, 0.0));
        if self.loop_beats.is_some() {
            flags |= TransportFlags::IS_LOOP_ACTIVE;
        }
        let seconds_per_beat = 60.0 / self.tempo_bpm;
        TransportEvent {
            header: EventHeader::new_core(time, EventFlags::empty()),
            flags,
            song_pos_beats: BeatTime::from_float(self.beats),
            song_pos_seconds: SecondsTime::from_float(self.seconds),
            tempo: self.tempo_bpm,
            tempo_inc: 0.0,
            loop_start_beats: BeatTime::from_float(loop_start),
            loop_end_beats: BeatTime::from_float(loop_end),
            loop_start_seconds: SecondsTime::from_float(loop_start * seconds_per_beat),
            loop_end_seconds: SecondsTime::from_float(loop_end * seconds_per_beat),
            bar_start: BeatTime::from_float(bar * quarters_per_bar),
            bar_number: bar.clamp(f64::from(i32::MIN), f64::from(i32::MAX)) as i32,
            time_signature_numerator: numerator,
            time_signature_denominator: denominator,
        }
    }
}

/// What a host sends with one block besides its audio.
#[derive(Debug, Clone, Copy, Default)]
pub struct BlockEvents<'a> {
    pub changes: &'a [ParamChange],
    pub notes: &'a [Note],
    /// The transport at the block's first sample (`None`: a free-running host without one).
    pub transport: Option<&'a Transport>,
    /// Transport changes inside the block (a loop wrapping, a tempo change), in the input event
    /// list at their sample offsets.
    pub transport_changes: &'a [(u32, Transport)],
}

pub struct Processor {
    processor: Option<PluginAudioProcessor<Host>>,
    input_ports: AudioPorts,
    output_ports: AudioPorts,
    /// One buffer per input channel, as long as the largest block; fill before calling
    /// [`Processor::process`].
    pub inputs: Vec<Vec<f32>>,
    /// Left and right output of the last block.
    outputs: Vec<Vec<f32>>,
    events: EventBuffer,
    sample_rate: f64,
    /// Samples processed since activation (CLAP's `steady_time`).
    steady_time: u64,
}

impl Processor {
    /// The next block's input, one slice per input channel (at most the largest block).
    pub fn feed(&mut self, channels: &[&[f32]]) {
        for (buffer, samples) in self.inputs.iter_mut().zip(channels) {
            buffer[..samples.len()].copy_from_slice(samples);
        }
    }

    /// Processes `frames` samples of `self.inputs`; returns the output block.
    pub fn process(&mut self, frames: usize, changes: &[ParamChange]) -> (&[f32], &[f32]) {
        self.process_with_notes(frames, changes, &[]);
        self.output(frames)
    }

    /// [`process`](Self::process) with note events in the same input event list, as a host
    /// sends a block's automation and MIDI together.
    pub fn process_with_notes(&mut self, frames: usize, changes: &[ParamChange], notes: &[Note]) {
        self.process_block(
            frames,
            &BlockEvents {
                changes,
                notes,
                ..BlockEvents::default()
            },
        );
    }

    /// Processes `frames` samples (0 is an empty block, which hosts send to deliver events
    /// alone; its events all sit at offset 0) with everything a host sends along.
    pub fn process_block(&mut self, frames: usize, block: &BlockEvents) {
        assert!(
            frames <= self.max_frames(),
            "{frames} frames exceed the {} the plugin was activated for",
            self.max_frames()
        );
        let last_offset = frames.saturating_sub(1) as u32;
        self.events.clear();
        for change in block.changes {
            assert!(
                change.offset <= last_offset,
                "{change:?} lies outside the block"
            );
            self.events.push(&ParamValueEvent::new(
                change.offset,
                ClapId::new(change.id),
                Pckn::match_all(),
                change.value,
            ));
        }
        for (offset, transport) in block.transport_changes {
            assert!(
                *offset <= last_offset,
                "transport change at {offset} lies outside the block"
            );
            self.events.push(&transport.event(*offset));
        }
        notes::push_notes(&mut self.events, block.notes, frames);
        // CLAP requires the input events in time order.
        self.events.sort();
        let transport = block.transport.map(|t| t.event(0));

        for channel in &mut self.outputs {
            channel.fill(f32::NAN);
        }

        // No input channels means no input port at all (the instrument), not an empty one.
        let has_input = !self.inputs.is_empty();
        let input_audio = self.input_ports.with_input_buffers(has_input.then(|| {
            AudioPortBuffer {
                latency: 0,
                channels: AudioPortBufferType::f32_input_only(
                    self.inputs
                        .iter_mut()
                        .map(|b| InputChannel::variable(&mut b[..frames])),
                ),
            }
        }));
        let mut output_audio = self.output_ports.with_output_buffers([AudioPortBuffer {
            latency: 0,
            channels: AudioPortBufferType::f32_output_only(
                self.outputs.iter_mut().map(|b| &mut b[..frames]),
            ),
        }]);
        let input_events = InputEvents::from_buffer(&self.events);
        let mut output_events = OutputEvents::void();
        self.processor
            .as_mut()
            .expect("an audio processor")
            .as_started_mut()
            .expect("processing has started")
            .process(
                &input_audio,
                &mut output_audio,
                &input_events,
                &mut output_events,
                Some(self.steady_time),
                transport.as_ref(),
            )
            .expect("Murmur's process() succeeds");
        self.steady_time += frames as u64;
    }

    pub fn output(&self, frames: usize) -> (&[f32], &[f32]) {
        (&self.outputs[0][..frames], &self.outputs[1][..frames])
    }

    /// The largest block this activation takes.
    pub fn max_frames(&self) -> usize {
        self.outputs[0].len()
    }

    pub fn sample_rate(&self) -> f64 {
        self.sample_rate
    }

    pub fn is_processing(&self) -> bool {
        self.processor
            .as_ref()
            .is_some_and(PluginAudioProcessor::is_started)
    }

    /// `clap_plugin.start_processing`, as a host does when its audio engine (re)starts.
    pub fn start_processing(&mut self) {
        self.processor
            .as_mut()
            .expect("an audio processor")
            .start_processing()
            .expect("Murmur starts processing");
    }

    /// Starts processing unless it runs, as a host's audio thread does before a block.
    pub fn ensure_started(&mut self) {
        self.processor
            .as_mut()
            .expect("an audio processor")
            .ensure_processing_started()
            .expect("Murmur starts processing");
    }

    /// Stops processing if it runs (on the audio thread, where CLAP wants it).
    pub fn ensure_stopped(&mut self) {
        if let Some(processor) = &mut self.processor {
            processor.ensure_processing_stopped();
        }
    }

    /// `clap_plugin.stop_processing`, as a host does when it sends the plugin to sleep.
    pub fn stop_processing(&mut self) {
        self.processor
            .as_mut()
            .expect("an audio processor")
            .stop_processing()
            .expect("processing was running");
    }

    /// `clap_plugin.reset`, as a host does after a relocation or a render: clears the plugin's
    /// audio state. Allowed whether processing runs or not.
    pub fn reset(&mut self) {
        self.processor.as_mut().expect("an audio processor").reset();
        self.steady_time = 0;
    }
}

// ---------------------------------------------------------------------------------------------
// Parameter text and CLAP ids
// ---------------------------------------------------------------------------------------------

/// The number a parameter's text starts with, and the tolerance its printed precision implies.
/// Accepts a leading `+`, the Unicode minus sign and "-inf".
pub fn leading_number(text: &str) -> Option<(f64, f64)> {
    let text = text.trim().replace('\u{2212}', "-");
    let text = text.strip_prefix('+').unwrap_or(&text);
    let lower = text.to_ascii_lowercase();
    if lower.starts_with("-inf") {
        return Some((f64::NEG_INFINITY, 0.0));
    }
    if lower.starts_with("inf") {
        return Some((f64::INFINITY, 0.0));
    }
    let mut end = 0;
    for (i, c) in text.char_indices() {
        let accept = c.is_ascii_digit() || c == '.' || (i == 0 && c == '-');
        if !accept {
            break;
        }
        end = i + c.len_utf8();
    }
    let number = &text[..end];
    let value: f64 = number.parse().ok()?;
    let decimals = number.split_once('.').map_or(0, |(_, frac)| frac.len());
    // Divided by a whole power of ten, which is exact: a negative `powi` rounds differently on
    // Windows (MinGW's runtime) than on Linux.
    let half_last_digit = 0.5 / 10f64.powi(decimals as i32);
    Some((value, half_last_digit))
}

/// Checks that the parameter's text for `value` shows the plain value `expected`; returns the
/// problem if not.
pub fn check_text(
    murmur: &Murmur,
    info: &ParamInfo,
    value: f64,
    expected: f64,
    what: &str,
) -> Option<String> {
    let text = murmur.value_to_text(info.id, value);
    let Some((shown, precision)) = leading_number(&text) else {
        return Some(format!(
            "{}: the text for {what} ({value}) is {text:?}, which does not start with a number",
            info.name
        ));
    };
    let tolerance = precision + 1e-4 * expected.abs() + 1e-9;
    ((shown - expected).abs() > tolerance).then(|| {
        format!(
            "{}: {what} should read {expected}, the plugin shows {text:?}",
            info.name
        )
    })
}

/// The CLAP id nice-plug derives from a string parameter id (a Java-style string hash with the
/// top bit cleared). A parameter whose string id changes gets a different CLAP id, so matching on
/// this hash checks the string ids themselves.
pub fn clap_param_id(id: &str) -> u32 {
    let mut hash: u32 = 0;
    for byte in id.bytes() {
        hash = hash.wrapping_mul(31).wrapping_add(u32::from(byte));
    }
    hash & !(1 << 31)
}
