//! The voice's two heads: the sphere model and a measured (SOFA) set, and the switch between
//! them. A set handed over while another plays waits until the old one has faded out; a head
//! that sat out starts again from silence and is only faded in once it has heard enough of the
//! voice; while switching both run and are crossfaded sample by sample.

use std::sync::Arc;

use super::hrtf_set::HrtfSet;
use super::sofa_renderer::SofaRenderer;
use super::{BinauralRenderer, CONTROL_PERIOD, Position};
use crate::dsp::LinearFade;

/// Length of the crossfade between the sphere model and a SOFA set, seconds.
const HRTF_FADE_S: f32 = 0.020;
/// The sphere model's delays hold less than this (interaural delay and pinna echoes at the
/// largest head), seconds: a restarted sphere renderer is whole after it.
const SPHERE_WARMUP_S: f32 = 0.005;

/// Both heads, one renderer per voice channel each (the second for stereo input).
pub struct Heads {
    sample_rate: f32,
    sphere: [BinauralRenderer; 2],
    sofa: [SofaRenderer; 2],
    /// The set the SOFA renderers play.
    set: Option<Arc<HrtfSet>>,
    /// A set handed over while another was playing; it takes over once the old one is faded out.
    pending_set: Option<Arc<HrtfSet>>,
    /// A set taken out of use, for the caller to drop away from the audio thread.
    retired_set: Option<Arc<HrtfSet>>,
    /// 0 = sphere model, 1 = SOFA set.
    fade: LinearFade,
    /// Which renderers ran in the last control period (a renderer that did not is reset
    /// before it runs again).
    sphere_running: bool,
    sofa_running: bool,
    /// Control periods each has run since it started again.
    sphere_warm: usize,
    sofa_warm: usize,
    /// Where `fade` is heading this control period.
    want_sofa: bool,
}

impl Heads {
    pub fn new(sample_rate: f32) -> Self {
        Self {
            sample_rate,
            sphere: [
                BinauralRenderer::new(sample_rate),
                BinauralRenderer::new(sample_rate),
            ],
            sofa: [
                SofaRenderer::new(sample_rate),
                SofaRenderer::new(sample_rate),
            ],
            set: None,
            pending_set: None,
            retired_set: None,
            fade: LinearFade::new(HRTF_FADE_S, sample_rate, false),
            sphere_running: false,
            sofa_running: false,
            sphere_warm: 0,
            sofa_warm: 0,
            want_sofa: false,
        }
    }

    /// Clears the sphere renderers and marks both heads as not running, so the next control
    /// period starts whichever plays from silence.
    pub fn reset(&mut self) {
        for renderer in &mut self.sphere {
            renderer.reset();
        }
        self.sphere_running = false;
        self.sofa_running = false;
    }

    /// Hands over a SOFA set (see `Engine::offer_hrtf_set`).
    pub fn offer_set(&mut self, set: Arc<HrtfSet>) -> Result<(), Arc<HrtfSet>> {
        if self.pending_set.is_some() || !self.accepts_set(&set) {
            return Err(set);
        }
        self.pending_set = Some(set);
        Ok(())
    }

    /// Whether `set` was prepared for this sample rate.
    pub fn accepts_set(&self, set: &HrtfSet) -> bool {
        self.sofa[0].accepts(set)
    }

    /// A set no longer used, to drop away from the audio thread.
    pub fn take_retired_set(&mut self) -> Option<Arc<HrtfSet>> {
        self.retired_set.take()
    }

    /// The SOFA set held (playing or ready to), if any.
    pub fn set(&self) -> Option<&Arc<HrtfSet>> {
        self.pending_set.as_ref().or(self.set.as_ref())
    }

    /// Whether the voice goes through the SOFA set now (fully or fading in).
    pub fn sofa_active(&self) -> bool {
        self.fade.value > 0.0
    }

    /// Chooses the head for this control period: promotes a waiting SOFA set once the old one
    /// is silent, and decides which renderers run (both while crossfading). `voice`: there is a
    /// voice input; `sofa_chosen`: the settings ask for the SOFA set; `snap`: jump, don't fade
    /// (after a reset).
    pub fn choose(&mut self, voice: bool, sofa_chosen: bool, snap: bool) {
        if self.pending_set.is_some() && self.fade.value == 0.0 && self.retired_set.is_none() {
            self.retired_set = self.set.take();
            self.set = self.pending_set.take();
            self.sofa_running = false;
        }
        let want = voice && sofa_chosen && self.set.is_some() && self.pending_set.is_none();
        if snap {
            self.fade.snap(want);
        }
        let fade = self.fade.value;
        let sofa = want || fade > 0.0;
        let sphere = !want || fade < 1.0;
        // A renderer that sat out starts again from silence.
        if sofa && !self.sofa_running {
            for renderer in &mut self.sofa {
                renderer.reset();
            }
            self.sofa_warm = 0;
        }
        if sphere && !self.sphere_running {
            for renderer in &mut self.sphere {
                renderer.reset();
            }
            self.sphere_warm = 0;
        }
        self.sofa_running = sofa && voice;
        self.sphere_running = sphere && voice;
        // A restarted renderer plays its first periods incomplete (its delays and convolution
        // history still hold the silence it started from): the crossfade towards it waits until
        // it has heard enough of the voice. After a reset everything starts from silence
        // together, so nothing waits.
        let sofa_ready = snap
            || self
                .set
                .as_ref()
                .is_some_and(|set| self.sofa_warm >= SofaRenderer::warmup_periods(set));
        // One period more for the renderer's own latency: its first output is the silence it
        // heard before it started.
        let sphere_periods =
            (SPHERE_WARMUP_S * self.sample_rate / CONTROL_PERIOD as f32).ceil() as usize + 2;
        let sphere_ready = snap || self.sphere_warm >= sphere_periods;
        self.want_sofa = if want { sofa_ready } else { !sphere_ready };
    }

    /// Hands voice channel `side`'s running renderers their next position.
    pub fn set_target(&mut self, side: usize, at: &Position, head_radius_m: f32, proximity: f32) {
        if self.sphere_running {
            self.sphere[side].set_target(at, head_radius_m, proximity);
            self.sphere_warm = self.sphere_warm.saturating_add(usize::from(side == 0));
        }
        if self.sofa_running
            && let Some(set) = &self.set
        {
            self.sofa[side].set_target(set, at, proximity);
            self.sofa_warm = self.sofa_warm.saturating_add(usize::from(side == 0));
        }
    }

    /// Adds the next `n` samples of the voice channels `voices` (one or two, a control period
    /// each) through the running heads to `wet_*`, crossfaded while both run.
    #[inline(always)]
    pub fn render_add(
        &mut self,
        voices: &[&[f32; CONTROL_PERIOD]],
        wet_l: &mut [f32; CONTROL_PERIOD],
        wet_r: &mut [f32; CONTROL_PERIOD],
        n: usize,
    ) {
        if self.sphere_running {
            for (side, voice) in voices.iter().enumerate() {
                self.sphere[side].render_add(&voice[..n], &mut wet_l[..n], &mut wet_r[..n]);
            }
        }
        if self.sofa_running {
            let mut sofa_l = [0.0f32; CONTROL_PERIOD];
            let mut sofa_r = [0.0f32; CONTROL_PERIOD];
            for (side, voice) in voices.iter().enumerate() {
                self.sofa[side].render_add(&voice[..n], &mut sofa_l[..n], &mut sofa_r[..n]);
            }
            for j in 0..n {
                let fade = self.fade.next(self.want_sofa);
                wet_l[j] = wet_l[j] * (1.0 - fade) + sofa_l[j] * fade;
                wet_r[j] = wet_r[j] * (1.0 - fade) + sofa_r[j] * fade;
            }
        }
    }
}
