//! Murmur as a host sees it: the CLAP build of the plugin is loaded from disk by a small
//! `clack-host` host, and its parameters, audio processing and state are checked through the CLAP
//! API only:
//!
//! 1. the parameters in DESIGN.md's table: string ids (through the CLAP ids nice-plug derives from
//!    them), names, ranges, defaults, choices and the bypass flag;
//! 2. ten seconds of automated processing at 44.1 and 48 kHz, stereo and mono input: finite,
//!    within the Calm Guard ceiling, audible and moving;
//! 3. state: an exact save/load round trip, and refusal of damaged or mistyped state;
//! 4. state holding values outside the parameter ranges must not break the output.
//!
//! The library under test is the `libmurmur.so` that `cargo test` builds next to this test
//! executable. In that debug build `process()` aborts on any allocation, so every block processed
//! here also proves that Murmur's audio path does not allocate.

use std::ffi::{CStr, CString, c_char, c_void};
use std::path::PathBuf;
use std::sync::OnceLock;
use std::sync::atomic::{AtomicU32, Ordering};

use clack_host::events::event_types::ParamValueEvent;
use clack_host::extensions::{Extension, PluginExtensionSide, RawExtension};
use clack_host::prelude::*;
use clack_host::stream::{InputStream, OutputStream};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg32;

// ---------------------------------------------------------------------------------------------
// Expected parameters (DESIGN.md, "Parameters")
// ---------------------------------------------------------------------------------------------

/// What a parameter should look like to a CLAP host.
#[derive(Debug, Clone, Copy)]
enum Kind {
    /// A continuous parameter: the host sees it normalized (0..1), its text shows plain values.
    Float {
        min: f64,
        max: f64,
        default: f64,
        /// More resolution at the low end: the default sits further right than a linear mapping
        /// would put it.
        skewed: bool,
    },
    /// An integer parameter: stepped, one step per value.
    Int {
        min: i64,
        max: i64,
        default: i64,
    },
    /// An enum parameter: stepped, one step per variant, text is the variant's name.
    Enum {
        variants: &'static [&'static str],
        default: usize,
    },
    Bool {
        default: bool,
    },
}

struct ExpectedParam {
    id: &'static str,
    name: &'static str,
    kind: Kind,
}

const fn float(min: f64, max: f64, default: f64) -> Kind {
    Kind::Float {
        min,
        max,
        default,
        skewed: false,
    }
}

const fn skewed(min: f64, max: f64, default: f64) -> Kind {
    Kind::Float {
        min,
        max,
        default,
        skewed: true,
    }
}

const MOTIONS: &[&str] = &[
    "Static",
    "Ear to Ear",
    "Orbit",
    "Figure Eight",
    "Drift",
    "Ear Hop",
];
const SYNC_DIVISIONS: &[&str] = &["8 bars", "4 bars", "2 bars", "1 bar", "1/2", "1/4", "1/8"];

#[rustfmt::skip]
const EXPECTED_PARAMS: &[ExpectedParam] = &[
    ExpectedParam { id: "motion", name: "Motion", kind: Kind::Enum { variants: MOTIONS, default: 0 } },
    ExpectedParam { id: "azim", name: "Azimuth", kind: float(-180.0, 180.0, 0.0) },
    ExpectedParam { id: "elev", name: "Elevation", kind: float(-40.0, 80.0, 0.0) },
    ExpectedParam { id: "dist", name: "Distance", kind: skewed(0.1, 3.0, 0.5) },
    ExpectedParam { id: "mrate", name: "Motion Rate", kind: skewed(0.01, 2.0, 0.1) },
    ExpectedParam { id: "msync", name: "Motion Sync", kind: Kind::Bool { default: false } },
    ExpectedParam { id: "mdiv", name: "Sync Division", kind: Kind::Enum { variants: SYNC_DIVISIONS, default: 3 } },
    ExpectedParam { id: "mdepth", name: "Motion Depth", kind: float(0.0, 180.0, 90.0) },
    ExpectedParam { id: "msoft", name: "Softness", kind: float(0.0, 100.0, 50.0) },
    ExpectedParam { id: "head", name: "Head Size", kind: float(7.5, 10.5, 8.75) },
    ExpectedParam { id: "prox", name: "Proximity", kind: float(0.0, 100.0, 100.0) },
    ExpectedParam { id: "width", name: "Stereo Width", kind: float(0.0, 100.0, 0.0) },
    ExpectedParam { id: "vgain", name: "Voice Level", kind: float(-60.0, 12.0, 0.0) },
    ExpectedParam { id: "vmix", name: "Voice Mix", kind: float(0.0, 100.0, 100.0) },
    ExpectedParam { id: "seed", name: "Seed", kind: Kind::Int { min: 1, max: 65535, default: 1 } },
    ExpectedParam { id: "calm", name: "Calm Guard", kind: Kind::Bool { default: true } },
    ExpectedParam { id: "ceil", name: "Ceiling", kind: float(-30.0, 0.0, -6.0) },
    ExpectedParam { id: "out", name: "Output", kind: float(-24.0, 12.0, 0.0) },
    ExpectedParam { id: "bypass", name: "Bypass", kind: Kind::Bool { default: false } },
];

/// The parameters the processing test automates.
const AUTOMATED: &[&str] = &[
    "azim", "elev", "dist", "motion", "mrate", "msoft", "vgain", "width", "out",
];

/// −6 dBFS, the default Calm Guard ceiling, with a little room for float rounding.
const DEFAULT_CEILING: f32 = 0.5012;

/// The CLAP id nice-plug derives from a string parameter id (a Java-style string hash with the
/// top bit cleared). A parameter whose string id changes gets a different CLAP id, so matching on
/// this hash checks the string ids themselves.
fn clap_param_id(id: &str) -> u32 {
    let mut hash: u32 = 0;
    for byte in id.bytes() {
        hash = hash.wrapping_mul(31).wrapping_add(u32::from(byte));
    }
    hash & !(1 << 31)
}

// ---------------------------------------------------------------------------------------------
// Raw CLAP extension ABI (clap/ext/params.h, state.h, audio-ports-config.h)
// ---------------------------------------------------------------------------------------------

const CLAP_NAME_SIZE: usize = 256;
const CLAP_PATH_SIZE: usize = 1024;

const CLAP_PARAM_IS_STEPPED: u32 = 1 << 0;
const CLAP_PARAM_IS_HIDDEN: u32 = 1 << 2;
const CLAP_PARAM_IS_BYPASS: u32 = 1 << 4;
const CLAP_PARAM_IS_AUTOMATABLE: u32 = 1 << 5;

/// The plugin pointer is passed as `*const c_void`; it is the `const clap_plugin_t *` of the C API.
type PluginPtr = *const c_void;

#[repr(C)]
#[derive(Clone, Copy)]
struct RawParamInfo {
    id: u32,
    flags: u32,
    cookie: *mut c_void,
    name: [c_char; CLAP_NAME_SIZE],
    module: [c_char; CLAP_PATH_SIZE],
    min_value: f64,
    max_value: f64,
    default_value: f64,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct RawPluginParams {
    count: Option<unsafe extern "C" fn(PluginPtr) -> u32>,
    get_info: Option<unsafe extern "C" fn(PluginPtr, u32, *mut RawParamInfo) -> bool>,
    get_value: Option<unsafe extern "C" fn(PluginPtr, u32, *mut f64) -> bool>,
    value_to_text: Option<unsafe extern "C" fn(PluginPtr, u32, f64, *mut c_char, u32) -> bool>,
    text_to_value: Option<unsafe extern "C" fn(PluginPtr, u32, *const c_char, *mut f64) -> bool>,
    flush: Option<unsafe extern "C" fn(PluginPtr, *const c_void, *const c_void)>,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct RawPluginState {
    save: Option<unsafe extern "C" fn(PluginPtr, *const c_void) -> bool>,
    load: Option<unsafe extern "C" fn(PluginPtr, *const c_void) -> bool>,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct RawAudioPortsConfig {
    id: u32,
    name: [c_char; CLAP_NAME_SIZE],
    input_port_count: u32,
    output_port_count: u32,
    has_main_input: bool,
    main_input_channel_count: u32,
    main_input_port_type: *const c_char,
    has_main_output: bool,
    main_output_channel_count: u32,
    main_output_port_type: *const c_char,
}

#[repr(C)]
#[derive(Clone, Copy)]
struct RawPluginAudioPortsConfig {
    count: Option<unsafe extern "C" fn(PluginPtr) -> u32>,
    get: Option<unsafe extern "C" fn(PluginPtr, u32, *mut RawAudioPortsConfig) -> bool>,
    select: Option<unsafe extern "C" fn(PluginPtr, u32) -> bool>,
}

macro_rules! plugin_extension {
    ($name:ident, $raw:ty, $id:literal) => {
        #[derive(Clone, Copy)]
        struct $name(RawExtension<PluginExtensionSide, $raw>);

        // SAFETY: the identifier is the official one for this ABI struct.
        unsafe impl Extension for $name {
            const IDENTIFIERS: &'static [&'static CStr] = &[$id];
            type ExtensionSide = PluginExtensionSide;

            unsafe fn from_raw(raw: RawExtension<Self::ExtensionSide>) -> Self {
                Self(unsafe { raw.cast() })
            }
        }

        impl $name {
            /// The vtable and the plugin pointer to pass to it. Only valid while the instance
            /// that returned this extension is alive, which [`Murmur`] guarantees.
            fn raw(&self) -> (&$raw, PluginPtr) {
                let vtable = unsafe { self.0.as_ptr().as_ref() };
                (vtable, self.0.plugin_ptr().as_ptr() as PluginPtr)
            }
        }
    };
}

plugin_extension!(ParamsExt, RawPluginParams, c"clap.params");
plugin_extension!(StateExt, RawPluginState, c"clap.state");
plugin_extension!(
    AudioPortsConfigExt,
    RawPluginAudioPortsConfig,
    c"clap.audio-ports-config"
);

fn c_text(chars: &[c_char]) -> String {
    let bytes: Vec<u8> = chars
        .iter()
        .take_while(|&&c| c != 0)
        .map(|&c| c as u8)
        .collect();
    String::from_utf8_lossy(&bytes).into_owned()
}

// ---------------------------------------------------------------------------------------------
// Finding and loading the bundle
// ---------------------------------------------------------------------------------------------

#[cfg(target_os = "linux")]
const LIBRARY_NAME: &str = "libmurmur.so";
#[cfg(target_os = "macos")]
const LIBRARY_NAME: &str = "libmurmur.dylib";
#[cfg(target_os = "windows")]
const LIBRARY_NAME: &str = "murmur.dll";

/// The plugin library cargo built for this test run: `target/<profile>/deps/<this test>` lives
/// next to `target/<profile>/libmurmur.so`. `CARGO_TARGET_DIR` is honoured as a fallback.
fn built_library() -> PathBuf {
    let exe = std::env::current_exe().expect("path of the test executable");
    let deps_dir = exe
        .parent()
        .expect("test executable has a parent directory");
    let profile_dir = deps_dir.parent().expect("deps directory has a parent");
    let profile = profile_dir
        .file_name()
        .map(|name| name.to_os_string())
        .unwrap_or_else(|| "debug".into());

    // `cargo test` leaves the cdylib in `deps/`; `cargo build` also copies one up a level.
    let mut candidates = vec![deps_dir.join(LIBRARY_NAME), profile_dir.join(LIBRARY_NAME)];
    if let Some(target_dir) = std::env::var_os("CARGO_TARGET_DIR") {
        let target_dir = PathBuf::from(target_dir);
        candidates.push(target_dir.join(&profile).join(LIBRARY_NAME));
        candidates.push(target_dir.join("debug").join(LIBRARY_NAME));
    }

    candidates
        .iter()
        .find(|path| path.is_file())
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "Murmur's plugin library was not found; looked at {candidates:?}. It is built by \
                 `cargo test` because the crate is a cdylib."
            )
        })
}

/// A fresh, uniquely named directory under the system temp dir.
fn fresh_temp_dir() -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos())
        .unwrap_or(0);
    let dir = std::env::temp_dir().join(format!(
        "murmur-clap-host-{}-{}-{}",
        std::process::id(),
        nanos,
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
}

struct Bundle {
    entry: PluginEntry,
    plugin_id: CString,
    host_info: HostInfo,
}

/// Loads `Murmur.clap` once per test process: the built library is copied into a fresh temporary
/// directory under the name a CLAP bundle has on Linux, then opened like a host would.
fn bundle() -> &'static Bundle {
    static BUNDLE: OnceLock<Bundle> = OnceLock::new();
    BUNDLE.get_or_init(|| {
        let library = built_library();
        if cfg!(debug_assertions) {
            // Only a library built with nice-plug's `assert_process_allocs` (which `cargo test`
            // enables through the dev-dependency) proves that processing does not allocate.
            let bytes = std::fs::read(&library).unwrap_or_else(|e| panic!("read {library:?}: {e}"));
            assert!(
                bytes.windows(13).any(|w| w == b"AllocDisabler"),
                "{library:?} was built without allocation checks in process(); rebuild it with \
                 `cargo test` (a concurrent `cargo build` may have replaced it)"
            );
        }
        let dir = fresh_temp_dir();
        let bundle_path = dir.join("Murmur.clap");
        std::fs::copy(&library, &bundle_path)
            .unwrap_or_else(|e| panic!("copy {library:?} to {bundle_path:?}: {e}"));

        // SAFETY: this is the plugin under test; loading it runs its initializers.
        let entry = unsafe { PluginEntry::load(&bundle_path) }
            .unwrap_or_else(|e| panic!("load {bundle_path:?} as a CLAP bundle: {e}"));
        // The library stays mapped after its file is gone.
        let _ = std::fs::remove_dir_all(&dir);

        let factory = entry
            .get_plugin_factory()
            .expect("Murmur.clap exposes a plugin factory");
        let descriptors: Vec<_> = factory.plugin_descriptors().collect();
        assert_eq!(descriptors.len(), 1, "Murmur.clap holds exactly one plugin");
        let descriptor = descriptors[0];
        assert_eq!(
            descriptor.name().map(|n| n.to_string_lossy().into_owned()),
            Some("Murmur".to_owned()),
            "plugin name in the CLAP descriptor"
        );
        let plugin_id = descriptor
            .id()
            .expect("the plugin descriptor has an id")
            .to_owned();

        let host_info = HostInfo::new(
            "Murmur CLAP test host",
            "Murmur",
            "https://example.invalid",
            "0.1.0",
        )
        .expect("host info");

        Bundle {
            entry,
            plugin_id,
            host_info,
        }
    })
}

// ---------------------------------------------------------------------------------------------
// A minimal host around one plugin instance
// ---------------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
struct ParamInfo {
    id: u32,
    flags: u32,
    name: String,
    min_value: f64,
    max_value: f64,
    default_value: f64,
}

impl ParamInfo {
    fn has(&self, flag: u32) -> bool {
        self.flags & flag != 0
    }
}

#[derive(Debug, Clone)]
struct PortsConfig {
    id: u32,
    name: String,
    main_input_channels: Option<u32>,
    main_output_channels: Option<u32>,
}

struct Murmur {
    instance: PluginInstance<()>,
    params: ParamsExt,
    state: StateExt,
    ports_config: Option<AudioPortsConfigExt>,
}

impl Murmur {
    fn new() -> Self {
        let bundle = bundle();
        let instance = PluginInstance::<()>::new(
            |_| (),
            |_| (),
            &bundle.entry,
            &bundle.plugin_id,
            &bundle.host_info,
        )
        .expect("instantiate Murmur");
        let handle = instance.plugin_shared_handle();
        let params = handle
            .get_extension::<ParamsExt>()
            .expect("Murmur implements clap.params");
        let state = handle
            .get_extension::<StateExt>()
            .expect("Murmur implements clap.state");
        let ports_config = handle.get_extension::<AudioPortsConfigExt>();
        Self {
            instance,
            params,
            state,
            ports_config,
        }
    }

    fn param_count(&self) -> u32 {
        let (vtable, plugin) = self.params.raw();
        unsafe { vtable.count.expect("params.count")(plugin) }
    }

    fn param_info(&self, index: u32) -> ParamInfo {
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

    fn all_params(&self) -> Vec<ParamInfo> {
        (0..self.param_count())
            .map(|i| self.param_info(i))
            .collect()
    }

    fn value(&self, id: u32) -> f64 {
        let (vtable, plugin) = self.params.raw();
        let mut value = f64::NAN;
        let ok = unsafe { vtable.get_value.expect("params.get_value")(plugin, id, &mut value) };
        assert!(ok, "params.get_value({id}) failed");
        value
    }

    /// Every parameter's current value, by CLAP id, in the plugin's order.
    fn all_values(&self) -> Vec<(u32, String, f64)> {
        self.all_params()
            .into_iter()
            .map(|p| (p.id, p.name, self.value(p.id)))
            .collect()
    }

    fn value_to_text(&self, id: u32, value: f64) -> String {
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

    fn text_to_value(&self, id: u32, text: &str) -> Option<f64> {
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

    fn save_state(&self) -> Vec<u8> {
        let (vtable, plugin) = self.state.raw();
        let mut bytes = Vec::new();
        let mut stream = OutputStream::from_writer(&mut bytes);
        let raw_stream = std::ptr::from_mut(stream.as_raw_mut()) as *const c_void;
        let ok = unsafe { vtable.save.expect("state.save")(plugin, raw_stream) };
        assert!(ok, "state.save failed");
        bytes
    }

    fn load_state(&self, bytes: &[u8]) -> bool {
        let (vtable, plugin) = self.state.raw();
        let mut reader = bytes;
        let mut stream = InputStream::from_reader(&mut reader);
        let raw_stream = std::ptr::from_mut(stream.as_raw_mut()) as *const c_void;
        unsafe { vtable.load.expect("state.load")(plugin, raw_stream) }
    }

    fn ports_configs(&self) -> Vec<PortsConfig> {
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
    fn select_layout(&self, inputs: u32, outputs: u32) {
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

    fn param_by_id(&self, id: &str) -> ParamInfo {
        let hash = clap_param_id(id);
        self.all_params()
            .into_iter()
            .find(|p| p.id == hash)
            .unwrap_or_else(|| panic!("Murmur has no parameter with id {id:?}"))
    }

    fn activate(&mut self, sample_rate: f64, input_channels: usize) -> Processor {
        let processor = self
            .instance
            .activate(
                |_, _| (),
                PluginAudioConfiguration {
                    sample_rate,
                    min_frames_count: 1,
                    max_frames_count: BLOCK as u32,
                },
            )
            .expect("activate Murmur");
        let processor = processor
            .start_processing()
            .expect("Murmur starts processing");
        Processor {
            processor: Some(processor),
            input_ports: AudioPorts::with_capacity(input_channels, 1),
            output_ports: AudioPorts::with_capacity(2, 1),
            inputs: vec![vec![0.0; BLOCK]; input_channels],
            outputs: vec![vec![0.0; BLOCK]; 2],
            events: EventBuffer::with_capacity(64),
        }
    }

    fn deactivate(&mut self, mut processor: Processor) {
        let started = processor.processor.take().expect("processor is started");
        self.instance.deactivate(started.stop_processing());
    }
}

const BLOCK: usize = 512;

/// A parameter change inside a block: sample offset, CLAP id, CLAP value (normalized for
/// continuous parameters, the step index for stepped ones).
#[derive(Debug, Clone, Copy)]
struct ParamChange {
    offset: u32,
    id: u32,
    value: f64,
}

struct Processor {
    processor: Option<StartedPluginAudioProcessor<()>>,
    input_ports: AudioPorts,
    output_ports: AudioPorts,
    /// One buffer per input channel; fill before calling [`Processor::process`].
    inputs: Vec<Vec<f32>>,
    /// Left and right output of the last block.
    outputs: Vec<Vec<f32>>,
    events: EventBuffer,
}

impl Processor {
    /// Processes `frames` samples of `self.inputs` into `self.outputs`.
    fn process(&mut self, frames: usize, changes: &[ParamChange]) {
        assert!(frames <= BLOCK);
        self.events.clear();
        for change in changes {
            assert!((change.offset as usize) < frames);
            self.events.push(&ParamValueEvent::new(
                change.offset,
                ClapId::new(change.id),
                Pckn::match_all(),
                change.value,
            ));
        }
        self.events.sort();

        for channel in &mut self.outputs {
            channel.fill(f32::NAN);
        }

        let input_audio = self.input_ports.with_input_buffers([AudioPortBuffer {
            latency: 0,
            channels: AudioPortBufferType::f32_input_only(
                self.inputs
                    .iter_mut()
                    .map(|b| InputChannel::variable(&mut b[..frames])),
            ),
        }]);
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
            .expect("processor is started")
            .process(
                &input_audio,
                &mut output_audio,
                &input_events,
                &mut output_events,
                None,
                None,
            )
            .expect("Murmur's process() succeeds");
    }

    fn output(&self, frames: usize) -> (&[f32], &[f32]) {
        (&self.outputs[0][..frames], &self.outputs[1][..frames])
    }
}

// ---------------------------------------------------------------------------------------------
// Reading parameter text
// ---------------------------------------------------------------------------------------------

/// The number a parameter's text starts with, and the tolerance its printed precision implies.
/// Accepts a leading `+`, the Unicode minus sign and "-inf".
fn leading_number(text: &str) -> Option<(f64, f64)> {
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
    let half_last_digit = 0.5 * 10f64.powi(-(decimals as i32));
    Some((value, half_last_digit))
}

/// Checks that the parameter's text for `value` shows the plain value `expected`; returns the
/// problem if not.
fn check_text(
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

// ---------------------------------------------------------------------------------------------
// 1. Parameter list
// ---------------------------------------------------------------------------------------------

#[test]
fn parameters_match_the_design() {
    let murmur = Murmur::new();
    let params = murmur.all_params();
    assert!(!params.is_empty(), "Murmur exposes no parameters");

    let mut names: Vec<&str> = params.iter().map(|p| p.name.as_str()).collect();
    names.sort_unstable();
    let duplicate_names: Vec<_> = names.windows(2).filter(|w| w[0] == w[1]).collect();
    assert!(
        duplicate_names.is_empty(),
        "parameter names must be unique: {duplicate_names:?}"
    );
    let mut ids: Vec<u32> = params.iter().map(|p| p.id).collect();
    ids.sort_unstable();
    ids.dedup();
    assert_eq!(ids.len(), params.len(), "CLAP parameter ids must be unique");

    let mut problems = Vec::new();
    for expected in EXPECTED_PARAMS {
        let hash = clap_param_id(expected.id);
        let Some(info) = params.iter().find(|p| p.id == hash) else {
            let same_name = params.iter().find(|p| p.name == expected.name);
            problems.push(match same_name {
                Some(p) => format!(
                    "{:?} ({}) is missing: a parameter named {:?} exists but its string id is not \
                     {:?} (CLAP id {} instead of {hash})",
                    expected.id, expected.name, p.name, expected.id, p.id
                ),
                None => format!("{:?} ({}) is missing", expected.id, expected.name),
            });
            continue;
        };
        if info.name != expected.name {
            problems.push(format!(
                "{:?} is named {:?}, the design says {:?}",
                expected.id, info.name, expected.name
            ));
        }
        if !info.has(CLAP_PARAM_IS_AUTOMATABLE) || info.has(CLAP_PARAM_IS_HIDDEN) {
            problems.push(format!(
                "{} should be visible and automatable (flags {:#x})",
                expected.name, info.flags
            ));
        }
        let is_bypass = expected.id == "bypass";
        if info.has(CLAP_PARAM_IS_BYPASS) != is_bypass {
            problems.push(format!(
                "{}: CLAP bypass flag is {}, expected {is_bypass}",
                expected.name,
                info.has(CLAP_PARAM_IS_BYPASS)
            ));
        }
        // A fresh instance sits at its defaults.
        let current = murmur.value(info.id);
        if current != info.default_value {
            problems.push(format!(
                "{}: a fresh instance has value {current}, its default is {}",
                expected.name, info.default_value
            ));
        }

        match expected.kind {
            Kind::Float {
                min,
                max,
                default,
                skewed,
            } => {
                if info.has(CLAP_PARAM_IS_STEPPED) || info.min_value != 0.0 || info.max_value != 1.0
                {
                    problems.push(format!(
                        "{}: expected a continuous parameter normalized 0..1, got flags {:#x}, \
                         range {}..{}",
                        expected.name, info.flags, info.min_value, info.max_value
                    ));
                    continue;
                }
                problems.extend(
                    [
                        check_text(&murmur, info, 0.0, min, "the minimum"),
                        check_text(&murmur, info, 1.0, max, "the maximum"),
                        check_text(&murmur, info, info.default_value, default, "the default"),
                    ]
                    .into_iter()
                    .flatten(),
                );
                if skewed {
                    let linear = (default - min) / (max - min);
                    if info.default_value <= linear + 0.02 {
                        problems.push(format!(
                            "{}: the range should be skewed towards small values, but the \
                             default {default} sits at {} (linear would be {linear:.3})",
                            expected.name, info.default_value
                        ));
                    }
                }
            }
            Kind::Int { min, max, default } => {
                let steps = (max - min) as f64;
                if !info.has(CLAP_PARAM_IS_STEPPED)
                    || info.min_value != 0.0
                    || info.max_value != steps
                    || info.default_value != (default - min) as f64
                {
                    problems.push(format!(
                        "{}: expected a stepped parameter 0..{steps} with default {}, got flags \
                         {:#x}, range {}..{}, default {}",
                        expected.name,
                        default - min,
                        info.flags,
                        info.min_value,
                        info.max_value,
                        info.default_value
                    ));
                    continue;
                }
                problems.extend(
                    [
                        check_text(&murmur, info, 0.0, min as f64, "the minimum"),
                        check_text(&murmur, info, steps, max as f64, "the maximum"),
                        check_text(
                            &murmur,
                            info,
                            info.default_value,
                            default as f64,
                            "the default",
                        ),
                    ]
                    .into_iter()
                    .flatten(),
                );
            }
            Kind::Enum { variants, default } => {
                let steps = (variants.len() - 1) as f64;
                if !info.has(CLAP_PARAM_IS_STEPPED)
                    || info.min_value != 0.0
                    || info.max_value != steps
                    || info.default_value != default as f64
                {
                    problems.push(format!(
                        "{}: expected {} choices (stepped 0..{steps}) defaulting to {:?}, got \
                         flags {:#x}, range {}..{}, default {}",
                        expected.name,
                        variants.len(),
                        variants[default],
                        info.flags,
                        info.min_value,
                        info.max_value,
                        info.default_value
                    ));
                    continue;
                }
                for (index, variant) in variants.iter().enumerate() {
                    let text = murmur.value_to_text(info.id, index as f64);
                    if text != *variant {
                        problems.push(format!(
                            "{}: choice {index} reads {text:?}, the design says {variant:?}",
                            expected.name
                        ));
                    }
                }
            }
            Kind::Bool { default } => {
                let default = if default { 1.0 } else { 0.0 };
                if !info.has(CLAP_PARAM_IS_STEPPED)
                    || info.min_value != 0.0
                    || info.max_value != 1.0
                    || info.default_value != default
                {
                    problems.push(format!(
                        "{}: expected an on/off parameter defaulting to {default}, got flags \
                         {:#x}, range {}..{}, default {}",
                        expected.name,
                        info.flags,
                        info.min_value,
                        info.max_value,
                        info.default_value
                    ));
                }
            }
        }
    }

    assert!(
        problems.is_empty(),
        "Murmur's parameters differ from DESIGN.md:\n  {}\n(parameters exposed: {:?})",
        problems.join("\n  "),
        params.iter().map(|p| p.name.as_str()).collect::<Vec<_>>()
    );
}

// ---------------------------------------------------------------------------------------------
// 2. Processing with automation
// ---------------------------------------------------------------------------------------------

/// How a random value for one automated parameter is drawn.
struct Automated {
    id: u32,
    /// `Some(steps)` for stepped parameters: a random step index.
    steps: Option<u32>,
    /// Normalized range to draw continuous values from.
    low: f64,
    high: f64,
}

fn automation_targets(murmur: &Murmur) -> Vec<Automated> {
    AUTOMATED
        .iter()
        .map(|&id| {
            let info = murmur.param_by_id(id);
            if info.has(CLAP_PARAM_IS_STEPPED) {
                return Automated {
                    id: info.id,
                    steps: Some(info.max_value as u32),
                    low: 0.0,
                    high: 0.0,
                };
            }
            // Gains stay within ±6 dB so that every second of output remains clearly audible.
            let (low, high) = if id == "vgain" || id == "out" {
                let norm = |text: &str| {
                    murmur.text_to_value(info.id, text).unwrap_or_else(|| {
                        panic!("{}: the host could not enter {text:?}", info.name)
                    })
                };
                (norm("-6"), norm("6"))
            } else {
                (0.0, 1.0)
            };
            assert!(
                low < high,
                "{}: bad normalized range {low}..{high}",
                info.name
            );
            Automated {
                id: info.id,
                steps: None,
                low,
                high,
            }
        })
        .collect()
}

fn rms(samples: &[f32]) -> f64 {
    let sum: f64 = samples.iter().map(|&x| f64::from(x) * f64::from(x)).sum();
    (sum / samples.len().max(1) as f64).sqrt()
}

/// Runs 10 s of a 300 Hz sine with a little noise through Murmur in 512-sample blocks while
/// randomly automating the voice's position, motion and gains.
fn process_with_automation(sample_rate: f64, input_channels: usize) {
    const SECONDS: usize = 10;
    let rate = sample_rate as usize;
    let total = SECONDS * rate;

    let mut murmur = Murmur::new();
    if input_channels == 1 {
        murmur.select_layout(1, 2);
    } else {
        murmur.select_layout(2, 2);
    }
    let targets = automation_targets(&murmur);
    let mut processor = murmur.activate(sample_rate, input_channels);

    let mut rng = Pcg32::seed_from_u64(0x6d75_726d_7572 ^ rate as u64 ^ input_channels as u64);
    let mut left = Vec::with_capacity(total);
    let mut right = Vec::with_capacity(total);
    let mut changes = Vec::new();
    let mut events_sent = 0;
    let phase_step = 2.0 * std::f64::consts::PI * 300.0 / sample_rate;

    let mut done = 0;
    while done < total {
        let frames = BLOCK.min(total - done);
        for (channel, buffer) in processor.inputs.iter_mut().enumerate() {
            for (i, sample) in buffer[..frames].iter_mut().enumerate() {
                let n = (done + i) as f64;
                let sine = 0.25 * (phase_step * n + channel as f64 * 0.3).sin();
                let noise = 0.02 * (rng.random::<f64>() * 2.0 - 1.0);
                *sample = (sine + noise) as f32;
            }
        }

        // About one block in eight carries changes, so positions hold long enough to be heard.
        changes.clear();
        let count = if rng.random_range(0..8u32) == 0 {
            rng.random_range(1..=2u32)
        } else {
            0
        };
        for _ in 0..count {
            let target = &targets[rng.random_range(0..targets.len())];
            let value = match target.steps {
                Some(steps) => f64::from(rng.random_range(0..=steps)),
                None => target.low + (target.high - target.low) * rng.random::<f64>(),
            };
            changes.push(ParamChange {
                offset: rng.random_range(0..frames as u32),
                id: target.id,
                value,
            });
        }
        events_sent += changes.len();

        processor.process(frames, &changes);
        let (l, r) = processor.output(frames);
        for (i, (&l, &r)) in l.iter().zip(r).enumerate() {
            let at = done + i;
            assert!(
                l.is_finite() && r.is_finite(),
                "{sample_rate} Hz, {input_channels} in: non-finite output ({l}, {r}) at sample {at}"
            );
            assert!(
                l.abs() <= DEFAULT_CEILING && r.abs() <= DEFAULT_CEILING,
                "{sample_rate} Hz, {input_channels} in: output ({l}, {r}) at sample {at} exceeds \
                 the default −6 dBFS ceiling"
            );
        }
        left.extend_from_slice(l);
        right.extend_from_slice(r);
        done += frames;
    }
    murmur.deactivate(processor);
    assert!(events_sent > 50, "the test sent too few parameter changes");

    let mut balances = Vec::new();
    for second in 0..SECONDS {
        let span = second * rate..(second + 1) * rate;
        let (l, r) = (rms(&left[span.clone()]), rms(&right[span]));
        let both = ((l * l + r * r) / 2.0).sqrt();
        assert!(
            both > 1e-3,
            "{sample_rate} Hz, {input_channels} in: second {second} is nearly silent (RMS {both:.2e})"
        );
        balances.push(20.0 * (r.max(1e-12) / l.max(1e-12)).log10());
    }
    let lowest = balances.iter().copied().fold(f64::INFINITY, f64::min);
    let highest = balances.iter().copied().fold(f64::NEG_INFINITY, f64::max);
    assert!(
        highest - lowest > 1.0,
        "{sample_rate} Hz, {input_channels} in: the voice does not move; per-second R/L balance \
         in dB stays within {lowest:.2}..{highest:.2}: {balances:.2?}"
    );
}

#[test]
fn processes_stereo_input_at_44100_hz() {
    process_with_automation(44100.0, 2);
}

#[test]
fn processes_stereo_input_at_48000_hz() {
    process_with_automation(48000.0, 2);
}

#[test]
fn processes_mono_input_at_44100_hz() {
    process_with_automation(44100.0, 1);
}

#[test]
fn processes_mono_input_at_48000_hz() {
    process_with_automation(48000.0, 1);
}

// ---------------------------------------------------------------------------------------------
// 3. State
// ---------------------------------------------------------------------------------------------

/// A state blob as nice-plug's CLAP state extension frames it: a little-endian u64 length, then
/// the JSON document.
fn framed(json: &[u8]) -> Vec<u8> {
    let mut bytes = (json.len() as u64).to_le_bytes().to_vec();
    bytes.extend_from_slice(json);
    bytes
}

/// Feeds a 300 Hz tone through a few blocks and checks the output is finite and within
/// `ceiling`.
fn assert_still_processes(processor: &mut Processor, ceiling: f32, context: &str) {
    for block in 0..8 {
        for buffer in &mut processor.inputs {
            for (i, sample) in buffer.iter_mut().enumerate() {
                let n = (block * BLOCK + i) as f32;
                *sample = 0.25 * (n * 2.0 * std::f32::consts::PI * 300.0 / 48000.0).sin();
            }
        }
        processor.process(BLOCK, &[]);
        let (l, r) = processor.output(BLOCK);
        for (i, (&l, &r)) in l.iter().zip(r).enumerate() {
            assert!(
                l.is_finite() && r.is_finite() && l.abs() <= ceiling && r.abs() <= ceiling,
                "{context}: output ({l}, {r}) at sample {} is not finite or exceeds {ceiling}",
                block * BLOCK + i
            );
        }
    }
}

#[test]
fn state_round_trips_and_bad_state_is_refused() {
    // Instance A: change a spread of parameters through automation events, then save.
    let mut a = Murmur::new();
    a.select_layout(2, 2);
    let mut processor = a.activate(48000.0, 2);
    let change = |id: &str, value: f64| ParamChange {
        offset: 17,
        id: clap_param_id(id),
        value,
    };
    let changes = [
        change("azim", 0.8125),
        change("elev", 0.3),
        change("dist", 0.42),
        change("motion", 3.0),
        change("mrate", 0.61),
        change("msync", 1.0),
        change("mdiv", 5.0),
        change("mdepth", 0.25),
        change("msoft", 0.9),
        change("head", 0.7),
        change("prox", 0.35),
        change("width", 0.55),
        change("vgain", 0.5),
        change("vmix", 0.8),
        change("seed", 4242.0),
        change("ceil", 0.6),
        change("out", 0.45),
    ];
    processor.process(BLOCK, &changes);
    processor.process(BLOCK, &[]);

    let defaults = Murmur::new().all_values();
    let values_a = a.all_values();
    for c in &changes {
        let (_, name, value) = values_a
            .iter()
            .find(|(id, _, _)| *id == c.id)
            .expect("changed parameter exists");
        assert!(
            (value - c.value).abs() < 1e-3 * c.value.abs().max(1.0),
            "{name}: a parameter value event set {} but the plugin reports {value}",
            c.value
        );
    }
    let state = a.save_state();
    assert!(state.len() > 8, "saved state is empty");

    // Instance B: load A's state while inactive, as a host restoring a session does.
    let mut b = Murmur::new();
    assert!(b.load_state(&state), "loading a state Murmur saved failed");
    let values_b = b.all_values();
    let differing: Vec<_> = values_a
        .iter()
        .zip(&values_b)
        .filter(|(x, y)| x != y)
        .collect();
    assert!(
        differing.is_empty(),
        "parameter values differ after a save/load round trip (saved, loaded): {differing:?}"
    );
    assert_eq!(
        String::from_utf8_lossy(&b.save_state()),
        String::from_utf8_lossy(&state),
        "saving the restored instance gives a different state"
    );
    assert_ne!(
        values_b, defaults,
        "the restored instance is at its defaults"
    );

    a.deactivate(processor);

    let ceiling_b = {
        let ceil = b.param_by_id("ceil");
        let text = b.value_to_text(ceil.id, b.value(ceil.id));
        let (db, _) = leading_number(&text).expect("ceiling text is a number");
        (10f64.powf(db / 20.0) * 1.0005) as f32
    };
    let mut processor = b.activate(48000.0, 2);
    assert_still_processes(&mut processor, ceiling_b, "after loading a saved state");

    // Bad states: each must be refused, change nothing, and leave the plugin working.
    let mut rng = Pcg32::seed_from_u64(7);
    let garbage: Vec<u8> = (0..4096).map(|_| rng.random::<u8>()).collect();
    let framed_garbage = framed(&garbage[..1024]);
    let json = state[8..].to_vec();
    let bad_states: Vec<(&str, Vec<u8>)> = vec![
        ("an empty stream", Vec::new()),
        ("random bytes", garbage),
        ("random bytes behind a valid length", framed_garbage),
        (
            "the saved state cut in half",
            state[..state.len() / 2].to_vec(),
        ),
        ("the saved state cut inside its length", state[..5].to_vec()),
        (
            "the saved state minus its last byte",
            state[..state.len() - 1].to_vec(),
        ),
        (
            "the saved JSON cut in half, framed correctly",
            framed(&json[..json.len() / 2]),
        ),
        (
            "JSON where `params` is a number",
            framed(br#"{"params": 5}"#),
        ),
        (
            "JSON where `version` is a number",
            framed(br#"{"version": 5, "params": {}, "fields": {}}"#),
        ),
        (
            "JSON where a parameter value is a bare string",
            framed(br#"{"version": "0.1.0", "params": {"azim": "left"}, "fields": {}}"#),
        ),
        (
            "JSON where a parameter value holds a string instead of a number",
            framed(br#"{"version": "0.1.0", "params": {"azim": {"f32": "left"}}, "fields": {}}"#),
        ),
        (
            "JSON where a field is a number",
            framed(br#"{"version": "0.1.0", "params": {}, "fields": {"x": 5}}"#),
        ),
        ("a JSON array", framed(b"[1, 2, 3]")),
        ("not JSON at all", framed(b"murmur murmur murmur")),
    ];
    for (what, bytes) in &bad_states {
        assert!(!b.load_state(bytes), "Murmur accepted {what} as its state");
        let after = b.all_values();
        assert_eq!(after, values_b, "refusing {what} changed parameter values");
        assert_still_processes(&mut processor, ceiling_b, &format!("after refusing {what}"));
    }
    b.deactivate(processor);
}

// ---------------------------------------------------------------------------------------------
// 4. Well-formed state with values outside the parameter ranges
// ---------------------------------------------------------------------------------------------

#[test]
fn out_of_range_state_values_stay_safe() {
    let mut murmur = Murmur::new();
    murmur.select_layout(2, 2);
    let mut processor = murmur.activate(48000.0, 2);

    // Gains, ceiling and geometry far outside their ranges, as an edited or corrupted session
    // file could hold them. Whether Murmur accepts or refuses this, it must not misbehave.
    let hostile = br#"{"version": "0.1.0", "params": {
        "vgain": {"f32": 1e30}, "out": {"f32": 1e30}, "ceil": {"f32": 1e30},
        "dist": {"f32": -1e30}, "azim": {"f32": 1e30}, "elev": {"f32": -1e30},
        "mrate": {"f32": 1e30}, "mdepth": {"f32": -1e30}, "msoft": {"f32": 1e30},
        "head": {"f32": -1e30}, "prox": {"f32": 1e30}, "width": {"f32": -1e30},
        "vmix": {"f32": 1e30}, "seed": {"i32": -7}, "motion": {"i32": 99}, "mdiv": {"i32": -3}
    }, "fields": {}}"#;
    let accepted = murmur.load_state(&framed(hostile));

    for info in murmur.all_params() {
        let value = murmur.value(info.id);
        assert!(
            value.is_finite() && value >= info.min_value && value <= info.max_value,
            "{}: value {value} outside {}..{} after loading an out-of-range state (accepted: \
             {accepted})",
            info.name,
            info.min_value,
            info.max_value
        );
    }
    // The ceiling can never be above 0 dBFS.
    assert_still_processes(
        &mut processor,
        1.0,
        &format!("after loading an out-of-range state (accepted: {accepted})"),
    );
    murmur.deactivate(processor);
}

#[test]
fn leading_number_reads_parameter_text() {
    assert_eq!(leading_number("-180°"), Some((-180.0, 0.5)));
    assert_eq!(leading_number("0.50 m"), Some((0.5, 0.005)));
    assert_eq!(leading_number("+12.0 dB"), Some((12.0, 0.05)));
    assert_eq!(leading_number("\u{2212}6 dBFS"), Some((-6.0, 0.5)));
    assert_eq!(
        leading_number("-inf dB").map(|n| n.0),
        Some(f64::NEG_INFINITY)
    );
    assert_eq!(leading_number("Static"), None);
    assert_eq!(clap_param_id("a"), 97);
    assert_eq!(clap_param_id("ab"), 97 * 31 + 98);
}
