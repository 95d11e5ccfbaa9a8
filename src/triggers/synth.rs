//! The trigger models behind one type, so that any voice can play any model.
//!
//! One table, the call of `trigger_models!` below, lists every model; from it the macro writes
//! the [`TriggerKind`] a layer chooses and the [`Synth`] a voice plays, with their dispatch. A
//! new model is its own file, its `pub mod` line in `triggers`, and one row in the table (and
//! its entry in the host's `TriggerKindParam`, whose ids are frozen).

use super::model::{EventParams, TriggerModel};
use rand_pcg::Pcg32;

/// Writes [`TriggerKind`], its [`TriggerKind::ALL`] and the [`Synth`] enum with its dispatch
/// from rows `Kind => module::Model`, in the order the host lists the models. Every arm calls
/// the model's own method directly: no dynamic dispatch on the audio thread.
macro_rules! trigger_models {
    ($($kind:ident => $module:ident::$model:ident,)*) => {
        /// Which sound a layer makes.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum TriggerKind {
            $($kind,)*
        }

        impl TriggerKind {
            /// Every model, in the order the host lists them.
            pub const ALL: [TriggerKind; [$(TriggerKind::$kind),*].len()] =
                [$(TriggerKind::$kind),*];
        }

        /// One voice's synthesizer: whichever model its current event uses. Every model is a
        /// fixed-size value, so switching model on the audio thread allocates nothing.
        pub enum Synth {
            $($kind(super::$module::$model),)*
        }

        impl Synth {
            /// A silent synthesizer of `kind` at `sample_rate` Hz.
            pub fn new(kind: TriggerKind, sample_rate: f32) -> Self {
                match kind {
                    $(TriggerKind::$kind => {
                        Synth::$kind(super::$module::$model::new(sample_rate))
                    })*
                }
            }

            /// The model this synthesizer currently is.
            pub fn kind(&self) -> TriggerKind {
                match self {
                    $(Synth::$kind(_) => TriggerKind::$kind,)*
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
                    $(Synth::$kind(m) => m.start(event, rng),)*
                }
            }

            /// The next samples of the event; `false` once it has ended (see
            /// [`TriggerModel::render`]).
            #[inline]
            pub fn render(&mut self, out: &mut [f32]) -> bool {
                match self {
                    $(Synth::$kind(m) => m.render(out),)*
                }
            }
        }
    };
}

trigger_models! {
    WoodTap => wood_tap::WoodTap,
    NailTap => nail_tap::NailTap,
    Crinkle => crinkle::Crinkle,
    Paper => paper::Paper,
    Brush => brush::Brush,
    Scratch => scratch::Scratch,
    Drops => drops::Drops,
    Rain => rain::Rain,
    Shh => shh::Shh,
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
