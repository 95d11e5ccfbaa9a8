//! Loads Murmur the way a VST3 host does: from a `Murmur.vst3` bundle, through the module entry
//! points and the COM interfaces of the `vst3` crate, with no nice-plug code on the host side
//! (the host lives in `testkit::vst3`).
//!
//! The library under test is the `cdylib` that `cargo test` builds next to this test binary
//! (`target/<profile>/deps/libmurmur.so`, or `murmur.dll` on Windows), or the bundles in
//! `MURMUR_TEST_BUNDLES`. Test builds enable nice-plug's `assert_process_allocs`,
//! so an allocation inside `IAudioProcessor::process()` (or `setProcessing(true)`, which runs the
//! plugin's `reset()` under the same guard) aborts the whole test binary instead of failing one
//! test.

#![cfg(all(any(target_os = "linux", windows), target_arch = "x86_64"))]

use testkit::frozen_params::FROZEN;

use std::time::Instant;

use vst3::Steinberg::Vst::IAudioProcessorTrait;
use vst3::Steinberg::Vst::IEditControllerTrait;
use vst3::Steinberg::Vst::ParameterInfo_::ParameterFlags_::{kCanAutomate, kIsBypass};
use vst3::Steinberg::{
    IPluginFactory2, IPluginFactory2Trait, IPluginFactoryTrait, PClassInfo2, PFactoryInfo,
    kResultOk,
};

use testkit::vst3::*;

/// Frequency of the test tone fed to the voice path, in Hz.
const TONE_HZ: f64 = 300.0;
/// Peak amplitude of the test tone: about −1 dBFS, well above the default ceiling, so the Calm
/// Guard has something to hold down.
const TONE_AMPLITUDE: f32 = 0.9;
/// The Calm Guard's default ceiling of −6 dBFS as a linear gain (10^(−6/20) = 0.501187…).
const DEFAULT_CEILING: f32 = 0.5012;

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

/// One binary, two plugins: hosts that sort plugins by the subcategories (Fx browsers, instrument
/// tracks) must find the effect among the effects and the instrument among the instruments.
#[test]
fn factory_lists_the_effect_and_the_instrument() {
    let _guard = lock_module();
    let module = Module::load();
    let factory = module.factory();
    let factory2 = factory
        .cast::<IPluginFactory2>()
        .expect("the factory implements IPluginFactory2");

    // (name, category, subcategories) of every class, through getClassInfo2.
    let classes: Vec<(String, String, Vec<String>)> = (0..unsafe { factory2.countClasses() })
        .map(|index| {
            let mut info: PClassInfo2 = unsafe { std::mem::zeroed() };
            assert_eq!(
                unsafe { factory2.getClassInfo2(index, &mut info) },
                kResultOk,
                "getClassInfo2({index})"
            );
            let subcategories = c_chars_to_string(&info.subCategories)
                .split('|')
                .map(str::to_owned)
                .collect();
            (
                c_chars_to_string(&info.name),
                c_chars_to_string(&info.category),
                subcategories,
            )
        })
        .collect();
    eprintln!("VST3 classes: {classes:?}");

    let mut audio_modules: Vec<&str> = classes
        .iter()
        .filter(|(_, category, _)| category == "Audio Module Class")
        .map(|(name, _, _)| name.as_str())
        .collect();
    // Hosts do not rely on the factory's order, nor does this test.
    audio_modules.sort_unstable();
    assert_eq!(
        audio_modules,
        ["Murmur", "Murmur Triggers"],
        "the audio module classes"
    );
    let subcategories = |name: &str| {
        &classes
            .iter()
            .find(|(n, category, _)| n == name && category == "Audio Module Class")
            .expect("listed above")
            .2
    };
    let has = |name: &str, wanted: &str| subcategories(name).iter().any(|s| s == wanted);
    assert!(
        has("Murmur", "Fx") && !has("Murmur", "Instrument"),
        "the effect's subcategories {:?} should include \"Fx\" and not \"Instrument\"",
        subcategories("Murmur")
    );
    assert!(
        has("Murmur Triggers", "Instrument") && !has("Murmur Triggers", "Fx"),
        "the instrument's subcategories {:?} should include \"Instrument\" and not \"Fx\"",
        subcategories("Murmur Triggers")
    );
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
        FROZEN.len(),
        "parameter count; titles: {:?}",
        infos
            .iter()
            .map(|info| utf16_to_string(&info.title))
            .collect::<Vec<_>>()
    );

    for &(string_id, name) in FROZEN {
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
    let input = sine((187 * MAX_BLOCK_SIZE + MAX_BLOCK_SIZE / 2) as f64 / SAMPLE_RATE);
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

/// Block length of the VST3 validator's automation tests (its `defaultBlockSize`).
const VALIDATOR_BLOCK: usize = 64;
/// Set in the child process that [`the_densest_automation_fits_the_event_queue`] starts.
const DENSE_BLOCK_ENV: &str = "MURMUR_TEST_DENSE_BLOCK";

/// Runs in a child process (see below): every automatable parameter changed at every sample of
/// one block of `MURMUR_TEST_DENSE_BLOCK` samples, with the plugin's log going to `NICE_LOG`.
#[test]
#[ignore = "run by the_densest_automation_fits_the_event_queue in a process of its own"]
fn every_parameter_at_every_sample() {
    let block: usize = std::env::var(DENSE_BLOCK_ENV)
        .expect("started by the_densest_automation_fits_the_event_queue")
        .parse()
        .unwrap();
    let _guard = lock_module();
    let module = Module::load();
    let instance = Instance::create(&module.factory());
    instance.start_stereo();
    let ids: Vec<_> = instance
        .parameter_infos()
        .iter()
        .filter(|info| info.flags & kCanAutomate as i32 != 0)
        .map(|info| info.id)
        .collect();
    let changes = ParamChanges::every_sample(&ids, block);
    let mut runner = StereoRunner::new();
    let [left, right] = runner.run(
        &instance.processor,
        &sine(block as f64 / SAMPLE_RATE),
        |_| changes.clone(),
    );
    instance.stop();
    instance.terminate();
    assert!(left.iter().chain(&right).all(|x| x.is_finite()));
    println!("{} parameters × {block} samples", ids.len());
}

/// The VST3 validator's densest automation ("Accuracy: Block, All Parameters, Change every 1
/// Samples": a point for every parameter at every one of 64 samples) fits the plugin's event
/// queue: nice-plug warns "Input event buffer filled up! This will cause an allocation." when it
/// does not (and then allocates, permitted, on the audio thread). The log is read from a child
/// process whose `NICE_LOG` names a file; a block eight times as dense must fill the queue, or
/// the check could not fail.
#[test]
fn the_densest_automation_fits_the_event_queue() {
    let module = module_path!().split_once("::").map_or("", |(_, path)| path);
    let name = format!("{module}::every_parameter_at_every_sample");
    let log_for = |block: usize| {
        let log =
            std::env::temp_dir().join(format!("murmur-dense-{}-{block}.log", std::process::id()));
        let block_text = block.to_string();
        let stdout = testkit::run_alone(
            &name,
            &[
                ("NICE_LOG", log.as_os_str()),
                (DENSE_BLOCK_ENV, block_text.as_ref()),
            ],
        );
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        let _ = std::fs::remove_file(&log);
        (
            stdout
                .lines()
                .find(|l| l.contains("parameters ×"))
                .unwrap_or("")
                .to_owned(),
            text,
        )
    };
    const FILLED: &str = "Input event buffer filled up";
    let (what, log) = log_for(VALIDATOR_BLOCK);
    println!("{what}: {} log lines", log.lines().count());
    assert!(!log.contains(FILLED), "{what}: {log}");
    let (what, log) = log_for(8 * VALIDATOR_BLOCK);
    assert!(
        log.contains(FILLED),
        "{what}: the queue never filled, so the check is blind"
    );
}

/// `murmur presets --vst3 DIR` writes every factory preset as a `.vstpreset` file for both
/// plugins, in the VST3 preset folder layout (DIR/Murmur/<plugin>/): each names the class the
/// factory reports (as Steinberg's `FUID::toString` writes it on this system), and its component
/// chunk, opened as a host opens a preset (`setState`, then `setComponentState`), leaves every
/// parameter but Bypass at the preset's value and Bypass alone.
#[test]
fn vst3_preset_files_load_the_presets() {
    use murmur::params::{ParamIndex, ParamSheet};
    let dir = testkit::cli::temp_dir("vst3-presets");
    // No presets of the user's: only the factory's are written.
    let empty = dir.join("no-user-presets");
    let run = std::process::Command::new(testkit::cli::murmur_program())
        .args(["presets", "--vst3", dir.to_str().unwrap()])
        .env(murmur::user_presets::FOLDER_ENV, &empty)
        .output()
        .unwrap();
    assert!(run.status.success(), "{}", testkit::cli::text(&run.stderr));
    let _guard = lock_module();
    let module = Module::load();
    let factory = module.factory();
    // As Steinberg's `FUID::toString` writes the class ID the factory reports: its bytes in
    // order, or on Windows (COM-compatible IDs) the first eight as a GUID's three little-endian
    // fields.
    let tuid: Vec<u8> = murmur_class_id(&factory).iter().map(|b| *b as u8).collect();
    let hex = |bytes: &[u8]| -> String { bytes.iter().map(|b| format!("{b:02X}")).collect() };
    let class = if cfg!(windows) {
        let field = |range: std::ops::Range<usize>| {
            let mut bytes = tuid[range].to_vec();
            bytes.reverse();
            hex(&bytes)
        };
        field(0..4) + &field(4..6) + &field(6..8) + &hex(&tuid[8..])
    } else {
        hex(&tuid)
    };
    let bypass = vst3_param_id("bypass");
    for preset in murmur::presets::factory() {
        for plugin in ["Murmur", "Murmur Triggers"] {
            let path = dir
                .join("Murmur")
                .join(plugin)
                .join(format!("{}.vstpreset", preset.name));
            assert!(path.is_file(), "{} is missing", path.display());
        }
        let path = dir
            .join("Murmur/Murmur")
            .join(format!("{}.vstpreset", preset.name));
        let bytes = std::fs::read(&path).unwrap();
        let (file_class, state) = murmur::vst3_preset::chunk(&bytes, b"Comp").unwrap();
        assert_eq!(file_class, class, "{}", preset.name);

        let instance = Instance::create(&factory);
        let bypass_on = ParamChanges::single(bypass, 0, 1.0);
        instance.start_stereo();
        StereoRunner::new().flush(&instance.processor, &bypass_on);
        instance.stop();
        assert!(
            instance.load_state(state),
            "{}: the state was refused",
            preset.name
        );
        let sheet = ParamSheet::with_settings(&preset.settings);
        for (i, entry) in sheet.params().iter().enumerate() {
            let id = vst3_param_id(&entry.id);
            let got = unsafe { instance.controller.getParamNormalized(id) };
            let expected = if entry.id == "bypass" {
                1.0
            } else {
                f64::from(sheet.normalized(ParamIndex(i)))
            };
            assert!(
                (got - expected).abs() <= 1e-5,
                "{}: {} is {got}, the preset has {expected}",
                preset.name,
                entry.id
            );
        }
        instance.terminate();
    }
    let _ = std::fs::remove_dir_all(dir);
}
