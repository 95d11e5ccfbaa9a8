//! Factory presets: named settings that the command-line renderer and the plugin's editor
//! both offer. Plain data over [`Settings`], so a preset renders the same everywhere.

use crate::motion::MotionMode;
use crate::settings::{LayerSettings, Settings};
use crate::triggers::{Placement, TriggerKind};

/// One factory preset.
#[derive(Debug, Clone, PartialEq)]
pub struct Preset {
    /// What users type and see.
    pub name: &'static str,
    /// One line on what it does.
    pub description: &'static str,
    pub settings: Settings,
}

/// A layer of `kind`, on, at `density_per_s` events per second, with the design's defaults
/// otherwise.
fn layer(kind: TriggerKind, density_per_s: f32) -> LayerSettings {
    LayerSettings {
        on: true,
        density_per_s,
        ..LayerSettings::default_for(kind)
    }
}

/// Default settings with these layers (the rest off).
fn with_layers(layers: &[LayerSettings]) -> Settings {
    let mut settings = Settings::default();
    for (slot, layer) in settings.layers.iter_mut().zip(layers) {
        *slot = *layer;
    }
    settings
}

/// Every factory preset, in the order they are listed.
pub fn factory() -> Vec<Preset> {
    let voice = Settings::default();
    vec![
        Preset {
            name: "Ear to Ear Whisper",
            description: "The voice sweeps slowly from ear to ear, close and warm.",
            settings: Settings {
                motion: MotionMode::EarToEar,
                motion_rate_hz: 0.08,
                motion_depth_deg: 90.0,
                softness: 0.6,
                distance_m: 0.35,
                ..voice
            },
        },
        Preset {
            name: "Slow Orbit",
            description: "The voice circles the head once every twenty seconds.",
            settings: Settings {
                motion: MotionMode::Orbit,
                motion_rate_hz: 0.05,
                distance_m: 0.6,
                ..voice
            },
        },
        Preset {
            name: "Close Left Ear",
            description: "The voice stays right at the left ear, with proximity warmth.",
            settings: Settings {
                azimuth_deg: -90.0,
                distance_m: 0.12,
                ..voice
            },
        },
        Preset {
            name: "Sleepy Drift",
            description: "The voice wanders slowly and softly around the front of the head.",
            settings: Settings {
                motion: MotionMode::Drift,
                motion_rate_hz: 0.03,
                motion_depth_deg: 70.0,
                distance_m: 0.5,
                output_db: -3.0,
                ..voice
            },
        },
        Preset {
            name: "Ear Hop Secrets",
            description: "The voice rests at one ear, then glides to the other.",
            settings: Settings {
                motion: MotionMode::EarHop,
                motion_rate_hz: 0.12,
                softness: 0.4,
                distance_m: 0.2,
                ..voice
            },
        },
        Preset {
            name: "Tapping Around the Head",
            description: "Wooden taps all around the head, with nail taps sweeping past.",
            settings: with_layers(&[
                LayerSettings {
                    spread_deg: 180.0,
                    ..layer(TriggerKind::WoodTap, 3.0)
                },
                LayerSettings {
                    placement: Placement::Sweep,
                    spread_deg: 180.0,
                    level_db: -16.0,
                    ..layer(TriggerKind::NailTap, 1.5)
                },
            ]),
        },
        Preset {
            name: "Crinkle Close-up",
            description: "Plastic crinkles at the left ear, soft paper further off.",
            settings: with_layers(&[
                LayerSettings {
                    placement: Placement::LeftEar,
                    distance_m: 0.15,
                    decay: 0.7,
                    // Half regular: at random (Poisson) timing a close crinkle after a long
                    // gap rose more than 10 LU over the bed (`murmur check`'s startle).
                    regularity: 0.5,
                    ..layer(TriggerKind::Crinkle, 1.2)
                },
                LayerSettings {
                    distance_m: 0.6,
                    level_db: -18.0,
                    ..layer(TriggerKind::Paper, 0.5)
                },
            ]),
        },
        Preset {
            name: "Rain on the Window",
            description: "A soft rain all around, with the odd drop close by.",
            settings: with_layers(&[
                LayerSettings {
                    spread_deg: 180.0,
                    distance_m: 1.5,
                    level_db: -18.0,
                    ..layer(TriggerKind::Rain, 20.0)
                },
                LayerSettings {
                    spread_deg: 120.0,
                    distance_m: 0.8,
                    level_db: -20.0,
                    ..layer(TriggerKind::Drops, 1.5)
                },
            ]),
        },
        Preset {
            name: "Brushing",
            description: "Slow brush strokes sweeping across the front of the microphone.",
            settings: with_layers(&[LayerSettings {
                placement: Placement::Sweep,
                regularity: 0.6,
                distance_m: 0.2,
                decay: 0.7,
                ..layer(TriggerKind::Brush, 1.2)
            }]),
        },
        Preset {
            name: "Water Drops",
            description: "Single drops falling here and there around the head.",
            settings: with_layers(&[LayerSettings {
                spread_deg: 180.0,
                distance_m: 0.4,
                variation: 0.7,
                // Mostly regular, like drips: at random (Poisson) timing some seeds let a loud
                // drop follow a gap 10 LU over the bed (`murmur check`'s startle), and 30 s of
                // it wobbled by more than 1 LU.
                regularity: 0.7,
                ..layer(TriggerKind::Drops, 3.0)
            }]),
        },
        Preset {
            name: "Scratch & Tap",
            description: "Scratching at the right ear answered by taps sweeping round.",
            settings: with_layers(&[
                LayerSettings {
                    placement: Placement::RightEar,
                    distance_m: 0.2,
                    // Half regular, as Crinkle Close-up's close layer, for the same reason.
                    regularity: 0.5,
                    ..layer(TriggerKind::Scratch, 1.0)
                },
                LayerSettings {
                    placement: Placement::Sweep,
                    spread_deg: 180.0,
                    ..layer(TriggerKind::WoodTap, 2.0)
                },
            ]),
        },
    ]
}

/// The factory preset called `name` (case and spacing ignored).
pub fn find(name: &str) -> Option<Preset> {
    factory().into_iter().find(|p| key(p.name) == key(name))
}

/// The factory preset whose name is nearest `name`, if one is near enough to be what was meant
/// (for "did you mean" when `name` is none of them).
pub fn nearest(name: &str) -> Option<&'static str> {
    crate::params::nearest_name(&key(name), factory().iter().map(|p| (key(p.name), p.name)))
}

/// A name as presets are matched: letters and digits only, lower case.
fn key(name: &str) -> String {
    name.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_design_list_is_there_once_each_and_in_range() {
        let names: Vec<&str> = factory().iter().map(|p| p.name).collect();
        for wanted in [
            "Ear to Ear Whisper",
            "Slow Orbit",
            "Close Left Ear",
            "Sleepy Drift",
            "Ear Hop Secrets",
            "Tapping Around the Head",
            "Crinkle Close-up",
            "Rain on the Window",
            "Brushing",
            "Water Drops",
            "Scratch & Tap",
        ] {
            assert_eq!(
                names.iter().filter(|n| **n == wanted).count(),
                1,
                "{wanted}"
            );
        }
        for preset in factory() {
            // Nothing a preset holds is changed by the engine's own range checks.
            assert_eq!(
                preset.settings.sanitized(),
                preset.settings,
                "{}",
                preset.name
            );
            assert!(!preset.description.is_empty());
        }
    }

    #[test]
    fn presets_are_found_however_they_are_typed() {
        assert_eq!(find("scratch & tap").unwrap().name, "Scratch & Tap");
        assert_eq!(find("RainOnTheWindow").unwrap().name, "Rain on the Window");
        assert!(find("Thunderstorm").is_none());
    }

    #[test]
    fn trigger_presets_play_triggers_and_voice_presets_do_not() {
        for preset in factory() {
            let layers_on = preset.settings.layers.iter().filter(|l| l.on).count();
            let moves_voice = preset.settings
                != Settings {
                    layers: preset.settings.layers,
                    ..Settings::default()
                };
            assert!(layers_on > 0 || moves_voice, "{} does nothing", preset.name);
        }
    }
}
