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

/// Samples between updates of automated values: one engine control period.
pub const AUTOMATION_STEP: usize = CONTROL_PERIOD;

/// One render in progress.
pub struct OfflineRender {
    engine: Engine,
    sheet: ParamSheet,
    automation: Automation,
    settings: Settings,
    /// Samples rendered so far.
    position: u64,
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
        })
    }

    /// Processes one block in place (see [`Engine::process`] for the buffers).
    pub fn process(&mut self, input: InputChannels, left: &mut [f32], right: &mut [f32]) {
        let len = left.len().min(right.len());
        if self.automation.is_empty() {
            self.engine.process(
                input,
                &mut left[..len],
                &mut right[..len],
                &self.settings,
                None,
            );
            self.position += len as u64;
            return;
        }
        let rate = self.engine.sample_rate() as f64;
        let mut start = 0;
        while start < len {
            let step = AUTOMATION_STEP as u64;
            if self.position.is_multiple_of(step) {
                self.automation
                    .apply(self.position as f64 / rate, &mut self.sheet);
                self.settings = self.sheet.settings();
            }
            let until_step = (step - self.position % step) as usize;
            let end = (start + until_step).min(len);
            self.engine.process(
                input,
                &mut left[start..end],
                &mut right[start..end],
                &self.settings,
                None,
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
}
