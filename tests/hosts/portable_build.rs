//! The same Murmur on every system. One build writes its *portrait*: its CLAP and VST3
//! parameter lists, the values a set of settings gives, ten seconds of the effect at 44.1 and
//! 48 kHz through each format, and its saved CLAP and VST3 states. Another build checks it: the
//! same parameter lists and values, the same audio to the last bit, and the other's states load
//! and play as its own do.
//!
//! `cargo xtask windows-test` runs this three times: the Linux bundles write their portrait, the
//! Windows bundles (under Wine) check it and write theirs, and the Linux bundles check that.
//! - `MURMUR_PORTRAIT_OUT`: the folder to write this build's portrait to;
//! - `MURMUR_PORTRAIT_PEER`: the folder holding the other build's portrait, to check against;
//! - `MURMUR_TEST_BUNDLES`: the bundles to test (else the test build's library).
//!
//! With neither portrait folder there is nothing to compare, so the tests are ignored by a plain
//! `cargo test`.

// This test uses a few of the two hosts' functions.

use std::path::{Path, PathBuf};

use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg32;
use vst3::Steinberg::Vst::IAudioProcessorTrait;

use testkit::clap::{BLOCK, Murmur};
use testkit::vst3::{
    Instance, Module, ParamChanges, StereoRunner, lock_module, utf16_to_string, vst3_param_id,
};

const SECONDS: usize = 10;
const RATES: [u32; 2] = [44_100, 48_000];

/// The settings both builds play: whisper cleanup, a moving voice, two trigger layers and a fixed
/// seed, so every path of the effect is in the audio.
const SETTINGS: [(&str, &str); 7] = [
    ("deess", "40"),
    ("dnoise", "40"),
    ("motion", "Orbit"),
    ("t1on", "On"),
    ("t2on", "On"),
    ("t2type", "Rain"),
    ("seed", "7"),
];

struct Portrait {
    out: Option<PathBuf>,
    peer: Option<PathBuf>,
}

impl Portrait {
    fn from_env() -> Portrait {
        let folder = |name: &str| std::env::var_os(name).map(PathBuf::from);
        let portrait = Portrait {
            out: folder("MURMUR_PORTRAIT_OUT"),
            peer: folder("MURMUR_PORTRAIT_PEER"),
        };
        assert!(
            portrait.out.is_some() || portrait.peer.is_some(),
            "set MURMUR_PORTRAIT_OUT and/or MURMUR_PORTRAIT_PEER (cargo xtask windows-test)"
        );
        if let Some(out) = &portrait.out {
            std::fs::create_dir_all(out).unwrap_or_else(|e| panic!("{}: {e}", out.display()));
        }
        portrait
    }

    /// Writes `bytes` as this build's `name`, and returns the peer's `name` if there is a peer.
    fn exchange(&self, name: &str, bytes: &[u8]) -> Option<Vec<u8>> {
        if let Some(out) = &self.out {
            let path = out.join(name);
            std::fs::write(&path, bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        }
        self.peer.as_deref().map(|peer| read(&peer.join(name)))
    }

    /// [`exchange`](Self::exchange) for text, compared line by line with the peer's.
    fn same_text(&self, name: &str, text: &str) {
        if let Some(peer) = self.exchange(name, text.as_bytes()) {
            let peer = String::from_utf8(peer).expect("a portrait's text is UTF-8");
            for (line, (ours, theirs)) in text.lines().zip(peer.lines()).enumerate() {
                assert_eq!(ours, theirs, "{name}, line {}", line + 1);
            }
            assert_eq!(text.lines().count(), peer.lines().count(), "{name}: lines");
        }
    }

    /// [`exchange`](Self::exchange) for audio, compared with the peer's sample by sample.
    fn same_audio(&self, name: &str, samples: &[f32]) {
        let bytes: Vec<u8> = samples.iter().flat_map(|x| x.to_le_bytes()).collect();
        if let Some(peer) = self.exchange(name, &bytes) {
            assert_close(name, samples, &from_le(&peer));
        }
    }
}

fn read(path: &Path) -> Vec<u8> {
    std::fs::read(path).unwrap_or_else(|e| panic!("the peer's portrait: {}: {e}", path.display()))
}

fn from_le(bytes: &[u8]) -> Vec<f32> {
    bytes
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect()
}

fn assert_close(what: &str, ours: &[f32], theirs: &[f32]) {
    assert_eq!(ours.len(), theirs.len(), "{what}: samples");
    let (mut worst, mut at, mut differing) = (0.0f32, 0, 0);
    for (n, (a, b)) in ours.iter().zip(theirs).enumerate() {
        assert!(
            a.is_finite() && b.is_finite(),
            "{what}: sample {n}: {a} / {b}"
        );
        let difference = (a - b).abs();
        differing += usize::from(a.to_bits() != b.to_bits());
        if difference > worst {
            (worst, at) = (difference, n);
        }
    }
    let audible = ours.iter().map(|x| x.abs()).fold(0.0, f32::max);
    eprintln!(
        "{what}: {differing} of {} samples differ, by at most {worst:e} (sample {at}); peak {audible}",
        ours.len()
    );
    assert!(audible > 0.01, "{what}: the render is silent");
    // The sound's maths is the same code on every system (`murmur::dsp::math`), so the samples
    // are the same bits: any difference means something system-dependent got into the sound.
    assert_eq!(
        differing, 0,
        "{what}: sample {at} differs by {worst:e}: {} here, {} in the peer's",
        ours[at], theirs[at]
    );
}

/// Seeded stereo noise, interleaved: the same on every system.
fn noise_input(frames: usize) -> Vec<f32> {
    let mut rng = Pcg32::seed_from_u64(2026);
    (0..2 * frames)
        .map(|_| rng.random_range(-0.2..0.2))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// CLAP
// ---------------------------------------------------------------------------------------------

/// A new effect instance with [`SETTINGS`] applied through `params.flush`.
fn clap_with_settings() -> Murmur {
    let murmur = Murmur::new();
    let changes: Vec<(u32, f64)> = SETTINGS
        .iter()
        .map(|(id, text)| {
            let id = murmur.param_by_id(id).id;
            let value = murmur
                .text_to_value(id, text)
                .unwrap_or_else(|| panic!("{id}: {text:?} is not a value"));
            (id, value)
        })
        .collect();
    murmur.flush_params(&changes);
    murmur
}

fn clap_values(murmur: &Murmur) -> String {
    murmur
        .all_values()
        .iter()
        .map(|(id, name, value)| format!("{id}\t{name}\t{value:?}\n"))
        .collect()
}

/// Ten seconds of [`noise_input`] through `murmur` at `rate`, interleaved.
fn clap_render(murmur: &mut Murmur, rate: u32) -> Vec<f32> {
    let frames = SECONDS * rate as usize;
    let input = noise_input(frames);
    let mut processor = murmur.activate(f64::from(rate), 2);
    let mut out = Vec::with_capacity(2 * frames);
    for block in input.chunks(2 * BLOCK) {
        let len = block.len() / 2;
        for (n, frame) in block.chunks_exact(2).enumerate() {
            processor.inputs[0][n] = frame[0];
            processor.inputs[1][n] = frame[1];
        }
        processor.process(len, &[]);
        let (left, right) = processor.output(len);
        out.extend(left.iter().zip(right).flat_map(|(l, r)| [*l, *r]));
    }
    murmur.deactivate(processor);
    out
}

#[test]
#[ignore = "compares two builds: cargo xtask windows-test"]
fn the_clap_plugin_is_the_same_on_both_systems() {
    let portrait = Portrait::from_env();

    let murmur = Murmur::new();
    let params: String = murmur
        .all_params()
        .iter()
        .map(|p| {
            format!(
                "{}\t{}\t{:?}\t{:?}\t{:?}\t{:#x}\n",
                p.id, p.name, p.min_value, p.max_value, p.default_value, p.flags
            )
        })
        .collect();
    portrait.same_text("clap-params.txt", &params);
    drop(murmur);

    let mut murmur = clap_with_settings();
    let values = clap_values(&murmur);
    portrait.same_text("clap-values.txt", &values);
    let state = murmur.save_state();
    let peer_state = portrait.exchange("clap-state.json", &state);
    let mut renders = Vec::new();
    for rate in RATES {
        let render = clap_render(&mut murmur, rate);
        portrait.same_audio(&format!("clap-{rate}.f32"), &render);
        renders.push(render);
    }

    // The other system's saved project, opened here: the same values and the same sound.
    if let Some(peer_state) = peer_state {
        eprintln!(
            "the two systems' saved states are {}",
            if peer_state == state {
                "byte for byte the same"
            } else {
                "different bytes"
            }
        );
        let mut reopened = Murmur::new();
        assert!(reopened.load_state(&peer_state), "the peer's state loads");
        assert_eq!(
            clap_values(&reopened),
            values,
            "values after loading the peer's state"
        );
        for (rate, render) in RATES.into_iter().zip(&renders) {
            let again = clap_render(&mut reopened, rate);
            assert_close(&format!("the peer's project at {rate} Hz"), &again, render);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// VST3
// ---------------------------------------------------------------------------------------------

#[test]
#[ignore = "compares two builds: cargo xtask windows-test"]
fn the_vst3_plugin_is_the_same_on_both_systems() {
    let portrait = Portrait::from_env();
    let _guard = lock_module();
    let module = Module::load();
    let factory = module.factory();

    let instance = Instance::create(&factory);
    let params: String = instance
        .parameter_infos()
        .iter()
        .map(|p| {
            format!(
                "{}\t{}\t{}\t{}\t{:?}\t{:#x}\n",
                p.id,
                utf16_to_string(&p.title),
                utf16_to_string(&p.units),
                p.stepCount,
                p.defaultNormalizedValue,
                p.flags
            )
        })
        .collect();
    portrait.same_text("vst3-params.txt", &params);
    instance.terminate();

    let mut peer_state = None;
    let mut renders = Vec::new();
    for rate in RATES {
        let instance = Instance::create(&factory);
        instance.start_stereo_at(f64::from(rate));
        let mut runner = StereoRunner::at(f64::from(rate));
        for (id, text) in SETTINGS {
            let value = instance.normalized_from_text(vst3_param_id(id), text);
            runner.flush(
                &instance.processor,
                &ParamChanges::single(vst3_param_id(id), 0, value),
            );
        }
        if rate == RATES[0] {
            portrait.same_text("vst3-values.txt", &vst3_values(&instance));
            peer_state = portrait.exchange("vst3-state.bin", &instance.save_state());
        }
        let latency = unsafe { instance.processor.getLatencySamples() };
        let render = vst3_render(&instance, &mut runner, rate);
        instance.stop();
        instance.terminate();
        portrait.same_text(&format!("vst3-latency-{rate}.txt"), &format!("{latency}\n"));
        portrait.same_audio(&format!("vst3-{rate}.f32"), &render);
        renders.push(render);
    }

    // The other system's saved project, opened here as a host opens one: state first, then
    // processing. The same values and the same sound.
    if let Some(peer_state) = peer_state {
        for (rate, render) in RATES.into_iter().zip(&renders) {
            let instance = Instance::create(&factory);
            assert!(
                instance.load_state(&peer_state),
                "the peer's VST3 state loads"
            );
            if rate == RATES[0] {
                let values = vst3_values(&instance);
                let ours = std::fs::read_to_string(
                    portrait
                        .peer
                        .as_ref()
                        .expect("a peer")
                        .join("vst3-values.txt"),
                )
                .expect("the peer's values");
                assert_eq!(values, ours, "values after loading the peer's VST3 state");
            }
            instance.start_stereo_at(f64::from(rate));
            let mut runner = StereoRunner::at(f64::from(rate));
            let again = vst3_render(&instance, &mut runner, rate);
            instance.stop();
            instance.terminate();
            assert_close(
                &format!("the peer's VST3 project at {rate} Hz"),
                &again,
                render,
            );
        }
    }
}

/// Every parameter's normalized value through the controller, a line each.
fn vst3_values(instance: &Instance) -> String {
    instance
        .normalized_values()
        .iter()
        .map(|(id, value)| format!("{id}\t{value:?}\n"))
        .collect()
}

/// Ten seconds of the left channel of [`noise_input`] (the VST3 runner feeds one signal to
/// both inputs) through a started `instance` at `rate`, interleaved.
fn vst3_render(instance: &Instance, runner: &mut StereoRunner, rate: u32) -> Vec<f32> {
    let input: Vec<f32> = noise_input(SECONDS * rate as usize)
        .chunks_exact(2)
        .map(|frame| frame[0])
        .collect();
    let empty = ParamChanges::empty();
    let [left, right] = runner.run(&instance.processor, &input, |_| empty.clone());
    left.iter()
        .zip(&right)
        .flat_map(|(l, r)| [*l, *r])
        .collect()
}
