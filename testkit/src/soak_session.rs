//! The soak session shared by the soak test and the soak bench: what a user sets up for a sleep
//! bed (the Sleepy Drift preset with Rain and Crinkle layers) and the voice it plays (the 48 kHz
//! whisper fixture and a pause, looped).

use murmur::params::ParamSheet;
use murmur::presets;

pub const RATE: u32 = 48_000;
/// One phrase and its pause, seconds: 60 s holds exactly ten.
pub const PHRASE_CYCLE_S: f64 = 6.0;

/// The user's session as parameter values on top of the preset: Layer 1 becomes the rain of the
/// Rain on the Window preset, Layer 2's Crinkle is switched on at its defaults.
const SESSION: [&str; 7] = [
    "t1type=Rain",
    "t1on=On",
    "t1dens=20",
    "t1lvl=-18 dB",
    "t1sprd=180",
    "t1dist=1.5 m",
    "t2on=On",
];

/// The session's parameters, set as a host (or `murmur render --preset … --set …`) sets them.
pub fn session() -> ParamSheet {
    let preset = presets::find("Sleepy Drift").expect("the Sleepy Drift preset");
    let mut sheet = ParamSheet::with_settings(&preset.settings);
    for text in SESSION {
        let (index, value) = sheet.parse_assignment(text).expect("a session value");
        sheet.set_normalized(index, value);
    }
    sheet
}

/// One phrase cycle of the voice: the fixture, then silence. The fixture carries a small
/// offset from its synthesis (−63 dBFS over the phrase); it is taken out, under a Hann window
/// so the phrase still starts and ends on silence, so that any DC in the output is Murmur's.
pub fn voice_cycle() -> Vec<f32> {
    let fixture = crate::fixture("whisper-48k.wav");
    let mut reader = hound::WavReader::open(fixture).expect("the 48 kHz whisper fixture");
    assert_eq!(reader.spec().sample_rate, RATE);
    let phrase: Vec<f64> = reader
        .samples::<i16>()
        .map(|s| f64::from(s.expect("fixture samples")) / 32_768.0)
        .collect();
    let len = phrase.len();
    let window: Vec<f64> = (0..len)
        .map(|n| {
            (std::f64::consts::PI * n as f64 / (len - 1) as f64)
                .sin()
                .powi(2)
        })
        .collect();
    let offset = phrase.iter().sum::<f64>() / window.iter().sum::<f64>();
    let mut cycle: Vec<f32> = phrase
        .iter()
        .zip(&window)
        .map(|(x, w)| (x - offset * w) as f32)
        .collect();
    let cycle_len = (PHRASE_CYCLE_S * f64::from(RATE)) as usize;
    assert!(len < cycle_len, "the phrase fits its cycle");
    cycle.resize(cycle_len, 0.0);
    cycle
}
