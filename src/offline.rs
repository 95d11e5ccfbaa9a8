//! Offline rendering: the engine driven by a [`ParamSheet`] and an [`Automation`], the way a
//! DAW drives the plugin. The command-line renderer and the benchmarks use it.
//!
//! Automated values are updated every [`AUTOMATION_STEP`] samples, on the engine's own control
//! ticks, so a render equals the plugin's render when the host sends the same values at the same
//! samples (the plugin uses sample-accurate automation, and the engine's output does not depend
//! on how the host splits its blocks).

use std::sync::Arc;

use crate::automation::Automation;
use crate::binaural::CONTROL_PERIOD;
use crate::binaural::hrtf_set::HrtfSet;
use crate::engine::{Engine, EngineError, InputChannels, Settings};
use crate::params::ParamSheet;
use crate::settings::Transport;

/// Samples between updates of automated values: one engine control period.
pub const AUTOMATION_STEP: usize = CONTROL_PERIOD;

/// The tempo of the song a render started with [`OfflineRender::start_at`] plays in, BPM (the
/// tempo a host reports when nobody set one).
pub const SONG_TEMPO_BPM: f64 = 120.0;

/// One render in progress.
pub struct OfflineRender {
    engine: Engine,
    sheet: ParamSheet,
    automation: Automation,
    settings: Settings,
    /// Samples rendered so far.
    position: u64,
    /// Where in the song the render starts, samples (see [`OfflineRender::start_at`]).
    song_start: Option<u64>,
}

impl OfflineRender {
    /// A render at `sample_rate` with the sheet's values, automated by `automation`.
    pub fn new(
        sample_rate: u32,
        max_block: usize,
        sheet: ParamSheet,
        automation: Automation,
    ) -> Result<Self, EngineError> {
        let engine = Engine::new(sample_rate as f32, max_block)?;
        let settings = sheet.settings();
        Ok(Self {
            engine,
            sheet,
            automation,
            settings,
            position: 0,
            song_start: None,
        })
    }

    /// Renders from `seconds` into the song (before the first block), as a host playing from
    /// there at 120 BPM in 4/4 does: the motion, Animate and the synced trigger grid are where
    /// the song is, and the automation's times are song times. Without it the clocks run free
    /// from zero, as with a host's transport stopped.
    pub fn start_at(&mut self, seconds: f64) {
        debug_assert_eq!(self.position, 0, "the start is set before the first block");
        let rate = f64::from(self.engine.sample_rate());
        self.song_start = Some((seconds.max(0.0) * rate).round() as u64);
    }

    /// The transport a host playing the song would report at the next sample.
    fn transport(&self) -> Option<Transport> {
        let start = self.song_start?;
        let rate = f64::from(self.engine.sample_rate());
        let seconds = (start + self.position) as f64 / rate;
        Some(Transport {
            playing: true,
            tempo_bpm: SONG_TEMPO_BPM,
            position_quarters: Some(seconds * SONG_TEMPO_BPM / 60.0),
            quarters_per_bar: 4.0,
        })
    }

    /// The song's time at the next sample, seconds.
    fn song_seconds(&self) -> f64 {
        let rate = f64::from(self.engine.sample_rate());
        (self.song_start.unwrap_or(0) + self.position) as f64 / rate
    }

    /// Processes one block in place (see [`Engine::process`] for the buffers).
    pub fn process(&mut self, input: InputChannels, left: &mut [f32], right: &mut [f32]) {
        let len = left.len().min(right.len());
        if self.automation.is_empty() {
            let transport = self.transport();
            self.engine.process(
                input,
                &mut left[..len],
                &mut right[..len],
                &self.settings,
                transport.as_ref(),
            );
            self.position += len as u64;
            return;
        }
        let mut start = 0;
        while start < len {
            let step = AUTOMATION_STEP as u64;
            if self.position.is_multiple_of(step) {
                self.automation.apply(self.song_seconds(), &mut self.sheet);
                self.settings = self.sheet.settings();
            }
            let until_step = (step - self.position % step) as usize;
            let end = (start + until_step).min(len);
            let transport = self.transport();
            self.engine.process(
                input,
                &mut left[start..end],
                &mut right[start..end],
                &self.settings,
                transport.as_ref(),
            );
            self.position += (end - start) as u64;
            start = end;
        }
    }

    /// Plays the voice through `set` when the `hrtf` setting is SOFA (before the first block;
    /// the set must have been prepared at this render's rate).
    pub fn use_hrtf_set(&mut self, set: Arc<HrtfSet>) {
        debug_assert!(self.engine.accepts_hrtf_set(&set));
        let _ = self.engine.offer_hrtf_set(set);
    }

    pub fn engine(&self) -> &Engine {
        &self.engine
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::math::sin;

    /// Rendering in odd block sizes gives the same samples as one block at a time.
    #[test]
    fn automation_does_not_depend_on_blocks() {
        let run = |blocks: &[usize]| {
            let sheet = ParamSheet::new();
            let automation =
                Automation::parse("0 azim=-90\n0.5 azim=90\n0.3 motion=Orbit", &sheet).unwrap();
            let mut render = OfflineRender::new(48_000, 4096, sheet, automation).unwrap();
            let mut out = Vec::new();
            let mut n = 0u32;
            for &block in blocks.iter().cycle().take(200) {
                let mut left: Vec<f32> = (0..block)
                    .map(|i| sin((n + i as u32) as f32 * 0.05) * 0.3)
                    .collect();
                n += block as u32;
                let mut right = vec![0.0; block];
                render.process(InputChannels::Mono, &mut left, &mut right);
                out.extend(left.into_iter().zip(right));
            }
            out.truncate(20_000);
            out
        };
        let a = run(&[1000]);
        let b = run(&[7, 333, 64, 1, 1024]);
        assert_eq!(a.len(), 20_000);
        assert!(a.iter().all(|(l, r)| l.is_finite() && r.is_finite()));
        assert_eq!(a, b);
        // The sweep is heard: the left ear leads at first, the right ear at the end.
        let energy = |s: &[(f32, f32)]| {
            s.iter().fold((0.0f64, 0.0f64), |(l, r), (a, b)| {
                (l + (*a as f64).powi(2), r + (*b as f64).powi(2))
            })
        };
        let (l0, r0) = energy(&a[1_000..5_000]);
        let (l1, r1) = energy(&a[16_000..20_000]);
        assert!(l0 > 1.3 * r0, "early: left {l0} right {r0}");
        assert!(r1 > 1.3 * l1, "late: left {l1} right {r1}");
    }

    /// A render started 3 s into the song places the moving voice where a render from the
    /// song's start has it at 3 s: the ears' level difference, window by window, agrees.
    #[test]
    fn a_render_started_into_the_song_continues_the_motion() {
        const FS: u32 = 48_000;
        let take = |start: Option<f64>, from: usize, frames: usize| {
            let mut sheet = ParamSheet::with_settings(&Settings::default());
            for assignment in ["motion=Ear to Ear", "mrate=0.25 Hz", "width=0%"] {
                let (index, value) = sheet.parse_assignment(assignment).unwrap();
                sheet.set_normalized(index, value);
            }
            let mut render = OfflineRender::new(FS, 1024, sheet, Automation::none()).unwrap();
            if let Some(seconds) = start {
                render.start_at(seconds);
            }
            // The same voice at the same song time, whichever take plays it.
            let mut voice = crate::dsp::noise::WhiteNoise::new(7);
            let mut out = Vec::with_capacity(frames);
            for _ in 0..from {
                voice.next();
            }
            for _ in (0..frames).step_by(1024) {
                let mut left: Vec<f32> = (0..1024).map(|_| 0.1 * voice.next()).collect();
                let mut right = vec![0.0; 1024];
                render.process(InputChannels::Mono, &mut left, &mut right);
                out.extend(left.into_iter().zip(right));
            }
            out
        };
        // Level difference, right over left, dB, in 100 ms windows.
        let ilds = |take: &[(f32, f32)]| -> Vec<f64> {
            take.chunks_exact(4_800)
                .map(|w| {
                    let (l, r) = w.iter().fold((0.0f64, 0.0f64), |(l, r), (a, b)| {
                        (l + f64::from(*a).powi(2), r + f64::from(*b).powi(2))
                    });
                    10.0 * (r / l).log10()
                })
                .collect()
        };
        let whole = ilds(&take(None, 0, 5 * FS as usize));
        let started = ilds(&take(Some(3.0), 3 * FS as usize, 2 * FS as usize));
        let unstarted = ilds(&take(None, 3 * FS as usize, 2 * FS as usize));
        // Past the first window (the ears' filters filling), the started take follows the
        // whole one; the take that starts its motion afresh does not.
        let worst = |take: &[f64]| {
            take.iter()
                .zip(&whole[30..])
                .skip(1)
                .map(|(a, b)| (a - b).abs())
                .fold(0.0f64, f64::max)
        };
        println!(
            "started: {:.2} dB off, unstarted: {:.2} dB off",
            worst(&started),
            worst(&unstarted)
        );
        assert!(worst(&started) < 0.5, "{:?} vs {:?}", started, &whole[30..]);
        assert!(worst(&unstarted) > 6.0);
    }
}
