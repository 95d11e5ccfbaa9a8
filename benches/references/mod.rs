//! Reference renderers that the benches run side by side with Murmur's own voice renderer.
//!
//! Each one renders the same moving voice as the `voice` bench: a mono input at 48 kHz whose
//! position follows Murmur's Orbit motion at 0.5 Hz, computed with the engine's own
//! [`path_position`] from the same settings, so that only the rendering technique differs:
//!
//! - [`fft_convolver::FftConvolverVoice`]: plain HRIR convolution with the `fft-convolver`
//!   crate, two convolvers per ear crossfaded at every position update.
//! - [`sofar_renderer::SofarVoice`]: the `sofar` crate's own partitioned-convolution renderer
//!   with its built-in filter crossfade.
//! - [`naive_sphere::NaiveSphere`]: Murmur's sphere head model written the obvious way, every
//!   cue recomputed every sample.
//!
//! Constructors allocate everything; `process` only renders.

// Every bench includes the whole module but may time only some of the references.
#![allow(dead_code, unused_imports)]

pub mod fft_convolver;
pub mod naive_sphere;
pub mod sofar_renderer;

pub use fft_convolver::FftConvolverVoice;
pub use naive_sphere::NaiveSphere;
pub use sofar_renderer::SofarVoice;

use murmur::binaural::Position;
use murmur::engine::Settings;
use murmur::motion::{MotionMode, PathShape, path_position};
use sofar::reader::{OpenOptions, Sofar};

/// Sample rate of every reference render, Hz.
pub const SAMPLE_RATE: f32 = 48_000.0;

/// Rate of the Orbit motion the benches render, Hz (one turn around the head every 2 s).
pub const ORBIT_RATE_HZ: f32 = 0.5;

/// The HRIR test set the convolution references play (97 directions, 44.1 kHz, resampled).
pub const SOFA_FIXTURE: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/tests/fixtures/sphere-44k1.sofa"
);

/// Samples between two position updates of the convolution references, on the absolute sample
/// count (so the schedule does not depend on the host block size). Equal to the crossfade
/// length, so that with continuous motion one fade ends exactly where the next begins.
pub const UPDATE_PERIOD: usize = 512;

/// Taps per ear of the convolution references' HRIRs (the fixture's 140 taps at 48 kHz,
/// zero-padded, with room for a leading per-ear delay).
pub const HRIR_LEN: usize = 256;

/// One mono voice rendered to two ears.
pub trait VoiceRenderer {
    /// Renders `input` (mono) into `left`/`right` (overwriting), all the same length (a host
    /// block: 32, 128 or 512 samples).
    fn process(&mut self, input: &[f32], left: &mut [f32], right: &mut [f32]);
}

/// The settings of the `voice` bench's moving case: Orbit at 0.5 Hz, everything else default.
pub fn orbit_settings() -> Settings {
    Settings {
        motion: MotionMode::Orbit,
        motion_rate_hz: ORBIT_RATE_HZ,
        ..Settings::default()
    }
}

/// Where the voice is at a given sample, exactly as the engine's control tick computes it:
/// the centre from the azimuth / elevation / distance settings, the path shape from the motion
/// settings, and a free-running phase in cycles of `samples · rate / fs`.
#[derive(Debug, Clone, Copy)]
pub struct VoicePath {
    centre: Position,
    shape: PathShape,
    /// Motion phase advanced per sample, cycles.
    phase_per_sample: f64,
}

impl VoicePath {
    /// The path for `settings` at `sample_rate` Hz (free-running, not synced to a transport).
    pub fn new(settings: &Settings, sample_rate: f32) -> Self {
        let settings = settings.sanitized();
        let rate = settings.motion_rate_hz as f64;
        Self {
            centre: Position {
                azimuth_deg: settings.azimuth_deg,
                elevation_deg: settings.elevation_deg,
                distance_m: settings.distance_m,
            },
            shape: PathShape {
                mode: settings.motion,
                depth_deg: settings.motion_depth_deg,
                softness: settings.softness,
                seed: settings.seed,
                cycle_s: 1.0 / rate,
            },
            phase_per_sample: rate / sample_rate as f64,
        }
    }

    /// The position `sample` samples after the start of the render.
    #[inline]
    pub fn at(&self, sample: u64) -> Position {
        path_position(
            &self.centre,
            &self.shape,
            sample as f64 * self.phase_per_sample,
        )
    }
}

/// Opens the HRIR fixture resampled to `sample_rate` (allocates; reads the file).
pub fn open_fixture(sample_rate: f32) -> Sofar {
    OpenOptions::new()
        .sample_rate(sample_rate)
        .open(SOFA_FIXTURE)
        .unwrap_or_else(|e| panic!("cannot open {SOFA_FIXTURE}: {e}"))
}

/// The point to ask `sofar` for the filter of `position`: SOFA's axes (x front, y left, z up)
/// from Murmur's (right, front, up), on the sphere of the set's measurements.
///
/// HRIR sets are measured at one distance and hold no distance cue, so only the direction
/// matters. `Sofar::filter` moves the query onto the measured radius for its nearest-point
/// search but weights the neighbours by their distance to the query as given; from inside the
/// sphere (the voice sits at 0.5 m, the fixture's measurements at 1.2 m) every neighbour looks
/// about equally far and the blend smears. Asking on the sphere itself, as libmysofa's lookup
/// does, keeps the inverse-distance weights meaningful.
#[inline]
pub fn sofa_query(position: &Position, radius_m: f32) -> [f32; 3] {
    let [right, front, up] = position.direction();
    [radius_m * front, -radius_m * right, radius_m * up]
}

/// Deterministic white noise, uniform in ±0.1 (RMS ≈ 0.058, a whisper-like level), from the
/// same xorshift generator the `voice` bench uses.
pub fn noise(len: usize) -> Vec<f32> {
    let mut state = 0x1234_5678u32;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            (state as f32 / u32::MAX as f32 - 0.5) * 0.2
        })
        .collect()
}

/// Renders half a second of noise (rounded up to whole blocks) through `r` in blocks of
/// `block` samples and panics unless both ears carry finite, clearly audible sound without wild
/// peaks. Benches call this once
/// before timing, so that a broken reference fails loudly instead of timing silence.
pub fn check_renders_sound(r: &mut dyn VoiceRenderer, block: usize) {
    assert!(block > 0, "block size must be at least 1");
    // Whole blocks, as a host sends them.
    let len = (SAMPLE_RATE as usize / 2).div_ceil(block) * block;
    let input = noise(len);
    let mut left = vec![0.0f32; len];
    let mut right = vec![0.0f32; len];
    for ((x, l), rr) in input
        .chunks(block)
        .zip(left.chunks_mut(block))
        .zip(right.chunks_mut(block))
    {
        r.process(x, l, rr);
    }
    let rms = |x: &[f32]| (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt();
    let input_rms = rms(&input);
    for (name, ear) in [("left", &left), ("right", &right)] {
        assert!(
            ear.iter().all(|v| v.is_finite()),
            "{name} ear has non-finite samples"
        );
        let peak = ear.iter().fold(0.0f32, |m, v| m.max(v.abs()));
        assert!(peak <= 4.0, "{name} ear peaks at {peak}");
        let level = rms(ear);
        assert!(
            level > 1e-3,
            "{name} ear is (nearly) silent: RMS {level} for input RMS {input_rms}"
        );
    }
}
