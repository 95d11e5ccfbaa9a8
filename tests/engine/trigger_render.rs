//! The trigger layers as a whole: where events land (ears, quadrants, following the voice),
//! bit-identical renders for a seed whatever the host's block size, and the Calm Guard holding
//! the ceiling under the heaviest load the controls allow.

use murmur::binaural::Position;
use murmur::engine::{Engine, InputChannels, LayerSettings, Settings};
use murmur::motion::MotionMode;
use murmur::triggers::{Placement, TriggerKind};
use testkit::measure::{band_energy, peak};
use testkit::triggers::*;

fn three_layers(seed: u32, density: f32) -> Settings {
    let mut settings = Settings {
        seed,
        calm_guard: false,
        ..Settings::default()
    };
    for (layer, kind) in settings.layers.iter_mut().zip([
        TriggerKind::Rain,
        TriggerKind::Crinkle,
        TriggerKind::WoodTap,
    ]) {
        *layer = LayerSettings {
            on: true,
            density_per_s: density,
            ..LayerSettings::default_for(kind)
        };
    }
    settings
}

#[test]
fn same_seed_same_samples_at_any_block_size() {
    for fs in [48_000.0, 44_100.0] {
        let settings = three_layers(7, 10.0);
        let reference = render_triggers(fs, 4.0, 64, &settings, &no_transport, &[(5_000, 50, 0.7)]);
        assert!(reference.events.len() > 80, "{}", reference.events.len());
        assert!(peak(&reference.left) > 0.01, "silent render");
        for block in [1, 64, 4096, 441] {
            let again = render_triggers(
                fs,
                4.0,
                block,
                &settings,
                &no_transport,
                &[(5_000, 50, 0.7)],
            );
            let first_difference = again
                .left
                .iter()
                .zip(&reference.left)
                .chain(again.right.iter().zip(&reference.right))
                .position(|(a, b)| a != b);
            assert_eq!(
                first_difference, None,
                "{fs} Hz, block {block}: not bit-identical"
            );
            assert_eq!(again.events, reference.events);
        }
        let other = render_triggers(fs, 4.0, 64, &three_layers(8, 10.0), &no_transport, &[]);
        let times = |r: &Render| r.events.iter().map(|e| e.time_samples).collect::<Vec<_>>();
        assert_ne!(
            times(&other)[..10],
            times(&reference)[..10],
            "another seed, the same sequence"
        );
    }
}

#[test]
fn left_ear_events_are_louder_on_the_left_above_2_khz() {
    for fs in [48_000.0, 44_100.0] {
        for kind in [TriggerKind::WoodTap, TriggerKind::Crinkle, TriggerKind::Shh] {
            let settings = one_layer(
                0,
                LayerSettings {
                    placement: Placement::LeftEar,
                    density_per_s: 5.0,
                    ..layer(kind)
                },
            );
            let r = render_triggers(fs, 4.0, 512, &settings, &no_transport, &[]);
            let hi = fs as f64 / 2.0;
            let ratio_db = 10.0
                * (band_energy(&r.left, fs, 2_000.0, hi) / band_energy(&r.right, fs, 2_000.0, hi))
                    .log10();
            println!("{fs} Hz {kind:?}: left/right above 2 kHz {ratio_db:.1} dB");
            assert!(ratio_db >= 10.0, "{fs} Hz {kind:?}: {ratio_db} dB");
        }
    }
}

#[test]
fn around_head_at_180_degrees_reaches_every_quadrant() {
    let settings = one_layer(
        1,
        LayerSettings {
            spread_deg: 180.0,
            density_per_s: 30.0,
            decay: 0.0,
            ..layer(TriggerKind::NailTap)
        },
    );
    let r = render_triggers(48_000.0, 4.0, 512, &settings, &no_transport, &[]);
    let mut quadrants = [0; 4];
    for event in r.events.iter().take(100) {
        let a = event.position.azimuth_deg;
        assert!((-180.0..=180.0).contains(&a));
        quadrants[((a + 180.0) / 90.0).floor().min(3.0) as usize] += 1;
    }
    assert!(quadrants.iter().all(|&q| q > 0), "{quadrants:?}");
    // At a narrow spread, nothing behind.
    let narrow = one_layer(
        1,
        LayerSettings {
            spread_deg: 45.0,
            ..settings.layers[1]
        },
    );
    let r = render_triggers(48_000.0, 4.0, 512, &narrow, &no_transport, &[]);
    assert!(
        r.events
            .iter()
            .all(|e| e.position.azimuth_deg.abs() <= 45.0)
    );
}

#[test]
fn follow_voice_events_land_where_the_voice_is() {
    let fs = 48_000.0;
    let mut settings = one_layer(
        2,
        LayerSettings {
            placement: Placement::FollowVoice,
            density_per_s: 8.0,
            distance_m: 0.4,
            ..layer(TriggerKind::Drops)
        },
    );
    settings.motion = MotionMode::Orbit;
    settings.motion_rate_hz = 0.5;
    settings.elevation_deg = 20.0;
    // One block per control period: the position after each block is the one its events saw.
    let mut engine = Engine::new(fs, 64).unwrap();
    let mut seen = 0;
    let mut matched = 0;
    let mut azimuths: Vec<f32> = Vec::new();
    for _ in 0..(4.0 * fs) as usize / 64 {
        let (mut l, mut r) = ([0.0f32; 64], [0.0f32; 64]);
        engine.process(InputChannels::None, &mut l, &mut r, &settings, None);
        let voice: Position = engine.position();
        let started = engine.triggers().events_started();
        for event in engine
            .triggers()
            .recent_events()
            .skip(256.min(started as usize) - (started - seen) as usize)
        {
            assert_eq!(event.position.azimuth_deg, voice.azimuth_deg);
            assert_eq!(event.position.elevation_deg, voice.elevation_deg);
            assert_eq!(event.position.distance_m, 0.4);
            azimuths.push(voice.azimuth_deg);
            matched += 1;
        }
        seen = started;
    }
    assert!(matched > 15, "{matched}");
    // The voice went round the head in the meantime, and the events with it.
    let spread = azimuths.iter().fold(0.0f32, |m, a| m.max(*a))
        - azimuths.iter().fold(0.0f32, |m, a| m.min(*a));
    assert!(spread > 270.0, "{spread}");
}

#[test]
fn calm_guard_holds_the_ceiling_under_full_load() {
    for fs in [48_000.0, 44_100.0] {
        let mut settings = three_layers(3, 30.0);
        for layer in &mut settings.layers {
            layer.level_db = 6.0;
            layer.distance_m = 0.1;
            layer.placement = Placement::LeftEar;
        }
        settings.calm_guard = true;
        settings.ceiling_db = -6.0;
        settings.output_db = 12.0;
        let ceiling = 10f32.powf(-6.0 / 20.0);
        // MIDI on top: a chord every 100 ms at full velocity.
        let notes: Vec<(usize, u8, f32)> = (0..40)
            .flat_map(|i| [36u8, 50, 64].map(|n| (i * fs as usize / 10, n, 1.0)))
            .collect();
        let r = render_triggers(fs, 4.0, 512, &settings, &no_transport, &notes);
        let worst = peak(&r.left).max(peak(&r.right));
        println!("{fs} Hz: peak {worst:.4} under a ceiling of {ceiling:.4}");
        assert!(r.left.iter().chain(&r.right).all(|x| x.is_finite()));
        assert!(worst <= ceiling, "{worst} > {ceiling}");
        // The guard had real work to do.
        let mut unguarded = settings;
        unguarded.calm_guard = false;
        let loud = render_triggers(fs, 1.0, 512, &unguarded, &no_transport, &notes);
        assert!(
            peak(&loud.left) > ceiling,
            "load too light to test the guard"
        );
    }
}

#[test]
fn dense_layers_keep_about_three_events_overlapping() {
    let fs = 48_000.0;
    for kind in [TriggerKind::Crinkle, TriggerKind::Paper, TriggerKind::Rain] {
        // Dense: capped near three. Sparse: the long gestures of Decay 100 % are left whole
        // (about 0.3–0.6 s each at 2 a second).
        for (density, range) in [(30.0f32, 2.0..5.0), (2.0, 0.5..2.0)] {
            let mut settings = one_layer(0, layer(kind));
            settings.layers[0].density_per_s = density;
            settings.layers[0].decay = 1.0;
            let mut engine = Engine::new(fs, 512).unwrap();
            let (mut total, blocks) = (0usize, (4.0 * fs) as usize / 512);
            for _ in 0..blocks {
                let (mut l, mut r) = ([0.0f32; 512], [0.0f32; 512]);
                engine.process(InputChannels::None, &mut l, &mut r, &settings, None);
                total += engine.triggers().active_voices();
            }
            let mean = total as f64 / blocks as f64;
            println!("{kind:?} at {density}/s, decay 100 %: {mean:.1} voices on average");
            assert!(
                range.contains(&mean),
                "{kind:?} at {density}/s: {mean} voices"
            );
        }
    }
}
