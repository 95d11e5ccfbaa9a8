//! Rain: a short shower of small drops over a soft hiss, after van den Doel 2005 ("Physically
//! based models for liquid sounds"), who renders rain as a stream of small Minnaert bubbles.
//!
//! Each event is a burst of 0.15–0.6 s (by decay) holding two to eight drops, each one the
//! drops model's bubble (same Minnaert pitch, damping and rising glide) with a small random
//! radius, at random times spread over the burst (one per equal slot, so drops rarely pile up),
//! over a band of filtered white noise, the distant spray, with a raised-cosine swell. Thirty
//! events a second give a steady rain of about 120 drops a second.

use super::drops::{Bubble, RADIUS_CEIL_M, RADIUS_FLOOR_M, RISE_XI, TONE_RADIUS_OCTAVES};
use super::gesture::noise_rate_gain;
use super::model::{EventParams, TriggerModel};
use crate::dsp::math::{cos, exp2, pow};
use crate::dsp::{Biquad, PairedBiquad, WhiteNoiseBlock};
use rand::RngExt;
use rand_pcg::Pcg32;
use std::f32::consts::TAU;

/// Most drops one burst can hold.
pub const MAX_DROPS: usize = 8;

/// Fewest drops in a burst.
const DROPS_MIN: usize = 2;

/// Most drops in a burst at decay 0; decay 1 allows [`MAX_DROPS`].
const DROPS_MAX_SHORT: usize = 4;

/// Burst length at decay 0 and 1, seconds (log mapping; 0.3 s at the default).
const BURST_SHORT_S: f32 = 0.15;
const BURST_LONG_S: f32 = 0.6;

/// Shortest shower when the layer asks for short events, seconds.
const BURST_MIN_S: f32 = 0.08;

/// Share of each drop's slot at either edge that it never starts in, so neighbours keep apart.
const SLOT_MARGIN: f32 = 0.1;

/// Smallest drop radius at size 0 and size 1, metres: 9.3 kHz and 2.2 kHz.
const RADIUS_SMALL_M: f32 = 0.35e-3;
const RADIUS_LARGE_M: f32 = 1.5e-3;

/// Drops spread log-uniformly from the smallest radius up to this factor above it.
const RADIUS_SPREAD: f32 = 2.5;

/// Drop starting amplitudes, linear: drawn uniformly between these.
const DROP_PEAK_MIN: f32 = 0.3;
const DROP_PEAK_MAX: f32 = 0.65;

/// Hiss band centre at size 0 and size 1, Hz.
const BED_CENTRE_SMALL_HZ: f32 = 6_000.0;
const BED_CENTRE_LARGE_HZ: f32 = 2_000.0;

/// Quality of the hiss band-pass: a bandwidth of two octaves, `Q = √(2^N) / (2^N − 1)` for
/// N = 2 (RBJ cookbook).
const BED_Q: f32 = 2.0 / 3.0;

/// The hiss band moves by this many octaves per unit of tone, of timbre draw, and of
/// intensity below 1 (a softer shower is duller).
const BED_TONE_OCTAVES: f32 = 1.0;
const BED_TIMBRE_OCTAVES: f32 = 0.5;
const BED_INTENSITY_OCTAVES: f32 = 0.7;

/// Highest hiss band centre, Hz, so the band is the same at every rate.
const BED_CENTRE_MAX_HZ: f32 = 12_000.0;

/// Peak level of the hiss envelope, linear.
const BED_PEAK: f32 = 0.12;

/// Samples between evaluations of the hiss envelope, linearly interpolated in between; counted
/// from the event's start so the output does not depend on the caller's block size.
const ENVELOPE_STEP_SAMPLES: u32 = 32;

/// White noise through one band-pass, at a level independent of the sample rate (see
/// [`noise_rate_gain`]).
#[derive(Debug, Clone, Copy)]
struct Hiss {
    noise: WhiteNoiseBlock,
    band: PairedBiquad,
    gain: f32,
}

impl Hiss {
    fn new(seed: u32, centre_hz: f32, sample_rate: f32) -> Self {
        Self {
            noise: WhiteNoiseBlock::new(seed),
            band: PairedBiquad::new(&Biquad::band_pass(centre_hz, BED_Q, sample_rate)),
            gain: noise_rate_gain(sample_rate),
        }
    }

    /// Overwrites `out` with the next samples.
    fn fill(&mut self, out: &mut [f32]) {
        self.noise.fill(out);
        for o in out.iter_mut() {
            *o *= self.gain;
        }
        self.band.process_block(out);
    }
}

/// A short shower of drops over a soft hiss.
#[derive(Debug, Clone, Copy)]
pub struct Rain {
    sample_rate: f32,
    drops: [Bubble; MAX_DROPS],
    drop_start_samples: [u32; MAX_DROPS],
    drop_count: usize,
    bed: Hiss,
    bed_samples: u32,
    /// The hiss envelope at the start and end of the current grid cell (see `render`).
    bed_cell: u32,
    bed_from: f32,
    bed_to: f32,
    /// Samples rendered since the event started.
    position_samples: u32,
    end_samples: u32,
}

impl Rain {
    /// Number of drops in the current event.
    pub fn drops_in_event(&self) -> usize {
        self.drop_count
    }

    /// The hiss envelope (raised cosine over the burst, peaking at [`BED_PEAK`]) at
    /// `position` samples.
    fn bed_envelope(&self, position: u32) -> f32 {
        if position >= self.bed_samples {
            return 0.0;
        }
        let phase = position as f32 / self.bed_samples as f32;
        BED_PEAK * (0.5 - 0.5 * cos(TAU * phase))
    }
}

impl TriggerModel for Rain {
    fn new(sample_rate: f32) -> Self {
        Self {
            sample_rate,
            drops: [Bubble::default(); MAX_DROPS],
            drop_start_samples: [0; MAX_DROPS],
            drop_count: 0,
            bed: Hiss::new(1, 2_000.0, sample_rate),
            bed_samples: 0,
            bed_cell: u32::MAX,
            bed_from: 0.0,
            bed_to: 0.0,
            position_samples: 0,
            end_samples: 0,
        }
    }

    fn start(&mut self, event: &EventParams, rng: &mut Pcg32) {
        let fs = self.sample_rate;
        let tone = event.tone.clamp(-1.0, 1.0);
        let size = event.size.clamp(0.0, 1.0);
        let decay = event.decay.clamp(0.0, 1.0);
        let intensity = event.intensity.clamp(0.0, 1.0);
        let timbre = event.timbre_offset().clamp(-1.0, 1.0);
        // Shortened when the layer asks (the drops crowd into the shorter shower, so the drop
        // rate still follows the density).
        let burst_s = event.capped_length_s(
            BURST_SHORT_S * pow(BURST_LONG_S / BURST_SHORT_S, decay),
            BURST_MIN_S,
        );
        let most =
            DROPS_MAX_SHORT + ((MAX_DROPS - DROPS_MAX_SHORT) as f32 * decay).round() as usize;
        self.drop_count = rng.random_range(DROPS_MIN..=most);
        let smallest_m = RADIUS_SMALL_M
            * pow(RADIUS_LARGE_M / RADIUS_SMALL_M, size)
            * exp2(-TONE_RADIUS_OCTAVES * tone)
            / event.pitch_ratio();
        let slot_s = burst_s / self.drop_count as f32;
        self.bed_samples = (burst_s * fs).round() as u32;
        self.end_samples = self.bed_samples;
        for k in 0..self.drop_count {
            // The draws come in a fixed order whatever the settings, so the same generator
            // gives the same shower at every size and tone.
            let (u_time, u_radius, u_peak) = (
                rng.random::<f32>(),
                rng.random::<f32>(),
                rng.random::<f32>(),
            );
            let start_s = slot_s * (k as f32 + SLOT_MARGIN + (1.0 - 2.0 * SLOT_MARGIN) * u_time);
            let radius_m =
                (smallest_m * pow(RADIUS_SPREAD, u_radius)).clamp(RADIUS_FLOOR_M, RADIUS_CEIL_M);
            let peak = DROP_PEAK_MIN + (DROP_PEAK_MAX - DROP_PEAK_MIN) * u_peak;
            self.drops[k].start(radius_m, 1.0, RISE_XI, peak, fs);
            self.drop_start_samples[k] = (start_s * fs).round() as u32;
            let end = self.drop_start_samples[k] + self.drops[k].remaining_samples();
            self.end_samples = self.end_samples.max(end);
        }
        let centre_hz = (BED_CENTRE_SMALL_HZ
            * pow(BED_CENTRE_LARGE_HZ / BED_CENTRE_SMALL_HZ, size)
            * exp2(
                BED_TONE_OCTAVES * tone
                    + BED_TIMBRE_OCTAVES * timbre
                    + BED_INTENSITY_OCTAVES * (intensity - 1.0),
            ))
        .min(BED_CENTRE_MAX_HZ);
        self.bed = Hiss::new(rng.random::<u32>(), centre_hz, fs);
        self.bed_cell = u32::MAX;
        self.position_samples = 0;
    }

    fn render(&mut self, out: &mut [f32]) -> bool {
        out.fill(0.0);
        if self.position_samples >= self.end_samples {
            return false;
        }
        let first = self.position_samples;
        let len = out.len().min((self.end_samples - first) as usize);
        // Hiss: the envelope is evaluated on a fixed grid and interpolated linearly.
        let mut i = 0;
        while i < len && first + (i as u32) < self.bed_samples {
            let position = first + i as u32;
            let grid = position - position % ENVELOPE_STEP_SAMPLES;
            if grid != self.bed_cell {
                // Entering the next cell: its start is the last one's end (one cosine a cell).
                self.bed_from = if grid == self.bed_cell.wrapping_add(ENVELOPE_STEP_SAMPLES) {
                    self.bed_to
                } else {
                    self.bed_envelope(grid)
                };
                self.bed_to = self.bed_envelope(grid + ENVELOPE_STEP_SAMPLES);
                self.bed_cell = grid;
            }
            let from = self.bed_from;
            let slope = (self.bed_to - from) / ENVELOPE_STEP_SAMPLES as f32;
            // A run never crosses the grid or the end of the hiss, so every sample's value
            // depends only on its position, not on where the caller's blocks end.
            let run = ((grid + ENVELOPE_STEP_SAMPLES - position) as usize)
                .min(len - i)
                .min((self.bed_samples - position) as usize);
            self.bed.fill(&mut out[i..i + run]);
            for (j, o) in out[i..i + run].iter_mut().enumerate() {
                *o *= from + slope * (position - grid + j as u32) as f32;
            }
            i += run;
        }
        for (drop, &start) in self.drops[..self.drop_count]
            .iter_mut()
            .zip(&self.drop_start_samples)
        {
            let offset = start.saturating_sub(first) as usize;
            if offset < len {
                drop.add_to(&mut out[offset..len]);
            }
        }
        self.position_samples += len as u32;
        self.position_samples < self.end_samples
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::triggers::test_support::model_rules::*;
    use crate::triggers::test_support::*;
    use rand::SeedableRng;

    #[test]
    fn common() {
        common_rules::<Rain>("Rain");
    }

    #[test]
    fn at_least_two_drops_per_event_on_average() {
        // At 30 events/s the layer asks for showers of 0.1 s: the drops crowd in, none is lost.
        let full_density = EventParams {
            length_cap_s: crate::triggers::model::OVERLAPPING_EVENTS / 30.0,
            ..EventParams::default()
        };
        for event in [EventParams::default(), full_density] {
            let mut rain = Rain::new(48_000.0);
            let mut rng = Pcg32::seed_from_u64(5);
            let mut total = 0;
            for _ in 0..500 {
                rain.start(&event, &mut rng);
                total += rain.drops_in_event();
                let last = rain.drop_start_samples[..rain.drop_count]
                    .iter()
                    .max()
                    .unwrap();
                assert!(*last as f32 <= 48_000.0 * event.length_cap_s.min(BURST_LONG_S));
            }
            let mean = total as f32 / 500.0;
            eprintln!(
                "Rain: {mean:.2} drops per event ({:.0} drops/s at 30 events/s)",
                30.0 * mean
            );
            assert!(30.0 * mean >= 50.0, "{mean}");
        }
    }

    #[test]
    fn the_hiss_stays_below_the_drops() {
        let fs = 48_000.0;
        let out = render::<Rain>(&EventParams::default(), 4, fs);
        let mut bed = Rain::new(fs);
        bed.start(&EventParams::default(), &mut Pcg32::seed_from_u64(4));
        bed.drop_count = 0;
        let mut hiss = vec![0.0; out.len()];
        for block in hiss.chunks_mut(64) {
            bed.render(block);
        }
        eprintln!(
            "Rain: hiss peak {:.3}, event peak {:.3}",
            peak(&hiss),
            peak(&out)
        );
        assert!(peak(&hiss) < 0.5 * peak(&out));
    }
}
