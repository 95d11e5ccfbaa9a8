//! Voice-path speed: one second of 48 kHz audio, as a host drives it in blocks of 32, 128 and
//! 512 samples. Criterion reports the time per second of audio; the real-time factor is 1 s
//! divided by that time (see BENCHMARKS.md).
//!
//! Three kinds of case, in one run so that they share the machine's state:
//! - `engine_*`: the whole engine on a mono voice (cleanup at 0 %, the head, the voice mix, the
//!   Calm Guard): every motion mode through the sphere model, Orbit in the Bedroom, a stereo
//!   voice, and the SOFA head;
//! - `renderer_*`: Murmur's binaural renderers alone on the same moving voice (Orbit), the work
//!   the references below do; `room_bedroom_orbit`: the room alone (the Bedroom's reflections of
//!   that voice and its tail);
//! - `ref_*`: the reference renderers (`benches/references/`): direct HRIR convolution with
//!   `fft-convolver`, `sofar`'s renderer, and the sphere model computed naively per sample.

mod references;

use std::sync::Arc;

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use murmur::binaural::hrtf_set::HrtfSet;
use murmur::binaural::sofa_renderer::SofaRenderer;
use murmur::binaural::{BinauralRenderer, CONTROL_PERIOD};
use murmur::engine::{Engine, HrtfModel, InputChannels, Settings};
use murmur::motion::MotionMode;
use murmur::room::{Room, RoomKind};
use references::{
    FftConvolverVoice, NaiveSphere, SAMPLE_RATE, SofarVoice, VoicePath, VoiceRenderer,
    check_renders_sound, noise, orbit_settings,
};
use std::hint::black_box;

const FS: f32 = SAMPLE_RATE;
const BLOCKS: [usize; 3] = [32, 128, 512];

/// The engine as the plugin runs it, behind the references' interface.
struct EngineVoice {
    engine: Engine,
    input: InputChannels,
    settings: Settings,
}

impl VoiceRenderer for EngineVoice {
    fn process(&mut self, input: &[f32], left: &mut [f32], right: &mut [f32]) {
        left.copy_from_slice(input);
        right.copy_from_slice(input);
        self.engine
            .process(self.input, left, right, &self.settings, None);
    }
}

/// Which head a renderer-alone case runs.
enum Head {
    Sphere(Box<BinauralRenderer>),
    Sofa(Box<SofaRenderer>, Arc<HrtfSet>),
}

/// One of Murmur's binaural renderers alone, driven as the engine drives it: a new target at
/// every control tick on the absolute sample grid, from the same motion path.
struct RendererVoice {
    head: Head,
    path: VoicePath,
    settings: Settings,
    sample: u64,
    until_tick: usize,
}

impl RendererVoice {
    fn new(head: Head) -> Self {
        let settings = orbit_settings();
        Self {
            head,
            path: VoicePath::new(&settings, FS),
            settings,
            sample: 0,
            until_tick: 0,
        }
    }
}

impl VoiceRenderer for RendererVoice {
    fn process(&mut self, input: &[f32], left: &mut [f32], right: &mut [f32]) {
        left.fill(0.0);
        right.fill(0.0);
        let mut start = 0;
        while start < input.len() {
            if self.until_tick == 0 {
                let at = self.path.at(self.sample);
                match &mut self.head {
                    Head::Sphere(r) => {
                        r.set_target(&at, self.settings.head_radius_m, self.settings.proximity)
                    }
                    Head::Sofa(r, set) => r.set_target(set, &at, self.settings.proximity),
                }
                self.until_tick = CONTROL_PERIOD;
            }
            let end = (start + self.until_tick).min(input.len());
            let (x, l, r) = (
                &input[start..end],
                &mut left[start..end],
                &mut right[start..end],
            );
            match &mut self.head {
                Head::Sphere(renderer) => renderer.render_add(x, l, r),
                Head::Sofa(renderer, _) => renderer.render_add(x, l, r),
            }
            self.until_tick -= end - start;
            self.sample += (end - start) as u64;
            start = end;
        }
    }
}

/// The room alone (its reflections of the voice and its tail), driven as the engine drives it:
/// at every control tick it follows the voice's position and renders the period it heard.
struct RoomVoice {
    room: Room,
    path: VoicePath,
    settings: Settings,
    sample: u64,
    /// Where the current period is.
    in_period: usize,
}

impl RoomVoice {
    fn new(kind: RoomKind) -> Self {
        let settings = Settings {
            room: kind,
            ..orbit_settings()
        };
        Self {
            room: Room::new(FS),
            path: VoicePath::new(&settings, FS),
            settings,
            sample: 0,
            in_period: 0,
        }
    }
}

impl VoiceRenderer for RoomVoice {
    fn process(&mut self, input: &[f32], left: &mut [f32], right: &mut [f32]) {
        left.fill(0.0);
        right.fill(0.0);
        let mut start = 0;
        while start < input.len() {
            if self.in_period == 0 {
                let at = self.path.at(self.sample);
                let s = &self.settings;
                self.room
                    .tick(s.room, s.room_level_db, Some(&at), s.head_radius_m, false);
            }
            let n = (CONTROL_PERIOD - self.in_period).min(input.len() - start);
            self.room
                .hear_voice(self.in_period, &input[start..start + n]);
            let [l, r] = self.room.sound(self.in_period, n);
            left[start..start + n].copy_from_slice(l);
            right[start..start + n].copy_from_slice(r);
            self.in_period = (self.in_period + n) % CONTROL_PERIOD;
            self.sample += n as u64;
            start += n;
        }
    }
}

/// One second of `source` through `voice` in host blocks of `block` samples.
fn render_one_second(
    voice: &mut dyn VoiceRenderer,
    block: usize,
    source: &[f32],
    left: &mut [f32],
    right: &mut [f32],
) {
    for ((x, l), r) in source
        .chunks(block)
        .zip(left.chunks_mut(block))
        .zip(right.chunks_mut(block))
    {
        voice.process(x, l, r);
    }
}

fn mode_name(mode: MotionMode) -> String {
    format!("{mode:?}").to_lowercase()
}

fn voice(c: &mut Criterion) {
    let len = FS as usize;
    let source = noise(len);
    let mut left = vec![0.0; len];
    let mut right = vec![0.0; len];
    let fixture = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/sphere-44k1.sofa"
    );
    let set = Arc::new(HrtfSet::load(std::path::Path::new(fixture), FS).unwrap());

    let mut group = c.benchmark_group("voice_1s_48k");
    group.throughput(Throughput::Elements(len as u64));
    for block in BLOCKS {
        let orbit = orbit_settings();
        let moving = |mode: MotionMode| Settings {
            motion: mode,
            ..orbit
        };
        let sofa = |settings: Settings| Settings {
            hrtf: HrtfModel::Sofa,
            ..settings
        };
        let mut cases: Vec<(String, InputChannels, Settings)> = MotionMode::ALL
            .iter()
            .map(|&mode| {
                (
                    format!("engine_sphere_{}", mode_name(mode)),
                    InputChannels::Mono,
                    moving(mode),
                )
            })
            .collect();
        cases.push((
            "engine_sphere_stereo_orbit_wide".into(),
            InputChannels::Stereo,
            Settings {
                width: 1.0,
                ..orbit
            },
        ));
        cases.push((
            "engine_sphere_orbit_bedroom".into(),
            InputChannels::Mono,
            Settings {
                room: RoomKind::Bedroom,
                ..orbit
            },
        ));
        cases.push(("engine_sofa_orbit".into(), InputChannels::Mono, sofa(orbit)));
        cases.push((
            "engine_sofa_static".into(),
            InputChannels::Mono,
            sofa(moving(MotionMode::Static)),
        ));
        let mut voices: Vec<(String, Box<dyn VoiceRenderer>)> = Vec::new();
        for (name, input, settings) in cases {
            let mut engine = Engine::new(FS, block).unwrap();
            if settings.hrtf == HrtfModel::Sofa {
                engine.offer_hrtf_set(set.clone()).unwrap();
            }
            voices.push((
                name,
                Box::new(EngineVoice {
                    engine,
                    input,
                    settings,
                }),
            ));
        }
        voices.push((
            "renderer_sphere_orbit".into(),
            Box::new(RendererVoice::new(Head::Sphere(Box::new(
                BinauralRenderer::new(FS),
            )))),
        ));
        voices.push((
            "renderer_sofa_orbit".into(),
            Box::new(RendererVoice::new(Head::Sofa(
                Box::new(SofaRenderer::new(FS)),
                set.clone(),
            ))),
        ));
        voices.push((
            "room_bedroom_orbit".into(),
            Box::new(RoomVoice::new(RoomKind::Bedroom)),
        ));
        voices.push((
            "ref_fft_convolver".into(),
            Box::new(FftConvolverVoice::new(block, FS)),
        ));
        voices.push(("ref_sofar".into(), Box::new(SofarVoice::new(block, FS))));
        voices.push((
            "ref_naive_sphere".into(),
            Box::new(NaiveSphere::new(block, FS)),
        ));

        for (name, mut voice) in voices {
            // A broken case fails here instead of timing silence; it also warms every state.
            check_renders_sound(voice.as_mut(), block);
            group.bench_function(BenchmarkId::new(name, block), |b| {
                b.iter(|| {
                    render_one_second(voice.as_mut(), block, &source, &mut left, &mut right);
                    black_box(&left);
                })
            });
        }
    }
    group.finish();
}

criterion_group!(benches, voice);
criterion_main!(benches);
