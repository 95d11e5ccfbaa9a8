//! The preallocated voice pool. At most `MAX_VOICES` events play at once; a further event
//! steals the quietest with a short fade (the pool keeps spare slots for the fading voices),
//! so the cost stays bounded whatever the density or the MIDI traffic.

use super::voice::{TriggerVoice, VoiceState};
use crate::binaural::{CONTROL_PERIOD, EarBuses};

/// Most events playing at once.
pub const MAX_VOICES: usize = 32;
/// Pool slots: the playing voices plus room for stolen voices to fade out.
pub const POOL_SLOTS: usize = MAX_VOICES + 8;

/// Every voice, allocated once.
pub struct VoicePool {
    voices: Vec<TriggerVoice>,
    /// Some voice may be sounding. False only once a tick found every voice idle: then the
    /// pool costs nothing (the voices are large, and visiting them all is not free).
    busy: bool,
}

impl VoicePool {
    /// `POOL_SLOTS` idle voices at `sample_rate` Hz (allocates).
    pub fn new(sample_rate: f32) -> Self {
        Self {
            voices: (0..POOL_SLOTS)
                .map(|_| TriggerVoice::new(sample_rate))
                .collect(),
            busy: false,
        }
    }

    /// Silences every voice at once.
    pub fn stop_all(&mut self) {
        for voice in &mut self.voices {
            voice.stop();
        }
        self.busy = false;
    }

    /// Voices sounding (playing, fading or ringing out).
    pub fn active(&self) -> usize {
        if !self.busy {
            return 0;
        }
        self.count(|state| state != VoiceState::Idle)
    }

    /// Voices whose event is playing (not stolen, not ended).
    pub fn playing(&self) -> usize {
        self.count(|state| state == VoiceState::Playing)
    }

    fn count(&self, which: impl Fn(VoiceState) -> bool) -> usize {
        self.voices.iter().filter(|v| which(v.state())).count()
    }

    /// Once per control period (loudness estimates, state flushing).
    pub fn tick(&mut self) {
        if !self.busy {
            return;
        }
        for voice in &mut self.voices {
            voice.tick();
        }
        self.busy = self.voices.iter().any(|v| v.state() != VoiceState::Idle);
    }

    /// Renders samples `from..to` of the chunk into `buses` (and their mono sound into `send`,
    /// when there is one, from its index `from`); `levels[layer]` holds each layer's level for
    /// every sample of the chunk.
    pub fn render_add(
        &mut self,
        levels: &[[f32; CONTROL_PERIOD]],
        buses: &mut EarBuses,
        from: usize,
        to: usize,
        mut send: Option<&mut [f32]>,
    ) {
        if !self.busy {
            return;
        }
        for voice in &mut self.voices {
            if voice.state() != VoiceState::Idle {
                let send = send.as_deref_mut().map(|s| &mut s[from..to]);
                voice.render_add(&levels[voice.layer()][from..to], buses, from, send);
            }
        }
    }

    /// A voice for a new event. When `MAX_VOICES` are playing, the quietest starts its fade;
    /// then an idle slot is taken, else one ringing out its tail, else (only when more events
    /// start within 5 ms than there are spare slots) the fading voice closest to silence.
    pub fn allocate(&mut self) -> &mut TriggerVoice {
        self.busy = true;
        if self.playing() >= MAX_VOICES {
            let quietest = self.quietest(VoiceState::Playing);
            self.voices[quietest].steal();
        }
        let slot = self
            .voices
            .iter()
            .position(|v| v.state() == VoiceState::Idle)
            .or_else(|| {
                self.voices
                    .iter()
                    .position(|v| v.state() == VoiceState::Tail)
            })
            .unwrap_or_else(|| self.quietest(VoiceState::Fading));
        &mut self.voices[slot]
    }

    /// Index of the quietest voice in `state` (0 if none is).
    fn quietest(&self, state: VoiceState) -> usize {
        self.voices
            .iter()
            .enumerate()
            .filter(|(_, v)| v.state() == state)
            .min_by(|a, b| a.1.loudness().total_cmp(&b.1.loudness()))
            .map_or(0, |(i, _)| i)
    }

    /// The voices, for inspection.
    pub fn voices(&self) -> &[TriggerVoice] {
        &self.voices
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::binaural::Position;
    use crate::triggers::voice::STEAL_FADE_S;
    use crate::triggers::{EventParams, TriggerKind};
    use rand::SeedableRng;
    use rand_pcg::Pcg32;

    const FS: f32 = 48_000.0;

    /// Starts a long wood tap at `gain`.
    fn start(pool: &mut VoicePool, gain: f32) {
        let event = EventParams {
            decay: 1.0,
            ..EventParams::default()
        };
        let front = Position {
            azimuth_deg: 0.0,
            elevation_deg: 0.0,
            distance_m: 1.0,
        };
        pool.allocate().start(
            TriggerKind::WoodTap,
            &event,
            &mut Pcg32::seed_from_u64(1),
            &front,
            0.0875,
            1.0,
            0,
            gain,
        );
    }

    /// Renders sample by sample from sample `*clock` on, ticking every control period.
    fn render(pool: &mut VoicePool, clock: &mut usize, samples: usize) -> Vec<f32> {
        let mut out = Vec::new();
        for _ in 0..samples {
            if (*clock).is_multiple_of(CONTROL_PERIOD) {
                pool.tick();
            }
            *clock += 1;
            let mut buses = crate::binaural::silent_buses();
            pool.render_add(&[[1.0; CONTROL_PERIOD]], &mut buses, 0, 1, None);
            out.push(buses[0].iter().map(|bus| bus[0]).sum());
        }
        out
    }

    #[test]
    fn a_full_pool_fades_out_its_quietest_voice() {
        let mut pool = VoicePool::new(FS);
        let clock = &mut 0;
        for i in 0..MAX_VOICES {
            start(&mut pool, if i == 7 { 0.01 } else { 0.8 });
            render(&mut pool, clock, 3);
        }
        assert_eq!(pool.playing(), MAX_VOICES);
        start(&mut pool, 0.8);
        assert_eq!(pool.playing(), MAX_VOICES);
        assert_eq!(pool.voices()[7].state(), VoiceState::Fading);
        // The fade lasts its 5 ms, then the voice rings out its renderer and frees itself.
        let mut samples = 0;
        while pool.voices()[7].state() == VoiceState::Fading {
            render(&mut pool, clock, 1);
            samples += 1;
        }
        let fade = (STEAL_FADE_S * FS) as usize;
        assert!((fade - 1..=fade + 1).contains(&samples), "{samples}");
        while pool.voices()[7].state() != VoiceState::Idle {
            render(&mut pool, clock, 1);
        }
    }

    #[test]
    fn a_flood_of_events_never_takes_more_than_the_pool() {
        let mut pool = VoicePool::new(FS);
        let clock = &mut 0;
        for i in 0..2_000 {
            start(&mut pool, 0.2 + (i % 7) as f32 * 0.1);
            let out = render(&mut pool, clock, 3);
            assert!(pool.active() <= POOL_SLOTS && pool.playing() <= MAX_VOICES);
            assert!(out.iter().all(|x| x.is_finite()));
        }
    }
}
