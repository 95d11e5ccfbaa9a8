//! A minimal VST3 host for Murmur's integration tests: lays out a `Murmur.vst3` bundle around the
//! plugin library Cargo built for the test run, loads it through the module entry points of the
//! system it runs on (Linux or Windows) and drives it through the COM interfaces of the `vst3` crate, with no nice-plug code on the host
//! side. The library is found and checked by `crate::plugin_files`.

use std::cell::{Cell, RefCell};
use std::ffi::{CStr, c_char, c_void};
use std::path::PathBuf;
use std::ptr;
use std::sync::Mutex;

use libloading::Library;
use vst3::Steinberg::IBStream_::IStreamSeekMode_::{kIBSeekCur, kIBSeekEnd, kIBSeekSet};
use vst3::Steinberg::Vst::BusDirections_::{kInput, kOutput};
use vst3::Steinberg::Vst::MediaTypes_::{kAudio, kEvent};
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
    IBStream, IBStreamTrait, IPluginBaseTrait, IPluginFactory, IPluginFactoryTrait, PClassInfo,
    TUID, int32, int64, kInvalidArgument, kResultFalse, kResultOk, tresult,
};
use vst3::{Class, ComPtr, ComWrapper, Interface};

use crate::plugin_files::{
    assert_alloc_guard_compiled_in, built_plugin_library, bundles_under_test, fresh_temp_dir,
};

/// The sample rate the host runs at, Hz.
pub const SAMPLE_RATE: f64 = 48_000.0;
/// The largest block the host passes to process(), samples.
pub const MAX_BLOCK_SIZE: usize = 512;

/// Each test loads and unloads its own copy of the module. Hosts never drive one plugin library
/// from several scanning/processing sessions at once, so the tests take turns.
static MODULE_LOCK: Mutex<()> = Mutex::new(());

// ---------------------------------------------------------------------------------------------
// Module loading
// ---------------------------------------------------------------------------------------------

/// A loaded `Murmur.vst3` bundle. Dropping it calls the module's exit function, unloads the
/// library and deletes the temporary bundle.
pub struct Module {
    bundle_root: PathBuf,
    library: Option<Library>,
}

/// Where a VST3 bundle keeps its binary on this system, and that binary's extension
/// (Steinberg's "VST 3 Locations / Format": `x86_64-linux/*.so`, `x86_64-win/*.vst3`).
#[cfg(windows)]
const BINARY_FOLDER: &str = "Murmur.vst3/Contents/x86_64-win";
#[cfg(windows)]
const BINARY_NAME: &str = "Murmur.vst3";
#[cfg(not(windows))]
const BINARY_FOLDER: &str = "Murmur.vst3/Contents/x86_64-linux";
#[cfg(not(windows))]
const BINARY_NAME: &str = "Murmur.so";

/// The module's entry and exit functions: `ModuleEntry(handle)`/`ModuleExit()` on Linux,
/// `InitDll()`/`ExitDll()` on Windows (the SDK's `linuxmain.cpp` and `dllmain.cpp`).
#[cfg(windows)]
unsafe fn enter(library: &Library) -> Option<bool> {
    let entry = unsafe { library.get::<unsafe extern "system" fn() -> bool>(b"InitDll\0") };
    entry.ok().map(|entry| unsafe { entry() })
}
#[cfg(windows)]
unsafe fn exit(library: &Library) -> Option<bool> {
    let exit = unsafe { library.get::<unsafe extern "system" fn() -> bool>(b"ExitDll\0") };
    exit.ok().map(|exit| unsafe { exit() })
}
#[cfg(not(windows))]
unsafe fn enter(library: &Library) -> Option<bool> {
    let entry =
        unsafe { library.get::<unsafe extern "C" fn(*mut c_void) -> bool>(b"ModuleEntry\0") };
    entry.ok().map(|entry| unsafe { entry(ptr::null_mut()) })
}
#[cfg(not(windows))]
unsafe fn exit(library: &Library) -> Option<bool> {
    let exit = unsafe { library.get::<unsafe extern "C" fn() -> bool>(b"ModuleExit\0") };
    exit.ok().map(|exit| unsafe { exit() })
}

impl Module {
    /// Lays out `Murmur.vst3/Contents/<arch>-<system>/Murmur.<ext>` in a fresh temporary
    /// directory from the test build's library (or the bundle under test), loads it and calls
    /// the module's entry function like a host does.
    pub fn load() -> Module {
        let source = match bundles_under_test() {
            Some(folder) => folder.join(BINARY_FOLDER).join(BINARY_NAME),
            None => {
                let library = built_plugin_library();
                assert_alloc_guard_compiled_in(&library);
                library
            }
        };

        let bundle_root = fresh_temp_dir("murmur-vst3-host");
        let binary_dir = bundle_root.join(BINARY_FOLDER);
        std::fs::create_dir_all(&binary_dir).expect("creating the bundle directories");
        let binary = binary_dir.join(BINARY_NAME);
        std::fs::copy(&source, &binary)
            .unwrap_or_else(|e| panic!("copying {} into the bundle: {e}", source.display()));

        let library = unsafe { Library::new(&binary) }
            .unwrap_or_else(|err| panic!("loading {} failed: {err}", binary.display()));
        let module = Module {
            bundle_root,
            library: Some(library),
        };

        // The SDK's module loaders call the entry function before anything else and refuse the
        // module when it returns false.
        if let Some(ok) = unsafe { enter(module.library()) } {
            assert!(ok, "the module's entry function returned false");
        }

        module
    }

    fn library(&self) -> &Library {
        self.library.as_ref().expect("library already unloaded")
    }

    /// Calls `GetPluginFactory()`. The returned pointer carries one reference, which the
    /// [`ComPtr`] owns.
    pub fn factory(&self) -> ComPtr<IPluginFactory> {
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
            if let Some(ok) = unsafe { exit(&library) }
                && !std::thread::panicking()
            {
                assert!(ok, "the module's exit function returned false");
            }
            drop(library);
        }
        let _ = std::fs::remove_dir_all(&self.bundle_root);
    }
}

// ---------------------------------------------------------------------------------------------
// Factory and instance helpers
// ---------------------------------------------------------------------------------------------

/// Reads a null-terminated `char8` array.
pub fn c_chars_to_string(chars: &[c_char]) -> String {
    let bytes: Vec<u8> = chars.iter().map(|&c| c as u8).collect();
    CStr::from_bytes_until_nul(&bytes)
        .expect("string field is null-terminated")
        .to_string_lossy()
        .into_owned()
}

/// Reads a null-terminated UTF-16 `String128`.
pub fn utf16_to_string(chars: &[u16]) -> String {
    let len = chars.iter().position(|&c| c == 0).unwrap_or(chars.len());
    String::from_utf16_lossy(&chars[..len])
}

/// nice-plug's VST3 parameter id for a string id (a Rabin fingerprint with the top bit cleared,
/// as that bit is reserved for host parameters).
pub fn vst3_param_id(id: &str) -> ParamID {
    let hash = id.bytes().fold(0u32, |hash, byte| {
        hash.wrapping_mul(31).wrapping_add(byte as u32)
    });
    hash & !(1 << 31)
}

/// Finds Murmur's audio module class and returns its class id.
pub fn murmur_class_id(factory: &ComPtr<IPluginFactory>) -> TUID {
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
pub struct Instance {
    pub component: ComPtr<IComponent>,
    pub processor: ComPtr<IAudioProcessor>,
    pub controller: ComPtr<IEditController>,
    /// Whether the controller is a separate object that was initialized on its own.
    separate_controller: bool,
}

impl Instance {
    /// Creates and initializes an instance the way a host does, with no host context (nice-plug
    /// does not use one).
    pub fn create(factory: &ComPtr<IPluginFactory>) -> Instance {
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
    pub fn start_stereo(&self) {
        self.start_stereo_at(SAMPLE_RATE);
    }

    /// [`start_stereo()`][Self::start_stereo()] at `sample_rate` Hz.
    pub fn start_stereo_at(&self, sample_rate: f64) {
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
                sampleRate: sample_rate,
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
    pub fn stop(&self) {
        unsafe {
            assert_eq!(
                self.processor.setProcessing(0),
                kResultOk,
                "setProcessing(false)"
            );
            assert_eq!(self.component.setActive(0), kResultOk, "setActive(false)");
        }
    }

    /// `terminate()` on the component (and on a separate controller), then releases every
    /// reference this host holds.
    pub fn terminate(self) {
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
    }

    /// The component's state, through `IComponent::getState()`, as a host saves a project.
    pub fn save_state(&self) -> Vec<u8> {
        let stream = ComWrapper::new(MemoryStream::default());
        let raw = stream.as_com_ref::<IBStream>().expect("a stream").as_ptr();
        assert_eq!(
            unsafe { self.component.getState(raw) },
            kResultOk,
            "getState"
        );
        stream.bytes.borrow().clone()
    }

    /// Opens a saved state as a host does: `IComponent::setState()`, then the same bytes to the
    /// controller's `setComponentState()`. Returns whether both took it.
    pub fn load_state(&self, bytes: &[u8]) -> bool {
        let load = |to_controller: bool| {
            let stream = ComWrapper::new(MemoryStream {
                bytes: RefCell::new(bytes.to_vec()),
                position: Cell::new(0),
            });
            let raw = stream.as_com_ref::<IBStream>().expect("a stream").as_ptr();
            let result = if to_controller {
                unsafe { self.controller.setComponentState(raw) }
            } else {
                unsafe { self.component.setState(raw) }
            };
            result == kResultOk
        };
        load(false) && load(true)
    }

    /// Every parameter's normalized value, in the controller's order.
    pub fn normalized_values(&self) -> Vec<(ParamID, ParamValue)> {
        self.parameter_infos()
            .iter()
            .map(|info| {
                (info.id, unsafe {
                    self.controller.getParamNormalized(info.id)
                })
            })
            .collect()
    }

    /// The normalized value `text` stands for, through `getParamValueByString()`.
    pub fn normalized_from_text(&self, id: ParamID, text: &str) -> ParamValue {
        let mut wide: Vec<u16> = text.encode_utf16().chain([0]).collect();
        let mut value: ParamValue = f64::NAN;
        let result = unsafe {
            self.controller
                .getParamValueByString(id, wide.as_mut_ptr().cast(), &mut value)
        };
        assert_eq!(result, kResultOk, "getParamValueByString({id}, {text:?})");
        value
    }

    /// `getParameterInfo()` for every index below `getParameterCount()`.
    pub fn parameter_infos(&self) -> Vec<ParameterInfo> {
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

/// `IPluginFactory::createInstance()` for class `cid`, asking for interface `I`.
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

/// A parameter's queue of points (sample offset, normalized value), in time order.
struct PointQueue {
    id: ParamID,
    points: Vec<(int32, ParamValue)>,
}

impl Class for PointQueue {
    type Interfaces = (IParamValueQueue,);
}

impl IParamValueQueueTrait for PointQueue {
    unsafe fn getParameterId(&self) -> ParamID {
        self.id
    }

    unsafe fn getPointCount(&self) -> int32 {
        self.points.len() as int32
    }

    unsafe fn getPoint(
        &self,
        index: int32,
        sample_offset: *mut int32,
        value: *mut ParamValue,
    ) -> tresult {
        let point = usize::try_from(index)
            .ok()
            .and_then(|index| self.points.get(index));
        let Some(&(offset, normalized)) = point else {
            return kInvalidArgument;
        };
        if sample_offset.is_null() || value.is_null() {
            return kInvalidArgument;
        }
        unsafe {
            *sample_offset = offset;
            *value = normalized;
        }
        kResultOk
    }

    unsafe fn addPoint(&self, _offset: int32, _value: ParamValue, _index: *mut int32) -> tresult {
        kResultFalse
    }
}

/// A host's in-memory `IBStream`, for saving and loading state.
#[derive(Default)]
pub struct MemoryStream {
    bytes: RefCell<Vec<u8>>,
    position: Cell<usize>,
}

impl Class for MemoryStream {
    type Interfaces = (IBStream,);
}

impl IBStreamTrait for MemoryStream {
    unsafe fn read(&self, buffer: *mut c_void, count: int32, read: *mut int32) -> tresult {
        let bytes = self.bytes.borrow();
        let start = self.position.get().min(bytes.len());
        let n = usize::try_from(count).unwrap_or(0).min(bytes.len() - start);
        unsafe { ptr::copy_nonoverlapping(bytes[start..].as_ptr(), buffer.cast::<u8>(), n) };
        self.position.set(start + n);
        if !read.is_null() {
            unsafe { *read = n as int32 };
        }
        kResultOk
    }

    unsafe fn write(&self, buffer: *mut c_void, count: int32, written: *mut int32) -> tresult {
        let n = usize::try_from(count).unwrap_or(0);
        let data = unsafe { std::slice::from_raw_parts(buffer.cast::<u8>(), n) };
        let mut bytes = self.bytes.borrow_mut();
        let start = self.position.get();
        if bytes.len() < start + n {
            bytes.resize(start + n, 0);
        }
        bytes[start..start + n].copy_from_slice(data);
        self.position.set(start + n);
        if !written.is_null() {
            unsafe { *written = n as int32 };
        }
        kResultOk
    }

    unsafe fn seek(&self, pos: int64, mode: int32, result: *mut int64) -> tresult {
        let base = match mode as u32 {
            m if m == kIBSeekSet as u32 => 0,
            m if m == kIBSeekCur as u32 => self.position.get() as int64,
            m if m == kIBSeekEnd as u32 => self.bytes.borrow().len() as int64,
            _ => return kInvalidArgument,
        };
        let Ok(position) = usize::try_from(base + pos) else {
            return kInvalidArgument;
        };
        self.position.set(position);
        if !result.is_null() {
            unsafe { *result = position as int64 };
        }
        kResultOk
    }

    unsafe fn tell(&self, pos: *mut int64) -> tresult {
        if pos.is_null() {
            return kInvalidArgument;
        }
        unsafe { *pos = self.position.get() as int64 };
        kResultOk
    }
}

/// The host's `IParameterChanges` for one process() call. Real hosts always pass one, often empty.
pub struct ParamChanges {
    queues: Vec<ComWrapper<PointQueue>>,
}

impl ParamChanges {
    pub fn empty() -> ComWrapper<ParamChanges> {
        ComWrapper::new(ParamChanges { queues: Vec::new() })
    }

    pub fn single(
        id: ParamID,
        sample_offset: int32,
        value: ParamValue,
    ) -> ComWrapper<ParamChanges> {
        let queue = ComWrapper::new(PointQueue {
            id,
            points: vec![(sample_offset, value)],
        });
        ComWrapper::new(ParamChanges {
            queues: vec![queue],
        })
    }

    /// A point for every parameter in `ids` at every sample of a `block_len`-sample block, as
    /// the validator's densest automation test sends ("All Parameters, Change every 1
    /// Samples"): values spread over the range, different for each parameter and sample.
    pub fn every_sample(ids: &[ParamID], block_len: usize) -> ComWrapper<ParamChanges> {
        let queues = ids
            .iter()
            .enumerate()
            .map(|(p, &id)| {
                let points = (0..block_len)
                    .map(|n| (n as int32, ((p * 7 + n * 13) % 101) as f64 / 100.0))
                    .collect();
                ComWrapper::new(PointQueue { id, points })
            })
            .collect();
        ComWrapper::new(ParamChanges { queues })
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
pub struct StereoRunner {
    inputs: [Vec<f32>; 2],
    outputs: [Vec<f32>; 2],
    project_time_samples: i64,
    sample_rate: f64,
}

impl StereoRunner {
    /// A runner at [`SAMPLE_RATE`].
    pub fn new() -> Self {
        Self::at(SAMPLE_RATE)
    }

    /// A runner whose transport counts at `sample_rate` Hz (the rate the instance was set up at).
    pub fn at(sample_rate: f64) -> Self {
        StereoRunner {
            inputs: [vec![0.0; MAX_BLOCK_SIZE], vec![0.0; MAX_BLOCK_SIZE]],
            outputs: [vec![0.0; MAX_BLOCK_SIZE], vec![0.0; MAX_BLOCK_SIZE]],
            project_time_samples: 0,
            sample_rate,
        }
    }

    /// A "parameter flush": no samples and no output buses, which some hosts send to deliver
    /// parameter changes while the transport is stopped.
    pub fn flush(
        &mut self,
        processor: &ComPtr<IAudioProcessor>,
        changes: &ComWrapper<ParamChanges>,
    ) {
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
    pub fn run(
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
        // Garbage in the output buffers, so a sample that nobody writes shows up as NaN.
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
        // The flags are a C enum: `u32` in the Linux headers, `i32` in the Windows ones.
        context.state = (kPlaying | kTempoValid | kTimeSigValid | kProjectTimeMusicValid) as _;
        context.sampleRate = self.sample_rate;
        context.projectTimeSamples = self.project_time_samples;
        context.continousTimeSamples = self.project_time_samples;
        context.tempo = 120.0;
        context.timeSigNumerator = 4;
        context.timeSigDenominator = 4;
        context.projectTimeMusic =
            self.project_time_samples as f64 / self.sample_rate * context.tempo / 60.0;

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

/// Serializes the tests that load the module; see [`MODULE_LOCK`].
pub fn lock_module() -> std::sync::MutexGuard<'static, ()> {
    MODULE_LOCK
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
