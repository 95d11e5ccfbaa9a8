//! Crinkle: a hand crumpling a plastic wrapper. An event is one squeeze gesture of power-law
//! clicks (see [`super::crumple`]) rung through three resonances drawn per event between 2
//! and 6 kHz.

use super::crumple::{CrumpleClicks, CrumpleVoicing};
use super::model::{EventParams, TriggerModel};
use rand_pcg::Pcg32;

pub use super::crumple::MAX_CLICKS;

/// Plastic: bright, sharp, dense clicks.
const PLASTIC: CrumpleVoicing = CrumpleVoicing {
    band_lo_hz: 2_000.0,
    band_hi_hz: 6_000.0,
    band_t60_min_s: 0.002,
    band_t60_max_s: 0.004,
    click_tau_min_s: 0.000_15,
    click_tau_max_s: 0.000_6,
    peak_rate_hz: 600.0,
    gesture_min_s: 0.08,
    gesture_max_s: 0.6,
    alpha: 1.45,
    gain: 0.38,
};

/// Crumpling plastic: a squeeze gesture of power-law clicks ringing between 2 and 6 kHz.
#[derive(Debug, Clone)]
pub struct Crinkle {
    clicks: CrumpleClicks,
}

impl Crinkle {
    /// Energies of the current gesture's clicks, in onset order, relative to the loudest
    /// possible click (`10⁻³ ..= 1`; the amplitude of a click is `√E`).
    pub fn click_energies(&self) -> &[f32] {
        self.clicks.energies()
    }
}

impl TriggerModel for Crinkle {
    fn new(sample_rate: f32) -> Self {
        Self {
            clicks: CrumpleClicks::new(sample_rate),
        }
    }

    fn start(&mut self, event: &EventParams, rng: &mut Pcg32) {
        self.clicks.start(&PLASTIC, event, rng);
    }

    fn render(&mut self, out: &mut [f32]) -> bool {
        self.clicks.render(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::dsp::math::{log10, pow};
    use crate::triggers::crumple::ENERGY_DECADES;
    use crate::triggers::test_support::model_rules::*;
    use crate::triggers::test_support::*;
    use rand::SeedableRng;

    #[test]
    fn common() {
        common_rules::<Crinkle>("Crinkle");
        gesture_rules::<Crinkle>("Crinkle");
    }

    #[test]
    fn click_energies_follow_a_power_law() {
        let mut m = Crinkle::new(48_000.0);
        let mut counts = [0usize; 4 * ENERGY_DECADES as usize];
        for seed in 0..300 {
            m.start(&EventParams::default(), &mut Pcg32::seed_from_u64(seed));
            for e in m.click_energies() {
                let bin = ((log10(*e) + ENERGY_DECADES) * 4.0) as usize;
                counts[bin.min(counts.len() - 1)] += 1;
            }
        }
        // Density (count / bin width) over quarter-decade bins, as (log E, log density).
        let points: Vec<(f64, f64)> = (0..counts.len())
            .filter(|&b| counts[b] >= 10)
            .map(|b| {
                let lo = pow(10f64, b as f64 / 4.0 - ENERGY_DECADES as f64);
                let width = lo * (pow(10f64, 0.25) - 1.0);
                (log10(lo) + 0.125, log10(counts[b] as f64 / width))
            })
            .collect();
        // Least-squares slope of the log-log line.
        let n = points.len() as f64;
        let mx = points.iter().map(|p| p.0).sum::<f64>() / n;
        let my = points.iter().map(|p| p.1).sum::<f64>() / n;
        let sxy: f64 = points.iter().map(|p| (p.0 - mx) * (p.1 - my)).sum();
        let slope = sxy / points.iter().map(|p| (p.0 - mx).powi(2)).sum::<f64>();
        let decades = points[points.len() - 1].0 - points[0].0;
        let total: usize = counts.iter().sum();
        eprintln!("crinkle: {total} clicks, slope {slope:.3} over {decades:.2} decades");
        assert!(
            (-1.7..=-1.0).contains(&slope) && decades >= 1.5,
            "{slope} {decades}"
        );
    }

    #[test]
    fn every_click_is_shorter_than_10_ms() {
        // Sparse gestures, so that each click can be measured alone.
        let sparse = CrumpleVoicing {
            peak_rate_hz: 20.0,
            gesture_max_s: 2.0,
            ..PLASTIC
        };
        let mut longest_s = 0.0f32;
        for fs in RATES_HZ {
            let mut clicks = CrumpleClicks::new(fs);
            for (seed, intensity) in (0..40).map(|s| (s, (s % 2) as f32)) {
                let e = event_with(|e| (e.decay, e.intensity) = (1.0, intensity));
                clicks.start(&sparse, &e, &mut Pcg32::seed_from_u64(seed));
                let mut out = vec![0.0; clicks.len as usize];
                clicks.render(&mut out);
                let (t, gap) = (&clicks.times[..clicks.count], (0.03 * fs) as u32);
                for w in t
                    .windows(3)
                    .filter(|w| w[1] - w[0] >= gap && w[2] - w[1] >= gap)
                {
                    let click = &out[w[1] as usize..(w[1] + gap) as usize];
                    let (_, last) = peak_to_60_db(click);
                    longest_s = longest_s.max(last as f32 / fs);
                }
            }
        }
        eprintln!("crinkle: longest click (to -60 dB) {longest_s:.4} s");
        assert!(longest_s > 0.0 && longest_s < 0.010, "{longest_s}");
    }
}
