//! What the engine does with bad input: sample rates it cannot run at get a clear error,
//! settings out of range are clamped (non-finite ones defaulted), non-finite input samples
//! become silence without poisoning the state, and silence after sound ends in exact zeros.

use murmur::engine::{Engine, InputChannels, Settings};

#[test]
fn rejects_odd_sample_rates_with_a_clear_error() {
    for rate in [0.0, 500.0, 1e7, f32::NAN, f32::INFINITY] {
        let err = Engine::new(rate, 512).err().expect("accepted");
        assert!(err.to_string().contains("sample rate"), "{err}");
    }
    assert!(Engine::new(48_000.0, 0).is_err());
    assert!(Engine::new(22_050.0, 1).is_ok());
    assert!(Engine::new(1_234.57, 1).is_ok());
}

#[test]
fn out_of_range_settings_are_clamped_and_non_finite_ones_defaulted() {
    let wild = Settings {
        ceiling_db: 1e30,
        output_db: f32::NAN,
        voice_level_db: f32::INFINITY,
        distance_m: -1e30,
        seed: 0,
        ..Settings::default()
    }
    .sanitized();
    assert_eq!(wild.ceiling_db, 0.0);
    assert_eq!(wild.output_db, 0.0);
    assert_eq!(wild.voice_level_db, 0.0);
    assert_eq!(wild.distance_m, 0.1);
    assert_eq!(wild.seed, 1);
    assert_eq!(Settings::default().sanitized(), Settings::default());
}

#[test]
fn silence_after_sound_ends_in_exact_zeros_without_subnormals() {
    for fs in [1_000.0, 8_000.0, 48_000.0, 192_000.0] {
        let mut engine = Engine::new(fs, 256).unwrap();
        let settings = Settings {
            distance_m: 0.1,
            voice_mix: 0.5,
            ..Settings::default()
        };
        let mut seed = 1u32;
        let seconds = |s: f32| (s * fs) as usize / 256;
        for block in 0..seconds(0.5) + seconds(3.0) {
            let loud = block < seconds(0.5);
            let mut l = [0.0f32; 256];
            let mut r = [0.0f32; 256];
            for (a, b) in l.iter_mut().zip(&mut r) {
                seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
                let x = if loud {
                    (seed >> 8) as f32 / (1 << 24) as f32 - 0.5
                } else {
                    0.0
                };
                (*a, *b) = (x, 0.25 * x * x);
            }
            engine.process(InputChannels::Stereo, &mut l, &mut r, &settings, None);
            for x in l.iter().chain(&r) {
                assert!(
                    *x == 0.0 || x.is_normal(),
                    "{fs} Hz: subnormal output {x:e}"
                );
            }
            if block + seconds(0.5) > seconds(3.5) {
                assert!(
                    l.iter().chain(&r).all(|x| *x == 0.0),
                    "{fs} Hz: no silence yet"
                );
            }
        }
    }
}

#[test]
fn non_finite_input_becomes_silence_and_does_not_poison_the_state() {
    let mut engine = Engine::new(48_000.0, 64).unwrap();
    let settings = Settings::default();
    let mut l = [f32::NAN; 64];
    let mut r = [f32::INFINITY; 64];
    engine.process(InputChannels::Stereo, &mut l, &mut r, &settings, None);
    assert!(l.iter().chain(&r).all(|x| *x == 0.0));
    assert_eq!(engine.non_finite_inputs(), 128);
    // A signal after it comes out, one latency later, finite and not silent.
    let latency = engine.latency(InputChannels::Stereo);
    let mut l = vec![0.25; latency + 64];
    let mut r = vec![0.25; latency + 64];
    engine.process(InputChannels::Stereo, &mut l, &mut r, &settings, None);
    assert!(l.iter().chain(&r).all(|x| x.is_finite()));
    assert!(l[latency + 63] != 0.0);
}
