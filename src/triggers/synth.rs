//! The nine trigger models behind one type, so that any voice can play any model.

use super::model::{EventParams, TriggerModel};
use super::{
    brush::Brush, crinkle::Crinkle, drops::Drops, nail_tap::NailTap, paper::Paper, rain::Rain,
    scratch::Scratch, shh::Shh, wood_tap::WoodTap,
};
use rand_pcg::Pcg32;

/// Which sound a layer makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TriggerKind {
    WoodTap,
    NailTap,
    Crinkle,
    Paper,
    Brush,
    Scratch,
    Drops,
    Rain,
    Shh,
}

impl TriggerKind {
    /// Every model, in the order the host lists them.
    pub const ALL: [TriggerKind; 9] = [
        TriggerKind::WoodTap,
        TriggerKind::NailTap,
        TriggerKind::Crinkle,
        TriggerKind::Paper,
        TriggerKind::Brush,
        TriggerKind::Scratch,
        TriggerKind::Drops,
        TriggerKind::Rain,
        TriggerKind::Shh,
    ];
}

/// One voice's synthesizer: whichever model its current event uses. Every model is a
/// fixed-size value, so switching model on the audio thread allocates nothing.
pub enum Synth {
    WoodTap(WoodTap),
    NailTap(NailTap),
    Crinkle(Crinkle),
    Paper(Paper),
    Brush(Brush),
    Scratch(Scratch),
    Drops(Drops),
    Rain(Rain),
    Shh(Shh),
}

impl Synth {
    /// A silent synthesizer of `kind` at `sample_rate` Hz.
    pub fn new(kind: TriggerKind, sample_rate: f32) -> Self {
        match kind {
            TriggerKind::WoodTap => Synth::WoodTap(WoodTap::new(sample_rate)),
            TriggerKind::NailTap => Synth::NailTap(NailTap::new(sample_rate)),
            TriggerKind::Crinkle => Synth::Crinkle(Crinkle::new(sample_rate)),
            TriggerKind::Paper => Synth::Paper(Paper::new(sample_rate)),
            TriggerKind::Brush => Synth::Brush(Brush::new(sample_rate)),
            TriggerKind::Scratch => Synth::Scratch(Scratch::new(sample_rate)),
            TriggerKind::Drops => Synth::Drops(Drops::new(sample_rate)),
            TriggerKind::Rain => Synth::Rain(Rain::new(sample_rate)),
            TriggerKind::Shh => Synth::Shh(Shh::new(sample_rate)),
        }
    }

    /// The model this synthesizer currently is.
    pub fn kind(&self) -> TriggerKind {
        match self {
            Synth::WoodTap(_) => TriggerKind::WoodTap,
            Synth::NailTap(_) => TriggerKind::NailTap,
            Synth::Crinkle(_) => TriggerKind::Crinkle,
            Synth::Paper(_) => TriggerKind::Paper,
            Synth::Brush(_) => TriggerKind::Brush,
            Synth::Scratch(_) => TriggerKind::Scratch,
            Synth::Drops(_) => TriggerKind::Drops,
            Synth::Rain(_) => TriggerKind::Rain,
            Synth::Shh(_) => TriggerKind::Shh,
        }
    }

    /// Starts an event of `kind` (switching model first if needed).
    pub fn start(
        &mut self,
        kind: TriggerKind,
        sample_rate: f32,
        event: &EventParams,
        rng: &mut Pcg32,
    ) {
        if self.kind() != kind {
            *self = Synth::new(kind, sample_rate);
        }
        match self {
            Synth::WoodTap(m) => m.start(event, rng),
            Synth::NailTap(m) => m.start(event, rng),
            Synth::Crinkle(m) => m.start(event, rng),
            Synth::Paper(m) => m.start(event, rng),
            Synth::Brush(m) => m.start(event, rng),
            Synth::Scratch(m) => m.start(event, rng),
            Synth::Drops(m) => m.start(event, rng),
            Synth::Rain(m) => m.start(event, rng),
            Synth::Shh(m) => m.start(event, rng),
        }
    }

    /// The next samples of the event; `false` once it has ended (see [`TriggerModel::render`]).
    #[inline]
    pub fn render(&mut self, out: &mut [f32]) -> bool {
        match self {
            Synth::WoodTap(m) => m.render(out),
            Synth::NailTap(m) => m.render(out),
            Synth::Crinkle(m) => m.render(out),
            Synth::Paper(m) => m.render(out),
            Synth::Brush(m) => m.render(out),
            Synth::Scratch(m) => m.render(out),
            Synth::Drops(m) => m.render(out),
            Synth::Rain(m) => m.render(out),
            Synth::Shh(m) => m.render(out),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};

    /// An event with settings drawn from `seed` (every control anywhere in its range).
    fn random_event(seed: u64) -> EventParams {
        let mut rng = Pcg32::seed_from_u64(seed);
        EventParams {
            intensity: rng.random(),
            tone: rng.random_range(-1.0..=1.0),
            size: rng.random(),
            decay: rng.random(),
            variation: rng.random(),
            detune: rng.random_range(-1.0..=1.0),
            timbre: rng.random_range(-1.0..=1.0),
            length_cap_s: [f32::INFINITY, 0.2][seed as usize % 3 / 2],
        }
    }

    fn render_split(kind: TriggerKind, fs: f32, seed: u64, pieces: &[usize]) -> Vec<f32> {
        let mut synth = Synth::new(TriggerKind::WoodTap, fs);
        synth.start(
            kind,
            fs,
            &random_event(seed),
            &mut Pcg32::seed_from_u64(seed ^ 11),
        );
        let mut out = Vec::new();
        let mut buffer = [0.0f32; 64];
        for &n in pieces.iter().cycle() {
            let alive = synth.render(&mut buffer[..n]);
            out.extend_from_slice(&buffer[..n]);
            if !alive || out.len() > (3.0 * fs) as usize {
                break;
            }
        }
        // Split renders stop at different block ends; whatever was rendered is silence.
        out.resize((3.0 * fs) as usize + 64, 0.0);
        out
    }

    /// The host's block boundaries split a voice's render calls anywhere: the samples must not
    /// depend on where, for any settings.
    #[test]
    fn output_does_not_depend_on_how_rendering_is_split() {
        for kind in TriggerKind::ALL {
            for seed in 0..12 {
                let fs = [44_100.0, 48_000.0][seed as usize % 2];
                let whole = render_split(kind, fs, seed, &[64]);
                for pieces in [&[1usize][..], &[7, 64, 13, 1, 33]] {
                    let split = render_split(kind, fs, seed, pieces);
                    let first_difference = whole.iter().zip(&split).position(|(a, b)| a != b);
                    assert_eq!(
                        first_difference, None,
                        "{kind:?} {seed} split as {pieces:?}"
                    );
                }
            }
        }
    }
}
