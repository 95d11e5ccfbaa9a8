//! A measured HRTF set (a SOFA file, AES69 `SimpleFreeFieldHRIR`) prepared for real-time
//! rendering: every measurement's two impulse responses with their onsets taken out (the
//! interaural delays are kept apart, as delays), cut into partitions and transformed once, so
//! that the audio thread only blends spectra and never touches the file or allocates.
//!
//! Loading reads the whole file, resamples it to the host's rate (`sofar`, which uses `rubato`)
//! and does all the preparation; it takes milliseconds to a second and belongs on a background
//! thread (or before an offline render).

use crate::dsp::math::{asin, atan2, cos, sin_cos};
use std::path::Path;

use realfft::RealFftPlanner;
use realfft::num_complex::Complex32;
use sofar::reader::Sofar;

use super::head_model::Position;

/// Samples per convolution partition: one control period, so that a partition's spectrum is
/// computed at each control tick.
pub const PARTITION: usize = super::CONTROL_PERIOD;
/// Bins of a partition's spectrum (a real FFT of `2 · PARTITION` samples).
pub const BINS: usize = PARTITION + 1;
/// Longest impulse response kept, seconds. Free-field HRIRs die out within about 5 ms; longer
/// responses (room reverberation in the set) are cut here with a short fade.
pub const MAX_HRIR_S: f32 = 0.025;
/// Longest per-ear delay kept after the common delay is removed, seconds: far more than any
/// head's interaural delay (below 1 ms), short enough for a small delay line.
pub const MAX_EAR_DELAY_S: f32 = 0.004;
/// Largest file read, bytes (the densest published sets are well below 100 MB).
const MAX_FILE_BYTES: u64 = 512 * 1024 * 1024;
/// Onset threshold relative to an impulse response's peak: −20 dB, the usual threshold of
/// onset-based ITD estimation (Katz & Noisternig 2014, "A comparative study of interaural time
/// delay estimation methods").
const ONSET_THRESHOLD: f32 = 0.1;
/// Samples kept ahead of each detected onset, so the band-limited rise before it survives.
const ONSET_LEAD: f32 = 4.0;
/// Lookup cells per degree of azimuth and of elevation (cells of 2.5° × 2.5°).
const CELLS_PER_DEGREE: f32 = 0.4;
const AZIMUTH_CELLS: usize = 144;
const ELEVATION_CELLS: usize = 73;
/// Measurements remembered per lookup cell (those nearest to the cell's centre).
const CANDIDATES: usize = 8;

/// Why a SOFA file could not be used.
#[derive(Debug, Clone, PartialEq)]
pub enum SofaError {
    /// The file could not be read at all.
    Unreadable(String),
    /// The bytes are not a SOFA (HDF5) file `sofar` can parse.
    NotSofa(String),
    /// A SOFA file, but not one Murmur can render (wrong convention, data or size).
    Unsupported(String),
}

impl std::fmt::Display for SofaError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            SofaError::Unreadable(why) => write!(f, "cannot be read: {why}"),
            SofaError::NotSofa(why) => write!(f, "is not a readable SOFA file ({why})"),
            SofaError::Unsupported(why) => write!(f, "cannot be used: {why}"),
        }
    }
}

impl std::error::Error for SofaError {}

/// Interpolation weights for one direction: up to three measurements and their weights
/// (summing to 1; unused entries have weight 0).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Blend {
    pub index: [u32; 3],
    pub weight: [f32; 3],
}

/// A loaded, prepared HRTF set at one sample rate.
#[derive(Debug, Clone)]
pub struct HrtfSet {
    name: String,
    sample_rate: f32,
    /// Partitions per impulse response (all responses have the same count).
    partitions: usize,
    /// Unit direction of each measurement, `(right, front, up)` as in [`Position::direction`].
    directions: Vec<[f32; 3]>,
    /// Each measurement's delay per ear `[left, right]`, samples at `sample_rate`.
    delays: Vec<[f32; 2]>,
    /// Partition spectra, `[measurement][ear][partition][bin]`, scaled for the inverse FFT.
    spectra: Vec<Complex32>,
    /// Per lookup cell, the measurements nearest to its centre.
    cells: Vec<[u32; CANDIDATES]>,
    candidates: usize,
}

impl HrtfSet {
    /// Reads and prepares the SOFA file at `path` for rendering at `sample_rate` Hz.
    pub fn load(path: &Path, sample_rate: f32) -> Result<Self, SofaError> {
        use std::io::Read;
        let unreadable = |e: std::io::Error| SofaError::Unreadable(e.to_string());
        let too_large = |size: u64| {
            SofaError::Unsupported(format!(
                "{} MB is larger than Murmur reads ({} MB)",
                size / 1_048_576,
                MAX_FILE_BYTES / 1_048_576
            ))
        };
        let metadata = std::fs::metadata(path).map_err(unreadable)?;
        // The path comes from a project file, which may name anything: a device such as
        // /dev/zero never ends (reading it would take all memory) and a named pipe blocks the
        // loader for good. Only a regular file has a size and an end.
        if !metadata.is_file() {
            return Err(SofaError::Unreadable("it is not a file".into()));
        }
        if metadata.len() > MAX_FILE_BYTES {
            return Err(too_large(metadata.len()));
        }
        // Bounded as well, for a file that grows while it is read.
        let mut bytes = Vec::new();
        std::fs::File::open(path)
            .map_err(unreadable)?
            .take(MAX_FILE_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(unreadable)?;
        if bytes.len() as u64 > MAX_FILE_BYTES {
            return Err(too_large(bytes.len() as u64));
        }
        let fallback_name = path
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default();
        Self::from_bytes(&bytes, sample_rate, &fallback_name)
    }

    /// Prepares a SOFA file held in memory; `fallback_name` names the set if the file has no
    /// title. In steps: open, check, directions, onsets out, partitioned spectra.
    pub fn from_bytes(
        bytes: &[u8],
        sample_rate: f32,
        fallback_name: &str,
    ) -> Result<Self, SofaError> {
        let sofa = open(bytes, sample_rate)?;
        let measurements = Measurements::checked(&sofa)?;
        let directions = directions(measurements.positions)?;
        let (trimmed, delays) = without_onsets(&measurements, sample_rate);
        let (partitions, spectra) = partitioned_spectra(&trimmed, sample_rate, measurements.n);
        let (cells, candidates) = lookup_cells(&directions);
        let name = ["Title", "ListenerShortName", "DatabaseName"]
            .into_iter()
            .find_map(|name| attribute(&sofa, name))
            .unwrap_or_else(|| fallback_name.to_owned());
        Ok(Self {
            name,
            sample_rate,
            partitions,
            directions,
            delays,
            spectra,
            cells,
            candidates,
        })
    }

    /// The set's name: its title, else its listener's or database's name, else the file's.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The rate this set was prepared for, Hz.
    pub fn sample_rate(&self) -> f32 {
        self.sample_rate
    }

    /// Measurements in the set.
    pub fn len(&self) -> usize {
        self.directions.len()
    }

    /// Whether the set has no measurement (never true for a loaded set).
    pub fn is_empty(&self) -> bool {
        self.directions.is_empty()
    }

    /// Partitions per impulse response.
    pub fn partitions(&self) -> usize {
        self.partitions
    }

    /// Longest ear delay in the set, samples.
    pub fn max_delay(&self) -> f32 {
        self.delays
            .iter()
            .flat_map(|d| d.iter().copied())
            .fold(0.0, f32::max)
    }

    /// The delays `[left, right]` of measurement `index`, samples.
    pub fn delays(&self, index: usize) -> [f32; 2] {
        self.delays[index]
    }

    /// The spectra of one ear's partitions of measurement `index` (`partitions · BINS` bins).
    pub fn spectra(&self, index: usize, ear: usize) -> &[Complex32] {
        let size = self.partitions * BINS;
        &self.spectra[(2 * index + ear) * size..][..size]
    }

    /// The measurements around `position`'s direction and their weights. Bounded work: eight
    /// candidates of a lookup cell, whatever the size of the set.
    ///
    /// The weights are inverse distances minus that of the fourth-nearest measurement, so a
    /// measurement's weight reaches zero just as it stops being one of the three nearest: the
    /// blend changes continuously as a source moves (Shepard's inverse-distance weighting with
    /// a moving cut-off).
    pub fn blend(&self, position: &Position) -> Blend {
        let u = position.direction();
        let cell = &self.cells[cell_index(&u)][..self.candidates];
        // The four nearest candidates by chord distance (monotonic in the angle).
        let mut best = [(f32::INFINITY, 0u32); 4];
        for &index in cell {
            let d = self.directions[index as usize];
            let chord = (2.0 - 2.0 * (u[0] * d[0] + u[1] * d[1] + u[2] * d[2]))
                .max(0.0)
                .sqrt();
            if chord < best[3].0 {
                best[3] = (chord, index);
                let mut i = 3;
                while i > 0 && best[i].0 < best[i - 1].0 {
                    best.swap(i, i - 1);
                    i -= 1;
                }
            }
        }
        /// Closer than this (radians, about 0.06°) a measurement is used alone.
        const ON_POINT: f32 = 1e-3;
        if best[0].0 < ON_POINT || self.candidates == 1 {
            return Blend {
                index: [best[0].1; 3],
                weight: [1.0, 0.0, 0.0],
            };
        }
        let cutoff = if best[3].0.is_finite() {
            1.0 / best[3].0
        } else {
            0.0
        };
        let mut weight = [0.0f32; 3];
        for i in 0..3 {
            if best[i].0.is_finite() {
                weight[i] = (1.0 / best[i].0 - cutoff).max(0.0);
            }
        }
        let total: f32 = weight.iter().sum();
        if total <= 0.0 {
            return Blend {
                index: [best[0].1; 3],
                weight: [1.0, 0.0, 0.0],
            };
        }
        Blend {
            index: [best[0].1, best[1].1, best[2].1],
            weight: weight.map(|w| w / total),
        }
    }
}

/// Position of the first crossing of `ONSET_THRESHOLD · peak`, samples (fractional, linear
/// between the two samples around it).
fn onset(response: &[f32]) -> f32 {
    let peak = response.iter().fold(0.0f32, |m, v| m.max(v.abs()));
    if peak == 0.0 {
        return 0.0;
    }
    let threshold = ONSET_THRESHOLD * peak;
    let i = response
        .iter()
        .position(|v| v.abs() >= threshold)
        .unwrap_or(0);
    if i == 0 {
        return 0.0;
    }
    let (a, b) = (response[i - 1].abs(), response[i].abs());
    (i - 1) as f32 + ((threshold - a) / (b - a)).clamp(0.0, 1.0)
}

/// Raised-cosine fade over the last eighth of a cut response.
fn tail_fade(t: usize, len: usize) -> f32 {
    let fade_len = (len / 8).max(1);
    let start = len - fade_len;
    if t < start {
        1.0
    } else if t >= len {
        0.0
    } else {
        let x = (t - start) as f32 / fade_len as f32;
        0.5 + 0.5 * cos(std::f32::consts::PI * x)
    }
}

/// Moves responses earlier by a fractional number of samples (a linear phase in the frequency
/// domain, over a zero-padded transform so nothing wraps into the response).
struct FractionalShift {
    forward: std::sync::Arc<dyn realfft::RealToComplex<f32>>,
    inverse: std::sync::Arc<dyn realfft::ComplexToReal<f32>>,
    len: usize,
}

impl FractionalShift {
    fn new(planner: &mut RealFftPlanner<f32>, len: usize) -> Self {
        let size = (2 * len).next_power_of_two().max(16);
        Self {
            forward: planner.plan_fft_forward(size),
            inverse: planner.plan_fft_inverse(size),
            len,
        }
    }

    /// `response` advanced by `by ≥ 0` samples (its first `by` samples dropped).
    fn advance(&mut self, response: &[f32], by: f32) -> Vec<f32> {
        let whole = by.floor() as usize;
        let frac = by - whole as f32;
        let rest = &response[whole.min(response.len())..];
        if frac == 0.0 {
            return rest.to_vec();
        }
        let mut frame = self.forward.make_input_vec();
        let size = frame.len();
        frame[..rest.len()].copy_from_slice(rest);
        let mut spectrum = self.forward.make_output_vec();
        self.forward
            .process(&mut frame, &mut spectrum)
            .expect("buffers made by the plan");
        let last = spectrum.len() - 1;
        for (k, bin) in spectrum.iter_mut().enumerate() {
            let phase = 2.0 * std::f64::consts::PI * k as f64 * frac as f64 / size as f64;
            let (s, c) = sin_cos(phase);
            *bin *= Complex32::new(c as f32, s as f32) / size as f32;
        }
        // A real signal's DC and Nyquist bins are real.
        spectrum[0].im = 0.0;
        spectrum[last].im = 0.0;
        self.inverse
            .process(&mut spectrum, &mut frame)
            .expect("buffers made by the plan");
        frame.truncate(self.len - whole.min(self.len));
        frame
    }
}

fn cell_index(u: &[f32; 3]) -> usize {
    let azimuth = atan2(u[0], u[1]).to_degrees().rem_euclid(360.0);
    let elevation = asin(u[2].clamp(-1.0, 1.0)).to_degrees();
    let a = ((azimuth * CELLS_PER_DEGREE).round() as usize) % AZIMUTH_CELLS;
    let e = (((elevation + 90.0) * CELLS_PER_DEGREE).round() as usize).min(ELEVATION_CELLS - 1);
    e * AZIMUTH_CELLS + a
}

/// Parses a SOFA file for `sample_rate` (the `sofar` crate resamples it).
fn open(bytes: &[u8], sample_rate: f32) -> Result<Sofar, SofaError> {
    if !(sample_rate.is_finite() && sample_rate >= 1_000.0) {
        return Err(SofaError::Unsupported(format!(
            "the sample rate {sample_rate} Hz is not supported"
        )));
    }
    if bytes.len() < 8 || &bytes[..8] != b"\x89HDF\r\n\x1a\n" {
        return Err(SofaError::NotSofa("no HDF5 signature".into()));
    }
    // The parser is strict but not hardened against every malformed file: a panic inside
    // it is a refusal, never a crash of the host.
    let opened = std::panic::catch_unwind(|| {
        sofar::reader::OpenOptions::new()
            .sample_rate(sample_rate)
            .normalized(false)
            .open_data(bytes)
    });
    match opened {
        Ok(Ok(sofa)) => Ok(sofa),
        Ok(Err(e)) => Err(SofaError::NotSofa(e.to_string())),
        Err(_) => Err(SofaError::NotSofa("the file is damaged".into())),
    }
}

/// A global attribute of the file, if it says something.
fn attribute(sofa: &Sofar, name: &str) -> Option<String> {
    sofa.hrtf()
        .get_attribute(name)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// A file's measurements, checked: `m` directions, two receivers (the ears), `n` taps each.
struct Measurements<'a> {
    m: usize,
    n: usize,
    ir: &'a [f32],
    positions: &'a [f32],
    file_delays: &'a [f32],
    /// The receiver that is the left ear.
    left_receiver: usize,
}

impl<'a> Measurements<'a> {
    /// The measurements of `sofa`, or why Murmur cannot render them.
    fn checked(sofa: &'a Sofar) -> Result<Self, SofaError> {
        if let Some(kind) = attribute(sofa, "DataType")
            && kind != "FIR"
        {
            return Err(SofaError::Unsupported(format!(
                "its data type is {kind}; Murmur renders impulse responses (FIR)"
            )));
        }
        let hrtf = sofa.hrtf();
        let (m, r, n) = (hrtf.m() as usize, hrtf.r() as usize, hrtf.n() as usize);
        if r != 2 {
            return Err(SofaError::Unsupported(format!(
                "it has {r} receivers; a binaural set has 2 (the ears)"
            )));
        }
        if m == 0 || n == 0 {
            return Err(SofaError::Unsupported("it holds no measurements".into()));
        }
        let ir = &hrtf.data_ir.values;
        let positions = &hrtf.source_position.values;
        if ir.len() != m * r * n || positions.len() != m * 3 {
            return Err(SofaError::Unsupported(
                "its impulse responses or source positions do not match its dimensions".into(),
            ));
        }
        if !ir.iter().chain(positions).all(|v| v.is_finite()) {
            return Err(SofaError::Unsupported(
                "it contains samples or positions that are not numbers".into(),
            ));
        }
        if ir.iter().all(|&v| v == 0.0) {
            return Err(SofaError::Unsupported(
                "its impulse responses are silent".into(),
            ));
        }
        // SOFA's receiver 0 is the left ear (+y); trust the positions if they say otherwise.
        let receivers = &hrtf.receiver_position.values;
        let left_receiver = if receivers.len() >= 6 && receivers[4] > receivers[1] {
            1
        } else {
            0
        };
        Ok(Self {
            m,
            n,
            ir,
            positions,
            file_delays: &hrtf.data_delay.values,
            left_receiver,
        })
    }

    /// The receiver that is `ear` (0 left, 1 right).
    fn receiver(&self, ear: usize) -> usize {
        if ear == 0 {
            self.left_receiver
        } else {
            1 - self.left_receiver
        }
    }

    /// Measurement `k`'s response at `receiver`.
    fn response(&self, k: usize, receiver: usize) -> &'a [f32] {
        &self.ir[(k * 2 + receiver) * self.n..][..self.n]
    }

    /// The delay the file gives measurement `k` at `receiver`, samples (per measurement, per
    /// receiver or none).
    fn file_delay(&self, k: usize, receiver: usize) -> f32 {
        let d = if self.file_delays.len() == self.m * 2 {
            self.file_delays[k * 2 + receiver]
        } else if self.file_delays.len() == 2 {
            self.file_delays[receiver]
        } else {
            0.0
        };
        if d.is_finite() { d.max(0.0) } else { 0.0 }
    }
}

/// The measurements' directions as unit vectors `(right, front, up)`.
fn directions(positions: &[f32]) -> Result<Vec<[f32; 3]>, SofaError> {
    positions
        .chunks_exact(3)
        .enumerate()
        .map(|(k, p)| {
            // SOFA: x front, y left, z up. Murmur: (right, front, up).
            let v = [-p[1], p[0], p[2]];
            let length = (v[0] * v[0] + v[1] * v[1] + v[2] * v[2]).sqrt();
            if length < 1e-6 {
                return Err(SofaError::Unsupported(format!(
                    "measurement {} has no direction (its source sits on the listener)",
                    k + 1
                )));
            }
            Ok(v.map(|c| c / length))
        })
        .collect()
}

/// Each response without its onset, cut to [`MAX_HRIR_S`] (left then right ear, direction by
/// direction), and each ear's delay: the onset plus the file's delay, less the delay common to
/// all, which is the measurement distance and the system's own latency, not a cue.
fn without_onsets(measurements: &Measurements, sample_rate: f32) -> (Vec<Vec<f32>>, Vec<[f32; 2]>) {
    let max_len = ((MAX_HRIR_S * sample_rate).ceil() as usize).max(1);
    let mut planner = RealFftPlanner::<f32>::new();
    let mut shifter = FractionalShift::new(&mut planner, measurements.n);
    let mut trimmed: Vec<Vec<f32>> = Vec::with_capacity(2 * measurements.m);
    let mut delays = Vec::with_capacity(measurements.m);
    for k in 0..measurements.m {
        let mut pair = [0.0f32; 2];
        for (ear, delay) in pair.iter_mut().enumerate() {
            let receiver = measurements.receiver(ear);
            let response = measurements.response(k, receiver);
            let advance = (onset(response) - ONSET_LEAD).max(0.0);
            let mut shifted = shifter.advance(response, advance);
            shifted.truncate(max_len);
            trimmed.push(shifted);
            *delay = advance + measurements.file_delay(k, receiver);
        }
        delays.push(pair);
    }
    let common = delays
        .iter()
        .flat_map(|d| d.iter().copied())
        .fold(f32::INFINITY, f32::min);
    let max_delay = MAX_EAR_DELAY_S * sample_rate;
    for pair in &mut delays {
        for d in pair.iter_mut() {
            *d = (*d - common).min(max_delay);
        }
    }
    (trimmed, delays)
}

/// The responses as the spectra of [`PARTITION`]-sample partitions, all as long as the longest
/// after its silent tail is cut, at a level where the mean power gain over all directions and
/// both ears (the diffuse-field average) is 0 dB, which puts a set about where the sphere model
/// sits. `taps` is the file's response length: a response cut at [`MAX_HRIR_S`] fades out.
/// Returns the number of partitions and the spectra.
fn partitioned_spectra(
    trimmed: &[Vec<f32>],
    sample_rate: f32,
    taps: usize,
) -> (usize, Vec<Complex32>) {
    let max_len = ((MAX_HRIR_S * sample_rate).ceil() as usize).max(1);
    let len = trimmed
        .iter()
        .map(|h| h.iter().rposition(|v| v.abs() > 1e-6).map_or(1, |i| i + 1))
        .max()
        .unwrap_or(1);
    let cut = len == max_len && taps > max_len;
    let partitions = len.div_ceil(PARTITION);
    let mean_power = trimmed
        .iter()
        .map(|h| h.iter().map(|v| v * v).sum::<f32>())
        .sum::<f32>()
        / trimmed.len() as f32;
    let scale = 1.0 / mean_power.sqrt();

    let mut planner = RealFftPlanner::<f32>::new();
    let fft = planner.plan_fft_forward(2 * PARTITION);
    let mut frame = fft.make_input_vec();
    let mut spectrum = fft.make_output_vec();
    let mut spectra = Vec::with_capacity(trimmed.len() * partitions * BINS);
    // The inverse transform is unnormalised: its 1/(2·PARTITION) goes into the filters.
    let gain = scale / (2 * PARTITION) as f32;
    for h in trimmed {
        for p in 0..partitions {
            frame.fill(0.0);
            for (i, slot) in frame[..PARTITION].iter_mut().enumerate() {
                let t = p * PARTITION + i;
                let fade = if cut { tail_fade(t, len) } else { 1.0 };
                *slot = h.get(t).copied().unwrap_or(0.0) * gain * fade;
            }
            fft.process(&mut frame, &mut spectrum)
                .expect("buffers made by the plan");
            spectra.extend_from_slice(&spectrum);
        }
    }
    (partitions, spectra)
}

/// For each lookup cell, the `CANDIDATES` measurements nearest its centre.
fn lookup_cells(directions: &[[f32; 3]]) -> (Vec<[u32; CANDIDATES]>, usize) {
    let candidates = CANDIDATES.min(directions.len());
    let mut cells = vec![[0u32; CANDIDATES]; AZIMUTH_CELLS * ELEVATION_CELLS];
    let mut order: Vec<(f32, u32)> = Vec::with_capacity(directions.len());
    for e in 0..ELEVATION_CELLS {
        for a in 0..AZIMUTH_CELLS {
            let centre = Position {
                azimuth_deg: a as f32 / CELLS_PER_DEGREE,
                elevation_deg: e as f32 / CELLS_PER_DEGREE - 90.0,
                distance_m: 1.0,
            }
            .direction();
            order.clear();
            order.extend(directions.iter().enumerate().map(|(i, d)| {
                let dot = centre[0] * d[0] + centre[1] * d[1] + centre[2] * d[2];
                (-dot, i as u32)
            }));
            order.select_nth_unstable_by(candidates - 1, |x, y| x.0.total_cmp(&y.0));
            let cell = &mut cells[cell_index(&centre)];
            for (slot, (_, i)) in cell.iter_mut().zip(&order[..candidates]) {
                *slot = *i;
            }
        }
    }
    (cells, candidates)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::math::sin;

    #[test]
    fn onset_is_found_between_samples() {
        let mut h = vec![0.0f32; 32];
        h[10] = 0.05;
        h[11] = 0.15;
        h[12] = 1.0;
        // Threshold 0.1 lies half way from 0.05 to 0.15.
        assert!((onset(&h) - 10.5).abs() < 1e-6);
        assert_eq!(onset(&[0.0; 8]), 0.0);
    }

    #[test]
    fn a_fractional_advance_moves_a_band_limited_pulse() {
        let mut planner = RealFftPlanner::<f32>::new();
        let mut shift = FractionalShift::new(&mut planner, 64);
        let pulse = |centre: f32| -> Vec<f32> {
            (0..64)
                .map(|i| {
                    let t = i as f32 - centre;
                    let w = if t.abs() < 12.0 {
                        0.5 + 0.5 * cos(std::f32::consts::PI * t / 12.0)
                    } else {
                        0.0
                    };
                    let x = std::f32::consts::PI * 0.5 * t;
                    let sinc = if x == 0.0 { 1.0 } else { sin(x) / x };
                    0.5 * sinc * w
                })
                .collect()
        };
        let moved = shift.advance(&pulse(30.3), 7.8);
        let expected = pulse(22.5);
        for (a, b) in moved.iter().zip(&expected).take(50) {
            assert!((a - b).abs() < 2e-3, "{a} {b}");
        }
    }

    fn fixture() -> HrtfSet {
        let bytes = include_bytes!("../../tests/fixtures/sphere-44k1.sofa");
        HrtfSet::from_bytes(bytes, 48_000.0, "fixture").unwrap()
    }

    fn at(azimuth_deg: f32, elevation_deg: f32) -> Position {
        Position {
            azimuth_deg,
            elevation_deg,
            distance_m: 1.0,
        }
    }

    /// The blend as a weight per measurement.
    fn weights(set: &HrtfSet, position: &Position) -> Vec<f32> {
        let blend = set.blend(position);
        let mut w = vec![0.0; set.len()];
        for (i, x) in blend.index.iter().zip(blend.weight) {
            w[*i as usize] += x;
        }
        w
    }

    #[test]
    fn on_a_measurement_the_blend_is_that_measurement_alone() {
        let set = fixture();
        // The fixture measures every 15° of azimuth at elevation 0.
        for azimuth in [0.0, 15.0, 90.0, -135.0] {
            let w = weights(&set, &at(azimuth, 0.0));
            let max = w.iter().cloned().fold(0.0, f32::max);
            assert_eq!(max, 1.0, "{azimuth}°");
        }
    }

    #[test]
    fn the_blend_changes_continuously_as_a_source_moves() {
        let set = fixture();
        for elevation in [-20.0, 0.0, 10.0, 45.0, 75.0] {
            let mut previous = weights(&set, &at(-180.0, elevation));
            let mut worst = (0.0f32, 0.0f32);
            for step in 1..=36000 {
                let azimuth = -180.0 + step as f32 * 0.01;
                let w = weights(&set, &at(azimuth, elevation));
                let total: f32 = w.iter().sum();
                assert!((total - 1.0).abs() < 1e-5);
                let change: f32 = w.iter().zip(&previous).map(|(a, b)| (a - b).abs()).sum();
                if change > worst.0 {
                    worst = (change, azimuth);
                }
                previous = w;
            }
            println!("elevation {elevation}: {worst:?}");
            // A 0.01° step moves at most a few percent of the blend (measurements 15° apart).
            assert!(worst.0 < 0.02, "elevation {elevation}: {worst:?}");
        }
    }

    #[test]
    fn delays_keep_the_interaural_delay_and_drop_the_common_one() {
        let set = fixture();
        let right = set.blend(&at(90.0, 0.0)).index[0] as usize;
        let [left_delay, right_delay] = set.delays(right);
        // Woodworth at 8.75 cm: 655.8 µs, 31.48 samples at 48 kHz. The delays are the onsets
        // (−20 dB), which the far ear's duller response crosses a little early; what the onsets
        // miss stays in the responses (the rendered delay is exact, see tests/engine/sofa.rs).
        let itd = left_delay - right_delay;
        assert!((itd - 31.48).abs() < 4.0, "{left_delay} {right_delay}");
        // The common delay is gone: the earliest ear of the set starts at once.
        let earliest = (0..set.len())
            .flat_map(|m| set.delays(m))
            .fold(f32::INFINITY, f32::min);
        assert_eq!(earliest, 0.0);
    }

    #[test]
    fn cells_cover_every_direction() {
        for az in (0..360).step_by(7) {
            for el in (-90..=90).step_by(11) {
                let u = Position {
                    azimuth_deg: az as f32,
                    elevation_deg: el as f32,
                    distance_m: 1.0,
                }
                .direction();
                assert!(cell_index(&u) < AZIMUTH_CELLS * ELEVATION_CELLS);
            }
        }
    }
}
