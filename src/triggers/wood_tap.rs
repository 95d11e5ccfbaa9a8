//! Wood Tap: a fingertip or stick knocking on a small block of wood, as a modal model.
//!
//! Four two-pole resonators tuned to the wood ratios of STK's `ModalBar` ("Wood1" preset, Cook
//! & Scavone, The Synthesis ToolKit) are struck by a raised-cosine contact force
//! `1 − cos(2πt/τ)`, the impact model of van den Doel, Kry & Pai 2001 ("FoleyAutomatic"): the
//! shorter the contact τ, the more of the high modes it reaches, so a hard strike is bright.
//! Higher modes die faster, as internal friction in wood grows with frequency (Aramaki et al.
//! 2011, "Controlling the perceived material in an impact sound synthesizer"); the strike
//! position weights the modes as in `ModalBar::setStrikePosition`.
//!
//! The modal core ([`super::modal`]) is shared with the nail tap; this file is the wood.

use super::modal::{ModalBank, ModalVoicing};
use super::model::{EventParams, TriggerModel};
use rand_pcg::Pcg32;

/// Wood (STK `ModalBar` "Wood1", Cook & Scavone, The Synthesis ToolKit).
const WOOD: ModalVoicing = ModalVoicing {
    // Wood1's mode ratios.
    mode_ratios: [1.0, 2.777, 7.378, 15.377],
    // A bright knock whose upper modes are tamed by the contact's spectrum.
    mode_gains: [1.0, 0.7, 0.6, 0.5],
    fundamental_max_hz: 1_500.0,
    fundamental_min_hz: 250.0,
    t60_min_s: 0.020,
    t60_max_s: 0.150,
    // About Wood1's pole radii (0.996, 0.994, 0.994, 0.99), whose T60s fall to 0.4 of the
    // fundamental's by the fourth mode.
    damping_exponent: 0.35,
    // A fingertip … a fingernail or a stick.
    contact_soft_s: 1.2e-3,
    contact_hard_s: 0.2e-3,
    // Hertzian contact time shortens with the struck mass.
    contact_max_periods: 0.6,
    hardness_timbre: 0.4,
    // Wood1's strike position.
    strike_position: 0.57,
    strike_timbre: 0.12,
    tone_tilt: 0.5,
    tone_contact_octaves: 0.8,
    tone_pitch_octaves: 0.25,
    contact_noise: 0.2,
    // The ring peaks a little below it.
    peak: 0.9,
};

/// A knock on a small wooden block.
#[derive(Debug, Clone, Copy)]
pub struct WoodTap {
    bank: ModalBank,
}

impl TriggerModel for WoodTap {
    fn new(sample_rate: f32) -> Self {
        Self {
            bank: ModalBank::new(sample_rate),
        }
    }

    fn start(&mut self, event: &EventParams, rng: &mut Pcg32) {
        WOOD.strike(&mut self.bank, event, rng);
    }

    fn render(&mut self, out: &mut [f32]) -> bool {
        self.bank.render(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::math::ln;
    use crate::triggers::modal::MODE_COUNT;
    use crate::triggers::test_support::model_rules::*;
    use crate::triggers::test_support::*;

    #[test]
    fn common() {
        common_rules::<WoodTap>("WoodTap");
    }

    #[test]
    fn strongest_peaks_sit_at_the_wood_ratios() {
        for fs in RATES_HZ {
            let out = render::<WoodTap>(&EventParams::default(), 1, fs);
            let (power, df) = power_spectrum(&out, fs);
            // Local maxima, strongest first, keeping only one per 10 % band.
            let mut peaks: Vec<(f64, f64)> = (1..power.len() - 1)
                .filter(|&i| power[i] > power[i - 1] && power[i] >= power[i + 1])
                .map(|i| (power[i], i as f64 * df))
                .collect();
            peaks.sort_by(|a, b| b.0.total_cmp(&a.0));
            let mut kept: Vec<f64> = Vec::new();
            for (_, f) in peaks {
                if kept.iter().all(|k| ln(f / k).abs() > 0.1) && kept.len() < MODE_COUNT {
                    kept.push(f);
                }
            }
            kept.sort_by(f64::total_cmp);
            let ratios: Vec<f64> = kept.iter().map(|f| f / kept[0]).collect();
            eprintln!("WoodTap {fs} Hz: peaks {kept:.0?} Hz, ratios {ratios:.3?}");
            for (r, want) in ratios.iter().zip(WOOD.mode_ratios) {
                assert!((r / want as f64 - 1.0).abs() < 0.02, "{ratios:?}");
            }
        }
    }

    #[test]
    fn fundamental_t60_follows_decay() {
        for fs in RATES_HZ {
            // The design's fundamental T60 range: 20 ms at Decay 0, 150 ms at 100 %.
            for (decay, want_s) in [(0.0, 0.020), (1.0, 0.150)] {
                let event = EventParams {
                    decay,
                    ..Default::default()
                };
                let out = render::<WoodTap>(&event, 1, fs);
                let f1 = WOOD.fundamental_max_hz
                    * (WOOD.fundamental_min_hz / WOOD.fundamental_max_hz).sqrt();
                let t60 = t60_around(&out, f1, fs);
                eprintln!("WoodTap {fs} Hz: decay {decay}: fundamental T60 {t60:.4} s");
                assert!((t60 / want_s - 1.0).abs() < 0.15, "{t60} vs {want_s}");
            }
        }
    }

    #[test]
    fn harder_is_brighter() {
        let fs = 48_000.0;
        let at = |intensity| {
            spectral_centroid(
                &render::<WoodTap>(
                    &EventParams {
                        intensity,
                        ..Default::default()
                    },
                    1,
                    fs,
                ),
                fs,
            )
        };
        assert!(at(1.0) > 1.1 * at(0.0), "{} {}", at(1.0), at(0.0));
    }
}
