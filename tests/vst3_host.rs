//! Loads Murmur the way a VST3 host does: from a `Murmur.vst3` bundle, through the module entry
//! points and the COM interfaces of the `vst3` crate, with no nice-plug code on the host side.
//!
//! The library under test is the `cdylib` that `cargo test` builds next to this test binary
//! (`target/<profile>/deps/libmurmur.so`). Test builds enable nice-plug's `assert_process_allocs`, so an
//! allocation inside `IAudioProcessor::process()` (or `setProcessing(true)`, which runs the plugin's
//! `reset()` under the same guard) aborts the whole test binary instead of failing one test.

#![cfg(all(target_os = "linux", target_arch = "x86_64"))]

use std::ffi::{CStr, c_char, c_void};
use std::path::{Path, PathBuf};
use std::ptr;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use libloading::Library;
use vst3::Steinberg::Vst::BusDirections_::{kInput, kOutput};
use vst3::Steinberg::Vst::MediaTypes_::{kAudio, kEvent};
use vst3::Steinberg::Vst::ParameterInfo_::ParameterFlags_::{kCanAutomate, kIsBypass};
use vst3::Steinberg::Vst::ProcessContext_::StatesAndFlags_::{
    kPlaying, kProjectTimeMusicValid, kTempoValid, kTimeSigValid,
};
use vst3::Steinberg::Vst::{
    AudioBusBuffers, AudioBusBuffers__type0, IAudioProcessor, IAudioProcessorTrait, IComponent,
    IComponentTrait, IEditController, IEditControllerTrait, IParamValueQueue,
    IParamValueQueueTrait, IParameterChanges, IParameterChangesTrait, ParamID, ParamValue,
    ParameterInfo, ProcessContext, ProcessData, ProcessModes_, ProcessSetup, SpeakerArr,
    SpeakerArrangement, SymbolicSampleSizes_,
};
use vst3::Steinberg::{
    IPluginBaseTrait, IPluginFactory, IPluginFactory2, IPluginFactory2Trait, IPluginFactoryTrait,
    PClassInfo, PClassInfo2, PFactoryInfo, TUID, int32, kInvalidArgument, kResultFalse, kResultOk,
    tresult,
};
use vst3::{Class, ComPtr, ComWrapper, Interface};

/// The file name Cargo gives Murmur's `cdylib` on Linux.
const LIBRARY_FILE_NAME: &str = "libmurmur.so";

const SAMPLE_RATE: f64 = 48_000.0;
const MAX_BLOCK_SIZE: usize = 512;
/// Frequency of the test tone fed to the voice path, in Hz.
const TONE_HZ: f64 = 300.0;
/// Peak amplitude of the test tone: about −1 dBFS, well above the default ceiling, so the Calm
/// Guard has something to hold down.
const TONE_AMPLITUDE: f32 = 0.9;
/// The Calm Guard's default ceiling of −6 dBFS as a linear gain (10^(−6/20) = 0.501187…).
const DEFAULT_CEILING: f32 = 0.5012;

/// Every host parameter Murmur exposes today as `(string id, name)`, in no particular order. VST3
/// sees the ids only through nice-plug's hash of them, which is what saved sessions and automation
/// lanes store, so both sides of this table are frozen.
const EXPECTED_PARAMS: [(&str, &str); 19] = [
    ("motion", "Motion"),
    ("azim", "Azimuth"),
    ("elev", "Elevation"),
    ("dist", "Distance"),
    ("mrate", "Motion Rate"),
    ("msync", "Motion Sync"),
    ("mdiv", "Sync Division"),
    ("mdepth", "Motion Depth"),
    ("msoft", "Softness"),
    ("head", "Head Size"),
    ("prox", "Proximity"),
    ("width", "Stereo Width"),
    ("vgain", "Voice Level"),
    ("vmix", "Voice Mix"),
    ("seed", "Seed"),
    ("calm", "Calm Guard"),
    ("ceil", "Ceiling"),
    ("out", "Output"),
    ("bypass", "Bypass"),
];

/// Each test loads and unloads its own copy of the module. Hosts never drive one plugin library
/// from several scanning/processing sessions at once, so the tests take turns.
static MODULE_LOCK: Mutex<()> = Mutex::new(());

// ---------------------------------------------------------------------------------------------
// Module loading
// ---------------------------------------------------------------------------------------------

/// A loaded `Murmur.vst3` bundle. Dropping it calls `ModuleExit()`, unloads the library and
/// deletes the temporary bundle.
struct Module {
    bundle_root: PathBuf,
    library: Option<Library>,
}

impl Module {
    /// Lays out `Murmur.vst3/Contents/x86_64-linux/Murmur.so` in a fresh temporary directory, loads
    /// it and calls `ModuleEntry()` like a Linux host does.
    fn load() -> Module {
        let source = plugin_library_path();
        assert_alloc_guard_compiled_in(&source);

        let bundle_root = fresh_temp_dir();
        let binary_dir = bundle_root.join("Murmur.vst3/Contents/x86_64-linux");
        std::fs::create_dir_all(&binary_dir).expect("creating the bundle directories");
        let binary = binary_dir.join("Murmur.so");
        std::fs::copy(&source, &binary).expect("copying the plugin library into the bundle");

        let library = unsafe { Library::new(&binary) }
            .unwrap_or_else(|err| panic!("dlopen({}) failed: {err}", binary.display()));
        let module = Module {
            bundle_root,
            library: Some(library),
        };

        // The SDK's Linux module loader calls `ModuleEntry(handle)` before anything else and
        // refuses the module when it returns false.
        let entry = unsafe {
            module
                .library()
                .get::<unsafe extern "C" fn(*mut c_void) -> bool>(b"ModuleEntry\0")
        };
        if let Ok(entry) = entry {
            assert!(
                unsafe { entry(ptr::null_mut()) },
                "ModuleEntry() returned false"
            );
        }

        module
    }

    fn library(&self) -> &Library {
        self.library.as_ref().expect("library already unloaded")
    }

    /// Calls `GetPluginFactory()`. The returned pointer carries one reference, which the
    /// [`ComPtr`] owns.
    fn factory(&self) -> ComPtr<IPluginFactory> {
        let get_factory = unsafe {
            self.library()
                .get::<unsafe extern "system" fn() -> *mut IPluginFactory>(b"GetPluginFactory\0")
        }
        .expect("the module exports GetPluginFactory");
        unsafe { ComPtr::from_raw(get_factory()) }.expect("GetPluginFactory() returned null")
    }
}

impl Drop for Module {
    fn drop(&mut self) {
        if let Some(library) = self.library.take() {
            let exit = unsafe { library.get::<unsafe extern "C" fn() -> bool>(b"ModuleExit\0") };
            if let Ok(exit) = exit {
                let ok = unsafe { exit() };
                if !std::thread::panicking() {
                    assert!(ok, "ModuleExit() returned false");
                }
            }
            drop(library);
        }
        let _ = std::fs::remove_dir_all(&self.bundle_root);
    }
}

/// Finds the plugin library Cargo built for this test run. Integration test binaries live in
/// `<target>/<profile>/deps/`, next to the `cdylib` that was built as their dependency; Cargo
/// uplifts that file to `<target>/<profile>/` only when the library itself is being built, so the
/// copy in `deps/` is the one that matches this test binary.
fn plugin_library_path() -> PathBuf {
    let exe = std::env::current_exe().expect("current_exe()");
    let deps_dir = exe.parent().expect("test binary has a parent directory");
    let profile_dir = deps_dir
        .parent()
        .expect("deps directory has a parent directory");

    let mut candidates = vec![
        deps_dir.join(LIBRARY_FILE_NAME),
        profile_dir.join(LIBRARY_FILE_NAME),
    ];
    if let (Some(target_dir), Some(profile)) = (
        std::env::var_os("CARGO_TARGET_DIR"),
        profile_dir.file_name(),
    ) {
        candidates.push(Path::new(&target_dir).join(profile).join(LIBRARY_FILE_NAME));
    }

    candidates
        .iter()
        .find(|path| path.is_file())
        .cloned()
        .unwrap_or_else(|| {
            panic!(
                "Murmur's cdylib was not found; looked at {candidates:?}. `cargo test` builds it \
                 because the crate's `crate-type` includes \"cdylib\"."
            )
        })
}

/// Makes sure the library was built with the allocation guard in process(), which is what turns
/// an allocation on the audio thread into a test failure. A build of the library without it (for
/// example a plain `cargo build` that replaced the file) would make the processing test
/// meaningless.
fn assert_alloc_guard_compiled_in(library: &Path) {
    let bytes = std::fs::read(library).expect("reading the plugin library");
    // The guard's error message, logged right before it aborts.
    let marker: &[u8] = b"Memory allocation of ";
    assert!(
        bytes.windows(marker.len()).any(|window| window == marker),
        "{} was built without nice-plug's `assert_process_allocs`; rebuild it with `cargo test`",
        library.display()
    );
}

fn fresh_temp_dir() -> PathBuf {
    static COUNTER: AtomicU32 = AtomicU32::new(0);
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.subsec_nanos())
        .unwrap_or_default();
    let dir = std::env::temp_dir().join(format!(
        "murmur-vst3-host-{}-{}-{nanos}",
        std::process::id(),
        COUNTER.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("creating a temporary directory");
    dir
}

// ---------------------------------------------------------------------------------------------
// Factory and instance helpers
// ---------------------------------------------------------------------------------------------

/// Reads a null-terminated `char8` array.
fn c_chars_to_string(chars: &[c_char]) -> String {
    let bytes: Vec<u8> = chars.iter().map(|&c| c as u8).collect();
    CStr::from_bytes_until_nul(&bytes)
        .expect("string field is null-terminated")
        .to_string_lossy()
        .into_owned()
}

/// Reads a null-terminated UTF-16 `String128`.
fn utf16_to_string(chars: &[u16]) -> String {
    let len = chars.iter().position(|&c| c == 0).unwrap_or(chars.len());
    String::from_utf16_lossy(&chars[..len])
}

/// nice-plug's VST3 parameter id for a string id (a Rabin fingerprint with the top bit cleared,
/// as that bit is reserved for host parameters).
fn vst3_param_id(id: &str) -> ParamID {
    let hash = id.bytes().fold(0u32, |hash, byte| {
        hash.wrapping_mul(31).wrapping_add(byte as u32)
    });
    hash & !(1 << 31)
}

/// Finds Murmur's audio module class and returns its class id.
fn murmur_class_id(factory: &ComPtr<IPluginFactory>) -> TUID {
    let class_count = unsafe { factory.countClasses() };
    (0..class_count)
        .find_map(|index| {
            let mut info: PClassInfo = unsafe { std::mem::zeroed() };
            assert_eq!(unsafe { factory.getClassInfo(index, &mut info) }, kResultOk);
            (c_chars_to_string(&info.category) == "Audio Module Class"
                && c_chars_to_string(&info.name) == "Murmur")
                .then_some(info.cid)
        })
        .expect("the factory has an \"Audio Module Class\" named \"Murmur\"")
}

/// One plugin instance: the component, its audio processor and its edit controller.
struct Instance {
    component: ComPtr<IComponent>,
    processor: ComPtr<IAudioProcessor>,
    controller: ComPtr<IEditController>,
    /// Whether the controller is a separate object that was initialized on its own.
    separate_controller: bool,
}

impl Instance {
    /// Creates and initializes an instance the way a host does, with no host context (nice-plug
    /// does not use one).
    fn create(factory: &ComPtr<IPluginFactory>) -> Instance {
        let cid = murmur_class_id(factory);
        let component: ComPtr<IComponent> = create_instance(factory, &cid);
        assert_eq!(
            unsafe { component.initialize(ptr::null_mut()) },
            kResultOk,
            "IComponent::initialize"
        );

        let processor = component
            .cast::<IAudioProcessor>()
            .expect("the component implements IAudioProcessor");

        // Hosts first ask for a separate controller class; a single-component plugin declines and
        // implements IEditController on the component itself.
        let mut controller_cid: TUID = [0; 16];
        let (controller, separate_controller) =
            if unsafe { component.getControllerClassId(&mut controller_cid) } == kResultOk {
                let controller: ComPtr<IEditController> = create_instance(factory, &controller_cid);
                assert_eq!(
                    unsafe { controller.initialize(ptr::null_mut()) },
                    kResultOk,
                    "IEditController::initialize"
                );
                (controller, true)
            } else {
                let controller = component
                    .cast::<IEditController>()
                    .expect("a component without a controller class implements IEditController");
                (controller, false)
            };

        Instance {
            component,
            processor,
            controller,
            separate_controller,
        }
    }

    /// Stereo in, stereo out, 48 kHz, 512-sample blocks, 32-bit float, realtime; then activates
    /// the buses and the component and starts processing.
    fn start_stereo(&self) {
        unsafe {
            assert_eq!(self.component.getBusCount(kAudio as i32, kInput as i32), 1);
            assert_eq!(self.component.getBusCount(kAudio as i32, kOutput as i32), 1);

            let mut inputs: [SpeakerArrangement; 1] = [SpeakerArr::kStereo];
            let mut outputs: [SpeakerArrangement; 1] = [SpeakerArr::kStereo];
            assert_eq!(
                self.processor
                    .setBusArrangements(inputs.as_mut_ptr(), 1, outputs.as_mut_ptr(), 1),
                kResultOk,
                "setBusArrangements(stereo in, stereo out)"
            );
            for dir in [kInput, kOutput] {
                let mut arrangement: SpeakerArrangement = 0;
                assert_eq!(
                    self.processor
                        .getBusArrangement(dir as i32, 0, &mut arrangement),
                    kResultOk
                );
                assert_eq!(
                    arrangement,
                    SpeakerArr::kStereo,
                    "bus arrangement (dir {dir})"
                );
            }

            assert_eq!(
                self.processor
                    .canProcessSampleSize(SymbolicSampleSizes_::kSample32 as i32),
                kResultOk
            );
            let mut setup = ProcessSetup {
                processMode: ProcessModes_::kRealtime as i32,
                symbolicSampleSize: SymbolicSampleSizes_::kSample32 as i32,
                maxSamplesPerBlock: MAX_BLOCK_SIZE as i32,
                sampleRate: SAMPLE_RATE,
            };
            assert_eq!(self.processor.setupProcessing(&mut setup), kResultOk);

            for dir in [kInput, kOutput] {
                assert_eq!(
                    self.component.activateBus(kAudio as i32, dir as i32, 0, 1),
                    kResultOk,
                    "activateBus(audio, dir {dir}, 0)"
                );
            }
            // Murmur takes MIDI; activate its event input like a host would.
            if self.component.getBusCount(kEvent as i32, kInput as i32) > 0 {
                assert_eq!(
                    self.component
                        .activateBus(kEvent as i32, kInput as i32, 0, 1),
                    kResultOk
                );
            }

            assert_eq!(self.component.setActive(1), kResultOk, "setActive(true)");
            assert_eq!(
                self.processor.setProcessing(1),
                kResultOk,
                "setProcessing(true)"
            );
        }
    }

    /// The reverse of [`start_stereo()`][Self::start_stereo()].
    fn stop(&self) {
        unsafe {
            assert_eq!(
                self.processor.setProcessing(0),
                kResultOk,
                "setProcessing(false)"
            );
            assert_eq!(self.component.setActive(0), kResultOk, "setActive(false)");
        }
    }

    fn terminate(self) {
        unsafe {
            if self.separate_controller {
                assert_eq!(self.controller.terminate(), kResultOk);
            }
            assert_eq!(
                self.component.terminate(),
                kResultOk,
                "IComponent::terminate"
            );
        }
        // Dropping the three pointers releases every reference this host holds.
    }

    fn parameter_infos(&self) -> Vec<ParameterInfo> {
        let count = unsafe { self.controller.getParameterCount() };
        (0..count)
            .map(|index| {
                let mut info: ParameterInfo = unsafe { std::mem::zeroed() };
                assert_eq!(
                    unsafe { self.controller.getParameterInfo(index, &mut info) },
                    kResultOk,
                    "getParameterInfo({index})"
                );
                info
            })
            .collect()
    }
}

fn create_instance<I: Interface>(factory: &ComPtr<IPluginFactory>, cid: &TUID) -> ComPtr<I> {
    let mut obj: *mut c_void = ptr::null_mut();
    let result =
        unsafe { factory.createInstance(cid.as_ptr(), I::IID.as_ptr() as *const c_char, &mut obj) };
    assert_eq!(result, kResultOk, "IPluginFactory::createInstance");
    unsafe { ComPtr::from_raw(obj as *mut I) }.expect("createInstance returned a null object")
}

// ---------------------------------------------------------------------------------------------
// Host-side process() inputs
// ---------------------------------------------------------------------------------------------

/// A parameter queue with a single point.
struct PointQueue {
    id: ParamID,
    sample_offset: int32,
    value: ParamValue,
}

impl Class for PointQueue {
    type Interfaces = (IParamValueQueue,);
}

impl IParamValueQueueTrait for PointQueue {
    unsafe fn getParameterId(&self) -> ParamID {
        self.id
    }

    unsafe fn getPointCount(&self) -> int32 {
        1
    }

    unsafe fn getPoint(
        &self,
        index: int32,
        sample_offset: *mut int32,
        value: *mut ParamValue,
    ) -> tresult {
        if index != 0 || sample_offset.is_null() || value.is_null() {
            return kInvalidArgument;
        }
        unsafe {
            *sample_offset = self.sample_offset;
            *value = self.value;
        }
        kResultOk
    }

    unsafe fn addPoint(&self, _offset: int32, _value: ParamValue, _index: *mut int32) -> tresult {
        kResultFalse
    }
}

/// The host's `IParameterChanges` for one process() call. Real hosts always pass one, often empty.
struct ParamChanges {
    queues: Vec<ComWrapper<PointQueue>>,
}

impl ParamChanges {
    fn empty() -> ComWrapper<ParamChanges> {
        ComWrapper::new(ParamChanges { queues: Vec::new() })
    }

    fn single(id: ParamID, sample_offset: int32, value: ParamValue) -> ComWrapper<ParamChanges> {
        let queue = ComWrapper::new(PointQueue {
            id,
            sample_offset,
            value,
        });
        ComWrapper::new(ParamChanges {
            queues: vec![queue],
        })
    }
}

impl Class for ParamChanges {
    type Interfaces = (IParameterChanges,);
}

impl IParameterChangesTrait for ParamChanges {
    unsafe fn getParameterCount(&self) -> int32 {
        self.queues.len() as int32
    }

    unsafe fn getParameterData(&self, index: int32) -> *mut IParamValueQueue {
        usize::try_from(index)
            .ok()
            .and_then(|index| self.queues.get(index))
            .and_then(|queue| queue.as_com_ref::<IParamValueQueue>())
            .map_or(ptr::null_mut(), |queue| queue.as_ptr())
    }

    unsafe fn addParameterData(
        &self,
        _id: *const ParamID,
        _index: *mut int32,
    ) -> *mut IParamValueQueue {
        ptr::null_mut()
    }
}

/// Drives `IAudioProcessor::process()` with out-of-place stereo buffers and a transport that plays
/// at 120 BPM in 4/4 from the start of the project.
struct StereoRunner {
    inputs: [Vec<f32>; 2],
    outputs: [Vec<f32>; 2],
    project_time_samples: i64,
}

impl StereoRunner {
    fn new() -> Self {
        StereoRunner {
            inputs: [vec![0.0; MAX_BLOCK_SIZE], vec![0.0; MAX_BLOCK_SIZE]],
            outputs: [vec![0.0; MAX_BLOCK_SIZE], vec![0.0; MAX_BLOCK_SIZE]],
            project_time_samples: 0,
        }
    }

    /// A "parameter flush": no samples and no output buses, which some hosts send to deliver
    /// parameter changes while the transport is stopped.
    fn flush(&mut self, processor: &ComPtr<IAudioProcessor>, changes: &ComWrapper<ParamChanges>) {
        let changes = changes.as_com_ref::<IParameterChanges>().unwrap();
        let mut data = ProcessData {
            processMode: ProcessModes_::kRealtime as i32,
            symbolicSampleSize: SymbolicSampleSizes_::kSample32 as i32,
            numSamples: 0,
            numInputs: 0,
            numOutputs: 0,
            inputs: ptr::null_mut(),
            outputs: ptr::null_mut(),
            inputParameterChanges: changes.as_ptr(),
            outputParameterChanges: ptr::null_mut(),
            inputEvents: ptr::null_mut(),
            outputEvents: ptr::null_mut(),
            processContext: ptr::null_mut(),
        };
        assert_eq!(
            unsafe { processor.process(&mut data) },
            kResultOk,
            "parameter flush"
        );
    }

    /// Processes `input` (the same signal on both channels) in blocks of at most
    /// [`MAX_BLOCK_SIZE`] and returns the left and right outputs. `changes_for_block` supplies the
    /// parameter changes for each block index.
    fn run(
        &mut self,
        processor: &ComPtr<IAudioProcessor>,
        input: &[f32],
        mut changes_for_block: impl FnMut(usize) -> ComWrapper<ParamChanges>,
    ) -> [Vec<f32>; 2] {
        let mut rendered = [
            Vec::with_capacity(input.len()),
            Vec::with_capacity(input.len()),
        ];
        for (block_idx, block) in input.chunks(MAX_BLOCK_SIZE).enumerate() {
            let changes = changes_for_block(block_idx);
            self.process_block(processor, block, &changes);
            for (channel, out) in rendered.iter_mut().zip(&self.outputs) {
                channel.extend_from_slice(&out[..block.len()]);
            }
        }
        rendered
    }

    fn process_block(
        &mut self,
        processor: &ComPtr<IAudioProcessor>,
        block: &[f32],
        changes: &ComWrapper<ParamChanges>,
    ) {
        let num_samples = block.len();
        for channel in &mut self.inputs {
            channel[..num_samples].copy_from_slice(block);
        }
        // Garbage in the output buffers: the plugin must overwrite every sample it reports.
        for channel in &mut self.outputs {
            channel.fill(f32::NAN);
        }

        let mut input_ptrs = [self.inputs[0].as_mut_ptr(), self.inputs[1].as_mut_ptr()];
        let mut output_ptrs = [self.outputs[0].as_mut_ptr(), self.outputs[1].as_mut_ptr()];
        let mut input_bus = AudioBusBuffers {
            numChannels: 2,
            silenceFlags: 0,
            __field0: AudioBusBuffers__type0 {
                channelBuffers32: input_ptrs.as_mut_ptr(),
            },
        };
        let mut output_bus = AudioBusBuffers {
            numChannels: 2,
            silenceFlags: 0,
            __field0: AudioBusBuffers__type0 {
                channelBuffers32: output_ptrs.as_mut_ptr(),
            },
        };

        let mut context: ProcessContext = unsafe { std::mem::zeroed() };
        context.state = (kPlaying | kTempoValid | kTimeSigValid | kProjectTimeMusicValid) as u32;
        context.sampleRate = SAMPLE_RATE;
        context.projectTimeSamples = self.project_time_samples;
        context.continousTimeSamples = self.project_time_samples;
        context.tempo = 120.0;
        context.timeSigNumerator = 4;
        context.timeSigDenominator = 4;
        context.projectTimeMusic =
            self.project_time_samples as f64 / SAMPLE_RATE * context.tempo / 60.0;

        let changes = changes.as_com_ref::<IParameterChanges>().unwrap();
        let mut data = ProcessData {
            processMode: ProcessModes_::kRealtime as i32,
            symbolicSampleSize: SymbolicSampleSizes_::kSample32 as i32,
            numSamples: num_samples as i32,
            numInputs: 1,
            numOutputs: 1,
            inputs: &mut input_bus,
            outputs: &mut output_bus,
            inputParameterChanges: changes.as_ptr(),
            outputParameterChanges: ptr::null_mut(),
            inputEvents: ptr::null_mut(),
            outputEvents: ptr::null_mut(),
            processContext: &mut context,
        };
        let result = unsafe { processor.process(&mut data) };
        assert_eq!(
            result, kResultOk,
            "process() failed at sample {}",
            self.project_time_samples
        );
        self.project_time_samples += num_samples as i64;
    }
}

/// `seconds` of the test tone at [`SAMPLE_RATE`].
fn sine(seconds: f64) -> Vec<f32> {
    let len = (seconds * SAMPLE_RATE).round() as usize;
    (0..len)
        .map(|n| {
            let phase = std::f64::consts::TAU * TONE_HZ * n as f64 / SAMPLE_RATE;
            TONE_AMPLITUDE * phase.sin() as f32
        })
        .collect()
}

fn rms(signal: &[f32]) -> f32 {
    let sum: f64 = signal.iter().map(|&x| x as f64 * x as f64).sum();
    (sum / signal.len().max(1) as f64).sqrt() as f32
}

fn peak(signal: &[f32]) -> f32 {
    signal.iter().fold(0.0f32, |peak, &x| peak.max(x.abs()))
}

fn lock_module() -> std::sync::MutexGuard<'static, ()> {
    MODULE_LOCK
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

// ---------------------------------------------------------------------------------------------
// Tests
// ---------------------------------------------------------------------------------------------

#[test]
fn factory_lists_murmur_as_spatial_fx() {
    let _guard = lock_module();
    let module = Module::load();
    let factory = module.factory();

    let mut factory_info: PFactoryInfo = unsafe { std::mem::zeroed() };
    assert_eq!(
        unsafe { factory.getFactoryInfo(&mut factory_info) },
        kResultOk
    );
    assert!(
        !c_chars_to_string(&factory_info.vendor).is_empty(),
        "the factory names a vendor"
    );

    let cid = murmur_class_id(&factory);

    let factory2 = factory
        .cast::<IPluginFactory2>()
        .expect("the factory implements IPluginFactory2");
    let class_count = unsafe { factory2.countClasses() };
    let info2 = (0..class_count)
        .map(|index| {
            let mut info: PClassInfo2 = unsafe { std::mem::zeroed() };
            assert_eq!(
                unsafe { factory2.getClassInfo2(index, &mut info) },
                kResultOk
            );
            info
        })
        .find(|info| info.cid == cid)
        .expect("getClassInfo2 describes Murmur's class");
    assert_eq!(c_chars_to_string(&info2.category), "Audio Module Class");
    assert_eq!(c_chars_to_string(&info2.name), "Murmur");

    let subcategories = c_chars_to_string(&info2.subCategories);
    let subcategories: Vec<&str> = subcategories.split('|').collect();
    for expected in ["Fx", "Spatial"] {
        assert!(
            subcategories.contains(&expected),
            "subcategories {subcategories:?} lack {expected:?}"
        );
    }
}

#[test]
fn edit_controller_exposes_voice_and_global_params() {
    let _guard = lock_module();
    let module = Module::load();
    let factory = module.factory();
    let instance = Instance::create(&factory);

    let infos = instance.parameter_infos();
    assert_eq!(
        infos.len(),
        EXPECTED_PARAMS.len(),
        "parameter count; titles: {:?}",
        infos
            .iter()
            .map(|info| utf16_to_string(&info.title))
            .collect::<Vec<_>>()
    );

    for (string_id, name) in EXPECTED_PARAMS {
        let id = vst3_param_id(string_id);
        let info = infos
            .iter()
            .find(|info| info.id == id)
            .unwrap_or_else(|| panic!("no parameter with id {string_id:?} (VST3 id {id})"));
        assert_eq!(
            utf16_to_string(&info.title),
            name,
            "title of parameter {string_id:?}"
        );
        assert!(
            info.flags & kCanAutomate != 0,
            "parameter {string_id:?} can be automated"
        );
    }

    let bypass_params: Vec<String> = infos
        .iter()
        .filter(|info| info.flags & kIsBypass != 0)
        .map(|info| utf16_to_string(&info.title))
        .collect();
    assert_eq!(
        bypass_params,
        ["Bypass"],
        "exactly one parameter has kIsBypass"
    );

    // The defaults the processing test relies on: Calm Guard on at −6 dBFS, not bypassed.
    let default_plain = |string_id: &str| {
        let id = vst3_param_id(string_id);
        let info = infos.iter().find(|info| info.id == id).unwrap();
        assert_eq!(
            unsafe { instance.controller.getParamNormalized(id) },
            info.defaultNormalizedValue,
            "{string_id:?} starts at its default"
        );
        unsafe {
            instance
                .controller
                .normalizedParamToPlain(id, info.defaultNormalizedValue)
        }
    };
    assert_eq!(default_plain("calm"), 1.0, "Calm Guard defaults to on");
    assert_eq!(default_plain("bypass"), 0.0, "Bypass defaults to off");
    let ceiling_db = default_plain("ceil");
    assert!(
        (ceiling_db + 6.0).abs() < 1e-3,
        "Ceiling defaults to −6 dBFS, got {ceiling_db}"
    );

    instance.terminate();
}

#[test]
fn processes_a_sine_within_the_default_ceiling() {
    let _guard = lock_module();
    let started = Instant::now();
    let module = Module::load();
    let factory = module.factory();
    let instance = Instance::create(&factory);
    instance.start_stereo();

    let mut runner = StereoRunner::new();
    runner.flush(&instance.processor, &ParamChanges::empty());

    // 187 full blocks and a last, shorter one: hosts do not always fill the maximum block size.
    let input = sine((187.0 * 512.0 + 256.0) / SAMPLE_RATE);
    let empty_changes = ParamChanges::empty();
    let [left, right] = runner.run(&instance.processor, &input, |_| empty_changes.clone());

    instance.stop();
    instance.terminate();

    for (name, channel) in [("left", &left), ("right", &right)] {
        if let Some(index) = channel.iter().position(|x| !x.is_finite()) {
            panic!("{name} output sample {index} is {}", channel[index]);
        }
        let channel_rms = rms(channel);
        let channel_peak = peak(channel);
        eprintln!("{name}: rms {channel_rms:.4}, peak {channel_peak:.4}");
        assert!(
            channel_rms > 1e-3,
            "{name} output is silent (rms {channel_rms})"
        );
        assert!(
            channel_peak <= DEFAULT_CEILING,
            "{name} output peaks at {channel_peak} ({:.2} dBFS), above the default −6 dBFS \
             ceiling",
            20.0 * channel_peak.log10()
        );
    }
    eprintln!("load + 2 s of audio: {:?}", started.elapsed());
}

#[test]
fn host_bypass_passes_the_input_through() {
    let _guard = lock_module();
    let module = Module::load();
    let factory = module.factory();
    let instance = Instance::create(&factory);
    instance.start_stereo();

    let bypass_id = vst3_param_id("bypass");
    let latency = unsafe { instance.processor.getLatencySamples() } as usize;

    // Half a second processed, then the host engages bypass mid-block and keeps it on for 1.5 s.
    let switch_block = 47;
    let switch_offset = 100;
    let input = sine(2.0);
    let empty_changes = ParamChanges::empty();
    let bypass_on = ParamChanges::single(bypass_id, switch_offset, 1.0);
    let mut runner = StereoRunner::new();
    let [left, right] = runner.run(&instance.processor, &input, |block_idx| {
        if block_idx == switch_block {
            bypass_on.clone()
        } else {
            empty_changes.clone()
        }
    });

    let bypass_normalized = unsafe { instance.controller.getParamNormalized(bypass_id) };
    instance.stop();
    instance.terminate();

    assert_eq!(
        bypass_normalized, 1.0,
        "the bypass change reached the parameter"
    );

    // Any crossfade into bypass is long over one second after the switch; from there on the
    // output is the input, delayed by the reported latency.
    let settled = switch_block * MAX_BLOCK_SIZE + switch_offset as usize + SAMPLE_RATE as usize;
    for (name, channel) in [("left", &left), ("right", &right)] {
        for index in settled..channel.len() {
            let expected = input[index - latency];
            assert!(
                (channel[index] - expected).abs() <= 1e-5,
                "bypassed {name} output differs from the input at sample {index}: {} vs {} \
                 (latency {latency})",
                channel[index],
                expected
            );
        }
    }
}
