//! Whisper cleanup measured on a whispered recording (the 48 kHz fixture):
//!
//! - De-ess at 100 %: during sibilants the 5–9 kHz band drops by at least 6 dB while the
//!   energy below 3 kHz changes by less than 1 dB; a signal without sibilance changes by less
//!   than 0.5 dB in every octave band.
//! - Denoise at 100 % with pink noise at −50 dBFS under the whisper: the noise in the pauses
//!   drops by at least 12 dB while the whisper's band energies change by less than 2 dB; a pure
//!   tone and silence come through without bursts above −80 dBFS.

use murmur::cleanup::Cleanup;
use testkit::measure::band_energy;

const RATE: f32 = 48_000.0;
/// Analysis frames for the measurements: 1024 samples, half overlapping.
const FRAME: usize = 1024;

fn fixture() -> Vec<f32> {
    let path = testkit::fixture("whisper-48k.wav");
    hound::WavReader::open(path)
        .unwrap()
        .samples::<i16>()
        .map(|s| s.unwrap() as f32 / 32768.0)
        .collect()
}

/// `input` through the cleanup at these amounts, with the latency removed (same length).
fn clean(input: &[f32], deess: f32, denoise: f32) -> Vec<f32> {
    let mut cleanup = Cleanup::new(RATE);
    let latency = cleanup.latency();
    let mut output = input.to_vec();
    output.extend(std::iter::repeat_n(0.0, latency));
    for block in output.chunks_mut(512) {
        cleanup.process(block, deess, denoise);
    }
    output.split_off(latency)
}

fn db(ratio: f64) -> f64 {
    10.0 * ratio.log10()
}

/// Frame starts, half overlapping.
fn frames(len: usize) -> impl Iterator<Item = usize> {
    (0..len.saturating_sub(FRAME)).step_by(FRAME / 2)
}

/// Pink noise (Paul Kellet's economy filter on seeded white noise) at `rms_dbfs`.
fn pink(len: usize, rms_dbfs: f32) -> Vec<f32> {
    let white = testkit::signal::noise(len, 1.0, 7);
    let (mut b0, mut b1, mut b2) = (0.0f32, 0.0f32, 0.0f32);
    let mut pink: Vec<f32> = white
        .iter()
        .map(|&w| {
            b0 = 0.99765 * b0 + w * 0.099_046;
            b1 = 0.963 * b1 + w * 0.296_516_4;
            b2 = 0.57 * b2 + w * 1.052_691_3;
            b0 + b1 + b2 + w * 0.1848
        })
        .collect();
    let rms = (pink.iter().map(|x| x * x).sum::<f32>() / len as f32).sqrt();
    let scale = 10f32.powf(rms_dbfs / 20.0) / rms;
    pink.iter_mut().for_each(|x| *x *= scale);
    pink
}

#[test]
fn de_essing_turns_sibilants_down_and_leaves_the_rest() {
    let voice = fixture();
    let out = clean(&voice, 1.0, 0.0);
    // Sibilant frames: the 5–9 kHz band louder than everything below 3 kHz, and not a pause.
    let (mut sib_in, mut sib_out, mut sibilant_frames) = (0.0, 0.0, 0);
    let (mut low_in, mut low_out) = (0.0, 0.0);
    for start in frames(voice.len()) {
        let (x, y) = (&voice[start..start + FRAME], &out[start..start + FRAME]);
        let high = band_energy(x, RATE, 5_000.0, 9_000.0);
        let low = band_energy(x, RATE, 50.0, 3_000.0);
        low_in += low;
        low_out += band_energy(y, RATE, 50.0, 3_000.0);
        let loud = x.iter().map(|v| v * v).sum::<f32>() / FRAME as f32 > 1e-5;
        if loud && high > low {
            sib_in += high;
            sib_out += band_energy(y, RATE, 5_000.0, 9_000.0);
            sibilant_frames += 1;
        }
    }
    let drop = db(sib_in / sib_out);
    let low_change = db(low_out / low_in);
    println!(
        "{sibilant_frames} sibilant frames: 5–9 kHz −{drop:.1} dB; below 3 kHz {low_change:+.2} dB"
    );
    assert!(
        sibilant_frames >= 10,
        "the fixture has {sibilant_frames} sibilant frames"
    );
    assert!(drop >= 6.0, "sibilants down by only {drop:.1} dB");
    assert!(
        low_change.abs() < 1.0,
        "below 3 kHz changed {low_change:+.2} dB"
    );
}

#[test]
fn a_signal_without_sibilance_is_left_alone_by_the_de_esser() {
    // Pink noise: every octave equally loud, so 4–10 kHz never outweighs 300 Hz–3 kHz.
    let signal = pink(5 * RATE as usize, -20.0);
    let out = clean(&signal, 1.0, 0.0);
    let mut lo = 62.5;
    while lo < 16_000.0 {
        let change =
            db(band_energy(&out, RATE, lo, 2.0 * lo) / band_energy(&signal, RATE, lo, 2.0 * lo));
        assert!(
            change.abs() < 0.5,
            "{lo}–{} Hz changed {change:+.2} dB",
            2.0 * lo
        );
        lo *= 2.0;
    }
}

#[test]
fn denoising_removes_hiss_in_pauses_and_keeps_the_whisper() {
    let voice = fixture();
    // Two seconds of room tone before the whisper, so there are pauses to measure.
    let lead = 2 * RATE as usize;
    let mut clean_voice = vec![0.0; lead];
    clean_voice.extend_from_slice(&voice);
    let hiss = pink(clean_voice.len(), -50.0);
    let noisy: Vec<f32> = clean_voice.iter().zip(&hiss).map(|(v, n)| v + n).collect();
    let out = clean(&noisy, 0.0, 1.0);

    // Pauses: the last second of the lead-in (the first half second is for learning) and the
    // whisper's own silent frames.
    let pause = RATE as usize..lead;
    let before = band_energy(&noisy[pause.clone()], RATE, 20.0, 20_000.0);
    let after = band_energy(&out[pause], RATE, 20.0, 20_000.0);
    let noise_drop = db(before / after);

    // The whisper: over its frames (those above −40 dBFS), each octave band of the cleaned
    // whisper keeps the energy of the whisper recorded without noise.
    let bands = [250.0, 500.0, 1_000.0, 2_000.0, 4_000.0, 8_000.0];
    let (mut recorded, mut cleaned) = (vec![0.0; bands.len()], vec![0.0; bands.len()]);
    let mut whisper_frames = 0;
    for start in frames(voice.len()).map(|s| s + lead) {
        let x = &clean_voice[start..start + FRAME];
        if x.iter().map(|v| v * v).sum::<f32>() / (FRAME as f32) < 1e-4 {
            continue;
        }
        whisper_frames += 1;
        let y = &out[start..start + FRAME];
        for (i, &lo) in bands.iter().enumerate() {
            recorded[i] += band_energy(x, RATE, lo, 2.0 * lo);
            cleaned[i] += band_energy(y, RATE, lo, 2.0 * lo);
        }
    }
    let changes: Vec<f64> = cleaned
        .iter()
        .zip(&recorded)
        .map(|(c, r)| db(c / r))
        .collect();
    let worst = changes.iter().fold(0.0f64, |m, c| m.max(c.abs()));
    println!("{whisper_frames} whisper frames, octave bands from 250 Hz: {changes:+.2?} dB");
    assert!(whisper_frames > 50, "{whisper_frames} whisper frames");
    println!("noise in pauses −{noise_drop:.1} dB; whisper bands changed at most {worst:.2} dB");
    assert!(noise_drop >= 12.0, "noise down by only {noise_drop:.1} dB");
    assert!(worst < 2.0, "a whisper band changed {worst:.2} dB");
}

#[test]
fn silence_and_a_pure_tone_come_through_without_bursts() {
    let floor = 10f32.powf(-80.0 / 20.0);
    // Silence stays silence.
    let silence = vec![0.0; 4 * RATE as usize];
    let out = clean(&silence, 1.0, 1.0);
    assert!(out.iter().all(|y| y.abs() < floor));
    // A tone, then silence: no warble at other frequencies, no burst after it ends. The tone
    // sits on an analysis bin (22 × 46.875 Hz), so the measurement itself leaks nothing.
    let mut tone = testkit::signal::sine(4 * RATE as usize, 1_031.25, 0.1, RATE);
    tone.extend(vec![0.0; RATE as usize]);
    let out = clean(&tone, 1.0, 1.0);
    let rms = |x: &[f32]| (x.iter().map(|v| v * v).sum::<f32>() / x.len() as f32).sqrt();
    let input_rms = rms(&tone[..FRAME]);
    for start in frames(4 * RATE as usize) {
        let y = &out[start..start + FRAME];
        // Learnt as hum, the tone fades down; it never swells above itself on the way.
        assert!(
            rms(y) <= input_rms * 1.01,
            "at {start}: {} > {input_rms}",
            rms(y)
        );
        // Once learnt, a steady tone: no warble spreading it over other frequencies.
        if start >= RATE as usize {
            let elsewhere =
                band_energy(y, RATE, 20.0, 700.0) + band_energy(y, RATE, 1_400.0, 20_000.0);
            let total = band_energy(y, RATE, 20.0, 20_000.0);
            assert!(
                elsewhere < total * 1e-4,
                "at {start}: {:.1} dB of the tone's energy off its frequency",
                db(elsewhere / total)
            );
        }
    }
    let tail = &out[4 * RATE as usize + 2 * FRAME..];
    let loudest = tail.iter().fold(0.0f32, |m, y| m.max(y.abs()));
    assert!(loudest < floor, "{loudest} after the tone ended");
}
