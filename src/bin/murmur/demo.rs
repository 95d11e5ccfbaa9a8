//! `murmur demo`: thirty seconds that show what Murmur does, with nothing to download. A
//! whispered voice (three short phrases built into the program) travels from ear to ear while
//! taps step around the head, crinkles sit at the left ear and drops fall here and there.

use murmur::engine::{Engine, InputChannels, LayerSettings, Settings};
use murmur::motion::MotionMode;
use murmur::triggers::{Placement, TriggerKind};

/// Length of the demo, seconds.
pub const DEMO_S: f64 = 30.0;
/// Sample rate of the demo, Hz.
pub const DEMO_RATE: u32 = 48_000;

/// The demo's settings: an ear-to-ear voice and three trigger layers.
pub fn settings() -> Settings {
    let mut settings = Settings {
        motion: MotionMode::EarToEar,
        motion_rate_hz: 0.1,
        distance_m: 0.35,
        seed: 2024,
        ..Settings::default()
    };
    settings.layers = [
        LayerSettings {
            on: true,
            placement: Placement::Sweep,
            spread_deg: 180.0,
            density_per_s: 2.5,
            ..LayerSettings::default_for(TriggerKind::WoodTap)
        },
        LayerSettings {
            on: true,
            placement: Placement::LeftEar,
            distance_m: 0.15,
            density_per_s: 0.6,
            level_db: -16.0,
            ..LayerSettings::default_for(TriggerKind::Crinkle)
        },
        LayerSettings {
            on: true,
            spread_deg: 180.0,
            density_per_s: 1.5,
            level_db: -15.0,
            ..LayerSettings::default_for(TriggerKind::Drops)
        },
    ];
    settings
}

/// The whispered phrases of `tests/fixtures/` (espeak-ng's whisper voices; see its README),
/// built into the program so the demo needs nothing beside it.
const WHISPER_48K: &[u8] = include_bytes!("../../../tests/fixtures/whisper-48k.wav");
const WHISPER_44K1: &[u8] = include_bytes!("../../../tests/fixtures/whisper-44k1.wav");
const WHISPER_STEREO_48K: &[u8] = include_bytes!("../../../tests/fixtures/whisper-stereo-48k.flac");

/// When each phrase starts, seconds, and which: 0 "Breathe in slowly, and let your shoulders
/// soften and rest", 1 "Close your eyes. Let the sound move slowly around you", 2 "Rest now.
/// Everything is quiet". Pauses between them, as a calm whisperer leaves.
const PHRASES: [(f64, usize); 5] = [(1.0, 0), (7.5, 1), (13.5, 2), (19.0, 0), (25.0, 1)];

/// The three phrases as mono samples (full scale ±1). The 44.1 kHz one is played at the demo's
/// rate: 9 % quicker and its formants 9 % higher, which a whisper (no pitch to shift) bears
/// as another speaker would.
fn phrases() -> Result<[Vec<f32>; 3], String> {
    let wav = |bytes: &[u8]| -> Result<Vec<f32>, String> {
        let reader =
            hound::WavReader::new(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
        reader
            .into_samples::<i16>()
            .map(|s| {
                s.map(|v| f32::from(v) / 32_768.0)
                    .map_err(|e| e.to_string())
            })
            .collect()
    };
    let flac_left = |bytes: &[u8]| -> Result<Vec<f32>, String> {
        let mut reader =
            claxon::FlacReader::new(std::io::Cursor::new(bytes)).map_err(|e| e.to_string())?;
        let channels = reader.streaminfo().channels as usize;
        let samples: Vec<i32> = reader
            .samples()
            .collect::<Result<_, _>>()
            .map_err(|e| e.to_string())?;
        Ok(samples
            .iter()
            .step_by(channels)
            .map(|&v| v as f32 / 32_768.0)
            .collect())
    };
    Ok([
        wav(WHISPER_48K)?,
        wav(WHISPER_44K1)?,
        flac_left(WHISPER_STEREO_48K)?,
    ])
}

/// The demo's voice, `len` samples at the demo's rate: the phrases at their times, silence
/// between them.
pub fn whisper(len: usize) -> Result<Vec<f32>, String> {
    let phrases = phrases()?;
    let mut voice = vec![0.0f32; len];
    for (start_s, which) in PHRASES {
        let start = (start_s * f64::from(DEMO_RATE)) as usize;
        for (v, x) in voice[start.min(len)..].iter_mut().zip(&phrases[which]) {
            *v += x;
        }
    }
    Ok(voice)
}

/// Renders the demo: stereo samples, left and right, with the engine's latency compensated as
/// a host does (the whisper starts where it starts in the input).
pub fn render() -> Result<(Vec<f32>, Vec<f32>), String> {
    let rate = DEMO_RATE as f32;
    let len = (DEMO_S * DEMO_RATE as f64) as usize;
    let settings = settings();
    let mut engine = Engine::new(rate, 1024).map_err(|e| e.to_string())?;
    let latency = engine.latency(InputChannels::Mono);
    let mut left = whisper(len)?;
    left.resize(len + latency, 0.0);
    let mut right = vec![0.0; len + latency];
    for (l, r) in left.chunks_mut(1024).zip(right.chunks_mut(1024)) {
        engine.process(InputChannels::Mono, l, r, &settings, None);
    }
    Ok((left.split_off(latency), right.split_off(latency)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_voice_is_the_whispered_phrases_at_their_times() {
        let len = (DEMO_S * f64::from(DEMO_RATE)) as usize;
        let voice = whisper(len).unwrap();
        // The first phrase, read from the fixture file itself, starts at 1 s to the sample.
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/whisper-48k.wav"
        );
        let fixture: Vec<f32> = hound::WavReader::open(path)
            .unwrap()
            .into_samples::<i16>()
            .map(|s| f32::from(s.unwrap()) / 32_768.0)
            .collect();
        let start = DEMO_RATE as usize;
        assert!(voice[..start].iter().all(|&x| x == 0.0));
        assert_eq!(&voice[start..start + fixture.len()], &fixture[..]);
        // Five phrases, each loud enough to be heard, and the end quiet for the last second.
        for (start_s, _) in PHRASES {
            let at = (start_s * f64::from(DEMO_RATE)) as usize;
            let peak = voice[at..at + 2 * DEMO_RATE as usize]
                .iter()
                .fold(0.0f32, |m, x| m.max(x.abs()));
            assert!(peak > 0.3, "{start_s} s: peak {peak}");
        }
        assert!(voice[len - DEMO_RATE as usize..].iter().all(|&x| x == 0.0));
    }
}
