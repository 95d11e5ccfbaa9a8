//! Loudness as platforms and listeners' ears measure it: ITU-R BS.1770-4 (K-weighting, gating,
//! true peak) with the EBU R128 / Tech 3341-3342 quantities (momentary 400 ms, short-term 3 s,
//! integrated, loudness range), measured by the `ebur128` crate, a Rust port of libebur128, the
//! library ffmpeg and most open-source tools use. No K-weighting is written here.
//!
//! True peak is measured by [`crate::dsp::TruePeak`] (a longer interpolator than the crate's,
//! accurate to 0.05 dB up to 20 kHz).
//!
//! [`Meter`] takes stereo or interleaved blocks of any length and reads the momentary and
//! short-term loudness every 100 ms (the EBU's update rate), keeping their maxima; its memory is
//! constant however long the programme (histogram mode).

use ebur128::{EbuR128, Mode};

use crate::dsp::{TruePeak, gain_to_db};

/// Where momentary and short-term loudness are read, seconds (EBU Tech 3341: at least 10 Hz).
pub const HOP_S: f64 = 0.1;

/// What a finished measurement says.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Loudness {
    /// Integrated (gated) loudness, LUFS; `-inf` for silence.
    pub integrated_lufs: f64,
    /// Loudness range (EBU Tech 3342), LU.
    pub range_lu: f64,
    /// Highest momentary (400 ms) loudness, LUFS.
    pub max_momentary_lufs: f64,
    /// Highest short-term (3 s) loudness, LUFS.
    pub max_short_term_lufs: f64,
    /// Highest true peak over every channel (BS.1770-4 Annex 2: 4× oversampled below 96 kHz),
    /// dBTP.
    pub true_peak_dbtp: f64,
    /// Highest sample magnitude over every channel, dBFS.
    pub sample_peak_dbfs: f64,
}

/// The momentary and short-term loudness at the end of one 100 ms hop.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct HopReading {
    /// Frames measured so far (the hop ends here).
    pub end_frame: u64,
    /// Loudness of the last 400 ms, LUFS (`-inf` for silence).
    pub momentary_lufs: f64,
    /// Loudness of the last 3 s, LUFS (`-inf` for silence).
    pub short_term_lufs: f64,
}

/// A BS.1770-4 / EBU R128 meter for one programme.
pub struct Meter {
    ebu: EbuR128,
    true_peak: TruePeak,
    channels: usize,
    hop_frames: usize,
    /// Frames of the current hop already measured.
    in_hop: usize,
    frames: u64,
    max_momentary_lufs: f64,
    max_short_term_lufs: f64,
    /// K-weighted mean-square energy of the last 30 hops, oldest overwritten first.
    hop_energies: [f64; SHORT_TERM_HOPS],
    /// Hops measured so far.
    hops: u64,
}

/// Hops in the momentary (400 ms) and short-term (3 s) windows.
const MOMENTARY_HOPS: usize = 4;
const SHORT_TERM_HOPS: usize = 30;

/// BS.1770-4's loudness of a K-weighted mean-square energy, and back.
fn energy_to_lufs(energy: f64) -> f64 {
    if energy > 0.0 {
        10.0 * energy.log10() - 0.691
    } else {
        f64::NEG_INFINITY
    }
}

fn lufs_to_energy(lufs: f64) -> f64 {
    10f64.powf((lufs + 0.691) / 10.0)
}

impl Meter {
    /// A meter for `channels` channels (1–2 are treated as left/right; more as further
    /// loudspeakers of equal weight) at `sample_rate` Hz.
    pub fn new(channels: usize, sample_rate: u32) -> Result<Self, String> {
        let mode = Mode::I | Mode::LRA | Mode::M | Mode::SAMPLE_PEAK;
        let ebu = EbuR128::new(channels as u32, sample_rate, mode | Mode::HISTOGRAM)
            .map_err(|e| format!("cannot measure {channels} channels at {sample_rate} Hz: {e}"))?;
        Ok(Self {
            ebu,
            true_peak: TruePeak::new(sample_rate as f32, channels),
            channels,
            hop_frames: ((sample_rate as f64 * HOP_S).round() as usize).max(1),
            in_hop: 0,
            frames: 0,
            max_momentary_lufs: f64::NEG_INFINITY,
            max_short_term_lufs: f64::NEG_INFINITY,
            hop_energies: [0.0; SHORT_TERM_HOPS],
            hops: 0,
        })
    }

    /// Frames in one 100 ms hop.
    pub fn hop_frames(&self) -> usize {
        self.hop_frames
    }

    /// Measures a stereo block.
    pub fn add_stereo(&mut self, left: &[f32], right: &[f32]) {
        self.add_stereo_with(left, right, |_| ());
    }

    /// Measures a stereo block, calling `on_hop` at the end of every 100 ms hop.
    pub fn add_stereo_with(
        &mut self,
        left: &[f32],
        right: &[f32],
        mut on_hop: impl FnMut(HopReading),
    ) {
        debug_assert_eq!(self.channels, 2);
        let len = left.len().min(right.len());
        let mut start = 0;
        while start < len {
            let end = (start + self.hop_frames - self.in_hop).min(len);
            // Only fails for a channel count the meter was not made for.
            let _ = self
                .ebu
                .add_frames_planar_f32(&[&left[start..end], &right[start..end]]);
            self.true_peak
                .process_stereo(&left[start..end], &right[start..end]);
            self.advance(end - start, &mut on_hop);
            start = end;
        }
    }

    /// Measures interleaved frames of the meter's channel count, calling `on_hop` at the end of
    /// every 100 ms hop.
    pub fn add_interleaved_with(&mut self, samples: &[f32], mut on_hop: impl FnMut(HopReading)) {
        let frames = samples.len() / self.channels;
        let mut start = 0;
        while start < frames {
            let end = (start + self.hop_frames - self.in_hop).min(frames);
            let block = &samples[start * self.channels..end * self.channels];
            let _ = self.ebu.add_frames_f32(block);
            self.true_peak.process_interleaved(block);
            self.advance(end - start, &mut on_hop);
            start = end;
        }
    }

    fn advance(&mut self, frames: usize, on_hop: &mut impl FnMut(HopReading)) {
        self.in_hop += frames;
        self.frames += frames as u64;
        if self.in_hop < self.hop_frames {
            return;
        }
        self.in_hop = 0;
        // The windows are whole hops, so the 400 ms and 3 s energies are means of the hops'
        // energies: one 100 ms window is read from the meter per hop, where reading the 3 s
        // window itself would sum 3 s of samples ten times a second.
        let energy = lufs_to_energy(self.ebu.loudness_window(100).unwrap_or(f64::NEG_INFINITY));
        self.hop_energies[(self.hops % SHORT_TERM_HOPS as u64) as usize] = energy;
        self.hops += 1;
        let last = |n: usize| -> f64 {
            (0..n as u64)
                .filter(|&k| k < self.hops)
                .map(|k| self.hop_energies[((self.hops - 1 - k) % SHORT_TERM_HOPS as u64) as usize])
                .sum::<f64>()
                / n as f64
        };
        let reading = HopReading {
            end_frame: self.frames,
            momentary_lufs: energy_to_lufs(last(MOMENTARY_HOPS)),
            short_term_lufs: energy_to_lufs(last(SHORT_TERM_HOPS)),
        };
        // A window counts once it is full: the first hops would read a partly empty window.
        let rate = self.ebu.rate() as u64;
        if self.frames * 10 >= rate * 4 {
            self.max_momentary_lufs = self.max_momentary_lufs.max(reading.momentary_lufs);
        }
        if self.frames >= rate * 3 {
            self.max_short_term_lufs = self.max_short_term_lufs.max(reading.short_term_lufs);
        }
        on_hop(reading);
    }

    /// Frames measured so far.
    pub fn frames(&self) -> u64 {
        self.frames
    }

    /// The measurement so far.
    pub fn loudness(&self) -> Loudness {
        let peak_over_channels = |peak: fn(&EbuR128, u32) -> Result<f64, ebur128::Error>| {
            (0..self.channels as u32)
                .map(|c| peak(&self.ebu, c).unwrap_or(0.0))
                .fold(0.0f64, f64::max)
        };
        // A programme shorter than one window has no maximum yet: the whole of it (and the
        // silence before) is the window.
        let whole = |max: f64, hops: usize| {
            if max.is_finite() || self.hops == 0 {
                max
            } else {
                let sum: f64 = self.hop_energies.iter().take(self.hops as usize).sum();
                energy_to_lufs(sum / hops as f64)
            }
        };
        Loudness {
            integrated_lufs: self.ebu.loudness_global().unwrap_or(f64::NEG_INFINITY),
            range_lu: self.ebu.loudness_range().unwrap_or(0.0),
            max_momentary_lufs: whole(self.max_momentary_lufs, MOMENTARY_HOPS),
            max_short_term_lufs: whole(self.max_short_term_lufs, SHORT_TERM_HOPS),
            true_peak_dbtp: f64::from(gain_to_db(self.true_peak.peak())),
            sample_peak_dbfs: f64::from(
                gain_to_db(peak_over_channels(EbuR128::sample_peak) as f32),
            ),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A level in dB as a linear gain, in double precision for the test signals.
    fn db_to_gain(db: f64) -> f64 {
        10f64.powf(db / 20.0)
    }

    /// A stereo sine of `freq` Hz at `dbfs` peak in both channels, `seconds` long.
    fn tone(freq: f64, dbfs: f64, seconds: f64, rate: u32) -> Vec<f32> {
        let amplitude = db_to_gain(dbfs);
        (0..(seconds * rate as f64) as usize)
            .flat_map(|n| {
                let x = (amplitude * (std::f64::consts::TAU * freq * n as f64 / rate as f64).sin())
                    as f32;
                [x, x]
            })
            .collect()
    }

    fn measure(samples: &[f32], rate: u32) -> (Loudness, Vec<HopReading>) {
        let mut meter = Meter::new(2, rate).unwrap();
        let mut hops = Vec::new();
        // Odd block lengths: hops must not depend on how the audio arrives.
        for block in samples.chunks(2 * 1237) {
            meter.add_interleaved_with(block, |h| hops.push(h));
        }
        (meter.loudness(), hops)
    }

    /// EBU Tech 3341 cases 1 and 2: stereo 1 kHz sine at −23 and −33 dBFS for 20 s reads −23.0
    /// and −33.0 LUFS (±0.1 LU), momentary and short-term constant at the same value.
    #[test]
    fn tech_3341_cases_1_and_2() {
        for rate in [44_100, 48_000] {
            for level in [-23.0, -33.0] {
                let (loudness, hops) = measure(&tone(1000.0, level, 20.0, rate), rate);
                eprintln!(
                    "Tech 3341 {level} dBFS at {rate} Hz: I {:.3}, M max {:.3}, S max {:.3}, TP {:.3}",
                    loudness.integrated_lufs,
                    loudness.max_momentary_lufs,
                    loudness.max_short_term_lufs,
                    loudness.true_peak_dbtp
                );
                assert!(
                    (loudness.integrated_lufs - level).abs() <= 0.1,
                    "{loudness:?}"
                );
                assert!((loudness.max_momentary_lufs - level).abs() <= 0.1);
                assert!((loudness.max_short_term_lufs - level).abs() <= 0.1);
                assert_eq!(hops.len(), 200, "one reading every 100 ms");
                assert!(
                    hops[100..]
                        .iter()
                        .all(|h| (h.momentary_lufs - level).abs() < 0.1)
                );
                // A sine's true peak is its amplitude: −23 dBFS peak.
                assert!(
                    (loudness.true_peak_dbtp - level).abs() < 0.2,
                    "{loudness:?}"
                );
            }
        }
    }

    /// A stereo 1 kHz sine through segments of (dBFS peak, seconds).
    fn sequence(segments: &[(f64, f64)], rate: u32) -> Vec<f32> {
        segments
            .iter()
            .flat_map(|&(level, seconds)| tone(1000.0, level, seconds, rate))
            .collect()
    }

    /// EBU Tech 3341 cases 3, 4 and 5: tone sequences whose gated integrated loudness is
    /// −23.0 LUFS (±0.1 LU): the absolute gate drops the −72 dBFS parts, the relative gate the
    /// −36 dBFS parts, and case 5's −26/−20/−26 averages to −23.
    #[test]
    fn tech_3341_cases_3_to_5() {
        let cases: [&[(f64, f64)]; 3] = [
            &[(-36.0, 10.0), (-23.0, 60.0), (-36.0, 10.0)],
            &[
                (-72.0, 10.0),
                (-36.0, 10.0),
                (-23.0, 60.0),
                (-36.0, 10.0),
                (-72.0, 10.0),
            ],
            &[(-26.0, 20.0), (-20.0, 20.1), (-26.0, 20.0)],
        ];
        for (case, segments) in (3..).zip(cases) {
            let (loudness, _) = measure(&sequence(segments, 48_000), 48_000);
            eprintln!(
                "Tech 3341 case {case}: I {:.3} LUFS",
                loudness.integrated_lufs
            );
            assert!(
                (loudness.integrated_lufs + 23.0).abs() <= 0.1,
                "case {case}: {loudness:?}"
            );
        }
    }

    /// EBU Tech 3341 cases 15 to 19 (true peak, 48 kHz, tolerance +0.2/−0.4 dB): sines at
    /// fs/4, fs/6 and fs/8 whose samples miss the crest (phases 0°, 45°, 60°, 67.5°), −6 dBTP;
    /// and case 19, fs/4 at 45° with its samples at full scale, +3.0 dBTP.
    #[test]
    fn tech_3341_true_peak_cases_15_to_19() {
        let cases = [
            (4.0, 0.0f64, -6.0, -6.0),
            (4.0, 45.0, -6.0, -6.0),
            (6.0, 60.0, -6.0, -6.0),
            (8.0, 67.5, -6.0, -6.0),
            (4.0, 45.0, 20.0 * 2f64.sqrt().log10(), 3.0),
        ];
        for (case, (divisor, phase_deg, peak_dbfs, expected_dbtp)) in (15..).zip(cases) {
            let rate = 48_000u32;
            let amplitude = db_to_gain(peak_dbfs);
            // A 10 ms raised-cosine onset: a sine switched on abruptly truly overshoots between
            // its first samples, which is not what these cases measure.
            let onset = rate as f64 / 100.0;
            let samples: Vec<f32> = (0..rate as usize * 2)
                .flat_map(|n| {
                    let ramp =
                        0.5 - 0.5 * (std::f64::consts::PI * (n as f64 / onset).min(1.0)).cos();
                    let x = ramp
                        * amplitude
                        * (std::f64::consts::TAU * n as f64 / divisor + phase_deg.to_radians())
                            .sin();
                    [x as f32, x as f32]
                })
                .collect();
            let (loudness, _) = measure(&samples, rate);
            let error = loudness.true_peak_dbtp - expected_dbtp;
            eprintln!(
                "Tech 3341 case {case}: TP {:.3} dBTP (sample peak {:.3})",
                loudness.true_peak_dbtp, loudness.sample_peak_dbfs
            );
            assert!((-0.4..=0.2).contains(&error), "case {case}: {loudness:?}");
            if phase_deg != 0.0 {
                assert!(
                    loudness.sample_peak_dbfs < expected_dbtp - 0.5,
                    "case {case}"
                );
            }
        }
    }

    /// The momentary and short-term readings built from 100 ms hops equal the crate's own
    /// 400 ms and 3 s windows.
    #[test]
    fn hop_windows_equal_the_crates_windows() {
        let samples = sequence(&[(-30.0, 2.5), (-18.0, 1.3), (-40.0, 3.0)], 44_100);
        let mut ours = Meter::new(2, 44_100).unwrap();
        let mut crate_meter = EbuR128::new(2, 44_100, Mode::M | Mode::S).unwrap();
        let hop = 2 * 4_410;
        for block in samples.chunks(hop) {
            crate_meter.add_frames_f32(block).unwrap();
            let mut reading = None;
            ours.add_interleaved_with(block, |h| reading = Some(h));
            let reading = reading.unwrap();
            let m = crate_meter.loudness_momentary().unwrap();
            let s = crate_meter.loudness_shortterm().unwrap();
            assert!((reading.momentary_lufs - m).abs() < 1e-6, "{reading:?} {m}");
            assert!(
                (reading.short_term_lufs - s).abs() < 1e-6,
                "{reading:?} {s}"
            );
        }
    }

    /// Silence has no loudness, and a meter fed nothing says so without failing.
    #[test]
    fn silence_is_minus_infinity() {
        let (loudness, _) = measure(&vec![0.0; 2 * 48_000], 48_000);
        assert_eq!(loudness.integrated_lufs, f64::NEG_INFINITY);
        assert_eq!(loudness.true_peak_dbtp, f64::NEG_INFINITY);
    }
}
